//! LEAF: the files the pipeline passes along: a [`SourceFile`] is what `load`
//! reads and `parse` takes; an [`OutputFile`] is what `graph`, `search` and
//! `render` make and `output` writes. Neither knows the stages around it.

use std::convert::Infallible;

use crate::util::date::Date;

/// One note file, read and named.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the graph root, with `/` separators (`pages/K8s.md`).
    pub rel_path: String,
    /// The page name its file name stands for (before any `title::`).
    pub name: String,
    /// The day, when the file name is a journal date.
    pub journal: Option<Date>,
    /// The text, decoded as UTF-8 (BOM removed, line endings as written).
    pub text: String,
}

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// The bytes to write.
    pub bytes: Vec<u8>,
}

/// What an `each_…` function hands out one file at a time, collected: for
/// callers that want every file at once (tests, small sites).
pub fn collect_files(
    each: impl FnOnce(&mut dyn FnMut(OutputFile) -> Result<(), Infallible>) -> Result<(), Infallible>,
) -> Vec<OutputFile> {
    let mut files = Vec::new();
    let Ok(()) = each(&mut |file| {
        files.push(file);
        Ok(())
    });
    files
}
