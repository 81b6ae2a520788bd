//! CACHE: what one build keeps for the next.
//!
//! `blockpress build` writes a cache file (JSON) into the user's cache
//! folder (`$BLOCKPRESS_CACHE_DIR`, else `$XDG_CACHE_HOME/blockpress`, else
//! `~/.cache/blockpress`; `%LOCALAPPDATA%\blockpress` on Windows), one per
//! output folder, never into or beside the output folder: it is not part of
//! the site, and its warnings may name unpublished pages. It holds a
//! fingerprint of every input (the notes, the assets' sizes and times, the
//! configuration, the theme, the blockpress binary itself), the signature of
//! every output file's inputs (made by `build`, which drives this module), the size of every file
//! written and the warnings each page gave. The next build
//!
//! * stops right after reading the notes when the fingerprint is the same
//!   and the output folder holds exactly the files written, and otherwise
//! * renders only the files whose signature changed, keeping the others.
//!
//! `build --no-cache` ignores the file (a cold build) and writes a new one.
//! A cache that cannot be written is a notice, not an error: the next build
//! is cold. The cache never decides what a file contains, only whether it is
//! rendered again: a page kept from the cache is byte for byte what a cold
//! build writes (`tests/build_cache.rs` checks it after edits of every kind).
//!
//! Beside that file, in a folder of the same name ending in `.parts`, each
//! note's parse ([`notes`]) and each page's share of the search index
//! ([`search`]) are kept by content hash, so that a rebuild parses and
//! indexes only what changed. Like the build cache, they only save work: a
//! note or page they hold is what parsing or indexing it again gives, and a
//! file of theirs that is damaged, or from another blockpress binary, is
//! ignored.
//!
//! [`sig`] holds the finer, block-level signatures `serve` keeps between
//! rebuilds.
//!
//! Place in the pipeline: above the stages, beside `build` and `serve`,
//! which drive it; it reads what the stages make (notes, the site, the
//! theme), and no stage imports it.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::error::Diagnostic;
use crate::load::Graph;
use crate::load::SourceFile;
use crate::render::Shared;
use crate::render::templates::Theme;
use crate::resolve::Site;
use crate::util::hash::{bytes_sig, first_u64};
use sig::{Fp, Sigs};

/// The folder of cache files, when the environment names one.
pub fn dir() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var("BLOCKPRESS_CACHE_DIR") {
        return Some(dir);
    }
    let base = if cfg!(windows) {
        var("LOCALAPPDATA")
    } else {
        var("XDG_CACHE_HOME").or_else(|| var("HOME").map(|home| home.join(".cache")))
    };
    base.map(|b| b.join("blockpress"))
}

/// The cache file of the site written into `output` (`None` without a cache folder).
pub fn path_for(output: &Path) -> Option<PathBuf> {
    let output = crate::output::absolute(output);
    let key = bytes_sig(output.to_string_lossy().as_bytes());
    let name = output.file_name().map_or_else(|| "site".into(), |n| n.to_string_lossy());
    let name: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).take(40).collect();
    Some(dir()?.join(format!("{name}-{key:016x}.json")))
}

pub mod notes;
pub mod search;
pub mod sig;

/// Changes whenever the layout of the cache file does.
const FORMAT: u32 = 1;

/// What the previous build left.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    /// The format number of the file.
    pub format: u32,
    /// Fingerprint of every input of the build ([`inputs`]).
    pub inputs: u64,
    /// Signature of what every page shows ([`base_sig`]).
    pub base: u64,
    /// Signature of the site's graph (the local maps and `graph.html` depend on nothing else).
    pub graph: u64,
    /// Signatures of the groups of site-wide files, with their paths.
    pub groups: BTreeMap<String, Group>,
    /// Every page file, by path.
    pub pages: BTreeMap<String, PageEntry>,
    /// Every copied asset, by path: its source's size and modification time.
    pub assets: BTreeMap<String, (u64, u128)>,
    /// Size of every file of the site, by path.
    pub sizes: BTreeMap<String, u64>,
    /// Published pages.
    pub page_count: usize,
    /// Every warning of the build.
    pub diagnostics: Vec<Diagnostic>,
}

/// Site-wide files rendered together.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Group {
    /// Signature of their inputs.
    pub sig: u64,
    /// Their paths.
    pub paths: Vec<String>,
}

/// One page file.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct PageEntry {
    /// Signature of its inputs.
    pub sig: u64,
    /// Hash of its local graph.
    pub local: u64,
    /// The warnings its rendering gave.
    pub diagnostics: Vec<Diagnostic>,
}

