//! SERVE, over HTTP: the output folder as a website, plus the live-reload
//! script and event stream under `/__blockpress/`.
//!
//! Only files the last good build wrote are served: a request path is decoded
//! segment by segment, must name one of them exactly, and is read without
//! following symlinks, so no path (`/../`, `%2e%2e`, `%2f`, a symlink put in the
//! output folder) reaches anything else. HTML gets the live-reload script
//! before `</body>`; the files on disk never contain it.

use std::collections::HashSet;
use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpListener, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response, Server, StatusCode};

use super::reload::Hub;
use crate::error::{Error, Result};

/// The live-reload script, served from memory.
pub const LIVERELOAD_JS: &str = include_str!("livereload.js");
/// URL prefix of serve's own resources.
pub const PREFIX: &str = "/__blockpress/";
/// Request-handling threads (event streams get their own).
const WORKERS: usize = 8;
/// At most this many browsers listen for reloads at once.
const MAX_STREAMS: usize = 128;

/// What the server serves.
pub struct Served {
    /// The output folder.
    pub out_dir: PathBuf,
    /// Output paths of the last good build.
    pub paths: HashSet<String>,
}

/// State shared by the request threads.
pub struct Shared {
    /// The files.
    pub served: RwLock<Served>,
    /// The rebuild announcements.
    pub hub: Arc<Hub>,
}

impl Shared {
    fn served(&self) -> std::sync::RwLockReadGuard<'_, Served> {
        self.served.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Updates the served files after a rebuild.
    pub fn update(&self, changed: &[String], removed: &[String]) {
        let mut served = self.served.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for path in removed {
            served.paths.remove(path);
        }
        served.paths.extend(changed.iter().cloned());
    }

    /// Replaces everything (a new configuration).
    pub fn replace(&self, served: Served) {
        *self.served.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = served;
    }
}

/// Binds `interface:port`; when the port is taken, the next free one of the
/// following 20. Returns the listener and whether the port moved.
pub fn bind(interface: &str, port: u16) -> Result<(TcpListener, bool)> {
    let ip: IpAddr = match interface {
        "localhost" => IpAddr::from([127, 0, 0, 1]),
        other => match other.parse() {
            Ok(ip) => ip,
            Err(_) => (other, port)
                .to_socket_addrs()
                .ok()
                .and_then(|mut addrs| addrs.next())
                .map(|a| a.ip())
                .ok_or_else(|| Error::Refused(format!("cannot use interface `{other}`")))?,
        },
    };
    let tries = if port == 0 { 1 } else { 21 };
    let mut last_error = None;
    for offset in 0..tries {
        let Some(candidate) = port.checked_add(offset) else { break };
        match TcpListener::bind(SocketAddr::new(ip, candidate)) {
            Ok(listener) => return Ok((listener, offset > 0)),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last_error = Some(e),
            Err(e) => {
                return Err(Error::Refused(format!("cannot listen on {ip}:{candidate}: {e}")));
            }
        }
    }
    let why = last_error.map_or_else(String::new, |e| e.to_string());
    Err(Error::Refused(format!(
        "ports {port} to {} on {ip} are all in use ({why}); choose one with --port",
        port.saturating_add(tries - 1)
    )))
}

/// A running server.
pub struct Running {
    server: Arc<Server>,
    workers: Vec<JoinHandle<()>>,
    /// The address it listens on.
    pub addr: SocketAddr,
}

impl Running {
    /// Stops accepting requests and waits for the workers.
    pub fn stop(self) {
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers {
            let _ = worker.join();
        }
    }
}

/// Serves `shared` on `listener` from a few worker threads.
pub fn start(listener: TcpListener, shared: Arc<Shared>) -> Result<Running> {
    let addr = listener.local_addr().map_err(|e| Error::Refused(e.to_string()))?;
    let server = Server::from_listener(listener, None)
        .map_err(|e| Error::Refused(format!("cannot start the server: {e}")))?;
    let server = Arc::new(server);
    let workers = (0..WORKERS)
        .map(|_| {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    handle(request, &shared);
                }
            })
        })
        .collect();
    Ok(Running { server, workers, addr })
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap_or_else(|()| {
        Header::from_bytes(&b"X-Invalid"[..], &b"1"[..]).expect("static header")
    })
}

