//! End-to-end builds: the default site (the K8s study page) and small graphs.

mod common;

use common::{TestSite, count};

#[test]
fn default_site_has_every_page_and_the_home_page() {
    let site = TestSite::default_site();
    for page in [
        "index.html",
        "k8s.html",
        "storage.html",
        "storage-summary.html",
        "provisioner.html",
        "sdn.html",
        "lab-2.html",
        "2026-11-20.html",
        "404.html",
    ] {
        assert!(site.exists(page), "{page} missing");
    }
    // Referenced-only pages exist, as in Logseq.
    for page in ["rbac.html", "idea.html", "kubernetes.html", "cka.html"] {
        assert!(site.exists(page), "{page} missing");
    }
    assert!(site.exists("static/style.css") && site.exists("static/highlight.css"));
}

#[test]
fn k8s_page_title_lists_and_numbering() {
    let site = TestSite::default_site();
    let html = site.read("k8s.html");
    assert!(html.contains("<h1"), "page title in an h1");
    // logseq.order-list-type:: number → ordered lists, nested styles 1 / a / I.
    assert!(html.contains("<ol class=\"blocks numbered\" type=\"1\">"));
    assert!(html.contains("<ol class=\"blocks numbered\" type=\"a\">"));
    assert!(html.contains("<ol class=\"blocks numbered\" type=\"I\">"));
    // No Logseq property leaks into the page.
    assert!(!html.contains("logseq.order-list-type"));
    assert!(!html.contains("collapsed::"));
}

#[test]
fn k8s_collapsed_blocks_are_closed_details() {
    let html = TestSite::default_site().read("k8s.html");
    let collapsed = count(&html, "<details class=\"block-collapse\">");
    // Node graphics, Single Container, DaemonSet, Multi container setups, Basic Selection.
    assert_eq!(collapsed, 5, "collapsed:: true blocks");
    assert!(!html.contains("<details class=\"block-collapse\" open"));
    assert!(html.contains("<summary class=\"block-summary\">Node graphics :</summary>"));
}

#[test]
fn k8s_diagrams_are_figures_not_yaml() {
    let html = TestSite::default_site().read("k8s.html");
    assert_eq!(count(&html, "<figure class=\"diagram\""), 3, "three ASCII diagrams");
    assert!(html.contains("Kubernetes Node Diagram</figcaption>"));
    assert!(html.contains("Kubernetes Cluster Workflow Diagram</figcaption>"));
    assert!(html.contains("keepalived"));
    for figure in html.split("<figure class=\"diagram\"").skip(1) {
        let figure = &figure[..figure.find("</figure>").expect("closed figure")];
        assert!(!figure.contains("hl-"), "a diagram is never highlighted as YAML");
    }
}

#[test]
fn k8s_manifests_are_highlighted_yaml() {
    let html = TestSite::default_site().read("k8s.html");
    // The bare fences holding manifests are recognised as YAML and highlighted.
    let yaml_blocks = count(&html, "data-lang=\"yaml\"");
    assert!(yaml_blocks >= 4, "found {yaml_blocks} YAML blocks");
    assert!(
        html.contains("<figcaption>Example2</figcaption>"),
        "a non-language info string is a caption"
    );
    assert!(html.contains("hl-"), "highlighted spans");
}

#[test]
fn k8s_quote_links_and_tags() {
    let html = TestSite::default_site().read("k8s.html");
    assert!(html.contains("<blockquote>"));
    assert!(html.contains("Important : You cannot get into discord during the exam"));
    assert!(!html.contains("#+BEGIN_QUOTE"));
    assert!(html.contains("<a class=\"page-ref\" href=\"storage.html\">Storage</a>"));
    assert!(
        html.contains("<a class=\"page-ref\" href=\"storage-summary.html\">Storage Summary</a>")
    );
    assert!(html.contains("<a class=\"page-ref\" href=\"lab-2.html\">Lab 2</a>"));
    assert!(html.contains("<a class=\"tag\" href=\"rbac.html\">#RBAC</a>"));
    assert!(html.contains("<a class=\"tag\" href=\"idea.html\">#IDEA</a>"));
    assert!(html.contains("<code>kubectl config view</code>"));
}

