//! SEARCH, step one: text → search terms, the same way at build time and in
//! the browser (`themes/default/static/search.js` mirrors every rule here).
//!
//! Folding: lower case, compatibility decomposition (NFKD), combining marks
//! removed, final sigma as sigma, so `Überblick`, `uberblick` and `ÜBERBLICK`
//! are one term. Words are runs of letters and digits; `-`, `_` and `.`
//! between two word characters join a compound, which is kept whole and split
//! (`cri-o` gives `cri-o`, `cri`, `o`); apostrophes inside a word are dropped.
//! Han and kana characters are words of one character. Nothing is a stop word.
//! [`stem`] is a light English suffix stripper applied to plain `a-z` words.

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Terms longer than this many characters are cut (hashes, base64 blobs).
pub const MAX_TERM_CHARS: usize = 40;

/// One word of a text, folded but not stemmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The folded word (a compound whole, or one of its parts).
    pub text: String,
    /// Word position: parts of a compound take consecutive positions, the
    /// whole compound shares its first part's.
    pub position: u32,
    /// A part of a compound (`cri` of `cri-o`), not a word as written.
    pub part: bool,
}

/// Appends the folded form of one character.
pub fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for lower in c.to_lowercase() {
        decompose_compatible(lower, |d| {
            if !is_combining_mark(d) {
                out.push(if d == 'ς' { 'σ' } else { d });
            }
        });
    }
}

/// The folded form of a text.
pub fn fold(text: &str) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        fold_char(c, &mut out);
    }
    out
}

/// Han ideographs and kana: each one is a word by itself.
pub fn is_cjk(c: char) -> bool {
    matches!(
        c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F
    )
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}')
}

/// Collects the parts of the compound being read and hands finished words to
/// a callback, without allocating per word: the compound is one buffer and
/// its parts are ranges of it.
struct Scanner<'a, F> {
    /// The compound being read, joiners included.
    compound: &'a mut String,
    /// Byte ranges of its parts.
    parts: &'a mut Vec<(usize, usize)>,
    position: u32,
    count: u32,
    last: Option<u32>,
    emit: F,
}

impl<F: FnMut(&str, u32, bool)> Scanner<'_, F> {
    fn push_char(&mut self, c: char) {
        if self.parts.is_empty() {
            self.parts.push((self.compound.len(), self.compound.len()));
        }
        self.compound.push(c);
        if let Some(part) = self.parts.last_mut() {
            part.1 = self.compound.len();
        }
    }

    /// Appends a run of ASCII letters and digits, lower-cased.
    fn push_ascii_run(&mut self, run: &str) {
        let start = self.compound.len();
        if self.parts.is_empty() {
            self.parts.push((start, start));
        }
        self.compound.push_str(run);
        self.compound[start..].make_ascii_lowercase();
        if let Some(part) = self.parts.last_mut() {
            part.1 = self.compound.len();
        }
    }

    fn join(&mut self, joiner: char) {
        self.compound.push(joiner);
        self.parts.push((self.compound.len(), self.compound.len()));
    }

    fn finish(&mut self) {
        if self.parts.len() > 1 {
            self.word(None, false);
        }
        let part = self.parts.len() > 1;
        for i in 0..self.parts.len() {
            self.word(Some(i), part);
            self.position += 1;
        }
        self.compound.clear();
        self.parts.clear();
    }

    /// Emits part `i` of the compound, or the whole compound for `None`.
    fn word(&mut self, i: Option<usize>, part: bool) {
        let text = match i {
            Some(i) => &self.compound[self.parts[i].0..self.parts[i].1],
            None => self.compound.as_str(),
        };
        emit_cut(text, self.position, part, &mut self.emit);
        self.count += 1;
        self.last = Some(self.position);
    }

    fn single(&mut self, c: char) {
        let mut buffer = [0u8; 4];
        (self.emit)(c.encode_utf8(&mut buffer), self.position, false);
        self.count += 1;
        self.last = Some(self.position);
        self.position += 1;
    }
}

/// Hands `text` over, cut to [`MAX_TERM_CHARS`] characters.
fn emit_cut(text: &str, position: u32, part: bool, emit: &mut impl FnMut(&str, u32, bool)) {
    // No more bytes than the limit: no more characters either.
    let text = if text.len() <= MAX_TERM_CHARS {
        text
    } else {
        match text.char_indices().nth(MAX_TERM_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        }
    };
    emit(text, position, part);
}

