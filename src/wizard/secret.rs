//! Where the credentials should live, asked after the registry's questions: a Secret
//! of the administrator's own (recommended: PrimeHub's chart copies a password kept in
//! the values into a ConfigMap), the Helm values, or that Secret sealed for git with
//! the sealed-secrets controller's certificate. The answers fill the same [`Choice`]
//! the `--secret-*` and `--sealing-*` flags of `phib render` fill, so checking and
//! writing stay with [`crate::pushsecret::deliver`].

use std::path::{Path, PathBuf};

use super::prompt::{ask_until, Answer, Prompter};
use super::{wrap, WIDTH};
use crate::names::Name;
use crate::pushsecret::deliver::{check_secret_out, Choice, Sealing};
use crate::pushsecret::sealed::{CONTROLLER_NAME, CONTROLLER_NAMESPACE};
use crate::pushsecret::{self, SecretMode, DEFAULT_NAME, DEFAULT_NAMESPACE, WHY_EXTERNAL};
use crate::registry::{FieldId, Kind};
use crate::settings::Settings;
use crate::Error;

/// The prompt of the list of where the credentials live (the question is said above it,
/// so the answered line stays short).
pub const CREDENTIALS: &str = "Credentials";

/// The question for the push Secret's name: the same words as the advanced option.
pub const PUSH_SECRET_NAME: &str = "Push secret name";

/// Where the credentials can live: a Secret of one's own first (recommended), then the
/// documented way, then that Secret sealed for git. For ECR, the two ways of keeping
/// its 12-hour login fresh (a sealed login would expire).
const ITEMS: [&str; 3] = [
    "a Secret of your own (recommended)",
    "in the Helm values (PrimeHub's documented way)",
    "a sealed Secret, for git (sealed-secrets)",
];
const ECR_ITEMS: [&str; 2] = [
    "a Secret kept fresh by external-secrets.io (recommended)",
    "the Secret of the aws-ecr-credential chart (PrimeHub's docs)",
];

/// The manifest file offered when none was given before: next to the values file.
const DEFAULT_FILE: &str = "push-secret.yaml";
/// The SealedSecret file offered when none was given before: next to the values file.
const DEFAULT_SEALED_FILE: &str = "push-secret.sealed.yaml";

/// Where the manifest goes: a file (the first item) or kubectl.
const TO_FILE: &str = "write the manifest to a file, to apply later";
const SEALED_TO_FILE: &str = "write it to a file, for git";

/// Where the controller's certificate comes from.
const CERTIFICATE: &str = "Certificate";
const CERT_ITEMS: [&str; 2] = [
    "a file (`kubeseal --fetch-cert` writes it)",
    "fetch it from the controller with kubectl",
];

/// Why a sealed Secret, in one sentence.
const WHY_SEALED: &str = "A sealed Secret is encrypted with the sealed-secrets controller's certificate: it can be committed to git beside the values (for Argo CD, Flux or helmfile), and only the controller in the cluster can open it.";

/// Why ECR's Secret is best kept fresh by external-secrets.io, in one sentence.
const WHY_ECR_REFRESH: &str = "ECR logins expire after 12 hours; external-secrets.io renews the push Secret, and the aws-ecr-credential chart of PrimeHub's docs no longer installs on Kubernetes 1.25+.";

/// `name` in the folder of `values`.
fn default_file(values: &Path, name: &str) -> PathBuf {
    match values.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    }
}

