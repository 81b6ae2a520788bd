//! One page of the site → its template context (and the links it resolves).

use std::cell::RefCell;
use std::ops::ControlFlow;

use serde::Serialize;

use super::blocks::{self, BlockCache, TreeContext};
use super::escape::{escape_html, push_escaped};
use super::markdown::{Links, MarkdownOptions, plain_text, render_inline};
use crate::error::Diagnostic;
use crate::parse::inline::Macro;
use crate::resolve::{BlockLoc, Page, PageId, PageKind, Site};
pub use references::{
    MAX_SHOWN_REFERENCES, MAX_SHOWN_UNLINKED, MoreReferences, ReferencesFilter, shown_references,
};
use references::{Shown, reference_groups};

mod references;

/// Resolves links for blocks of one page, collecting warnings with their lines.
pub struct PageLinks<'a> {
    /// The site.
    pub site: &'a Site,
    rel_path: RefCell<String>,
    line: std::cell::Cell<usize>,
    /// What is being embedded or expanded right now (cycle and depth guard).
    pub stack: RefCell<Vec<String>>,
    /// Embeds met so far (the budget guard of [`super::embed`]).
    pub embeds: std::cell::Cell<usize>,
    /// Markdown options of the site.
    pub options: MarkdownOptions,
    /// Warnings found while rendering.
    pub diagnostics: RefCell<Vec<Diagnostic>>,
}

impl<'a> PageLinks<'a> {
    /// Links for `page` of `site`.
    pub fn new(site: &'a Site, page: &Page) -> Self {
        let rel_path = page.note.as_ref().map_or_else(String::new, |n| n.rel_path.clone());
        PageLinks {
            site,
            rel_path: RefCell::new(rel_path),
            line: std::cell::Cell::new(0),
            stack: RefCell::new(Vec::new()),
            embeds: std::cell::Cell::new(0),
            options: MarkdownOptions { allow_html: site.config.allow_html },
            diagnostics: RefCell::new(Vec::new()),
        }
    }

    /// Sets the line that warnings are reported at.
    pub fn at_line(&self, line: usize) {
        self.line.set(line);
    }

    /// Runs `f` as if rendering `page`'s file (warnings name it), then restores the position.
    pub fn within<T>(&self, page: &Page, f: impl FnOnce() -> T) -> T {
        let rel_path = page.note.as_ref().map_or_else(String::new, |n| n.rel_path.clone());
        let saved_path = self.rel_path.replace(rel_path);
        let saved_line = self.line.get();
        let result = f();
        self.rel_path.replace(saved_path);
        self.line.set(saved_line);
        result
    }
}

impl Links for PageLinks<'_> {
    fn page_url(&self, name: &str) -> Option<String> {
        self.site.lookup(name).map(Page::file_name)
    }

    fn block_ref(&self, uuid: &str) -> Option<(String, String)> {
        let (page, index) = self.site.block(uuid)?;
        let note = page.note.as_ref()?;
        let block = &note.blocks[index];
        let url = page.block_url(index);
        // The title renders without further block refs, so cycles cannot recurse.
        let title = if block.title().trim().is_empty() {
            escape_html(plain_text(&block.body).lines().next().unwrap_or(""))
        } else {
            // The title sits inside the reference's own link: links in it
            // become their text (a link inside a link is not HTML).
            strip_links(&render_inline(
                &strip_block_refs(block.title()),
                &NoRefs(self),
                MarkdownOptions::default(),
            ))
        };
        Some((url, title))
    }

    fn asset_url(&self, target: &str) -> Option<String> {
        let decoded = percent_encoding::percent_decode_str(target).decode_utf8_lossy();
        let path = decoded.trim_start_matches("../").trim_start_matches('/');
        if !path.starts_with("assets/") || path.contains("/../") {
            return None;
        }
        if !self.site.assets.contains(path) {
            self.error(format!("asset {path} does not exist"));
        }
        Some(path.to_string())
    }

    fn macro_html(&self, call: &Macro<'_>) -> Option<String> {
        super::macros::render_macro(self, call)
    }

    fn enter_block(&self, line: usize) {
        self.at_line(line);
    }

    fn warn(&self, message: String) {
        self.report(Diagnostic::warning, message);
    }

    fn error(&self, message: String) {
        self.report(Diagnostic::error, message);
    }
}

