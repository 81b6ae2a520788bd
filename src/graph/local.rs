//! A page's neighbourhood for the small map on its page: the page, its
//! neighbours and their neighbours (at most [`MAX_NODES`], most referenced
//! first), placed on two rings around it (a radial layout: no iterations,
//! so every page of a large site gets its map in microseconds).

use std::collections::BTreeMap;
use std::f64::consts::PI;

use super::SiteGraph;
use super::quadtree::Point;

/// Most nodes on a local map, the page included.
pub const MAX_NODES: usize = 40;
/// Most neighbours on the first ring.
const MAX_FIRST: usize = 16;
/// Neighbours of each first-ring node looked at for the second ring.
const SCAN: usize = 12;

/// The nodes of a local map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbourhood {
    /// Graph nodes: the page first, then the first ring, then the second ring.
    pub nodes: Vec<u32>,
    /// How many nodes are on the first ring.
    pub first: usize,
    /// For each second-ring node (in order), the first-ring node it hangs off
    /// (an index into `nodes`).
    pub parents: Vec<usize>,
    /// Edges between the nodes, as sorted pairs of indices into `nodes`.
    pub edges: Vec<(usize, usize)>,
}

/// The neighbourhood of `centre`.
pub fn neighbourhood(graph: &SiteGraph, centre: u32) -> Neighbourhood {
    let first: Vec<u32> = graph.ranked(centre).take(MAX_FIRST.min(MAX_NODES - 1)).collect();
    let mut nodes = vec![centre];
    nodes.extend(&first);
    let second = second_ring(graph, &nodes, MAX_NODES - nodes.len());
    nodes.extend(second.iter().map(|&(w, _)| w));
    let parents = second.iter().map(|&(_, p)| p).collect();
    let edges = edges_between(graph, &nodes);
    Neighbourhood { nodes, first: first.len(), parents, edges }
}

/// Up to `room` neighbours of the first ring (`inner[1..]`) that are not in
/// `inner`, each with the first-ring node it hangs off (an index into
/// `inner`), grouped by that node. Nodes linked to more of the first ring,
/// then more referenced ones, come first; each goes to the least busy of
/// the first-ring nodes it is linked to.
fn second_ring(graph: &SiteGraph, inner: &[u32], room: usize) -> Vec<(u32, usize)> {
    // Candidate → (first-ring nodes linked to it, best rank in their lists).
    let mut seen: BTreeMap<u32, (Vec<usize>, usize)> = BTreeMap::new();
    for (i, &v) in inner.iter().enumerate().skip(1) {
        for (rank, w) in graph.ranked(v).filter(|w| !inner.contains(w)).take(SCAN).enumerate() {
            let entry = seen.entry(w).or_insert_with(|| (Vec::new(), rank));
            entry.0.push(i);
            entry.1 = entry.1.min(rank);
        }
    }
    let refs = |w: u32| graph.nodes[w as usize].refs;
    let mut candidates: Vec<(u32, Vec<usize>, usize)> =
        seen.into_iter().map(|(w, (parents, rank))| (w, parents, rank)).collect();
    candidates.sort_by(|a, b| {
        (b.1.len(), refs(b.0)).cmp(&(a.1.len(), refs(a.0))).then((a.2, a.0).cmp(&(b.2, b.0)))
    });
    candidates.truncate(room);
    let mut load = vec![0usize; inner.len()];
    let mut chosen: Vec<(u32, usize)> = candidates
        .into_iter()
        .map(|(w, parents, _)| {
            let parent = parents.into_iter().min_by_key(|&p| (load[p], p)).unwrap_or(1);
            load[parent] += 1;
            (w, parent)
        })
        .collect();
    chosen.sort_by_key(|&(w, parent)| (parent, w));
    chosen
}

/// Neighbours beyond which a node is a hub: its list is longer than a walk
/// alongside the nodes of a full map is worth.
const HUB_DEGREE: usize = 8 * MAX_NODES;

