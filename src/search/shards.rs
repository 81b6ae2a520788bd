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

use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use super::index::{BlockEntry, Index, PageEntry, Postings, js_order};
use crate::files::OutputFile;

/// A term shard is closed once it holds about this many bytes.
pub const TERM_SHARD_BYTES: usize = 32 * 1024;
/// A term whose postings take more bytes than this gets a file of its own,
/// so a prefix loads only the postings of the completions it uses.
pub const BIG_TERM_BYTES: usize = 16 * 1024;
/// A document shard is closed once it holds about this many bytes.
pub const DOC_SHARD_BYTES: usize = 96 * 1024;
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

/// JSON safe to put inside a script: `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn escape_js(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut copied = 0;
    for (at, byte) in json.bytes().enumerate() {
        let escape = match byte {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            b'&' => "\\u0026",
            // U+2028 and U+2029 are E2 80 A8 and E2 80 A9 in UTF-8.
            0xE2 if json[at..].starts_with('\u{2028}') => "\\u2028",
            0xE2 if json[at..].starts_with('\u{2029}') => "\\u2029",
            _ => continue,
        };
        out.push_str(&json[copied..at]);
        out.push_str(escape);
        copied = at + if byte == 0xE2 { 3 } else { 1 };
    }
    out.push_str(&json[copied..]);
    out
}

/// A value as script-safe JSON.
pub fn js_json<T: Serialize + ?Sized>(value: &T) -> String {
    escape_js(&serde_json::to_string(value).unwrap_or_else(|_| "null".into()))
}

/// One shard being filled: its first and last keys and its file so far.
struct Shard<K> {
    first: K,
    last: K,
    /// `{call}(N,[` then the pieces, comma-separated (and `]);` once closed).
    body: String,
    /// Where the pieces start in `body`.
    start: usize,
}

/// Groups `(key, piece)` pairs, in the order given, into shards of about
/// `target` bytes: a shard takes pieces until it holds `target` bytes. Each
/// shard is a script `{call}(N,[pieces]);`, pieces are written straight into
/// it, and it is handed back as soon as it is closed.
struct Grouper<K> {
    target: usize,
    call: &'static str,
    /// Shards started so far.
    count: usize,
    open: Option<Shard<K>>,
}

impl<K: Clone> Grouper<K> {
    fn new(target: usize, call: &'static str) -> Self {
        Grouper { target, call, count: 0, open: None }
    }

    /// Adds the piece that `write` appends; returns the shard it closed, if
    /// the piece started a new one.
    fn push_with(&mut self, key: K, write: impl FnOnce(&mut String)) -> Option<Shard<K>> {
        match &mut self.open {
            Some(shard) if shard.body.len() - shard.start < self.target => {
                shard.body.push(',');
                write(&mut shard.body);
                shard.last = key;
                None
            }
            open => {
                let mut body = format!("{}({},[", self.call, self.count);
                self.count += 1;
                let start = body.len();
                write(&mut body);
                open.replace(Shard { first: key.clone(), last: key, body, start }).map(close)
            }
        }
    }

    /// The last shard, closed, if any piece was pushed.
    fn finish(self) -> Option<Shard<K>> {
        self.open.map(close)
    }
}

