//! SERVE, loading again: one graph file re-read exactly as [`crate::load`] reads
//! it, and what a file path is now (note, asset, folder, nothing).
//!
//! A full build walks the whole graph; a rebuild looks only at the paths the
//! watcher reported. `kind_on_disk` answers for one path what the walk of
//! [`crate::load::walk`] plus [`crate::load::Graph::load`]'s `:hidden` filter
//! would decide for it.

use std::path::{Path, PathBuf};

use crate::error::Diagnostic;
use crate::load::walk::FileKind;
use crate::load::{LogseqConfig, SourceFile};

/// What a graph-relative path is on disk right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDisk {
    /// A file the full build would read, of this kind.
    File(FileKind),
    /// A folder the walk would enter.
    Folder,
    /// Nothing the build would see (missing, skipped, a symlink, another kind of file).
    Nothing,
}

/// The graph folder and the folders a walk skips.
#[derive(Debug, Clone)]
pub struct GraphRoot {
    /// The graph folder.
    pub root: PathBuf,
    /// Folders never walked (the output folder).
    pub skip: Vec<PathBuf>,
}

impl GraphRoot {
    /// What `rel` (graph-relative, `/`-separated) is for a build, looking at the disk.
    pub fn kind_on_disk(&self, rel: &str, logseq: &LogseqConfig) -> OnDisk {
        let parts: Vec<&str> = rel.split('/').collect();
        if rel.is_empty()
            || parts.iter().any(|p| p.is_empty() || p.starts_with('.') || *p == "node_modules")
            || (parts[0] == "logseq" && parts.len() > 1)
        {
            return OnDisk::Nothing;
        }
        let mut path = self.root.clone();
        for (i, part) in parts.iter().enumerate() {
            path.push(part);
            if self.skip.contains(&path) {
                return OnDisk::Nothing;
            }
            let Ok(meta) = std::fs::symlink_metadata(&path) else { return OnDisk::Nothing };
            let last = i + 1 == parts.len();
            if meta.is_dir() {
                if last {
                    return OnDisk::Folder;
                }
            } else if !(last && meta.is_file()) {
                return OnDisk::Nothing;
            }
        }
        if logseq.is_hidden(rel) {
            return OnDisk::Nothing;
        }
        match classify(rel) {
            Some(kind) => OnDisk::File(kind),
            None => OnDisk::Nothing,
        }
    }
}

pub use crate::load::walk::classify;

/// Reads one note as [`crate::load::Graph::load`] does: the text, its page
/// name and journal day, and a warning for bad encoding. An unreadable file
/// gives the build's "cannot read" error instead.
pub fn read_note(
    root: &Path,
    rel: &str,
    logseq: &LogseqConfig,
) -> Result<(SourceFile, Option<Diagnostic>), Diagnostic> {
    let bytes = std::fs::read(root.join(rel))
        .map_err(|e| Diagnostic::error(rel, None, format!("cannot read: {e}")))?;
    let (text, diagnostic) = crate::load::decode_text(bytes, rel);
    Ok((crate::load::source_file(rel, text, logseq), diagnostic))
}

pub use crate::cache::source_hash;
pub use crate::util::hash::first_u64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_is_read_and_named_as_the_build_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "journals/2024_01_05.org");
        let logseq = LogseqConfig::default();
        let (note, _) = read_note(dir.path(), "journals/2024_01_05.org", &logseq).unwrap();
        assert_eq!((note.name.as_str(), note.text.as_str()), ("Jan 5th, 2024", "- x"));
        std::fs::create_dir_all(dir.path().join("pages/dir.md")).unwrap();
        let unreadable = read_note(dir.path(), "pages/dir.md", &logseq).unwrap_err();
        assert_eq!(unreadable.severity, crate::error::Severity::Error, "as a build reports it");
    }

    fn write(root: &Path, rel: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "- x").unwrap();
    }

    #[test]
    fn single_path_checks_agree_with_the_full_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let files = [
            "pages/a.md",
            "pages/sub/b.markdown",
            "pages/c.org",
            "pages/notes.txt",
            "journals/2024_01_05.md",
            ".git/x.md",
            "pages/.hidden.md",
            "node_modules/m/x.md",
            "logseq/bak/pages/a.md",
            "logseq/config.edn",
            "public/out.md",
            "assets/i.png",
            "assets/sub/doc.md",
            "draft/secret.md",
        ];
        for file in files {
            write(&root, file);
        }
        std::os::unix::fs::symlink(root.join("pages/a.md"), root.join("pages/link.md")).unwrap();
        std::os::unix::fs::symlink(root.join("pages"), root.join("linked")).unwrap();
        let logseq = LogseqConfig::parse("{:hidden [\"/draft\"]}");
        let graph = GraphRoot { root: root.clone(), skip: vec![root.join("public")] };
        let walked: Vec<(String, FileKind)> = crate::load::walk::walk(&root, &graph.skip)
            .into_iter()
            .filter(|f| !logseq.is_hidden(&f.rel_path))
            .map(|f| (f.rel_path, f.kind))
            .collect();
        let mut checked: Vec<(String, FileKind)> = Vec::new();
        for rel in files.iter().copied().chain(["pages/link.md", "linked/a.md"]) {
            if let OnDisk::File(kind) = graph.kind_on_disk(rel, &logseq) {
                checked.push((rel.to_string(), kind));
            }
        }
        checked.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(checked, walked);
        assert_eq!(graph.kind_on_disk("pages/sub", &logseq), OnDisk::Folder);
        assert_eq!(graph.kind_on_disk("linked", &logseq), OnDisk::Nothing);
        assert_eq!(graph.kind_on_disk("pages/gone.md", &logseq), OnDisk::Nothing);
    }

    #[test]
    fn notes_are_read_and_named_like_the_loader() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("pages")).unwrap();
        std::fs::create_dir_all(root.join("journals")).unwrap();
        std::fs::write(root.join("pages/a___b.md"), b"\xEF\xBB\xBF- one\n- two \xFF").unwrap();
        std::fs::write(root.join("journals/2024_01_05.md"), "- day").unwrap();
        let logseq = LogseqConfig::without_file();
        let graph = crate::load::Graph::load(root, &[]).unwrap();
        for loaded in &graph.notes {
            let (source, diagnostic) = read_note(root, &loaded.rel_path, &logseq).unwrap();
            assert_eq!(
                (&source.name, source.journal, &source.text),
                (&loaded.name, loaded.journal, &loaded.text)
            );
            let expected: Vec<&Diagnostic> = graph
                .diagnostics
                .iter()
                .filter(|d| d.path == Path::new(&loaded.rel_path))
                .collect();
            assert_eq!(diagnostic.iter().collect::<Vec<_>>(), expected);
        }
        assert!(read_note(root, "pages/missing.md", &logseq).is_err());
    }
}
