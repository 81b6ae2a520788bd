//! Phase one for Org-mode pages: headlines → blocks, each block's text in the
//! Markdown form the rest of the parser reads.
//!
//! Logseq reads `.org` files with the same block model as Markdown ones: a
//! headline (`*`, `**`, …) starts a block whose level is its star count, the
//! lines under it belong to it, `:PROPERTIES:` drawers are its properties and
//! `#+key: value` lines before the first headline are the page's properties.
//! Rather than a second block parser, each block's text is rewritten into the
//! equivalent Logseq Markdown (`key:: value` properties, `**bold**`,
//! `[label]([[page]])`, …) and handed to [`super::block::parse_block`], so
//! Org and Markdown pages share references, rendering, search and queries.
//! Block start lines are those of the Org file.

use super::outline::{self, RawBlock};

/// Org blocks whose content is kept verbatim (not Org markup).
const VERBATIM_BLOCKS: [&str; 6] = ["src", "example", "export", "comment", "query", "verse"];

/// Drawers whose content Logseq hides (everything but `:PROPERTIES:`).
fn is_drawer_line(t: &str) -> bool {
    t.len() > 2
        && t.starts_with(':')
        && t.ends_with(':')
        && t[1..t.len() - 1].chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Whether a (normalised) Org file's path names an Org page.
pub fn is_org_path(rel_path: &str) -> bool {
    rel_path.len() > 4
        && rel_path.get(rel_path.len() - 4..).is_some_and(|ext| ext.eq_ignore_ascii_case(".org"))
}

/// A headline: its star count and the text after the stars.
fn headline(line: &str) -> Option<(usize, &str)> {
    let stars = line.bytes().take_while(|&b| b == b'*').count();
    if stars == 0 {
        return None;
    }
    let rest = &line[stars..];
    if rest.is_empty() {
        return Some((stars, ""));
    }
    rest.starts_with([' ', '\t']).then(|| (stars, rest.trim_start()))
}

/// `#+BEGIN_NAME` → the lower-case name.
fn begin_name(t: &str) -> Option<String> {
    let head = t.get(..8)?;
    if !head.eq_ignore_ascii_case("#+begin_") {
        return None;
    }
    let name: String = t[8..].chars().take_while(|c| !c.is_whitespace()).collect();
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

fn is_end_of(t: &str, name: &str) -> bool {
    let end = format!("#+end_{name}");
    t.get(..end.len()).is_some_and(|head| head.eq_ignore_ascii_case(&end))
}

/// Finds closing lines (`#+END_NAME`, a drawer's `:END:`) after a line,
/// remembering the ones known to be absent from the rest of the text: a
/// text of many unclosed openers is then read once, not once per opener
/// (as the Markdown outline does).
#[derive(Default)]
struct Closers {
    absent: std::collections::HashSet<String>,
}

/// The key [`Closers`] remembers a drawer's `:END:` by (no block is named so).
const DRAWER_END: &str = ":end:";

impl Closers {
    /// Offset in `after` of the line closing `name` (a block name, or
    /// [`DRAWER_END`]).
    fn find(&mut self, after: &[&str], name: &str) -> Option<usize> {
        if self.absent.contains(name) {
            return None;
        }
        let found = after.iter().position(|l| {
            let t = l.trim();
            if name == DRAWER_END { t.eq_ignore_ascii_case(":END:") } else { is_end_of(t, name) }
        });
        if found.is_none() {
            self.absent.insert(name.to_string());
        }
        found
    }
}

/// A block as cut from the file: its start line, level and raw lines (the
/// headline text first, for headlines).
struct Segment<'a> {
    line: usize,
    level: usize,
    headline: Option<&'a str>,
    lines: Vec<&'a str>,
}

/// Splits an Org file (normalised `\n` line ends) into raw blocks, nested by
/// star count as Logseq nests Markdown blocks by indentation.
pub fn segment(text: &str) -> Vec<RawBlock> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let lines: Vec<&str> = text.split('\n').collect();
    let mut segments: Vec<Segment<'_>> = Vec::new();
    let mut closers = Closers::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some((level, title)) = headline(line) {
            segments.push(Segment { line: i + 1, level, headline: Some(title), lines: Vec::new() });
            i += 1;
            continue;
        }
        if segments.is_empty() {
            segments.push(Segment { line: 1, level: 1, headline: None, lines: Vec::new() });
        }
        let current = segments.last_mut().expect("a segment was pushed above");
        // A closed `#+BEGIN_…` block swallows headline-like lines.
        let swallowed = begin_name(line.trim_start())
            .and_then(|name| closers.find(&lines[i + 1..], &name))
            .map_or(0, |end| end + 1);
        current.lines.extend_from_slice(&lines[i..=i + swallowed]);
        i += 1 + swallowed;
    }
    let parents = outline::parents(segments.iter().map(|s| s.level));
    let mut blocks: Vec<RawBlock> = Vec::with_capacity(segments.len());
    for (seg, parent) in segments.iter().zip(parents) {
        let depth = parent.map_or(0, |p| blocks[p].depth + 1);
        let content = match seg.headline {
            Some(title) => headline_block(title, &seg.lines),
            None => pre_block(&seg.lines),
        };
        blocks.push(RawBlock {
            line: seg.line,
            parent,
            depth,
            content,
            pre_block: seg.headline.is_none(),
        });
    }
    blocks
}

