//! The command-line definition, and nothing else: clap types stay in this file and in
//! `commands/`, which turns them into plain library calls. Help, the man page and shell
//! completions are all generated from [`Cli`].

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, Parser, Subcommand, ValueEnum};

use phib::chart::{DEFAULT_CHART, DEFAULT_NAMESPACE, DEFAULT_RELEASE};
use phib::pushsecret::sealed::Scope;
use phib::registry::{check, FieldId, Input, Kind};

/// Set up PrimeHub's Image Builder: registry credentials into the `customImage` Helm values.
#[derive(Debug, Parser)]
#[command(
    name = "phib",
    version,
    about,
    long_about = None,
    max_term_width = 80,
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
    /// flags, for scripts. Ctrl-C or Esc at a prompt exits 130: before the values file is
    /// written (the confirmation) nothing is written; after it, the files written stay and
    /// nothing else is run.
    Wizard {
        /// The Helm values file to create, or whose `customImage` block to replace.
        #[arg(long, value_name = "FILE", default_value = "values.yaml")]
        values: PathBuf,

        /// The PrimeHub chart version the values are for (default: the live release's
        /// when helm reaches it, else the newest phib knows).
        #[arg(long, value_name = "V")]
        chart_version: Option<String>,

        /// How long to wait for the cluster's answer about the live release, asked
        /// while you answer (default 5; 0: do not ask; also `PHIB_CLUSTER_TIMEOUT`).
        #[arg(long, value_name = "SECS", value_parser = seconds())]
        cluster_timeout: Option<u64>,
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
    #[command(hide = true)]
    Man {
        /// Write `phib.1` and one `phib-COMMAND.1` per command into DIR instead.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
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
    /// The helm binary (default: `helm` on `PATH`).
    #[arg(long, value_name = "PATH", env = "HELM_BIN")]
    pub helm: Option<PathBuf>,
}

#[derive(Debug, Args)]
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
}

/// Options of `phib doctor`.
#[derive(Debug, Args)]
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
    /// Time limit for each request to the registry, in seconds.
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

/// Options of `phib render`. Secrets never come from a flag; no option takes a control
/// character.
#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct RenderArgs {
    /// The registry to push built images to.
    #[arg(long, value_name = "KIND", value_parser = registry_kind())]
    pub registry: Kind,

    /// The registry options, one per field of the field list (`registry::field`).
    #[command(flatten)]
    pub fields: FieldArgs<false>,

    /// The PrimeHub chart version the values are for (default: the live release's when
    /// helm reaches it, else the newest phib knows).
    #[arg(long, value_name = "V")]
    pub chart_version: Option<String>,

    /// How long to wait for the cluster's answer about the live release before
    /// assuming the newest chart (default 5; 0: do not ask; also `PHIB_CLUSTER_TIMEOUT`;
    /// `PHIB_NO_CLUSTER=1` never asks).
    #[arg(long, value_name = "SECS", value_parser = seconds())]
    pub cluster_timeout: Option<u64>,

    /// Write values phib knows builds fail with, for this one reason (repeatable); phib
    /// refuses them otherwise and says which name to give.
    #[arg(
        long,
        value_name = "WHAT",
        action = clap::ArgAction::Append,
        value_parser = clap::builder::PossibleValuesParser::new(phib::chart::ACCEPT_NAMES)
    )]
    pub accept: Vec<String>,

    /// Values file to write (default `values.yaml`): created, or in an existing file only
    /// the `customImage` block is replaced (the old content is kept as `FILE.bak`).
    #[arg(long, value_name = "FILE", conflicts_with = "stdout")]
    pub values: Option<PathBuf>,

    /// Print the block on standard output (it contains the secret) instead of writing.
    #[arg(long)]
    pub stdout: bool,

    /// Write nothing: exit 0 if the values file already is what this command would
    /// write, else print a unified diff (secrets redacted) and exit 1.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,

    /// Keep every non-credential field of the existing block (endpoint, push
    /// repository, secret name, insecureSkipVerify, buildJob) and replace only the
    /// credentials: the user name (optional) and password, or the keyfile.
    #[arg(long)]
    pub rotate: bool,

    #[command(flatten)]
    pub secret: SecretArgs,
}

