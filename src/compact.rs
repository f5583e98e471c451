//! `jq -c .` compatible compaction (being written).

use std::path::Path;

use crate::{Error, Result};

pub fn run_cli(_file: Option<&Path>) -> Result<()> {
    Err(Error::failed("compact is not built yet"))
}