/// Whether a node with these neighbours is a hub (a tag on hundreds of pages).
pub fn is_hub(neighbours: &[(u32, u32)]) -> bool {
    neighbours.len() > HUB_DEGREE
}

/// The edges of `graph` between `nodes`, as sorted pairs of indices into `nodes`.
///
/// Every page of a large site has a map, and most maps hold a hub or two
/// (a tag on thousands of pages), so the hubs' long lists are left alone: an
/// edge is found by walking the other side's list alongside the nodes
/// sorted by id; an edge between two hubs is looked up in
/// [`SiteGraph::hub_edges`] (a search of the hub's list for each pair once
/// took most of the local maps' time).
fn edges_between(graph: &SiteGraph, nodes: &[u32]) -> Vec<(usize, usize)> {
    let long = |u: u32| is_hub(&graph.adjacency[u as usize]);
    let mut by_id: Vec<(u32, usize)> = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    by_id.sort_unstable();
    let mut edges = Vec::new();
    for (i, &u) in nodes.iter().enumerate() {
        let neighbours = &graph.adjacency[u as usize];
        if long(u) {
            for (j, &v) in nodes.iter().enumerate().skip(i + 1) {
                if long(v) && graph.hub_edges.contains(&(u.min(v), u.max(v))) {
                    edges.push((i, j));
                }
            }
            continue;
        }
        let (mut a, mut b) = (0, 0);
        while a < neighbours.len() && b < by_id.len() {
            let (w, (v, j)) = (neighbours[a].0, by_id[b]);
            match w.cmp(&v) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    // Found from both ends when both lists are short: kept once.
                    if j > i || long(v) {
                        edges.push((i.min(j), i.max(j)));
                    }
                    a += 1;
                    b += 1;
                }
            }
        }
    }
    edges.sort_unstable();
    edges
}

/// Positions for a neighbourhood, about one unit per ring: the page at the
/// origin, each first-ring node in the middle of an angular sector wide
/// enough for its second-ring children, which spread across it further out.
pub fn radial_layout(hood: &Neighbourhood) -> Vec<Point> {
    let mut pos = vec![[0.0, 0.0]; hood.nodes.len()];
    let kids: Vec<usize> =
        (1..=hood.first).map(|p| hood.parents.iter().filter(|&&q| q == p).count()).collect();
    // Children sit further out, so each needs less angle than a first-ring node.
    let weight = |k: usize| 1.0 + 0.6 * k as f64;
    let total: f64 = kids.iter().map(|&k| weight(k)).sum();
    let crowd = hood.first.saturating_sub(8) as f64;
    let ring1 = if hood.parents.is_empty() { 1.25 } else { 1.0 } + 0.03 * crowd;
    let ring2 = ring1 + 0.9;
    let mut angle = -PI / 2.0 - PI * weight(kids.first().copied().unwrap_or(0)) / total;
    let mut next_kid = 1 + hood.first;
    for (i, &k) in kids.iter().enumerate() {
        let span = 2.0 * PI * weight(k) / total;
        pos[i + 1] = on_ellipse(angle + span / 2.0, ring1);
        for j in 0..k {
            let a = angle + span * (j as f64 + 0.5) / k as f64;
            let stagger = if k > 2 && j % 2 == 1 { 0.22 } else { 0.0 };
            pos[next_kid] = on_ellipse(a, ring2 + stagger);
            next_kid += 1;
        }
        angle += span;
    }
    pos
}

/// The point at `angle` on an ellipse of height `radius`, wider than high.
fn on_ellipse(angle: f64, radius: f64) -> Point {
    [angle.cos() * radius * 1.6, angle.sin() * radius]
}

