//! `phib render`'s options: those of the field list (`registry::field`), one flag per
//! field under its heading, and the others (output, secret mode, chart), with the rule
//! that no option takes a control character; its examples.

use std::path::PathBuf;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, ValueEnum};

use phib::pushsecret::sealed::Scope;
use phib::registry::{check, FieldId, Heading, Input, Kind};

/// The most common run of `phib render`, under its `-h`.
pub const RENDER_EXAMPLE: &str = "\
Example:
  # Docker Hub, the access token on standard input:
  phib render --registry dockerhub --username ann \\
    --password-stdin < token.txt
  # More examples: phib render --help";

/// The most common runs of `phib render`, under its `--help`; as `cli::EXAMPLES`.
pub const RENDER_EXAMPLES: &str = "\
Examples:
  # Docker Hub, the access token on standard input:
  phib render --registry dockerhub --username ann \\
    --password-stdin < token.txt
  # Harbor with a robot account, the login in a Secret of
  # your own, not in the values:
  phib render --registry harbor \\
    --endpoint https://harbor.example.com \\
    --push-repo-prefix harbor.example.com/ci \\
    --username 'robot$ci' --password-stdin \\
    --secret-mode external \\
    --secret-out push-secret.yaml < token.txt
  # Artifact Registry with a service-account keyfile:
  phib render --registry artifact-registry \\
    --keyfile sa.json --location us-central1 \\
    --repository images
  # No long-lived key: tokens from GKE Workload Identity:
  phib render --registry artifact-registry \\
    --project acme-builds --location us-central1 \\
    --repository images --refresh external-secrets \\
    --gke-cluster us-central1/prod --secret-mode external \\
    --secret-out push-secret.yaml
  # New credentials for the block in values.yaml:
  phib render --registry dockerhub --rotate \\
    --password-stdin < token.txt
  # Is values.yaml up to date? (exit 1 and the diff if not)
  phib render --registry dockerhub --username ann \\
    --password-stdin --check < token.txt";

/// Options of `phib render`, under their headings (registry, credentials, output,
/// secret mode, keyless, chart: the order of this struct and of the field list makes
/// theirs). Secrets never come from a flag; no option takes a control character.
#[derive(Debug, Args)]
#[command(mut_args = refuse_controls)]
pub struct RenderArgs {
    /// The registry to push built images to.
    #[arg(long, value_name = "KIND", value_parser = registry_kind(), help_heading = Heading::Registry.title())]
    pub registry: Kind,

    /// The registry and credentials options, one per field of the field list
    /// (`registry::field`).
    #[command(flatten)]
    pub fields: FieldArgs<false>,

    /// Keep every non-credential field of the existing block (endpoint, push
    /// repository, secret name, insecureSkipVerify, buildJob) and replace only the
    /// credentials: the user name (optional) and password, or the keyfile.
    #[arg(long, help_heading = Heading::Credentials.title())]
    pub rotate: bool,

    /// Values file to write (default `values.yaml`): created, or in an existing file only
    /// the `customImage` block is replaced (the old content is kept as `FILE.bak`).
    #[arg(long, value_name = "FILE", conflicts_with = "stdout", help_heading = Heading::Output.title())]
    pub values: Option<PathBuf>,

    /// Print the block on standard output (it contains the secret) instead of writing.
    #[arg(long, help_heading = Heading::Output.title())]
    pub stdout: bool,

    /// Write nothing: exit 0 if the values file already is what this command would
    /// write, else print a unified diff (secrets redacted) and exit 1.
    #[arg(long, conflicts_with = "stdout", help_heading = Heading::Output.title())]
    pub check: bool,

    /// The secret mode's options, then the keyless ones and `--release` of the field
    /// list.
    #[command(flatten)]
    pub secret: SecretArgs,

    /// The PrimeHub chart version the values are for (default: the live release's when
    /// helm reaches it, else the newest phib knows).
    #[arg(long, value_name = "V", help_heading = Heading::Chart.title())]
    pub chart_version: Option<String>,