/// Buffers of the tokenizer, kept between texts so that tokenizing many
/// texts does not allocate for each.
#[derive(Debug, Default)]
pub struct Tokenizer {
    compound: String,
    parts: Vec<(usize, usize)>,
}

impl Tokenizer {
    /// Calls `emit(word, position, part)` for every word of a text (folded,
    /// in order), positions starting at `first_position`; returns the number
    /// of words and the position of the last one. An ASCII text takes a fast
    /// path over its bytes; any other text is folded first; both give the
    /// same words.
    pub fn each_word(
        &mut self,
        text: &str,
        first_position: u32,
        emit: impl FnMut(&str, u32, bool),
    ) -> (u32, Option<u32>) {
        if text.is_ascii() {
            self.each_word_ascii(text, first_position, emit)
        } else {
            self.each_word_unicode(text, first_position, emit)
        }
    }

    fn scanner<F>(&mut self, first_position: u32, emit: F) -> Scanner<'_, F> {
        self.compound.clear();
        self.parts.clear();
        Scanner {
            compound: &mut self.compound,
            parts: &mut self.parts,
            position: first_position,
            count: 0,
            last: None,
            emit,
        }
    }

    /// [`Tokenizer::each_word`] of an ASCII text: the rules of
    /// [`Tokenizer::each_word_unicode`], on bytes, folding a run of letters
    /// and digits at a time.
    fn each_word_ascii(
        &mut self,
        text: &str,
        first_position: u32,
        emit: impl FnMut(&str, u32, bool),
    ) -> (u32, Option<u32>) {
        debug_assert!(text.is_ascii());
        let bytes = text.as_bytes();
        let mut scanner = self.scanner(first_position, emit);
        let mut previous_is_word = false;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() {
                let end = bytes[i..]
                    .iter()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .map_or(bytes.len(), |n| i + n);
                // Every byte is ASCII: any index is a character boundary.
                scanner.push_ascii_run(&text[i..end]);
                previous_is_word = true;
                i = end;
                continue;
            }
            i += 1;
            let next_is_word = bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
            if previous_is_word && next_is_word && b == b'\'' {
                continue;
            }
            if previous_is_word && next_is_word && matches!(b, b'-' | b'_' | b'.') {
                scanner.join(char::from(b));
                previous_is_word = false;
                continue;
            }
            scanner.finish();
            previous_is_word = false;
        }
        scanner.finish();
        (scanner.count, scanner.last)
    }

    /// [`Tokenizer::each_word`] of any text, folded first, character by character.
    fn each_word_unicode(
        &mut self,
        text: &str,
        first_position: u32,
        emit: impl FnMut(&str, u32, bool),
    ) -> (u32, Option<u32>) {
        let folded = fold(text);
        let mut scanner = self.scanner(first_position, emit);
        let mut chars = folded.chars().peekable();
        let mut previous_is_word = false;
        while let Some(c) = chars.next() {
            if is_word_char(c) {
                scanner.push_char(c);
                previous_is_word = true;
                continue;
            }
            let next_is_word = chars.peek().is_some_and(|&n| is_word_char(n));
            if previous_is_word && next_is_word && is_apostrophe(c) {
                continue;
            }
            if previous_is_word && next_is_word && is_joiner(c) {
                scanner.join(c);
                previous_is_word = false;
                continue;
            }
            scanner.finish();
            previous_is_word = false;
            if is_cjk(c) {
                scanner.single(c);
            }
        }
        scanner.finish();
        (scanner.count, scanner.last)
    }
}

/// Calls `emit(word, position, part)` for every word of a text (folded, in
/// order), positions starting at `first_position`; returns the number of
/// words and the position of the last one. See [`Tokenizer::each_word`] to
/// keep the buffers between texts.
pub fn each_word(
    text: &str,
    first_position: u32,
    emit: impl FnMut(&str, u32, bool),
) -> (u32, Option<u32>) {
    Tokenizer::default().each_word(text, first_position, emit)
}

/// The words of a text (folded, in order), positions from 0.
pub fn words(text: &str) -> Vec<Word> {
    let mut words = Vec::new();
    each_word(text, 0, |text, position, part| {
        words.push(Word { text: text.to_string(), position, part });
    });
    words
}

