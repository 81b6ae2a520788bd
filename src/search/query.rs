//! SEARCH, at query time: the matching and ranking rules that
//! `themes/default/static/search.js` applies in the browser, in Rust, over an
//! in-memory [`Index`]. Used by the tests; keep both sides in step.
//!
//! * Every word must match (AND); the last word also matches as a prefix
//!   (from two characters on) unless the query ends with a space: its most
//!   frequent completions, up to [`MAX_EXPANSIONS`] and [`EXPANSION_BUDGET`].
//! * A block matches a word through its own text, or through its page's
//!   title, aliases, tags or namespaces (at [`CONTEXT_FACTOR`]); at least one
//!   word must match the block itself.
//! * Score: per word, the best expansion's `idf × posting score × factor`
//!   (exact 1, prefix 0.5 + 0.5 × typed/term length, typo [`TYPO_FACTOR`]);
//!   the words' scores add up; words found in a row as typed: × [`PHRASE_BOOST`].
//! * A word of [`TYPO_MIN_CHARS`] or more that matches nothing matches terms
//!   one edit away (insert, delete, replace, swap); search.js looks only at
//!   the shards it has loaded.

use std::collections::HashMap;

use super::index::{Index, Posting, js_order};
use super::tokenize::{self, stem};

/// Shortest last word matched as a prefix.
pub const PREFIX_MIN_CHARS: usize = 2;
/// Shortest word corrected for typos.
pub const TYPO_MIN_CHARS: usize = 5;
/// Most terms a prefix expands to (the most frequent ones).
pub const MAX_EXPANSIONS: usize = 50;
/// A prefix stops expanding once its terms hold this many postings (after
/// at least one term), which bounds the work of a short prefix like `re`.
pub const EXPANSION_BUDGET: usize = 40_000;
/// Weight of a word found only in the block's page title, aliases or tags.
pub const CONTEXT_FACTOR: f64 = 0.25;
/// Factor of a document holding the words in a row, as typed.
pub const PHRASE_BOOST: f64 = 2.0;
/// Factor of a term one edit away from the typed word.
pub const TYPO_FACTOR: f64 = 0.4;
/// Endings completed when the last word stops inside one (`runni` → `running`).
const COMPLETIONS: [&str; 4] = ["ing", "ed", "es", "s"];

/// A word of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryWord {
    /// Folded, not stemmed.
    pub text: String,
    /// Position in the query (compounds take one per part).
    pub position: u32,
    /// Matched as a prefix too (the last word, while it is being typed).
    pub prefix: bool,
}

/// A matching document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// Page ordinal.
    pub page: u32,
    /// 0 for the page itself, `i + 1` for block `i`.
    pub block: u32,
    /// Higher is better.
    pub score: f64,
}

/// The words of a query: compounds whole, the last one a prefix unless followed by a space.
pub fn parse(query: &str) -> Vec<QueryWord> {
    let mut words: Vec<QueryWord> = tokenize::words(query)
        .into_iter()
        .filter(|w| !w.part)
        .map(|w| QueryWord { text: w.text, position: w.position, prefix: false })
        .collect();
    let typing = !query.ends_with(char::is_whitespace);
    if let Some(last) = words.last_mut() {
        last.prefix = typing && last.text.chars().count() >= PREFIX_MIN_CHARS;
    }
    words
}