fn respond(request: Request, status: u16, content_type: &str, body: Vec<u8>) {
    let response = Response::from_data(body)
        .with_status_code(StatusCode(status))
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"));
    let _ = request.respond(response);
}

fn handle(request: Request, shared: &Shared) {
    if !matches!(request.method(), Method::Get | Method::Head) {
        return respond(
            request,
            405,
            "text/plain; charset=utf-8",
            b"Method not allowed\n".to_vec(),
        );
    }
    let url = request.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    match path {
        "/__blockpress/livereload.js" => respond(
            request,
            200,
            "text/javascript; charset=utf-8",
            LIVERELOAD_JS.as_bytes().to_vec(),
        ),
        "/__blockpress/events" => stream_events(request, shared, query),
        _ => serve_file(request, shared, path),
    }
}

/// Decodes a request path into a site-relative path; `None` for anything
/// that is not a plain path inside the site.
pub fn site_path(raw: &str) -> Option<String> {
    let rest = raw.strip_prefix('/')?;
    let mut segments: Vec<String> = Vec::new();
    let parts: Vec<&str> = rest.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            if i + 1 == parts.len() {
                segments.push("index.html".into());
                break;
            }
            return None;
        }
        let decoded = percent_encoding::percent_decode_str(part).decode_utf8().ok()?;
        if decoded == "." || decoded == ".." || decoded.contains(['/', '\\', '\0']) {
            return None;
        }
        segments.push(decoded.into_owned());
    }
    if segments.is_empty() {
        segments.push("index.html".into());
    }
    Some(segments.join("/"))
}

/// Reads `rel` under `root` without following any symlink.
fn read_inside(root: &Path, rel: &str) -> Option<Vec<u8>> {
    let mut path = root.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        let last = i + 1 == parts.len();
        if meta.file_type().is_symlink() || (last && !meta.is_file()) || (!last && !meta.is_dir()) {
            return None;
        }
    }
    std::fs::read(&path).ok()
}

/// The content type of a file, by its extension.
pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map_or("", |(_, e)| e).to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "csv" => "text/csv; charset=utf-8",
        "wasm" => "application/wasm",
        _ => "application/octet-stream",
    }
}

