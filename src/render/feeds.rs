//! `sitemap.xml` and the Atom feed of journals (`journals.xml`).
//!
//! Both need absolute URLs, so they are written only when `base_url` is set.

use super::OutputFile;
use super::escape::escape_html;
use crate::resolve::{PageId, Site};

/// The sitemap and (when `feed` is on) the journal feed.
pub fn feeds(site: &Site, journals: &[PageId]) -> Vec<OutputFile> {
    let base = site.config.base_url.trim_end_matches('/');
    if base.is_empty() {
        return Vec::new();
    }
    let mut files = vec![sitemap(site, base)];
    if site.config.feed && !journals.is_empty() {
        files.push(atom(site, base, journals));
    }
    files
}

fn sitemap(site: &Site, base: &str) -> OutputFile {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    xml.push_str(&format!("<url><loc>{}/index.html</loc></url>\n", escape_html(base)));
    for (_, page) in site.published() {
        let lastmod =
            page.journal.map(|d| format!("<lastmod>{}</lastmod>", d.iso())).unwrap_or_default();
        xml.push_str(&format!(
            "<url><loc>{}/{}</loc>{lastmod}</url>\n",
            escape_html(base),
            escape_html(&page.file_name())
        ));
    }
    xml.push_str("</urlset>\n");
    OutputFile { path: "sitemap.xml".into(), bytes: xml.into_bytes() }
}

fn atom(site: &Site, base: &str, journals: &[PageId]) -> OutputFile {
    let title = escape_html(&site.config.display_title());
    let updated = journals
        .first()
        .and_then(|&id| site.pages[id].journal)
        .map(|d| d.iso())
        .unwrap_or_default();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>{title} · Journals</title>\n<id>{base}/journals.html</id>\n<link href=\"{base}/journals.html\"/>\n<link rel=\"self\" href=\"{base}/journals.xml\"/>\n<updated>{updated}T00:00:00Z</updated>\n<generator>blockpress</generator>\n",
        base = escape_html(base)
    );
    for &id in journals.iter().take(50) {
        let page = &site.pages[id];
        let Some(date) = page.journal else { continue };
        let summary: String = page
            .note
            .as_ref()
            .map(|n| {
                n.blocks
                    .iter()
                    .map(|b| b.text())
                    .filter(|t| !t.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
            .chars()
            .take(1000)
            .collect();
        xml.push_str(&format!(
            "<entry><title>{}</title><id>{base}/{file}</id><link href=\"{base}/{file}\"/><updated>{}T00:00:00Z</updated><summary>{}</summary></entry>\n",
            escape_html(&page.name),
            date.iso(),
            escape_html(&summary),
            base = escape_html(base),
            file = escape_html(&page.file_name()),
        ));
    }
    xml.push_str("</feed>\n");
    OutputFile { path: "journals.xml".into(), bytes: xml.into_bytes() }
}
