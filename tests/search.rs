//! Offline search end to end: the index files of built sites, and a real
//! browser (headless Debian chromium driven by `tests/browser/search.test.js`)
//! searching the default site opened from `file://`.
//!
//! Set up once: `npm ci --prefix tests/browser` and `apt-get install -y chromium`.
//! Without either the browser test is skipped with a notice, unless `CI` is set.

mod common;

use std::path::Path;

use blockpress::SiteConfig;
use blockpress::search::{index, query, tokenize};
use common::{TestSite, repo_root};
use serde_json::{Value, json};

/// Every file under `search/` of a built site, as text.
fn index_text(site: &TestSite) -> String {
    let mut text = String::new();
    for entry in walkdir::WalkDir::new(site.out.join("search")) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            text.push_str(&std::fs::read_to_string(entry.path()).expect("read"));
        }
    }
    text
}

#[test]
fn every_page_has_a_search_form_that_works_without_js() {
    let site = TestSite::default_site();
    for page in ["index.html", "k8s.html", "404.html", "all-pages.html"] {
        let html = site.read(page);
        assert!(
            html.contains("<form class=\"search-form\" action=\"search.html\" role=\"search\">"),
            "{page}"
        );
        assert!(html.contains("name=\"q\""), "{page}");
        assert!(html.contains("static/search.js"), "{page}");
    }
    let search = site.read("search.html");
    assert!(search.contains("<noscript>"), "the search page explains it needs JavaScript");
    assert!(site.exists("static/search.js") && site.exists("static/search.css"));
    assert!(site.exists("search/manifest.js"));
}

#[test]
fn unpublished_pages_never_enter_the_index() {
    let site = TestSite::from_files(&[
        ("pages/open.md", "- visible zebrafish"),
        ("pages/closed.md", "public:: false\n\n- hidden okapi"),
    ]);
    let text = index_text(&site);
    assert!(text.contains("zebrafish"));
    assert!(!text.contains("okapi") && !text.contains("closed.html"));
}

#[test]
fn nothing_in_the_index_can_end_a_script() {
    let site = TestSite::from_files(&[(
        "pages/x.md",
        "- `</script><script>alert(1)</script>` & <!-- \u{2028} \u{2029}\n- ```html\n</script>\n```",
    )]);
    let text = index_text(&site);
    assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
    assert!(!text.contains('\u{2028}') && !text.contains('\u{2029}'));
    assert!(text.contains("\\u003c/script\\u003e"));
}

#[test]
fn a_large_graph_is_split_into_shards() {
    let pages: Vec<(String, String)> = (0..1600)
        .map(|i| {
            let text =
                format!("- Topic{i} notes about word{} and term{}\n- more text {i}", i % 37, i * 7);
            (format!("pages/p{i}.md"), text)
        })
        .collect();
    let files: Vec<(&str, &str)> = pages.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    let site = TestSite::from_files(&files);
    let manifest = site.read("search/manifest.js");
    let json = manifest.trim().trim_start_matches("__bpSearch.manifest(").trim_end_matches(");");
    let manifest: Value = serde_json::from_str(json).expect("manifest JSON");
    let term_shards = manifest["terms"].as_array().map_or(0, Vec::len);
    assert!(term_shards > 1, "terms in several shards: {term_shards}");
    assert!(site.exists(&format!("search/t/{}.js", term_shards - 1)));
    assert!(site.exists("search/d/1.js"), "documents in several shards");
    assert!(manifest.to_string().len() < 2048, "the manifest stays small");
}

/// The anchor of the K8s page's `StatefulSet :` block, and the index, from Rust.
fn default_index() -> (String, index::Index) {
    let config = SiteConfig::for_graph(&repo_root().join("notes"));
    let site = blockpress::load_site(&config).expect("default site loads");
    let k8s = site.lookup("k8s").expect("K8s page");
    let note = k8s.note.as_ref().expect("K8s has a file");
    let i = note.blocks.iter().position(|b| b.title().trim() == "StatefulSet :").expect("block");
    (k8s.anchors[i].to_string(), index::build(&site))
}

#[test]
fn statefu_finds_the_statefulset_block_first() {
    let (anchor, index) = default_index();
    let hits = query::search(&index, "statefu");
    let top = hits.first().expect("a hit");
    let page = &index.pages[top.page as usize];
    assert_eq!(page.file, "k8s.html");
    assert_eq!(page.blocks[top.block as usize - 1].anchor, anchor);
    for word in ["k8s", "etcd", "cri-o", "kubectl", "Kubernetes"] {
        assert!(!query::search(&index, word).is_empty(), "{word} is findable");
    }
}

/// The best three hits of each query, by Rust's reference implementation.
fn best_hits(index: &index::Index, queries: &[&str]) -> Vec<Value> {
    queries
        .iter()
        .map(|q| {
            let top: Vec<Value> =
                query::search(index, q).iter().take(3).map(|h| json!([h.page, h.block])).collect();
            json!({ "query": q, "top": top })
        })
        .collect()
}

