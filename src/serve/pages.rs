//! SERVE, rendering again: some pages of the site, or its site-wide files,
//! exactly as [`crate::render::render_site`] renders them all.
//!
//! `render_site` renders every page; a rebuild needs only a few. The parts of
//! it that are private (the shared template context, the sidebar, the order
//! of journals, one page) are mirrored here from the public pieces, and
//! [`self_check`] compares the result with `render_site`'s own output when
//! serve starts: if the renderer has changed in a way this mirror does not
//! follow, serve renders everything with `render_site` instead, slower but
//! still right.

use serde::Serialize;

use crate::error::{Diagnostic, Result};
use crate::render::indexes;
use crate::render::page::{self, LinkContext};
use crate::render::templates::Theme;
use crate::render::{OutputFile, highlight, home_page};
use crate::resolve::{PageId, PageKind, Site};

#[derive(Serialize)]
struct SiteContext {
    title: String,
    description: String,
    language: String,
    base_url: String,
}

/// The sidebar (as `render::NavContext`).
#[derive(Serialize)]
pub struct Nav {
    pages: Vec<LinkContext>,
    journals: Vec<LinkContext>,
}

/// What every page of one rebuild shares.
pub struct Shared {
    /// The template context every template receives.
    pub base: tera::Context,
    /// Published journals, newest first.
    pub journals: Vec<PageId>,
    /// The sidebar, serialised (for signatures).
    pub nav_json: String,
}

impl Shared {
    /// The shared parts for `site`.
    pub fn new(site: &Site) -> Shared {
        let nav = nav(site);
        let nav_json = serde_json::to_string(&nav).unwrap_or_default();
        Shared { base: base_context(site, &nav), journals: journal_order(site), nav_json }
    }

    /// The journals before and after a page (previous = older, next = newer).
    pub fn neighbours(&self, id: PageId) -> (Option<PageId>, Option<PageId>) {
        match self.journals.iter().position(|&j| j == id) {
            Some(pos) => (
                self.journals.get(pos + 1).copied(),
                pos.checked_sub(1).and_then(|p| self.journals.get(p)).copied(),
            ),
            None => (None, None),
        }
    }
}

fn base_context(site: &Site, nav: &Nav) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert(
        "site",
        &SiteContext {
            title: site.config.display_title(),
            description: site.config.description.clone(),
            language: site.config.language.clone(),
            base_url: site.config.base_url.clone(),
        },
    );
    ctx.insert("root", "");
    ctx.insert("custom_css", &site.custom_css.is_some());
    ctx.insert("nav", nav);
    ctx.insert("generator", concat!("blockpress ", env!("CARGO_PKG_VERSION")));
    ctx
}

fn link(site: &Site, id: PageId) -> LinkContext {
    let page = &site.pages[id];
    LinkContext { title: page.name.clone(), url: page.file_name() }
}

fn journal_order(site: &Site) -> Vec<PageId> {
    let mut journals: Vec<(crate::load::Date, usize)> = site
        .published()
        .filter(|(_, p)| p.kind == PageKind::Journal)
        .filter_map(|(id, p)| p.journal.map(|d| (d, id)))
        .collect();
    journals.sort_by(|a, b| b.cmp(a));
    journals.into_iter().map(|(_, id)| id).collect()
}

fn nav(site: &Site) -> Nav {
    let mut pages: Vec<usize> = site
        .logseq
        .favorites
        .iter()
        .filter_map(|f| site.lookup(f))
        .map(|p| site.by_identity.get(&p.identity).copied().unwrap_or(0))
        .collect();
    let mut ranked: Vec<(usize, usize)> = site
        .published()
        .filter(|(_, p)| p.kind == PageKind::Page)
        .map(|(id, p)| (p.backlinks.len() + usize::from(p.note.is_some()), id))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, id) in ranked.into_iter().take(20) {
        if !pages.contains(&id) {
            pages.push(id);
        }
    }
    let journals = journal_order(site).into_iter().take(10).map(|id| link(site, id)).collect();
    Nav { pages: pages.into_iter().map(|id| link(site, id)).collect(), journals }
}

/// Renders one page with `page.html`, at its own path or at `path`.
pub fn render_page(
    site: &Site,
    theme: &Theme,
    shared: &Shared,
    id: PageId,
    path: Option<&str>,
) -> Result<(OutputFile, Vec<Diagnostic>)> {
    let (mut context, diagnostics) = page::page_context(site, id);
    let (prev, next) = shared.neighbours(id);
    context.prev = prev.map(|j| link(site, j));
    context.next = next.map(|j| link(site, j));
    let mut ctx = shared.base.clone();
    ctx.insert("page", &context);
    ctx.insert("is_home", &path.is_some());
    let html = theme.render("page.html", &ctx)?;
    let path = path.map_or(context.url, str::to_string);
    Ok((OutputFile { path, bytes: html.into_bytes() }, diagnostics))
}

