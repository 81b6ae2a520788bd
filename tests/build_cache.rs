//! `blockpress build` over its previous output: after every kind of edit,
//! the site it leaves is byte for byte the site a cold build (`--no-cache`,
//! fresh folder) writes, with the same warnings; and it renders only what
//! changed.

use std::collections::BTreeMap;
use std::path::Path;

use blockpress::build::{BuildOptions, build};
use blockpress::{BuildReport, SiteConfig};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Every file under `dir` but the cache, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).expect("inside").to_string_lossy().to_string();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

struct Graph {
    dir: tempfile::TempDir,
    home_page: String,
}

impl Graph {
    fn new(files: &[(&str, &str)]) -> Graph {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            write(&dir.path().join("graph").join(path), text);
        }
        Graph { dir, home_page: String::new() }
    }

    fn config(&self, output: &str) -> SiteConfig {
        let mut config = SiteConfig::for_graph(&self.dir.path().join("graph"));
        config.output_dir = self.dir.path().join(output);
        config.themes_dir = self.dir.path().join("themes");
        config.home_page = self.home_page.clone();
        config
    }

    fn edit(&self, path: &str, text: &str) {
        write(&self.dir.path().join("graph").join(path), text);
    }

    fn remove(&self, path: &str) {
        std::fs::remove_file(self.dir.path().join("graph").join(path)).expect("remove");
    }

    /// Builds over the previous output, then cold into a fresh folder, and
    /// compares the two; returns the report of the first.
    fn check(&self, what: &str) -> BuildReport {
        let incremental = build(&self.config("inc"), &BuildOptions::default()).expect(what);
        let cold_dir = self.dir.path().join("cold");
        let _ = std::fs::remove_dir_all(&cold_dir);
        let options = BuildOptions { no_cache: true, progress: false };
        let cold = build(&self.config("cold"), &options).expect(what);
        let (inc_tree, cold_tree) = (tree(&self.dir.path().join("inc")), tree(&cold_dir));
        let inc_paths: Vec<&String> = inc_tree.keys().collect();
        let cold_paths: Vec<&String> = cold_tree.keys().collect();
        assert_eq!(inc_paths, cold_paths, "{what}: the same files");
        for (path, bytes) in &cold_tree {
            assert!(inc_tree[path] == *bytes, "{what}: {path} differs from a cold build");
        }
        assert_eq!(incremental.diagnostics, cold.diagnostics, "{what}: the same warnings");
        assert_eq!(incremental.pages, cold.pages, "{what}: the same page count");
        incremental
    }
}

const K8S: &str = "alias:: Kubernetes\ntags:: study\n\n- # Workloads\n\t- A [[Pod]] runs containers; see [[Storage]]\n\t  id:: 6500a1b2-0000-4000-8000-000000000001\n\t- ```yaml\n\t  kind: Pod\n\t  ```\n- Uses #networking and ((6500a1b2-0000-4000-8000-000000000002))\n";
const STORAGE: &str = "- PVs and [[PVC]]s\n- A StorageClass names a provisioner\n  id:: 6500a1b2-0000-4000-8000-000000000002\n- {{embed [[Embedded]]}}\n";
const EMBEDDED: &str = "- shown inside Storage, mentions Pod\n";
const JOURNAL: &str =
    "- Studied [[K8s]] today\n- TODO practice [[Storage]]\n- revise for the exam, Embedded Again\n";
const NS: &str = "- child page of K8s\n";

fn sample() -> Graph {
    Graph::new(&[
        ("pages/K8s.md", K8S),
        ("pages/Storage.md", STORAGE),
        ("pages/Embedded.md", EMBEDDED),
        ("pages/K8s___Lab.md", NS),
        ("journals/2024_05_01.md", JOURNAL),
        ("journals/2024_05_02.md", "- next day, see [[Kubernetes]]\n"),
        ("pages/Queries.md", "- {{query [[K8s]]}}\n"),
        ("assets/a.txt", "an asset"),
        ("pages/Broken.md", "- refers to ((6500a1b2-0000-4000-8000-00000000dead))\n"),
        // A parse warning: it must come back when the note comes from the parse cache.
        ("pages/Warned.md", "- a block\n  a:: 1\n  some text\n  b:: 2\n"),
    ])
}

