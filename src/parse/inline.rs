//! Logseq's inline syntax inside plain text: `[[page]]`, `#tag`, `#[[tag]]`,
//! `((block-uuid))`, `{{macro args}}` and bare URLs.
//!
//! The scanner works on text that is already known not to be code (the
//! renderer feeds it pulldown-cmark's text events; reference extraction does
//! the same), so links inside code are never touched.

/// One piece of scanned text.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline<'a> {
    /// Plain text.
    Text(&'a str),
    /// `[[name]]`; for a nested link the name holds the inner `[[..]]` as written.
    PageRef(&'a str),
    /// `[label]([[name]])`: a page link with its own label.
    LabelledRef {
        /// The label as written.
        label: &'a str,
        /// The page name.
        target: &'a str,
    },
    /// `#name` or `#[[name]]`.
    Tag(&'a str),
    /// `((uuid))` with a valid UUID.
    BlockRef(&'a str),
    /// `{{name args}}`.
    Macro(Macro<'a>),
    /// A bare `http(s)://` URL.
    Url(&'a str),
}

/// A `{{macro}}` call.
#[derive(Debug, Clone, PartialEq)]
pub struct Macro<'a> {
    /// The macro's name (`embed`, `query`, a user macro, ...).
    pub name: &'a str,
    /// Comma-separated arguments; splitting respects `[[..]]`, `((..))` and quotes.
    pub args: Vec<&'a str>,
    /// Everything between the braces.
    pub raw: &'a str,
}

/// Splits `text` into inline pieces.
pub fn scan(text: &str) -> Vec<Inline<'_>> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut plain_start = 0;
    let mut i = 0;
    let mut stop = 0;
    while i < bytes.len() {
        let found = match bytes[i] {
            b'[' => labelled_ref_at(text, i)
                .map(|(end, label, target)| (end, Inline::LabelledRef { label, target }))
                .or_else(|| page_ref_at(text, i).map(|(end, name)| (end, Inline::PageRef(name)))),
            b'#' => tag_at(text, i).map(|(end, name)| (end, Inline::Tag(name))),
            b'(' => block_ref_at(text, i).map(|(end, id)| (end, Inline::BlockRef(id))),
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                if stop < i + 2 {
                    stop = brace_stop(text, i + 2);
                }
                macro_at(text, i, stop).map(|(end, m)| (end, Inline::Macro(m)))
            }
            b'h' => url_at(text, i).map(|end| (end, Inline::Url(&text[i..end]))),
            _ => None,
        };
        match found {
            Some((end, piece)) => {
                if plain_start < i {
                    out.push(Inline::Text(&text[plain_start..i]));
                }
                out.push(piece);
                i = end;
                plain_start = end;
            }
            None => i += 1,
        }
    }
    if plain_start < text.len() {
        out.push(Inline::Text(&text[plain_start..]));
    }
    out
}

/// Deeper `[[a [[b [[…]]]]]]` nesting than this is text, not a link.
const MAX_LINK_NESTING: usize = 32;

/// `[[...]]` at `start`: returns (end, name). Nested `[[..]]` stay inside the name.
pub fn page_ref_at(text: &str, start: usize) -> Option<(usize, &str)> {
    let bytes = text.as_bytes();
    if !text[start..].starts_with("[[") {
        return None;
    }
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => return None,
            b'\\' => i += 1,
            b'[' if bytes.get(i + 1) == Some(&b'[') => {
                depth += 1;
                // Bounded nesting keeps the scan of a line linear and the name recursion shallow.
                if depth > MAX_LINK_NESTING {
                    return None;
                }
                i += 1;
            }
            b']' if bytes.get(i + 1) == Some(&b']') => {
                depth -= 1;
                i += 1;
                if depth == 0 {
                    let name = &text[start + 2..i - 1];
                    return (!name.trim().is_empty()).then_some((i + 1, name));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// `[label]([[name]])` at `start`: returns (end, label, name).
fn labelled_ref_at(text: &str, start: usize) -> Option<(usize, &str, &str)> {
    let rest = &text[start + 1..];
    if rest.starts_with('[') {
        return None;
    }
    // The label holds no `[`, `]` or newline: stop at the first of them (linear on `[a [b [c`).
    let close = rest
        .bytes()
        .position(|b| matches!(b, b'\n' | b'[' | b']'))
        .filter(|&c| rest[c..].starts_with("]("))?;
    let label = &rest[..close];
    let target_start = start + 1 + close + 2;
    let (end, name) = page_ref_at(text, target_start)?;
    (text[end..].starts_with(')')).then_some((end + 1, label, name))
}

/// Characters that end a `#tag` (Logseq's `hash_tag.ml`).
fn ends_tag(c: char) -> bool {
    c.is_whitespace()
        || matches!(c, ',' | '!' | '?' | '\'' | '"' | ':' | '#' | '[' | '`' | '<' | '>')
}

fn tag_at(text: &str, start: usize) -> Option<(usize, &str)> {
    let rest = &text[start + 1..];
    if rest.starts_with("[[") {
        let (end, name) = page_ref_at(text, start + 1)?;
        return Some((end, name));
    }
    let mut len = rest.find(ends_tag).unwrap_or(rest.len());
    // `==` and `^^` delimit highlights, never part of a tag.
    for delimiter in ["==", "^^"] {
        if let Some(pos) = find_pair(&rest[..len], delim_bytes(delimiter)) {
            len = pos;
        }
    }
    let mut name = rest[..len].trim_end_matches(['.', ';']);
    // Differs from Logseq on purpose: `(#tag)` tags `tag`, not `tag)`.
    while name.ends_with(')') && name.matches('(').count() < name.matches(')').count() {
        name = name[..name.len() - 1].trim_end_matches(['.', ';']);
    }
    if name.is_empty() {
        return None;
    }
    Some((start + 1 + name.len(), name))
}

fn block_ref_at(text: &str, start: usize) -> Option<(usize, &str)> {
    let rest = text[start..].strip_prefix("((")?;
    // Only a UUID and spaces may come before `))`: stop at the first other character.
    let close = rest
        .find(|c: char| !(c.is_ascii_hexdigit() || c == '-' || c.is_whitespace()))
        .filter(|&c| rest[c..].starts_with("))"))?;
    let id = rest[..close].trim();
    is_uuid(id).then_some((start + 2 + close + 2, id))
}

/// Whether `s` is a UUID in its 8-4-4-4-12 text form.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Byte index of the first `}` or newline at or after `from` (the text's length if none).
fn brace_stop(text: &str, from: usize) -> usize {
    let bytes = &text.as_bytes()[from..];
    bytes.iter().position(|&b| b == b'}' || b == b'\n').map_or(text.len(), |p| from + p)
}

/// `{{…}}` at `start`; `stop` is [`brace_stop`] of `start + 2` (shared by the
/// calls of one scan, so a line of `{{{{…` stays linear).
fn macro_at(text: &str, start: usize, stop: usize) -> Option<(usize, Macro<'_>)> {
    let rest = text[start..].strip_prefix("{{")?;
    if !text[stop..].starts_with("}}") {
        return None;
    }
    let close = stop - start - 2;
    let raw = &rest[..close];
    if raw.trim().is_empty() {
        return None;
    }
    let raw_trimmed = raw.trim();
    let name_len =
        raw_trimmed.find(|c: char| c.is_whitespace() || c == '(').unwrap_or(raw_trimmed.len());
    let name = &raw_trimmed[..name_len];
    if name.is_empty() {
        return None;
    }
    let args = split_args(raw_trimmed[name_len..].trim_start());
    Some((start + 2 + close + 2, Macro { name, args, raw: raw_trimmed }))
}

fn split_args(text: &str) -> Vec<&str> {
    if text.is_empty() {
        return Vec::new();
    }
    let bytes = text.as_bytes();
    let mut args = Vec::new();
    let (mut depth, mut quoted, mut start) = (0i32, false, 0);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'[' | b'(' if !quoted => depth += 1,
            b']' | b')' if !quoted => depth -= 1,
            b',' if !quoted && depth <= 0 => {
                args.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    args.push(text[start..].trim());
    args
}

fn url_at(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    if start > 0 && text[..start].ends_with(|c: char| c.is_alphanumeric() || c == '/') {
        return None;
    }
    let len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(rest.len());
    let mut url = rest[..len].trim_end_matches(['.', ',', ';', '!', '?', ':', '\'']);
    while url.ends_with(')') && url.matches('(').count() < url.matches(')').count() {
        url = &url[..url.len() - 1];
    }
    let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
    (url.len() > scheme_len).then_some(start + url.len())
}

/// Splits text at `==…==` and `^^…^^` highlights (pairs within the text):
/// `(part, inside a highlight)`. mldoc treats a highlight like emphasis.
pub fn split_highlights(text: &str) -> Vec<(&str, bool)> {
    let mut parts = Vec::new();
    let mut delimiters = Delimiters::new(text);
    let mut offset = 0;
    while let Some((open, delim)) = delimiters.next_from(offset) {
        let after = &text[open + 2..];
        let Some(close) = find_pair(after, delim_bytes(delim))
            .filter(|&c| c > 0 && !after.starts_with(char::is_whitespace))
        else {
            break;
        };
        if open > offset {
            parts.push((&text[offset..open], false));
        }
        parts.push((&after[..close], true));
        offset = open + 2 + close + 2;
    }
    if offset < text.len() {
        parts.push((&text[offset..], false));
    }
    parts
}

/// The highlight delimiters.
const DELIMITERS: [&str; 2] = ["==", "^^"];

fn delim_bytes(delim: &str) -> [u8; 2] {
    let b = delim.as_bytes();
    [b[0], b[1]]
}

/// Finds the `==` and `^^` of one text from left to right, searching for each
/// only once over the text (searching for both again from every position made
/// long lines quadratic).
pub struct Delimiters<'a> {
    text: &'a str,
    /// Per delimiter: not searched yet, or where the next one is (`None`: no more).
    next: [Option<Option<usize>>; 2],
}

impl<'a> Delimiters<'a> {
    /// A finder over `text`.
    pub fn new(text: &'a str) -> Self {
        Delimiters { text, next: [None, None] }
    }

    /// The first `==` or `^^` at or after byte `from`; `from` must not go back between calls.
    pub fn next_from(&mut self, from: usize) -> Option<(usize, &'static str)> {
        let mut best: Option<(usize, &'static str)> = None;
        for (k, delim) in DELIMITERS.into_iter().enumerate() {
            let stale = match self.next[k] {
                None => true,
                Some(found) => found.is_some_and(|p| p < from),
            };
            if stale {
                let found = self
                    .text
                    .get(from..)
                    .and_then(|t| find_pair(t, delim_bytes(delim)))
                    .map(|p| from + p);
                self.next[k] = Some(found);
            }
            if let Some(Some(p)) = self.next[k] {
                if best.is_none_or(|(b, _)| p < b) {
                    best = Some((p, delim));
                }
            }
        }
        best
    }
}

/// Whether a `[[…]]` name is really a path to a file of the graph (`../assets/x.pdf`), not a page.
pub fn is_asset_path(name: &str) -> bool {
    let path = name.trim().trim_start_matches(['.', '/']);
    ["assets/", "draws/"].iter().any(|prefix| path.starts_with(prefix))
}

/// Protects Markdown escapes of Logseq syntax (`\#`, `\[`, `\(`, `\{`) from the
/// inline scanner by turning them into private-use characters; [`restore_escapes`]
/// turns them back. Private-use characters already in the text become U+FFFD.
pub fn protect_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('\\') && !has_protected(text) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some(&next)) if ESCAPABLE.contains(next) => {
                out.push(protected(next));
                chars.next();
            }
            ('\\', Some('\\')) => {
                out.push_str("\\\\");
                chars.next();
            }
            _ if PROTECTED.contains(&c) => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out.into()
}

const ESCAPABLE: &str = "#[({";
const PROTECTED: &[char] = &['\u{E010}', '\u{E011}', '\u{E012}', '\u{E013}'];

/// Whether `text` holds a private-use character of [`PROTECTED`]. All of them
/// start with the byte 0xEE in UTF-8: one fast byte search rules most texts out.
fn has_protected(text: &str) -> bool {
    text.as_bytes().contains(&0xEE) && PROTECTED.iter().any(|&c| text.contains(c))
}

/// Byte index of the first `pair` (two ASCII bytes) in `hay`: `hay.find("==")`
/// without the setup of a substring searcher, which dominates on short texts.
pub fn find_pair(hay: &str, pair: [u8; 2]) -> Option<usize> {
    debug_assert!(pair[0].is_ascii() && pair[1].is_ascii());
    let bytes = hay.as_bytes();
    let mut from = 0;
    // A char search on an ASCII char is a memchr; `from` is always a char boundary.
    while let Some(p) = hay.get(from..).and_then(|rest| rest.find(char::from(pair[0]))) {
        let i = from + p;
        if bytes.get(i + 1) == Some(&pair[1]) {
            return Some(i);
        }
        from = i + 1;
    }
    None
}

fn protected(c: char) -> char {
    PROTECTED[ESCAPABLE.find(c).unwrap_or(0)]
}

/// Undoes [`protect_escapes`] in text (`in_code`: keep the backslash, as code shows it).
pub fn restore_escapes(text: &str, in_code: bool) -> std::borrow::Cow<'_, str> {
    if !has_protected(text) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match PROTECTED.iter().position(|&p| p == c) {
            Some(i) => {
                if in_code {
                    out.push('\\');
                }
                out.push(ESCAPABLE.as_bytes()[i] as char);
            }
            None => out.push(c),
        }
    }
    out.into()
}

/// Every page name `text` refers to: links (outer and inner of nested links) and tags.
pub fn page_refs(text: &str) -> Vec<String> {
    let mut refs = Vec::new();
    collect_page_refs(&scan(text), &mut refs);
    refs
}

fn collect_page_refs(pieces: &[Inline<'_>], refs: &mut Vec<String>) {
    for piece in pieces {
        match piece {
            Inline::PageRef(name) if is_asset_path(name) => {}
            Inline::LabelledRef { target, .. } => refs.push(clean_name(target)),
            Inline::PageRef(name) | Inline::Tag(name) => {
                refs.push(clean_name(name));
                if name.contains("[[") {
                    collect_page_refs(&scan(name), refs);
                }
            }
            Inline::Macro(m) if m.name == "embed" => {
                if let Some(arg) = m.args.first() {
                    if let Some((_, name)) = page_ref_at(arg, 0) {
                        refs.push(clean_name(name));
                    }
                }
            }
            _ => {}
        }
    }
}

/// Block UUIDs referred to by `((uuid))` and `{{embed ((uuid))}}`, lower case, in order.
pub fn block_refs(text: &str) -> Vec<String> {
    let mut refs = Vec::new();
    collect_block_refs(&scan(text), &mut refs);
    refs
}

fn collect_block_refs(pieces: &[Inline<'_>], refs: &mut Vec<String>) {
    for piece in pieces {
        match piece {
            Inline::BlockRef(id) => refs.push(id.to_ascii_lowercase()),
            Inline::Macro(m) if m.name == "embed" => {
                if let Some(Some((_, id))) = m.args.first().map(|a| block_ref_at(a, 0)) {
                    refs.push(id.to_ascii_lowercase());
                }
            }
            _ => {}
        }
    }
}

/// What [`page_refs`], [`block_refs`] and the tags of a scanned text give,
/// from one scan: page names, block UUIDs and `#tag` names, each in order.
pub fn collect_refs(
    pieces: &[Inline<'_>],
    pages: &mut Vec<String>,
    blocks: &mut Vec<String>,
    tags: &mut Vec<String>,
) {
    collect_page_refs(pieces, pages);
    collect_block_refs(pieces, blocks);
    for piece in pieces {
        if let Inline::Tag(name) = piece {
            tags.push(clean_name(name));
        }
    }
}

/// The name a `[[ name ]]` refers to: surrounding whitespace trimmed.
pub fn clean_name(name: &str) -> String {
    name.trim().to_string()
}

/// `text` with every link and tag removed (for comma-list property values).
pub fn strip_refs(text: &str) -> String {
    scan(text)
        .into_iter()
        .filter_map(|piece| match piece {
            Inline::Text(t) | Inline::Url(t) => Some(t),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_scan_gives_what_the_separate_scans_give() {
        let text = "see [[A [[B]]]] #c ((64c1a1b2-0000-4000-8000-000000000001)) [l]([[D]]) \
                    {{embed [[E]]}} {{embed ((64c1a1b2-0000-4000-8000-00000000000F))}} #[[F g]]";
        let (mut pages, mut blocks, mut tags) = (Vec::new(), Vec::new(), Vec::new());
        collect_refs(&scan(text), &mut pages, &mut blocks, &mut tags);
        assert_eq!(pages, page_refs(text));
        assert_eq!(pages, ["A [[B]]", "B", "c", "D", "E", "F g"]);
        assert_eq!(blocks, block_refs(text));
        assert_eq!(blocks.len(), 2);
        assert_eq!(tags, ["c", "F g"]);
    }

    #[test]
    fn page_refs_and_tags() {
        assert_eq!(
            scan("see [[Storage]] and #RBAC."),
            vec![
                Inline::Text("see "),
                Inline::PageRef("Storage"),
                Inline::Text(" and "),
                Inline::Tag("RBAC"),
                Inline::Text(".")
            ]
        );
    }

    #[test]
    fn tag_termination_follows_logseq() {
        let tag = |s| {
            scan(s).into_iter().find_map(|p| if let Inline::Tag(t) = p { Some(t) } else { None })
        };
        assert_eq!(tag("#a,b"), Some("a"));
        assert_eq!(tag("#c:d"), Some("c"));
        assert_eq!(tag("#g.h"), Some("g.h"));
        assert_eq!(tag("#a.b.c."), Some("a.b.c"));
        assert_eq!(tag("#m(n)"), Some("m(n)"));
        assert_eq!(tag("#o/p"), Some("o/p"));
        assert_eq!(tag("x#tag"), Some("tag"));
        assert_eq!(tag("#中文"), Some("中文"));
        assert_eq!(tag("(#RBAC)"), Some("RBAC"));
        assert_eq!(tag("# heading"), None);
        assert_eq!(tag("#[[multi word]]"), Some("multi word"));
    }

    #[test]
    fn nested_links_keep_the_inner_link_in_the_name() {
        assert_eq!(scan("[[a [[b]]]]"), vec![Inline::PageRef("a [[b]]")]);
        assert_eq!(page_refs("[[a [[b]]]]"), ["a [[b]]", "b"]);
    }

    #[test]
    fn unclosed_and_empty_links_are_text() {
        assert_eq!(scan("[[never closed"), vec![Inline::Text("[[never closed")]);
        assert_eq!(scan("[[]]"), vec![Inline::Text("[[]]")]);
        assert_eq!(scan("[[a]b]]"), vec![Inline::PageRef("a]b")]);
    }

    #[test]
    fn block_refs_need_a_uuid() {
        let id = "64c1a1b2-0000-4000-8000-000000000001";
        assert_eq!(scan(&format!("(({id}))")), vec![Inline::BlockRef(id)]);
        assert_eq!(scan("((not-a-uuid))"), vec![Inline::Text("((not-a-uuid))")]);
        assert_eq!(block_refs(&format!("{{{{embed (({id}))}}}}")), [id]);
    }

    #[test]
    fn macro_arguments_respect_brackets_and_quotes() {
        let pieces = scan(r#"{{macroname [[A,B]], ((C,D)), E, "F,G"}}"#);
        let Inline::Macro(m) = &pieces[0] else { panic!("{pieces:?}") };
        assert_eq!(m.name, "macroname");
        assert_eq!(m.args, ["[[A,B]]", "((C,D))", "E", "\"F,G\""]);
        assert_eq!(page_refs("{{embed [[My Page]]}}"), ["My Page"]);
    }

    #[test]
    fn highlight_delimiters_end_tags() {
        assert_eq!(scan("==#h=="), vec![Inline::Text("=="), Inline::Tag("h"), Inline::Text("==")]);
    }

    #[test]
    fn highlights_split_text() {
        assert_eq!(
            split_highlights("a ==b== c ^^d^^"),
            vec![("a ", false), ("b", true), (" c ", false), ("d", true)]
        );
        assert_eq!(split_highlights("a == b"), vec![("a == b", false)]);
    }

    #[test]
    fn escapes_survive_a_round_trip() {
        let protected = protect_escapes(r"\#tag \[[x]] \\#real");
        assert_eq!(page_refs(&protected), ["real"]);
        assert_eq!(restore_escapes(&protected, false), r"#tag [[x]] \\#real");
        assert_eq!(restore_escapes(&protect_escapes(r"`\#`"), true), r"`\#`");
    }

    #[test]
    fn asset_paths_are_not_pages() {
        assert!(page_refs("[[../assets/file.pdf]] [[assets/x.png]]").is_empty());
        assert_eq!(page_refs("[[assets management]]"), ["assets management"]);
    }

    #[test]
    fn urls_are_not_tags() {
        assert_eq!(
            scan("x https://x.com/#frag."),
            vec![Inline::Text("x "), Inline::Url("https://x.com/#frag"), Inline::Text(".")]
        );
        assert_eq!(scan("(https://a.b/c)")[1], Inline::Url("https://a.b/c"));
    }
}
