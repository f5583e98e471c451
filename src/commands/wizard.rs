//! `phib` and `phib wizard`: check that there is a terminal to talk to, then hand the
//! terminal prompter to the wizard. Without a terminal the answer is a usage error that
//! names `phib render`, never a prompt library failing halfway.

use std::path::Path;

use crate::wizard::terminal::{is_interactive, TermPrompter};
use crate::{Error, Result};

const RENDER_HINT: &str = "to write the values without questions use `phib render --registry KIND [options] --values FILE` (see `phib render --help`); `phib --help` lists every command";

/// `phib` with no subcommand: the wizard on a terminal, usage (exit 2) otherwise.
pub fn run_default() -> Result<()> {
    if !is_interactive() {
        return Err(
            Error::usage("no command given, and no terminal to run the wizard on")
                .with_help(RENDER_HINT),
        );
    }
    run(Path::new("values.yaml"))
}

/// `phib wizard [--values FILE]`.
pub fn run(values: &Path) -> Result<()> {
    if !is_interactive() {
        return Err(Error::usage(
            "`phib wizard` asks questions and needs a terminal on standard input, output and error",
        )
        .with_help(RENDER_HINT));
    }
    let mut prompter = TermPrompter::new();
    crate::wizard::run(&mut prompter, values)
}