impl Manifest {
    /// The cache of the site in `output`, when there is a readable one of this format.
    pub fn read(output: &Path) -> Option<Manifest> {
        let bytes = std::fs::read(path_for(output)?).ok()?;
        let manifest: Manifest = serde_json::from_slice(&bytes).ok()?;
        (manifest.format == FORMAT).then_some(manifest)
    }

    /// Writes the cache of the site in `output` (atomically: a reader sees
    /// the old or the new one).
    pub fn write(&mut self, output: &Path) -> crate::Result<()> {
        self.format = FORMAT;
        let bytes = serde_json::to_vec(self).map_err(|e| crate::Error::Refused(e.to_string()))?;
        let Some(path) = path_for(output) else { return Ok(()) };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
        }
        crate::output::write_if_changed(&path, &bytes)?;
        prune(path.parent().unwrap_or(Path::new(".")));
        Ok(())
    }

    /// Removes the cache of the site in `output` (before the site changes).
    pub fn forget(output: &Path) {
        if let Some(path) = path_for(output) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Whether `path` is in `output` with the size this build wrote.
    pub fn intact(&self, output: &Path, path: &str) -> bool {
        self.sizes.get(path).is_some_and(|&size| {
            std::fs::metadata(output.join(path)).is_ok_and(|m| m.is_file() && m.len() == size)
        })
    }

    /// Whether `output` holds exactly the files this build wrote, with their
    /// sizes (and nothing else but the marker file).
    pub fn all_intact(&self, output: &Path) -> bool {
        let mut seen = 0;
        for entry in walkdir::WalkDir::new(output).min_depth(1) {
            let Ok(entry) = entry else { return false };
            if entry.file_type().is_dir() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(output) else { return false };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if rel == crate::output::MARKER {
                continue;
            }
            match (self.sizes.get(&rel), entry.metadata()) {
                (Some(&size), Ok(meta)) if entry.file_type().is_file() && meta.len() == size => {
                    seen += 1
                }
                _ => return false,
            }
        }
        seen == self.sizes.len()
    }
}

/// Cache files unused for this long are removed (their sites are gone or cold anyway).
const KEEP_UNUSED: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Removes the cache files of `dir` that no build has written for [`KEEP_UNUSED`].
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > KEEP_UNUSED);
        if old && path.extension().is_some_and(|e| e == "json") {
            let _ = std::fs::remove_file(path);
        } else if old && path.extension().is_some_and(|e| e == "parts") {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

/// A hash of the running blockpress binary (0 where it cannot be read),
/// computed once per process.
pub fn binary_sig() -> u64 {
    static SIG: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *SIG.get_or_init(|| {
        std::env::current_exe().and_then(std::fs::read).map_or(0, |b| bytes_sig(&b))
    })
}

/// The first 16 bytes of a file of the parse and search caches: the kind
/// of file (`magic`, which changes with its layout) and the stamp of the
/// blockpress binary that wrote it ([`binary_sig`]).
pub(crate) fn header(magic: &[u8; 8], stamp: u64) -> [u8; 16] {
    let mut header = [0; 16];
    header[..8].copy_from_slice(magic);
    header[8..].copy_from_slice(&stamp.to_le_bytes());
    header
}

/// What follows the [`header`] of `magic` and `stamp` in `bytes`; `None` for
/// a file of another kind or binary, or one cut short.
pub(crate) fn after_header<'a>(bytes: &'a [u8], magic: &[u8; 8], stamp: u64) -> Option<&'a [u8]> {
    bytes.strip_prefix(header(magic, stamp).as_slice())
}

/// Size and modification time (nanoseconds since the epoch) of a file.
pub fn size_and_time(path: &Path) -> (u64, u128) {
    std::fs::metadata(path).map_or((0, 0), |m| {
        let time = m.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
        (m.len(), time.map_or(0, |d| d.as_nanos()))
    })
}

/// A fingerprint of everything a build reads: the blockpress binary, the
/// configuration, the theme, every note's path and text, the Logseq
/// configuration and custom CSS, and every asset's path, size and time.
/// The notes enter by their [`source_hash`]es, `hashes` (by path), worked
/// out on all cores.
pub fn inputs(
    config: &SiteConfig,
    theme: &Theme,
    graph: &Graph,
    hashes: &HashMap<String, u64>,
) -> u64 {
    let mut fp = Fp::new("inputs");
    fp.u64(binary_sig()).str(env!("CARGO_PKG_VERSION"));
    fp.str(&settings(config)).u64(template_sig(config));
    for (path, bytes) in theme.static_files() {
        fp.str(path).u64(bytes_sig(bytes));
    }
    fp.str(&format!("{:?}", graph.logseq)).str(graph.custom_css.as_deref().unwrap_or("\0none"));
    fp.u64(graph.notes.len() as u64);
    for note in &graph.notes {
        fp.str(&note.rel_path).u64(hashes.get(&note.rel_path).copied().unwrap_or_default());
    }
    fp.u64(graph.assets.len() as u64);
    for asset in &graph.assets {
        let (size, time) = size_and_time(&asset.path);
        fp.str(&asset.rel_path).u64(size).u64(time as u64).u64((time >> 64) as u64);
    }
    fp.finish()
}