/// The text before the first headline: `#+key: value` directives become page
/// properties (`key:: value`), the rest is the pre-block's body.
fn pre_block(lines: &[&str]) -> String {
    let mut properties = Vec::new();
    let mut body = Vec::new();
    let mut lines = lines;
    // A leading `:PROPERTIES:` drawer also holds page properties.
    if lines.first().is_some_and(|l| l.trim().eq_ignore_ascii_case(":PROPERTIES:")) {
        let (drawer, rest) = take_property_drawer(&lines[1..]);
        properties.extend(drawer);
        lines = rest;
    }
    let mut in_body = false;
    for line in lines {
        if !in_body {
            if let Some(property) = directive(line) {
                properties.extend(property);
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            in_body = true;
        }
        body.push(*line);
    }
    let mut out = properties.join("\n");
    let body = body_text(&body, &mut Vec::new());
    if !body.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&body);
    }
    out
}

/// `#+key: value` → `Some(Some("key:: value"))`; `#+key:` with nothing after
/// it → `Some(None)`; anything else → `None`. `#+BEGIN_…` is not a directive.
fn directive(line: &str) -> Option<Option<String>> {
    let rest = line.trim_start().strip_prefix("#+")?;
    let (key, value) = rest.split_once(':')?;
    if key.is_empty() || key.contains(char::is_whitespace) || begin_name(line.trim()).is_some() {
        return None;
    }
    let key = key.to_ascii_lowercase();
    let value = value.trim();
    if value.is_empty() {
        return Some(None);
    }
    Some(Some(match key.as_str() {
        // `#+filetags: :a:b:` are the page's tags.
        "filetags" => format!("tags:: {}", headline_tags(value).join(", ")),
        _ => format!("{key}:: {value}"),
    }))
}

/// Lines of a `:PROPERTIES:` drawer up to `:END:` as `key:: value` lines, and
/// the lines after it. An unclosed drawer is not a drawer.
fn take_property_drawer<'a, 'b>(lines: &'b [&'a str]) -> (Vec<String>, &'b [&'a str]) {
    let Some(end) = lines.iter().position(|l| l.trim().eq_ignore_ascii_case(":END:")) else {
        return (Vec::new(), lines);
    };
    let properties = lines[..end]
        .iter()
        .filter_map(|l| {
            let rest = l.trim().strip_prefix(':')?;
            let (key, value) = rest.split_once(':')?;
            let key = key.trim_end_matches('+');
            (!key.is_empty() && !key.contains(char::is_whitespace))
                .then(|| format!("{}:: {}", key.to_ascii_lowercase(), value.trim()))
        })
        .collect();
    (properties, &lines[end + 1..])
}

/// `:a:b:` → `["a", "b"]`.
fn headline_tags(text: &str) -> Vec<&str> {
    text.trim().trim_matches(':').split(':').filter(|t| !t.is_empty()).collect()
}

