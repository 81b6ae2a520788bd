//! Phase two: one block's text → its properties, task marker, heading and body.

use super::body::{self, BodyNode};
use super::inline;
use std::collections::HashSet;

use super::outline::{Closer, closer_for};
use super::props::{self, Property};
use crate::error::Diagnostic;

/// Task markers Logseq recognises as the first word of a block.
pub(crate) const MARKERS: [&str; 11] = [
    "TODO",
    "DOING",
    "DONE",
    "LATER",
    "NOW",
    "WAITING",
    "WAIT",
    "CANCELED",
    "CANCELLED",
    "IN-PROGRESS",
    "STARTED",
];

/// A block of a page, parsed.
///
/// The whole graph stays parsed for the whole build, so the struct is kept
/// lean: rarely set fields live out of line in [`Extras`], the title is kept
/// as a span of the body when the body holds it as written, and lists that
/// never grow after parsing are boxed slices.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Block {
    /// 1-based line of the block start in its file.
    pub line: u32,
    /// 0 for top-level blocks.
    pub depth: u32,
    /// Index of the parent block in the page's block list; see [`Block::parent`].
    parent: Option<u32>,
    /// Indexes of the children, in order.
    pub children: Box<[usize]>,
    /// The text before the first bullet (shown without a bullet).
    pub pre_block: bool,
    /// Heading level, from `- ## x`, a bare `## x` line or `heading::`.
    pub heading: Option<u8>,
    /// Properties, in file order (built-in ones included).
    pub properties: Box<[Property]>,
    /// `collapsed:: true`.
    pub collapsed: bool,
    /// `logseq.order-list-type:: number`.
    pub numbered: bool,
    /// The first line without heading marks, marker and priority, as bytes
    /// `start..end` of the first body node (Markdown), the usual case; a
    /// title the body does not hold as written (trailing blanks, an org
    /// block) is in [`Extras`]. See [`Block::title`].
    title: (u32, u32),
    /// Everything to render: the title line followed by the rest, as body nodes.
    pub body: Box<[BodyNode]>,
    /// Page names referred to by the text and the properties, in order, unique.
    pub page_refs: Box<[String]>,
    /// The block's prose as plain text; see [`Block::text`]. Empty when
    /// `text_is_body`.
    text: Box<str>,
    /// The plain text is the body's one Markdown node as written (a third of
    /// the blocks of a typical graph): kept once.
    text_is_body: bool,
    /// Page names used as `#tags` in the text (also in `page_refs`).
    pub tags: Box<[String]>,
    /// Task marker, priority, planning, id, block references and a title
    /// the body does not hold: set on few blocks.
    extras: Option<Box<Extras>>,
}

/// The fields of a [`Block`] that few blocks have.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
struct Extras {
    /// The task marker, as its place in [`MARKERS`].
    marker: Option<u8>,
    priority: Option<char>,
    scheduled: Option<Box<str>>,
    deadline: Option<Box<str>>,
    uuid: Option<Box<str>>,
    block_refs: Box<[String]>,
    /// The title, when the body does not hold it as written.
    title: Option<Box<str>>,
}

impl Block {
    /// Index of the parent block in the page's block list (`None` at the top level).
    pub fn parent(&self) -> Option<usize> {
        self.parent.map(|p| p as usize)
    }

    /// Sets the parent (the outline's), as an index into the page's block list.
    pub(crate) fn set_parent(&mut self, parent: Option<usize>) {
        self.parent = parent.and_then(|p| u32::try_from(p).ok());
    }

    /// The first line without heading marks, marker and priority (empty when the
    /// block starts with a property, a fence or an org block).
    pub fn title(&self) -> &str {
        if let Some(title) = self.extras.as_ref().and_then(|e| e.title.as_deref()) {
            return title;
        }
        let (start, end) = self.title;
        match self.body.first() {
            Some(BodyNode::Markdown(text)) => {
                text.get(start as usize..end as usize).unwrap_or_default()
            }
            _ => "",
        }
    }