/// Asks where the credentials go. `None` when there is nothing to ask: an ECR block
/// whose Secret is named by hand (`pushSecretName`) is managed elsewhere already.
/// `kubectl` says whether applying the Secret now can be offered.
pub fn ask_choice(
    p: &mut dyn Prompter,
    settings: &Settings,
    values: &Path,
    kubectl: bool,
    previous: Option<&Choice>,
) -> Answer<Option<Choice>> {
    let ecr = settings.kind() == Kind::Ecr;
    if settings.is_set(FieldId::PushSecretName) {
        return Ok(None);
    }
    p.say("");
    let (why, items): (&str, &[&str]) = if ecr {
        (WHY_ECR_REFRESH, &ECR_ITEMS)
    } else {
        (WHY_EXTERNAL, &ITEMS)
    };
    for line in wrap(why, WIDTH) {
        p.say(&line);
    }
    p.say("Where should the credentials live?");
    let items: Vec<String> = items.iter().map(|i| i.to_string()).collect();
    let before = match previous.map(|c| c.mode) {
        Some(SecretMode::Values) => 1,
        Some(SecretMode::Sealed) => 2,
        _ => 0,
    };
    let mode = match p.select(CREDENTIALS, &items, before)? {
        1 => return Ok(Some(Choice::default())),
        2 => SecretMode::Sealed,
        _ => SecretMode::External,
    };

    let release = settings
        .text(FieldId::Release)
        .unwrap_or(crate::chart::DEFAULT_RELEASE)
        .to_string();
    let name_before = previous.and_then(|c| c.name.clone());
    let name = ask_until(
        p,
        |p| {
            p.input(
                PUSH_SECRET_NAME,
                Some(name_before.as_deref().unwrap_or(DEFAULT_NAME)),
            )
        },
        |text| {
            let text = text.trim();
            pushsecret::check_name(text, &release).map(|()| text.to_string())
        },
    )?;
    let sealing = match mode {
        SecretMode::Sealed => ask_sealing(p, kubectl, previous)?,
        _ => Sealing::default(),
    };
    let (namespace, apply, out) =
        ask_destination_for(p, values, kubectl, previous, mode == SecretMode::Sealed)?;
    Ok(Some(Choice {
        mode,
        name: (name != DEFAULT_NAME).then_some(name),
        out,
        apply,
        namespace,
        ecr_refresh: ecr,
        ecr_service_account: None,
        keyless: Default::default(),
        overwrite: false,
        sealing,
    }))
}

/// The sealed-secrets controller's certificate: a file (checked as soon as it is
/// named: PEM, RSA, within its dates), or, when `kubectl` is found, fetched from the
/// controller (its Service name and namespace asked, kubeseal's defaults offered). The
/// scope stays strict, kubeseal's default (`--sealing-scope` changes it).
pub fn ask_sealing(
    p: &mut dyn Prompter,
    kubectl: bool,
    previous: Option<&Choice>,
) -> Answer<Sealing> {
    let before = previous
        .filter(|c| c.mode == SecretMode::Sealed)
        .map(|c| c.sealing.clone())
        .unwrap_or_default();
    p.say("");
    for line in wrap(WHY_SEALED, WIDTH) {
        p.say(&line);
    }
    let fetch = kubectl && {
        let items = CERT_ITEMS.map(String::from);
        let default = usize::from(previous.is_some() && before.cert.is_none());
        p.select(CERTIFICATE, &items, default)? == 1
    };
    if !fetch {
        let shown = before
            .cert
            .as_ref()
            .map_or_else(|| "cert.pem".to_string(), |c| c.display().to_string());
        let cert = ask_until(
            p,
            |p| {
                p.path("Certificate file", Some(&shown))
                    .map(|path| path.display().to_string())
            },
            |text| {
                let sealing = Sealing {
                    cert: Some(PathBuf::from(text)),
                    ..Sealing::default()
                };
                sealing.certificate().map(|_| sealing.cert)
            },
        )?;
        return Ok(Sealing {
            cert,
            scope: before.scope,
            ..Sealing::default()
        });
    }
    let name_before = before.controller_name.clone();
    let name = ask_until(
        p,
        |p| {
            p.input(
                "Controller Service",
                Some(name_before.as_deref().unwrap_or(CONTROLLER_NAME)),
            )
        },
        |text| checked(text.trim(), Name::Object, "--controller-name"),
    )?;
    let ns_before = before.controller_namespace.clone();
    let namespace = ask_until(
        p,
        |p| {
            p.input(
                "Controller namespace",
                Some(ns_before.as_deref().unwrap_or(CONTROLLER_NAMESPACE)),
            )
        },
        |text| checked(text.trim(), Name::Namespace, "--controller-namespace"),
    )?;
    Ok(Sealing {
        cert: None,
        controller_name: (name != CONTROLLER_NAME).then_some(name),
        controller_namespace: (namespace != CONTROLLER_NAMESPACE).then_some(namespace),
        scope: before.scope,
    })
}

/// What the wizard knows of a SealedSecret phib wrote beside the values file.
pub struct SealedBeside {
    /// Its scope, when not kubeseal's default.
    pub scope: Option<crate::pushsecret::sealed::Scope>,
}

