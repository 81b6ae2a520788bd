//! CACHE, what changed: signatures (64-bit hashes) of everything a rendered
//! file depends on, so that `serve` renders again only the files whose
//! inputs changed (`build`, which drives this module, makes coarser
//! page-level signatures from the blocks' [`Listing`]s kept in the parse
//! cache and the pieces here; both hash with [`Fp`] of `util::hash`).
//!
//! A page's HTML depends on its own note and the links in it, on the pages it
//! names (their names, slugs, publishing), on the blocks of other notes it
//! shows (linked and unlinked references), on what it embeds (transitively),
//! and on the site-wide parts every page has (the sidebar, the configuration,
//! the templates). [`Sigs::page_sig`] hashes all of that; notes that use queries,
//! `{{namespace}}` or the user's macros can show anything, so their signature
//! changes on every rebuild.

use std::collections::{BTreeSet, HashMap};

use crate::load::LogseqConfig;
use crate::parse::inline::{self, Inline};
use crate::parse::{BodyNode, Note, refs};
use crate::resolve::{Anchors, Page, PageId, Site};

pub use crate::util::hash::Fp;
use crate::util::hash::first_u64;

/// What a note's text refers to beyond plain links: embeds, block refs, dynamic macros.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoteMeta {
    /// Pages embedded with `{{embed [[page]]}}`.
    pub embeds: Vec<String>,
    /// Blocks embedded with `{{embed ((uuid))}}`.
    pub embedded_blocks: Vec<String>,
    /// Blocks referred to or embedded, by UUID.
    pub block_refs: Vec<String>,
    /// Uses a query, `{{namespace}}` or a user macro: may show anything.
    pub dynamic: bool,
}

/// Hashes of one block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockSig {
    /// The block's own content (not its position in the file).
    pub own: u64,
    /// The block with all its descendants.
    pub tree: u64,
}

/// Signatures of one parsed note.
#[derive(Debug, Clone)]
pub struct NoteSigs {
    /// The source (path, name, text).
    pub content: u64,
    /// Per block.
    pub blocks: Vec<BlockSig>,
    /// Embeds and macros.
    pub meta: NoteMeta,
}

impl NoteSigs {
    /// Signatures of `note`, whose source hashed to `content`.
    pub fn of(note: &Note, content: u64, logseq: &LogseqConfig) -> NoteSigs {
        NoteSigs { content, blocks: block_sigs(note), meta: note_meta(note, logseq) }
    }
}

/// The signatures of every block of `note`, in block order: each block's
/// content (not where it sits in the file: a block moved down by an edit
/// above it keeps its signature), and with all its descendants.
pub fn block_sigs(note: &Note) -> Vec<BlockSig> {
    let mut bytes = Vec::new();
    let own: Vec<u64> = note
        .blocks
        .iter()
        .map(|block| {
            bytes.clear();
            block.content_bytes(&mut bytes);
            first_u64(blake3::hash(&bytes))
        })
        .collect();
    let mut tree = own.clone();
    for i in (0..note.blocks.len()).rev() {
        let mut fp = Fp::new("tree");
        fp.u64(own[i]);
        for &child in &note.blocks[i].children {
            fp.u64(tree.get(child).copied().unwrap_or_default());
        }
        tree[i] = fp.finish();
    }
    own.into_iter().zip(tree).map(|(own, tree)| BlockSig { own, tree }).collect()
}

/// How a block shows where another page lists it: in linked references
/// (with its children), in unlinked references and as the title of a block
/// reference (without them). Both hash the block's content, its anchor
/// (the link to it) and its breadcrumb (each parent's content and anchor),
/// so that an edit elsewhere in its note leaves them alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    /// The block without its children.
    pub own: u64,
    /// The block with all its descendants.
    pub tree: u64,
}

/// The [`Listing`] of every block of `note`, whose anchors are `anchors`.
pub fn listings(note: &Note, anchors: &Anchors) -> Vec<Listing> {
    let blocks = block_sigs(note);
    // Per block: its breadcrumb as its children show it (parents come
    // before their children in the note's order).
    let mut crumbs: Vec<u64> = Vec::with_capacity(blocks.len());
    let mut listings = Vec::with_capacity(blocks.len());
    for (i, (block, sig)) in note.blocks.iter().zip(&blocks).enumerate() {
        let anchor = anchors.get(i).unwrap_or("");
        let above = block.parent().and_then(|p| crumbs.get(p).copied()).unwrap_or(0);
        let hash = |tag: &str, sig: u64| Fp::new(tag).u64(sig).str(anchor).u64(above).finish();
        listings
            .push(Listing { own: hash("listed", sig.own), tree: hash("listed-tree", sig.tree) });
        crumbs.push(hash("crumb", sig.own));
    }
    listings
}

