//! SEARCH, one page → its documents: the fields of the page and of each
//! block (title, aliases, tags, namespaces, properties, heading, text,
//! code), their postings, and the clipped text of the snippets.

use std::borrow::Cow;
use std::sync::Mutex;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::index::{
    BlockEntry, Field, Indexed, PageEntry, Posting, SNIPPET_CODE_CHARS, SNIPPET_TEXT_CHARS,
    quantise,
};
use super::terms::{NONE, Scratch, TermTable};
use crate::parse::{Block, BodyNode, props};
use crate::resolve::{Page, Site};

pub(super) fn index_page(
    site: &Site,
    page: &Page,
    ordinal: u32,
    scratch: &mut Scratch,
    table: &Mutex<TermTable>,
) -> Indexed {
    let aliases = page.aliases.clone();
    let tags: Vec<String> = page.tags.iter().map(|&t| site.pages[t].name.clone()).collect();
    let mut fields: Vec<(Field, Cow<'_, str>)> = vec![(Field::Title, page.name.as_str().into())];
    fields.extend(aliases.iter().map(|a| (Field::Alias, a.as_str().into())));
    fields.extend(tags.iter().map(|t| (Field::Tag, t.as_str().into())));
    fields.extend(
        page.namespace.iter().map(|&n| (Field::Namespace, site.pages[n].name.as_str().into())),
    );
    if let Some(note) = &page.note {
        fields.extend(property_texts(&note.properties).map(|t| (Field::Text, t.into())));
    }
    // Grown once per thread rather than once per page; the part gets an exact copy.
    let mut postings = std::mem::take(&mut scratch.postings);
    let mut text_bytes = text_len(&fields);
    let mut docs = u32::from(add_doc(&mut postings, scratch, table, ordinal, 0, &fields));
    let mut blocks = Vec::new();
    if let Some(note) = &page.note {
        blocks.reserve_exact(note.blocks.len());
        for (i, block) in note.blocks.iter().enumerate() {
            let code = code_text(&block.body);
            let fields = block_fields(block, &code);
            text_bytes += text_len(&fields);
            let found = add_doc(&mut postings, scratch, table, ordinal, i as u32 + 1, &fields);
            docs += u32::from(found);
            blocks.push(block_entry(block, &code, found.then(|| page.anchors.get(i)).flatten()));
        }
    }
    let entry =
        PageEntry { title: page.name.clone(), file: page.file_name(), aliases, tags, blocks };
    let indexed = Indexed { entry, postings: postings.as_slice().to_vec(), docs, text_bytes };
    postings.clear();
    scratch.postings = postings;
    indexed
}

pub(super) fn text_len(fields: &[(Field, Cow<'_, str>)]) -> u64 {
    fields.iter().map(|(_, t)| t.len() as u64).sum()
}

/// `key value` of the properties a page or block shows.
pub(super) fn property_texts(properties: &[props::Property]) -> impl Iterator<Item = String> + '_ {
    properties
        .iter()
        .filter(|p| !props::is_hidden_key(&p.key) && !matches!(p.key.as_str(), "alias" | "tags"))
        .filter(|p| !p.value.trim().is_empty())
        .map(|p| format!("{} {}", p.key, p.value))
}

/// A block's searchable text by field.
pub(super) fn block_fields<'a>(block: &'a Block, code: &'a str) -> Vec<(Field, Cow<'a, str>)> {
    // A pre-block without a body is shown as the page's properties, with no anchor.
    if block.pre_block && block.body.is_empty() {
        return Vec::new();
    }
    let mut fields = Vec::with_capacity(3 + block.properties.len());
    let (first, rest) = block.text().split_once('\n').unwrap_or((block.text(), ""));
    if is_heading_like(block, first) {
        fields.push((Field::Heading, first.into()));
        fields.push((Field::Text, rest.into()));
    } else {
        fields.push((Field::Text, block.text().into()));
    }
    fields.extend(property_texts(&block.properties).map(|t| (Field::Text, t.into())));
    fields.push((Field::Code, code.into()));
    fields
}

/// Headings, and short first lines of blocks with children (an outline's section titles).
pub(super) fn is_heading_like(block: &Block, first_line: &str) -> bool {
    block.heading.is_some()
        || (!block.children.is_empty() && first_line.split_whitespace().nth(10).is_none())
}

/// Adds one document's postings; returns whether it has any term.
pub(super) fn add_doc(
    out: &mut Vec<(u32, Posting)>,
    scratch: &mut Scratch,
    table: &Mutex<TermTable>,
    page: u32,
    block: u32,
    fields: &[(Field, Cow<'_, str>)],
) -> bool {
    let Scratch { by_word, field_slot, doc_slot, found, counts, tokenizer, .. } = scratch;
    found.clear();
    let mut position = 0;
    for (field, text) in fields {
        let (len, last) = tokenizer.each_word(text, position, |word, at, _| {
            let id = by_word.id(table, word);
            if id as usize >= field_slot.len() {
                field_slot.resize(id as usize + 1, NONE);
                doc_slot.resize(id as usize + 1, NONE);
            }
            let slot = &mut field_slot[id as usize];
            match *slot {
                NONE => {
                    *slot = counts.len() as u32;
                    counts.push((id, 1, at));
                }
                i => counts[i as usize].1 += 1,
            }
        });
        position = last.map_or(position, |p| p + 2);
        for (id, tf, first) in counts.drain(..) {
            field_slot[id as usize] = NONE;
            let score = field.score(tf, len);
            let slot = &mut doc_slot[id as usize];
            match *slot {
                NONE => {
                    *slot = found.len() as u32;
                    found.push((id, score, first));
                }
                i => {
                    let entry = &mut found[i as usize];
                    entry.1 = entry.1.max(score);
                    entry.2 = entry.2.min(first);
                }
            }
        }
    }
    let any = !found.is_empty();
    for &(id, score, position) in found.iter() {
        doc_slot[id as usize] = NONE;
        out.push((id, Posting { page, block, score: quantise(score), position }));
    }
    any
}

/// The code of a block body: fenced code and verbatim `src`/`example`/`verse` blocks.
pub fn code_text(body: &[BodyNode]) -> String {
    let mut out = String::new();
    for node in body {
        match node {
            BodyNode::Markdown(text) => fenced_code(text, &mut out),
            BodyNode::Container { children, .. } => {
                out.push_str(&code_text(children));
                out.push('\n');
            }
            BodyNode::Verbatim { kind, text, .. }
                if matches!(kind.as_str(), "src" | "example" | "verse") =>
            {
                out.push_str(text);
                out.push('\n');
            }
            BodyNode::Verbatim { .. } => {}
        }
    }
    out
}

/// Whether `markdown` holds ```` ``` ````, `~~~`, a tab, or four spaces at
/// the start of a line: most blocks have no code, and fences and indented
/// code both need one of these. One pass over the bytes.
pub(super) fn may_have_code(markdown: &str) -> bool {
    let bytes = markdown.as_bytes();
    if bytes.starts_with(b"    ") {
        return true;
    }
    let candidate = |b: &u8| matches!(b, b'\t' | b'`' | b'~' | b'\n');
    // A chunk at a time, without an early exit inside it, so the scan is
    // vectorised; a chunk with a candidate byte is then looked at closely.
    bytes.chunks(32).enumerate().any(|(n, chunk)| {
        chunk.iter().fold(false, |any, b| any | candidate(b))
            && chunk.iter().enumerate().any(|(j, &b)| {
                let i = n * 32 + j;
                match b {
                    b'\t' => true,
                    b'`' | b'~' => bytes[i..].starts_with(&[b, b, b]),
                    b'\n' => bytes[i + 1..].starts_with(b"    "),
                    _ => false,
                }
            })
    })
}

pub(super) fn fenced_code(markdown: &str, out: &mut String) {
    if !may_have_code(markdown) {
        return;
    }
    let mut in_code = false;
    for event in Parser::new_ext(markdown, crate::parse::refs::markdown_options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push('\n');
            }
            Event::Text(text) if in_code => out.push_str(&text),
            _ => {}
        }
    }
}

pub(super) fn block_entry(block: &Block, code: &str, anchor: Option<&str>) -> BlockEntry {
    BlockEntry {
        parent: block.parent(),
        anchor: anchor.map(str::to_string).unwrap_or_default(),
        text: clip(block.text(), SNIPPET_TEXT_CHARS, true),
        code: clip(code, SNIPPET_CODE_CHARS, false),
    }
}

/// Collapses runs of spaces (keeping the first line break when `lines`) and cuts at `max` chars.
pub(super) fn clip(text: &str, max: usize, lines: bool) -> String {
    let text = text.trim();
    let (first, rest) = match text.split_once('\n') {
        Some((first, rest)) if lines => (first, rest),
        _ => (text, ""),
    };
    let mut out = String::with_capacity(text.len().min(max + 16));
    if text.is_ascii() {
        clip_words(&mut out, AsciiWords(first), AsciiWords(rest), max, str::len);
    } else {
        let (first, rest) = (first.split_whitespace(), rest.split_whitespace());
        clip_words(&mut out, first, rest, max, |w| w.chars().count());
    }
    out
}

/// The words of an ASCII text, split at whitespace as [`str::split_whitespace`] does.
pub(super) struct AsciiWords<'a>(&'a str);

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // The whitespace of `char::is_whitespace` among ASCII characters.
        let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
        let bytes = self.0.as_bytes();
        let start = bytes.iter().position(|b| !space(b))?;
        let end = bytes[start..].iter().position(space).map_or(bytes.len(), |n| start + n);
        // ASCII: every index is a character boundary.
        let word = &self.0[start..end];
        self.0 = &self.0[end..];
        Some(word)
    }
}

