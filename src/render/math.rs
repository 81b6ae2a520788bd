//! `$math$` and `$$display math$$` → MathML at build time (no JavaScript).

use latex2mathml::{DisplayStyle, latex_to_mathml};

use super::escape::escape_html;

/// MathML for inline or display LaTeX; on a LaTeX error, the source as code
/// with the error in its title.
pub fn render_math(latex: &str, display: bool) -> String {
    let style = if display { DisplayStyle::Block } else { DisplayStyle::Inline };
    // latex2mathml recurses on nesting; refuse absurd inputs instead of risking the stack.
    let too_deep = latex.len() > 20_000 || max_brace_depth(latex) > 64;
    match (!too_deep).then(|| latex_to_mathml(latex, style)) {
        Some(Ok(mathml)) => mathml,
        Some(Err(error)) => fallback(latex, &error.to_string(), display),
        None => fallback(latex, "formula too deeply nested", display),
    }
}

fn fallback(latex: &str, error: &str, display: bool) -> String {
    let tag = if display { "pre" } else { "code" };
    format!(
        "<{tag} class=\"math-error\" title=\"{}\">{}</{tag}>",
        escape_html(error),
        escape_html(latex)
    )
}

fn max_brace_depth(latex: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    for c in latex.chars() {
        match c {
            '{' | '(' | '[' => {
                depth += 1;
                max = max.max(depth);
            }
            '}' | ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_math_becomes_mathml() {
        let html = render_math(r"s\in V", false);
        assert!(html.starts_with("<math"), "{html}");
        assert!(html.contains("∈"), "{html}");
    }

    #[test]
    fn display_math_is_a_block() {
        assert!(render_math(r"\frac{a}{b}", true).contains("display=\"block\""));
    }

    #[test]
    fn bad_latex_falls_back_to_escaped_source() {
        let html = render_math(r"\frac{<b>", false);
        assert!(html.contains("math-error") || html.starts_with("<math"), "{html}");
        assert!(!html.contains("<b>"));
        assert!(render_math(&"{".repeat(10_000), true).contains("math-error"));
    }
}
