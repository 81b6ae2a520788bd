//! A block's body → HTML: pulldown-cmark with Logseq's inline syntax.
//!
//! pulldown-cmark parses CommonMark + GFM; this module rewrites its event
//! stream: Logseq links, tags, block refs and macros in text events; a single
//! newline as a line break; `==`/`^^` highlights; fenced code through
//! [`super::code`]; math through [`super::math`]. Code events are never
//! rewritten, so `[[links]]` inside code stay code. What a link points at is
//! asked of a [`Links`] implementation, so this module knows nothing of the site.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Parser, Tag, TagEnd, TextMergeStream};

use super::code::render_code_block;
use super::escape::{escape_href, escape_html, push_escaped};
use super::math::render_math;
use crate::parse::body::BodyNode;
use crate::parse::inline::{self, Inline, Macro};
use crate::parse::refs::{
    RefMode, RefState, is_file_link, link_block, link_page, markdown_options,
};

/// Where links point, answered by the page being rendered.
pub trait Links {
    /// URL of the published page a name refers to; `None` renders plain text.
    fn page_url(&self, name: &str) -> Option<String>;
    /// URL and inline HTML of a referenced block; `None` for a missing block.
    fn block_ref(&self, uuid: &str) -> Option<(String, String)>;
    /// URL of a local asset link (`../assets/x.png`); `None` when it is not a local asset.
    fn asset_url(&self, target: &str) -> Option<String>;
    /// HTML for a macro call; `None` lets the renderer show a static note.
    fn macro_html(&self, call: &Macro<'_>) -> Option<String>;
    /// Reports a problem in the block being rendered.
    fn warn(&self, message: String);
    /// Reports something in the block being rendered that is broken (a block
    /// reference to nothing, a missing asset); a warning unless overridden.
    fn error(&self, message: String) {
        self.warn(message)
    }
    /// Tells which source line the following content comes from (for warnings).
    fn enter_block(&self, _line: usize) {}
}

/// Options that change how Markdown renders.
#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownOptions {
    /// Keep raw HTML as written instead of sanitising it.
    pub allow_html: bool,
}

/// Renders body nodes to HTML.
pub fn render_body(body: &[BodyNode], links: &dyn Links, options: MarkdownOptions) -> String {
    let mut out = String::new();
    for node in body {
        render_node(node, links, options, &mut out);
    }
    out
}

fn render_node(node: &BodyNode, links: &dyn Links, options: MarkdownOptions, out: &mut String) {
    match node {
        BodyNode::Markdown(text) => out.push_str(&render_markdown(text, links, options)),
        BodyNode::Container { kind, args, children } => {
            let inner = render_body(children, links, options);
            out.push_str(&container(kind, args, &inner));
        }
        BodyNode::Verbatim { kind, args, text } => {
            out.push_str(&verbatim(kind, args, text, options))
        }
    }
}

fn container(kind: &str, args: &str, inner: &str) -> String {
    match kind {
        "quote" => format!("<blockquote>{inner}</blockquote>"),
        "note" | "tip" | "important" | "caution" | "warning" | "pinned" => {
            let title = format!("{}{}", kind[..1].to_uppercase(), &kind[1..]);
            format!(
                "<div class=\"admonition admonition-{kind}\" role=\"note\"><p class=\"admonition-title\">{title}</p>{inner}</div>"
            )
        }
        "center" => format!("<div class=\"center\">{inner}</div>"),
        _ => {
            let class: String =
                kind.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            let _ = args;
            format!("<div class=\"org-{class}\">{inner}</div>")
        }
    }
}

fn verbatim(kind: &str, args: &str, text: &str, options: MarkdownOptions) -> String {
    match kind {
        "src" => render_code_block(args, text),
        "example" => format!("<pre class=\"example\">{}</pre>", escape_html(text)),
        "export" if args.trim().eq_ignore_ascii_case("html") => sanitize(text, options),
        "export" | "comment" => String::new(),
        "query" => {
            // The title may be a string or hiccup (`[:h3 "Title"]`); take the first string.
            let edn = crate::load::edn::parse(text);
            let title =
                edn.get("title").and_then(first_string).unwrap_or_else(|| "Advanced query".into());
            let title = escape_html(&title);
            format!(
                "<div class=\"query-note\"><p><strong>{title}</strong></p><p>An advanced query: its results are shown in Logseq only.</p></div>"
            )
        }
        _ => format!("<pre class=\"org-{}\">{}</pre>", escape_html(kind), escape_html(text)),
    }
}

