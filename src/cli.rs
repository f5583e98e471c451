//! The command-line definition, and nothing else: clap types stay in this file and in
//! `commands/`, which turns them into plain library calls. Help, the man page and shell
//! completions are all generated from [`Cli`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use phib::chart::{DEFAULT_CHART, DEFAULT_NAMESPACE, DEFAULT_RELEASE};

mod render;

use render::{refuse_controls, seconds, RENDER_EXAMPLE, RENDER_EXAMPLES};
pub use render::{FieldArgs, RenderArgs, SecretArgs, SecretModeArg};

/// The most common runs, under `phib --help`. Each line fits 60 columns (a terminal
/// that narrow does not break them); a test runs each `phib render` here.
const EXAMPLES: &str = "\
On a terminal, `phib` with no command starts the wizard (`phib wizard`).

Examples:
  # Set up step by step, on a terminal:
  phib
  # The same without questions, the token on standard input:
  phib render --registry dockerhub --username ann \\
    --password-stdin < token.txt
  # Check the login against the registry, then apply it:
  phib verify
  phib upgrade
  # Find out why image builds fail on a running PrimeHub:
  phib doctor
  # More examples: phib render --help; the manual: phib man";

/// Set up PrimeHub's Image Builder: registry credentials into the `customImage` Helm values.
#[derive(Debug, Parser)]
#[command(
    name = "phib",
    version,
    about,
    long_about = None,
    max_term_width = 80,
    after_help = EXAMPLES
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
    /// flags, for scripts. Ctrl-C or Esc at a prompt exits 130: before the values file is
    /// written (the confirmation) nothing is written; after it, the files written stay and
    /// nothing else is run.
    #[command(mut_args = refuse_controls)]
    Wizard {
        /// The Helm values file to create, or whose `customImage` block to replace.
        #[arg(long, value_name = "FILE", default_value = "values.yaml")]
        values: PathBuf,

        /// The PrimeHub chart version the values are for (default: the live release's
        /// when helm reaches it, else the newest phib knows).
        #[arg(long, value_name = "V")]
        chart_version: Option<String>,

        #[command(flatten)]
        lookup: Lookup,

        #[command(flatten)]
        helm: HelmBin,
    },

    /// Write the customImage values for a registry, without questions.
    ///
    /// Builds the `customImage` block from options, the password from standard input
    /// (`--password-stdin`) or `PHIB_REGISTRY_PASSWORD`, and writes it into the values file
    /// (mode 0600; in an existing file only the `customImage` block changes, the old
    /// content is kept as `FILE.bak`) or prints it (`--stdout`). `--rotate` replaces only
    /// the credentials of the existing block; `--check` reports drift without writing.
    /// Each registry uses the options it needs and refuses the others;
    /// `docs/registries/KIND.md` explains each one. With
    /// `--secret-mode external` the credentials go into a Secret manifest instead and the
    /// values only name it (`docs/security.md`).
    #[command(after_help = RENDER_EXAMPLE, after_long_help = RENDER_EXAMPLES)]
    Render(Box<RenderArgs>),

    /// Print a shell completion script for SHELL on standard output.
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: Shell,
    },

    /// Apply the `customImage` block of the values file to the running PrimeHub with helm.
    ///
    /// Runs `helm upgrade RELEASE CHART --namespace NS --reuse-values --version V -f TMP`,
    /// where TMP (mode 0600, removed afterwards) holds only the `customImage` block, with
    /// every key phib manages that the file does not set reset, so that an old password
    /// does not stay in the release. The chart version is pinned to the deployed one
    /// unless `--version` is given. Shows the command and asks before running it.
    Upgrade(UpgradeArgs),

    /// Print the `customImage` configuration of a values file or of a live release.
    ///
    /// Secrets are shown as `<redacted>` unless `--show-secrets`. With `--query`, prints
    /// each match of a JSONPath over the whole values document as one line of JSON.
    Show(ShowArgs),
    /// Check the `customImage` credentials against the real registry.
    ///
    /// Logs in as the values say (or with the push Secret named by `pushSecretName`,
    /// read with kubectl) and proves push rights by starting a blob upload, which it
    /// cancels: nothing is pushed. Prints one line per step; exits 0 when all pass,
    /// 1 when a check fails, 2 when the values are missing or incomplete.
    #[command(mut_args = refuse_controls)]
    Verify {
        /// The Helm values file holding the `customImage` block.
        #[arg(long, value_name = "FILE", default_value = "values.yaml")]
        values: PathBuf,
        /// Check only the login, not the push rights.
        #[arg(long)]
        no_push_check: bool,
        /// Time limit for each step of a request to the registry (connecting, each
        /// answer), in seconds.
        #[arg(long, value_name = "SECS", default_value_t = 30)]
        timeout: u64,
        /// Namespace of the push Secret, when the credentials are only there (as a helm
        /// plugin: helm's namespace).
        #[arg(
            long,
            value_name = "NS",
            env = "HELM_NAMESPACE",
            default_value = phib::chart::DEFAULT_NAMESPACE,
            hide_env_values = true
        )]
        namespace: String,
        /// Read the credentials from this Secret manifest (as `phib render
        /// --secret-out` writes it) instead of the values or the cluster.
        #[arg(long, value_name = "FILE")]
        secret_file: Option<PathBuf>,
        /// Also trust the certificates in this PEM file: the registry's CA, or its own
        /// (self-signed) certificate. `SSL_CERT_FILE` replaces the system's trust store.
        #[arg(long, value_name = "PEM")]
        ca_file: Option<PathBuf>,
        #[command(flatten)]
        lookup: Lookup,
    },

    /// Find out why the Image Builder fails on a running PrimeHub.
    ///
    /// Reads the release with helm (chart version, computed values, manifest, history)
    /// and the namespace's Secrets and Images with kubectl, and prints a checklist: each
    /// line ok, warn or FAIL, with the fix. Last, the registry check of `phib verify`
    /// with the push Secret's login. `--manifests FILE` checks a bundle offline instead:
    /// the output of `helm get manifest` or `helm template`, with `--values FILE`.
    /// Secrets are never shown. Exits 0 when nothing fails (warnings allowed), 1 when a
    /// check fails, 2 on bad usage. As a helm plugin, `helm -n NS phib doctor`.
    Doctor(DoctorArgs),

    /// Print phib's man page (roff) on standard output, or write every page to a folder.
    Man {
        /// Write `phib.1` and one `phib-COMMAND.1` per command into DIR instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct UpgradeArgs {
    /// The values file whose `customImage` block is applied.
    #[arg(long, value_name = "FILE", default_value = "values.yaml")]
    pub values: PathBuf,
    /// The Helm release of PrimeHub.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_RELEASE)]
    pub release: String,
    #[command(flatten)]
    pub helm: HelmArgs,
    /// The chart the release was installed from.
    #[arg(long, value_name = "REF", default_value = DEFAULT_CHART)]
    pub chart: String,
    /// The chart version (default: the version the release runs now).
    #[arg(long, value_name = "V")]
    pub version: Option<String>,
    /// Install PrimeHub when the release does not exist yet, with the whole values file.
    #[arg(long)]
    pub install: bool,
    /// Print the helm command and run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long)]
    pub yes: bool,
}

