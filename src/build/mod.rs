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

mod stages;
pub use stages::load_site;
pub(crate) use stages::site_of_graph_reusing;

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

/// Whether the previous build's page entry has this signature and local map.
fn fresh(entry: Option<&PageEntry>, sig: u64, local: u64) -> bool {
    entry.is_some_and(|e| e.sig == sig && e.local == local)
}

/// What must be rendered, from the signatures of everything.
///
/// The signatures are cheap enough for every build: with the set of pages
/// the same (the `pages` signature: every page's name, file and
/// publishing), a link resolves to the same page, so a page's HTML follows
/// from its own note and what it pulls in (the pages it embeds, whole; the
/// blocks it refers to, as their [`Listing`]), the blocks its linked and
/// unlinked references list (each as its `Listing`, with what its note
/// pulls in), its journal neighbours, its local map and what every page
/// shows. A new, renamed or deleted page changes the `pages` signature and
/// every page renders again.
struct Plan {
    shared: Shared,
    base: u64,
    graph_sig: u64,
    /// Every published page: id, path, signature, local-graph hash.
    pages: Vec<(PageId, String, u64, u64)>,
    /// Group name → signature.
    groups: BTreeMap<&'static str, u64>,
}

impl Plan {
    fn new(
        config: &SiteConfig,
        site: &Site,
        theme: &Theme,
        hashes: &HashMap<String, u64>,
        listings: &HashMap<String, Vec<Listing>>,
        previous: &Manifest,
        shared: Shared,
    ) -> Plan {
        let mut step = crate::util::timing::Steps::new("plan");
        let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
        let graph_sig = cache::graph_sig(&shared.graph);
        let base = cache::base_sig(config, site, &shared, cache::template_sig(config));
        let t: Vec<u64> = site.pages.par_iter().map(crate::cache::sig::page_t).collect();
        let all_pages = t.iter().fold(Fp::new("pages"), |mut fp, &t| {
            fp.u64(t);
            fp
        });
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        step.done("base signatures");
        let sources = Sources::new(site, hashes, listings, nonce);
        step.done("sources");
        let common = Fp::new("common").u64(base).u64(all_pages.finish()).finish();
        // The local maps, compared apart from the signature: unchanged with
        // the graph; when it changed, each page's map is made and compared
        // with the hash of the one it was rendered with.
        let same_graph = previous.graph == graph_sig && !previous.pages.is_empty();
        let pages: Vec<(PageId, String, u64, u64)> = ids
            .par_iter()
            .map(|&id| {
                let path = site.pages[id].file_name();
                let local = match previous.pages.get(&path) {
                    Some(entry) if same_graph => entry.local,
                    _ if previous.pages.is_empty() => 0,
                    _ => shared.graph.local_sig(id),
                };
                let mut fp = Fp::new("page");
                fp.u64(common).u64(sources.page(id));
                let (prev, next) = shared.neighbours(id);
                fp.u64(prev.map_or(0, |p| t[p])).u64(next.map_or(0, |n| t[n]));
                (id, path, fp.finish(), local)
            })
            .collect();
        step.done("page signatures");
        let mut groups = BTreeMap::new();
        let mut index = Fp::new("index");
        index.u64(common);
        for &id in &ids {
            let page = &site.pages[id];
            index.u64(page.backlinks.len() as u64).u64(page.tag_uses as u64);
        }
        for &journal in shared.journals.iter().take(100) {
            index.u64(sources.page(journal));
        }
        if let Some(home) = render::home_page(site) {
            // A page as home page shows its local map too.
            index.u64(home as u64).u64(sources.page(home)).u64(graph_sig);
        }
        for (slug, target) in &site.redirects {
            index.str(slug).u64(*target as u64);
        }
        groups.insert("index", index.finish());
        groups.insert("fixed", cache::fixed_sig(base, theme, site));
        groups.insert("graph", Fp::new("graph-page").u64(base).u64(graph_sig).finish());
        let mut feeds = Fp::new("feeds");
        feeds.u64(common);
        for &id in &ids {
            feeds.u64(sources.own(id)).u64(site.pages[id].backlinks.len() as u64);
        }
        groups.insert("feeds", feeds.finish());
        step.done("group signatures");
        // Blocks shown on several pages render once; worth it only when
        // many pages render (the output is the same either way).
        let stale: std::collections::HashSet<PageId> = pages
            .iter()
            .filter(|(_, path, sig, local)| !fresh(previous.pages.get(path), *sig, *local))
            .map(|(id, ..)| *id)
            .collect();
        let mut shared = shared;
        if stale.len() > 64 {
            // The home page shows a page a second time, as index.html.
            let home = render::home_page(site);
            shared.blocks = render::page::shown_references(site, |id| {
                u32::from(stale.contains(&id)) + u32::from(home == Some(id))
            });
        }
        step.done("blocks shown in references");
        Plan { shared, base, graph_sig, pages, groups }
    }
}

