//! SEARCH, step two: the published site → an inverted index of terms.
//!
//! Documents are the published pages (block 0: title, aliases, tags,
//! namespaces, page properties) and their blocks (block `i + 1`: heading,
//! text, properties, code). Each posting carries a precomputed score (field
//! weight × BM25-style term frequency with length normalisation, quantised
//! to 1..=63) and the term's first word position, for phrase boosts.
//! Unpublished pages never enter the index.

use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard, PoisonError};

use rustc_hash::FxHashMap as HashMap;
use serde::{Deserialize, Serialize};

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use rayon::prelude::*;

use super::shards::{push_number, read_numbers};
use super::tokenize;
use crate::cache::search::PartStore;
use crate::parse::{Block, BodyNode, props};
use crate::resolve::{Page, PageId, Site};

/// Longest block text kept for snippets, in characters.
pub const SNIPPET_TEXT_CHARS: usize = 240;
/// Longest code text kept for snippets, in characters.
pub const SNIPPET_CODE_CHARS: usize = 160;
/// Highest quantised posting score.
pub const MAX_SCORE: u8 = 63;

/// Where a word was found; ranked title > alias/tag > namespace > heading > text > code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    /// The page name.
    Title,
    /// An `alias::` name.
    Alias,
    /// A page listed in `tags::`.
    Tag,
    /// A namespace ancestor's name.
    Namespace,
    /// A heading block's title, or the first line of a block with children.
    Heading,
    /// Block prose and property values.
    Text,
    /// Fenced code and `#+BEGIN_SRC`/`EXAMPLE`/`VERSE` blocks.
    Code,
}

impl Field {
    /// (weight, typical length in words, length normalisation 0..1).
    fn params(self) -> (f32, f32, f32) {
        match self {
            Field::Title => (10.0, 3.0, 0.5),
            Field::Alias => (7.0, 2.0, 0.5),
            Field::Tag => (6.0, 2.0, 0.5),
            Field::Namespace => (5.0, 2.0, 0.5),
            Field::Heading => (4.0, 4.0, 0.5),
            Field::Text => (2.0, 25.0, 0.75),
            Field::Code => (1.0, 40.0, 0.75),
        }
    }

    /// Score of `tf` occurrences in a field of `len` words, before quantising.
    pub fn score(self, tf: u32, len: u32) -> f32 {
        const K1: f32 = 1.2;
        let (weight, typical, b) = self.params();
        let tf = tf as f32;
        let norm = 1.0 - b + b * (len.max(1) as f32) / typical;
        weight * tf * (K1 + 1.0) / (tf + K1 * norm)
    }
}

/// Quantises a field score to 1..=[`MAX_SCORE`].
pub fn quantise(score: f32) -> u8 {
    (score * 3.0).round().clamp(1.0, f32::from(MAX_SCORE)) as u8
}

/// One document containing a term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Posting {
    /// Page ordinal (index into [`Index::pages`]).
    pub page: u32,
    /// 0 for the page itself, `i + 1` for block `i` of its note.
    pub block: u32,
    /// Quantised score, 1..=63.
    pub score: u8,
    /// First word position of the term in the document.
    pub position: u32,
}

/// A term's postings, delta-coded as they are added, in the form the index
/// files carry (see [`super::shards`]): a large graph has millions of
/// postings, and as numbers in memory they took several times the space of
/// their text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Postings {
    count: u32,
    /// (page, block) of the last posting.
    last: Option<(u32, u32)>,
    /// Per posting: page delta, block (a delta minus one on the same page),
    /// score, position; each a number of [`push_number`].
    body: String,
}

impl Postings {
    /// Appends a posting; postings come in (page, block) order.
    pub fn push(&mut self, p: Posting) {
        let (page, block) = self.last.unwrap_or((0, 0));
        let delta = p.page - page;
        push_number(&mut self.body, delta);
        let block_field = match self.last {
            Some(_) if delta == 0 => p.block - block - 1,
            _ => p.block,
        };
        push_number(&mut self.body, block_field);
        push_number(&mut self.body, u32::from(p.score));
        push_number(&mut self.body, p.position);
        self.last = Some((p.page, p.block));
        self.count += 1;
    }

    /// Appends the postings of page `page`, later than every page so far:
    /// `run` as [`Postings::page_run`] encoded them, `count` of them, the
    /// last in block `last_block`. The same as pushing them one by one.
    pub fn push_page(&mut self, page: u32, run: &str, count: u32, last_block: u32) {
        let (last_page, _) = self.last.unwrap_or((0, 0));
        push_number(&mut self.body, page - last_page);
        self.body.push_str(run);
        self.last = Some((page, last_block));
        self.count += count;
    }