impl PageLinks<'_> {
    /// Records a diagnostic at the current file and line.
    fn report(&self, make: fn(String, Option<usize>, String) -> Diagnostic, message: String) {
        let line = self.line.get();
        let path = self.rel_path.borrow().clone();
        self.diagnostics.borrow_mut().push(make(path, (line > 0).then_some(line), message));
    }
}

/// Link resolution that renders block refs as plain text (inside block-ref titles).
struct NoRefs<'a, 'b>(&'a PageLinks<'b>);

impl Links for NoRefs<'_, '_> {
    fn page_url(&self, name: &str) -> Option<String> {
        self.0.page_url(name)
    }
    fn block_ref(&self, _: &str) -> Option<(String, String)> {
        None
    }
    fn asset_url(&self, target: &str) -> Option<String> {
        self.0.asset_url(target)
    }
    fn macro_html(&self, call: &Macro<'_>) -> Option<String> {
        // No embeds or queries inside a block reference's title.
        super::macros::is_inline_macro(call).then(|| self.0.macro_html(call)).flatten()
    }
    fn warn(&self, _: String) {}
}

/// Link resolution for breadcrumbs (inside a link): as [`NoRefs`], but a
/// block reference shows its target's title, as in the block itself.
struct CrumbLinks<'a, 'b>(&'a PageLinks<'b>);

impl Links for CrumbLinks<'_, '_> {
    fn page_url(&self, name: &str) -> Option<String> {
        NoRefs(self.0).page_url(name)
    }
    fn block_ref(&self, uuid: &str) -> Option<(String, String)> {
        self.0.block_ref(uuid)
    }
    fn asset_url(&self, target: &str) -> Option<String> {
        NoRefs(self.0).asset_url(target)
    }
    fn macro_html(&self, call: &Macro<'_>) -> Option<String> {
        NoRefs(self.0).macro_html(call)
    }
    // The block's own page reports its problems.
    fn warn(&self, _: String) {}
}

/// A block's first line for a breadcrumb, as HTML: its inline content as
/// the block shows it, links as their labels (the crumb is a link),
/// properties never; at most [`CRUMB_CHARS`] characters of text.
fn crumb_html(block: &crate::parse::Block, links: &PageLinks<'_>) -> String {
    let title = block.title().trim();
    if title.is_empty() {
        return escape_html(&short_title(block));
    }
    // Most titles are words and plain punctuation, which render as written.
    let html = if is_plain_text(title) {
        title.to_string()
    } else {
        render_inline(title, &CrumbLinks(links), MarkdownOptions::default())
    };
    let html = truncate_html(&strip_links(&html), CRUMB_CHARS);
    if html.trim().is_empty() { "…".into() } else { html }
}

/// Whether `text` renders as itself: letters, digits, single spaces and
/// punctuation that neither Markdown, Logseq's syntax nor HTML escaping
/// touches, starting with a letter (`1.` or `-` would start a list).
fn is_plain_text(text: &str) -> bool {
    text.chars().next().is_some_and(char::is_alphabetic)
        && !text.contains("  ")
        && !text.contains("www.")
        && text.chars().all(|c| c.is_alphanumeric() || " ,.;?/%+-".contains(c))
}

/// Characters of text a breadcrumb shows.
const CRUMB_CHARS: usize = 60;

/// `html` cut after `max` characters of text (an entity is one), with `…`
/// and the elements left open closed.
fn truncate_html(html: &str, max: usize) -> String {
    const VOID: &[&str] = &["br", "img", "hr", "wbr", "input", "col", "area", "source"];
    let mut out = String::with_capacity(html.len());
    let mut open: Vec<&str> = Vec::new();
    let mut chars = 0;
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            let tag = &rest[..end];
            let name_end = tag[1..].find(|c: char| c.is_whitespace() || c == '>' || c == '/');
            let name = name_end.map_or("", |e| &tag[1..=e]);
            if let Some(closed) = tag.strip_prefix("</") {
                let closed = closed.trim_end_matches('>').trim();
                if let Some(at) = open.iter().rposition(|&o| o == closed) {
                    open.truncate(at);
                }
            } else if !tag.ends_with("/>") && !VOID.contains(&name) && !name.starts_with('!') {
                open.push(name);
            }
            out.push_str(tag);
            rest = &rest[end..];
            continue;
        }
        if chars == max {
            out.push('…');
            for name in open.iter().rev() {
                out.push_str(&format!("</{name}>"));
            }
            return out;
        }
        let len = if c == '&' { rest.find(';').map_or(1, |e| e + 1) } else { c.len_utf8() };
        out.push_str(&rest[..len]);
        rest = &rest[len..];
        chars += 1;
    }
    out
}

