//! GRAPH: the published pages as a graph (links, tags, namespaces), laid out
//! at build time and drawn as inline SVG, so the graph view needs no JavaScript.
//!
//! [`SiteGraph`] holds the nodes and edges in a canonical order (by page
//! identity), whatever the order of the notes. [`layout`] places the whole
//! graph for `graph.html`; [`local`] picks and places a page's neighbourhood
//! for the small map on every page; [`svg`] writes both maps.

pub mod layout;
pub mod local;
pub mod quadtree;
pub mod svg;

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::resolve::{Page, PageId, PageKind, Site};

/// Number of colour classes (`c0` … `c7`); pages of other groups stay neutral.
pub const PALETTE: usize = 8;

/// A page of the graph.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Sort key and layout seed: the page identity.
    pub key: String,
    /// Display name.
    pub name: String,
    /// Output file name (`k8s.html`).
    pub url: String,
    /// Blocks referring to the page (node size, label priority).
    pub refs: usize,
    /// A journal day.
    pub journal: bool,
    /// A page without a file of its own.
    pub missing: bool,
    /// Key of the page that gives the colour: the namespace root or the first tag.
    pub group: Option<String>,
    /// The colour class (index into [`SiteGraph::groups`]), set by [`SiteGraph::new`].
    pub colour: Option<u8>,
}

/// An edge between two nodes (`a < b`), with how many links, tags and
/// namespace steps join them (in either direction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The first node.
    pub a: u32,
    /// The second node.
    pub b: u32,
    /// Number of links between them.
    pub count: u32,
}

/// A coloured group, for the legend.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The group page's name.
    pub title: String,
    /// Its URL (empty when it is not a page of the site).
    pub url: String,
    /// Pages in the group.
    pub count: usize,
    /// The CSS class of its colour (`c0` …).
    pub class: String,
}

/// The graph of the published pages.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteGraph {
    /// The nodes, sorted by key.
    pub nodes: Vec<Node>,
    /// The edges, sorted, without duplicates or loops.
    pub edges: Vec<Edge>,
    /// For each node, its neighbours and link counts, sorted by neighbour.
    pub adjacency: Vec<Vec<(u32, u32)>>,
    /// For each node, its neighbours, most referenced first (then by key).
    pub ranked_adjacency: Vec<Vec<u32>>,
    /// The edges between two hubs (see [`local::is_hub`]), as sorted pairs:
    /// the local maps look these up instead of searching the hubs' long lists.
    pub hub_edges: rustc_hash::FxHashSet<(u32, u32)>,
    /// The coloured groups, largest first: group `i` has class `c{i}`.
    pub groups: Vec<Group>,
    /// Page id → node, for graphs built from a site.
    by_page: Vec<Option<u32>>,
}

