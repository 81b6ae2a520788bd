//! Foreign graphs: graphs written the way other people's Logseq graphs look
//! (`tests/foreign/<graph>/`, plus a generated deep-namespace graph of 2,000
//! pages) are built with the library and every written page is checked:
//!
//! * every relative `href`/`src` lands on a file the build wrote, inside the
//!   site (no directory links: the site must work from `file://`); the only
//!   exceptions are the assets missing from the graph, which must be exactly
//!   the ones `build` and `check` report;
//! * every `#fragment` of an `<a>` is an `id` of the target page;
//! * no raw `[[…]]`, `((uuid))`, `{{…}}`, `key:: value` line or
//!   `#+BEGIN_`/`#+END_` in rendered text outside
//!   `pre/code/script/style/textarea/kbd/samp/svg`;
//! * backlink recall: every `[[link]]`/`#tag` a published note makes (as the
//!   library parses it) shows the source block, or its ancestor that shows
//!   it, in the target page's "Linked references" (directly, or in "Also
//!   referenced from" past the shown limit). Exceptions, as in Logseq: a
//!   page's links to itself (Logseq lists no page's own blocks among its
//!   linked references, aliases included) and links to unpublished pages
//!   (plain text);
//! * `build` and `check` report exactly the fixture's expected diagnostics.
//!
//! `FOREIGN_GRAPH_OUT=/tmp/deep cargo test --test foreign write_generated_graph
//! -- --ignored` writes the generated graph to a folder, to look at or to
//! build with the binary.

mod common;
#[path = "common/foreign_graph.rs"]
mod foreign_graph;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use blockpress::SiteConfig;
use common::repo_root;
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/* ---- Reading a page ---------------------------------------------------- */

/// Elements whose text may hold Logseq syntax as written.
const SKIP_TEXT: &[&str] = &["pre", "code", "script", "style", "textarea", "kbd", "samp", "svg"];

/// What the checks need of one HTML page.
#[derive(Default)]
struct Html {
    ids: HashSet<String>,
    /// (element, URL) of every `href`/`src`.
    links: Vec<(String, String)>,
    /// Rendered text outside [`SKIP_TEXT`], one line per text run.
    text: String,
}

#[derive(Default)]
struct Sink {
    page: RefCell<Html>,
    skip: RefCell<Vec<String>>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        match token {
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                let mut page = self.page.borrow_mut();
                page.text.push('\n');
                if tag.kind == TagKind::EndTag {
                    let mut skip = self.skip.borrow_mut();
                    if skip.last() == Some(&name) {
                        skip.pop();
                    }
                    return TokenSinkResult::Continue;
                }
                for attr in &tag.attrs {
                    let key = &*attr.name.local;
                    if key == "id" {
                        page.ids.insert(attr.value.to_string());
                    }
                    if key == "href" || key == "src" {
                        page.links.push((name.clone(), attr.value.to_string()));
                    }
                }
                if SKIP_TEXT.contains(&name.as_str()) && !tag.self_closing {
                    self.skip.borrow_mut().push(name.clone());
                }
                match name.as_str() {
                    "script" => TokenSinkResult::RawData(RawKind::ScriptData),
                    "style" => TokenSinkResult::RawData(RawKind::Rawtext),
                    "textarea" | "title" => TokenSinkResult::RawData(RawKind::Rcdata),
                    _ => TokenSinkResult::Continue,
                }
            }
            Token::CharacterTokens(text) => {
                if self.skip.borrow().is_empty() {
                    self.page.borrow_mut().text.push_str(&text);
                }
                TokenSinkResult::Continue
            }
            _ => TokenSinkResult::Continue,
        }
    }
}

fn read_html(text: &str) -> Html {
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(text));
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.page.into_inner()
}

/* ---- Raw syntax -------------------------------------------------------- */

/// Raw Logseq syntax in rendered text: the rules of `check_site.py`.
fn leaks(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut report = |kind: &str| found.push(format!("{kind}: {}", line.trim()));
        if paired(line, "[[", "]]") {
            report("wikilink");
        }
        if paired(line, "{{", "}}") {
            report("macro");
        }
        if line.match_indices("((").any(|(at, _)| is_uuid_ref(&line[at + 2..])) {
            report("block-ref");
        }
        if is_property_line(line) {
            report("property");
        }
        if line.contains("#+BEGIN_") || line.contains("#+END_") {
            report("org-block");
        }
    }
    found
}

/// `open`, then 1–200 characters without `]`/`}` of the closer, then `close`.
fn paired(line: &str, open: &str, close: &str) -> bool {
    let stop = close.chars().next().expect("closer");
    line.match_indices(open).any(|(at, _)| {
        let rest = &line[at + open.len()..];
        let inner: String = rest.chars().take_while(|&c| c != stop).collect();
        !inner.is_empty() && inner.chars().count() <= 200 && rest[inner.len()..].starts_with(close)
    })
}

