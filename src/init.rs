//! INIT: `blockpress init [DIR]` writes a `site.toml` for an existing Logseq
//! graph, or scaffolds a small starter graph in an empty folder.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::load::logseq_config::{LogseqConfig, NameFormat};

/// What `init` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Wrote `site.toml` for the graph that was already there.
    ConfiguredGraph,
    /// Created a starter graph and its `site.toml`.
    ScaffoldedGraph,
}

/// Runs `init` in `dir`; refuses to overwrite `site.toml` unless `force`.
pub fn init(dir: &Path, force: bool) -> Result<Outcome> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let config_path = dir.join("site.toml");
    if config_path.exists() && !force {
        return Err(Error::Refused(format!(
            "{} already exists; use --force to overwrite it",
            config_path.display()
        )));
    }
    let is_graph = dir.join("logseq/config.edn").is_file()
        || dir.join("pages").is_dir()
        || dir.join("journals").is_dir();
    let is_empty = fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .all(|e| e.is_ok_and(|e| e.file_name() == "site.toml"));
    let outcome = if is_graph {
        Outcome::ConfiguredGraph
    } else if is_empty {
        scaffold(dir)?;
        Outcome::ScaffoldedGraph
    } else {
        return Err(Error::Refused(format!(
            "{} is neither a Logseq graph (no logseq/config.edn, pages/ or journals/) nor empty",
            dir.display()
        )));
    };
    let logseq = match fs::read_to_string(dir.join("logseq/config.edn")) {
        Ok(text) => LogseqConfig::parse(&text),
        Err(_) => LogseqConfig::without_file(),
    };
    let title = dir
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "Notes".into());
    write_new(&config_path, &site_toml(&title, &logseq, has_public_pages(dir)))?;
    Ok(outcome)
}

/// Whether some page of the graph says `public:: true`.
fn has_public_pages(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir.join("pages"))
        .max_depth(3)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .take(20_000)
        .any(|e| {
            fs::read_to_string(e.path())
                .is_ok_and(|t| t.lines().take(20).any(|l| is_public_line(l.trim())))
        })
}

/// `public:: true` (Markdown) or `#+public: true` (Org) as a page property line.
fn is_public_line(line: &str) -> bool {
    line == "public:: true"
        || line
            .strip_prefix("#+")
            .and_then(|l| l.split_once(':'))
            .is_some_and(|(k, v)| k.eq_ignore_ascii_case("public") && v.trim() == "true")
}

fn site_toml(title: &str, logseq: &LogseqConfig, public_pages: bool) -> String {
    let publish = if public_pages && !logseq.all_pages_public { "public-only" } else { "all" };
    let name_format = match logseq.name_format {
        NameFormat::TripleLowbar => "triple-lowbar",
        NameFormat::Legacy => "legacy",
    };
    let title = title.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        r##"# blockpress site configuration, written by `blockpress init`.
# Every key is optional; delete a line to get its default.

# Shown in every page header and <title>.
title = "{title}"
description = ""
# Absolute URL where the site will be published (for canonical links, sitemap
# and feed); internal links are always relative, so the site also works from disk.
base_url = ""

# This folder is the Logseq graph; the site is written to public/.
notes_dir = "."
output_dir = "public"

# Detected in logseq/config.edn (read from there at every build):
#   file names:         {name_format}
#   journal titles:     {journal_title}
#   journal file names: {journal_file}
#   all pages public:   {all_public}

# "all": every page except `public:: false`.
# "public-only": only pages with `public:: true` (Logseq's own default for publishing).
publish = "{publish}"

# Keep raw HTML in notes as written (true) or sanitise it (false).
allow_html = false

[theme_options]
# accent_color = "#0a58b8"
sidebar_pages = 20
sidebar_journals = 10
"##,
        journal_title = logseq.journal_title_format,
        journal_file = logseq.journal_file_format,
        all_public = logseq.all_pages_public,
    )
}

fn scaffold(dir: &Path) -> Result<()> {
    let files: [(&str, &str); 4] = [
        (
            "logseq/config.edn",
            "{:file/name-format :triple-lowbar\n :journal/page-title-format \"MMM do, yyyy\"\n :default-home {:page \"Welcome\"}}\n",
        ),
        (
            "pages/Welcome.md",
            "- Welcome to your notes, published with blockpress.\n- Every `- ` line is a block; indent with a tab to nest.\n\t- Link pages with [[Getting Started]] or tag them #notes.\n- Edit this file while `blockpress serve` runs and watch the page change.\n",
        ),
        (
            "pages/Getting Started.md",
            "tags:: notes\n\n- Write pages in `pages/`, daily notes in `journals/`.\n- `blockpress build` writes the site to `public/`; open `public/index.html`.\n",
        ),
        ("journals/2026_01_01.md", "- Started a graph with [[Welcome]].\n"),
    ];
    for (rel, text) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        write_new(&path, text)?;
    }
    Ok(())
}

fn write_new(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;

    #[test]
    fn the_written_site_toml_parses() {
        let text = site_toml("My \"Graph\"", &LogseqConfig::default(), true);
        let config = SiteConfig::parse(&text).expect("valid site.toml");
        assert_eq!(config.title, "My \"Graph\"");
        assert_eq!(config.publish, crate::config::PublishMode::PublicOnly);
    }

    #[test]
    fn refuses_to_overwrite_without_force() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(init(dir.path(), false).expect("scaffold"), Outcome::ScaffoldedGraph);
        assert!(init(dir.path(), false).is_err());
        assert_eq!(init(dir.path(), true).expect("forced"), Outcome::ConfiguredGraph);
    }

    #[test]
    fn an_existing_graph_is_left_untouched() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("pages")).expect("mkdir");
        fs::write(dir.path().join("pages/a.md"), "- a").expect("write");
        assert_eq!(init(dir.path(), false).expect("init"), Outcome::ConfiguredGraph);
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 2, "pages/ and site.toml only: {names:?}");
        assert_eq!(fs::read_to_string(dir.path().join("pages/a.md")).expect("read"), "- a");
    }

    #[test]
    fn public_pages_are_found_in_markdown_and_org() {
        assert!(is_public_line("public:: true") && is_public_line("#+PUBLIC: true"));
        assert!(!is_public_line("#+public: false") && !is_public_line("public:: false"));
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir_all(dir.path().join("pages")).expect("mkdir");
        fs::write(dir.path().join("pages/a.org"), "#+title: A\n#+public: true\n* x")
            .expect("write");
        assert!(has_public_pages(dir.path()));
    }

    #[test]
    fn a_non_empty_non_graph_folder_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join("notes.txt"), "x").expect("write");
        assert!(init(dir.path(), false).is_err());
    }
}