impl SiteGraph {
    /// The neighbours of `node`, most referenced first.
    pub fn ranked(&self, node: u32) -> impl Iterator<Item = u32> + '_ {
        self.ranked_adjacency.get(node as usize).into_iter().flatten().copied()
    }

    /// Whether an edge joins `a` and `b`.
    pub fn linked(&self, a: u32, b: u32) -> bool {
        let key = (a.min(b), a.max(b));
        self.edges.binary_search_by(|e| (e.a, e.b).cmp(&key)).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::node;
    use super::*;

    /// A star: `hub` linked to `n` pages, each linked to two more.
    fn star(n: usize) -> SiteGraph {
        let mut nodes = vec![node("hub", 0, None)];
        let mut links = Vec::new();
        for i in 0..n {
            let a = nodes.len();
            nodes.push(node(&format!("a{i:02}"), i, None));
            links.push((0, a));
            for j in 0..2 {
                links.push((a, nodes.len()));
                nodes.push(node(&format!("b{i:02}-{j}"), 0, None));
            }
        }
        SiteGraph::new(nodes, &links)
    }

    #[test]
    fn neighbourhood_is_bounded_and_ranked() {
        let g = star(30);
        let hub = g.nodes.iter().position(|n| n.key == "hub").expect("hub") as u32;
        let hood = neighbourhood(&g, hub);
        assert!(hood.nodes.len() <= MAX_NODES);
        assert_eq!(hood.first, MAX_FIRST);
        // The most referenced neighbours come first.
        assert_eq!(g.nodes[hood.nodes[1] as usize].name, "a29");
        assert!(hood.edges.iter().all(|&(a, b)| a < b && b < hood.nodes.len()));
        assert_eq!(hood.parents.len(), hood.nodes.len() - 1 - hood.first);
    }

    #[test]
    fn edges_are_those_of_every_pair() {
        // The hub has more neighbours than 8 per node of its map: its list is searched.
        let g = star(400);
        let hub = g.nodes.iter().position(|n| n.key == "hub").expect("hub") as u32;
        assert!(g.adjacency[hub as usize].len() > 8 * MAX_NODES);
        for centre in (0..60).chain([hub]) {
            let hood = neighbourhood(&g, centre);
            let mut pairs = Vec::new();
            for (i, &u) in hood.nodes.iter().enumerate() {
                for (j, &v) in hood.nodes.iter().enumerate().skip(i + 1) {
                    if g.linked(u, v) {
                        pairs.push((i, j));
                    }
                }
            }
            assert_eq!(hood.edges, pairs, "around node {centre}");
        }
        // Two linked hubs sharing many pages: the one edge searched for.
        let mut nodes = vec![node("h1", 0, None), node("h2", 0, None)];
        let mut links = vec![(0, 1)];
        for i in 0..400 {
            links.extend([(0, nodes.len()), (1, nodes.len())]);
            nodes.push(node(&format!("p{i:03}"), i % 7, None));
        }
        let g = SiteGraph::new(nodes, &links);
        let h1 = g.nodes.iter().position(|n| n.key == "h1").expect("h1") as u32;
        let hood = neighbourhood(&g, h1);
        let h2 = hood.nodes.iter().position(|&n| g.nodes[n as usize].key == "h2").expect("h2");
        assert!(hood.edges.contains(&(0, h2)), "{:?}", hood.edges);
        assert_eq!(hood.edges.len(), 2 * (hood.nodes.len() - 2) + 1);
    }

    #[test]
    fn second_ring_hangs_off_the_first() {
        let g = star(3);
        let a = g.nodes.iter().position(|n| n.key == "a01").expect("a01") as u32;
        let hood = neighbourhood(&g, a);
        let names: Vec<&str> =
            hood.nodes.iter().map(|&n| g.nodes[n as usize].name.as_str()).collect();
        assert_eq!(names[0], "a01");
        assert!(names.contains(&"hub") && names.contains(&"a02") && names.contains(&"b01-0"));
        let pos = radial_layout(&hood);
        assert_eq!(pos.len(), hood.nodes.len());
        assert!(pos.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    }
}
