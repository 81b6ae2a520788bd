//! SERVE, rebuilding, up to the resolved site: the changed files read
//! again and parsed, and the site patched ([`super::super::patch`]) or
//! resolved again.

use super::*;

/// Notes that `resolve` may skip as duplicates (same page as an earlier file,
/// or the namespace parent of an earlier file): kept aside before resolving.
pub(super) fn may_be_skipped(notes: &[Note], logseq: &LogseqConfig) -> HashSet<String> {
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
pub(super) fn resolve_notes(
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
pub(super) fn load_graph(config: &SiteConfig) -> Result<Loaded> {
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

/// What re-reading the changed graph files found.
#[derive(Default)]
pub(super) struct GraphDelta {
    /// Notes new or changed, parsed (diagnostics taken out).
    pub(super) notes: Vec<Note>,
    /// Notes deleted.
    pub(super) deleted: Vec<String>,
    /// How many of `notes` are new files.
    pub(super) added: usize,
    /// Assets added, removed or changed.
    pub(super) assets: BTreeSet<String>,
    /// `logseq/custom.css` changed.
    pub(super) css: bool,
    /// `logseq/config.edn` changed or events were lost: read everything again.
    pub(super) reload: bool,
    /// Source files that changed, for the report.
    pub(super) sources: BTreeSet<String>,
}

/// How the site was brought up to date before rendering.
#[derive(Default)]
pub(super) struct Resolved {
    /// Notes patched in place (`None`: the site was resolved again, or nothing changed in it).
    pub(super) patched: Vec<patch::Patched>,
    /// The site was resolved (or loaded) again: every page is a candidate.
    pub(super) whole: bool,
    /// Assets to copy again.
    pub(super) assets: BTreeSet<String>,
    /// Every asset must be checked (after a reload).
    pub(super) all_assets: bool,
}

impl Engine {
    /// Re-reads what changed in the graph and brings the resolved site up to date.
    pub(super) fn apply_graph(
        &mut self,
        changes: &Changes,
        outcome: &mut Outcome,
    ) -> Result<Resolved> {
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
    pub(super) fn read_changes(&mut self, changes: &Changes) -> Result<GraphDelta> {
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
    pub(super) fn add_folder(&self, rel: &str, files: &mut BTreeMap<String, OnDisk>) {
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

    pub(super) fn read_note(&self, rel: &str) -> ReadNote {
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
    pub(super) fn record(
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

    pub(super) fn forget_note(&mut self, rel: &str, known: bool, delta: &mut GraphDelta) {
        if known {
            self.notes.remove(rel);
            self.note_diags.remove(rel);
            delta.deleted.push(rel.to_string());
            delta.sources.insert(rel.to_string());
        }
    }

    /// Resolves the whole graph again with `changed` notes replacing (or added
    /// to) the current ones and `deleted` ones gone.
    pub(super) fn resolve_with(&mut self, changed: Vec<Note>, deleted: &[String]) {
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

    pub(super) fn install(&mut self, loaded: Loaded) {
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
    pub(super) fn verify_resolve(&mut self, outcome: &mut Outcome) {
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
pub(super) enum ReadNote {
    /// Same source as before (with its encoding warning, if any).
    Same(Option<Diagnostic>),
    /// Changed: parsed, with its signatures and encoding warning.
    Parsed(Box<(Note, NoteSigs)>, Option<Diagnostic>),
    /// Cannot be read.
    Unreadable(Diagnostic),
}
