//! The choice (where the credentials go, as the user made it) and its checks: the
//! options each secret mode takes, the keyless choice (with `--ecr-refresh` folded in),
//! where the Secret goes, and the block swapped for one without credentials. Every
//! refusal here comes before anything is written.

use std::path::{Path, PathBuf};

use super::{check_secret_out, Manifests, Output, Pending, SealedPush, Sealing};
use crate::pushsecret::keyless::{self, Facts, KeylessChoice};
use crate::pushsecret::{ExternalOptions, PushSecret, SecretMode};
use crate::registry::{Code, FieldId, Kind};
use crate::runner::{self, Tool};
use crate::settings::{Settings, Validated};
use crate::{Error, Result};

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

/// Checks the secret options and, in external mode, replaces the block in `validated`
/// by the one without credentials. Every refusal here comes before anything is written.
pub fn prepare(
    choice: Choice,
    settings: &Settings,
    values_path: Option<&Path>,
    validated: &mut Validated,
) -> Result<Pending> {
    refuse_options_of_other_modes(&choice)?;
    if choice.mode == SecretMode::Values {
        return Ok(Pending::Values);
    }
    let Choice {
        mode,
        name: secret_name,
        out: secret_out,
        apply,
        namespace,
        ecr_refresh,
        ecr_service_account,
        overwrite,
        keyless,
        sealing,
    } = choice;
    let kind = settings.kind();
    if settings.is_set(FieldId::PushSecretName) {
        return Err(Error::usage(format!(
            "`--push-secret-name` names a Secret managed elsewhere; in {} mode phib makes the Secret itself",
            mode.name()
        ))
        .with_help("name it with `--secret-name` instead"));
    }
    let keyless = keyless_choice(mode, kind, keyless, ecr_refresh, ecr_service_account)?;
    let to = output(mode, secret_out, apply, values_path, overwrite)?;

    let opts = ExternalOptions {
        name: secret_name,
        namespace,
        release: settings.text(FieldId::Release).map(str::to_string),
    };
    let external = crate::pushsecret::split(
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

/// The sealing options are only for sealed mode, and the options of where the Secret
/// goes (and of its keyless ways) not for values mode.
fn refuse_options_of_other_modes(choice: &Choice) -> Result<()> {
    let mode = choice.mode;
    if mode != SecretMode::Sealed {
        if let Some(flag) = choice.sealing.first_flag() {
            return Err(Error::usage(format!(
                "`{flag}` is only used with `--secret-mode sealed`"
            ))
            .with_help("add `--secret-mode sealed` to seal the Secret for git with the sealed-secrets controller's certificate, or remove it"));
        }
    }
    let keyless_flags = choice.keyless.flags();
    let external_only = [
        ("--secret-name", choice.name.is_some()),
        ("--secret-out", choice.out.is_some()),
        ("--apply", choice.apply),
        ("--namespace", choice.namespace.is_some()),
        ("--ecr-refresh", choice.ecr_refresh),
        (
            "--ecr-service-account",
            choice.ecr_service_account.is_some(),
        ),
        ("--overwrite-secret-out", choice.overwrite),
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
    }
    Ok(())
}

/// The keyless choice, with `--ecr-refresh` and `--ecr-service-account` folded in: the
/// refusals of sealed mode, and ECR's need of a refresh.
fn keyless_choice(
    mode: SecretMode,
    kind: Kind,
    mut keyless: KeylessChoice,
    ecr_refresh: bool,
    ecr_service_account: Option<String>,
) -> Result<KeylessChoice> {
    if mode == SecretMode::Sealed {
        refuse_keyless_when_sealed(
            kind,
            &keyless.flags(),
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
    Ok(keyless)
}

/// Where the Secret goes: the file of `--secret-out` (checked now), or `kubectl apply`
/// (kubectl found now).
fn output(
    mode: SecretMode,
    secret_out: Option<PathBuf>,
    apply: bool,
    values_path: Option<&Path>,
    overwrite: bool,
) -> Result<Output> {
    Ok(match (secret_out, apply) {
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
    })
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
    let manifest =
        crate::pushsecret::sealed::manifest(&secret, &cert, scope, &mut getrandom::SysRng)?;
    Ok(SealedPush {
        sealed_with: format!("{} (valid until {})", sealing.source(), cert.not_after()),
        secret,
        scope,
        manifest,
    })
}
