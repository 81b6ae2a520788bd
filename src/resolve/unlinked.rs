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
    let mut patterns: Vec<String> = Vec::new();
    let mut owners: Vec<PageId> = Vec::new();
    for (id, page) in pages.iter().enumerate().filter(|(_, p)| p.published && p.journal.is_none()) {
        for name in std::iter::once(&page.name).chain(&page.aliases) {
            let lower = name.trim().to_lowercase();
            if lower.chars().count() >= MIN_NAME_CHARS {
                patterns.push(lower);
                owners.push(id);
            }
        }
    }
    if patterns.is_empty() {
        return;
    }
    let Ok(matcher) = AhoCorasick::new(&patterns) else { return };
    let found: Vec<(PageId, BlockLoc)> = pages
        .par_iter()
        .enumerate()
        .filter(|(_, p)| p.published)
        .flat_map_iter(|(page_id, page)| {
            let blocks = page.note.as_ref().map(|n| n.blocks.as_slice()).unwrap_or(&[]);
            let matcher = &matcher;
            let owners = &owners;
            blocks.iter().enumerate().flat_map(move |(i, block)| {
                let targets = block_targets(block, page_id, matcher, owners, by_identity);
                targets.into_iter().map(move |t| (t, BlockLoc { page: page_id, block: i }))
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

/// The pages (`owners` of `matcher`'s patterns) whose name a block of
/// `page` mentions as a whole word without linking it, sorted, unique.
pub fn block_targets(
    block: &Block,
    page: PageId,
    matcher: &AhoCorasick,
    owners: &[PageId],
    by_identity: &HashMap<String, PageId>,
) -> Vec<PageId> {
    if block.text.is_empty() {
        return Vec::new();
    }
    let text = block.text.to_lowercase();
    let mut targets: Vec<PageId> = matcher
        .find_overlapping_iter(&text)
        .filter(|m| is_whole_word(&text, m.start(), m.end()))
        .map(|m| owners[m.pattern().as_usize()])
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

fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_whole_words_only() {
        assert!(is_whole_word("see storage here", 4, 11));
        assert!(!is_whole_word("see storages", 4, 11));
        assert!(is_whole_word("storage", 0, 7));
    }
}