/// The SealedSecret `name` in the file the wizard offers for one (beside `values`),
/// when it is there: a rotation seals the new credentials again, in its scope.
pub fn sealed_beside(values: &Path, name: &str) -> Option<SealedBeside> {
    let file = default_file(values, DEFAULT_SEALED_FILE);
    let found = crate::pushsecret::deliver::sealing::sealed_in_file(&file)
        .ok()
        .flatten()
        .filter(|f| f.name == name)?;
    Some(SealedBeside {
        scope: (found.scope != Default::default()).then_some(found.scope),
    })
}

/// `text` when it is a name of `kind`, as the flag `flag` would take it.
fn checked(text: &str, kind: Name, flag: &str) -> Result<String, Error> {
    if kind.accepts(text) {
        Ok(text.to_string())
    } else {
        Err(
            Error::usage(format!("`{flag}` `{text}` is not {}", kind.what()))
                .with_help(kind.rule()),
        )
    }
}

/// Where the Secret goes: PrimeHub's namespace (`None` for the default), and either
/// `kubectl apply` now (offered when `kubectl` is found) or a manifest file, by default
/// `push-secret.yaml` next to the values file.
pub fn ask_destination(
    p: &mut dyn Prompter,
    values: &Path,
    kubectl: bool,
    previous: Option<&Choice>,
) -> Answer<(Option<String>, bool, Option<PathBuf>)> {
    ask_destination_for(p, values, kubectl, previous, false)
}

/// [`ask_destination`] for a Secret, or (`sealed`) a SealedSecret, by default in
/// `push-secret.sealed.yaml`.
pub fn ask_destination_for(
    p: &mut dyn Prompter,
    values: &Path,
    kubectl: bool,
    previous: Option<&Choice>,
    sealed: bool,
) -> Answer<(Option<String>, bool, Option<PathBuf>)> {
    let (noun, file_prompt, default_name) = if sealed {
        (
            "The SealedSecret",
            "File for the SealedSecret",
            DEFAULT_SEALED_FILE,
        )
    } else {
        ("The Secret", "File for the Secret manifest", DEFAULT_FILE)
    };
    let ns_before = previous.and_then(|c| c.namespace.clone());
    let namespace = ask_until(
        p,
        |p| {
            p.input(
                "PrimeHub's namespace",
                Some(ns_before.as_deref().unwrap_or(DEFAULT_NAMESPACE)),
            )
        },
        |text| {
            let text = text.trim();
            pushsecret::check_namespace(text).map(|()| text.to_string())
        },
    )?;
    let apply = kubectl && {
        let to_file = if sealed { SEALED_TO_FILE } else { TO_FILE };
        let items = [to_file.to_string(), "apply it now with kubectl".to_string()];
        let before = previous.map_or(0, |c| usize::from(c.apply));
        p.select(noun, &items, before)? == 1
    };
    let out = if apply {
        None
    } else {
        let file_before = previous
            .and_then(|c| c.out.as_ref())
            .map_or_else(|| default_file(values, default_name), PathBuf::clone);
        let shown = file_before.display().to_string();
        Some(ask_until(
            p,
            |p| {
                p.path(file_prompt, Some(&shown))
                    .map(|path| path.display().to_string())
            },
            |text| {
                let path = PathBuf::from(text);
                check_secret_out(&path, Some(values), false).map(|_| path)
            },
        )?)
    };
    Ok((
        (namespace != DEFAULT_NAMESPACE).then_some(namespace),
        apply,
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wizard::questions::item_width;
    use dialoguer::console::measure_text_width as width;

    #[test]
    fn every_answer_line_fits_80_columns_in_the_colourful_theme() {
        let max = item_width(width(CREDENTIALS));
        for item in ITEMS.iter().chain(&ECR_ITEMS) {
            assert!(width(item) <= max, "{item}");
        }
        let destination = item_width(width("The Secret"));
        assert!(width(TO_FILE) <= destination);
        assert!(width(SEALED_TO_FILE) <= item_width(width("The SealedSecret")));
        for item in CERT_ITEMS {
            assert!(width(item) <= item_width(width(CERTIFICATE)), "{item}");
        }
    }
}
