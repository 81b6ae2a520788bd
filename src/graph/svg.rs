//! The maps as SVG: the global map of `graph.html` and the local map of each
//! page. Every node is a link with a `<title>`; colours come from CSS classes
//! (`c0` … `c7`, `j` journal, `m` missing, `o` orphan), so the theme decides
//! them for light and dark. Coordinates are rounded to one decimal.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use super::quadtree::Point;
use super::{Node, SiteGraph, local};
use crate::util::escape::{escape_href, escape_html};

/// A drawn map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    /// The `<svg>` element.
    pub svg: String,
    /// Edges drawn.
    pub edges_drawn: usize,
}

/// A label: text, anchor point and size.
#[derive(Debug, Clone, PartialEq)]
struct Label {
    text: String,
    x: f64,
    y: f64,
    size: f64,
    anchor: Anchor,
    /// Its CSS class; local labels take their size from it, global ones carry `font-size`.
    class: &'static str,
}

/// Where a label's anchor point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Anchor {
    Start,
    Middle,
    End,
}

/// An axis-aligned rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl Rect {
    fn around(p: Point, r: f64) -> Rect {
        Rect { x0: p[0] - r, y0: p[1] - r, x1: p[0] + r, y1: p[1] + r }
    }

    fn union(self, other: Rect) -> Rect {
        Rect {
            x0: self.x0.min(other.x0),
            y0: self.y0.min(other.y0),
            x1: self.x1.max(other.x1),
            y1: self.y1.max(other.y1),
        }
    }

    fn overlaps(&self, other: &Rect) -> bool {
        self.x0 < other.x1 && other.x0 < self.x1 && self.y0 < other.y1 && other.y0 < self.y1
    }
}

impl Label {
    /// The box the text covers (estimated from its length).
    fn rect(&self) -> Rect {
        let width = self.text.chars().count() as f64 * self.size * 0.6;
        let x0 = match self.anchor {
            Anchor::Start => self.x,
            Anchor::Middle => self.x - width / 2.0,
            Anchor::End => self.x - width,
        };
        Rect { x0, y0: self.y - self.size * 0.8, x1: x0 + width, y1: self.y + self.size * 0.25 }
    }
}

/// A number shown rounded to one decimal, without a trailing `.0`.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round() as i64;
        if tenths < 0 {
            f.write_str("-")?;
        }
        let (whole, frac) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
        if frac == 0 { write!(f, "{whole}") } else { write!(f, "{whole}.{frac}") }
    }
}

/// `x` rounded to one decimal, for writing.
pub fn num(x: f64) -> Num {
    Num(x)
}

/// `name` cut to `max` characters (with an ellipsis).
fn short(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let mut cut: String = name.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The CSS classes of a node.
fn classes(node: &Node, orphan: bool, extra: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    if !extra.is_empty() {
        out.push(extra.to_string());
    }
    if let Some(c) = node.colour {
        out.push(format!("c{c}"));
    }
    for (flag, class) in [(node.journal, "j"), (node.missing, "m"), (orphan, "o")] {
        if flag {
            out.push(class.to_string());
        }
    }
    out.join(" ")
}

/// How a node is drawn.
struct Look<'a> {
    class: &'a str,
    at: Point,
    radius: f64,
    label: Option<&'a Label>,
}

/// Appends one node: a link around its circle (and label). It has a `<title>`
/// with the page name when `always_title` or when its label does not show the whole name.
fn push_node(out: &mut String, node: &Node, look: &Look<'_>, always_title: bool) {
    let Look { class, at: p, radius: r, label } = *look;
    let _ = write!(out, "<a href=\"{}\"", escape_href(&node.url));
    if !class.is_empty() {
        let _ = write!(out, " class=\"{class}\"");
    }
    out.push('>');
    if always_title || label.is_none_or(|l| l.text != node.name) {
        let _ = write!(out, "<title>{}</title>", escape_html(&node.name));
    }
    let _ = write!(out, "<circle cx=\"{}\" cy=\"{}\" r=\"{}\"/>", num(p[0]), num(p[1]), num(r));
    if let Some(label) = label {
        push_label(out, label);
    }
    out.push_str("</a>\n");
}

