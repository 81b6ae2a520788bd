//! Org-mode pages: a mixed Markdown + Org graph (`tests/fixtures/org`), and
//! Org pages against their Markdown twins.

mod common;

use common::{TestSite, repo_root};

fn mixed() -> TestSite {
    TestSite::build_with(&repo_root().join("tests/fixtures/org"), |_| {})
}

/// The part of a page between two markers (both must be there).
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("no {start:?}"));
    let to = html[from..].find(end).map(|e| from + e).unwrap_or_else(|| panic!("no {end:?}"));
    &html[from..to]
}

fn content(html: &str) -> &str {
    between(html, "<header class=\"page-header\">", "<section class=\"local-graph\"")
}

#[test]
fn org_pages_and_journals_are_published_without_warnings() {
    let site = mixed();
    for page in [
        "emacs.html",
        "org-mode.html",
        "projects.blockpress.html",
        "reading-list.html",
        "2026-12-01.html",
        "2026-12-02.html",
    ] {
        assert!(site.exists(page), "{page} missing");
    }
    assert!(site.report.diagnostics.is_empty(), "{:?}", site.report.diagnostics);
    let journals = site.read("journals.html");
    assert!(journals.contains("Started writing notes in"), "the Org journal day is listed");
    assert!(journals.contains("was all about"), "the Markdown journal day is listed");
}

#[test]
fn org_markup_renders_and_nothing_org_specific_leaks() {
    let site = mixed();
    let emacs = site.read("emacs.html");
    let page = content(&emacs);
    assert!(page.contains("<h1 class=\"page-title\">Emacs</h1>"), "#+title names the page");
    assert!(page.contains("<a class=\"tag\" href=\"editors.html\">#editors</a>"), "#+tags");
    assert!(page.contains("Learn <em>keyboard macros</em>"), "/italic/ in a headline");
    assert!(page.contains("<code>kmacro-start-macro</code>"), "~code~");
    assert!(page.contains("<a href=\"https://www.gnu.org/software/emacs/manual/\">the manual</a>"));
    assert!(page.contains("<td><code>C-x C-f</code></td>"), "an Org table is a table");
    assert!(page.contains("data-lang=\"emacs-lisp\""), "#+BEGIN_SRC is highlighted code");
    assert!(page.contains(">inside</span>"), "a headline-like line stays in the source block");
    assert!(!page.contains("<p>not a headline"), "and starts no block");
    assert!(page.contains("<blockquote><p>Emacs is a great operating system"));
    assert!(page.contains("admonition-note"), "#+BEGIN_NOTE");
    assert!(page.contains("task task-todo") && page.contains("Scheduled: <time>2026-12-08 Tue"));
    assert!(page.contains("<dt>source</dt><dd><a class=\"page-ref\" href=\"emacs-manual.html\""));
    for leak in [":LOGBOOK:", "CLOCK:", ":PROPERTIES:", ":END:", "#+", "#+title", "=C-x"] {
        assert!(!page.contains(leak), "{leak} shows on the Emacs page");
    }
    let org_mode = site.read("org-mode.html");
    let page = content(&org_mode);
    assert!(page.contains(
        "<strong>bold</strong>, <em>italic</em>, <u>underline</u>, <del>strike-through</del>, \
         <code>verbatim</code> and <code>code</code>."
    ));
    assert!(page.contains("<a class=\"page-ref\" href=\"reading-list.html\">my reading list</a>"));
    assert!(page.contains("<a class=\"page-ref\" href=\"emacs.html\">Emacs</a>"), "a file: link");
    assert!(page.contains("[[not a link]] inside an example"), "#+BEGIN_EXAMPLE is verbatim");
    assert!(!page.contains("CLOSED:"), "CLOSED planning is not shown");
    assert!(page.contains("<li>nested items too</li>"), "Org lists nest");
    assert!(page.contains("<img src=\"assets/org-logo.svg\""), "an Org image link is an image");
    assert!(page.contains("href=\"assets/org-logo.svg\">the same file</a>"), "a file link");
    assert!(site.exists("assets/org-logo.svg"));
}

