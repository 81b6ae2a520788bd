//! The theme: Tera templates and static files (CSS, JS, icons).
//!
//! The default theme is compiled into the binary, so a site builds with no
//! `themes/` folder at all. A theme folder on disk (`<themes_dir>/<name>/`)
//! overrides it file by file: `templates/page.html` replaces only the default
//! `page.html`, `static/style.css` replaces only the default stylesheet, and
//! any other file is added. The default theme's own folder, when present,
//! is applied the same way, so editing `themes/default/` in the repository
//! takes effect without rebuilding the binary.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The name of the built-in theme.
pub const DEFAULT_THEME: &str = "default";

/// The default theme's templates, compiled in.
const DEFAULT_TEMPLATES: &[(&str, &str)] = &[
    ("404.html", include_str!("../../themes/default/templates/404.html")),
    ("all-pages.html", include_str!("../../themes/default/templates/all-pages.html")),
    ("base.html", include_str!("../../themes/default/templates/base.html")),
    ("graph.html", include_str!("../../themes/default/templates/graph.html")),
    ("index.html", include_str!("../../themes/default/templates/index.html")),
    ("journals.html", include_str!("../../themes/default/templates/journals.html")),
    ("page.html", include_str!("../../themes/default/templates/page.html")),
    ("redirect.html", include_str!("../../themes/default/templates/redirect.html")),
    ("search.html", include_str!("../../themes/default/templates/search.html")),
    ("tags.html", include_str!("../../themes/default/templates/tags.html")),
];

/// The default theme's static files (paths relative to `static/`), compiled in.
const DEFAULT_STATIC: &[(&str, &[u8])] = &[
    ("blockpress.js", include_bytes!("../../themes/default/static/blockpress.js")),
    ("favicon.svg", include_bytes!("../../themes/default/static/favicon.svg")),
    ("graph.js", include_bytes!("../../themes/default/static/graph.js")),
    ("search.css", include_bytes!("../../themes/default/static/search.css")),
    ("search.js", include_bytes!("../../themes/default/static/search.js")),
    ("style.css", include_bytes!("../../themes/default/static/style.css")),
];

/// File name endings loaded from a theme's `templates/` folder.
const TEMPLATE_SUFFIXES: &[&str] = &[".html", ".htm", ".xml"];

/// A loaded theme: its templates, ready to render, and its static files.
#[derive(Debug)]
pub struct Theme {
    tera: tera::Tera,
    static_files: Vec<(String, Cow<'static, [u8]>)>,
}

/// Where a template's text came from, for error messages.
struct Source {
    text: Cow<'static, str>,
    path: Option<PathBuf>,
}

impl Theme {
    /// Loads the theme `name` from `themes_dir`, on top of the built-in default.
    ///
    /// Fails with [`Error::Refused`] when `name` is not `default` and has no
    /// folder, with [`Error::Template`] when a template does not parse, and
    /// with [`Error::Io`] when a theme file cannot be read.
    pub fn load(themes_dir: &Path, name: &str) -> Result<Theme> {
        let mut templates: BTreeMap<String, Source> = DEFAULT_TEMPLATES
            .iter()
            .map(|&(name, text)| {
                (name.to_owned(), Source { text: Cow::Borrowed(text), path: None })
            })
            .collect();
        let mut statics: BTreeMap<String, Cow<'static, [u8]>> = DEFAULT_STATIC
            .iter()
            .map(|&(path, bytes)| (path.to_owned(), Cow::Borrowed(bytes)))
            .collect();

        let dir = themes_dir.join(name);
        if dir.is_dir() {
            for (rel, path) in list_files(&dir.join("templates"))? {
                if !TEMPLATE_SUFFIXES.iter().any(|suffix| rel.ends_with(suffix)) {
                    continue;
                }
                let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
                templates.insert(rel, Source { text: Cow::Owned(text), path: Some(path) });
            }
            for (rel, path) in list_files(&dir.join("static"))? {
                let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
                statics.insert(rel, Cow::Owned(bytes));
            }
        } else if name != DEFAULT_THEME {
            return Err(Error::Refused(format!(
                "theme `{name}` not found in {}",
                themes_dir.display()
            )));
        }

        let tera = build_tera(&templates)?;
        Ok(Theme { tera, static_files: statics.into_iter().collect() })
    }

