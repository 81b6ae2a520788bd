//! SEARCH, beside the index: hover-preview data for `static/blockpress.js`,
//! written as plain scripts under `preview/` so previews work from `file://`.
//!
//! The text comes from the search [`Index`] (already plain, already cut), so
//! no page is rendered twice:
//!
//! * `preview/manifest.js`: `__bpPreview.manifest({"version", "shards", "build"})`;
//! * `preview/N.js`: `__bpPreview.shard(N, {"k8s.html": [title, text, aliases,
//!   tags, references, {"b-…": block text}], …})`, trailing empty fields left
//!   out. A page is in shard [`shard_of`]`(file, shards)`: FNV-1a of its file
//!   name, which `blockpress.js` computes too, so a hover loads one shard.
//!
//! Block texts are kept only for blocks that some published block references
//! (`((uuid))` or an embed), keyed by the block's anchor.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde_json::{Value, json};

use super::index::{Index, PageEntry, SNIPPET_TEXT_CHARS};
use super::shards::js_json;
use crate::files::OutputFile;
use crate::resolve::{Page, PageId, Site};

/// Longest preview text of a page or block, in characters.
pub const PREVIEW_CHARS: usize = 300;
/// Most blocks (lines) in a preview text.
pub const PREVIEW_LINES: usize = 8;
/// The preview data is cut into about this many bytes per shard.
pub const SHARD_BYTES: usize = 64 * 1024;
/// Version of the file format, checked by blockpress.js.
pub const FORMAT_VERSION: u32 = 1;

/// What a hover over a link to one page can show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// Output file (`k8s.html`), the key the browser looks up.
    pub file: String,
    /// Display name.
    pub title: String,
    /// The beginning of the page's text, blocks separated by line breaks
    /// (its code when it has no prose).
    pub text: String,
    /// Whether the page has a file of its own (not only referenced).
    pub has_notes: bool,
    /// `alias::` names.
    pub aliases: Vec<String>,
    /// Names of the pages in `tags::`.
    pub tags: Vec<String>,
    /// Blocks of other pages that reference this one.
    pub references: usize,
    /// Anchor → text of the page's blocks that other blocks reference.
    pub blocks: BTreeMap<String, String>,
}

/// FNV-1a (32 bits) of the UTF-8 bytes of `text`; `blockpress.js` repeats it.
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193))
}

/// The shard holding the preview of the page written to `file`.
pub fn shard_of(file: &str, shards: u32) -> u32 {
    fnv1a(file) % shards.max(1)
}

/// The preview of every published page, in the index's page order.
pub fn build(site: &Site, index: &Index) -> Vec<Preview> {
    let pages: Vec<(PageId, &Page)> = site.published().collect();
    previews(&pages, &index.pages, &referenced_blocks(site)).collect()
}

/// The previews of `pages` (published, in order) from their index entries;
/// `referenced` is [`referenced_blocks`].
fn previews<'a>(
    pages: &'a [(PageId, &'a Page)],
    entries: &'a [PageEntry],
    referenced: &'a HashMap<PageId, Vec<usize>>,
) -> impl IndexedParallelIterator<Item = Preview> + 'a {
    pages.par_iter().zip(entries.par_iter()).map(|(&(id, page), entry)| {
        preview(page, entry, referenced.get(&id).map_or(&[][..], Vec::as_slice))
    })
}

/// Page → indexes of its blocks that a published block references, sorted.
pub fn referenced_blocks(site: &Site) -> HashMap<PageId, Vec<usize>> {
    let mut found: HashMap<PageId, Vec<usize>> = HashMap::new();
    let notes = site.published().filter_map(|(_, p)| p.note.as_ref());
    for uuid in notes.flat_map(|n| &n.blocks).flat_map(|b| b.block_refs()) {
        if let Some(loc) = site.by_uuid.get(uuid).filter(|l| site.pages[l.page()].published) {
            found.entry(loc.page()).or_default().push(loc.block());
        }
    }
    for blocks in found.values_mut() {
        blocks.sort_unstable();
        blocks.dedup();
    }
    found
}

