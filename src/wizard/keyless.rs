//! The keyless way, offered first where the registry supports it (Artifact Registry,
//! gcr.io, ACR, Quay): right after the registry is chosen, before any credential
//! question, so that no keyfile or password is asked for when the External Secrets
//! Operator mints the tokens. The answers fill the same [`KeylessChoice`] the
//! `--refresh external-secrets` flags fill; checking stays with
//! [`crate::pushsecret::keyless`]. ECR keeps its own question (it has no password to
//! skip), in [`super::secret`].

use std::path::Path;

use super::prompt::{ask_until, Answer, Prompter};
use super::{secret, wrap, WIDTH};
use crate::pushsecret::deliver::Choice;
use crate::pushsecret::keyless::{AzureIdentity, KeylessChoice};
use crate::pushsecret::SecretMode;
use crate::registry::keyless::{self, google, DEFAULT_IDENTITY_NAME};
use crate::registry::{FieldId, Kind};
use crate::settings::Settings;
use crate::Error;

/// The prompt of the list of how to log in.
pub const LOGIN: &str = "Login";

/// Whether the wizard offers the keyless way for `kind`.
pub fn offered(kind: Kind) -> bool {
    kind != Kind::Ecr && keyless::generator(kind).is_ok()
}

/// The credential questions the keyless way leaves out: the password or keyfile, and
/// the user name except where it names the robot that federates (Quay).
pub fn skipped_fields(kind: Kind) -> Vec<FieldId> {
    let mut ids = vec![FieldId::Password, FieldId::Keyfile];
    if kind != Kind::Quay {
        ids.push(FieldId::Username);
    }
    ids
}

/// Asks how the image builder logs in, keyless first (recommended). `true`: keyless.
pub fn ask_way(p: &mut dyn Prompter, kind: Kind, before: bool) -> Answer<bool> {
    let g = match keyless::generator(kind) {
        Ok(g) if offered(kind) => g,
        _ => return Ok(false),
    };
    let what = match kind {
        Kind::Acr => "a password or token",
        Kind::Quay => "the robot's password",
        _ => "a service-account key",
    };
    let why = format!(
        "No long-lived key needed: the External Secrets Operator can mint a short-lived token ({}, renewed every {}) from the cluster's workload identity. See {}.",
        g.kind,
        g.refresh_interval(),
        g.docs
    );
    p.say("");
    for line in wrap(&why, WIDTH) {
        p.say(&line);
    }
    let items = [
        "short-lived tokens, no key (recommended)".to_string(),
        what.to_string(),
    ];
    Ok(p.select(LOGIN, &items, usize::from(!before))? == 0)
}

fn input_default(p: &mut dyn Prompter, prompt: &str, default: Option<&str>) -> Answer<String> {
    p.input(prompt, default).map(|t| t.trim().to_string())
}

fn usage(reason: &str, help: &str) -> Error {
    Error::usage(reason.to_string()).with_help(help.to_string())
}

/// Asks field `id` of `kind` as the field list declares it (its prompt and its check,
/// the same as the flag's: no control character, then the field's grammar); an empty
/// answer is `None` when `optional`.
fn ask_field(
    p: &mut dyn Prompter,
    kind: Kind,
    id: FieldId,
    default: Option<&str>,
    optional: bool,
) -> Answer<Option<String>> {
    let Some(field) = kind.field(id) else {
        return Ok(None);
    };
    ask_until(
        p,
        |p| input_default(p, field.prompt, default),
        |t| {
            if t.is_empty() && optional {
                return Ok(None);
            }
            field
                .check(t)
                .map(|()| Some(t.to_string()))
                .map_err(|e| usage(&e.reason, &e.help))
        },
    )
}

/// The identity questions of `kind`, then where the manifests go.
pub fn ask_choice(
    p: &mut dyn Prompter,
    settings: &Settings,
    values: &Path,
    kubectl: bool,
    previous: Option<&Choice>,
) -> Answer<Option<Choice>> {
    let kind = settings.kind();
    let before = previous.map(|c| c.keyless.clone()).unwrap_or_default();
    let mut k = KeylessChoice {
        refresh: true,
        ..KeylessChoice::default()
    };
    let ask = |p: &mut dyn Prompter, id, default: Option<&str>, optional| {
        ask_field(p, kind, id, default, optional)
    };
    match kind {
        Kind::ArtifactRegistry | Kind::Gcr => {
            let project = settings
                .text_or_default(FieldId::Project)
                .unwrap_or_default();
            k.gke_cluster = ask(p, FieldId::GkeCluster, before.gke_cluster.as_deref(), false)?;
            let default_gsa = google::default_service_account(&project);
            let gsa = ask(
                p,
                FieldId::GcpServiceAccount,
                Some(
                    before
                        .gcp_service_account
                        .as_deref()
                        .unwrap_or(&default_gsa),
                ),
                false,
            )?;
            k.gcp_service_account = gsa.filter(|g| *g != default_gsa);
        }
        Kind::Acr => {
            let items = [
                "Azure Workload Identity (recommended)".to_string(),
                "the nodes' managed identity".to_string(),
            ];
            let was_managed = before.azure_identity == Some(AzureIdentity::Managed);
            let managed = p.select("Azure identity", &items, usize::from(was_managed))? == 1;
            if managed {
                k.azure_identity = Some(AzureIdentity::Managed);
                p.say("  empty: the only managed identity of the nodes");
            }
            k.azure_client_id = ask(
                p,
                FieldId::AzureClientId,
                before.azure_client_id.as_deref(),
                managed,
            )?;
            if !managed {
                k.azure_tenant_id = ask(
                    p,
                    FieldId::AzureTenantId,
                    before.azure_tenant_id.as_deref(),
                    false,
                )?;
            }
        }
        _ => {}
    }
    if k.azure_identity != Some(AzureIdentity::Managed) {
        let sa = ask(
            p,
            FieldId::RefreshServiceAccount,
            Some(
                before
                    .service_account
                    .as_deref()
                    .unwrap_or(DEFAULT_IDENTITY_NAME),
            ),
            false,
        )?;
        k.service_account = sa.filter(|s| s != DEFAULT_IDENTITY_NAME);
    }
    let (namespace, apply, out) = secret::ask_destination(p, values, kubectl, previous)?;
    Ok(Some(Choice {
        mode: SecretMode::External,
        name: None,
        out,
        apply,
        namespace,
        keyless: k,
        ..Choice::default()
    }))
}
