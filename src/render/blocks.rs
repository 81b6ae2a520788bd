//! A page's block tree → nested HTML lists.
//!
//! `<ul class="blocks">` of `<li class="block" id="…">`; consecutive siblings
//! with `logseq.order-list-type:: number` form an `<ol>` numbered as Logseq
//! does (1. / a. / I. by depth of numbered ancestors); `collapsed:: true` is a
//! closed `<details>` whose summary is the block's first line. Iterative, so
//! pathological nesting cannot overflow the stack.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;

use super::escape::escape_html;
use super::markdown::{Links, MarkdownOptions, plain_text, render_body, render_inline};
use crate::parse::inline::Macro;
use crate::parse::{Block, BodyNode, props};
use crate::resolve::{Anchors, PageId};

/// What the tree renderer needs besides the blocks.
pub struct TreeContext<'a> {
    /// Link resolution for the page being rendered.
    pub links: &'a dyn Links,
    /// Markdown options.
    pub options: MarkdownOptions,
    /// Anchor of each block (same indexes as the blocks).
    pub anchors: &'a Anchors,
    /// Rendered content of blocks shown on several pages, and the page the
    /// blocks belong to (its key in the cache).
    pub cache: Option<(&'a BlockCache, PageId)>,
}

/// The content of blocks that show on more than one page (their own and the
/// linked or unlinked references of others), rendered once and shared by
/// every page that shows them.
///
/// Only blocks whose content is the same wherever it shows are cached: a
/// block with a macro (`{{embed}}`, a query, a user macro) depends on what
/// is being expanded around it, and a block linking an asset reports a
/// missing one past the recording: both always render afresh. The warnings a
/// block gave when it rendered are kept with it and given again on each use,
/// so every page reports the same warnings whoever rendered the block first.
///
/// Each block comes with the number of times it will be shown: its HTML is
/// kept until that many uses have taken it, then freed (a large graph's
/// shared blocks took more memory than anything else of the render stage).
/// A use past the count renders the block afresh, to the same HTML.
#[derive(Default)]
pub struct BlockCache {
    slots: HashMap<(PageId, usize), Mutex<Slot>>,
}

/// A cached block: not rendered yet, kept for its remaining uses, or done with.
enum Slot {
    Empty { uses: u32 },
    Kept { cached: Cached, uses: u32 },
    Done,
}

struct Cached {
    html: Box<str>,
    /// `(is_error, message)` in the order they were reported.
    reports: Vec<(bool, String)>,
}

impl BlockCache {
    /// A cache for the blocks at `locs` (pages and block indexes), each with
    /// the number of times it will be shown; blocks shown once and blocks
    /// with macros are left out (see the type's documentation).
    pub fn new<'b>(locs: impl IntoIterator<Item = (PageId, usize, &'b Block, u32)>) -> BlockCache {
        let slots = locs
            .into_iter()
            .filter(|(_, _, block, uses)| {
                *uses > 1 && !block.source_contains("{{") && !block.source_contains("assets/")
            })
            .map(|(page, index, _, uses)| ((page, index), Mutex::new(Slot::Empty { uses })))
            .collect();
        BlockCache { slots }
    }

    /// Number of blocks the cache can hold.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether the cache holds no blocks.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }
}

/// Passes everything through to `inner` but keeps the warnings (to cache them).
struct Recording<'a> {
    inner: &'a dyn Links,
    reports: RefCell<Vec<(bool, String)>>,
}

impl Links for Recording<'_> {
    fn page_url(&self, name: &str) -> Option<String> {
        self.inner.page_url(name)
    }
    fn block_ref(&self, uuid: &str) -> Option<(String, String)> {
        self.inner.block_ref(uuid)
    }
    fn asset_url(&self, target: &str) -> Option<String> {
        // Through `self`, so a missing asset's error is recorded too.
        self.inner.asset_url(target)
    }
    fn macro_html(&self, call: &Macro<'_>) -> Option<String> {
        self.inner.macro_html(call)
    }
    fn warn(&self, message: String) {
        self.reports.borrow_mut().push((false, message));
    }
    fn error(&self, message: String) {
        self.reports.borrow_mut().push((true, message));
    }
}