    #[command(flatten, next_help_heading = Heading::Chart.title())]
    pub lookup: super::Lookup,

    #[command(flatten, next_help_heading = Heading::Chart.title())]
    pub helm: super::HelmBin,

    /// Write values phib knows builds fail with, for this one reason (repeatable); phib
    /// refuses them otherwise and says which name to give.
    #[arg(
        long,
        value_name = "WHAT",
        action = clap::ArgAction::Append,
        value_parser = clap::builder::PossibleValuesParser::new(phib::chart::ACCEPT_NAMES),
        help_heading = Heading::Chart.title()
    )]
    pub accept: Vec<String>,
}

/// Where `phib render` puts the credentials (docs/security.md).
#[derive(Debug, Args)]
#[command(next_help_heading = Heading::SecretMode.title())]
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

    /// The options of the field list `--help` lists after these (`--refresh`,
    /// `--from-store`, ..., `--release`), under their own headings.
    #[command(flatten)]
    pub late: LateFieldArgs,
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
/// its value name, help, choices and heading; what was given, in the list's order.
/// `FieldArgs<false>` holds those whose headings `--help` shows first (registry,
/// credentials), [`LateFieldArgs`] those it shows after the secret mode's (keyless,
/// chart): clap orders the headings as their first options come.
#[derive(Debug, Default)]
pub struct FieldArgs<const LATE: bool> {
    /// The text options given, with their values.
    pub texts: Vec<(FieldId, String)>,
    /// `--keyfile PATH` (`-`: standard input).
    pub keyfile: Option<PathBuf>,
    /// `--password-stdin`.
    pub password_stdin: bool,
    /// The switches given (`--insecure-skip-verify`).
    pub switches: Vec<FieldId>,
}

/// The options of the field list `--help` shows after the secret mode's (`--refresh`,
/// `--from-store`, `--release`, ...).
pub type LateFieldArgs = FieldArgs<true>;

impl FieldArgs<false> {
    /// These with the options `--help` lists later: every field given.
    pub fn with(mut self, late: LateFieldArgs) -> FieldArgs<false> {
        self.texts.extend(late.texts);
        self.switches.extend(late.switches);
        self.keyfile = self.keyfile.or(late.keyfile);
        self.password_stdin |= late.password_stdin;
        self
    }
}

/// The argument id of a field's flag.
fn arg_id(id: FieldId) -> &'static str {
    id.flag().trim_start_matches("--")
}

/// Whether `--help` lists the heading after the secret mode's options.
fn late(heading: Heading) -> bool {
    heading > Heading::SecretMode
}

impl<const LATE: bool> FieldArgs<LATE> {
    /// The fields of this group, by heading, then in the list's order.
    fn ids() -> impl Iterator<Item = FieldId> {
        let mut ids: Vec<FieldId> = FieldId::ALL
            .into_iter()
            .filter(|id| late(id.heading()) == LATE)
            .collect();
        ids.sort_by_key(|id| id.heading());
        ids.into_iter()
    }
}

impl<const LATE: bool> Args for FieldArgs<LATE> {
    fn augment_args(mut cmd: clap::Command) -> clap::Command {
        for id in Self::ids() {
            let arg = Arg::new(arg_id(id))
                .long(arg_id(id))
                .help(id.help())
                .help_heading(id.heading().title());
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

impl<const LATE: bool> FromArgMatches for FieldArgs<LATE> {
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
pub(crate) fn refuse_controls(arg: Arg) -> Arg {
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

/// Whole seconds, refused like any text when a control character is in it.
pub(crate) fn seconds() -> impl TypedValueParser<Value = u64> {
    clap::builder::StringValueParser::new().try_map(|s| {
        check::no_control(&s).map_err(|e| e.reason)?;
        s.parse::<u64>()
            .map_err(|_| "is not a whole number of seconds".to_string())
    })
}

/// Free text without control characters.
fn text() -> impl TypedValueParser<Value = String> {
    clap::builder::StringValueParser::new()
        .try_map(|s| check::no_control(&s).map(|()| s).map_err(|e| e.reason))
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
