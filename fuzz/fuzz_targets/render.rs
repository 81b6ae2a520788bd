//! Fuzz target: a one-page site built from any bytes (parse, resolve and render
//! in memory) never panics, and its HTML never carries a live `<script>`.
#![no_main]

use std::sync::LazyLock;

use blockpress::load::{LogseqConfig, SourceFile};
use blockpress::render::templates::Theme;
use blockpress::{SiteConfig, parse, render, resolve};
use libfuzzer_sys::fuzz_target;

static THEME: LazyLock<Theme> = LazyLock::new(|| {
    Theme::load(std::path::Path::new("/nonexistent"), "default").expect("built-in theme")
});

/// The most `<script` tags the theme itself puts in a page (a site of one empty note).
static THEME_SCRIPTS: LazyLock<usize> =
    LazyLock::new(|| build("").iter().map(|html| scripts(html)).max().unwrap_or(0));

fuzz_target!(|data: &[u8]| {
    let (text, _) = blockpress::load::decode_text(data.to_vec(), "pages/fuzz.md");
    for html in build(&text) {
        assert!(scripts(&html) <= *THEME_SCRIPTS, "a note's <script> got through:\n{html}");
    }
});

/// The HTML files of a one-page site whose only note is `text`.
fn build(text: &str) -> Vec<String> {
    let note = parse::parse_note(&SourceFile {
        rel_path: "pages/fuzz.md".into(),
        name: "fuzz".into(),
        journal: None,
        text: text.into(),
    });
    let site = resolve::resolve(
        SiteConfig::default(),
        LogseqConfig::without_file(),
        vec![note],
        Default::default(),
    );
    let (files, _) = render::render_site(&site, &THEME).expect("the built-in theme renders");
    files
        .into_iter()
        .filter(|f| f.path.ends_with(".html"))
        .map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
        .collect()
}

fn scripts(html: &str) -> usize {
    html.to_ascii_lowercase().matches("<script").count()
}
