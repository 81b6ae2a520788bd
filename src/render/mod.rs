//! RENDER: the resolved [`Site`] → HTML files, one page at a time, in parallel.
//!
//! Pure: reads nothing from disk (the theme is loaded before) and writes
//! nothing; `output` writes what this returns.

pub mod blocks;
pub mod code;
pub mod diagram;
pub mod embed;
pub mod feeds;
pub mod guess;
pub mod highlight;
pub mod indexes;
pub mod macros;
pub mod markdown;
pub mod math;
pub mod page;
pub mod query;
pub mod templates;

use rayon::prelude::*;
use serde::Serialize;

use crate::error::{Diagnostic, Result};
pub use crate::files::{OutputFile, collect_files};
use crate::resolve::{PageKind, Site};
pub use crate::util::escape;
use page::LinkContext;
use templates::Theme;

#[derive(Serialize)]
struct SiteContext {
    title: String,
    description: String,
    language: String,
    base_url: String,
}

/// The sidebar every page shows.
#[derive(Serialize)]
pub struct NavContext {
    pages: Vec<LinkContext>,
    journals: Vec<LinkContext>,
}

/// What every page of one rendering shares: the template context every
/// template receives, the journal order and the sidebar. `serve` re-renders
/// single pages with the same pieces.
pub struct Shared {
    /// The template context every template receives.
    pub base: tera::Context,
    /// Published journals, newest first.
    pub journals: Vec<usize>,
    /// Position of each journal page in `journals`.
    journal_position: std::collections::HashMap<usize, usize>,
    /// The sidebar, serialised (serve keys its change signatures on it).
    pub nav_json: String,
    /// Blocks shown on several pages, rendered once (empty unless made by [`Shared::for_whole_site`]).
    pub blocks: blocks::BlockCache,
    /// The graph of the published pages (each page's local map, `graph.html`).
    pub graph: std::sync::Arc<crate::graph::SiteGraph>,
}

impl Shared {
    /// The shared parts for `site`.
    pub fn new(site: &Site) -> Shared {
        Shared::with_graph(site, std::sync::Arc::new(crate::graph::SiteGraph::from_site(site)))
    }

    /// The shared parts for `site`, whose graph was built before (it must
    /// be the graph of this site: same pages, same links).
    pub fn with_graph(site: &Site, graph: std::sync::Arc<crate::graph::SiteGraph>) -> Shared {
        let nav = nav(site);
        let nav_json = serde_json::to_string(&nav).unwrap_or_default();
        let journals = journal_order(site);
        let journal_position = journals.iter().enumerate().map(|(pos, &id)| (id, pos)).collect();
        Shared {
            base: base_context(site, &nav),
            journals,
            journal_position,
            nav_json,
            blocks: blocks::BlockCache::default(),
            graph,
        }
    }

    /// The shared parts for rendering every page of `site`: with a cache of
    /// the blocks that the references show, so that each renders once.
    pub fn for_whole_site(site: &Site) -> Shared {
        // The home page shows a page a second time, as index.html.
        let home = home_page(site);
        let blocks = page::shown_references(site, |id| 1 + u32::from(home == Some(id)));
        Shared { blocks, ..Shared::new(site) }
    }

    /// The journal days before and after a page: (previous = older, next = newer).
    pub fn neighbours(&self, id: usize) -> (Option<usize>, Option<usize>) {
        match self.journal_position.get(&id).copied() {
            Some(pos) => (
                self.journals.get(pos + 1).copied(),
                pos.checked_sub(1).and_then(|p| self.journals.get(p)).copied(),
            ),
            None => (None, None),
        }
    }
}

/// Everything every template receives.
fn base_context(site: &Site, nav: &NavContext) -> tera::Context {
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
    ctx.insert("theme_options", &site.config.theme_options);
    ctx.insert("nav", nav);
    ctx.insert("generator", concat!("blockpress ", env!("CARGO_PKG_VERSION")));
    ctx
}

/// A page rendered with `page.html`.
#[derive(Debug)]
pub struct RenderedPage {
    /// Its file.
    pub file: OutputFile,
    /// The warnings found while rendering it.
    pub diagnostics: Vec<Diagnostic>,
    /// A hash of its local map (a later build compares it when the graph
    /// changed, to tell whether the page must render again).
    pub local_graph: u64,
}

/// Renders one page with `page.html`, at its own path or at `path`.
pub fn render_page(
    site: &Site,
    theme: &Theme,
    shared: &Shared,
    id: usize,
    path: Option<&str>,
) -> Result<RenderedPage> {
    let (mut context, diagnostics) = page::page_context(site, id, &shared.blocks, &shared.graph);
    let local_graph = context.local_graph_sig;
    let (prev, next) = shared.neighbours(id);
    context.prev = prev.map(|j| link(site, j));
    context.next = next.map(|j| link(site, j));
    let mut ctx = shared.base.clone();
    ctx.insert("page", &context);
    ctx.insert("is_home", &path.is_some());
    let path = path.map_or_else(|| std::mem::take(&mut context.url), str::to_string);
    // The template context holds a copy of everything: the page's own is
    // freed before the HTML is made (a page listing hundreds of references
    // holds megabytes of them, on every thread at once).
    drop(context);
    let html = theme.render("page.html", &ctx)?;
    Ok(RenderedPage {
        file: OutputFile { path, bytes: html.into_bytes() },
        diagnostics,
        local_graph,
    })
}