/// Closes a shard's script.
fn close<K>(mut shard: Shard<K>) -> Shard<K> {
    shard.body.push_str("]);\n");
    shard
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

/// Writes the term shards, then the big terms' own posting files, each
/// file as soon as it is made; returns the bounds of the term shards (the
/// first term of each but the first, shortened).
///
/// The term shards come first but name the posting files, so the terms are
/// read twice: once for the shards, then once more, consumed, for the
/// posting files (each term's postings dropped as its file is written), so
/// the index's postings and their files are not both held whole.
fn term_files<E>(
    terms: Vec<(String, Postings)>,
    emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
) -> Result<Vec<String>, E> {
    let mut grouper = Grouper::new(TERM_SHARD_BYTES, "__bpSearch.terms");
    let mut bounds = vec![String::new()];
    let mut shards = 0;
    let mut emit_shard = |shard: Shard<&str>, next: Option<&str>| {
        if let Some(next) = next {
            bounds.push(separator(shard.last, next));
        }
        let path = format!("search/t/{shards}.js");
        shards += 1;
        emit(OutputFile { path, bytes: shard.body.into_bytes() })
    };
    let mut big = 0;
    for (term, list) in &terms {
        let encoded_len = list.encoded_len();
        let closed = grouper.push_with(term.as_str(), |piece| {
            piece.push_str(&js_json(term));
            piece.push(',');
            if encoded_len > BIG_TERM_BYTES {
                piece.push_str(&format!("[{},{big}]", list.len()));
                big += 1;
            } else {
                piece.push('"');
                list.write_encoded(piece);
                piece.push('"');
            }
        });
        if let Some(closed) = closed {
            emit_shard(closed, Some(term))?;
        }
    }
    if let Some(last) = grouper.finish() {
        emit_shard(last, None)?;
    }
    let mut big = 0;
    for (_, list) in terms {
        let encoded_len = list.encoded_len();
        if encoded_len > BIG_TERM_BYTES {
            let mut body = format!("__bpSearch.postings({big},\"");
            body.reserve_exact(encoded_len + 4);
            list.write_encoded(&mut body);
            drop(list);
            body.push_str("\");\n");
            emit(OutputFile { path: format!("search/p/{big}.js"), bytes: body.into_bytes() })?;
            big += 1;
        }
    }
    Ok(bounds)
}

/// Appends `value` as JSON.
fn push_json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // Strings, numbers and lists of strings always serialise.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// `[parent, anchor, text, code]`, parent −1 for none, empty trailing fields left out.
fn push_block(out: &mut Vec<u8>, block: &BlockEntry) {
    let parent = block.parent.map_or(-1, |p| p as i64);
    let fields = [block.anchor.as_str(), block.text.as_str(), block.code.as_str()];
    let kept = fields.iter().rposition(|f| !f.is_empty()).map_or(0, |i| i + 1);
    out.push(b'[');
    push_json(out, &parent);
    for field in &fields[..kept] {
        out.push(b',');
        push_json(out, *field);
    }
    out.push(b']');
}

/// `[title, file, aliases, tags, blocks]` as script-safe JSON.
pub fn page_json(page: &PageEntry) -> String {
    let text: usize =
        page.blocks.iter().map(|b| b.anchor.len() + b.text.len() + b.code.len() + 16).sum();
    let mut out = Vec::with_capacity(64 + page.title.len() + page.file.len() + text);
    out.push(b'[');
    push_json(&mut out, &page.title);
    out.push(b',');
    push_json(&mut out, &page.file);
    out.push(b',');
    push_json(&mut out, &page.aliases);
    out.push(b',');
    push_json(&mut out, &page.tags);
    out.push(b',');
    out.push(b'[');
    for (i, block) in page.blocks.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_block(&mut out, block);
    }
    out.extend_from_slice(b"]]");
    match String::from_utf8(out) {
        Ok(json) if !needs_escape(&json) => json,
        Ok(json) => escape_js(&json),
        Err(e) => escape_js(&String::from_utf8_lossy(e.as_bytes())),
    }
}

/// Whether [`escape_js`] may change `json` (it does not when this is false).
fn needs_escape(json: &str) -> bool {
    // A chunk at a time, without an early exit inside it, so the check is vectorised.
    json.as_bytes().chunks(64).any(|chunk| {
        chunk.iter().fold(false, |any, &b| any | matches!(b, b'<' | b'>' | b'&' | 0xE2))
    })
}

/// Every file of the index (of [`super::index::build`], page entries
/// included): the document shards, the term shards, the big terms' posting
/// files, then the manifest.
pub fn files(index: Index) -> Vec<OutputFile> {
    crate::files::collect_files(|mut emit| {
        let mut writer = Writer::default();
        writer.pages(index.pages.par_iter().map(page_json).collect(), &mut emit)?;
        writer.finish(index.terms, index.docs, &mut emit)
    })
}

/// Writes the index files while the index is being built: the document
/// shards as the page entries come ([`Writer::pages`]), then, once every
/// page is in, the term files and the manifest ([`Writer::finish`]). No file
/// is held once given, and no entry once its shard is written.
#[derive(Default)]
pub struct Writer {
    docs: Option<Grouper<u32>>,
    /// The first page of each document shard written.
    starts: Vec<u32>,
    /// Pages given so far.
    pages: u32,
    /// Every file before the manifest, in the order written: the manifest
    /// names the build by it.
    hasher: blake3::Hasher,
}

impl Writer {
    /// Adds the document entries of the next pages ([`page_json`]), in page order, writing
    /// each document shard as soon as it is full.
    pub fn pages<E>(
        &mut self,
        pieces: Vec<String>,
        emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
    ) -> Result<(), E> {
        let grouper =
            self.docs.get_or_insert_with(|| Grouper::new(DOC_SHARD_BYTES, "__bpSearch.docs"));
        for piece in pieces {
            if let Some(closed) = grouper.push_with(self.pages, |body| body.push_str(&piece)) {
                doc_shard(closed, &mut self.starts, &mut self.hasher, emit)?;
            }
            self.pages += 1;
        }
        Ok(())
    }