/// The home page: the chosen page, or the generated overview.
pub fn render_home(site: &Site, theme: &Theme, shared: &Shared) -> Result<OutputFile> {
    if let Some(id) = home_page(site) {
        return Ok(render_page(site, theme, shared, id, Some("index.html"))?.0);
    }
    let mut ctx = shared.base.clone();
    ctx.insert("journals", &indexes::journals(site, &shared.journals, 5));
    ctx.insert("topics", &indexes::top_topics(site, 24));
    ctx.insert("namespaces", &indexes::namespaces(site));
    ctx.insert("letters", &indexes::letter_groups(site));
    Ok(OutputFile {
        path: "index.html".into(),
        bytes: theme.render("index.html", &ctx)?.into_bytes(),
    })
}

/// The index pages (all pages, tags, journals, alias redirects).
pub fn render_indexes(site: &Site, theme: &Theme, shared: &Shared) -> Result<Vec<OutputFile>> {
    indexes::render_indexes(site, theme, &shared.base, &shared.journals)
}

/// Files that change only with the theme and configuration: 404, search page, static files.
pub fn render_fixed(site: &Site, theme: &Theme, shared: &Shared) -> Result<Vec<OutputFile>> {
    let mut files = vec![
        OutputFile {
            path: "404.html".into(),
            bytes: theme.render("404.html", &shared.base)?.into_bytes(),
        },
        OutputFile {
            path: "search.html".into(),
            bytes: theme.render("search.html", &shared.base)?.into_bytes(),
        },
    ];
    for (path, bytes) in theme.static_files() {
        files.push(OutputFile { path: format!("static/{path}"), bytes: bytes.to_vec() });
    }
    files.push(OutputFile {
        path: "static/highlight.css".into(),
        bytes: highlight::stylesheet().into_bytes(),
    });
    if let Some(css) = &site.custom_css {
        files
            .push(OutputFile { path: "static/custom.css".into(), bytes: css.clone().into_bytes() });
    }
    Ok(files)
}

/// Files built from the whole site's content: feeds and the search index.
pub fn render_whole(site: &Site, shared: &Shared) -> Vec<OutputFile> {
    let mut files = crate::render::feeds::feeds(site, &shared.journals);
    files.extend(crate::search::search_files(site));
    files
}

/// The graph page (the whole site laid out).
pub fn render_graph_page(site: &Site, theme: &Theme, shared: &Shared) -> Result<OutputFile> {
    let graph = crate::graph::install(site);
    crate::graph::render_page(&graph, theme, &shared.base)
}

/// A hash of every published page's local graph (the small map on each page),
/// by identity. Install the site's graph first, or each page builds it anew.
pub fn local_graphs(site: &Site) -> std::collections::HashMap<String, u64> {
    use rayon::prelude::*;
    let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
    ids.par_iter()
        .map(|&id| {
            let svg = crate::graph::local_svg(site, id);
            (
                site.pages[id].identity.clone(),
                super::sources::first_u64(blake3::hash(svg.as_bytes())),
            )
        })
        .collect()
}

/// Whether this mirror renders what `render_site` rendered (`full`): the same
/// set of paths, the same bytes for every site-wide file and for a sample of
/// pages. Returns what differs first.
pub fn self_check(site: &Site, theme: &Theme, full: &[OutputFile]) -> Result<(), String> {
    let shared = Shared::new(site);
    let mut mine: Vec<OutputFile> = Vec::new();
    let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
    let step = (ids.len() / 12).max(1);
    let sample: Vec<PageId> =
        ids.iter().copied().step_by(step).chain(shared.journals.first().copied()).collect();
    let graph = crate::graph::install(site);
    let rendered = (|| -> Result<()> {
        mine.push(crate::graph::render_page(&graph, theme, &shared.base)?);
        for &id in &sample {
            mine.push(render_page(site, theme, &shared, id, None)?.0);
        }
        mine.push(render_home(site, theme, &shared)?);
        mine.extend(render_indexes(site, theme, &shared)?);
        mine.extend(render_fixed(site, theme, &shared)?);
        mine.extend(render_whole(site, &shared));
        Ok(())
    })();
    rendered.map_err(|e| format!("rendering failed: {e}"))?;
    let page_paths: std::collections::BTreeSet<String> =
        ids.iter().map(|&id| site.pages[id].file_name()).collect();
    let full_map: std::collections::HashMap<&str, &[u8]> =
        full.iter().map(|f| (f.path.as_str(), f.bytes.as_slice())).collect();
    for file in &mine {
        match full_map.get(file.path.as_str()) {
            Some(bytes) if *bytes == file.bytes.as_slice() => {}
            Some(_) => return Err(format!("{} renders differently", file.path)),
            None => return Err(format!("{} is not part of the site", file.path)),
        }
    }
    let mine_paths: std::collections::BTreeSet<&str> =
        mine.iter().map(|f| f.path.as_str()).collect();
    let unknown = full.iter().find(|f| {
        !mine_paths.contains(f.path.as_str())
            && !page_paths.contains(&f.path)
            && !site.assets.contains(&f.path)
    });
    match unknown {
        Some(file) => Err(format!("{} is rendered by parts serve does not know", file.path)),
        None => Ok(()),
    }
}
