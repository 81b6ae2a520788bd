//! SERVE, rendering again: some pages of the site, or its site-wide files,
//! exactly as [`crate::render::render_site`] renders them all.
//!
//! `render_site` renders every page; a rebuild needs only a few. It is built
//! from public pieces (`Shared`, `render_page`, `render_home`, `fixed_files`,
//! `whole_site_files`) which serve calls directly; [`self_check`] still
//! compares a sample with `render_site`'s own output when serve starts.

use crate::error::Result;
use crate::graph::SiteGraph;
use crate::render::OutputFile;
use crate::render::indexes;
use crate::render::templates::Theme;
pub use crate::render::{
    Shared, fixed_files as render_fixed, render_home, render_page, whole_site_files as render_whole,
};
use crate::resolve::{PageId, Site};

/// The index pages (all pages, tags, journals, alias redirects).
pub fn render_indexes(site: &Site, theme: &Theme, shared: &Shared) -> Result<Vec<OutputFile>> {
    indexes::render_indexes(site, theme, &shared.base, &shared.journals)
}

/// The graph page (the whole site laid out).
pub fn render_graph_page(theme: &Theme, shared: &Shared) -> Result<OutputFile> {
    crate::render::indexes::graph_page(&shared.graph, theme, &shared.base)
}

/// A hash of every published page's local graph (the small map on each page;
/// see [`SiteGraph::local_sig`]), by identity; `graph` is the site's graph.
pub fn local_graphs(site: &Site, graph: &SiteGraph) -> std::collections::HashMap<String, u64> {
    use rayon::prelude::*;
    let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
    ids.par_iter().map(|&id| (site.pages[id].identity.clone(), graph.local_sig(id))).collect()
}

/// Whether this mirror renders what `render_site` rendered (`full`): the same
/// set of paths, the same bytes for every site-wide file and for a sample of
/// pages. Returns what differs first.
pub fn self_check(site: &Site, theme: &Theme, full: &[OutputFile]) -> Result<(), String> {
    let shared = Shared::new(site);
    let mut mine: Vec<OutputFile> = Vec::new();
    let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
    let step = (ids.len() / 12).max(1);
    let sample: Vec<PageId> =
        ids.iter().copied().step_by(step).chain(shared.journals.first().copied()).collect();
    let rendered = (|| -> Result<()> {
        mine.push(crate::render::indexes::graph_page(&shared.graph, theme, &shared.base)?);
        for &id in &sample {
            mine.push(render_page(site, theme, &shared, id, None)?.file);
        }
        mine.push(render_home(site, theme, &shared)?);
        mine.extend(render_indexes(site, theme, &shared)?);
        mine.extend(render_fixed(site, theme, &shared)?);
        mine.extend(render_whole(site, &shared));
        Ok(())
    })();
    rendered.map_err(|e| format!("rendering failed: {e}"))?;
    let page_paths: std::collections::BTreeSet<String> =
        ids.iter().map(|&id| site.pages[id].file_name()).collect();
    let full_map: std::collections::HashMap<&str, &[u8]> =
        full.iter().map(|f| (f.path.as_str(), f.bytes.as_slice())).collect();
    for file in &mine {
        match full_map.get(file.path.as_str()) {
            Some(bytes) if *bytes == file.bytes.as_slice() => {}
            Some(_) => return Err(format!("{} renders differently", file.path)),
            None => return Err(format!("{} is not part of the site", file.path)),
        }
    }
    let mine_paths: std::collections::BTreeSet<&str> =
        mine.iter().map(|f| f.path.as_str()).collect();
    let unknown = full.iter().find(|f| {
        !mine_paths.contains(f.path.as_str())
            && !page_paths.contains(&f.path)
            && !site.assets.contains(&f.path)
    });
    match unknown {
        Some(file) => Err(format!("{} is rendered by parts serve does not know", file.path)),
        None => Ok(()),
    }
}
