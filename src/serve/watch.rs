//! SERVE, watching: file-system events → debounced, classified [`Changes`].
//!
//! Events are only hints: what a path *is* now is decided later by looking at
//! the disk (see [`super::sources`]). This module decides, from names alone,
//! which events matter — editor swap, backup and temporary files, Logseq's
//! own bookkeeping and our own output never trigger a rebuild — and groups
//! bursts (an atomic save is three or four events) into one rebuild.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::Watcher;

/// What happened to some paths, reduced to what a rebuild cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Created (file or folder).
    Create,
    /// Contents or metadata written.
    Modify,
    /// Removed.
    Remove,
    /// Renamed; the paths are the old and/or the new name.
    Rename,
    /// Anything else that may have changed something (unknown kinds).
    Other,
}

/// One file-system event, independent of the notify crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FsEvent {
    /// What happened.
    pub kind: EventKind,
    /// Absolute paths concerned.
    pub paths: Vec<PathBuf>,
    /// The watcher lost events (queue overflow): everything must be rescanned.
    pub rescan: bool,
}

impl FsEvent {
    /// An event of `kind` on `paths`.
    pub fn new(kind: EventKind, paths: &[&Path]) -> FsEvent {
        FsEvent { kind, paths: paths.iter().map(|p| p.to_path_buf()).collect(), rescan: false }
    }
}

/// The folders and files being watched, absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    /// The graph folder.
    pub notes: PathBuf,
    /// The theme folder (`<themes_dir>/<theme>`), which may not exist.
    pub theme: PathBuf,
    /// `site.toml`, when the site has one.
    pub config: Option<PathBuf>,
    /// The output folder: events there are our own writes.
    pub output: PathBuf,
}

/// What a burst of events may have changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Graph-relative paths (`pages/a.md`, `assets/x.png`, `pages/new-folder`)
    /// to look at again: notes, assets, Logseq's config and folders.
    pub graph: BTreeSet<String>,
    /// Theme-relative paths (`static/style.css`, `templates/page.html`).
    pub theme: BTreeSet<String>,
    /// `site.toml` changed.
    pub config: bool,
    /// Events were lost or a watched root itself moved: rescan everything.
    pub rescan: bool,
}

impl Changes {
    /// Whether nothing needs rebuilding.
    pub fn is_empty(&self) -> bool {
        self.graph.is_empty() && self.theme.is_empty() && !self.config && !self.rescan
    }

    /// Adds what `other` changed.
    pub fn merge(&mut self, other: Changes) {
        self.graph.extend(other.graph);
        self.theme.extend(other.theme);
        self.config |= other.config;
        self.rescan |= other.rescan;
    }
}

/// Whether a file name is an editor's or a tool's scratch file, never content:
/// vim's swap files, its `4913` write probe and `~` backups, emacs's `#autosave#`
/// and `.#lock` files, atomic-save temporaries, office lock files, `.DS_Store`.
pub fn is_scratch_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || (name.starts_with('#') && name.ends_with('#'))
        || is_vim_probe(name)
        || [".swp", ".swo", ".swx", ".tmp", ".temp", ".bak", ".orig", ".crswap", ".part"]
            .iter()
            .any(|suffix| lower.ends_with(suffix))
        || lower.contains("___jb_tmp___")
        || lower.contains("___jb_old___")
        || lower.starts_with("~$")
        || lower.starts_with(".~lock")
        || lower.contains(".sb-")
        || name == "node_modules"
}

/// vim's write probe: `4913`, or `4913 + 123·k` when that name is taken.
fn is_vim_probe(name: &str) -> bool {
    name.parse::<u32>().is_ok_and(|n| (4913..100_000).contains(&n) && (n - 4913) % 123 == 0)
}

/// Whether a graph-relative path can matter to the site, judged by its name:
/// notes, assets, `logseq/config.edn`, `logseq/custom.css`, and anything that
/// may be a folder (names without a note's extension are checked on disk later).
fn graph_path_matters(rel: &str) -> bool {
    if rel == "logseq/config.edn" || rel == "logseq/custom.css" {
        return true;
    }
    let parts: Vec<&str> = rel.split('/').collect();
    if parts.first() == Some(&"logseq") && parts.len() > 1 {
        // Backups, the recycle bin, version files, pages-metadata.edn: Logseq's own.
        return false;
    }
    !parts.iter().any(|part| is_scratch_name(part))
}

