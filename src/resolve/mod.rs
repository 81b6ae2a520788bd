//! RESOLVE: parsed notes → the [`Site`]: every page (with or without a file),
//! links resolved case-insensitively, aliases, namespaces, backlinks, slugs.
//!
//! One pass over the whole graph; after it the site is immutable and every
//! page can render in parallel.

mod site;
pub mod slugs;
pub mod unlinked;

use rayon::prelude::*;
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use unicode_normalization::UnicodeNormalization;

use crate::config::{PublishMode, SiteConfig};
use crate::error::Diagnostic;
use crate::load::{Date, LogseqConfig, journal_date};
use crate::parse::{Note, inline};

pub use site::{
    Anchors, BlockLoc, Page, PageId, PageKind, Site, identity, identity_in, is_namespace,
};
use site::{journal_of, page_named};

struct Builder<'a> {
    logseq: &'a LogseqConfig,
    pages: Vec<Page>,
    by_identity: HashMap<String, PageId>,
}

impl Builder<'_> {
    /// The page for `name` and whether it was created (its namespace not yet set).
    fn page_without_namespace(&mut self, name: &str) -> (PageId, bool) {
        self.page_of_key(PageKey::new(name, self.logseq))
    }

    /// The page of a key made beforehand, and whether it was created.
    fn page_of_key(&mut self, key: PageKey) -> (PageId, bool) {
        if let Some(&page) = self.by_identity.get(&key.identity) {
            return (page, false);
        }
        (self.push(key.name, key.identity, None, key.journal), true)
    }

    /// [`Builder::page_for`] of a key made beforehand.
    fn page_for_key(&mut self, key: PageKey) -> PageId {
        let (page, created) = self.page_of_key(key);
        if created {
            self.add_namespace(page);
        }
        page
    }

    fn push(
        &mut self,
        name: String,
        identity: String,
        note: Option<Note>,
        journal: Option<Date>,
    ) -> PageId {
        let kind = match (&note, journal) {
            (_, Some(_)) if note.is_some() => PageKind::Journal,
            (Some(_), _) => PageKind::Page,
            _ => PageKind::Missing,
        };
        let id = self.pages.len();
        self.by_identity.insert(identity.clone(), id);
        // A nested link's page (`Introduction to [[Logseq]]`) is shown without the inner brackets.
        let name =
            if name.contains("[[") { name.replace("[[", "").replace("]]", "") } else { name };
        self.pages.push(Page {
            name,
            identity,
            slug: String::new(),
            kind,
            note,
            journal,
            aliases: Vec::new(),
            tags: Vec::new(),
            namespace: Vec::new(),
            backlinks: Vec::new(),
            unlinked: Vec::new(),
            tagged: Vec::new(),
            children: Vec::new(),
            tag_uses: 0,
            anchors: Anchors::new(),
            published: true,
        });
        id
    }

    fn add_namespace(&mut self, page: PageId) {
        let name = self.pages[page].name.clone();
        if !is_namespace(&name) {
            return;
        }
        let mut ancestors = Vec::new();
        for (end, _) in name.match_indices('/') {
            let prefix = &name[..end];
            if prefix.trim().is_empty() {
                continue;
            }
            let (id, created) = self.page_without_namespace(prefix);
            // A new prefix's ancestors are the ones found so far: no need to walk them again
            // (walking them made deep names cubic).
            if created && self.pages[id].name == prefix && is_namespace(prefix) {
                self.pages[id].namespace = ancestors.clone();
            } else if created {
                self.add_namespace(id);
            }
            // `title/` trims to the identity of its own prefix `title`: never its own ancestor.
            if id != page {
                ancestors.push(id);
            }
        }
        self.pages[page].namespace = ancestors;
    }
}

/// Resolves parsed notes into the site.
pub fn resolve(
    config: SiteConfig,
    logseq: LogseqConfig,
    notes: Vec<Note>,
    assets: std::collections::BTreeSet<String>,
) -> Site {
    resolve_reusing(config, logseq, notes, assets, Reused::default()).0
}

/// What an earlier build worked out of some notes, for [`resolve_reusing`].
#[derive(Debug, Default)]
pub struct Reused {
    /// Block anchors, by note path: what [`note_anchors`] gives for the note.
    pub anchors: HashMap<String, Anchors>,
    /// Names the notes mention (see [`unlinked::NoteMentions`]).
    pub mentions: unlinked::Mentions,
}