    /// The block's prose as plain text (no fenced code, links as their
    /// names), for search and unlinked references.
    pub fn text(&self) -> &str {
        match (self.text_is_body, self.body.first()) {
            (true, Some(BodyNode::Markdown(text))) => text,
            _ => &self.text,
        }
    }

    /// Keeps the plain text, as a copy only when the body does not hold it as written.
    fn set_text(&mut self, text: String) {
        self.text_is_body = matches!(&*self.body, [BodyNode::Markdown(body)] if *body == text);
        self.text = if self.text_is_body { Box::default() } else { text.into_boxed_str() };
    }

    /// `TODO`, `DONE`, … when the block is a task.
    pub fn marker(&self) -> Option<&'static str> {
        MARKERS.get(usize::from(self.extras.as_ref()?.marker?)).copied()
    }

    /// `A` for `[#A]`.
    pub fn priority(&self) -> Option<char> {
        self.extras.as_ref()?.priority
    }

    /// `SCHEDULED: <…>` as written.
    pub fn scheduled(&self) -> Option<&str> {
        self.extras.as_ref()?.scheduled.as_deref()
    }

    /// `DEADLINE: <…>` as written.
    pub fn deadline(&self) -> Option<&str> {
        self.extras.as_ref()?.deadline.as_deref()
    }

    /// The `id::` UUID, lower case.
    pub fn uuid(&self) -> Option<&str> {
        self.extras.as_ref()?.uuid.as_deref()
    }

    /// Block UUIDs referred to (`((uuid))`, block embeds), lower case.
    pub fn block_refs(&self) -> &[String] {
        self.extras.as_ref().map_or(&[], |e| &e.block_refs)
    }

    /// The rarely set fields, created on first write.
    fn extras_mut(&mut self) -> &mut Extras {
        self.extras.get_or_insert_with(Box::default)
    }

    /// Keeps `title`: as a span of the first body node when it holds it at
    /// `start`, else as a copy.
    fn set_title(&mut self, title: &str, start: usize) {
        let in_body = match self.body.first() {
            Some(BodyNode::Markdown(text)) => {
                text.get(start..start + title.len()) == Some(title)
                    && u32::try_from(start + title.len()).is_ok()
            }
            _ => false,
        };
        if in_body || title.is_empty() {
            let (start, end) = if title.is_empty() { (0, 0) } else { (start, start + title.len()) };
            self.title = (start as u32, end as u32);
        } else {
            self.title = (0, 0);
            self.extras_mut().title = Some(title.into());
        }
    }

    /// Appends to `out` every field of the block but where it sits in its
    /// file (its line, parent and children), encoded: two blocks that render
    /// alike wherever they stand give the same bytes. What a block's
    /// signature is hashed from.
    pub fn content_bytes(&self, out: &mut Vec<u8>) {
        let content = (
            self.depth,
            self.pre_block,
            self.heading,
            &self.properties,
            self.collapsed,
            self.numbered,
            self.title,
            &self.body,
            &self.page_refs,
            &self.text,
            self.text_is_body,
            &self.tags,
            &self.extras,
        );
        // Encoding into a `Vec` cannot fail: its only errors are about
        // fixed-size buffers.
        let _ = postcard::to_io(&content, out);
    }

    /// Whether the block's source (title, Markdown, property values, the
    /// arguments of org blocks) contains `needle`; code is not looked at.
    pub fn source_contains(&self, needle: &str) -> bool {
        fn body_contains(body: &[BodyNode], needle: &str) -> bool {
            body.iter().any(|node| match node {
                BodyNode::Markdown(text) => text.contains(needle),
                BodyNode::Container { args, children, .. } => {
                    args.contains(needle) || body_contains(children, needle)
                }
                BodyNode::Verbatim { .. } => false,
            })
        }
        self.title().contains(needle)
            || self.properties.iter().any(|p| p.value.contains(needle))
            || body_contains(&self.body, needle)
    }
}