fn markdown_texts<'a>(body: &'a [BodyNode], out: &mut Vec<&'a str>) {
    for node in body {
        match node {
            BodyNode::Markdown(text) => out.push(text),
            BodyNode::Container { children, .. } => markdown_texts(children, out),
            BodyNode::Verbatim { .. } => {}
        }
    }
}

/// What a note embeds, refers to and whether it is dynamic.
pub fn note_meta(note: &Note, logseq: &LogseqConfig) -> NoteMeta {
    let mut meta = NoteMeta::default();
    for block in &note.blocks {
        meta.block_refs.extend(block.block_refs().iter().cloned());
        let mut texts = Vec::new();
        markdown_texts(&block.body, &mut texts);
        texts.extend(block.properties.iter().map(|p| p.value.as_str()));
        texts.push(block.title());
        for text in texts {
            for piece in inline::scan(text) {
                let Inline::Macro(call) = piece else { continue };
                let name = call.name.to_ascii_lowercase();
                let arg = call.args.first().copied().unwrap_or("").trim();
                match name.as_str() {
                    "embed" => match refs::link_page(arg) {
                        Some(page) => meta.embeds.push(page),
                        None => {
                            let uuid = arg.trim_start_matches("((").trim_end_matches("))").trim();
                            meta.embedded_blocks.push(uuid.to_ascii_lowercase());
                            meta.block_refs.push(uuid.to_ascii_lowercase());
                        }
                    },
                    "query" | "namespace" => meta.dynamic = true,
                    other if logseq.macros.iter().any(|(n, _)| n == other || n == call.name) => {
                        meta.dynamic = true
                    }
                    _ => {}
                }
            }
        }
    }
    meta.block_refs.sort();
    meta.block_refs.dedup();
    meta
}

/// What a link to a page shows: its identity, name, file and whether it is published.
pub fn page_t(page: &Page) -> u64 {
    Fp::new("page")
        .str(&page.identity)
        .str(&page.name)
        .str(&page.slug)
        .str(&format!("{:?}{:?}{}", page.kind, page.journal, page.published))
        .finish()
}

/// Signatures kept between rebuilds that leave the site's structure alone.
#[derive(Debug, Default)]
pub struct SigCache {
    t: Vec<u64>,
    links: HashMap<(PageId, bool), u64>,
    parts: References,
}

/// Per page, the hash of the blocks each other page contributes to its
/// linked (`true`) and unlinked references.
type References = HashMap<PageId, HashMap<(bool, PageId), u64>>;

/// Per-rebuild signature tables.
pub struct Sigs<'a> {
    /// The site.
    pub site: &'a Site,
    /// Signatures of every note, by path.
    pub notes: &'a HashMap<String, NoteSigs>,
    /// `page_t` of every page.
    pub t: Vec<u64>,
    /// Changes on every rebuild (for dynamic notes).
    pub nonce: u64,
    links: HashMap<(PageId, bool), u64>,
    parts: References,
    /// Pages whose cached parts are stale; `None`: trust no cached part.
    stale: Option<BTreeSet<PageId>>,
}

