//! Delivering the external and sealed push-secret modes: checking where the Secret
//! goes before anything is written (and, sealed, the controller's certificate:
//! [`sealing`]), swapping the validated block for one without credentials
//! ([`super::split`]), and, once the values are written, writing the Secret (or
//! SealedSecret) manifest to a file or handing it to `kubectl apply -f -` on standard
//! input. `phib render --secret-mode` and the wizard both come here with a [`Choice`],
//! so the two write the same bytes.

pub mod sealing;

use std::path::{Path, PathBuf};

use super::keyless::{self, Facts, KeylessChoice, Plan};
use super::sealed::Scope;
use super::{ExternalOptions, PushSecret, SecretMode, VALUES_MODE_NOTE};
use crate::files::read::Kind as FileKind;
use crate::files::write::{self, Options, Seen};
use crate::registry::{Code, FieldId, Kind};
use crate::runner::{self, Tool};
use crate::secret::Secret;
use crate::settings::{Settings, Validated};
use crate::{Error, Result};
pub use sealing::Sealing;

/// Where the credentials go, as the user chose it (the `--secret-*` flags, or the
/// wizard's answers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choice {
    pub mode: SecretMode,
    /// `--secret-name`.
    pub name: Option<String>,
    /// `--secret-out FILE`.
    pub out: Option<PathBuf>,
    /// `--apply`.
    pub apply: bool,
    /// `--namespace`.
    pub namespace: Option<String>,
    /// `--ecr-refresh external-secrets`.
    pub ecr_refresh: bool,
    /// `--ecr-service-account`.
    pub ecr_service_account: Option<String>,
    /// `--overwrite-secret-out`: `--secret-out` may replace a file phib did not write.
    pub overwrite: bool,
    /// `--refresh`, `--from-store` and the identity options that go with them.
    pub keyless: KeylessChoice,
    /// Sealed mode: the controller's certificate and the scope.
    pub sealing: Sealing,
}

impl Choice {
    /// The `phib render` flags that make this choice, one word each (unquoted).
    pub fn flags(&self) -> Vec<String> {
        let Choice {
            mode,
            name,
            out,
            apply,
            namespace,
            ecr_refresh,
            ecr_service_account,
            overwrite,
            keyless,
            sealing,
        } = self;
        let mut words: Vec<String> = vec!["--secret-mode".into(), mode.name().into()];
        if *mode == SecretMode::Values {
            return words;
        }
        words.extend(sealing.flags());
        for (flag, value) in [("--secret-name", name), ("--namespace", namespace)] {
            if let Some(v) = value {
                words.push(flag.into());
                words.push(v.clone());
            }
        }
        if *ecr_refresh {
            words.push("--ecr-refresh".into());
            words.push("external-secrets".into());
        }
        if let Some(sa) = ecr_service_account {
            words.push("--ecr-service-account".into());
            words.push(sa.clone());
        }
        words.extend(keyless.flags());
        if let Some(path) = out {
            words.push("--secret-out".into());
            words.push(path.display().to_string());
        }
        if *overwrite {
            words.push("--overwrite-secret-out".into());
        }
        if *apply {
            words.push("--apply".into());
        }
        words
    }
}

/// What remains to do after the values are written.
#[derive(Debug, Clone)]
pub enum Pending {
    /// Values mode: print the note about where the password ends up (when there is one).
    Values { note: bool },
    /// External mode: deliver these manifests.
    External { manifests: Manifests, to: Output },
}

#[derive(Debug, Clone)]
pub enum Manifests {
    Static(PushSecret),
    /// Kept fresh by the External Secrets Operator (a generator, or a central store).
    Keyless(Box<Plan>),
    /// Sealed with the controller's certificate: a SealedSecret, which the
    /// sealed-secrets controller turns into the push Secret.
    Sealed(Box<SealedPush>),
}

/// The push Secret, sealed.
#[derive(Debug, Clone)]
pub struct SealedPush {
    /// The Secret the controller makes of it: the login phib holds, which the wizard
    /// checks against the registry (nobody but the controller can read it back).
    pub secret: PushSecret,
    pub scope: Scope,
    /// Where the certificate came from, and until when it holds, in words.
    pub sealed_with: String,
    /// The SealedSecret (YAML): nothing in it is secret, it may go into git.
    pub manifest: String,
}