/// Where the release is and which helm reaches it; `upgrade` and `show` take the same
/// options, and as a helm plugin both come from helm's environment.
#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct HelmArgs {
    /// The release's namespace (as a helm plugin: helm's namespace).
    #[arg(
        short = 'n',
        long,
        value_name = "NS",
        env = "HELM_NAMESPACE",
        default_value = DEFAULT_NAMESPACE
    )]
    pub namespace: String,
    #[command(flatten)]
    pub helm: HelmBin,
}

/// The helm phib runs: `--helm` (or `HELM_BIN`), else `helm` on `PATH`.
#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct HelmBin {
    /// The helm binary (default: `helm` on `PATH`).
    #[arg(long, value_name = "PATH", env = "HELM_BIN")]
    pub helm: Option<PathBuf>,
}

impl HelmBin {
    /// Makes it the helm of every call of this run.
    pub fn apply(&self) {
        if let Some(p) = &self.helm {
            phib::runner::use_helm(p);
        }
    }
}

/// How long phib waits for the cluster's answer about the live release.
#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct Lookup {
    /// How long to wait for the cluster's answer about the live release (which chart
    /// version the values are for) before going on without it (default 5; 0: do not
    /// ask; also `PHIB_CLUSTER_TIMEOUT`; `PHIB_NO_CLUSTER=1` never asks).
    #[arg(long, value_name = "SECS", value_parser = seconds())]
    pub cluster_timeout: Option<u64>,
}

impl Lookup {
    /// Sets the time limit of every lookup of this run.
    pub fn apply(&self) {
        if let Some(secs) = self.cluster_timeout {
            phib::helm::chart_version::set_cluster_timeout(secs);
        }
    }
}

#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct ShowArgs {
    /// The values file to read.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "values.yaml",
        conflicts_with = "release"
    )]
    pub values: PathBuf,
    /// Read the values of this live Helm release instead of a file.
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    #[command(flatten)]
    pub helm: HelmArgs,
    /// A JSONPath over the whole values document, e.g. `$.customImage.pushRepo`.
    #[arg(long, value_name = "JSONPATH")]
    pub query: Option<String>,
    /// Show passwords and tokens instead of `<redacted>`.
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub lookup: Lookup,
}

/// Options of `phib doctor`.
#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct DoctorArgs {
    /// Check this file offline instead of the cluster: the output of `helm get manifest
    /// RELEASE` or `helm template` (more documents, e.g. `kubectl get secret NAME -o
    /// yaml`, may follow).
    #[arg(long, value_name = "FILE")]
    pub manifests: Option<PathBuf>,
    /// With `--manifests`: the values they were rendered from (`helm get values
    /// RELEASE`, or the file given to `helm template`); default: the block in the
    /// controller ConfigMap of the manifests.
    #[arg(long, value_name = "FILE", requires = "manifests")]
    pub values: Option<PathBuf>,
    /// The Helm release of PrimeHub (default: the one PrimeHub release in the namespace;
    /// with `--manifests`, the name the manifests show).
    #[arg(long, value_name = "NAME")]
    pub release: Option<String>,
    #[command(flatten)]
    pub helm: HelmArgs,
    /// With `--manifests`: the PrimeHub chart version they are from (default: their
    /// `helm.sh/chart` label, else the newest phib knows).
    #[arg(long, value_name = "V", requires = "manifests")]
    pub chart_version: Option<String>,
    /// Do not contact the registry (no login, no push check).
    #[arg(long)]
    pub no_registry_check: bool,
    /// Time limit for each step of a request to the registry (connecting, each
    /// answer), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub timeout: u64,
    /// `text` for people, `json` for scripts.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub output: OutputFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Elvish,
    Fish,
    Powershell,
    Zsh,
}
