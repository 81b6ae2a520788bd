//! Walk the graph folder: which files are notes, which are assets, which are ignored.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

/// What a file found in the graph is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A page or journal: Markdown (`.md`, `.markdown`) or Org-mode (`.org`).
    Note,
    /// A file under `assets/`, copied to the output.
    Asset,
}

/// A file found by the walk, with its path relative to the graph root.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// Absolute path.
    pub path: PathBuf,
    /// Path relative to the graph root, with `/` separators.
    pub rel_path: String,
    /// What the file is.
    pub kind: FileKind,
}

/// Lists the notes and assets of the graph at `root`, sorted by path.
///
/// Skips hidden folders (`.git`, `.trash`), Logseq's backups and trash,
/// `node_modules`, symlinks, and any folder in `skip` (the output folder when
/// it sits inside the graph).
pub fn walk(root: &Path, skip: &[PathBuf]) -> Vec<FoundFile> {
    let mut found = Vec::new();
    // `skip` holds absolute paths; compare entries as absolute paths too.
    let root_abs = crate::util::paths::absolute(root);
    let skip: Vec<PathBuf> = skip.iter().map(|dir| crate::util::paths::absolute(dir)).collect();
    let walker = WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter();
    let walker = walker.filter_entry(|entry| {
        if entry.depth() == 0 {
            return true;
        }
        let ignored_name = is_ignored_name(&entry.file_name().to_string_lossy());
        let skipped = skip.iter().any(|dir| {
            root_abs.join(entry.path().strip_prefix(root).unwrap_or(entry.path())) == *dir
        });
        !ignored_name && !skipped && !is_logseq_internal(root, entry.path())
    });
    for entry in walker.filter_map(|e| e.ok()) {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else { continue };
        let rel_path =
            rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
        if let Some(kind) = classify(&rel_path) {
            found.push(FoundFile { path: entry.path().to_path_buf(), rel_path, kind });
        }
    }
    found
}

fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

fn is_logseq_internal(root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(root) else { return false };
    // Everything under logseq/ (config, backups, version files, trash) is Logseq's own;
    // config.edn and custom.css are read separately.
    let mut parts = rel.components();
    parts.next().is_some_and(|first| first.as_os_str() == "logseq") && parts.next().is_some()
}

/// Which kind of graph file a path (relative, `/`-separated) names.
pub fn classify(rel_path: &str) -> Option<FileKind> {
    if rel_path.starts_with("assets/") {
        return Some(FileKind::Asset);
    }
    let lower = rel_path.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") || lower.ends_with(".org") {
        Some(FileKind::Note)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_folder_and_extension() {
        assert_eq!(classify("pages/a.md"), Some(FileKind::Note));
        assert_eq!(classify("journals/2024_01_05.md"), Some(FileKind::Note));
        assert_eq!(classify("archived/x.MARKDOWN"), Some(FileKind::Note));
        assert_eq!(classify("assets/image_1.png"), Some(FileKind::Asset));
        assert_eq!(classify("assets/notes.md"), Some(FileKind::Asset));
        assert_eq!(classify("pages/x.org"), Some(FileKind::Note));
        assert_eq!(classify("whiteboards/x.edn"), None);
    }

    #[test]
    fn skips_the_output_folder_of_a_relative_graph_path() {
        let dir = tempfile::tempdir().unwrap();
        let graph = dir.path().join("graph");
        std::fs::create_dir_all(graph.join("public")).unwrap();
        std::fs::write(graph.join("public/x.md"), "- x").unwrap();
        std::fs::write(graph.join("a.md"), "- a").unwrap();
        let found = walk(&graph.join("./"), &[graph.join("public")]);
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn skips_hidden_backup_and_output_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in [
            "pages/a.md",
            ".git/x.md",
            "logseq/bak/pages/a.md",
            "logseq/config.edn",
            "public/b.md",
            "assets/i.png",
        ] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "- x").unwrap();
        }
        let found: Vec<_> =
            walk(root, &[root.join("public")]).into_iter().map(|f| f.rel_path).collect();
        assert_eq!(found, ["assets/i.png", "pages/a.md"]);
    }
}
