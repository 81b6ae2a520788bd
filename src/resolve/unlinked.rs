//! Unlinked references: blocks that mention a page's name (or alias) as plain
//! text without linking it. One Aho-Corasick pass over every block's text.

use rustc_hash::FxHashMap as HashMap;

use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use std::sync::OnceLock;

use super::{BlockLoc, Page, PageId, identity_in};
use crate::parse::Block;

/// Names shorter than this (in characters) would match everywhere; they get no unlinked references.
const MIN_NAME_CHARS: usize = 3;
/// At most this many unlinked references are listed per page.
pub const MAX_PER_PAGE: usize = 100;

/// The names a note's blocks mention as whole words: for each block that
/// mentions any, its index and the numbers of the names in the [`Matcher`]
/// (sorted, unique). A function of the note's text and the matcher's names
/// alone, so a later build with the same names can reuse it. Flat (index,
/// count, numbers, one block after the other): one allocation a note, not
/// one a block, as it is held for every note until the parse cache is written.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoteMentions(Vec<u32>);

impl NoteMentions {
    /// Adds block `block`'s mentions.
    fn push(&mut self, block: u32, names: &[u32]) {
        self.0.push(block);
        self.0.push(u32::try_from(names.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(names);
    }

    /// Each block's index and mentions (as far as they are whole).
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[u32])> {
        let mut rest = self.0.as_slice();
        std::iter::from_fn(move || {
            let [block, count, tail @ ..] = rest else { return None };
            let names = tail.get(..*count as usize)?;
            rest = &tail[names.len()..];
            Some((*block, names))
        })
    }

    /// Whether no block mentions a name.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The mentions of every note, by path, and the names they number.
#[derive(Debug, Default)]
pub struct Mentions {
    /// [`Matcher::names_sig`] of the names numbered.
    pub names: u64,
    /// By note path.
    pub notes: HashMap<String, NoteMentions>,
}

/// Fills `Page::unlinked` for every published page.
pub fn compute(pages: &mut [Page], by_identity: &HashMap<String, PageId>) {
    compute_reusing(pages, by_identity, Mentions::default());
}

/// [`compute`], taking the mentions of the notes in `known` when they number
/// the same names; gives the mentions of every published note.
pub fn compute_reusing(
    pages: &mut [Page],
    by_identity: &HashMap<String, PageId>,
    mut known: Mentions,
) -> Mentions {
    let Some(matcher) = Matcher::new(pages) else { return Mentions::default() };
    if known.names != matcher.names_sig {
        known.notes.clear();
    }
    let mut todo = Vec::new();
    let mut mentions: Vec<(PageId, NoteMentions)> = Vec::new();
    for (page_id, page) in pages.iter().enumerate().filter(|(_, p)| p.published) {
        let Some(note) = &page.note else { continue };
        match known.notes.remove(&note.rel_path) {
            Some(found) => mentions.push((page_id, found)),
            None => todo.push(page_id),
        }
    }
    mentions.par_extend(todo.into_par_iter().map(|page_id| {
        let blocks = pages[page_id].note.as_ref().map_or(&[][..], |n| &n.blocks[..]);
        let mut found = NoteMentions::default();
        for (i, block) in blocks.iter().enumerate() {
            let names = matcher.mentions(block);
            if !names.is_empty() {
                found.push(i as u32, &names);
            }
        }
        (page_id, found)
    }));
    mentions.sort_unstable_by_key(|(page_id, _)| *page_id);
    let found: Vec<(PageId, BlockLoc)> = mentions
        .par_iter()
        .flat_map_iter(|(page_id, note)| {
            let blocks = pages[*page_id].note.as_ref().map_or(&[][..], |n| &n.blocks[..]);
            let matcher = &matcher;
            note.iter().flat_map(move |(i, names)| {
                // A note from the parse cache has these blocks, but a block
                // that is not there is no mention.
                let targets = blocks.get(i as usize).map_or_else(Vec::new, |block| {
                    matcher.targets(names, block, *page_id, by_identity)
                });
                targets.into_iter().map(move |t| (t, BlockLoc::new(*page_id, i as usize)))
            })
        })
        .collect();
    let mut found = found;
    found.par_sort_unstable();
    for same in found.chunk_by(|a, b| a.0 == b.0) {
        let locs = same.iter().take(MAX_PER_PAGE).map(|(_, loc)| *loc);
        pages[same[0].0].unlinked = locs.collect();
    }
    let notes = mentions
        .into_iter()
        .filter_map(|(page_id, found)| {
            Some((pages[page_id].note.as_ref()?.rel_path.clone(), found))
        })
        .collect();
    Mentions { names: matcher.names_sig, notes }
}

/// The names (and aliases) of the published pages other than journals, to
/// find in block text, each with its page.
pub struct Matcher {
    /// Lower-case names.
    patterns: Vec<String>,
    /// The automaton of `patterns`, once built.
    names: OnceLock<Option<AhoCorasick>>,
    /// The page of each name.
    owners: Vec<PageId>,
    /// A hash of the names, in order: mentions numbered by one matcher are
    /// valid for another with the same hash.
    pub names_sig: u64,
}

impl Matcher {
    /// The matcher of `pages`' names; `None` when no name is long enough.
    pub fn new(pages: &[Page]) -> Option<Matcher> {
        let mut patterns: Vec<String> = Vec::new();
        let mut owners: Vec<PageId> = Vec::new();
        for (id, page) in
            pages.iter().enumerate().filter(|(_, p)| p.published && p.journal.is_none())
        {
            for name in std::iter::once(&page.name).chain(&page.aliases) {
                let lower = name.trim().to_lowercase();
                if lower.chars().count() >= MIN_NAME_CHARS {
                    patterns.push(lower);
                    owners.push(id);
                }
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let mut fp = crate::util::hash::Fp::new("unlinked-names");
        for pattern in &patterns {
            fp.str(pattern);
        }
        Some(Matcher { patterns, owners, names_sig: fp.finish(), names: OnceLock::new() })
    }

    /// The automaton of the names, built on first use (a rebuild that
    /// finds every note's mentions in the parse cache needs none).
    fn automaton(&self) -> Option<&AhoCorasick> {
        self.names.get_or_init(|| AhoCorasick::new(&self.patterns).ok()).as_ref()
    }

    /// The pages whose name a block of `page` mentions as a whole word
    /// without linking it, sorted, unique.
    pub fn block_targets(
        &self,
        block: &Block,
        page: PageId,
        by_identity: &HashMap<String, PageId>,
    ) -> Vec<PageId> {
        self.targets(&self.mentions(block), block, page, by_identity)
    }

    /// The numbers of the names a block mentions as whole words, sorted, unique.
    pub fn mentions(&self, block: &Block) -> Vec<u32> {
        if block.text().is_empty() {
            return Vec::new();
        }
        let text = block.text().to_lowercase();
        let Some(automaton) = self.automaton() else { return Vec::new() };
        let mut names: Vec<u32> = automaton
            .find_overlapping_iter(&text)
            .filter(|m| is_whole_word(&text, m.start(), m.end()))
            .map(|m| m.pattern().as_u32())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The pages of the names `mentions` (of [`Matcher::mentions`]) that
    /// `block` of `page` does not link, other than `page`, sorted, unique.
    pub fn targets(
        &self,
        mentions: &[u32],
        block: &Block,
        page: PageId,
        by_identity: &HashMap<String, PageId>,
    ) -> Vec<PageId> {
        let mut targets: Vec<PageId> = mentions
            .iter()
            .filter_map(|&n| self.owners.get(n as usize).copied())
            .filter(|&t| t != page)
            .collect();
        if targets.is_empty() {
            return targets;
        }
        // Pages the block links are not unlinked mentions.
        let mut buf = String::new();
        let linked: Vec<PageId> = block
            .page_refs
            .iter()
            .filter_map(|r| by_identity.get(identity_in(r, &mut buf)).copied())
            .collect();
        targets.retain(|t| !linked.contains(t));
        targets.sort_unstable();
        targets.dedup();
        targets
    }
}

fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_found_as_whole_words_in_any_case_unless_linked() {
        let site = crate::resolve::test_site(&[
            ("pages/Storage.md", "alias:: PVC\n\n- about storage"),
            ("pages/Café Crème.md", "- x"),
            ("pages/ab.md", "- too short a name"),
            (
                "pages/notes.md",
                "- STORAGE classes\n- storages\n- [[Storage]] and storage\n- café crème and AB\n- pvc, mixed Café CRÈME",
            ),
        ]);
        let matcher = Matcher::new(&site.pages).expect("names");
        let id = |name: &str| site.by_identity[&crate::resolve::identity(name)];
        let notes = id("notes");
        let blocks = &site.pages[notes].note.as_ref().expect("note").blocks;
        let found: Vec<Vec<PageId>> =
            blocks.iter().map(|b| matcher.block_targets(b, notes, &site.by_identity)).collect();
        let (storage, cafe) = (id("storage"), id("café crème"));
        let mut both = vec![storage, cafe];
        both.sort_unstable();
        assert_eq!(found, [vec![storage], vec![], vec![], vec![cafe], both]);
        let own = &site.pages[storage].note.as_ref().expect("note").blocks[0];
        assert!(matcher.block_targets(own, storage, &site.by_identity).is_empty());
    }

    #[test]
    fn mentions_come_back_block_by_block_and_cut_short_ones_stop() {
        let mut m = NoteMentions::default();
        m.push(0, &[3]);
        m.push(4, &[1, 2]);
        let all: Vec<(u32, Vec<u32>)> = m.iter().map(|(b, n)| (b, n.to_vec())).collect();
        assert_eq!(all, [(0, vec![3]), (4, vec![1, 2])]);
        let cut = NoteMentions(vec![0, 1, 3, 4, 9, 1]);
        assert_eq!(cut.iter().count(), 1, "a count past the end ends the list");
    }

    #[test]
    fn matches_whole_words_only() {
        assert!(is_whole_word("see storage here", 4, 11));
        assert!(!is_whole_word("see storages", 4, 11));
        assert!(is_whole_word("storage", 0, 7));
    }
}
