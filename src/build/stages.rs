//! BUILD, the stages in order: load → parse (through the parse cache) →
//! resolve, for every command that needs the resolved site (`build`,
//! `check`, the tests).

use crate::config::SiteConfig;
use crate::error::Result;
use crate::util::timing::StageTimes;
use crate::{cache, load, output, resolve};

/// Loads, parses and resolves the graph of `config` (no writing).
pub fn load_site(config: &SiteConfig) -> Result<resolve::Site> {
    load_site_timed(config, &mut StageTimes::default())
}

fn load_site_timed(config: &SiteConfig, times: &mut StageTimes) -> Result<resolve::Site> {
    let skip = vec![output::absolute(&config.output_dir)];
    let graph = times.time("load", || load::Graph::load(&config.notes_dir, &skip))?;
    Ok(site_of_graph(config, graph, times))
}

/// Parses and resolves a graph that was read.
fn site_of_graph(config: &SiteConfig, graph: load::Graph, times: &mut StageTimes) -> resolve::Site {
    let none = std::collections::HashMap::new();
    let listed = cache::notes::Listed::default();
    site_of_graph_reusing(config, graph, times, &none, cache::notes::NoteCache::default, &listed).0
}

/// Parses a graph that was read, taking from the parse cache (read by
/// `cache`, as part of the parse stage) the notes whose source hash (in
/// `hashes`, by path) it holds, and resolves it; the notes of `listed` had
/// their text dropped (see [`cache::notes::Listed`]). Also gives what the
/// next parse cache needs.
pub(crate) fn site_of_graph_reusing(
    config: &SiteConfig,
    mut graph: load::Graph,
    times: &mut StageTimes,
    hashes: &std::collections::HashMap<String, u64>,
    cache: impl FnOnce() -> cache::notes::NoteCache,
    listed: &cache::notes::Listed,
) -> (resolve::Site, cache::notes::Kept) {
    // Each source is freed as soon as it is parsed: resolving reuses its memory.
    let sources = std::mem::take(&mut graph.notes);
    let parsed = times.time("parse", || cache::notes::parse_all(sources, hashes, cache(), listed));
    let cache::notes::Parsed { notes, reused, mut kept } = parsed;
    let assets = graph.assets.iter().map(|a| a.rel_path.clone()).collect();
    let (mut site, mentions) = times.time("resolve", || {
        let (site, mentions) =
            resolve::resolve_reusing(config.clone(), graph.logseq, notes, assets, reused);
        // How the blocks of the notes just parsed show in reference lists.
        kept.complete(&site);
        (site, mentions)
    });
    kept.mentions = mentions;
    site.diagnostics.extend(graph.diagnostics);
    site.diagnostics.sort();
    site.custom_css = graph.custom_css;
    (site, kept)
}