impl Manifests {
    /// Whether the External Secrets Operator makes the Secret.
    pub fn needs_operator(&self) -> bool {
        matches!(self, Manifests::Keyless(_))
    }
}

#[derive(Debug, Clone)]
pub enum Output {
    File(Box<OutFile>),
    /// `kubectl apply -f -`.
    Apply,
}

/// The manifest file (`--secret-out`), as checked when its name was given: the write
/// checks again that it still is what it was.
#[derive(Debug, Clone)]
pub struct OutFile {
    pub path: PathBuf,
    seen: Seen,
    /// The values file, which the manifest must never be (nor its backup).
    values: Option<PathBuf>,
    /// `--overwrite-secret-out`.
    overwrite: bool,
}

impl Pending {
    /// Where the credentials will be, in words, for a summary before anything is
    /// written (no secret in it).
    pub fn summary(&self) -> String {
        let (what, to) = match self {
            Pending::Values { .. } => {
                return "the credentials stay in the values file (PrimeHub's documented way)"
                    .to_string()
            }
            Pending::External { manifests, to } => (manifests, to),
        };
        let what = match what {
            Manifests::Static(s) => format!(
                "the credentials go into the Secret `{}` (namespace `{}`)",
                s.name, s.namespace
            ),
            Manifests::Keyless(p) => format!(
                "external-secrets.io keeps the Secret `{}` (namespace `{}`) fresh: {}",
                p.manifests.name(),
                p.manifests.namespace(),
                p.manifests.describe()
            ),
            Manifests::Sealed(p) => format!(
                "the credentials go into the SealedSecret `{}` (namespace `{}`, scope {}), sealed with {}, which the sealed-secrets controller turns into the Secret `{}`",
                p.secret.name,
                p.secret.namespace,
                p.scope.name(),
                p.sealed_with,
                p.secret.name
            ),
        };
        match to {
            Output::File(f) => format!("{what}, written to `{}` (mode 0600)", f.path.display()),
            Output::Apply => format!("{what}, applied with `kubectl apply -f -`"),
        }
    }
}

