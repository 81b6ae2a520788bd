//! SERVE, rebuilding: the [`Engine`] keeps the whole pipeline's state between
//! rebuilds and redoes only what a change needs.
//!
//! * load/parse: notes are kept parsed, with a hash of their source; a change
//!   re-reads and re-parses only the files the watcher named (and a folder's
//!   files when a folder appears or disappears);
//! * resolve: an edit that leaves the graph's structure alone is patched into
//!   the resolved site ([`super::patch`]); anything else (a new, deleted or
//!   renamed page, a link to a new page, an alias…) resolves the graph again;
//! * render: every output file has a signature of its inputs ([`super::sig`]);
//!   only files whose signature changed are rendered again, and only files
//!   whose bytes changed are written;
//! * the feeds and the search index, built from the whole site, are rebuilt
//!   after the reload event has gone out ([`Engine::finish`]).
//!
//! After each rebuild (and its `finish`), the output folder holds exactly what
//! `blockpress build` writes for the same notes.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use std::sync::Arc;

use rayon::prelude::*;

use super::deps::Deps;
use super::pages::{self, Shared};
use super::patch::{self, Aux};
use super::sig::{NoteSigs, SigCache, Sigs};
use super::sources::{self, GraphRoot, OnDisk, source_hash};
use super::watch::Changes;
use crate::cache::template_sig;
use crate::config::SiteConfig;
use crate::error::{Diagnostic, Error, Result};
use crate::graph::SiteGraph;
use crate::load::walk::FileKind;
use crate::load::{Graph, LogseqConfig, journal_date};
use crate::output;
use crate::parse::{Note, parse_note};
use crate::render::OutputFile;
use crate::render::templates::Theme;
use crate::resolve::{PageId, Site, identity, resolve};
use crate::util::hash::bytes_sig;
use graph::{Resolved, load_graph};
use render::asset_files;

mod graph;
mod render;
#[cfg(test)]
mod tests;

/// A problem that stops a rebuild: shown in the terminal and over the page.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file concerned, when known.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem from a build error.
    pub fn from_error(error: &Error) -> Problem {
        let (file, message) = match error {
            Error::Io { path, source } => (path.display().to_string(), source.to_string()),
            Error::Config { path, message } => (path.display().to_string(), message.clone()),
            other => (String::new(), other.to_string()),
        };
        let line = line_in(&message);
        Problem { file, line, message }
    }
}

/// The first `line N` / `N:` line number a message mentions.
fn line_in(message: &str) -> Option<usize> {
    let rest = message.split("line ").nth(1)?;
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// What a rebuild did.
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    /// Output paths written (new or changed).
    pub changed: Vec<String>,
    /// Output paths removed.
    pub removed: Vec<String>,
    /// Problems that kept this rebuild from being applied (the last good site stays).
    pub errors: Vec<Problem>,
    /// Warnings about the source files that changed.
    pub warnings: Vec<Diagnostic>,
    /// Source files that changed (graph-relative), or what else changed.
    pub sources: Vec<String>,
    /// Files rendered.
    pub rendered: usize,
    /// How the graph was resolved: `patched`, `resolved` or `-`.
    pub how: &'static str,
    /// The feeds and the search index still have to be rebuilt ([`Engine::finish`]).
    pub pending: bool,
    /// Wall time.
    pub elapsed: Duration,
}

/// Which part of the site an output file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Page,
    Index,
    Fixed,
    Whole,
    GraphPage,
    Asset,
}

/// The notes of a graph, parsed and resolved.
struct Loaded {
    logseq: LogseqConfig,
    site: Site,
    spare: BTreeMap<String, Note>,
    notes: HashMap<String, NoteSigs>,
    note_diags: BTreeMap<String, Vec<Diagnostic>>,
    load_diags: BTreeMap<String, Vec<Diagnostic>>,
}