fn push_label(out: &mut String, label: &Label) {
    let anchor = match label.anchor {
        Anchor::Start => "",
        Anchor::Middle => " text-anchor=\"middle\"",
        Anchor::End => " text-anchor=\"end\"",
    };
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" class=\"{}\"",
        num(label.x),
        num(label.y),
        label.class
    );
    if label.class == "l" {
        let _ = write!(out, " font-size=\"{}\"", num(label.size));
    }
    let _ = write!(out, "{anchor}>{}</text>", escape_html(&label.text));
}

/// Appends a path of line segments.
fn push_edges(out: &mut String, class: &str, segments: &[(Point, Point)]) {
    if segments.is_empty() {
        return;
    }
    let _ = write!(out, "<path class=\"{class}\" d=\"");
    for (a, b) in segments {
        let _ = write!(out, "M{} {}L{} {}", num(a[0]), num(a[1]), num(b[0]), num(b[1]));
    }
    out.push_str("\"/>\n");
}

fn open_svg(out: &mut String, class: &str, bounds: Rect, label: &str) {
    let (w, h) = (bounds.x1 - bounds.x0, bounds.y1 - bounds.y0);
    let _ = write!(
        out,
        "<svg class=\"{class}\" xmlns=\"http://www.w3.org/2000/svg\" role=\"group\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" aria-label=\"{}\">",
        escape_html(label),
        w = num(w),
        h = num(h),
    );
    out.push('\n');
}

// ---------- The global map ------------------------------------------------

/// Radius of a node on the global map: `base` plus a little per reference.
fn global_radius(base: f64, refs: usize) -> f64 {
    (base + (refs as f64).sqrt()).min(12.0)
}

/// Pixels per layout unit, so each page gets about the same room whatever
/// the layout's spread (measured without the outermost 1% on each side).
fn global_scale(positions: &[Point]) -> f64 {
    let n = positions.len().max(1) as f64;
    let extent = |axis: usize| {
        let mut values: Vec<f64> = positions.iter().map(|p| p[axis]).collect();
        values.sort_by(f64::total_cmp);
        let cut = values.len() / 100;
        let high = values.len().checked_sub(cut + 1).and_then(|i| values.get(i));
        match (values.get(cut), high) {
            (Some(low), Some(high)) => high - low,
            _ => 0.0,
        }
    };
    let area = (extent(0) * extent(1)).max(1.0);
    let room = 1_400.0 + 30_000.0 / n.powf(0.75);
    (n * room / area).sqrt()
}

/// The global map in pixels: node centres and radii, labels, and the frame.
struct Geometry {
    pts: Vec<Point>,
    radius: Vec<f64>,
    labels: BTreeMap<usize, Label>,
    frame: Rect,
}

/// Scales the layout to pixels, places the labels and moves everything into the frame.
fn global_geometry(graph: &SiteGraph, positions: &[Point]) -> Geometry {
    let scale = global_scale(positions);
    let mut pts: Vec<Point> = positions.iter().map(|p| [p[0] * scale, p[1] * scale]).collect();
    let base = if graph.nodes.len() <= 100 { 4.0 } else { 2.5 };
    let radius: Vec<f64> = graph.nodes.iter().map(|n| global_radius(base, n.refs)).collect();
    let mut labels = global_labels(graph, &pts, &radius);
    let frame = into_frame(&mut pts, &radius, labels.values_mut().collect(), 8.0);
    Geometry { pts, radius, labels, frame }
}

/// Moves the circles (`pts`, `radius`) and `labels` so that the box around
/// them, with `margin`, starts at the origin; returns that box.
fn into_frame(pts: &mut [Point], radius: &[f64], mut labels: Vec<&mut Label>, margin: f64) -> Rect {
    let circles = pts.iter().zip(radius).map(|(&p, &r)| Rect::around(p, r));
    let bounds = circles
        .chain(labels.iter().map(|l| l.rect()))
        .reduce(Rect::union)
        .unwrap_or(Rect::around([0.0, 0.0], 0.0));
    let (dx, dy) = (margin - bounds.x0, margin - bounds.y0);
    for p in pts.iter_mut() {
        *p = [p[0] + dx, p[1] + dy];
    }
    for label in &mut labels {
        (label.x, label.y) = (label.x + dx, label.y + dy);
    }
    let (w, h) = (bounds.x1 - bounds.x0 + 2.0 * margin, bounds.y1 - bounds.y0 + 2.0 * margin);
    Rect { x0: 0.0, y0: 0.0, x1: w, y1: h }
}