/// `html` without its `<a …>` and `</a>` tags (their content stays).
fn strip_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let is_link = tag.starts_with("</a>") || tag.starts_with("<a ") || tag.starts_with("<a>");
        match tag.find('>') {
            Some(end) if is_link => rest = &tag[end + 1..],
            _ => {
                out.push('<');
                rest = &tag[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn strip_block_refs(text: &str) -> String {
    use crate::parse::inline::{Inline, scan};
    scan(text)
        .into_iter()
        .map(|piece| match piece {
            Inline::BlockRef(_) => "…".to_string(),
            Inline::Text(t) | Inline::Url(t) => t.to_string(),
            Inline::PageRef(n) => format!("[[{n}]]"),
            Inline::LabelledRef { label, target } => format!("[{label}]([[{target}]])"),
            Inline::Tag(n) if n.contains(' ') => format!("#[[{n}]]"),
            Inline::Tag(n) => format!("#{n}"),
            Inline::Macro(m) => format!("{{{{{}}}}}", m.raw),
        })
        .collect()
}

/// A link in a template context.
#[derive(Debug, Clone, Serialize)]
pub struct LinkContext {
    /// Link text.
    pub title: String,
    /// Relative URL.
    pub url: String,
}

/// A property row.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyContext {
    /// The key.
    pub key: String,
    /// The value as HTML.
    pub value: String,
}

/// One referencing block in the linked references.
#[derive(Debug, Clone, Serialize)]
pub struct BacklinkBlock {
    /// The block rendered.
    pub html: String,
    /// URL of the block on its page.
    pub url: String,
    /// Its ancestors, outermost first.
    pub breadcrumb: Vec<Crumb>,
}

/// An ancestor of a referencing block, in its breadcrumb.
#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    /// Its first line, as HTML without links.
    pub html: String,
    /// Its URL.
    pub url: String,
}

/// The referencing blocks of one page.
#[derive(Debug, Clone, Serialize)]
pub struct BacklinkGroup {
    /// The referencing page's title.
    pub title: String,
    /// Its URL.
    pub url: String,
    /// The blocks.
    pub blocks: Vec<BacklinkBlock>,
}

/// One heading in a page's table of contents.
#[derive(Debug, Clone, Serialize)]
pub struct TocEntry {
    /// Heading level, 1–6.
    pub level: u8,
    /// The heading as plain text.
    pub title: String,
    /// The heading as HTML, as it shows (code as code, macros as their note), without links.
    pub html: String,
    /// The heading block's anchor.
    pub anchor: String,
}

fn table_of_contents(site: &Site, page: &Page) -> Vec<TocEntry> {
    let min = site.config.theme_options.toc_min_headings;
    let Some(note) = &page.note else { return Vec::new() };
    let headings = note.blocks.iter().filter(|b| !b.pre_block && b.heading.is_some()).count();
    if min == 0 || headings < min {
        return Vec::new();
    }
    let links = PageLinks::new(site, page);
    let toc: Vec<TocEntry> = note
        .blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.pre_block)
        .filter_map(|(i, b)| {
            Some(TocEntry {
                level: b.heading?,
                title: short_title(b),
                html: crumb_html(b, &links),
                anchor: page.anchors.get(i)?.to_string(),
            })
        })
        .collect();
    if min == 0 || toc.len() < min { Vec::new() } else { toc }
}

