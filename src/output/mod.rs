//! OUTPUT: write the rendered site into the output folder, safely.
//!
//! Every file is written to a temporary name and renamed into place, so a
//! reader (or a killed build) never sees a half-written file; files whose
//! bytes did not change are not rewritten; files of an earlier build that the
//! new one no longer produces are removed. The folder is only ever cleaned if
//! it carries blockpress's marker file, and folders that must never be an
//! output (the notes folder or a parent of it, the home folder, `/`) are refused.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::files::OutputFile;

/// Name of the marker file that says a folder is a blockpress output.
pub const MARKER: &str = ".blockpress-output";

/// What a write did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WriteReport {
    /// Files written because they are new or changed.
    pub written: usize,
    /// Files left alone because their bytes were already there.
    pub unchanged: usize,
    /// Stale files removed.
    pub removed: usize,
}

/// Refuses output folders that would overwrite the notes or something precious.
pub fn check_output_dir(output: &Path, notes: &Path) -> Result<()> {
    let output_abs = absolute(output);
    let notes_abs = absolute(notes);
    let refuse = |why: &str| {
        Err(Error::Refused(format!("refusing to write the site to {}: {why}", output.display())))
    };
    if output_abs.parent().is_none() {
        return refuse("it is the root folder");
    }
    if std::env::var_os("HOME").is_some_and(|home| absolute(Path::new(&home)) == output_abs) {
        return refuse("it is the home folder");
    }
    if notes_abs.starts_with(&output_abs) {
        return refuse("it holds the notes");
    }
    if output_abs.is_dir()
        && !output_abs.join(MARKER).exists()
        && fs::read_dir(&output_abs).is_ok_and(|mut d| d.next().is_some())
    {
        return refuse(&format!(
            "it is not empty and was not written by blockpress (no {MARKER} file); empty it or pick another folder"
        ));
    }
    Ok(())
}

pub use crate::util::paths::absolute;

/// Whether a site-relative path is safe: relative, no `..`, no empty segments.
fn is_safe_relative(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != ".." && !seg.contains('\0'))
}

/// Writes `files` into `output` and removes what an earlier build left that is not among them.
pub fn write_site(output: &Path, files: &[OutputFile]) -> Result<WriteReport> {
    let writer = SiteWriter::begin(output)?;
    files.par_iter().try_for_each(|f| writer.add(&f.path, &f.bytes))?;
    writer.commit(&[])
}

/// A site being written: each file goes to a temporary file next to its
/// place as soon as it is rendered (so the rendered site need not be held in
/// memory), and [`SiteWriter::commit`] moves them all into place once the
/// whole site rendered. Dropped without a commit (a build that failed half
/// way), it removes its temporary files and the previous site stays as it was.
pub struct SiteWriter {
    root: PathBuf,
    /// Paths of the new site, each with its staged file (`None`: already there as it should be).
    staged: Mutex<Vec<(String, Option<tempfile::TempPath>)>>,
    dirs: Mutex<BTreeSet<String>>,
}

impl SiteWriter {
    /// Starts writing a site into `output` (created if needed, with its marker file).
    pub fn begin(output: &Path) -> Result<SiteWriter> {
        fs::create_dir_all(output).map_err(|e| Error::io(output, e))?;
        fs::write(
            output.join(MARKER),
            "This folder is written by blockpress; it may be emptied by the next build.\n",
        )
        .map_err(|e| Error::io(output.join(MARKER), e))?;
        Ok(SiteWriter {
            root: output.to_path_buf(),
            staged: Mutex::new(Vec::new()),
            dirs: Mutex::new(BTreeSet::new()),
        })
    }

    /// Stages one file of the new site (nothing is staged when the file
    /// already holds these bytes).
    pub fn add(&self, path: &str, bytes: &[u8]) -> Result<()> {
        if !is_safe_relative(path) {
            return Err(Error::Refused(format!(
                "refusing to write outside the output folder: {path}"
            )));
        }
        let target = self.root.join(path);
        if let Some((dir, _)) = path.rsplit_once('/') {
            let known = lock(&self.dirs).contains(dir);
            if !known {
                fs::create_dir_all(self.root.join(dir))
                    .map_err(|e| Error::io(self.root.join(dir), e))?;
                lock(&self.dirs).insert(dir.to_string());
            }
        }
        let staged = stage_if_changed(&target, bytes)?;
        lock(&self.staged).push((path.to_string(), staged));
        Ok(())
    }