/// Terms a word matches exactly: its stem, and for a word being typed the stems
/// of the word completed with a common ending.
pub fn exact_terms(word: &QueryWord) -> Vec<String> {
    let mut terms = vec![stem(&word.text)];
    if word.prefix {
        for ending in COMPLETIONS {
            terms.push(stem(&format!("{}{ending}", word.text)));
            for cut in 1..ending.len() {
                if let Some(stripped) = word.text.strip_suffix(&ending[..cut]) {
                    terms.push(stem(&format!("{stripped}{ending}")));
                }
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    terms.retain(|t| seen.insert(t.clone()));
    terms
}

/// Inverse document frequency.
pub fn idf(docs: u32, df: usize) -> f64 {
    let (n, df) = (f64::from(docs), df as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// Whether `a` and `b` are at most one edit apart (insert, delete, replace, swap).
pub fn within_one_edit(a: &[char], b: &[char]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let Some(i) = a.iter().zip(b).position(|(x, y)| x != y) else { return true };
    match la.cmp(&lb) {
        std::cmp::Ordering::Equal => {
            a[i + 1..] == b[i + 1..]
                || (i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && a[i + 2..] == b[i + 2..])
        }
        std::cmp::Ordering::Greater => a[i + 1..] == b[i..],
        std::cmp::Ordering::Less => a[i..] == b[i + 1..],
    }
}

/// Whether `term` is one edit from the typed word (or, typing, starts with something one edit away).
pub fn is_typo_of(word: &QueryWord, term: &str) -> bool {
    let typed: Vec<char> = word.text.chars().collect();
    let term: Vec<char> = term.chars().collect();
    if !word.prefix {
        let stemmed: Vec<char> = stem(&word.text).chars().collect();
        return within_one_edit(&typed, &term) || within_one_edit(&stemmed, &term);
    }
    (typed.len().saturating_sub(1)..=typed.len() + 1)
        .filter(|&n| n >= 1 && n <= term.len())
        .any(|n| within_one_edit(&typed, &term[..n]))
}

/// Prefix factor: the closer the typed word to the whole term, the higher.
pub fn prefix_factor(typed: &str, term: &str) -> f64 {
    0.5 + 0.5 * typed.chars().count() as f64 / term.chars().count().max(1) as f64
}

/// The terms a word expands to, with their factors.
pub fn expand(index: &Index, word: &QueryWord) -> Vec<(String, f64)> {
    let mut found: Vec<(String, f64)> = exact_terms(word)
        .into_iter()
        .filter(|t| index.postings(t).is_some())
        .map(|t| (t, 1.0))
        .collect();
    if word.prefix {
        let start = index.terms.partition_point(|(t, _)| js_order(t, &word.text).is_lt());
        let mut longer: Vec<(&str, usize)> = index.terms[start..]
            .iter()
            .take_while(|(t, _)| t.starts_with(&word.text))
            .filter(|(t, _)| !found.iter().any(|(f, _)| f == t))
            .map(|(t, p)| (t.as_str(), p.len()))
            .collect();
        longer.sort_by(|a, b| b.1.cmp(&a.1).then(js_order(a.0, b.0)));
        let mut total: usize =
            found.iter().filter_map(|(t, _)| index.postings(t)).map(|p| p.len()).sum();
        for (i, (term, df)) in longer.into_iter().enumerate() {
            if i == MAX_EXPANSIONS || (i > 0 && total + df > EXPANSION_BUDGET) {
                break;
            }
            total += df;
            found.push((term.to_string(), prefix_factor(&word.text, term)));
        }
    }
    if found.is_empty() && word.text.chars().count() >= TYPO_MIN_CHARS {
        found = index
            .terms
            .iter()
            .filter(|(t, _)| is_typo_of(word, t))
            .map(|(t, _)| (t.clone(), TYPO_FACTOR))
            .collect();
    }
    found
}

/// A word's matches: document → (score, position).
type Matches = HashMap<(u32, u32), (f64, u32)>;

fn word_matches(index: &Index, word: &QueryWord) -> Matches {
    let mut matches = Matches::new();
    for (term, factor) in expand(index, word) {
        let postings: Vec<Posting> = index.postings(&term).map(|p| p.decode()).unwrap_or_default();
        let weight = idf(index.docs, postings.len()) * factor;
        for p in &postings {
            let score = weight * f64::from(p.score);
            let entry = matches.entry((p.page, p.block)).or_insert((0.0, p.position));
            if score > entry.0 {
                *entry = (score, p.position);
            }
        }
    }
    matches
}

/// Scores one candidate document against every word; `None` when a word is missing.
fn score_doc(doc: (u32, u32), words: &[QueryWord], matches: &[Matches]) -> Option<f64> {
    let mut total = 0.0;
    let mut positions = Vec::with_capacity(words.len());
    for word_matches in matches {
        if let Some(&(score, position)) = word_matches.get(&doc) {
            total += score;
            positions.push(Some(position));
        } else if doc.1 > 0 {
            let &(score, _) = word_matches.get(&(doc.0, 0))?;
            total += score * CONTEXT_FACTOR;
            positions.push(None);
        } else {
            return None;
        }
    }
    if is_phrase(words, &positions) {
        total *= PHRASE_BOOST;
    }
    Some(total)
}

/// Two or more words, each found in the document, in a row as typed.
fn is_phrase(words: &[QueryWord], positions: &[Option<u32>]) -> bool {
    let (Some(first_word), Some(Some(first))) = (words.first(), positions.first()) else {
        return false;
    };
    words.len() > 1
        && words.iter().zip(positions).all(|(w, p)| {
            p.is_some_and(|p| {
                i64::from(p) - i64::from(*first) == i64::from(w.position - first_word.position)
            })
        })
}

/// Every document matching the query, best first.
pub fn search(index: &Index, query: &str) -> Vec<Hit> {
    let words = parse(query);
    if words.is_empty() {
        return Vec::new();
    }
    let matches: Vec<Matches> = words.iter().map(|w| word_matches(index, w)).collect();
    let mut candidates: Vec<(u32, u32)> = matches.iter().flat_map(|m| m.keys().copied()).collect();
    candidates.sort_unstable();
    candidates.dedup();
    let mut hits: Vec<Hit> = candidates
        .into_iter()
        .filter_map(|doc| {
            score_doc(doc, &words, &matches).map(|score| Hit { page: doc.0, block: doc.1, score })
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score.total_cmp(&a.score).then((a.page, a.block).cmp(&(b.page, b.block)))
    });
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(text: &str, prefix: bool) -> QueryWord {
        QueryWord { text: text.into(), position: 0, prefix }
    }

    #[test]
    fn last_word_is_a_prefix_while_typing() {
        let words = parse("Stateful sets");
        assert_eq!(words.len(), 2);
        assert!(!words[0].prefix && words[1].prefix);
        assert!(!parse("sets ")[0].prefix);
        assert!(!parse("s")[0].prefix, "one letter is not expanded");
    }

    #[test]
    fn compounds_are_one_query_word() {
        let words = parse("cri-o runtime");
        assert_eq!(words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["cri-o", "runtime"]);
        assert_eq!(words[1].position, 2);
    }

    #[test]
    fn a_word_being_typed_completes_common_endings() {
        assert!(exact_terms(&word("runni", true)).contains(&"run".to_string()));
        assert!(exact_terms(&word("nodes", true)).contains(&"nod".to_string()));
        assert_eq!(exact_terms(&word("runni", false)), ["runni"]);
    }

    #[test]
    fn one_edit_means_one() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(within_one_edit(&c("kubelet"), &c("kubelte")));
        assert!(within_one_edit(&c("kubelet"), &c("kublet")));
        assert!(within_one_edit(&c("kubelet"), &c("kubelets")));
        assert!(within_one_edit(&c("kubelet"), &c("cubelet")));
        assert!(!within_one_edit(&c("kubelet"), &c("cubelte")));
        assert!(is_typo_of(&word("statfu", true), "statefulset"));
        assert!(!is_typo_of(&word("stxyfu", true), "statefulset"));
    }

    #[test]
    fn rarer_terms_weigh_more() {
        assert!(idf(1000, 1) > idf(1000, 100));
        assert!(idf(1000, 1000) > 0.0);
    }
}
