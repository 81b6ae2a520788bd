//! SEARCH, the index's runs as the search cache keeps them: the
//! [`RunStore`] a build may hand the index (`cache` keeps one on disk), and
//! the layout of a stored run of page parts.

use serde::{Deserialize, Serialize};
use std::sync::Mutex;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;

use super::index::{PageOut, PagePart};
use super::terms::{TermTable, lock};
use crate::resolve::{Page, Site};

/// Where the index's runs are kept between builds (the search cache, which
/// `cache` keeps): the index takes each page's part from its run when the
/// page's key is the one stored, and saves each run that had a page indexed
/// again.
pub trait RunStore: Sync {
    /// The key of everything `page`'s part is made of; `referenced` are
    /// its blocks that others reference.
    fn key(&self, site: &Site, page: &Page, referenced: &[usize]) -> u64;
    /// Run `run` as it was saved, when there is one to read.
    fn load(&self, run: usize) -> Option<Vec<u8>>;
    /// Replaces run `run` with what `write` writes.
    fn save(
        &self,
        run: usize,
        write: &mut dyn FnMut(&mut dyn std::io::Write) -> std::io::Result<()>,
    );
    /// Notes that `pages` parts were taken from the store.
    fn took(&self, pages: usize);
    /// Pages whose part was taken from the store.
    fn taken(&self) -> usize;
    /// Drops the runs from `runs` on (the graph got smaller).
    fn finish(&self, runs: usize);
}

/// A run of page parts as the search cache keeps it: the run's terms, and
/// each page's key with its part (encoded on its own, so that a rebuild
/// decodes only the parts it takes).
#[derive(Serialize, Deserialize)]
pub(super) struct StoredRun<'a> {
    #[serde(borrow)]
    pub(super) parts: Vec<(u64, &'a [u8])>,
    #[serde(borrow)]
    pub(super) terms: Vec<&'a str>,
}

/// A [`PagePart`] as the search cache keeps it, its terms numbered in the
/// run's terms.
#[derive(Serialize, Deserialize)]
pub(super) struct StoredPart<'a> {
    pub(super) doc: &'a str,
    pub(super) preview: (u32, &'a str),
    pub(super) terms: Vec<(u32, u32, u32, u32)>,
    pub(super) encoded: &'a str,
    pub(super) docs: u32,
    pub(super) text_bytes: u64,
}

/// Writes the [`StoredRun`] of a run's parts straight into the file, a
/// part at a time: the run's parts and terms are numbered as they are
/// written, and no copy of the run (a few megabytes) is made. Such copies,
/// allocated afresh for every run, raised a cold build's peak memory.
pub(super) struct RunWriter<'a> {
    pub(super) parts: &'a [PagePart],
    pub(super) keys: &'a [u64],
    /// The term table's terms, by id.
    pub(super) terms: &'a [String],
    /// Term id → its number in the run, and the run's terms, as the parts
    /// are written.
    pub(super) numbered: std::cell::RefCell<(HashMap<u32, u32>, Vec<&'a str>)>,
}

impl<'a> RunWriter<'a> {
    pub(super) fn new(
        parts: &'a [PagePart],
        keys: &'a [u64],
        terms: &'a [String],
    ) -> RunWriter<'a> {
        RunWriter { parts, keys, terms, numbered: Default::default() }
    }

    /// A part as the cache keeps it, its terms numbered in the run.
    pub(super) fn stored(&self, part: &'a PagePart) -> StoredPart<'a> {
        let (local, run_terms) = &mut *self.numbered.borrow_mut();
        let terms = part
            .terms
            .iter()
            .map(|&(id, count, last, end)| {
                let n = *local.entry(id).or_insert_with(|| {
                    run_terms.push(self.terms.get(id as usize).map_or("", String::as_str));
                    (run_terms.len() - 1) as u32
                });
                (n, count, last, end)
            })
            .collect();
        StoredPart {
            doc: &part.out.doc,
            preview: (part.out.preview.0, &part.out.preview.1),
            terms,
            encoded: &part.encoded,
            docs: part.docs,
            text_bytes: part.text_bytes,
        }
    }
}

impl Serialize for RunWriter<'_> {
    /// As [`StoredRun`]: (key, encoded part) for each part, then the terms.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{Error, SerializeSeq, SerializeStruct};
        struct Parts<'r, 'a>(&'r RunWriter<'a>);
        impl Serialize for Parts<'_, '_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let run = self.0;
                let mut seq = serializer.serialize_seq(Some(run.parts.len()))?;
                let mut scratch = Vec::new();
                for (part, &key) in run.parts.iter().zip(run.keys) {
                    scratch.clear();
                    scratch = postcard::to_extend(&run.stored(part), scratch)
                        .map_err(S::Error::custom)?;
                    seq.serialize_element(&(key, Bytes(&scratch)))?;
                }
                seq.end()
            }
        }
        /// Bytes as one run of bytes (what `&[u8]` reads back from).
        struct Bytes<'b>(&'b [u8]);
        impl Serialize for Bytes<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_bytes(self.0)
            }
        }
        let mut run = serializer.serialize_struct("StoredRun", 2)?;
        run.serialize_field("parts", &Parts(self))?;
        run.serialize_field("terms", &self.numbered.borrow().1)?;
        run.end()
    }
}

/// The parts of a stored run whose key is the page's (`None` for the
/// others), their terms numbered in `table`.
pub(super) fn kept_parts(
    bytes: &[u8],
    keys: &[u64],
    table: &Mutex<TermTable>,
) -> Vec<Option<PagePart>> {
    let Ok(run) = postcard::from_bytes::<StoredRun<'_>>(bytes) else { return Vec::new() };
    let ids: Vec<u32> = {
        let mut table = lock(table);
        run.terms.iter().map(|t| table.id(t.to_string())).collect()
    };
    run.parts
        .par_iter()
        .enumerate()
        .map(|(i, &(key, part))| {
            if key == 0 || keys.get(i) != Some(&key) {
                return None;
            }
            let stored: StoredPart<'_> = postcard::from_bytes(part).ok()?;
            let mut end = 0;
            let mut terms = Vec::with_capacity(stored.terms.len());
            for (n, count, last, to) in stored.terms {
                // Runs in order, ending inside the text on a character boundary.
                if to < end || !stored.encoded.is_char_boundary(to as usize) {
                    return None;
                }
                end = to;
                terms.push((*ids.get(n as usize)?, count, last, to));
            }
            (end as usize == stored.encoded.len()).then_some(())?;
            let (doc, preview) = (stored.doc.to_string(), stored.preview.1.to_string());
            Some(PagePart {
                out: PageOut { doc, preview: (stored.preview.0, preview), entry: None },
                terms,
                encoded: stored.encoded.to_string(),
                docs: stored.docs,
                text_bytes: stored.text_bytes,
            })
        })
        .collect()
}
