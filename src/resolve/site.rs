//! RESOLVE, the site model: what resolving gives every later stage (the
//! [`Site`], its [`Page`]s, block locations and anchors) and how a name
//! finds its page (case-folded identities, namespaces, journal days).

use super::*;

/// Index of a page in [`Site::pages`].
pub type PageId = usize;

/// A block on a page, ordered by page, then block. Kept in 8 bytes: a large
/// graph's reference lists hold millions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockLoc {
    pub(super) page: u32,
    pub(super) block: u32,
}

impl BlockLoc {
    /// Block `block` (an index into the note's blocks) of page `page`.
    pub fn new(page: PageId, block: usize) -> BlockLoc {
        let narrow = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        BlockLoc { page: narrow(page), block: narrow(block) }
    }

    /// The page.
    pub fn page(self) -> PageId {
        self.page as PageId
    }

    /// Index into the page's `note.blocks`.
    pub fn block(self) -> usize {
        self.block as usize
    }
}

/// What a page is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// A page with its own file.
    Page,
    /// A journal day.
    Journal,
    /// Referenced (or a namespace ancestor) but without a file, as in Logseq.
    Missing,
}

/// One page of the site.
#[derive(Debug, Clone)]
pub struct Page {
    /// Display name.
    pub name: String,
    /// Case-folded name used for matching.
    pub identity: String,
    /// Output file stem (`k8s` → `k8s.html`).
    pub slug: String,
    /// What the page is.
    pub kind: PageKind,
    /// The parsed note, for pages with a file.
    pub note: Option<Note>,
    /// The journal day.
    pub journal: Option<Date>,
    /// Names declared by `alias::`.
    pub aliases: Vec<String>,
    /// Pages listed in the page's `tags::`.
    pub tags: Vec<PageId>,
    /// Namespace ancestors, outermost first (`a`, `a/b` for `a/b/c`).
    pub namespace: Vec<PageId>,
    /// Blocks on other pages that reference this page, in site order.
    pub backlinks: Vec<BlockLoc>,
    /// Blocks on other pages that mention the name (or an alias) without linking it.
    pub unlinked: Vec<BlockLoc>,
    /// Pages whose `tags::` list this page.
    pub tagged: Vec<PageId>,
    /// Direct namespace children (`a/b` for `a`).
    pub children: Vec<PageId>,
    /// How often the page is used as a tag: `#tag` in blocks plus pages listing it in `tags::`.
    pub tag_uses: usize,
    /// Anchor of every block of the note (`b-<uuid>` or derived from the content).
    pub anchors: Anchors,
    /// Whether the page is part of the published site.
    pub published: bool,
}

/// The anchors of a note's blocks, by block index, in one string: a large
/// graph has hundreds of thousands of blocks, and a string for each took
/// more memory than the anchors themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchors {
    pub(super) text: String,
    /// Where each anchor ends in `text`.
    pub(super) ends: Vec<u32>,
}

impl Anchors {
    /// No anchors, for blocks shown without theirs.
    pub const NONE: &'static Anchors = &Anchors::new();

    /// No anchors.
    pub const fn new() -> Anchors {
        Anchors { text: String::new(), ends: Vec::new() }
    }

    /// The anchor of block `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => self.ends[i - 1] as usize,
        };
        self.text.get(start..end)
    }

    /// The number of anchors (the note's blocks).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Every anchor, in block order.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// Appends the anchor of the next block.
    pub(super) fn push(&mut self, anchor: &str) {
        self.text.push_str(anchor);
        self.ends.push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }
}

impl std::ops::Index<usize> for Anchors {
    type Output = str;

    /// The anchor of block `i`; panics past the last block, as a slice does.
    fn index(&self, i: usize) -> &str {
        match self.get(i) {
            Some(anchor) => anchor,
            None => panic!("block {i} of a note with {} blocks", self.len()),
        }
    }
}

impl Page {
    /// The page's output file name.
    pub fn file_name(&self) -> String {
        format!("{}.html", self.slug)
    }

    /// The URL of block `index` on its page: `page.html#anchor`, or the
    /// page alone for page properties that show as no element of their own
    /// (a first block of properties only, as template pages have).
    pub fn block_url(&self, index: usize) -> String {
        let unshown = self
            .note
            .as_ref()
            .map(|n| &n.blocks[index])
            .is_some_and(|b| b.pre_block && b.body.is_empty());
        if unshown {
            self.file_name()
        } else {
            format!("{}#{}", self.file_name(), &self.anchors[index])
        }
    }
}

