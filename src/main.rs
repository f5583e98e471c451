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
            // Help and version (exit 0) as clap lays them out; usage errors (exit 2),
            // which quote the arguments, through the terminal gate.
            let text = e.render().to_string();
            if e.use_stderr() {
                phib::out::say(&text);
                return ExitCode::from(2);
            }
            let _ = phib::out::print_raw(phib::out::Raw::exact_format(text.as_bytes()));
            return ExitCode::from(0);
        }
    };
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Messages quote paths, arguments and what files and servers said: the
            // terminal gate escapes their control characters and hides secrets.
            phib::out::error(&err);
            ExitCode::from(err.exit_code() as u8)
        }
    }
}
