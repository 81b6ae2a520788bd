//! SEARCH, step three: the in-memory [`Index`] → plain script files under
//! `search/`, loadable from `file://` (no fetch, no modules, no WASM).
//!
//! * `search/manifest.js`: `__bpSearch.manifest({...})`: counts, the first
//!   term of each term shard and the first page of each document shard;
//! * `search/t/N.js`: `__bpSearch.terms(N, ["term", "postings", ...])`, a
//!   range of terms in JavaScript string order (an array: object keys like
//!   `2024` would not keep their order); a term with more than
//!   [`BIG_TERM_BYTES`] of postings has `[document count, file]` instead,
//!   and its postings are in `search/p/file.js`:
//!   `__bpSearch.postings(file, "postings")`;
//! * `search/d/N.js`: `__bpSearch.docs(N, [[title, file, aliases, tags,
//!   blocks], ...])`, consecutive pages, each block `[parent, anchor, text, code]`
//!   (parent −1 for none, empty trailing fields left out).
//!
//! Postings are a string of numbers in base 32 with a continuation digit
//! (see [`push_number`]): the count, then per posting the page delta, the
//! block (a delta minus one on the same page), the score and the position.

use serde::Serialize;
use serde_json::{Value, json};

use super::index::{BlockEntry, Index, PageEntry, Posting, js_order};
use crate::render::OutputFile;

/// A term shard is closed once it holds about this many bytes.
pub const TERM_SHARD_BYTES: usize = 16 * 1024;
/// A term whose postings take more bytes than this gets a file of its own,
/// so a prefix loads only the postings of the completions it uses.
pub const BIG_TERM_BYTES: usize = 8 * 1024;
/// A document shard is closed once it holds about this many bytes.
pub const DOC_SHARD_BYTES: usize = 12 * 1024;
/// Version of the file format, checked by search.js.
pub const FORMAT_VERSION: u32 = 1;

/// The 64 digits: values 0–31 end a number, 32–63 carry five more bits.
const DIGITS: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";

/// Appends `value`, five bits per digit, most significant first.
pub fn push_number(out: &mut String, value: u32) {
    let mut groups = [0u8; 7];
    let mut n = 0;
    let mut rest = value;
    loop {
        groups[n] = (rest & 31) as u8;
        n += 1;
        rest >>= 5;
        if rest == 0 {
            break;
        }
    }
    for (i, &group) in groups[..n].iter().enumerate().rev() {
        let digit = if i == 0 { group } else { group + 32 };
        out.push(char::from(DIGITS[usize::from(digit)]));
    }
}

/// Reads the numbers of an encoded string (the decoder search.js mirrors).
pub fn read_numbers(text: &str) -> Vec<u32> {
    let mut numbers = Vec::new();
    let mut value: u32 = 0;
    for byte in text.bytes() {
        let Some(digit) = DIGITS.iter().position(|&d| d == byte) else { continue };
        value = (value << 5) | (digit as u32 & 31);
        if digit < 32 {
            numbers.push(value);
            value = 0;
        }
    }
    numbers
}

/// A term's postings as a string.
pub fn encode_postings(postings: &[Posting]) -> String {
    let mut out = String::with_capacity(postings.len() * 5 + 2);
    push_number(&mut out, postings.len() as u32);
    let (mut page, mut block): (u32, Option<u32>) = (0, None);
    for p in postings {
        let delta = p.page - page;
        push_number(&mut out, delta);
        let block_field = match block {
            Some(previous) if delta == 0 => p.block - previous - 1,
            _ => p.block,
        };
        push_number(&mut out, block_field);
        push_number(&mut out, u32::from(p.score));
        push_number(&mut out, p.position);
        (page, block) = (p.page, Some(p.block));
    }
    out
}

/// JSON safe to put inside a script: `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn escape_js(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// A value as script-safe JSON.
pub fn js_json<T: Serialize + ?Sized>(value: &T) -> String {
    escape_js(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()))
}

/// One shard being filled: its first and last keys and its JSON pieces.
struct Shard<K> {
    first: K,
    last: K,
    pieces: Vec<String>,
    bytes: usize,
}

/// Groups `(key, piece)` pairs, in order, into shards of about `target` bytes.
fn group<K: Clone>(items: impl Iterator<Item = (K, String)>, target: usize) -> Vec<Shard<K>> {
    let mut shards: Vec<Shard<K>> = Vec::new();
    for (key, piece) in items {
        match shards.last_mut() {
            Some(shard) if shard.bytes < target => {
                shard.bytes += piece.len() + 1;
                shard.pieces.push(piece);
                shard.last = key;
            }
            _ => shards.push(Shard {
                first: key.clone(),
                last: key,
                bytes: piece.len(),
                pieces: vec![piece],
            }),
        }
    }
    shards
}

/// The shortest prefix of `first` that still sorts after `previous`.
fn separator(previous: &str, first: &str) -> String {
    let mut prefix = String::new();
    for c in first.chars() {
        prefix.push(c);
        if js_order(&prefix, previous).is_gt() {
            return prefix;
        }
    }
    first.to_string()
}

