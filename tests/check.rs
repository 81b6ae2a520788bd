//! `blockpress check`: every problem planted in the adversarial graph is
//! reported with its file and line, as text and as JSON, with the exit code
//! the README promises, and nothing is written.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use blockpress::SiteConfig;
use common::repo_root;
use serde_json::Value;

/// A copy of the adversarial fixture, plus what cannot live in the repository:
/// a file that is not UTF-8, a name differing only in case, an Org page.
fn planted_graph() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("graph");
    let fixture = repo_root().join("tests/fixtures/adversarial");
    for (rel, bytes) in files(&fixture) {
        write(&graph.join(rel), &bytes);
    }
    write(&graph.join("pages/bad utf8.md"), b"- fine\n- broken \xFF here\n");
    write(&graph.join("pages/home.md"), b"- same name as Home.md up to case\n");
    write(
        &graph.join("pages/outline.org"),
        b"#+title: Outline\n* an org page\n** with a broken ref ((00000000-0000-4000-8000-0000000000fe))\n",
    );
    (dir, graph)
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("inside").to_string_lossy().into_owned();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

/// Runs `blockpress check ARGS…` in `cwd`: (exit code, stdout, stderr).
fn check(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_blockpress"))
        .arg("check")
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run blockpress");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.code().unwrap_or(-1), text(&output.stdout), text(&output.stderr))
}

/// Every problem planted in the graph: (severity, file, line, part of the message).
const PLANTED: &[(&str, &str, Option<u64>, &str)] = &[
    (
        "error",
        "pages/Home.md",
        Some(2),
        "block reference ((00000000-0000-4000-8000-00000000dead)) points at no block",
    ),
    (
        "error",
        "pages/Home.md",
        Some(3),
        "embedded block 00000000-0000-4000-8000-00000000beef does not exist",
    ),
    (
        "error",
        "pages/Home.md",
        Some(4),
        "embedded page \"Secret\" does not exist or is not published",
    ),
    ("error", "pages/Home.md", Some(5), "asset assets/missing.png does not exist"),
    (
        "error",
        "pages/Leaky.md",
        Some(1),
        "block reference ((64c1a1b2-0000-4000-8000-0000000000aa))",
    ),
    ("error", "pages/Loop A.md", Some(1), "embed cycle"),
    ("error", "pages/Loop B.md", Some(1), "embed cycle"),
    ("warning", "pages/Home.md", Some(8), "`[[bad]]` is not a valid property name"),
    ("warning", "pages/Title Clash.md", None, "page \"Home\" is already defined by pages/Home.md"),
    ("warning", "pages/home.md", None, "page \"home\" is already defined by pages/Home.md"),
    ("warning", "pages/bad utf8.md", Some(2), "not valid UTF-8"),
    (
        "error",
        "pages/outline.org",
        Some(3),
        "block reference ((00000000-0000-4000-8000-0000000000fe)) points at no block",
    ),
];

#[test]
fn text_report_names_every_planted_problem_with_its_line() {
    let (dir, graph) = planted_graph();
    let (code, stdout, stderr) = check(&[graph.to_str().expect("UTF-8")], dir.path());
    assert_eq!(code, 1, "errors were found: {stdout}{stderr}");
    for (severity, path, line, message) in PLANTED {
        let place = line.map_or(format!("{path}:"), |l| format!("{path}:{l}:"));
        let wanted = format!("{severity}: {place} {message}");
        assert!(stdout.lines().any(|l| l.starts_with(&wanted)), "missing `{wanted}` in\n{stdout}");
    }
    for (path, line) in [("pages/Home.md", 1), ("pages/Home.md", 4), ("pages/Leaky.md", 1)] {
        let wanted = format!(
            "privacy: {path}:{line}: links to unpublished page \"Secret\" (pages/Secret.md)"
        );
        assert!(stdout.contains(&wanted), "missing `{wanted}` in\n{stdout}");
    }
    assert!(stdout.trim_end().ends_with("1 unpublished page linked from published pages"));
    assert!(stdout.contains("8 errors, 4 warnings"), "{stdout}");
}

#[test]
fn json_report_has_the_documented_shape() {
    let (dir, graph) = planted_graph();
    let (code, stdout, _) =
        check(&[graph.to_str().expect("UTF-8"), "--format", "json"], dir.path());
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(doc["version"], 1);
    let diagnostics = doc["diagnostics"].as_array().expect("diagnostics");
    let errors = diagnostics.iter().filter(|d| d["severity"] == "error").count();
    assert_eq!(doc["errors"], errors);
    assert_eq!(doc["warnings"], diagnostics.len() - errors);
    for (severity, path, line, message) in PLANTED {
        let found = diagnostics.iter().any(|d| {
            d["severity"] == *severity
                && d["path"] == *path
                && d["line"].as_u64() == *line
                && d["message"].as_str().is_some_and(|m| m.contains(message))
        });
        assert!(found, "missing {severity} {path}:{line:?} {message}");
    }
    let links = doc["unpublished_links"].as_array().expect("unpublished_links");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["page"], "Secret");
    assert_eq!(links[0]["path"], "pages/Secret.md");
    let from: Vec<(String, u64, String)> = links[0]["linked_from"]
        .as_array()
        .expect("linked_from")
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().expect("string").to_string();
            (text("path"), s["line"].as_u64().expect("line"), text("page"))
        })
        .collect();
    let home = |line| ("pages/Home.md".to_string(), line, "Home".to_string());
    assert_eq!(from, [home(1), home(4), ("pages/Leaky.md".into(), 1, "Leaky".into())]);
}

#[test]
fn warnings_alone_exit_zero_and_quiet_shows_only_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&dir.path().join("pages/a.md"), b"- x\n  [[bad]]:: y\n");
    let (code, stdout, _) = check(&["."], dir.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("warning: pages/a.md:2:") && stdout.contains("0 errors, 1 warning,"));
    let (code, stdout, _) = check(&[".", "--quiet"], dir.path());
    assert_eq!((code, stdout.as_str()), (0, ""));
    let (_keep, graph) = planted_graph();
    let (code, stdout, _) = check(&[graph.to_str().expect("UTF-8"), "--quiet"], dir.path());
    assert_eq!(code, 1);
    assert!(stdout.lines().all(|l| l.starts_with("error: ")) && stdout.lines().count() == 8);
}

#[test]
fn check_writes_nothing() {
    let (dir, graph) = planted_graph();
    let before = files(dir.path());
    let (code, ..) = check(&[graph.to_str().expect("UTF-8")], dir.path());
    assert_eq!(code, 1);
    assert_eq!(files(dir.path()), before);
    assert!(!graph.join("public").exists());
}

#[test]
fn check_reports_what_a_build_reports() {
    let (dir, graph) = planted_graph();
    let mut config = SiteConfig::for_graph(&graph);
    config.output_dir = dir.path().join("public");
    let report = blockpress::check::check_site(&config).expect("check");
    let build = blockpress::build(&config).expect("build");
    assert_eq!(report.diagnostics, build.diagnostics);
    assert_eq!(report.exit_code(), 1);
}

#[test]
fn a_missing_graph_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (code, _, stderr) = check(&["no-such-graph"], dir.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("no-such-graph") && stderr.contains("does not exist"), "{stderr}");
}
