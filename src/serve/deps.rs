//! SERVE, what pulls from what: which pages embed which, and which refer to
//! blocks of which, kept up to date between rebuilds, so that a change finds
//! the pages pulling content from it without looking at every note.

use std::collections::{BTreeSet, HashMap};

use super::sig::Sigs;
use crate::resolve::PageId;

/// What one page pulls from: the pages it embeds, the pages whose blocks it
/// refers to, and the block UUIDs it names.
type Edges = (Vec<PageId>, Vec<PageId>, Vec<String>);

/// The embed and block-reference edges of the site, both ways.
#[derive(Debug, Default)]
pub struct Deps {
    /// Page → (pages it embeds, pages whose blocks it refers to, block UUIDs it names).
    forward: HashMap<PageId, Edges>,
    embedded_by: HashMap<PageId, BTreeSet<PageId>>,
    referred_by: HashMap<PageId, BTreeSet<PageId>>,
    uuid_users: HashMap<String, BTreeSet<PageId>>,
    dynamic: BTreeSet<PageId>,
}

impl Deps {
    /// The edges of every page of the site.
    pub fn build(sigs: &Sigs<'_>) -> Deps {
        let mut deps = Deps::default();
        for page in 0..sigs.site.pages.len() {
            deps.insert(sigs, page);
        }
        deps
    }

    /// Recomputes the edges of `page` (its note, or where its block refs lead, changed).
    pub fn update(&mut self, sigs: &Sigs<'_>, page: PageId) {
        self.remove(page);
        self.insert(sigs, page);
    }

    fn insert(&mut self, sigs: &Sigs<'_>, page: PageId) {
        if sigs.is_dynamic(page) {
            self.dynamic.insert(page);
        }
        let uuids = sigs.block_refs_of(page).to_vec();
        if uuids.is_empty() && !sigs.has_embeds(page) {
            return;
        }
        let (embeds, refs) = (sigs.embeds_of(page), sigs.refs_of(page));
        for &target in &embeds {
            self.embedded_by.entry(target).or_default().insert(page);
        }
        for &target in &refs {
            self.referred_by.entry(target).or_default().insert(page);
        }
        for uuid in &uuids {
            self.uuid_users.entry(uuid.clone()).or_default().insert(page);
        }
        self.forward.insert(page, (embeds, refs, uuids));
    }

    fn remove(&mut self, page: PageId) {
        self.dynamic.remove(&page);
        let Some((embeds, refs, uuids)) = self.forward.remove(&page) else { return };
        for target in embeds {
            self.embedded_by.entry(target).or_default().remove(&page);
        }
        for target in refs {
            self.referred_by.entry(target).or_default().remove(&page);
        }
        for uuid in uuids {
            self.uuid_users.entry(uuid).or_default().remove(&page);
        }
    }

    /// Pages naming any of these block UUIDs.
    pub fn users_of<'a>(&'a self, uuids: impl IntoIterator<Item = &'a String>) -> BTreeSet<PageId> {
        uuids.into_iter().filter_map(|u| self.uuid_users.get(u)).flatten().copied().collect()
    }

    /// Pages whose HTML pulls content from `changed` pages: pages referring
    /// to their blocks, pages embedding (through any chain of embeds) them or
    /// one of those, and the dynamic pages (queries), which may show anything.
    pub fn dependents(&self, changed: &BTreeSet<PageId>) -> BTreeSet<PageId> {
        let mut referring: BTreeSet<PageId> = changed.clone();
        for page in changed {
            referring.extend(self.referred_by.get(page).into_iter().flatten());
        }
        let mut found: BTreeSet<PageId> = referring.difference(changed).copied().collect();
        let mut seen = referring.clone();
        let mut queue: Vec<PageId> = referring.into_iter().collect();
        while let Some(page) = queue.pop() {
            for &user in self.embedded_by.get(&page).into_iter().flatten() {
                if seen.insert(user) {
                    found.insert(user);
                    queue.push(user);
                }
            }
        }
        found.extend(&self.dynamic);
        found
    }
}