    /// Keeps a file of the previous site that is part of the new one as it is.
    pub fn keep(&self, path: &str) {
        lock(&self.staged).push((path.to_string(), None));
    }

    /// Moves every staged file into place and removes the files of the
    /// previous site that the new one does not have (but `also_keep`).
    pub fn commit(self, also_keep: &[&str]) -> Result<WriteReport> {
        let mut staged = self.staged.into_inner().unwrap_or_else(PoisonError::into_inner);
        let mut report = WriteReport::default();
        for (path, tmp) in &mut staged {
            match tmp.take() {
                Some(tmp) => {
                    let target = self.root.join(path.as_str());
                    tmp.persist(&target).map_err(|e| Error::io(&target, e.error))?;
                    report.written += 1;
                }
                None => report.unchanged += 1,
            }
        }
        let mut keep: BTreeSet<&str> = also_keep.iter().copied().collect();
        keep.extend(staged.iter().map(|(path, _)| path.as_str()));
        report.removed = remove_stale(&self.root, &keep)?;
        Ok(report)
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Writes `bytes` to a temporary file beside `path` unless `path` already holds them.
fn stage_if_changed(path: &Path, bytes: &[u8]) -> Result<Option<tempfile::TempPath>> {
    if let Ok(meta) = fs::metadata(path) {
        if meta.len() == bytes.len() as u64 && fs::read(path).is_ok_and(|old| old == bytes) {
            return Ok(None);
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    builder.prefix(".bp-");
    // Readable by everyone, like files written by `cp`: a web server may run as another user.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(path, e))?;
    Ok(Some(tmp.into_temp_path()))
}

/// Writes atomically unless the file already holds these bytes; true if written.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool> {
    match stage_if_changed(path, bytes)? {
        Some(tmp) => {
            tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
            Ok(true)
        }
        None => Ok(false),
    }
}

fn remove_stale(output: &Path, keep: &BTreeSet<&str>) -> Result<usize> {
    let mut removed = 0;
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(output).min_depth(1).into_iter().filter_map(|e| e.ok()) {
        let Ok(rel) = entry.path().strip_prefix(output) else { continue };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if entry.file_type().is_dir() {
            dirs.push(entry.path().to_path_buf());
        } else if rel != MARKER && !keep.contains(rel.as_str()) {
            fs::remove_file(entry.path()).map_err(|e| Error::io(entry.path(), e))?;
            removed += 1;
        }
    }
    for dir in dirs.iter().rev() {
        let _ = fs::remove_dir(dir);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile { path: path.into(), bytes: text.as_bytes().to_vec() }
    }

    #[test]
    fn writes_then_skips_unchanged_then_removes_stale() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let first = write_site(&out, &[file("a.html", "a"), file("static/s.css", "s")]).unwrap();
        assert_eq!(first.written, 2);
        let second = write_site(&out, &[file("a.html", "a2")]).unwrap();
        assert_eq!((second.written, second.unchanged, second.removed), (1, 0, 1));
        assert!(!out.join("static").exists());
        assert_eq!(fs::read_to_string(out.join("a.html")).unwrap(), "a2");
        let third = write_site(&out, &[file("a.html", "a2")]).unwrap();
        assert_eq!(third.unchanged, 1);
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_everyone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        write_site(dir.path(), &[file("a.html", "a")]).unwrap();
        let mode = fs::metadata(dir.path().join("a.html")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
    }

    #[test]
    fn paths_outside_the_output_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x.html", "/etc/x", "a/../../x", "a//b", ""] {
            assert!(write_site(dir.path(), &[file(bad, "x")]).is_err(), "{bad}");
        }
    }

    #[test]
    fn dangerous_output_dirs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes");
        fs::create_dir_all(&notes).unwrap();
        assert!(check_output_dir(&notes, &notes).is_err());
        assert!(check_output_dir(dir.path(), &notes).is_err(), "a parent of the notes");
        assert!(check_output_dir(Path::new("/"), &notes).is_err());
        let foreign = dir.path().join("foreign");
        fs::create_dir_all(&foreign).unwrap();
        fs::write(foreign.join("precious.txt"), "x").unwrap();
        assert!(check_output_dir(&foreign, &notes).is_err(), "non-empty without marker");
        assert!(check_output_dir(&dir.path().join("new"), &notes).is_ok());
    }
}