impl SiteGraph {
    /// The graph of `nodes` joined by `links` (pairs of indices into `nodes`,
    /// one per link; repeated pairs add up). The result does not depend on the
    /// order of `nodes` or `links`.
    pub fn new(nodes: Vec<Node>, links: &[(usize, usize)]) -> SiteGraph {
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| {
            nodes[a].key.cmp(&nodes[b].key).then(nodes[a].name.cmp(&nodes[b].name))
        });
        let mut new_index = vec![0u32; nodes.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new as u32;
        }
        let mut slots: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
        let mut nodes: Vec<Node> = order.iter().filter_map(|&old| slots[old].take()).collect();
        let edges = count_edges(links, &new_index);
        let adjacency = adjacency(nodes.len(), &edges);
        let groups = assign_colours(&mut nodes);
        let ranked_adjacency = adjacency
            .iter()
            .map(|list| {
                let mut ranked: Vec<u32> = list.iter().map(|&(v, _)| v).collect();
                ranked.sort_by_key(|&v| (std::cmp::Reverse(nodes[v as usize].refs), v));
                ranked
            })
            .collect();
        let hub = |n: u32| local::is_hub(&adjacency[n as usize]);
        let hub_edges = edges.iter().filter(|e| hub(e.a) && hub(e.b)).map(|e| (e.a, e.b)).collect();
        SiteGraph {
            nodes,
            edges,
            adjacency,
            ranked_adjacency,
            hub_edges,
            groups,
            by_page: Vec::new(),
        }
    }

    /// The graph of the published pages of `site`.
    pub fn from_site(site: &Site) -> SiteGraph {
        let ids: Vec<PageId> = site.published().map(|(id, _)| id).collect();
        let mut index_of = vec![None; site.pages.len()];
        for (i, &id) in ids.iter().enumerate() {
            index_of[id] = Some(i);
        }
        let per_page: Vec<Vec<(usize, usize)>> = ids
            .par_iter()
            .enumerate()
            .map(|(i, &id)| {
                out_links(site, id).into_iter().filter_map(|t| Some((i, index_of[t]?))).collect()
            })
            .collect();
        let links: Vec<(usize, usize)> = per_page.into_iter().flatten().collect();
        let nodes = ids.iter().map(|&id| node_of(site, id)).collect();
        let mut graph = SiteGraph::new(nodes, &links);
        graph.by_page = vec![None; site.pages.len()];
        for &id in &ids {
            let key = site.pages[id].identity.as_str();
            let node = graph.nodes.binary_search_by(|n| n.key.as_str().cmp(key)).ok();
            graph.by_page[id] = node.and_then(|n| u32::try_from(n).ok());
        }
        graph
    }

    /// The node of a page, when the graph was built from a site and the page is published.
    pub fn node_of_page(&self, page: PageId) -> Option<u32> {
        self.by_page.get(page).copied().flatten()
    }

    /// Whether a node has no edge at all.
    pub fn is_orphan(&self, node: u32) -> bool {
        self.adjacency.get(node as usize).is_none_or(Vec::is_empty)
    }

    /// The whole graph laid out (see [`layout::force_layout`]).
    pub fn layout(&self) -> Vec<quadtree::Point> {
        let keys: Vec<&str> = self.nodes.iter().map(|n| n.key.as_str()).collect();
        let links: Vec<layout::Link> =
            self.edges.iter().map(|e| (e.a, e.b, link_strength(e.count))).collect();
        layout::force_layout(&keys, &links, &layout::Settings::for_size(keys.len()))
    }

    /// The SVG map of the neighbourhood of page `page`; empty when it has no neighbours.
    pub fn local_svg(&self, page: PageId) -> String {
        self.node_of_page(page).map_or_else(String::new, |node| svg::local_map(self, node))
    }

    /// The local map of page `page` (as [`SiteGraph::local_svg`]) and a hash
    /// of everything it is drawn from: its neighbourhood, with those nodes'
    /// names, files, sizes and colours. Equal hashes, equal maps: a rebuild
    /// compares the hash, which costs a fraction of drawing the map.
    pub fn local_map(&self, page: PageId) -> (String, u64) {
        self.node_of_page(page).map_or((String::new(), 0), |node| self.node_map(node))
    }

    fn node_map(&self, node: u32) -> (String, u64) {
        let hood = local::neighbourhood(self, node);
        (svg::local_map_of(self, &hood), self.hood_sig(&hood))
    }

    /// The hash of [`SiteGraph::local_map`] alone.
    pub fn local_sig(&self, page: PageId) -> u64 {
        self.node_of_page(page).map_or(0, |node| self.hood_sig(&local::neighbourhood(self, node)))
    }

    fn hood_sig(&self, hood: &local::Neighbourhood) -> u64 {
        // The rings and edges, then what the map shows of each node: its
        // name, file, size (capped: a hub's count of references can change
        // without its size), colour and kind.
        let mut hasher = blake3::Hasher::new();
        let mut number = |n: usize| {
            hasher.update(&(n as u64).to_le_bytes());
        };
        number(hood.nodes.len());
        number(hood.first);
        hood.parents.iter().for_each(|&p| number(p));
        number(usize::MAX);
        hood.edges.iter().for_each(|&(a, b)| number(a * hood.nodes.len() + b));
        for (i, &n) in hood.nodes.iter().enumerate() {
            let node = &self.nodes[n as usize];
            let flags = u64::from(node.journal) | u64::from(node.missing) << 1;
            let colour = node.colour.map_or(0, |c| u64::from(c) + 1);
            let size = svg::local_radius(self, n, i).to_bits();
            for text in [&node.name, &node.url] {
                hasher.update(&(text.len() as u64).to_le_bytes()).update(text.as_bytes());
            }
            for v in [size, flags, colour] {
                hasher.update(&v.to_le_bytes());
            }
        }
        crate::util::hash::first_u64(hasher.finalize())
    }
}

/// Attraction of an edge: grows slowly with the number of links.
fn link_strength(count: u32) -> f64 {
    (f64::from(count.max(1))).sqrt()
}