/// Parses one block's text (bullet and indentation already removed).
pub fn parse_block(
    content: &str,
    rel_path: &str,
    line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> Block {
    let lines: Vec<&str> = content.split('\n').collect();
    let (properties, kept) = split_properties(&lines, rel_path, line, diagnostics);
    let mut kept = kept;
    let (scheduled, deadline) = take_planning(&mut kept);
    let mut block = Block {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        depth: 0,
        parent: None,
        children: Box::default(),
        pre_block: false,
        heading: None,
        properties: properties.into_boxed_slice(),
        collapsed: false,
        numbered: false,
        title: (0, 0),
        body: Box::default(),
        page_refs: Box::default(),
        text: Box::default(),
        text_is_body: false,
        tags: Box::default(),
        extras: None,
    };
    if scheduled.is_some() || deadline.is_some() {
        let extras = block.extras_mut();
        extras.scheduled = scheduled;
        extras.deadline = deadline;
    }
    apply_builtin_properties(&mut block);
    let first_is_title = kept.first().is_some_and(|(_, l)| is_title_line(l));
    let mut title = "";
    if first_is_title {
        let (heading, rest) = split_title(kept[0].1, &mut block);
        block.heading = block.heading.or(heading);
        title = rest;
    }
    let rest = &kept[usize::from(first_is_title)..];
    let mut text = String::with_capacity(
        title.len() + 8 + rest.iter().map(|(_, l)| l.len() + 1).sum::<usize>(),
    );
    if first_is_title {
        if let Some(level) = block.heading {
            text.extend(std::iter::repeat_n('#', level.into()));
            text.push(' ');
        }
    }
    let title_start = text.len();
    text.push_str(title);
    for (k, (_, l)) in rest.iter().enumerate() {
        if first_is_title || k > 0 {
            text.push('\n');
        }
        text.push_str(l);
    }
    block.body = body::parse_body(text.trim_end()).into_boxed_slice();
    block.set_title(title, title_start);
    let analysis = super::refs::analyze(&block.body, &block.properties);
    block.page_refs = analysis.page_refs.into_boxed_slice();
    if !analysis.block_refs.is_empty() {
        block.extras_mut().block_refs = analysis.block_refs.into_boxed_slice();
    }
    block.set_text(analysis.text);
    block.tags = analysis.tags.into_boxed_slice();
    block
}

fn is_title_line(line: &str) -> bool {
    let t = line.trim_start();
    !(t.is_empty()
        || closer_for(t).is_some()
        || t.starts_with('|')
        || props::property_line(t).is_some())
}

/// Takes the block's property group out of the lines (outside fences, org
/// blocks and quotes). As in Logseq, only the first group counts; later groups
/// and lines with invalid keys are dropped, each with a warning.
/// Returns the properties and the remaining `(line offset, text)` pairs.
fn split_properties<'a>(
    lines: &[&'a str],
    rel_path: &str,
    line: usize,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<Property>, Vec<(usize, &'a str)>) {
    let mut properties: Vec<Property> = Vec::new();
    let mut kept = Vec::with_capacity(lines.len());
    let mut group = Group::NotSeen;
    let mut in_quote = false;
    let mut unclosed = HashSet::new();
    let mut drawer_unclosed = false;
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i];
        let t = l.trim_start();
        if let Some(end) = swallowed_until(lines, i, &mut unclosed) {
            kept.extend((i..=end).map(|k| (k, lines[k])));
            group = group.end();
            i = end + 1;
            continue;
        }
        if t.eq_ignore_ascii_case(":PROPERTIES:") && !drawer_unclosed {
            let end = lines[i + 1..].iter().position(|x| x.trim().eq_ignore_ascii_case(":END:"));
            drawer_unclosed = end.is_none();
            if let Some(end) = end {
                for drawer_line in &lines[i + 1..i + 1 + end] {
                    if let Some((key, value)) = drawer_property(drawer_line) {
                        properties.push(props::property(key, value));
                    }
                }
                i += end + 2;
                continue;
            }
        }
        in_quote = if t.starts_with('>') { true } else { in_quote && !t.is_empty() };
        match props::property_line(l).filter(|_| !in_quote) {
            Some((key, value)) => {
                let warn = |message: String| Diagnostic::warning(rel_path, Some(line + i), message);
                if group == Group::Done {
                    diagnostics.push(warn(format!(
                        "property `{key}` is in a second property group; Logseq ignores it"
                    )));
                } else if !props::is_valid_key(key) {
                    diagnostics.push(warn(format!(
                        "`{key}` is not a valid property name; Logseq ignores the line"
                    )));
                } else {
                    group = Group::Open;
                    let property = props::property(key, value);
                    properties.retain(|p| p.key != property.key);
                    properties.push(property);
                }
            }
            None => {
                group = group.end();
                kept.push((i, l));
            }
        }
        i += 1;
    }
    (properties, kept)
}

