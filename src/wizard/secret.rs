//! Where the credentials should live, asked after the registry's questions: a Secret
//! of the administrator's own (recommended: PrimeHub's chart copies a password kept in
//! the values into a ConfigMap) or the Helm values. The answers fill the same
//! [`Choice`] the `--secret-*` flags of `phib render` fill, so checking and writing
//! stay with [`crate::pushsecret::deliver`].

use std::path::{Path, PathBuf};

use super::prompt::{ask_until, Answer, Prompter};
use super::{wrap, WIDTH};
use crate::pushsecret::deliver::{check_secret_out, Choice};
use crate::pushsecret::{self, SecretMode, DEFAULT_NAME, DEFAULT_NAMESPACE, WHY_EXTERNAL};
use crate::registry::{FieldId, Kind};
use crate::settings::Settings;

/// The prompt of the list of where the credentials live (the question is said above it,
/// so the answered line stays short).
pub const CREDENTIALS: &str = "Credentials";

/// The question for the push Secret's name: the same words as the advanced option.
pub const PUSH_SECRET_NAME: &str = "Push secret name";

/// Where the credentials can live: a Secret of one's own first (recommended), then the
/// documented way. For ECR, the two ways of keeping its 12-hour login fresh.
const ITEMS: [&str; 2] = [
    "a Secret of your own (recommended)",
    "in the Helm values (PrimeHub's documented way)",
];
const ECR_ITEMS: [&str; 2] = [
    "a Secret kept fresh by external-secrets.io (recommended)",
    "the Secret of the aws-ecr-credential chart (PrimeHub's docs)",
];

/// The manifest file offered when none was given before: next to the values file.
const DEFAULT_FILE: &str = "push-secret.yaml";

/// Why ECR's Secret is best kept fresh by external-secrets.io, in one sentence.
const WHY_ECR_REFRESH: &str = "ECR logins expire after 12 hours; external-secrets.io renews the push Secret, and the aws-ecr-credential chart of PrimeHub's docs no longer installs on Kubernetes 1.25+.";

/// `push-secret.yaml` in the folder of `values`.
fn default_file(values: &Path) -> PathBuf {
    match values.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(DEFAULT_FILE),
        _ => PathBuf::from(DEFAULT_FILE),
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
    let (why, items) = if ecr {
        (WHY_ECR_REFRESH, ECR_ITEMS)
    } else {
        (WHY_EXTERNAL, ITEMS)
    };
    for line in wrap(why, WIDTH) {
        p.say(&line);
    }
    p.say("Where should the credentials live?");
    let items = items.map(String::from);
    let before = previous.map_or(0, |c| usize::from(c.mode == SecretMode::Values));
    if p.select(CREDENTIALS, &items, before)? == 1 {
        return Ok(Some(Choice::default()));
    }

    let release = settings
        .text(FieldId::Release)
        .unwrap_or("primehub")
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
    let (namespace, apply, out) = ask_destination(p, values, kubectl, previous)?;
    Ok(Some(Choice {
        mode: SecretMode::External,
        name: (name != DEFAULT_NAME).then_some(name),
        out,
        apply,
        namespace,
        ecr_refresh: ecr,
        ecr_service_account: None,
        keyless: Default::default(),
        overwrite: false,
        sealing: Default::default(),
    }))
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
        let items = [
            "write the manifest to a file, to apply later".to_string(),
            "apply it now with kubectl".to_string(),
        ];
        let before = previous.map_or(0, |c| usize::from(c.apply));
        p.select("The Secret", &items, before)? == 1
    };
    let out = if apply {
        None
    } else {
        let file_before = previous
            .and_then(|c| c.out.as_ref())
            .map_or_else(|| default_file(values), PathBuf::clone);
        let shown = file_before.display().to_string();
        Some(ask_until(
            p,
            |p| {
                p.path("File for the Secret manifest", Some(&shown))
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
        assert!(width("write the manifest to a file, to apply later") <= destination);
    }
}