/// What `page.html` receives as `page`.
#[derive(Debug, Clone, Serialize)]
pub struct PageContext {
    /// Page name.
    pub title: String,
    /// Output file name.
    pub url: String,
    /// `page`, `journal` or `missing`.
    pub kind: PageKind,
    /// ISO date of a journal.
    pub date: String,
    /// Namespace ancestors.
    pub namespace: Vec<LinkContext>,
    /// Visible page properties.
    pub properties: Vec<PropertyContext>,
    /// Tags from `tags::`.
    pub tags: Vec<LinkContext>,
    /// The block tree as HTML.
    pub content: String,
    /// Plain-text description (first block).
    pub description: String,
    /// Linked references, grouped by page.
    pub backlinks: Vec<BacklinkGroup>,
    /// Pages of the linked references past [`MAX_SHOWN_REFERENCES`], with counts.
    pub backlinks_more: Vec<MoreReferences>,
    /// Unlinked references (the name mentioned without a link), grouped by page.
    pub unlinked: Vec<BacklinkGroup>,
    /// Pages of the unlinked references past [`MAX_SHOWN_UNLINKED`], with counts.
    pub unlinked_more: Vec<MoreReferences>,
    /// Number of unlinked references.
    pub unlinked_count: usize,
    /// Pages whose `tags::` list this page.
    pub tagged: Vec<LinkContext>,
    /// The namespace tree below this page, as HTML (empty when it has no children).
    pub hierarchy: String,
    /// The page's neighbourhood as an SVG map (empty when it has no links).
    pub local_graph: String,
    /// A hash of what the map is drawn from (see [`crate::graph::SiteGraph::local_map`]).
    #[serde(skip)]
    pub local_graph_sig: u64,
    /// Number of blocks referring to this page.
    pub reference_count: usize,
    /// Table of contents: the page's heading blocks (empty when there are too few).
    pub toc: Vec<TocEntry>,
    /// Previous journal day.
    pub prev: Option<LinkContext>,
    /// Next journal day.
    pub next: Option<LinkContext>,
}

/// Builds the context of one page; returns it with the warnings found.
///
/// `cache` holds blocks shown on several pages, rendered once (see
/// [`BlockCache`]); `graph` is the site's graph (for the page's local map).
pub fn page_context(
    site: &Site,
    id: PageId,
    cache: &BlockCache,
    graph: &crate::graph::SiteGraph,
) -> (PageContext, Vec<Diagnostic>) {
    let page = &site.pages[id];
    let links = PageLinks::new(site, page);
    let options = MarkdownOptions { allow_html: site.config.allow_html };
    let ctx =
        TreeContext { links: &links, options, anchors: &page.anchors, cache: Some((cache, id)) };
    let (content, properties, description) = match &page.note {
        Some(note) => {
            let content = page_blocks(note, &ctx, &links);
            let properties = note
                .properties
                .iter()
                .filter(|p| {
                    !crate::parse::props::is_hidden_key(&p.key) && !p.value.trim().is_empty()
                })
                .map(|p| PropertyContext {
                    key: p.key.clone(),
                    value: blocks::property_value(p, &ctx),
                })
                .collect();
            (content, properties, description(note))
        }
        None => (String::new(), Vec::new(), String::new()),
    };
    let shown = |locs, with_children, limit| Shown { locs, with_children, limit };
    let linked = reference_groups(site, shown(&page.backlinks, true, MAX_SHOWN_REFERENCES), cache);
    let unlinked = reference_groups(site, shown(&page.unlinked, false, MAX_SHOWN_UNLINKED), cache);
    let (local_graph, local_graph_sig) = graph.local_map(id);
    let context = PageContext {
        title: page.name.clone(),
        url: page.file_name(),
        kind: page.kind,
        date: page.journal.map(|d| d.iso()).unwrap_or_default(),
        namespace: page.namespace.iter().filter_map(|&a| link_to(site, a)).collect(),
        properties,
        tags: page.tags.iter().filter_map(|&t| link_to(site, t)).collect(),
        content,
        description,
        backlinks: linked.groups,
        backlinks_more: linked.more,
        unlinked: unlinked.groups,
        unlinked_more: unlinked.more,
        tagged: page.tagged.iter().filter_map(|&t| link_to(site, t)).collect(),
        hierarchy: super::embed::descendants_html(&site.pages, id),
        local_graph,
        local_graph_sig,
        reference_count: page.backlinks.len(),
        unlinked_count: page.unlinked.len(),
        toc: table_of_contents(site, page),
        prev: None,
        next: None,
    };
    let diagnostics = links.diagnostics.into_inner();
    (context, diagnostics)
}