fn is_uuid_ref(rest: &str) -> bool {
    let bytes = rest.as_bytes();
    bytes.len() >= 30
        && bytes[..8].iter().all(u8::is_ascii_hexdigit)
        && bytes[8] == b'-'
        && rest[9..].find("))").is_some_and(|end| end >= 20)
}

fn is_property_line(line: &str) -> bool {
    let line = line.trim_start();
    let Some((key, _)) = line.split_once(":: ") else { return false };
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/* ---- Building and checking one graph ----------------------------------- */

/// Every `.html` file of a site, read, by path relative to the site.
fn pages_of(out: &Path) -> BTreeMap<PathBuf, (String, Html)> {
    use rayon::prelude::*;
    let paths: Vec<PathBuf> = walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.path().to_path_buf())
        .collect();
    paths
        .into_par_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("read page");
            let html = read_html(&text);
            (path.strip_prefix(out).expect("inside").to_path_buf(), (text, html))
        })
        .collect()
}

/// Lexically resolves `rel` against the folder `dir` (both relative to the site);
/// `None` when it leaves the site.
fn join(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut parts: Vec<String> =
        dir.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part.to_string()),
        }
    }
    Some(parts.iter().collect())
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// What a built graph shows that it should not.
#[derive(Debug, Default)]
struct Problems {
    broken: Vec<String>,
    missing_fragments: Vec<String>,
    leaks: Vec<String>,
    /// Links to assets that are not in the graph, as `page -> assets/…`.
    missing_assets: BTreeSet<String>,
    /// Source links not listed on the target page, as `source -> target`.
    unlisted: Vec<String>,
    /// Links checked for recall.
    links: usize,
}

impl Problems {
    fn summary(&self) -> String {
        format!(
            "broken_links={} missing_fragments={} leaks={} missing_assets={} backlink_recall={}/{}",
            self.broken.len(),
            self.missing_fragments.len(),
            self.leaks.len(),
            self.missing_assets.len(),
            self.links - self.unlisted.len(),
            self.links
        )
    }
}

fn check_links(out: &Path, pages: &BTreeMap<PathBuf, (String, Html)>, problems: &mut Problems) {
    for (path, (_, html)) in pages {
        let dir = path.parent().unwrap_or(Path::new(""));
        for (tag, url) in &html.links {
            if url.is_empty()
                || url.contains("://")
                || url.starts_with("//")
                || ["javascript:", "data:", "mailto:"].iter().any(|p| url.starts_with(p))
            {
                continue;
            }
            let (file, fragment) = url.split_once('#').unwrap_or((url, ""));
            let file = file.split_once('?').map_or(file, |(f, _)| f);
            let where_ = format!("{} -> {url}", path.display());
            if file.starts_with('/') {
                problems.broken.push(format!("{where_} (root-absolute)"));
                continue;
            }
            let target =
                if file.is_empty() { Some(path.clone()) } else { join(dir, &decode(file)) };
            let Some(target) = target else {
                problems.broken.push(format!("{where_} (outside the site)"));
                continue;
            };
            if !out.join(&target).is_file() {
                if target.starts_with("assets") {
                    problems.missing_assets.insert(format!(
                        "{} -> {}",
                        path.display(),
                        target.display()
                    ));
                } else {
                    let what = if out.join(&target).is_dir() { "directory" } else { "missing" };
                    problems.broken.push(format!("{where_} ({what})"));
                }
                continue;
            }
            if !fragment.is_empty() && tag == "a" {
                if let Some((_, page)) = pages.get(&target) {
                    if !page.ids.contains(&decode(fragment)) {
                        problems.missing_fragments.push(where_);
                    }
                }
            }
        }
        problems
            .leaks
            .extend(leaks(&html.text).into_iter().map(|l| format!("{}: {l}", path.display())));
    }
}

/// The URLs a page lists in its linked references: each block's jump link
/// and the pages of "Also referenced from".
fn listed_references(text: &str) -> HashSet<String> {
    let Some(start) = text.find("<section class=\"backlinks\"") else { return HashSet::new() };
    let rest = &text[start..];
    let end =
        rest.find("<details class=\"backlinks unlinked\"").or_else(|| rest.find("</article>"));
    let section = &rest[..end.unwrap_or(rest.len())];
    let mut urls = HashSet::new();
    let jump = "class=\"backlink-jump\" href=\"";
    for (at, _) in section.match_indices(jump) {
        let url = &section[at + jump.len()..];
        urls.insert(decode(&url[..url.find('"').unwrap_or(0)]));
    }
    if let Some(more) = section.find("<p class=\"references-more\">") {
        let more = &section[more..section[more..].find("</p>").map_or(section.len(), |e| more + e)];
        for (at, _) in more.match_indices("href=\"") {
            let url = &more[at + 6..];
            urls.insert(decode(&url[..url.find('"').unwrap_or(0)]));
        }
    }
    urls
}