    /// Writes the last document shard, the term shards and posting files of
    /// `terms`, then the manifest; `docs` is the index's document count.
    pub fn finish<E>(
        mut self,
        terms: Vec<(String, Postings)>,
        docs: u32,
        emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
    ) -> Result<(), E> {
        if let Some(last) = self.docs.take().and_then(Grouper::finish) {
            doc_shard(last, &mut self.starts, &mut self.hasher, emit)?;
        }
        let hasher = &mut self.hasher;
        let bounds = term_files(terms, &mut |file: OutputFile| {
            hasher.update(&file.bytes);
            emit(file)
        })?;
        let build = self.hasher.finalize().to_hex()[..12].to_string();
        let mut doc_starts = String::new();
        let mut previous = 0;
        for start in self.starts {
            push_number(&mut doc_starts, start - previous);
            previous = start;
        }
        let manifest = json!({
            "version": FORMAT_VERSION,
            "build": build,
            "docs": docs,
            "pages": self.pages,
            "terms": bounds,
            "docShards": doc_starts,
        });
        let body = format!("__bpSearch.manifest({});\n", js_json(&manifest));
        emit(OutputFile { path: "search/manifest.js".into(), bytes: body.into_bytes() })
    }
}

/// Writes a closed document shard as `search/d/N.js`, N counting from 0.
fn doc_shard<E>(
    shard: Shard<u32>,
    starts: &mut Vec<u32>,
    hasher: &mut blake3::Hasher,
    emit: &mut impl FnMut(OutputFile) -> Result<(), E>,
) -> Result<(), E> {
    let path = format!("search/d/{}.js", starts.len());
    starts.push(shard.first);
    hasher.update(shard.body.as_bytes());
    emit(OutputFile { path, bytes: shard.body.into_bytes() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::index::Posting;

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
        let numbers = read_numbers(&postings.iter().copied().collect::<Postings>().encoded());
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
    fn text_that_escape_js_changes_needs_escaping() {
        for text in ["plain", "a<b", "a>b", "a&b", "\u{2028}", "\u{2029}", "€ ≈ ⁂", "é"] {
            assert!(needs_escape(text) || escape_js(text) == text, "{text:?}");
        }
        assert!(!needs_escape("[\"é\",1]") && needs_escape("a<b") && needs_escape("\u{2028}"));
        let long = "x".repeat(200);
        assert!(!needs_escape(&long));
        for at in [0, 63, 64, 65, 199] {
            let mut text = long.clone().into_bytes();
            text[at] = b'&';
            assert!(needs_escape(&String::from_utf8_lossy(&text)), "{at}");
        }
    }

    #[test]
    fn shards_are_scripts_of_comma_separated_pieces() {
        let mut grouper = Grouper::new(4, "f");
        let mut shards = Vec::new();
        for (key, piece) in [(0, "aa"), (1, "bbb"), (2, "c"), (3, "dddd"), (4, "e")] {
            shards.extend(grouper.push_with(key, |out| out.push_str(piece)));
        }
        shards.extend(grouper.finish());
        let bodies: Vec<&str> = shards.iter().map(|s| s.body.as_str()).collect();
        assert_eq!(bodies, ["f(0,[aa,bbb]);\n", "f(1,[c,dddd]);\n", "f(2,[e]);\n"]);
        let keys: Vec<(i32, i32)> = shards.iter().map(|s| (s.first, s.last)).collect();
        assert_eq!(keys, [(0, 1), (2, 3), (4, 4)]);
    }

    #[test]
    fn encoded_len_is_the_encoded_length() {
        let p = |page| Posting { page, block: 1, score: 9, position: 3 };
        for n in [0, 1, 31, 32, 1023, 1024, 1025, 40_000] {
            let postings: Postings = (0..n).map(p).collect();
            assert_eq!(postings.encoded_len(), postings.encoded().len(), "{n}");
            let mut out = String::from("x");
            postings.write_encoded(&mut out);
            assert_eq!(out[1..], postings.encoded());
        }
    }

    #[test]
    fn separators_are_short_and_ordered() {
        assert_eq!(separator("apple", "banana"), "b");
        assert_eq!(separator("stat", "statefulset"), "state");
        assert_eq!(separator("", "a"), "a");
    }
}
