//! BUILD: the whole pipeline behind `blockpress build`, over the previous
//! output when there is one.
//!
//! load → (nothing changed? stop) → parse → resolve → signatures → render
//! what changed, writing each file as soon as it is rendered → move the new
//! files into place → write the cache. See [`crate::cache`] for what is kept
//! between builds and why a kept file is what a cold build would write.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::cache::notes::{Listed, NoteCache};
use crate::cache::sig::{Fp, Listing};
use crate::cache::{self, Group, Manifest, PageEntry};
use crate::config::SiteConfig;
use crate::error::{Diagnostic, Error, Result};
use crate::output::{SiteWriter, WriteReport};
use crate::render::templates::Theme;
use crate::render::{self, OutputFile, Shared};
use crate::resolve::{BlockLoc, PageId, Site};
use crate::util::timing::{Stage, StageTimes};
use crate::{load, output};

mod plan;
mod stages;
mod write;

use plan::{Plan, fresh};
pub use stages::load_site;
pub(crate) use stages::site_of_graph_reusing;
use write::{Staging, render_and_write};

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// Pages published (page files, not counting the home and 404 pages).
    pub pages: usize,
    /// Files written, unchanged and removed.
    pub write: output::WriteReport,
    /// Warnings about the notes, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Pages rendered (the others were kept from the previous build).
    pub rendered: usize,
    /// Wall time of the whole build.
    pub elapsed: Duration,
    /// Each stage: name, wall time, the process's peak memory at its end.
    pub stages: Vec<Stage>,
    /// Problems of the build itself that did not stop it (not about the
    /// notes), e.g. a build cache that could not be written.
    pub notices: Vec<String>,
}

/// How to build.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Ignore the previous build's cache: render and compare everything.
    pub no_cache: bool,
    /// Show a progress bar on the terminal when rendering takes more than a second.
    pub progress: bool,
}

