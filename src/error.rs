//! Errors that stop a build, and diagnostics that do not.
//!
//! A build fails only when it cannot go on (bad `site.toml`, missing notes
//! folder, unwritable output). Everything a single note gets wrong is a
//! [`Diagnostic`]: reported with its file and line, and the build goes on.

use std::fmt;
use std::path::{Path, PathBuf};

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure that stops the build.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The site configuration is invalid.
    #[error("{}: {message}", path.display())]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What is wrong, with the line when known.
        message: String,
    },
    /// A theme template failed to load or render.
    #[error("template error: {0}")]
    Template(String),
    /// The build was refused before it started (e.g. an unsafe output dir).
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().to_path_buf(), source }
    }
}

/// How serious a diagnostic is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The site is built, but something is probably not what the author meant.
    Warning,
    /// Something could not be built as written.
    Error,
}

/// A problem found in the notes: reported, never fatal to the whole build.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// The file, relative to the graph root.
    pub path: PathBuf,
    /// 1-based line number, when known.
    pub line: Option<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
}

impl Diagnostic {
    /// A warning about `path` at `line`.
    pub fn warning(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic { severity: Severity::Warning, path: path.into(), line, message: message.into() }
    }

    /// An error about `path` at `line`: something in the notes could not be built as
    /// written (a broken reference or embed, a missing asset, an unreadable file).
    pub fn error(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic { severity: Severity::Error, path: path.into(), line, message: message.into() }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        match self.line {
            Some(line) => write!(f, "{level}: {}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{level}: {}: {}", self.path.display(), self.message),
        }
    }
}
