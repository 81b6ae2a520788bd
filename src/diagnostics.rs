//! Printing diagnostics for people: `file:line`, the offending line and a hint,
//! in colour on a terminal and as plain text otherwise (or with `NO_COLOR`).

use std::io::IsTerminal;
use std::path::Path;

use crate::error::{Diagnostic, Severity};

/// Whether standard error should be coloured.
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Formats one diagnostic; `notes_dir` is where its path is relative to.
pub fn format(diagnostic: &Diagnostic, notes_dir: &Path, colour: bool) -> String {
    let paint = |code: &str, text: &str| {
        if colour { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_string() }
    };
    let (label, code) = match diagnostic.severity {
        Severity::Warning => ("warning", "1;33"),
        Severity::Error => ("error", "1;31"),
    };
    let location = match diagnostic.line {
        Some(line) => format!("{}:{line}", diagnostic.path.display()),
        None => diagnostic.path.display().to_string(),
    };
    let mut out =
        format!("{}: {}: {}", paint(code, label), paint("1", &location), diagnostic.message);
    if let Some((line, text)) = diagnostic
        .line
        .and_then(|n| source_line(&notes_dir.join(&diagnostic.path), n).map(|t| (n, t)))
    {
        let gutter = " ".repeat(line.to_string().len());
        out.push_str(&format!(
            "\n {} {} {}",
            paint("34", &line.to_string()),
            paint("34", "|"),
            text
        ));
        if let Some(hint) = hint(&diagnostic.message) {
            out.push_str(&format!("\n {gutter} {} {hint}", paint("34", "=")));
        }
    } else if let Some(hint) = hint(&diagnostic.message) {
        out.push_str(&format!("\n   {} {hint}", paint("34", "=")));
    }
    out
}

/// The `n`th line (1-based) of a file, trimmed and shortened, if readable.
fn source_line(path: &Path, n: usize) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let line = text.split('\n').nth(n.checked_sub(1)?)?.trim_end_matches('\r').trim();
    let short: String = line.chars().take(120).collect();
    Some(if line.chars().count() > 120 { format!("{short}…") } else { short })
}

/// A short suggestion for the common problems.
fn hint(message: &str) -> Option<&'static str> {
    const HINTS: [(&str, &str); 8] = [
        (
            "points at no block",
            "hint: the target block needs `id:: <uuid>`; or remove the reference",
        ),
        (
            "embed cycle",
            "hint: one of these embeds refers back to a page or block already shown; remove it",
        ),
        (
            "not a valid property name",
            "hint: property names cannot contain spaces, commas, quotes or brackets",
        ),
        (
            "second property group",
            "hint: keep a block's properties together, right under its first line",
        ),
        ("already defined by", "hint: rename one of the files, or give one a different `title::`"),
        ("not valid UTF-8", "hint: save the file as UTF-8"),
        ("does not exist", "hint: check the name and the folder (assets/ for files)"),
        ("is not a published page", "hint: check the spelling, or make the page public"),
    ];
    HINTS.iter().find(|(needle, _)| message.contains(needle)).map(|(_, hint)| *hint)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_shows_the_line_and_a_hint() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("pages")).expect("mkdir");
        std::fs::write(
            dir.path().join("pages/a.md"),
            "- one\n- see ((00000000-0000-4000-8000-000000000001))\n",
        )
        .expect("write");
        let diagnostic =
            Diagnostic::warning("pages/a.md", Some(2), "block reference points at no block");
        let text = format(&diagnostic, dir.path(), false);
        assert_eq!(
            text,
            "warning: pages/a.md:2: block reference points at no block\n 2 | - see ((00000000-0000-4000-8000-000000000001))\n   = hint: the target block needs `id:: <uuid>`; or remove the reference"
        );
        assert!(!text.contains('\x1b'));
        assert!(format(&diagnostic, dir.path(), true).contains("\x1b[1;33mwarning"));
    }

    #[test]
    fn a_diagnostic_without_a_line_has_no_source() {
        let diagnostic = Diagnostic::warning("site.toml", None, "something");
        assert_eq!(
            format(&diagnostic, Path::new("/nonexistent"), false),
            "warning: site.toml: something"
        );
    }
}