/// The stemmed, folded terms of a text, in order (the query side).
pub fn terms(text: &str) -> Vec<String> {
    words(text).into_iter().map(|w| stem(&w.text)).collect()
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

/// Removes one of a doubled final consonant (`runn` → `run`), except `ll`, `ss`, `zz`.
fn undouble(word: &mut String) {
    let b = word.as_bytes();
    let n = b.len();
    if n >= 2 && b[n - 1] == b[n - 2] && !is_vowel(b[n - 1]) && !b"lsz".contains(&b[n - 1]) {
        word.pop();
    }
}

/// Plural endings: `-ies` → `-y`, `-sses`/`-xes`/`-ches`/`-shes`/`-zzes` lose `es`,
/// a final `s` goes unless the word ends in `ss`, `us` or `is`.
fn strip_plural(word: &mut String) {
    if word.len() >= 5 && word.ends_with("ies") {
        word.truncate(word.len() - 3);
        word.push('y');
    } else if ["sses", "xes", "ches", "shes", "zzes"].iter().any(|s| word.ends_with(s)) {
        word.truncate(word.len() - 2);
    } else if word.ends_with('s') && !["ss", "us", "is"].iter().any(|s| word.ends_with(s)) {
        word.pop();
    }
}

/// Verb endings: `-ing` and `-ed` when at least three letters with a vowel remain.
fn strip_verb(word: &mut String) {
    for suffix in ["ing", "ed"] {
        if let Some(rest) = word.strip_suffix(suffix) {
            if rest.len() >= 3 && rest.bytes().any(is_vowel) {
                word.truncate(rest.len());
                undouble(word);
                return;
            }
        }
    }
}

/// The stem of a folded word: plain `a-z` words of four letters or more lose
/// plural and verb endings and a final `e` (`policies` → `policy`,
/// `running` → `run`, `nodes`/`node` → `nod`); anything else is kept as it is
/// (`k8s`, `cri-o`, `etcd`).
pub fn stem(word: &str) -> String {
    if word.len() < 4 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
        return word.to_string();
    }
    let mut s = word.to_string();
    strip_plural(&mut s);
    strip_verb(&mut s);
    if s.len() >= 4 && s.ends_with('e') {
        s.pop();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        words(text).into_iter().map(|w| w.text).collect()
    }

    /// One path of the tokenizer.
    #[derive(Clone, Copy)]
    enum Path {
        Ascii,
        Unicode,
        Public,
    }

    /// (word, position, part) of a text by one path of the tokenizer.
    fn by_path(path: Path, text: &str) -> (Vec<(String, u32, bool)>, u32, Option<u32>) {
        let mut out = Vec::new();
        let mut t = Tokenizer::default();
        let emit = |w: &str, at, part| out.push((w.to_string(), at, part));
        let (count, last) = match path {
            Path::Ascii => t.each_word_ascii(text, 7, emit),
            Path::Unicode => t.each_word_unicode(text, 7, emit),
            Path::Public => t.each_word(text, 7, emit),
        };
        (out, count, last)
    }

    const ASCII_SAMPLES: &[&str] = &[
        "",
        "   ",
        "A CRI-O runtime, K8s v1.29.3 and kube_apiserver.",
        "Logseq's don't 'quoted' it'' x'y -a- _b_ .c. a--b a-.b a.-b",
        "(cri-o) [[Page Name]] #tag key:: Value\nsecond LINE\tTab",
        "UPPER lower MiXeD 123 4x4 x86_64 3.14159 2024-01-02",
        "end-",
        "-start",
        "a'",
        "'a",
        "trailing joiner. next",
        "https://example.com/a-b_c.d?e=f&g=h#i",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-bb",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789ABCDEF",
        "~!@#$%^&*()+={}|;\"<>,?/`",
    ];

    #[test]
    fn ascii_path_gives_the_unicode_paths_words() {
        for text in ASCII_SAMPLES {
            let fast = by_path(Path::Ascii, text);
            assert_eq!(fast, by_path(Path::Unicode, text), "{text:?}");
            assert_eq!(fast, by_path(Path::Public, text), "{text:?}");
        }
        // The samples do exercise compounds, apostrophes, cuts and case.
        let (words, ..) = by_path(Path::Ascii, ASCII_SAMPLES[2]);
        assert!(words.contains(&("cri-o".to_string(), 8, false)), "{words:?}");
        assert!(words.contains(&("o".to_string(), 9, true)), "{words:?}");
        let (words, ..) = by_path(Path::Ascii, ASCII_SAMPLES[12]);
        assert_eq!(words[0].0.len(), MAX_TERM_CHARS);
    }

    #[test]
    fn mixed_text_gives_the_ascii_words_and_the_others() {
        // Non-ASCII words after ASCII ones: the ASCII words are the fast path's.
        for (ascii, rest, rest_words) in [
            ("A CRI-O's k8s v1.2 ", "Überblick", &["uberblick"][..]),
            ("x86_64 DON'T ", "日本 ﬁle", &["日", "本", "file"][..]),
            ("Hello, World! ", "ÉTÉ 🎉 naïve-café", &["ete", "naive-cafe", "naive", "cafe"][..]),
            ("Q ", "ΟΔΟΣ straße", &["οδοσ", "straße"][..]),
        ] {
            let (expected, ..) = by_path(Path::Ascii, ascii);
            let (words, ..) = by_path(Path::Public, &format!("{ascii}{rest}"));
            let tail: Vec<&str> = words[expected.len()..].iter().map(|w| w.0.as_str()).collect();
            assert_eq!(tail, rest_words, "{ascii}{rest}");
            assert_eq!(words[..expected.len()], expected[..], "{ascii}{rest}");
        }
    }

    #[test]
    fn a_tokenizer_reused_gives_the_same_words() {
        let mut tokenizer = Tokenizer::default();
        for text in ASCII_SAMPLES.iter().chain(&["Überblick cri-o 日本", "a-"]) {
            let mut again = Vec::new();
            tokenizer.each_word(text, 0, |w, at, part| again.push((w.to_string(), at, part)));
            let fresh: Vec<_> =
                words(text).into_iter().map(|w| (w.text, w.position, w.part)).collect();
            assert_eq!(again, fresh, "{text:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_and_unicode_paths_agree(text in "[a-zA-Z0-9 '._,:\\-]{0,60}") {
            proptest::prop_assert_eq!(by_path(Path::Ascii, &text), by_path(Path::Unicode, &text));
        }
    }

    #[test]
    fn case_and_diacritics_fold() {
        assert_eq!(fold("Überblick ÉTÉ Straße"), "uberblick ete straße");
        assert_eq!(fold("ΟΔΟΣ"), "οδοσ");
        assert_eq!(fold("ﬁle Ⓐ"), "file a");
    }

    #[test]
    fn hyphenated_words_are_kept_whole_and_split() {
        assert_eq!(texts("a cri-o runtime"), ["a", "cri-o", "cri", "o", "runtime"]);
        let positions: Vec<u32> = words("a cri-o runtime").iter().map(|w| w.position).collect();
        assert_eq!(positions, [0, 1, 1, 2, 3]);
    }

    #[test]
    fn technical_words_survive() {
        assert_eq!(terms("K8s etcd kubectl"), ["k8s", "etcd", "kubectl"]);
        assert_eq!(
            texts("kube-apiserver, v1.29."),
            ["kube-apiserver", "kube", "apiserver", "v1.29", "v1", "29"]
        );
        assert_eq!(texts("(cri-o)"), ["cri-o", "cri", "o"]);
        assert_eq!(texts("--flag -x"), ["flag", "x"]);
    }

    #[test]
    fn apostrophes_join_and_cjk_is_one_char_per_word() {
        assert_eq!(texts("Logseq's don’t"), ["logseqs", "dont"]);
        assert_eq!(texts("日本語 text"), ["日", "本", "語", "text"]);
    }

    #[test]
    fn long_terms_are_cut() {
        let long = "x".repeat(100);
        assert_eq!(texts(&long)[0].chars().count(), MAX_TERM_CHARS);
    }

    #[test]
    fn stemming_is_light_and_consistent() {
        for (a, b) in [
            ("pods", "pod"),
            ("policies", "policy"),
            ("classes", "class"),
            ("running", "run"),
            ("nodes", "node"),
            ("caching", "cache"),
            ("stated", "state"),
            ("statefulsets", "statefulset"),
            ("installed", "install"),
        ] {
            assert_eq!(stem(a), stem(b), "{a} / {b}");
        }
        for kept in ["k8s", "etcd", "cri-o", "status", "this", "ingress", "string", "use"] {
            assert_eq!(stem(kept), kept);
        }
    }
}
