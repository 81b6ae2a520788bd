//! SERVE, resolving again: one note's new content patched into the resolved
//! [`Site`] in place, when that gives exactly what [`crate::resolve::resolve`]
//! would give for the whole graph.
//!
//! Resolving a 10,000-page graph takes seconds; most edits change only a
//! note's text, not which pages exist, their names, aliases, tags, publishing
//! or block ids. For those, only what the note contributes to other pages
//! changes — its backlinks, unlinked references and tag counts — and its own
//! anchors and block ids. [`patch`] checks that the edit is of that kind and
//! applies it; anything else asks for a full resolve. Every rule here mirrors
//! one step of `resolve` (named in the comments); the serve tests compare the
//! patched site with a full resolve after each edit.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::config::PublishMode;
use crate::load::{LogseqConfig, journal_date};
use crate::parse::Note;
use crate::resolve::unlinked::{MAX_PER_PAGE, Matcher};
use crate::resolve::{BlockLoc, PageId, PageKind, Site, identity};

/// Indexes kept beside the site to patch it quickly.
#[derive(Default)]
pub struct Aux {
    /// Note path → its page.
    pub by_path: HashMap<String, PageId>,
    /// How many blocks of the site carry each UUID.
    uuid_counts: HashMap<String, usize>,
    /// The unlinked-reference matcher and the page of each pattern, built on first use.
    matcher: Option<Option<Matcher>>,
}

impl Aux {
    /// Indexes a freshly resolved site.
    pub fn new(site: &Site) -> Aux {
        let mut by_path = HashMap::new();
        let mut uuid_counts: HashMap<String, usize> = HashMap::new();
        for (id, page) in site.pages.iter().enumerate() {
            let Some(note) = &page.note else { continue };
            by_path.insert(note.rel_path.clone(), id);
            for uuid in note.blocks.iter().filter_map(|b| b.uuid()) {
                *uuid_counts.entry(uuid.to_string()).or_default() += 1;
            }
        }
        Aux { by_path, uuid_counts, matcher: None }
    }

    /// Builds the unlinked-reference matcher now rather than on the first patch.
    pub fn prepare(&mut self, site: &Site) {
        self.matcher(site);
    }

    fn matcher(&mut self, site: &Site) -> Option<&Matcher> {
        self.matcher.get_or_insert_with(|| Matcher::new(&site.pages)).as_ref()
    }
}

/// What a patch changed, for choosing the pages to render again.
#[derive(Debug, Default)]
pub struct Patched {
    /// The note's page.
    pub page: PageId,
    /// Pages whose linked or unlinked references show blocks of the note, before or after.
    pub targets: BTreeSet<PageId>,
    /// Pages whose tag count changed.
    pub tag_counts_changed: bool,
    /// Block UUIDs added, removed or moved.
    pub uuids: BTreeSet<String>,
    /// The links the note adds to the site's graph changed (see [`crate::graph`]).
    pub graph_changed: bool,
}

/// The identity `resolve` gives a referenced name (journal names in any format meet the journal).
pub fn ref_identity(name: &str, logseq: &LogseqConfig) -> String {
    let journal = std::iter::once(logseq.journal_title_format.as_str())
        .chain(journal_date::BUILTIN_FORMATS)
        .find_map(|format| journal_date::parse(name.trim(), format));
    match journal {
        Some(date) => identity(&journal_date::format(date, &logseq.journal_title_format)),
        None => identity(name.trim()),
    }
}

