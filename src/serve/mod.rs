//! SERVE: build, serve over HTTP, watch the notes, rebuild and reload.
//!
//! `blockpress serve` builds the site like `blockpress build`, serves the
//! output folder ([`server`]), watches the graph, the theme and `site.toml`
//! ([`watch`]), rebuilds only what a change needs ([`incremental`]) and tells
//! the browser which files changed ([`reload`]) so the tab showing one of
//! them reloads. The output folder stays what `blockpress build` would write.

pub mod deps;
pub mod incremental;
pub mod pages;
pub mod patch;
pub mod reload;
pub mod server;
/// The signatures serve keeps (shared with the build cache).
pub use crate::cache::sig;
pub mod sources;
pub mod watch;

use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::config::{ConfigSource, SiteConfig};
use crate::error::{Error, Result};
use incremental::{Engine, Outcome, Problem};
use reload::{Hub, Warning};
use server::{Served, Shared};
use watch::{Changes, Debouncer, Roots};

/// A burst of events ends after this long without another.
const QUIET: Duration = Duration::from_millis(30);
/// A steady stream of events still rebuilds this often.
const MAX_WAIT: Duration = Duration::from_millis(300);
/// The feeds, the search index and the graph page are rebuilt once no change
/// came for this long (they take seconds on large graphs and would delay the
/// next edit). `BLOCKPRESS_SERVE_IDLE_MS` overrides it (the tests use 0).
const IDLE: Duration = Duration::from_millis(3000);

fn idle_delay() -> Duration {
    std::env::var("BLOCKPRESS_SERVE_IDLE_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(IDLE, Duration::from_millis)
}

/// Options of `blockpress serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Where the graph and the configuration are.
    pub source: ConfigSource,
    /// Print only warnings and errors, no summary.
    pub quiet: bool,
    /// TCP port to listen on.
    pub port: u16,
    /// Address to bind to.
    pub interface: String,
    /// Open the site in the default browser once it is served.
    pub open: bool,
}

/// Runs `blockpress serve`.
pub fn run(args: &ServeOptions) -> Result<i32> {
    let config = serve_config(args)?;
    let config_file = args.source.file();
    let verify = std::env::var_os("BLOCKPRESS_SERVE_VERIFY").is_some();
    let quiet = args.quiet;
    // Watch first: an edit made during the first build is picked up after it.
    let roots = roots(&config, config_file.as_deref());
    let watcher = watch::start(&roots)?;
    let (engine, first) = Engine::new(config, verify)?;
    if !quiet {
        print_first(&engine, &first);
    }
    let hub = Arc::new(Hub::default());
    let shared = Arc::new(Shared { served: RwLock::new(served(&engine)), hub: Arc::clone(&hub) });
    let (listener, moved) = server::bind(&args.interface, args.port)?;
    let running = server::start(listener, Arc::clone(&shared))?;
    let mut session = Session {
        engine,
        shared,
        hub,
        args,
        config_file,
        verify,
        quiet,
        last_warnings: Vec::new(),
    };
    session.engine.prepare();
    let url = url_of(running.addr);
    if moved {
        println!("Port {} is in use; using {} instead.", args.port, running.addr.port());
    }
    if !running.addr.ip().is_loopback() {
        println!(
            "Listening on {}: other machines on the network can read this site.",
            running.addr.ip()
        );
    }
    println!("Serving {} at {url} (Ctrl+C to stop)", session.engine.config().display_title());
    if args.open {
        if let Err(error) = open::that_detached(&url) {
            eprintln!("warning: cannot open a browser: {error}");
        }
    }
    let result = session.watch_loop(roots, watcher);
    running.stop();
    result.map(|()| 0)
}

/// The configuration the preview is built with: `site.toml`'s without its
/// `base_url`, so that no link, stylesheet or canonical address of the
/// preview leads to the published site: every address stays relative to the
/// local server.
fn serve_config(args: &ServeOptions) -> Result<SiteConfig> {
    let mut config = args.source.resolve()?;
    config.base_url.clear();
    Ok(config)
}

fn url_of(addr: std::net::SocketAddr) -> String {
    match addr.ip() {
        std::net::IpAddr::V6(ip) => format!("http://[{ip}]:{}/", addr.port()),
        std::net::IpAddr::V4(ip) => format!("http://{ip}:{}/", addr.port()),
    }
}

fn served(engine: &Engine) -> Served {
    Served {
        out_dir: engine.config().output_dir.clone(),
        paths: engine.output_paths().map(str::to_string).collect(),
    }
}

fn print_first(engine: &Engine, first: &Outcome) {
    for diagnostic in &first.warnings {
        eprintln!("{diagnostic}");
    }
    println!(
        "Built {} pages into {} in {:.2}s ({} warnings)",
        engine.page_count(),
        engine.config().output_dir.display(),
        first.elapsed.as_secs_f64(),
        first.warnings.len()
    );
}

fn canonical(path: &Path) -> PathBuf {
    let absolute = crate::output::absolute(path);
    absolute.canonicalize().unwrap_or(absolute)
}

/// The paths to watch for `config`.
fn roots(config: &SiteConfig, config_file: Option<&Path>) -> Roots {
    Roots {
        notes: canonical(&config.notes_dir),
        theme: canonical(&config.themes_dir.join(&config.theme)),
        config: config_file.map(canonical),
        output: canonical(&config.output_dir),
    }
}

struct Session<'a> {
    engine: Engine,
    shared: Arc<Shared>,
    hub: Arc<Hub>,
    args: &'a ServeOptions,
    config_file: Option<PathBuf>,
    verify: bool,
    quiet: bool,
    /// Warnings of the last rebuild, until its deferred part is done.
    last_warnings: Vec<crate::error::Diagnostic>,
}

