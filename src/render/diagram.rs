//! RENDER: box-and-arrow ASCII drawings found in code fences, whatever the
//! fence language says (Logseq users often put them in ```` ```yaml ````).
//!
//! [`is_diagram`] recognises a drawing from evidence of boxes (`+---+` or
//! `┌───┐` edges, `|` borders aligned across lines, arrows) on lines made
//! mostly of drawing characters. [`render_diagram`] shows it as preformatted
//! text, never highlighted:
//!
//! ```html
//! <figure class="diagram">
//!   <figcaption>Kubernetes Node Diagram</figcaption>   <!-- only with a title line -->
//!   <pre class="diagram-text" role="img" aria-label="…">…drawing…</pre>
//! </figure>
//! ```
//!
//! CSS must style `figure.diagram`, its `figcaption` and `pre.diagram-text`
//! (`white-space: pre`, no wrapping, `overflow-x: auto` so a phone can scroll
//! it sideways). svgbob was tried and not used: it turns `(`, `)` and `-`
//! inside labels into strokes that overwrite letters of the sample drawings.

use crate::render::escape::push_escaped;

/// Box-drawing horizontals (ASCII and Unicode, solid and dashed).
fn is_horizontal(c: char) -> bool {
    matches!(c, '-' | '=' | '─' | '━' | '═' | '┄' | '┅' | '┈' | '┉' | '╌' | '╍')
}

/// Unicode box-drawing verticals (solid and dashed).
fn is_unicode_vertical(c: char) -> bool {
    matches!(c, '│' | '┃' | '║' | '┆' | '┇' | '┊' | '┋' | '╎' | '╏')
}

/// Corners and junctions: the ends of a box edge (`+`, `.`, `'`, `┌`, `┼`…).
fn is_corner(c: char) -> bool {
    let unicode_box = ('\u{2500}'..='\u{257F}').contains(&c);
    matches!(c, '+' | '.' | '\'') || (unicode_box && !is_horizontal(c) && !is_unicode_vertical(c))
}

/// Vertical borders, and corners, which continue them.
fn is_border(c: char) -> bool {
    c == '|' || is_unicode_vertical(c) || (c != '.' && c != '\'' && is_corner(c))
}

/// Arrow glyphs that count as arrows on their own (`→`, `▶`, `▼`…).
fn is_arrow_glyph(c: char) -> bool {
    ('\u{2190}'..='\u{21FF}').contains(&c) || ('\u{25B2}'..='\u{25C5}').contains(&c)
}

/// Characters that make up a drawing (a line of only these and spaces is drawing).
fn is_drawing_char(c: char) -> bool {
    matches!(c, ' ' | '|' | '<' | '>' | '^' | 'v' | '/' | '\\' | '_' | '*' | ':' | '#' | '~' | '`')
        || is_horizontal(c)
        || is_corner(c)
        || is_unicode_vertical(c)
        || is_arrow_glyph(c)
}

/// Share of non-blank lines that may be plain text (titles, labels) in a drawing.
const MAX_TEXT_PERCENT: usize = 40;