/// Checks the secret options and, in external mode, replaces the block in `validated`
/// by the one without credentials. Every refusal here comes before anything is written.
pub fn prepare(
    choice: Choice,
    settings: &Settings,
    values_path: Option<&Path>,
    validated: &mut Validated,
) -> Result<Pending> {
    let Choice {
        mode,
        name: secret_name,
        out: secret_out,
        apply,
        namespace,
        ecr_refresh,
        ecr_service_account,
        overwrite,
        mut keyless,
        sealing,
    } = choice;
    if mode != SecretMode::Sealed {
        if let Some(flag) = sealing.first_flag() {
            return Err(Error::usage(format!(
                "`{flag}` is only used with `--secret-mode sealed`"
            ))
            .with_help("add `--secret-mode sealed` to seal the Secret for git with the sealed-secrets controller's certificate, or remove it"));
        }
    }
    let keyless_flags = keyless.flags();
    let external_only = [
        ("--secret-name", secret_name.is_some()),
        ("--secret-out", secret_out.is_some()),
        ("--apply", apply),
        ("--namespace", namespace.is_some()),
        ("--ecr-refresh", ecr_refresh),
        ("--ecr-service-account", ecr_service_account.is_some()),
        ("--overwrite-secret-out", overwrite),
        (
            keyless_flags.first().map_or("--refresh", String::as_str),
            !keyless_flags.is_empty(),
        ),
    ];
    if mode == SecretMode::Values {
        if let Some((flag, _)) = external_only.iter().find(|(_, given)| *given) {
            let modes =
                if flag.starts_with("--secret") || *flag == "--apply" || *flag == "--namespace" {
                    "`--secret-mode external` or `sealed`"
                } else {
                    "`--secret-mode external`"
                };
            return Err(Error::usage(format!("`{flag}` is only used with {modes}"))
            .with_help("add `--secret-mode external` to keep the credentials in a Secret of your own, or remove it"));
        }
        return Ok(Pending::Values {
            note: validated.custom_image.registry_password.is_some(),
        });
    }

    let kind = settings.kind();
    if settings.is_set(FieldId::PushSecretName) {
        return Err(Error::usage(format!(
            "`--push-secret-name` names a Secret managed elsewhere; in {} mode phib makes the Secret itself",
            mode.name()
        ))
        .with_help("name it with `--secret-name` instead"));
    }
    if mode == SecretMode::Sealed {
        refuse_keyless_when_sealed(
            kind,
            &keyless_flags,
            ecr_refresh,
            ecr_service_account.is_some(),
        )?;
    }
    match (kind, ecr_refresh) {
        (Kind::Ecr, _) | (_, false) => {}
        (_, true) => {
            return Err(Error::usage(format!(
                "`--ecr-refresh` is only for `--registry ecr`, not `--registry {}`",
                kind.name()
            ))
            .with_help("use `--refresh external-secrets`, which knows every registry that can do it (docs/keyless/README.md)"));
        }
    }
    keyless.refresh |= ecr_refresh;
    if let Some(sa) = ecr_service_account {
        if !keyless.refresh {
            return Err(
                Error::usage("`--ecr-service-account` is only used with `--ecr-refresh`")
                    .with_help("remove it"),
            );
        }
        if keyless.service_account.replace(sa).is_some() {
            return Err(Error::usage(
                "`--ecr-service-account` and `--refresh-service-account` were both given",
            )
            .with_help("keep `--refresh-service-account`"));
        }
    }
    if kind == Kind::Ecr && !keyless.is_keyless() {
        return Err(Error::usage(
            "`--registry ecr` with `--secret-mode external` needs `--refresh external-secrets`: ECR tokens expire after 12 hours, so a static Secret would stop working",
        )
        .with_help("add `--refresh external-secrets` (needs the external-secrets.io operator in the cluster; see docs/keyless/aws.md)"));
    }

    let to = match (secret_out, apply) {
        (Some(path), false) => {
            Output::File(Box::new(check_secret_out(&path, values_path, overwrite)?))
        }
        (None, true) => {
            runner::find(Tool::Kubectl).map_err(|_| {
                Error::usage("`--apply` runs `kubectl apply`, but `kubectl` is not on `PATH`; nothing was written")
                    .with_help("install kubectl, or write the manifest with `--secret-out FILE` and apply it where kubectl runs")
            })?;
            Output::Apply
        }
        (None, false) if mode == SecretMode::Sealed => {
            return Err(Error::usage(
                "`--secret-mode sealed` needs to know where the SealedSecret goes: pick `--secret-out FILE` or `--apply`",
            )
            .with_help("`--secret-out FILE` writes the SealedSecret to commit beside the values (Argo CD, Flux or helmfile applies it); `--apply` creates it now with kubectl"));
        }
        (None, false) => {
            return Err(Error::usage(
                "`--secret-mode external` needs to know where the Secret goes: pick `--secret-out FILE` or `--apply`",
            )
            .with_help("`--secret-out FILE` writes the manifest (mode 0600) for `kubectl apply -f FILE`; `--apply` creates the Secret now with kubectl"));
        }
        (Some(_), true) => {
            return Err(
                Error::usage("`--secret-out` and `--apply` were both given").with_help("pick one")
            )
        }
    };

    let opts = ExternalOptions {
        name: secret_name,
        namespace,
        release: settings.text(FieldId::Release).map(str::to_string),
    };
    let external = super::split(
        validated.custom_image.clone(),
        &mut validated.warnings,
        &opts,
    )?;
    let (name, ns) = opts.name_and_namespace()?;
    let facts = Facts {
        kind,
        registry_endpoint: &external.custom_image.registry_endpoint,
        push: external
            .custom_image
            .push
            .as_ref()
            .ok_or_else(|| Error::bug("no push target after validation"))?,
        username: settings.text(FieldId::Username),
        acr_repository_scope: settings.switch(FieldId::AcrRepositoryScope),
    };
    let manifests = match (keyless::plan(&keyless, facts, name, ns)?, external.secret) {
        (Some(plan), _) => {
            validated.warnings.retain(|w| w.code != Code::EcrRefresh);
            Manifests::Keyless(Box::new(plan))
        }
        (None, Some(secret)) if mode == SecretMode::Sealed => {
            Manifests::Sealed(Box::new(seal(secret, &sealing)?))
        }
        (None, Some(secret)) => Manifests::Static(secret),
        (None, None) => return Err(Error::bug("no login to put into the push Secret")),
    };
    validated.custom_image = external.custom_image;
    Ok(Pending::External { manifests, to })
}

