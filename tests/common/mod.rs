//! Helpers for integration tests: build a graph into a temporary folder and read the HTML.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};

use blockpress::{BuildReport, SiteConfig};

/// A site built into a temporary folder.
pub struct TestSite {
    /// Keeps the temporary folder alive.
    _dir: tempfile::TempDir,
    /// The output folder.
    pub out: PathBuf,
    /// The build report.
    pub report: BuildReport,
}

impl TestSite {
    /// Builds the graph at `notes` with `site.toml`-equivalent `config` tweaks.
    pub fn build_with(notes: &Path, tweak: impl FnOnce(&mut SiteConfig)) -> TestSite {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = dir.path().join("public");
        let mut config = SiteConfig::for_graph(notes);
        config.output_dir = out.clone();
        config.themes_dir = repo_root().join("themes");
        tweak(&mut config);
        let report = blockpress::build(&config).expect("build succeeds");
        TestSite { _dir: dir, out, report }
    }

    /// Builds the project's default graph, `notes/`.
    pub fn default_site() -> TestSite {
        Self::build_with(&repo_root().join("notes"), |_| {})
    }

    /// Builds a graph written from `(path, text)` pairs.
    pub fn from_files(files: &[(&str, &str)]) -> TestSite {
        let graph = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            let path = graph.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        let site = Self::build_with(graph.path(), |_| {});
        drop(graph);
        site
    }

    /// The text of an output file.
    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.out.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// Whether an output file exists.
    pub fn exists(&self, path: &str) -> bool {
        self.out.join(path).is_file()
    }
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The HTML of the element whose `id` attribute is `id`, up to the end of the
/// enclosing `</li>` (good enough for blocks, which are `<li id=…>`).
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Why the browser tests (node, playwright-core in `dir`, Chromium) cannot
/// run here, if they cannot.
pub fn browser_missing(dir: &Path) -> Option<String> {
    if !dir.join("node_modules/playwright-core").is_dir() {
        return Some(
            "tests/browser/node_modules is missing (npm ci --prefix tests/browser)".into(),
        );
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("{chromium} is missing (apt-get install -y chromium)"));
    }
    if std::process::Command::new("node").arg("--version").output().is_err() {
        return Some("node is missing".into());
    }
    None
}

/// A browser test that cannot run: a failure in CI, a notice elsewhere.
pub fn skip_or_fail(suite: &str, why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("browser {suite} test cannot run in CI: {why}");
    }
    eprintln!("SKIPPED: browser {suite} test: {why}");
}

/// Runs `tests/browser/SCRIPT` with node and `args`, prints what it printed,
/// and fails the test when a check failed (`not ok` lines). A browser that
/// cannot start is a skip outside CI (see [`skip_or_fail`]).
pub fn run_browser_script(suite: &str, script: &str, args: &[&std::ffi::OsStr]) {
    let dir = repo_root().join("tests/browser");
    if let Some(why) = browser_missing(&dir) {
        return skip_or_fail(suite, &why);
    }
    let output = std::process::Command::new("node")
        .arg(dir.join(script))
        .args(args)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    if output.status.code() == Some(2) {
        return skip_or_fail(suite, &format!("the browser did not start: {stdout}{stderr}"));
    }
    let failures: Vec<&str> = stdout.lines().filter(|l| l.starts_with("not ok")).collect();
    assert!(
        output.status.success(),
        "browser {suite} checks failed:\n{}\n{stderr}",
        failures.join("\n")
    );
}