    /// Renders `template` (e.g. `page.html`) with `context`.
    pub fn render(&self, template: &str, context: &tera::Context) -> Result<String> {
        self.tera
            .render(template, context)
            .map_err(|e| Error::Template(format!("rendering `{template}`: {}", error_chain(&e))))
    }

    /// Whether the theme has a template called `name`.
    pub fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    /// The theme's static files: (path relative to `static/`, with `/`
    /// separators; contents), sorted by path.
    pub fn static_files(&self) -> &[(String, Cow<'static, [u8]>)] {
        &self.static_files
    }
}

/// Parses all templates together (so `extends` can find its parent).
fn build_tera(templates: &BTreeMap<String, Source>) -> Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(TEMPLATE_SUFFIXES.to_vec());
    // Tera's own escaping also writes `/` as `&#x2F;`; ours escapes only what HTML needs.
    tera.set_escape_fn(super::escape::escape_html);
    tera.register_filter("references", super::page::ReferencesFilter);
    let raw = templates.iter().map(|(name, source)| (name.as_str(), source.text.as_ref()));
    tera.add_raw_templates(raw).map_err(|e| {
        let chain = error_chain(&e);
        // Tera names the template in quotes; say which file that was.
        let origin = templates.iter().find(|(name, _)| chain.contains(&format!("'{name}'"))).map(
            |(name, source)| match &source.path {
                Some(path) => format!("{name} ({})", path.display()),
                None => format!("{name} (built-in default theme)"),
            },
        );
        match origin {
            Some(origin) => Error::Template(format!("in {origin}: {chain}")),
            None => Error::Template(chain),
        }
    })?;
    Ok(tera)
}

/// Every file under `dir`, recursively, as (relative path with `/`
/// separators, full path), skipping hidden files and folders (editor swap
/// files, `.DS_Store`). A missing `dir` has no files.
fn list_files(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(dir).follow_links(true).sort_by_file_name().into_iter();
    let visible = walker.filter_entry(|entry| {
        entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.')
    });
    for entry in visible {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(dir).to_path_buf();
            Error::io(path, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let mut parts = Vec::new();
        for part in rel.components() {
            let part = part.as_os_str().to_str().ok_or_else(|| {
                Error::io(
                    entry.path(),
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidData,
                        "theme file name is not valid UTF-8",
                    ),
                )
            })?;
            parts.push(part);
        }
        files.push((parts.join("/"), entry.path().to_path_buf()));
    }
    Ok(files)
}

/// A Tera error with all its causes, outermost first, joined by `: `.
fn error_chain(error: &tera::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> tera::Context {
        let mut ctx = tera::Context::new();
        ctx.insert(
            "site",
            &json!({"title": "My <Notes>", "description": "Notes & more", "language": "en", "base_url": ""}),
        );
        ctx.insert("root", "");
        ctx.insert(
            "nav",
            &json!({
                "pages": [{"title": "K8s", "url": "k8s.html"}, {"title": "Storage", "url": "storage.html"}],
                "journals": [{"title": "Jan 5th, 2024", "url": "2024-01-05.html"}],
            }),
        );
        ctx.insert("generator", "blockpress 0.1.0");
        ctx
    }

    fn page_context() -> tera::Context {
        use crate::render::page::{BacklinkBlock, BacklinkGroup, Crumb};
        let backlinks = vec![BacklinkGroup {
            title: "Storage".into(),
            url: "storage.html".into(),
            blocks: vec![BacklinkBlock {
                html: r#"<p>see <a class="page-ref" href="k8s.html">K8s</a></p>"#.into(),
                url: "storage.html#b-9".into(),
                breadcrumb: vec![Crumb { html: "Parent".into(), url: "storage.html#b-8".into() }],
            }],
        }];
        let mut ctx = context();
        ctx.insert(
            "page",
            &json!({
                "title": "K8s",
                "url": "k8s.html",
                "kind": "page",
                "date": "",
                "namespace": [{"title": "Infra", "url": "infra.html"}],
                "properties": [{"key": "type", "value": "<a class=\"page-ref\" href=\"topic.html\">topic</a>"}],
                "tags": [{"title": "RBAC", "url": "rbac.html"}],
                "content": "<ul class=\"blocks\"><li class=\"block\" id=\"b-1\"><div class=\"block-content\"><p>Hello</p></div></li></ul>",
                "description": "All about <k8s>",
                "reference_count": 1, "unlinked": [], "unlinked_count": 0, "backlinks_more": [], "unlinked_more": [],
                "tagged": [], "hierarchy": "", "toc": [], "local_graph": "",

                "backlinks": backlinks,
            }),
        );
        ctx
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn every_file_of_the_default_theme_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
        let on_disk: Vec<String> =
            list_files(&root.join("templates")).unwrap().into_iter().map(|(rel, _)| rel).collect();
        let embedded: Vec<&str> = DEFAULT_TEMPLATES.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, embedded, "add new templates to DEFAULT_TEMPLATES");
        let on_disk: Vec<String> =
            list_files(&root.join("static")).unwrap().into_iter().map(|(rel, _)| rel).collect();
        let embedded: Vec<&str> = DEFAULT_STATIC.iter().map(|(name, _)| *name).collect();
        assert_eq!(on_disk, embedded, "add new static files to DEFAULT_STATIC");
    }

