//! SERVE: build, serve over HTTP, watch the notes, rebuild and reload.

use crate::cli::ServeArgs;
use crate::error::{Error, Result};

/// Runs `blockpress serve`.
pub fn run(_args: &ServeArgs) -> Result<i32> {
    Err(Error::Refused("`blockpress serve` is being written".into()))
}
