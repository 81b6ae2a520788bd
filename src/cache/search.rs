//! The search cache: each published page's share of the search index (its
//! documents and postings), kept between builds so that a rebuild tokenises
//! only the pages that changed.
//!
//! The index is built a run of pages at a time ([`crate::search::index`]);
//! run `N` is kept in `search-N.bin` of the site's cache folder (beside the
//! parse cache, [`super::notes`]), each page under a key of everything its
//! share is made of ([`PartStore::key`]). A rebuild reads run `N`'s file
//! when it comes to run `N`, takes every page whose key is the same and
//! indexes the others; a run with a page indexed again is written anew. The
//! file layout is [`crate::search::index`]'s; this module keeps the files,
//! stamped like the parse cache's, and the keys.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::sig::Fp;
use crate::resolve::{Page, Site};
use crate::search::stored::RunStore;

/// The first bytes of every file; the number changes with the layout.
const MAGIC: &[u8; 8] = b"bpsrch01";

/// Where the search cache of one build is read and written.
#[derive(Debug)]
pub struct PartStore<'a> {
    dir: PathBuf,
    stamp: u64,
    /// Whether to read the files (not under `build --no-cache`).
    read: bool,
    /// Each note's source hash, by path.
    hashes: &'a HashMap<String, u64>,
    /// The first error writing a file.
    error: Mutex<Option<String>>,
    /// Pages whose part was taken from the files.
    taken: AtomicUsize,
}

impl<'a> PartStore<'a> {
    /// The search cache in `dir` (the site's `.parts` folder, see
    /// [`super::notes::dir_for`]), of the binary stamped `stamp`; `read`
    /// false to ignore what is there. `hashes` are the notes' source
    /// hashes, by path.
    pub fn new(
        dir: PathBuf,
        stamp: u64,
        read: bool,
        hashes: &'a HashMap<String, u64>,
    ) -> PartStore<'a> {
        let (error, taken) = (Mutex::new(None), AtomicUsize::new(0));
        PartStore { dir, stamp, read, hashes, error, taken }
    }

    fn file(&self, run: usize) -> PathBuf {
        self.dir.join(format!("search-{run}.bin"))
    }

    /// The first error writing a file, if any.
    pub fn error(&self) -> Option<String> {
        self.error.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
}

