//! SEARCH, the index's terms: numbered in a table shared by the threads
//! indexing pages, looked up per word through a per-thread cache, and the
//! page parts merged, in page order, into one index.

use std::sync::{Mutex, MutexGuard, PoisonError};

use rustc_hash::FxHashMap as HashMap;

use super::index::{Index, PageOut, PagePart, Posting, Postings, js_order};
use super::tokenize;

pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Merges page parts, in page order, into one index.
#[derive(Default)]
pub(super) struct Merger {
    /// Postings by term id.
    pub(super) postings: Vec<Postings>,
    pub(super) index: Index,
}

impl Merger {
    /// Takes the postings of the part of page `ordinal`; gives back the rest.
    pub(super) fn add(&mut self, part: PagePart, ordinal: u32) -> PageOut {
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
    pub(super) fn finish(mut self, terms: Vec<String>) -> Index {
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
pub(super) struct TermTable {
    /// Stemmed term → id.
    pub(super) ids: HashMap<String, u32>,
    /// Terms by id.
    pub(super) terms: Vec<String>,
}

impl TermTable {
    pub(super) fn id(&mut self, term: String) -> u32 {
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
pub(super) const NONE: u32 = u32::MAX;

/// What indexing a page needs besides the page, kept from page to page (one
/// per thread at a time): words already stemmed and numbered, and buffers.
#[derive(Default)]
pub(super) struct Scratch {
    /// Folded word → term id: a word is stemmed and looked up in the shared
    /// [`TermTable`] once per thread, not once per page.
    pub(super) by_word: WordIds,
    /// Per term id: its slot in `counts` (the field being read), or [`NONE`].
    pub(super) field_slot: Vec<u32>,
    /// Per term id: its slot in `found` (the document being read), or [`NONE`].
    pub(super) doc_slot: Vec<u32>,
    /// (term id, best field score, first position) of the document being
    /// read, in order of first use.
    pub(super) found: Vec<(u32, f32, u32)>,
    /// (term id, occurrences, first position) of the field being read.
    pub(super) counts: Vec<(u32, u32, u32)>,
    /// The postings of the page being read.
    pub(super) postings: Vec<(u32, Posting)>,
    pub(super) tokenizer: tokenize::Tokenizer,
}

/// Folded word → term id. Most words are short: up to [`SHORT_WORD`] bytes
/// they are keyed by a number (the bytes, zero-padded, and the length), so
/// a lookup compares two integers instead of calling `memcmp`.
#[derive(Default)]
pub(super) struct WordIds {
    pub(super) short: HashMap<u128, u32>,
    pub(super) long: HashMap<Box<str>, u32>,
}

/// The longest word [`WordIds`] keys by a number.
pub(super) const SHORT_WORD: usize = 15;

impl WordIds {
    /// The key of a word of at most [`SHORT_WORD`] bytes.
    pub(super) fn short_key(word: &str) -> u128 {
        let mut key = [0u8; 16];
        key[..word.len()].copy_from_slice(word.as_bytes());
        key[15] = word.len() as u8;
        u128::from_le_bytes(key)
    }

    /// The term id of a word: its stem's in the shared table.
    pub(super) fn id(&mut self, table: &Mutex<TermTable>, word: &str) -> u32 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
