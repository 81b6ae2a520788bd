//! RENDER: syntax highlighting of code blocks (syntect + two-face), class-based.
//!
//! The syntax set is loaded once from two-face's precompiled dump and shared
//! by every render thread ([`highlighter`]). Output is class-based HTML: every
//! token is a `<span>` whose classes are the scope atoms prefixed with `hl-`
//! (`source.yaml` → `hl-source hl-yaml`); [`stylesheet`] gives the matching
//! CSS for a light and a dark theme, scoped to `.code` blocks.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use syntect::highlighting::Theme;
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::{SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder};
use syntect::util::LinesWithEndings;
use two_face::theme::EmbeddedThemeName;

use crate::render::escape::escape_html;

/// Class style of every highlighted span (`hl-` + scope atom).
const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Code larger than this is shown as plain text (keeps builds fast).
const MAX_CODE_BYTES: usize = 512 * 1024;

/// A line longer than this (minified JSON, base64…) disables highlighting.
const MAX_LINE_BYTES: usize = 16 * 1024;

/// Theme used by default and under `[data-theme=light]`.
const LIGHT_THEME: EmbeddedThemeName = EmbeddedThemeName::Github;

/// Theme used under a dark colour-scheme preference and `[data-theme=dark]`.
const DARK_THEME: EmbeddedThemeName = EmbeddedThemeName::OneHalfDark;

/// Syntax name that fence aliases written by Logseq users resolve to.
const ALIASES: &[(&str, &str)] = &[
    ("sh", "Bourne Again Shell (bash)"),
    ("shell", "Bourne Again Shell (bash)"),
    ("bash", "Bourne Again Shell (bash)"),
    ("zsh", "Bourne Again Shell (bash)"),
    ("console", "Bourne Again Shell (bash)"),
    ("shellsession", "Bourne Again Shell (bash)"),
    ("terminal", "Bourne Again Shell (bash)"),
    ("yml", "YAML"),
    ("js", "JavaScript"),
    ("javascript", "JavaScript"),
    ("node", "JavaScript"),
    ("ts", "TypeScript"),
    ("py", "Python"),
    ("python3", "Python"),
    ("rs", "Rust"),
    ("golang", "Go"),
    ("docker", "Dockerfile"),
    ("dockerfile", "Dockerfile"),
    ("containerfile", "Dockerfile"),
    ("clj", "Clojure"),
    ("cljs", "Clojure"),
    ("cljc", "Clojure"),
    ("edn", "Clojure"),
    ("clojurescript", "Clojure"),
    ("json", "JSON"),
    ("jsonc", "JSON"),
    ("json5", "JSON"),
    ("toml", "TOML"),
    ("hcl", "Terraform"),
    ("terraform", "Terraform"),
    ("tf", "Terraform"),
    ("c++", "C++"),
    ("cpp", "C++"),
    ("c#", "C#"),
    ("csharp", "C#"),
    ("cs", "C#"),
    ("fsharp", "F#"),
    ("f#", "F#"),
    ("kotlin", "Kotlin"),
    ("kt", "Kotlin"),
    ("objc", "Objective-C"),
    ("objective-c", "Objective-C"),
    ("ps", "PowerShell"),
    ("ps1", "PowerShell"),
    ("pwsh", "PowerShell"),
    ("powershell", "PowerShell"),
    ("bat", "Batch File"),
    ("batch", "Batch File"),
    ("cmd", "Batch File"),
    ("elisp", "Lisp"),
    ("emacs-lisp", "Lisp"),
    ("scheme", "Lisp"),
    ("vim", "VimL"),
    ("viml", "VimL"),
    ("make", "Makefile"),
    ("mk", "Makefile"),
    ("md", "Markdown"),
    ("env", "DotENV"),
    ("dotenv", "DotENV"),
    ("graphviz", "Graphviz (DOT)"),
    ("dot", "Graphviz (DOT)"),
    ("tex", "LaTeX"),
    ("latex", "LaTeX"),
    ("patch", "Diff"),
    ("ini", "INI"),
    ("conf", "nginx"),
    ("proto", "Protocol Buffer"),
    ("protobuf", "Protocol Buffer"),
    ("text", "Plain Text"),
    ("txt", "Plain Text"),
    ("plain", "Plain Text"),
    ("plaintext", "Plain Text"),
    ("nohighlight", "Plain Text"),
];