/// The whole site, resolved.
#[derive(Debug)]
pub struct Site {
    /// The site configuration.
    pub config: SiteConfig,
    /// The graph's Logseq settings.
    pub logseq: LogseqConfig,
    /// Every page, sorted by identity (journals and pages alike).
    pub pages: Vec<Page>,
    /// Identity (page name or alias, case-folded) → page.
    pub by_identity: HashMap<String, PageId>,
    /// Block UUID → block.
    pub by_uuid: HashMap<String, BlockLoc>,
    /// Paths of the graph's assets, relative to the graph root (`assets/x.png`).
    pub assets: std::collections::BTreeSet<String>,
    /// `logseq/custom.css`, published as `static/custom.css`.
    pub custom_css: Option<String>,
    /// Alias pages: output file stem → the page the alias stands for.
    pub redirects: Vec<(String, PageId)>,
    /// Problems found while resolving.
    pub diagnostics: Vec<Diagnostic>,
}

/// [`identity`] written into `buf` (cleared first): no allocation per name
/// where one buffer serves many.
pub fn identity_in<'a>(name: &str, buf: &'a mut String) -> &'a str {
    buf.clear();
    let name = name.trim().trim_matches('/');
    if name.is_ascii() {
        buf.push_str(name);
        buf.make_ascii_lowercase();
    } else {
        buf.extend(name.nfc().flat_map(char::to_lowercase));
    }
    buf
}

/// Case-folded page identity: NFC, lower case, surrounding `/` and spaces removed.
pub fn identity(name: &str) -> String {
    let mut identity = String::new();
    identity_in(name, &mut identity);
    identity
}

/// Names with more `/` than this are plain names, not namespace paths (a
/// hostile `a/a/a/…` would otherwise create one page per prefix).
pub(super) const MAX_NAMESPACE_DEPTH: usize = 64;

/// Whether a page name is a namespace path (`a/b`), as Logseq decides.
pub fn is_namespace(name: &str) -> bool {
    name.contains('/')
        && name.bytes().filter(|&b| b == b'/').count() <= MAX_NAMESPACE_DEPTH
        && !name.starts_with("./")
        && !name.starts_with("../")
        && !name.contains("://")
        && !name.contains("[[")
}

/// The journal day a page name stands for, in the graph's title format or a built-in one.
pub(super) fn journal_of(name: &str, logseq: &LogseqConfig) -> Option<Date> {
    // Every date format has digits; most page names have none.
    if !name.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    std::iter::once(logseq.journal_title_format.as_str())
        .chain(journal_date::BUILTIN_FORMATS)
        .find_map(|format| journal_date::parse(name.trim(), format))
}

/// The page a name stands for (published or not): a journal day in any of
/// the date formats Logseq reads (`[[2024-01-05]]` is `Jan 5th, 2024`), else
/// the page or alias of its identity. `buf` is scratch space.
pub(super) fn page_named(
    name: &str,
    by_identity: &HashMap<String, PageId>,
    logseq: &LogseqConfig,
    buf: &mut String,
) -> Option<PageId> {
    match journal_of(name, logseq) {
        Some(date) => {
            let title = journal_date::format(date, &logseq.journal_title_format);
            by_identity.get(identity_in(&title, buf)).copied()
        }
        None => by_identity.get(identity_in(name, buf)).copied(),
    }
}

impl Site {
    /// The published page a name or alias resolves to.
    pub fn lookup(&self, name: &str) -> Option<&Page> {
        self.lookup_id(name).map(|id| &self.pages[id])
    }

    /// The id of the published page a name or alias resolves to.
    pub fn lookup_id(&self, name: &str) -> Option<PageId> {
        thread_local! {
            static FOLDED: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        let id =
            FOLDED.with_borrow_mut(|buf| page_named(name, &self.by_identity, &self.logseq, buf))?;
        self.pages[id].published.then_some(id)
    }

    /// The page holding a block UUID, and the block's index, when published.
    pub fn block(&self, uuid: &str) -> Option<(&Page, usize)> {
        let loc = self.by_uuid.get(&uuid.to_ascii_lowercase())?;
        let page = &self.pages[loc.page()];
        page.published.then_some((page, loc.block()))
    }

    /// Published pages, in site order.
    pub fn published(&self) -> impl Iterator<Item = (PageId, &Page)> {
        self.pages.iter().enumerate().filter(|(_, p)| p.published)
    }
}