/// What each page's note brings to the pages that show it.
struct Sources<'a> {
    site: &'a Site,
    /// Per page: its note's content hash (with the nonce for a dynamic note).
    own: Vec<u64>,
    /// Per page: how its note's blocks show in reference lists (empty when unknown).
    listings: Vec<&'a [Listing]>,
    /// Per page: what its note pulls in from other notes (see [`Sources::pulled`]).
    pulled: Vec<u64>,
}

impl<'a> Sources<'a> {
    fn new(
        site: &'a Site,
        hashes: &HashMap<String, u64>,
        listings: &'a HashMap<String, Vec<Listing>>,
        nonce: u64,
    ) -> Sources<'a> {
        let loc_of = |uuid: &String| site.by_uuid.get(uuid).copied();
        // Per page: its own hash, whether it is dynamic, the blocks it refers
        // to (a reference shows the block's first line, without further
        // references), and the pages it embeds (shown in full, embeds too;
        // an embedded block's whole page counts).
        let direct: Vec<(u64, bool, Vec<BlockLoc>, Vec<PageId>)> = site
            .pages
            .par_iter()
            .map(|page| {
                let Some(note) = &page.note else { return (0, false, Vec::new(), Vec::new()) };
                let own = hashes.get(&note.rel_path).copied().unwrap_or_default();
                let mut refs: Vec<BlockLoc> = note
                    .blocks
                    .iter()
                    .flat_map(|b| b.block_refs().iter().filter_map(loc_of))
                    .collect();
                let mut embeds = Vec::new();
                let mut dynamic = false;
                if note.blocks.iter().any(|b| b.source_contains("{{")) {
                    let meta = crate::cache::sig::note_meta(note, &site.logseq);
                    dynamic = meta.dynamic;
                    for name in &meta.embeds {
                        embeds.extend(site.lookup_id(name));
                    }
                    embeds.extend(meta.embedded_blocks.iter().filter_map(loc_of).map(|l| l.page()));
                    refs.extend(meta.block_refs.iter().filter_map(loc_of));
                }
                refs.sort_unstable();
                refs.dedup();
                embeds.sort_unstable();
                embeds.dedup();
                (own, dynamic, refs, embeds)
            })
            .collect();
        let nonce: Vec<u64> = direct.iter().map(|d| if d.1 { nonce } else { 0 }).collect();
        let own = direct.iter().zip(&nonce).map(|(d, nonce)| d.0 ^ nonce).collect();
        // A note's listings count only when they are its blocks' (else its
        // blocks are hashed as the whole note).
        let listings = site
            .pages
            .iter()
            .map(|page| {
                let Some(note) = &page.note else { return &[][..] };
                match listings.get(&note.rel_path) {
                    Some(known) if known.len() == note.blocks.len() => known.as_slice(),
                    _ => &[][..],
                }
            })
            .collect();
        let mut sources = Sources { site, own, listings, pulled: Vec::new() };
        // What each note pulls in: the nonce of a dynamic note, the pages it
        // embeds (and they embed) in full, the blocks whose titles it and
        // they show.
        sources.pulled = (0..site.pages.len())
            .into_par_iter()
            .map(|page| {
                let mut refs: BTreeSet<BlockLoc> = direct[page].2.iter().copied().collect();
                let mut embedded = BTreeSet::new();
                let mut queue = direct[page].3.clone();
                while let Some(p) = queue.pop() {
                    if embedded.insert(p) {
                        refs.extend(&direct[p].2);
                        queue.extend(&direct[p].3);
                    }
                }
                let mut fp = Fp::new("pulled");
                fp.u64(nonce[page]);
                for p in embedded {
                    fp.u64(p as u64).u64(sources.own[p]);
                }
                for loc in refs {
                    fp.u64(loc.page() as u64).u64(sources.listed(loc, false));
                }
                fp.finish()
            })
            .collect();
        sources
    }

    /// A page's own note.
    fn own(&self, page: PageId) -> u64 {
        self.own[page]
    }

    /// A page's note with everything it pulls in.
    fn shown(&self, page: PageId, fp: &mut Fp) {
        fp.u64(self.own[page]);
        self.pulled(page, fp);
    }

    /// What a page's note pulls in from other notes (and the nonce of a
    /// dynamic note): what its blocks may show besides their own content.
    fn pulled(&self, page: PageId, fp: &mut Fp) {
        fp.u64(self.pulled[page]);
    }

    /// A block as a reference list (`tree`: with its children) or a block
    /// reference shows it: see [`Listing`]; its whole note when unknown.
    fn listed(&self, loc: BlockLoc, tree: bool) -> u64 {
        match self.listings[loc.page()].get(loc.block()) {
            Some(listing) if tree => listing.tree,
            Some(listing) => listing.own,
            None => Fp::new("whole").u64(self.own[loc.page()]).u64(loc.block() as u64).finish(),
        }
    }

    /// Everything the HTML of `page` shows from notes: its own, and, for
    /// the blocks its references list, which blocks they are, how each
    /// shows and what its note pulls in: an edit elsewhere in a listed
    /// block's note leaves the page alone.
    fn page(&self, page: PageId) -> u64 {
        let mut fp = Fp::new("sources");
        self.shown(page, &mut fp);
        let p = &self.site.pages[page];
        for list in [&p.tags, &p.tagged, &p.namespace] {
            fp.u64(list.len() as u64);
            for &id in list.iter() {
                fp.u64(id as u64);
            }
        }
        // Linked references show their blocks' children, unlinked ones not.
        for (list, tree) in [(&p.backlinks, true), (&p.unlinked, false)] {
            fp.u64(list.len() as u64);
            let mut last = None;
            for &loc in list.iter() {
                if last != Some(loc.page()) {
                    self.pulled(loc.page(), &mut fp);
                    last = Some(loc.page());
                }
                // Not the block's place in its note: a block moved down
                // by an edit above it lists the same.
                fp.u64(loc.page() as u64).u64(self.listed(loc, tree));
            }
        }
        fp.finish()
    }
}