/// A headline block: the title line, then the properties of its drawer, then
/// the planning lines, then the body, as Logseq Markdown. Headline tags
/// (`Title :a:b:`) stay text: Logseq makes no references of them.
fn headline_block(title: &str, lines: &[&str]) -> String {
    let (prefix, text) = split_marker(title.trim_end());
    let first = not_a_property(format!("{prefix}{}", inline(text)));
    let mut planning = Vec::new();
    let mut rest = lines;
    // Planning lines and the property drawer come right after the headline, in either order.
    let mut properties = Vec::new();
    loop {
        match rest.first().map(|l| l.trim()) {
            Some(t) if is_planning(t) => {
                planning.extend(planning_lines(t));
                rest = &rest[1..];
            }
            Some(t) if t.eq_ignore_ascii_case(":PROPERTIES:") && properties.is_empty() => {
                let (drawer, after) = take_property_drawer(&rest[1..]);
                if drawer.is_empty() && after.len() == rest.len() - 1 {
                    break;
                }
                properties = drawer;
                rest = after;
            }
            _ => break,
        }
    }
    // Without a drawer under the headline, the first one further down holds
    // the properties (as Logseq reads it).
    let mut later = Vec::new();
    let mut ignored = Vec::new();
    let body = body_text(rest, if properties.is_empty() { &mut later } else { &mut ignored });
    let mut out = first;
    for line in properties.iter().chain(&later).chain(&planning) {
        out.push('\n');
        out.push_str(line);
    }
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
    }
    out
}

/// Splits `TODO [#A] rest` into the marker and priority as written and the rest.
fn split_marker(title: &str) -> (&str, &str) {
    let mut end = 0;
    let mut rest = title;
    if let Some((word, after)) = rest.split_once(' ') {
        if super::block::MARKERS.contains(&word) {
            end += word.len() + 1;
            rest = after;
        }
    }
    if rest.len() >= 4 && rest.starts_with("[#") && rest.as_bytes()[3] == b']' {
        end += 4;
        rest = &rest[4..];
        if let Some(after) = rest.strip_prefix(' ') {
            end += 1;
            rest = after;
        }
    }
    (&title[..end], rest)
}

fn is_planning(t: &str) -> bool {
    ["SCHEDULED:", "DEADLINE:", "CLOSED:"].iter().any(|k| t.starts_with(k))
}

/// The `SCHEDULED:`/`DEADLINE:` stamps of a planning line, one a line (what
/// Logseq's Markdown form holds); `CLOSED:` is dropped.
fn planning_lines(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["SCHEDULED:", "DEADLINE:"] {
        if let Some(pos) = t.find(key) {
            let rest = &t[pos + key.len()..];
            if let Some(close) = rest.find('>') {
                out.push(format!("{key} {}", rest[..=close].trim()));
            }
        }
    }
    out
}

/// The body lines of a block as Logseq Markdown: drawers dropped (the
/// first `:PROPERTIES:` one read into `properties` when that is empty),
/// comments and directives dropped, verbatim blocks kept as they are, every
/// other line's inline markup rewritten.
fn body_text(lines: &[&str], properties: &mut Vec<String>) -> String {
    let indent = common_indent(lines);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut verbatim: Option<String> = None;
    let mut drawer = false;
    let mut closers = Closers::default();
    let mut table_rows = 0usize;
    for (index, raw) in lines.iter().enumerate() {
        let line = strip_indent(raw, indent);
        let t = line.trim();
        if let Some(name) = &verbatim {
            if is_end_of(t, name) {
                verbatim = None;
            }
            out.push(line.to_string());
            continue;
        }
        if drawer {
            drawer = !t.eq_ignore_ascii_case(":END:");
            continue;
        }
        if let Some(name) = begin_name(t) {
            let closed = closers.find(&lines[index + 1..], &name).is_some();
            if closed && VERBATIM_BLOCKS.contains(&name.as_str()) {
                verbatim = Some(name);
            }
            out.push(line.to_string());
            continue;
        }
        if t.get(..6).is_some_and(|h| h.eq_ignore_ascii_case("#+end_")) {
            out.push(line.to_string());
            continue;
        }
        if is_drawer_line(t) && !t.eq_ignore_ascii_case(":END:") {
            drawer = closers.find(&lines[index + 1..], DRAWER_END).is_some();
            if drawer && properties.is_empty() && t.eq_ignore_ascii_case(":PROPERTIES:") {
                let (drawer_lines, _) = take_property_drawer(&lines[index + 1..]);
                properties.extend(drawer_lines);
            }
            if drawer {
                continue;
            }
        }
        if t == "#" || t.starts_with("# ") || directive(line).is_some() {
            continue;
        }
        if t.starts_with('|') {
            table_rows += 1;
            let row = table_row(line, table_rows, &mut out);
            out.push(row);
            continue;
        }
        table_rows = 0;
        out.push(body_line(line));
    }
    while out.last().is_some_and(|l| l.trim().is_empty()) {
        out.pop();
    }
    while out.first().is_some_and(|l| l.trim().is_empty()) {
        out.remove(0);
    }
    out.join("\n")
}