/// The global map of `graph`, its nodes at `positions` (from [`SiteGraph::layout`]).
pub fn global_map(graph: &SiteGraph, positions: &[Point]) -> Map {
    let geo = global_geometry(graph, positions);
    let mut out = String::with_capacity(graph.nodes.len() * 120 + graph.edges.len() * 24);
    let title = format!("Map of {} pages", graph.nodes.len());
    let class = if graph.nodes.len() > 1_500 { "graph-map big" } else { "graph-map" };
    open_svg(&mut out, class, geo.frame, &title);
    let edges_drawn = push_global_edges(&mut out, graph, &geo.pts);
    // Small nodes first, so the most referenced are drawn on top.
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&i| (graph.nodes[i].refs, i));
    let class_of = |i: usize| classes(&graph.nodes[i], graph.is_orphan(i as u32), "");
    for &i in &order {
        let class = class_of(i);
        let look = Look { class: &class, at: geo.pts[i], radius: geo.radius[i], label: None };
        push_node(&mut out, &graph.nodes[i], &look, true);
    }
    // Labels above every circle; each is a second link to its page, hidden
    // from assistive technology and the tab order (the circle's link has the name).
    out.push_str("<g class=\"labels\" aria-hidden=\"true\">\n");
    for (i, label) in order.iter().filter_map(|&i| Some((i, geo.labels.get(&i)?))) {
        let _ = write!(out, "<a href=\"{}\" tabindex=\"-1\"", escape_href(&graph.nodes[i].url));
        let class = class_of(i);
        if !class.is_empty() {
            let _ = write!(out, " class=\"{class}\"");
        }
        out.push('>');
        push_label(&mut out, label);
        out.push_str("</a>\n");
    }
    out.push_str("</g>\n</svg>");
    Map { svg: out, edges_drawn }
}

/// Appends the drawn edges (journal ones in their own path); returns how many.
fn push_global_edges(out: &mut String, graph: &SiteGraph, pts: &[Point]) -> usize {
    let drawn = thin_edges(graph);
    let (mut plain, mut journal) = (Vec::new(), Vec::new());
    for e in drawn.iter().map(|&i| &graph.edges[i]) {
        let segment = (pts[e.a as usize], pts[e.b as usize]);
        if graph.nodes[e.a as usize].journal || graph.nodes[e.b as usize].journal {
            journal.push(segment);
        } else {
            plain.push(segment);
        }
    }
    push_edges(out, "e", &plain);
    push_edges(out, "e ej", &journal);
    drawn.len()
}

/// Labels for the most referenced nodes that fit without overlapping.
fn global_labels(graph: &SiteGraph, pts: &[Point], radius: &[f64]) -> BTreeMap<usize, Label> {
    let n = graph.nodes.len();
    let mut ranked: Vec<usize> = (0..n).collect();
    ranked.sort_by_key(|&i| (std::cmp::Reverse(graph.nodes[i].refs), i));
    let limit = if n <= 80 { n } else { (n / 25).clamp(40, 300) };
    let top = graph.nodes.iter().map(|n| n.refs).max().unwrap_or(0).max(1) as f64;
    let mut placed: BTreeMap<usize, Label> = BTreeMap::new();
    let mut grid = Grid::default();
    for i in ranked.into_iter().filter(|&i| n <= 80 || graph.nodes[i].refs > 0) {
        if placed.len() >= limit {
            break;
        }
        let size = ((11.0 + 6.0 * (graph.nodes[i].refs as f64 / top).sqrt()) * 2.0).round() / 2.0;
        let text = short(&graph.nodes[i].name, 28);
        let (p, r) = (pts[i], radius[i]);
        let spots = [
            (p[0], p[1] + r + size, Anchor::Middle),
            (p[0], p[1] - r - size * 0.35, Anchor::Middle),
            (p[0] + r + 3.0, p[1] + size * 0.35, Anchor::Start),
            (p[0] - r - 3.0, p[1] + size * 0.35, Anchor::End),
        ];
        for (x, y, anchor) in spots {
            let label = Label { text: text.clone(), x, y, size, anchor, class: "l" };
            if grid.try_place(label.rect()) {
                placed.insert(i, label);
                break;
            }
        }
    }
    placed
}