/// Where a block's property group stands while its lines are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    NotSeen,
    Open,
    Done,
}

impl Group {
    fn end(self) -> Group {
        if self == Group::Open { Group::Done } else { self }
    }
}

/// The last line of a closed swallowing construct (fence, org block, …) opened at line `i`.
/// `unclosed` remembers closers known to be absent from the rest of the block
/// (so a block of many unclosed openers is read once).
fn swallowed_until(lines: &[&str], i: usize, unclosed: &mut HashSet<Closer>) -> Option<usize> {
    let closer = closer_for(lines[i].trim_start())?;
    if matches!(closer, Closer::Exact(_)) || unclosed.contains(&closer) {
        return None;
    }
    match lines[i + 1..].iter().position(|x| closer.closes(x)) {
        Some(p) => Some(i + 1 + p),
        None if closer.swallows_to_end() => Some(lines.len() - 1),
        None => {
            unclosed.insert(closer);
            None
        }
    }
}

/// `:key: value` inside a `:PROPERTIES:` drawer.
fn drawer_property(line: &str) -> Option<(&str, &str)> {
    let rest = line.trim().strip_prefix(':')?;
    let (key, value) = rest.split_once(':')?;
    (!key.is_empty() && !key.contains(char::is_whitespace)).then(|| (key, value.trim()))
}

/// Removes `SCHEDULED:`/`DEADLINE:` lines and `:LOGBOOK:` drawers.
fn take_planning(lines: &mut Vec<(usize, &str)>) -> (Option<Box<str>>, Option<Box<str>>) {
    let (mut scheduled, mut deadline) = (None, None);
    let mut in_drawer = false;
    lines.retain(|(_, l)| {
        let t = l.trim();
        if in_drawer {
            in_drawer = !t.eq_ignore_ascii_case(":END:");
            return false;
        }
        if t.eq_ignore_ascii_case(":LOGBOOK:") {
            in_drawer = true;
            return false;
        }
        let mut planning = false;
        // Both keys end with `:`: lines without one (most) are passed over by one byte search.
        if !t.contains(':') {
            return true;
        }
        for (key, slot) in [("SCHEDULED:", &mut scheduled), ("DEADLINE:", &mut deadline)] {
            if let Some(pos) = find_key(t, key) {
                let rest = &t[pos + key.len()..];
                if let Some(close) = rest.find('>') {
                    let stamp = rest[..=close].trim();
                    if stamp.starts_with('<') {
                        *slot = Some(stamp.trim_matches(['<', '>']).into());
                        planning = true;
                    }
                }
            }
        }
        !planning
    });
    (scheduled, deadline)
}

/// `text.find(key)` for a `key` ending with `:`, found from the colons of `text`
/// (a substring searcher costs more to set up than the search of a short line).
fn find_key(text: &str, key: &str) -> Option<usize> {
    let name = key.strip_suffix(':')?;
    text.match_indices(':')
        .find(|&(colon, _)| text[..colon].ends_with(name))
        .map(|(colon, _)| colon - name.len())
}