/// The refusals of sealed mode that come before the login is checked: the options of
/// the ways without a login, and ECR. [`prepare`] makes them too.
pub fn check_sealed_mode(choice: &Choice, kind: Kind) -> Result<()> {
    if choice.mode != SecretMode::Sealed {
        return Ok(());
    }
    refuse_keyless_when_sealed(
        kind,
        &choice.keyless.flags(),
        choice.ecr_refresh,
        choice.ecr_service_account.is_some(),
    )
}

/// Sealed mode seals a login phib holds: the ways without one (a generator, a central
/// store, ECR's 12-hour tokens) keep their Secret fresh in the cluster instead.
fn refuse_keyless_when_sealed(
    kind: Kind,
    keyless_flags: &[String],
    ecr_refresh: bool,
    ecr_service_account: bool,
) -> Result<()> {
    let flag = keyless_flags
        .first()
        .map(String::as_str)
        .or(ecr_refresh.then_some("--ecr-refresh"))
        .or(ecr_service_account.then_some("--ecr-service-account"));
    if let Some(flag) = flag {
        return Err(Error::usage(format!(
            "`{flag}` has the External Secrets Operator make the push Secret in the cluster; `--secret-mode sealed` seals a login phib holds instead"
        ))
        .with_help("use `--secret-mode external` with it (its manifests hold no secret and can go into git as they are), or remove it to seal the login"));
    }
    if kind == Kind::Ecr {
        return Err(Error::usage(
            "`--registry ecr` has no lasting login to seal: ECR tokens expire after 12 hours",
        )
        .with_help("use `--secret-mode external --refresh external-secrets`: its manifests hold no secret and can go into git as they are (docs/keyless/aws.md)"));
    }
    Ok(())
}

/// Seals `secret` with the certificate `sealing` names (checked first), in its scope.
fn seal(secret: PushSecret, sealing: &Sealing) -> Result<SealedPush> {
    let cert = sealing.certificate()?;
    let scope = sealing.scope.unwrap_or_default();
    let manifest = super::sealed::manifest(&secret, &cert, scope, &mut getrandom::SysRng)?;
    Ok(SealedPush {
        sealed_with: format!("{} (valid until {})", sealing.source(), cert.not_after()),
        secret,
        scope,
        manifest,
    })
}

/// The manifest file must be a regular file (or not exist yet), must not be the values
/// file or its backup however it is spelled (`./values.yaml`, a symlink to it: files
/// are compared by identity), and may replace an existing file only when that file is
/// a manifest phib wrote, or when `overwrite` (`--overwrite-secret-out`) says so. The
/// same is checked again when it is written.
pub fn check_secret_out(
    path: &Path,
    values_path: Option<&Path>,
    overwrite: bool,
) -> Result<OutFile> {
    write::check_folder(path, "--secret-out")?;
    let seen = Seen::read(path, FileKind::SecretManifest)?;
    let out = OutFile {
        path: path.to_path_buf(),
        seen,
        values: values_path.map(Path::to_path_buf),
        overwrite,
    };
    out.not_the_values_file()?;
    out.replaceable(out.seen.bytes())?;
    write::check_writable(&out.seen, "--secret-out")?;
    Ok(out)
}

