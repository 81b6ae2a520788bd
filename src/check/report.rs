//! `blockpress check` output: text for people, JSON for machines.
//!
//! Text: one line per problem, `error: FILE:LINE: message` or
//! `warning: FILE:LINE: message` (`FILE: message` when the line is unknown),
//! then one `privacy: FILE:LINE: …` line per link from a published page to an
//! unpublished one, then a summary line. `--quiet` keeps only the errors.
//!
//! JSON (`--format json`), one document, stable across versions with the same
//! `version`:
//!
//! ```json
//! {
//!   "version": 1,
//!   "errors": 1,
//!   "warnings": 1,
//!   "diagnostics": [
//!     {"severity": "error", "path": "pages/a.md", "line": 3,
//!      "message": "block reference ((…)) points at no block"},
//!     {"severity": "warning", "path": "pages/b.md", "line": null, "message": "…"}
//!   ],
//!   "unpublished_links": [
//!     {"page": "Secret", "path": "pages/Secret.md",
//!      "linked_from": [{"path": "pages/Public.md", "line": 2, "page": "Public"}]}
//!   ]
//! }
//! ```
//!
//! Paths are relative to the graph folder with `/` separators; `line` is
//! 1-based or `null`; `severity` is `error` or `warning`. Diagnostics come
//! in the order a build prints them (warnings, then errors, each by file and
//! line); unpublished pages by name, their links by file and line.

use std::fmt::Write;

use serde::Serialize;

use super::{CheckReport, UnpublishedLink};
use crate::error::{Diagnostic, Severity};

/// Version of the JSON shape; bumped only when a field changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    errors: usize,
    warnings: usize,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    unpublished_links: &'a [UnpublishedLink],
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    path: String,
    line: Option<usize>,
    message: &'a str,
}

/// The report as a JSON document.
pub fn json(report: &CheckReport) -> String {
    let doc = JsonReport {
        version: JSON_VERSION,
        errors: report.count(Severity::Error),
        warnings: report.count(Severity::Warning),
        diagnostics: report.diagnostics.iter().map(json_diagnostic).collect(),
        unpublished_links: &report.unpublished_links,
    };
    serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

fn json_diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        severity: d.severity,
        path: d.path.to_string_lossy().replace('\\', "/"),
        line: d.line,
        message: &d.message,
    }
}

/// The report as text lines; `quiet` keeps only the errors.
pub fn text(report: &CheckReport, quiet: bool) -> String {
    let mut out = String::new();
    for d in &report.diagnostics {
        if !quiet || d.severity == Severity::Error {
            let _ = writeln!(out, "{d}");
        }
    }
    if quiet {
        return out;
    }
    for link in &report.unpublished_links {
        let file = link.path.as_deref().map(|p| format!(" ({p})")).unwrap_or_default();
        for source in &link.linked_from {
            let _ = writeln!(
                out,
                "privacy: {}:{}: links to unpublished page \"{}\"{file}",
                source.path, source.line, link.page
            );
        }
    }
    let _ = writeln!(out, "{}", summary(report));
    out
}

fn summary(report: &CheckReport) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}, {} linked from published pages",
        plural(report.count(Severity::Error), "error"),
        plural(report.count(Severity::Warning), "warning"),
        plural(report.unpublished_links.len(), "unpublished page")
    )
}
