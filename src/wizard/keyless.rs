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
use crate::pushsecret::keyless::{parse_gke_cluster, AzureIdentity, KeylessChoice};
use crate::pushsecret::SecretMode;
use crate::registry::keyless::{self, azure, google, DEFAULT_IDENTITY_NAME};
use crate::registry::{check, FieldId, Kind};
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
    match kind {
        Kind::ArtifactRegistry | Kind::Gcr => {
            let project = settings
                .text(FieldId::Project)
                .unwrap_or_default()
                .to_string();
            k.gke_cluster = Some(ask_until(
                p,
                |p| {
                    input_default(
                        p,
                        "GKE cluster (LOCATION/NAME)",
                        before.gke_cluster.as_deref(),
                    )
                },
                |t| parse_gke_cluster(t, &project).map(|_| t.to_string()),
            )?);
            let default_gsa = google::default_service_account(&project);
            let gsa = ask_until(
                p,
                |p| {
                    input_default(
                        p,
                        "Google service account",
                        Some(
                            before
                                .gcp_service_account
                                .as_deref()
                                .unwrap_or(&default_gsa),
                        ),
                    )
                },
                |t| {
                    if google::is_service_account_email(t) {
                        Ok(t.to_string())
                    } else {
                        Err(usage(
                            "is not a Google service account",
                            "`NAME@PROJECT.iam.gserviceaccount.com`, as `gcloud iam service-accounts list` shows it",
                        ))
                    }
                },
            )?;
            k.gcp_service_account = (gsa != default_gsa).then_some(gsa);
        }
        Kind::Acr => {
            let items = [
                "Azure Workload Identity (recommended)".to_string(),
                "the nodes' managed identity".to_string(),
            ];
            let was_managed = before.azure_identity == Some(AzureIdentity::Managed);
            let managed = p.select("Azure identity", &items, usize::from(was_managed))? == 1;
            let guid = |required: bool| {
                move |t: &str| -> crate::Result<Option<String>> {
                    if t.is_empty() && !required {
                        Ok(None)
                    } else if azure::is_guid(t) {
                        Ok(Some(t.to_string()))
                    } else {
                        Err(usage("is not a GUID", "copy it from `az identity show --query clientId` / `az account show --query tenantId`"))
                    }
                }
            };
            if managed {
                k.azure_identity = Some(AzureIdentity::Managed);
                k.azure_client_id = ask_until(
                    p,
                    |p| {
                        input_default(
                            p,
                            "Managed identity client id (empty: the only one)",
                            before.azure_client_id.as_deref(),
                        )
                    },
                    guid(false),
                )?;
            } else {
                k.azure_client_id = ask_until(
                    p,
                    |p| {
                        input_default(
                            p,
                            "Managed identity client id",
                            before.azure_client_id.as_deref(),
                        )
                    },
                    guid(true),
                )?;
                k.azure_tenant_id = ask_until(
                    p,
                    |p| input_default(p, "Tenant id", before.azure_tenant_id.as_deref()),
                    guid(true),
                )?;
            }
        }
        _ => {}
    }
    if k.azure_identity != Some(AzureIdentity::Managed) {
        let sa = ask_until(
            p,
            |p| {
                input_default(
                    p,
                    "Kubernetes ServiceAccount for the operator",
                    Some(
                        before
                            .service_account
                            .as_deref()
                            .unwrap_or(DEFAULT_IDENTITY_NAME),
                    ),
                )
            },
            |t| {
                check::secret_name(t)
                    .map(|()| t.to_string())
                    .map_err(|e| usage(&e.reason, &e.help))
            },
        )?;
        k.service_account = (sa != DEFAULT_IDENTITY_NAME).then_some(sa);
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
