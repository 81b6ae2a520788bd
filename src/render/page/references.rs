//! RENDER, a page's references: the blocks that link it (linked
//! references, with their children) and that name it (unlinked), grouped
//! by page, past a limit counted by page; and which blocks several pages
//! show, rendered once.

use super::*;

/// Referencing blocks grouped by page. Linked references show each block with
/// its children, and skip blocks whose ancestor is already listed (it shows them).
pub(super) fn reference_groups(site: &Site, shown: Shown<'_>, cache: &BlockCache) -> References {
    let options = MarkdownOptions { allow_html: site.config.allow_html };
    let with_children = shown.with_children;
    let mut groups: Vec<BacklinkGroup> = Vec::new();
    let mut more: Vec<MoreReferences> = Vec::new();
    listed_references(site, shown, |loc, note, shown| {
        let source = &site.pages[loc.page()];
        if !shown {
            match more.last_mut() {
                Some(last) if last.url == source.file_name() => last.count += 1,
                _ => more.push(MoreReferences {
                    title: source.name.clone(),
                    url: source.file_name(),
                    count: 1,
                }),
            }
            return ControlFlow::Continue(());
        }
        let links = PageLinks::new(site, source);
        let ctx = TreeContext {
            links: &links,
            options,
            anchors: crate::resolve::Anchors::NONE,
            cache: Some((cache, loc.page())),
        };
        let block = &note.blocks[loc.block()];
        let mut parents: Vec<usize> = ancestors(note, loc.block()).collect();
        parents.reverse();
        let breadcrumb = parents
            .into_iter()
            .map(|p| Crumb { html: crumb_html(&note.blocks[p], &links), url: source.block_url(p) })
            .collect();
        // A page-level reference (page properties such as `tags::`) points at the page itself.
        let entry = if block.pre_block {
            let html = blocks::property_list(&block.properties, "block-properties", &ctx);
            BacklinkBlock { html, url: source.file_name(), breadcrumb }
        } else {
            let url = format!("{}#{}", source.file_name(), &source.anchors[loc.block()]);
            let html = if with_children && short_subtree(note, loc.block()) {
                blocks::render_tree(&note.blocks, &[loc.block()], &ctx)
            } else if with_children {
                let children = subtree_len(note, loc.block()) - 1;
                let more = if children == 1 {
                    "1 child block".to_string()
                } else {
                    format!("{children} child blocks")
                };
                format!(
                    "<ul class=\"blocks\"><li class=\"block\">{}<p class=\"backlink-more\"><a href=\"{}\">{more}</a></p></li></ul>",
                    blocks::content_at(block, loc.block(), &ctx),
                    escape_html(&url)
                )
            } else {
                blocks::content_at(block, loc.block(), &ctx)
            };
            BacklinkBlock { html, url, breadcrumb }
        };
        match groups.last_mut() {
            Some(group) if group.url == source.file_name() => group.blocks.push(entry),
            _ => groups.push(BacklinkGroup {
                title: source.name.clone(),
                url: source.file_name(),
                blocks: vec![entry],
            }),
        }
        ControlFlow::Continue(())
    });
    References { groups, more }
}

/// The `references` filter of the templates: `{{ page.backlinks |
/// references(root=root) }}` lays out reference groups (`page.backlinks`,
/// `page.unlinked`) as HTML, ready to insert. Each group is a
/// `section.backlink-group` with the page's title, then each block with its
/// breadcrumb, its HTML and a link to it on its page. Done here rather than
/// by a loop in `page.html`: interpreted by the template engine, that loop
/// over the tens of thousands of blocks a large site lists cost about 3% of
/// a cold build's CPU. `root` is the site root seen from the page.
pub struct ReferencesFilter;

impl tera::Filter for ReferencesFilter {
    fn filter(
        &self,
        value: &tera::Value,
        args: &std::collections::HashMap<String, tera::Value>,
    ) -> tera::Result<tera::Value> {
        let root = args.get("root").and_then(tera::Value::as_str).ok_or_else(|| {
            tera::Error::msg("`references` needs the site root: references(root=root)")
        })?;
        groups_html(value, root).map(tera::Value::String)
    }

    /// The blocks' HTML is HTML, and every title and URL is escaped here.
    fn is_safe(&self) -> bool {
        true
    }
}

/// The string `key` of a reference group, block or breadcrumb link.
pub(super) fn text<'v>(value: &'v tera::Value, key: &str) -> tera::Result<&'v str> {
    value.get(key).and_then(tera::Value::as_str).ok_or_else(|| misshapen(key))
}