/// Extensions in the syntax set that are ordinary words (or numbers) more
/// likely to be a fence caption than a language (`task` → GLSL, `1` → troff).
const NOT_LANGUAGES: &[&str] = &[
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "attributes",
    "build",
    "comp",
    "exclude",
    "group",
    "help",
    "inc",
    "mac",
    "mesh",
    "msg",
    "pip",
    "plot",
    "pub",
    "resource",
    "tab",
    "task",
    "url",
];

static HIGHLIGHTER: LazyLock<Highlighter> = LazyLock::new(Highlighter::load);

/// The shared highlighter (the syntax set is decoded on first use only).
pub fn highlighter() -> &'static Highlighter {
    &HIGHLIGHTER
}

/// A syntax set plus a lower-case lookup table from fence tokens to syntaxes.
pub struct Highlighter {
    syntaxes: SyntaxSet,
    by_token: HashMap<String, usize>,
    /// Our own YAML grammar, used in place of the set's (see [`YAML_SYNTAX`]).
    yaml: Option<SyntaxSet>,
}

/// Our YAML grammar: the scopes of the full Sublime Text grammar that
/// two-face ships, for the YAML people write (manifests, values files, CI
/// configs), about 3.5 times faster. Most of a study graph's code is YAML, and
/// highlighting it was the largest single cost of a cold build. Whole lines of
/// the common shapes (`key: value`, `- item`) are one match each; the rest
/// goes through general rules. A test checks that both grammars give the same
/// HTML on real manifests.
const YAML_SYNTAX: &str = include_str!("syntaxes/YAML.sublime-syntax");

impl Highlighter {
    /// Decodes two-face's extra syntax set and builds the token table.
    fn load() -> Self {
        let syntaxes = two_face::syntax::extra_newlines();
        let by_token = token_table(&syntaxes);
        Highlighter { syntaxes, by_token, yaml: own_yaml() }
    }

    /// The syntax a fence token names: alias, extension or name, any case.
    fn syntax_for(&self, token: &str) -> Option<&SyntaxReference> {
        let token = token.trim();
        if token.is_empty() || token.len() > 40 {
            return None;
        }
        let index = self.by_token.get(token.to_ascii_lowercase().as_str())?;
        self.syntaxes.syntaxes().get(*index)
    }

    /// Whether `token` (a fence's first word) names a known language.
    pub fn is_language(&self, token: &str) -> bool {
        self.syntax_for(token).is_some()
    }

    /// Class-based HTML for the inside of a `<code>` element, or `None` when
    /// `lang` is unknown, the code is too big, or syntect fails (the caller
    /// then shows escaped plain text).
    pub fn highlight(&self, lang: &str, code: &str) -> Option<String> {
        let syntax = self.syntax_for(lang)?;
        if syntax.name == "Plain Text" {
            return Some(escape_html(code));
        }
        if code.len() > MAX_CODE_BYTES || code.lines().any(|l| l.len() > MAX_LINE_BYTES) {
            return None;
        }
        let (syntax, set) = match &self.yaml {
            Some(yaml) if syntax.name == "YAML" => (yaml.syntaxes().first()?, yaml),
            _ => (syntax, &self.syntaxes),
        };
        // syntect reports errors as `Result`, but a grammar bug must never
        // take the whole build down: treat a panic as "could not highlight".
        catch_unwind(AssertUnwindSafe(|| classed_html(set, syntax, code))).ok().flatten()
    }
}

/// Loads [`YAML_SYNTAX`]; `None` (the set's own grammar is used) if it does not load.
fn own_yaml() -> Option<SyntaxSet> {
    let definition = SyntaxDefinition::load_from_str(YAML_SYNTAX, true, None)
        .map_err(|e| log::warn!("the built-in YAML grammar does not load: {e}"))
        .ok()?;
    let mut builder = SyntaxSetBuilder::new();
    builder.add(definition);
    Some(builder.build())
}

