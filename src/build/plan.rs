//! BUILD, the plan: the signature of every output file's inputs, compared
//! with the previous build's to find what must be rendered again.

use super::*;

/// Whether the previous build's page entry has this signature and local map.
pub(super) fn fresh(entry: Option<&PageEntry>, sig: u64, local: u64) -> bool {
    entry.is_some_and(|e| e.sig == sig && e.local == local)
}

/// What must be rendered, from the signatures of everything.
///
/// The signatures are cheap enough for every build: with the set of pages
/// the same (the `pages` signature: every page's name, file and
/// publishing), a link resolves to the same page, so a page's HTML follows
/// from its own note and what it pulls in (the pages it embeds, whole; the
/// blocks it refers to, as their [`Listing`]), the blocks its linked and
/// unlinked references list (each as its `Listing`, with what its note
/// pulls in), its journal neighbours, its local map and what every page
/// shows. A new, renamed or deleted page changes the `pages` signature and
/// every page renders again.
pub(super) struct Plan {
    pub(super) shared: Shared,
    pub(super) base: u64,
    pub(super) graph_sig: u64,
    /// Every published page: id, path, signature, local-graph hash.
    pub(super) pages: Vec<(PageId, String, u64, u64)>,
    /// Group name → signature.
    pub(super) groups: BTreeMap<&'static str, u64>,
}

impl Plan {
    pub(super) fn new(
        config: &SiteConfig,
        site: &Site,
        theme: &Theme,
        hashes: &HashMap<String, u64>,
        listings: &HashMap<String, Vec<Listing>>,
        previous: &Manifest,
        shared: Shared,
    ) -> Plan {
        let mut step = crate::util::timing::Steps::new("plan");
        let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
        let graph_sig = cache::graph_sig(&shared.graph);
        let base = cache::base_sig(config, site, &shared, cache::template_sig(config));
        let t: Vec<u64> = site.pages.par_iter().map(crate::cache::sig::page_t).collect();
        let all_pages = t.iter().fold(Fp::new("pages"), |mut fp, &t| {
            fp.u64(t);
            fp
        });
        let nonce = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        step.done("base signatures");
        let sources = Sources::new(site, hashes, listings, nonce);
        step.done("sources");
        let common = Fp::new("common").u64(base).u64(all_pages.finish()).finish();
        // The local maps, compared apart from the signature: unchanged with
        // the graph; when it changed, each page's map is made and compared
        // with the hash of the one it was rendered with.
        let same_graph = previous.graph == graph_sig && !previous.pages.is_empty();
        let pages: Vec<(PageId, String, u64, u64)> = ids
            .par_iter()
            .map(|&id| {
                let path = site.pages[id].file_name();
                let local = match previous.pages.get(&path) {
                    Some(entry) if same_graph => entry.local,
                    _ if previous.pages.is_empty() => 0,
                    _ => shared.graph.local_sig(id),
                };
                let mut fp = Fp::new("page");
                fp.u64(common).u64(sources.page(id));
                let (prev, next) = shared.neighbours(id);
                fp.u64(prev.map_or(0, |p| t[p])).u64(next.map_or(0, |n| t[n]));
                (id, path, fp.finish(), local)
            })
            .collect();
        step.done("page signatures");
        let mut groups = BTreeMap::new();
        let mut index = Fp::new("index");
        index.u64(common);
        for &id in &ids {
            let page = &site.pages[id];
            index.u64(page.backlinks.len() as u64).u64(page.tag_uses as u64);
        }
        for &journal in shared.journals.iter().take(100) {
            index.u64(sources.page(journal));
        }
        if let Some(home) = render::home_page(site) {
            // A page as home page shows its local map too.
            index.u64(home as u64).u64(sources.page(home)).u64(graph_sig);
        }
        for (slug, target) in &site.redirects {
            index.str(slug).u64(*target as u64);
        }
        groups.insert("index", index.finish());
        groups.insert("fixed", cache::fixed_sig(base, theme, site));
        groups.insert("graph", Fp::new("graph-page").u64(base).u64(graph_sig).finish());
        let mut feeds = Fp::new("feeds");
        feeds.u64(common);
        for &id in &ids {
            feeds.u64(sources.own(id)).u64(site.pages[id].backlinks.len() as u64);
        }
        groups.insert("feeds", feeds.finish());
        step.done("group signatures");
        // Blocks shown on several pages render once; worth it only when
        // many pages render (the output is the same either way).
        let stale: std::collections::HashSet<PageId> = pages
            .iter()
            .filter(|(_, path, sig, local)| !fresh(previous.pages.get(path), *sig, *local))
            .map(|(id, ..)| *id)
            .collect();
        let mut shared = shared;
        if stale.len() > 64 {
            // The home page shows a page a second time, as index.html.
            let home = render::home_page(site);
            shared.blocks = render::page::shown_references(site, |id| {
                u32::from(stale.contains(&id)) + u32::from(home == Some(id))
            });
        }
        step.done("blocks shown in references");
        Plan { shared, base, graph_sig, pages, groups }
    }
}

/// What each page's note brings to the pages that show it.
pub(super) struct Sources<'a> {
    pub(super) site: &'a Site,
    /// Per page: its note's content hash (with the nonce for a dynamic note).
    pub(super) own: Vec<u64>,
    /// Per page: how its note's blocks show in reference lists (empty when unknown).
    pub(super) listings: Vec<&'a [Listing]>,
    /// Per page: what its note pulls in from other notes (see [`Sources::pulled`]).
    pub(super) pulled: Vec<u64>,
}

