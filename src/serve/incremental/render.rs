//! SERVE, rebuilding, from the resolved site: the signatures of every
//! output file, the files whose signature changed rendered again, and the
//! files whose bytes changed written.

use super::*;

/// Reads the graph's assets as `build` copies them.
pub(super) fn asset_files(
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

impl Engine {
    /// The hash and the group of every output file.
    pub(super) fn classify_outputs(&self, files: &[OutputFile]) -> BTreeMap<String, (u64, Group)> {
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

    pub(super) fn base_sig(&self, shared: &Shared) -> u64 {
        crate::cache::base_sig(&self.config, &self.site, shared, self.template_sig)
    }

    pub(super) fn fixed_sig(&self, base: u64) -> u64 {
        crate::cache::fixed_sig(base, &self.theme, &self.site)
    }

    /// Signatures of everything, as rendered now.
    pub(super) fn remember_all_sigs(&mut self) {
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
}

impl Engine {
    /// Renders what the changes need and writes it.
    pub(super) fn render(&mut self, resolved: Resolved, outcome: &mut Outcome) -> Result<()> {
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
    pub(super) fn render_everything(&mut self, outcome: &mut Outcome) -> Result<()> {
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
    pub(super) fn write_files(
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
    pub(super) fn remove_stale(
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
pub(super) fn candidates(
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
