//! A Barnes–Hut quadtree: the repulsion of all points on one point in
//! O(log n), by treating far-away groups of points as one heavy point.
//!
//! The tree is rebuilt every layout iteration. Building and querying are
//! sequential and visit points in a fixed order, so results are bit-for-bit
//! reproducible; queries for different points are independent and may run
//! in parallel.

/// A point in the plane.
pub type Point = [f64; 2];

/// Cells with at most this many points are leaves (exact interactions).
const LEAF_SIZE: usize = 8;
/// Deeper than this, points are (nearly) coincident: the cell stays a leaf.
const MAX_DEPTH: u32 = 40;
/// Marks a missing child.
const NONE: u32 = u32::MAX;
/// Room for the cells waiting to be visited: at most 3 per level plus one.
const STACK: usize = 4 * MAX_DEPTH as usize + 8;

/// One square of the tree.
#[derive(Debug, Clone)]
struct Cell {
    /// Centre of mass.
    x: f64,
    y: f64,
    /// Total mass of the points inside.
    mass: f64,
    /// Side length of the square.
    width: f64,
    /// The cell's points: `order[start..end]`.
    start: u32,
    end: u32,
    /// The four quadrants (`NONE` when empty); all `NONE` for a leaf.
    children: [u32; 4],
}

/// The tree over a set of weighted points.
#[derive(Debug, Clone)]
pub struct QuadTree {
    cells: Vec<Cell>,
    order: Vec<u32>,
}

/// What a build needs at hand.
struct Builder<'a> {
    points: &'a [Point],
    mass: &'a [f64],
    cells: Vec<Cell>,
    order: Vec<u32>,
    scratch: Vec<u32>,
}

impl QuadTree {
    /// Builds the tree over `points` weighted by `mass` (same length).
    pub fn build(points: &[Point], mass: &[f64]) -> QuadTree {
        let n = points.len().min(mass.len());
        let mut builder = Builder {
            points,
            mass,
            cells: Vec::with_capacity(n / 2 + 1),
            order: (0..n as u32).collect(),
            scratch: vec![0; n],
        };
        if n > 0 {
            let (x0, y0, width) = bounds(&points[..n]);
            builder.cell(0, n, x0, y0, width, 0);
        }
        QuadTree { cells: builder.cells, order: builder.order }
    }

    /// The repulsion felt by point `i`: the sum over the other points `j` of
    /// `mass[j] / d` along the direction from `j` to `i` (so `Σ mass·(pᵢ−pⱼ)/d²`).
    /// Groups whose width is below `theta` times their distance count as one point.
    pub fn repulsion(&self, i: usize, points: &[Point], mass: &[f64], theta: f64) -> Point {
        let mut force = [0.0, 0.0];
        if self.cells.is_empty() {
            return force;
        }
        let [px, py] = points[i];
        let theta2 = theta * theta;
        let mut stack = [0u32; STACK];
        let mut top = 1;
        while top > 0 {
            top -= 1;
            let cell = &self.cells[stack[top] as usize];
            let (dx, dy) = (px - cell.x, py - cell.y);
            let d2 = dx * dx + dy * dy;
            if cell.width * cell.width < theta2 * d2 {
                force[0] += cell.mass * dx / d2;
                force[1] += cell.mass * dy / d2;
            } else if cell.children == [NONE; 4] {
                self.leaf(i, cell, points, mass, &mut force);
            } else {
                for &child in cell.children.iter().filter(|&&c| c != NONE) {
                    if top < STACK {
                        stack[top] = child;
                        top += 1;
                    }
                }
            }
        }
        force
    }

    /// Exact repulsion of the points of a leaf on point `i`.
    fn leaf(&self, i: usize, cell: &Cell, points: &[Point], mass: &[f64], force: &mut Point) {
        let [px, py] = points[i];
        for &j in &self.order[cell.start as usize..cell.end as usize] {
            let j = j as usize;
            if j == i {
                continue;
            }
            let (mut dx, mut dy) = (px - points[j][0], py - points[j][1]);
            let mut d2 = dx * dx + dy * dy;
            if d2 < 1e-12 {
                // Coincident points: push apart in a direction fixed by the pair.
                let s = i as f64 - j as f64;
                (dx, dy) = (s * 1e-3, s * 0.7e-3);
                d2 = dx * dx + dy * dy;
            }
            force[0] += mass[j] * dx / d2;
            force[1] += mass[j] * dy / d2;
        }
    }
}