fn first_string(value: &crate::load::edn::Edn) -> Option<String> {
    use crate::load::edn::Edn;
    match value {
        Edn::String(s) => Some(s.clone()),
        Edn::List(items) => items.iter().find_map(first_string),
        _ => None,
    }
}

/// Cleans raw HTML from a note unless the site allows it.
pub fn sanitize(html: &str, options: MarkdownOptions) -> String {
    if options.allow_html { html.to_string() } else { ammonia::clean(html) }
}

/// Renders one Markdown text with Logseq's inline syntax.
pub fn render_markdown(text: &str, links: &dyn Links, options: MarkdownOptions) -> String {
    let source = inline::protect_escapes(text);
    let mut rewriter = Rewriter {
        links,
        events: Vec::new(),
        code: None,
        link_stack: Vec::new(),
        image_stack: Vec::new(),
        mark_open: None,
        raw_html: false,
        state: RefState::default(),
        in_paragraph: false,
    };
    for event in TextMergeStream::new(Parser::new_ext(&source, markdown_options())) {
        rewriter.event(event);
    }
    rewriter.close_mark();
    let mut html = String::with_capacity(text.len() * 2);
    pulldown_cmark::html::push_html(&mut html, rewriter.events.into_iter());
    if rewriter.raw_html && !options.allow_html { sanitize_keeping_ours(&html) } else { html }
}

/// Sanitises rendered HTML that contains raw HTML from the note. Our own
/// markup (classes, ids, MathML, SVG-free) is on ammonia's allow-list.
fn sanitize_keeping_ours(html: &str) -> String {
    use std::sync::LazyLock;
    static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_generic_attributes(["class", "id", "title", "data-lang", "lang"])
            .add_tags([
                "mark",
                "details",
                "summary",
                "figure",
                "figcaption",
                "kbd",
                "sup",
                "sub",
                "input",
            ])
            .add_tag_attributes("input", ["type", "checked", "disabled"])
            .add_tag_attributes("ol", ["start", "type"])
            .url_relative(ammonia::UrlRelative::Custom(Box::new(raw_html_url)))
            .link_rel(None);
        builder
    });
    CLEANER.clean(html).to_string()
}

enum LinkKind {
    /// Rendered by pulldown-cmark.
    Native,
    /// Our own `<a>`: close with `</a>`.
    Ours,
    /// Link to an unpublished page: label only.
    Dropped,
}

struct Rewriter<'a> {
    links: &'a dyn Links,
    events: Vec<Event<'a>>,
    code: Option<(String, String)>,
    link_stack: Vec<LinkKind>,
    /// Whether each open image is kept (else only its text shows).
    image_stack: Vec<bool>,
    mark_open: Option<&'static str>,
    raw_html: bool,
    state: RefState,
    in_paragraph: bool,
}

impl<'a> Rewriter<'a> {
    fn html(&mut self, html: String) {
        self.events.push(Event::InlineHtml(CowStr::from(html)));
    }