/// The smallest indentation of the non-blank lines.
fn common_indent(lines: &[&str]) -> usize {
    lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.bytes().take_while(|&b| b == b' ' || b == b'\t').count())
        .min()
        .unwrap_or(0)
}

fn strip_indent(line: &str, indent: usize) -> &str {
    let blank = line.bytes().take(indent).take_while(|&b| b == b' ' || b == b'\t').count();
    &line[blank..]
}

/// One line of an Org table as a GFM table row. GFM needs a delimiter row
/// under the first: an Org rule (`|---+---|`) there becomes one, and a table
/// without one gets one.
fn table_row(line: &str, row: usize, out: &mut Vec<String>) -> String {
    let t = line.trim();
    let is_rule = t.starts_with("|-") && t.chars().all(|c| "|-+: ".contains(c));
    let cells = |t: &str| t.trim_matches('|').split('|').count().max(1);
    if is_rule {
        let columns = out.last().map_or(1, |prev| cells(prev.trim()));
        return format!("|{}", " --- |".repeat(columns));
    }
    if row == 2 && !out.last().is_some_and(|prev| prev.contains("---")) {
        let columns = out.last().map_or(1, |prev| cells(prev.trim()));
        out.push(format!("|{}", " --- |".repeat(columns)));
    }
    let inner: Vec<String> = t.trim_matches('|').split('|').map(|c| inline(c.trim())).collect();
    format!("| {} |", inner.join(" | "))
}

/// A body line: list markers kept (`+` becomes `-`), a horizontal rule
/// (`-----`) as a Markdown one, Markdown-only line starts escaped, the rest
/// rewritten inline.
fn body_line(line: &str) -> String {
    let indent = line.len() - line.trim_start().len();
    let (lead, rest) = line.split_at(indent);
    if rest.len() >= 5 && rest.trim_end().bytes().all(|b| b == b'-') {
        return format!("{lead}***");
    }
    for marker in ["- ", "+ "] {
        if let Some(item) = rest.strip_prefix(marker) {
            return format!("{lead}- {}", inline(item));
        }
    }
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && rest[digits..].starts_with(". ") | rest[digits..].starts_with(") ") {
        return format!("{lead}{}. {}", &rest[..digits], inline(&rest[digits + 2..]));
    }
    if let Some(quoted) = rest.strip_prefix('>') {
        return format!("{lead}\\>{}", inline(quoted));
    }
    not_a_property(format!("{lead}{}", inline(rest)))
}

/// Org has no `key:: value` lines (its properties are drawers): a line that
/// reads like one stays text, its `::` escaped.
fn not_a_property(line: String) -> String {
    match super::props::property_line(&line) {
        Some((key, _)) => {
            let at = line.find(key).map_or(0, |k| k + key.len());
            format!("{}:\\:{}", &line[..at], &line[at + 2..])
        }
        None => line,
    }
}

