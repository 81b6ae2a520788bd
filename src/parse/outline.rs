//! Phase one of Logseq's parse: segment a file into blocks and nest them.
//!
//! Follows mldoc + graph-parser: every `- ` bullet line and every bare
//! Markdown `# heading` line starts a block, unless it sits inside a construct
//! that swallows lines (fenced code, `#+BEGIN_…`, `$$` math, drawers, HTML
//! comments). Depth comes only from comparing the indentation of block starts
//! (`with-parent-and-left`). Iterative throughout: no recursion, so no stack
//! overflow on pathological nesting.

use std::collections::HashSet;

/// A block as cut out of the file, before its text is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct RawBlock {
    /// 1-based line of the block start.
    pub line: usize,
    /// Index of the parent in the block list, `None` for top-level blocks.
    pub parent: Option<usize>,
    /// Nesting depth, 0 for top-level blocks.
    pub depth: usize,
    /// The block's text with bullet and indentation removed.
    pub content: String,
    /// True for the text before the first block start (page properties live here).
    pub pre_block: bool,
}

/// How a line starts a block, if it does.
#[derive(Debug, PartialEq)]
struct Start<'a> {
    /// mldoc's level: indentation characters + 1.
    level: usize,
    /// The first line's content (bullet removed; a bare heading keeps its `#`s).
    first: &'a str,
    /// Characters to strip from continuation lines.
    strip: usize,
}

fn block_start(line: &str) -> Option<Start<'_>> {
    // A byte loop: a char-set trim is slow enough unoptimised to matter on deep indentation.
    let indent = line.bytes().position(|b| b != b' ' && b != b'\t').unwrap_or(line.len());
    let rest = &line[indent..];
    let level = indent + 1;
    if let Some(after) = rest.strip_prefix('-') {
        if after.is_empty() || after.starts_with([' ', '\t']) {
            let first = after.strip_prefix([' ', '\t']).unwrap_or(after);
            return Some(Start { level, first, strip: indent + 2 });
        }
        return None;
    }
    if rest.starts_with('#') {
        let after = rest.trim_start_matches('#');
        if after.is_empty() || after.starts_with([' ', '\t']) {
            return Some(Start { level: 1, first: rest, strip: indent + 2 });
        }
    }
    None
}

/// A construct that swallows the lines after its opener until its closer.
pub(crate) fn closer_for(text: &str) -> Option<Closer> {
    let t = text.trim_start();
    if t.starts_with("```") || t.starts_with("~~~") {
        return Some(Closer::Fence);
    }
    if t.get(..8).is_some_and(|head| head.eq_ignore_ascii_case("#+begin_")) {
        let name: String = t[8..].chars().take_while(|c| !c.is_whitespace()).collect();
        if !name.is_empty() {
            return Some(Closer::EndBlock(format!("#+end_{}", name.to_ascii_lowercase())));
        }
    }
    if let Some(rest) = t.strip_prefix("$$") {
        if !rest.contains("$$") {
            return Some(Closer::Contains("$$".into()));
        }
    }
    if t.starts_with("<!--") && !t.contains("-->") {
        return Some(Closer::Contains("-->".into()));
    }
    if let Some(env) =
        t.strip_prefix("\\begin{").and_then(|r| r.split_once('}')).map(|(env, _)| env)
    {
        let end = format!("\\end{{{env}}}");
        if !t.contains(&end) {
            return Some(Closer::ToEnd(end));
        }
    }
    if let Some(tag) = html_block_tag(t) {
        let end = format!("</{tag}>");
        if !t.to_ascii_lowercase().contains(&end) {
            return Some(Closer::Contains(end));
        }
    }
    let trimmed = t.trim_end();
    if trimmed.len() > 2
        && trimmed.starts_with(':')
        && trimmed.ends_with(':')
        && is_drawer_name(&trimmed[1..trimmed.len() - 1])
    {
        return Some(Closer::Exact(":END:"));
    }
    None
}