fn preview(page: &Page, entry: &PageEntry, referenced: &[usize]) -> Preview {
    let mut text = join_cut(entry.blocks.iter().map(|b| b.text.as_str()), PREVIEW_CHARS);
    if text.is_empty() {
        text = join_cut(entry.blocks.iter().map(|b| b.code.as_str()), PREVIEW_CHARS);
    }
    let blocks = referenced
        .iter()
        .filter_map(|&i| Some((page.anchors.get(i)?.to_string(), block_text(entry, i))))
        .filter(|(_, text)| !text.is_empty())
        .collect();
    Preview {
        file: entry.file.clone(),
        title: entry.title.clone(),
        text,
        has_notes: page.note.is_some(),
        aliases: entry.aliases.clone(),
        tags: entry.tags.clone(),
        references: page.backlinks.len(),
        blocks,
    }
}

/// A referenced block's text, followed by its children's while it is short.
fn block_text(entry: &PageEntry, block: usize) -> String {
    let own = entry.blocks.get(block).map(|b| b.text.as_str());
    let children = entry
        .blocks
        .iter()
        .skip(block + 1)
        .filter(|b| b.parent == Some(block))
        .map(|b| b.text.as_str());
    join_cut(own.into_iter().chain(children), PREVIEW_CHARS)
}

/// The first [`PREVIEW_LINES`] non-empty `texts` joined by line breaks, cut
/// to about `max` characters at a space (with `…`) once longer. A text as
/// long as the index keeps ([`SNIPPET_TEXT_CHARS`]) was cut there: it ends with `…`.
pub fn join_cut<'a>(texts: impl Iterator<Item = &'a str>, max: usize) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for (line, text) in texts.map(str::trim).filter(|t| !t.is_empty()).enumerate() {
        if line == PREVIEW_LINES {
            out.push('…');
            break;
        }
        if line > 0 {
            out.push('\n');
            chars += 1;
        }
        out.push_str(text);
        let count = text.chars().count();
        chars += count;
        if chars > max {
            return cut(&out, max);
        }
        if count >= SNIPPET_TEXT_CHARS {
            out.push('…');
            break;
        }
    }
    out
}

/// `text` cut to at most `max` characters plus `…`, at a space when there is one in the last fifth.
fn cut(text: &str, max: usize) -> String {
    let Some((end, _)) = text.char_indices().nth(max) else { return text.to_string() };
    let head = &text[..end];
    let floor = head.char_indices().nth(max * 4 / 5).map_or(0, |(i, _)| i);
    let at = head.rfind(char::is_whitespace).filter(|&i| i >= floor).unwrap_or(end);
    format!("{}…", head[..at].trim_end())
}

/// The JSON of one preview: `[title, text, aliases, tags, references, blocks]`,
/// trailing empties left out; `text` is `null` for a page without notes.
fn preview_json(p: &Preview) -> Value {
    let text = if p.has_notes { json!(p.text) } else { Value::Null };
    let mut fields = vec![
        json!(p.title),
        text,
        json!(p.aliases),
        json!(p.tags),
        json!(p.references),
        json!(p.blocks),
    ];
    let empty = |v: &Value| match v {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(n) => n.as_u64() == Some(0),
        _ => false,
    };
    while fields.len() > 1 && fields.last().is_some_and(empty) {
        fields.pop();
    }
    Value::Array(fields)
}

/// The preview files: `preview/N.js` for every shard (empty ones too, so no
/// load fails), then `preview/manifest.js`.
pub fn files(previews: &[Preview]) -> Vec<OutputFile> {
    let pieces: Vec<(u32, String)> = previews.par_iter().map(piece).collect();
    crate::files::collect_files(|mut emit| files_of(&pieces, &mut emit))
}

/// The preview piece of `page` from its index entry, for [`files_of`];
/// `referenced` are its blocks that others reference ([`referenced_blocks`]).
pub fn piece_of(page: &Page, entry: &PageEntry, referenced: &[usize]) -> (u32, String) {
    piece(&preview(page, entry, referenced))
}

/// A preview's hash (its shard) and its `"file":[…]` entry.
fn piece(p: &Preview) -> (u32, String) {
    (fnv1a(&p.file), format!("{}:{}", js_json(&p.file), js_json(&preview_json(p))))
}