#[test]
fn links_refs_and_embeds_cross_formats() {
    let site = mixed();
    // Markdown → Org: an alias of an Org page, a block ref into one, an embed of one.
    let reading = site.read("reading-list.html");
    assert!(reading.contains("<a class=\"page-ref\" href=\"emacs.html\">GNU Emacs</a>"));
    assert!(reading.contains(
        "href=\"projects.blockpress.html#b-6571a0b2-2222-4000-8000-000000000002\">Goals</a>"
    ));
    assert!(reading.contains("Render Org headlines as blocks"), "the embedded Org page shows");
    // Org → Org: an embedded block from another Org page.
    let org_mode = site.read("org-mode.html");
    assert!(content(&org_mode).contains("<td><code>C-c C-c</code></td>"), "embedded table");
    // Backlinks on an Org page come from both formats.
    let emacs = site.read("emacs.html");
    let refs = between(&emacs, "id=\"backlinks-heading\"", "</section>\n\n\n</section>");
    for source in ["reading-list.html", "2026-12-01.html", "org-mode.html"] {
        assert!(
            refs.contains(&format!("<a href=\"{source}\">")),
            "{source} missing from references"
        );
    }
    // A simple query on an Org page finds the Org tasks.
    let project = site.read("projects.blockpress.html");
    assert!(project.contains("Write the Org fixture") && project.contains("query-results"));
}

#[test]
fn org_text_is_searchable() {
    let site = mixed();
    let mut all = String::new();
    for entry in walkdir::WalkDir::new(site.out.join("search")) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            all.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    assert!(all.contains("kmacro"), "a word of an Org page is in the search index");
}

/// Builds a graph of one page `pages/twin.EXT` (and a `pages/link.md`).
fn twin(file: &str, text: &str) -> String {
    let site = TestSite::from_files(&[(file, text), ("pages/link.md", "- the link target")]);
    content(&site.read("twin.html")).to_string()
}

#[test]
fn an_org_page_renders_like_its_markdown_twin() {
    let org = "#+title: twin\n#+alias: Double\n\n\
        * TODO [#A] First with [[Link]] and #tag\n\
        SCHEDULED: <2026-12-06 Sun>\n\
        :PROPERTIES:\n:id: 6571a0b2-0000-4000-8000-00000000000a\n:type: [[note]]\n:END:\n\
        ** Child with *bold*, /italic/ and ~code~\n\
        #+BEGIN_SRC yaml\nitems:\n  - a: 1\n#+END_SRC\n\
        *** Grandchild ((6571a0b2-0000-4000-8000-00000000000a))\n\
        * DONE Second {{embed [[Link]]}}\n\
        #+BEGIN_QUOTE\nquoted [[Link]]\n#+END_QUOTE\n\
        * [[Link][labelled]] and [[https://example.org][a site]]\n";
    let markdown = "title:: twin\nalias:: Double\n\n\
        - TODO [#A] First with [[Link]] and #tag\n\
        \x20 id:: 6571a0b2-0000-4000-8000-00000000000a\n\x20 type:: [[note]]\n\
        \x20 SCHEDULED: <2026-12-06 Sun>\n\
        \t- Child with **bold**, *italic* and `code`\n\
        \t  #+BEGIN_SRC yaml\n\t  items:\n\t    - a: 1\n\t  #+END_SRC\n\
        \t\t- Grandchild ((6571a0b2-0000-4000-8000-00000000000a))\n\
        - DONE Second {{embed [[Link]]}}\n\
        \x20 #+BEGIN_QUOTE\n\x20 quoted [[Link]]\n\x20 #+END_QUOTE\n\
        - [labelled]([[Link]]) and [a site](https://example.org)\n";
    let (from_org, from_markdown) = (twin("pages/twin.org", org), twin("pages/twin.md", markdown));
    assert!(from_org.contains("<pre class=\"code\" data-lang=\"yaml\">"), "{from_org}");
    assert_eq!(from_org, from_markdown);
}

#[test]
fn org_page_properties_control_publishing_and_names() {
    let site = TestSite::from_files(&[
        ("pages/secret.org", "#+title: Secret Plans\n#+public: false\n* confidential [[Visible]]"),
        ("pages/visible.org", "#+TITLE: Visible\n#+ALIAS: Seen\n* links to [[Secret Plans]]"),
        ("pages/other.md", "- see [[Seen]]"),
    ]);
    assert!(!site.exists("secret-plans.html"), "#+public: false is not published");
    let visible = site.read("visible.html");
    assert!(!visible.contains("confidential"), "nor shown in references");
    assert!(!visible.contains("href=\"secret-plans.html\""), "a link to it is plain text");
    assert!(visible.contains("<a href=\"other.html\">"), "#+ALIAS (upper case) is an alias");
}