fn apply_builtin_properties(block: &mut Block) {
    let mut uuid = None;
    for p in &block.properties {
        match p.key.as_str() {
            "id" if inline::is_uuid(p.value.trim()) => {
                uuid = Some(p.value.trim().to_ascii_lowercase().into_boxed_str())
            }
            "collapsed" => block.collapsed = p.value.eq_ignore_ascii_case("true"),
            "logseq.order-list-type" => block.numbered = p.value == "number",
            "heading" => {
                block.heading = match p.value.parse::<u8>() {
                    Ok(n) if (1..=6).contains(&n) => Some(n),
                    // `heading:: true` is an auto heading; the level follows the depth later.
                    _ if p.value.eq_ignore_ascii_case("true") => Some(0),
                    _ => None,
                }
            }
            _ => {}
        }
    }
    if uuid.is_some() {
        block.extras_mut().uuid = uuid;
    }
}

/// Splits the first line into heading level, marker, priority and title text.
fn split_title<'a>(line: &'a str, block: &mut Block) -> (Option<u8>, &'a str) {
    let mut rest = line.trim_start();
    let mut heading = None;
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    if hashes > 0 && (rest.len() == hashes || rest[hashes..].starts_with([' ', '\t'])) {
        heading = Some(hashes.min(6) as u8);
        rest = rest[hashes..].trim_start();
    }
    if let Some((i, marker)) = MARKERS.iter().enumerate().find(|(_, m)| {
        rest.strip_prefix(**m).is_some_and(|r| r.starts_with(' ') && !r.trim().is_empty())
    }) {
        block.extras_mut().marker = u8::try_from(i).ok();
        rest = rest[marker.len()..].trim_start();
    }
    if let Some(after) = rest.strip_prefix("[#") {
        let mut chars = after.chars();
        if let (Some(p), Some(']')) = (chars.next(), chars.next()) {
            if !p.is_whitespace() && p != ']' {
                block.extras_mut().priority = Some(p);
                rest = after[p.len_utf8() + 1..].trim_start();
            }
        }
    }
    (heading, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Block {
        parse_block(text, "t.md", 1, &mut Vec::new())
    }

    #[test]
    fn plain_text_is_kept_once_when_the_body_holds_it() {
        let plain = parse("just words here\nand a second line");
        assert_eq!(plain.text(), "just words here\nand a second line");
        assert!(plain.text_is_body && plain.text.is_empty(), "no copy of the body");
        let linked = parse("see [[Some Page]] now");
        assert_eq!(linked.text(), "see Some Page now");
        assert!(!linked.text_is_body);
        let heading = parse("## Title");
        assert_eq!(heading.text(), "Title");
        let code = parse("```sh\nls\n```");
        assert_eq!(code.text(), "", "fenced code is not prose");
    }

    #[test]
    fn properties_before_content_leave_an_empty_title() {
        let block = parse("logseq.order-list-type:: number\n```yaml\na: 1\n```");
        assert!(block.numbered);
        assert_eq!(block.title(), "");
        assert_eq!(*block.body, [BodyNode::Markdown("```yaml\na: 1\n```".into())]);
    }

    #[test]
    fn properties_after_the_title_are_removed_from_the_body() {
        let block = parse("Node graphics :\nlogseq.order-list-type:: number\ncollapsed:: true");
        assert!(block.collapsed && block.numbered);
        assert_eq!(block.title(), "Node graphics :");
        assert_eq!(*block.body, [BodyNode::Markdown("Node graphics :".into())]);
    }

    #[test]
    fn property_lines_inside_code_are_code() {
        let block = parse("```\nkey:: value\n```");
        assert!(block.properties.is_empty());
    }

    #[test]
    fn marker_priority_and_planning() {
        let block =
            parse("TODO [#A] Draft spec #writing\nSCHEDULED: <2024-01-05 Fri>\nowner:: [[Alice]]");
        assert_eq!(block.marker(), Some("TODO"));
        assert_eq!(block.priority(), Some('A'));
        assert_eq!(block.title(), "Draft spec #writing");
        assert_eq!(block.scheduled(), Some("2024-01-05 Fri"));
        assert_eq!(*block.page_refs, ["writing", "owner", "Alice"]);
    }

    #[test]
    fn a_lone_marker_is_not_a_task() {
        assert_eq!(parse("TODO").marker(), None);
        assert_eq!(parse("todo x").marker(), None);
    }

    #[test]
    fn headings_from_hashes_and_property() {
        let block = parse("## TODO Usage");
        assert_eq!(
            (block.heading, block.marker(), block.title()),
            (Some(2), Some("TODO"), "Usage")
        );
        assert_eq!(parse("Title\nheading:: 3").heading, Some(3));
        assert_eq!(parse("Title\nheading:: true").heading, Some(0));
    }

    #[test]
    fn block_uuid_is_read_from_id() {
        let block = parse("text\nid:: 65A1B2C3-0000-4000-8000-000000000001");
        assert_eq!(block.uuid(), Some("65a1b2c3-0000-4000-8000-000000000001"));
        assert_eq!(parse("text\nid:: not-a-uuid").uuid(), None);
    }

    #[test]
    fn invalid_property_keys_are_dropped_and_reported() {
        let mut diagnostics = Vec::new();
        let block = parse_block("x\n[[foo]]:: y", "p.md", 7, &mut diagnostics);
        assert!(block.properties.is_empty());
        assert!(block.page_refs.is_empty());
        assert_eq!(diagnostics[0].line, Some(8));
    }

    #[test]
    fn only_the_first_property_group_counts() {
        let mut diagnostics = Vec::new();
        let block = parse_block("t\na:: 1\ntext\nb:: 2", "p.md", 1, &mut diagnostics);
        let keys: Vec<_> = block.properties.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["a"]);
        assert_eq!(diagnostics.len(), 1);
    }

    #[test]
    fn a_quote_continues_lazily_over_property_like_lines() {
        assert!(parse("> quoted\nk:: v").properties.is_empty());
    }

    #[test]
    fn properties_drawer_is_read() {
        let block = parse("b\n:PROPERTIES:\n:foo: bar\n:END:");
        assert_eq!(block.properties[0].key, "foo");
        assert_eq!(block.properties[0].value, "bar");
    }

    #[test]
    fn priority_is_kept_as_written() {
        assert_eq!(parse("TODO [#a] x").priority(), Some('a'));
        assert_eq!(parse("TODO [#-] x").priority(), Some('-'));
    }

    #[test]
    fn the_title_is_read_from_the_body_or_kept_apart() {
        let block = parse("## TODO Usage [[k8s]]\nmore");
        assert_eq!(block.title(), "Usage [[k8s]]");
        assert!(block.extras.as_ref().is_some_and(|e| e.title.is_none()), "a span, no copy");
        // Trailing blanks are trimmed from the body, not from the title.
        let block = parse("spaced   ");
        assert_eq!(
            (block.title(), &*block.body),
            ("spaced   ", &[BodyNode::Markdown("spaced".into())][..])
        );
        assert!(block.extras.is_some_and(|e| e.title.is_some()), "kept apart");
        // A title the body reads as an org block.
        let block = parse("TODO #+BEGIN_QUOTE\nx\n#+END_QUOTE");
        assert_eq!(block.title(), "#+BEGIN_QUOTE");
        assert!(matches!(block.body[0], BodyNode::Container { .. }));
        let block = parse("heading:: true\n");
        assert_eq!(block.title(), "");
    }

    #[test]
    fn blocks_stay_small() {
        // Hundreds of thousands of blocks stay in memory for the whole build.
        assert!(std::mem::size_of::<Block>() <= 136, "{}", std::mem::size_of::<Block>());
        assert!(std::mem::size_of::<BodyNode>() <= 56, "{}", std::mem::size_of::<BodyNode>());
    }
}
