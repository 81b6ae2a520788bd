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

/// Notes that `resolve` may skip as duplicates (same page as an earlier file,
/// or the namespace parent of an earlier file): kept aside before resolving.
fn may_be_skipped(notes: &[Note], logseq: &LogseqConfig) -> HashSet<String> {
    let key = |n: &Note| match n.journal {
        Some(d) => identity(&journal_date::format(d, &logseq.journal_title_format)),
        None => patch::ref_identity(&n.name, logseq),
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut prefixes: HashSet<String> = HashSet::new();
    for note in notes {
        *seen.entry(key(note)).or_default() += 1;
        let parts: Vec<&str> = note.name.split('/').collect();
        for end in 1..parts.len() {
            prefixes.insert(identity(&parts[..end].join("/")));
        }
    }
    notes
        .iter()
        .filter(|n| seen.get(&key(n)).is_some_and(|&c| c > 1) || prefixes.contains(&key(n)))
        .map(|n| n.rel_path.clone())
        .collect()
}

/// Resolves `notes` as `load_site` does; returns the site and the notes it skipped.
fn resolve_notes(
    config: &SiteConfig,
    logseq: &LogseqConfig,
    mut notes: Vec<Note>,
    note_diags: &BTreeMap<String, Vec<Diagnostic>>,
    load_diags: &BTreeMap<String, Vec<Diagnostic>>,
    assets: BTreeSet<String>,
    custom_css: Option<String>,
) -> (Site, BTreeMap<String, Note>) {
    let risky = may_be_skipped(&notes, logseq);
    let kept: Vec<Note> = notes.iter().filter(|n| risky.contains(&n.rel_path)).cloned().collect();
    for note in &mut notes {
        note.diagnostics = note_diags.get(&note.rel_path).cloned().unwrap_or_default();
    }
    let mut site = resolve(config.clone(), logseq.clone(), notes, assets);
    site.diagnostics.extend(load_diags.values().flatten().cloned());
    site.diagnostics.sort();
    site.custom_css = custom_css;
    let held: HashSet<&str> =
        site.pages.iter().filter_map(|p| p.note.as_ref()).map(|n| n.rel_path.as_str()).collect();
    let spare = kept
        .into_iter()
        .filter(|n| !held.contains(n.rel_path.as_str()))
        .map(|n| (n.rel_path.clone(), n))
        .collect();
    (site, spare)
}

/// Reads, parses and resolves the whole graph, as `load_site` does.
fn load_graph(config: &SiteConfig) -> Result<Loaded> {
    let skip = vec![output::absolute(&config.output_dir)];
    let graph = Graph::load(&config.notes_dir, &skip)?;
    let logseq = graph.logseq.clone();
    let parsed: Vec<(Note, NoteSigs)> = graph
        .notes
        .par_iter()
        .map(|source| {
            let note = parse_note(source);
            let sigs = NoteSigs::of(&note, source_hash(source), &logseq);
            (note, sigs)
        })
        .collect();
    let mut notes = Vec::with_capacity(parsed.len());
    let mut sigs = HashMap::new();
    let mut note_diags = BTreeMap::new();
    for (mut note, sig) in parsed {
        note_diags.insert(note.rel_path.clone(), std::mem::take(&mut note.diagnostics));
        sigs.insert(note.rel_path.clone(), sig);
        notes.push(note);
    }
    let mut load_diags: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    for diagnostic in graph.diagnostics {
        load_diags
            .entry(diagnostic.path.to_string_lossy().into_owned())
            .or_default()
            .push(diagnostic);
    }
    let assets = graph.assets.iter().map(|a| a.rel_path.clone()).collect();
    let (site, spare) =
        resolve_notes(config, &logseq, notes, &note_diags, &load_diags, assets, graph.custom_css);
    Ok(Loaded { logseq, site, spare, notes: sigs, note_diags, load_diags })
}

/// Reads the graph's assets as `build` copies them.
fn asset_files(
    site: &Site,
    notes_dir: &Path,
    only: Option<&BTreeSet<String>>,
) -> Result<Vec<OutputFile>> {
    site.assets
        .par_iter()
        .filter(|rel| only.is_none_or(|o| o.contains(*rel)))
        .map(|rel| {
            let path = notes_dir.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            Ok(OutputFile { path: rel.clone(), bytes })
        })
        .collect()
}

/// What re-reading the changed graph files found.
#[derive(Default)]
struct GraphDelta {
    /// Notes new or changed, parsed (diagnostics taken out).
    notes: Vec<Note>,
    /// Notes deleted.
    deleted: Vec<String>,
    /// How many of `notes` are new files.
    added: usize,
    /// Assets added, removed or changed.
    assets: BTreeSet<String>,
    /// `logseq/custom.css` changed.
    css: bool,
    /// `logseq/config.edn` changed or events were lost: read everything again.
    reload: bool,
    /// Source files that changed, for the report.
    sources: BTreeSet<String>,
}

/// How the site was brought up to date before rendering.
#[derive(Default)]
struct Resolved {
    /// Notes patched in place (`None`: the site was resolved again, or nothing changed in it).
    patched: Vec<patch::Patched>,
    /// The site was resolved (or loaded) again: every page is a candidate.
    whole: bool,
    /// Assets to copy again.
    assets: BTreeSet<String>,
    /// Every asset must be checked (after a reload).
    all_assets: bool,
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

    fn classify_outputs(&self, files: &[OutputFile]) -> BTreeMap<String, (u64, Group)> {
        let page_paths: HashSet<String> =
            self.site.published().map(|(_, p)| p.file_name()).collect();
        let shared = self.shared();
        let fixed: HashSet<String> = pages::render_fixed(&self.site, &self.theme, &shared)
            .map(|files| files.into_iter().map(|f| f.path).collect())
            .unwrap_or_default();
        let whole: HashSet<String> =
            pages::render_whole(&self.site, &shared).into_iter().map(|f| f.path).collect();
        files
            .iter()
            .map(|f| {
                let group = if self.site.assets.contains(&f.path) {
                    Group::Asset
                } else if f.path == "graph.html" {
                    Group::GraphPage
                } else if page_paths.contains(&f.path) {
                    Group::Page
                } else if fixed.contains(&f.path) {
                    Group::Fixed
                } else if whole.contains(&f.path) {
                    Group::Whole
                } else {
                    Group::Index
                };
                (f.path.clone(), (bytes_sig(&f.bytes), group))
            })
            .collect()
    }

    fn base_sig(&self, shared: &Shared) -> u64 {
        crate::cache::base_sig(&self.config, &self.site, shared, self.template_sig)
    }

    fn fixed_sig(&self, base: u64) -> u64 {
        crate::cache::fixed_sig(base, &self.theme, &self.site)
    }

    /// Signatures of everything, as rendered now.
    fn remember_all_sigs(&mut self) {
        let shared = self.shared();
        let base = self.base_sig(&shared);
        let mut sigs = Sigs::new(&self.site, &self.notes, self.nonce);
        let page_sigs: HashMap<String, u64> = self
            .site
            .published()
            .map(|(id, page)| {
                let local = self.local_sigs.get(&page.identity).copied().unwrap_or_default();
                (page.identity.clone(), sigs.page_sig(id, base, shared.neighbours(id), local))
            })
            .collect();
        self.index_sig =
            crate::cache::index_sig(&self.site, &mut sigs, &shared, base, &self.local_sigs);
        self.sig_cache = sigs.into_cache();
        self.fixed_sig = self.fixed_sig(base);
        self.base_sig = base;
        self.page_sigs = page_sigs;
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

    /// Re-reads what changed in the graph and brings the resolved site up to date.
    fn apply_graph(&mut self, changes: &Changes, outcome: &mut Outcome) -> Result<Resolved> {
        let mut resolved = Resolved::default();
        if changes.graph.is_empty() && !changes.rescan {
            return Ok(resolved);
        }
        let delta = self.read_changes(changes)?;
        outcome.sources.extend(delta.sources.iter().cloned());
        if delta.reload {
            let loaded = load_graph(&self.config)?;
            self.install(loaded);
            outcome.how = "resolved";
            self.whole_dirty = true;
            resolved.whole = true;
            resolved.all_assets = true;
            return Ok(resolved);
        }
        if delta.css {
            let path = self.config.notes_dir.join("logseq/custom.css");
            self.site.custom_css = std::fs::read_to_string(path).ok();
        }
        resolved.assets = delta.assets.clone();
        let assets_moved = delta.assets.iter().any(|rel| {
            self.site.assets.contains(rel)
                != matches!(
                    self.graph.kind_on_disk(rel, &self.logseq),
                    OnDisk::File(FileKind::Asset)
                )
        });
        if assets_moved {
            for rel in &delta.assets {
                match self.graph.kind_on_disk(rel, &self.logseq) {
                    OnDisk::File(FileKind::Asset) => self.site.assets.insert(rel.clone()),
                    _ => self.site.assets.remove(rel),
                };
            }
            self.whole_dirty = true;
        }
        if delta.notes.is_empty() && delta.deleted.is_empty() {
            return Ok(resolved);
        }
        self.whole_dirty = true;
        if delta.added > 0 || !delta.deleted.is_empty() {
            self.resolve_with(delta.notes, &delta.deleted);
            outcome.how = "resolved";
            resolved.whole = true;
            return Ok(resolved);
        }
        let mut unpatched = Vec::new();
        for note in delta.notes {
            if let Some(spare) = self.spare.get_mut(&note.rel_path) {
                if spare.name == note.name && spare.journal == note.journal {
                    *spare = note;
                    continue;
                }
            }
            match patch::patch(&mut self.site, &mut self.aux, note) {
                Ok(done) => resolved.patched.push(done),
                Err(refused) => {
                    let (note, why) = *refused;
                    log::debug!("{}: resolving the whole graph: {why}", note.rel_path);
                    unpatched.push(note);
                }
            }
        }
        if unpatched.is_empty() {
            outcome.how = "patched";
            if self.verify {
                self.verify_resolve(outcome);
            }
        } else {
            self.resolve_with(unpatched, &[]);
            outcome.how = "resolved";
            resolved.whole = true;
        }
        Ok(resolved)
    }

    /// Looks at each changed path on disk: reads and parses changed notes.
    fn read_changes(&mut self, changes: &Changes) -> Result<GraphDelta> {
        let mut delta = GraphDelta { reload: changes.rescan, ..GraphDelta::default() };
        let mut paths: Vec<String> = Vec::new();
        for rel in &changes.graph {
            match rel.as_str() {
                "logseq/config.edn" => {
                    delta.reload = true;
                    delta.sources.insert(rel.clone());
                }
                "logseq/custom.css" => {
                    delta.css = true;
                    delta.sources.insert(rel.clone());
                }
                _ => paths.push(rel.clone()),
            }
        }
        if delta.reload {
            return Ok(delta);
        }
        let mut files: BTreeMap<String, OnDisk> = BTreeMap::new();
        for rel in paths {
            match self.graph.kind_on_disk(&rel, &self.logseq) {
                OnDisk::Folder => self.add_folder(&rel, &mut files),
                kind => {
                    files.insert(rel.clone(), kind);
                }
            }
            if !matches!(files.get(&rel), Some(OnDisk::File(_))) {
                // A folder (or a file) went away: so did everything known under it.
                let prefix = format!("{rel}/");
                let known =
                    self.notes.keys().chain(self.site.assets.iter()).chain(self.load_diags.keys());
                let under: Vec<String> =
                    known.filter(|k| k.starts_with(&prefix)).cloned().collect();
                for path in under {
                    let kind = self.graph.kind_on_disk(&path, &self.logseq);
                    files.entry(path).or_insert(kind);
                }
            }
        }
        let reads: Vec<(String, OnDisk, Option<ReadNote>)> = files
            .into_par_iter()
            .map(|(rel, kind)| {
                let read = match kind {
                    OnDisk::File(FileKind::Note) => Some(self.read_note(&rel)),
                    _ => None,
                };
                (rel, kind, read)
            })
            .collect();
        for (rel, kind, read) in reads {
            self.record(rel, kind, read, &mut delta);
        }
        Ok(delta)
    }

    /// Every file under a folder that a build would read.
    fn add_folder(&self, rel: &str, files: &mut BTreeMap<String, OnDisk>) {
        let dir = self.graph.root.join(rel);
        for entry in
            walkdir::WalkDir::new(&dir).follow_links(false).into_iter().filter_map(|e| e.ok())
        {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(sub) = entry.path().strip_prefix(&self.graph.root) else { continue };
            let sub: Vec<String> =
                sub.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let sub = sub.join("/");
            let kind = self.graph.kind_on_disk(&sub, &self.logseq);
            files.insert(sub, kind);
        }
    }

    fn read_note(&self, rel: &str) -> ReadNote {
        match sources::read_note(&self.graph.root, rel, &self.logseq) {
            Err(diagnostic) => ReadNote::Unreadable(diagnostic),
            Ok((source, diagnostic)) => {
                let hash = source_hash(&source);
                if self.notes.get(rel).is_some_and(|s| s.content == hash) {
                    return ReadNote::Same(diagnostic);
                }
                let note = parse_note(&source);
                let sigs = NoteSigs::of(&note, hash, &self.logseq);
                ReadNote::Parsed(Box::new((note, sigs)), diagnostic)
            }
        }
    }

    /// Records what one path is now.
    fn record(
        &mut self,
        rel: String,
        kind: OnDisk,
        read: Option<ReadNote>,
        delta: &mut GraphDelta,
    ) {
        let known_note = self.notes.contains_key(&rel);
        let had_load_diags = self.load_diags.remove(&rel).is_some();
        match (kind, read) {
            (_, Some(ReadNote::Same(diagnostic))) => {
                self.load_diags.extend(diagnostic.map(|d| (rel.clone(), vec![d])));
            }
            (_, Some(ReadNote::Parsed(parsed, diagnostic))) => {
                let (mut note, sigs) = *parsed;
                self.load_diags.extend(diagnostic.map(|d| (rel.clone(), vec![d])));
                self.note_diags.insert(rel.clone(), std::mem::take(&mut note.diagnostics));
                self.notes.insert(rel.clone(), sigs);
                delta.added += usize::from(!known_note);
                delta.notes.push(note);
                delta.sources.insert(rel);
            }
            (_, Some(ReadNote::Unreadable(diagnostic))) => {
                self.load_diags.insert(rel.clone(), vec![diagnostic]);
                self.forget_note(&rel, known_note, delta);
            }
            (OnDisk::File(FileKind::OrgNote), None) => {
                self.load_diags.insert(rel.clone(), vec![sources::org_warning(&rel)]);
                self.forget_note(&rel, known_note, delta);
                if !had_load_diags {
                    delta.sources.insert(rel);
                }
            }
            (OnDisk::File(FileKind::Asset), None) => {
                self.forget_note(&rel, known_note, delta);
                delta.assets.insert(rel.clone());
                delta.sources.insert(rel);
            }
            (_, None) => {
                self.forget_note(&rel, known_note, delta);
                if self.site.assets.contains(&rel) {
                    delta.assets.insert(rel.clone());
                    delta.sources.insert(rel.clone());
                }
                if had_load_diags {
                    delta.sources.insert(rel);
                }
            }
        }
    }

    fn forget_note(&mut self, rel: &str, known: bool, delta: &mut GraphDelta) {
        if known {
            self.notes.remove(rel);
            self.note_diags.remove(rel);
            delta.deleted.push(rel.to_string());
            delta.sources.insert(rel.to_string());
        }
    }

    /// Resolves the whole graph again with `changed` notes replacing (or added
    /// to) the current ones and `deleted` ones gone.
    fn resolve_with(&mut self, changed: Vec<Note>, deleted: &[String]) {
        let mut by_path: BTreeMap<String, Note> = std::mem::take(&mut self.spare);
        for page in &mut self.site.pages {
            if let Some(note) = page.note.take() {
                by_path.insert(note.rel_path.clone(), note);
            }
        }
        for rel in deleted {
            by_path.remove(rel);
        }
        for note in changed {
            by_path.insert(note.rel_path.clone(), note);
        }
        let notes: Vec<Note> = by_path.into_values().collect();
        self.site_graph = None;
        self.deps = None;
        let (site, spare) = resolve_notes(
            &self.config,
            &self.logseq,
            notes,
            &self.note_diags,
            &self.load_diags,
            std::mem::take(&mut self.site.assets),
            self.site.custom_css.take(),
        );
        self.aux = Aux::new(&site);
        self.site = site;
        self.spare = spare;
        self.split_diagnostics();
    }

    fn install(&mut self, loaded: Loaded) {
        self.site_graph = None;
        self.deps = None;
        self.aux = Aux::new(&loaded.site);
        self.logseq = loaded.logseq;
        self.site = loaded.site;
        self.spare = loaded.spare;
        self.notes = loaded.notes;
        self.note_diags = loaded.note_diags;
        self.load_diags = loaded.load_diags;
        self.split_diagnostics();
    }

    /// Compares the patched site with a full resolve of the same notes; on a
    /// difference, reports it and keeps the full resolve.
    fn verify_resolve(&mut self, outcome: &mut Outcome) {
        let mut notes: Vec<Note> = self.spare.values().cloned().collect();
        notes.extend(self.site.pages.iter().filter_map(|p| p.note.clone()));
        let (full, _) = resolve_notes(
            &self.config,
            &self.logseq,
            notes,
            &self.note_diags,
            &self.load_diags,
            self.site.assets.clone(),
            self.site.custom_css.clone(),
        );
        let mismatch = full
            .pages
            .iter()
            .zip(&self.site.pages)
            .find(|(a, b)| format!("{a:?}") != format!("{b:?}"))
            .map(|(a, _)| format!("page {}", a.name))
            .or_else(|| (full.pages.len() != self.site.pages.len()).then(|| "page count".into()))
            .or_else(|| (full.by_uuid != self.site.by_uuid).then(|| "block ids".into()));
        if let Some(what) = mismatch {
            outcome.errors.push(Problem {
                file: String::new(),
                line: None,
                message: format!("internal: the patched site differs from a full resolve ({what})"),
            });
            self.site_graph = None;
            self.deps = None;
            self.aux = Aux::new(&full);
            self.site = full;
            self.resync = true;
        }
    }
}

/// A note read again.
enum ReadNote {
    /// Same source as before (with its encoding warning, if any).
    Same(Option<Diagnostic>),
    /// Changed: parsed, with its signatures and encoding warning.
    Parsed(Box<(Note, NoteSigs)>, Option<Diagnostic>),
    /// Cannot be read.
    Unreadable(Diagnostic),
}

impl Engine {
    /// Renders what the changes need and writes it.
    fn render(&mut self, resolved: Resolved, outcome: &mut Outcome) -> Result<()> {
        if !self.mirror_ok {
            return self.render_everything(outcome);
        }
        let mut shared = self.shared();
        let base = self.base_sig(&shared);
        let all = self.resync || resolved.whole || base != self.base_sig;
        let graph_changed = all || resolved.patched.iter().any(|p| p.graph_changed);
        if graph_changed {
            let graph = Arc::new(SiteGraph::from_site(&self.site));
            self.site_graph = Some(Arc::clone(&graph));
            shared.graph = graph;
        }
        let cache = if all { SigCache::default() } else { std::mem::take(&mut self.sig_cache) };
        let mut sigs = Sigs::with_cache(&self.site, &self.notes, self.nonce, cache);
        let mut candidates: BTreeSet<PageId> = if all {
            self.site.published().map(|(id, _)| id).collect()
        } else {
            let deps = self.deps.get_or_insert_with(|| Deps::build(&sigs));
            let mut touched: BTreeSet<PageId> = resolved.patched.iter().map(|p| p.page).collect();
            touched.extend(deps.users_of(resolved.patched.iter().flat_map(|p| &p.uuids)));
            for page in touched {
                deps.update(&sigs, page);
            }
            let (candidates, dirty) =
                candidates(&self.site, &mut self.aux, deps, &resolved.patched);
            sigs.forget(&dirty);
            candidates
        };
        if graph_changed {
            let local = pages::local_graphs(&self.site, &shared.graph);
            for (identity, sig) in &local {
                if self.local_sigs.get(identity) != Some(sig) {
                    candidates.extend(self.site.by_identity.get(identity).copied());
                }
            }
            self.local_sigs = local;
            self.graph_dirty = true;
        }
        let site = &self.site;
        let mut new_sigs: Vec<(String, u64)> = Vec::new();
        let mut to_render: Vec<PageId> = Vec::new();
        for id in candidates.into_iter().filter(|&id| site.pages[id].published) {
            let identity = &site.pages[id].identity;
            let local = self.local_sigs.get(identity).copied().unwrap_or_default();
            let sig = sigs.page_sig(id, base, shared.neighbours(id), local);
            if self.page_sigs.get(identity) != Some(&sig) {
                to_render.push(id);
            }
            new_sigs.push((identity.clone(), sig));
        }
        let index_sig = crate::cache::index_sig(site, &mut sigs, &shared, base, &self.local_sigs);
        if all {
            self.deps = Some(Deps::build(&sigs));
        }
        let cache = sigs.into_cache();
        let fixed_sig = self.fixed_sig(base);
        let theme = &self.theme;
        let rendered: Vec<(OutputFile, Vec<Diagnostic>)> = to_render
            .par_iter()
            .map(|&id| {
                let page = pages::render_page(site, theme, &shared, id, None)?;
                Ok((page.file, page.diagnostics))
            })
            .collect::<Result<_>>()?;
        let indexes = if index_sig != self.index_sig {
            let mut files = vec![pages::render_home(site, theme, &shared)?];
            files.extend(pages::render_indexes(site, theme, &shared)?);
            Some(files)
        } else {
            None
        };
        let fixed = if fixed_sig != self.fixed_sig {
            Some(pages::render_fixed(site, theme, &shared)?)
        } else {
            None
        };
        let assets = match resolved.all_assets {
            true => asset_files(site, &self.config.notes_dir, None)?,
            false => asset_files(site, &self.config.notes_dir, Some(&resolved.assets))?,
        };
        outcome.rendered = rendered.len()
            + indexes.as_ref().map_or(0, Vec::len)
            + fixed.as_ref().map_or(0, Vec::len);
        // Pages and assets come and go only with a new structure or asset changes.
        let page_paths: Option<HashSet<String>> =
            all.then(|| site.published().map(|(_, p)| p.file_name()).collect());
        let asset_paths: Option<HashSet<String>> =
            (all || !resolved.assets.is_empty()).then(|| site.assets.iter().cloned().collect());
        let mut files = Vec::with_capacity(rendered.len());
        for (file, diagnostics) in rendered {
            files.push(file);
            outcome.warnings.extend(diagnostics);
        }
        self.write_files(Group::Page, files, outcome)?;
        if let Some(paths) = page_paths {
            self.remove_stale(Group::Page, &paths, outcome)?;
        }
        if let Some(files) = indexes {
            let expected = files.iter().map(|f| f.path.clone()).collect();
            self.write_files(Group::Index, files, outcome)?;
            self.remove_stale(Group::Index, &expected, outcome)?;
        }
        if let Some(files) = fixed {
            let expected = files.iter().map(|f| f.path.clone()).collect();
            self.write_files(Group::Fixed, files, outcome)?;
            self.remove_stale(Group::Fixed, &expected, outcome)?;
        }
        self.write_files(Group::Asset, assets, outcome)?;
        if let Some(paths) = asset_paths {
            self.remove_stale(Group::Asset, &paths, outcome)?;
        }
        if all {
            self.page_sigs = new_sigs.into_iter().collect();
            self.whole_dirty = true;
        } else {
            self.page_sigs.extend(new_sigs);
        }
        self.index_sig = index_sig;
        self.fixed_sig = fixed_sig;
        self.base_sig = base;
        self.resync = false;
        self.sig_cache = cache;
        Ok(())
    }

    /// `render_site` in full, for when the mirror in [`pages`] does not match it.
    fn render_everything(&mut self, outcome: &mut Outcome) -> Result<()> {
        let (mut files, diagnostics) = crate::render::render_site(&self.site, &self.theme)?;
        files.extend(asset_files(&self.site, &self.config.notes_dir, None)?);
        outcome.rendered = files.len();
        outcome.warnings.extend(diagnostics);
        let groups = self.classify_outputs(&files);
        let expected: HashSet<String> = groups.keys().cloned().collect();
        for (path, (_, group)) in &groups {
            if let Some(entry) = self.outputs.get_mut(path) {
                entry.1 = *group;
            }
        }
        for group in
            [Group::Page, Group::Index, Group::Fixed, Group::Whole, Group::GraphPage, Group::Asset]
        {
            let part: Vec<OutputFile> = files
                .iter()
                .filter(|f| groups.get(&f.path).is_some_and(|g| g.1 == group))
                .cloned()
                .collect();
            self.write_files(group, part, outcome)?;
            self.remove_stale(group, &expected, outcome)?;
        }
        self.whole_dirty = false;
        self.resync = false;
        Ok(())
    }

    /// Writes the files of `group` whose bytes changed.
    fn write_files(
        &mut self,
        group: Group,
        files: Vec<OutputFile>,
        outcome: &mut Outcome,
    ) -> Result<()> {
        let out = &self.config.output_dir;
        let changed: Vec<(OutputFile, u64)> = files
            .into_iter()
            .map(|f| {
                let sig = bytes_sig(&f.bytes);
                (f, sig)
            })
            .filter(|(f, sig)| self.outputs.get(&f.path).map(|o| o.0) != Some(*sig))
            .collect();
        changed.par_iter().try_for_each(|(file, _)| -> Result<()> {
            let path = out.join(&file.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
            }
            output::write_if_changed(&path, &file.bytes).map(|_| ())
        })?;
        for (file, sig) in changed {
            outcome.changed.push(file.path.clone());
            self.outputs.insert(file.path, (sig, group));
        }
        Ok(())
    }

    /// Removes the files of `group` not in `expected`.
    fn remove_stale(
        &mut self,
        group: Group,
        expected: &HashSet<String>,
        outcome: &mut Outcome,
    ) -> Result<()> {
        let stale: Vec<String> = self
            .outputs
            .iter()
            .filter(|(path, (_, g))| *g == group && !expected.contains(*path))
            .map(|(path, _)| path.clone())
            .collect();
        for rel in stale {
            self.outputs.remove(&rel);
            let path = self.config.output_dir.join(&rel);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
            let mut dir = path.parent();
            while let Some(d) = dir.filter(|d| *d != self.config.output_dir.as_path()) {
                if std::fs::remove_dir(d).is_err() {
                    break;
                }
                dir = d.parent();
            }
            outcome.removed.push(rel);
        }
        Ok(())
    }
}

/// Pages whose HTML may have changed after `patched` notes were patched in:
/// their own pages, the pages showing their blocks, the pages pulling
/// content from them (embeds, block refs) and dynamic pages; and the pages
/// whose own content or pulled-in content changed (their link signatures are stale).
fn candidates(
    site: &Site,
    aux: &mut Aux,
    deps: &Deps,
    patched: &[patch::Patched],
) -> (BTreeSet<PageId>, BTreeSet<PageId>) {
    let changed: BTreeSet<PageId> = patched.iter().map(|p| p.page).collect();
    let mut set: BTreeSet<PageId> = changed.clone();
    for done in patched {
        set.extend(done.targets.iter().copied());
    }
    let mut pulling = deps.dependents(&changed);
    pulling.extend(deps.users_of(patched.iter().flat_map(|p| &p.uuids)));
    for &page in &pulling {
        set.insert(page);
        set.extend(patch::shown_in(site, aux, page));
    }
    pulling.extend(changed);
    (set, pulling)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        _dir: tempfile::TempDir,
        root: std::path::PathBuf,
        engine: Engine,
    }

    fn config(root: &Path, out: &str) -> SiteConfig {
        let mut config = SiteConfig::for_graph(&root.join("graph"));
        config.output_dir = root.join(out);
        config.themes_dir = root.join("themes");
        config.title = "Test".into();
        config
    }

    impl Fixture {
        fn new(files: &[(&str, &str)]) -> Fixture {
            let dir = tempfile::tempdir().expect("dir");
            let root = dir.path().to_path_buf();
            for (path, text) in files {
                write(&root.join("graph").join(path), text);
            }
            let (engine, _) = Engine::new(config(&root, "public"), true).expect("first build");
            Fixture { _dir: dir, root, engine }
        }

        fn graph(&self, rel: &str) -> std::path::PathBuf {
            self.root.join("graph").join(rel)
        }

        /// Applies a change of `graph` and `theme` paths and compares with a clean build.
        fn step(&mut self, what: &str, graph: &[&str], theme: &[&str]) -> Outcome {
            let changes = Changes {
                graph: graph.iter().map(|s| s.to_string()).collect(),
                theme: theme.iter().map(|s| s.to_string()).collect(),
                ..Changes::default()
            };
            let outcome = self.engine.apply(&changes);
            assert!(outcome.errors.is_empty(), "{what}: {:?}", outcome.errors);
            if outcome.pending {
                let finished = self.engine.finish().expect("pending work");
                assert!(finished.errors.is_empty(), "{what}: {:?}", finished.errors);
            }
            let fresh = config(&self.root, "fresh");
            let _ = std::fs::remove_dir_all(&fresh.output_dir);
            crate::build(&fresh).expect("clean build");
            assert_same_tree(&self.root.join("public"), &fresh.output_dir, what);
            outcome
        }
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
        walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel =
                    e.path().strip_prefix(root).expect("inside").to_string_lossy().into_owned();
                (rel, std::fs::read(e.path()).expect("read"))
            })
            .collect()
    }

    fn assert_same_tree(served: &Path, fresh: &Path, what: &str) {
        let (a, b) = (tree(served), tree(fresh));
        let only_a: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        let only_b: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
        assert!(
            only_a.is_empty() && only_b.is_empty(),
            "{what}: extra {only_a:?}, missing {only_b:?}"
        );
        for (path, bytes) in &a {
            if bytes != &b[path] {
                let (x, y) = (String::from_utf8_lossy(bytes), String::from_utf8_lossy(&b[path]));
                let at = x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count();
                let near =
                    |s: &str| s.chars().skip(at.saturating_sub(80)).take(200).collect::<String>();
                panic!("{what}: {path} differs:\n served: {}\n clean:  {}", near(&x), near(&y));
            }
        }
    }

    fn graph_files() -> Vec<(&'static str, &'static str)> {
        vec![
            ("logseq/config.edn", "{:file/name-format :triple-lowbar}"),
            (
                "pages/Storage.md",
                "alias:: disks\n\n- Volumes and claims\n  - nested child\n- second [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]]",
            ),
            (
                "pages/K8s.md",
                "tags:: infra\n\n- see [[Storage]] and #RBAC\n- a storage note without a link\n- {{embed [[Embedded]]}}",
            ),
            (
                "pages/Embedded.md",
                "- embedded text\n- ref to ((6500a1b2-0000-4000-8000-000000000001))",
            ),
            ("pages/Infra___Net.md", "- namespace child"),
            ("pages/Lonely.md", "- only linked from Storage"),
            ("pages/Queries.md", "- {{query [[Storage]]}}"),
            ("journals/2024_01_05.md", "- day one [[K8s]]"),
            ("journals/2024_01_06.md", "- day two"),
            ("assets/pic.png", "PNG"),
        ]
    }

    #[test]
    fn every_kind_of_edit_gives_the_clean_build() {
        let mut f = Fixture::new(&graph_files());
        write(
            &f.graph("pages/K8s.md"),
            "tags:: infra\n\n- see [[Storage]] and #RBAC\n- a storage note without a link\n- {{embed [[Embedded]]}}\n- appended",
        );
        assert_eq!(f.step("content edit", &["pages/K8s.md"], &[]).how, "patched");
        write(
            &f.graph("pages/K8s.md"),
            "tags:: infra\n\n- see [[Storage]] and #RBAC, as a query shows\n- a storage note without a link\n- {{embed [[Embedded]]}}\n- appended",
        );
        let outcome = f.step("a block a query lists", &["pages/K8s.md"], &[]);
        assert!(outcome.changed.contains(&"queries.html".to_string()), "{:?}", outcome.changed);
        write(
            &f.graph("pages/Embedded.md"),
            "- embedded text, edited\n- ref to ((6500a1b2-0000-4000-8000-000000000001))",
        );
        f.step("embedded page edit", &["pages/Embedded.md"], &[]);
        write(
            &f.graph("pages/Storage.md"),
            "alias:: disks\n\n- Volumes and claims\n  - nested child edited\n- second title changed [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]]",
        );
        assert_eq!(f.step("referenced block edit", &["pages/Storage.md"], &[]).how, "patched");
        write(
            &f.graph("pages/Storage.md"),
            "alias:: disks\n\n- new first block about k8s\n- Volumes and claims\n  - nested child edited\n- second title changed [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]]",
        );
        f.step("blocks shift", &["pages/Storage.md"], &[]);
        write(
            &f.graph("pages/Storage.md"),
            "alias:: disks\n\n- new first block about k8s\n- Volumes and claims\n  - nested child edited\n- second title changed [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]] again, and [[Infra/Net]]",
        );
        let outcome = f.step("a block shown on another page", &["pages/Storage.md"], &[]);
        assert_eq!(outcome.how, "patched");
        assert!(outcome.changed.contains(&"lonely.html".to_string()), "{:?}", outcome.changed);
        write(&f.graph("pages/Infra___Net.md"), "public:: false\n\n- namespace child");
        let outcome = f.step(
            "a page linked from a shown block is unpublished",
            &["pages/Infra___Net.md"],
            &[],
        );
        assert!(outcome.changed.contains(&"lonely.html".to_string()), "{:?}", outcome.changed);
        write(
            &f.graph("journals/2024_01_06.md"),
            "- day two mentions storage and [[Storage]] #RBAC",
        );
        f.step("journal links an existing page", &["journals/2024_01_06.md"], &[]);
        write(&f.graph("journals/2024_01_06.md"), "- day two [[Brand New Page]]");
        assert_eq!(f.step("link to a new page", &["journals/2024_01_06.md"], &[]).how, "resolved");
        write(&f.graph("pages/Brand New Page.md"), "- now it has a file");
        f.step("add the page", &["pages/Brand New Page.md"], &[]);
        std::fs::rename(f.graph("pages/Embedded.md"), f.graph("pages/Renamed.md")).expect("rename");
        f.step("rename", &["pages/Embedded.md", "pages/Renamed.md"], &[]);
        std::fs::remove_file(f.graph("pages/Brand New Page.md")).expect("rm");
        f.step("delete", &["pages/Brand New Page.md"], &[]);
        write(&f.graph("pages/Storage.md"), "alias:: volumes\n\n- Volumes and claims");
        f.step("alias change", &["pages/Storage.md"], &[]);
        write(&f.graph("pages/K8s.md"), "public:: false\n\n- hidden now");
        f.step("unpublish", &["pages/K8s.md"], &[]);
        write(&f.graph("assets/new.png"), "PNG2");
        std::fs::remove_file(f.graph("assets/pic.png")).expect("rm");
        f.step("assets", &["assets/new.png", "assets/pic.png"], &[]);
        write(&f.graph("logseq/custom.css"), "body{color:red}");
        f.step("custom css", &["logseq/custom.css"], &[]);
        write(&f.graph("pages/sub/deep/Folder Page.md"), "- in a new folder, about storage");
        f.step("new folder", &["pages/sub"], &[]);
        std::fs::remove_dir_all(f.graph("pages/sub")).expect("rm");
        f.step("folder removed", &["pages/sub"], &[]);
        write(&f.root.join("themes/default/static/style.css"), "body{}");
        let outcome = f.step("theme css", &[], &["static/style.css"]);
        assert_eq!(
            outcome.changed,
            ["static/style.css"],
            "a stylesheet change renders nothing else"
        );
        write(
            &f.root.join("themes/default/templates/page.html"),
            "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% endblock content %}",
        );
        f.step("template", &[], &["templates/page.html"]);
        write(
            &f.graph("logseq/config.edn"),
            "{:file/name-format :triple-lowbar :favorites [\"Storage\"]}",
        );
        f.step("logseq config", &["logseq/config.edn"], &[]);
    }

    #[test]
    fn a_broken_template_keeps_the_last_good_site_until_fixed() {
        let mut f = Fixture::new(&graph_files());
        let template = f.root.join("themes/default/templates/page.html");
        write(
            &template,
            "{% extends \"base.html\" %}{% block content %}{{ page.title {% endblock content %}",
        );
        let outcome = f.engine.apply(&Changes {
            theme: ["templates/page.html".to_string()].into(),
            ..Changes::default()
        });
        assert_eq!(outcome.errors.len(), 1, "{outcome:?}");
        assert!(outcome.errors[0].message.contains("page.html"), "{:?}", outcome.errors);
        assert!(outcome.changed.is_empty());
        write(&f.graph("pages/K8s.md"), "- edited while broken");
        assert!(
            !f.engine
                .apply(&Changes {
                    graph: ["pages/K8s.md".to_string()].into(),
                    ..Changes::default()
                })
                .errors
                .is_empty()
        );
        std::fs::remove_file(&template).expect("rm");
        f.step("fixed", &[], &["templates/page.html"]);
    }

    #[test]
    fn editor_noise_changes_nothing() {
        let mut f = Fixture::new(&graph_files());
        let text = std::fs::read_to_string(f.graph("pages/K8s.md")).expect("read");
        write(&f.graph("pages/K8s.md"), &text);
        let outcome = f.step("same bytes", &["pages/K8s.md", "pages/4913", "pages/gone.md"], &[]);
        assert!(outcome.changed.is_empty() && outcome.removed.is_empty(), "{outcome:?}");
    }

    #[test]
    fn a_new_link_redraws_the_local_graphs_around_it() {
        // 25 hubs outrank every other page, so the sidebar does not change below.
        let hubs: Vec<String> = (1..=25).map(|i| format!("[[Hub {i}]]")).collect();
        let list = format!("- {}", hubs.join(" "));
        let mut files: Vec<(String, String)> =
            (1..=25).map(|i| (format!("pages/Hub {i}.md"), format!("- hub {i}"))).collect();
        for name in ["A", "B", "C"] {
            files.push((format!("pages/Hubs {name}.md"), list.clone()));
        }
        files.push(("pages/Leaf.md".into(), "- a leaf".into()));
        files.push(("pages/Leaf Friend.md".into(), "- friend of [[Leaf]]".into()));
        files.push(("journals/2024_01_01.md".into(), "- day".into()));
        files.push(("pages/Shower.md".into(), "- no links here".into()));
        files.push(("pages/Source.md".into(), "- a shower mention and [[Target]]".into()));
        files.push(("pages/Target.md".into(), "- a target".into()));
        let borrowed: Vec<(&str, &str)> =
            files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let mut f = Fixture::new(&borrowed);
        write(&f.graph("journals/2024_01_01.md"), "- day [[Leaf]]");
        let outcome = f.step("link to an existing page", &["journals/2024_01_01.md"], &[]);
        assert_eq!(outcome.how, "patched");
        assert!(outcome.changed.contains(&"leaf-friend.html".to_string()), "{:?}", outcome.changed);
        assert!(!outcome.changed.contains(&"hub-7.html".to_string()), "{:?}", outcome.changed);
        write(&f.graph("journals/2024_01_01.md"), "- day [[Leaf]], more text");
        let outcome = f.step("text only", &["journals/2024_01_01.md"], &[]);
        let mut changed = outcome.changed.clone();
        changed.sort();
        // The day, the page showing it as a backlink, the home and journal lists.
        assert_eq!(changed, ["2024-01-01.html", "index.html", "journals.html", "leaf.html"]);
        write(&f.graph("pages/Target.md"), "public:: false\n\n- a target");
        let outcome = f.step("a link inside an unlinked reference", &["pages/Target.md"], &[]);
        assert!(outcome.changed.contains(&"shower.html".to_string()), "{:?}", outcome.changed);
    }
}