/// [`resolve`], taking what `reused` knows instead of working it out again;
/// also gives the name mentions of every published note, for a later build.
pub fn resolve_reusing(
    config: SiteConfig,
    logseq: LogseqConfig,
    mut notes: Vec<Note>,
    assets: std::collections::BTreeSet<String>,
    reused: Reused,
) -> (Site, unlinked::Mentions) {
    let Reused { mut anchors, mentions } = reused;
    let mut diagnostics: Vec<Diagnostic> =
        notes.iter_mut().flat_map(|n| std::mem::take(&mut n.diagnostics)).collect();
    notes.sort_by(|a, b| a.rel_path.cmp(&b.rel_path));
    let mut step = crate::util::timing::Steps::new("resolve");
    let mut builder =
        Builder { logseq: &logseq, pages: Vec::new(), by_identity: HashMap::default() };
    add_notes(&mut builder, notes, &mut diagnostics);
    step.done("pages");
    add_aliases(&mut builder);
    add_references(&mut builder);
    step.done("aliases and references");
    let Builder { mut pages, mut by_identity, .. } = builder;
    mark_published(&mut pages, &config, &logseq);
    step.done("publishing");
    let order = sort_pages(&mut pages, &mut by_identity);
    remap(&mut pages, &order);
    step.done("order");
    let redirects = assign_slugs(&mut pages);
    step.done("slugs");
    assign_anchors(&mut pages, &mut anchors);
    step.done("anchors");
    let by_uuid = index_uuids(&pages, &mut diagnostics);
    step.done("uuids");
    compute_backlinks(&mut pages, &by_identity, &logseq);
    step.done("backlinks");
    link_tags_and_namespaces(&mut pages, &by_identity, &logseq);
    step.done("tags, namespaces");
    let mentions = unlinked::compute_reusing(&mut pages, &by_identity, mentions);
    step.done("unlinked references");
    diagnostics.sort();
    diagnostics.dedup();
    let site = Site {
        config,
        logseq,
        pages,
        by_identity,
        by_uuid,
        assets,
        custom_css: None,
        redirects,
        diagnostics,
    };
    (site, mentions)
}

fn add_notes(builder: &mut Builder<'_>, notes: Vec<Note>, diagnostics: &mut Vec<Diagnostic>) {
    for note in notes {
        let journal = note.journal.or_else(|| journal_of(&note.name, builder.logseq));
        let name = match journal {
            Some(date) => journal_date::format(date, &builder.logseq.journal_title_format),
            None => note.name.clone(),
        };
        let id = identity(&name);
        if let Some(&existing) = builder.by_identity.get(&id) {
            let page = &mut builder.pages[existing];
            if page.note.is_none() {
                // Made as the namespace of a file read before (`a%2Fb.md`
                // sorts before `a.md`): this file is that page's.
                page.kind = if journal.is_some() { PageKind::Journal } else { PageKind::Page };
                page.name = name;
                page.journal = journal;
                page.note = Some(note);
                continue;
            }
            let other = builder.pages[existing]
                .note
                .as_ref()
                .map_or("", |n| n.rel_path.as_str())
                .to_string();
            diagnostics.push(Diagnostic::warning(
                &note.rel_path,
                None,
                format!("page \"{name}\" is already defined by {other}; this file is skipped"),
            ));
            continue;
        }
        let page = builder.push(name, id, Some(note), journal);
        builder.add_namespace(page);
    }
}

fn add_aliases(builder: &mut Builder<'_>) {
    for page in 0..builder.pages.len() {
        let Some(note) = &builder.pages[page].note else { continue };
        let Some(alias) = note.properties.iter().find(|p| p.key == "alias") else { continue };
        let names: Vec<String> = alias.refs.clone();
        for name in names {
            let id = identity(&name);
            if id.is_empty() || id == builder.pages[page].identity {
                continue;
            }
            match builder.by_identity.get(&id) {
                // An alias with its own file stays a page of its own.
                Some(&other) if builder.pages[other].note.is_some() => {}
                _ => {
                    builder.by_identity.insert(id, page);
                    builder.pages[page].aliases.push(name);
                }
            }
        }
    }
}