/// A hash of a theme's templates on disk (the embedded default theme is
/// part of the binary, which [`inputs`] hashes).
pub fn template_sig(config: &SiteConfig) -> u64 {
    let dir = config.themes_dir.join(&config.theme).join("templates");
    let mut fp = Fp::new("templates");
    let walker = walkdir::WalkDir::new(&dir).follow_links(true).sort_by_file_name();
    for entry in walker.into_iter().filter_map(|e| e.ok()).filter(|e| e.file_type().is_file()) {
        let path = entry.path();
        fp.str(&path.strip_prefix(&dir).unwrap_or(path).display().to_string());
        fp.u64(std::fs::read(entry.path()).map_or(0, |b| bytes_sig(&b)));
    }
    fp.finish()
}

/// The configuration but for where its folders are: a site built from a
/// folder named another way (relative or absolute, through a link) is the
/// same site. What is in the folders is hashed where it is read.
fn settings(config: &SiteConfig) -> String {
    let mut config = config.clone();
    for folder in [&mut config.notes_dir, &mut config.output_dir, &mut config.themes_dir] {
        *folder = std::path::PathBuf::new();
    }
    format!("{config:?}")
}

/// What every page shows besides its own content: the configuration, the
/// Logseq configuration, the sidebar, the custom CSS and the templates; and
/// the blockpress binary, which renders them (and holds the default theme).
pub fn base_sig(config: &SiteConfig, site: &Site, shared: &Shared, template_sig: u64) -> u64 {
    Fp::new("base")
        .u64(binary_sig())
        .str(&settings(config))
        .str(&format!("{:?}", site.logseq))
        .str(&shared.nav_json)
        .u64(u64::from(site.custom_css.is_some()))
        .u64(template_sig)
        .finish()
}

/// The files that change only with the theme and the configuration (404, search page, static files).
pub fn fixed_sig(base: u64, theme: &Theme, site: &Site) -> u64 {
    let mut fp = Fp::new("fixed");
    fp.u64(base);
    for (path, bytes) in theme.static_files() {
        fp.str(path).u64(bytes_sig(bytes));
    }
    fp.str(site.custom_css.as_deref().unwrap_or("\u{0}none"));
    fp.finish()
}

/// The index pages and the home page: every page's name and counts, the
/// namespaces, the recent journals, the redirects and the home page itself.
pub fn index_sig(
    site: &Site,
    sigs: &mut Sigs<'_>,
    shared: &Shared,
    base: u64,
    local_sigs: &HashMap<String, u64>,
) -> u64 {
    let mut fp = Fp::new("indexes");
    fp.u64(base);
    for (id, page) in site.published() {
        fp.u64(sigs.t[id]).u64(page.backlinks.len() as u64).u64(page.tag_uses as u64);
        fp.u64(page.namespace.len() as u64);
        if !page.children.is_empty() {
            fp.u64(sigs.descendants(id));
        }
    }
    fp.u64(shared.journals.len() as u64);
    for &journal in shared.journals.iter().take(100) {
        fp.u64(sigs.links(journal));
    }
    for (slug, target) in &site.redirects {
        fp.str(slug).u64(sigs.t[*target]);
    }
    if let Some(home) = crate::render::home_page(site) {
        let local = local_sigs.get(&site.pages[home].identity).copied().unwrap_or_default();
        fp.u64(sigs.page_sig(home, base, shared.neighbours(home), local));
    }
    fp.finish()
}

/// The site's graph: its nodes (names, counts, groups) and edges.
pub fn graph_sig(graph: &crate::graph::SiteGraph) -> u64 {
    Fp::new("graph").str(&format!("{:?}{:?}", graph.nodes, graph.edges)).finish()
}

/// A hash of everything parsing a source depends on.
pub fn source_hash(source: &SourceFile) -> u64 {
    let mut hasher = blake3::Hasher::new();
    for part in [source.rel_path.as_str(), source.name.as_str(), source.text.as_str()] {
        hasher.update(&(part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.update(format!("{:?}", source.journal).as_bytes());
    first_u64(hasher.finalize())
}