/// The list `key` (groups' blocks, blocks' breadcrumbs).
pub(super) fn items<'v>(value: &'v tera::Value, key: &str) -> tera::Result<&'v [tera::Value]> {
    value.get(key).and_then(tera::Value::as_array).map(Vec::as_slice).ok_or_else(|| misshapen(key))
}

pub(super) fn misshapen(key: &str) -> tera::Error {
    tera::Error::msg(format!(
        "`references` lays out page.backlinks or page.unlinked; this value has no `{key}`"
    ))
}

/// Reference groups (serialised [`BacklinkGroup`]s) as HTML; see [`ReferencesFilter`].
pub(super) fn groups_html(groups: &tera::Value, root: &str) -> tera::Result<String> {
    let groups = groups.as_array().ok_or_else(|| misshapen("list of groups"))?;
    let mut html = String::new();
    let link = |html: &mut String, url: &str, title: &str| {
        html.push_str("<a href=\"");
        push_escaped(html, root);
        push_escaped(html, url);
        html.push_str("\">");
        push_escaped(html, title);
        html.push_str("</a>");
    };
    for group in groups {
        let title = text(group, "title")?;
        html.push_str("\n<section class=\"backlink-group\">\n<h3 class=\"backlink-page\">");
        link(&mut html, text(group, "url")?, title);
        html.push_str("</h3>\n<ul class=\"backlink-list\">\n");
        for block in items(group, "blocks")? {
            html.push_str("<li class=\"backlink\">\n");
            let breadcrumb = items(block, "breadcrumb")?;
            if !breadcrumb.is_empty() {
                html.push_str("<ol class=\"block-breadcrumb\" aria-label=\"Parent blocks\">");
                for crumb in breadcrumb {
                    html.push_str("<li><a href=\"");
                    push_escaped(&mut html, root);
                    push_escaped(&mut html, text(crumb, "url")?);
                    html.push_str("\">");
                    html.push_str(text(crumb, "html")?);
                    html.push_str("</a></li>");
                }
                html.push_str("</ol>\n");
            }
            html.push_str("<div class=\"backlink-body\">");
            html.push_str(text(block, "html")?);
            html.push_str("</div>\n<a class=\"backlink-jump\" href=\"");
            push_escaped(&mut html, root);
            push_escaped(&mut html, text(block, "url")?);
            html.push_str("\" title=\"Go to this block in ");
            push_escaped(&mut html, title);
            html.push_str("\"><span aria-hidden=\"true\">↗</span><span class=\"visually-hidden\">Go to this block in ");
            push_escaped(&mut html, title);
            html.push_str("</span></a>\n</li>\n");
        }
        html.push_str("</ul>\n</section>\n");
    }
    Ok(html)
}

/// The references a page lists, in order: `each` receives the block, its
/// note, and whether it is shown (or past the limit and only counted), and
/// may stop the listing. With children, a block under an already listed one
/// is left out (its ancestor shows it).
pub(super) fn listed_references<'s>(
    site: &'s Site,
    shown: Shown<'_>,
    mut each: impl FnMut(BlockLoc, &'s crate::parse::Note, bool) -> ControlFlow<()>,
) {
    let Shown { locs, with_children, limit } = shown;
    let listed: rustc_hash::FxHashSet<BlockLoc> = if with_children && locs.len() > 1 {
        locs.iter().copied().collect()
    } else {
        Default::default()
    };
    let mut count = 0;
    for &loc in locs {
        let Some(note) = &site.pages[loc.page()].note else { continue };
        if !listed.is_empty()
            && ancestors(note, loc.block())
                .any(|block| listed.contains(&BlockLoc::new(loc.page(), block)))
        {
            continue;
        }
        let shown = count < limit;
        count += usize::from(shown);
        if each(loc, note, shown).is_break() {
            return;
        }
    }
}

/// Which references of a page to list, and how.
pub(super) struct Shown<'a> {
    pub(super) locs: &'a [BlockLoc],
    /// Linked references show each block with its children.
    pub(super) with_children: bool,
    /// Blocks shown before the rest are only counted by page.
    pub(super) limit: usize,
}

