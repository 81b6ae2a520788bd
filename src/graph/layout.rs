//! The global layout: force-directed (Fruchterman–Reingold), with the
//! all-pairs repulsion computed by a Barnes–Hut quadtree, so an iteration
//! costs O(n log n) instead of O(n²).
//!
//! Deterministic for the same graph: initial positions come from a hash of
//! each node's key (the page identity), the iteration count is fixed, the
//! tree is built sequentially in node order, each node's repulsion is summed
//! in a fixed order (nodes may run in parallel: no sum crosses threads), and
//! attraction and moves run sequentially in node and edge order.

use rayon::prelude::*;

use super::quadtree::{Point, QuadTree};

/// An edge of the layout: two node indices and its strength (1 = one link).
pub type Link = (u32, u32, f64);

/// How the layout runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Number of iterations (the temperature falls linearly to zero over them).
    pub iterations: usize,
    /// Barnes–Hut opening criterion: cells narrower than `theta` × distance count as one point.
    pub theta: f64,
    /// Pull towards the centre, proportional to the distance (keeps components together).
    pub gravity: f64,
}

impl Settings {
    /// Settings for a graph of `n` nodes: fewer iterations and a coarser
    /// approximation for large graphs (their layouts look the same, in a fraction of the time).
    pub fn for_size(n: usize) -> Settings {
        let (iterations, theta) = match n {
            0..=1_500 => (300, 0.9),
            1_501..=20_000 => (180, 1.1),
            _ => (120, 1.2),
        };
        Settings { iterations, theta, gravity: 0.15 }
    }
}

/// Lays out `keys.len()` nodes joined by `links`; returns one position per node,
/// centred on the origin, its longer axis horizontal, about one unit per edge.
pub fn force_layout(keys: &[&str], links: &[Link], settings: &Settings) -> Vec<Point> {
    let n = keys.len();
    let side = (n as f64).sqrt() * 2.0 + 1.0;
    let mut pos: Vec<Point> = keys.iter().map(|k| seed_position(k, side)).collect();
    let links: Vec<Link> = links
        .iter()
        .copied()
        .filter(|&(a, b, _)| a != b && (a as usize) < n && (b as usize) < n)
        .collect();
    let mass = masses(n, &links);
    let start = side / 8.0;
    for iteration in 0..settings.iterations {
        let progress = iteration as f64 / settings.iterations as f64;
        let temperature = start * (1.0 - progress) + 0.01;
        step(&mut pos, &mass, &links, settings, temperature);
    }
    orient(&mut pos);
    pos
}

/// A position in the square of side `side` around the origin, from a hash of `key`.
pub fn seed_position(key: &str, side: f64) -> Point {
    let hash = blake3::hash(key.as_bytes());
    let bytes = hash.as_bytes();
    let unit = |from: usize| {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[from..from + 8]);
        (u64::from_le_bytes(word) >> 11) as f64 / (1u64 << 53) as f64
    };
    [(unit(0) - 0.5) * side, (unit(8) - 0.5) * side]
}

/// Repulsion mass: well-linked nodes push harder, so their neighbours get room.
fn masses(n: usize, links: &[Link]) -> Vec<f64> {
    let mut degree = vec![0usize; n];
    for &(a, b, _) in links {
        degree[a as usize] += 1;
        degree[b as usize] += 1;
    }
    degree.into_iter().map(|d| 1.0 + (d as f64).sqrt() * 0.5).collect()
}

/// One iteration: forces, then every node moves at most `temperature`.
fn step(pos: &mut [Point], mass: &[f64], links: &[Link], settings: &Settings, temperature: f64) {
    let tree = QuadTree::build(pos, mass);
    let snapshot: &[Point] = pos;
    let mut force: Vec<Point> = (0..snapshot.len())
        .into_par_iter()
        .map(|i| {
            let r = tree.repulsion(i, snapshot, mass, settings.theta);
            let g = settings.gravity * mass[i];
            [r[0] * mass[i] - g * snapshot[i][0], r[1] * mass[i] - g * snapshot[i][1]]
        })
        .collect();
    for &(a, b, weight) in links {
        let (a, b) = (a as usize, b as usize);
        let (dx, dy) = (pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]);
        // Attraction d²/k along the edge (k = 1): the vector (dx, dy) scaled by d.
        let pull = weight * (dx * dx + dy * dy).sqrt();
        force[a][0] -= dx * pull;
        force[a][1] -= dy * pull;
        force[b][0] += dx * pull;
        force[b][1] += dy * pull;
    }
    for (p, f) in pos.iter_mut().zip(&force) {
        let length = (f[0] * f[0] + f[1] * f[1]).sqrt();
        if length > 0.0 && length.is_finite() {
            let scale = length.min(temperature) / length;
            p[0] += f[0] * scale;
            p[1] += f[1] * scale;
        }
    }
}