impl<'a> Sources<'a> {
    pub(super) fn new(
        site: &'a Site,
        hashes: &HashMap<String, u64>,
        listings: &'a HashMap<String, Vec<Listing>>,
        nonce: u64,
    ) -> Sources<'a> {
        let loc_of = |uuid: &String| site.by_uuid.get(uuid).copied();
        // Per page: its own hash, whether it is dynamic, the blocks it refers
        // to (a reference shows the block's first line, without further
        // references), and the pages it embeds (shown in full, embeds too;
        // an embedded block's whole page counts).
        let direct: Vec<(u64, bool, Vec<BlockLoc>, Vec<PageId>)> = site
            .pages
            .par_iter()
            .map(|page| {
                let Some(note) = &page.note else { return (0, false, Vec::new(), Vec::new()) };
                let own = hashes.get(&note.rel_path).copied().unwrap_or_default();
                let mut refs: Vec<BlockLoc> = note
                    .blocks
                    .iter()
                    .flat_map(|b| b.block_refs().iter().filter_map(loc_of))
                    .collect();
                let mut embeds = Vec::new();
                let mut dynamic = false;
                if note.blocks.iter().any(|b| b.source_contains("{{")) {
                    let meta = crate::cache::sig::note_meta(note, &site.logseq);
                    dynamic = meta.dynamic;
                    for name in &meta.embeds {
                        embeds.extend(site.lookup_id(name));
                    }
                    embeds.extend(meta.embedded_blocks.iter().filter_map(loc_of).map(|l| l.page()));
                    refs.extend(meta.block_refs.iter().filter_map(loc_of));
                }
                refs.sort_unstable();
                refs.dedup();
                embeds.sort_unstable();
                embeds.dedup();
                (own, dynamic, refs, embeds)
            })
            .collect();
        let nonce: Vec<u64> = direct.iter().map(|d| if d.1 { nonce } else { 0 }).collect();
        let own = direct.iter().zip(&nonce).map(|(d, nonce)| d.0 ^ nonce).collect();
        // A note's listings count only when they are its blocks' (else its
        // blocks are hashed as the whole note).
        let listings = site
            .pages
            .iter()
            .map(|page| {
                let Some(note) = &page.note else { return &[][..] };
                match listings.get(&note.rel_path) {
                    Some(known) if known.len() == note.blocks.len() => known.as_slice(),
                    _ => &[][..],
                }
            })
            .collect();
        let mut sources = Sources { site, own, listings, pulled: Vec::new() };
        // What each note pulls in: the nonce of a dynamic note, the pages it
        // embeds (and they embed) in full, the blocks whose titles it and
        // they show.
        sources.pulled = (0..site.pages.len())
            .into_par_iter()
            .map(|page| {
                let mut refs: BTreeSet<BlockLoc> = direct[page].2.iter().copied().collect();
                let mut embedded = BTreeSet::new();
                let mut queue = direct[page].3.clone();
                while let Some(p) = queue.pop() {
                    if embedded.insert(p) {
                        refs.extend(&direct[p].2);
                        queue.extend(&direct[p].3);
                    }
                }
                let mut fp = Fp::new("pulled");
                fp.u64(nonce[page]);
                for p in embedded {
                    fp.u64(p as u64).u64(sources.own[p]);
                }
                for loc in refs {
                    fp.u64(loc.page() as u64).u64(sources.listed(loc, false));
                }
                fp.finish()
            })
            .collect();
        sources
    }

    /// A page's own note.
    pub(super) fn own(&self, page: PageId) -> u64 {
        self.own[page]
    }

    /// A page's note with everything it pulls in.
    pub(super) fn shown(&self, page: PageId, fp: &mut Fp) {
        fp.u64(self.own[page]);
        self.pulled(page, fp);
    }

    /// What a page's note pulls in from other notes (and the nonce of a
    /// dynamic note): what its blocks may show besides their own content.
    pub(super) fn pulled(&self, page: PageId, fp: &mut Fp) {
        fp.u64(self.pulled[page]);
    }

    /// A block as a reference list (`tree`: with its children) or a block
    /// reference shows it: see [`Listing`]; its whole note when unknown.
    pub(super) fn listed(&self, loc: BlockLoc, tree: bool) -> u64 {
        match self.listings[loc.page()].get(loc.block()) {
            Some(listing) if tree => listing.tree,
            Some(listing) => listing.own,
            None => Fp::new("whole").u64(self.own[loc.page()]).u64(loc.block() as u64).finish(),
        }
    }

    /// Everything the HTML of `page` shows from notes: its own, and, for
    /// the blocks its references list, which blocks they are, how each
    /// shows and what its note pulls in: an edit elsewhere in a listed
    /// block's note leaves the page alone.
    pub(super) fn page(&self, page: PageId) -> u64 {
        let mut fp = Fp::new("sources");
        self.shown(page, &mut fp);
        let p = &self.site.pages[page];
        for list in [&p.tags, &p.tagged, &p.namespace] {
            fp.u64(list.len() as u64);
            for &id in list.iter() {
                fp.u64(id as u64);
            }
        }
        // Linked references show their blocks' children, unlinked ones not.
        for (list, tree) in [(&p.backlinks, true), (&p.unlinked, false)] {
            fp.u64(list.len() as u64);
            let mut last = None;
            for &loc in list.iter() {
                if last != Some(loc.page()) {
                    self.pulled(loc.page(), &mut fp);
                    last = Some(loc.page());
                }
                // Not the block's place in its note: a block moved down
                // by an edit above it lists the same.
                fp.u64(loc.page() as u64).u64(self.listed(loc, tree));
            }
        }
        fp.finish()
    }
}