/// Appends the words of `first` joined by spaces, then a line break and
/// those of `rest` (if any), cut at `max` characters (`chars` counts a word's).
pub(super) fn clip_words<'a>(
    out: &mut String,
    first: impl Iterator<Item = &'a str>,
    rest: impl Iterator<Item = &'a str>,
    max: usize,
    chars: impl Fn(&str) -> usize,
) {
    // Characters in `out`; words after the first `max + 1` characters would be cut off.
    let mut count = 0;
    let first = first.map(|w| (w, ' '));
    let rest = rest.enumerate().map(|(i, w)| (w, if i == 0 { '\n' } else { ' ' }));
    for (i, (word, separator)) in first.chain(rest).enumerate() {
        if count > max {
            break;
        }
        if i > 0 || separator == '\n' {
            out.push(separator);
            count += 1;
        }
        out.push_str(word);
        count += chars(word);
    }
    if count > max {
        if let Some((cut, _)) = out.char_indices().nth(max) {
            out.truncate(cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::body::parse_body;

    #[test]
    fn code_comes_from_fences_and_src_blocks() {
        let body =
            parse_body("text\n```yaml\nkind: Pod\n```\n#+BEGIN_SRC sh\nkubectl get\n#+END_SRC");
        let code = code_text(&body);
        assert!(code.contains("kind: Pod") && code.contains("kubectl get"));
        assert!(!code.contains("text"));
    }

    /// The first form of [`clip`], which collapsed whole texts before cutting.
    fn clip_reference(text: &str, max: usize, lines: bool) -> String {
        let mut out = String::new();
        let (first, rest) = match text.trim().split_once('\n') {
            Some((first, rest)) if lines => (first, Some(rest)),
            _ => (text.trim(), None),
        };
        out.push_str(&first.split_whitespace().collect::<Vec<_>>().join(" "));
        if let Some(rest) = rest {
            let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
            if !rest.is_empty() {
                out.push('\n');
                out.push_str(&rest);
            }
        }
        match out.char_indices().nth(max) {
            Some((cut, _)) => out[..cut].to_string(),
            None => out,
        }
    }

    proptest::proptest! {
        #[test]
        fn clip_cuts_as_collapsing_everything_first_did(
            text in "[ab é\n\t\r\u{b}\u{c}\u{a0}]{0,30}|[ab\n\t\r\u{b}\u{c}]{0,30}",
            max in 0usize..12,
            lines: bool,
        ) {
            proptest::prop_assert_eq!(clip(&text, max, lines), clip_reference(&text, max, lines));
        }
    }

    #[test]
    fn code_is_looked_for_where_a_fence_tab_or_indent_is() {
        let reference = |m: &str| {
            m.contains("```")
                || m.contains("~~~")
                || m.contains('\t')
                || m.starts_with("    ")
                || m.contains("\n    ")
        };
        for m in [
            "",
            "plain",
            "a ``` b",
            "``",
            "`` `",
            "~~~",
            "~~ ~",
            "x\ty",
            "    code",
            "   not",
            "a\n    b",
            "a\n   b",
            "a\n",
            "\n",
            "``~",
            "a`",
            "~~",
            "é```",
            "é\n    x",
        ] {
            assert_eq!(may_have_code(m), reference(m), "{m:?}");
        }
    }

    #[test]
    fn clip_collapses_spaces_and_cuts() {
        assert_eq!(clip("  a   b\n c  d \n e", 100, true), "a b\nc d e");
        assert_eq!(clip("a\nb", 100, false), "a b");
        assert_eq!(clip("éééé", 2, false), "éé");
        assert_eq!(clip(" \n  b  c\n", 100, true), "b c");
        assert_eq!(clip("a \n\t\n", 100, true), "a");
        assert_eq!(clip("a\n  \n b", 100, true), "a\nb");
        assert_eq!(clip("ab  cd ef", 4, false), "ab c");
        assert_eq!(clip("ab  cd ef", 5, false), "ab cd");
        assert_eq!(clip("ab\ncd ef", 3, true), "ab\n");
        assert_eq!(clip("ab cd", 0, false), "");
        assert_eq!(clip("", 10, true), "");
    }
}
