//! The documentation in `docs/` is a Logseq graph that blockpress builds
//! itself. These tests keep it honest:
//!
//! * it builds without a single warning, and the link checker finds no broken
//!   link, missing anchor or leaked Logseq syntax in it;
//! * the configuration reference cannot drift from [`SiteConfig`]: every key
//!   of `toml::to_string(&SiteConfig::default())` is documented, no other key
//!   is, each with its real default, and every TOML example parses as a
//!   `site.toml`;
//! * built with a `base_url` under a sub-path, no page links root-absolutely.
//!
//! The configuration pages (`docs/pages/Configuration.md` and its namespace
//! children `Configuration___*.md`) document a key with one block per key:
//!
//! ```text
//! - `theme_options.sidebar_pages`: what it does…
//!   default:: `20`
//! ```
//!
//! The block's first line starts with the key in inline code (dotted for
//! tables), and the block carries a `default::` property whose value is the
//! default as a TOML literal in inline code. A block with a `default::`
//! property is a key block; any other block is prose.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use blockpress::SiteConfig;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn docs_dir() -> PathBuf {
    repo_root().join("docs")
}

/// The documentation's own configuration, writing into `out`.
fn docs_config(out: &Path) -> SiteConfig {
    let mut config = SiteConfig::from_file(&docs_dir().join("site.toml"))
        .unwrap_or_else(|e| panic!("docs/site.toml: {e}"));
    config.output_dir = out.to_path_buf();
    config
}

/// Builds the docs into `out` and insists on a build without warnings.
fn build_docs(config: &SiteConfig) {
    let report = blockpress::build(config).unwrap_or_else(|e| panic!("the docs do not build: {e}"));
    let warnings: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        report.diagnostics.is_empty(),
        "the docs build with warnings (paths are relative to docs/):\n{}",
        warnings.join("\n")
    );
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Runs `../shared/tools/check_site.py` on `site` when it is there; in CI it must be.
fn check_site(site: &Path) {
    let script = repo_root().join("../shared/tools/check_site.py");
    if !script.is_file() {
        assert!(!in_ci(), "{} is missing; CI must run the link check", script.display());
        eprintln!("note: {} not found; link check of the docs skipped", script.display());
        return;
    }
    match Command::new("python3").arg(&script).arg(site).output() {
        Ok(output) => assert!(
            output.status.success(),
            "check_site.py found problems in the docs:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
        Err(e) => {
            assert!(!in_ci(), "cannot run python3 for the link check: {e}");
            eprintln!("note: cannot run python3 ({e}); link check of the docs skipped");
        }
    }
}

#[test]
fn docs_build_without_warnings_and_pass_the_link_check() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("site");
    build_docs(&docs_config(&out));
    for page in ["index.html", "configuration.html", "configuration.theme-options.html"] {
        assert!(out.join(page).is_file(), "{page} is missing from the docs site");
    }
    check_site(&out);
}

// ---------------------------------------------------------------------------
// The configuration reference against `SiteConfig`.

/// A key block of a configuration page.
#[derive(Debug)]
struct KeyBlock {
    /// The key, dotted for tables (`theme_options.accent_color`).
    key: String,
    /// The `default::` value as written, backticks included.
    default: String,
    /// `file:line` of the block, for messages.
    at: String,
}

/// The configuration pages: `Configuration.md` and its namespace children.
fn configuration_pages() -> Vec<(String, String)> {
    let dir = docs_dir().join("pages");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name == "Configuration.md" || name.starts_with("Configuration___"))
        .map(|name| {
            let text = std::fs::read_to_string(dir.join(&name)).expect("readable page");
            (format!("docs/pages/{name}"), text)
        })
        .collect();
    pages.sort();
    assert!(
        pages.iter().any(|(name, _)| name.ends_with("/Configuration.md")),
        "docs/pages/Configuration.md is missing"
    );
    pages
}

/// One line of a Logseq page, classified.
enum Line<'a> {
    /// `- first line` of a block (indentation removed).
    BlockStart(&'a str),
    /// A continuation line of the current block, outside fenced code.
    Continuation(&'a str),
    /// A line inside fenced code (including the closing fence).
    Code,
}

/// Classifies the lines of a page: block starts, continuations and fenced code.
fn classify(text: &str) -> Vec<Line<'_>> {
    let mut in_fence = false;
    text.lines()
        .map(|line| {
            let unindented = line.trim_start_matches('\t');
            if in_fence {
                if unindented.trim_start().starts_with("```") {
                    in_fence = false;
                }
                return Line::Code;
            }
            let classified = match unindented.strip_prefix("- ") {
                Some(first) => Line::BlockStart(first),
                None if unindented == "-" => Line::BlockStart(""),
                None => Line::Continuation(unindented.trim_start()),
            };
            let content = match &classified {
                Line::BlockStart(t) | Line::Continuation(t) => *t,
                Line::Code => "",
            };
            if content.starts_with("```") {
                in_fence = true;
            }
            classified
        })
        .collect()
}