fn link_to(site: &Site, id: PageId) -> Option<LinkContext> {
    let page = &site.pages[id];
    page.published.then(|| LinkContext { title: page.name.clone(), url: page.file_name() })
}

fn page_blocks(note: &crate::parse::Note, ctx: &TreeContext<'_>, links: &PageLinks<'_>) -> String {
    let mut html = String::new();
    let mut roots: Vec<usize> = note.roots().collect();
    if let Some(&first) = roots.first() {
        let block = &note.blocks[first];
        if block.pre_block {
            links.at_line(block.line as usize);
            if !block.body.is_empty() {
                let anchor = page_anchor(ctx, first);
                html.push_str(&format!("<div class=\"pre-block\"{anchor}>"));
                html.push_str(&blocks::content_at(block, first, ctx));
                html.push_str("</div>");
            }
            roots.remove(0);
            roots.splice(0..0, block.children.iter().copied());
        }
    }
    if !roots.is_empty() {
        html.push_str(&blocks::render_tree(&note.blocks, &roots, ctx));
    }
    html
}

fn page_anchor(ctx: &TreeContext<'_>, index: usize) -> String {
    ctx.anchors.get(index).map_or(String::new(), |a| format!(" id=\"{}\"", escape_html(a)))
}

fn description(note: &crate::parse::Note) -> String {
    let text = note
        .blocks
        .iter()
        .filter(|b| !b.pre_block)
        .map(|b| plain_text(&b.body))
        .find(|t| !t.trim().is_empty());
    let text = text.unwrap_or_default().split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 160 {
        text.chars().take(157).collect::<String>() + "…"
    } else {
        text
    }
}

/// Parents of a block, nearest first.
fn ancestors(note: &crate::parse::Note, block: usize) -> impl Iterator<Item = usize> + '_ {
    std::iter::successors(note.blocks[block].parent(), |&p| note.blocks[p].parent())
}

