//! The site's index pages: all pages (A–Z), tags, journals, the home overview
//! and the redirect pages of aliases.

use serde::Serialize;

use super::OutputFile;
use super::blocks::{TreeContext, render_tree};
use super::embed::descendants_html;
use super::page::{LinkContext, PageLinks};
use super::templates::Theme;
use crate::error::Result;
use crate::graph::SiteGraph;
use crate::resolve::{PageId, PageKind, Site};

/// One entry of the all-pages index.
#[derive(Debug, Serialize)]
pub struct IndexEntry {
    /// Page name.
    pub title: String,
    /// Its URL.
    pub url: String,
    /// What it is.
    pub kind: PageKind,
    /// Blocks referring to it.
    pub references: usize,
    /// Its namespace descendants as a nested list (HTML, may be empty).
    pub children: String,
}

/// Pages under one initial letter.
#[derive(Debug, Serialize)]
pub struct LetterGroup {
    /// The letter (or `#` for names starting with something else).
    pub letter: String,
    /// The pages, A–Z.
    pub pages: Vec<IndexEntry>,
}

/// One tag with its use count.
#[derive(Debug, Serialize)]
pub struct TagEntry {
    /// Tag name.
    pub title: String,
    /// Its page.
    pub url: String,
    /// Blocks and pages using it.
    pub count: usize,
}

/// One journal day with its content.
#[derive(Debug, Serialize)]
pub struct JournalEntry {
    /// Formatted date.
    pub title: String,
    /// The day's page.
    pub url: String,
    /// ISO date.
    pub date: String,
    /// The day's blocks as HTML.
    pub content: String,
}

fn entry(site: &Site, id: PageId) -> IndexEntry {
    let page = &site.pages[id];
    IndexEntry {
        title: page.name.clone(),
        url: page.file_name(),
        kind: page.kind,
        references: page.backlinks.len(),
        children: descendants_html(&site.pages, id),
    }
}

fn sort_key(title: &str) -> (String, String) {
    (title.to_lowercase(), title.to_string())
}

/// A–Z groups of the published non-journal pages that are not inside a namespace.
pub fn letter_groups(site: &Site) -> Vec<LetterGroup> {
    let mut ids: Vec<PageId> = site
        .published()
        .filter(|(_, p)| p.kind != PageKind::Journal && p.namespace.is_empty())
        .map(|(id, _)| id)
        .collect();
    ids.sort_by_key(|&id| sort_key(&site.pages[id].name));
    let mut groups: Vec<LetterGroup> = Vec::new();
    for id in ids {
        let first = site.pages[id]
            .name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect::<String>())
            .unwrap_or_default();
        let letter = if first.chars().all(char::is_alphabetic) && !first.is_empty() {
            first
        } else {
            "#".into()
        };
        match groups.last_mut() {
            Some(group) if group.letter == letter => group.pages.push(entry(site, id)),
            _ => groups.push(LetterGroup { letter, pages: vec![entry(site, id)] }),
        }
    }
    groups
}

/// Every page used as a tag, most used first.
pub fn tags(site: &Site) -> Vec<TagEntry> {
    let mut tags: Vec<TagEntry> = site
        .published()
        .filter(|(_, p)| p.tag_uses > 0)
        .map(|(_, p)| TagEntry { title: p.name.clone(), url: p.file_name(), count: p.tag_uses })
        .collect();
    tags.sort_by(|a, b| {
        b.count.cmp(&a.count).then_with(|| sort_key(&a.title).cmp(&sort_key(&b.title)))
    });
    tags
}

/// Journal days, newest first, each with its content rendered.
pub fn journals(site: &Site, order: &[PageId], limit: usize) -> Vec<JournalEntry> {
    order
        .iter()
        .take(limit)
        .map(|&id| {
            let page = &site.pages[id];
            let links = PageLinks::new(site, page);
            let ctx = TreeContext {
                links: &links,
                options: links.options,
                anchors: crate::resolve::Anchors::NONE,
                cache: None,
            };
            let content = page.note.as_ref().map_or_else(String::new, |note| {
                let roots: Vec<usize> = note
                    .roots()
                    .flat_map(|r| {
                        if note.blocks[r].pre_block {
                            note.blocks[r].children.to_vec()
                        } else {
                            vec![r]
                        }
                    })
                    .collect();
                render_tree(&note.blocks, &roots, &ctx)
            });
            JournalEntry {
                title: page.name.clone(),
                url: page.file_name(),
                date: page.journal.map(|d| d.iso()).unwrap_or_default(),
                content,
            }
        })
        .collect()
}

/// The most referenced topics (non-journal pages).
pub fn top_topics(site: &Site, limit: usize) -> Vec<IndexEntry> {
    let mut ids: Vec<PageId> = site
        .published()
        .filter(|(_, p)| p.kind != PageKind::Journal && !p.backlinks.is_empty())
        .map(|(id, _)| id)
        .collect();
    ids.sort_by(|&a, &b| {
        site.pages[b].backlinks.len().cmp(&site.pages[a].backlinks.len()).then_with(|| a.cmp(&b))
    });
    ids.into_iter().take(limit).map(|id| entry(site, id)).collect()
}

/// Top-level namespaces (pages with namespace children and no parent).
pub fn namespaces(site: &Site) -> Vec<IndexEntry> {
    site.published()
        .filter(|(_, p)| p.namespace.is_empty() && !p.children.is_empty())
        .map(|(id, _)| entry(site, id))
        .collect()
}

/// The index pages, rendered.
pub fn render_indexes(
    site: &Site,
    theme: &Theme,
    base: &tera::Context,
    journal_order: &[PageId],
) -> Result<Vec<OutputFile>> {
    let mut files = Vec::new();
    let render =
        |template: &str, path: &str, extra: &dyn Fn(&mut tera::Context)| -> Result<OutputFile> {
            let mut ctx = base.clone();
            ctx.insert("current", path);
            extra(&mut ctx);
            Ok(OutputFile { path: path.into(), bytes: theme.render(template, &ctx)?.into_bytes() })
        };
    files.push(render("all-pages.html", "all-pages.html", &|ctx| {
        ctx.insert("letters", &letter_groups(site))
    })?);
    files.push(render("tags.html", "tags.html", &|ctx| ctx.insert("tags", &tags(site)))?);
    files.push(render("journals.html", "journals.html", &|ctx| {
        ctx.insert("journals", &journals(site, journal_order, 100));
        ctx.insert("journal_count", &journal_order.len());
    })?);
    for (slug, target) in &site.redirects {
        let page = &site.pages[*target];
        let link = LinkContext { title: page.name.clone(), url: page.file_name() };
        files.push(render("redirect.html", &format!("{slug}.html"), &|ctx| {
            ctx.insert("target", &link)
        })?);
    }
    Ok(files)
}

/// Renders `graph.html` with the `base` context plus `graph` and `current`.
pub fn graph_page(graph: &SiteGraph, theme: &Theme, base: &tera::Context) -> Result<OutputFile> {
    let mut ctx = base.clone();
    ctx.insert("graph", &graph.context());
    ctx.insert("current", "graph.html");
    let html = theme.render("graph.html", &ctx)?;
    Ok(OutputFile { path: "graph.html".into(), bytes: html.into_bytes() })
}