impl OutFile {
    fn not_the_values_file(&self) -> Result<()> {
        let Some(values) = &self.values else {
            return Ok(());
        };
        let out = write::resolve_target(&self.path)?;
        let values = write::resolve_target(values)?;
        let bak = write::backup_name(&values);
        for (other, what) in [
            (values.as_path(), "also the values file"),
            (bak.as_path(), "the values file's backup"),
        ] {
            if write::same_file(&out, other) {
                return Err(Error::usage(format!(
                    "`--secret-out` `{}` is {what} (`{}`)",
                    self.path.display(),
                    other.display()
                ))
                .with_help(
                    "keep the Secret manifest in a file of its own, e.g. `push-secret.yaml`",
                ));
            }
        }
        Ok(())
    }

    /// What the file holds may be replaced: nothing, a manifest phib wrote, or
    /// anything with `--overwrite-secret-out`.
    fn replaceable(&self, now: Option<&[u8]>) -> Result<()> {
        match now {
            None => Ok(()),
            _ if self.overwrite => Ok(()),
            Some(bytes) if super::is_own_manifest(&String::from_utf8_lossy(bytes)) => Ok(()),
            Some(_) => Err(Error::usage(format!(
                "`--secret-out` `{}` exists and is not a Secret manifest phib wrote; phib does not replace it",
                self.path.display()
            ))
            .with_help("name a new file, or add `--overwrite-secret-out` to replace this one")),
        }
    }

    /// Writes `text` here, once the checks made when the name was given still hold.
    fn write(&self, text: &Secret) -> Result<()> {
        self.not_the_values_file()?;
        let opts = Options {
            option: "--secret-out",
            backup: false,
        };
        write::write(&self.seen, opts, |now| {
            self.replaceable(now)?;
            Ok(text.expose().as_bytes().to_vec())
        })?;
        Ok(())
    }
}

/// Checks again, just before the first write, that the Secret manifest can be written
/// where it was asked for (time may have passed since: the wizard's questions): the
/// name still names the file it did, that file is not the values file, may be
/// replaced, and its folder takes new files.
pub fn check_outputs(pending: &Pending) -> Result<()> {
    if let Pending::External {
        to: Output::File(f),
        ..
    } = pending
    {
        write::still_there(&f.seen, "--secret-out")?;
        f.not_the_values_file()?;
        if let Some(now) = write::changed_in_place(&f.seen)? {
            f.replaceable(Some(&now))?;
        }
        write::check_writable(&f.seen, "--secret-out")?;
    }
    Ok(())
}

/// `--check` for the manifest: `None` when the file already holds what would be
/// written, else what differs, in words (never the content: it is the secret).
pub fn check(pending: &Pending) -> Result<Option<String>> {
    let (manifests, to) = match pending {
        Pending::Values { .. } => return Ok(None),
        Pending::External { manifests, to } => (manifests, to),
    };
    let path = match to {
        Output::File(f) => &f.path,
        Output::Apply => {
            return Err(Error::usage(
                "`--check` cannot compare a Secret in the cluster; it compares files",
            )
            .with_help("use `--secret-out FILE` with `--check` to compare the manifest file"))
        }
    };
    let want = match manifests {
        Manifests::Static(s) => s.manifest(),
        Manifests::Keyless(p) => Secret::holding(p.manifests.text()),
        Manifests::Sealed(p) => return check_sealed(p, path),
    };
    Ok(match crate::files::read::read(path, FileKind::SecretManifest)? {
        Some(have) if have.bytes == want.expose().as_bytes() => None,
        Some(_) => Some(format!(
            "`{}` holds another Secret than this command would write (content not shown: it is the secret)",
            path.display()
        )),
        None => Some(format!("`{}` does not exist yet", path.display())),
    })
}

/// `--check` for a SealedSecret: sealing is randomised, and only the controller can open
/// it, so the sealed value cannot be compared; everything else (name, namespace, scope,
/// labels, the Secret's type, which keys are sealed) is.
fn check_sealed(p: &SealedPush, path: &Path) -> Result<Option<String>> {
    let Some(have) = crate::files::read::read(path, FileKind::SecretManifest)? else {
        return Ok(Some(format!("`{}` does not exist yet", path.display())));
    };
    let masked = |bytes: &[u8]| -> Option<serde_json::Value> {
        let mut doc: serde_json::Value = serde_yaml::from_slice(bytes).ok()?;
        if let Some(data) = doc
            .pointer_mut("/spec/encryptedData")
            .and_then(serde_json::Value::as_object_mut)
        {
            for value in data.values_mut() {
                *value = serde_json::Value::Null;
            }
        }
        Some(doc)
    };
    let want = masked(p.manifest.as_bytes());
    if want.is_some() && masked(&have.bytes) == want {
        return Ok(None);
    }
    Ok(Some(format!(
        "`{}` holds another SealedSecret than this command would write (its name, namespace, scope or Secret type differ)",
        path.display()
    )))
}