    fn event(&mut self, event: Event<'a>) {
        self.state.update(&event);
        match event {
            Event::Start(Tag::Paragraph) => self.in_paragraph = true,
            Event::End(TagEnd::Paragraph) => self.in_paragraph = false,
            _ => {}
        }
        if let Some((_, code)) = &mut self.code {
            match event {
                Event::Text(text) => code.push_str(&inline::restore_escapes(&text, true)),
                Event::End(TagEnd::CodeBlock) => {
                    let (info, code) = self.code.take().unwrap_or_default();
                    let html = render_code_block(&info, &code);
                    self.events.push(Event::Html(CowStr::from(html)));
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(Tag::CodeBlock(kind)) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((info, String::new()));
            }
            Event::Text(text) => self.text(&text),
            Event::Code(code) => {
                let code = inline::restore_escapes(&code, true).into_owned();
                self.events.push(Event::Code(CowStr::from(code)));
            }
            Event::SoftBreak => self.events.push(Event::HardBreak),
            Event::InlineMath(latex) => self.html(render_math(&latex, false)),
            Event::DisplayMath(latex) => self.html(render_math(&latex, true)),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                self.link_start(link_type, dest_url, title, id)
            }
            Event::End(TagEnd::Link) => self.link_end(),
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                let dest_url = match self.links.asset_url(&dest_url) {
                    Some(asset) => CowStr::from(asset),
                    // An image the site cannot hold shows its text.
                    None if is_local(&dest_url) => {
                        self.image_stack.push(false);
                        return;
                    }
                    None => dest_url,
                };
                self.image_stack.push(true);
                self.events.push(Event::Start(Tag::Image { link_type, dest_url, title, id }));
            }
            Event::End(TagEnd::Image) => {
                if self.image_stack.pop() != Some(false) {
                    self.events.push(event);
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                self.raw_html = true;
                self.events.push(event);
            }
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::TableCell
                | TagEnd::Item
                | TagEnd::BlockQuote(_),
            ) => {
                self.close_mark();
                self.events.push(event);
            }
            other => self.events.push(other),
        }
    }

    fn link_start(
        &mut self,
        link_type: pulldown_cmark::LinkType,
        dest: CowStr<'a>,
        title: CowStr<'a>,
        id: CowStr<'a>,
    ) {
        if let Some(name) = link_page(&dest) {
            match self.links.page_url(&name) {
                Some(url) => {
                    self.html(format!("<a class=\"page-ref\" href=\"{}\">", escape_href(&url)));
                    self.link_stack.push(LinkKind::Ours);
                }
                None => self.link_stack.push(LinkKind::Dropped),
            }
            return;
        }
        if let Some(uuid) = link_block(&dest) {
            match self.links.block_ref(&uuid) {
                Some((url, _)) => {
                    self.html(format!("<a class=\"block-ref\" href=\"{}\">", escape_href(&url)));
                    self.link_stack.push(LinkKind::Ours);
                }
                None => {
                    self.links.error(format!("block reference (({uuid})) points at no block"));
                    self.link_stack.push(LinkKind::Dropped);
                }
            }
            return;
        }
        if is_file_link(&dest) {
            let stem = dest
                .rsplit('/')
                .next()
                .unwrap_or(&dest)
                .trim_end_matches(".md")
                .trim_end_matches(".MD");
            let name =
                percent_encoding::percent_decode_str(stem).decode_utf8_lossy().replace("___", "/");
            if let Some(url) = self.links.page_url(&name) {
                self.html(format!("<a class=\"page-ref\" href=\"{}\">", escape_href(&url)));
                self.link_stack.push(LinkKind::Ours);
                return;
            }
        }
        let dest = match self.links.asset_url(&dest) {
            Some(asset) => CowStr::from(asset),
            None if is_local(&dest) => {
                // A local link the site cannot hold (`foo.md` of no page,
                // `./x.html`, `#id`) is its label; `[label](Page name)`, which
                // mldoc reads as a search, is a link to that page when there is one.
                let page = search_page(&dest).and_then(|name| self.links.page_url(&name));
                match page {
                    Some(url) => {
                        let href = escape_href(&url);
                        self.html(format!("<a class=\"page-ref\" href=\"{href}\">"));
                        self.link_stack.push(LinkKind::Ours);
                    }
                    None => self.link_stack.push(LinkKind::Dropped),
                }
                return;
            }
            None => dest,
        };
        if is_unsafe_url(&dest) {
            self.link_stack.push(LinkKind::Dropped);
            return;
        }
        self.link_stack.push(LinkKind::Native);
        self.events.push(Event::Start(Tag::Link { link_type, dest_url: dest, title, id }));
    }

    fn link_end(&mut self) {
        match self.link_stack.pop() {
            Some(LinkKind::Ours) => self.html("</a>".into()),
            Some(LinkKind::Native) | None => self.events.push(Event::End(TagEnd::Link)),
            Some(LinkKind::Dropped) => {}
        }
    }

    fn text(&mut self, text: &str) {
        let mode = if self.link_stack.is_empty() { self.state.mode() } else { RefMode::None };
        for piece in inline::scan(text) {
            match piece {
                Inline::Text(t) => self.plain(t),
                Inline::Url(_)
                | Inline::PageRef(_)
                | Inline::Tag(_)
                | Inline::BlockRef(_)
                | Inline::Macro(_)
                    if mode == RefMode::None =>
                {
                    self.plain(&piece_source(&piece))
                }
                Inline::Tag(name) if mode == RefMode::PagesOnly || self.mark_open.is_some() => {
                    self.plain(&format!("#{name}"))
                }
                Inline::PageRef(name) if inline::is_asset_path(name) => self.asset_ref(name),
                Inline::LabelledRef { label, target } => self.labelled_ref(label, target),
                Inline::PageRef(name) => self.page_ref(name, false),
                Inline::Tag(name) => self.page_ref(name, true),
                Inline::BlockRef(uuid) => self.block_ref(uuid),
                Inline::Macro(call) => self.macro_call(&call),
                Inline::Url(url) => {
                    let href = escape_href(url);
                    self.html(format!(
                        "<a class=\"external\" href=\"{href}\">{}</a>",
                        escape_html(url)
                    ));
                }
            }
        }
    }

    fn page_ref(&mut self, name: &str, tag: bool) {
        let label = match (tag, name.contains("[[")) {
            (true, _) => format!("#{name}"),
            (false, true) => name.replace("[[", "").replace("]]", ""),
            (false, false) => name.to_string(),
        };
        match self.links.page_url(name) {
            Some(url) => {
                let class = if tag { "tag" } else { "page-ref" };
                self.html(format!(
                    "<a class=\"{class}\" href=\"{}\">{}</a>",
                    escape_href(&url),
                    escape_html(&label)
                ));
            }
            None => self.plain_verbatim(&label),
        }
    }

    fn labelled_ref(&mut self, label: &str, target: &str) {
        match self.links.page_url(target) {
            Some(url) => self.html(format!(
                "<a class=\"page-ref\" href=\"{}\">{}</a>",
                escape_href(&url),
                escape_html(label)
            )),
            None => self.plain_verbatim(label),
        }
    }

    fn asset_ref(&mut self, path: &str) {
        let label = path.rsplit('/').next().unwrap_or(path);
        match self.links.asset_url(path.trim()) {
            Some(url) => self.html(format!(
                "<a class=\"asset\" href=\"{}\">{}</a>",
                escape_href(&url),
                escape_html(label)
            )),
            None => self.plain_verbatim(label),
        }
    }

    fn block_ref(&mut self, uuid: &str) {
        match self.links.block_ref(uuid) {
            Some((url, title)) => self
                .html(format!("<a class=\"block-ref\" href=\"{}\">{title}</a>", escape_href(&url))),
            None => {
                self.links.error(format!("block reference (({uuid})) points at no block"));
                self.html("<span class=\"block-ref missing\" title=\"This block reference points at no block\">missing block</span>".into());
            }
        }
    }

    fn macro_call(&mut self, call: &Macro<'_>) {
        let html = self.links.macro_html(call).unwrap_or_else(|| {
            format!(
                "<span class=\"macro\" title=\"{}\">{}</span>",
                escape_html(&format!("Logseq macro: {}", call.raw)),
                escape_html(call.name)
            )
        });
        if (html.starts_with("<div") || html.starts_with("<ul")) && self.in_paragraph {
            // A block-level result (an embed, a query) cannot sit inside <p>: close and reopen it.
            self.events.push(Event::Html(CowStr::from(format!("</p>{html}<p>"))));
        } else {
            self.html(html);
        }
    }

    /// Plain text: `==` and `^^` highlights, the rest as text.
    fn plain(&mut self, text: &str) {
        let mut delimiters = inline::Delimiters::new(text);
        let mut offset = 0;
        while let Some((at, delim)) = delimiters.next_from(offset) {
            let rest = &text[offset..];
            let pos = at - offset;
            let before = &rest[..pos];
            let after = &rest[pos + 2..];
            // An empty side means the neighbouring event (e.g. `**bold**`) supplies the content.
            let opens = self.mark_open.is_none() && !after.starts_with(char::is_whitespace);
            let closes = self.mark_open == Some(delim)
                && (before.ends_with(|c: char| !c.is_whitespace())
                    || (before.is_empty() && self.last_is_content()));
            if opens || closes {
                self.plain_verbatim(before);
                self.html(if opens { "<mark>".into() } else { "</mark>".into() });
                self.mark_open = if opens { Some(delim) } else { None };
            } else {
                self.plain_verbatim(&rest[..pos + 2]);
            }
            offset = at + 2;
        }
        self.plain_verbatim(&text[offset..]);
    }

    fn last_is_content(&self) -> bool {
        !matches!(self.events.last(), Some(Event::InlineHtml(h)) if h.as_ref() == "<mark>")
    }

    fn plain_verbatim(&mut self, text: &str) {
        if !text.is_empty() {
            self.events
                .push(Event::Text(CowStr::from(inline::restore_escapes(text, false).into_owned())));
        }
    }

    fn close_mark(&mut self) {
        if self.mark_open.take().is_some() {
            self.html("</mark>".into());
        }
    }
}

