//! CHECK: read the graph without writing a site and report its problems.

use crate::cli::CheckArgs;
use crate::error::{Error, Result};

/// Runs `blockpress check`.
pub fn run(_args: &CheckArgs) -> Result<i32> {
    Err(Error::Refused("`blockpress check` is being written".into()))
}