fn add_references(builder: &mut Builder<'_>) {
    let logseq = builder.logseq;
    // Names are folded side by side; pages are then made in page order.
    let keys: Vec<(Vec<PageKey>, Vec<PageKey>)> = builder
        .pages
        .par_iter()
        .map(|page| {
            let Some(note) = &page.note else { return (Vec::new(), Vec::new()) };
            let names = note.blocks.iter().flat_map(|b| &b.page_refs);
            let tags = note.properties.iter().filter(|p| p.key == "tags").flat_map(|p| &p.refs);
            (
                names.map(|n| PageKey::new(n, logseq)).collect(),
                tags.map(|t| PageKey::new(t, logseq)).collect(),
            )
        })
        .collect();
    for (page, (names, tags)) in keys.into_iter().enumerate() {
        for key in names {
            builder.page_for_key(key);
        }
        let tag_ids: Vec<PageId> = tags.into_iter().map(|t| builder.page_for_key(t)).collect();
        builder.pages[page].tags = tag_ids;
    }
}

/// A page name as the graph knows it: journal titles in the graph's format.
struct PageKey {
    name: String,
    identity: String,
    journal: Option<Date>,
}

impl PageKey {
    fn new(name: &str, logseq: &LogseqConfig) -> PageKey {
        let (name, journal) = match journal_of(name, logseq) {
            Some(date) => (journal_date::format(date, &logseq.journal_title_format), Some(date)),
            None => (name.trim().to_string(), None),
        };
        PageKey { identity: identity(&name), name, journal }
    }
}

fn mark_published(pages: &mut [Page], config: &SiteConfig, logseq: &LogseqConfig) {
    let public_only = config.publish == PublishMode::PublicOnly && !logseq.all_pages_public;
    for page in pages.iter_mut().filter(|p| p.note.is_some()) {
        let public = page
            .note
            .as_ref()
            .and_then(|n| n.property("public"))
            .map(|v| v.trim().to_ascii_lowercase());
        page.published = match public.as_deref() {
            Some("true") => true,
            Some("false") => false,
            _ => !public_only,
        };
    }
    // A page without a file is published only when a published page refers to it
    // (or it is a namespace ancestor of one): a private page's links stay private.
    let missing: HashMap<String, usize> = (pages.iter().enumerate())
        .filter(|(_, p)| p.note.is_none())
        .map(|(i, p)| (p.identity.clone(), i))
        .collect();
    if missing.is_empty() {
        return;
    }
    let referenced: Vec<bool> = pages
        .par_iter()
        .filter(|p| p.published)
        .filter_map(|page| Some((page, page.note.as_ref()?)))
        .fold(
            || (vec![false; pages.len()], String::new()),
            |(mut referenced, mut buf), (page, note)| {
                let mut mark =
                    |name: &str| mark_with_ancestors(&missing, &mut referenced, &mut buf, name);
                mark(&page.name);
                for name in note.blocks.iter().flat_map(|b| &b.page_refs) {
                    match journal_of(name, logseq) {
                        Some(date) => {
                            mark(&journal_date::format(date, &logseq.journal_title_format))
                        }
                        None => mark(name),
                    }
                }
                (referenced, buf)
            },
        )
        .map(|(referenced, _)| referenced)
        .reduce(
            || vec![false; pages.len()],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(a, b)| *a |= b);
                a
            },
        );
    for (page, referenced) in pages.iter_mut().zip(referenced) {
        if page.note.is_none() {
            page.published = referenced;
        }
    }
}

/// Marks in `referenced` (by page index) the pages among `missing` (pages
/// without a file, by identity) that `name` or one of its namespace
/// ancestors names; `buf` is room for folding names.
fn mark_with_ancestors(
    missing: &HashMap<String, usize>,
    referenced: &mut [bool],
    buf: &mut String,
    name: &str,
) {
    let mut mark = |name: &str| {
        if let Some(&i) = missing.get(identity_in(name, buf)) {
            referenced[i] = true;
        }
    };
    mark(name);
    if is_namespace(name) {
        for (end, _) in name.match_indices('/') {
            mark(&name[..end]);
        }
    }
}

