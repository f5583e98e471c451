//! The `phib` binary: parse, dispatch, and turn every error into one message on stderr
//! and one exit status (0 ok, 1 an operation failed, 2 bad usage or input, 130
//! interrupted).

use std::process::ExitCode;

use clap::Parser;

mod cli;
mod commands;

use cli::Cli;

/// The arguments, with `help --help` (or `-h`) read as `help help`: clap's `help`
/// command takes no flags, and refused the way a user asks what it does.
fn args() -> Vec<std::ffi::OsString> {
    let mut args: Vec<_> = std::env::args_os().collect();
    if args.get(1).is_some_and(|a| a == "help") {
        for a in args.iter_mut().skip(2) {
            if a == "--help" || a == "-h" {
                *a = "help".into();
            }
        }
    }
    args
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(args()) {
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
            // control character of theirs reaches the terminal (see `Error::report`).
            eprint!("{}", err.report());
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
