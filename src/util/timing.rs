//! LEAF (any stage): the wall time and peak memory of each stage of a build
//! (`build --verbose`), and of each step of a stage (`RUST_LOG=blockpress=debug`).

use std::time::{Duration, Instant};

/// One stage of a build, as `build --verbose` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stage {
    /// load, parse, resolve, plan, render or write.
    pub name: &'static str,
    /// Wall time.
    pub time: Duration,
    /// The process's peak resident memory so far, in bytes, where the
    /// system tells it (Linux).
    pub peak_memory: Option<u64>,
}

/// The stages of a build, in pipeline order.
#[derive(Debug, Clone, Default)]
pub struct StageTimes {
    /// Each stage run so far.
    pub stages: Vec<Stage>,
}

impl StageTimes {
    /// Runs `f` as stage `name`, recording its wall time and the peak memory after it.
    pub fn time<T>(&mut self, name: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let result = f();
        let time = start.elapsed();
        self.stages.push(Stage { name, time, peak_memory: peak_memory() });
        result
    }
}

/// Logs the time of each step of a stage (`RUST_LOG=blockpress=debug`).
pub struct Steps {
    stage: &'static str,
    since: Instant,
}

impl Steps {
    /// Starts timing the steps of `stage`.
    pub fn new(stage: &'static str) -> Steps {
        Steps { stage, since: Instant::now() }
    }

    /// Logs the time since the previous step.
    pub fn done(&mut self, what: &str) {
        log::debug!("{}: {what} in {:.2?}", self.stage, self.since.elapsed());
        self.since = Instant::now();
    }
}

/// The peak resident memory of this process (`VmHWM`), in bytes; `None`
/// where `/proc` does not tell it.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 =
        line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kib * 1024)
}