/// HTML block elements whose opening line swallows lines up to the closing tag, as in mldoc.
const HTML_BLOCK_TAGS: [&str; 24] = [
    "div",
    "details",
    "table",
    "pre",
    "p",
    "ul",
    "ol",
    "dl",
    "section",
    "article",
    "aside",
    "blockquote",
    "figure",
    "center",
    "form",
    "header",
    "footer",
    "nav",
    "iframe",
    "video",
    "audio",
    "canvas",
    "object",
    "script",
];

fn html_block_tag(line: &str) -> Option<&'static str> {
    let rest = line.strip_prefix('<')?;
    let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
    let name = &rest[..name_len];
    let after = rest[name_len..].chars().next();
    if !matches!(after, Some('>' | ' ' | '\t' | '/') | None) {
        return None;
    }
    HTML_BLOCK_TAGS.iter().copied().find(|tag| tag.eq_ignore_ascii_case(name))
}

fn is_drawer_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && name != "END"
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Closer {
    /// A fence closes at any line starting with ``` or ~~~ (mldoc accepts either).
    Fence,
    EndBlock(String),
    Contains(String),
    Exact(&'static str),
    /// A LaTeX environment: closed by its `\\end{…}`, or else by the end of the file.
    ToEnd(String),
}

impl Closer {
    pub(crate) fn closes(&self, line: &str) -> bool {
        let t = line.trim();
        match self {
            Closer::Fence => t.starts_with("```") || t.starts_with("~~~"),
            Closer::EndBlock(end) => {
                t.get(..end.len()).is_some_and(|head| head.eq_ignore_ascii_case(end))
            }
            Closer::Contains(c) => t.to_ascii_lowercase().contains(c.as_str()),
            Closer::Exact(e) => t.eq_ignore_ascii_case(e),
            Closer::ToEnd(end) => t.contains(end.as_str()),
        }
    }

    /// Whether an unclosed construct swallows the rest of the file (mldoc does so for LaTeX environments).
    pub(crate) fn swallows_to_end(&self) -> bool {
        matches!(self, Closer::ToEnd(_))
    }
}

/// Lines `from..` up to and including the closer of the construct opened by
/// `opener`, or 0 if it is never closed (an unclosed construct swallows nothing).
/// `unclosed` remembers closers already known to be absent from the rest of
/// the file, so a file of unclosed fences is read once, not once per fence.
fn swallowed_lines(
    lines: &[&str],
    from: usize,
    opener: &str,
    unclosed: &mut HashSet<Closer>,
) -> usize {
    let Some(closer) = closer_for(opener) else { return 0 };
    let found = if unclosed.contains(&closer) {
        None
    } else {
        lines[from..].iter().position(|line| closer.closes(line))
    };
    match found {
        Some(offset) => offset + 1,
        None if closer.swallows_to_end() => lines.len() - from,
        None => {
            unclosed.insert(closer);
            0
        }
    }
}

/// Strips the continuation indentation Logseq adds under a bullet (§2.6).
fn strip_continuation(line: &str, strip: usize) -> &str {
    let mut chars = line.char_indices();
    for _ in 0..strip {
        match chars.next() {
            Some((_, ' ' | '\t')) => {}
            Some(_) => return line.trim_start(),
            None => return "",
        }
    }
    match chars.next() {
        Some((i, _)) => &line[i..],
        None => "",
    }
}

struct Segment<'a> {
    line: usize,
    level: usize,
    strip: usize,
    lines: Vec<&'a str>,
    pre_block: bool,
}

