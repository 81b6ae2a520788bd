//! Valid HTML: every `.html` file of the default site, the documentation
//! site, the fixture graphs, a graph written here with every feature and a
//! generated graph is parsed with html5ever (exact errors on) and checked for
//!
//! * any HTML5 parse error (stray or misnested tags, a missing doctype,
//!   duplicate attributes, bad character references, …);
//! * duplicate `id`s, and `href="#…"`, `for`, `aria-labelledby`,
//!   `aria-describedby` and `aria-controls` naming an `id` that is not there;
//!   `page.html#id` links to a missing `id` of another page;
//! * content models the parser lets through: `ul`/`ol` hold only `li`, `li`
//!   sits in a list, `dl` holds `dt`/`dd`/`div`, `summary` comes first in its
//!   `details` and holds phrasing content or one heading, no block inside a
//!   phrasing element, no link or control inside a link or button;
//! * one `<title>`, one `<main>`, a `lang` on `<html>`.

mod common;

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use blockpress::SiteConfig;
use common::{TestSite, repo_root};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tokenizer::TokenizerOpts;
use html5ever::tree_builder::{
    ElemName, ElementFlags, NodeOrText, QuirksMode, TreeBuilderOpts, TreeSink,
};
use html5ever::{Attribute, LocalName, Namespace, ParseOpts, QualName, ns, parse_document};

/* ---- A small DOM: elements only, with their attributes and source line --- */

#[derive(Debug, Default)]
struct Node {
    /// `None` for the document, comments and template contents.
    name: Option<QualName>,
    attrs: Vec<(String, String)>,
    parent: Option<usize>,
    children: Vec<usize>,
    line: u64,
}

impl Node {
    /// The local name of an HTML element; empty for anything else (SVG, MathML, text…).
    fn tag(&self) -> &str {
        self.name.as_ref().filter(|n| n.ns == ns!(html)).map_or("", |n| &*n.local)
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// The name of an element, owned (the nodes live in a `RefCell`).
struct Name(QualName);

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", &*self.0.local)
    }
}

impl ElemName for Name {
    fn ns(&self) -> &Namespace {
        &self.0.ns
    }

    fn local_name(&self) -> &LocalName {
        &self.0.local
    }
}

/// Builds the element tree and records every parse error with its line.
#[derive(Default)]
struct Sink {
    nodes: RefCell<Vec<Node>>,
    errors: RefCell<Vec<(u64, String)>>,
    line: Cell<u64>,
    /// Template element → its contents node.
    templates: RefCell<HashMap<usize, usize>>,
}

impl Sink {
    fn push(&self, node: Node) -> usize {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(node);
        nodes.len() - 1
    }

    fn detach(&self, child: usize) {
        let mut nodes = self.nodes.borrow_mut();
        if let Some(parent) = nodes[child].parent.take() {
            nodes[parent].children.retain(|&c| c != child);
        }
    }

    fn insert(&self, parent: usize, position: Option<usize>, child: NodeOrText<usize>) {
        let NodeOrText::AppendNode(child) = child else { return };
        self.detach(child);
        let mut nodes = self.nodes.borrow_mut();
        let at = position.unwrap_or(nodes[parent].children.len());
        nodes[parent].children.insert(at, child);
        nodes[child].parent = Some(parent);
    }
}