/// (backlink target, block) pairs a published page's note contributes (`compute_backlinks`).
pub fn backlink_targets(site: &Site, page: PageId, note: &Note) -> Vec<(PageId, BlockLoc)> {
    if !site.pages[page].published {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (i, block) in note.blocks.iter().enumerate() {
        let mut targets: Vec<PageId> = Vec::new();
        for name in &block.page_refs {
            let Some(&target) = site.by_identity.get(&identity(name)) else { continue };
            targets.push(target);
            targets.extend(site.pages[target].namespace.iter().copied());
        }
        targets.sort_unstable();
        targets.dedup();
        found.extend(
            targets.into_iter().filter(|&t| t != page).map(|t| (t, BlockLoc::new(page, i))),
        );
    }
    found
}

/// (unlinked target, block) pairs a published page's note contributes (`unlinked::compute`).
fn unlinked_targets(
    site: &Site,
    matcher: Option<&Matcher>,
    page: PageId,
    note: &Note,
) -> Vec<(PageId, BlockLoc)> {
    let Some(matcher) = matcher else { return Vec::new() };
    if !site.pages[page].published {
        return Vec::new();
    }
    let mut found = Vec::new();
    for (i, block) in note.blocks.iter().enumerate() {
        let targets = matcher.block_targets(block, page, &site.by_identity);
        found.extend(targets.into_iter().map(|t| (t, BlockLoc::new(page, i))));
    }
    found
}

/// Every page that shows blocks of `page`'s note in its references.
pub fn shown_in(site: &Site, aux: &mut Aux, page: PageId) -> BTreeSet<PageId> {
    let Some(note) = &site.pages[page].note else { return BTreeSet::new() };
    let mut targets: BTreeSet<PageId> =
        backlink_targets(site, page, note).into_iter().map(|(t, _)| t).collect();
    let matcher = aux.matcher(site);
    targets.extend(unlinked_targets(site, matcher, page, note).into_iter().map(|(t, _)| t));
    targets
}

/// What a note adds to the site's graph: the pages its blocks link to (as
/// `graph::out_links` finds them) and how many backlinks it gives each page.
fn graph_inputs(site: &Site, page: PageId, note: &Note) -> (Vec<PageId>, Vec<(PageId, BlockLoc)>) {
    let mut out: Vec<PageId> = note
        .blocks
        .iter()
        .flat_map(|b| &b.page_refs)
        .filter_map(|name| site.lookup_id(name))
        .collect();
    out.sort_unstable();
    let mut backlinks = backlink_targets(site, page, note);
    for (_, loc) in &mut backlinks {
        *loc = BlockLoc::new(loc.page(), 0);
    }
    backlinks.sort_unstable();
    (out, backlinks)
}

/// Tag uses a published page's note contributes (`link_tags_and_namespaces`).
fn tag_counts(site: &Site, page: PageId, note: &Note) -> BTreeMap<PageId, usize> {
    let mut counts = BTreeMap::new();
    if site.pages[page].published {
        for name in note.blocks.iter().flat_map(|b| &b.tags) {
            if let Some(&id) = site.by_identity.get(&identity(name)) {
                *counts.entry(id).or_default() += 1;
            }
        }
    }
    counts
}

/// Page properties that decide the site's structure (`add_aliases`, `add_references`, `mark_published`).
fn structural_properties(note: &Note) -> Vec<(&str, &str, &[String])> {
    note.properties
        .iter()
        .filter(|p| matches!(p.key.as_str(), "alias" | "tags" | "public"))
        .map(|p| (p.key.as_str(), p.value.as_str(), p.refs.as_slice()))
        .collect()
}

/// The references of a note that name pages without a file, in order, or
/// `None` when one names no page at all (a full resolve would create it).
/// Such pages take the name of their first reference, so these must not change.
fn refs_to_missing_pages(site: &Site, note: &Note, logseq: &LogseqConfig) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for name in note.blocks.iter().flat_map(|b| &b.page_refs) {
        let page = *site.by_identity.get(&ref_identity(name, logseq))?;
        if site.pages[page].kind == PageKind::Missing {
            names.push(name.trim().to_string());
        }
    }
    Some(names)
}

fn plain_ref_identities(note: &Note) -> BTreeSet<String> {
    note.blocks.iter().flat_map(|b| &b.page_refs).map(|r| identity(r)).collect()
}

fn uuids(note: &Note) -> Vec<&str> {
    note.blocks.iter().filter_map(|b| b.uuid()).collect()
}

/// Why an edit needs a full resolve, or `Ok` when it can be patched.
fn check(site: &Site, aux: &Aux, page: PageId, old: &Note, new: &Note) -> Result<(), String> {
    let logseq = &site.logseq;
    if old.name != new.name || old.journal != new.journal {
        return Err("the page name changed".into());
    }
    if structural_properties(old) != structural_properties(new) {
        return Err("alias, tags or public changed".into());
    }
    let old_missing = refs_to_missing_pages(site, old, logseq);
    match refs_to_missing_pages(site, new, logseq) {
        None => return Err("a link to a new page".into()),
        Some(names) if Some(&names) != old_missing.as_ref() => {
            return Err("links to pages without a file changed".into());
        }
        Some(_) => {}
    }
    if site.config.publish == PublishMode::PublicOnly
        && !logseq.all_pages_public
        && plain_ref_identities(old) != plain_ref_identities(new)
    {
        return Err("links changed on a public-only site".into());
    }
    let new_uuids = uuids(new);
    if new_uuids.iter().collect::<HashSet<_>>().len() != new_uuids.len() {
        return Err("a block id is used twice".into());
    }
    let unique_here = |uuid: &str| {
        aux.uuid_counts.get(uuid) == Some(&1)
            && site.by_uuid.get(uuid).is_some_and(|loc| loc.page() == page)
    };
    for uuid in &new_uuids {
        if site.by_uuid.contains_key(*uuid) && !unique_here(uuid) {
            return Err("a block id is shared with another page".into());
        }
    }
    if uuids(old).iter().any(|uuid| !unique_here(uuid)) {
        return Err("a block id was shared".into());
    }
    Ok(())
}

/// Groups (target, loc) pairs by target.
fn by_target(pairs: Vec<(PageId, BlockLoc)>) -> BTreeMap<PageId, Vec<BlockLoc>> {
    let mut grouped: BTreeMap<PageId, Vec<BlockLoc>> = BTreeMap::new();
    for (target, loc) in pairs {
        grouped.entry(target).or_default().push(loc);
    }
    grouped
}

