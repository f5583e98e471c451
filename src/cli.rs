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

    /// Print a shell completion script for SHELL on standard output.
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: Shell,
    },

    /// Check the `customImage` credentials against the real registry.
    ///
    /// Logs in as the values say (or with the push Secret named by `pushSecretName`,
    /// read with kubectl) and proves push rights by starting a blob upload, which it
    /// cancels: nothing is pushed. Prints one line per step; exits 0 when all pass,
    /// 1 when a check fails, 2 when the values are missing or incomplete.
    Verify {
        /// The Helm values file holding the `customImage` block.
        #[arg(long, value_name = "FILE", default_value = "values.yaml")]
        values: PathBuf,
        /// Check only the login, not the push rights.
        #[arg(long)]
        no_push_check: bool,
        /// Time limit for each request to the registry, in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
        /// Namespace of the push Secret, when the credentials are only there.
        #[arg(long, value_name = "NS", default_value = "hub")]
        namespace: String,
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
