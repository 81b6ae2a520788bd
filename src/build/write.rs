//! BUILD, rendering and writing: what the plan says is stale rendered, in
//! parallel, each file staged beside its place as soon as it is made, then
//! moved in; the previous build's files kept where they are still right.

use super::*;

/// The output folder being written: each file staged beside its place, and
/// the size of every file of the new site.
pub(super) struct Staging<'a> {
    pub(super) writer: SiteWriter,
    pub(super) sizes: std::sync::Mutex<BTreeMap<String, u64>>,
    pub(super) out: &'a Path,
    pub(super) previous: &'a Manifest,
}

impl<'a> Staging<'a> {
    pub(super) fn begin(out: &'a Path, previous: &'a Manifest) -> Result<Staging<'a>> {
        let writer = SiteWriter::begin(out)?;
        Ok(Staging { writer, sizes: Default::default(), out, previous })
    }

    /// Stages a file of the new site.
    pub(super) fn add(&self, file: OutputFile) -> Result<()> {
        self.writer.add(&file.path, &file.bytes)?;
        lock(&self.sizes).insert(file.path, file.bytes.len() as u64);
        Ok(())
    }

    /// Keeps the previous build's file at `path` when it is still there as
    /// written; whether it did.
    pub(super) fn kept(&self, path: &str) -> bool {
        let ok = self.previous.intact(self.out, path);
        if ok {
            self.keep(path);
        }
        ok
    }

    /// Keeps the previous build's file at `path`, found intact.
    pub(super) fn keep(&self, path: &str) {
        self.writer.keep(path);
        lock(&self.sizes).insert(path.to_string(), self.previous.sizes[path]);
    }
}