impl Builder<'_> {
    /// Adds the cell holding `order[start..end]` in the square at (`x0`, `y0`)
    /// of side `width`, and its descendants; returns its index.
    fn cell(&mut self, start: usize, end: usize, x0: f64, y0: f64, width: f64, depth: u32) -> u32 {
        let (x, y, mass) = self.centre_of_mass(start, end);
        let index = self.cells.len() as u32;
        self.cells.push(Cell {
            x,
            y,
            mass,
            width,
            start: start as u32,
            end: end as u32,
            children: [NONE; 4],
        });
        if end - start <= LEAF_SIZE || depth >= MAX_DEPTH {
            return index;
        }
        let half = width / 2.0;
        let bounds = self.partition(start, end, x0 + half, y0 + half);
        let mut children = [NONE; 4];
        for (q, child) in children.iter_mut().enumerate() {
            let (from, to) = (bounds[q], bounds[q + 1]);
            if from < to {
                let cx = x0 + if q & 1 == 1 { half } else { 0.0 };
                let cy = y0 + if q & 2 == 2 { half } else { 0.0 };
                *child = self.cell(from, to, cx, cy, half, depth + 1);
            }
        }
        self.cells[index as usize].children = children;
        index
    }

    fn centre_of_mass(&self, start: usize, end: usize) -> (f64, f64, f64) {
        let (mut x, mut y, mut mass) = (0.0, 0.0, 0.0);
        for &i in &self.order[start..end] {
            let m = self.mass[i as usize];
            x += m * self.points[i as usize][0];
            y += m * self.points[i as usize][1];
            mass += m;
        }
        if mass > 0.0 { (x / mass, y / mass, mass) } else { (0.0, 0.0, 0.0) }
    }

    /// Sorts `order[start..end]` by quadrant around (`mx`, `my`), keeping the
    /// order within each quadrant; returns the five quadrant boundaries.
    fn partition(&mut self, start: usize, end: usize, mx: f64, my: f64) -> [usize; 5] {
        let quadrant = |p: &Point| usize::from(p[0] >= mx) + 2 * usize::from(p[1] >= my);
        let mut counts = [0usize; 4];
        for &i in &self.order[start..end] {
            counts[quadrant(&self.points[i as usize])] += 1;
        }
        let mut bounds = [start; 5];
        for q in 0..4 {
            bounds[q + 1] = bounds[q] + counts[q];
        }
        let mut next = [bounds[0], bounds[1], bounds[2], bounds[3]];
        for k in start..end {
            let i = self.order[k];
            let q = quadrant(&self.points[i as usize]);
            self.scratch[next[q]] = i;
            next[q] += 1;
        }
        self.order[start..end].copy_from_slice(&self.scratch[start..end]);
        bounds
    }
}

/// The smallest square (`x0`, `y0`, side) around the points.
fn bounds(points: &[Point]) -> (f64, f64, f64) {
    let (mut min_x, mut min_y) = (f64::INFINITY, f64::INFINITY);
    let (mut max_x, mut max_y) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for p in points {
        min_x = min_x.min(p[0]);
        min_y = min_y.min(p[1]);
        max_x = max_x.max(p[0]);
        max_y = max_y.max(p[1]);
    }
    let width = (max_x - min_x).max(max_y - min_y).max(1e-9) * (1.0 + 1e-9);
    (min_x, min_y, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(i: usize, points: &[Point]) -> Point {
        let mut f = [0.0, 0.0];
        for (_, p) in points.iter().enumerate().filter(|(j, _)| *j != i) {
            let (dx, dy) = (points[i][0] - p[0], points[i][1] - p[1]);
            let d2 = dx * dx + dy * dy;
            f[0] += dx / d2;
            f[1] += dy / d2;
        }
        f
    }

    fn grid(n: usize) -> Vec<Point> {
        (0..n).map(|i| [(i % 37) as f64 * 1.3 + (i as f64 * 0.01), (i / 37) as f64 * 0.9]).collect()
    }

    #[test]
    fn theta_zero_is_exact() {
        let points = grid(300);
        let mass = vec![1.0; points.len()];
        let tree = QuadTree::build(&points, &mass);
        for i in [0, 17, 150, 299] {
            let (a, b) = (tree.repulsion(i, &points, &mass, 0.0), exact(i, &points));
            assert!((a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9, "{a:?} {b:?}");
        }
    }

    #[test]
    fn approximation_stays_close() {
        let points = grid(2000);
        let mass = vec![1.0; points.len()];
        let tree = QuadTree::build(&points, &mass);
        for i in [0, 500, 1999] {
            let (a, b) = (tree.repulsion(i, &points, &mass, 0.8), exact(i, &points));
            let err = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2)).sqrt();
            let size = (b[0] * b[0] + b[1] * b[1]).sqrt();
            assert!(err < 0.1 * size.max(1.0), "{a:?} {b:?}");
        }
    }

    #[test]
    fn coincident_points_do_not_explode() {
        let points = vec![[1.0, 1.0]; 50];
        let mass = vec![1.0; 50];
        let tree = QuadTree::build(&points, &mass);
        let f = tree.repulsion(3, &points, &mass, 0.9);
        assert!(f[0].is_finite() && f[1].is_finite());
    }
}
