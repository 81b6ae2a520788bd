//! The parse cache: every note's parse, block anchors and block listings
//! (see [`Listing`]), kept between builds so that a rebuild parses only the
//! notes that changed.
//!
//! A note's [`Note`] is a function of its [`SourceFile`] alone (path, page
//! name, journal day, text), so it is found again by the note's
//! [`super::source_hash`]; its block anchors are a function of the `Note`,
//! its listings of both. Reading them back costs a fraction of parsing and
//! hashing them again (see BENCHMARKS.md).
//!
//! The records sit in [`BUCKETS`] files in the site's cache folder, beside
//! the build cache (`NAME-KEY.parts/notes-NN.bin`), a note in the file its path hashes to, so a
//! rebuild after an edit rewrites one file, not the whole cache. Each file
//! starts with a magic number and a stamp of the blockpress binary that wrote it:
//! another binary may parse differently, and its files are ignored. A file
//! that cannot be read or decoded is ignored too (its notes are parsed), and
//! files are replaced atomically, so a build that stops halfway leaves each
//! file old or new, never torn.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sig::{Fp, Listing};
use crate::error::Diagnostic;
use crate::load::{Date, SourceFile};
use crate::parse::{Block, Note, Property};
use crate::resolve::unlinked::{Mentions, NoteMentions};
use crate::resolve::{Anchors, Reused, Site};

/// Files the records are spread over.
pub const BUCKETS: usize = 64;

/// The first bytes of every file; the number changes with the layout.
const MAGIC: &[u8; 8] = b"bpnotes2";

/// One note as read back: its parse, its block anchors, how its blocks
/// show in reference lists and the names it mentions (with the hash of the
/// names they number).
#[derive(Debug, Deserialize)]
struct Record {
    key: u64,
    note: Note,
    anchors: Anchors,
    listings: Vec<Listing>,
    mentions: Option<(u64, NoteMentions)>,
}

/// A [`Record`] written from a resolved site: the same fields, borrowed (the
/// encoding of a slice is a `Vec`'s, of a `&str` a `String`'s). The parse
/// warnings are the note's own, which resolve moved out of the note.
#[derive(Serialize)]
struct RecordRef<'a> {
    key: u64,
    note: NoteRef<'a>,
    anchors: &'a Anchors,
    listings: &'a [Listing],
    mentions: Option<(u64, &'a NoteMentions)>,
}

/// A [`Note`], borrowed, field for field.
#[derive(Serialize)]
struct NoteRef<'a> {
    rel_path: &'a str,
    name: &'a str,
    journal: &'a Option<Date>,
    properties: &'a [Property],
    blocks: &'a [Block],
    diagnostics: &'a [Diagnostic],
}

/// The cached notes of a site, as read at the start of a build.
#[derive(Debug, Default)]
pub struct NoteCache {
    /// Source hash → record, taken as notes are found.
    records: HashMap<u64, Record>,
    /// Per bucket: the fingerprint of the keys it held (0: no file).
    held: Vec<u64>,
}

/// The folder of the parse and search caches of the site written into
/// `output` (`None` without a cache folder).
pub fn dir_for(output: &Path) -> Option<PathBuf> {
    Some(super::path_for(output)?.with_extension("parts"))
}

/// The bucket of a note.
fn bucket_of(rel_path: &str) -> usize {
    (super::bytes_sig(rel_path.as_bytes()) % BUCKETS as u64) as usize
}

fn file_of(dir: &Path, bucket: usize) -> PathBuf {
    dir.join(format!("notes-{bucket:02}.bin"))
}

/// The fingerprint of one bucket: its notes' keys, in the order they are
/// written, and the names their mentions number (a bucket is written again
/// when the names change).
fn keys_sig(keys: impl Iterator<Item = (u64, Option<u64>)>) -> u64 {
    let mut fp = Fp::new("note-cache-bucket");
    for (key, names) in keys {
        fp.u64(key).u64(names.unwrap_or(0));
    }
    fp.finish()
}