/// Placed rectangles, bucketed by grid cell for fast overlap checks.
#[derive(Default)]
struct Grid {
    rects: Vec<Rect>,
    cells: HashMap<(i64, i64), Vec<usize>>,
}

impl Grid {
    const CELL: f64 = 64.0;

    /// Adds `rect` whatever it overlaps.
    fn add(&mut self, rect: Rect) {
        let index = self.rects.len();
        self.rects.push(rect);
        for cell in Self::cells_of(&rect) {
            self.cells.entry(cell).or_default().push(index);
        }
    }

    fn cells_of(rect: &Rect) -> impl Iterator<Item = (i64, i64)> {
        let (x0, x1) =
            ((rect.x0 / Self::CELL).floor() as i64, (rect.x1 / Self::CELL).floor() as i64);
        let (y0, y1) =
            ((rect.y0 / Self::CELL).floor() as i64, (rect.y1 / Self::CELL).floor() as i64);
        (x0..=x1).flat_map(move |x| (y0..=y1).map(move |y| (x, y)))
    }

    /// Adds `rect` unless it overlaps one already placed.
    fn try_place(&mut self, rect: Rect) -> bool {
        let padded =
            Rect { x0: rect.x0 - 2.0, y0: rect.y0 - 1.0, x1: rect.x1 + 2.0, y1: rect.y1 + 1.0 };
        let clash = Self::cells_of(&padded)
            .filter_map(|c| self.cells.get(&c))
            .flatten()
            .any(|&k| self.rects[k].overlaps(&padded));
        if !clash {
            self.add(rect);
        }
        !clash
    }
}

/// The edges to draw: all on small graphs, else the strongest few of each node.
fn thin_edges(graph: &SiteGraph) -> Vec<usize> {
    let n = graph.nodes.len();
    if graph.edges.len() <= 2_000 {
        return (0..graph.edges.len()).collect();
    }
    let per_node = match n {
        0..=1_000 => 3,
        1_001..=5_000 => 2,
        _ => 1,
    };
    let mut keep = vec![false; graph.edges.len()];
    for (u, list) in graph.adjacency.iter().enumerate() {
        let mut strongest: Vec<(u32, u32)> = list.clone();
        strongest.sort_by_key(|&(v, count)| {
            (std::cmp::Reverse(count), std::cmp::Reverse(graph.nodes[v as usize].refs), v)
        });
        for &(v, _) in strongest.iter().take(per_node) {
            let key = ((u as u32).min(v), (u as u32).max(v));
            if let Ok(k) = graph.edges.binary_search_by(|e| (e.a, e.b).cmp(&key)) {
                keep[k] = true;
            }
        }
    }
    (0..graph.edges.len()).filter(|&k| keep[k]).collect()
}

// ---------- The local map -------------------------------------------------

/// Pixels per ring of the local map.
const RING: f64 = 80.0;

/// Radius of node `i` of a local map (the page itself is node 0).
pub(crate) fn local_radius(graph: &SiteGraph, node: u32, i: usize) -> f64 {
    if i == 0 {
        10.0
    } else {
        (4.5 + 0.9 * (graph.nodes[node as usize].refs as f64).sqrt()).min(9.0)
    }
}

/// The local map around `centre`; empty when it has no neighbours.
pub fn local_map(graph: &SiteGraph, centre: u32) -> String {
    local_map_of(graph, &local::neighbourhood(graph, centre))
}

