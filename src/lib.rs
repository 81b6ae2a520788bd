//! blockpress: a static-site generator for Logseq graphs.
//!
//! A one-way pipeline, one module per stage:
//! [`config`] (site.toml) → [`load`] (read the graph) → [`parse`] (blocks,
//! properties, inline syntax) → [`resolve`] (links, backlinks, the site model)
//! → [`render`] (HTML) → [`output`] (write the site atomically).
#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod load;
pub mod parse;
pub mod render;

pub use config::SiteConfig;
pub use error::{Diagnostic, Error, Result};
