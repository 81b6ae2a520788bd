//! The architecture, checked: which top-level module of `src/` may import
//! which. The table below is the architecture (the README's Layout section
//! and `src/lib.rs` show the same layers); this test reads every file of
//! `src/` as text, collects each `crate::…` path (also inside `use
//! crate::{a, b}` groups, inside code and in doc links) and each
//! `super::super::…` path that reaches another top-level module, and fails
//! on an import the table does not allow, on a module the table does not
//! know, and on an item of `lib.rs` used from a module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Leaf modules: every module may import them.
const LEAVES: &[&str] = &["error", "util", "diagnostics", "config", "files"];

/// The stages, in pipeline order.
const STAGES: &[&str] = &["load", "parse", "resolve", "graph", "search", "render", "output"];

/// Each top-level module and the modules it may import besides the leaves.
/// Leaves import only the leaves listed for them; a stage imports only
/// stages before it (`graph` and `search` are siblings: neither imports the
/// other; `output` writes files and needs no stage); the incremental
/// machinery and the commands sit above every stage; `cli` is the top.
const ALLOWED: &[(&str, &[&str])] = &[
    // Leaves.
    ("error", &[]),
    ("util", &[]),
    ("diagnostics", &["error"]),
    ("config", &["error"]),
    ("files", &["util"]),
    // The stages.
    ("load", &[]),
    ("parse", &[]),
    ("resolve", &["load", "parse"]),
    ("graph", &["load", "parse", "resolve"]),
    ("search", &["load", "parse", "resolve"]),
    ("render", &["load", "parse", "resolve", "graph", "search"]),
    ("output", &[]),
    // Above the stages: the incremental machinery, which drives them.
    ("cache", STAGES),
    ("build", &["load", "parse", "resolve", "graph", "search", "render", "output", "cache"]),
    (
        "serve",
        &["load", "parse", "resolve", "graph", "search", "render", "output", "cache", "build"],
    ),
    // The commands, then the command line.
    ("check", &["load", "parse", "resolve", "graph", "search", "render", "output", "build"]),
    ("init", &["load"]),
    ("cli", &["build", "check", "serve", "init"]),
];

/// `src/`.
fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules: each `src/X.rs` (but `lib.rs`, `main.rs`) and `src/X/`.
fn top_modules(src: &Path) -> BTreeSet<String> {
    let mut modules = BTreeSet::new();
    for entry in std::fs::read_dir(src).expect("src/") {
        let path = entry.expect("an entry of src/").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("a UTF-8 name").to_string();
        if path.is_dir()
            || (path.extension().is_some_and(|e| e == "rs")
                && !matches!(name.as_str(), "lib" | "main"))
        {
            modules.insert(name);
        }
    }
    modules
}

/// Every `.rs` file of a module, with its depth below `src/` (0 for `src/X.rs`).
fn files_of(src: &Path, module: &str) -> Vec<(PathBuf, usize)> {
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![(file, 0)];
    }
    let mut files = Vec::new();
    let mut dirs = vec![(src.join(module), 1)];
    while let Some((dir, depth)) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a module folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                dirs.push((path, depth + 1));
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push((path, depth));
            }
        }
    }
    files.sort();
    files
}

/// The code of a Rust file without comments and string or char literals
/// (replaced by spaces), plus the `crate::` paths of its doc comments.
fn code_of(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |n| i + n);
            if rest.starts_with("///") || rest.starts_with("//!") {
                // Doc links name modules too (`[`crate::build`]`).
                for (at, _) in text[i..end].match_indices("crate::") {
                    let path: String = text[i + at..end]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                        .collect();
                    out.push(' ');
                    out.push_str(&path);
                    out.push(' ');
                }
            }
            i = end;
        } else if rest.starts_with("/*") {
            i = rest.find("*/").map_or(text.len(), |n| i + n + 2);
        } else if let Some(hashes) = raw_string_start(text, i) {
            let open = 2 + hashes;
            let close = format!("\"{}", "#".repeat(hashes));
            i = rest[open..].find(&close).map_or(text.len(), |n| i + open + n + close.len());
            out.push_str("\"\"");
        } else if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if let Some(len) = char_literal(rest) {
            i += len;
            out.push_str("' '");
        } else {
            let c = rest.chars().next().expect("a character");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The number of `#` of a raw string literal starting at `i`.
fn raw_string_start(text: &str, i: usize) -> Option<usize> {
    let rest = text[i..].strip_prefix('r')?;
    let before = text[..i].chars().next_back();
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
        return None;
    }
    let hashes = rest.len() - rest.trim_start_matches('#').len();
    rest[hashes..].starts_with('"').then_some(hashes)
}

/// The length of a char literal at the start of `rest` (not a lifetime).
fn char_literal(rest: &str) -> Option<usize> {
    let body = rest.strip_prefix('\'')?;
    let mut chars = body.char_indices();
    let (_, first) = chars.next()?;
    if first == '\\' {
        let close = body[1..].find('\'')?;
        return Some(close + 3);
    }
    let (at, second) = chars.next()?;
    (second == '\'').then_some(at + 2)
}

/// The first identifier of `text`.
fn ident(text: &str) -> &str {
    let text = text.trim_start();
    let end = text.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The names right after `crate::` in `code`: `crate::a::b` gives `a`,
/// `crate::{a::b, c}` gives `a` and `c`.
fn crate_heads(code: &str) -> Vec<String> {
    let mut heads = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let (mut depth, mut start) = (0usize, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        heads.push(ident(&group[start..i]).to_string());
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        heads.push(ident(&group[start..i]).to_string());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            heads.push(ident(rest).to_string());
        }
    }
    heads.retain(|h| !h.is_empty() && h != "self");
    heads
}

