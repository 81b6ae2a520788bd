//! Differential tests: our outline parser against Logseq's own.
//!
//! Every `tests/mldoc/corpus/*.md` and `*.org` is parsed twice: by `blockpress::parse` and
//! by `tests/mldoc/outline.js`, which runs Logseq's parser (npm `mldoc` 1.5.7,
//! what Logseq 0.10 ships) and applies Logseq's graph-parser rules to its AST
//! (block extent, `with-parent-and-left` nesting, pre-block, first property
//! drawer, page references). The two views are compared block by block:
//! segmentation (start lines), nesting (the parent's start line), pre-block
//! flag, properties (key and value as written), task marker and priority, and
//! page references.
//!
//! References: only the ones written in the block's text (title and body) are
//! compared. Property values, property pages (keys), marker/priority pages and
//! namespace parents are derived later and left out on both sides; ours come
//! from `parse::refs::page_refs(&block.body, &[])`. References are compared as
//! sets, case-insensitively deduplicated (the first spelling is kept).
//!
//! Set up once: `npm ci --prefix tests/mldoc`. Then `cargo test --test differential`.
//! Without `tests/mldoc/node_modules` the test is skipped, unless `CI` is set.
//! To see both views of one file: `DIFFERENTIAL_DUMP=<file stem> cargo test
//! --test differential -- --nocapture`; the raw oracle output comes from
//! `node tests/mldoc/outline.js tests/mldoc/corpus/<file>.md`.
//!
//! Deliberate differences from Logseq are listed in [`deliberate`]; they are
//! applied to the mldoc side before comparing. Anything else is a failure.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use blockpress::load::SourceFile;
use blockpress::parse::{self, Note};
use serde::Deserialize;

/// One file as outline.js reports it.
#[derive(Debug, Deserialize)]
struct OracleFile {
    page_properties: Vec<(String, String)>,
    blocks: Vec<OracleBlock>,
}

#[derive(Debug, Deserialize)]
struct OracleBlock {
    line: usize,
    parent: Option<usize>,
    pre_block: bool,
    marker: Option<String>,
    priority: Option<String>,
    properties: Vec<(String, String)>,
    refs: Vec<OracleRef>,
    dropped_refs: Vec<OracleRef>,
}

#[derive(Debug, Clone, Deserialize)]
struct OracleRef {
    name: String,
    /// `page_ref`, `tag`, `nested`, `embed`, `search_page_ref`, `file_label`.
    kind: String,
    /// Why graph-parser drops it (only in `dropped_refs`).
    #[serde(default)]
    why: Option<String>,
}

/// The deliberate differences between blockpress and Logseq, in one place.
/// Each one rewrites what the oracle says into what we do on purpose.
mod deliberate {
    use super::{OracleFile, OracleRef};

    /// (name, reason) of every normalisation applied below.
    pub const LIST: &[(&str, &str)] = &[
        (
            "tag-closing-paren",
            "`(#RBAC)` is tag `RBAC` for us; mldoc ends a tag only at whitespace/`,!?'\":`, giving `RBAC)`",
        ),
        ("trim-page-names", "`[[ Foo ]]` refers to `Foo` for us; mldoc keeps the spaces (` Foo `)"),
        (
            "timestamp-paragraph-refs",
            "graph-parser drops a paragraph starting with SCHEDULED/DEADLINE from the body, and the refs \
             on its other lines with it; we keep those refs",
        ),
        (
            "asset-prefix-page-names",
            "graph-parser's asset/drawing test (`^[./]*assets`, `draws` prefix) also drops pages like \
             `[[assets management]]`; we keep them (real paths `assets/…`, `draws/…` are still compared)",
        ),
        (
            "mixed-tag-forms",
            "`#[[a]]b` and `#a.[[b c]].e` (text glued to a bracketed tag, unused in real graphs): our tag \
             ends at the brackets (`a`), mldoc keeps the whole run as the tag name",
        ),
    ];

    pub fn apply(file: &mut OracleFile) {
        for block in &mut file.blocks {
            let kept: Vec<OracleRef> = block
                .dropped_refs
                .iter()
                .filter(|r| match r.why.as_deref() {
                    // timestamp-paragraph-refs
                    Some("timestamp_paragraph") => true,
                    // asset-prefix-page-names
                    Some("asset_path" | "draw_path") => !is_path(&r.name),
                    _ => false,
                })
                .cloned()
                .collect();
            block.refs.extend(kept);
            for r in &mut block.refs {
                // tag-closing-paren
                if r.kind == "tag" {
                    r.name = strip_unbalanced_parens(&r.name);
                }
                // mixed-tag-forms
                if r.kind == "tag" && r.name.contains("[[") {
                    r.name = match r.name.strip_prefix("[[") {
                        Some(rest) => rest.split("]]").next().unwrap_or_default().to_string(),
                        None => r
                            .name
                            .split('[')
                            .next()
                            .unwrap_or_default()
                            .trim_end_matches(['.', ';'])
                            .to_string(),
                    };
                }
                // trim-page-names
                r.name = r.name.trim().to_string();
            }
        }
    }