/// Rewrites one line of Org inline markup into Logseq Markdown: emphasis,
/// verbatim and code, Org links; Logseq's own syntax (`[[page]]`, `((ref))`,
/// `{{macro}}`, `#tag`, `$math$`, URLs) is kept as written, and characters
/// that Markdown but not Org gives a meaning are escaped.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let prev = text[..i].chars().next_back();
        if let Some((len, markdown)) = link(rest) {
            out.push_str(&markdown);
            i += len;
        } else if let Some(len) = kept_span(rest, prev) {
            out.push_str(&rest[..len]);
            i += len;
        } else if let Some((len, markdown)) = emphasis(rest, prev) {
            out.push_str(&markdown);
            i += len;
        } else {
            let c = rest.chars().next().expect("i is inside the text");
            escape_char(c, prev, rest[c.len_utf8()..].chars().next(), &mut out);
            i += c.len_utf8();
        }
    }
    out
}

/// Escapes a character Markdown would read as markup where Org does not.
fn escape_char(c: char, prev: Option<char>, next: Option<char>, out: &mut String) {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    match c {
        '*' | '~' | '`' => {
            out.push('\\');
            out.push(c);
        }
        '_' if boundary(prev) || boundary(next) => out.push_str("\\_"),
        '<' if next.is_some_and(|n| n.is_ascii_alphabetic() || n == '/' || n == '!') => {
            out.push_str("\\<")
        }
        '\\' if next.is_some_and(|n| n.is_ascii_punctuation()) => out.push_str("\\\\"),
        _ => out.push(c),
    }
}