/// Delivers what [`prepare`] decided, after the values were written. Returns what was
/// done, as a sentence for the caller to show: in values mode, the note about where the
/// password ends up (when there is one), else nothing.
pub fn finish(pending: Pending) -> Result<Option<String>> {
    let (manifests, to) = match pending {
        Pending::Values { note } => {
            return Ok(note.then(|| format!("note: {VALUES_MODE_NOTE}")));
        }
        Pending::External { manifests, to } => (manifests, to),
    };
    let (text, what) = match &manifests {
        Manifests::Static(s) => {
            let what = format!("the push Secret `{}` (namespace `{}`)", s.name, s.namespace);
            crate::secret::learn_login(&s.username, s.password.expose());
            (s.manifest(), what)
        }
        Manifests::Keyless(p) => (Secret::holding(p.manifests.text()), p.manifests.describe()),
        Manifests::Sealed(p) => {
            crate::secret::learn_login(&p.secret.username, p.secret.password.expose());
            let what = format!(
                "the SealedSecret `{}` (namespace `{}`, scope {})",
                p.secret.name,
                p.secret.namespace,
                p.scope.name()
            );
            (Secret::holding(p.manifest.clone()), what)
        }
    };
    let grant = match &manifests {
        Manifests::Keyless(p) => format!(
            "\nleast-privilege grant for the identity (run once; the comments say what each step allows):\n{}",
            p.grant.script().trim_end()
        ),
        Manifests::Static(_) => String::new(),
        Manifests::Sealed(p) => format!(
            "; the sealed-secrets controller turns it into the push Secret `{}`",
            p.secret.name
        ),
    };
    match to {
        Output::File(f) if matches!(manifests, Manifests::Sealed(_)) => {
            f.write(&text).map_err(after_values)?;
            Ok(Some(format!(
                "wrote {what} to `{}`: commit it beside the values (Argo CD, Flux or helmfile applies it), or apply it with `kubectl apply -f {}`{grant}",
                f.path.display(),
                f.path.display()
            )))
        }
        Output::File(f) => {
            f.write(&text).map_err(after_values)?;
            Ok(Some(format!(
                "wrote {what} to `{}` (mode 0600); apply it with `kubectl apply -f {}`{grant}",
                f.path.display(),
                f.path.display()
            )))
        }
        Output::Apply => {
            let out = kubectl_apply(text).map_err(after_values)?;
            Ok(Some(format!("applied {what} with kubectl: {out}{grant}")))
        }
    }
}

fn after_values(err: Error) -> Error {
    let help = err.help.clone().unwrap_or_default();
    Error {
        help: Some(format!(
            "the values were written, but the Secret was not; {}run the same command again once fixed",
            if help.is_empty() { String::new() } else { format!("{help}; ") }
        )),
        ..err
    }
}

/// Runs `kubectl apply -f -` with the manifest on standard input: no secret in argv.
/// Returns kubectl's one-line report. Its error output, which should name no secret,
/// has every secret replaced anyway before it is shown (the runner does it).
fn kubectl_apply(manifest: Secret) -> Result<String> {
    let kubectl = runner::find(Tool::Kubectl)?;
    let out = kubectl
        .call()
        .args(&["apply", "-f", "-"])
        .input(manifest)
        .run()?;
    if !out.ok() {
        return Err(Error::failed(format!(
            "`kubectl apply -f -` failed: {}",
            out.stderr.trim()
        ))
        .with_help("check the kubectl context (`kubectl config current-context`) and that the namespace exists (`--namespace`)"));
    }
    Ok(crate::secret::redact(
        String::from_utf8_lossy(&out.stdout).trim(),
    ))
}