/// What the browser test compares the JavaScript side with.
fn expectations(anchor: &str, sites: &[(&Path, &index::Index, &[&str])]) -> Value {
    let tokens: Vec<Value> = [
        "StatefulSet :",
        "cri-o, kube-apiserver v1.29.",
        "Ünïcödé ÉTÉ Straße ΟΔΟΣ ﬁle",
        "Logseq's don’t 日本語",
        "policies running nodes caching",
    ]
    .iter()
    .map(|text| {
        let words = tokenize::words(text);
        json!({
            "text": text,
            "words": words.iter().map(|w| json!([w.text, w.position, w.part])).collect::<Vec<_>>(),
            "stems": words.iter().map(|w| tokenize::stem(&w.text)).collect::<Vec<_>>(),
        })
    })
    .collect();
    let sites: Vec<Value> = sites
        .iter()
        .map(|(dir, index, queries)| json!({ "dir": dir, "queries": best_hits(index, queries) }))
        .collect();
    json!({ "statefulset_anchor": anchor, "tokens": tokens, "sites": sites })
}

/// A graph big enough for several term shards, document shards and posting files.
fn synthetic_graph(dir: &Path) {
    for i in 0..2000 {
        let text = format!(
            "tags:: group{}\n\n- Common note {i} about topic{} and word{}\n\t- common detail\n- more common text, item {i}\n- ```sh\ncommon-cli run {i}\n```",
            i % 9,
            i % 50,
            i % 37
        );
        let path = dir.join(format!("pages/page{i}.md"));
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
}

#[test]
fn browser_finds_statefulset_from_file_url() {
    let dir = repo_root().join("tests/browser");
    if let Some(why) = common::browser_missing(&dir) {
        return common::skip_or_fail("search", &why);
    }
    let site = TestSite::default_site();
    let (anchor, index) = default_index();
    let graph = tempfile::tempdir().expect("temp dir");
    synthetic_graph(graph.path());
    let big = TestSite::build_with(graph.path(), |_| {});
    let big_site = blockpress::load_site(&SiteConfig::for_graph(graph.path())).expect("loads");
    let big_index = index::build(&big_site);
    assert!(big.exists("search/p/0.js") && big.exists("search/t/1.js"), "the big graph is sharded");
    let default_queries: &[&str] = &[
        "statefu",
        "k8s",
        "etcd",
        "kubectl",
        "cri-o",
        "persistent storage",
        "node diagram",
        "statfulset",
    ];
    let big_queries: &[&str] =
        &["common", "comm", "co", "common note", "topic12", "word3 common", "group4", "tpoic12 "];
    let sites = [
        (site.out.as_path(), &index, default_queries),
        (big.out.as_path(), &big_index, big_queries),
    ];
    let expect = site.out.with_file_name("expect.json");
    std::fs::write(&expect, expectations(&anchor, &sites).to_string()).expect("write expectations");
    common::run_browser_script(
        "search",
        "search.test.js",
        &[site.out.as_os_str(), expect.as_os_str()],
    );
}

/// Index figures of a graph, for the README:
/// `BENCH_GRAPH=/tmp/g10k cargo test --release --test search -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, run by hand"]
fn index_figures() {
    let Some(graph) = std::env::var_os("BENCH_GRAPH") else { return };
    let site =
        blockpress::load_site(&SiteConfig::for_graph(Path::new(&graph))).expect("graph loads");
    let start = std::time::Instant::now();
    let index = index::build(&site);
    let built = start.elapsed();
    let (page_count, doc_count, term_count, text_bytes) =
        (index.pages.len(), index.docs, index.terms.len(), index.text_bytes);
    let files = blockpress::search::shards::files(index);
    let total = start.elapsed();
    let size = |prefix: &str| -> usize {
        files.iter().filter(|f| f.path.starts_with(prefix)).map(|f| f.bytes.len()).sum()
    };
    let (terms, postings) = (size("search/t/"), size("search/p/"));
    let (docs, manifest) = (size("search/d/"), size("search/manifest"));
    let all = terms + postings + docs + manifest;
    let mib = |bytes: usize| bytes as f64 / 1048576.0;
    println!("pages {page_count}, documents {doc_count}, terms {term_count}");
    println!("text indexed: {:.1} MiB", text_bytes as f64 / 1048576.0);
    println!(
        "index: {:.1} MiB in {} files = term shards {:.1} + posting files {:.1} + documents {:.1} MiB + manifest {:.1} KiB ({:.0}% of the text)",
        mib(all),
        files.len(),
        mib(terms),
        mib(postings),
        mib(docs),
        manifest as f64 / 1024.0,
        100.0 * all as f64 / text_bytes as f64
    );
    println!("time: index {built:.2?}, with shards {total:.2?}");
}