/// Builds the site of `config` into its output folder.
pub fn build(config: &SiteConfig, options: &BuildOptions) -> Result<BuildReport> {
    let start = Instant::now();
    let mut times = StageTimes::default();
    let out = config.output_dir.as_path();
    output::check_output_dir(out, &config.notes_dir)?;
    let theme = Theme::load(&config.themes_dir, &config.theme)?;
    let skip = vec![output::absolute(out)];
    let graph = times.time("load", || load::Graph::load(&config.notes_dir, &skip))?;
    let previous = if options.no_cache { None } else { Manifest::read(out) };
    let hashes: HashMap<String, u64> =
        graph.notes.par_iter().map(|s| (s.rel_path.clone(), cache::source_hash(s))).collect();
    let inputs = cache::inputs(config, &theme, &graph, &hashes);
    if let Some(prev) = previous.as_ref().filter(|p| p.inputs == inputs && p.all_intact(out)) {
        let write = WriteReport { unchanged: prev.sizes.len(), ..WriteReport::default() };
        return Ok(BuildReport {
            pages: prev.page_count,
            write,
            diagnostics: prev.diagnostics.clone(),
            rendered: 0,
            elapsed: start.elapsed(),
            stages: times.stages,
            notices: Vec::new(),
        });
    }
    // The parse and search caches, in the site's `.parts` folder: a binary
    // that cannot hash itself cannot tell its own files from another's, and
    // keeps none.
    let stamp = cache::binary_sig();
    let parts = cache::notes::dir_for(out).filter(|_| stamp != 0);
    let reading = parts.as_deref().filter(|_| !options.no_cache);
    let listed =
        reading.map_or_else(Listed::default, |dir| Listed::read(dir, stamp, &config.notes_dir));
    let mut graph = graph;
    listed.drop_texts(&mut graph.notes, &hashes);
    let read_cache = || reading.map_or_else(NoteCache::default, |dir| NoteCache::read(dir, stamp));
    let (site, mut kept) =
        site_of_graph_reusing(config, graph, &mut times, &hashes, read_cache, &listed);
    let listings = std::mem::take(&mut kept.listings);
    let previous = previous.unwrap_or_default();
    // A build that stops between moving its files into place and writing
    // the new cache must not leave the old cache describing the new files.
    Manifest::forget(out);
    // Every file is written beside its place as soon as it is made; "write"
    // moves them in.
    let staging = Staging::begin(out, &previous)?;
    let store = parts
        .clone()
        .map(|dir| cache::search::PartStore::new(dir, stamp, !options.no_cache, &hashes));
    // The search index depends on the resolved site alone, and any change
    // of the notes changes it: it is made whenever a build gets this far,
    // its files compared with the old ones, the search cache making that
    // cheap.
    let search = || -> Result<Group> {
        let mut paths = Vec::new();
        let runs = store.as_ref().map(|s| s as &dyn crate::search::stored::RunStore);
        crate::search::each_search_file_cached(&site, runs, &mut |file| {
            paths.push(file.path.clone());
            staging.add(file)
        })?;
        Ok(Group { sig: 0, paths })
    };
    // Over a previous build, it is made while the plan is (whose serial
    // parts leave a core free); a cold build makes it last, once the blocks
    // rendered for the pages are freed, so that the two are never in memory
    // together. The parse cache is written while the plan is made:
    // everything it holds is known once the site is resolved.
    let alongside = !previous.pages.is_empty();
    let ((written, mut plan), early) = times.time("plan", || {
        // The site graph first, on both cores: of the plan's steps, it takes
        // the most memory while it is made, which the search index would add to.
        let mut step = crate::util::timing::Steps::new("plan");
        let shared = Shared::new(&site);
        step.done("shared parts (graph, navigation)");
        rayon::join(
            || {
                rayon::join(
                    // What the cache keeps of the notes, but the listings
                    // the plan needs too, is freed once written.
                    || {
                        let kept = kept;
                        match &parts {
                            Some(dir) => {
                                cache::notes::write(dir, stamp, &site, &hashes, &kept, &listings)
                            }
                            None => Ok(()),
                        }
                    },
                    || Plan::new(config, &site, &theme, &hashes, &listings, &previous, shared),
                )
            },
            || alongside.then(search),
        )
    });
    drop(listings);
    let mut manifest = Manifest {
        inputs,
        base: plan.base,
        graph: plan.graph_sig,
        page_count: site.published().count(),
        ..Manifest::default()
    };
    let (mut diagnostics, rendered) =
        times.time("render", || -> Result<(Vec<Diagnostic>, usize)> {
            let rendered = render_and_write(
                &site,
                &theme,
                &mut plan,
                &previous,
                options,
                &mut manifest,
                &staging,
            )?;
            let search = match early {
                Some(made) => made,
                None => {
                    // The site graph (15 MB for 10,000 pages) has served the
                    // pages: freed before the index is made.
                    plan.shared.graph =
                        std::sync::Arc::new(crate::graph::SiteGraph::new(Vec::new(), &[]));
                    search()
                }
            }?;
            log::debug!(
                "search index: peak memory {:?} MB",
                crate::util::timing::peak_memory().map(|b| b / 1_000_000)
            );
            manifest.groups.insert("search".to_string(), search);
            Ok(rendered)
        })?;
    let Staging { writer, sizes, .. } = staging;
    manifest.sizes = sizes.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let write = times.time("write", || writer.commit(&[]))?;
    diagnostics.extend(site.diagnostics.iter().cloned());
    diagnostics.sort();
    diagnostics.dedup();
    manifest.diagnostics = diagnostics.clone();
    let mut notices = Vec::new();
    if let Err(error) = manifest.write(out) {
        notices.push(format!(
            "the build cache could not be written ({error}); the next build renders everything"
        ));
    }
    if let Err(error) = written {
        notices.push(format!(
            "the parse cache could not be written ({error}); the next build parses every note"
        ));
    }
    if let Some(error) = store.as_ref().and_then(cache::search::PartStore::error) {
        notices.push(format!(
            "the search cache could not be written ({error}); the next build indexes every page"
        ));
    }
    // Freeing the parsed and resolved graph takes a while and nobody waits
    // for it: it happens on a thread of its own (a process that exits
    // first leaves it to the system).
    let page_count = manifest.page_count;
    drop(store);
    std::thread::spawn(move || drop((site, plan, manifest, previous)));
    Ok(BuildReport {
        pages: page_count,
        write,
        diagnostics,
        rendered,
        elapsed: start.elapsed(),
        stages: times.stages,
        notices,
    })
}
