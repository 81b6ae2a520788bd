//! PARSE: one note's text → a [`Note`] (page properties and a block tree).
//!
//! Per file, with no knowledge of other files, so notes parse in parallel and
//! `serve` re-parses only what changed. Two phases, as in Logseq: [`outline`]
//! (or [`org`], for Org-mode pages) cuts the file into nested blocks,
//! [`block`] parses each block's text.

pub mod block;
pub mod body;
pub mod inline;
pub mod org;
pub mod outline;
pub mod props;
pub mod refs;

use crate::error::Diagnostic;
use crate::files::SourceFile;
use crate::util::date::Date;
pub use block::Block;
pub use body::BodyNode;
pub use props::Property;

/// A parsed note: one page of the graph.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Note {
    /// Path relative to the graph root.
    pub rel_path: String,
    /// The page name: `title::` when set first thing in the file, else from the file name.
    pub name: String,
    /// The journal day, for journal pages.
    pub journal: Option<Date>,
    /// Page properties (the pre-block's, or YAML front matter).
    pub properties: Vec<Property>,
    /// Every block in document order; `parent`/`children` index into this list.
    pub blocks: Vec<Block>,
    /// Problems found while parsing.
    pub diagnostics: Vec<Diagnostic>,
}

impl Note {
    /// A page property's value.
    pub fn property(&self, key: &str) -> Option<&str> {
        self.properties.iter().find(|p| p.key == key).map(|p| p.value.as_str())
    }

    /// Indexes of the top-level blocks.
    pub fn roots(&self) -> impl Iterator<Item = usize> + '_ {
        self.blocks.iter().enumerate().filter(|(_, b)| b.parent().is_none()).map(|(i, _)| i)
    }
}

/// Normalises line endings: CRLF and lone CR become LF.
pub fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// Parses one note: a Markdown page, or an Org-mode one (`.org`).
pub fn parse_note(source: &SourceFile) -> Note {
    let text = normalize_newlines(&source.text);
    let is_org = org::is_org_path(&source.rel_path);
    let (front_matter, raw, front_lines) = if is_org {
        (Vec::new(), org::segment(&text), 0)
    } else {
        let (front_matter, text_start, front_lines) = front_matter(&text);
        (front_matter, outline::segment(&text[text_start..]), front_lines)
    };
    let mut diagnostics = Vec::new();
    let mut blocks: Vec<Block> = raw
        .iter()
        .map(|r| {
            let line = r.line + front_lines;
            let mut block =
                block::parse_block(&r.content, &source.rel_path, line, &mut diagnostics);
            block.depth = u32::try_from(r.depth).unwrap_or(u32::MAX);
            block.set_parent(r.parent);
            // A pre-block with `heading::` is an ordinary first block (Logseq's `pre-block?`).
            block.pre_block = r.pre_block && block.heading.is_none();
            block
        })
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); blocks.len()];
    for (i, block) in blocks.iter_mut().enumerate() {
        if let Some(parent) = block.parent() {
            children[parent].push(i);
        }
        if block.heading == Some(0) {
            block.heading = Some((block.depth.saturating_add(2)).min(6) as u8);
        }
    }
    for (block, children) in blocks.iter_mut().zip(children) {
        block.children = children.into_boxed_slice();
    }
    let mut properties = front_matter;
    // An Org pre-block's properties are the page's `#+key:` lines, whatever follows them.
    let first_is_properties = properties.is_empty()
        && blocks.first().is_some_and(|b| {
            b.pre_block
                && (is_org || b.title().is_empty())
                && !b.properties.is_empty()
                && b.heading.is_none()
        });
    if first_is_properties {
        properties = blocks[0].properties.to_vec();
    }
    let title = properties.iter().find(|p| p.key == "title").map(|p| p.value.trim().to_string());
    let name = title.filter(|t| !t.is_empty()).unwrap_or_else(|| source.name.clone());
    let journal = if name == source.name { source.journal } else { None };
    blocks.shrink_to_fit();
    Note { rel_path: source.rel_path.clone(), name, journal, properties, blocks, diagnostics }
}

/// YAML-like front matter at byte 0: `---\nkey: value\n---`. Returns the
/// properties, the byte offset where the outline starts and the lines skipped.
fn front_matter(text: &str) -> (Vec<Property>, usize, usize) {
    let Some(rest) = text.strip_prefix("---\n") else { return (Vec::new(), 0, 0) };
    let Some(end) =
        rest.find("\n---").filter(|&e| rest[e + 4..].starts_with('\n') || rest.len() == e + 4)
    else {
        return (Vec::new(), 0, 0);
    };
    let body = &rest[..end];
    let consumed = 4 + end + 4 + usize::from(rest[end + 4..].starts_with('\n'));
    let lines = body.split('\n').count() + 2;
    let mut properties = Vec::new();
    for line in body.split('\n').filter(|l| !l.trim().is_empty()) {
        match line.split_once(':') {
            Some((key, value)) if !key.trim().is_empty() && !key.contains(' ') => {
                properties.push(props::property(key.trim(), value.trim()));
            }
            // Not `key: value`: Logseq drops the whole front matter.
            _ => return (Vec::new(), consumed, lines),
        }
    }
    (properties, consumed, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(text: &str) -> Note {
        parse_note(&SourceFile {
            rel_path: "pages/p.md".into(),
            name: "p".into(),
            journal: None,
            text: text.into(),
        })
    }

    #[test]
    fn title_property_renames_the_page() {
        let n = note("title:: Project X\nalias:: PX\n\n- a");
        assert_eq!(n.name, "Project X");
        assert_eq!(n.property("alias"), Some("PX"));
        assert_eq!(n.blocks.len(), 2);
    }

    #[test]
    fn title_only_counts_as_the_first_node() {
        assert_eq!(note("Some text\ntitle:: X\n- a").name, "p");
    }

    #[test]
    fn front_matter_gives_page_properties() {
        let n = note("---\ntitle: examples\ntags: a\n---\n- first");
        assert_eq!(n.name, "examples");
        assert_eq!(n.blocks[0].title(), "first");
        assert_eq!(n.blocks[0].line, 5);
    }

    #[test]
    fn org_pages_are_parsed_as_org() {
        let org = parse_note(&SourceFile {
            rel_path: "pages/p.org".into(),
            name: "p".into(),
            journal: None,
            text: "#+TITLE: Org Page\n#+alias: OP\nIntro text.\n* TODO one [[Link]]\n** two".into(),
        });
        assert_eq!(org.name, "Org Page");
        assert_eq!(org.property("alias"), Some("OP"), "page properties despite the intro text");
        assert_eq!(org.blocks.len(), 3);
        assert_eq!((org.blocks[1].line, org.blocks[1].marker()), (4, Some("TODO")));
        assert_eq!(*org.blocks[1].page_refs, ["Link".to_string()]);
        assert_eq!(org.blocks[2].parent(), Some(1));
        // The same text in a Markdown file is one pre-block of text.
        assert_eq!(note("#+TITLE: Org Page\n* TODO one").blocks.len(), 1);
    }

    #[test]
    fn crlf_and_lone_cr_are_line_ends() {
        assert_eq!(note("- a\r\n- b\r- c").blocks.len(), 3);
    }

    #[test]
    fn children_are_linked_and_auto_headings_get_a_level() {
        let n = note("- a\n\t- b\n\t  heading:: true");
        assert_eq!(*n.blocks[0].children, [1]);
        assert_eq!(n.blocks[1].heading, Some(3));
    }
}
