//! SERVE, telling the browser: every rebuild becomes a server-sent event
//! naming the output files that changed, with the errors and warnings to show.
//!
//! Each event carries a version number. A page is served with the version it
//! was built at; when its event stream connects, the first message says what
//! changed since then, so a rebuild that happened between loading the page and
//! connecting is not missed.

use std::collections::{BTreeSet, VecDeque};
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;

use super::incremental::Problem;
use crate::error::Diagnostic;

/// How many rebuilds are remembered for late subscribers.
const HISTORY: usize = 256;

/// One message to the browser.
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// The version of the site after this rebuild.
    pub version: u64,
    /// Output paths written or removed (`index.html`, `static/style.css`).
    pub changed: Vec<String>,
    /// The subscriber's page is older than the history: reload whatever changed.
    pub stale: bool,
    /// Problems that kept the last rebuild from being applied; empty when the site is good.
    pub errors: Vec<Problem>,
    /// Warnings about the files changed last.
    pub warnings: Vec<Warning>,
    /// The feeds and the search index are still being rebuilt.
    pub pending: bool,
}

/// A warning as the overlay shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// The file, relative to the graph.
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl From<&Diagnostic> for Warning {
    fn from(d: &Diagnostic) -> Warning {
        Warning { file: d.path.display().to_string(), line: d.line, message: d.message.clone() }
    }
}

#[derive(Default)]
struct State {
    version: u64,
    history: VecDeque<(u64, Vec<String>)>,
    errors: Vec<Problem>,
    warnings: Vec<Warning>,
    pending: bool,
    clients: Vec<mpsc::Sender<String>>,
    closed: bool,
}

/// The rebuilds, as the browsers see them.
#[derive(Default)]
pub struct Hub {
    state: Mutex<State>,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The current version.
    pub fn version(&self) -> u64 {
        self.lock().version
    }

    /// Announces a rebuild; returns its version.
    pub fn publish(
        &self,
        changed: Vec<String>,
        errors: Vec<Problem>,
        warnings: Vec<Warning>,
        pending: bool,
    ) -> u64 {
        let mut state = self.lock();
        state.version += 1;
        let version = state.version;
        state.history.push_back((version, changed.clone()));
        while state.history.len() > HISTORY {
            state.history.pop_front();
        }
        state.errors = errors.clone();
        state.warnings = warnings.clone();
        state.pending = pending;
        let message = Message { version, changed, stale: false, errors, warnings, pending };
        let text = serde_json::to_string(&message).unwrap_or_default();
        state.clients.retain(|client| client.send(text.clone()).is_ok());
        version
    }

    /// Subscribes a browser whose page is at version `since`: the first
    /// message says what changed since (and the current errors).
    pub fn subscribe(&self, since: Option<u64>) -> Option<(String, mpsc::Receiver<String>)> {
        let mut state = self.lock();
        if state.closed {
            return None;
        }
        let version = state.version;
        let since = since.unwrap_or(version).min(version);
        let oldest = state.history.front().map_or(version, |(v, _)| v - 1);
        let changed: BTreeSet<String> = state
            .history
            .iter()
            .filter(|(v, _)| *v > since)
            .flat_map(|(_, paths)| paths.iter().cloned())
            .collect();
        let message = Message {
            version,
            changed: changed.into_iter().collect(),
            stale: since < oldest,
            errors: state.errors.clone(),
            warnings: state.warnings.clone(),
            pending: state.pending,
        };
        let (tx, rx) = mpsc::channel();
        state.clients.push(tx);
        Some((serde_json::to_string(&message).unwrap_or_default(), rx))
    }

    /// Ends every event stream.
    pub fn close(&self) {
        let mut state = self.lock();
        state.closed = true;
        state.clients.clear();
    }

    /// Number of connected browsers.
    pub fn clients(&self) -> usize {
        self.lock().clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn late_subscribers_learn_what_they_missed() {
        let hub = Hub::default();
        hub.publish(vec!["a.html".into()], vec![], vec![], false);
        hub.publish(vec!["b.html".into(), "static/style.css".into()], vec![], vec![], false);
        let (first, _rx) = hub.subscribe(Some(1)).expect("open");
        let message: serde_json::Value = serde_json::from_str(&first).expect("json");
        assert_eq!(message["version"], 2);
        assert_eq!(message["changed"], serde_json::json!(["b.html", "static/style.css"]));
        let (first, rx) = hub.subscribe(None).expect("open");
        assert!(first.contains("\"changed\":[]"), "{first}");
        hub.publish(vec!["c.html".into()], vec![], vec![], true);
        let next = rx.recv().expect("message");
        assert!(next.contains("\"version\":3") && next.contains("c.html"), "{next}");
        hub.close();
        assert!(hub.subscribe(None).is_none());
        assert!(rx.recv().is_err(), "closing ends the stream");
    }
}