/// Renders every page, the home page, the index pages, the 404 page and the theme's static files.
pub fn render_site(site: &Site, theme: &Theme) -> Result<(Vec<OutputFile>, Vec<Diagnostic>)> {
    let shared = Shared::for_whole_site(site);
    let ids: Vec<usize> = site.published().map(|(id, _)| id).collect();
    let rendered: Vec<Result<RenderedPage>> =
        ids.into_par_iter().map(|id| render_page(site, theme, &shared, id, None)).collect();
    let mut files = Vec::with_capacity(rendered.len() + 8);
    let mut diagnostics = Vec::new();
    for result in rendered {
        let page = result?;
        files.push(page.file);
        diagnostics.extend(page.diagnostics);
    }
    files.push(render_home(site, theme, &shared)?);
    diagnostics.extend(home_page_warnings(site));
    files.extend(indexes::render_indexes(site, theme, &shared.base, &shared.journals)?);
    files.push(crate::render::indexes::graph_page(&shared.graph, theme, &shared.base)?);
    files.extend(whole_site_files(site, &shared));
    files.extend(fixed_files(site, theme, &shared)?);
    diagnostics.sort();
    diagnostics.dedup();
    Ok((files, diagnostics))
}

/// Files that change only with the theme and the configuration: 404, the
/// search page, the theme's static files, the highlighting and custom CSS.
pub fn fixed_files(site: &Site, theme: &Theme, shared: &Shared) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    files.push(OutputFile {
        path: "search.html".into(),
        bytes: theme.render("search.html", &shared.base)?.into_bytes(),
    });
    // A server answers any missing address with 404.html, however deep the
    // address: with a base URL its links are absolute, so that they work
    // from /a/b/missing too; without one they are relative to the top.
    let mut not_found = shared.base.clone();
    let base_url = site.config.base_url.trim();
    if !base_url.is_empty() {
        not_found.insert("root", &format!("{}/", base_url.trim_end_matches('/')));
    }
    files.push(OutputFile {
        path: "404.html".into(),
        bytes: theme.render("404.html", &not_found)?.into_bytes(),
    });
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

/// Files built from the whole site's content: the feeds and the search index.
pub fn whole_site_files(site: &Site, shared: &Shared) -> Vec<OutputFile> {
    collect_files(|mut emit| each_whole_site_file(site, shared, &mut emit))
}

/// Hands the files of [`whole_site_files`], in the same order, to `emit` as
/// soon as each is made; stops at the first error of `emit`.
pub fn each_whole_site_file<E>(
    site: &Site,
    shared: &Shared,
    emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
) -> Result<(), E> {
    for file in feeds::feeds(site, &shared.journals) {
        emit(file)?;
    }
    crate::search::each_search_file(site, emit)
}

/// The page shown as the home page: `home_page` of site.toml, else Logseq's `:default-home`.
pub fn home_page(site: &Site) -> Option<usize> {
    [site.config.home_page.as_str(), site.logseq.default_home.as_deref().unwrap_or("")]
        .into_iter()
        .filter(|name| !name.trim().is_empty())
        .find_map(|name| site.lookup_id(name))
}

/// A warning when a configured home page is not a published page.
pub fn home_page_warnings(site: &Site) -> Vec<Diagnostic> {
    let mut warnings = Vec::new();
    let name = site.config.home_page.trim();
    if !name.is_empty() && site.lookup(name).is_none() {
        let message = format!(
            "home_page \"{name}\" is not a published page; using the next choice for the home page"
        );
        warnings.push(Diagnostic::warning("site.toml", None, message));
    }
    if let Some(name) = site.logseq.default_home.as_deref().filter(|n| !n.trim().is_empty()) {
        if site.lookup(name).is_none() {
            let message = format!(":default-home page \"{name}\" is not a published page");
            warnings.push(Diagnostic::warning("logseq/config.edn", None, message));
        }
    }
    warnings
}

fn link(site: &Site, id: usize) -> LinkContext {
    let page = &site.pages[id];
    LinkContext { title: page.name.clone(), url: page.file_name() }
}

/// Published journal pages, newest first.
fn journal_order(site: &Site) -> Vec<usize> {
    let mut journals: Vec<(crate::load::Date, usize)> = site
        .published()
        .filter(|(_, p)| p.kind == PageKind::Journal)
        .filter_map(|(id, p)| p.journal.map(|d| (d, id)))
        .collect();
    journals.sort_by(|a, b| b.cmp(a));
    journals.into_iter().map(|(_, id)| id).collect()
}

/// The sidebar: favorites and the most referenced pages, and recent journals.
fn nav(site: &Site) -> NavContext {
    let mut pages: Vec<usize> =
        site.logseq.favorites.iter().filter_map(|f| site.lookup_id(f)).collect();
    let mut ranked: Vec<(usize, usize)> = site
        .published()
        .filter(|(_, p)| p.kind == PageKind::Page)
        .map(|(id, p)| (p.backlinks.len() + usize::from(p.note.is_some()), id))
        .collect();
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, id) in ranked.into_iter().take(site.config.theme_options.sidebar_pages) {
        if !pages.contains(&id) {
            pages.push(id);
        }
    }
    let journals = journal_order(site)
        .into_iter()
        .take(site.config.theme_options.sidebar_journals)
        .map(|id| link(site, id))
        .collect();
    NavContext { pages: pages.into_iter().map(|id| link(site, id)).collect(), journals }
}

/// The home page: the chosen page (`home_page`, `:default-home`), or the generated overview.
pub fn render_home(site: &Site, theme: &Theme, shared: &Shared) -> Result<OutputFile> {
    if let Some(id) = home_page(site) {
        return Ok(render_page(site, theme, shared, id, Some("index.html"))?.file);
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
