//! SERVE, rebuilding, tested: every kind of edit gives what a clean build
//! of the same notes writes.

use super::*;

struct Fixture {
    _dir: tempfile::TempDir,
    root: std::path::PathBuf,
    engine: Engine,
}

fn config(root: &Path, out: &str) -> SiteConfig {
    let mut config = SiteConfig::for_graph(&root.join("graph"));
    config.output_dir = root.join(out);
    config.themes_dir = root.join("themes");
    config.title = "Test".into();
    config
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path().to_path_buf();
        for (path, text) in files {
            write(&root.join("graph").join(path), text);
        }
        let (engine, _) = Engine::new(config(&root, "public"), true).expect("first build");
        Fixture { _dir: dir, root, engine }
    }

    fn graph(&self, rel: &str) -> std::path::PathBuf {
        self.root.join("graph").join(rel)
    }

    /// Applies a change of `graph` and `theme` paths and compares with a clean build.
    fn step(&mut self, what: &str, graph: &[&str], theme: &[&str]) -> Outcome {
        let changes = Changes {
            graph: graph.iter().map(|s| s.to_string()).collect(),
            theme: theme.iter().map(|s| s.to_string()).collect(),
            ..Changes::default()
        };
        let outcome = self.engine.apply(&changes);
        assert!(outcome.errors.is_empty(), "{what}: {:?}", outcome.errors);
        if outcome.pending {
            let finished = self.engine.finish().expect("pending work");
            assert!(finished.errors.is_empty(), "{what}: {:?}", finished.errors);
        }
        let fresh = config(&self.root, "fresh");
        let _ = std::fs::remove_dir_all(&fresh.output_dir);
        crate::build(&fresh).expect("clean build");
        assert_same_tree(&self.root.join("public"), &fresh.output_dir, what);
        outcome
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(root).expect("inside").to_string_lossy().into_owned();
            (rel, std::fs::read(e.path()).expect("read"))
        })
        .collect()
}

fn assert_same_tree(served: &Path, fresh: &Path, what: &str) {
    let (a, b) = (tree(served), tree(fresh));
    let only_a: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let only_b: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    assert!(only_a.is_empty() && only_b.is_empty(), "{what}: extra {only_a:?}, missing {only_b:?}");
    for (path, bytes) in &a {
        if bytes != &b[path] {
            let (x, y) = (String::from_utf8_lossy(bytes), String::from_utf8_lossy(&b[path]));
            let at = x.chars().zip(y.chars()).take_while(|(p, q)| p == q).count();
            let near =
                |s: &str| s.chars().skip(at.saturating_sub(80)).take(200).collect::<String>();
            panic!("{what}: {path} differs:\n served: {}\n clean:  {}", near(&x), near(&y));
        }
    }
}

fn graph_files() -> Vec<(&'static str, &'static str)> {
    vec![
        ("logseq/config.edn", "{:file/name-format :triple-lowbar}"),
        (
            "pages/Storage.md",
            "alias:: disks\n\n- Volumes and claims\n  - nested child\n- second [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]]",
        ),
        (
            "pages/K8s.md",
            "tags:: infra\n\n- see [[Storage]] and #RBAC\n- a storage note without a link\n- {{embed [[Embedded]]}}",
        ),
        ("pages/Embedded.md", "- embedded text\n- ref to ((6500a1b2-0000-4000-8000-000000000001))"),
        ("pages/Infra___Net.md", "- namespace child"),
        ("pages/Lonely.md", "- only linked from Storage"),
        ("pages/Queries.md", "- {{query [[Storage]]}}"),
        ("journals/2024_01_05.md", "- day one [[K8s]]"),
        ("journals/2024_01_06.md", "- day two"),
        ("assets/pic.png", "PNG"),
    ]
}

