//! References of a block: the pages and blocks its text and properties point at.
//!
//! Text is scanned through pulldown-cmark's events, so links inside inline
//! code, fenced code and math are never references, as in Logseq.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd, TextMergeStream};

use super::body::BodyNode;
use super::inline;
use super::props::{self, Property};

/// Markdown extensions every stage parses with.
pub fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_MATH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM
}

/// What a block's body and properties refer to, and its prose as plain text.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Analysis {
    /// Page names, in order, unique by identity.
    pub page_refs: Vec<String>,
    /// Block UUIDs, lower case.
    pub block_refs: Vec<String>,
    /// Page names used as `#tags` (a subset of `page_refs`).
    pub tags: Vec<String>,
    /// Plain text outside fenced code (links as their names, inline code kept).
    pub text: String,
}

/// Walks a body once: references and plain text.
pub fn analyze(body: &[BodyNode], properties: &[Property]) -> Analysis {
    let mut analysis = Analysis::default();
    visit_text(body, &mut |found| match found {
        Found::Text(text, mode) => {
            let pieces = inline::scan(text);
            for piece in &pieces {
                match piece {
                    inline::Inline::Text(t) | inline::Inline::Url(t) => {
                        analysis.text.push_str(&inline::restore_escapes(t, false))
                    }
                    inline::Inline::PageRef(name) | inline::Inline::Tag(name) => {
                        if name.contains("[[") || name.contains("]]") {
                            analysis.text.push_str(&name.replace("[[", "").replace("]]", ""));
                        } else {
                            analysis.text.push_str(name);
                        }
                    }
                    inline::Inline::LabelledRef { label, .. } => analysis.text.push_str(label),
                    _ => {}
                }
            }
            let parts = inline::split_highlights(text);
            // Without highlights the one part is the whole text, already scanned.
            let whole = matches!(parts.as_slice(), [(_, false)]);
            for (part, highlighted) in parts {
                match if highlighted && mode == RefMode::All { RefMode::PagesOnly } else { mode } {
                    RefMode::All => {
                        let scanned;
                        let part_pieces = if whole {
                            &pieces
                        } else {
                            scanned = inline::scan(part);
                            &scanned
                        };
                        inline::collect_refs(
                            part_pieces,
                            &mut analysis.page_refs,
                            &mut analysis.block_refs,
                            &mut analysis.tags,
                        );
                    }
                    RefMode::PagesOnly => analysis.page_refs.extend(page_links_only(part)),
                    RefMode::None => {}
                }
            }
        }
        Found::FileLinkLabel(label) => analysis.page_refs.push(label.trim().to_string()),
        Found::Code(code) => analysis.text.push_str(&inline::restore_escapes(code, true)),
        Found::Break => analysis.text.push('\n'),
        Found::Link(url) => {
            analysis.page_refs.extend(link_page(url));
            analysis.block_refs.extend(link_block(url));
        }
    });
    for p in properties {
        if !props::is_hidden_key(&p.key) && !matches!(p.key.as_str(), "tags" | "alias") {
            analysis.page_refs.push(p.key.clone());
        }
        analysis.page_refs.extend(p.refs.iter().cloned());
    }
    // One reference (the usual case) has no duplicate: no set to build.
    if analysis.page_refs.len() > 1 {
        let mut seen = std::collections::HashSet::new();
        analysis.page_refs.retain(|r| !r.is_empty() && seen.insert(r.to_lowercase()));
    } else {
        analysis.page_refs.retain(|r| !r.is_empty());
    }
    if analysis.block_refs.len() > 1 {
        let mut seen_blocks = std::collections::HashSet::new();
        analysis.block_refs.retain(|r| seen_blocks.insert(r.clone()));
    }
    analysis.text = analysis.text.trim().to_string();
    analysis
}

/// Page names referred to by the body and the properties, unique by identity.
pub fn page_refs(body: &[BodyNode], properties: &[Property]) -> Vec<String> {
    analyze(body, properties).page_refs
}

/// Block UUIDs referred to by the body.
pub fn block_refs(body: &[BodyNode]) -> Vec<String> {
    analyze(body, &[]).block_refs
}

/// The page a Markdown link destination names: `[label]([[Page]])`.
pub fn link_page(url: &str) -> Option<String> {
    let (end, name) = inline::page_ref_at(url, 0)?;
    (end == url.len()).then(|| inline::clean_name(name))
}