/// Runs syntect's classed HTML generator over `code`, line by line.
fn classed_html(set: &SyntaxSet, syntax: &SyntaxReference, code: &str) -> Option<String> {
    let mut html = ClassedHTMLGenerator::new_with_class_style(syntax, set, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        html.parse_html_for_line_which_includes_newline(line).ok()?;
    }
    Some(html.finalize())
}

/// Lower-case token → syntax index. Later entries win, in the same order of
/// precedence as syntect's `find_syntax_by_token`: names, then extensions
/// (later syntaxes first), then our aliases; caption-like words are removed.
fn token_table(set: &SyntaxSet) -> HashMap<String, usize> {
    let syntaxes = set.syntaxes();
    let mut table = HashMap::new();
    for (i, syntax) in syntaxes.iter().enumerate() {
        table.insert(syntax.name.to_ascii_lowercase(), i);
    }
    for (i, syntax) in syntaxes.iter().enumerate() {
        for ext in &syntax.file_extensions {
            table.insert(ext.to_ascii_lowercase(), i);
        }
    }
    for word in NOT_LANGUAGES {
        table.remove(*word);
    }
    for (alias, name) in ALIASES {
        if let Some(i) = syntaxes.iter().rposition(|s| s.name == *name) {
            table.insert((*alias).to_string(), i);
        }
    }
    table
}

/// CSS for highlighted code: the light theme by default and under
/// `[data-theme=light]`, the dark theme under `prefers-color-scheme: dark`
/// (unless `<html data-theme=light>`) and under `[data-theme=dark]`. Rules are
/// scoped to `.code` descendants; backgrounds of the code block itself are
/// left to the site CSS.
pub fn stylesheet() -> String {
    let themes = two_face::theme::extra();
    let light = readable(theme_rules(themes.get(LIGHT_THEME)), LIGHT_CODE_BACKGROUND);
    let dark = readable(theme_rules(themes.get(DARK_THEME)), DARK_CODE_BACKGROUND);
    let mut css = String::from("/* Code highlighting, generated by blockpress (syntect). */\n");
    css.push_str(&format!("/* light: {} */\n", LIGHT_THEME.as_name()));
    css.push_str("@media not all and (prefers-color-scheme: dark) {\n");
    push_rules(&mut css, &light, ":root:not([data-theme=dark]) .code ");
    css.push_str("}\n");
    push_rules(&mut css, &light, "[data-theme=light] .code ");
    css.push_str(&format!("/* dark: {} */\n", DARK_THEME.as_name()));
    css.push_str("@media (prefers-color-scheme: dark) {\n");
    push_rules(&mut css, &dark, ":root:not([data-theme=light]) .code ");
    css.push_str("}\n");
    push_rules(&mut css, &dark, "[data-theme=dark] .code ");
    css
}

/// The code background of the default theme's light mode (`--code-bg` in style.css).
const LIGHT_CODE_BACKGROUND: [u8; 3] = [0xf5, 0xf6, 0xf8];
/// The code background of the default theme's dark mode.
const DARK_CODE_BACKGROUND: [u8; 3] = [0x1b, 0x1f, 0x24];
/// WCAG AA contrast for normal text.
const MIN_CONTRAST: f64 = 4.5;

/// The rules with every text colour moved (darker on a light background,
/// lighter on a dark one) until it reads at WCAG AA on `background`.
fn readable(rules: Vec<Rule>, background: [u8; 3]) -> Vec<Rule> {
    rules
        .into_iter()
        .map(|rule| {
            let body = rule
                .body
                .split(';')
                .map(|decl| match decl.trim().strip_prefix("color:").map(str::trim).and_then(hex) {
                    Some(colour) => {
                        let [r, g, b] = with_contrast(colour, background);
                        format!(" color: #{r:02x}{g:02x}{b:02x}")
                    }
                    None => decl.to_string(),
                })
                .collect::<Vec<_>>()
                .join(";");
            Rule { selectors: rule.selectors, body }
        })
        .collect()
}

