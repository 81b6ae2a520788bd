//! LEAF (any stage): paths made absolute without touching the disk, so
//! that `load` can skip the output folder and `output` can compare folders.

use std::path::{Component, Path, PathBuf};

/// Makes a path absolute and lexically normalised (without touching the disk).
pub fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for component in joined.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