#[test]
fn every_kind_of_edit_gives_the_cold_build_site() {
    let graph = sample();
    let first = graph.check("first build");
    assert!(first.write.written > 10);
    assert!(!first.diagnostics.is_empty(), "the broken block ref warns");
    let warned = |report: &BuildReport| {
        report.diagnostics.iter().any(|d| d.message.contains("second property group"))
    };
    assert!(warned(&first), "{:?}", first.diagnostics);

    let unchanged = graph.check("nothing changed");
    assert_eq!(unchanged.write.written, 0, "nothing changed: nothing written");
    graph.edit("pages/Lonely.md", "- a new page: every note else comes from the parse cache\n");
    assert!(warned(&graph.check("a page is added to a parsed graph")), "the warning is kept");

    graph.edit("pages/Embedded.md", "- shown inside Storage, edited\n");
    graph.check("an embedded page changes");
    graph.edit("pages/Storage.md", &STORAGE.replace("names a provisioner", "names a CSI driver"));
    graph.check("a referenced block changes");
    graph.edit("pages/K8s.md", &K8S.replace("runs containers", "runs one or more containers"));
    graph.check("a block shown in linked references changes");
    graph.edit("journals/2024_05_02.md", "- next day, see [[Kubernetes]] and [[Storage]]\n");
    graph.check("a link to an existing page is added");
    graph.edit("pages/New Page.md", "- brand new, links [[K8s]]\n");
    graph.check("a page is added");
    graph.edit("pages/K8s.md", &K8S.replace("tags:: study", "tags:: study, exam"));
    graph.check("a tag is added");
    graph.edit("pages/K8s.md", &K8S.replace("alias:: Kubernetes", "alias:: Kubernetes, K8"));
    graph.check("an alias is added");
    graph.remove("pages/New Page.md");
    graph.check("a page is deleted");
    graph.remove("pages/Embedded.md");
    graph.edit("pages/Embedded Again.md", EMBEDDED);
    graph.check("a page is renamed");
    graph.edit("journals/2024_05_03.md", "- a new day\n");
    graph.check("a journal day is added");
    graph.edit("assets/a.txt", "the asset, longer now");
    graph.check("an asset changes");
    graph.edit("pages/Broken.md", "- fixed, no reference\n");
    let fixed = graph.check("a warning goes away");
    assert!(fixed.diagnostics.len() < first.diagnostics.len());
}

#[test]
fn one_edit_renders_only_what_shows_it() {
    let mut files: Vec<(String, String)> = (0..40)
        .map(|i| {
            (format!("pages/Page {i}.md"), format!("- page {i} links [[Page {}]]\n", (i + 1) % 40))
        })
        .collect();
    files.push(("pages/Lonely.md".into(), "- nobody links here\n".into()));
    // Page 30 is the most linked page, first in the sidebar (shown on every page).
    files[5].1.push_str("- and [[Page 30]]\n");
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let graph = Graph::new(&refs);
    let first = graph.check("first build");
    graph.edit("pages/Lonely.md", "- nobody links here, still\n");
    let second = graph.check("one unlinked page changes");
    // The page itself and the site-wide files built from every page's text
    // (search index, previews, feeds); no other page.
    assert!(
        second.write.written < 12 && second.write.written > 0,
        "wrote {} of {} files",
        second.write.written,
        first.write.written
    );
    assert_eq!(second.rendered, 1);
    // A new link changes the graph: the pages whose local maps show it
    // render again, not every page (a cold build keeps each page's map too);
    // Page 30 stays first in the sidebar.
    graph.edit("pages/Page 20.md", "- page 20 links [[Page 21]] and [[Page 30]]\n");
    let linked = graph.check("a link between two pages is added");
    assert!(linked.rendered > 2 && linked.rendered < 20, "{} rendered", linked.rendered);
}

#[test]
fn a_damaged_output_is_repaired() {
    let graph = sample();
    graph.check("first build");
    let page = graph.dir.path().join("inc/storage.html");
    std::fs::write(&page, "damaged").expect("damage");
    graph.check("a page of the output was overwritten");
    std::fs::remove_file(graph.dir.path().join("inc/k8s.html")).expect("remove");
    graph.check("a page of the output was deleted");
    let cache = blockpress::cache::path_for(&graph.dir.path().join("inc")).expect("a cache folder");
    assert!(cache.is_file(), "the cache is written");
    assert!(!cache.starts_with(graph.dir.path()), "the cache is not beside the output");
    std::fs::write(&cache, "{not json").expect("damage the cache");
    graph.check("the cache is unreadable");
    // The parse and search caches: cut short, or garbage, or gone.
    let parts = cache.with_extension("parts");
    let files: Vec<std::path::PathBuf> = std::fs::read_dir(&parts)
        .expect("the parse and search caches")
        .map(|e| e.expect("entry").path())
        .collect();
    assert!(files.len() > 2, "{files:?}");
    for (i, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).expect("read");
        match i % 3 {
            0 => std::fs::write(file, &bytes[..bytes.len() / 2]).expect("cut"),
            1 => std::fs::write(file, b"bpnotes1 and then nonsense").expect("garbage"),
            _ => std::fs::remove_file(file).expect("remove"),
        }
    }
    graph.edit("pages/K8s.md", &K8S.replace("runs containers", "runs a container"));
    graph.check("the parse and search caches are damaged");
    // The notes the cache lists are not read twice, but read again when the
    // cache does not hold them after all.
    let keys = parts.join("notes-keys.bin");
    assert!(keys.is_file(), "the parse cache lists its notes");
    let listed = std::fs::read(&keys).expect("read the list");
    for entry in std::fs::read_dir(&parts).expect("the parse and search caches") {
        let path = entry.expect("entry").path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("notes-")) {
            std::fs::remove_file(path).expect("remove");
        }
    }
    std::fs::write(&keys, listed).expect("keep the list alone");
    graph.edit("pages/K8s.md", &K8S.replace("runs containers", "runs two containers"));
    graph.check("the notes listed are gone from the parse cache");
}