/// The blocks shown on several of the pages that `renders` counts (each
/// page rendered that many times), for a [`BlockCache`]: each block of a
/// page shows on the page itself, and in the linked references (with its
/// children) and unlinked references that list it. Counted as
/// [`page_context`] shows them, so that each block's HTML is freed after its
/// last use.
pub fn shown_references(site: &Site, renders: impl Fn(PageId) -> u32 + Sync) -> BlockCache {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicU32, Ordering};
    // One counter per block of the site: block `b` of page `p` at `start[p] + b`.
    let mut start = Vec::with_capacity(site.pages.len() + 1);
    let mut total = 0;
    for page in &site.pages {
        start.push(total);
        total += page.note.as_ref().map_or(0, |n| n.blocks.len());
    }
    let uses: Vec<AtomicU32> = (0..total).map(|_| AtomicU32::new(0)).collect();
    let count = |loc: BlockLoc, times: u32| {
        uses[start[loc.page()] + loc.block()].fetch_add(times, Ordering::Relaxed);
    };
    // Uses in the references of other pages, counted page by page in parallel.
    let published: Vec<(PageId, &Page)> = site.published().collect();
    published.par_iter().for_each(|&(id, page)| {
        let times = renders(id);
        if times == 0 {
            return;
        }
        let linked =
            Shown { locs: &page.backlinks, with_children: true, limit: MAX_SHOWN_REFERENCES };
        let mut stack = Vec::new();
        listed_references(site, linked, |loc, note, shown| {
            if !shown {
                return ControlFlow::Break(());
            }
            if !note.blocks[loc.block()].pre_block {
                stack.push(loc.block());
                while let Some(block) = stack.pop() {
                    count(BlockLoc::new(loc.page(), block), times);
                    stack.extend(note.blocks.get(block).map_or(&[][..], |b| &b.children[..]));
                }
            }
            ControlFlow::Continue(())
        });
        let unlinked =
            Shown { locs: &page.unlinked, with_children: false, limit: MAX_SHOWN_UNLINKED };
        listed_references(site, unlinked, |loc, note, shown| {
            if !shown {
                return ControlFlow::Break(());
            }
            if !note.blocks[loc.block()].pre_block {
                count(loc, times);
            }
            ControlFlow::Continue(())
        });
    });
    // A page's own uses are added last.
    BlockCache::new(site.pages.iter().enumerate().flat_map(|(page, p)| {
        let blocks = p.note.as_ref().map_or(&[][..], |n| &n.blocks[..]);
        let own = if p.published { renders(page) } else { 0 };
        let uses = &uses[start[page]..start[page] + blocks.len()];
        blocks.iter().zip(uses).enumerate().filter_map(move |(block, (b, n))| {
            let n = n.load(Ordering::Relaxed);
            (n > 0).then_some((page, block, b, n + own))
        })
    }))
}

/// Linked references shown on a page before the rest are only listed by page.
pub const MAX_SHOWN_REFERENCES: usize = 100;
/// Unlinked references shown on a page before the rest are only listed by page.
pub const MAX_SHOWN_UNLINKED: usize = 30;

/// References of a page: the shown blocks grouped by page, and the pages of the rest.
pub(super) struct References {
    pub(super) groups: Vec<BacklinkGroup>,
    pub(super) more: Vec<MoreReferences>,
}

/// A page whose references to this page are counted but not shown (past the limit).
#[derive(Debug, Clone, Serialize)]
pub struct MoreReferences {
    /// The referencing page.
    pub title: String,
    /// Its URL.
    pub url: String,
    /// How many of its blocks refer to this page.
    pub count: usize,
}

/// Children a linked reference shows in full: at most this many blocks, of
/// at most [`SHORT_CHARS`] characters together; a longer subtree shows its
/// block alone, with a link to the rest on its page.
const SHORT_BLOCKS: usize = 3;
/// See [`SHORT_BLOCKS`].
const SHORT_CHARS: usize = 400;

/// Whether the children of `block` are short enough to list with it.
fn short_subtree(note: &crate::parse::Note, block: usize) -> bool {
    let mut stack: Vec<usize> = note.blocks[block].children.to_vec();
    let (mut count, mut chars) = (0, 0);
    while let Some(b) = stack.pop() {
        count += 1;
        chars += note.blocks[b].text().len();
        if count > SHORT_BLOCKS || chars > SHORT_CHARS {
            return false;
        }
        stack.extend(note.blocks[b].children.iter().copied());
    }
    true
}

/// Blocks in the subtree of `block`, itself included.
fn subtree_len(note: &crate::parse::Note, block: usize) -> usize {
    let mut stack = vec![block];
    let mut count = 0;
    while let Some(b) = stack.pop() {
        count += 1;
        stack.extend(note.blocks[b].children.iter().copied());
    }
    count
}