/// Term shards: bounds, shard bodies and the bodies of big terms' own posting files.
struct TermFiles {
    bounds: Vec<String>,
    shards: Vec<String>,
    postings: Vec<String>,
}

fn term_shards(index: &Index) -> TermFiles {
    let mut postings = Vec::new();
    let pieces: Vec<(String, String)> = index
        .terms
        .iter()
        .map(|(term, list)| {
            let encoded = encode_postings(list);
            let value = if encoded.len() > BIG_TERM_BYTES {
                postings.push(format!("__bpSearch.postings({},\"{encoded}\");\n", postings.len()));
                format!("[{},{}]", list.len(), postings.len() - 1)
            } else {
                format!("\"{encoded}\"")
            };
            (term.clone(), format!("{},{value}", js_json(term)))
        })
        .collect();
    let shards = group(pieces.into_iter(), TERM_SHARD_BYTES);
    let mut bounds = vec![String::new()];
    for pair in shards.windows(2) {
        bounds.push(separator(&pair[0].last, &pair[1].first));
    }
    let shards = shards
        .iter()
        .enumerate()
        .map(|(i, s)| format!("__bpSearch.terms({i},[{}]);\n", s.pieces.join(",")))
        .collect();
    TermFiles { bounds, shards, postings }
}

fn block_json(block: &BlockEntry) -> Value {
    let parent = block.parent.map_or(-1, |p| p as i64);
    let mut fields = vec![json!(parent), json!(block.anchor), json!(block.text), json!(block.code)];
    while fields.len() > 1 && fields.last().is_some_and(|v| v.as_str() == Some("")) {
        fields.pop();
    }
    Value::Array(fields)
}

fn page_json(page: &PageEntry) -> String {
    let blocks: Vec<Value> = page.blocks.iter().map(block_json).collect();
    js_json(&json!([page.title, page.file, page.aliases, page.tags, blocks]))
}

fn doc_shards(index: &Index) -> (Vec<u32>, Vec<String>) {
    let pieces = index.pages.iter().enumerate().map(|(i, p)| (i as u32, page_json(p)));
    let shards = group(pieces, DOC_SHARD_BYTES);
    let starts = shards.iter().map(|s| s.first).collect();
    let bodies = shards
        .iter()
        .enumerate()
        .map(|(i, s)| format!("__bpSearch.docs({i},[{}]);\n", s.pieces.join(",")))
        .collect();
    (starts, bodies)
}

/// Every file of the index, the manifest last.
pub fn files(index: &Index) -> Vec<OutputFile> {
    let terms = term_shards(index);
    let (starts, doc_bodies) = doc_shards(index);
    let mut hasher = blake3::Hasher::new();
    for body in terms.shards.iter().chain(&terms.postings).chain(&doc_bodies) {
        hasher.update(body.as_bytes());
    }
    let build = hasher.finalize().to_hex()[..12].to_string();
    let mut doc_starts = String::new();
    let mut previous = 0;
    for start in starts {
        push_number(&mut doc_starts, start - previous);
        previous = start;
    }
    let manifest = json!({
        "version": FORMAT_VERSION,
        "build": build,
        "docs": index.docs,
        "pages": index.pages.len(),
        "terms": terms.bounds,
        "docShards": doc_starts,
    });
    let mut files = Vec::new();
    for (dir, bodies) in [("t", terms.shards), ("p", terms.postings), ("d", doc_bodies)] {
        files.extend(bodies.into_iter().enumerate().map(|(i, body)| OutputFile {
            path: format!("search/{dir}/{i}.js"),
            bytes: body.into_bytes(),
        }));
    }
    let body = format!("__bpSearch.manifest({});\n", js_json(&manifest));
    files.push(OutputFile { path: "search/manifest.js".into(), bytes: body.into_bytes() });
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip() {
        let values = [0, 1, 31, 32, 1023, 1024, 70_000, u32::MAX];
        let mut text = String::new();
        for v in values {
            push_number(&mut text, v);
        }
        assert_eq!(read_numbers(&text), values);
        let mut small = String::new();
        push_number(&mut small, 31);
        assert_eq!(small.len(), 1);
    }

    #[test]
    fn postings_are_delta_coded() {
        let p = |page, block, score, position| Posting { page, block, score, position };
        let postings = [p(0, 0, 30, 0), p(0, 3, 6, 4), p(7, 2, 9, 1)];
        let numbers = read_numbers(&encode_postings(&postings));
        assert_eq!(numbers, [3, 0, 0, 30, 0, 0, 2, 6, 4, 7, 2, 9, 1]);
    }

    #[test]
    fn script_json_cannot_close_the_script_or_break_lines() {
        let text = js_json("</script><!-- & \u{2028}\u{2029}");
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(!text.contains('\u{2028}') && !text.contains('\u{2029}'));
        let back: String = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, "</script><!-- & \u{2028}\u{2029}");
    }

    #[test]
    fn separators_are_short_and_ordered() {
        assert_eq!(separator("apple", "banana"), "b");
        assert_eq!(separator("stat", "statefulset"), "state");
        assert_eq!(separator("", "a"), "a");
    }
}
