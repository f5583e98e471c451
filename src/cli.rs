//! The command-line definition, and nothing else: clap types stay in this file and in
//! `commands/`, which turns them into plain library calls. Help, the man page and shell
//! completions are all generated from [`Cli`].

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Set up PrimeHub's Image Builder: registry credentials into the `customImage` Helm values.
#[derive(Debug, Parser)]
#[command(name = "phib", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print JSON as one compact line, exactly as `jq -c .` does.
    ///
    /// Reads FILE, or standard input when FILE is `-` or missing. Prints one line per
    /// top-level value. On invalid input prints nothing on standard output and exits 2.
    Compact {
        /// The JSON file to compact (`-` for standard input).
        #[arg(value_name = "FILE")]
        file: Option<PathBuf>,
    },

    /// Ask, step by step, for the registry and its credentials, and write the values file.
    ///
    /// Needs a terminal. Everything it asks can also be given to `phib render` with
    /// flags, for scripts. Ctrl-C or Esc at any prompt writes nothing and exits 130.
    Wizard {
        /// The Helm values file to create, or whose `customImage` block to replace.
        #[arg(long, value_name = "FILE", default_value = "values.yaml")]
        values: PathBuf,
    },

    /// Print a shell completion script for SHELL on standard output.
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: Shell,
    },

    /// Print phib's man page (roff) on standard output.
    #[command(hide = true)]
    Man,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Elvish,
    Fish,
    Powershell,
    Zsh,
}
