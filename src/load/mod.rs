//! LOAD: walk the graph folder, read every note, decode page names.
//!
//! This is the only stage that reads the notes from disk. Its output,
//! [`Graph`], holds the text of every note and the list of assets; nothing
//! after it touches the graph folder except to copy assets.

pub mod edn;
pub mod logseq_config;
pub mod names;
pub mod walk;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::{Diagnostic, Error, Result};
pub use crate::files::SourceFile;
pub use crate::util::date::{self as journal_date, Date};
pub use logseq_config::{LogseqConfig, NameFormat};
use walk::FileKind;

/// A file under `assets/`, copied to the output as it is.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Absolute path of the source file.
    pub path: PathBuf,
    /// Path relative to the graph root (`assets/image.png`).
    pub rel_path: String,
}

/// A graph folder, read.
#[derive(Debug, Default)]
pub struct Graph {
    /// The graph folder.
    pub root: PathBuf,
    /// Every published-or-not note, sorted by path.
    pub notes: Vec<SourceFile>,
    /// Every asset, sorted by path.
    pub assets: Vec<Asset>,
    /// `logseq/config.edn`.
    pub logseq: LogseqConfig,
    /// `logseq/custom.css`, when present.
    pub custom_css: Option<String>,
    /// Problems found while reading (unreadable files, bad encodings).
    pub diagnostics: Vec<Diagnostic>,
}

impl Graph {
    /// Reads the graph at `root`, skipping the folders in `skip`.
    pub fn load(root: &Path, skip: &[PathBuf]) -> Result<Graph> {
        if !root.is_dir() {
            return Err(Error::Refused(format!("notes folder {} does not exist", root.display())));
        }
        let logseq = read_logseq_config(root)?;
        let found = walk::walk(root, skip);
        let mut diagnostics = Vec::new();
        let mut assets = Vec::new();
        let mut note_files = Vec::new();
        for file in found {
            if logseq.is_hidden(&file.rel_path) {
                continue;
            }
            match file.kind {
                FileKind::Asset => assets.push(Asset { path: file.path, rel_path: file.rel_path }),
                FileKind::Note => note_files.push(file),
            }
        }
        let read: Vec<_> = note_files.par_iter().map(|file| read_note(file, &logseq)).collect();
        let mut notes = Vec::with_capacity(read.len());
        for (note, diagnostic) in read {
            notes.extend(note);
            diagnostics.extend(diagnostic);
        }
        let custom_css = std::fs::read_to_string(root.join("logseq/custom.css")).ok();
        Ok(Graph { root: root.to_path_buf(), notes, assets, logseq, custom_css, diagnostics })
    }
}

fn read_logseq_config(root: &Path) -> Result<LogseqConfig> {
    let path = root.join("logseq/config.edn");
    match std::fs::read(&path) {
        Ok(bytes) => Ok(LogseqConfig::parse(&String::from_utf8_lossy(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LogseqConfig::without_file()),
        Err(e) => Err(Error::io(path, e)),
    }
}

fn read_note(
    file: &walk::FoundFile,
    logseq: &LogseqConfig,
) -> (Option<SourceFile>, Option<Diagnostic>) {
    let bytes = match std::fs::read(&file.path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return (
                None,
                Some(Diagnostic::error(&file.rel_path, None, format!("cannot read: {e}"))),
            );
        }
    };
    let (text, diagnostic) = decode_text(bytes, &file.rel_path);
    (Some(source_file(&file.rel_path, text, logseq)), diagnostic)
}

/// The note at `rel_path` (relative to the graph) holding `text`, named as
/// Logseq names it: a journal day by the graph's title format, else the
/// page its file name stands for.
pub fn source_file(rel_path: &str, text: String, logseq: &LogseqConfig) -> SourceFile {
    let stem = file_stem(rel_path);
    let journal = journal_day(stem, logseq);
    let name = match journal {
        Some(date) => journal_date::format(date, &logseq.journal_title_format),
        None => names::page_name_from_stem(stem, logseq.name_format),
    };
    SourceFile { rel_path: rel_path.to_string(), name, journal, text }
}

/// Decodes a note as UTF-8, dropping a BOM; invalid bytes become U+FFFD and a warning.
pub fn decode_text(bytes: Vec<u8>, rel_path: &str) -> (String, Option<Diagnostic>) {
    let bytes = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => rest.to_vec(),
        None => bytes,
    };
    match String::from_utf8(bytes) {
        Ok(text) => (text, None),
        Err(e) => {
            let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let message = "not valid UTF-8; invalid bytes are shown as \u{FFFD}";
            (text, Some(Diagnostic::warning(rel_path, Some(line), message)))
        }
    }
}

fn file_stem(rel_path: &str) -> &str {
    let file_name = rel_path.rsplit('/').next().unwrap_or(rel_path);
    match file_name.rfind('.') {
        Some(dot) if dot > 0 => &file_name[..dot],
        _ => file_name,
    }
}

/// The journal day a file stem names, with the graph's file-name format or a built-in one.
pub fn journal_day(stem: &str, logseq: &LogseqConfig) -> Option<Date> {
    std::iter::once(logseq.journal_file_format.as_str())
        .chain(journal_date::BUILTIN_FORMATS)
        .find_map(|format| journal_date::parse(stem, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_dropped_and_bad_bytes_reported_with_line() {
        assert_eq!(decode_text(b"\xEF\xBB\xBF- a".to_vec(), "p.md").0, "- a");
        let (text, diagnostic) = decode_text(b"- a\n- b \xFF\n".to_vec(), "p.md");
        assert_eq!(text, "- a\n- b \u{FFFD}\n");
        assert_eq!(diagnostic.unwrap().line, Some(2));
    }

    #[test]
    fn journal_files_are_named_by_the_title_format() {
        let logseq = LogseqConfig::default();
        let file = walk::FoundFile {
            path: PathBuf::from("/nonexistent"),
            rel_path: "journals/2024_01_05.md".into(),
            kind: FileKind::Note,
        };
        assert_eq!(journal_day("2024_01_05", &logseq), Date::new(2024, 1, 5));
        assert_eq!(journal_day("2023_12_16 (bb381aa8)", &logseq), None);
        assert_eq!(file_stem(&file.rel_path), "2024_01_05");
    }
}