/// Whether `code` is an ASCII (or Unicode box) drawing rather than code.
pub fn is_diagram(code: &str) -> bool {
    let ascii_border = code.as_bytes().contains(&b'|');
    if !ascii_border && (code.is_ascii() || !code.chars().any(is_unicode_vertical)) {
        return false;
    }
    let total = code.lines().filter(|l| !l.trim().is_empty()).count();
    if total < 3 {
        return false;
    }
    let max_text = total * MAX_TEXT_PERCENT / 100;
    let mut evidence = Evidence::default();
    let (mut prev, mut cur) = (Vec::new(), Vec::new());
    for line in code.lines().map(str::trim_end) {
        column_marks(line, &mut cur);
        evidence.add_line(line, &prev, &cur);
        if evidence.text_lines > max_text {
            return false;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    evidence.is_drawing()
}

/// What the lines of a candidate drawing have shown so far.
#[derive(Default, Debug)]
struct Evidence {
    /// Lines that are neither drawing nor blank.
    text_lines: usize,
    /// Lines with a `+---+` / `┌───┐` edge between two corners.
    corner_edges: usize,
    /// Lines made only of dashes (boxes drawn without corners).
    bare_edges: usize,
    /// Lines with a border continuing one on the line above.
    aligned: usize,
    /// Lines that start and end with a border (`| label |`).
    box_rows: usize,
    /// Arrows: `-->`, `<--`, `==>`, arrow glyphs, `v` under `|`, `|` under `^`.
    arrows: usize,
}

impl Evidence {
    /// Tallies one line (`prev`/`cur`: column marks of the previous line and this one).
    fn add_line(&mut self, line: &str, prev: &[Mark], cur: &[Mark]) {
        let text = line.trim_start();
        if text.is_empty() {
            return;
        }
        match line_kind(text) {
            LineKind::Text => self.text_lines += 1,
            LineKind::BoxRow => self.box_rows += 1,
            LineKind::Drawing => {}
        }
        self.corner_edges += usize::from(has_corner_edge(text));
        self.bare_edges += usize::from(is_bare_edge(text));
        self.arrows += count_arrows(text);
        let (aligned, arrows) = compare_marks(prev, cur);
        self.aligned += usize::from(aligned);
        self.arrows += arrows;
    }

    /// Boxes with aligned sides, or corner-less boxes joined by arrows.
    fn is_drawing(&self) -> bool {
        let boxes = self.corner_edges >= 2 && self.aligned >= 2;
        let bare = self.bare_edges >= 2 && self.box_rows >= 1 && self.arrows >= 1;
        boxes || bare
    }
}

/// How a (trimmed, non-blank) line relates to a drawing.
enum LineKind {
    /// Starts and ends with a border: a row of a box.
    BoxRow,
    /// Only drawing characters, or a border at one end (a connector with a label).
    Drawing,
    /// Anything else: words, code.
    Text,
}

/// Classifies a trimmed, non-blank line.
fn line_kind(text: &str) -> LineKind {
    let border = |c: Option<char>| c.is_some_and(is_border);
    let (starts, ends) = (border(text.chars().next()), border(text.chars().next_back()));
    if starts && ends && text.chars().count() > 1 {
        LineKind::BoxRow
    } else if starts || ends || text.chars().all(is_drawing_char) {
        LineKind::Drawing
    } else {
        LineKind::Text
    }
}

/// A run of at least three horizontals between two corners (`+---+`, `┌───┐`).
fn has_corner_edge(text: &str) -> bool {
    let mut run: Option<usize> = None;
    for c in text.chars() {
        if is_horizontal(c) {
            run = run.map(|n| n + 1);
        } else if is_corner(c) {
            if run.is_some_and(|n| n >= 3) {
                return true;
            }
            run = Some(0);
        } else {
            run = None;
        }
    }
    false
}

/// Dashes (and spaces/corners) only, with a run of three or more.
fn is_bare_edge(text: &str) -> bool {
    text.chars().all(|c| c == ' ' || c == '_' || is_horizontal(c) || is_corner(c))
        && (text.contains("---") || text.contains("___") || text.contains("───"))
}

/// Horizontal arrows and arrow glyphs on one line.
fn count_arrows(text: &str) -> usize {
    let ascii = if text.contains("--") || text.contains("==") {
        ["-->", "<--", "==>", "<=="].iter().map(|a| text.matches(a).count()).sum()
    } else {
        0
    };
    let glyphs =
        if text.is_ascii() { 0 } else { text.chars().filter(|&c| is_arrow_glyph(c)).count() };
    ascii + glyphs
}

/// A character of interest at a column: a border, or an isolated `v`/`^`.
#[derive(Clone, Copy, PartialEq, Debug)]
enum MarkKind {
    /// `|`, `+` or a Unicode vertical/corner.
    Border,
    /// A lone `v` (arrow head pointing down).
    Down,
    /// A lone `^` (arrow head pointing up).
    Up,
}

/// A [`MarkKind`] at a character column.
type Mark = (usize, MarkKind);

/// Fills `marks` with the borders and lone arrow heads of `line`, by column.
fn column_marks(line: &str, marks: &mut Vec<Mark>) {
    marks.clear();
    let mut before = ' ';
    let mut chars = line.chars().enumerate().peekable();
    while let Some((col, c)) = chars.next() {
        let after = chars.peek().map_or(' ', |&(_, c)| c);
        let lone = before == ' ' && after == ' ';
        let kind = match c {
            'v' if lone => Some(MarkKind::Down),
            '^' if lone => Some(MarkKind::Up),
            _ if is_border(c) => Some(MarkKind::Border),
            _ => None,
        };
        if let Some(kind) = kind {
            marks.push((col, kind));
        }
        before = c;
    }
}

/// Whether a border continues one above, and how many vertical arrows end here.
fn compare_marks(prev: &[Mark], cur: &[Mark]) -> (bool, usize) {
    let (mut aligned, mut arrows) = (false, 0);
    let mut above = prev.iter().peekable();
    for &(col, kind) in cur {
        while above.next_if(|&&(c, _)| c < col).is_some() {}
        let Some(&&(c, up)) = above.peek() else { break };
        if c != col {
            continue;
        }
        match (up, kind) {
            (MarkKind::Border, MarkKind::Border) => aligned = true,
            (MarkKind::Border, MarkKind::Down) | (MarkKind::Up, MarkKind::Border) => arrows += 1,
            _ => {}
        }
    }
    (aligned, arrows)
}

/// The HTML figure for a drawing: its title line (if any) as `<figcaption>`,
/// the rest as escaped preformatted text (common indentation, trailing spaces
/// and surrounding blank lines removed; nothing else touched).
pub fn render_diagram(code: &str) -> String {
    let (title, drawing) = split_title(code);
    let mut html = String::with_capacity(code.len() + 160);
    html.push_str("<figure class=\"diagram\">");
    if let Some(title) = title {
        html.push_str("<figcaption>");
        push_escaped(&mut html, title);
        html.push_str("</figcaption>");
    }
    html.push_str("<pre class=\"diagram-text\" role=\"img\" aria-label=\"");
    push_escaped(&mut html, title.unwrap_or("Diagram"));
    html.push_str("\">");
    push_drawing(&mut html, drawing);
    html.push_str("</pre></figure>");
    html
}

/// Splits off the first non-blank line when it is a title: `# Title`, or a
/// short unindented text line without drawing characters.
fn split_title(code: &str) -> (Option<&str>, &str) {
    let mut rest = code;
    while let Some((line, after)) = rest.split_once('\n') {
        if !line.trim().is_empty() {
            break;
        }
        rest = after;
    }
    let (first, after) = rest.split_once('\n').unwrap_or((rest, ""));
    let first = first.trim_end();
    let heading = first.trim_start_matches('#');
    if heading.len() < first.len() && heading.starts_with(' ') && is_heading_text(heading.trim()) {
        return (Some(heading.trim()), after);
    }
    if is_title_text(first) { (Some(first), after) } else { (None, rest) }
}

/// The text of a `# heading` line: words, not part of a drawing.
fn is_heading_text(text: &str) -> bool {
    text.len() <= 120
        && text.starts_with(char::is_alphanumeric)
        && !text.contains(['|', '+'])
        && !text.contains("--")
}

/// A short unindented line of words (no drawing characters, no wide gaps).
fn is_title_text(line: &str) -> bool {
    let plain = |c: char| c.is_alphanumeric() || " ,;:()&'\"?!./-".contains(c);
    line.len() <= 80
        && line.starts_with(char::is_alphanumeric)
        && !line.contains("   ")
        && !line.contains("--")
        && !line.contains("->")
        && line.chars().all(plain)
}

/// Appends the drawing's lines, escaped, dedented and without trailing blanks.
fn push_drawing(html: &mut String, drawing: &str) {
    let lines: Vec<&str> = drawing.lines().map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty()).unwrap_or(lines.len());
    let last = lines.iter().rposition(|l| !l.is_empty()).map_or(first, |i| i + 1);
    let lines = &lines[first..last];
    let indent = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            html.push('\n');
        }
        push_escaped(html, line.get(indent..).unwrap_or(""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE: &str = include_str!("../../tests/fixtures/code/node_diagram.txt");
    const WORKFLOW: &str = include_str!("../../tests/fixtures/code/workflow_diagram.txt");
    const KEEPALIVED: &str = include_str!("../../tests/fixtures/code/keepalived_diagram.txt");
    const EXAMPLE2: &str = include_str!("../../tests/fixtures/code/yaml_example2.yaml");
    const SELECTORS: &str = include_str!("../../tests/fixtures/code/yaml_selector_examples.yaml");
    const AFFINITY: &str = include_str!("../../tests/fixtures/code/yaml_affinity_tabs.yaml");
    const REDIS: &str = include_str!("../../tests/fixtures/code/yaml_redis_marked.yaml");

    #[test]
    fn sample_diagrams_are_recognised() {
        for code in [NODE, WORKFLOW, KEEPALIVED] {
            assert!(is_diagram(code), "{code}");
        }
    }

    #[test]
    fn sample_yaml_fences_are_not_diagrams() {
        for code in [EXAMPLE2, SELECTORS, AFFINITY, REDIS] {
            assert!(!is_diagram(code), "{code}");
        }
    }

    #[test]
    fn unicode_box_drawing_is_recognised() {
        let code = "┌──────┐     ┌──────┐\n│ web  │ ──▶ │ db   │\n└──────┘     └──────┘\n";
        assert!(is_diagram(code));
    }

    #[test]
    fn cornerless_boxes_with_arrows_are_recognised() {
        let code =
            " --------        --------\n| client | --> | server |\n --------        --------\n";
        assert!(is_diagram(code));
    }

    #[test]
    fn single_box_with_vertical_arrow_is_recognised() {
        let code = "+-------+\n| start |\n+-------+\n    |\n    v\n+-------+\n|  end  |\n+-------+";
        assert!(is_diagram(code));
    }

    #[test]
    fn markdown_table_is_not_a_diagram() {
        let code = "| Name | Value |\n|------|-------|\n| a    | 1     |\n| b    | 2     |\n";
        assert!(!is_diagram(code));
        let aligned = "| Name | Value |\n|:----:|------:|\n| a | 1 |\n";
        assert!(!is_diagram(aligned));
    }

    #[test]
    fn org_table_is_not_a_diagram() {
        let code = "| a | b | c |\n|---+---+---|\n| 1 | 2 | 3 |\n| 4 | 5 | 6 |\n";
        assert!(!is_diagram(code));
    }

    #[test]
    fn rust_code_is_not_a_diagram() {
        let code = "fn main() -> Result<(), Error> {\n    let v: Vec<_> = xs.iter().map(|x| x + 1).collect();\n    match v.len() {\n        0 | 1 => {}\n        _ => println!(\"{}\", v.len()),\n    }\n    let ok = a || b;\n    Ok(())\n}\n";
        assert!(!is_diagram(code));
    }

    #[test]
    fn shell_pipelines_are_not_diagrams() {
        let code = "kubectl get pods -A | grep -v Running | awk '{print $2}'\ncat x.log | sort | uniq -c\nps aux | grep kube | head\n";
        assert!(!is_diagram(code));
    }

    #[test]
    fn json_and_yaml_documents_are_not_diagrams() {
        let json = "{\n  \"a\": \"x|y\",\n  \"b\": [1, 2],\n  \"c\": \"+---+\"\n}\n";
        assert!(!is_diagram(json));
        let docs = "---\nkind: A\nvalue: \"a | b\"\n---\nkind: B\nrun: |\n  echo hi\n---\n";
        assert!(!is_diagram(docs));
    }

    #[test]
    fn code_with_a_banner_comment_is_not_a_diagram() {
        let code = "# +-----------------+\n# |  Helpers        |\n# +-----------------+\ndef a(x):\n    return x | 1\n\ndef b(y):\n    return y\n\nprint(a(1), b(2))\n";
        assert!(!is_diagram(code));
    }

    #[test]
    fn html_comments_and_short_snippets_are_not_diagrams() {
        assert!(!is_diagram("<!-- a --> | b\n<!-- c --> | d\n<p>x</p>\n"));
        assert!(!is_diagram("+---+\n| a |\n"));
        assert!(!is_diagram(""));
    }

    #[test]
    fn directory_tree_is_not_a_diagram() {
        let code = ".\n├── Cargo.toml\n├── src\n│   ├── lib.rs\n│   └── main.rs\n└── tests\n";
        assert!(!is_diagram(code));
    }

    #[test]
    fn haskell_guards_and_elixir_pipes_are_not_diagrams() {
        let haskell = "sign x\n  | x > 0     = 1\n  | x < 0     = -1\n  | otherwise = 0\n";
        assert!(!is_diagram(haskell));
        let elixir = "\"hello\"\n|> String.upcase()\n|> IO.puts()\n";
        assert!(!is_diagram(elixir));
    }

    #[test]
    fn sql_result_grid_counts_as_a_drawing() {
        // A boxed result table is drawn like a diagram and reads best unhighlighted.
        let code =
            "+----+-------+\n| id | name  |\n+----+-------+\n|  1 | alice |\n+----+-------+\n";
        assert!(is_diagram(code));
    }

    #[test]
    fn node_diagram_title_becomes_caption() {
        let html = render_diagram(NODE);
        assert!(html.starts_with(
            "<figure class=\"diagram\"><figcaption>Kubernetes Node Diagram</figcaption>"
        ));
        assert!(html.contains("<pre class=\"diagram-text\" role=\"img\" aria-label=\"Kubernetes Node Diagram\">Control Node"));
        assert!(!html.contains("# Kubernetes"));
        assert!(html.ends_with("+------------------------------------+</pre></figure>"));
    }

    #[test]
    fn workflow_keeps_trigger_line_in_drawing() {
        let html = render_diagram(WORKFLOW);
        assert!(html.contains("<figcaption>Kubernetes Cluster Workflow Diagram</figcaption>"));
        assert!(html.contains("\">Trigger: kubectl apply -&gt; apiserver"));
        assert!(html.contains("|----&gt;  etcd"));
        assert!(html.contains("|&lt;--------+"));
    }

    #[test]
    fn untitled_drawing_is_dedented_but_keeps_its_shape() {
        let html = render_diagram(KEEPALIVED);
        assert!(!html.contains("<figcaption>"));
        assert!(html.contains("aria-label=\"Diagram\">          +--------------------+\n"));
        let body = html.split_once("\">").map(|(_, b)| b).unwrap_or_default();
        assert!(
            body.contains("\n+---------------+        +---------------+      +---------------+\n")
        );
        assert!(!body.contains(" \n"), "trailing spaces are trimmed");
    }

    #[test]
    fn drawing_text_is_escaped() {
        let html = render_diagram("# A <b> & \"c\"\n+---+\n|<i>|\n+---+\n");
        assert!(html.contains("<figcaption>A &lt;b&gt; &amp; &quot;c&quot;</figcaption>"));
        assert!(html.contains("|&lt;i&gt;|"));
        assert!(!html.contains("<i>"));
    }

    #[test]
    fn short_plain_first_line_is_a_title() {
        let html = render_diagram("Request flow\n+---+   +---+\n| a |-->| b |\n+---+   +---+\n");
        assert!(html.contains("<figcaption>Request flow</figcaption>"));
        let labels = render_diagram("Client      Server\n+---+   +---+\n");
        assert!(!labels.contains("<figcaption>"));
    }

    #[test]
    fn heading_title_after_blank_lines_is_found() {
        let html = render_diagram("\n  \n## HA setup - overview\n+---+\n| a |\n+---+\n");
        assert!(html.contains("<figcaption>HA setup - overview</figcaption>"), "{html}");
    }

    #[test]
    fn hash_rows_of_a_drawing_are_not_titles() {
        let html = render_diagram("#########\n#  box  #\n#########\n");
        assert!(!html.contains("<figcaption>"));
        assert!(html.contains("\">#########\n#  box  #"), "{html}");
        let banner = render_diagram("# +----+\n# | ab |\n# +----+\n");
        assert!(!banner.contains("<figcaption>"), "{banner}");
    }

    #[test]
    fn whitespace_only_input_does_not_panic() {
        for code in ["", "\n\n", "   \n\t\n", "#", "# \n", "é\u{301}|\n"] {
            let _ = render_diagram(code);
            let _ = is_diagram(code);
        }
    }
}