/// Centres the layout on its centroid and turns its longer axis horizontal.
fn orient(pos: &mut [Point]) {
    if pos.is_empty() {
        return;
    }
    let n = pos.len() as f64;
    let cx = pos.iter().map(|p| p[0]).sum::<f64>() / n;
    let cy = pos.iter().map(|p| p[1]).sum::<f64>() / n;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for p in pos.iter() {
        let (x, y) = (p[0] - cx, p[1] - cy);
        sxx += x * x;
        sxy += x * y;
        syy += y * y;
    }
    // The major eigenvector of the covariance matrix, without trigonometry.
    let lambda = (sxx + syy) / 2.0 + (((sxx - syy) / 2.0).powi(2) + sxy * sxy).sqrt();
    let (mut c, mut s) = if sxy.abs() > 1e-12 { (lambda - syy, sxy) } else { (1.0, 0.0) };
    if sxy.abs() <= 1e-12 && syy > sxx {
        (c, s) = (0.0, 1.0);
    }
    let norm = (c * c + s * s).sqrt();
    (c, s) = (c / norm, s / norm);
    for p in pos.iter_mut() {
        let (x, y) = (p[0] - cx, p[1] - cy);
        *p = [c * x + s * y, -s * x + c * y];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(n: u32) -> (Vec<String>, Vec<Link>) {
        let keys = (0..n).map(|i| format!("page {i}")).collect();
        let links = (0..n).map(|i| (i, (i + 1) % n, 1.0)).collect();
        (keys, links)
    }

    #[test]
    fn same_graph_same_positions() {
        let (keys, links) = ring(200);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let settings = Settings::for_size(keys.len());
        let a = force_layout(&keys, &links, &settings);
        let b = force_layout(&keys, &links, &settings);
        assert_eq!(a, b);
    }

    #[test]
    fn linked_nodes_end_up_closer_than_unlinked_ones() {
        let (keys, links) = ring(60);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let pos = force_layout(&keys, &links, &Settings::for_size(keys.len()));
        let dist = |a: usize, b: usize| {
            ((pos[a][0] - pos[b][0]).powi(2) + (pos[a][1] - pos[b][1]).powi(2)).sqrt()
        };
        let linked: f64 = (0..60).map(|i| dist(i, (i + 1) % 60)).sum::<f64>() / 60.0;
        let across: f64 = (0..30).map(|i| dist(i, i + 30)).sum::<f64>() / 30.0;
        assert!(linked * 3.0 < across, "linked {linked}, across {across}");
        assert!(pos.iter().all(|p| p[0].is_finite() && p[1].is_finite()));
    }

    #[test]
    fn the_longer_axis_is_horizontal() {
        let mut pos: Vec<Point> = (0..20).map(|i| [i as f64 * 0.1, i as f64]).collect();
        orient(&mut pos);
        let width = pos.iter().map(|p| p[0]).fold(f64::MIN, f64::max)
            - pos.iter().map(|p| p[0]).fold(f64::MAX, f64::min);
        let height = pos.iter().map(|p| p[1]).fold(f64::MIN, f64::max)
            - pos.iter().map(|p| p[1]).fold(f64::MAX, f64::min);
        assert!(width > height * 5.0, "{width} {height}");
    }

    #[test]
    fn empty_and_single_graphs_work() {
        assert!(force_layout(&[], &[], &Settings::for_size(0)).is_empty());
        let one = force_layout(&["a"], &[], &Settings::for_size(1));
        assert_eq!(one, vec![[0.0, 0.0]]);
    }
}