/// Length of the closing `close` of a span opened at the start of `text`
/// with `open`, nesting counted, or `None` when it is not closed.
fn closing(text: &str, open: &str, close: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if rest.starts_with(open) {
            depth += 1;
            i += open.len();
        } else if rest.starts_with(close) {
            depth -= 1;
            i += close.len();
            if depth == 0 {
                return Some(i);
            }
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    None
}

/// An Org link at the start of `text`: its length and its Markdown form.
/// `[[target][label]]` and `[[target]]`: a URL becomes a Markdown link, a
/// `file:` link the page its label names, an `id:` link a block reference,
/// a link inside the file (`*heading`, `#id`) its label, anything else a page
/// reference (as Logseq reads Org `Search` links).
fn link(text: &str) -> Option<(usize, String)> {
    if !text.starts_with("[[") {
        return None;
    }
    let len = closing(text, "[[", "]]")?;
    let inner = &text[2..len - 2];
    let (target, label) = match inner.split_once("][") {
        Some((t, l)) if !t.contains("[[") => (t, Some(l)),
        _ => (inner, None),
    };
    let target = target.trim();
    let is_url = target.split_once("://").is_some_and(|(s, _)| is_scheme(s))
        || target.starts_with("mailto:");
    let markdown = if is_url {
        match label {
            Some(label) => format!("[{}]({})", inline(label), target.replace(' ', "%20")),
            None => format!("<{target}>"),
        }
    } else if let Some(path) = asset_path(target) {
        // As in Org, an image link with a description is a link, not an image.
        let image = is_image(path) && label.is_none();
        let file_name = path.rsplit('/').next().unwrap_or(path);
        let label = match label {
            Some(label) => inline(label),
            None if image => String::new(),
            None => inline(file_name),
        };
        format!("{}[{label}]({})", if image { "!" } else { "" }, path.replace(' ', "%20"))
    } else if let Some(path) = target.strip_prefix("file:") {
        let stem = path.rsplit('/').next().unwrap_or(path);
        let stem = stem.rsplit_once('.').map_or(stem, |(s, _)| s);
        let page = label.map_or(stem.replace('.', "/"), str::to_string);
        format!("[[{}]]", page.trim())
    } else if let Some(id) = target.strip_prefix("id:") {
        match label {
            Some(label) => format!("[{}]((({})))", inline(label), id.trim()),
            None => format!("(({}))", id.trim()),
        }
    } else if target.starts_with(['*', '#', '/']) {
        inline(label.unwrap_or(target.trim_start_matches(['*', '#'])))
    } else if inner.contains("[[") {
        // Logseq's nested page name `[[a [[b]]]]`: kept as written.
        text[..len].to_string()
    } else {
        match label {
            Some(label) if label.trim() != target => {
                format!("[{}]([[{target}]])", inline(label))
            }
            _ => format!("[[{target}]]"),
        }
    };
    Some((len, markdown))
}

/// The path of a link to a file that is not a page: anything under
/// `assets/`, or a `file:` link to something other than `.org`/`.md`.
fn asset_path(target: &str) -> Option<&str> {
    let path = target.strip_prefix("file:").unwrap_or(target);
    let under_assets = path.trim_start_matches(['.', '/']).starts_with("assets/");
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    let page = extension.as_deref().is_some_and(|e| matches!(e, "org" | "md" | "markdown"));
    let other_file = target.starts_with("file:") && !page;
    (under_assets || other_file).then_some(path)
}

fn is_image(path: &str) -> bool {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(extension.as_str(), "png" | "jpg" | "jpeg" | "gif" | "svg" | "webp" | "bmp" | "avif")
}

fn is_scheme(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Logseq syntax kept as written: `((ref))`, `{{macro}}`, `$math$`, a tag,
/// a URL, a Markdown code span. Returns its length.
fn kept_span(text: &str, prev: Option<char>) -> Option<usize> {
    let word_start = prev.is_none_or(|c| c.is_whitespace() || "([{\"',".contains(c));
    if text.starts_with("((") {
        return closing(text, "((", "))");
    }
    if text.starts_with("{{") {
        return closing(text, "{{", "}}");
    }
    if let Some(rest) = text.strip_prefix("$$") {
        return rest.find("$$").map(|end| end + 4);
    }
    if let Some(rest) = text.strip_prefix('$') {
        let end = rest.find('$')?;
        let math = &rest[..end];
        let ok = !math.is_empty() && !math.starts_with(' ') && !math.ends_with(' ');
        return ok.then_some(end + 2);
    }
    if let Some(rest) = text.strip_prefix('#') {
        if !word_start {
            return None;
        }
        if rest.starts_with("[[") {
            return closing(rest, "[[", "]]").map(|len| len + 1);
        }
        let len = rest
            .char_indices()
            .find(|&(_, c)| c.is_whitespace() || ",.!?;:\"'()[]{}".contains(c))
            .map_or(rest.len(), |(i, _)| i);
        return (len > 0).then_some(len + 1);
    }
    if word_start {
        let scheme = text.split_once("://").map(|(s, _)| s).filter(|s| is_scheme(s));
        if scheme.is_some_and(|s| s.len() <= 10) {
            return Some(text.find(char::is_whitespace).unwrap_or(text.len()));
        }
    }
    None
}

/// Org emphasis at the start of `text`: `*bold*`, `/italic/`, `_underline_`,
/// `+strike+`, `=verbatim=`, `~code~`, with Org's rules for where a marker
/// may open and close. Returns its length and its Markdown form.
fn emphasis(text: &str, prev: Option<char>) -> Option<(usize, String)> {
    let marker = text.chars().next()?;
    if !"*/_+=~".contains(marker) {
        return None;
    }
    if prev.is_some_and(|c| !(c.is_whitespace() || "-('\"{[".contains(c))) {
        return None;
    }
    let body = &text[1..];
    if body.starts_with(char::is_whitespace) || body.is_empty() {
        return None;
    }
    let close = body.char_indices().find_map(|(i, c)| {
        if c != marker {
            return None;
        }
        let before = body[..i].chars().next_back()?;
        let after = body[i + c.len_utf8()..].chars().next();
        let closes = !before.is_whitespace()
            && after.is_none_or(|a| a.is_whitespace() || "-.,:!?;'\")}[\\".contains(a));
        closes.then_some(i)
    })?;
    let content = &body[..close];
    let len = close + 2;
    let markdown = match marker {
        '=' | '~' => code_span(content),
        '*' => format!("**{}**", inline(content)),
        '/' => format!("*{}*", inline(content)),
        '+' => format!("~~{}~~", inline(content)),
        _ => format!("<u>{}</u>", inline(content)),
    };
    Some((len, markdown))
}

/// A Markdown code span holding `content` as written.
fn code_span(content: &str) -> String {
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if content.starts_with('`') || content.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{content}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Vec<(usize, Option<usize>, bool, String)> {
        segment(text).into_iter().map(|b| (b.line, b.parent, b.pre_block, b.content)).collect()
    }

    #[test]
    fn headlines_nest_by_star_count() {
        let blocks = shape("* a\nbody of a\n** b\n*** c\n* d");
        assert_eq!(
            blocks,
            vec![
                (1, None, false, "a\nbody of a".into()),
                (3, Some(0), false, "b".into()),
                (4, Some(1), false, "c".into()),
                (5, None, false, "d".into()),
            ]
        );
    }

    #[test]
    fn directives_are_page_properties_in_the_pre_block() {
        let blocks = shape("#+TITLE: My Page\n#+alias: P\n#+filetags: :x:y:\n\n* first");
        assert_eq!(blocks[0], (1, None, true, "title:: My Page\nalias:: P\ntags:: x, y".into()));
        assert_eq!(blocks[1].0, 5);
    }

    #[test]
    fn property_drawer_and_planning_follow_the_title() {
        let text = "* TODO [#A] Task :work:\nSCHEDULED: <2026-12-06 Sun> DEADLINE: <2026-12-08 Tue>\n:PROPERTIES:\n:ID: 6571a0b2-0000-4000-8000-000000000001\n:END:\nbody";
        let blocks = shape(text);
        assert_eq!(
            blocks[0].3,
            "TODO [#A] Task :work:\nid:: 6571a0b2-0000-4000-8000-000000000001\nSCHEDULED: <2026-12-06 Sun>\nDEADLINE: <2026-12-08 Tue>\nbody"
        );
    }

    #[test]
    fn logbook_and_other_drawers_are_hidden() {
        let blocks = shape("* a\n:LOGBOOK:\nCLOCK: [2026-12-06 Sun 10:00]\n:END:\nkept");
        assert_eq!(blocks[0].3, "a\nkept");
    }

    #[test]
    fn src_blocks_keep_their_text_and_swallow_headlines() {
        let blocks =
            shape("* code\n#+BEGIN_SRC yaml\n* not: a headline\n*bold* no\n#+END_SRC\n* next");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].3, "code\n#+BEGIN_SRC yaml\n* not: a headline\n*bold* no\n#+END_SRC");
    }

    #[test]
    fn quote_blocks_rewrite_their_content() {
        let blocks = shape("* q\n#+BEGIN_QUOTE\nsaid /softly/\n#+END_QUOTE");
        assert_eq!(blocks[0].3, "q\n#+BEGIN_QUOTE\nsaid *softly*\n#+END_QUOTE");
    }

    #[test]
    fn emphasis_becomes_markdown() {
        assert_eq!(
            inline("*bold* /it/ _u_ +gone+ =v= ~c~"),
            "**bold** *it* <u>u</u> ~~gone~~ `v` `c`"
        );
        assert_eq!(inline("a*b*c and 2*3 = 6"), "a\\*b\\*c and 2\\*3 = 6");
        assert_eq!(inline("snake_case stays"), "snake_case stays");
        assert_eq!(inline("=a `tick`="), "`` a `tick` ``");
    }

    #[test]
    fn links_become_logseq_links() {
        assert_eq!(inline("[[Page]]"), "[[Page]]");
        assert_eq!(inline("[[Page][the label]]"), "[the label]([[Page]])");
        assert_eq!(inline("[[Page][Page]]"), "[[Page]]");
        assert_eq!(inline("[[https://x.org/a b][X]]"), "[X](https://x.org/a%20b)");
        assert_eq!(inline("[[https://x.org]]"), "<https://x.org>");
        assert_eq!(inline("[[file:../pages/my_page.org][My Page]]"), "[[My Page]]");
        assert_eq!(inline("[[id:6571a0b2-0000][see]]"), "[see](((6571a0b2-0000)))");
        assert_eq!(inline("[[*Heading][h]]"), "h");
        assert_eq!(inline("[[a [[b]]]]"), "[[a [[b]]]]");
        assert_eq!(inline("[[../assets/diagram 1.png]]"), "![](../assets/diagram%201.png)");
        assert_eq!(
            inline("[[file:../assets/paper.pdf][the paper]]"),
            "[the paper](../assets/paper.pdf)"
        );
        assert_eq!(inline("[[file:notes.txt]]"), "[notes.txt](notes.txt)");
    }

    #[test]
    fn logseq_syntax_is_kept_as_written() {
        let text =
            "#tag #[[two words]] ((6571a0b2-0000)) {{embed [[p]]}} $a_1 * b$ https://x.org/a_b_";
        assert_eq!(inline(text), text);
    }

    #[test]
    fn multibyte_text_around_markers() {
        assert_eq!(inline("D𑈚P\\Q'~"), "D𑈚P\\Q'\\~");
        assert_eq!(inline("*é* ~ü~ /日本/"), "**é** `ü` *日本*");
    }

    #[test]
    fn url_slashes_are_not_italics() {
        assert_eq!(inline("see https://a.org/x/ and /this/"), "see https://a.org/x/ and *this*");
    }

    #[test]
    fn tables_get_a_delimiter_row() {
        let blocks = shape("* t\n| a | b |\n|---+---|\n| 1 | *2* |");
        assert_eq!(blocks[0].3, "t\n| a | b |\n| --- | --- |\n| 1 | **2** |");
        let blocks = shape("* t\n| a | b |\n| 1 | 2 |");
        assert_eq!(blocks[0].3, "t\n| a | b |\n| --- | --- |\n| 1 | 2 |");
    }

    #[test]
    fn lines_that_read_like_markdown_properties_stay_text() {
        let blocks = shape("* Attendees:: \nfoo:: bar\n:PROPERTIES:\n:a: b\n:END:");
        assert_eq!(blocks[0].3, "Attendees:\\:\na:: b\nfoo:\\: bar");
    }

    #[test]
    fn only_a_closer_after_the_opener_closes_it() {
        // An `#+END_SRC` above the opener does not make it a block.
        let blocks = shape("* a\n#+END_SRC\n#+BEGIN_SRC\n*bold*");
        assert_eq!(blocks[0].3, "a\n#+END_SRC\n#+BEGIN_SRC\n**bold**");
        let blocks = shape("* a\n:END:\n:LOGBOOK:\nkept");
        assert_eq!(blocks[0].3, "a\n:END:\n:LOGBOOK:\nkept", "an unclosed drawer hides nothing");
    }

    #[test]
    fn many_unclosed_openers_are_read_in_linear_time() {
        let text = format!("* a\n{}", "#+BEGIN_SRC\n:LOGBOOK:\n".repeat(50_000));
        let blocks = segment(&text);
        assert_eq!(blocks.len(), 1);
        assert!(blocks[0].content.ends_with(":LOGBOOK:"));
    }

    #[test]
    fn comments_and_body_directives_are_dropped() {
        let blocks = shape("* a\n# a comment\n#+CAPTION: x\nkept");
        assert_eq!(blocks[0].3, "a\nkept");
    }

    #[test]
    fn lists_and_quotes_in_the_body() {
        let blocks = shape("* a\n  - one\n  + two\n    1) three\n  > not a quote");
        assert_eq!(blocks[0].3, "a\n- one\n- two\n  1. three\n\\> not a quote");
    }

    #[test]
    fn org_paths_by_extension() {
        assert!(is_org_path("pages/a.org") && is_org_path("journals/2026_12_01.ORG"));
        assert!(!is_org_path("pages/a.md") && !is_org_path(".org") && !is_org_path("pages/日本"));
    }

    #[test]
    fn blank_and_headline_only_files() {
        assert!(segment("  \n").is_empty());
        assert_eq!(shape("*"), vec![(1, None, false, String::new())]);
        assert_eq!(shape("*bold* first line").len(), 1, "bold text is not a headline");
        assert!(shape("*bold* first line")[0].2, "it is the pre-block");
    }

    #[test]
    fn skipped_levels_nest_like_markdown_indentation() {
        let blocks = segment("* a\n*** deep\n** mid\n* b");
        let parents: Vec<_> = blocks.iter().map(|b| b.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(0), None]);
    }
}