/// A block's first line as plain text, shortened for breadcrumbs.
pub fn short_title(block: &crate::parse::Block) -> String {
    let first = block.text().lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut title: String = first.chars().take(60).collect();
    if first.chars().count() > 60 {
        title.push('…');
    }
    if title.is_empty() { "…".into() } else { title }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breadcrumbs_show_the_rendered_title() {
        let site = crate::resolve::test_site(&[
            (
                "pages/p.md",
                "- Review {{cards [[Logseq]]}}\n- See `{{embed}}` and **[[Logseq]]** ((6a000000-0000-4000-8000-000000000001))\n- property-1:: x\n- target\n  id:: 6a000000-0000-4000-8000-000000000001\n",
            ),
            ("pages/Logseq.md", "- x"),
        ]);
        let page = site.lookup("p").expect("page");
        let links = PageLinks::new(&site, page);
        let blocks = &page.note.as_ref().expect("note").blocks;
        let cards = crumb_html(&blocks[0], &links);
        assert!(cards.starts_with("Review <span class=\"macro"), "{cards}");
        assert!(!cards.contains("{{") && !cards.contains("[["), "{cards}");
        assert_eq!(
            crumb_html(&blocks[1], &links),
            "See <code>{{embed}}</code> and <strong>Logseq</strong> target"
        );
        assert_eq!(crumb_html(&blocks[2], &links), "…");
    }

    #[test]
    fn plain_titles_render_as_written() {
        let site = crate::resolve::test_site(&[("pages/p.md", "- x")]);
        let links = PageLinks::new(&site, site.lookup("p").expect("page"));
        let plain = ["Review notes", "Chapter 3, part 2/4 + extras", "Is it 50% done?", "a-b.c; d"];
        for title in plain {
            assert!(is_plain_text(title), "{title}");
            let rendered = render_inline(title, &CrumbLinks(&links), MarkdownOptions::default());
            assert_eq!(rendered, title, "the fast path gives what rendering gives");
        }
        let not_plain = [
            "1. first",
            "- item",
            "a  b",
            "see www.example.org",
            "x_y_",
            "a & b",
            "it's",
            "#tag",
            "[[Page]]",
            "",
        ];
        for title in not_plain {
            assert!(!is_plain_text(title), "{title}");
        }
    }

    #[test]
    fn truncated_html_closes_what_it_opened() {
        assert_eq!(truncate_html("ab<b>c&amp;d</b>e", 3), "ab<b>c…</b>");
        assert_eq!(truncate_html("ab<b>c&amp;d</b>e", 4), "ab<b>c&amp;…</b>");
        assert_eq!(truncate_html("a<br>b", 5), "a<br>b");
    }

    /// The loop `page.html` had before [`ReferencesFilter`] made this markup.
    const TEMPLATE_LOOP: &str = r#"{% for group in groups %}
<section class="backlink-group">
<h3 class="backlink-page"><a href="{{ root }}{{ group.url }}">{{ group.title }}</a></h3>
<ul class="backlink-list">
{% for ref in group.blocks %}<li class="backlink">
{% if ref.breadcrumb %}<ol class="block-breadcrumb" aria-label="Parent blocks">{% for crumb in ref.breadcrumb %}<li><a href="{{ root }}{{ crumb.url }}">{{ crumb.html | safe }}</a></li>{% endfor %}</ol>
{% endif %}<div class="backlink-body">{{ ref.html | safe }}</div>
<a class="backlink-jump" href="{{ root }}{{ ref.url }}" title="Go to this block in {{ group.title }}"><span aria-hidden="true">↗</span><span class="visually-hidden">Go to this block in {{ group.title }}</span></a>
</li>
{% endfor %}</ul>
</section>
{% endfor %}"#;

    #[test]
    fn the_references_filter_makes_the_markup_the_template_loop_made() {
        let mut tera = tera::Tera::default();
        tera.add_raw_templates([
            ("loop.html", TEMPLATE_LOOP),
            ("filter.html", "{{ groups | references(root=root) }}"),
        ])
        .expect("templates");
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html);
        tera.register_filter("references", ReferencesFilter);
        let link = |title: &str, url: &str| LinkContext { title: title.into(), url: url.into() };
        let crumb = |html: &str, url: &str| Crumb { html: html.into(), url: url.into() };
        let block = |html: &str, url: &str, breadcrumb: Vec<Crumb>| BacklinkBlock {
            html: html.into(),
            url: url.into(),
            breadcrumb,
        };
        let groups = [
            BacklinkGroup {
                title: "Q&A <\"quoted\"> 'page'".into(),
                url: "q-a.html".into(),
                blocks: vec![
                    block("<p>raw <b>HTML</b> & kept</p>", "q-a.html#b-1", vec![]),
                    block(
                        "<ul><li>child</li></ul>",
                        "q-a.html#b-2",
                        vec![
                            crumb("Parent <b>1</b>", "q-a.html#b-0"),
                            crumb("Café &amp; co", "q-a.html#b-9"),
                        ],
                    ),
                ],
            },
            BacklinkGroup {
                title: "中文".into(),
                url: "%E4%B8%AD.html".into(),
                blocks: vec![block("", "%E4%B8%AD.html#b-3", vec![crumb("", "x.html#b-4")])],
            },
        ];
        for root in ["", "../", "https://example.org/a&b/"] {
            for groups in [&groups[..], &groups[1..], &[]] {
                let mut ctx = tera::Context::new();
                ctx.insert("groups", groups);
                ctx.insert("root", root);
                let by_loop = tera.render("loop.html", &ctx).expect("loop");
                assert_eq!(tera.render("filter.html", &ctx).expect("filter"), by_loop);
            }
        }
        // A value that is not reference groups, or no root, is an error naming the cause.
        let mut ctx = tera::Context::new();
        ctx.insert("groups", &[link("a", "a.html")]);
        ctx.insert("root", "");
        let error = tera.render("filter.html", &ctx).expect_err("not groups");
        assert!(format!("{error:?}").contains("no `blocks`"), "{error:?}");
        tera.add_raw_template("no-root.html", "{{ groups | references }}").expect("template");
        let error = tera.render("no-root.html", &ctx).expect_err("no root");
        assert!(format!("{error:?}").contains("needs the site root"), "{error:?}");
    }

    #[test]
    fn links_are_stripped_but_their_text_stays() {
        let html = "see <a class=\"page-ref\" href=\"x.html\">X</a> and <abbr>Y</abbr> <a>z</a>";
        assert_eq!(strip_links(html), "see X and <abbr>Y</abbr> z");
    }
}