#[test]
fn every_kind_of_edit_gives_the_clean_build() {
    let mut f = Fixture::new(&graph_files());
    write(
        &f.graph("pages/K8s.md"),
        "tags:: infra\n\n- see [[Storage]] and #RBAC\n- a storage note without a link\n- {{embed [[Embedded]]}}\n- appended",
    );
    assert_eq!(f.step("content edit", &["pages/K8s.md"], &[]).how, "patched");
    write(
        &f.graph("pages/K8s.md"),
        "tags:: infra\n\n- see [[Storage]] and #RBAC, as a query shows\n- a storage note without a link\n- {{embed [[Embedded]]}}\n- appended",
    );
    let outcome = f.step("a block a query lists", &["pages/K8s.md"], &[]);
    assert!(outcome.changed.contains(&"queries.html".to_string()), "{:?}", outcome.changed);
    write(
        &f.graph("pages/Embedded.md"),
        "- embedded text, edited\n- ref to ((6500a1b2-0000-4000-8000-000000000001))",
    );
    f.step("embedded page edit", &["pages/Embedded.md"], &[]);
    write(
        &f.graph("pages/Storage.md"),
        "alias:: disks\n\n- Volumes and claims\n  - nested child edited\n- second title changed [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]]",
    );
    assert_eq!(f.step("referenced block edit", &["pages/Storage.md"], &[]).how, "patched");
    write(
        &f.graph("pages/Storage.md"),
        "alias:: disks\n\n- new first block about k8s\n- Volumes and claims\n  - nested child edited\n- second title changed [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]]",
    );
    f.step("blocks shift", &["pages/Storage.md"], &[]);
    write(
        &f.graph("pages/Storage.md"),
        "alias:: disks\n\n- new first block about k8s\n- Volumes and claims\n  - nested child edited\n- second title changed [[K8s]]\n  id:: 6500a1b2-0000-4000-8000-000000000001\n- see [[Lonely]] again, and [[Infra/Net]]",
    );
    let outcome = f.step("a block shown on another page", &["pages/Storage.md"], &[]);
    assert_eq!(outcome.how, "patched");
    assert!(outcome.changed.contains(&"lonely.html".to_string()), "{:?}", outcome.changed);
    write(&f.graph("pages/Infra___Net.md"), "public:: false\n\n- namespace child");
    let outcome =
        f.step("a page linked from a shown block is unpublished", &["pages/Infra___Net.md"], &[]);
    assert!(outcome.changed.contains(&"lonely.html".to_string()), "{:?}", outcome.changed);
    write(&f.graph("journals/2024_01_06.md"), "- day two mentions storage and [[Storage]] #RBAC");
    f.step("journal links an existing page", &["journals/2024_01_06.md"], &[]);
    write(&f.graph("journals/2024_01_06.md"), "- day two [[Brand New Page]]");
    assert_eq!(f.step("link to a new page", &["journals/2024_01_06.md"], &[]).how, "resolved");
    write(&f.graph("pages/Brand New Page.md"), "- now it has a file");
    f.step("add the page", &["pages/Brand New Page.md"], &[]);
    std::fs::rename(f.graph("pages/Embedded.md"), f.graph("pages/Renamed.md")).expect("rename");
    f.step("rename", &["pages/Embedded.md", "pages/Renamed.md"], &[]);
    std::fs::remove_file(f.graph("pages/Brand New Page.md")).expect("rm");
    f.step("delete", &["pages/Brand New Page.md"], &[]);
    write(&f.graph("pages/Storage.md"), "alias:: volumes\n\n- Volumes and claims");
    f.step("alias change", &["pages/Storage.md"], &[]);
    write(&f.graph("pages/K8s.md"), "public:: false\n\n- hidden now");
    f.step("unpublish", &["pages/K8s.md"], &[]);
    write(&f.graph("assets/new.png"), "PNG2");
    std::fs::remove_file(f.graph("assets/pic.png")).expect("rm");
    f.step("assets", &["assets/new.png", "assets/pic.png"], &[]);
    write(&f.graph("logseq/custom.css"), "body{color:red}");
    f.step("custom css", &["logseq/custom.css"], &[]);
    write(&f.graph("pages/sub/deep/Folder Page.md"), "- in a new folder, about storage");
    f.step("new folder", &["pages/sub"], &[]);
    std::fs::remove_dir_all(f.graph("pages/sub")).expect("rm");
    f.step("folder removed", &["pages/sub"], &[]);
    write(&f.root.join("themes/default/static/style.css"), "body{}");
    let outcome = f.step("theme css", &[], &["static/style.css"]);
    assert_eq!(outcome.changed, ["static/style.css"], "a stylesheet change renders nothing else");
    write(
        &f.root.join("themes/default/templates/page.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% endblock content %}",
    );
    f.step("template", &[], &["templates/page.html"]);
    write(
        &f.graph("logseq/config.edn"),
        "{:file/name-format :triple-lowbar :favorites [\"Storage\"]}",
    );
    f.step("logseq config", &["logseq/config.edn"], &[]);
}

#[test]
fn a_broken_template_keeps_the_last_good_site_until_fixed() {
    let mut f = Fixture::new(&graph_files());
    let template = f.root.join("themes/default/templates/page.html");
    write(
        &template,
        "{% extends \"base.html\" %}{% block content %}{{ page.title {% endblock content %}",
    );
    let outcome = f.engine.apply(&Changes {
        theme: ["templates/page.html".to_string()].into(),
        ..Changes::default()
    });
    assert_eq!(outcome.errors.len(), 1, "{outcome:?}");
    assert!(outcome.errors[0].message.contains("page.html"), "{:?}", outcome.errors);
    assert!(outcome.changed.is_empty());
    write(&f.graph("pages/K8s.md"), "- edited while broken");
    assert!(
        !f.engine
            .apply(&Changes { graph: ["pages/K8s.md".to_string()].into(), ..Changes::default() })
            .errors
            .is_empty()
    );
    std::fs::remove_file(&template).expect("rm");
    f.step("fixed", &[], &["templates/page.html"]);
}

#[test]
fn editor_noise_changes_nothing() {
    let mut f = Fixture::new(&graph_files());
    let text = std::fs::read_to_string(f.graph("pages/K8s.md")).expect("read");
    write(&f.graph("pages/K8s.md"), &text);
    let outcome = f.step("same bytes", &["pages/K8s.md", "pages/4913", "pages/gone.md"], &[]);
    assert!(outcome.changed.is_empty() && outcome.removed.is_empty(), "{outcome:?}");
}

#[test]
fn a_new_link_redraws_the_local_graphs_around_it() {
    // 25 hubs outrank every other page, so the sidebar does not change below.
    let hubs: Vec<String> = (1..=25).map(|i| format!("[[Hub {i}]]")).collect();
    let list = format!("- {}", hubs.join(" "));
    let mut files: Vec<(String, String)> =
        (1..=25).map(|i| (format!("pages/Hub {i}.md"), format!("- hub {i}"))).collect();
    for name in ["A", "B", "C"] {
        files.push((format!("pages/Hubs {name}.md"), list.clone()));
    }
    files.push(("pages/Leaf.md".into(), "- a leaf".into()));
    files.push(("pages/Leaf Friend.md".into(), "- friend of [[Leaf]]".into()));
    files.push(("journals/2024_01_01.md".into(), "- day".into()));
    files.push(("pages/Shower.md".into(), "- no links here".into()));
    files.push(("pages/Source.md".into(), "- a shower mention and [[Target]]".into()));
    files.push(("pages/Target.md".into(), "- a target".into()));
    let borrowed: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let mut f = Fixture::new(&borrowed);
    write(&f.graph("journals/2024_01_01.md"), "- day [[Leaf]]");
    let outcome = f.step("link to an existing page", &["journals/2024_01_01.md"], &[]);
    assert_eq!(outcome.how, "patched");
    assert!(outcome.changed.contains(&"leaf-friend.html".to_string()), "{:?}", outcome.changed);
    assert!(!outcome.changed.contains(&"hub-7.html".to_string()), "{:?}", outcome.changed);
    write(&f.graph("journals/2024_01_01.md"), "- day [[Leaf]], more text");
    let outcome = f.step("text only", &["journals/2024_01_01.md"], &[]);
    let mut changed = outcome.changed.clone();
    changed.sort();
    // The day, the page showing it as a backlink, the home and journal lists.
    assert_eq!(changed, ["2024-01-01.html", "index.html", "journals.html", "leaf.html"]);
    write(&f.graph("pages/Target.md"), "public:: false\n\n- a target");
    let outcome = f.step("a link inside an unlinked reference", &["pages/Target.md"], &[]);
    assert!(outcome.changed.contains(&"shower.html".to_string()), "{:?}", outcome.changed);
}