impl RunStore for PartStore<'_> {
    /// Counts `pages` more whose part was taken from the files.
    fn took(&self, pages: usize) {
        self.taken.fetch_add(pages, Ordering::Relaxed);
    }

    /// The pages whose part was taken from the files so far.
    fn taken(&self) -> usize {
        self.taken.load(Ordering::Relaxed)
    }

    /// The key of a page's share of the index: its note (by source hash,
    /// which covers its blocks, properties and anchors), its name, aliases,
    /// file, the names of its tags and namespace ancestors, and for its
    /// preview the number of blocks that link it and which of its blocks
    /// others reference (`referenced`).
    fn key(&self, site: &Site, page: &Page, referenced: &[usize]) -> u64 {
        let mut fp = Fp::new("search-part");
        let note = page.note.as_ref().map(|n| self.hashes.get(&n.rel_path).copied());
        match note {
            None => fp.u64(0),
            Some(None) => return 0,
            Some(Some(hash)) => fp.u64(1).u64(hash),
        };
        fp.str(&page.name).str(&page.slug).u64(page.aliases.len() as u64);
        for alias in &page.aliases {
            fp.str(alias);
        }
        for list in [&page.tags, &page.namespace] {
            fp.u64(list.len() as u64);
            for &id in list {
                fp.str(&site.pages[id].name);
            }
        }
        fp.u64(page.backlinks.len() as u64).u64(referenced.len() as u64);
        for &block in referenced {
            fp.u64(block as u64);
        }
        fp.finish()
    }

    /// What run `run`'s file holds, when it is whole and of this binary.
    fn load(&self, run: usize) -> Option<Vec<u8>> {
        if !self.read {
            return None;
        }
        let mut bytes = std::fs::read(self.file(run)).ok()?;
        let payload = super::after_header(&bytes, MAGIC, self.stamp)?.len();
        bytes.drain(..bytes.len() - payload);
        Some(bytes)
    }

    /// Replaces run `run`'s file with what `write` writes (atomically). A
    /// failure is kept for [`PartStore::error`]: the cache is an aid, not the site.
    fn save(
        &self,
        run: usize,
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) {
        use std::io::Write;
        let path = self.file(run);
        let written = std::fs::create_dir_all(&self.dir)
            .and_then(|()| tempfile::NamedTempFile::new_in(&self.dir))
            .and_then(|tmp| {
                let mut file = std::io::BufWriter::new(tmp.as_file());
                file.write_all(&super::header(MAGIC, self.stamp))?;
                write(&mut file)?;
                file.flush()?;
                drop(file);
                tmp.persist(&path).map(drop).map_err(|e| e.error)
            });
        if let Err(error) = written {
            let mut first = self.error.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            first.get_or_insert_with(|| format!("{}: {error}", path.display()));
        }
    }

    /// Removes the files of runs from `runs` on (the graph got smaller).
    fn finish(&self, runs: usize) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let run = name.to_str().and_then(|n| {
                n.strip_prefix("search-")?.strip_suffix(".bin")?.parse::<usize>().ok()
            });
            if run.is_some_and(|r| r >= runs) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` pages, each linking the next, and a journal; page 7's text is `seventh`.
    fn pages(n: usize, seventh: &str) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = (0..n)
            .map(|i| {
                let text = match i {
                    7 => seventh.to_string(),
                    _ => format!(
                        "- page {i} is about [[Page {}]]\n\t- ```yaml\n\t  n: {i}\n\t  ```\n",
                        i + 1
                    ),
                };
                (format!("pages/Page {i}.md"), text)
            })
            .collect();
        files.push(("journals/2024_05_01.md".into(), "- a day with [[Page 3]]\n".into()));
        files
    }

    /// The search files of `files`, with the search cache in `dir` (read
    /// when `read`), and how many pages came from it.
    fn search_files(
        files: &[(String, String)],
        dir: Option<&std::path::Path>,
        read: bool,
    ) -> (Vec<crate::files::OutputFile>, usize) {
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let site = crate::resolve::test_site(&refs);
        let hashes = files
            .iter()
            .map(|(p, t)| (p.clone(), crate::util::hash::bytes_sig(t.as_bytes())))
            .collect();
        let store = dir.map(|d| PartStore::new(d.to_path_buf(), 7, read, &hashes));
        let files = crate::files::collect_files(|mut emit| {
            let runs = store.as_ref().map(|s| s as &dyn RunStore);
            crate::search::each_search_file_cached(&site, runs, &mut emit)
        });
        (files, store.map_or(0, |s| s.taken()))
    }

    #[test]
    fn pages_indexed_before_come_from_the_search_cache_and_give_the_same_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let n = crate::search::index::MERGE_CHUNK + 40;
        let graph = pages(n, "- the seventh page\n");
        let (plain, _) = search_files(&graph, None, false);
        let runs = || std::fs::read_dir(dir.path()).expect("the cache").count();
        assert_eq!(search_files(&graph, Some(dir.path()), false), (plain.clone(), 0));
        assert_eq!(runs(), 2, "a file per run of pages");
        // Every published page (the journal and the page it links too).
        let published = n + 2;
        assert_eq!(search_files(&graph, Some(dir.path()), true), (plain, published));

        let edited = pages(n, "- the seventh page, edited: kubectl\n");
        let (fresh, _) = search_files(&edited, None, false);
        assert_eq!(search_files(&edited, Some(dir.path()), true), (fresh.clone(), published - 1));
        assert_eq!(search_files(&edited, Some(dir.path()), true), (fresh, published));

        let fewer = pages(100, "- the seventh page\n");
        let (fresh, _) = search_files(&fewer, None, false);
        assert_eq!(search_files(&fewer, Some(dir.path()), true).0, fresh);
        assert_eq!(runs(), 1, "the second run's file is gone");
    }
}