fn piece_source(piece: &Inline<'_>) -> String {
    match piece {
        Inline::Text(t) | Inline::Url(t) => (*t).to_string(),
        Inline::PageRef(n) => n.to_string(),
        Inline::LabelledRef { label, .. } => label.to_string(),
        Inline::Tag(n) => format!("#{n}"),
        Inline::BlockRef(_) => "block".to_string(),
        Inline::Macro(m) => m.name.to_string(),
    }
}

/// `javascript:`, `vbscript:` and `data:` (other than images) links are dropped.
fn is_unsafe_url(url: &str) -> bool {
    let lower: String = url
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect::<String>()
        .to_lowercase();
    lower.starts_with("javascript:")
        || lower.starts_with("vbscript:")
        || lower.starts_with("data:text")
}

/// A link to something in or beside the graph folder, not to another site:
/// no scheme (`https:`, `mailto:`, …), not protocol-relative.
fn is_local(url: &str) -> bool {
    let scheme = url.split_once(':').map(|(s, _)| s);
    let has_scheme = scheme.is_some_and(|s| {
        s.len() > 1
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    });
    !has_scheme && !url.starts_with("//") && !url.is_empty()
}

/// The page a local link names the way Logseq searches it: a name without
/// `.` or `/` at its start (`[label](page-name)`), percent-decoded.
fn search_page(url: &str) -> Option<String> {
    let name = percent_encoding::percent_decode_str(url).decode_utf8_lossy();
    let plain = !name.contains('.') && !name.starts_with(['#', '/', '?']);
    plain.then(|| name.trim().to_string()).filter(|n| !n.is_empty())
}