/// Renders what the plan says changed, staging every file as soon as it is
/// rendered; keeps the rest.
pub(super) fn render_and_write(
    site: &Site,
    theme: &Theme,
    plan: &mut Plan,
    previous: &Manifest,
    options: &BuildOptions,
    manifest: &mut Manifest,
    staging: &Staging<'_>,
) -> Result<(Vec<Diagnostic>, usize)> {
    let out = staging.out;
    let stage = |file: OutputFile| staging.add(file);
    let kept = |path: &str| staging.kept(path);
    let mut diagnostics = render::home_page_warnings(site);

    // Pages.
    let mut to_render = Vec::new();
    // Whether each page's file is there as the previous build wrote it: a
    // look at the file system for every page, on all cores.
    let intact: Vec<bool> = plan
        .pages
        .par_iter()
        .map(|(_, path, sig, local)| {
            fresh(previous.pages.get(path), *sig, *local) && previous.intact(staging.out, path)
        })
        .collect();
    for ((id, path, sig, local), intact) in plan.pages.iter().zip(intact) {
        let entry = previous.pages.get(path);
        if intact {
            staging.keep(path);
            let found = entry.map(|e| e.diagnostics.clone()).unwrap_or_default();
            diagnostics.extend(found.iter().cloned());
            manifest
                .pages
                .insert(path.clone(), PageEntry { sig: *sig, local: *local, diagnostics: found });
        } else {
            to_render.push((*id, path.clone(), *sig, *local));
        }
    }
    log::debug!(
        "pages: {} to render, {} kept",
        to_render.len(),
        plan.pages.len() - to_render.len()
    );
    log::trace!("pages to render: {:?}", to_render.iter().map(|t| &t.1).collect::<Vec<_>>());
    let rendered_pages = to_render.len();
    let progress = Progress::new(options.progress, to_render.len());
    let render_pages = || -> Result<Vec<(String, PageEntry)>> {
        let rendered = to_render
            .par_iter()
            .map(|(id, path, sig, _)| {
                let page = render::render_page(site, theme, &plan.shared, *id, None)?;
                stage(page.file)?;
                progress.tick();
                let (local, diagnostics) = (page.local_graph, page.diagnostics);
                Ok((path.clone(), PageEntry { sig: *sig, local, diagnostics }))
            })
            .collect::<Result<_>>();
        progress.finish();
        rendered
    };
    // Site-wide files, by group: rendered alongside the pages, so that their
    // sequential parts (laying out the graph) run while the other core
    // renders pages.
    let render_groups = |plan: &Plan| -> Result<Vec<(&'static str, Group)>> {
        let mut groups = Vec::new();
        for (name, &sig) in &plan.groups {
            let old = previous.groups.get(*name).filter(|g| g.sig == sig);
            if let Some(old) = old.filter(|g| g.paths.iter().all(|p| previous.intact(out, p))) {
                for path in &old.paths {
                    kept(path);
                }
                groups.push((*name, old.clone()));
                continue;
            }
            let mut paths = Vec::new();
            group_files(name, site, theme, plan, &mut |file| {
                paths.push(file.path.clone());
                stage(file)
            })?;
            groups.push((*name, Group { sig, paths }));
        }
        Ok(groups)
    };
    let (rendered, groups) = rayon::join(render_pages, || render_groups(plan));
    let (rendered, groups) = (rendered?, groups?);
    log::debug!(
        "pages rendered: peak memory {:?} MB",
        crate::util::timing::peak_memory().map(|b| b / 1_000_000)
    );
    plan.shared.blocks = render::blocks::BlockCache::default();
    for (path, entry) in rendered {
        diagnostics.extend(entry.diagnostics.iter().cloned());
        manifest.pages.insert(path, entry);
    }
    for (name, group) in groups {
        manifest.groups.insert(name.to_string(), group);
    }

    // Assets: copied again when their size or time changed.
    let assets: Vec<(String, (u64, u128))> = site
        .assets
        .par_iter()
        .map(|rel| -> Result<(String, (u64, u128))> {
            let source = site.config.notes_dir.join(rel);
            let stamp = cache::size_and_time(&source);
            if previous.assets.get(rel) != Some(&stamp) || !kept(rel) {
                let bytes = std::fs::read(&source).map_err(|e| Error::io(&source, e))?;
                stage(OutputFile { path: rel.clone(), bytes })?;
            }
            Ok((rel.clone(), stamp))
        })
        .collect::<Result<_>>()?;
    manifest.assets = assets.into_iter().collect();
    Ok((diagnostics, rendered_pages))
}

/// Hands the files of one group of site-wide files to `emit`, each as soon
/// as it is made.
pub(super) fn group_files(
    name: &str,
    site: &Site,
    theme: &Theme,
    plan: &Plan,
    emit: &mut impl FnMut(OutputFile) -> Result<()>,
) -> Result<()> {
    let shared = &plan.shared;
    let files = match name {
        "index" => {
            let mut files = vec![render::render_home(site, theme, shared)?];
            files.extend(render::indexes::render_indexes(
                site,
                theme,
                &shared.base,
                &shared.journals,
            )?);
            files
        }
        "fixed" => render::fixed_files(site, theme, shared)?,
        "graph" => vec![crate::render::indexes::graph_page(&shared.graph, theme, &shared.base)?],
        _ => render::feeds::feeds(site, &shared.journals),
    };
    files.into_iter().try_for_each(emit)
}

pub(super) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A progress bar for rendering that shows only on a terminal, and only
/// once rendering has taken longer than a second.
pub(super) struct Progress {
    pub(super) bar: Option<ProgressBar>,
    pub(super) start: Instant,
    pub(super) shown: AtomicBool,
}

impl Progress {
    pub(super) fn new(enabled: bool, total: usize) -> Progress {
        let bar = enabled.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::hidden());
            if let Ok(style) =
                ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} pages ({eta} left)")
            {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix("Rendering");
            bar
        });
        Progress { bar, start: Instant::now(), shown: AtomicBool::new(false) }
    }

    pub(super) fn tick(&self) {
        let Some(bar) = &self.bar else { return };
        bar.inc(1);
        if self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