fn count_edges(links: &[(usize, usize)], new_index: &[u32]) -> Vec<Edge> {
    let mut pairs: Vec<(u32, u32)> = links
        .iter()
        .filter_map(|&(a, b)| Some((*new_index.get(a)?, *new_index.get(b)?)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    pairs.par_sort_unstable();
    pairs
        .chunk_by(|x, y| x == y)
        .map(|same| Edge { a: same[0].0, b: same[0].1, count: same.len() as u32 })
        .collect()
}

fn adjacency(n: usize, edges: &[Edge]) -> Vec<Vec<(u32, u32)>> {
    let mut adjacency = vec![Vec::new(); n];
    for e in edges {
        adjacency[e.a as usize].push((e.b, e.count));
        adjacency[e.b as usize].push((e.a, e.count));
    }
    for list in &mut adjacency {
        list.sort_unstable();
    }
    adjacency
}

/// Gives the largest groups (two pages or more) a colour; returns them in colour order.
fn assign_colours(nodes: &mut [Node]) -> Vec<Group> {
    let mut sizes: BTreeMap<&str, usize> = BTreeMap::new();
    for node in nodes.iter() {
        if let Some(group) = &node.group {
            *sizes.entry(group.as_str()).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = sizes.into_iter().filter(|&(_, n)| n >= 2).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked.truncate(PALETTE);
    let keys: Vec<String> = ranked.iter().map(|(k, _)| (*k).to_string()).collect();
    let groups: Vec<Group> = ranked
        .iter()
        .enumerate()
        .map(|(i, &(key, count))| {
            let page = nodes.binary_search_by(|n| n.key.as_str().cmp(key)).ok().map(|i| &nodes[i]);
            Group {
                title: page.map_or_else(|| key.to_string(), |p| p.name.clone()),
                url: page.map_or_else(String::new, |p| p.url.clone()),
                count,
                class: format!("c{i}"),
            }
        })
        .collect();
    for node in nodes.iter_mut() {
        node.colour = node
            .group
            .as_ref()
            .and_then(|g| keys.iter().position(|k| k == g))
            .and_then(|i| u8::try_from(i).ok());
    }
    groups
}

/// Pages a page points to: its links, its tags and its namespace parent.
fn out_links(site: &Site, id: PageId) -> Vec<PageId> {
    let page = &site.pages[id];
    let mut out: Vec<PageId> = page.tags.clone();
    out.extend(page.namespace.last().copied());
    if let Some(note) = &page.note {
        // Each name is looked up once, however often it is used.
        let mut names: Vec<&str> =
            note.blocks.iter().flat_map(|b| &b.page_refs).map(String::as_str).collect();
        names.sort_unstable();
        for same in names.chunk_by(|a, b| a == b) {
            if let Some(target) = site.lookup_id(same[0]) {
                out.extend(std::iter::repeat_n(target, same.len()));
            }
        }
    }
    out.retain(|&t| t != id && site.pages.get(t).is_some_and(|p| p.published));
    out
}

fn node_of(site: &Site, id: PageId) -> Node {
    let page = &site.pages[id];
    Node {
        key: page.identity.clone(),
        name: page.name.clone(),
        url: page.file_name(),
        refs: page.backlinks.len(),
        journal: page.kind == PageKind::Journal,
        missing: page.kind == PageKind::Missing,
        group: group_of(site, page).map(|g| g.identity.clone()),
        colour: None,
    }
}

/// The page whose colour a page takes: its namespace root, itself when it
/// is a namespace root or a tag, else its first tag.
fn group_of<'a>(site: &'a Site, page: &'a Page) -> Option<&'a Page> {
    let published = |id: &PageId| site.pages.get(*id).filter(|p| p.published);
    if let Some(root) = page.namespace.first() {
        return published(root);
    }
    if !page.children.is_empty() || (page.tags.is_empty() && !page.tagged.is_empty()) {
        return Some(page);
    }
    page.tags.iter().find_map(published).or((!page.tagged.is_empty()).then_some(page))
}

/// What `graph.html` receives as `graph`.
#[derive(Debug, Clone, Serialize)]
pub struct GraphContext {
    /// The map as SVG.
    pub svg: String,
    /// Pages on the map.
    pub pages: usize,
    /// Edges of the graph.
    pub links: usize,
    /// Edges drawn (the strongest of each page on large graphs).
    pub links_shown: usize,
    /// Journal pages.
    pub journals: usize,
    /// Pages without any link.
    pub orphans: usize,
    /// The coloured groups.
    pub groups: Vec<Group>,
}

impl SiteGraph {
    /// The context of the global graph page: the whole graph laid out and drawn.
    pub fn context(&self) -> GraphContext {
        let positions = self.layout();
        let map = svg::global_map(self, &positions);
        GraphContext {
            svg: map.svg,
            pages: self.nodes.len(),
            links: self.edges.len(),
            links_shown: map.edges_drawn,
            journals: self.nodes.iter().filter(|n| n.journal).count(),
            orphans: (0..self.nodes.len() as u32).filter(|&n| self.is_orphan(n)).count(),
            groups: self.groups.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn node(key: &str, refs: usize, group: Option<&str>) -> Node {
        Node {
            key: key.to_lowercase(),
            name: key.to_string(),
            url: format!("{}.html", key.to_lowercase()),
            refs,
            journal: false,
            missing: false,
            group: group.map(str::to_string),
            colour: None,
        }
    }

    #[test]
    fn order_of_nodes_and_links_does_not_matter() {
        let a = vec![node("A", 2, Some("a")), node("B", 1, Some("a")), node("C", 0, None)];
        let b = vec![a[2].clone(), a[0].clone(), a[1].clone()];
        let ga = SiteGraph::new(a, &[(0, 1), (1, 2), (0, 1)]);
        let gb = SiteGraph::new(b, &[(0, 2), (2, 1), (1, 2)]);
        assert_eq!(ga, gb);
        assert_eq!(ga.edges, vec![Edge { a: 0, b: 1, count: 2 }, Edge { a: 1, b: 2, count: 1 }]);
    }

    #[test]
    fn local_maps_with_the_same_hash_are_the_same_map() {
        let nodes: Vec<Node> =
            (0..60).map(|i| node(&format!("P{i}"), i % 7, Some(["a", "b"][i % 2]))).collect();
        let mut links: Vec<(usize, usize)> = (0..60).map(|i| (i, (i + 1) % 60)).collect();
        links.extend((0..60).step_by(5).map(|i| (i, (i * 7 + 3) % 60)));
        let before = SiteGraph::new(nodes.clone(), &links);
        links.push((10, 40));
        let after = SiteGraph::new(nodes, &links);
        let mut changed = 0;
        for n in 0..60 {
            let ((svg_before, sig_before), (svg_after, sig_after)) =
                (before.node_map(n), after.node_map(n));
            if sig_before == sig_after {
                assert_eq!(svg_before, svg_after, "node {n}: the same hash, another map");
            }
            changed += usize::from(sig_before != sig_after);
        }
        assert!(changed > 1 && changed < 30, "{changed} maps changed");

        // A hub's nodes are drawn at the largest size: one more reference
        // to it changes no map.
        let hub = |refs: usize| {
            let mut nodes = after.nodes.clone();
            nodes[0].refs = refs;
            SiteGraph::new(nodes, &links)
        };
        let (big, bigger) = (hub(1_000), hub(1_001));
        for n in 0..60 {
            assert_eq!(big.node_map(n), bigger.node_map(n), "node {n}");
        }
    }

    #[test]
    fn loops_are_dropped_and_orphans_found() {
        let g = SiteGraph::new(vec![node("A", 0, None), node("B", 0, None)], &[(0, 0)]);
        assert!(g.edges.is_empty());
        assert!(g.is_orphan(0) && g.is_orphan(1));
    }

    #[test]
    fn largest_groups_get_colours() {
        let nodes = vec![
            node("x", 0, Some("big")),
            node("y", 0, Some("big")),
            node("z", 0, Some("big")),
            node("big", 0, Some("big")),
            node("u", 0, Some("small")),
            node("v", 0, Some("small")),
            node("w", 0, Some("alone")),
        ];
        let g = SiteGraph::new(nodes, &[]);
        assert_eq!(g.groups.len(), 2);
        assert_eq!((g.groups[0].title.as_str(), g.groups[0].url.as_str()), ("big", "big.html"));
        assert_eq!(g.groups[1].title, "small");
        let colour = |k: &str| g.nodes.iter().find(|n| n.key == k).and_then(|n| n.colour);
        assert_eq!((colour("x"), colour("u"), colour("w")), (Some(0), Some(1), None));
    }
}