    /// Appends to `out` the encoding of one page's `postings` (in block
    /// order) but for the first number, the page's distance from the page
    /// before: what [`Postings::push_page`] takes. Gives their count and the
    /// block of the last.
    pub fn page_run(out: &mut String, postings: impl Iterator<Item = Posting>) -> (u32, u32) {
        let (mut count, mut last) = (0, None);
        for p in postings {
            match last {
                // The same page again: a page distance of 0, the block as a distance.
                Some(previous) => {
                    push_number(out, 0);
                    push_number(out, p.block - previous - 1);
                }
                None => push_number(out, p.block),
            }
            push_number(out, u32::from(p.score));
            push_number(out, p.position);
            last = Some(p.block);
            count += 1;
        }
        (count, last.unwrap_or(0))
    }

    /// The number of postings.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The encoded form of the index files: the count, then the postings.
    pub fn encoded(&self) -> String {
        let mut out = String::with_capacity(self.encoded_len());
        self.write_encoded(&mut out);
        out
    }

    /// Appends [`Postings::encoded`] to `out`.
    pub fn write_encoded(&self, out: &mut String) {
        push_number(out, self.count);
        out.push_str(&self.body);
    }

    /// The length of [`Postings::encoded`].
    pub fn encoded_len(&self) -> usize {
        let digits = (32 - self.count.leading_zeros()).div_ceil(5).max(1) as usize;
        digits + self.body.len()
    }

    /// The postings, decoded.
    pub fn decode(&self) -> Vec<Posting> {
        let numbers = read_numbers(&self.body);
        let mut out: Vec<Posting> = Vec::with_capacity(self.len());
        for n in numbers.chunks_exact(4) {
            let (page, block) = match out.last() {
                Some(last) if n[0] == 0 => (last.page, last.block + n[1] + 1),
                Some(last) => (last.page + n[0], n[1]),
                None => (n[0], n[1]),
            };
            out.push(Posting { page, block, score: n[2] as u8, position: n[3] });
        }
        out
    }

    fn shrink_to_fit(&mut self) {
        self.body.shrink_to_fit();
    }
}

impl FromIterator<Posting> for Postings {
    fn from_iter<I: IntoIterator<Item = Posting>>(postings: I) -> Self {
        let mut out = Postings::default();
        for p in postings {
            out.push(p);
        }
        out
    }
}

/// What a result shows of a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockEntry {
    /// Index of the parent block, for breadcrumbs.
    pub parent: Option<usize>,
    /// The block's HTML id (`b-…`); empty when the block has nothing to find.
    pub anchor: String,
    /// Plain text, whitespace collapsed, cut for snippets.
    pub text: String,
    /// Code, whitespace collapsed, cut for snippets.
    pub code: String,
}

/// What a result shows of a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageEntry {
    /// Display name.
    pub title: String,
    /// Output file (`k8s.html`).
    pub file: String,
    /// `alias::` names.
    pub aliases: Vec<String>,
    /// Names of the pages in `tags::`.
    pub tags: Vec<String>,
    /// Every block of the note, in order (same indexes as `note.blocks`).
    pub blocks: Vec<BlockEntry>,
}

/// The whole search index, in memory.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// Published pages, in site order: filled by [`build`] only
    /// ([`build_each_cached`] hands them out instead).
    pub pages: Vec<PageEntry>,
    /// Terms sorted by UTF-16 code units (JavaScript's order), with postings
    /// sorted by (page, block).
    pub terms: Vec<(String, Postings)>,
    /// Number of documents with at least one term.
    pub docs: u32,
    /// Bytes of text indexed (titles, names, block text, properties, code).
    pub text_bytes: u64,
}

/// Orders strings as JavaScript compares them.
pub fn js_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

impl Index {
    /// The postings of a term.
    pub fn postings(&self, term: &str) -> Option<&Postings> {
        let i = self.terms.binary_search_by(|(t, _)| js_order(t, term)).ok()?;
        Some(&self.terms[i].1)
    }
}

/// A page as indexed, before its part is made.
struct Indexed {
    entry: PageEntry,
    /// (term id, posting), in document order.
    postings: Vec<(u32, Posting)>,
    docs: u32,
    text_bytes: u64,
}

/// One page's share of the index, built independently of the others and in
/// the form the files take: its document entry, its preview, and its
/// postings by term, each term's encoded as [`Postings`] carries them but
/// for the page number ([`Postings::push_page`]). Numbered by a term id
/// rather than a string: a page repeats its terms in many blocks, and a
/// large graph has millions of postings but only thousands of terms.
struct PagePart {
    out: PageOut,
    /// Per term: (term id, postings, block of the last one, end in `encoded`).
    terms: Vec<(u32, u32, u32, u32)>,
    encoded: String,
    docs: u32,
    text_bytes: u64,
}

/// What the index hands out of each page, a run of pages at a time.
#[derive(Debug, Clone)]
pub struct PageOut {
    /// The page's `[title, file, aliases, tags, blocks]` of the document shards.
    pub doc: String,
    /// The page's hover preview: (hash of its file, `"file":[…]`).
    pub preview: (u32, String),
    /// The entry itself, when asked for ([`build`] keeps them).
    pub entry: Option<PageEntry>,
}

