//! `blockpress serve`: the binary serves a temporary copy of a small graph,
//! these tests edit the notes and watch the reload events and the served
//! pages, and compare the output folder with a clean `blockpress build`.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long anything may take before a test fails.
const PATIENCE: Duration = Duration::from_secs(60);

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A running `blockpress serve` over a temporary graph; killed when dropped.
struct Serve {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Serve {
    /// Writes the graph and a `site.toml` with its own themes folder, and starts serving.
    fn start(files: &[(&str, &str)]) -> Serve {
        Serve::start_with(files, "")
    }

    /// [`Serve::start`] with more lines in `site.toml`.
    fn start_with(files: &[(&str, &str)], more_toml: &str) -> Serve {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in files {
            write(&dir.path().join("graph").join(path), text);
        }
        std::fs::create_dir_all(dir.path().join("themes/mine")).expect("theme dir");
        write(
            &dir.path().join("site.toml"),
            &format!(
                "title = \"Served\"\nnotes_dir = \"graph\"\noutput_dir = \"public\"\nthemes_dir = \"themes\"\ntheme = \"mine\"\n{more_toml}"
            ),
        );
        let mut child = Command::new(env!("CARGO_BIN_EXE_blockpress"))
            .args(["serve", "--port", "0", "--config"])
            .arg(dir.path().join("site.toml"))
            .env("BLOCKPRESS_SERVE_VERIFY", "1")
            .env("BLOCKPRESS_SERVE_IDLE_MS", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start blockpress serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.split("http://127.0.0.1:").nth(1) {
                    let _ =
                        tx.send(url.trim_end_matches(|c: char| !c.is_ascii_digit()).to_string());
                }
            }
        });
        let port = rx.recv_timeout(PATIENCE).expect("serve prints its URL");
        let port = port.split('/').next().and_then(|p| p.parse().ok()).expect("a port");
        Serve { child, dir, port }
    }

    fn graph(&self, rel: &str) -> PathBuf {
        self.dir.path().join("graph").join(rel)
    }

    fn theme(&self, rel: &str) -> PathBuf {
        self.dir.path().join("themes/mine").join(rel)
    }

    /// Sends a raw request line; returns the status and body.
    fn request(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        let body = text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string());
        (status, body)
    }

    fn get(&self, path: &str) -> String {
        let (status, body) = self.request(path);
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Listens to the reload events.
    fn events(&self) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        write!(stream, "GET /__blockpress/events HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .expect("send");
        let mut events = Events { reader: BufReader::new(stream) };
        let hello = events.next();
        assert!(hello["version"].is_u64(), "{hello}");
        events
    }

    /// Compares the output folder with a clean build of the same graph.
    fn assert_like_clean_build(&self, what: &str) {
        let mut config =
            blockpress::SiteConfig::from_file(&self.dir.path().join("site.toml")).expect("config");
        let served = config.output_dir.clone();
        config.output_dir = self.dir.path().join("clean");
        let _ = std::fs::remove_dir_all(&config.output_dir);
        blockpress::build(&config).expect("clean build");
        let (a, b) = (tree(&served), tree(&config.output_dir));
        assert_eq!(
            a.keys().collect::<Vec<_>>(),
            b.keys().collect::<Vec<_>>(),
            "{what}: file lists"
        );
        for (path, bytes) in &a {
            assert!(bytes == &b[path], "{what}: {path} differs from a clean build");
            assert!(
                !String::from_utf8_lossy(bytes).contains("__blockpress"),
                "{what}: {path} carries the live-reload script"
            );
        }
    }
}

fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).expect("read dir").map(|e| e.expect("entry")) {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).expect("inside").to_string_lossy().into_owned();
                out.insert(rel, std::fs::read(&path).expect("read"));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// A server-sent event stream.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    /// The next event's JSON (keep-alive comments skipped, within [`PATIENCE`]).
    fn next(&mut self) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let mut line = String::new();
        loop {
            assert!(Instant::now() < deadline, "no event in time");
            line.clear();
            let read = self.reader.read_line(&mut line).expect("an event before the timeout");
            assert!(read > 0, "the event stream ended");
            if let Some(data) = line.strip_prefix("data: ") {
                return serde_json::from_str(data.trim()).expect("JSON event");
            }
        }
    }

    /// Waits for a finished rebuild (feeds and search index included) and returns its event;
    /// the changed paths of all rebuilds until then are merged into `changed`.
    fn settled(&mut self) -> Value {
        let deadline = Instant::now() + PATIENCE;
        let mut changed: Vec<Value> = Vec::new();
        loop {
            assert!(Instant::now() < deadline, "no finished rebuild in time");
            let mut event = self.next();
            changed.extend(event["changed"].as_array().cloned().unwrap_or_default());
            if event["pending"] == false {
                event["changed"] = Value::Array(changed);
                return event;
            }
        }
    }
}

