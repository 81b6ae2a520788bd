//! Unlinked references: blocks that mention a page's name (or alias) as plain
//! text without linking it. One Aho-Corasick pass over every block's text.

use rustc_hash::FxHashMap as HashMap;
use std::collections::{BTreeMap, HashSet};

use aho_corasick::AhoCorasick;
use rayon::prelude::*;

use super::{BlockLoc, Page, PageId, identity};
use crate::parse::Block;

/// Names shorter than this (in characters) would match everywhere; they get no unlinked references.
const MIN_NAME_CHARS: usize = 3;
/// At most this many unlinked references are listed per page.
pub const MAX_PER_PAGE: usize = 100;

/// Fills `Page::unlinked` for every published page.
pub fn compute(pages: &mut [Page], by_identity: &HashMap<String, PageId>) {
    let Some(matcher) = Matcher::new(pages) else { return };
    let found: Vec<(PageId, BlockLoc)> = pages
        .par_iter()
        .enumerate()
        .filter(|(_, p)| p.published)
        .flat_map_iter(|(page_id, page)| {
            let blocks = page.note.as_ref().map(|n| n.blocks.as_slice()).unwrap_or(&[]);
            let matcher = &matcher;
            blocks.iter().enumerate().flat_map(move |(i, block)| {
                let targets = matcher.block_targets(block, page_id, by_identity);
                targets.into_iter().map(move |t| (t, BlockLoc::new(page_id, i)))
            })
        })
        .collect();
    let mut grouped: BTreeMap<PageId, Vec<BlockLoc>> = BTreeMap::new();
    for (target, loc) in found {
        grouped.entry(target).or_default().push(loc);
    }
    for (target, mut locs) in grouped {
        locs.sort_unstable();
        locs.truncate(MAX_PER_PAGE);
        pages[target].unlinked = locs;
    }
}

/// The names (and aliases) of the published pages other than journals, to
/// find in block text, each with its page.
pub struct Matcher {
    /// Lower-case names.
    names: AhoCorasick,
    /// The page of each name.
    owners: Vec<PageId>,
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
        let names = AhoCorasick::new(&patterns).ok()?;
        Some(Matcher { names, owners })
    }

    /// The pages whose name a block of `page` mentions as a whole word
    /// without linking it, sorted, unique.
    pub fn block_targets(
        &self,
        block: &Block,
        page: PageId,
        by_identity: &HashMap<String, PageId>,
    ) -> Vec<PageId> {
        if block.text().is_empty() {
            return Vec::new();
        }
        let text = block.text().to_lowercase();
        let mut targets: Vec<PageId> = self
            .names
            .find_overlapping_iter(&text)
            .filter(|m| is_whole_word(&text, m.start(), m.end()))
            .map(|m| self.owners[m.pattern().as_usize()])
            .filter(|&t| t != page)
            .collect();
        if targets.is_empty() {
            return targets;
        }
        // Pages the block links are not unlinked mentions.
        let linked: HashSet<PageId> =
            block.page_refs.iter().filter_map(|r| by_identity.get(&identity(r)).copied()).collect();
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
    fn matches_whole_words_only() {
        assert!(is_whole_word("see storage here", 4, 11));
        assert!(!is_whole_word("see storages", 4, 11));
        assert!(is_whole_word("storage", 0, 7));
    }
}