/// The block a Markdown link destination names: `[label](((uuid)))`.
pub fn link_block(url: &str) -> Option<String> {
    let id = url.strip_prefix("((")?.strip_suffix("))")?.trim();
    inline::is_uuid(id).then(|| id.to_ascii_lowercase())
}

/// `[[page]]` links of a text, without tags or block refs (mldoc's rule inside emphasis).
fn page_links_only(text: &str) -> Vec<String> {
    let mut refs = Vec::new();
    for piece in inline::scan(text) {
        if let inline::Inline::PageRef(name) = piece {
            if !inline::is_asset_path(name) {
                refs.extend(inline::page_refs(&format!("[[{name}]]")));
            }
        }
    }
    refs
}

/// Which references a piece of text may hold, by where it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefMode {
    /// Ordinary text: links, tags, block refs.
    All,
    /// Inside emphasis, strike-through or highlight: mldoc sees only `[[links]]` there.
    PagesOnly,
    /// Inside a link label or an inline HTML element: no references.
    None,
}

/// Text outside code, inline code, a line break or a link destination, met while walking a body.
enum Found<'a> {
    Text(&'a str, RefMode),
    Code(&'a str),
    Break,
    Link(&'a str),
    FileLinkLabel(&'a str),
}

fn visit_text(body: &[BodyNode], visit: &mut dyn FnMut(Found<'_>)) {
    for node in body {
        match node {
            BodyNode::Markdown(text) => visit_markdown(text, visit),
            BodyNode::Container { children, .. } => {
                visit_text(children, visit);
                visit(Found::Break);
            }
            BodyNode::Verbatim { .. } => {}
        }
    }
}

fn visit_markdown(text: &str, visit: &mut dyn FnMut(Found<'_>)) {
    let text = inline::protect_escapes(text);
    if is_plain(&text) {
        visit_plain(&text, visit);
    } else {
        visit_pulldown(&text, visit);
    }
}

/// Whether pulldown-cmark would read `text` as paragraphs of plain text
/// only: no byte that can start inline syntax (emphasis, code, HTML,
/// entities, escapes, math, strike-through, tables), no link, no control
/// character but the newline, and no line that could open a block (indented
/// code, lists, headings, setext underlines, thematic breaks). Conservative:
/// anything doubtful goes through pulldown-cmark.
fn is_plain(text: &str) -> bool {
    let inline_syntax = text.bytes().any(|b| {
        (b < 0x20 && b != b'\n')
            || matches!(
                b,
                b'\\' | b'`' | b'*' | b'_' | b'<' | b'>' | b'&' | b'|' | b'~' | b'$' | b'^' | 0x7F
            )
    });
    // Brackets are text unless they make a link: an inline link needs `](`, a
    // reference link a definition (`[label]: …`), a footnote `[^`.
    let links = text.contains("](") || text.contains("]:") || text.contains("[^");
    !inline_syntax && !links && text.split('\n').all(|line| !opens_block(line.as_bytes()))
}

/// Whether a line of a plain text (see [`is_plain`]) may start a block.
fn opens_block(line: &[u8]) -> bool {
    match line.first() {
        None => false,
        Some(b' ' | b'-' | b'+' | b'#' | b'=') => true,
        Some(b) if b.is_ascii_digit() => {
            // `1.` or `1)`: an ordered list item.
            let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
            matches!(line.get(digits), Some(b'.' | b')'))
        }
        Some(_) => false,
    }
}

/// What [`visit_pulldown`] finds in a text [`is_plain`] accepts: each line
/// (trailing spaces removed) as text, a break between lines (soft or hard) and
/// at the end of each paragraph (paragraphs are separated by empty lines).
fn visit_plain(text: &str, visit: &mut dyn FnMut(Found<'_>)) {
    let mut in_paragraph = false;
    for line in text.split('\n') {
        let line = line.trim_end_matches(' ');
        if line.is_empty() {
            if in_paragraph {
                visit(Found::Break);
                in_paragraph = false;
            }
            continue;
        }
        if in_paragraph {
            visit(Found::Break);
        }
        visit(Found::Text(line, RefMode::All));
        in_paragraph = true;
    }
    if in_paragraph {
        visit(Found::Break);
    }
}

fn visit_pulldown(text: &str, visit: &mut dyn FnMut(Found<'_>)) {
    let mut state = RefState::default();
    let mut file_label: Option<String> = None;
    for event in TextMergeStream::new(Parser::new_ext(text, markdown_options())) {
        state.update(&event);
        match event {
            Event::Text(t) if !state.in_code => {
                if let Some(label) = &mut file_label {
                    label.push_str(&t);
                }
                visit(Found::Text(&t, state.mode()));
            }
            Event::Code(t) => visit(Found::Code(&t)),
            Event::SoftBreak
            | Event::HardBreak
            | Event::End(TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item) => {
                visit(Found::Break)
            }
            Event::Start(Tag::Link { dest_url, .. }) => {
                if is_file_link(&dest_url) {
                    file_label = Some(String::new());
                }
                visit(Found::Link(&dest_url));
            }
            Event::End(TagEnd::Link) => {
                if let Some(label) = file_label.take() {
                    visit(Found::FileLinkLabel(&label));
                }
            }
            _ => {}
        }
    }
}

/// `[Foo](foo.md)`: a link to a page's file; Logseq records the label as a page reference.
pub fn is_file_link(url: &str) -> bool {
    !url.contains("://") && url.to_ascii_lowercase().ends_with(".md")
}

/// Where the walk is inside inline Markdown: code, emphasis, link labels, inline HTML.
#[derive(Debug, Default)]
pub struct RefState {
    /// Inside a fenced or indented code block.
    pub in_code: bool,
    emphasis: usize,
    links: usize,
    html: usize,
}

impl RefState {
    /// Follows one event.
    pub fn update(&mut self, event: &Event<'_>) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => self.in_code = true,
            Event::End(TagEnd::CodeBlock) => self.in_code = false,
            Event::Start(Tag::Emphasis | Tag::Strong | Tag::Strikethrough) => self.emphasis += 1,
            Event::End(TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough) => {
                self.emphasis = self.emphasis.saturating_sub(1)
            }
            Event::Start(Tag::Link { .. }) => self.links += 1,
            Event::End(TagEnd::Link) => self.links = self.links.saturating_sub(1),
            Event::InlineHtml(html) => self.html = html_depth(self.html, html),
            Event::End(TagEnd::Paragraph) => self.html = 0,
            _ => {}
        }
    }

    /// The references text at this point may hold.
    pub fn mode(&self) -> RefMode {
        if self.links > 0 || self.html > 0 {
            RefMode::None
        } else if self.emphasis > 0 {
            RefMode::PagesOnly
        } else {
            RefMode::All
        }
    }
}

/// Inline HTML nesting after one tag: `<b>` opens, `</b>` closes, `<br>`/`<img/>` neither.
fn html_depth(depth: usize, tag: &str) -> usize {
    let tag = tag.trim();
    let void = ["<br", "<img", "<hr", "<input", "<wbr"]
        .iter()
        .any(|v| tag.to_ascii_lowercase().starts_with(v));
    if tag.starts_with("</") {
        depth.saturating_sub(1)
    } else if tag.starts_with("<!--") || tag.ends_with("/>") || void {
        depth
    } else {
        depth + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(text: &str) -> Vec<BodyNode> {
        vec![BodyNode::Markdown(text.into())]
    }

    #[test]
    fn links_in_code_are_not_references() {
        let body = md("[[a]] `[[b]]` $[[c]]$\n```\n[[d]] #e\n```\n#f");
        assert_eq!(page_refs(&body, &[]), ["a", "f"]);
    }

    #[test]
    fn labelled_links_are_references() {
        let id = "64c1a1b2-0000-4000-8000-000000000001";
        let body = md(&format!("[see]([[Some Page]]) and [that]((({id})))"));
        assert_eq!(page_refs(&body, &[]), ["Some Page"]);
        assert_eq!(block_refs(&body), [id]);
    }

    #[test]
    fn emphasis_labels_html_and_escapes_follow_mldoc() {
        assert!(
            page_refs(&md("*a #tag b* **#b** [#x](https://y) <span>#t</span> \\#esc \\[[e]]"), &[])
                .is_empty()
        );
        assert_eq!(page_refs(&md("*a [[x]] b*"), &[]), ["x"]);
        assert_eq!(page_refs(&md("[Foo](foo.md)"), &[]), ["Foo"]);
        assert_eq!(analyze(&md("a \\#b `\\#c`"), &[]).text, "a #b \\#c");
    }

    #[test]
    fn property_keys_are_property_pages() {
        let properties = vec![
            props::property("type", "[[Book]]"),
            props::property("logseq.order-list-type", "number"),
        ];
        assert_eq!(page_refs(&[], &properties), ["type", "Book"]);
    }

    /// What a walk finds, owned, to compare two walks.
    fn walk(text: &str, plain: bool) -> Vec<String> {
        let mut found = Vec::new();
        let mut record = |f: Found<'_>| {
            found.push(match f {
                Found::Text(t, mode) => format!("text {t:?} {mode:?}"),
                Found::Code(t) => format!("code {t:?}"),
                Found::Break => "break".to_string(),
                Found::Link(u) => format!("link {u:?}"),
                Found::FileLinkLabel(l) => format!("file link {l:?}"),
            })
        };
        if plain {
            visit_plain(text, &mut record)
        } else {
            visit_pulldown(text, &mut record)
        }
        found
    }

    /// Checks the fast path on one text: when it takes the text, it must find
    /// what pulldown-cmark finds. Returns whether it took the text.
    fn check_plain(text: &str) -> bool {
        if !is_plain(text) {
            return false;
        }
        assert_eq!(walk(text, true), walk(text, false), "fast path differs on {text:?}");
        true
    }

    #[test]
    fn plain_text_fast_path_matches_pulldown_cmark() {
        let taken = [
            "plain words",
            "two\nlines",
            "para one\n\npara two\n\n\nthree",
            "\n\nleading and trailing blank lines\n\n",
            "trailing space \nhard break  \nend   ",
            "CJK 中文 text, emoji 🎉 and accents: café",
            "[[page]] and [[a [[b]]]] [x] [x][y] [] ![i] [ ] [[unclosed",
            "a #tag and #[[x]] mid-line, ((64c1a1b2-0000-4000-8000-000000000001)) {{embed x}}",
            "https://example.com/a?b=c#frag and www.example.com and a@b.co",
            "2024 was a year; 3rd place; 10 (ten)",
            "x - y + z = w # v",
            "a == b ==c==",
            "quotes 'single' \"double\" (parens) {braces} !bang %",
            "key:: value",
            "line\n(next) line\n!line\n:line",
            "no\u{a0}break\u{a0}\nspace\u{3000}",
        ];
        for text in taken {
            assert!(check_plain(text), "fast path should take {text:?}");
        }
        let refused = [
            "*emphasis*",
            "_emphasis_",
            "**strong**",
            "~~strike~~",
            "`code`",
            "[link](https://x.y)",
            "[ref]\n\n[ref]: https://x.y",
            "[multi\nline]: /url\n\n[multi line]",
            "![img](a.png)",
            "a &amp; b &#35;",
            "escaped \\# tag",
            "<b>html</b>",
            "<https://autolink.com>",
            "$math$",
            "a[^1]\n\n[^1]: note",
            "| a | b |\n|---|---|\n| 1 | 2 |",
            "# heading",
            "#heading",
            "title\n===",
            "title\n---",
            "- item",
            "+ item",
            "1. item",
            "2) item",
            "    indented code",
            "para\n    continued",
            "> quote",
            "tab\there",
            "cr\rhere",
            "nul\0here",
            "=",
        ];
        for text in refused {
            assert!(!is_plain(text), "fast path should refuse {text:?}");
        }
        // Random texts over an alphabet of plain and special characters: every
        // text the fast path takes is checked against pulldown-cmark.
        let alphabet: Vec<char> = "ab #-+=1.)\n \n*_[]`<>&|~$^\\!:()中🎉\t".chars().collect();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut taken = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Plain characters (the first 13) come more often.
                let pick = if seed % 3 == 0 { seed >> 8 } else { (seed >> 8) % 13 };
                text.push(alphabet[(pick % alphabet.len() as u64) as usize]);
            }
            taken += usize::from(check_plain(&text));
        }
        assert!(taken > 2_000, "too few random texts took the fast path: {taken}");
        // The comparison itself tells texts apart.
        assert_ne!(walk("a\nb", true), walk("a b", false));
    }

    #[test]
    fn duplicates_differing_in_case_count_once() {
        assert_eq!(page_refs(&md("[[Foo]] #foo [[FOO]]"), &[]), ["Foo"]);
    }
}