/// Whether a theme-relative path can matter: templates and static files, not scratch files.
fn theme_path_matters(rel: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    matches!(parts.first(), Some(&"templates") | Some(&"static"))
        && !parts.iter().any(|part| is_scratch_name(part))
}

/// `path` relative to `root`, with `/` separators; `None` when outside.
fn relative(path: &Path, root: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Vec<String> =
        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    Some(parts.join("/"))
}

/// Classifies one path of an event into `changes`.
fn classify_path(path: &Path, roots: &Roots, changes: &mut Changes) {
    if path.starts_with(&roots.output) {
        return;
    }
    if roots.config.as_deref() == Some(path) {
        changes.config = true;
        return;
    }
    if let Some(rel) = relative(path, &roots.theme) {
        if rel.is_empty() {
            changes.theme.insert(String::new());
        } else if theme_path_matters(&rel) {
            changes.theme.insert(rel);
        }
        return;
    }
    if let Some(rel) = relative(path, &roots.notes) {
        if rel.is_empty() {
            changes.rescan = true;
        } else if graph_path_matters(&rel) {
            changes.graph.insert(rel);
        }
    } else if roots.notes.starts_with(path) || roots.theme.starts_with(path) {
        // A parent of a watched root was moved or removed.
        changes.rescan = true;
    }
}

/// Reduces a burst of events to what they may have changed. Pure: looks at
/// names only.
pub fn classify(events: &[FsEvent], roots: &Roots) -> Changes {
    let mut changes = Changes::default();
    for event in events {
        changes.rescan |= event.rescan;
        for path in &event.paths {
            classify_path(path, roots, &mut changes);
        }
    }
    changes
}

/// Groups events into bursts: a burst ends when no event came for `quiet`,
/// or `max` after its first event, whichever is first. Pure: the caller says
/// what time it is.
#[derive(Debug)]
pub struct Debouncer {
    quiet: Duration,
    max: Duration,
    first: Option<Instant>,
    last: Option<Instant>,
    pending: Vec<FsEvent>,
}

impl Debouncer {
    /// A debouncer with the given quiet period and longest wait.
    pub fn new(quiet: Duration, max: Duration) -> Debouncer {
        Debouncer { quiet, max, first: None, last: None, pending: Vec::new() }
    }

    /// Records an event seen at `now`.
    pub fn push(&mut self, event: FsEvent, now: Instant) {
        self.first.get_or_insert(now);
        self.last = Some(now);
        self.pending.push(event);
    }

    /// When the current burst is due, if one is pending.
    pub fn deadline(&self) -> Option<Instant> {
        let (first, last) = (self.first?, self.last?);
        Some((last + self.quiet).min(first + self.max))
    }

    /// The burst, when it is due at `now`.
    pub fn take_due(&mut self, now: Instant) -> Option<Vec<FsEvent>> {
        if self.deadline()? > now {
            return None;
        }
        self.first = None;
        self.last = None;
        Some(std::mem::take(&mut self.pending))
    }
}

/// Converts a notify event; `None` for events that change nothing (reads, opens).
pub fn from_notify(event: notify::Event) -> Option<FsEvent> {
    use notify::event::{AccessKind, AccessMode, EventKind as K, ModifyKind};
    let kind = match event.kind {
        K::Create(_) => EventKind::Create,
        K::Remove(_) => EventKind::Remove,
        K::Modify(ModifyKind::Name(_)) => EventKind::Rename,
        K::Modify(_) => EventKind::Modify,
        K::Access(AccessKind::Close(AccessMode::Write)) => EventKind::Modify,
        K::Access(_) => return None,
        K::Any | K::Other => EventKind::Other,
    };
    let rescan = event.need_rescan();
    Some(FsEvent { kind, paths: event.paths, rescan })
}

/// A running watcher: events arrive on [`FileWatcher::events`].
pub struct FileWatcher {
    _watcher: notify::RecommendedWatcher,
    /// Converted events, in order.
    pub events: mpsc::Receiver<FsEvent>,
}

