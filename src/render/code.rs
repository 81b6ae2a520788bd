//! RENDER: one fenced code block (or `#+BEGIN_SRC lang`) to HTML.
//!
//! Rules, in order: a drawing ([`is_diagram`]) becomes a diagram figure; a
//! known language highlights as that language; an unknown first word of the
//! info string (Logseq users write ```` ``` Example2 ````) becomes a caption
//! and the language is guessed; an empty info string is guessed too; what
//! cannot be guessed is escaped plain text. Output shapes:
//!
//! ```html
//! <pre class="code" data-lang="yaml"><code class="language-yaml">…spans…</code></pre>
//! <pre class="code"><code>…plain…</code></pre>
//! <figure class="code-block"><figcaption>Example2</figcaption><pre class="code" …>…</pre></figure>
//! ```

use crate::render::diagram::{is_diagram, render_diagram};
use crate::render::escape::push_escaped;
use crate::render::guess::guess_language;
use crate::render::highlight::highlighter;

/// The HTML of one code block. `info` is the fence info string as written
/// (`"yaml "`, `"Example2"`, `"clj :results"`, `""`), `code` its content; one
/// trailing newline is dropped. Never panics; all text is escaped.
pub fn render_code_block(info: &str, code: &str) -> String {
    let code = strip_one_newline(code);
    if is_diagram(code) {
        return render_diagram(code);
    }
    let info = info.trim();
    let word = info.split_whitespace().next().unwrap_or("");
    if word.is_empty() {
        return code_pre(guess_language(code), code);
    }
    if highlighter().is_language(word) {
        return code_pre(Some(&word.to_ascii_lowercase()), code);
    }
    captioned(info, &code_pre(guess_language(code), code))
}

/// `code` without one final `\n` (or `\r\n`).
fn strip_one_newline(code: &str) -> &str {
    code.strip_suffix('\n').map_or(code, |c| c.strip_suffix('\r').unwrap_or(c))
}

/// `<pre class="code">`, highlighted when `lang` is given and highlighting
/// works, escaped plain text otherwise.
fn code_pre(lang: Option<&str>, code: &str) -> String {
    let mut html = String::with_capacity(code.len() * 3 + 96);
    let Some(lang) = lang else {
        html.push_str("<pre class=\"code\"><code>");
        push_escaped(&mut html, code);
        html.push_str("</code></pre>");
        return html;
    };
    html.push_str("<pre class=\"code\" data-lang=\"");
    push_escaped(&mut html, lang);
    html.push_str("\"><code class=\"language-");
    push_escaped(&mut html, lang);
    html.push_str("\">");
    match highlighter().highlight(lang, code) {
        Some(spans) => html.push_str(&spans),
        None => push_escaped(&mut html, code),
    }
    html.push_str("</code></pre>");
    html
}