/// Writes the preview shards of `pieces` (every published page's, from
/// [`piece_of`]), then the manifest.
pub fn files_of<E>(
    pieces: &[(u32, String)],
    emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
) -> Result<(), E> {
    let total: usize = pieces.iter().map(|(_, piece)| piece.len() + 1).sum();
    let shards = total.div_ceil(SHARD_BYTES).max(1);
    let mut buckets: Vec<Vec<&str>> = vec![Vec::new(); shards];
    for (hash, piece) in pieces {
        buckets[*hash as usize % shards].push(piece);
    }
    let mut hasher = blake3::Hasher::new();
    for (n, bucket) in buckets.iter().enumerate() {
        let body = format!("__bpPreview.shard({n},{{{}}});\n", bucket.join(","));
        hasher.update(body.as_bytes());
        emit(OutputFile { path: format!("preview/{n}.js"), bytes: body.into_bytes() })?;
    }
    let build = hasher.finalize().to_hex()[..12].to_string();
    let manifest = json!({ "version": FORMAT_VERSION, "shards": shards, "build": build });
    let body = format!("__bpPreview.manifest({});\n", js_json(&manifest));
    emit(OutputFile { path: "preview/manifest.js".into(), bytes: body.into_bytes() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preview(file: &str, text: &str) -> Preview {
        Preview {
            file: file.into(),
            title: file.trim_end_matches(".html").into(),
            text: text.into(),
            has_notes: true,
            aliases: Vec::new(),
            tags: Vec::new(),
            references: 0,
            blocks: BTreeMap::new(),
        }
    }

    #[test]
    fn fnv1a_matches_the_reference_values() {
        // The published FNV-1a test vectors; blockpress.js must give the same.
        assert_eq!(fnv1a(""), 0x811c_9dc5);
        assert_eq!(fnv1a("a"), 0xe40c_292c);
        assert_eq!(fnv1a("foobar"), 0xbf9c_f968);
        assert_eq!(shard_of("k8s.html", 1), 0);
    }

    #[test]
    fn text_is_joined_by_lines_and_cut_at_a_space() {
        assert_eq!(join_cut(["a", " ", "b\nc"].into_iter(), 300), "a\nb\nc");
        let long = "word ".repeat(100);
        let text = join_cut([long.as_str()].into_iter(), 30);
        assert_eq!(text, format!("{}…", "word ".repeat(6).trim_end()));
        assert_eq!(cut("ééééé", 3), "ééé…", "no space: cut inside the word");
        let lines: Vec<String> = (0..20).map(|i| format!("line {i}")).collect();
        let text = join_cut(lines.iter().map(String::as_str), 300);
        assert_eq!(text.lines().count(), PREVIEW_LINES);
        assert!(text.ends_with("line 7…"), "{text}");
        let cut_by_index = "x".repeat(SNIPPET_TEXT_CHARS);
        let text = join_cut([cut_by_index.as_str(), "next"].into_iter(), 300);
        assert_eq!(text, format!("{cut_by_index}…"));
    }

    #[test]
    fn json_leaves_out_trailing_empty_fields() {
        let mut p = preview("a.html", "");
        assert_eq!(preview_json(&p).to_string(), r#"["a"]"#);
        p.references = 2;
        assert_eq!(preview_json(&p).to_string(), r#"["a","",[],[],2]"#);
        p.blocks.insert("b-1".into(), "x".into());
        assert_eq!(preview_json(&p).to_string(), r#"["a","",[],[],2,{"b-1":"x"}]"#);
        let missing = Preview { has_notes: false, ..preview("m.html", "") };
        assert_eq!(
            preview_json(&missing).to_string(),
            r#"["m",null]"#,
            "null: no notes of its own"
        );
    }

    #[test]
    fn every_page_is_in_the_shard_its_hash_names() {
        let text = "text ".repeat(60);
        let previews: Vec<Preview> =
            (0..1000).map(|i| preview(&format!("p{i}.html"), &text)).collect();
        let files = files(&previews);
        let manifest = files.last().expect("manifest");
        assert_eq!(manifest.path, "preview/manifest.js");
        let manifest = String::from_utf8_lossy(&manifest.bytes);
        let json =
            manifest.trim().trim_start_matches("__bpPreview.manifest(").trim_end_matches(");");
        let shards = serde_json::from_str::<Value>(json).expect("JSON")["shards"].as_u64();
        let shards = shards.expect("shard count") as u32;
        assert!(shards > 2, "{shards} shards");
        assert_eq!(files.len(), shards as usize + 1, "every shard has a file, even an empty one");
        for p in &previews {
            let shard = &files[shard_of(&p.file, shards) as usize];
            assert!(String::from_utf8_lossy(&shard.bytes).contains(&format!("\"{}\":", p.file)));
        }
        assert!(files.iter().all(|f| f.bytes.len() < 3 * SHARD_BYTES), "shards stay small");
    }
}
