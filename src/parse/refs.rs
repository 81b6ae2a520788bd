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

/// Page names referred to by the body and the properties, unique by identity.
pub fn page_refs(body: &[BodyNode], properties: &[Property]) -> Vec<String> {
    let mut refs = Vec::new();
    visit_text(body, &mut |found| match found {
        Found::Text(text) => refs.extend(inline::page_refs(text)),
        Found::Link(url) => refs.extend(link_page(url)),
    });
    for p in properties {
        if !props::is_hidden_key(&p.key) && !matches!(p.key.as_str(), "tags" | "alias") {
            refs.push(p.key.clone());
        }
        refs.extend(p.refs.iter().cloned());
    }
    let mut seen = std::collections::HashSet::new();
    refs.retain(|r| !r.is_empty() && seen.insert(r.to_lowercase()));
    refs
}

/// Block UUIDs referred to by the body.
pub fn block_refs(body: &[BodyNode]) -> Vec<String> {
    let mut refs = Vec::new();
    visit_text(body, &mut |found| match found {
        Found::Text(text) => refs.extend(inline::block_refs(text)),
        Found::Link(url) => refs.extend(link_block(url)),
    });
    refs.dedup();
    refs
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

/// Text outside code, or a link destination, met while walking a body.
enum Found<'a> {
    Text(&'a str),
    Link(&'a str),
}

fn visit_text(body: &[BodyNode], visit: &mut dyn FnMut(Found<'_>)) {
    for node in body {
        match node {
            BodyNode::Markdown(text) => visit_markdown(text, visit),
            BodyNode::Container { children, .. } => visit_text(children, visit),
            BodyNode::Verbatim { .. } => {}
        }
    }
}

fn visit_markdown(text: &str, visit: &mut dyn FnMut(Found<'_>)) {
    let mut in_code = false;
    for event in TextMergeStream::new(Parser::new_ext(text, markdown_options())) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(t) if !in_code => visit(Found::Text(&t)),
            Event::Start(Tag::Link { dest_url, .. }) => visit(Found::Link(&dest_url)),
            _ => {}
        }
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
    fn property_keys_are_property_pages() {
        let properties = vec![props::property("type", "[[Book]]"), props::property("logseq.order-list-type", "number")];
        assert_eq!(page_refs(&[], &properties), ["type", "Book"]);
    }

    #[test]
    fn duplicates_differing_in_case_count_once() {
        assert_eq!(page_refs(&md("[[Foo]] #foo [[FOO]]"), &[]), ["Foo"]);
    }
}
