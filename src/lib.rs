//! blockpress: a static-site generator for Logseq graphs.
//!
//! A one-way pipeline, one module per stage:
//! [`config`] (site.toml) → [`load`] (read the graph) → [`parse`] (blocks,
//! properties, inline syntax) → [`resolve`] (links, backlinks, the site model)
//! → [`render`] (HTML) → [`output`] (write the site safely).
#![warn(missing_docs)]

pub mod build;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod graph;
pub mod init;
pub mod load;
pub mod output;
pub mod parse;
pub mod render;
pub mod resolve;
pub mod search;
pub mod serve;

use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use config::SiteConfig;
pub use error::{Diagnostic, Error, Result};

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

/// One stage of a build, as `build --verbose` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// load, parse, resolve, plan, render or write.
    pub name: &'static str,
    /// Wall time.
    pub time: Duration,
    /// The process's peak resident memory so far, in bytes, where the
    /// system tells it (Linux).
    pub peak_memory: Option<u64>,
}

/// The stages of a build, in pipeline order.
#[derive(Debug, Clone, Default)]
pub struct StageTimes {
    /// Each stage run so far.
    pub stages: Vec<Stage>,
}

impl StageTimes {
    /// Runs `f` as stage `name`, recording its wall time and the peak memory after it.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let result = f();
        let time = start.elapsed();
        self.stages.push(Stage { name, time, peak_memory: peak_memory() });
        result
    }
}

/// Logs the time of each step of a stage (`RUST_LOG=blockpress=debug`).
pub(crate) struct Steps {
    stage: &'static str,
    since: Instant,
}

impl Steps {
    pub(crate) fn new(stage: &'static str) -> Steps {
        Steps { stage, since: Instant::now() }
    }

    /// Logs the time since the previous step.
    pub(crate) fn done(&mut self, what: &str) {
        log::debug!("{}: {what} in {:.2?}", self.stage, self.since.elapsed());
        self.since = Instant::now();
    }
}

/// The peak resident memory of this process (`VmHWM`), in bytes; `None`
/// where `/proc` does not tell it.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 =
        line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}

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
fn site_of_graph_reusing(
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

/// Builds the site described by `config` into its output folder, rendering
/// only what changed since the previous build there (see [`cache`]).
pub fn build(config: &SiteConfig) -> Result<BuildReport> {
    build::build(config, &build::BuildOptions::default())
}

/// Every asset of the site, read.
pub fn asset_files(
    site: &resolve::Site,
    notes_dir: &std::path::Path,
) -> Result<Vec<render::OutputFile>> {
    site.assets
        .par_iter()
        .map(|rel| {
            let path = notes_dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            Ok(render::OutputFile { path: rel.clone(), bytes })
        })
        .collect()
}