/// Sorts pages by identity (deterministic whatever the file order) and
/// returns old index → new index.
fn sort_pages(pages: &mut Vec<Page>, by_identity: &mut HashMap<String, PageId>) -> Vec<PageId> {
    let mut order: Vec<PageId> = (0..pages.len()).collect();
    order.sort_by(|&a, &b| pages[a].identity.cmp(&pages[b].identity));
    let mut new_index = vec![0; pages.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut taken: Vec<Option<Page>> = std::mem::take(pages).into_iter().map(Some).collect();
    *pages = order.iter().filter_map(|&old| taken[old].take()).collect();
    for page in by_identity.values_mut() {
        *page = new_index[*page];
    }
    new_index
}

fn remap(pages: &mut [Page], new_index: &[PageId]) {
    for page in pages {
        for id in page.tags.iter_mut().chain(page.namespace.iter_mut()) {
            *id = new_index[*id];
        }
    }
}

/// Gives every page (and every alias, for its redirect page) a unique slug.
fn assign_slugs(pages: &mut [Page]) -> Vec<(String, PageId)> {
    let mut bases: Vec<(String, String)> = pages
        .iter()
        .map(|p| {
            let base = match p.journal {
                Some(date) => date.iso(),
                None => slugs::slugify(&p.name),
            };
            (p.identity.clone(), base)
        })
        .collect();
    let mut aliases = Vec::new();
    for (id, page) in pages.iter().enumerate().filter(|(_, p)| p.published) {
        for alias in &page.aliases {
            let key = format!("\u{0}alias\u{0}{}", identity(alias));
            bases.push((key.clone(), slugs::slugify(alias)));
            aliases.push((key, id));
        }
    }
    let assigned = slugs::assign(&bases);
    for page in pages.iter_mut() {
        page.slug = assigned.get(&page.identity).cloned().unwrap_or_else(|| "page".into());
    }
    let mut redirects: Vec<(String, PageId)> = aliases
        .into_iter()
        .filter_map(|(key, id)| Some((assigned.get(&key)?.clone(), id)))
        .collect();
    redirects.sort();
    redirects.dedup_by(|a, b| a.0 == b.0);
    redirects
}

fn link_tags_and_namespaces(
    pages: &mut [Page],
    by_identity: &HashMap<String, PageId>,
    logseq: &LogseqConfig,
) {
    let mut tagged: BTreeMap<PageId, Vec<PageId>> = BTreeMap::new();
    let mut children: BTreeMap<PageId, Vec<PageId>> = BTreeMap::new();
    for (id, page) in pages.iter().enumerate().filter(|(_, p)| p.published) {
        for &tag in &page.tags {
            tagged.entry(tag).or_default().push(id);
        }
        if let Some(&parent) = page.namespace.last() {
            children.entry(parent).or_default().push(id);
        }
    }
    let mut uses: BTreeMap<PageId, usize> = BTreeMap::new();
    let mut buf = String::new();
    for page in pages.iter().filter(|p| p.published) {
        let Some(note) = &page.note else { continue };
        for name in note.blocks.iter().flat_map(|b| &b.tags) {
            // `#2024-01-05` tags the day, whatever the title format.
            if let Some(id) = page_named(name, by_identity, logseq, &mut buf) {
                *uses.entry(id).or_default() += 1;
            }
        }
    }
    for (tag, count) in uses {
        pages[tag].tag_uses = count;
    }
    for (tag, list) in tagged {
        pages[tag].tag_uses += list.len();
        pages[tag].tagged = list;
    }
    for (parent, list) in children {
        pages[parent].children = list;
    }
}

fn assign_anchors(pages: &mut [Page], known: &mut HashMap<String, Anchors>) {
    let mut todo = Vec::new();
    for page in pages.iter_mut() {
        let Some(note) = &page.note else { continue };
        match known.remove(&note.rel_path) {
            Some(anchors) if anchors.len() == note.blocks.len() => page.anchors = anchors,
            _ => todo.push(page),
        }
    }
    todo.into_par_iter().for_each(|page| {
        if let Some(note) = &page.note {
            page.anchors = note_anchors(note);
        }
    });
}

/// Formatted text hashed as it is written, without a string in between.
struct HashWriter(blake3::Hasher);

impl std::fmt::Write for HashWriter {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.update(s.as_bytes());
        Ok(())
    }
}

