//! blockpress: a static-site generator for Logseq graphs.
//!
//! A one-way pipeline, one module per stage: [`load`] (read the graph) →
//! [`parse`] (blocks, properties, inline syntax) → [`resolve`] (links,
//! backlinks, the site model) → [`graph`] and [`search`] (the graph view,
//! the search index) → [`render`] (HTML) → [`output`] (write the site
//! safely). The modules are in layers; each imports only the layers above
//! its own row and, for a stage, only the stages before it
//! (`tests/architecture.rs` holds this table and fails on any other import):
//!
//! | Layer | Modules | May import (besides the leaves) |
//! |---|---|---|
//! | leaves | [`error`], [`util`], [`diagnostics`], [`config`], [`files`] | the leaves before them |
//! | stages | [`load`], [`parse`], [`resolve`], [`graph`], [`search`], [`render`], [`output`] | the stages before them; `graph` and `search` not each other; `load`, `parse`, `output` none |
//! | incremental | [`cache`], [`mod@build`], [`serve`] | every stage; `build` → `cache`; `serve` → `cache`, `build` |
//! | commands | [`check`], [`init`] | `check` → the stages, `build`; `init` → `load` |
//! | command line | [`cli`] | `build`, `check`, `serve`, `init` |
//!
//! The incremental machinery sits above the stages and drives them: no
//! stage knows of the cache. The commands take plain option structs; the
//! command line builds them from the arguments.
#![warn(missing_docs)]

pub mod build;
pub mod cache;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod error;
pub mod files;
pub mod graph;
pub mod init;
pub mod load;
pub mod output;
pub mod parse;
pub mod render;
pub mod resolve;
pub mod search;
pub mod serve;
pub mod util;

pub use build::{BuildReport, load_site};
pub use config::SiteConfig;
pub use error::{Diagnostic, Error, Result};
pub use util::timing::{Stage, StageTimes, peak_memory};

/// Builds the site described by `config` into its output folder, rendering
/// only what changed since the previous build there (see [`cache`]).
pub fn build(config: &SiteConfig) -> Result<BuildReport> {
    build::build(config, &build::BuildOptions::default())
}
