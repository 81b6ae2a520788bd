//! The cross-linked graph, built from the fixture graphs under `tests/fixtures/`.

mod common;

use common::{TestSite, count, repo_root};

fn fixture(name: &str) -> TestSite {
    TestSite::build_with(&repo_root().join("tests/fixtures").join(name), |_| {})
}

#[test]
fn links_resolve_case_insensitively_through_aliases_and_labels() {
    let site = fixture("links");
    let notes = site.read("notes.html");
    let start = notes.find("class=\"page-content\"").expect("page content");
    let rest = &notes[start..];
    let end = ["<section", "<aside", "local-graph"]
        .iter()
        .filter_map(|m| rest.find(m))
        .min()
        .unwrap_or(rest.len());
    let article = &rest[..end];
    assert_eq!(
        count(article, "href=\"project-x.html\""),
        6,
        "[[project x]], [[PROJECT X]], #[[Project X]], [[PX]], #PX, [label]([[Project X]])"
    );
    assert!(notes.contains(">the project</a>"));
    assert!(notes.contains("<a class=\"tag\" href=\"multi-word-tag.html\">#multi word tag</a>"));
    assert!(notes.contains("<code>[[Not A Page]]</code>"), "links inside code stay code");
    assert!(
        !site.exists("not-a-page.html")
            && !site.exists("also-not-a-page.html")
            && !site.exists("nottag.html")
    );
}

#[test]
fn every_referenced_page_exists_with_its_references() {
    let site = fixture("links");
    for page in [
        "multi-word-tag.html",
        "tag.html",
        "logseq.html",
        "introduction-to-logseq.html",
        "book.html",
        "type.html",
        "project.html",
        "active-work.html",
    ] {
        assert!(site.exists(page), "{page}");
    }
    assert!(
        site.read("logseq.html").contains("notes.html#b-"),
        "the inner link of a nested link is a reference"
    );
}

#[test]
fn alias_pages_redirect_and_backlinks_merge() {
    let site = fixture("links");
    let px = site.read("px.html");
    assert!(px.contains("http-equiv=\"refresh\"") && px.contains("project-x.html"));
    let project = site.read("project-x.html");
    // Linked references from Notes (through the page name, an alias, a label) and the journal.
    assert!(project.contains("Linked references"));
    assert!(project.contains("notes.html#b-") && project.contains("2024-03-01.html#b-"));
}

#[test]
fn tags_property_lists_tagged_pages_and_the_tags_index_counts() {
    let site = fixture("links");
    let project = site.read("project.html");
    assert!(project.contains("Pages tagged with"), "{project}");
    assert!(project.contains("href=\"project-x.html\""));
    let tags = site.read("tags.html");
    assert!(tags.contains("#Active Work") && tags.contains("#multi word tag"));
}

#[test]
fn property_values_are_references() {
    let site = fixture("links");
    assert!(site.read("book.html").contains("project-x.html"), "type:: [[Book]] refers to Book");
}

#[test]
fn namespaces_have_breadcrumbs_and_hierarchies() {
    let site = fixture("links");
    let v2 = site.read("design-docs.api.v2.html");
    assert!(
        v2.contains("href=\"design-docs.html\"") && v2.contains("href=\"design-docs.api.html\""),
        "breadcrumb"
    );
    let root = site.read("design-docs.html");
    assert!(
        root.contains("namespace-tree") && root.contains(">API</a>") && root.contains(">v2</a>")
    );
    assert!(root.contains("project-x.html#b-"), "a reference to a/b/c also counts for a");
}

#[test]
fn children_of_a_referencing_block_are_shown_with_it() {
    let site = fixture("links");
    let storage = site.read("storage.html");
    assert!(storage.contains("child of the referencing block"));
    assert!(storage.contains("Unlinked references"), "Project X mentions Storage without a link");
    assert!(storage.contains("Mentions Storage without linking it."));
}

