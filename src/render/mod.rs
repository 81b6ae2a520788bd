//! RENDER: the resolved [`Site`] → HTML files, one page at a time, in parallel.
//!
//! Pure: reads nothing from disk (the theme is loaded before) and writes
//! nothing; [`crate::output`] writes what this returns.

pub mod blocks;
pub mod code;
pub mod diagram;
pub mod embed;
pub mod escape;
pub mod feeds;
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
use crate::resolve::{PageKind, Site};
use page::LinkContext;
use templates::Theme;

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// The bytes to write.
    pub bytes: Vec<u8>,
}

#[derive(Serialize)]
struct SiteContext {
    title: String,
    description: String,
    language: String,
    base_url: String,
}

#[derive(Serialize)]
struct NavContext {
    pages: Vec<LinkContext>,
    journals: Vec<LinkContext>,
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

/// Renders one page with `page.html`, at `path`.
fn render_page(
    site: &Site,
    theme: &Theme,
    base: &tera::Context,
    id: usize,
    journals: &[usize],
    path: Option<&str>,
) -> Result<(OutputFile, Vec<Diagnostic>)> {
    let (mut context, diagnostics) = page::page_context(site, id);
    if let Some(pos) = journals.iter().position(|&j| j == id) {
        context.prev = journals.get(pos + 1).map(|&j| link(site, j));
        context.next = pos.checked_sub(1).and_then(|p| journals.get(p)).map(|&j| link(site, j));
    }
    let mut ctx = base.clone();
    ctx.insert("page", &context);
    ctx.insert("is_home", &path.is_some());
    let html = theme.render("page.html", &ctx)?;
    let path = path.map_or(context.url, str::to_string);
    Ok((OutputFile { path, bytes: html.into_bytes() }, diagnostics))
}

/// Renders every page, the home page, the index pages, the 404 page and the theme's static files.
pub fn render_site(site: &Site, theme: &Theme) -> Result<(Vec<OutputFile>, Vec<Diagnostic>)> {
    let nav = nav(site);
    let base = base_context(site, &nav);
    let journals = journal_order(site);
    let graph = crate::graph::install(site);
    let ids: Vec<usize> = site.published().map(|(id, _)| id).collect();
    let rendered: Vec<Result<(OutputFile, Vec<Diagnostic>)>> = ids
        .into_par_iter()
        .map(|id| render_page(site, theme, &base, id, &journals, None))
        .collect();
    let mut files = Vec::with_capacity(rendered.len() + 8);
    let mut diagnostics = Vec::new();
    for result in rendered {
        let (file, found) = result?;
        files.push(file);
        diagnostics.extend(found);
    }
    files.push(home(site, theme, &base, &journals)?);
    diagnostics.extend(home_page_warnings(site));
    files.extend(indexes::render_indexes(site, theme, &base, &journals)?);
    files.push(crate::graph::render_page(&graph, theme, &base)?);
    files.extend(feeds::feeds(site, &journals));
    files.push(OutputFile {
        path: "404.html".into(),
        bytes: theme.render("404.html", &base)?.into_bytes(),
    });
    files.push(OutputFile {
        path: "search.html".into(),
        bytes: theme.render("search.html", &base)?.into_bytes(),
    });
    files.extend(crate::search::search_files(site));
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
    diagnostics.sort();
    diagnostics.dedup();
    Ok((files, diagnostics))
}

/// The page shown as the home page: `home_page` of site.toml, else Logseq's `:default-home`.
pub fn home_page(site: &Site) -> Option<usize> {
    [site.config.home_page.as_str(), site.logseq.default_home.as_deref().unwrap_or("")]
        .into_iter()
        .filter(|name| !name.trim().is_empty())
        .find_map(|name| site.lookup(name))
        .and_then(|page| site.by_identity.get(&page.identity).copied())
}

/// A warning when a configured home page is not a published page.
fn home_page_warnings(site: &Site) -> Vec<Diagnostic> {
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
    let mut pages: Vec<usize> = site
        .logseq
        .favorites
        .iter()
        .filter_map(|f| site.lookup(f))
        .map(|p| site_index(site, p))
        .collect();
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

fn site_index(site: &Site, page: &crate::resolve::Page) -> usize {
    site.by_identity.get(&page.identity).copied().unwrap_or(0)
}

fn home(
    site: &Site,
    theme: &Theme,
    base: &tera::Context,
    journals: &[usize],
) -> Result<OutputFile> {
    if let Some(id) = home_page(site) {
        return Ok(render_page(site, theme, base, id, journals, Some("index.html"))?.0);
    }
    let mut ctx = base.clone();
    ctx.insert("journals", &indexes::journals(site, journals, 5));
    ctx.insert("topics", &indexes::top_topics(site, 24));
    ctx.insert("namespaces", &indexes::namespaces(site));
    ctx.insert("letters", &indexes::letter_groups(site));
    Ok(OutputFile {
        path: "index.html".into(),
        bytes: theme.render("index.html", &ctx)?.into_bytes(),
    })
}