#[test]
fn backlinks_show_the_referencing_block() {
    let site = TestSite::default_site();
    let storage = site.read("storage.html");
    assert!(storage.contains("k8s.html#b-"), "K8s links to Storage, so Storage links back");
    let rbac = site.read("rbac.html");
    assert!(rbac.contains("k8s.html#b-"));
}

#[test]
fn building_twice_gives_identical_bytes() {
    let a = TestSite::default_site();
    let b = TestSite::default_site();
    for entry in walkdir::WalkDir::new(&a.out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let rel = entry.path().strip_prefix(&a.out).expect("inside");
        let other = std::fs::read(b.out.join(rel)).expect("same files");
        assert!(std::fs::read(entry.path()).expect("read") == other, "{} differs", rel.display());
    }
}

#[test]
fn a_second_build_writes_nothing_new() {
    let site = TestSite::default_site();
    let mut config = blockpress::SiteConfig::for_graph(&common::repo_root().join("notes"));
    config.output_dir = site.out.clone();
    config.themes_dir = common::repo_root().join("themes");
    let again = blockpress::build(&config).expect("rebuild");
    assert_eq!(again.write.written, 0);
    assert_eq!(again.write.removed, 0);
}

#[test]
fn journal_pages_are_named_by_the_title_format() {
    let site = TestSite::from_files(&[
        ("journals/2024_01_05.md", "- a day with [[Topic]]"),
        (
            "logseq/config.edn",
            "{:journal/page-title-format \"EEEE, dd.MM.yyyy\" :file/name-format :triple-lowbar}",
        ),
    ]);
    let html = site.read("2024-01-05.html");
    assert!(html.contains("Friday, 05.01.2024"));
    assert!(site.read("topic.html").contains("2024-01-05.html#b-"));
}

#[test]
fn namespaced_file_names_and_title_property() {
    let site = TestSite::from_files(&[
        ("pages/a___b___c.md", "- deep"),
        ("pages/odd name.md", "title:: Real Title\n\n- body"),
        ("logseq/config.edn", "{:file/name-format :triple-lowbar}"),
    ]);
    assert!(site.read("a.b.c.html").contains("<h1 class=\"page-title\">a/b/c</h1>"));
    assert!(site.exists("a.html") && site.exists("a.b.html"), "namespace ancestors exist");
    assert!(site.read("real-title.html").contains("Real Title"));
}

#[test]
fn internal_links_are_relative_file_links() {
    let site = TestSite::default_site();
    for entry in walkdir::WalkDir::new(&site.out).into_iter().filter_map(Result::ok) {
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).expect("read");
            assert!(!html.contains("href=\"/"), "{}: root-absolute link", entry.path().display());
            assert!(!html.contains("src=\"/"), "{}: root-absolute src", entry.path().display());
        }
    }
}

#[test]
fn linked_references_show_short_children_and_link_to_long_ones() {
    let long_children: String =
        (0..5).map(|i| format!("\t- long child {i} of the second reference\n")).collect();
    let site = TestSite::from_files(&[
        ("pages/Target.md", "- the target page"),
        (
            "pages/Source.md",
            &format!(
                "- first mention of [[Target]]\n\t- its short child\n- second mention of [[Target]]\n{long_children}"
            ),
        ),
    ]);
    let html = site.read("target.html");
    let refs = &html[html.find("id=\"backlinks-heading\"").expect("references")..];
    assert!(refs.contains("its short child"), "a short subtree shows in full");
    assert!(refs.contains("second mention of"), "the block with long children shows");
    assert!(!refs.contains("long child 0"), "its long subtree does not");
    assert!(refs.contains("<p class=\"backlink-more\"><a href=\"source.html#b-"), "{refs}");
    assert!(refs.contains(">5 child blocks</a>"), "the link says how many");
    let source = site.read("source.html");
    assert!(source.contains("long child 4 of the second reference"), "they are on their page");
}
