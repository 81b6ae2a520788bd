//! The binary: exit codes and messages a user sees.

mod common;

use assert_cmd::Command;
use common::repo_root;

fn blockpress() -> Command {
    Command::cargo_bin("blockpress").expect("binary built")
}

/// A bare graph folder with `pages/Hello.md`.
fn graph_of_one_page(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("pages")).expect("mkdir");
    std::fs::write(dir.path().join("pages/Hello.md"), text).expect("write");
    dir
}

#[test]
fn builds_a_bare_graph_folder_on_defaults() {
    let dir = graph_of_one_page("- hello [[World]]");
    let out = blockpress().arg("build").arg(dir.path()).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.starts_with("Built 2 pages"), "{stdout}");
    assert!(dir.path().join("public/hello.html").is_file());
    assert!(dir.path().join("public/world.html").is_file());
}

#[test]
fn verbose_reports_every_stage_with_time_and_peak_memory() {
    let dir = graph_of_one_page("- hello [[World]]");
    let out = blockpress()
        .env("BLOCKPRESS_CACHE_DIR", dir.path().join("cache"))
        .args(["build", "--verbose", "--no-cache"])
        .arg(dir.path())
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let stages: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains(" ms"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(stages, ["load", "parse", "resolve", "plan", "render", "write"], "{stdout}");
    if cfg!(target_os = "linux") {
        let peaks: Vec<u64> = stdout
            .lines()
            .filter_map(|l| l.split_once("(peak memory ")?.1.strip_suffix(" MB)")?.parse().ok())
            .collect();
        assert_eq!(peaks.len(), 6, "{stdout}");
        assert!(peaks.windows(2).all(|w| w[0] <= w[1]) && peaks[0] > 0, "{peaks:?}");
    }
}

#[test]
fn a_bad_site_toml_names_the_file_and_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("site.toml");
    std::fs::write(&config, "title = \"x\"\ntitel = \"typo\"\n").expect("write");
    let out = blockpress().args(["build", "--config"]).arg(&config).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("site.toml") && stderr.contains("line 2") && stderr.contains("titel"),
        "{stderr}"
    );
}

#[test]
fn a_missing_notes_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = blockpress().arg("build").arg(dir.path().join("nope")).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("does not exist") && stderr.contains("nope"), "{stderr}");
    assert!(!stderr.contains("panicked"));
}

#[test]
fn usage_errors_exit_with_2() {
    blockpress().arg("build").arg("--no-such-flag").assert().code(2);
    blockpress().arg("frobnicate").assert().code(2);
}

/// The binary's allocator commits arenas on demand (see `src/main.rs`): a
/// wrong option number, or an initialiser that runs too late, shows here in
/// mimalloc's own report of its options.
#[cfg(target_os = "linux")]
#[test]
fn the_allocator_commits_on_demand_and_gives_memory_back_soon() {
    let option = |name: &str, env: &[(&str, &str)]| {
        let out = blockpress()
            .arg("--version")
            .env("MIMALLOC_VERBOSE", "1")
            .envs(env.iter().copied())
            .assert()
            .success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        let line = stderr.lines().find(|l| l.contains(&format!("option '{name}'")));
        line.map(|l| l.trim().to_string()).unwrap_or_else(|| panic!("no option report in {stderr}"))
    };
    assert_eq!(option("arena_eager_commit", &[]), "option 'arena_eager_commit': 0");
    let env = [("MIMALLOC_ARENA_EAGER_COMMIT", "1")];
    let set = option("arena_eager_commit", &env);
    assert_eq!(set, "option 'arena_eager_commit': 1", "the environment wins");
    // Freed memory goes back to the system after 250 ms, not mimalloc's 1 s.
    assert_eq!(option("purge_delay", &[]), "option 'purge_delay': 250");
    let env = [("MIMALLOC_PURGE_DELAY", "1000")];
    assert_eq!(option("purge_delay", &env), "option 'purge_delay': 1000", "the environment wins");
}