/// Splits normalised text (`\n` line ends) into raw blocks, nested.
pub fn segment(text: &str) -> Vec<RawBlock> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut segments: Vec<Segment<'_>> = Vec::new();
    let mut unclosed = HashSet::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        let (opener, is_start) = match block_start(line) {
            Some(start) => {
                segments.push(Segment {
                    line: i + 1,
                    level: start.level,
                    strip: start.strip,
                    lines: vec![start.first],
                    pre_block: false,
                });
                (start.first, true)
            }
            None => {
                if segments.is_empty() {
                    segments.push(Segment {
                        line: 1,
                        level: 1,
                        strip: 0,
                        lines: vec![],
                        pre_block: true,
                    });
                }
                (line, false)
            }
        };
        let current = segments.last_mut().expect("a segment was pushed above");
        if !is_start {
            current.lines.push(line);
        }
        let swallowed = swallowed_lines(&lines, i + 1, opener, &mut unclosed);
        current.lines.extend_from_slice(&lines[i + 1..i + 1 + swallowed]);
        i += 1 + swallowed;
    }
    nest(segments)
}

fn nest(segments: Vec<Segment<'_>>) -> Vec<RawBlock> {
    let parents_of = parents(segments.iter().map(|s| s.level));
    let mut blocks: Vec<RawBlock> = Vec::with_capacity(segments.len());
    for (seg, parent) in segments.iter().zip(parents_of) {
        let depth = parent.map_or(0, |p: usize| blocks[p].depth + 1);
        blocks.push(RawBlock {
            line: seg.line,
            parent,
            depth,
            content: block_text(seg),
            pre_block: seg.pre_block,
        });
    }
    blocks
}

/// The parent of each block, from the blocks' levels in document order
/// (graph-parser's `with-parent-and-left`): indentation for Markdown, star
/// count for Org.
pub(crate) fn parents(levels: impl Iterator<Item = usize>) -> Vec<Option<usize>> {
    let mut parents: Vec<Option<usize>> = Vec::new();
    // Open ancestors: (block index, level).
    let mut open: Vec<(usize, usize)> = Vec::new();
    for mut level in levels {
        let parent = place(&mut open, &mut level, &parents);
        open.push((parents.len(), level));
        parents.push(parent);
    }
    parents
}

/// Finds the parent for a block at `level` and trims `open` to its ancestors.
fn place(
    open: &mut Vec<(usize, usize)>,
    level: &mut usize,
    parents: &[Option<usize>],
) -> Option<usize> {
    loop {
        let &(last, last_level) = open.last()?;
        if *level == last_level {
            open.pop();
            return parents[last];
        }
        if *level > last_level {
            return Some(last);
        }
        if open.iter().any(|&(_, l)| l == *level) {
            while open.last().is_some_and(|&(_, l)| l > *level) {
                open.pop();
            }
            continue;
        }
        // No open ancestor at this level: become a sibling of the first
        // ancestor deeper than `level`, taking its level.
        let split = open.iter().position(|&(_, l)| l > *level).unwrap_or(open.len());
        let (left, left_level) = open[split];
        *level = left_level;
        open.truncate(split);
        return parents[left];
    }
}

fn block_text(seg: &Segment<'_>) -> String {
    let mut out = String::new();
    for (k, line) in seg.lines.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        if k == 0 || seg.pre_block {
            out.push_str(line);
        } else {
            out.push_str(strip_continuation(line, seg.strip));
        }
    }
    trim_trailing_blank_lines(out)
}