/// Renders the blocks at `roots` (indexes into `blocks`) and all their descendants.
pub fn render_tree(blocks: &[Block], roots: &[usize], ctx: &TreeContext<'_>) -> String {
    let mut out = String::new();
    // Each frame: the sibling list being rendered, the next position, and the
    // numbering depth of that list.
    struct Frame<'b> {
        siblings: &'b [usize],
        pos: usize,
        numbered_depth: usize,
        list_open: Option<bool>,
        closer: &'static str,
    }
    let mut stack =
        vec![Frame { siblings: roots, pos: 0, numbered_depth: 0, list_open: None, closer: "" }];
    while let Some(frame) = stack.last_mut() {
        let Some(&index) = frame.siblings.get(frame.pos) else {
            if let Some(numbered) = frame.list_open {
                out.push_str(if numbered { "</ol>" } else { "</ul>" });
            }
            let closer = frame.closer;
            stack.pop();
            out.push_str(closer);
            continue;
        };
        frame.pos += 1;
        let block = &blocks[index];
        ctx.links.enter_block(block.line as usize);
        if frame.list_open != Some(block.numbered) {
            if let Some(numbered) = frame.list_open {
                out.push_str(if numbered { "</ol>" } else { "</ul>" });
            }
            out.push_str(&list_open(block.numbered, frame.numbered_depth));
            frame.list_open = Some(block.numbered);
        }
        let child_depth = if block.numbered { frame.numbered_depth + 1 } else { 0 };
        let closer = open_block(block, index, ctx, &mut out);
        if block.children.is_empty() {
            out.push_str(closer);
        } else {
            stack.push(Frame {
                siblings: &block.children,
                pos: 0,
                numbered_depth: child_depth,
                list_open: None,
                closer,
            });
        }
    }
    out
}

fn list_open(numbered: bool, numbered_depth: usize) -> String {
    if numbered {
        let kind = ["1", "a", "I"][numbered_depth % 3];
        format!("<ol class=\"blocks numbered\" type=\"{kind}\">")
    } else {
        "<ul class=\"blocks\">".to_string()
    }
}

/// Writes the opening of a block and its content; returns what closes it
/// after its children.
fn open_block(
    block: &Block,
    index: usize,
    ctx: &TreeContext<'_>,
    out: &mut String,
) -> &'static str {
    let anchor =
        ctx.anchors.get(index).map_or(String::new(), |a| format!(" id=\"{}\"", escape_html(a)));
    let collapsed = block.collapsed && (!block.children.is_empty() || has_more_than_title(block));
    let mut classes = String::from("block");
    if collapsed {
        classes.push_str(" collapsed");
    }
    if let Some(marker) = block.marker() {
        classes.push_str(&format!(" task task-{}", marker.to_ascii_lowercase()));
    }
    out.push_str(&format!("<li class=\"{classes}\"{anchor}>"));
    if collapsed {
        out.push_str("<details class=\"block-collapse\"><summary class=\"block-summary\">");
        out.push_str(&summary(block, ctx));
        out.push_str("</summary>");
        let rest = render_body(&without_title(block), ctx.links, ctx.options);
        if !rest.trim().is_empty() {
            out.push_str(&format!("<div class=\"block-content\">{rest}</div>"));
        }
        out.push_str(&properties(block, ctx));
        "</details></li>"
    } else {
        out.push_str(&content_at(block, index, ctx));
        out.push_str(&properties(block, ctx));
        "</li>"
    }
}

fn has_more_than_title(block: &Block) -> bool {
    !without_title(block).is_empty()
}

/// [`content`] of the block at `index` of the context's page, from the cache when it is there.
pub fn content_at(block: &Block, index: usize, ctx: &TreeContext<'_>) -> String {
    let Some(slot) = ctx.cache.and_then(|(cache, page)| cache.slots.get(&(page, index))) else {
        return content(block, ctx);
    };
    // Other pages showing this block wait while it renders, as they would
    // for their own copy.
    let mut slot = slot.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (cached, uses) = match std::mem::replace(&mut *slot, Slot::Done) {
        Slot::Kept { cached, uses } => (cached, uses),
        Slot::Empty { uses } => {
            let recording = Recording { inner: ctx.links, reports: RefCell::new(Vec::new()) };
            let inner = TreeContext { links: &recording, cache: None, ..*ctx };
            let html = content(block, &inner).into_boxed_str();
            (Cached { html, reports: recording.reports.into_inner() }, uses)
        }
        Slot::Done => {
            drop(slot);
            return content(block, ctx);
        }
    };
    for (is_error, message) in &cached.reports {
        match is_error {
            true => ctx.links.error(message.clone()),
            false => ctx.links.warn(message.clone()),
        }
    }
    let uses = uses.saturating_sub(1);
    if uses == 0 {
        drop(slot);
        return cached.html.into_string();
    }
    let html = cached.html.to_string();
    *slot = Slot::Kept { cached, uses };
    html
}