/// The key blocks of one page (blocks with a `default::` property), and the
/// problems of the malformed ones.
fn key_blocks(file: &str, text: &str) -> (Vec<KeyBlock>, Vec<String>) {
    let (mut found, mut problems) = (Vec::new(), Vec::new());
    let mut current: Option<(&str, usize)> = None;
    for (i, line) in classify(text).into_iter().enumerate() {
        match line {
            Line::BlockStart(first) => current = Some((first, i + 1)),
            Line::Continuation(t) => {
                let Some(value) = t.strip_prefix("default::") else { continue };
                let Some((first, line_no)) = current else {
                    problems.push(format!("{file}:{}: `default::` outside any block", i + 1));
                    continue;
                };
                let at = format!("{file}:{line_no}");
                let key = first
                    .strip_prefix('`')
                    .and_then(|rest| rest.split_once('`'))
                    .map(|(key, _)| key.to_string())
                    .filter(|key| !key.is_empty());
                match key {
                    Some(key) => {
                        found.push(KeyBlock { key, default: value.trim().to_string(), at })
                    }
                    None => problems.push(format!(
                        "{at}: a block with `default::` must start with its key in backticks"
                    )),
                }
            }
            Line::Code => {}
        }
    }
    (found, problems)
}

/// Every leaf key of the serialised default configuration, dotted, with its value.
fn default_keys() -> BTreeMap<String, toml::Value> {
    let text = toml::to_string(&SiteConfig::default()).expect("the default config serialises");
    let table: toml::Table = toml::from_str(&text).expect("the serialised config parses");
    let mut keys = BTreeMap::new();
    flatten("", &table, &mut keys);
    keys
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut BTreeMap<String, toml::Value>) {
    for (key, value) in table {
        let key = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::Table(inner) => flatten(&key, inner, out),
            other => {
                out.insert(key, other.clone());
            }
        }
    }
}

/// A documented default, `` `"notes"` ``, as a TOML value.
fn parse_default(written: &str) -> Result<toml::Value, String> {
    let literal = written
        .strip_prefix('`')
        .and_then(|rest| rest.strip_suffix('`'))
        .filter(|literal| !literal.contains('`'))
        .ok_or_else(|| {
            format!("write the default as a TOML literal in backticks, not {written}")
        })?;
    let table: toml::Table = toml::from_str(&format!("value = {literal}"))
        .map_err(|e| format!("{written} is not a TOML value: {}", e.message()))?;
    table.get("value").cloned().ok_or_else(|| format!("{written} is not a TOML value"))
}

#[test]
fn configuration_reference_documents_every_key_with_its_default() {
    let expected = default_keys();
    let mut problems = Vec::new();
    let mut documented: BTreeMap<String, KeyBlock> = BTreeMap::new();
    for (file, text) in configuration_pages() {
        let (blocks, malformed) = key_blocks(&file, &text);
        problems.extend(malformed);
        for block in blocks {
            if let Some(first) = documented.get(&block.key) {
                problems.push(format!(
                    "{}: `{}` is documented twice (also at {})",
                    block.at, block.key, first.at
                ));
            } else {
                documented.insert(block.key.clone(), block);
            }
        }
    }
    for key in expected.keys().filter(|key| !documented.contains_key(*key)) {
        problems.push(format!("`{key}` is a site.toml key but no configuration page documents it"));
    }
    for block in documented.values() {
        let Some(value) = expected.get(&block.key) else {
            problems.push(format!(
                "{}: `{}` is documented but is no longer a site.toml key",
                block.at, block.key
            ));
            continue;
        };
        match parse_default(&block.default) {
            Ok(written) if &written == value => {}
            Ok(_) => problems.push(format!(
                "{}: `{}` is documented with default {} but its default is `{value}`",
                block.at, block.key, block.default
            )),
            Err(problem) => problems.push(format!("{}: `{}`: {problem}", block.at, block.key)),
        }
    }
    assert!(problems.is_empty(), "the configuration reference drifted:\n{}", problems.join("\n"));
}

/// The contents of every ```` ```toml ```` fence of a page, de-indented.
fn toml_fences(text: &str) -> Vec<String> {
    let mut fences = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for line in text.lines() {
        let tabs = line.len() - line.trim_start_matches('\t').len();
        let unindented = &line[tabs..];
        let content = unindented.strip_prefix("- ").unwrap_or(unindented).trim_start();
        match &mut current {
            Some((_, lines)) if content.starts_with("```") => {
                fences.push(lines.join("\n"));
                current = None;
            }
            Some((indent, lines)) => {
                let code = line
                    .strip_prefix("\t".repeat(*indent).as_str())
                    .map(|l| l.strip_prefix("  ").unwrap_or(l.trim_start_matches(' ')))
                    .unwrap_or(line.trim_start());
                lines.push(code.to_string());
            }
            None if content.trim_end() == "```toml" => current = Some((tabs, Vec::new())),
            None => {}
        }
    }
    fences
}