impl NoteCache {
    /// Reads the parse cache in `dir`, written by the binary stamped
    /// `stamp`; empty when there is none.
    pub fn read(dir: &Path, stamp: u64) -> NoteCache {
        let start = std::time::Instant::now();
        let buckets: Vec<(u64, Vec<Record>)> = (0..BUCKETS)
            .into_par_iter()
            .map(|bucket| {
                let bytes = std::fs::read(file_of(dir, bucket)).unwrap_or_default();
                decode(&bytes, stamp).map_or((0, Vec::new()), |records| {
                    let keys = records.iter().map(|r| (r.key, r.mentions.as_ref().map(|m| m.0)));
                    (keys_sig(keys), records)
                })
            })
            .collect();
        log::debug!("parse: the parse cache read in {:.2?}", start.elapsed());
        let mut cache = NoteCache { records: HashMap::new(), held: Vec::with_capacity(BUCKETS) };
        for (held, records) in buckets {
            cache.held.push(held);
            cache.records.extend(records.into_iter().map(|r| (r.key, r)));
        }
        cache
    }

    fn take(&mut self, key: u64) -> Option<Record> {
        self.records.remove(&key)
    }
}

/// The file listing the key of every note in the parse cache.
const KEYS_FILE: &str = "notes-keys.bin";

/// The notes the parse cache listed when it was last written: a build drops
/// their text right after hashing it, so that a note's text and its parse,
/// read back, are never in memory together (for 10,000 pages the two took
/// 50 MB more). A listed note the cache turns out not to hold is read again.
#[derive(Debug, Default)]
pub struct Listed {
    keys: std::collections::HashSet<u64>,
    /// The notes folder, to read a note again from.
    root: PathBuf,
}

impl Listed {
    /// The notes listed in the parse cache in `dir` by the binary stamped
    /// `stamp` (none when there is no such list); `root` is the notes folder.
    pub fn read(dir: &Path, stamp: u64, root: &Path) -> Listed {
        let bytes = std::fs::read(dir.join(KEYS_FILE)).unwrap_or_default();
        let keys = super::after_header(&bytes, MAGIC, stamp)
            .and_then(|rest| postcard::from_bytes::<Vec<u64>>(rest).ok());
        Listed { keys: keys.unwrap_or_default().into_iter().collect(), root: root.to_path_buf() }
    }

    fn contains(
        &self,
        source: &SourceFile,
        hashes: &std::collections::HashMap<String, u64>,
    ) -> bool {
        hashes.get(&source.rel_path).is_some_and(|key| self.keys.contains(key))
    }

    /// Drops the text of the listed notes among `sources` (`hashes` are
    /// their source hashes, by path).
    pub fn drop_texts(
        &self,
        sources: &mut [SourceFile],
        hashes: &std::collections::HashMap<String, u64>,
    ) {
        for source in sources.iter_mut().filter(|s| self.contains(s, hashes)) {
            source.text = String::new();
        }
    }

    /// A listed note, its text read again from the notes folder (empty,
    /// with a warning in the log, when it cannot be); `None` for a note
    /// not listed, whose text is there.
    fn read_again(
        &self,
        source: &SourceFile,
        hashes: &std::collections::HashMap<String, u64>,
    ) -> Option<SourceFile> {
        if !self.contains(source, hashes) {
            return None;
        }
        let path = self.root.join(&source.rel_path);
        let text = match std::fs::read(&path) {
            Ok(bytes) => crate::load::decode_text(bytes, &source.rel_path).0,
            Err(error) => {
                log::warn!("{}: could not be read again: {error}", path.display());
                String::new()
            }
        };
        Some(SourceFile { text, ..source.clone() })
    }
}

/// The records of one file, when it is whole and of this binary.
fn decode(bytes: &[u8], stamp: u64) -> Option<Vec<Record>> {
    postcard::from_bytes(super::after_header(bytes, MAGIC, stamp)?).ok()
}