impl TreeSink for Sink {
    type Handle = usize;
    type Output = Self;
    type ElemName<'a> = Name;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.errors.borrow_mut().push((self.line.get(), msg.into_owned()));
    }

    fn get_document(&self) -> usize {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a usize) -> Name {
        let nodes = self.nodes.borrow();
        Name(nodes[*target].name.clone().expect("the tree builder asks only about elements"))
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> usize {
        let attrs = attrs.into_iter().map(|a| (a.name.local.to_string(), a.value.to_string()));
        let node = Node {
            name: Some(name),
            attrs: attrs.collect(),
            line: self.line.get(),
            ..Node::default()
        };
        let id = self.push(node);
        if flags.template {
            let contents = self.push(Node::default());
            self.templates.borrow_mut().insert(id, contents);
        }
        id
    }

    fn create_comment(&self, _text: StrTendril) -> usize {
        self.push(Node::default())
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> usize {
        self.push(Node::default())
    }

    fn append(&self, parent: &usize, child: NodeOrText<usize>) {
        self.insert(*parent, None, child);
    }

    fn append_based_on_parent_node(&self, element: &usize, prev: &usize, child: NodeOrText<usize>) {
        if self.nodes.borrow()[*element].parent.is_some() {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &usize) -> usize {
        self.templates.borrow()[target]
    }

    fn same_node(&self, x: &usize, y: &usize) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        if mode != QuirksMode::NoQuirks {
            self.parse_error(Cow::Borrowed("the document renders in quirks mode"));
        }
    }

    fn append_before_sibling(&self, sibling: &usize, child: NodeOrText<usize>) {
        let Some(parent) = self.nodes.borrow()[*sibling].parent else { return };
        let position = self.nodes.borrow()[parent].children.iter().position(|c| c == sibling);
        self.insert(parent, position, child);
    }

    fn add_attrs_if_missing(&self, target: &usize, attrs: Vec<Attribute>) {
        let mut nodes = self.nodes.borrow_mut();
        for attr in attrs {
            let key = attr.name.local.to_string();
            if nodes[*target].attr(&key).is_none() {
                nodes[*target].attrs.push((key, attr.value.to_string()));
            }
        }
    }

    fn remove_from_parent(&self, target: &usize) {
        self.detach(*target);
    }

    fn reparent_children(&self, node: &usize, new_parent: &usize) {
        let children = std::mem::take(&mut self.nodes.borrow_mut()[*node].children);
        for child in children {
            self.nodes.borrow_mut()[child].parent = None;
            self.append(new_parent, NodeOrText::AppendNode(child));
        }
    }

    fn set_current_line(&self, line: u64) {
        self.line.set(line);
    }
}

/// Parses `html` with exact errors; returns the nodes and the parse errors.
fn parse(html: &str) -> (Vec<Node>, Vec<(u64, String)>) {
    let opts = ParseOpts {
        tokenizer: TokenizerOpts { exact_errors: true, ..Default::default() },
        tree_builder: TreeBuilderOpts { exact_errors: true, ..Default::default() },
    };
    let sink = Sink::default();
    sink.push(Node::default());
    let sink = parse_document(sink, opts).one(html);
    (sink.nodes.into_inner(), sink.errors.into_inner())
}

/* ---- Checks ------------------------------------------------------------ */

/// Elements allowed only phrasing content.
const PHRASING_ONLY: &[&str] = &[
    "p", "span", "em", "strong", "b", "i", "u", "s", "code", "kbd", "samp", "var", "small", "mark",
    "sub", "sup", "abbr", "cite", "q", "time", "label", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
    "dt", "legend", "button", "output", "data",
];

/// Flow elements that may not stand in phrasing content.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "search",
    "section",
    "summary",
    "table",
    "ul",
    "dd",
    "dt",
];

/// Interactive elements that may not stand inside a link or a button.
const INTERACTIVE: &[&str] =
    &["a", "button", "details", "input", "select", "textarea", "label", "iframe"];

/// Attributes holding id references (space-separated for aria-*).
const ID_REFS: &[&str] =
    &["for", "aria-labelledby", "aria-describedby", "aria-controls", "aria-owns"];

/// What one page has for the cross-page checks.
#[derive(Default)]
struct PageFacts {
    ids: std::collections::HashSet<String>,
    /// `(line, target file, id)` of links to `other.html#id`.
    links: Vec<(u64, String, String)>,
}

fn ancestors(nodes: &[Node], i: usize) -> impl Iterator<Item = &Node> {
    std::iter::successors(nodes[i].parent, |&p| nodes[p].parent).map(move |p| &nodes[p])
}

fn element_children(nodes: &[Node], i: usize) -> impl Iterator<Item = &Node> {
    nodes[i].children.iter().map(move |&c| &nodes[c]).filter(|n| n.name.is_some())
}