impl PagePart {
    /// The part of an indexed `page`; `referenced` are its blocks that
    /// others reference (for its preview).
    fn new(indexed: Indexed, page: &Page, referenced: &[usize], keep_entry: bool) -> PagePart {
        let Indexed { entry, mut postings, docs, text_bytes } = indexed;
        let doc = super::shards::page_json(&entry);
        let preview = super::preview::piece_of(page, &entry, referenced);
        // Stable: each term's postings stay in document order.
        postings.sort_by_key(|(id, _)| *id);
        let mut terms = Vec::new();
        let mut encoded = String::new();
        for run in postings.chunk_by(|a, b| a.0 == b.0) {
            let (count, last) = Postings::page_run(&mut encoded, run.iter().map(|(_, p)| *p));
            terms.push((run[0].0, count, last, encoded.len() as u32));
        }
        let out = PageOut { doc, preview, entry: keep_entry.then_some(entry) };
        PagePart { out, terms, encoded, docs, text_bytes }
    }
}

/// Pages indexed side by side before their parts are merged and dropped:
/// bounds the postings held twice (in parts and in the index) at any time.
const MERGE_CHUNK: usize = 512;

/// Builds the index of every published page, its page entries included.
pub fn build(site: &Site) -> Index {
    let mut pages = Vec::new();
    let Ok(mut index) = build_each_cached(site, None, true, |_, outs| {
        pages.extend(outs.into_iter().filter_map(|o| o.entry));
        Ok::<(), std::convert::Infallible>(())
    });
    index.pages = pages;
    index
}

/// Builds the index of every published page, handing what each page gives
/// the files to `out` a run of pages at a time, in page order, with those
/// pages, instead of keeping it: the index returned has its terms and no
/// pages. The documents of a large graph are several times the size of its
/// postings, and whoever writes them (document shards, previews) needs only
/// a run at a time. Takes each page's part from `store` when it holds it
/// under the page's key, and saves each run that had a page indexed again;
/// hands out the page entries too when `entries`. Stops at the first error
/// of `out`.
pub fn build_each_cached<E>(
    site: &Site,
    store: Option<&PartStore<'_>>,
    entries: bool,
    mut out: impl FnMut(&[(PageId, &Page)], Vec<PageOut>) -> Result<(), E>,
) -> Result<Index, E> {
    let pages: Vec<(PageId, &Page)> = site.published().collect();
    let referenced = super::preview::referenced_blocks(site);
    let referenced_of = |id: PageId| referenced.get(&id).map_or(&[][..], Vec::as_slice);
    let table = Mutex::new(TermTable::default());
    let pool: Mutex<Vec<Scratch>> = Mutex::new(Vec::new());
    let mut merger = Merger::default();
    let mut runs = 0;
    for (chunk_number, chunk) in pages.chunks(MERGE_CHUNK).enumerate() {
        let first = chunk_number * MERGE_CHUNK;
        let keys: Vec<u64> = match store {
            Some(store) => chunk
                .par_iter()
                .map(|&(id, page)| store.key(site, page, referenced_of(id)))
                .collect(),
            None => Vec::new(),
        };
        let stored = store.filter(|_| !entries).and_then(|s| s.load(chunk_number));
        let mut kept =
            stored.as_deref().map_or_else(Vec::new, |bytes| kept_parts(bytes, &keys, &table));
        let fresh = kept.len() != chunk.len() || kept.iter().any(Option::is_none);
        kept.resize_with(chunk.len(), || None);
        if let Some(store) = store {
            store.took(kept.iter().filter(|k| k.is_some()).count());
        }
        let parts: Vec<PagePart> = chunk
            .par_iter()
            .zip(kept)
            .enumerate()
            .map(|(i, (&(id, page), kept))| {
                if let Some(part) = kept {
                    return part;
                }
                let mut scratch = lock(&pool).pop().unwrap_or_default();
                let indexed = index_page(site, page, (first + i) as u32, &mut scratch, &table);
                lock(&pool).push(scratch);
                PagePart::new(indexed, page, referenced_of(id), entries)
            })
            .collect();
        if let Some(store) = store.filter(|_| fresh) {
            let terms = lock(&table);
            let run = RunWriter::new(&parts, &keys, &terms.terms);
            store.save(chunk_number, |file| postcard::to_io(&run, file).map(drop));
        }
        let outs = parts.into_iter().enumerate().map(|(i, p)| merger.add(p, (first + i) as u32));
        out(chunk, outs.collect())?;
        runs += 1;
    }
    if let Some(store) = store {
        store.finish(runs);
        log::debug!("search: {} of {} pages from the search cache", store.taken(), pages.len());
    }
    let table = table.into_inner().unwrap_or_else(PoisonError::into_inner);
    Ok(merger.finish(table.terms))
}

