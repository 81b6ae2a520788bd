//! CHECK: read the graph without writing a site and report its problems.
//!
//! `blockpress check` runs every stage of a build but the last: it loads,
//! parses and resolves the graph and renders every page in memory, so it sees
//! exactly the diagnostics a build prints (render-time ones included), then
//! writes nothing. It adds a privacy report: unpublished pages that published
//! pages link to. Errors (broken block refs and embeds, embed cycles, missing
//! assets, unreadable files) make it exit with 1; warnings alone exit with 0.

pub mod privacy;
pub mod report;

use crate::config::{ConfigSource, SiteConfig};
use crate::error::{Diagnostic, Result, Severity};
use crate::render::{self, templates::Theme};
pub use privacy::{LinkSource, UnpublishedLink};

/// Output format of `blockpress check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// One line per problem, `file:line: message`.
    Text,
    /// A JSON document for machines.
    Json,
}

/// Options of `blockpress check`.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Where the graph and the configuration are.
    pub source: ConfigSource,
    /// Output format.
    pub format: CheckFormat,
    /// Print only the problems, no summary.
    pub quiet: bool,
}

/// Everything `blockpress check` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// The diagnostics a build of the same graph reports, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// Unpublished pages that published pages link to, by page name.
    pub unpublished_links: Vec<UnpublishedLink>,
}

impl CheckReport {
    /// Number of diagnostics of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }

    /// The exit code: 1 when there is an error, else 0.
    pub fn exit_code(&self) -> i32 {
        i32::from(self.count(Severity::Error) > 0)
    }
}

/// Checks the graph of `config`: everything a build does except writing.
pub fn check_site(config: &SiteConfig) -> Result<CheckReport> {
    let theme = Theme::load(&config.themes_dir, &config.theme)?;
    let site = crate::build::load_site(config)?;
    let (_files, rendered) = render::render_site(&site, &theme)?;
    let mut diagnostics = site.diagnostics.clone();
    diagnostics.extend(rendered);
    diagnostics.extend(unreadable_assets(&site, config));
    diagnostics.sort();
    diagnostics.dedup();
    let unpublished_links = privacy::unpublished_links(&site);
    Ok(CheckReport { diagnostics, unpublished_links })
}

/// Assets a build could not copy (a build stops at the first; check lists them all).
fn unreadable_assets(site: &crate::resolve::Site, config: &SiteConfig) -> Vec<Diagnostic> {
    site.assets
        .iter()
        .filter_map(|rel| {
            let error = std::fs::File::open(config.notes_dir.join(rel)).err()?;
            Some(Diagnostic::error(rel, None, format!("cannot read: {error}")))
        })
        .collect()
}

/// Runs `blockpress check`; returns the exit code.
pub fn run(options: &CheckOptions) -> Result<i32> {
    let config = options.source.resolve()?;
    let report = check_site(&config)?;
    match options.format {
        CheckFormat::Text => print!("{}", report::text(&report, options.quiet)),
        CheckFormat::Json => println!("{}", report::json(&report)),
    }
    Ok(report.exit_code())
}