fn changed(event: &Value) -> Vec<String> {
    event["changed"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(String::from))
        .collect()
}

fn graph() -> Vec<(&'static str, &'static str)> {
    vec![
        ("logseq/config.edn", "{:file/name-format :triple-lowbar}"),
        ("pages/Storage.md", "- Volumes and claims\n- used by [[K8s]]"),
        ("pages/K8s.md", "- see [[Storage]]\n- second block"),
        ("journals/2024_01_05.md", "- day one [[K8s]]"),
    ]
}

#[test]
fn an_edit_reaches_the_browser() {
    let serve = Serve::start(&graph());
    let page = serve.get("/k8s.html");
    assert!(page.contains("second block"), "{page}");
    assert!(page.contains("/__blockpress/livereload.js"), "the script is injected");
    assert!(serve.get("/__blockpress/livereload.js").contains("EventSource"));
    let mut events = serve.events();
    write(&serve.graph("pages/K8s.md"), "- see [[Storage]]\n- second block, edited live");
    let event = events.settled();
    assert!(changed(&event).contains(&"k8s.html".to_string()), "{event}");
    assert!(serve.get("/k8s.html").contains("edited live"));
    serve.assert_like_clean_build("edit");
}

#[test]
fn a_deleted_page_disappears_and_links_to_it_update() {
    let serve = Serve::start(&graph());
    assert!(serve.get("/storage.html").contains("Volumes"));
    assert!(serve.get("/k8s.html").contains("href=\"storage.html\""));
    let mut events = serve.events();
    std::fs::remove_file(serve.graph("pages/Storage.md")).expect("delete");
    let event = events.settled();
    assert!(changed(&event).contains(&"k8s.html".to_string()), "{event}");
    // Still linked from K8s, the page now exists as a page without a file.
    assert!(!serve.get("/storage.html").contains("Volumes"));
    serve.assert_like_clean_build("delete");
    std::fs::remove_file(serve.graph("pages/K8s.md")).expect("delete");
    events.settled();
    let (status, body) = serve.request("/storage.html");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("Page not found"), "the site's 404 page: {body}");
    serve.assert_like_clean_build("delete the last link");
}

#[test]
fn the_preview_never_links_to_the_published_site() {
    let serve = Serve::start_with(&graph(), "base_url = \"https://example.org/notes/\"\n");
    let (status, body) = serve.request("/a/b/missing");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("href=\"static/style.css\""), "{body}");
    assert!(!body.contains("example.org"), "the 404 page leads to the published site");
    for path in ["/k8s.html", "/index.html", "/sitemap.xml"] {
        let (_, page) = serve.request(path);
        assert!(!page.contains("example.org"), "{path} leads to the published site");
    }
    assert!(serve.get("/k8s.html").contains("href=\"storage.html\""));
}

/// One named edit of the graph under test.
type Step = Box<dyn Fn(&Serve)>;

#[test]
fn a_sequence_of_edits_always_equals_a_clean_build() {
    let serve = Serve::start(&graph());
    let mut events = serve.events();
    let steps: Vec<(&str, Step)> = vec![
        ("edit", Box::new(|s| write(&s.graph("pages/K8s.md"), "- see [[Storage]]\n- edited"))),
        ("add", Box::new(|s| write(&s.graph("pages/Network.md"), "- about [[K8s]] networking"))),
        (
            "link to a new page",
            Box::new(|s| write(&s.graph("pages/K8s.md"), "- see [[Storage]] and [[CNI]]")),
        ),
        (
            "rename",
            Box::new(|s| {
                std::fs::rename(s.graph("pages/Network.md"), s.graph("pages/Networking.md"))
                    .expect("rename")
            }),
        ),
        (
            "delete",
            Box::new(|s| std::fs::remove_file(s.graph("pages/Storage.md")).expect("delete")),
        ),
        (
            "atomic save",
            Box::new(|s| {
                write(&s.graph("pages/.K8s.md.tmp"), "- saved atomically [[Networking]]");
                std::fs::rename(s.graph("pages/.K8s.md.tmp"), s.graph("pages/K8s.md"))
                    .expect("rename");
            }),
        ),
        (
            "new folder",
            Box::new(|s| write(&s.graph("pages/deep/er/Folder.md"), "- in a new folder")),
        ),
        (
            "add an Org page",
            Box::new(|s| {
                write(&s.graph("pages/Cluster.org"), "#+title: Cluster\n* runs [[K8s]]\n** nodes")
            }),
        ),
        (
            "edit the Org page",
            Box::new(|s| write(&s.graph("pages/Cluster.org"), "#+title: Cluster\n* runs [[CNI]]")),
        ),
    ];
    for (what, step) in steps {
        step(&serve);
        events.settled();
        serve.assert_like_clean_build(what);
    }
    assert!(serve.get("/cluster.html").contains("href=\"cni.html\""), "the Org page is served");
}