/// A run of page parts as the search cache keeps it: the run's terms, and
/// each page's key with its part (encoded on its own, so that a rebuild
/// decodes only the parts it takes).
#[derive(Serialize, Deserialize)]
struct StoredRun<'a> {
    #[serde(borrow)]
    parts: Vec<(u64, &'a [u8])>,
    #[serde(borrow)]
    terms: Vec<&'a str>,
}

/// A [`PagePart`] as the search cache keeps it, its terms numbered in the
/// run's terms.
#[derive(Serialize, Deserialize)]
struct StoredPart<'a> {
    doc: &'a str,
    preview: (u32, &'a str),
    terms: Vec<(u32, u32, u32, u32)>,
    encoded: &'a str,
    docs: u32,
    text_bytes: u64,
}

/// Writes the [`StoredRun`] of a run's parts straight into the file, a
/// part at a time: the run's parts and terms are numbered as they are
/// written, and no copy of the run (a few megabytes) is made. Such copies,
/// allocated afresh for every run, raised a cold build's peak memory.
struct RunWriter<'a> {
    parts: &'a [PagePart],
    keys: &'a [u64],
    /// The term table's terms, by id.
    terms: &'a [String],
    /// Term id → its number in the run, and the run's terms, as the parts
    /// are written.
    numbered: std::cell::RefCell<(HashMap<u32, u32>, Vec<&'a str>)>,
}