/// The anchor of every block of a note: `b-<uuid>`, else a hash of its
/// content (`-2`, `-3`, … for repeats), so anchors survive edits elsewhere.
pub fn note_anchors(note: &Note) -> Anchors {
    let mut seen: HashMap<String, usize> = HashMap::default();
    let mut anchors = Anchors::new();
    for b in note.blocks.iter() {
        match b.uuid() {
            Some(uuid) => anchors.push(&format!("b-{uuid}")),
            None => {
                // The title and the body's debug form: anchors people have
                // linked to stay the same from one version to the next
                // (`derived_anchors_are_pinned` holds them).
                let mut hasher = HashWriter(blake3::Hasher::new());
                let _ = write!(hasher, "{}\u{0}{:?}", b.title(), b.body);
                let hash = hasher.0.finalize().to_hex();
                let base = format!("b-{}", &hash[..8]);
                let n = seen.entry(base.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    anchors.push(&base);
                } else {
                    anchors.push(&format!("{base}-{n}"));
                }
            }
        }
    }
    anchors
}

fn index_uuids(pages: &[Page], diagnostics: &mut Vec<Diagnostic>) -> HashMap<String, BlockLoc> {
    let mut by_uuid = HashMap::default();
    for (page_id, page) in pages.iter().enumerate() {
        let Some(note) = &page.note else { continue };
        for (i, block) in note.blocks.iter().enumerate() {
            let Some(uuid) = block.uuid() else { continue };
            if by_uuid.insert(uuid.to_string(), BlockLoc::new(page_id, i)).is_some() {
                diagnostics.push(Diagnostic::warning(
                    &note.rel_path,
                    Some(block.line as usize),
                    format!("block id {uuid} is used twice; refs go to this block"),
                ));
            }
        }
    }
    by_uuid
}

fn compute_backlinks(
    pages: &mut [Page],
    by_identity: &HashMap<String, PageId>,
    logseq: &LogseqConfig,
) {
    // (target, referring block), in page and block order.
    let links: Vec<(PageId, BlockLoc)> = pages
        .par_iter()
        .enumerate()
        .filter(|(_, page)| page.published)
        .flat_map_iter(|(page_id, page)| {
            let mut links = Vec::new();
            let mut buf = String::new();
            let blocks = page.note.as_ref().map_or(&[][..], |n| &n.blocks[..]);
            for (i, block) in blocks.iter().enumerate() {
                let mut targets: Vec<PageId> = Vec::new();
                for name in &block.page_refs {
                    let Some(target) = page_named(name, by_identity, logseq, &mut buf) else {
                        continue;
                    };
                    targets.push(target);
                    targets.extend(pages[target].namespace.iter().copied());
                }
                targets.sort_unstable();
                targets.dedup();
                for target in targets.into_iter().filter(|&t| t != page_id) {
                    links.push((target, BlockLoc::new(page_id, i)));
                }
            }
            links
        })
        .collect();
    let mut found: BTreeMap<PageId, Vec<BlockLoc>> = BTreeMap::new();
    for (target, loc) in links {
        found.entry(target).or_default().push(loc);
    }
    for (target, locs) in found {
        pages[target].backlinks = locs;
    }
}

/// Re-exported for the renderer: page names a text refers to.
pub use inline::page_refs;

/// A site of `(path, text)` notes with the default configuration (for unit tests).
#[cfg(test)]
pub(crate) fn test_site(files: &[(&str, &str)]) -> Site {
    use crate::load::SourceFile;
    use crate::parse::parse_note;
    let notes = files
        .iter()
        .map(|(path, text)| {
            let stem = path.rsplit('/').next().unwrap_or(path).trim_end_matches(".md");
            parse_note(&SourceFile {
                rel_path: path.to_string(),
                name: stem.into(),
                journal: None,
                text: text.to_string(),
            })
        })
        .collect();
    resolve(SiteConfig::default(), LogseqConfig::without_file(), notes, Default::default())
}

#[cfg(test)]
mod tests {
    use super::test_site as site;
    use super::*;