#[test]
fn a_page_chosen_as_home_page_stays_current() {
    let mut graph = sample();
    graph.home_page = "K8s".into();
    graph.check("first build");
    graph.edit("pages/K8s.md", &K8S.replace("runs containers", "runs pods"));
    graph.check("the home page's own text changes");
    // A new link two steps from K8s changes the map that index.html shows.
    graph.edit("pages/Embedded.md", "- shown inside Storage, links [[PVC]] now\n");
    graph.check("a link near the home page is added");
    graph.edit("journals/2024_05_03.md", "- about [[Storage]]\n");
    graph.check("a journal links a neighbour of the home page");
    // The same number of links to every page, but another page links: only
    // the maps change.
    graph.edit("pages/Embedded.md", "- shown inside Storage\n");
    graph.edit("journals/2024_05_02.md", "- next day, see [[Kubernetes]] and [[PVC]]\n");
    graph.check("a link moves from one page to another");
}

#[test]
fn a_page_renders_again_only_when_a_block_it_lists_changes() {
    const SOURCE: &str = "- links [[Hub]]\n\t- a child shown under it\n- unrelated\n- quoted elsewhere\n  id:: 6500a1b2-0000-4000-8000-0000000000aa\n";
    let graph = Graph::new(&[
        ("pages/Hub.md", "- the hub\n"),
        ("pages/Source.md", SOURCE),
        ("pages/Mentions.md", "- talks about the hub without a link\n- more text\n"),
        ("pages/Quoting.md", "- see ((6500a1b2-0000-4000-8000-0000000000aa))\n"),
    ]);
    let first = graph.check("first build");
    assert_eq!(first.rendered, first.pages, "a cold build renders every page");
    let rendered = |what: &str| graph.check(what).rendered;

    // Hub lists the first block (with its child); Quoting shows the title of
    // the last; neither shows the block in between. Each edit keeps the last.
    let mut source = SOURCE.to_string();
    let mut edit = |from: &str, to: &str, what: &str| {
        source = source.replace(from, to);
        graph.edit("pages/Source.md", &source);
        rendered(what)
    };
    assert_eq!(edit("- unrelated", "- unrelated, edited", "a block nobody lists changes"), 1);
    assert_eq!(edit("a child shown", "a child, edited,", "a listed block's child changes"), 2);
    assert_eq!(edit("quoted elsewhere", "quoted, edited", "a referenced block changes"), 2);
    let moved = edit("- links", "- a block added above\n- links", "blocks move down");
    assert_eq!(moved, 1, "the others show the same blocks");
    graph.edit("pages/Mentions.md", "- talks about the hub without a link\n- more text, edited\n");
    assert_eq!(rendered("a block beside an unlinked reference changes"), 1, "Mentions alone");
    graph.edit("pages/Mentions.md", "- talks about the Hub, edited\n- more text, edited\n");
    assert_eq!(rendered("an unlinked reference changes"), 2, "Mentions and Hub");
}

#[test]
fn the_same_folders_named_another_way_render_nothing_again() {
    let graph = sample();
    graph.check("first build");
    // `graph/../graph`, as a relative path and an absolute one differ.
    let mut config = graph.config("inc");
    let root = graph.dir.path();
    config.notes_dir = root.join("graph").join("..").join("graph");
    config.themes_dir = root.join("graph").join("..").join("themes");
    let again = build(&config, &BuildOptions::default()).expect("build");
    assert_eq!((again.write.written, again.rendered), (0, 0), "nothing changed");
    graph.edit("pages/K8s___Lab.md", "- child page of K8s, edited\n");
    let edited = build(&config, &BuildOptions::default()).expect("build");
    // The page, K8s (which lists it as an unlinked reference) and Queries
    // (a query may show anything: it renders on every build).
    assert_eq!(edited.rendered, 3, "{} of {} pages rendered", edited.rendered, edited.pages);
}