#[test]
fn the_all_defaults_example_is_exactly_the_defaults() {
    let pages = configuration_pages();
    let (_, text) = pages
        .iter()
        .find(|(name, _)| name.ends_with("/Configuration.md"))
        .expect("Configuration.md");
    let example = toml_fences(text)
        .into_iter()
        .next()
        .expect("Configuration.md starts its examples with a site.toml of all defaults");
    let parsed = SiteConfig::parse(&example)
        .unwrap_or_else(|e| panic!("the all-defaults example is not a valid site.toml: {e}"));
    assert_eq!(parsed, SiteConfig::default(), "the all-defaults example has a wrong value");
    let table: toml::Table = toml::from_str(&example).expect("parses");
    let mut keys = BTreeMap::new();
    flatten("", &table, &mut keys);
    let written: BTreeSet<&String> = keys.keys().collect();
    let expected = default_keys();
    let all: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(written, all, "the all-defaults example must set every key");
}

#[test]
fn every_toml_example_in_the_docs_is_a_valid_site_toml() {
    let dir = docs_dir().join("pages");
    let mut checked = 0;
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    entries.sort();
    for path in entries {
        let text = std::fs::read_to_string(&path).expect("readable page");
        for example in toml_fences(&text) {
            if let Err(e) = SiteConfig::parse(&example) {
                panic!(
                    "{}: a TOML example is not a valid site.toml: {e}\n{example}",
                    path.display()
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 3, "expected the docs to show several site.toml examples, found {checked}");
}

// ---------------------------------------------------------------------------
// Hosting under a sub-path.

#[test]
fn a_site_under_a_sub_path_has_no_root_absolute_links() {
    let base = "https://example.org/some/path/";
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("site");
    let mut config = docs_config(&out);
    config.base_url = base.into();
    build_docs(&config);

    let mut offenders = Vec::new();
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&out).into_iter().filter_map(|e| e.ok()) {
        let path = entry.path();
        if path.extension().is_none_or(|ext| ext != "html") {
            continue;
        }
        pages += 1;
        let html = std::fs::read_to_string(path).expect("readable page");
        for attribute in ["href=\"/", "src=\"/", "action=\"/", "href='/", "src='/", "action='/"] {
            for (at, _) in html.match_indices(attribute) {
                let snippet: String = html[at..].chars().take(80).collect();
                let rel = path.strip_prefix(&out).unwrap_or(path);
                offenders.push(format!("{}: {snippet}", rel.display()));
            }
        }
    }
    assert!(pages > 10, "expected a whole site, found {pages} pages");
    assert!(
        offenders.is_empty(),
        "root-absolute links break a site under {base}:\n{}",
        offenders.join("\n")
    );

    // The base URL is still used where an address must be absolute.
    let index = std::fs::read_to_string(out.join("index.html")).expect("index.html");
    assert!(
        index.contains(&format!("<link rel=\"canonical\" href=\"{base}")),
        "the home page has no canonical link under {base}"
    );
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).expect("sitemap.xml");
    let locs: Vec<&str> =
        sitemap.split("<loc>").skip(1).filter_map(|s| s.split("</loc>").next()).collect();
    assert!(!locs.is_empty(), "empty sitemap");
    for loc in locs {
        assert!(loc.starts_with(base), "sitemap entry {loc} is not under {base}");
    }

    // A server shows 404.html for a missing address at any depth: its
    // links, styles and scripts are absolute under the base URL.
    let not_found = std::fs::read_to_string(out.join("404.html")).expect("404.html");
    for needle in [
        format!("href=\"{base}static/style.css\""),
        format!("src=\"{base}static/blockpress.js\""),
        format!("href=\"{base}index.html\""),
    ] {
        assert!(not_found.contains(&needle), "404.html lacks {needle}");
    }
    assert!(!not_found.contains("href=\"static/"), "404.html keeps a relative link");
}

// ---------------------------------------------------------------------------
// The theming reference against the default theme and the page context.

#[test]
fn theming_reference_lists_every_template_and_page_variable() {
    let path = docs_dir().join("pages/Theming.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut missing = Vec::new();

    let templates = repo_root().join("themes/default/templates");
    let mut names: Vec<String> = std::fs::read_dir(&templates)
        .unwrap_or_else(|e| panic!("{}: {e}", templates.display()))
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        if !text.contains(&format!("`{name}`")) {
            missing.push(format!("the template `{name}`"));
        }
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let site = blockpress::load_site(&docs_config(dir.path())).expect("the docs load");
    let (id, _) = site.published().next().expect("the docs have pages");
    let (context, _) = blockpress::render::page::page_context(
        &site,
        id,
        &Default::default(),
        &blockpress::graph::SiteGraph::from_site(&site),
    );
    let value = serde_json::to_value(&context).expect("the page context serialises");
    let fields = value.as_object().expect("the page context is a map");
    for field in fields.keys() {
        if !text.contains(&format!("`page.{field}`")) {
            missing.push(format!("the variable `page.{field}` of page.html"));
        }
    }
    assert!(missing.is_empty(), "docs/pages/Theming.md does not document:\n{}", missing.join("\n"));
}
