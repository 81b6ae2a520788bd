//! `{{embed [[page]]}}`, `{{embed ((uuid))}}` and namespace trees.
//!
//! An embed renders the target's block tree in place (without anchors, so ids
//! stay unique). A cycle (A embeds B embeds A, a block embedding itself) or
//! nesting deeper than [`MAX_DEPTH`] shows a visible marker and a warning
//! naming the file and line of the embed that closes it.

use super::blocks::{TreeContext, render_tree};
use super::escape::{escape_href, escape_html};
use super::macros::MAX_DEPTH;
use super::markdown::Links;
use super::page::PageLinks;
use crate::parse::{inline, refs};
use crate::resolve::{Page, PageId};

/// HTML for `{{embed ARG}}`.
pub fn render_embed(links: &PageLinks<'_>, arg: &str) -> String {
    if let Some(name) = refs::link_page(arg) {
        return embed_page(links, &name);
    }
    let uuid = arg.trim().trim_start_matches("((").trim_end_matches("))").trim();
    if inline::is_uuid(uuid) {
        return embed_block(links, &uuid.to_ascii_lowercase());
    }
    links.error(format!("{{{{embed {arg}}}}} names neither a page nor a block"));
    marker("Embed of nothing: give it a [[page]] or a ((block reference))")
}

fn marker(text: &str) -> String {
    format!("<div class=\"embed embed-missing\" role=\"note\">{}</div>", escape_html(text))
}

/// Embeds shown in one rendering of a page, nested ones included: pages that
/// embed each other many times would otherwise multiply (k embeds, 5 deep: k⁵).
pub const MAX_EMBEDS: usize = 500;

/// Pushes `key` on the embed stack unless that would close a cycle, go too deep
/// or exceed the page's embed budget.
fn enter(links: &PageLinks<'_>, key: String, what: &str) -> Result<(), String> {
    let count = links.embeds.get() + 1;
    links.embeds.set(count);
    if count > MAX_EMBEDS {
        if count == MAX_EMBEDS + 1 {
            links
                .warn(format!("more than {MAX_EMBEDS} embeds on one page; the rest are not shown"));
        }
        return Err(marker(&format!("Too many embeds: {what} is not shown")));
    }
    let stack = links.stack.borrow();
    if stack.contains(&key) {
        drop(stack);
        links
            .error(format!("embed cycle: {what} embeds itself (directly or through other embeds)"));
        return Err(marker(&format!("Embed cycle: {what} is already shown above")));
    }
    if stack.len() >= MAX_DEPTH {
        drop(stack);
        links.warn(format!("embeds nested more than {MAX_DEPTH} deep; {what} is not shown"));
        return Err(marker(&format!("Embeds nested too deep: {what} is not shown")));
    }
    drop(stack);
    links.stack.borrow_mut().push(key);
    Ok(())
}

fn embed_page(links: &PageLinks<'_>, name: &str) -> String {
    let Some(page) = links.site.lookup(name) else {
        links.error(format!("embedded page \"{name}\" does not exist or is not published"));
        return marker(&format!("Embedded page not found: {name}"));
    };
    let what = format!("page \"{}\"", page.name);
    if let Err(html) = enter(links, format!("page:{}", page.identity), &what) {
        return html;
    }
    let tree = links.within(page, || match &page.note {
        Some(note) => {
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
            let ctx = TreeContext {
                links,
                options: links.options,
                anchors: crate::resolve::Anchors::NONE,
                cache: None,
            };
            render_tree(&note.blocks, &roots, &ctx)
        }
        None => String::new(),
    });
    links.stack.borrow_mut().pop();
    format!(
        "<div class=\"embed embed-page\"><p class=\"embed-title\"><a class=\"page-ref\" href=\"{}\">{}</a></p>{tree}</div>",
        escape_href(&page.file_name()),
        escape_html(&page.name)
    )
}

fn embed_block(links: &PageLinks<'_>, uuid: &str) -> String {
    let Some((page, index)) = links.site.block(uuid) else {
        links.error(format!("embedded block {uuid} does not exist or is not published"));
        return marker("Embedded block not found");
    };
    if let Err(html) = enter(links, format!("block:{uuid}"), &format!("block {uuid}")) {
        return html;
    }
    let tree = links.within(page, || {
        let note = page.note.as_ref().expect("a block's page has a note");
        let ctx = TreeContext {
            links,
            options: links.options,
            anchors: crate::resolve::Anchors::NONE,
            cache: None,
        };
        render_tree(&note.blocks, &[index], &ctx)
    });
    links.stack.borrow_mut().pop();
    let url = page.block_url(index);
    format!(
        "<div class=\"embed embed-block\"><p class=\"embed-title\"><a class=\"block-ref\" href=\"{}\">{}</a></p>{tree}</div>",
        escape_href(&url),
        escape_html(&page.name)
    )
}

/// `{{namespace a}}`: the namespace tree under page `a`, labelled by last segment.
pub fn namespace_tree(links: &PageLinks<'_>, name: &str) -> String {
    let name = refs::link_page(name).unwrap_or_else(|| name.trim().to_string());
    let Some(page) = links.site.lookup(&name) else {
        return marker(&format!("No namespace {name}"));
    };
    let id = links.site.by_identity.get(&page.identity).copied().unwrap_or_default();
    descendants_html(links.site.pages.as_slice(), id)
}

/// Nested `<ul class="namespace-tree">` of a page's namespace descendants.
pub fn descendants_html(pages: &[Page], root: PageId) -> String {
    // Iterative depth-first walk: (page, next child position).
    let mut html = String::new();
    if pages[root].children.is_empty() {
        return html;
    }
    html.push_str("<ul class=\"namespace-tree\">");
    let mut stack: Vec<(PageId, usize)> = vec![(root, 0)];
    // Each page once: a namespace cycle must not loop forever.
    let mut seen = std::collections::HashSet::from([root]);
    while let Some((page, pos)) = stack.last_mut() {
        let children = &pages[*page].children;
        let Some(&child) = children.get(*pos) else {
            stack.pop();
            if !stack.is_empty() {
                html.push_str("</ul></li>");
            }
            continue;
        };
        *pos += 1;
        if !seen.insert(child) {
            continue;
        }
        let label = pages[child].name.rsplit('/').next().unwrap_or(&pages[child].name);
        html.push_str(&format!(
            "<li><a class=\"page-ref\" href=\"{}\">{}</a>",
            escape_href(&pages[child].file_name()),
            escape_html(label)
        ));
        if pages[child].children.is_empty() {
            html.push_str("</li>");
        } else {
            html.push_str("<ul>");
            stack.push((child, 0));
        }
    }
    html.push_str("</ul>");
    html
}