/// The state of a served site between rebuilds.
pub struct Engine {
    config: SiteConfig,
    theme: Theme,
    template_sig: u64,
    graph: GraphRoot,
    logseq: LogseqConfig,
    site: Site,
    aux: Aux,
    /// Notes the site does not hold (files skipped as duplicate pages).
    spare: BTreeMap<String, Note>,
    notes: HashMap<String, NoteSigs>,
    note_diags: BTreeMap<String, Vec<Diagnostic>>,
    load_diags: BTreeMap<String, Vec<Diagnostic>>,
    /// Diagnostics of the last full resolve that resolving itself gave (duplicates, block ids).
    resolve_own: Vec<Diagnostic>,
    outputs: BTreeMap<String, (u64, Group)>,
    page_sigs: HashMap<String, u64>,
    index_sig: u64,
    fixed_sig: u64,
    base_sig: u64,
    whole_dirty: bool,
    resync: bool,
    /// The site's graph, kept while the links do not change.
    site_graph: Option<Arc<SiteGraph>>,
    /// Hash of each page's local graph, by identity.
    local_sigs: HashMap<String, u64>,
    /// `graph.html` must be rendered again.
    graph_dirty: bool,
    /// Signatures of the last rebuild, valid while the structure stays.
    sig_cache: SigCache,
    /// Embeds and block references both ways, valid while the structure stays.
    deps: Option<Deps>,
    /// The theme on disk does not load: nothing renders until it is fixed.
    theme_error: Option<Problem>,
    mirror_ok: bool,
    nonce: u64,
    verify: bool,
}

impl Engine {
    /// Builds the site of `config` in full (as `blockpress build` does) and
    /// keeps what a rebuild needs. `verify` checks every incremental step
    /// against a full one (slow; for tests).
    pub fn new(config: SiteConfig, verify: bool) -> Result<(Engine, Outcome)> {
        let start = Instant::now();
        output::check_output_dir(&config.output_dir, &config.notes_dir)?;
        let theme = Theme::load(&config.themes_dir, &config.theme)?;
        let loaded = load_graph(&config)?;
        let (mut files, render_diags) = crate::render::render_site(&loaded.site, &theme)?;
        let mirror_ok = match pages::self_check(&loaded.site, &theme, &files) {
            Ok(()) => true,
            Err(why) => {
                eprintln!("warning: serve renders every page on each change ({why})");
                false
            }
        };
        files.extend(asset_files(&loaded.site, &config.notes_dir, None)?);
        output::write_site(&config.output_dir, &files)?;
        let graph = GraphRoot {
            root: config.notes_dir.clone(),
            skip: vec![output::absolute(&config.output_dir)],
        };
        let mut engine = Engine {
            template_sig: template_sig(&config),
            graph,
            logseq: loaded.logseq.clone(),
            aux: Aux::default(),
            site: resolve(config.clone(), loaded.logseq.clone(), Vec::new(), BTreeSet::new()),
            spare: BTreeMap::new(),
            notes: HashMap::new(),
            note_diags: BTreeMap::new(),
            load_diags: BTreeMap::new(),
            resolve_own: Vec::new(),
            outputs: BTreeMap::new(),
            page_sigs: HashMap::new(),
            index_sig: 0,
            fixed_sig: 0,
            base_sig: 0,
            whole_dirty: false,
            resync: false,
            theme_error: None,
            sig_cache: SigCache::default(),
            deps: None,
            site_graph: None,
            local_sigs: HashMap::new(),
            graph_dirty: false,
            mirror_ok,
            nonce: 0,
            verify,
            config,
            theme,
        };
        engine.install(loaded);
        let graph = Arc::new(SiteGraph::from_site(&engine.site));
        engine.local_sigs = pages::local_graphs(&engine.site, &graph);
        engine.site_graph = Some(graph);
        engine.outputs = engine.classify_outputs(&files);
        engine.remember_all_sigs();
        let mut warnings = engine.site.diagnostics.clone();
        warnings.extend(render_diags);
        warnings.sort();
        warnings.dedup();
        let outcome = Outcome {
            changed: files.iter().map(|f| f.path.clone()).collect(),
            warnings,
            rendered: files.len(),
            how: "full",
            elapsed: start.elapsed(),
            ..Outcome::default()
        };
        Ok((engine, outcome))
    }

    /// Builds what the first rebuild would otherwise build (the site's graph,
    /// the unlinked-reference matcher). Call once the engine stays in place:
    /// the graph is found by the site's address.
    pub fn prepare(&mut self) {
        if self.site_graph.is_none() {
            self.site_graph = Some(Arc::new(SiteGraph::from_site(&self.site)));
        }
        self.aux.prepare(&self.site);
    }

    /// The shared rendering parts, with the site's graph as kept (built now
    /// when there is none; a change of links replaces it in `render`).
    fn shared(&self) -> Shared {
        let graph = match &self.site_graph {
            Some(graph) => Arc::clone(graph),
            None => Arc::new(SiteGraph::from_site(&self.site)),
        };
        Shared::with_graph(&self.site, graph)
    }