fn hex(text: &str) -> Option<[u8; 3]> {
    let digits = text.strip_prefix('#').filter(|d| d.len() == 6)?;
    let byte = |i: usize| u8::from_str_radix(&digits[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

fn luminance([r, g, b]: [u8; 3]) -> f64 {
    let channel = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.03928 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
}

/// WCAG contrast ratio of two colours.
fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// `colour`, mixed step by step towards black (or white on a dark
/// background) until it has [`MIN_CONTRAST`] on `background`.
fn with_contrast(colour: [u8; 3], background: [u8; 3]) -> [u8; 3] {
    let target = if luminance(background) > 0.5 { 0.0 } else { 255.0 };
    let mut mixed = colour;
    for step in 0..=20 {
        let t = f64::from(step) / 20.0;
        mixed = colour.map(|c| (f64::from(c) * (1.0 - t) + target * t).round() as u8);
        if contrast(mixed, background) >= MIN_CONTRAST {
            break;
        }
    }
    mixed
}

/// One CSS rule of a theme: its selectors (unscoped) and its declarations.
struct Rule {
    selectors: Vec<String>,
    body: String,
}

/// The token rules syntect generates for `theme`, without the header comment,
/// the `.hl-code` block rule and any background (the site CSS owns those).
fn theme_rules(theme: &Theme) -> Vec<Rule> {
    let Ok(css) = css_for_theme_with_class_style(theme, CLASS_STYLE) else {
        return Vec::new();
    };
    css.split('}').filter_map(parse_rule).collect()
}

/// Parses one `selectors { declarations` chunk of syntect's output.
fn parse_rule(chunk: &str) -> Option<Rule> {
    let (head, body) = chunk.split_once('{')?;
    let head = head.rsplit_once("*/").map_or(head, |(_, after)| after);
    let selectors: Vec<String> = head
        .split(", ")
        .map(str::trim)
        .filter(|s| s.starts_with('.') && *s != ".hl-code")
        .map(str::to_string)
        .collect();
    let declarations: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|d| !d.is_empty() && !d.starts_with("background"))
        .collect();
    if selectors.is_empty() || declarations.is_empty() {
        return None;
    }
    Some(Rule { selectors, body: declarations.join(" ") })
}

/// Appends `rules` to `css`, every selector prefixed with `scope`.
fn push_rules(css: &mut String, rules: &[Rule], scope: &str) {
    for rule in rules {
        let selectors: Vec<String> = rule.selectors.iter().map(|s| format!("{scope}{s}")).collect();
        css.push_str(&selectors.join(", "));
        css.push_str(" { ");
        css.push_str(&rule.body);
        css.push_str(" }\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::guess::tests::{AFFINITY, EXAMPLE2, REDIS, SELECTORS};

    #[test]
    fn logseq_aliases_are_languages() {
        let h = highlighter();
        for token in ["sh", "shell", "bash", "zsh", "console", "yml", "YAML", "js", "ts", "py"] {
            assert!(h.is_language(token), "{token}");
        }
        for token in ["rs", "golang", "dockerfile", "Dockerfile", "clj", "cljs", "edn", "json"] {
            assert!(h.is_language(token), "{token}");
        }
        for token in ["toml", "sql", "html", "css", "c", "cpp", "java", "kotlin", "hcl"] {
            assert!(h.is_language(token), "{token}");
        }
        for token in ["terraform", "Rust", "Python", "go", "text", "diff", "c++", "csharp"] {
            assert!(h.is_language(token), "{token}");
        }
    }

    #[test]
    fn shell_aliases_resolve_to_bash() {
        let h = highlighter();
        for token in ["sh", "shell", "zsh", "console", "BASH"] {
            assert_eq!(
                h.syntax_for(token).map(|s| s.name.as_str()),
                Some("Bourne Again Shell (bash)")
            );
        }
        assert_eq!(h.syntax_for("clj").map(|s| s.name.as_str()), Some("Clojure"));
        assert_eq!(h.syntax_for("yml").map(|s| s.name.as_str()), Some("YAML"));
    }

    #[test]
    fn captions_and_junk_are_not_languages() {
        let h = highlighter();
        for token in ["Example2", "", " ", "E.g", "task", "1", ":results", "mermaid-ish", "<b>"] {
            assert!(!h.is_language(token), "{token}");
        }
        assert!(h.highlight("Example2", "x").is_none());
    }

    #[test]
    fn yaml_is_highlighted_with_prefixed_classes() {
        let html = highlighter().highlight("yaml", "kind: Pod\nname: x # c\n").unwrap_or_default();
        assert!(html.contains("hl-entity"), "{html}");
        assert!(html.contains("hl-comment"), "{html}");
        assert!(!html.contains("<pre"), "{html}");
    }

    #[test]
    fn our_yaml_grammar_gives_the_full_grammars_html() {
        let h = highlighter();
        let own = h.yaml.as_ref().expect("the built-in YAML grammar loads");
        let full = h.syntax_for("yaml").expect("two-face has YAML");
        let constructs = include_str!("../../tests/fixtures/code/yaml_constructs.yaml");
        for code in [constructs, EXAMPLE2, SELECTORS, AFFINITY, REDIS] {
            let ours = classed_html(own, &own.syntaxes()[0], code);
            assert_eq!(ours, classed_html(&h.syntaxes, full, code), "{code}");
        }
    }

    #[test]
    fn yaml_block_scalars_end_at_the_keys_indentation() {
        let html = highlighter()
            .highlight("yaml", "- run: |\n    a: 1\n\n    b\n  name: x\nc: |\nd: 2\n")
            .unwrap_or_default();
        let block = "<span class=\"hl-string hl-unquoted hl-block hl-yaml\">";
        assert!(html.contains(&format!("{block}    a: 1\n\n    b\n</span>")), "{html}");
        assert!(html.contains(">name</span>") && html.contains(">d</span>"), "{html}");
    }

    #[test]
    fn highlighted_text_is_escaped() {
        let html = highlighter().highlight("rust", "let a = \"<b>&\";").unwrap_or_default();
        assert!(html.contains("&lt;b&gt;&amp;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        let plain = highlighter().highlight("text", "<i>").unwrap_or_default();
        assert_eq!(plain, "&lt;i&gt;");
    }

    #[test]
    fn odd_input_never_panics() {
        let h = highlighter();
        for code in ["", "\n", "\u{0}\u{feff}\r\n\t", "\"unterminated", "}}}{{{", "é😀\u{202e}"]
        {
            for lang in ["yaml", "json", "bash", "rust", "html", "markdown", "clojure"] {
                let _ = h.highlight(lang, code);
            }
        }
    }

    #[test]
    fn huge_lines_fall_back_to_plain_text() {
        let line = "a".repeat(MAX_LINE_BYTES + 1);
        assert!(highlighter().highlight("json", &line).is_none());
    }

    #[test]
    fn stylesheet_has_scoped_light_and_dark_rules() {
        let css = stylesheet();
        assert!(css.contains("@media (prefers-color-scheme: dark)"));
        assert!(css.contains(":root:not([data-theme=light]) .code .hl-comment"));
        assert!(css.contains("[data-theme=dark] .code .hl-"));
        assert!(css.contains("[data-theme=light] .code .hl-"));
        assert!(!css.contains(".hl-code"));
        assert!(!css.contains("background"));
        let unscoped = css.lines().filter(|l| l.starts_with(".hl-")).count();
        assert_eq!(unscoped, 0);
    }

    #[test]
    fn every_token_colour_reads_at_wcag_aa() {
        let css = stylesheet();
        let mut colours = 0;
        for (scope, background) in
            [("data-theme=light", LIGHT_CODE_BACKGROUND), ("data-theme=dark", DARK_CODE_BACKGROUND)]
        {
            for line in css.lines().filter(|l| l.starts_with(&format!("[{scope}]"))) {
                for decl in line.split(['{', ';', '}']) {
                    if let Some(colour) =
                        decl.trim().strip_prefix("color:").and_then(|c| hex(c.trim()))
                    {
                        colours += 1;
                        let ratio = contrast(colour, background);
                        assert!(ratio >= MIN_CONTRAST, "{line}: {ratio:.2}");
                    }
                }
            }
        }
        assert!(colours > 10, "the stylesheet has token colours ({colours})");
        // GitHub's YAML key green, 2.8:1 on the light background, is darkened.
        assert!(
            contrast(
                with_contrast([0x63, 0xa3, 0x5c], LIGHT_CODE_BACKGROUND),
                LIGHT_CODE_BACKGROUND
            ) >= 4.5
        );
    }
}