#[test]
fn help_and_version() {
    let out = blockpress().arg("--help").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        stdout.contains("build") && stdout.contains("serve") && stdout.contains("check"),
        "{stdout}"
    );
    let out = blockpress().arg("--version").assert().success();
    assert!(String::from_utf8_lossy(&out.get_output().stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn the_readme_build_command_builds_the_default_site() {
    let out_dir = tempfile::tempdir().expect("temp dir");
    blockpress()
        .current_dir(repo_root())
        .args(["build", "--quiet", "--output"])
        .arg(out_dir.path().join("site"))
        .assert()
        .success();
    assert!(out_dir.path().join("site/k8s.html").is_file());
    assert!(out_dir.path().join("site/index.html").is_file());
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

fn assert_clean_site(site: &std::path::Path) {
    let checker = repo_root().join("../shared/tools/check_site.py");
    if !checker.exists() {
        assert!(std::env::var_os("CI").is_none(), "check_site.py missing in CI");
        return;
    }
    let output =
        std::process::Command::new("python3").arg(&checker).arg(site).output().expect("python3");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn init_configures_a_copy_of_the_default_graph_then_it_builds_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("graph");
    copy_dir(&repo_root().join("notes"), &graph);
    blockpress().arg("init").arg(&graph).assert().success();
    assert!(graph.join("site.toml").is_file());
    blockpress().arg("init").arg(&graph).assert().code(1);
    blockpress().current_dir(&graph).args(["build", "--quiet"]).assert().success();
    assert!(graph.join("public/k8s.html").is_file());
    assert_clean_site(&graph.join("public"));
}

#[test]
fn init_scaffolds_an_empty_folder_that_builds_clean() {
    let dir = tempfile::tempdir().expect("temp dir");
    let graph = dir.path().join("new");
    blockpress().arg("init").arg(&graph).assert().success();
    blockpress().arg("build").arg(&graph).arg("--quiet").assert().success();
    assert!(graph.join("public/welcome.html").is_file());
    assert_clean_site(&graph.join("public"));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = blockpress().args(["completions", shell]).assert().success();
        assert!(String::from_utf8_lossy(&out.get_output().stdout).contains("blockpress"));
    }
}

#[test]
fn the_build_cache_goes_where_blockpress_cache_dir_says_and_a_second_build_stops_early() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("graph/pages")).expect("mkdir");
    std::fs::write(dir.path().join("graph/pages/Hello.md"), "- hello [[World]]").expect("write");
    let cache = dir.path().join("cache");
    let build = || {
        let out = blockpress()
            .arg("build")
            .arg(dir.path().join("graph"))
            .env("BLOCKPRESS_CACHE_DIR", &cache)
            .assert()
            .success();
        String::from_utf8_lossy(&out.get_output().stdout).to_string()
    };
    let first = build();
    assert!(first.contains("0 unchanged"), "{first}");
    let mut names: Vec<String> = std::fs::read_dir(&cache)
        .expect("the cache folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // One output folder: its build cache, and the folder of its parse and search caches.
    assert_eq!(names.len(), 2, "{names:?}");
    let stem = names[0].strip_suffix(".json").expect("the build cache");
    assert_eq!(names[1], format!("{stem}.parts"));
    let parts: Vec<String> = std::fs::read_dir(cache.join(&names[1]))
        .expect("the parts folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(parts.iter().any(|p| p.starts_with("notes-")), "{parts:?}");
    assert!(parts.iter().any(|p| p.starts_with("search-")), "{parts:?}");
    let second = build();
    assert!(second.contains("0 written"), "{second}");
}

#[test]
fn an_unwritable_cache_is_a_warning_not_a_failure() {
    let dir = graph_of_one_page("- hello");
    // A file where the cache folder should be: nothing can be created under it.
    let blocker = dir.path().join("not-a-folder");
    std::fs::write(&blocker, "x").expect("write");
    let out = blockpress()
        .arg("build")
        .arg(dir.path())
        .env("BLOCKPRESS_CACHE_DIR", blocker.join("cache"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains("the build cache could not be written"), "{stderr}");
    assert!(dir.path().join("public/hello.html").is_file());
}

#[test]
fn another_blockpress_binary_renders_every_page_again() {
    // The same program with one more byte: another binary to the build
    // cache, which must not trust pages rendered by the first.
    let dir = graph_of_one_page("- hello [[World]]");
    let original = assert_cmd::cargo::cargo_bin("blockpress");
    let other = dir.path().join("blockpress-other");
    let mut bytes = std::fs::read(&original).expect("read the binary");
    bytes.push(0);
    std::fs::write(&other, bytes).expect("write the copy");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let rendered = |program: &std::path::Path, note: &str| -> String {
        std::fs::write(dir.path().join("pages/Hello.md"), note).expect("edit");
        let out = std::process::Command::new(program)
            .env("BLOCKPRESS_CACHE_DIR", dir.path().join("cache"))
            .args(["build", "--verbose"])
            .arg(dir.path())
            .output()
            .expect("run");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let line = stdout.lines().find(|l| l.contains("pages rendered again"));
        line.unwrap_or_default().trim().to_string()
    };
    let all = "2 of 2 pages rendered again";
    assert_eq!(rendered(&original, "- hello [[World]]\n- more\n"), all);
    // World lists the first block only.
    let one = rendered(&original, "- hello [[World]]\n- more, edited\n");
    assert_eq!(one, "1 of 2 pages rendered again");
    assert_eq!(rendered(&other, "- hello [[World]]\n- more, edited again\n"), all);
}
