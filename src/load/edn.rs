//! A tolerant reader for the EDN subset found in `logseq/config.edn`.
//!
//! `config.edn` is Clojure data with comments, keywords, sets, regexes and
//! even `(fn ...)` forms inside query settings. We only need a few keys, so the
//! reader accepts every form, keeps the ones we can represent and never fails
//! on something it merely does not understand: an unreadable tail ends the map.

/// One EDN value.
#[derive(Debug, Clone, PartialEq)]
pub enum Edn {
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// A number, kept as written.
    Number(String),
    /// `"text"`
    String(String),
    /// `:keyword` (without the colon)
    Keyword(String),
    /// A bare symbol.
    Symbol(String),
    /// `[..]`, `(..)` or `#{..}`
    List(Vec<Edn>),
    /// `{k v ..}`
    Map(Vec<(Edn, Edn)>),
}

impl Edn {
    /// Looks up `:key` in a map.
    pub fn get(&self, key: &str) -> Option<&Edn> {
        match self {
            Edn::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(k, Edn::Keyword(name) if name == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string, keyword or symbol.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Edn::String(s) | Edn::Keyword(s) | Edn::Symbol(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a vector, list or set.
    pub fn as_list(&self) -> &[Edn] {
        match self {
            Edn::List(items) => items,
            _ => &[],
        }
    }
}

/// Reads the first form of `text`. Malformed input yields what could be read.
pub fn parse(text: &str) -> Edn {
    let mut reader = Reader { chars: text.chars().collect(), pos: 0, depth: 0 };
    reader.value().unwrap_or(Edn::Nil)
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

/// Deeper nesting than this is not a configuration file; stop reading.
const MAX_DEPTH: usize = 256;

impl Reader {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            if c == ';' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.pos += 1;
                }
            } else if c.is_whitespace() || c == ',' {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Option<Edn> {
        self.skip_space();
        let c = self.peek()?;
        if self.depth > MAX_DEPTH {
            return None;
        }
        match c {
            '{' => self.collection('}').map(pairs),
            '[' => self.collection(']').map(Edn::List),
            '(' => self.collection(')').map(Edn::List),
            '"' => self.string().map(Edn::String),
            '#' => self.dispatch(),
            '\\' => {
                self.pos = (self.pos + 2).min(self.chars.len());
                self.atom_text();
                Some(Edn::Symbol(String::new()))
            }
            '}' | ']' | ')' => None,
            '\'' | '@' | '`' | '~' | '^' => {
                self.pos += 1;
                self.value()
            }
            _ => Some(atom(self.atom_text())),
        }
    }

    fn dispatch(&mut self) -> Option<Edn> {
        self.pos += 1;
        match self.peek()? {
            '{' => self.collection('}').map(Edn::List),
            '"' => self.string().map(Edn::String),
            '_' => {
                self.pos += 1;
                self.value();
                self.value()
            }
            '(' => self.collection(')').map(Edn::List),
            _ => {
                self.atom_text();
                self.value()
            }
        }
    }

    fn collection(&mut self, close: char) -> Option<Vec<Edn>> {
        self.pos += 1;
        self.depth += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None => break,
                Some(c) if c == close => {
                    self.pos += 1;
                    break;
                }
                Some('}' | ']' | ')') => {
                    self.pos += 1;
                }
                Some(_) => match self.value() {
                    Some(v) => items.push(v),
                    None => break,
                },
            }
        }
        self.depth -= 1;
        Some(items)
    }

    fn string(&mut self) -> Option<String> {
        self.pos += 1;
        let mut out = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '"' => return Some(out),
                '\\' => {
                    let escaped = self.peek()?;
                    self.pos += 1;
                    out.push(match escaped {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                }
                _ => out.push(c),
            }
        }
        Some(out)
    }

    fn atom_text(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() || matches!(c, ',' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | ';')
            {
                break;
            }
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }
}

fn pairs(items: Vec<Edn>) -> Edn {
    let mut entries = Vec::with_capacity(items.len() / 2);
    let mut iter = items.into_iter();
    while let (Some(k), Some(v)) = (iter.next(), iter.next()) {
        entries.push((k, v));
    }
    Edn::Map(entries)
}

fn atom(text: String) -> Edn {
    match text.as_str() {
        "nil" => Edn::Nil,
        "true" => Edn::Bool(true),
        "false" => Edn::Bool(false),
        _ if text.starts_with(':') => Edn::Keyword(text[1..].to_string()),
        _ if text.starts_with(|c: char| c.is_ascii_digit())
            || (text.len() > 1
                && text.starts_with(['-', '+'])
                && text[1..].starts_with(|c: char| c.is_ascii_digit())) =>
        {
            Edn::Number(text)
        }
        _ => Edn::Symbol(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_logseq_writes() {
        let edn = parse(
            r#";; comment
            {:meta/version 1
             :hidden ["/archived" "/test.md"]
             :journal/page-title-format "EEE, dd.MM.yyyy"
             :file/name-format :triple-lowbar
             :default-home {:page "Contents"}
             :query/views {:pprint (fn [r] [:pre.code (pprint r)])}
             :commands #{}
             :re #"^\d+$"
             #_ :discarded-key #_ "value"
             :macros {"poem" "Rose is $1"}}"#,
        );
        assert_eq!(
            edn.get("journal/page-title-format").and_then(Edn::as_str),
            Some("EEE, dd.MM.yyyy")
        );
        assert_eq!(edn.get("file/name-format").and_then(Edn::as_str), Some("triple-lowbar"));
        assert_eq!(edn.get("hidden").map(|h| h.as_list().len()), Some(2));
        assert_eq!(
            edn.get("default-home").and_then(|h| h.get("page")).and_then(Edn::as_str),
            Some("Contents")
        );
        assert!(edn.get("discarded-key").is_none());
        assert!(edn.get("macros").is_some());
    }

    #[test]
    fn garbage_never_panics() {
        for text in
            ["", "{", "}", "{:a", "{:a \"unterminated", "#", "\\", "[[[[", "{:a #_}", "#{:a #"]
        {
            let _ = parse(text);
        }
        let deep = "[".repeat(100_000);
        let _ = parse(&deep);
    }
}