#[test]
fn block_refs_and_embeds_render_their_targets() {
    let site = fixture("embeds");
    let user = site.read("user.html");
    assert!(user.contains("<a class=\"block-ref\" href=\"source.html#b-64c1a1b2-0000-4000-8000-000000000001\">The referenced block</a>"));
    assert!(user.contains(">see this</a>"));
    assert!(
        user.contains("embed-block") && user.contains("its child"),
        "a block embed shows the children"
    );
    assert!(user.contains("embed-page"));
    assert!(user.contains("missing block"));
    assert!(user.contains("Embed cycle"), "A embeds B embeds A stops with a marker");
    assert!(site.read("source.html").contains("Embed cycle"), "a block embedding itself");
    let messages: Vec<String> = site.report.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.contains("pages/User.md:5") && m.contains("points at no block")),
        "{messages:#?}"
    );
    assert!(messages.iter().any(|m| m.contains("embed cycle")), "{messages:#?}");
    assert!(
        messages.iter().any(|m| m.contains("pages/Source.md:4") && m.contains("embed cycle")),
        "{messages:#?}"
    );
}

#[test]
fn journals_are_titled_listed_newest_first_and_chained() {
    let site = fixture("journals");
    let day = site.read("2024-01-06.html");
    assert!(day.contains("2024-01-06 Sat"));
    assert!(
        day.contains("href=\"2024-01-05.html\"") && day.contains("href=\"2024-02-10.html\""),
        "previous and next"
    );
    let index = site.read("journals.html");
    let newest = index.find("2024-02-10 Sat").expect("newest day");
    let oldest = index.find("2024-01-05 Fri").expect("oldest day");
    assert!(newest < oldest);
    assert!(index.contains("Entry for 2024_02_10"), "each day with its content");
}

#[test]
fn all_pages_index_lists_pages_with_reference_counts() {
    let site = fixture("links");
    let all = site.read("all-pages.html");
    assert!(all.contains(">Project X</a>") && all.contains(">Storage</a>"));
    assert!(all.contains("namespace-tree"), "namespaces nested");
}

#[test]
fn unpublished_content_never_reaches_the_output() {
    let site = fixture("publishing");
    assert!(!site.exists("secret.html") && !site.exists("hidden.html"));
    let public = site.read("public-page.html");
    assert!(public.contains("links to Secret"), "a link to an unpublished page is plain text");
    for entry in walkdir::WalkDir::new(&site.out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let bytes = std::fs::read(entry.path()).expect("read");
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("CANARY-7f3a9c"), "canary leaked into {}", entry.path().display());
        assert!(
            !text.contains("secret.html"),
            "link to an unpublished page in {}",
            entry.path().display()
        );
    }
}

#[test]
fn public_only_mode_publishes_only_public_pages() {
    let site = TestSite::build_with(&repo_root().join("tests/fixtures/links"), |c| {
        c.publish = blockpress::config::PublishMode::PublicOnly;
    });
    assert!(!site.exists("project-x.html") && !site.exists("notes.html"));
}

#[test]
fn queries_are_evaluated_at_build_time() {
    let site = fixture("queries");
    let tasks = site.read("tasks.html");
    assert!(tasks.contains("write the report") && tasks.contains("query-results"));
    let open_work = &tasks[tasks.find("Open work").expect("query block")..];
    let list = &open_work[..open_work.find("</ul>").expect("results")];
    assert!(
        list.contains("write the report") && list.contains("review the") && list.contains("call")
    );
    assert!(!list.contains("ship it"), "DONE is not TODO/DOING");
    assert!(tasks.contains("cannot be evaluated here"));
    assert!(tasks.contains("Hello <strong>World</strong>"), "user macros expand");
    assert!(tasks.contains("All todos"), "advanced queries show their title");
    assert!(!tasks.contains("{{"), "never raw braces");
}

#[test]
fn fixture_sites_have_no_broken_links_or_leaks() {
    let checker = repo_root().join("../shared/tools/check_site.py");
    if !checker.exists() {
        assert!(std::env::var_os("CI").is_none(), "check_site.py missing in CI");
        eprintln!("SKIPPED: {} not found", checker.display());
        return;
    }
    for name in ["links", "embeds", "journals", "publishing", "queries"] {
        let site = fixture(name);
        let output = std::process::Command::new("python3")
            .arg(&checker)
            .arg(&site.out)
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{name}: {stdout}");
    }
}