/// The names right after `super::super::` (files one folder down, where
/// that path is the crate root).
fn super_heads(code: &str) -> Vec<String> {
    let squeezed: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
    let squeezed = squeezed.replace(" :: ", "::").replace(":: ", "::").replace(" ::", "::");
    squeezed
        .match_indices("super::super::")
        .map(|(at, _)| ident(&squeezed[at + 14..]).to_string())
        .collect()
}

/// What names of `lib.rs` stand for: `pub use m::{A, B}` maps `A` and `B` to `m`.
fn lib_reexports(src: &Path) -> BTreeMap<String, String> {
    let code = code_of(&std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs"));
    let mut names = BTreeMap::new();
    for statement in code.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else { continue };
        let module = ident(path).to_string();
        let items = path.split_once('{').map_or_else(
            || vec![path.rsplit("::").next().unwrap_or_default()],
            |(_, group)| group.trim_end_matches('}').split(',').collect(),
        );
        for item in items {
            names.insert(
                ident(item.rsplit("::").next().unwrap_or(item)).to_string(),
                module.clone(),
            );
        }
    }
    names
}

/// Each top-level module's imports of other top-level modules, with the
/// files that make them; and the lib.rs items used from modules.
type Imports = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn imports(src: &Path) -> (Imports, Vec<String>) {
    let modules = top_modules(src);
    let lib = lib_reexports(src);
    let mut imports: Imports = BTreeMap::new();
    let mut strays = Vec::new();
    for module in &modules {
        for (file, depth) in files_of(src, module) {
            let code = code_of(&std::fs::read_to_string(&file).expect("a source file"));
            let rel = file.strip_prefix(src).expect("under src/").display().to_string();
            let mut heads = crate_heads(&code);
            if depth == 1 {
                heads.extend(super_heads(&code).into_iter().filter(|h| modules.contains(h)));
            }
            for head in heads {
                let target = match (modules.contains(&head), lib.get(&head)) {
                    (true, _) => head,
                    (false, Some(module)) => module.clone(),
                    (false, None) => {
                        strays.push(format!(
                            "{rel}: crate::{head} is not a module nor a re-export of lib.rs"
                        ));
                        continue;
                    }
                };
                if &target != module {
                    imports
                        .entry(module.clone())
                        .or_default()
                        .entry(target)
                        .or_default()
                        .insert(rel.clone());
                }
            }
        }
    }
    (imports, strays)
}

fn allowed(module: &str) -> Option<BTreeSet<&'static str>> {
    let (_, extra) = ALLOWED.iter().find(|(m, _)| *m == module)?;
    let leaves = LEAVES.iter().copied().filter(|_| !LEAVES.contains(&module));
    Some(leaves.chain(extra.iter().copied()).collect())
}

/// The import violations of `src`, one line each.
fn violations(src: &Path) -> Vec<String> {
    let (imports, mut problems) = imports(src);
    for module in top_modules(src) {
        let Some(allowed) = allowed(&module) else {
            problems.push(format!("src/{module}: not in the table of tests/architecture.rs"));
            continue;
        };
        for (target, files) in imports.get(&module).into_iter().flatten() {
            if !allowed.contains(target.as_str()) {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                problems.push(format!("{module} → {target} is not allowed ({})", files.join(", ")));
            }
        }
    }
    problems
}

#[test]
fn every_module_imports_only_what_the_table_allows() {
    let problems = violations(&src());
    assert!(problems.is_empty(), "the architecture is broken:\n  {}", problems.join("\n  "));
}

#[test]
fn the_table_is_a_one_way_order() {
    // A module may import only modules listed before it in the table.
    for (i, (module, extra)) in ALLOWED.iter().enumerate() {
        for target in extra.iter().chain(if LEAVES.contains(module) { &[][..] } else { LEAVES }) {
            let at = ALLOWED.iter().position(|(m, _)| m == target).expect("a module of the table");
            assert!(at < i, "{module} may import {target}, listed after it");
        }
    }
}

#[test]
fn a_forbidden_import_is_caught() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let src = dir.path();
    for module in ["error", "util", "diagnostics", "config", "files", "load", "parse", "output"] {
        std::fs::write(src.join(format!("{module}.rs")), "").expect("write");
    }
    std::fs::write(src.join("lib.rs"), "pub use error::{Error, Result};\n").expect("write");
    std::fs::create_dir(src.join("render")).expect("mkdir");
    std::fs::write(src.join("render/mod.rs"), "use crate::{error::Result, load};\n")
        .expect("write");
    std::fs::write(
        src.join("render/page.rs"),
        "fn f() { super::super::parse::x(); crate::helper() }\n",
    )
    .expect("write");
    std::fs::write(src.join("extra.rs"), "").expect("write");
    // An import hidden in a group and one in code, a comment and a string that are not imports.
    std::fs::write(
        src.join("parse.rs"),
        "use crate::{error::Error, output::{self}};\n// crate::load\nconst S: &str = \"crate::load\";\nfn f() -> crate::Result<()> { crate::load::x() }\n",
    )
    .expect("write");
    std::fs::write(src.join("output.rs"), "//! See [`crate::render`].\n").expect("write");
    let problems = violations(src);
    assert_eq!(
        problems,
        [
            "render/page.rs: crate::helper is not a module nor a re-export of lib.rs".to_string(),
            "src/extra: not in the table of tests/architecture.rs".into(),
            "output → render is not allowed (output.rs)".into(),
            "parse → load is not allowed (parse.rs)".into(),
            "parse → output is not allowed (parse.rs)".into(),
        ]
    );
}