/// The unlinked lists after the edit, or an error when a truncated list would need
/// references beyond its cut (only a full pass knows them).
fn new_unlinked_lists(
    site: &Site,
    page: PageId,
    old: &BTreeMap<PageId, Vec<BlockLoc>>,
    new: &BTreeMap<PageId, Vec<BlockLoc>>,
) -> Result<Vec<(PageId, Vec<BlockLoc>)>, String> {
    let targets: BTreeSet<PageId> = old.keys().chain(new.keys()).copied().collect();
    let mut lists = Vec::new();
    for target in targets {
        let (was, now) = (old.get(&target), new.get(&target));
        if was == now {
            continue;
        }
        let list = &site.pages[target].unlinked;
        if list.len() >= MAX_PER_PAGE {
            let last = list[MAX_PER_PAGE - 1].page();
            if page > last {
                continue;
            }
            let (was_len, now_len) = (was.map_or(0, Vec::len), now.map_or(0, Vec::len));
            if page == last || now_len < was_len {
                return Err("a long list of unlinked references shrank".into());
            }
        }
        let mut updated: Vec<BlockLoc> =
            list.iter().filter(|l| l.page() != page).copied().collect();
        updated.extend(now.into_iter().flatten().copied());
        updated.sort_unstable();
        updated.truncate(MAX_PER_PAGE);
        lists.push((target, updated));
    }
    Ok(lists)
}

/// Patches `new` (the re-parsed note of an existing page, diagnostics taken
/// out) into `site`; gives the note back with the reason when only a full
/// resolve gives the right site.
pub fn patch(site: &mut Site, aux: &mut Aux, new: Note) -> Result<Patched, Box<(Note, String)>> {
    let Some(&page) = aux.by_path.get(&new.rel_path) else {
        return Err(Box::new((new, "not the note of a page".into())));
    };
    let Some(old) = site.pages[page].note.as_ref() else {
        return Err(Box::new((new, "not the note of a page".into())));
    };
    if let Err(why) = check(site, aux, page, old, &new) {
        return Err(Box::new((new, why)));
    }
    let matcher = aux.matcher(site);
    let old_unlinked = by_target(unlinked_targets(site, matcher, page, old));
    let new_unlinked = by_target(unlinked_targets(site, matcher, page, &new));
    let unlinked_lists = match new_unlinked_lists(site, page, &old_unlinked, &new_unlinked) {
        Ok(lists) => lists,
        Err(why) => return Err(Box::new((new, why))),
    };
    let old_backlinks = by_target(backlink_targets(site, page, old));
    let new_backlinks = by_target(backlink_targets(site, page, &new));
    let old_tags = tag_counts(site, page, old);
    let new_tags = tag_counts(site, page, &new);
    let graph_changed = graph_inputs(site, page, old) != graph_inputs(site, page, &new);
    let mut patched = Patched { page, graph_changed, ..Patched::default() };
    patched.targets.extend(old_unlinked.keys().chain(new_unlinked.keys()));
    patched.targets.extend(old_backlinks.keys().chain(new_backlinks.keys()));
    patched.uuids = moved_uuids(old, &new);
    let old_uuids: Vec<String> = uuids(old).into_iter().map(str::to_string).collect();

    for (target, list) in unlinked_lists {
        site.pages[target].unlinked = list;
    }
    for target in old_backlinks.keys() {
        site.pages[*target].backlinks.retain(|l| l.page() != page);
    }
    for (target, locs) in new_backlinks {
        let list = &mut site.pages[target].backlinks;
        list.extend(locs);
        list.sort_unstable();
    }
    for (target, count) in &old_tags {
        site.pages[*target].tag_uses -= count;
    }
    for (target, count) in &new_tags {
        site.pages[*target].tag_uses += count;
    }
    patched.tag_counts_changed = old_tags != new_tags;
    for uuid in &old_uuids {
        site.by_uuid.remove(uuid);
        aux.uuid_counts.remove(uuid);
    }
    for (i, block) in new.blocks.iter().enumerate() {
        if let Some(uuid) = block.uuid() {
            site.by_uuid.insert(uuid.to_string(), BlockLoc::new(page, i));
            aux.uuid_counts.insert(uuid.to_string(), 1);
        }
    }
    site.pages[page].anchors = crate::resolve::note_anchors(&new);
    site.pages[page].note = Some(new);
    Ok(patched)
}

/// Block UUIDs whose block (index) differs between two versions of a note.
fn moved_uuids(old: &Note, new: &Note) -> BTreeSet<String> {
    let index = |note: &Note| -> BTreeMap<String, usize> {
        note.blocks
            .iter()
            .enumerate()
            .filter_map(|(i, b)| b.uuid().map(|u| (u.to_string(), i)))
            .collect()
    };
    let (a, b) = (index(old), index(new));
    a.keys().chain(b.keys()).filter(|u| a.get(*u) != b.get(*u)).cloned().collect()
}