/// Backlink recall: every link a published note makes is listed on its target.
fn check_recall(
    site: &blockpress::resolve::Site,
    pages: &BTreeMap<PathBuf, (String, Html)>,
    problems: &mut Problems,
) {
    let mut listed: HashMap<String, HashSet<String>> = HashMap::new();
    for (id, page) in site.published() {
        let Some(note) = &page.note else { continue };
        for (i, block) in note.blocks.iter().enumerate() {
            for name in &block.page_refs {
                let Some(target_id) = site.lookup_id(name) else {
                    problems.unlisted.push(format!("{}: [[{name}]] names no page", note.rel_path));
                    problems.links += 1;
                    continue;
                };
                let target = &site.pages[target_id];
                // Logseq lists no page's own blocks among its references;
                // an unpublished target is plain text.
                if target_id == id || !target.published {
                    continue;
                }
                problems.links += 1;
                let urls = listed.entry(target.file_name()).or_insert_with(|| {
                    pages
                        .get(Path::new(&target.file_name()))
                        .map(|(text, _)| listed_references(text))
                        .unwrap_or_default()
                });
                let source = page.file_name();
                let mut shown = std::iter::successors(Some(i), |&b| note.blocks[b].parent())
                    .any(|b| urls.contains(&format!("{source}#{}", &page.anchors[b])));
                // Page properties and "Also referenced from" point at the page.
                shown |= urls.contains(&source);
                if !shown {
                    problems.unlisted.push(format!(
                        "{}:{} [[{name}]] -> {} does not list it",
                        note.rel_path,
                        block.line,
                        target.file_name()
                    ));
                }
            }
        }
    }
}

/// Builds `graph` and checks everything; returns the problems, what `build`
/// reported (with `check`, after checking that `blockpress check` reports
/// the same: the generated graph leaves that out, for time) and the site.
fn build_and_check(
    graph: &Path,
    check: bool,
) -> (Problems, Vec<String>, blockpress::resolve::Site) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("public");
    let mut config = SiteConfig::for_graph(graph);
    config.output_dir = out.clone();
    config.themes_dir = repo_root().join("themes");
    let report = blockpress::build(&config).expect("build succeeds");
    let built: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
    if check {
        let checked = blockpress::check::check_site(&config).expect("check runs");
        let checked: Vec<String> = checked.diagnostics.iter().map(ToString::to_string).collect();
        assert_eq!(built, checked, "build and check report the same problems");
    }
    let site = blockpress::load_site(&config).expect("loads");
    let pages = pages_of(&out);
    let mut problems = Problems::default();
    check_links(&out, &pages, &mut problems);
    check_recall(&site, &pages, &mut problems);
    let name = graph.file_name().expect("name").to_string_lossy().into_owned();
    eprintln!("{name}: {} diagnostics={}", problems.summary(), built.len());
    if let Ok(keep) = std::env::var("FOREIGN_KEEP_SITES") {
        let _ = std::fs::remove_dir_all(Path::new(&keep).join(&name));
        std::fs::create_dir_all(&keep).expect("mkdir");
        std::fs::rename(&out, Path::new(&keep).join(name)).expect("keep the site");
    }
    (problems, built, site)
}

/// Fails with every problem found, beside what the fixture allows.
fn assert_clean(name: &str, problems: &Problems, expected_assets: &[&str]) {
    let assets: Vec<&str> = problems.missing_assets.iter().map(String::as_str).collect();
    let mut report = Vec::new();
    for (kind, list) in [
        ("broken link", &problems.broken),
        ("missing fragment", &problems.missing_fragments),
        ("raw syntax", &problems.leaks),
        ("not a linked reference", &problems.unlisted),
    ] {
        report.extend(list.iter().take(20).map(|p| format!("{kind}: {p}")));
        if list.len() > 20 {
            report.push(format!("… and {} more of {kind}", list.len() - 20));
        }
    }
    if assets != expected_assets {
        report.push(format!("links to missing assets: {assets:#?}, expected {expected_assets:#?}"));
    }
    assert!(report.is_empty(), "{name}: {}\n{}", problems.summary(), report.join("\n"));
    assert!(problems.links > 0, "{name}: the notes make links");
}

/// Each name is the page of that file (relative to the graph).
fn assert_files<'a>(
    site: &blockpress::resolve::Site,
    names: impl IntoIterator<Item = (&'a str, &'a str)>,
) {
    for (name, file) in names {
        let page = site.lookup(name).unwrap_or_else(|| panic!("no page {name} ({file})"));
        assert_eq!(page.note.as_ref().map(|n| n.rel_path.as_str()), Some(file), "{name}");
    }
}

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/foreign").join(name)
}