    #[test]
    fn identity_in_a_buffer_leaves_nothing_of_the_last_one() {
        let mut buf = String::from("left over");
        let cases = [
            ("K8s", "k8s"),
            (" /Café Crème/ ", "café crème"),
            ("E\u{301}TE\u{301}", "été"),
            ("a/B/c", "a/b/c"),
            ("", ""),
            ("Straße", "straße"),
        ];
        for (name, folded) in cases {
            assert_eq!(identity_in(name, &mut buf), folded, "{name:?}");
        }
    }

    #[test]
    fn identity_folds_case_and_unicode_forms() {
        assert_eq!(identity(" K8s/Pods/ "), "k8s/pods");
        assert_eq!(identity("Cafe\u{301}"), identity("Café"));
        assert_eq!(identity("ÜBER Straße"), "über straße");
        assert_eq!(identity("ÅNGSTRÖM"), identity("a\u{30a}ngstro\u{308}m"));
    }

    #[test]
    fn links_resolve_case_insensitively_and_missing_pages_exist() {
        let s = site(&[
            ("pages/K8s.md", "- see [[storage]] and #RBAC"),
            ("pages/Storage.md", "- disks"),
        ]);
        assert_eq!(s.lookup("STORAGE").map(|p| p.name.as_str()), Some("Storage"));
        let rbac = s.lookup("rbac").expect("referenced page exists");
        assert_eq!(rbac.kind, PageKind::Missing);
        assert_eq!(rbac.backlinks.len(), 1);
    }

    #[test]
    fn aliases_land_on_the_page() {
        let s = site(&[
            ("pages/Project X.md", "alias:: PX, Proj\n\n- body"),
            ("pages/b.md", "- [[px]]"),
        ]);
        assert_eq!(s.lookup("PX").map(|p| p.name.as_str()), Some("Project X"));
        assert_eq!(s.lookup("Project X").map(|p| p.backlinks.len()), Some(1));
    }

    #[test]
    fn namespace_ancestors_exist_and_collect_backlinks() {
        let s = site(&[("pages/x.md", "- [[a/b/c]]")]);
        assert!(s.lookup("a").is_some() && s.lookup("a/b").is_some());
        assert_eq!(s.lookup("a").map(|p| p.backlinks.len()), Some(1));
        let c = s.lookup("a/b/c").expect("page");
        assert_eq!(c.namespace.len(), 2);
        assert_eq!(c.slug, "a.b.c");
    }

    #[test]
    fn journal_references_in_any_format_meet_the_journal() {
        let s = site(&[
            ("journals/2024_01_05.md", "- day"),
            ("pages/p.md", "- [[2024-01-05]] [[Jan 5th, 2024]]"),
        ]);
        let day = s.lookup("jan 5th, 2024").expect("journal");
        assert_eq!(day.kind, PageKind::Journal);
        assert_eq!(day.slug, "2024-01-05");
        assert_eq!(day.backlinks.len(), 1);
    }

    #[test]
    fn a_link_to_a_day_in_another_format_alone_is_a_backlink() {
        let s = site(&[
            ("journals/2024_01_05.md", "- day"),
            ("pages/p.md", "- [[2024-01-05]]"),
            ("pages/q.md", "- [[2024_01_05]]"),
        ]);
        assert_eq!(s.lookup("Jan 5th, 2024").map(|p| p.backlinks.len()), Some(2));
    }

    #[test]
    fn a_tag_naming_a_day_in_another_format_counts_for_the_day() {
        let s = site(&[("journals/2024_01_05.md", "- day"), ("pages/p.md", "- #2024-01-05")]);
        assert_eq!(s.lookup("Jan 5th, 2024").map(|p| p.tag_uses), Some(1));
    }

