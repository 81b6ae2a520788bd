//! The default theme in a real browser: headless Debian chromium, driven by
//! `tests/browser/theme.test.js`, opens the default site (`notes/` built
//! with `site.toml`) from `file://`.
//!
//! * the K8s page and the index pages in light and dark, at desktop
//!   (1280×800) and phone (390×844) widths: no console error, page error or
//!   failed request, nothing wider than the viewport but code and diagrams,
//!   text contrast at WCAG AA, a collapsed block opening on click, the phone
//!   menu, the theme toggle; full-page screenshots go to
//!   `target/screenshots/theme/` (`k8s-light-desktop.png`, …);
//! * the same pages with JavaScript disabled: content, sidebar and collapsed
//!   blocks are all there;
//! * hover previews of page links and block refs.
//!
//! Set up once: `npm ci --prefix tests/browser` and `apt-get install -y chromium`.
//! Without either the browser tests are skipped with a notice, unless `CI` is set.

mod common;

use std::path::{Path, PathBuf};

use blockpress::SiteConfig;
use blockpress::search::preview;
use common::{TestSite, repo_root};
use serde_json::{Value, json};

/// The pages every browser check visits: the K8s page and the indexes.
const PAGES: [&str; 9] = [
    "k8s.html",
    "index.html",
    "all-pages.html",
    "tags.html",
    "journals.html",
    "2026-11-20.html",
    "search.html",
    "404.html",
    "graph.html",
];

/// The default site as `blockpress build` makes it from the repository root.
fn default_site() -> TestSite {
    TestSite::build_with(&repo_root().join("notes"), |config| {
        let out = config.output_dir.clone();
        *config = SiteConfig::from_file(&repo_root().join("site.toml")).expect("site.toml");
        config.output_dir = out;
    })
}

/// Where screenshots go: `target/screenshots/theme/`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| repo_root().join("target"), PathBuf::from);
    target.join("screenshots/theme")
}

/// The JSON argument of a `preview/*.js` script: `__bpPreview.name(…);`.
fn script_json(text: &str, call: &str) -> Value {
    let inner = text.trim().strip_prefix(call).and_then(|t| t.strip_suffix(");"));
    serde_json::from_str(inner.expect("a call")).expect("JSON")
}

/// The preview shards of a built site: the manifest's shard count and each shard's pages.
fn preview_shards(site: &TestSite) -> (u32, Vec<Value>) {
    let manifest = script_json(&site.read("preview/manifest.js"), "__bpPreview.manifest(");
    let shards = manifest["shards"].as_u64().expect("shard count") as u32;
    let bodies = (0..shards)
        .map(|n| {
            let text = site.read(&format!("preview/{n}.js"));
            let prefix = format!("__bpPreview.shard({n},");
            script_json(&text, &prefix)
        })
        .collect();
    (shards, bodies)
}

fn preview_bytes(site: &TestSite) -> u64 {
    let dir = site.out.join("preview");
    std::fs::read_dir(dir)
        .expect("preview/")
        .map(|e| e.expect("entry").metadata().expect("size").len())
        .sum()
}

#[test]
fn default_site_has_small_preview_data_for_every_page() {
    let site = default_site();
    let (shards, bodies) = preview_shards(&site);
    let k8s = &bodies[preview::shard_of("k8s.html", shards) as usize]["k8s.html"];
    assert_eq!(k8s[0], "K8s");
    assert!(
        k8s[1].as_str().is_some_and(|t| t.starts_with("K8s\nBasic k8s Architecture:")),
        "{k8s}"
    );
    let storage = &bodies[preview::shard_of("storage.html", shards) as usize]["storage.html"];
    assert!(storage[2].as_array().is_some_and(|a| !a.is_empty()), "Storage's aliases: {storage}");
    let pages: usize = bodies.iter().map(|b| b.as_object().map_or(0, |o| o.len())).sum();
    assert_eq!(pages, site.report.pages, "one preview per published page");
    let bytes = preview_bytes(&site);
    println!("preview data: {bytes} bytes in {} files for {pages} pages", shards + 1);
    assert!(bytes < 8 * 1024, "{bytes} bytes");
}

/// Runs one suite of `theme.test.js` with `config`; fails the test when a check fails.
fn run_suite(config: Value) {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), config.to_string()).expect("write config");
    common::run_browser_script("theme", "theme.test.js", &[file.path().as_os_str()]);
}