/// What a build keeps for writing the parse cache once the site is resolved.
#[derive(Debug, Default)]
pub struct Kept {
    /// What each bucket held when read.
    held: Vec<u64>,
    /// Each note's parse warnings, by path (resolve takes them out of the notes).
    warnings: HashMap<String, Vec<Diagnostic>>,
    /// The names each published note mentions.
    pub mentions: Mentions,
    /// How each note's blocks show in reference lists, by path.
    pub listings: HashMap<String, Vec<Listing>>,
}

impl Kept {
    /// Adds the listings of the notes of `site` the parse cache did not hold.
    pub fn complete(&mut self, site: &Site) {
        let missing: Vec<(String, Vec<Listing>)> = site
            .pages
            .par_iter()
            .filter_map(|page| {
                let note = page.note.as_ref()?;
                let known = self.listings.get(&note.rel_path);
                if known.is_some_and(|l| l.len() == note.blocks.len()) {
                    return None;
                }
                Some((note.rel_path.clone(), super::sig::listings(note, &page.anchors)))
            })
            .collect();
        self.listings.extend(missing);
    }
}

/// Writes the parse cache of `site` into `dir`: the buckets whose notes
/// differ from those read, then the list of keys; removes the files of
/// buckets left empty. `hashes` are the notes' source hashes, by path;
/// `listings` the notes' listings (taken out of `kept` for the plan).
pub fn write(
    dir: &Path,
    stamp: u64,
    site: &Site,
    hashes: &std::collections::HashMap<String, u64>,
    kept: &Kept,
    listings: &HashMap<String, Vec<Listing>>,
) -> crate::Result<()> {
    let names = kept.mentions.names;
    let mut buckets: Vec<Vec<RecordRef<'_>>> = (0..BUCKETS).map(|_| Vec::new()).collect();
    for page in &site.pages {
        let Some(note) = &page.note else { continue };
        let Some(&key) = hashes.get(&note.rel_path) else { continue };
        buckets[bucket_of(&note.rel_path)].push(RecordRef {
            key,
            note: NoteRef {
                rel_path: &note.rel_path,
                name: &note.name,
                journal: &note.journal,
                properties: &note.properties,
                blocks: &note.blocks,
                diagnostics: kept.warnings.get(&note.rel_path).map_or(&[], Vec::as_slice),
            },
            anchors: &page.anchors,
            listings: listings.get(&note.rel_path).map_or(&[], Vec::as_slice),
            mentions: kept.mentions.notes.get(&note.rel_path).map(|m| (names, m)),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let mut keys: Vec<u64> = buckets.iter().flatten().map(|r| r.key).collect();
    keys.sort_unstable();
    buckets.into_par_iter().enumerate().try_for_each(|(bucket, mut records)| {
        let path = file_of(dir, bucket);
        if records.is_empty() {
            let _ = std::fs::remove_file(&path);
            return Ok(());
        }
        records.sort_by(|a, b| a.note.rel_path.cmp(b.note.rel_path));
        let held = keys_sig(records.iter().map(|r| (r.key, r.mentions.map(|m| m.0))));
        if kept.held.get(bucket) == Some(&held) {
            return Ok(());
        }
        write_stamped(&path, stamp, &records)
    })?;
    // The list of keys last: a build that stops before it leaves the old
    // list, whose notes missing from the buckets are read again.
    write_stamped(&dir.join(KEYS_FILE), stamp, &keys)
}

/// Writes `value` after the header, atomically.
fn write_stamped<T: Serialize + ?Sized>(path: &Path, stamp: u64, value: &T) -> crate::Result<()> {
    let bytes = postcard::to_extend(value, super::header(MAGIC, stamp).to_vec())
        .map_err(|e| crate::Error::Refused(format!("parse cache: {e}")))?;
    crate::output::write_if_changed(path, &bytes).map(drop)
}

/// Notes parsed or taken from the parse cache, with what the cache knew of them.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Every note, in the order of the sources.
    pub notes: Vec<Note>,
    /// Anchors and mentions of the notes taken from the cache.
    pub reused: Reused,
    /// For writing the next cache.
    pub kept: Kept,
}

/// Parses `sources`, taking from `cache` each note whose source hash (in
/// `hashes`) it holds; a note of `listed`, whose text was dropped, that the
/// cache does not hold after all is read again first.
pub fn parse_all(
    sources: Vec<SourceFile>,
    hashes: &std::collections::HashMap<String, u64>,
    mut cache: NoteCache,
    listed: &Listed,
) -> Parsed {
    let found: Vec<Option<Record>> =
        sources.iter().map(|s| hashes.get(&s.rel_path).and_then(|&key| cache.take(key))).collect();
    // Records not taken are old versions of changed notes, or deleted notes.
    drop(cache.records);
    let reused = found.iter().filter(|f| f.is_some()).count();
    log::debug!("parse: {reused} notes from the parse cache, {} parsed", sources.len() - reused);
    let parsed: Vec<(Note, Option<Record>)> = sources
        .into_par_iter()
        .zip(found)
        .map(|(source, found)| match found {
            Some(mut record) => (std::mem::take(&mut record.note), Some(record)),
            None => match listed.read_again(&source, hashes) {
                Some(again) => (crate::parse::parse_note(&again), None),
                None => (crate::parse::parse_note(&source), None),
            },
        })
        .collect();
    let mut out =
        Parsed { kept: Kept { held: cache.held, ..Kept::default() }, ..Parsed::default() };
    let mut names = None;
    for (note, record) in parsed {
        if let Some(Record { anchors, listings, mentions, .. }) = record {
            out.reused.anchors.insert(note.rel_path.clone(), anchors);
            out.kept.listings.insert(note.rel_path.clone(), listings);
            if let Some((sig, mentions)) = mentions
                && *names.get_or_insert(sig) == sig
            {
                out.reused.mentions.notes.insert(note.rel_path.clone(), mentions);
            }
        }
        if !note.diagnostics.is_empty() {
            out.kept.warnings.insert(note.rel_path.clone(), note.diagnostics.clone());
        }
        out.notes.push(note);
    }
    out.reused.mentions.names = names.unwrap_or(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SiteConfig;
    use crate::load::LogseqConfig;

    const STAMP: u64 = 0x5eed;

    fn source(rel_path: &str, text: &str) -> SourceFile {
        let name = rel_path.trim_start_matches("pages/").trim_end_matches(".md").to_string();
        SourceFile { rel_path: rel_path.into(), name, journal: None, text: text.into() }
    }

    /// Notes with a bit of everything a block can hold.
    fn sources() -> Vec<SourceFile> {
        vec![
            source(
                "pages/Rich.md",
                "title:: Rich Page\nalias:: Wealthy\ntags:: demo\n\n\
                 - ## TODO [#A] A task about Storage\n  SCHEDULED: <2024-05-01 Wed>\n\
                 \x20 id:: 6500a1b2-0000-4000-8000-000000000001\n\
                 \t- child with ((6500a1b2-0000-4000-8000-000000000002)) and #tag\n\
                 \t  a:: 1\n\t  text between\n\t  b:: 2\n\
                 - #+BEGIN_QUOTE\n  quoted [[Storage]]\n  #+END_QUOTE\n\
                 - ```yaml\n  kind: Pod\n  ```\n- same\n- same\n",
            ),
            source("pages/Storage.md", "- mentions the rich page and Wealthy\n"),
            source("pages/Other.md", "- DONE plain, about storage\n"),
        ]
    }

    fn hashes(sources: &[SourceFile]) -> std::collections::HashMap<String, u64> {
        sources.iter().map(|s| (s.rel_path.clone(), super::super::source_hash(s))).collect()
    }

    /// Parses (from `cache`) and resolves; writes the next cache into `dir`.
    fn build(dir: &Path, stamp: u64, cache: NoteCache) -> (Site, Parsed) {
        let sources = sources();
        let hashes = hashes(&sources);
        let mut parsed = parse_all(sources, &hashes, cache, &Listed::default());
        let (site, mentions) = crate::resolve::resolve_reusing(
            SiteConfig::default(),
            LogseqConfig::without_file(),
            parsed.notes.clone(),
            Default::default(),
            std::mem::take(&mut parsed.reused),
        );
        let mut kept = Kept { mentions, ..std::mem::take(&mut parsed.kept) };
        kept.complete(&site);
        write(dir, stamp, &site, &hashes, &kept, &kept.listings).expect("write the cache");
        (site, Parsed { kept, ..parsed })
    }

    #[test]
    fn notes_come_back_as_parsed_with_their_anchors_and_mentions() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (first_site, first) = build(dir.path(), STAMP, NoteCache::default());
        assert!(first.kept.warnings.contains_key("pages/Rich.md"), "the sample warns");
        assert!(first.kept.mentions.notes.values().any(|m| !m.is_empty()), "and mentions");

        let sources = sources();
        let again = parse_all(
            sources.clone(),
            &hashes(&sources),
            NoteCache::read(dir.path(), STAMP),
            &Listed::default(),
        );
        assert_eq!(again.reused.anchors.len(), sources.len(), "every note from the cache");
        assert_eq!(again.kept.listings.len(), sources.len(), "with their listings");
        for (note, source) in again.notes.iter().zip(&sources) {
            let fresh = crate::parse::parse_note(source);
            assert_eq!(*note, fresh, "{}", source.rel_path);
            let anchors = crate::resolve::note_anchors(&fresh);
            let listings = crate::cache::sig::listings(&fresh, &anchors);
            assert_eq!(again.kept.listings[&note.rel_path], listings, "{}", source.rel_path);
            assert_eq!(again.reused.anchors[&note.rel_path], anchors);
        }
        assert_eq!(again.reused.mentions.names, first.kept.mentions.names);
        assert_eq!(again.reused.mentions.notes, first.kept.mentions.notes);
        let unlinked =
            |site: &Site| site.pages.iter().map(|p| p.unlinked.clone()).collect::<Vec<_>>();
        let (site, _) = build(dir.path(), STAMP, NoteCache::read(dir.path(), STAMP));
        assert_eq!(unlinked(&site), unlinked(&first_site));
    }

    #[test]
    fn only_buckets_that_changed_are_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path(), STAMP, NoteCache::default());
        let files = || -> Vec<(PathBuf, std::time::SystemTime)> {
            let mut files: Vec<_> = std::fs::read_dir(dir.path())
                .expect("the cache")
                .map(|e| {
                    let e = e.expect("entry");
                    (e.path(), e.metadata().and_then(|m| m.modified()).expect("time"))
                })
                .collect();
            files.sort();
            files
        };
        let before = files();
        assert!(!before.is_empty());
        std::thread::sleep(std::time::Duration::from_millis(20));
        build(dir.path(), STAMP, NoteCache::read(dir.path(), STAMP));
        assert_eq!(files(), before, "nothing changed: no file replaced");
    }

    #[test]
    fn another_binary_or_a_damaged_file_reuses_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        build(dir.path(), STAMP, NoteCache::default());
        let sources = sources();
        let other = parse_all(
            sources.clone(),
            &hashes(&sources),
            NoteCache::read(dir.path(), STAMP + 1),
            &Listed::default(),
        );
        assert!(other.reused.anchors.is_empty());
        for entry in std::fs::read_dir(dir.path()).expect("the cache") {
            let path = entry.expect("entry").path();
            let bytes = std::fs::read(&path).expect("read");
            std::fs::write(&path, &bytes[..bytes.len() - 3]).expect("cut short");
        }
        let cut = parse_all(
            sources.clone(),
            &hashes(&sources),
            NoteCache::read(dir.path(), STAMP),
            &Listed::default(),
        );
        assert!(cut.reused.anchors.is_empty());
        assert_eq!(cut.notes, sources.iter().map(crate::parse::parse_note).collect::<Vec<_>>());
    }
}
