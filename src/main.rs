//! The `phib` binary: parse, dispatch, and turn every error into one message on stderr
//! and one exit status (0 ok, 1 an operation failed, 2 bad usage or input, 130
//! interrupted).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;

use cli::Cli;
use phib::error::printable;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version itself (exit 0) and usage errors (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Messages quote paths, arguments and what files and servers said: no
            // control character of theirs reaches the terminal.
            eprintln!("phib: {}", printable(&err.message));
            if let Some(help) = &err.help {
                eprintln!("help: {}", printable(help));
            }
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