/// Wraps a rendered block in a figure captioned with the info string.
fn captioned(caption: &str, block: &str) -> String {
    let mut html = String::with_capacity(block.len() + caption.len() + 80);
    html.push_str("<figure class=\"code-block\"><figcaption>");
    push_escaped(&mut html, caption);
    html.push_str("</figcaption>");
    html.push_str(block);
    html.push_str("</figure>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    const NODE: &str = include_str!("../../tests/fixtures/code/node_diagram.txt");
    const KEEPALIVED: &str = include_str!("../../tests/fixtures/code/keepalived_diagram.txt");
    const EXAMPLE2: &str = include_str!("../../tests/fixtures/code/yaml_example2.yaml");
    const SELECTORS: &str = include_str!("../../tests/fixtures/code/yaml_selector_examples.yaml");
    const REDIS: &str = include_str!("../../tests/fixtures/code/yaml_redis_marked.yaml");

    #[test]
    fn diagram_in_yaml_fence_becomes_a_figure() {
        for code in [NODE, KEEPALIVED] {
            let html = render_code_block("yaml ", code);
            assert!(html.starts_with("<figure class=\"diagram\">"), "{html}");
            assert!(!html.contains("hl-"), "a drawing is never coloured as YAML");
        }
    }

    #[test]
    fn known_language_is_highlighted() {
        let html = render_code_block("yaml", "kind: Pod\n");
        assert!(html.starts_with("<pre class=\"code\" data-lang=\"yaml\"><code class=\"language-yaml\"><span class=\"hl-"), "{html}");
        assert!(html.ends_with("</code></pre>"), "{html}");
    }

    #[test]
    fn options_after_the_language_are_ignored() {
        let html = render_code_block("clj :results", "(+ 1 2)");
        assert!(
            html.starts_with("<pre class=\"code\" data-lang=\"clj\"><code class=\"language-clj\">")
        );
        assert!(html.contains("hl-"), "{html}");
        assert!(!html.contains("<figcaption>"));
    }

    #[test]
    fn language_token_is_case_insensitive() {
        let html = render_code_block(" YAML ", "a: 1\n");
        assert!(html.starts_with("<pre class=\"code\" data-lang=\"yaml\">"), "{html}");
    }

    #[test]
    fn unknown_word_becomes_caption_and_content_is_guessed() {
        let html = render_code_block(" Example2", EXAMPLE2);
        assert!(html.starts_with("<figure class=\"code-block\"><figcaption>Example2</figcaption>"));
        assert!(
            html.contains("<pre class=\"code\" data-lang=\"yaml\"><code class=\"language-yaml\">")
        );
        assert!(html.contains("hl-entity"), "keys are highlighted: {html}");
        assert!(html.ends_with("</code></pre></figure>"));
    }

    #[test]
    fn unknown_word_with_unguessable_content_is_plain() {
        let html = render_code_block("Notes for later", "just <some> words");
        assert!(
            html.starts_with(
                "<figure class=\"code-block\"><figcaption>Notes for later</figcaption>"
            )
        );
        assert!(html.contains("<pre class=\"code\"><code>just &lt;some&gt; words</code></pre>"));
    }

    #[test]
    fn empty_info_guesses_sample_manifests() {
        for code in [SELECTORS, REDIS] {
            let html = render_code_block("", code);
            assert!(html.starts_with("<pre class=\"code\" data-lang=\"yaml\">"), "{html}");
        }
        let html = render_code_block(" ", "{\"a\": 1}\n");
        assert!(html.starts_with("<pre class=\"code\" data-lang=\"json\">"), "{html}");
    }

    #[test]
    fn redis_markers_are_escaped() {
        let html = render_code_block("", REDIS);
        assert!(html.contains("&lt;&lt;&lt;&lt;"), "{html}");
        assert!(!html.contains("<<"));
    }

    #[test]
    fn empty_info_and_prose_is_plain_escaped_text() {
        let html = render_code_block("", "Tom & Jerry <3\n");
        assert_eq!(html, "<pre class=\"code\"><code>Tom &amp; Jerry &lt;3</code></pre>");
    }

    #[test]
    fn only_one_trailing_newline_is_stripped() {
        let html = render_code_block("", "a\n\n");
        assert_eq!(html, "<pre class=\"code\"><code>a\n</code></pre>");
        assert_eq!(render_code_block("", "a\r\n"), "<pre class=\"code\"><code>a</code></pre>");
    }

    #[test]
    fn hostile_info_string_is_escaped() {
        let html = render_code_block("\"><script>", "x");
        assert!(html.contains("<figcaption>&quot;&gt;&lt;script&gt;</figcaption>"), "{html}");
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn odd_input_never_panics() {
        for info in ["", "yaml", "rust", "json", "é", "\u{0}", "c++ x"] {
            for code in ["", "\n", "\r", "|\n|\n|", "+---+\n|\n+---+", "\u{feff}é\u{301}"] {
                let _ = render_code_block(info, code);
            }
        }
    }
}