fn trim_trailing_blank_lines(mut text: String) -> String {
    while let Some(pos) = text.rfind('\n') {
        if text[pos + 1..].trim().is_empty() {
            text.truncate(pos);
        } else {
            break;
        }
    }
    if text.trim().is_empty() {
        text.clear();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Vec<(usize, Option<usize>, String)> {
        segment(text).into_iter().map(|b| (b.depth, b.parent, b.content)).collect()
    }

    #[test]
    fn tabs_nest_and_continuations_are_stripped() {
        let blocks = shape("- a\n  a2\n\t- b\n\t  b2\n\t\t- c\n- d");
        assert_eq!(
            blocks,
            vec![
                (0, None, "a\na2".into()),
                (1, Some(0), "b\nb2".into()),
                (2, Some(1), "c".into()),
                (0, None, "d".into()),
            ]
        );
    }

    #[test]
    fn snap_to_sibling_when_no_ancestor_has_the_level() {
        // The worked example of logseq-format.md §2.2.
        let blocks = segment("- a\n    - b\n  - c\n\t- d\n- e");
        let parents: Vec<_> = blocks.iter().map(|b| b.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(0), Some(0), None]);
    }

    #[test]
    fn first_block_already_indented_is_top_level() {
        let blocks = segment("\t- a\n\t\t- b");
        assert_eq!(blocks[0].parent, None);
        assert_eq!(blocks[1].parent, Some(0));
    }

    #[test]
    fn fences_swallow_bullets_and_keep_relative_indent() {
        let blocks =
            shape("- code:\n\t- ```yaml\n\t  items:\n\t    - a\n\t  - b\n\t  ```\n\t- after");
        assert_eq!(blocks.len(), 3);
        assert_eq!(blocks[1].2, "```yaml\nitems:\n  - a\n- b\n```");
        assert_eq!(blocks[2].2, "after");
    }

    #[test]
    fn unclosed_fence_swallows_nothing() {
        assert_eq!(segment("- ```\n- b").len(), 2);
    }

    #[test]
    fn org_blocks_swallow_bullets() {
        let blocks = shape("- q\n  #+BEGIN_QUOTE\n  - not a block\n  #+end_quote\n- next");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].2, "q\n#+BEGIN_QUOTE\n- not a block\n#+end_quote");
    }

    #[test]
    fn bare_heading_in_a_continuation_starts_a_top_level_block() {
        let blocks = shape("- parent\n\t- child\n\t  ## oops\n\t- child2");
        assert_eq!(blocks[2], (0, None, "## oops".into()));
        assert_eq!(blocks[3].1, Some(2), "child2 now nests under the heading");
    }

    #[test]
    fn text_before_the_first_bullet_is_the_pre_block() {
        let blocks = segment("title:: X\ntags:: a\n\n- first");
        assert!(blocks[0].pre_block);
        assert_eq!(blocks[0].content, "title:: X\ntags:: a");
        assert_eq!(blocks[1].content, "first");
        assert_eq!(blocks[1].parent, None);
    }

    #[test]
    fn dash_without_space_is_text_and_lone_dash_is_an_empty_block() {
        let blocks = shape("- a\n  -foo\n-\n- -x");
        assert_eq!(
            blocks,
            vec![(0, None, "a\n-foo".into()), (0, None, "".into()), (0, None, "-x".into())]
        );
    }

    #[test]
    fn hash_tag_at_line_start_is_not_a_heading() {
        assert_eq!(segment("- a\n  #tag b").len(), 1);
        assert_eq!(segment("- a\n  # b").len(), 2);
    }

    #[test]
    fn multibyte_text_never_panics() {
        assert_eq!(segment("- 中文中文\n  #+BEGIN_QUOTE\n  中文中文\n  #+END_QUOTE").len(), 1);
        assert_eq!(segment("- é\n  :é:\n- ü").len(), 2);
    }

    #[test]
    fn a_fence_closes_with_either_marker() {
        assert_eq!(segment("- a\n  ```\n- b\n  ~~~\n- c").len(), 2);
    }

    #[test]
    fn html_blocks_and_latex_environments_swallow_lines() {
        assert_eq!(segment("- a\n  <div>\n  - x\n  </div>\n- b").len(), 2);
        assert_eq!(segment("- a\n  \\begin{equation}\n  - x\n  \\end{equation}").len(), 1);
        assert_eq!(
            segment("- a\n\\begin{x}\n- b\n- c").len(),
            1,
            "an unclosed environment swallows the rest"
        );
    }

    #[test]
    fn blank_files_have_no_blocks() {
        assert!(segment("").is_empty());
        assert!(segment("\n\t\n").is_empty());
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let text: String = (0..10_000).map(|d| format!("{}- x\n", "\t".repeat(d))).collect();
        let blocks = segment(&text);
        assert_eq!(blocks.len(), 10_000);
        assert_eq!(blocks[9_999].depth, 9_999);
    }
}