#[test]
fn browser_light_dark_desktop_phone() {
    let site = default_site();
    run_suite(json!({
        "suite": "matrix",
        "site": site.out,
        "pages": PAGES,
        "screenshots": screenshot_dir(),
    }));
}

#[test]
fn browser_reads_fully_without_javascript() {
    let site = default_site();
    run_suite(json!({
        "suite": "nojs",
        "site": site.out,
        "pages": PAGES,
        "screenshots": screenshot_dir(),
        // Text from the start, the middle and the end of the K8s notes, and the linked references.
        "k8s_words": ["Basic k8s Architecture", "StatefulSet", "Managing schedulling", "Linked references"],
    }));
}

/// A graph with a block ref, a page with a non-ASCII file name, a page that
/// is only linked, and enough other pages for several preview shards.
fn preview_fixture() -> Vec<(String, String)> {
    let mut files = vec![
        (
            "pages/Home.md".to_string(),
            "- Start here: ((64c1a1b2-0000-4000-8000-00000000abcd))\n- Read [[Café Notes]] and [[Nowhere Yet]]\n- Filler links: [[Topic 1]], [[Topic 2]]".to_string(),
        ),
        (
            "pages/Source.md".to_string(),
            "- Intro of the source page\n- Quorum needs a majority of members\n  id:: 64c1a1b2-0000-4000-8000-00000000abcd\n\t- three of five is enough".to_string(),
        ),
        (
            "pages/Café Notes.md".to_string(),
            "tags:: drinks\n\n- Espresso ratios for the morning\n- Milk foam notes".to_string(),
        ),
    ];
    for i in 0..800 {
        let text = format!(
            "- Topic {i} opens with a sentence long enough to fill a preview.\n- It goes on about item {i}, and {}\n",
            "more words ".repeat(25)
        );
        files.push((format!("pages/Topic {i}.md"), text));
    }
    files
}

#[test]
fn browser_hover_previews() {
    let site = default_site();
    let files = preview_fixture();
    let pairs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let fixture = TestSite::from_files(&pairs);
    let (shards, bodies) = preview_shards(&fixture);
    let cafe = &bodies[preview::shard_of("café-notes.html", shards) as usize]["café-notes.html"];
    assert_eq!(cafe[1], "Espresso ratios for the morning\nMilk foam notes", "{cafe}");
    let source = &bodies[preview::shard_of("source.html", shards) as usize]["source.html"];
    assert_eq!(
        source[5]["b-64c1a1b2-0000-4000-8000-00000000abcd"],
        "Quorum needs a majority of members\nthree of five is enough"
    );
    let hashes: Vec<Value> = ["k8s.html", "café-notes.html", "日本.html", ""]
        .iter()
        .map(|f| json!([f, preview::fnv1a(f)]))
        .collect();
    run_suite(json!({
        "suite": "preview",
        "site": site.out,
        "fixture": fixture.out,
        "screenshots": screenshot_dir(),
        "expect": {
            "page": "home.html",
            "block_text": "Quorum needs a majority of members",
            "block_page": "Source",
            "unicode_title": "Café Notes",
            "unicode_text": "Espresso ratios",
            "unicode_file": "café-notes.html",
            "missing_title": "Nowhere Yet",
            "hashes": hashes,
            "shards": shards,
        },
    }));
}

/// Preview figures of a graph, for the README:
/// `BENCH_GRAPH=/tmp/g2k cargo test --release --test theme -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, run by hand"]
fn preview_figures() {
    let Some(graph) = std::env::var_os("BENCH_GRAPH") else { return };
    let site =
        blockpress::load_site(&SiteConfig::for_graph(Path::new(&graph))).expect("graph loads");
    let index = blockpress::search::index::build(&site);
    let start = std::time::Instant::now();
    let previews = preview::build(&site, &index);
    let files = preview::files(&previews);
    let elapsed = start.elapsed();
    let sizes: Vec<usize> = files.iter().map(|f| f.bytes.len()).collect();
    let total: usize = sizes.iter().sum();
    let blocks: usize = previews.iter().map(|p| p.blocks.len()).sum();
    println!(
        "{} pages, {blocks} referenced blocks → {} files, {:.2} MiB (largest {} bytes) in {elapsed:.2?}",
        previews.len(),
        files.len(),
        total as f64 / 1048576.0,
        sizes.iter().max().unwrap_or(&0)
    );
}