/// Adds the live-reload script before the last `</body>` (or at the end).
pub fn inject(html: &[u8], version: u64) -> Vec<u8> {
    let tag = format!(
        "<script src=\"{PREFIX}livereload.js\" data-version=\"{version}\" defer></script>\n"
    );
    let lower = html.to_ascii_lowercase();
    let at = lower.windows(7).rposition(|w| w == b"</body>").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + tag.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

fn serve_file(request: Request, shared: &Shared, raw_path: &str) {
    let version = shared.hub.version();
    let found = {
        let served = shared.served();
        let rel = site_path(raw_path).and_then(|rel| {
            if served.paths.contains(&rel) {
                Some(rel)
            } else {
                let index = format!("{rel}/index.html");
                served.paths.contains(&index).then_some(index)
            }
        });
        match rel {
            Some(rel) => read_inside(&served.out_dir, &rel).map(|bytes| (rel, bytes)),
            None => None,
        }
    };
    match found {
        Some((rel, bytes)) => {
            let kind = content_type(&rel);
            let body = if kind.starts_with("text/html") { inject(&bytes, version) } else { bytes };
            respond(request, 200, kind, body);
        }
        None => {
            let page = {
                let served = shared.served();
                served
                    .paths
                    .contains("404.html")
                    .then(|| read_inside(&served.out_dir, "404.html"))
                    .flatten()
            };
            let body = page.unwrap_or_else(|| {
                b"<!DOCTYPE html><title>Not found</title><p>Not found</p>".to_vec()
            });
            respond(request, 404, "text/html; charset=utf-8", inject(&body, version));
        }
    }
}

fn stream_events(request: Request, shared: &Shared, query: &str) {
    let since =
        query.split('&').find_map(|kv| kv.strip_prefix("v=")).and_then(|v| v.parse::<u64>().ok());
    if shared.hub.clients() >= MAX_STREAMS {
        return respond(
            request,
            503,
            "text/plain; charset=utf-8",
            b"Too many listeners\n".to_vec(),
        );
    }
    let Some((first, messages)) = shared.hub.subscribe(since) else {
        return respond(request, 503, "text/plain; charset=utf-8", b"Shutting down\n".to_vec());
    };
    std::thread::spawn(move || {
        let mut out = request.into_writer();
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\nX-Accel-Buffering: no\r\n\r\nretry: 500\n\n";
        if out.write_all(head.as_bytes()).is_err() || send(&mut out, &first).is_err() {
            return;
        }
        loop {
            let result = match messages.recv_timeout(Duration::from_secs(15)) {
                Ok(message) => send(&mut out, &message),
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    out.write_all(b": ping\n\n").and_then(|()| out.flush())
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
            };
            if result.is_err() {
                return;
            }
        }
    });
}

fn send(out: &mut Box<dyn Write + Send>, message: &str) -> std::io::Result<()> {
    out.write_all(format!("data: {message}\n\n").as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_paths_decode_to_site_paths_or_nothing() {
        assert_eq!(site_path("/").as_deref(), Some("index.html"));
        assert_eq!(site_path("/k8s.html").as_deref(), Some("k8s.html"));
        assert_eq!(site_path("/static/style.css").as_deref(), Some("static/style.css"));
        assert_eq!(site_path("/assets/my%20image.png").as_deref(), Some("assets/my image.png"));
        assert_eq!(site_path("/search/").as_deref(), Some("search/index.html"));
        for bad in [
            "/../etc/passwd",
            "/static/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/static%2f..%2f..%2fsecret",
            "/a%5c..%5c..%5csecret",
            "/./index.html",
            "/a//b",
            "/%00",
            "/%ff",
            "relative",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_script_goes_before_the_last_body_end() {
        let html = b"<html><body><p>x</body></html>";
        let out = String::from_utf8(inject(html, 7)).expect("utf8");
        assert!(out.contains("data-version=\"7\" defer></script>\n</body></html>"), "{out}");
        let out = String::from_utf8(inject(b"<p>no body", 1)).expect("utf8");
        assert!(out.starts_with("<p>no body<script"), "{out}");
        let out = String::from_utf8(inject(b"<BODY></BODY>", 1)).expect("utf8");
        assert!(out.ends_with("</script>\n</BODY>"), "{out}");
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("static/style.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("assets/x.PNG"), "image/png");
        assert_eq!(content_type("search/t/1.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }

    #[test]
    fn symlinks_are_not_followed() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("public");
        std::fs::create_dir_all(out.join("static")).expect("mkdir");
        std::fs::write(dir.path().join("secret.txt"), "secret").expect("write");
        std::fs::write(out.join("static/ok.css"), "ok").expect("write");
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), out.join("leak.txt"))
            .expect("link");
        std::os::unix::fs::symlink(dir.path(), out.join("up")).expect("link");
        assert_eq!(read_inside(&out, "static/ok.css").as_deref(), Some(&b"ok"[..]));
        assert_eq!(read_inside(&out, "leak.txt"), None);
        assert_eq!(read_inside(&out, "up/secret.txt"), None);
        assert_eq!(read_inside(&out, "static"), None);
    }

    #[test]
    fn a_taken_port_moves_to_the_next() {
        let (first, _) = bind("127.0.0.1", 0).expect("bind");
        let port = first.local_addr().expect("addr").port();
        let (second, moved) = bind("127.0.0.1", port).expect("bind next");
        assert!(moved);
        assert_ne!(second.local_addr().expect("addr").port(), port);
    }
}
