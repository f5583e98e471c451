//! The command-line definition, and nothing else: clap types stay in this file and in
//! `commands/`, which turns them into plain library calls. Help, the man page and shell
//! completions are all generated from [`Cli`].

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::registry::Kind;

/// Set up PrimeHub's Image Builder: registry credentials into the `customImage` Helm values.
#[derive(Debug, Parser)]
#[command(
    name = "phib",
    version,
    about,
    long_about = None,
    after_help = "On a terminal, `phib` with no command starts the wizard (`phib wizard`)."
)]
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

    /// Write the customImage values for a registry, without questions.
    ///
    /// Builds the `customImage` block from options, the password from standard input
    /// (`--password-stdin`) or `PHIB_REGISTRY_PASSWORD`, and writes it to a new values file
    /// (mode 0600) or prints it (`--stdout`). Each registry uses the options it needs and
    /// refuses the others; `docs/registries/KIND.md` explains each one.
    Render(Box<RenderArgs>),

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

/// Options of `phib render`. Secrets never come from a flag.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The registry to push built images to.
    #[arg(long, value_name = "KIND", value_parser = registry_kind())]
    pub registry: Kind,

    /// Registry endpoint, `host[:port]` or `https://host[:port]` (harbor needs it).
    #[arg(long, value_name = "URL")]
    pub endpoint: Option<String>,

    /// Registry user name (robot account, token name, app ID).
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,

    /// Read the password or token from standard input; one trailing newline is removed.
    /// Without it, the environment variable `PHIB_REGISTRY_PASSWORD` is used.
    #[arg(long)]
    pub password_stdin: bool,

    /// Service-account keyfile (JSON) for gcr and artifact-registry; `-` reads standard
    /// input.
    #[arg(long, value_name = "PATH")]
    pub keyfile: Option<PathBuf>,

    /// Container Registry host: gcr.io, us.gcr.io, eu.gcr.io or asia.gcr.io.
    #[arg(long, value_name = "HOST")]
    pub gcr_host: Option<String>,

    /// Artifact Registry location, e.g. `us-central1`.
    #[arg(long, value_name = "LOCATION")]
    pub location: Option<String>,

    /// Google Cloud project ID (default: the keyfile's `project_id`).
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,

    /// Artifact Registry repository name.
    #[arg(long, value_name = "NAME")]
    pub repository: Option<String>,

    /// AWS account ID (12 digits) of the ECR registry.
    #[arg(long, value_name = "ID")]
    pub aws_account: Option<String>,

    /// AWS region of the ECR registry, e.g. `us-east-1`.
    #[arg(long, value_name = "REGION")]
    pub aws_region: Option<String>,

    /// Azure Container Registry name (NAME of NAME.azurecr.io).
    #[arg(long, value_name = "NAME")]
    pub acr_name: Option<String>,

    /// Images go to PREFIX/IMAGE:HASH (a repository per image).
    #[arg(long, value_name = "PREFIX", conflicts_with = "push_repo")]
    pub push_repo_prefix: Option<String>,

    /// Images go to REPO:IMAGE-HASH (one repository; chart 3.7.1+).
    #[arg(long, value_name = "REPO")]
    pub push_repo: Option<String>,

    /// Name of the dockerconfigjson Secret the image builder pushes with.
    #[arg(long, value_name = "NAME")]
    pub push_secret_name: Option<String>,

    /// PrimeHub's Helm release (default `primehub`): decides the chart's secret name.
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,

    /// Skip TLS verification: self-signed certificates or plain http.
    #[arg(long)]
    pub insecure_skip_verify: bool,

    /// Values file to create (default `values.yaml`); it must not exist yet.
    #[arg(long, value_name = "FILE", conflicts_with = "stdout")]
    pub values: Option<PathBuf>,

    /// Print the block on standard output (it contains the secret) instead of writing.
    #[arg(long)]
    pub stdout: bool,
}

fn registry_kind() -> impl TypedValueParser<Value = Kind> {
    PossibleValuesParser::new(Kind::ALL.map(|k| PossibleValue::new(k.name()).help(k.description())))
        .map(|name| Kind::from_name(&name).unwrap_or(Kind::Harbor))
}