    /// The configuration being served.
    pub fn config(&self) -> &SiteConfig {
        &self.config
    }

    /// The resolved site.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Every output path, as on disk.
    pub fn output_paths(&self) -> impl Iterator<Item = &str> {
        self.outputs.keys().map(String::as_str)
    }

    /// Number of published pages.
    pub fn page_count(&self) -> usize {
        self.site.published().count()
    }

    /// Applies a burst of changes; the output folder then holds the new site
    /// (but for the feeds and the search index when `pending`: see [`Engine::finish`]).
    pub fn apply(&mut self, changes: &Changes) -> Outcome {
        let start = Instant::now();
        self.nonce += 1;
        let mut outcome = Outcome { how: "-", ..Outcome::default() };
        if !changes.theme.is_empty() {
            outcome.sources.push(format!("theme `{}`", self.config.theme));
            match Theme::load(&self.config.themes_dir, &self.config.theme) {
                Ok(theme) => {
                    self.theme = theme;
                    self.template_sig = template_sig(&self.config);
                    self.theme_error = None;
                }
                Err(error) => self.theme_error = Some(Problem::from_error(&error)),
            }
        }
        let result = self.apply_graph(changes, &mut outcome);
        let result = match (&self.theme_error, result) {
            (_, Err(error)) => Err(Problem::from_error(&error)),
            (Some(problem), Ok(_)) => Err(problem.clone()),
            (None, Ok(resolved)) => {
                self.render(resolved, &mut outcome).map_err(|e| Problem::from_error(&e))
            }
        };
        if let Err(problem) = result {
            self.resync = true;
            outcome.changed.clear();
            outcome.removed.clear();
            outcome.errors.push(problem);
        }
        outcome.warnings =
            self.warnings_for(&outcome.sources, std::mem::take(&mut outcome.warnings));
        outcome.pending = (self.whole_dirty || self.graph_dirty) && outcome.errors.is_empty();
        outcome.elapsed = start.elapsed();
        outcome
    }

    /// Rebuilds the feeds and the search index after an [`Engine::apply`] that left them pending.
    pub fn finish(&mut self) -> Option<Outcome> {
        if !self.whole_dirty && !self.graph_dirty {
            return None;
        }
        let start = Instant::now();
        let mut outcome = Outcome { how: "-", ..Outcome::default() };
        let shared = self.shared();
        let files = pages::render_whole(&self.site, &shared);
        let expected: HashSet<String> = files.iter().map(|f| f.path.clone()).collect();
        let mut written = self
            .write_files(Group::Whole, files, &mut outcome)
            .and_then(|()| self.remove_stale(Group::Whole, &expected, &mut outcome));
        if self.graph_dirty && written.is_ok() {
            written = pages::render_graph_page(&self.theme, &shared)
                .and_then(|file| self.write_files(Group::GraphPage, vec![file], &mut outcome));
            self.graph_dirty = false;
        }
        if let Err(error) = written {
            outcome.errors.push(Problem::from_error(&error));
            self.resync = true;
        }
        self.whole_dirty = false;
        outcome.elapsed = start.elapsed();
        Some(outcome)
    }

    /// Diagnostics about `sources`: parse, load and resolve warnings plus `rendered`.
    fn warnings_for(&self, sources: &[String], rendered: Vec<Diagnostic>) -> Vec<Diagnostic> {
        let sources: HashSet<&Path> = sources.iter().map(Path::new).collect();
        let mut found: Vec<Diagnostic> = rendered;
        found.extend(self.resolve_own.iter().cloned());
        for source in &sources {
            let key = source.to_string_lossy();
            found.extend(self.note_diags.get(key.as_ref()).into_iter().flatten().cloned());
            found.extend(self.load_diags.get(key.as_ref()).into_iter().flatten().cloned());
        }
        found.retain(|d| sources.contains(d.path.as_path()));
        found.sort();
        found.dedup();
        found
    }

    /// Remembers which of the site's diagnostics its resolve gave.
    fn split_diagnostics(&mut self) {
        let known: HashSet<&Diagnostic> =
            self.note_diags.values().chain(self.load_diags.values()).flatten().collect();
        self.resolve_own =
            self.site.diagnostics.iter().filter(|d| !known.contains(d)).cloned().collect();
    }
}