/* ---- The graphs -------------------------------------------------------- */

#[test]
fn docs_like() {
    let (problems, diagnostics, _) = build_and_check(&fixture("docs-like"), true);
    assert_eq!(
        diagnostics,
        ["error: pages/Getting started.md:9: asset assets/missing_screenshot.png does not exist"]
    );
    assert_clean(
        "docs-like",
        &problems,
        &["getting-started.html -> assets/missing_screenshot.png"],
    );
}

#[test]
fn garden_legacy_file_names() {
    let (problems, diagnostics, site) = build_and_check(&fixture("garden-legacy"), true);
    assert_eq!(diagnostics, Vec::<String>::new());
    assert_clean("garden-legacy", &problems, &[]);
    // Legacy names: dots and `%2F` are namespaces, `title::` wins; the
    // namespace parent keeps its own file though its children sort first.
    let names = [
        ("Garden", "pages/Garden.md"),
        ("Garden/Seeds", "pages/Garden.Seeds.md"),
        ("Garden/Plants", "pages/Garden%2FPlants.md"),
        ("garden/plants/roses", "pages/Garden.Plants.Roses.md"),
        ("Problems / Troubleshoot", "pages/Problems . Troubleshoot.md"),
        ("v1.2 notes", "pages/v1.2 notes.md"),
        ("Earth mix", "pages/Soil.md"),
        ("2026-12-01", "journals/2026_12_01.md"),
    ];
    assert_files(&site, names);
}

#[test]
fn garden_triple_lowbar_file_names() {
    let (problems, diagnostics, site) = build_and_check(&fixture("garden-tlb"), true);
    assert_eq!(diagnostics, Vec::<String>::new());
    assert_clean("garden-tlb", &problems, &[]);
    let names = [
        ("FAQ?", "pages/FAQ%3F.md"),
        ("snake___case", "pages/snake%5F%5F%5Fcase.md"),
        ("Old/Legacy", "pages/Old%2FLegacy.md"),
        ("lang/node.js", "pages/Lang___Node.js.md"),
        ("rustlang", "pages/Lang___Rust.md"),
        ("Mon, 30.11.2026", "journals/2026_11_30.md"),
    ];
    assert_files(&site, names);
}

#[test]
fn math() {
    let (problems, diagnostics, _) = build_and_check(&fixture("math"), true);
    assert_eq!(
        diagnostics,
        ["error: pages/Math___Analysis___Norms.md:3: asset assets/norms-plot.svg does not exist"]
    );
    assert_clean("math", &problems, &["math.analysis.norms.html -> assets/norms-plot.svg"]);
}

#[test]
fn org_docs() {
    let (problems, diagnostics, site) = build_and_check(&fixture("org-docs"), true);
    assert_eq!(diagnostics, Vec::<String>::new());
    assert_clean("org-docs", &problems, &[]);
    // Org pages are named by `#+title:` or their file, as Markdown ones.
    let names = [
        ("Getting Started", "pages/Getting Started.org"),
        ("Onboarding", "pages/Getting Started.org"),
        ("Namespaces/Example/Deeper", "pages/Namespaces___Example___Deeper.org"),
        ("Contents", "pages/contents.org"),
        ("MD Notes", "pages/Markdown Notes.md"),
        ("Jan 1st, 2026", "journals/2026_01_01.org"),
        ("Jan 10th, 2026", "journals/2026_01_10.md"),
    ];
    assert_files(&site, names);
    assert!(site.lookup("Unfinished").is_none(), "a folder hidden by :hidden is left out");
}

#[test]
fn mixed_markdown_and_org() {
    let graph = repo_root().join("tests/fixtures/org");
    let (problems, diagnostics, _) = build_and_check(&graph, true);
    assert_eq!(diagnostics, Vec::<String>::new());
    assert_clean("org", &problems, &[]);
}

#[test]
#[ignore = "writes the generated graph to FOREIGN_GRAPH_OUT, to look at"]
fn write_generated_graph() {
    let out = std::env::var_os("FOREIGN_GRAPH_OUT").expect("FOREIGN_GRAPH_OUT names a folder");
    let out = PathBuf::from(out);
    let _ = std::fs::remove_dir_all(&out);
    foreign_graph::write_deep_namespace_graph(&out, 2000);
}

#[test]
fn generated_deep_namespaces() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("deep");
    let written = foreign_graph::write_deep_namespace_graph(&graph, 2000);
    assert!(written.len() >= 2000);
    let (problems, diagnostics, site) = build_and_check(&graph, false);
    assert_eq!(diagnostics, Vec::<String>::new());
    assert_clean("deep", &problems, &[]);
    // Each page is the one of its file, whatever style the file is named in.
    assert_files(&site, written.iter().map(|(name, rel)| (name.as_str(), rel.as_str())));
}