/// Watches the graph and theme folders recursively and the folder of `site.toml`.
pub fn start(roots: &Roots) -> crate::Result<FileWatcher> {
    let (tx, rx) = mpsc::channel();
    let handler = move |result: notify::Result<notify::Event>| {
        let event = match result {
            Ok(event) => from_notify(event),
            Err(error) => {
                log::warn!("watch error: {error}");
                Some(FsEvent { kind: EventKind::Other, paths: error.paths, rescan: true })
            }
        };
        if let Some(event) = event {
            let _ = tx.send(event);
        }
    };
    let config = notify::Config::default().with_follow_symlinks(false);
    let mut watcher = notify::RecommendedWatcher::new(handler, config).map_err(watch_error)?;
    watcher.watch(&roots.notes, notify::RecursiveMode::Recursive).map_err(watch_error)?;
    if roots.theme.is_dir() && !roots.theme.starts_with(&roots.notes) {
        watcher.watch(&roots.theme, notify::RecursiveMode::Recursive).map_err(watch_error)?;
    }
    if let Some(dir) = roots.config.as_deref().and_then(Path::parent) {
        if !dir.starts_with(&roots.notes) && dir.is_dir() {
            watcher.watch(dir, notify::RecursiveMode::NonRecursive).map_err(watch_error)?;
        }
    }
    Ok(FileWatcher { _watcher: watcher, events: rx })
}