impl<'a> RunWriter<'a> {
    fn new(parts: &'a [PagePart], keys: &'a [u64], terms: &'a [String]) -> RunWriter<'a> {
        RunWriter { parts, keys, terms, numbered: Default::default() }
    }

    /// A part as the cache keeps it, its terms numbered in the run.
    fn stored(&self, part: &'a PagePart) -> StoredPart<'a> {
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
fn kept_parts(bytes: &[u8], keys: &[u64], table: &Mutex<TermTable>) -> Vec<Option<PagePart>> {
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

/// The lock of a mutex, whether or not another thread panicked holding it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Merges page parts, in page order, into one index.
#[derive(Default)]
struct Merger {
    /// Postings by term id.
    postings: Vec<Postings>,
    index: Index,
}

impl Merger {
    /// Takes the postings of the part of page `ordinal`; gives back the rest.
    fn add(&mut self, part: PagePart, ordinal: u32) -> PageOut {
        self.index.docs += part.docs;
        self.index.text_bytes += part.text_bytes;
        let mut start = 0;
        for &(id, count, last, end) in &part.terms {
            let id = id as usize;
            if id >= self.postings.len() {
                self.postings.resize_with(id + 1, Postings::default);
            }
            let run = part.encoded.get(start as usize..end as usize).unwrap_or_default();
            self.postings[id].push_page(ordinal, run, count, last);
            start = end;
        }
        part.out
    }

    /// The index, with the terms of the ids (every id that has postings).
    fn finish(mut self, terms: Vec<String>) -> Index {
        let mut terms: Vec<(String, Postings)> = terms
            .into_iter()
            .zip(self.postings.into_iter().chain(std::iter::repeat_with(Postings::default)))
            .filter(|(_, postings)| !postings.is_empty())
            .map(|(term, mut postings)| {
                postings.shrink_to_fit();
                (term, postings)
            })
            .collect();
        terms.sort_by(|a, b| js_order(&a.0, &b.0));
        self.index.terms = terms;
        self.index
    }
}

/// The terms of the whole index, numbered in order of first use by any
/// page. The numbers only live in memory: the index orders terms by string,
/// so which thread numbered a term first changes nothing in the output.
#[derive(Default)]
struct TermTable {
    /// Stemmed term → id.
    ids: HashMap<String, u32>,
    /// Terms by id.
    terms: Vec<String>,
}

impl TermTable {
    fn id(&mut self, term: String) -> u32 {
        if let Some(&id) = self.ids.get(&term) {
            return id;
        }
        let id = self.terms.len() as u32;
        self.ids.insert(term.clone(), id);
        self.terms.push(term);
        id
    }
}

/// An empty slot of [`Scratch::field_slot`] and [`Scratch::doc_slot`].
const NONE: u32 = u32::MAX;

/// What indexing a page needs besides the page, kept from page to page (one
/// per thread at a time): words already stemmed and numbered, and buffers.
#[derive(Default)]
struct Scratch {
    /// Folded word → term id: a word is stemmed and looked up in the shared
    /// [`TermTable`] once per thread, not once per page.
    by_word: WordIds,
    /// Per term id: its slot in `counts` (the field being read), or [`NONE`].
    field_slot: Vec<u32>,
    /// Per term id: its slot in `found` (the document being read), or [`NONE`].
    doc_slot: Vec<u32>,
    /// (term id, best field score, first position) of the document being
    /// read, in order of first use.
    found: Vec<(u32, f32, u32)>,
    /// (term id, occurrences, first position) of the field being read.
    counts: Vec<(u32, u32, u32)>,
    /// The postings of the page being read.
    postings: Vec<(u32, Posting)>,
    tokenizer: tokenize::Tokenizer,
}

/// Folded word → term id. Most words are short: up to [`SHORT_WORD`] bytes
/// they are keyed by a number (the bytes, zero-padded, and the length), so
/// a lookup compares two integers instead of calling `memcmp`.
#[derive(Default)]
struct WordIds {
    short: HashMap<u128, u32>,
    long: HashMap<Box<str>, u32>,
}

/// The longest word [`WordIds`] keys by a number.
const SHORT_WORD: usize = 15;

impl WordIds {
    /// The key of a word of at most [`SHORT_WORD`] bytes.
    fn short_key(word: &str) -> u128 {
        let mut key = [0u8; 16];
        key[..word.len()].copy_from_slice(word.as_bytes());
        key[15] = word.len() as u8;
        u128::from_le_bytes(key)
    }

    /// The term id of a word: its stem's in the shared table.
    fn id(&mut self, table: &Mutex<TermTable>, word: &str) -> u32 {
        let new = || lock(table).id(tokenize::stem(word));
        if word.len() <= SHORT_WORD {
            *self.short.entry(Self::short_key(word)).or_insert_with(new)
        } else if let Some(&id) = self.long.get(word) {
            id
        } else {
            let id = new();
            self.long.insert(word.into(), id);
            id
        }
    }
}

fn index_page(
    site: &Site,
    page: &Page,
    ordinal: u32,
    scratch: &mut Scratch,
    table: &Mutex<TermTable>,
) -> Indexed {
    let aliases = page.aliases.clone();
    let tags: Vec<String> = page.tags.iter().map(|&t| site.pages[t].name.clone()).collect();
    let mut fields: Vec<(Field, Cow<'_, str>)> = vec![(Field::Title, page.name.as_str().into())];
    fields.extend(aliases.iter().map(|a| (Field::Alias, a.as_str().into())));
    fields.extend(tags.iter().map(|t| (Field::Tag, t.as_str().into())));
    fields.extend(
        page.namespace.iter().map(|&n| (Field::Namespace, site.pages[n].name.as_str().into())),
    );
    if let Some(note) = &page.note {
        fields.extend(property_texts(&note.properties).map(|t| (Field::Text, t.into())));
    }
    // Grown once per thread rather than once per page; the part gets an exact copy.
    let mut postings = std::mem::take(&mut scratch.postings);
    let mut text_bytes = text_len(&fields);
    let mut docs = u32::from(add_doc(&mut postings, scratch, table, ordinal, 0, &fields));
    let mut blocks = Vec::new();
    if let Some(note) = &page.note {
        blocks.reserve_exact(note.blocks.len());
        for (i, block) in note.blocks.iter().enumerate() {
            let code = code_text(&block.body);
            let fields = block_fields(block, &code);
            text_bytes += text_len(&fields);
            let found = add_doc(&mut postings, scratch, table, ordinal, i as u32 + 1, &fields);
            docs += u32::from(found);
            blocks.push(block_entry(block, &code, found.then(|| page.anchors.get(i)).flatten()));
        }
    }
    let entry =
        PageEntry { title: page.name.clone(), file: page.file_name(), aliases, tags, blocks };
    let indexed = Indexed { entry, postings: postings.as_slice().to_vec(), docs, text_bytes };
    postings.clear();
    scratch.postings = postings;
    indexed
}

fn text_len(fields: &[(Field, Cow<'_, str>)]) -> u64 {
    fields.iter().map(|(_, t)| t.len() as u64).sum()
}

/// `key value` of the properties a page or block shows.
fn property_texts(properties: &[props::Property]) -> impl Iterator<Item = String> + '_ {
    properties
        .iter()
        .filter(|p| !props::is_hidden_key(&p.key) && !matches!(p.key.as_str(), "alias" | "tags"))
        .filter(|p| !p.value.trim().is_empty())
        .map(|p| format!("{} {}", p.key, p.value))
}

/// A block's searchable text by field.
fn block_fields<'a>(block: &'a Block, code: &'a str) -> Vec<(Field, Cow<'a, str>)> {
    // A pre-block without a body is shown as the page's properties, with no anchor.
    if block.pre_block && block.body.is_empty() {
        return Vec::new();
    }
    let mut fields = Vec::with_capacity(3 + block.properties.len());
    let (first, rest) = block.text().split_once('\n').unwrap_or((block.text(), ""));
    if is_heading_like(block, first) {
        fields.push((Field::Heading, first.into()));
        fields.push((Field::Text, rest.into()));
    } else {
        fields.push((Field::Text, block.text().into()));
    }
    fields.extend(property_texts(&block.properties).map(|t| (Field::Text, t.into())));
    fields.push((Field::Code, code.into()));
    fields
}

/// Headings, and short first lines of blocks with children (an outline's section titles).
fn is_heading_like(block: &Block, first_line: &str) -> bool {
    block.heading.is_some()
        || (!block.children.is_empty() && first_line.split_whitespace().nth(10).is_none())
}

/// Adds one document's postings; returns whether it has any term.
fn add_doc(
    out: &mut Vec<(u32, Posting)>,
    scratch: &mut Scratch,
    table: &Mutex<TermTable>,
    page: u32,
    block: u32,
    fields: &[(Field, Cow<'_, str>)],
) -> bool {
    let Scratch { by_word, field_slot, doc_slot, found, counts, tokenizer, .. } = scratch;
    found.clear();
    let mut position = 0;
    for (field, text) in fields {
        let (len, last) = tokenizer.each_word(text, position, |word, at, _| {
            let id = by_word.id(table, word);
            if id as usize >= field_slot.len() {
                field_slot.resize(id as usize + 1, NONE);
                doc_slot.resize(id as usize + 1, NONE);
            }
            let slot = &mut field_slot[id as usize];
            match *slot {
                NONE => {
                    *slot = counts.len() as u32;
                    counts.push((id, 1, at));
                }
                i => counts[i as usize].1 += 1,
            }
        });
        position = last.map_or(position, |p| p + 2);
        for (id, tf, first) in counts.drain(..) {
            field_slot[id as usize] = NONE;
            let score = field.score(tf, len);
            let slot = &mut doc_slot[id as usize];
            match *slot {
                NONE => {
                    *slot = found.len() as u32;
                    found.push((id, score, first));
                }
                i => {
                    let entry = &mut found[i as usize];
                    entry.1 = entry.1.max(score);
                    entry.2 = entry.2.min(first);
                }
            }
        }
    }
    let any = !found.is_empty();
    for &(id, score, position) in found.iter() {
        doc_slot[id as usize] = NONE;
        out.push((id, Posting { page, block, score: quantise(score), position }));
    }
    any
}

/// The code of a block body: fenced code and verbatim `src`/`example`/`verse` blocks.
pub fn code_text(body: &[BodyNode]) -> String {
    let mut out = String::new();
    for node in body {
        match node {
            BodyNode::Markdown(text) => fenced_code(text, &mut out),
            BodyNode::Container { children, .. } => {
                out.push_str(&code_text(children));
                out.push('\n');
            }
            BodyNode::Verbatim { kind, text, .. }
                if matches!(kind.as_str(), "src" | "example" | "verse") =>
            {
                out.push_str(text);
                out.push('\n');
            }
            BodyNode::Verbatim { .. } => {}
        }
    }
    out
}

/// Whether `markdown` holds ```` ``` ````, `~~~`, a tab, or four spaces at
/// the start of a line: most blocks have no code, and fences and indented
/// code both need one of these. One pass over the bytes.
fn may_have_code(markdown: &str) -> bool {
    let bytes = markdown.as_bytes();
    if bytes.starts_with(b"    ") {
        return true;
    }
    let candidate = |b: &u8| matches!(b, b'\t' | b'`' | b'~' | b'\n');
    // A chunk at a time, without an early exit inside it, so the scan is
    // vectorised; a chunk with a candidate byte is then looked at closely.
    bytes.chunks(32).enumerate().any(|(n, chunk)| {
        chunk.iter().fold(false, |any, b| any | candidate(b))
            && chunk.iter().enumerate().any(|(j, &b)| {
                let i = n * 32 + j;
                match b {
                    b'\t' => true,
                    b'`' | b'~' => bytes[i..].starts_with(&[b, b, b]),
                    b'\n' => bytes[i + 1..].starts_with(b"    "),
                    _ => false,
                }
            })
    })
}

fn fenced_code(markdown: &str, out: &mut String) {
    if !may_have_code(markdown) {
        return;
    }
    let mut in_code = false;
    for event in Parser::new_ext(markdown, crate::parse::refs::markdown_options()) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                out.push('\n');
            }
            Event::Text(text) if in_code => out.push_str(&text),
            _ => {}
        }
    }
}

fn block_entry(block: &Block, code: &str, anchor: Option<&str>) -> BlockEntry {
    BlockEntry {
        parent: block.parent(),
        anchor: anchor.map(str::to_string).unwrap_or_default(),
        text: clip(block.text(), SNIPPET_TEXT_CHARS, true),
        code: clip(code, SNIPPET_CODE_CHARS, false),
    }
}

/// Collapses runs of spaces (keeping the first line break when `lines`) and cuts at `max` chars.
fn clip(text: &str, max: usize, lines: bool) -> String {
    let text = text.trim();
    let (first, rest) = match text.split_once('\n') {
        Some((first, rest)) if lines => (first, rest),
        _ => (text, ""),
    };
    let mut out = String::with_capacity(text.len().min(max + 16));
    if text.is_ascii() {
        clip_words(&mut out, AsciiWords(first), AsciiWords(rest), max, str::len);
    } else {
        let (first, rest) = (first.split_whitespace(), rest.split_whitespace());
        clip_words(&mut out, first, rest, max, |w| w.chars().count());
    }
    out
}

/// The words of an ASCII text, split at whitespace as [`str::split_whitespace`] does.
struct AsciiWords<'a>(&'a str);

impl<'a> Iterator for AsciiWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        // The whitespace of `char::is_whitespace` among ASCII characters.
        let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
        let bytes = self.0.as_bytes();
        let start = bytes.iter().position(|b| !space(b))?;
        let end = bytes[start..].iter().position(space).map_or(bytes.len(), |n| start + n);
        // ASCII: every index is a character boundary.
        let word = &self.0[start..end];
        self.0 = &self.0[end..];
        Some(word)
    }
}

/// Appends the words of `first` joined by spaces, then a line break and
/// those of `rest` (if any), cut at `max` characters (`chars` counts a word's).
fn clip_words<'a>(
    out: &mut String,
    first: impl Iterator<Item = &'a str>,
    rest: impl Iterator<Item = &'a str>,
    max: usize,
    chars: impl Fn(&str) -> usize,
) {
    // Characters in `out`; words after the first `max + 1` characters would be cut off.
    let mut count = 0;
    let first = first.map(|w| (w, ' '));
    let rest = rest.enumerate().map(|(i, w)| (w, if i == 0 { '\n' } else { ' ' }));
    for (i, (word, separator)) in first.chain(rest).enumerate() {
        if count > max {
            break;
        }
        if i > 0 || separator == '\n' {
            out.push(separator);
            count += 1;
        }
        out.push_str(word);
        count += chars(word);
    }
    if count > max {
        if let Some((cut, _)) = out.char_indices().nth(max) {
            out.truncate(cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::body::parse_body;

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
    ) -> (Vec<crate::render::OutputFile>, usize) {
        let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        let site = crate::resolve::test_site(&refs);
        let hashes =
            files.iter().map(|(p, t)| (p.clone(), crate::cache::bytes_sig(t.as_bytes()))).collect();
        let store = dir.map(|d| PartStore::new(d.to_path_buf(), 7, read, &hashes));
        let files = crate::render::collect_files(|mut emit| {
            crate::search::each_search_file_cached(&site, store.as_ref(), &mut emit)
        });
        (files, store.map_or(0, |s| s.taken()))
    }

    proptest::proptest! {
        /// A page's postings appended as one encoded run are the postings
        /// pushed one by one.
        #[test]
        fn page_runs_encode_what_single_pushes_do(
            pages in proptest::collection::vec(
                (1u32..5, proptest::collection::btree_map(0u32..300, (1u8..=63, 0u32..5000), 1..12)),
                1..8,
            ),
        ) {
            let (mut one_by_one, mut by_page) = (Postings::default(), Postings::default());
            // The first page may be page 0.
            let mut page = 0;
            for (i, (gap, blocks)) in pages.into_iter().enumerate() {
                page += if i == 0 { gap - 1 } else { gap };
                let postings: Vec<Posting> = blocks
                    .iter()
                    .map(|(&block, &(score, position))| Posting { page, block, score, position })
                    .collect();
                for &p in &postings {
                    one_by_one.push(p);
                }
                let mut run = String::new();
                let (count, last) = Postings::page_run(&mut run, postings.iter().copied());
                by_page.push_page(page, &run, count, last);
            }
            proptest::prop_assert_eq!(by_page.encoded(), one_by_one.encoded());
            proptest::prop_assert_eq!(by_page.decode(), one_by_one.decode());
        }
    }

    #[test]
    fn pages_indexed_before_come_from_the_search_cache_and_give_the_same_files() {
        let dir = tempfile::tempdir().expect("temp dir");
        let n = MERGE_CHUNK + 40;
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

    #[test]
    fn field_scores_rank_title_over_alias_heading_text_code() {
        let order = [
            Field::Title,
            Field::Alias,
            Field::Tag,
            Field::Namespace,
            Field::Heading,
            Field::Text,
            Field::Code,
        ];
        let scores: Vec<u8> = order.iter().map(|f| quantise(f.score(1, 2))).collect();
        assert!(scores.windows(2).all(|w| w[0] > w[1]), "{scores:?}");
    }

    #[test]
    fn shorter_fields_and_more_occurrences_score_higher() {
        assert!(Field::Text.score(1, 5) > Field::Text.score(1, 80));
        assert!(Field::Text.score(3, 30) > Field::Text.score(1, 30));
        assert_eq!(quantise(0.0), 1);
        assert_eq!(quantise(1000.0), MAX_SCORE);
    }

    #[test]
    fn code_comes_from_fences_and_src_blocks() {
        let body =
            parse_body("text\n```yaml\nkind: Pod\n```\n#+BEGIN_SRC sh\nkubectl get\n#+END_SRC");
        let code = code_text(&body);
        assert!(code.contains("kind: Pod") && code.contains("kubectl get"));
        assert!(!code.contains("text"));
    }

    #[test]
    fn postings_decode_to_what_was_pushed() {
        let p = |page, block, score, position| Posting { page, block, score, position };
        let pushed =
            vec![p(0, 0, 30, 0), p(0, 3, 6, 4), p(0, 4, 1, 0), p(7, 2, 9, 1), p(9, 0, 63, 70_000)];
        let postings: Postings = pushed.iter().copied().collect();
        assert_eq!(postings.len(), 5);
        assert_eq!(postings.decode(), pushed);
        assert!(Postings::default().decode().is_empty());
    }

    /// The first form of [`clip`], which collapsed whole texts before cutting.
    fn clip_reference(text: &str, max: usize, lines: bool) -> String {
        let mut out = String::new();
        let (first, rest) = match text.trim().split_once('\n') {
            Some((first, rest)) if lines => (first, Some(rest)),
            _ => (text.trim(), None),
        };
        out.push_str(&first.split_whitespace().collect::<Vec<_>>().join(" "));
        if let Some(rest) = rest {
            let rest = rest.split_whitespace().collect::<Vec<_>>().join(" ");
            if !rest.is_empty() {
                out.push('\n');
                out.push_str(&rest);
            }
        }
        match out.char_indices().nth(max) {
            Some((cut, _)) => out[..cut].to_string(),
            None => out,
        }
    }

    proptest::proptest! {
        #[test]
        fn clip_cuts_as_collapsing_everything_first_did(
            text in "[ab é\n\t\r\u{b}\u{c}\u{a0}]{0,30}|[ab\n\t\r\u{b}\u{c}]{0,30}",
            max in 0usize..12,
            lines: bool,
        ) {
            proptest::prop_assert_eq!(clip(&text, max, lines), clip_reference(&text, max, lines));
        }
    }

    #[test]
    fn code_is_looked_for_where_a_fence_tab_or_indent_is() {
        let reference = |m: &str| {
            m.contains("```")
                || m.contains("~~~")
                || m.contains('\t')
                || m.starts_with("    ")
                || m.contains("\n    ")
        };
        for m in [
            "",
            "plain",
            "a ``` b",
            "``",
            "`` `",
            "~~~",
            "~~ ~",
            "x\ty",
            "    code",
            "   not",
            "a\n    b",
            "a\n   b",
            "a\n",
            "\n",
            "``~",
            "a`",
            "~~",
            "é```",
            "é\n    x",
        ] {
            assert_eq!(may_have_code(m), reference(m), "{m:?}");
        }
    }

    #[test]
    fn words_short_and_long_get_their_stems_id() {
        let table = Mutex::new(TermTable::default());
        let mut ids = WordIds::default();
        let (x14, x15, x16) = ("x".repeat(14), "x".repeat(15), "x".repeat(16));
        let words = [
            "pods",
            "pod",
            "a",
            "ab",
            "b",
            "ba",
            &x15,
            &x16,
            &x14,
            "日本",
            "statefulsets",
            "statefulset",
            "kube-apiserverss",
            "kube-apiserverss",
            "kube-apiservers",
        ];
        let got: Vec<u32> = words.iter().map(|w| ids.id(&table, w)).collect();
        let again: Vec<u32> = words.iter().map(|w| ids.id(&table, w)).collect();
        assert_eq!(got, again);
        let terms = lock(&table).terms.clone();
        for (word, id) in words.iter().zip(&got) {
            assert_eq!(terms[*id as usize], tokenize::stem(word), "{word}");
        }
        assert_eq!(got[0], got[1], "pods and pod share a stem");
        assert_ne!(got[3], got[5], "ab and ba differ");
        assert_eq!(terms.len(), 12);
    }

    #[test]
    fn clip_collapses_spaces_and_cuts() {
        assert_eq!(clip("  a   b\n c  d \n e", 100, true), "a b\nc d e");
        assert_eq!(clip("a\nb", 100, false), "a b");
        assert_eq!(clip("éééé", 2, false), "éé");
        assert_eq!(clip(" \n  b  c\n", 100, true), "b c");
        assert_eq!(clip("a \n\t\n", 100, true), "a");
        assert_eq!(clip("a\n  \n b", 100, true), "a\nb");
        assert_eq!(clip("ab  cd ef", 4, false), "ab c");
        assert_eq!(clip("ab  cd ef", 5, false), "ab cd");
        assert_eq!(clip("ab\ncd ef", 3, true), "ab\n");
        assert_eq!(clip("ab cd", 0, false), "");
        assert_eq!(clip("", 10, true), "");
    }
}