/// The local map of a neighbourhood (see [`local_map`]).
pub fn local_map_of(graph: &SiteGraph, hood: &local::Neighbourhood) -> String {
    if hood.nodes.len() < 2 {
        return String::new();
    }
    let mut pts: Vec<Point> =
        local::radial_layout(hood).into_iter().map(|p| [p[0] * RING, p[1] * RING]).collect();
    let radius: Vec<f64> =
        hood.nodes.iter().enumerate().map(|(i, &n)| local_radius(graph, n, i)).collect();
    let node = |i: usize| &graph.nodes[hood.nodes[i] as usize];
    let mut labels = local_labels(graph, hood, &pts, &radius);
    let frame = into_frame(&mut pts, &radius, labels.iter_mut().flatten().collect(), 6.0);
    // Whole pixels are precise enough at this size.
    for p in &mut pts {
        *p = [p[0].round(), p[1].round()];
    }
    for label in labels.iter_mut().flatten() {
        (label.x, label.y) = (label.x.round(), label.y.round());
    }
    let mut out = String::new();
    open_svg(&mut out, "graph-local", frame, &format!("Pages around {}", node(0).name));
    let (near, far) = local_edges(hood);
    let segments = |edges: &[(usize, usize)]| -> Vec<(Point, Point)> {
        edges.iter().map(|&(a, b)| (pts[a], pts[b])).collect()
    };
    push_edges(&mut out, "e", &segments(&far));
    push_edges(&mut out, "e e1", &segments(&near));
    // Outer ring first, the page itself last (on top).
    for i in (0..hood.nodes.len()).rev() {
        let class = classes(node(i), false, if i == 0 { "cur" } else { "" });
        let look = Look { class: &class, at: pts[i], radius: radius[i], label: labels[i].as_ref() };
        push_node(&mut out, node(i), &look, false);
    }
    out.push_str("</svg>");
    out
}

/// Two node indices of a local map.
type Pair = (usize, usize);

/// Most edges of a local map that are neither from the page nor to a node's parent.
const MAX_CROSS: usize = 12;

/// The edges of a local map: those from the page, and the others (each
/// second-ring node's edge to its parent, then at most [`MAX_CROSS`] more).
fn local_edges(hood: &local::Neighbourhood) -> (Vec<Pair>, Vec<Pair>) {
    let ring2 = 1 + hood.first;
    let is_tree = |&(a, b): &(usize, usize)| b >= ring2 && hood.parents.get(b - ring2) == Some(&a);
    let near: Vec<(usize, usize)> = hood.edges.iter().copied().filter(|&(a, _)| a == 0).collect();
    let mut far: Vec<(usize, usize)> = hood.edges.iter().copied().filter(is_tree).collect();
    let cross = hood.edges.iter().copied().filter(|e| e.0 != 0 && !is_tree(e));
    far.extend(cross.take(MAX_CROSS));
    far.sort_unstable();
    (near, far)
}

/// Labels of a local map that fit without covering a node or another label:
/// the page's first, then the first ring, then the second. A node without
/// room for its label keeps only its `<title>`.
fn local_labels(
    graph: &SiteGraph,
    hood: &local::Neighbourhood,
    pts: &[Point],
    radius: &[f64],
) -> Vec<Option<Label>> {
    let mut grid = Grid::default();
    for (p, &r) in pts.iter().zip(radius) {
        grid.add(Rect::around(*p, r));
    }
    (0..hood.nodes.len())
        .map(|i| {
            let node = &graph.nodes[hood.nodes[i] as usize];
            let spots = label_spots(node, i, hood.first, pts[i], radius[i]);
            spots.into_iter().find(|label| grid.try_place(label.rect()))
        })
        .collect()
}