/// URLs of raw HTML: `../assets/x` (as notes write them) becomes the site's
/// `assets/x`; a link to a note file or out of the site is dropped (the
/// attribute goes); everything else stays.
fn raw_html_url(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    if let Some(asset) = url.strip_prefix("../assets/") {
        return Some(format!("assets/{asset}").into());
    }
    let path = url.split(['#', '?']).next().unwrap_or("");
    let outside = path.starts_with("../") || path.to_ascii_lowercase().ends_with(".md");
    (!outside).then_some(url.into())
}

/// Plain text of a block body (for descriptions, breadcrumbs and search).
pub fn plain_text(body: &[BodyNode]) -> String {
    let mut out = String::new();
    for node in body {
        match node {
            BodyNode::Markdown(text) => markdown_text(text, &mut out),
            BodyNode::Container { children, .. } => out.push_str(&plain_text(children)),
            BodyNode::Verbatim { text, .. } => out.push_str(text),
        }
        out.push('\n');
    }
    out.trim().to_string()
}

fn markdown_text(text: &str, out: &mut String) {
    for event in TextMergeStream::new(Parser::new_ext(text, markdown_options())) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                for piece in inline::scan(&t) {
                    out.push_str(&piece_source(&piece));
                }
            }
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_)) => out.push('\n'),
            _ => {}
        }
    }
}

