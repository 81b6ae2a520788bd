//! Page name → output file name: safe on every file system, unique, deterministic.

use std::collections::{HashMap, HashSet};

/// File stems the site itself uses; a page that slugifies to one gets a suffix.
const RESERVED: [&str; 8] =
    ["index", "search", "404", "all-pages", "tags", "journals", "graph", "sitemap"];

/// Longest slug in bytes (file names are limited to 255 bytes on most systems).
const MAX_LEN: usize = 120;

/// A URL- and file-system-safe stem for a page name.
///
/// Lower-case letters and digits (any script) are kept, namespace `/` becomes
/// `.`, every other run of characters becomes one `-`.
pub fn slugify(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_dash = false;
    for c in name.chars() {
        if c == '/' {
            trim_dashes(&mut out);
            if !out.is_empty() && !out.ends_with('.') {
                out.push('.');
            }
            pending_dash = false;
        } else if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() && !out.ends_with('.') {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else {
            pending_dash = true;
        }
    }
    trim_dashes(&mut out);
    let out = out.trim_matches('.').to_string();
    let out = truncate(out, name);
    if out.is_empty() { "page".into() } else { guard_reserved(out) }
}

fn trim_dashes(s: &mut String) {
    while s.ends_with('-') {
        s.pop();
    }
}

fn truncate(slug: String, name: &str) -> String {
    if slug.len() <= MAX_LEN {
        return slug;
    }
    let mut end = MAX_LEN - 9;
    while !slug.is_char_boundary(end) {
        end -= 1;
    }
    let hash = blake3::hash(name.as_bytes()).to_hex();
    format!("{}-{}", &slug[..end], &hash[..8])
}

fn guard_reserved(slug: String) -> String {
    let stem = slug.split('.').next().unwrap_or("");
    let windows = matches!(stem, "con" | "prn" | "aux" | "nul")
        || (stem.len() == 4
            && (stem.starts_with("com") || stem.starts_with("lpt"))
            && stem.as_bytes()[3].is_ascii_digit());
    if windows {
        // Windows reserves the name before the first dot (`nul.aux.html` too): suffix that part.
        return match slug.split_once('.') {
            Some((stem, rest)) => format!("{stem}-page.{rest}"),
            None => format!("{slug}-page"),
        };
    }
    if RESERVED.contains(&slug.as_str()) { format!("{slug}-page") } else { slug }
}

/// Assigns a unique slug to every page identity. Pages whose slugs collide are
/// ordered by identity; the first keeps the slug, the others get `-2`, `-3`, …
pub fn assign(identities: &[(String, String)]) -> HashMap<String, String> {
    let mut by_slug: HashMap<String, Vec<&str>> = HashMap::new();
    for (identity, base) in identities {
        by_slug.entry(base.clone()).or_default().push(identity);
    }
    let taken: HashSet<String> = by_slug.keys().cloned().collect();
    let mut result = HashMap::with_capacity(identities.len());
    let mut groups: Vec<_> = by_slug.into_iter().collect();
    groups.sort();
    let mut used = taken;
    for (slug, mut owners) in groups {
        owners.sort_unstable();
        let mut iter = owners.into_iter();
        if let Some(first) = iter.next() {
            result.insert(first.to_string(), slug.clone());
        }
        let mut n = 2;
        for owner in iter {
            let candidate = loop {
                let candidate = format!("{slug}-{n}");
                n += 1;
                if used.insert(candidate.clone()) {
                    break candidate;
                }
            };
            result.insert(owner.to_string(), candidate);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_and_dashed() {
        assert_eq!(slugify("K8s"), "k8s");
        assert_eq!(slugify("Storage Summary"), "storage-summary");
        assert_eq!(slugify("CLJS: Helix"), "cljs-helix");
        assert_eq!(slugify("a/b/c"), "a.b.c");
        assert_eq!(slugify("Whiteboard/Action Bar"), "whiteboard.action-bar");
        assert_eq!(slugify("中文 页面"), "中文-页面");
        assert_eq!(slugify("C++"), "c");
    }

    #[test]
    fn hostile_names_stay_inside_the_output() {
        for name in ["../../etc/x", "..", "/", "./a", "a\\b", "a\0b", "...", "  "] {
            let slug = slugify(name);
            assert!(
                !slug.is_empty() && !slug.contains(['/', '\\', '\0']) && !slug.starts_with('.'),
                "{name:?} -> {slug:?}"
            );
            assert_ne!(slug, "..");
        }
        assert_eq!(slugify("../../etc/x"), "etc.x");
    }

    #[test]
    fn reserved_names_get_a_suffix() {
        assert_eq!(slugify("CON"), "con-page");
        assert_eq!(slugify("com1"), "com1-page");
        assert_eq!(slugify("Index"), "index-page");
        assert_eq!(slugify("console"), "console");
    }

    #[test]
    fn long_names_are_truncated_with_a_hash() {
        let slug = slugify(&"word ".repeat(100));
        assert!(slug.len() <= MAX_LEN);
        assert_ne!(slugify(&"word ".repeat(100)), slugify(&"word ".repeat(101)));
    }

    #[test]
    fn collisions_resolve_by_identity_order() {
        let pages = vec![
            ("c#".to_string(), "c".to_string()),
            ("c++".to_string(), "c".to_string()),
            ("c".to_string(), "c".to_string()),
        ];
        let slugs = assign(&pages);
        assert_eq!(slugs["c"], "c");
        assert_eq!(slugs["c#"], "c-2");
        assert_eq!(slugs["c++"], "c-3");
    }

    #[test]
    fn suffixes_never_steal_an_existing_slug() {
        let pages = vec![
            ("a".to_string(), "x".to_string()),
            ("b".to_string(), "x".to_string()),
            ("c".to_string(), "x-2".to_string()),
        ];
        let slugs = assign(&pages);
        assert_eq!(slugs["c"], "x-2");
        assert_eq!(slugs["b"], "x-3");
    }
}
