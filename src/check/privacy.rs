//! The privacy report: unpublished pages that published pages link to.
//!
//! A link to an unpublished page renders as plain text, so nothing leaks but
//! its name; still, an author who marked a page `public:: false` (or left it
//! out of a `public-only` site) wants to know where its name is mentioned.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::resolve::{PageId, Site, identity};

/// One block of a published page that links to an unpublished page.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LinkSource {
    /// The linking file, relative to the graph root.
    pub path: String,
    /// 1-based line of the linking block.
    pub line: usize,
    /// The linking page's name.
    pub page: String,
}

/// An unpublished page and the published blocks that link to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnpublishedLink {
    /// The unpublished page's name.
    pub page: String,
    /// Its file, when it has one.
    pub path: Option<String>,
    /// Where published pages link to it (page refs, tags, embeds, block refs), sorted.
    pub linked_from: Vec<LinkSource>,
}

/// Every unpublished page linked from a published page, sorted by page name.
pub fn unpublished_links(site: &Site) -> Vec<UnpublishedLink> {
    let mut found: BTreeMap<PageId, Vec<LinkSource>> = BTreeMap::new();
    for (_, page) in site.published() {
        let Some(note) = &page.note else { continue };
        for block in &note.blocks {
            for target in targets(site, block) {
                let source = LinkSource {
                    path: note.rel_path.clone(),
                    line: block.line as usize,
                    page: page.name.clone(),
                };
                found.entry(target).or_default().push(source);
            }
        }
    }
    let mut report: Vec<UnpublishedLink> = found
        .into_iter()
        .map(|(id, mut linked_from)| {
            linked_from.sort();
            linked_from.dedup();
            let page = &site.pages[id];
            let path = page.note.as_ref().map(|n| n.rel_path.clone());
            UnpublishedLink { page: page.name.clone(), path, linked_from }
        })
        .collect();
    report.sort_by(|a, b| (a.page.to_lowercase(), &a.path).cmp(&(b.page.to_lowercase(), &b.path)));
    report
}

/// The unpublished pages one block points at: by name (links, tags, page
/// embeds, property values) or through a block ref or block embed.
fn targets(site: &Site, block: &crate::parse::Block) -> Vec<PageId> {
    let by_name =
        block.page_refs.iter().filter_map(|name| site.by_identity.get(&identity(name)).copied());
    let by_block =
        block.block_refs().iter().filter_map(|uuid| site.by_uuid.get(uuid).map(|l| l.page()));
    let mut ids: Vec<PageId> =
        by_name.chain(by_block).filter(|&id| !site.pages[id].published).collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}
