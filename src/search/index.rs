//! SEARCH, step two: the published site → an inverted index of terms.
//!
//! Documents are the published pages (block 0: title, aliases, tags,
//! namespaces, page properties) and their blocks (block `i + 1`: heading,
//! text, properties, code). Each posting carries a precomputed score (field
//! weight × BM25-style term frequency with length normalisation, quantised
//! to 1..=63) and the term's first word position, for phrase boosts.
//! Unpublished pages never enter the index.

use std::sync::{Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use rayon::prelude::*;

use super::document::index_page;
use super::shards::{push_number, read_numbers};
use super::stored::{RunStore, RunWriter, kept_parts};
use super::terms::{Merger, Scratch, TermTable, lock};
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
    pub(super) fn params(self) -> (f32, f32, f32) {
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

    pub(super) fn shrink_to_fit(&mut self) {
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
pub(super) struct Indexed {
    pub(super) entry: PageEntry,
    /// (term id, posting), in document order.
    pub(super) postings: Vec<(u32, Posting)>,
    pub(super) docs: u32,
    pub(super) text_bytes: u64,
}

/// One page's share of the index, built independently of the others and in
/// the form the files take: its document entry, its preview, and its
/// postings by term, each term's encoded as [`Postings`] carries them but
/// for the page number ([`Postings::push_page`]). Numbered by a term id
/// rather than a string: a page repeats its terms in many blocks, and a
/// large graph has millions of postings but only thousands of terms.
pub(super) struct PagePart {
    pub(super) out: PageOut,
    /// Per term: (term id, postings, block of the last one, end in `encoded`).
    pub(super) terms: Vec<(u32, u32, u32, u32)>,
    pub(super) encoded: String,
    pub(super) docs: u32,
    pub(super) text_bytes: u64,
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
    pub(super) fn new(
        indexed: Indexed,
        page: &Page,
        referenced: &[usize],
        keep_entry: bool,
    ) -> PagePart {
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
pub const MERGE_CHUNK: usize = 512;

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
    store: Option<&dyn RunStore>,
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
            store.save(chunk_number, &mut |file| {
                postcard::to_io(&run, file)
                    .map(drop)
                    .map_err(|e| std::io::Error::other(e.to_string()))
            });
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn postings_decode_to_what_was_pushed() {
        let p = |page, block, score, position| Posting { page, block, score, position };
        let pushed =
            vec![p(0, 0, 30, 0), p(0, 3, 6, 4), p(0, 4, 1, 0), p(7, 2, 9, 1), p(9, 0, 63, 70_000)];
        let postings: Postings = pushed.iter().copied().collect();
        assert_eq!(postings.len(), 5);
        assert_eq!(postings.decode(), pushed);
        assert!(Postings::default().decode().is_empty());
    }
}