/// Where `phib render` puts the credentials (docs/security.md).
#[derive(Debug, Args)]
pub struct SecretArgs {
    /// `values`: credentials in the Helm values (PrimeHub's documented way; the chart
    /// copies them into a ConfigMap). `external`: a Secret of your own, named in
    /// `pushSecretName`; the values hold no credentials. `sealed`: that Secret as a
    /// SealedSecret, which can be committed to git (docs/gitops.md).
    #[arg(long, value_enum, value_name = "MODE")]
    pub secret_mode: Option<SecretModeArg>,

    /// External or sealed mode: the push Secret's name (default
    /// `primehub-image-builder-push`).
    #[arg(long, value_name = "NAME")]
    pub secret_name: Option<String>,

    /// External or sealed mode: write the Secret (or SealedSecret) manifest to FILE
    /// (mode 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "apply")]
    pub secret_out: Option<PathBuf>,

    /// External mode: let `--secret-out` replace an existing file that is not a
    /// Secret manifest phib wrote.
    #[arg(long, requires = "secret_out")]
    pub overwrite_secret_out: bool,

    /// External or sealed mode: create or update the Secret (or SealedSecret) with
    /// `kubectl apply -f -`.
    #[arg(long)]
    pub apply: bool,

    /// External or sealed mode: PrimeHub's namespace, where the Secret goes (default:
    /// as a helm plugin helm's namespace, else `hub`).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,

    /// Sealed mode: the sealed-secrets controller's certificate, as `kubeseal
    /// --fetch-cert` prints it (default: fetched from the controller with kubectl).
    #[arg(long, value_name = "PEM")]
    pub sealing_cert: Option<PathBuf>,

    /// Sealed mode: where the SealedSecret may be unsealed: `strict` (its name and
    /// namespace only; the default), `namespace-wide` or `cluster-wide`.
    #[arg(
        long,
        value_name = "SCOPE",
        value_parser = PossibleValuesParser::new(Scope::ALL.map(Scope::name))
    )]
    pub sealing_scope: Option<String>,

    /// Sealed mode, certificate fetched: the controller's Service (default
    /// `sealed-secrets-controller`; its Helm chart names it after the release).
    #[arg(long, value_name = "NAME", conflicts_with = "sealing_cert")]
    pub controller_name: Option<String>,

    /// Sealed mode, certificate fetched: the controller's namespace (default
    /// `kube-system`).
    #[arg(long, value_name = "NS", conflicts_with = "sealing_cert")]
    pub controller_namespace: Option<String>,

    /// The options of external mode from the field list (`--ecr-refresh`, `--refresh`,
    /// `--from-store`, ...), after the others here as `--help` has always listed them.
    #[command(flatten)]
    pub external: ExternalFieldArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SecretModeArg {
    /// Credentials in the Helm values (default).
    Values,
    /// Credentials in a Secret of your own.
    External,
    /// Credentials in a SealedSecret, for git.
    Sealed,
}

fn registry_kind() -> impl TypedValueParser<Value = Kind> {
    PossibleValuesParser::new(Kind::ALL.map(|k| PossibleValue::new(k.name()).help(k.description())))
        .map(|name| Kind::from_name(&name).unwrap_or(Kind::Harbor))
}

/// Options of `phib render` made from the field list: one flag per [`FieldId`], with
/// its value name, help and choices; what was given, in the list's order.
/// `FieldArgs<false>` holds the registry options, [`ExternalFieldArgs`] those of
/// external mode ([`FieldId::external`]), which `--help` lists after the secret mode's.
#[derive(Debug, Default)]
pub struct FieldArgs<const EXTERNAL: bool> {
    /// The text options given, with their values.
    pub texts: Vec<(FieldId, String)>,
    /// `--keyfile PATH` (`-`: standard input).
    pub keyfile: Option<PathBuf>,
    /// `--password-stdin`.
    pub password_stdin: bool,
    /// The switches given (`--insecure-skip-verify`).
    pub switches: Vec<FieldId>,
}

/// The options of external mode from the field list (`--refresh`, `--from-store`, ...).
pub type ExternalFieldArgs = FieldArgs<true>;

/// The argument id of a field's flag.
fn arg_id(id: FieldId) -> &'static str {
    id.flag().trim_start_matches("--")
}