/// Problems of one element's content model, as messages.
fn content_model(nodes: &[Node], i: usize, out: &mut Vec<String>) {
    let node = &nodes[i];
    let tag = node.tag();
    let parent = node.parent.map_or("", |p| nodes[p].tag());
    let kids: Vec<&str> = element_children(nodes, i).map(Node::tag).collect();
    let scripts = |k: &&str| matches!(*k, "script" | "template");
    if matches!(tag, "ul" | "ol" | "menu") {
        if let Some(bad) = kids.iter().find(|k| **k != "li" && !scripts(k)) {
            out.push(format!("<{bad}> directly inside <{tag}>"));
        }
    }
    if tag == "li" && !matches!(parent, "ul" | "ol" | "menu") {
        out.push(format!("<li> inside <{parent}>"));
    }
    if tag == "dl" {
        if let Some(bad) = kids.iter().find(|k| !matches!(**k, "dt" | "dd" | "div") && !scripts(k))
        {
            out.push(format!("<{bad}> directly inside <dl>"));
        }
    }
    if tag == "details" && kids.contains(&"summary") && kids.first() != Some(&"summary") {
        out.push("<summary> is not the first child of <details>".into());
    }
    if tag == "summary" {
        let headings =
            kids.iter().filter(|k| matches!(**k, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")).count();
        let blocks = kids.iter().filter(|k| BLOCKS.contains(k)).count();
        if blocks > headings || headings > 1 {
            out.push(format!("<summary> holds {}", kids.join(", ")));
        }
    }
    if BLOCKS.contains(&tag) && tag != "summary" {
        if let Some(holder) = ancestors(nodes, i)
            .take_while(|a| {
                !matches!(
                    a.tag(),
                    "summary" | "li" | "div" | "td" | "th" | "dd" | "figure" | "details"
                )
            })
            .find(|a| PHRASING_ONLY.contains(&a.tag()))
        {
            out.push(format!("<{tag}> inside <{}>", holder.tag()));
        }
    }
    if INTERACTIVE.contains(&tag) || node.attr("tabindex").is_some() && tag != "main" {
        if let Some(holder) = ancestors(nodes, i).find(|a| matches!(a.tag(), "a" | "button")) {
            out.push(format!("<{tag}> inside <{}>", holder.tag()));
        }
    }
}

/// Every problem of one page, as `line: message`, and the facts for cross-page checks.
fn check_page(html: &str) -> (Vec<String>, PageFacts) {
    let (nodes, errors) = parse(html);
    let source: Vec<&str> = html.lines().collect();
    let mut problems: Vec<String> = errors
        .into_iter()
        .map(|(line, e)| {
            let at = source.get(line.saturating_sub(1) as usize).copied().unwrap_or("");
            format!("{line}: parse error: {}\n    {}", shorten(&e, 160), shorten(at.trim(), 200))
        })
        .collect();
    let mut facts = PageFacts::default();
    let mut seen: HashMap<&str, u64> = HashMap::new();
    for node in nodes.iter().filter(|n| n.name.is_some()) {
        if let Some(id) = node.attr("id") {
            if id.is_empty() || id.contains(char::is_whitespace) {
                problems.push(format!("{}: bad id {id:?}", node.line));
            }
            if let Some(first) = seen.insert(id, node.line) {
                problems
                    .push(format!("{}: duplicate id {id:?} (first on line {first})", node.line));
            }
            facts.ids.insert(id.to_string());
        }
    }
    for (i, node) in nodes.iter().enumerate().filter(|(_, n)| n.name.is_some()) {
        for key in ID_REFS {
            for id in node.attr(key).into_iter().flat_map(str::split_whitespace) {
                if !seen.contains_key(id) {
                    problems.push(format!("{}: {key}={id:?} names no element", node.line));
                }
            }
        }
        if let Some(href) = node.attr("href").filter(|_| node.tag() == "a") {
            href_target(href, node.line, &seen, &mut facts, &mut problems);
        }
        let mut found = Vec::new();
        content_model(&nodes, i, &mut found);
        problems.extend(found.into_iter().map(|m| format!("{}: {m}", node.line)));
    }
    let count = |tag: &str| nodes.iter().filter(|n| n.tag() == tag).count();
    for (tag, n) in [("title", count("title")), ("main", count("main"))] {
        if n != 1 && !(tag == "main" && html.contains("http-equiv=\"refresh\"")) {
            problems.push(format!("0: {n} <{tag}> elements"));
        }
    }
    if !nodes.iter().any(|n| n.tag() == "html" && n.attr("lang").is_some_and(|l| !l.is_empty())) {
        problems.push("0: <html> has no lang".into());
    }
    (problems, facts)
}

/// `text` cut to `max` characters, with `…` when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Checks an in-page `#id` link now; remembers a `page.html#id` link for later.
fn href_target(
    href: &str,
    line: u64,
    ids: &HashMap<&str, u64>,
    facts: &mut PageFacts,
    out: &mut Vec<String>,
) {
    if href.contains("://") || href.starts_with("mailto:") {
        return;
    }
    let Some((file, fragment)) = href.split_once('#') else { return };
    let fragment = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned();
    if file.is_empty() {
        if !fragment.is_empty() && !ids.contains_key(fragment.as_str()) {
            out.push(format!("{line}: href=\"#{fragment}\" names no element"));
        }
    } else if file.ends_with(".html") && !fragment.is_empty() {
        let file = percent_encoding::percent_decode_str(file).decode_utf8_lossy().into_owned();
        facts.links.push((line, file, fragment));
    }
}

/// Every problem of every `.html` file under `out`, as `file:line: message`.
fn check_site(out: &Path) -> Vec<String> {
    let mut pages: BTreeMap<PathBuf, (Vec<String>, PageFacts)> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(out).into_iter().filter_map(Result::ok) {
        let path = entry.path();
        if entry.file_type().is_file() && path.extension().is_some_and(|e| e == "html") {
            let html =
                std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let rel = path.strip_prefix(out).unwrap_or(path).to_path_buf();
            pages.insert(rel, check_page(&html));
        }
    }
    assert!(pages.len() > 3, "{}: only {} pages", out.display(), pages.len());
    let mut problems = Vec::new();
    for (rel, (found, facts)) in &pages {
        problems.extend(found.iter().map(|p| format!("{}:{p}", rel.display())));
        let dir = rel.parent().unwrap_or(Path::new(""));
        for (line, file, id) in &facts.links {
            let target = dir.join(file);
            let has = pages.get(&target).is_some_and(|(_, t)| t.ids.contains(id));
            if pages.contains_key(&target) && !has {
                problems.push(format!(
                    "{}:{line}: link to {file}#{id}: no such id there",
                    rel.display()
                ));
            }
        }
    }
    problems
}

fn assert_valid(what: &str, out: &Path) {
    let problems = check_site(out);
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for problem in &problems {
        let message = problem.splitn(3, ':').nth(2).unwrap_or(problem).lines().next().unwrap_or("");
        *kinds.entry(shorten(message.trim(), 90)).or_default() += 1;
    }
    let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n:>5} × {k}")).collect();
    assert!(
        problems.is_empty(),
        "{what}: {} problems in the HTML:\n{}\n\nThe first ones:\n{}",
        problems.len(),
        kinds.join("\n"),
        problems.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

/* ---- The checker finds what it should ------------------------------------ */

#[test]
fn the_checker_finds_invalid_html() {
    let page = |body: &str| {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body><main>{body}</main></body></html>"
        )
    };
    let (ok, _) = check_page(&page("<ul><li><a href=\"#x\" id=\"x\">x</a></li></ul>"));
    assert!(ok.is_empty(), "{ok:?}");
    for (body, expected) in [
        ("<p><div>x</div></p>", "parse error"),
        ("<b><i>x</b></i>", "parse error"),
        ("<a href=\"#a\"><a href=\"#a\">x</a></a><i id=\"a\"></i>", "parse error"),
        ("<i id=\"a\"></i><i id=\"a\"></i>", "duplicate id"),
        ("<a href=\"#nowhere\">x</a>", "names no element"),
        ("<h2 aria-labelledby=\"gone\">x</h2>", "names no element"),
        ("<ul><div>x</div></ul>", "directly inside <ul>"),
        ("<details><p>x</p><summary>s</summary></details>", "first child"),
        ("<span><div>x</div></span>", "<div> inside <span>"),
        ("<a href=\"x.html\"><button>x</button></a>", "<button> inside <a>"),
        ("<p>a &nosuch; b</p>", "parse error"),
    ] {
        let (found, _) = check_page(&page(body));
        assert!(found.iter().any(|p| p.contains(expected)), "{body}: {found:?}");
    }
    let (found, _) =
        check_page("<html><head><title>t</title></head><body><main></main></body></html>");
    assert!(found.iter().any(|p| p.contains("parse error")), "a missing doctype: {found:?}");
}

/* ---- The sites --------------------------------------------------------- */

fn build_with_site_toml(toml: &Path) -> TestSite {
    let notes = SiteConfig::from_file(toml).expect("site.toml").notes_dir;
    TestSite::build_with(&notes, |config| {
        let out = config.output_dir.clone();
        *config = SiteConfig::from_file(toml).expect("site.toml");
        config.output_dir = out;
    })
}

#[test]
fn default_site_is_valid_html() {
    let site = build_with_site_toml(&repo_root().join("site.toml"));
    assert_valid("the default site", &site.out);
}

#[test]
fn documentation_site_is_valid_html() {
    let site = build_with_site_toml(&repo_root().join("docs/site.toml"));
    assert_valid("docs/", &site.out);
}

#[test]
fn fixture_graphs_are_valid_html() {
    for name in ["adversarial", "embeds", "journals", "links", "publishing", "queries"] {
        let site = TestSite::build_with(&repo_root().join("tests/fixtures").join(name), |_| {});
        assert_valid(&format!("tests/fixtures/{name}"), &site.out);
    }
}

/// A graph using every feature the renderer knows, as the notes would.
const FEATURES: &[(&str, &str)] = &[
    (
        "pages/Features.md",
        "alias:: Everything\ntags:: demo, [[test pages]]\ntype:: [[Book]]\n\n\
- # A heading block\n\
- ## Second heading\n\t- ### Third heading\n\
- TODO [#A] Write the tests #[[test pages]]\n\
- DOING Something\n- DONE Done thing\n- LATER maybe\n- NOW now\n- WAITING wait\n- CANCELED no\n\
- A table\n\t- | a | b |\n\t  |---|---|\n\t  | 1 | [[Other]] |\n\
- Math $e^{i\\pi}+1=0$ and $$\\int_0^1 x\\,dx$$\n\
- ==highlight== ^^also^^ ~~strike~~ **bold** *it* `code` <kbd>Ctrl</kbd>\n\
- #+BEGIN_NOTE\n  A note\n  #+END_NOTE\n\
- #+BEGIN_WARNING\n  Careful\n  #+END_WARNING\n\
- #+BEGIN_QUOTE\n  Quoted\n  #+END_QUOTE\n\
- > a quote\n\
- ```rust\n  fn main() { println!(\"<hi>\"); }\n  ```\n\
- ```\n  +-----+     +-----+\n  | a   |---->| b   |\n  +-----+     +-----+\n  ```\n\
- collapsed parent\n  collapsed:: true\n\t- hidden child\n\t\t- deeper\n\
- numbered\n\t- one\n\t  logseq.order-list-type:: number\n\t- two\n\t  logseq.order-list-type:: number\n\
- The referenced block, about [[Other]] #tagged\n  id:: 64c1a1b2-0000-4000-8000-000000000042\n  owner:: [[Other]]\n\
- ref ((64c1a1b2-0000-4000-8000-000000000042)) and [label]([[Other]]) and [site](https://example.com)\n\
- {{embed ((64c1a1b2-0000-4000-8000-000000000042))}}\n\
- {{embed [[Other]]}}\n\
- {{query (and [[Other]] (task TODO DOING))}}\n\
- {{query \"referenced\"}}\n\
- #+BEGIN_QUERY\n  {:query [:find ?b]}\n  #+END_QUERY\n\
- {{renderer :todomaster}} {{cards}} {{video https://www.youtube.com/watch?v=abc}}\n\
- ![diagram](../assets/pic.png) and ((00000000-0000-4000-8000-0000000000ff))\n\
- <div>raw <b>html</b> <script>alert(1)</script></div>\n\
- Plain list inside:\n  1. one\n  2. two\n  - dash\n\
- Multi\n  line block\n  with a [[Namespace/Child/Leaf]] link\n\
- SCHEDULED: <2024-01-05 Fri>\n\
- [[Jan 5th, 2024]] and [[2024-01-05]]\n",
    ),
    ("pages/Other.md", "- TODO Other task links [[Features]]\n- mentions Features without a link"),
    ("pages/Namespace___Child___Leaf.md", "- leaf of [[Namespace]]"),
    ("journals/2024_01_05.md", "- A day linking [[Features]]\n- [[Everything]] alias link"),
    ("journals/2024_01_06.md", "- The next day"),
    ("assets/pic.png", "not really a png"),
];

#[test]
fn a_graph_with_every_feature_is_valid_html() {
    let site = TestSite::from_files(FEATURES);
    assert_valid("the feature graph", &site.out);
}

#[test]
fn a_generated_graph_is_valid_html() {
    let script = repo_root().join("../shared/bench/gen_graph.py");
    if !script.is_file() {
        assert!(std::env::var_os("CI").is_none(), "{} is missing", script.display());
        eprintln!("SKIPPED: {} is missing", script.display());
        return;
    }
    let graph = tempfile::tempdir().expect("temp dir");
    let status = std::process::Command::new("python3")
        .arg(&script)
        .args(["--pages", "120", "--seed", "7", "--force", "--out"])
        .arg(graph.path())
        .stdout(std::process::Stdio::null())
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => {
            assert!(std::env::var_os("CI").is_none(), "gen_graph.py failed: {other:?}");
            eprintln!("SKIPPED: python3 gen_graph.py failed: {other:?}");
            return;
        }
    }
    let site = TestSite::build_with(graph.path(), |_| {});
    assert_valid("the generated graph", &site.out);
}