#[test]
fn a_broken_template_shows_an_error_and_its_fix_clears_it() {
    let serve = Serve::start(&graph());
    let before = serve.get("/k8s.html");
    let mut events = serve.events();
    write(
        &serve.theme("templates/page.html"),
        "{% extends \"base.html\" %}{% block content %}{{ page.title {% endblock content %}",
    );
    let event = events.settled();
    let errors = event["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{event}");
    assert!(errors[0]["message"].as_str().unwrap_or("").contains("page.html"), "{event}");
    assert!(changed(&event).is_empty());
    let strip =
        |html: &str| html.lines().filter(|l| !l.contains("__blockpress")).collect::<String>();
    assert_eq!(strip(&serve.get("/k8s.html")), strip(&before), "the last good version is served");
    std::fs::remove_file(serve.theme("templates/page.html")).expect("fix");
    let event = events.settled();
    assert_eq!(event["errors"], Value::Array(vec![]), "{event}");
    serve.assert_like_clean_build("template fixed");
}

#[test]
fn a_broken_note_is_reported_with_its_line_until_fixed() {
    let serve = Serve::start(&graph());
    let mut events = serve.events();
    std::fs::write(serve.graph("pages/K8s.md"), b"- see [[Storage]]\n- bad \xff byte\n")
        .expect("write");
    let event = events.settled();
    let warnings = event["warnings"].as_array().expect("warnings");
    let warning =
        warnings.iter().find(|w| w["file"] == "pages/K8s.md").unwrap_or_else(|| panic!("{event}"));
    assert_eq!(warning["line"], 2, "{event}");
    assert!(warning["message"].as_str().unwrap_or("").contains("UTF-8"), "{event}");
    write(&serve.graph("pages/K8s.md"), "- see [[Storage]]\n- good again");
    let event = events.settled();
    assert_eq!(event["warnings"], Value::Array(vec![]), "{event}");
    assert!(serve.get("/k8s.html").contains("good again"));
}

#[test]
fn nothing_outside_the_output_can_be_read() {
    let serve = Serve::start(&graph());
    write(&serve.dir.path().join("secret.txt"), "TOP SECRET");
    let out = serve.dir.path().join("public");
    std::os::unix::fs::symlink(serve.dir.path().join("secret.txt"), out.join("leak.txt"))
        .expect("link");
    std::os::unix::fs::symlink(serve.dir.path(), out.join("static/up")).expect("link");
    for path in [
        "/../secret.txt",
        "/static/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/static%2f..%2f..%2fsecret.txt",
        "/static/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/leak.txt",
        "/static/up/secret.txt",
        "/site.toml",
        "/graph/pages/K8s.md",
        "/.blockpress-output",
    ] {
        let (status, body) = serve.request(path);
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains("TOP SECRET") && !body.contains("[[Storage]]"), "{path}: {body}");
    }
    let (status, _) = serve.request("/static/style.css");
    assert_eq!(status, 200);
}

#[test]
fn many_requests_at_once() {
    let serve = Serve::start(&graph());
    let port = serve.port;
    let threads: Vec<_> = (0..16)
        .map(|_| {
            std::thread::spawn(move || {
                let probe = Serve::request_on(port, "/k8s.html");
                assert_eq!(probe.0, 200);
                assert!(probe.1.contains("<html"));
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("request thread");
    }
    let (status, body) = serve.request("/static/style.css");
    assert_eq!(status, 200, "{body}");
}

impl Serve {
    fn request_on(port: u16, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .expect("send");
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        (status, text.split_once("\r\n\r\n").map_or(String::new(), |(_, b)| b.to_string()))
    }
}
