//! Google Container Registry (`gcr.io` and its regional hosts), with a service-account
//! keyfile. Container Registry no longer accepts writes unless the host is backed by
//! Artifact Registry, so phib warns and points to Artifact Registry.

use super::parts::{self, no_check};
use super::{Credentials, Field, FieldId, Input, Invalid, Spec};
use crate::settings::Settings;
use crate::values::model::CustomImage;

pub const HOSTS: [&str; 4] = ["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"];

pub const SPEC: Spec = Spec {
    name: "gcr",
    title: "Google Container Registry",
    description:
        "Google Container Registry (gcr.io; deprecated, use Artifact Registry where you can)",
    fields: &FIELDS,
    credentials: Credentials::JsonKey,
    endpoint: |s| Some(format!("https://{}", host(s))),
    default_push_secret_name: None,
    check: no_check,
    warnings,
};

fn host(s: &Settings) -> &str {
    s.gcr_host.as_deref().unwrap_or("gcr.io")
}

const FIELDS: [Field; 4] = [
    parts::keyfile(),
    Field {
        id: FieldId::GcrHost,
        prompt: "Container Registry host",
        hint: "gcr.io, us.gcr.io, eu.gcr.io or asia.gcr.io, as in your image names",
        input: Input::Text,
        required: false,
        advanced: false,
        default: Some(|_| Some("gcr.io".into())),
        validate: gcr_host,
    },
    Field {
        id: FieldId::Project,
        prompt: "Google Cloud project ID",
        hint: "defaults to the keyfile's `project_id`; the service account needs Storage Admin or Artifact Registry Writer there",
        input: Input::Text,
        required: false,
        advanced: false,
        default: Some(|s| s.keyfile.as_ref().map(|k| k.project_id().to_string())),
        validate: super::artifact_registry::project,
    },
    parts::prefix(
        "`HOST/PROJECT`; images go to HOST/PROJECT/<image>",
        Some(|s: &Settings| {
            let project = s.text_or_default(FieldId::Project)?;
            Some(format!("{}/{project}", host(s)))
        }),
    ),
];

fn gcr_host(value: &str) -> Result<(), Invalid> {
    if HOSTS.contains(&value) {
        Ok(())
    } else {
        Err(Invalid::new(
            format!("must be one of {}", HOSTS.map(|h| format!("`{h}`")).join(", ")),
            "use the host of your image names; for `LOCATION-docker.pkg.dev` use `--registry artifact-registry`",
        ))
    }
}

fn warnings(_: &Settings, _: &CustomImage, out: &mut Vec<String>) {
    out.push("Google Container Registry is shut down for writes (since 2025-03-18) unless the gcr.io host is backed by Artifact Registry; prefer `--registry artifact-registry`".into());
}
