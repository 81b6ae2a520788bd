//! The graph view: `graph.html` (the map of all pages) and the local graph of
//! every page, built from the default site and from generated graphs.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TestSite, repo_root};

/// The `<svg class="{class} …" …>…</svg>` element of a page, if any.
fn svg<'a>(html: &'a str, class: &str) -> Option<&'a str> {
    let start = html.find(&format!("<svg class=\"{class}"))?;
    let end = html[start..].find("</svg>")? + start + "</svg>".len();
    Some(&html[start..end])
}

/// The link targets of the nodes of an SVG map, decoded.
fn hrefs(svg: &str) -> Vec<String> {
    svg.split("<a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(|h| {
            percent_encoding::percent_decode_str(&h.replace("&amp;", "&"))
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

fn html_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("output folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    files.sort();
    files
}

#[test]
fn graph_page_maps_every_published_page_with_working_links() {
    let site = TestSite::default_site();
    let html = site.read("graph.html");
    let map = svg(&html, "graph-map").expect("graph.html has the map");
    for target in hrefs(map) {
        assert!(site.exists(&target), "{target} is a page of the site");
    }
    let nodes = map.split("<g class=\"labels\"").next().unwrap_or_default();
    let targets = hrefs(nodes);
    assert_eq!(targets.len(), site.report.pages, "one node per published page");
    assert_eq!(nodes.matches("<title>").count(), targets.len(), "every node is titled");
    assert_eq!(nodes.matches("<circle").count(), targets.len(), "every node is a circle");
    assert!(html.contains("id=\"graph-hide-journals\""), "journal filter");
    assert!(site.read("k8s.html").contains("href=\"graph.html\">Graph</a>"), "nav links the graph");
}

#[test]
fn local_graph_of_k8s_shows_the_pages_it_links_to() {
    let site = TestSite::default_site();
    let html = site.read("k8s.html");
    let map = svg(&html, "graph-local").expect("k8s.html has a local graph");
    let targets = hrefs(map);
    for page in
        ["storage.html", "storage-summary.html", "provisioner.html", "sdn.html", "lab-2.html"]
    {
        assert!(targets.iter().any(|t| t == page), "{page} in {targets:?}");
    }
    assert!(map.contains("<a href=\"k8s.html\" class=\"cur"), "the page itself is marked");
    assert!(targets.len() <= blockpress::graph::local::MAX_NODES);
}

#[test]
fn every_local_graph_links_to_existing_pages() {
    let site = TestSite::default_site();
    let mut maps = 0;
    for path in html_files(&site.out) {
        let html = std::fs::read_to_string(&path).expect("read");
        let Some(map) = svg(&html, "graph-local") else { continue };
        maps += 1;
        for target in hrefs(map) {
            assert!(site.exists(&target), "{target} (from {})", path.display());
        }
    }
    assert!(maps >= 6, "pages with links have a local graph ({maps})");
}

/// A generated graph: pages with links, tags, namespaces and journals.
fn generated(pages: usize) -> Vec<(String, String)> {
    let mut seed: u64 = 42;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let mut files = Vec::new();
    for i in 0..pages {
        let mut text = format!("tags:: topic{}\n\n", i % 7);
        for _ in 0..(1 + next(4)) {
            text.push_str(&format!(
                "- see [[Page {}]] and [[Area {}/Sub {}]]\n",
                next(pages),
                i % 5,
                next(9)
            ));
        }
        files.push((format!("pages/Page {i}.md"), text));
    }
    for day in 1..=9 {
        files.push((format!("journals/2024_03_0{day}.md"), format!("- [[Page {}]]\n", day * 3)));
    }
    files
}

fn build(files: &[(String, String)]) -> TestSite {
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
    TestSite::from_files(&refs)
}

#[test]
fn same_notes_in_any_order_give_the_same_maps() {
    let files = generated(150);
    let mut reversed = files.clone();
    reversed.reverse();
    let (a, b) = (build(&files), build(&reversed));
    let (ga, gb) = (a.read("graph.html"), b.read("graph.html"));
    let map = svg(&ga, "graph-map").expect("map");
    assert_eq!(Some(map), svg(&gb, "graph-map"), "global map");
    assert!(map.matches("<a href=").count() > 150);
    let (pa, pb) = (a.read("page-7.html"), b.read("page-7.html"));
    assert!(svg(&pa, "graph-local").is_some());
    assert_eq!(svg(&pa, "graph-local"), svg(&pb, "graph-local"), "local map");
    // And a second build of the same notes.
    assert_eq!(svg(&build(&files).read("graph.html"), "graph-map"), Some(map));
}

// ---------- Screenshots ---------------------------------------------------

fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from("/usr/bin/chromium");
    if path.is_file() {
        return Some(path);
    }
    assert!(std::env::var_os("CI").is_none(), "chromium is required in CI for the screenshots");
    eprintln!("notice: /usr/bin/chromium not found; graph screenshots skipped");
    None
}

/// Takes a screenshot of `page` into `png` with headless Chromium (60 s at most).
fn screenshot(chromium: &Path, page: &Path, png: &Path, extra: &[&str]) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        .args(["--disable-component-update", "--disable-sync", "--no-first-run"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--window-size=1280,900")
        .args(extra)
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start chromium");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium took too long on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(png.is_file(), "{} written", png.display());
}

/// A page showing only the local graph section of `page_html`, with the site's CSS.
fn local_graph_preview(page_html: &str) -> String {
    let start = page_html.find("<section class=\"local-graph\"").expect("local graph section");
    let end = page_html[start..].find("</section>").expect("end") + start + "</section>".len();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <link rel=\"stylesheet\" href=\"static/style.css\"></head>\
         <body><main class=\"site-main\"><article class=\"page\">{}</article></main></body></html>",
        &page_html[start..end]
    )
}

#[test]
fn screenshots_of_both_views() {
    let Some(chromium) = chromium() else { return };
    let site = TestSite::default_site();
    let dir = repo_root().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    let preview = site.out.join("local-graph-preview.html");
    std::fs::write(&preview, local_graph_preview(&site.read("k8s.html"))).expect("preview");
    let graph = site.out.join("graph.html");
    screenshot(&chromium, &graph, &dir.join("graph-view.png"), &[]);
    screenshot(&chromium, &graph, &dir.join("graph-view-dark.png"), &["--force-dark-mode"]);
    screenshot(&chromium, &preview, &dir.join("local-graph-k8s.png"), &[]);
    eprintln!("screenshots in {}", dir.display());
}

// ---------- Timing --------------------------------------------------------

/// CPU time of this process so far (user + system, all threads), from /proc (0 elsewhere).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

/// Times the graph of the Logseq graph in `BLOCKPRESS_GRAPH_BENCH` (ignored by default):
/// `BLOCKPRESS_GRAPH_BENCH=/tmp/g10k cargo test --release --test graph_view -- --ignored --nocapture`
#[test]
#[ignore = "a benchmark: needs BLOCKPRESS_GRAPH_BENCH"]
fn layout_timing() {
    let Some(dir) = std::env::var_os("BLOCKPRESS_GRAPH_BENCH") else { return };
    let config = blockpress::SiteConfig::for_graph(Path::new(&dir));
    let site = blockpress::load_site(&config).expect("load");
    let t = Instant::now();
    let graph = blockpress::graph::SiteGraph::from_site(&site);
    eprintln!(
        "graph: {} nodes, {} edges in {:?}",
        graph.nodes.len(),
        graph.edges.len(),
        t.elapsed()
    );
    let (t, cpu) = (Instant::now(), cpu_seconds());
    let positions = graph.layout();
    eprintln!("layout: {:?} wall, {:.2} s CPU", t.elapsed(), cpu_seconds() - cpu);
    let t = Instant::now();
    let map = blockpress::graph::svg::global_map(&graph, &positions);
    eprintln!("svg: {} bytes, {} edges drawn, {:?}", map.svg.len(), map.edges_drawn, t.elapsed());
    if let Some(out) = std::env::var_os("BLOCKPRESS_GRAPH_HTML") {
        let css = repo_root().join("themes/default/static/style.css");
        let html = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"file://{}\">\
             <style>svg.graph-map{{width:100vw;height:100vh;max-width:none}}body{{margin:0}}</style></head><body>{}</body></html>",
            css.display(),
            map.svg
        );
        std::fs::write(out, html).expect("write html");
    }
    let t = Instant::now();
    let local: usize = site.published().map(|(id, _)| graph.local_svg(id).len()).sum();
    eprintln!("local maps: {local} bytes in {:?}", t.elapsed());
}