/// The output folder being written: each file staged beside its place, and
/// the size of every file of the new site.
struct Staging<'a> {
    writer: SiteWriter,
    sizes: std::sync::Mutex<BTreeMap<String, u64>>,
    out: &'a Path,
    previous: &'a Manifest,
}

impl<'a> Staging<'a> {
    fn begin(out: &'a Path, previous: &'a Manifest) -> Result<Staging<'a>> {
        let writer = SiteWriter::begin(out)?;
        Ok(Staging { writer, sizes: Default::default(), out, previous })
    }

    /// Stages a file of the new site.
    fn add(&self, file: OutputFile) -> Result<()> {
        self.writer.add(&file.path, &file.bytes)?;
        lock(&self.sizes).insert(file.path, file.bytes.len() as u64);
        Ok(())
    }

    /// Keeps the previous build's file at `path` when it is still there as
    /// written; whether it did.
    fn kept(&self, path: &str) -> bool {
        let ok = self.previous.intact(self.out, path);
        if ok {
            self.keep(path);
        }
        ok
    }

    /// Keeps the previous build's file at `path`, found intact.
    fn keep(&self, path: &str) {
        self.writer.keep(path);
        lock(&self.sizes).insert(path.to_string(), self.previous.sizes[path]);
    }
}

/// Renders what the plan says changed, staging every file as soon as it is
/// rendered; keeps the rest.
fn render_and_write(
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
fn group_files(
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

fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A progress bar for rendering that shows only on a terminal, and only
/// once rendering has taken longer than a second.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
}

impl Progress {
    fn new(enabled: bool, total: usize) -> Progress {
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

    fn tick(&self) {
        let Some(bar) = &self.bar else { return };
        bar.inc(1);
        if self.start.elapsed() > Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