    /// Whether a name graph-parser took for an asset or drawing really is a path.
    fn is_path(name: &str) -> bool {
        name.trim_start_matches(['.', '/']).starts_with("assets/") || name.starts_with("draws/")
    }

    /// `RBAC)` → `RBAC`, `m(n)` stays (what our tag scanner keeps).
    fn strip_unbalanced_parens(name: &str) -> String {
        let mut name = name;
        while name.ends_with(')') && name.matches('(').count() < name.matches(')').count() {
            name = name[..name.len() - 1].trim_end_matches(['.', ';']);
        }
        name.to_string()
    }
}

/// What is compared for one block, from either side.
#[derive(Debug, PartialEq)]
struct BlockView {
    parent_line: Option<usize>,
    pre_block: bool,
    properties: Vec<(String, String)>,
    marker: Option<String>,
    priority: Option<String>,
    refs: Vec<String>,
}

/// What is compared for one file: blocks by start line, and page properties.
#[derive(Debug)]
struct PageView {
    blocks: BTreeMap<usize, BlockView>,
    /// Block start lines in document order (to report duplicates/ordering).
    lines: Vec<usize>,
    page_properties: Vec<(String, String)>,
}

/// Case-insensitive dedup (first spelling kept), empties dropped, sorted.
fn ref_set(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut out: Vec<String> =
        names.into_iter().filter(|n| !n.is_empty() && seen.insert(n.to_lowercase())).collect();
    out.sort_by_key(|n| n.to_lowercase());
    out
}

fn oracle_view(file: &OracleFile) -> PageView {
    let blocks = &file.blocks;
    let view = blocks
        .iter()
        .map(|b| {
            (
                b.line,
                BlockView {
                    parent_line: b.parent.map(|p| blocks[p].line),
                    pre_block: b.pre_block,
                    properties: b.properties.clone(),
                    marker: b.marker.clone(),
                    priority: b.priority.clone(),
                    refs: ref_set(b.refs.iter().map(|r| r.name.clone())),
                },
            )
        })
        .collect();
    PageView {
        blocks: view,
        lines: blocks.iter().map(|b| b.line).collect(),
        page_properties: file.page_properties.clone(),
    }
}

fn our_view(note: &Note) -> PageView {
    let blocks = &note.blocks;
    let view = blocks
        .iter()
        .map(|b| {
            (
                b.line as usize,
                BlockView {
                    parent_line: b.parent().map(|p| blocks[p].line as usize),
                    pre_block: b.pre_block,
                    properties: b
                        .properties
                        .iter()
                        .map(|p| (p.key.clone(), p.value.clone()))
                        .collect(),
                    marker: b.marker().map(String::from),
                    priority: b.priority().map(String::from),
                    refs: ref_set(parse::refs::page_refs(&b.body, &[])),
                },
            )
        })
        .collect();
    PageView {
        blocks: view,
        lines: blocks.iter().map(|b| b.line as usize).collect(),
        page_properties: note.properties.iter().map(|p| (p.key.clone(), p.value.clone())).collect(),
    }
}

/// Readable differences between the two views of one file ("" when equal).
fn diff(source: &str, mldoc: &PageView, ours: &PageView) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let show = |line: usize| {
        lines.get(line - 1).map_or(String::new(), |l| format!("{:?}", l.trim_end_matches('\r')))
    };
    let mut out = String::new();
    if mldoc.page_properties != ours.page_properties {
        let _ = writeln!(
            out,
            "  page properties: mldoc {:?}, ours {:?}",
            mldoc.page_properties, ours.page_properties
        );
    }
    if mldoc.lines != ours.lines {
        let _ = writeln!(
            out,
            "  block start lines: mldoc {:?}\n                     ours  {:?}",
            mldoc.lines, ours.lines
        );
    }
    let all: std::collections::BTreeSet<usize> =
        mldoc.blocks.keys().chain(ours.blocks.keys()).copied().collect();
    for line in all {
        match (mldoc.blocks.get(&line), ours.blocks.get(&line)) {
            (Some(_), None) => {
                let _ =
                    writeln!(out, "  line {line} {}: a block for mldoc, not for us", show(line));
            }
            (None, Some(_)) => {
                let _ =
                    writeln!(out, "  line {line} {}: a block for us, not for mldoc", show(line));
            }
            (Some(m), Some(o)) if m != o => {
                let _ = writeln!(out, "  line {line} {}:", show(line));
                let mut field = |name: &str, m: String, o: String| {
                    if m != o {
                        let _ = writeln!(out, "    {name}: mldoc {m}, ours {o}");
                    }
                };
                field(
                    "parent line",
                    format!("{:?}", m.parent_line),
                    format!("{:?}", o.parent_line),
                );
                field("pre-block", format!("{:?}", m.pre_block), format!("{:?}", o.pre_block));
                field("properties", format!("{:?}", m.properties), format!("{:?}", o.properties));
                field("marker", format!("{:?}", m.marker), format!("{:?}", o.marker));
                field("priority", format!("{:?}", m.priority), format!("{:?}", o.priority));
                field("page refs", format!("{:?}", m.refs), format!("{:?}", o.refs));
            }
            _ => {}
        }
    }
    out
}

fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md" || e == "org"))
        .collect();
    files.sort();
    files
}

/// Skips (locally) or fails (under CI) when the oracle cannot run.
fn unavailable(why: &str) {
    let fix = "run `npm ci --prefix tests/mldoc` (needs Node.js and npm)";
    if std::env::var_os("CI").is_some() {
        panic!("differential test cannot run: {why}; {fix}");
    }
    // Written past libtest's output capture, so a plain `cargo test` shows it.
    let _ = writeln!(std::io::stderr(), "SKIPPED differential test against mldoc: {why}; {fix}");
}

/// Runs outline.js once over all files.
fn run_oracle(mldoc_dir: &Path, files: &[PathBuf]) -> Option<Vec<OracleFile>> {
    let output = match Command::new("node").arg(mldoc_dir.join("outline.js")).args(files).output() {
        Ok(output) => output,
        Err(e) => {
            unavailable(&format!("cannot start `node`: {e}"));
            return None;
        }
    };
    assert!(
        output.status.success(),
        "outline.js failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed: Vec<OracleFile> =
        serde_json::from_slice(&output.stdout).expect("outline.js prints JSON");
    assert_eq!(parsed.len(), files.len(), "outline.js reports one entry per file");
    Some(parsed)
}

#[test]
fn outline_matches_logseq_mldoc() {
    let mldoc_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mldoc");
    if !mldoc_dir.join("node_modules/mldoc").is_dir() {
        unavailable("tests/mldoc/node_modules is missing");
        return;
    }
    let files = corpus_files(&mldoc_dir.join("corpus"));
    assert!(!files.is_empty(), "no corpus files in tests/mldoc/corpus");
    let Some(oracle) = run_oracle(&mldoc_dir, &files) else { return };

    let mut report = String::new();
    let mut failed = 0;
    let mut blocks = 0;
    for (path, mut mldoc) in files.iter().zip(oracle) {
        let text = std::fs::read_to_string(path).expect("corpus file is UTF-8");
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("file name").to_string();
        let file_name = path.file_name().and_then(|s| s.to_str()).expect("file name").to_string();
        let source = SourceFile {
            rel_path: format!("pages/{file_name}"),
            name: stem.clone(),
            journal: None,
            text: text.clone(),
        };
        // A panic in our parser is reported like any other difference.
        let note = match std::panic::catch_unwind(|| parse::parse_note(&source)) {
            Ok(note) => note,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .map(String::as_str)
                    .or_else(|| panic.downcast_ref::<&str>().copied())
                    .unwrap_or("(no message)");
                failed += 1;
                let _ = writeln!(
                    report,
                    "tests/mldoc/corpus/{file_name}:\n  our parser panicked: {message}\n"
                );
                continue;
            }
        };
        blocks += mldoc.blocks.len();
        deliberate::apply(&mut mldoc);
        let (theirs, ours) = (oracle_view(&mldoc), our_view(&note));
        if std::env::var("DIFFERENTIAL_DUMP").is_ok_and(|d| d == stem) {
            eprintln!("{stem}.md\nmldoc (normalised): {theirs:#?}\nours: {ours:#?}");
        }
        let found = diff(&text, &theirs, &ours);
        if !found.is_empty() {
            failed += 1;
            let _ = writeln!(report, "tests/mldoc/corpus/{file_name}:\n{found}");
        }
    }
    eprintln!(
        "differential: {} files, {blocks} mldoc blocks, {failed} files differ; deliberate differences: {}",
        files.len(),
        deliberate::LIST.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(", ")
    );
    assert!(
        report.is_empty(),
        "blockpress differs from Logseq's parser (mldoc 1.5.7) in {failed} of {} corpus files:\n\n{report}\
         Deliberate differences already normalised: see `deliberate::LIST` in tests/differential.rs.",
        files.len()
    );
}