/// Inline HTML of a single line (a block's title): the rendered paragraph without its `<p>`.
pub fn render_inline(text: &str, links: &dyn Links, options: MarkdownOptions) -> String {
    let html = render_markdown(text, links, options);
    let trimmed = html.trim();
    match trimmed.strip_prefix("<p>").and_then(|h| h.strip_suffix("</p>")) {
        Some(inner) if !inner.contains("<p>") => inner.to_string(),
        _ => trimmed.to_string(),
    }
}

/// Escaped plain text for attribute values and titles.
pub fn text_to_html(text: &str) -> String {
    let mut out = String::new();
    push_escaped(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[derive(Default)]
    struct TestLinks {
        warnings: RefCell<Vec<String>>,
    }

    impl Links for TestLinks {
        fn page_url(&self, name: &str) -> Option<String> {
            (name != "private").then(|| format!("{}.html", name.to_lowercase().replace(' ', "-")))
        }
        fn block_ref(&self, uuid: &str) -> Option<(String, String)> {
            uuid.starts_with('6')
                .then(|| (format!("p.html#b-{uuid}"), "Target <em>title</em>".into()))
        }
        fn asset_url(&self, target: &str) -> Option<String> {
            target.strip_prefix("../").filter(|t| t.starts_with("assets/")).map(str::to_string)
        }
        fn macro_html(&self, _: &Macro<'_>) -> Option<String> {
            None
        }
        fn warn(&self, message: String) {
            self.warnings.borrow_mut().push(message);
        }
    }

    fn md(text: &str) -> String {
        render_markdown(text, &TestLinks::default(), MarkdownOptions::default())
    }

    #[test]
    fn page_links_and_tags() {
        assert_eq!(
            md("see [[Storage Summary]] #RBAC"),
            "<p>see <a class=\"page-ref\" href=\"storage-summary.html\">Storage Summary</a> <a class=\"tag\" href=\"rbac.html\">#RBAC</a></p>\n"
        );
    }

    #[test]
    fn links_to_unpublished_pages_are_plain_text() {
        assert_eq!(md("[[private]] and [x]([[private]])"), "<p>private and x</p>\n");
    }

    #[test]
    fn local_links_the_site_cannot_hold_are_their_labels() {
        // mldoc reads `[l](name)` as a search: the page, when there is one.
        assert_eq!(
            md("[a](page-name) [b](private)"),
            "<p><a class=\"page-ref\" href=\"page-name.html\">a</a> b</p>\n"
        );
        assert_eq!(md("[c](./old/export.html) [d](#top) [e](../x.html)"), "<p>c d e</p>\n");
        assert_eq!(md("![plot](plot.png)"), "<p>plot</p>\n");
        // Links elsewhere and assets stay links.
        let html = md("[w](https://example.com) ![i](../assets/i.png)");
        assert!(html.contains("href=\"https://example.com\""), "{html}");
        assert!(html.contains("src=\"assets/i.png\""), "{html}");
    }

    #[test]
    fn raw_html_asset_urls_are_the_sites() {
        let html = md("<img src=\"../assets/leaf.png\"> <a href=\"notes.md\">n</a>");
        assert!(html.contains("src=\"assets/leaf.png\""), "{html}");
        assert!(!html.contains("notes.md"), "{html}");
    }

    #[test]
    fn code_is_never_rewritten() {
        let html = md("`[[not a link]]` #tag");
        assert!(html.contains("<code>[[not a link]]</code>"), "{html}");
        assert!(html.contains("class=\"tag\""), "{html}");
    }

    #[test]
    fn single_newline_is_a_line_break() {
        assert_eq!(md("a\nb"), "<p>a<br />\nb</p>\n");
    }

    #[test]
    fn highlights_and_strikethrough() {
        assert_eq!(
            md("==hi== ^^there^^ ~~x~~"),
            "<p><mark>hi</mark> <mark>there</mark> <del>x</del></p>\n"
        );
        assert_eq!(md("==**bold**=="), "<p><mark><strong>bold</strong></mark></p>\n");
        assert_eq!(md("a == b"), "<p>a == b</p>\n");
        assert_eq!(md("==open"), "<p><mark>open</mark></p>\n");
    }

    #[test]
    fn labelled_page_and_block_links() {
        let html = md("[label]([[Some Page]]) [b](((64c1a1b2-0000-4000-8000-000000000001)))");
        assert!(html.contains("<a class=\"page-ref\" href=\"some-page.html\">label</a>"), "{html}");
        assert!(html.contains("<a class=\"block-ref\" href=\"p.html#b-64c1a1b2-0000-4000-8000-000000000001\">b</a>"), "{html}");
    }

    #[test]
    fn block_refs_render_their_target_and_missing_ones_warn() {
        let links = TestLinks::default();
        let html = render_markdown(
            "((64c1a1b2-0000-4000-8000-000000000001)) ((00000000-0000-4000-8000-000000000001))",
            &links,
            MarkdownOptions::default(),
        );
        assert!(html.contains("Target <em>title</em></a>"), "{html}");
        assert!(html.contains("missing block"), "{html}");
        assert_eq!(links.warnings.borrow().len(), 1);
    }

    #[test]
    fn raw_html_is_sanitised_unless_allowed() {
        let html = md("x <script>alert(1)</script><b onclick=\"x()\">bold</b> [[Page]]");
        assert!(!html.contains("<script") && !html.contains("onclick"), "{html}");
        assert!(html.contains("<b>bold</b>") && html.contains("class=\"page-ref\""), "{html}");
        let allowed = render_markdown(
            "<b onclick=\"x()\">b</b>",
            &TestLinks::default(),
            MarkdownOptions { allow_html: true },
        );
        assert!(allowed.contains("onclick"));
    }

    #[test]
    fn escapes_emphasis_and_labels_follow_the_reference_rules() {
        let html = md(r"\#not-a-tag `\#code` *#plain* *[[Linked]]* [label #x](https://y)");
        assert!(html.contains("#not-a-tag <code>\\#code</code>"), "{html}");
        assert!(html.contains("<em>#plain</em>"), "{html}");
        assert!(
            html.contains("<em><a class=\"page-ref\" href=\"linked.html\">Linked</a></em>"),
            "{html}"
        );
        assert!(html.contains(">label #x</a>"), "{html}");
    }

    #[test]
    fn file_links_and_asset_refs() {
        assert!(md("[Foo](foo.md)").contains("<a class=\"page-ref\" href=\"foo.html\">Foo</a>"));
        assert!(
            md("[[../assets/file.pdf]]")
                .contains("<a class=\"asset\" href=\"assets/file.pdf\">file.pdf</a>")
        );
    }

    #[test]
    fn javascript_links_are_dropped() {
        assert_eq!(md("[x](javascript:alert(1))"), "<p>x</p>\n");
    }

    #[test]
    fn assets_are_rewritten() {
        assert!(md("![a](../assets/x.png)").contains("src=\"assets/x.png\""));
    }

    #[test]
    fn macros_never_show_raw_braces() {
        let html = md("{{renderer :todomaster}}");
        assert!(!html.contains("{{"), "{html}");
    }

    #[test]
    fn math_becomes_mathml() {
        assert!(md("$x^2$").contains("<math"));
    }

    #[test]
    fn plain_text_keeps_names_and_drops_markup() {
        let body = vec![BodyNode::Markdown("**See** [[Storage]] `code`".into())];
        assert_eq!(plain_text(&body), "See Storage code");
    }
}