    #[test]
    fn a_namespace_parent_keeps_its_file_when_a_child_file_is_read_first() {
        use crate::load::SourceFile;
        // `Garden%2FPlants.md` sorts before `Garden.md`: "Garden" exists as
        // the child's namespace when its own file comes.
        let note = |rel: &str, name: &str, text: &str| {
            crate::parse::parse_note(&SourceFile {
                rel_path: rel.into(),
                name: name.into(),
                journal: None,
                text: text.into(),
            })
        };
        let notes = vec![
            note("pages/Garden.md", "Garden", "- the garden's own notes"),
            note("pages/Garden%2FPlants.md", "Garden/Plants", "- plants"),
        ];
        let s =
            resolve(SiteConfig::default(), LogseqConfig::without_file(), notes, Default::default());
        assert_eq!(s.diagnostics, []);
        let garden = s.lookup("garden").expect("page");
        assert_eq!(garden.kind, PageKind::Page);
        assert_eq!(garden.note.as_ref().map(|n| n.rel_path.as_str()), Some("pages/Garden.md"));
        assert_eq!(s.lookup("Garden/Plants").map(|p| p.namespace.len()), Some(1));
    }

    #[test]
    fn page_properties_without_text_are_linked_as_the_page() {
        let s = site(&[("pages/t.md", "template:: daily\n\t- morning [[x]]\n")]);
        let page = s.lookup("t").expect("page");
        // The first block (page properties) shows as no element of its own.
        assert_eq!(page.block_url(0), "t.html");
        assert_eq!(page.block_url(1), format!("t.html#{}", &page.anchors[1]));
    }

    #[test]
    fn referenced_journal_days_without_files_are_published() {
        let s = site(&[("pages/p.md", "- [[2024-01-05]]")]);
        assert!(s.lookup("Jan 5th, 2024").is_some());
    }

    #[test]
    fn links_from_private_pages_create_no_published_pages() {
        let s = site(&[("pages/secret.md", "public:: false\n\n- [[Codename]]")]);
        assert!(s.lookup("Codename").is_none());
    }

    #[test]
    fn duplicate_pages_are_reported() {
        let s = site(&[("pages/a.md", "- one"), ("pages/A.md", "- two")]);
        assert_eq!(s.diagnostics.len(), 1);
    }

    #[test]
    fn private_pages_are_not_published() {
        let s =
            site(&[("pages/secret.md", "public:: false\n\n- x"), ("pages/b.md", "- [[secret]]")]);
        assert!(s.lookup("secret").is_none());
    }

    #[test]
    fn anchors_are_found_by_block_index() {
        let mut anchors = Anchors::new();
        assert!(anchors.is_empty() && anchors.get(0).is_none());
        for a in ["b-1", "b-22", "", "b-4444"] {
            anchors.push(a);
        }
        assert_eq!(anchors.len(), 4);
        assert_eq!(
            (&anchors[0], &anchors[1], &anchors[2], &anchors[3]),
            ("b-1", "b-22", "", "b-4444")
        );
        assert_eq!(anchors.get(4), None);
        assert_eq!(anchors.iter().collect::<Vec<_>>(), ["b-1", "b-22", "", "b-4444"]);
        assert!(Anchors::NONE.is_empty());
    }

    #[test]
    fn derived_anchors_are_pinned() {
        // Anchors are what links from elsewhere point at: a change to how
        // blocks are parsed or hashed must not move them unnoticed.
        let site = test_site(&[(
            "pages/p.md",
            "- plain text\n- ## Heading with [[link]] and `code`\n- #+BEGIN_QUOTE\n  quoted \"text\"\n  #+END_QUOTE\n- ```yaml\n  kind: Pod\n  ```\n- tab\\there é\n- plain text\n- with id\n  id:: 64c1a1b2-0000-4000-8000-000000000001",
        )]);
        let p = site.lookup("p").expect("page");
        assert_eq!(
            p.anchors.iter().collect::<Vec<_>>(),
            [
                "b-036fb0f6",
                "b-d167518d",
                "b-6383a3b8",
                "b-82bd1efd",
                "b-e29d38f2",
                "b-036fb0f6-2",
                "b-64c1a1b2-0000-4000-8000-000000000001",
            ]
        );
    }

    #[test]
    fn derived_anchors_are_unique_and_stable() {
        let s = site(&[("pages/p.md", "- same\n- same\n- other")]);
        let p = s.lookup("p").expect("page");
        assert_eq!(p.anchors.len(), 3);
        assert_eq!(p.anchors[1], format!("{}-2", &p.anchors[0]));
        let again = site(&[("pages/p.md", "- new first\n- same\n- same\n- other")]);
        assert_eq!(&again.lookup("p").expect("page").anchors[1], &p.anchors[0]);
    }
}