/// Where the label of node `i` of a local map may go, best first: under the
/// page; for the others, on the side away from the page, then the other sides.
fn label_spots(node: &Node, i: usize, first: usize, p: Point, r: f64) -> Vec<Label> {
    let (size, max, class) = match i {
        0 => (13.0, 32, "l0"),
        _ if i <= first => (11.5, 22, "l1"),
        _ => (10.5, 18, "l2"),
    };
    let text = short(&node.name, max);
    let spot = |x: f64, y: f64, anchor| Label { text: text.clone(), x, y, size, anchor, class };
    let right = spot(p[0] + r + 3.0, p[1] + size * 0.35, Anchor::Start);
    let left = spot(p[0] - r - 3.0, p[1] + size * 0.35, Anchor::End);
    let below = spot(p[0], p[1] + r + size, Anchor::Middle);
    let above = spot(p[0], p[1] - r - size * 0.4, Anchor::Middle);
    if i == 0 {
        return vec![below, above];
    }
    // Direction from the page, undoing the ellipse's stretch.
    let (ux, uy) = (p[0] / 1.6, p[1]);
    let length = (ux * ux + uy * uy).sqrt().max(1e-9);
    let (cos, sin) = (ux / length, uy / length);
    if cos > 0.3 {
        vec![right, above, below, left]
    } else if cos < -0.3 {
        vec![left, above, below, right]
    } else if sin > 0.0 {
        vec![below, right, left, above]
    } else {
        vec![above, right, left, below]
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::node;
    use super::*;

    #[test]
    fn numbers_have_one_decimal_at_most() {
        assert_eq!(num(12.0).to_string(), "12");
        assert_eq!(num(12.34).to_string(), "12.3");
        assert_eq!(num(0.05).to_string(), "0.1");
        assert_eq!(num(-3.26).to_string(), "-3.3");
        assert_eq!(num(-0.01).to_string(), "0");
    }

    #[test]
    fn names_and_urls_are_escaped() {
        let mut evil = node("<b>&\"x", 3, None);
        evil.url = "a b\"<c>.html".into();
        let g = SiteGraph::new(vec![evil, node("other", 0, None)], &[(0, 1)]);
        let map = global_map(&g, &g.layout());
        assert!(!map.svg.contains("<b>") && map.svg.contains("&lt;b&gt;&amp;&quot;x"));
        assert!(map.svg.contains("href=\"a%20b%22%3Cc%3E.html\""));
    }

    #[test]
    fn input_order_does_not_change_the_maps() {
        let nodes: Vec<Node> =
            (0..60).map(|i| node(&format!("p{i}"), i % 7, Some(["x", "y"][i % 2]))).collect();
        let links: Vec<(usize, usize)> = (0..60).map(|i| (i, (i * 7 + 3) % 60)).collect();
        let mut shuffled: Vec<usize> = (0..60).collect();
        shuffled.sort_by_key(|&i| (i * 37) % 60);
        let mut position = vec![0; 60];
        for (new, &old) in shuffled.iter().enumerate() {
            position[old] = new;
        }
        let b_nodes = shuffled.iter().map(|&i| nodes[i].clone()).collect();
        let b_links: Vec<(usize, usize)> =
            links.iter().rev().map(|&(x, y)| (position[y], position[x])).collect();
        let (a, b) = (SiteGraph::new(nodes, &links), SiteGraph::new(b_nodes, &b_links));
        assert_eq!(global_map(&a, &a.layout()), global_map(&b, &b.layout()));
        assert_eq!(local_map(&a, 5), local_map(&b, 5));
    }

    #[test]
    fn labels_do_not_overlap() {
        let mut grid = Grid::default();
        let label = |x: f64| Label {
            text: "Some page".into(),
            x,
            y: 0.0,
            size: 12.0,
            anchor: Anchor::Middle,
            class: "l",
        };
        assert!(grid.try_place(label(0.0).rect()));
        assert!(!grid.try_place(label(10.0).rect()));
        assert!(grid.try_place(label(200.0).rect()));
    }

    #[test]
    fn every_node_is_a_titled_link() {
        let nodes = (0..30).map(|i| node(&format!("p{i}"), i, None)).collect();
        let links: Vec<(usize, usize)> = (1..30).map(|i| (i - 1, i)).collect();
        let g = SiteGraph::new(nodes, &links);
        let map = global_map(&g, &g.layout());
        let nodes = map.svg.split("<g class=\"labels\"").next().unwrap_or("");
        assert_eq!(nodes.matches("<a href=").count(), 30);
        assert_eq!(nodes.matches("<title>").count(), 30);
        assert_eq!(map.svg.matches("<circle").count(), 30);
        assert!(map.svg.contains("tabindex=\"-1\""), "labels are links too");
        assert_eq!(map.edges_drawn, 29);
        let local = local_map(&g, 5);
        assert!(local.contains("class=\"cur\"") && local.matches("<a href=").count() >= 3);
    }
}