/// The block's HTML content: marker, priority, body.
pub fn content(block: &Block, ctx: &TreeContext<'_>) -> String {
    let mut html = String::from("<div class=\"block-content\">");
    html.push_str(&task_prefix(block));
    html.push_str(&render_body(&block.body, ctx.links, ctx.options));
    html.push_str(&planning(block));
    html.push_str("</div>");
    html
}

fn task_prefix(block: &Block) -> String {
    let mut html = String::new();
    if let Some(marker) = block.marker() {
        let lower = marker.to_ascii_lowercase();
        html.push_str(&format!("<span class=\"marker marker-{lower}\">{marker}</span> "));
    }
    if let Some(priority) = block.priority() {
        let p = escape_html(&priority.to_string());
        html.push_str(&format!(
            "<span class=\"priority priority-{}\">{p}</span> ",
            p.to_ascii_lowercase()
        ));
    }
    html
}

fn planning(block: &Block) -> String {
    let mut html = String::new();
    for (label, value) in [("Scheduled", block.scheduled()), ("Deadline", block.deadline())] {
        if let Some(value) = value {
            html.push_str(&format!(
                "<p class=\"planning planning-{}\">{label}: <time>{}</time></p>",
                label.to_ascii_lowercase(),
                escape_html(value)
            ));
        }
    }
    html
}

/// The first line as inline HTML (for summaries and refs); falls back to a text excerpt.
pub fn title_html(block: &Block, ctx: &TreeContext<'_>) -> String {
    if !block.title().trim().is_empty() {
        return render_inline(block.title(), ctx.links, ctx.options);
    }
    let text = plain_text(&block.body);
    let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let excerpt: String = first.chars().take(80).collect();
    escape_html(&excerpt)
}

fn summary(block: &Block, ctx: &TreeContext<'_>) -> String {
    let title = title_html(block, ctx);
    let title = if title.is_empty() { "…".to_string() } else { title };
    match block.heading {
        Some(level) if !block.title().is_empty() => {
            format!("{}<h{level}>{title}</h{level}>", task_prefix(block))
        }
        _ => format!("{}{title}", task_prefix(block)),
    }
}

/// The body without its first line when that line is the title.
fn without_title(block: &Block) -> Vec<BodyNode> {
    let mut body = block.body.to_vec();
    if block.title().is_empty() {
        return body;
    }
    if let Some(BodyNode::Markdown(text)) = body.first_mut() {
        match text.split_once('\n') {
            Some((_, rest)) if !rest.trim().is_empty() => *text = rest.to_string(),
            _ => {
                body.remove(0);
            }
        }
    }
    body
}

fn properties(block: &Block, ctx: &TreeContext<'_>) -> String {
    property_list(&block.properties, "block-properties", ctx)
}

/// A `<dl>` of the visible properties (values rendered as inline Markdown).
pub fn property_list(properties: &[props::Property], class: &str, ctx: &TreeContext<'_>) -> String {
    let visible: Vec<_> = properties
        .iter()
        .filter(|p| !props::is_hidden_key(&p.key) && !p.value.trim().is_empty())
        .collect();
    if visible.is_empty() {
        return String::new();
    }
    let mut html = format!("<dl class=\"{class}\">");
    for p in visible {
        html.push_str(&format!(
            "<div><dt>{}</dt><dd>{}</dd></div>",
            escape_html(&p.key),
            property_value(p, ctx)
        ));
    }
    html.push_str("</dl>");
    html
}

/// A property value: comma lists of pages for `tags`/`alias`, inline Markdown otherwise.
pub fn property_value(p: &props::Property, ctx: &TreeContext<'_>) -> String {
    if matches!(p.key.as_str(), "tags" | "alias") {
        return p
            .refs
            .iter()
            .map(|name| match ctx.links.page_url(name) {
                Some(url) => format!(
                    "<a class=\"page-ref\" href=\"{}\">{}</a>",
                    super::escape::escape_href(&url),
                    escape_html(name)
                ),
                None => escape_html(name),
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    let value = p.value.trim();
    let unquoted = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
    match unquoted {
        Some(text) => escape_html(text),
        None => render_inline(value, ctx.links, ctx.options),
    }
}