impl<'a> Sigs<'a> {
    /// Tables for `site`.
    pub fn new(site: &'a Site, notes: &'a HashMap<String, NoteSigs>, nonce: u64) -> Sigs<'a> {
        Self::with_cache(site, notes, nonce, SigCache::default())
    }

    /// Tables for `site`, reusing what `cache` kept from the same site before
    /// the pages in its `stale` list changed.
    pub fn with_cache(
        site: &'a Site,
        notes: &'a HashMap<String, NoteSigs>,
        nonce: u64,
        cache: SigCache,
    ) -> Sigs<'a> {
        let t = match cache.t.len() == site.pages.len() {
            true => cache.t,
            false => site.pages.iter().map(page_t).collect(),
        };
        // Without a list of what changed, nothing cached can be trusted.
        Sigs { site, notes, t, nonce, links: cache.links, parts: cache.parts, stale: None }
    }

    /// Fresh tables for the same site sharing this one's page signatures
    /// (one per thread, to compute signatures in parallel).
    pub fn fork(&self) -> Sigs<'a> {
        Sigs {
            site: self.site,
            notes: self.notes,
            t: self.t.clone(),
            nonce: self.nonce,
            links: HashMap::new(),
            parts: HashMap::new(),
            stale: None,
        }
    }

    /// Forgets what depends on the notes of `pages` (their content, or what
    /// they pull in, changed).
    pub fn forget(&mut self, pages: &BTreeSet<PageId>) {
        self.links.retain(|(page, _), _| !pages.contains(page));
        self.stale = Some(pages.clone());
    }

    /// What may be kept for the next rebuild if the site's structure stays.
    pub fn into_cache(self) -> SigCache {
        SigCache { t: self.t, links: self.links, parts: self.parts }
    }

    fn note_sigs(&self, page: PageId) -> Option<&'a NoteSigs> {
        let note = self.site.pages[page].note.as_ref()?;
        self.notes.get(&note.rel_path)
    }

    /// The pages whose blocks a page's note shows in full: embedded pages
    /// and the pages of embedded blocks (what they embed shows too).
    pub fn embeds_of(&self, page: PageId) -> Vec<PageId> {
        let Some(sigs) = self.note_sigs(page) else { return Vec::new() };
        let site = self.site;
        let mut pages: Vec<PageId> =
            sigs.meta.embeds.iter().filter_map(|name| site.lookup_id(name)).collect();
        pages.extend(
            sigs.meta.embedded_blocks.iter().filter_map(|u| site.by_uuid.get(u)).map(|l| l.page()),
        );
        pages
    }

    /// The pages of blocks a page's note refers to (their titles show, without
    /// further block references).
    pub fn refs_of(&self, page: PageId) -> Vec<PageId> {
        let Some(sigs) = self.note_sigs(page) else { return Vec::new() };
        sigs.meta
            .block_refs
            .iter()
            .filter_map(|u| self.site.by_uuid.get(u))
            .map(|l| l.page())
            .collect()
    }

    /// The block UUIDs a page's note names (referred to or embedded).
    pub fn block_refs_of(&self, page: PageId) -> &'a [String] {
        self.note_sigs(page).map_or(&[], |s| s.meta.block_refs.as_slice())
    }

    /// Whether a page's note embeds pages or blocks.
    pub fn has_embeds(&self, page: PageId) -> bool {
        self.note_sigs(page)
            .is_some_and(|s| !s.meta.embeds.is_empty() || !s.meta.embedded_blocks.is_empty())
    }

    /// Whether a page's note may show anything (queries and the like).
    pub fn is_dynamic(&self, page: PageId) -> bool {
        self.note_sigs(page).is_some_and(|s| s.meta.dynamic)
    }

    /// A page's own note as it renders: its content and every link in it.
    fn local(&self, page: PageId) -> u64 {
        let site = self.site;
        let mut fp = Fp::new("local");
        fp.u64(self.t[page]);
        let (Some(note), Some(sigs)) = (&site.pages[page].note, self.note_sigs(page)) else {
            return fp.finish();
        };
        fp.u64(sigs.content);
        if sigs.meta.dynamic {
            fp.u64(self.nonce);
        }
        for name in note.blocks.iter().flat_map(|b| b.page_refs.iter().chain(&b.tags)) {
            fp.str(name);
            match site.lookup_id(name) {
                Some(target) => fp.u64(self.t[target]),
                None => fp.u64(0),
            };
        }
        for uuid in &sigs.meta.block_refs {
            fp.str(uuid);
            if let Some(loc) = site.by_uuid.get(uuid) {
                fp.u64(self.t[loc.page()]).u64(loc.block() as u64);
            }
        }
        fp.finish()
    }

    /// The pages a page embeds, directly or through other embeds (with the
    /// page itself when an embed cycle leads back to it).
    fn embedded(&self, page: PageId) -> BTreeSet<PageId> {
        let mut visited = BTreeSet::from([page]);
        let mut embedded = BTreeSet::new();
        let mut queue = vec![page];
        while let Some(p) = queue.pop() {
            for next in self.embeds_of(p) {
                embedded.insert(next);
                if visited.insert(next) {
                    queue.push(next);
                }
            }
        }
        embedded
    }

    /// A referenced block as a block reference shows it: its page, anchor,
    /// own content and where the links in it lead.
    fn block_ref(&self, uuid: &str) -> u64 {
        let site = self.site;
        let mut fp = Fp::new("block-ref");
        fp.str(uuid);
        let Some(loc) = site.by_uuid.get(uuid) else { return fp.finish() };
        let page = &site.pages[loc.page()];
        fp.u64(self.t[loc.page()]).u64(loc.block() as u64);
        fp.str(page.anchors.get(loc.block()).unwrap_or(""));
        let (Some(note), Some(sigs)) = (&page.note, self.note_sigs(loc.page())) else {
            return fp.finish();
        };
        fp.u64(sigs.blocks.get(loc.block()).map_or(0, |b| b.own));
        if sigs.meta.dynamic {
            fp.u64(self.nonce);
        }
        for name in
            note.blocks.get(loc.block()).into_iter().flat_map(|b| b.page_refs.iter().chain(&b.tags))
        {
            fp.str(name);
            match site.lookup_id(name) {
                Some(target) => fp.u64(self.t[target]),
                None => fp.u64(0),
            };
        }
        fp.finish()
    }

    /// A page's note as it renders: its content, every link in it, what it
    /// embeds and the blocks it refers to.
    pub fn links(&mut self, page: PageId) -> u64 {
        if let Some(&sig) = self.links.get(&(page, true)) {
            return sig;
        }
        let sig = self.with_pulled(page);
        self.links.insert((page, true), sig);
        sig
    }

    /// What any block of a page may show from elsewhere: the pages it
    /// embeds (and what they embed), and anything at all for dynamic notes.
    /// With `Sigs::shown_block`, what a page showing some of its blocks needs.
    pub fn context(&mut self, page: PageId) -> u64 {
        if let Some(&sig) = self.links.get(&(page, false)) {
            return sig;
        }
        let mut fp = Fp::new("context");
        if self.is_dynamic(page) {
            fp.u64(self.nonce);
        }
        for embedded in self.embedded(page) {
            fp.u64(self.local(embedded));
            for uuid in self.block_refs_of(embedded) {
                fp.u64(self.block_ref(uuid));
            }
        }
        let sig = fp.finish();
        self.links.insert((page, false), sig);
        sig
    }

    fn with_pulled(&self, page: PageId) -> u64 {
        let mut fp = Fp::new("links");
        fp.u64(self.local(page));
        let embedded = self.embedded(page);
        for &p in &embedded {
            fp.u64(self.local(p));
        }
        for p in embedded.into_iter().chain(std::iter::once(page)) {
            for uuid in self.note_sigs(p).into_iter().flat_map(|s| &s.meta.block_refs) {
                fp.u64(self.block_ref(uuid));
            }
        }
        fp.finish()
    }

    /// A block of `page` as another page shows it: the block (with its
    /// children when `tree`), its anchor and its breadcrumb.
    fn shown_block(&self, page: PageId, block: usize, tree: bool) -> u64 {
        let site_page = &self.site.pages[page];
        let mut fp = Fp::new("shown");
        let (Some(note), Some(sigs)) = (&site_page.note, self.note_sigs(page)) else {
            return fp.finish();
        };
        let Some(b) = sigs.blocks.get(block) else { return fp.finish() };
        fp.u64(if tree { b.tree } else { b.own });
        // Where the links of the shown blocks lead, and the blocks they refer to.
        let mut shown = vec![block];
        while let Some(i) = shown.pop() {
            let Some(b) = note.blocks.get(i) else { continue };
            for name in b.page_refs.iter().chain(&b.tags) {
                match self.site.lookup_id(name) {
                    Some(target) => fp.u64(self.t[target]),
                    None => fp.u64(0),
                };
            }
            for uuid in b.block_refs() {
                fp.u64(self.block_ref(uuid));
            }
            if tree {
                shown.extend(&b.children);
            }
        }
        let mut at = Some(block);
        while let Some(i) = at {
            fp.str(site_page.anchors.get(i).unwrap_or(""));
            if i != block {
                fp.u64(sigs.blocks.get(i).map_or(0, |b| b.own));
            }
            at = note.blocks.get(i).and_then(|b| b.parent());
        }
        fp.finish()
    }

    /// Everything the HTML of a published page depends on, given the
    /// site-wide `base`, its place among the journals and its local graph.
    pub fn page_sig(
        &mut self,
        page: PageId,
        base: u64,
        neighbours: (Option<PageId>, Option<PageId>),
        local_graph: u64,
    ) -> u64 {
        let mut fp = Fp::new("page-html");
        fp.u64(base).u64(self.t[page]).u64(self.links(page)).u64(local_graph);
        let p = &self.site.pages[page];
        for list in [&p.tags, &p.namespace, &p.tagged] {
            fp.u64(list.len() as u64);
            for &id in list.iter() {
                fp.u64(self.t[id]);
            }
        }
        if !p.children.is_empty() {
            fp.u64(self.descendants(page));
        }
        fp.u64(p.backlinks.len() as u64).u64(p.unlinked.len() as u64);
        fp.u64(self.references(page));
        for neighbour in [neighbours.0, neighbours.1] {
            fp.u64(neighbour.map_or(0, |n| self.t[n]));
        }
        fp.finish()
    }

    /// A page's linked and unlinked references: a sum over the pages they
    /// come from (the order they show in follows from the set of blocks), so
    /// that after a patch only the parts of the changed pages are hashed again.
    fn references(&mut self, page: PageId) -> u64 {
        let p = &self.site.pages[page];
        let cached = self.parts.remove(&page).filter(|_| self.stale.is_some());
        let parts = match cached {
            Some(mut parts) => {
                let stale: Vec<PageId> = self.stale.iter().flatten().copied().collect();
                for source in stale {
                    for linked in [true, false] {
                        match self.part(page, source, linked) {
                            Some(part) => parts.insert((linked, source), part),
                            None => parts.remove(&(linked, source)),
                        };
                    }
                }
                parts
            }
            None => {
                let mut parts = HashMap::new();
                let sources: BTreeSet<(bool, PageId)> =
                    (p.backlinks.iter().map(|l| (true, l.page())))
                        .chain(p.unlinked.iter().map(|l| (false, l.page())))
                        .collect();
                for (linked, source) in sources {
                    if let Some(part) = self.part(page, source, linked) {
                        parts.insert((linked, source), part);
                    }
                }
                parts
            }
        };
        let sum = parts.values().fold(0u64, |sum, part| sum.wrapping_add(*part));
        self.parts.insert(page, parts);
        sum
    }

    /// The blocks of `source` that `page` lists as linked (or unlinked) references.
    fn part(&mut self, page: PageId, source: PageId, linked: bool) -> Option<u64> {
        let p = &self.site.pages[page];
        let list = if linked { &p.backlinks } else { &p.unlinked };
        let start = list.partition_point(|l| l.page() < source);
        let end = list.partition_point(|l| l.page() <= source);
        if start == end {
            return None;
        }
        let mut fp = Fp::new(if linked { "linked" } else { "unlinked" });
        fp.u64(self.t[source]).u64(self.context(source));
        for loc in &list[start..end] {
            fp.u64(loc.block() as u64).u64(self.shown_block(source, loc.block(), linked));
        }
        Some(fp.finish())
    }

    /// The namespace tree under a page, as it renders.
    pub fn descendants(&self, page: PageId) -> u64 {
        let mut fp = Fp::new("descendants");
        let mut stack = vec![(page, 0u64)];
        while let Some((p, depth)) = stack.pop() {
            fp.u64(self.t[p]).u64(depth);
            for &child in self.site.pages[p].children.iter().rev() {
                stack.push((child, depth + 1));
            }
        }
        fp.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::SourceFile;

    fn listings_of(text: &str) -> Vec<Listing> {
        let source = SourceFile {
            rel_path: "pages/A.md".into(),
            name: "A".into(),
            journal: None,
            text: text.into(),
        };
        let note = crate::parse::parse_note(&source);
        listings(&note, &crate::resolve::note_anchors(&note))
    }

    const NOTE: &str = "- parent\n\t- child [[B]]\n\t\t- grandchild\n- sibling\n";

    #[test]
    fn a_listing_changes_with_what_the_list_shows_and_nothing_else() {
        let before = listings_of(NOTE);
        assert_eq!(before.len(), 4);
        assert_ne!(before[1].own, before[1].tree, "the two kinds are told apart");

        // An edit elsewhere, and blocks moved down by a block above them.
        let sibling = listings_of(&NOTE.replace("sibling", "sibling, edited"));
        assert_eq!(sibling[..3], before[..3]);
        assert_ne!(sibling[3], before[3]);
        let moved = listings_of(&format!("- first\n{NOTE}"));
        assert_eq!(moved[1..], before[..], "where a block sits is not part of it");

        // A grandchild shows under its ancestors in linked references only.
        let grandchild = listings_of(&NOTE.replace("grandchild", "grandchild, edited"));
        assert_eq!((grandchild[1].own, grandchild[0].own), (before[1].own, before[0].own));
        assert_ne!(grandchild[1].tree, before[1].tree);
        assert_ne!(grandchild[0].tree, before[0].tree);

        // A parent shows in its children's breadcrumbs.
        let parent = listings_of(&NOTE.replace("- parent", "- parent, edited"));
        assert_ne!(parent[1].own, before[1].own);
        assert_ne!(parent[2].own, before[2].own);
        assert_eq!(parent[3], before[3]);
    }
}