impl<const EXTERNAL: bool> FieldArgs<EXTERNAL> {
    /// The fields of this group, in the list's order.
    fn ids() -> impl Iterator<Item = FieldId> {
        FieldId::ALL
            .into_iter()
            .filter(|id| id.external() == EXTERNAL)
    }
}

impl<const EXTERNAL: bool> Args for FieldArgs<EXTERNAL> {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for id in Self::ids() {
            let arg = Arg::new(arg_id(id)).long(arg_id(id)).help(id.help());
            let arg = match (id.input(), id.value_name()) {
                (Input::Secret | Input::YesNo, _) | (_, None) => arg.action(ArgAction::SetTrue),
                (Input::KeyfilePath, Some(value)) => arg.value_name(value).value_parser(path()),
                (Input::Text, Some(value)) if !id.choices().is_empty() => {
                    let choices = id.choices().iter().map(|c| match c.help {
                        "" => PossibleValue::new(c.value),
                        help => PossibleValue::new(c.value).help(help),
                    });
                    arg.value_name(value)
                        .value_parser(PossibleValuesParser::new(choices))
                }
                // Checked by the field when the answer is set, control characters first.
                (Input::Text, Some(value)) => arg.value_name(value),
            };
            let arg = match id.conflicts_with() {
                Some(other) => arg.conflicts_with(arg_id(other)),
                None => arg,
            };
            cmd = cmd.arg(arg);
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

impl<const EXTERNAL: bool> FromArgMatches for FieldArgs<EXTERNAL> {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut args = Self::default();
        args.update_from_arg_matches(m)?;
        Ok(args)
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        for id in Self::ids() {
            let name = arg_id(id);
            match (id.input(), id.value_name()) {
                (Input::Secret, _) => self.password_stdin |= m.get_flag(name),
                (Input::YesNo, _) | (_, None) => {
                    if m.get_flag(name) {
                        self.switches.push(id);
                    }
                }
                (Input::KeyfilePath, Some(_)) => {
                    if let Some(path) = m.get_one::<PathBuf>(name) {
                        self.keyfile = Some(path.clone());
                    }
                }
                (Input::Text, Some(_)) => {
                    if let Some(value) = m.get_one::<String>(name) {
                        self.texts.push((id, value.clone()));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The rule of every option (`registry::check::no_control`) for the options of `phib
/// render` that are not fields (fields are checked where their answer is set): every
/// one that takes free text or a path gets a parser that refuses control characters
/// (exit 2, nothing read or written); a choice already takes only its listed values.
fn refuse_controls(arg: Arg) -> Arg {
    let field = FieldId::ALL
        .into_iter()
        .any(|id| arg_id(id) == arg.get_id());
    if field || !arg.get_action().takes_values() || !arg.get_possible_values().is_empty() {
        return arg;
    }
    let parser = arg.get_value_parser().type_id();
    if parser == std::any::TypeId::of::<String>() {
        arg.value_parser(text())
    } else if parser == std::any::TypeId::of::<PathBuf>() {
        arg.value_parser(path())
    } else {
        arg
    }
}

/// Free text without control characters.
fn text() -> impl TypedValueParser<Value = String> {
    clap::builder::StringValueParser::new()
        .try_map(|s| check::no_control(&s).map(|()| s).map_err(|e| e.reason))
}

/// Whole seconds, refused like any text when a control character is in it.
fn seconds() -> impl TypedValueParser<Value = u64> {
    clap::builder::StringValueParser::new().try_map(|s| {
        check::no_control(&s).map_err(|e| e.reason)?;
        s.parse::<u64>()
            .map_err(|_| "is not a whole number of seconds".to_string())
    })
}

/// A path without control characters; one that is not UTF-8 is judged by its bytes
/// (C0, DEL and the bytes of the C1 range, which 8-bit terminals act on).
fn path() -> impl TypedValueParser<Value = PathBuf> {
    clap::builder::OsStringValueParser::new().try_map(|os| {
        match os.to_str() {
            Some(s) => check::no_control(s).map_err(|e| e.reason)?,
            None => {
                if os
                    .as_encoded_bytes()
                    .iter()
                    .any(|&b| b < 0x20 || (0x7f..=0x9f).contains(&b))
                {
                    return Err("contains a control character".to_string());
                }
            }
        }
        Ok(PathBuf::from(os))
    })
}