fn watch_error(error: notify::Error) -> crate::Error {
    crate::Error::Refused(format!("cannot watch for changes: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Roots {
        Roots {
            notes: PathBuf::from("/g"),
            theme: PathBuf::from("/site/themes/default"),
            config: Some(PathBuf::from("/site/site.toml")),
            output: PathBuf::from("/g/public"),
        }
    }

    fn ev(kind: EventKind, paths: &[&str]) -> FsEvent {
        let paths: Vec<&Path> = paths.iter().map(Path::new).collect();
        FsEvent::new(kind, &paths)
    }

    fn graph(events: &[FsEvent]) -> Vec<String> {
        classify(events, &roots()).graph.into_iter().collect()
    }

    #[test]
    fn vim_save_is_one_note_change() {
        // vim: probe file 4913, backup by rename to a~, write anew, remove backup; swap file throughout.
        let events = [
            ev(EventKind::Create, &["/g/pages/4913"]),
            ev(EventKind::Remove, &["/g/pages/4913"]),
            ev(EventKind::Rename, &["/g/pages/a.md", "/g/pages/a.md~"]),
            ev(EventKind::Create, &["/g/pages/a.md"]),
            ev(EventKind::Modify, &["/g/pages/a.md"]),
            ev(EventKind::Modify, &["/g/pages/.a.md.swp"]),
            ev(EventKind::Remove, &["/g/pages/a.md~"]),
        ];
        assert_eq!(graph(&events), ["pages/a.md"]);
    }

    #[test]
    fn emacs_autosave_and_lock_files_are_ignored() {
        let events = [
            ev(EventKind::Create, &["/g/pages/.#a.md"]),
            ev(EventKind::Modify, &["/g/pages/#a.md#"]),
            ev(EventKind::Modify, &["/g/pages/a.md"]),
            ev(EventKind::Remove, &["/g/pages/#a.md#", "/g/pages/.#a.md"]),
        ];
        assert_eq!(graph(&events), ["pages/a.md"]);
    }

    #[test]
    fn atomic_save_through_a_temporary_file_is_the_target() {
        for tmp in [
            "/g/pages/.a.md.tmp123",
            "/g/pages/a.md.tmp",
            "/g/pages/a.md.sb-1a2b",
            "/g/pages/a.md___jb_tmp___",
        ] {
            let events = [
                ev(EventKind::Create, &[tmp]),
                ev(EventKind::Modify, &[tmp]),
                ev(EventKind::Rename, &[tmp, "/g/pages/a.md"]),
            ];
            assert_eq!(graph(&events), ["pages/a.md"], "{tmp}");
        }
    }

    #[test]
    fn logseq_bookkeeping_is_ignored_but_its_config_is_not() {
        let events = [
            ev(EventKind::Create, &["/g/logseq/bak/pages/a/2024.md"]),
            ev(EventKind::Modify, &["/g/logseq/pages-metadata.edn"]),
            ev(EventKind::Create, &["/g/logseq/.recycle/pages_a.md"]),
            ev(EventKind::Modify, &["/g/.git/index"]),
            ev(EventKind::Modify, &["/g/pages/a.md"]),
            ev(EventKind::Modify, &["/g/logseq/config.edn"]),
            ev(EventKind::Modify, &["/g/logseq/custom.css"]),
        ];
        assert_eq!(graph(&events), ["logseq/config.edn", "logseq/custom.css", "pages/a.md"]);
    }

    #[test]
    fn bursts_collapse_to_unique_paths() {
        let events: Vec<FsEvent> =
            (0..50).map(|_| ev(EventKind::Modify, &["/g/pages/a.md"])).collect();
        assert_eq!(graph(&events), ["pages/a.md"]);
    }

    #[test]
    fn deletes_renames_and_new_folders_are_kept() {
        let events = [
            ev(EventKind::Remove, &["/g/pages/gone.md"]),
            ev(EventKind::Rename, &["/g/pages/old.md", "/g/pages/new.md"]),
            ev(EventKind::Create, &["/g/pages/folder"]),
            ev(EventKind::Rename, &["/g/archive"]),
        ];
        assert_eq!(
            graph(&events),
            ["archive", "pages/folder", "pages/gone.md", "pages/new.md", "pages/old.md"]
        );
    }

    #[test]
    fn our_own_output_is_ignored() {
        let events = [ev(EventKind::Modify, &["/g/public/a.html", "/g/public/.bp-xyz"])];
        assert!(classify(&events, &roots()).is_empty());
    }

    #[test]
    fn theme_config_and_rescans() {
        let r = roots();
        let changes = classify(
            &[
                ev(EventKind::Modify, &["/site/themes/default/static/style.css"]),
                ev(EventKind::Modify, &["/site/themes/default/static/.style.css.swp"]),
                ev(EventKind::Modify, &["/site/themes/default/README.md"]),
                ev(EventKind::Rename, &["/site/site.toml.tmp", "/site/site.toml"]),
                ev(EventKind::Modify, &["/site/Cargo.toml"]),
            ],
            &r,
        );
        assert_eq!(changes.theme.into_iter().collect::<Vec<_>>(), ["static/style.css"]);
        assert!(changes.config && !changes.rescan && changes.graph.is_empty());
        let overflow = FsEvent { kind: EventKind::Other, paths: vec![], rescan: true };
        assert!(classify(&[overflow], &r).rescan);
        assert!(classify(&[ev(EventKind::Remove, &["/g"])], &r).rescan);
    }

    #[test]
    fn scratch_names() {
        for name in [
            "4913",
            "5036",
            "a.md~",
            "#a.md#",
            ".a.md.swp",
            "a.swx",
            "x.tmp",
            ".DS_Store",
            "~$doc.md",
        ] {
            assert!(is_scratch_name(name), "{name}");
        }
        for name in ["2024", "a.md", "2024_01_05.md", "K8s.md", "folder", "image.png", "v1.2.md"] {
            assert!(!is_scratch_name(name), "{name}");
        }
    }

    #[test]
    fn debouncer_waits_for_quiet_and_caps_the_wait() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut d = Debouncer::new(ms(30), ms(200));
        assert!(d.take_due(t0).is_none());
        d.push(ev(EventKind::Modify, &["/g/a.md"]), t0);
        d.push(ev(EventKind::Modify, &["/g/a.md"]), t0 + ms(10));
        assert!(d.take_due(t0 + ms(35)).is_none(), "quiet period restarts with each event");
        assert_eq!(d.take_due(t0 + ms(40)).map(|b| b.len()), Some(2));
        assert!(d.deadline().is_none());
        // A steady stream still builds after `max`.
        let mut d = Debouncer::new(ms(30), ms(200));
        for i in 0..30 {
            d.push(ev(EventKind::Modify, &["/g/a.md"]), t0 + ms(i * 10));
        }
        assert_eq!(d.deadline(), Some(t0 + ms(200)));
    }
}