    #[test]
    fn default_theme_loads_without_a_themes_folder() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(&dir.path().join("nope"), "default").unwrap();
        for name in [
            "base.html",
            "page.html",
            "index.html",
            "404.html",
            "all-pages.html",
            "tags.html",
            "journals.html",
            "redirect.html",
        ] {
            assert!(theme.has_template(name), "{name}");
        }
        let paths: Vec<&str> = theme.static_files().iter().map(|(p, _)| p.as_str()).collect();
        let embedded: Vec<&str> = DEFAULT_STATIC.iter().map(|(p, _)| *p).collect();
        assert_eq!(paths, embedded);
        assert!(paths.contains(&"style.css") && paths.contains(&"blockpress.js"));
    }

    #[test]
    fn default_page_renders_escaped_and_relative() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(dir.path(), "default").unwrap();
        let html = theme.render("page.html", &page_context()).unwrap();
        assert!(html.contains("<title>K8s · My &lt;Notes&gt;</title>"), "{html}");
        assert!(html.contains(r#"<meta name="description" content="All about &lt;k8s&gt;">"#));
        assert!(html.contains(r#"<html lang="en">"#));
        assert!(html.contains(r#"href="static/style.css""#));
        assert!(html.contains(r#"href="static/highlight.css""#));
        assert!(html.contains(r#"<li class="block" id="b-1">"#), "content is not escaped");
        assert!(html.contains(r#"<a class="page-ref" href="topic.html">topic</a>"#));
        assert!(html.contains(r#"href="storage.html#b-9""#));
        assert!(html.contains(r#"<a href="k8s.html" aria-current="page">K8s</a>"#));
        assert!(html.contains(r#"<a href="infra.html">Infra</a>"#));
        assert!(!html.contains("rel=\"prev\""), "no pager without prev/next");
        assert!(!html.contains("href=\"/"), "every internal link is relative");
        assert!(!html.contains("custom.css"));
        let mut ctx = page_context();
        ctx.insert("custom_css", &true);
        let html = theme.render("page.html", &ctx).unwrap();
        assert!(html.contains(r#"<link rel="stylesheet" href="static/custom.css">"#));

        let mut journal = page_context();
        journal.insert(
            "page",
            &json!({
                "title": "Jan 5th, 2024", "url": "2024-01-05.html", "kind": "journal",
                "date": "2024-01-05", "namespace": [], "properties": [], "tags": [],
                "content": "", "description": "", "backlinks": [],
                "reference_count": 1, "unlinked": [], "unlinked_count": 0, "backlinks_more": [], "unlinked_more": [],
                "tagged": [], "hierarchy": "", "toc": [], "local_graph": "",

                "prev": {"title": "Jan 4th, 2024", "url": "2024-01-04.html"}, "next": null,
            }),
        );
        let html = theme.render("page.html", &journal).unwrap();
        assert!(html.contains(r#"<time datetime="2024-01-05">"#));
        assert!(html.contains(r#"rel="prev" href="2024-01-04.html""#));
        assert!(!html.contains("rel=\"next\""));
    }

    #[test]
    fn index_and_404_render() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(dir.path(), "default").unwrap();
        let mut ctx = context();
        ctx.insert(
            "letters",
            &json!([{"letter": "K", "pages": [{"title": "K8s", "url": "k8s.html", "kind": "page", "references": 2, "children": ""}]}]),
        );
        ctx.insert("journals", &json!([]));
        ctx.insert("topics", &json!([]));
        ctx.insert("namespaces", &json!([]));
        let html = theme.render("index.html", &ctx).unwrap();
        assert!(
            html.contains(r#"<li class="kind-page"><a href="k8s.html">K8s</a></li>"#),
            "{html}"
        );
        assert!(html.contains(r#"<a href="index.html" aria-current="page">Home</a>"#));
        let html = theme.render("404.html", &context()).unwrap();
        assert!(html.contains("Page not found"));

        // An untitled site still has a named link home.
        ctx.insert(
            "site",
            &json!({"title": "", "description": "", "language": "en", "base_url": ""}),
        );
        let html = theme.render("index.html", &ctx).unwrap();
        assert!(html.contains(r#"<a class="site-title" href="index.html">Home</a>"#), "{html}");
        assert!(html.contains("<title>Home</title>"));
    }

    #[test]
    fn override_replaces_only_that_template() {
        let dir = tempfile::tempdir().unwrap();
        let custom = "{% extends \"base.html\" %}{% block content %}CUSTOM {{ page.title }}{% endblock content %}";
        write(&dir.path().join("mine/templates/page.html"), custom);
        write(&dir.path().join("mine/templates/.page.html.swp"), "{% broken");
        let theme = Theme::load(dir.path(), "mine").unwrap();
        let html = theme.render("page.html", &page_context()).unwrap();
        assert!(html.contains("CUSTOM K8s"));
        assert!(
            html.contains(r#"<nav class="site-nav" aria-label="Site">"#),
            "base.html is the default"
        );
        let mut ctx = context();
        for key in ["letters", "journals", "topics", "namespaces"] {
            ctx.insert(key, &json!([]));
        }
        assert!(theme.render("index.html", &ctx).unwrap().contains("No pages yet."));
    }

    #[test]
    fn syntax_error_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("broken/templates/page.html");
        write(
            &path,
            "{% extends \"base.html\" %}{% block content %}{{ page.title {% endblock content %}",
        );
        let err = Theme::load(dir.path(), "broken").unwrap_err();
        let Error::Template(message) = &err else { panic!("{err:?}") };
        assert!(message.contains("page.html"), "{message}");
        assert!(message.contains(&path.display().to_string()), "{message}");
        // The cause from the parser (with its line) is part of the message.
        assert!(message.contains("1:"), "{message}");
    }

    #[test]
    fn render_error_carries_the_cause() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::load(dir.path(), "default").unwrap();
        let err = theme.render("page.html", &context()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("page.html") && message.contains("page."), "{message}");
    }

    #[test]
    fn static_files_override_and_add() {
        let dir = tempfile::tempdir().unwrap();
        write(&dir.path().join("mine/static/style.css"), "body{}");
        write(&dir.path().join("mine/static/img/logo.svg"), "<svg/>");
        write(&dir.path().join("mine/static/.DS_Store"), "x");
        let theme = Theme::load(dir.path(), "mine").unwrap();
        let files: Vec<(&str, &[u8])> =
            theme.static_files().iter().map(|(p, b)| (p.as_str(), b.as_ref())).collect();
        let get = |path: &str| files.iter().find(|(p, _)| *p == path).map(|(_, b)| *b);
        assert_eq!(get("style.css"), Some(&b"body{}"[..]), "overridden");
        assert_eq!(get("img/logo.svg"), Some(&b"<svg/>"[..]), "added");
        assert!(get("blockpress.js").is_some(), "the default's other files stay");
        assert!(get(".DS_Store").is_none(), "hidden files are skipped");
        let paths: Vec<&str> = files.iter().map(|(p, _)| *p).collect();
        let mut sorted = paths.clone();
        sorted.sort_unstable();
        assert_eq!(paths, sorted, "sorted by path");
    }

    #[test]
    fn unknown_theme_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Theme::load(dir.path(), "fancy").unwrap_err();
        assert!(
            matches!(&err, Error::Refused(m) if m.contains("theme `fancy` not found")),
            "{err:?}"
        );
    }
}