impl Session<'_> {
    /// Watches and rebuilds until the watcher fails.
    fn watch_loop(&mut self, mut roots: Roots, mut watcher: watch::FileWatcher) -> Result<()> {
        let mut debouncer = Debouncer::new(QUIET, MAX_WAIT);
        let idle = idle_delay();
        let mut pending: Option<Instant> = None;
        loop {
            let wait = match (debouncer.deadline(), pending) {
                (Some(deadline), _) => deadline.saturating_duration_since(Instant::now()),
                (None, Some(since)) => (since + idle).saturating_duration_since(Instant::now()),
                (None, None) => Duration::from_secs(3600),
            };
            match watcher.events.recv_timeout(wait) {
                Ok(event) => {
                    debouncer.push(event, Instant::now());
                    if pending.is_some() {
                        pending = Some(Instant::now());
                    }
                    continue;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(Error::Refused("the file watcher stopped".into()));
                }
            }
            if let Some(burst) = debouncer.take_due(Instant::now()) {
                let changes = watch::classify(&burst, &roots);
                if changes.is_empty() {
                    continue;
                }
                if self.rebuild(&changes) {
                    pending = Some(Instant::now());
                }
                let now = roots_of(&self.engine, self.config_file.as_deref());
                if now != roots {
                    roots = now;
                    watcher = watch::start(&roots)?;
                }
            } else if pending.is_some_and(|since| since.elapsed() >= idle) {
                pending = None;
                if let Some(mut outcome) = self.engine.finish() {
                    // The warnings of the rebuild this completes still stand.
                    outcome.warnings = std::mem::take(&mut self.last_warnings);
                    self.announce(&outcome, false);
                    if !self.quiet {
                        println!(
                            "[{}] search index, feeds and graph page: {} files updated in {:.0} ms",
                            self.hub.version(),
                            outcome.changed.len() + outcome.removed.len(),
                            outcome.elapsed.as_secs_f64() * 1000.0
                        );
                    }
                }
            }
        }
    }

    /// Applies one burst; returns whether the feeds and search index are pending.
    fn rebuild(&mut self, changes: &Changes) -> bool {
        if changes.config {
            if let Some(outcome) = self.reconfigure() {
                self.announce(&outcome, true);
                if !outcome.errors.is_empty() {
                    return false;
                }
            }
            let mut rest = changes.clone();
            rest.config = false;
            if rest.is_empty() {
                return false;
            }
            return self.rebuild(&rest);
        }
        let outcome = self.engine.apply(changes);
        self.announce(&outcome, true);
        self.last_warnings = outcome.warnings.clone();
        outcome.pending
    }

    /// Reads `site.toml` again; a changed configuration builds everything anew.
    fn reconfigure(&mut self) -> Option<Outcome> {
        let start = Instant::now();
        let source = self.config_file.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        let config = match serve_config(self.args) {
            Ok(config) => config,
            Err(error) => return Some(failed(&error, source, start)),
        };
        if &config == self.engine.config() {
            return None;
        }
        match Engine::new(config, self.verify) {
            Ok((engine, mut first)) => {
                self.engine = engine;
                self.engine.prepare();
                self.shared.replace(served(&self.engine));
                first.sources = vec![source];
                first.warnings.clear();
                Some(first)
            }
            Err(error) => Some(failed(&error, source, start)),
        }
    }

    /// Updates what is served, tells the browsers and the terminal.
    fn announce(&self, outcome: &Outcome, print: bool) {
        self.shared.update(&outcome.changed, &outcome.removed);
        let mut changed = outcome.changed.clone();
        changed.extend(outcome.removed.iter().cloned());
        changed.sort();
        let warnings: Vec<Warning> = outcome.warnings.iter().map(Warning::from).collect();
        let version = self.hub.publish(changed, outcome.errors.clone(), warnings, outcome.pending);
        if print && !self.quiet {
            print_outcome(outcome, version);
        } else {
            log::info!(
                "rebuild {version}: {} files in {:.0?}",
                outcome.changed.len(),
                outcome.elapsed
            );
        }
    }
}

fn roots_of(engine: &Engine, config_file: Option<&Path>) -> Roots {
    roots(engine.config(), config_file)
}

fn failed(error: &Error, source: String, start: Instant) -> Outcome {
    Outcome {
        errors: vec![Problem::from_error(error)],
        sources: vec![source],
        how: "-",
        elapsed: start.elapsed(),
        ..Outcome::default()
    }
}

fn print_outcome(outcome: &Outcome, version: u64) {
    let what = match outcome.sources.len() {
        0 => "changes".to_string(),
        1..=3 => outcome.sources.join(", "),
        n => format!("{}, … ({n} files)", outcome.sources[..2].join(", ")),
    };
    for error in &outcome.errors {
        let place = match (error.file.as_str(), error.line) {
            ("", _) => String::new(),
            (file, Some(line)) if !error.message.contains(file) => format!("{file}:{line}: "),
            (file, None) if !error.message.contains(file) => format!("{file}: "),
            _ => String::new(),
        };
        eprintln!("error: {place}{}", error.message);
    }
    for warning in &outcome.warnings {
        eprintln!("{warning}");
    }
    if outcome.errors.is_empty() {
        println!(
            "[{version}] {what}: {} files updated, {} removed in {:.0} ms ({}, {} rendered)",
            outcome.changed.len(),
            outcome.removed.len(),
            outcome.elapsed.as_secs_f64() * 1000.0,
            outcome.how,
            outcome.rendered
        );
    } else {
        println!("[{version}] {what}: not rebuilt; still serving the last good version");
    }
}
