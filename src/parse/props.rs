//! `key:: value` properties: recognising the lines and reading the values.

use super::inline;

/// One property of a page or block, in file order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Property {
    /// Normalised key: lower case, `_` and spaces as `-`.
    pub key: String,
    /// The value as written (trimmed).
    pub value: String,
    /// Page names the value refers to (links, tags, comma items of `tags`/`alias`).
    pub refs: Vec<String>,
}

/// Built-in properties never shown in the properties box.
pub fn is_hidden_key(key: &str) -> bool {
    matches!(
        key,
        "id" | "collapsed"
            | "heading"
            | "title"
            | "filters"
            | "icon"
            | "public"
            | "created-at"
            | "updated-at"
            | "last-modified-at"
            | "todo"
            | "doing"
            | "now"
            | "later"
            | "done"
            | "background-color"
            | "query-table"
            | "query-properties"
            | "query-sort-by"
            | "query-sort-desc"
            | "ls-type"
            | "hl-type"
            | "hl-page"
            | "hl-stamp"
            | "hl-color"
            | "exclude-from-graph-view"
    ) || key.starts_with("logseq.")
        || key.starts_with("card-")
}

/// Built-in properties whose values are never read for references.
fn is_unparsed_key(key: &str) -> bool {
    matches!(
        key,
        "title" | "id" | "icon" | "filters" | "heading" | "template" | "public" | "collapsed"
    ) || key.starts_with("logseq.")
        || is_hidden_key(key) && key != "exclude-from-graph-view"
}

/// Property keys whose plain-text values are comma lists of pages.
fn is_comma_key(key: &str) -> bool {
    matches!(key, "tags" | "alias")
}

/// A recognised `key:: value` line: `(raw key, value)`.
pub fn property_line(line: &str) -> Option<(&str, &str)> {
    let t = line.trim_start_matches([' ', '\t']);
    let sep = inline::find_pair(t, *b"::")?;
    let key = &t[..sep];
    if key.is_empty() || key.contains([':', ' ', '\t']) {
        return None;
    }
    let rest = &t[sep + 2..];
    if rest.trim().is_empty() {
        return Some((key, ""));
    }
    let value = rest.strip_prefix(' ')?;
    Some((key, value.trim()))
}

/// Whether a key is one Logseq accepts (others are dropped with a warning).
pub fn is_valid_key(key: &str) -> bool {
    let first_ok = !key.starts_with(['#', '[']);
    let second_numeric =
        key.starts_with(['-', '+', '.']) && key[1..].starts_with(|c: char| c.is_ascii_digit());
    first_ok
        && !second_numeric
        && !key.contains([
            '"', '|', '^', '(', ')', '{', '}', '[', ']', ',', '\'', '`', '~', '@', '\\', ';',
        ])
}

/// Lower-cases a key and writes `_` and spaces as `-`, as Logseq does.
pub fn normalize_key(key: &str) -> String {
    let key = key.to_lowercase().replace(['_', ' '], "-");
    if key == "custom-id" { "id".into() } else { key }
}

/// Builds a [`Property`] from a line's key and value.
pub fn property(raw_key: &str, value: &str) -> Property {
    let mut key = normalize_key(raw_key);
    key.shrink_to_fit();
    let mut refs = if is_unparsed_key(&key)
        || value.starts_with('"') && value.ends_with('"') && value.len() > 1
    {
        Vec::new()
    } else {
        value_refs(&key, value)
    };
    refs.shrink_to_fit();
    Property { key, value: value.to_string(), refs }
}

fn value_refs(key: &str, value: &str) -> Vec<String> {
    let mut refs: Vec<String> = inline::page_refs(value);
    if is_comma_key(key) {
        let plain = inline::strip_refs(value);
        for item in plain.split([',', '，']) {
            let item = item.trim();
            if !item.is_empty() {
                refs.push(item.to_string());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    refs.retain(|r| seen.insert(r.to_lowercase()));
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_lines_need_a_space_after_the_colons() {
        assert_eq!(property_line("key:: value"), Some(("key", "value")));
        assert_eq!(property_line("  key::  spaced  "), Some(("key", "spaced")));
        assert_eq!(property_line("key::"), Some(("key", "")));
        assert_eq!(property_line("key::value"), None);
        assert_eq!(property_line("a b:: c"), None);
        assert_eq!(property_line("url:: https://x.y/a::b"), Some(("url", "https://x.y/a::b")));
        assert_eq!(
            property_line("logseq.order-list-type:: number"),
            Some(("logseq.order-list-type", "number"))
        );
    }

    #[test]
    fn keys_are_normalised_and_validated() {
        assert_eq!(normalize_key("Done_At"), "done-at");
        assert_eq!(normalize_key("custom_id"), "id");
        assert!(is_valid_key("key/value"));
        assert!(!is_valid_key("[[foo]]"));
        assert!(!is_valid_key("some,prop"));
        assert!(!is_valid_key("#blarg"));
        assert!(is_valid_key("123"), "Logseq's EDN reader accepts it");
    }

    #[test]
    fn value_refs_follow_logseq() {
        assert_eq!(property("single-link", "[[bar]]").refs, ["bar"]);
        assert_eq!(
            property("multi", "[[Logseq]] is the fastest #triples #[[text editor]]").refs,
            ["Logseq", "triples", "text editor"]
        );
        assert!(property("comma-prop", "one, two,three").refs.is_empty());
        assert_eq!(property("tags", "fun, facts").refs, ["fun", "facts"]);
        assert_eq!(
            property("tags", "ai, #fun, [[LargeLanguageModel]]").refs,
            ["fun", "LargeLanguageModel", "ai"]
        );
        assert!(property("desc", "\"#foo is not a ref\"").refs.is_empty());
        assert!(property("title", "[[not a ref]]").refs.is_empty());
    }
}
