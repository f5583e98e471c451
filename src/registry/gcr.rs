//! Google Container Registry (`gcr.io` and its regional hosts), with a service-account
//! keyfile. Container Registry no longer accepts writes unless the host is backed by
//! Artifact Registry, so phib warns and points to Artifact Registry.

use super::parts::{self, no_check, no_create};
use super::{Answers, Code, Credentials, Field, FieldId, Invalid, Outcome, Seen, Spec, Warning};

pub const HOSTS: [&str; 4] = ["gcr.io", "us.gcr.io", "eu.gcr.io", "asia.gcr.io"];

pub const SPEC: Spec = Spec {
    name: "gcr",
    title: "Google Container Registry",
    description:
        "Google Container Registry (gcr.io; deprecated, use Artifact Registry where you can)",
    list_label: Some("Google Container Registry (gcr.io; deprecated), with a keyfile"),
    fields: &FIELDS,
    credentials: Credentials::JsonKey,
    endpoint: |s| Some(format!("https://{}", host(s))),
    default_push_secret_name: None,
    recognise: |seen: &Seen| {
        let gcr_host = seen.host == "gcr.io" || seen.host.ends_with(".gcr.io");
        gcr_host || (seen.json_key && super::artifact_registry::location_of(&seen.host).is_none())
    },
    push_role: super::artifact_registry::WRITER_ROLE,
    create_repository: no_create,
    check: no_check,
    warnings,
};

fn host(s: &Answers) -> &str {
    s.text(FieldId::GcrHost).unwrap_or("gcr.io")
}

const FIELDS: [Field; 4] = [
    parts::keyfile(),
    Field {
        id: FieldId::GcrHost,
        prompt: "Container Registry host",
        hint: "gcr.io, us.gcr.io, eu.gcr.io or asia.gcr.io, as in your image names",
        required: false,
        advanced: false,
        default: Some(|_| Some("gcr.io".into())),
        validate: gcr_host,
    },
    Field {
        id: FieldId::Project,
        prompt: "Google Cloud project ID",
        hint: "defaults to the keyfile's `project_id`; the service account needs Storage Admin or Artifact Registry Writer there",
        required: false,
        advanced: false,
        default: Some(|s| s.keyfile().map(|k| k.project_id().to_string())),
        validate: super::artifact_registry::project,
    },
    parts::prefix(
        "`HOST/PROJECT`; images go to HOST/PROJECT/<image>",
        Some(|s: &Answers| {
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

fn warnings(_: &Outcome, out: &mut Vec<Warning>) {
    out.push(
        Warning::new(
            Code::Registry,
            "gcr.io takes no pushes since 2025-03-18 unless Artifact Registry backs it; ",
        )
        .advice(
            "prefer `--registry artifact-registry` (docs/registries/gcr.md)",
            "prefer Google Artifact Registry (docs/registries/gcr.md)",
        ),
    );
}
