//! GitHub Container Registry: `ghcr.io`, a classic personal access token with
//! `write:packages` and `read:packages`; owners are lower-cased in image names.

use super::parts::{self, no_check, no_create};
use super::{Answers, Code, Credentials, Field, FieldId, Outcome, Seen, Spec, Warning};

pub const SPEC: Spec = Spec {
    name: "ghcr",
    title: "GitHub Container Registry",
    description: "GitHub Container Registry (ghcr.io), with a personal access token",
    list_label: None,
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| Some(s.text(FieldId::Endpoint).unwrap_or("ghcr.io").to_string()),
    default_push_secret_name: None,
    recognise: |seen: &Seen| seen.host == "ghcr.io" && !seen.json_key,
    push_role: "use a classic personal access token with `write:packages` (and `read:packages`)",
    create_repository: no_create,
    check: no_check,
    warnings,
};

const FIELDS: [Field; 4] = [
    parts::username("GitHub user name", "the account that owns the token"),
    parts::password(
        "GitHub personal access token (classic)",
        "github.com > Settings > Developer settings > Personal access tokens > Tokens (classic), scopes `write:packages` and `read:packages`, no expiry",
    ),
    parts::prefix(
        "`ghcr.io/OWNER` (user or organisation, lower case); images go to ghcr.io/OWNER/<image>",
        Some(|s: &Answers| s.text(FieldId::Username).map(|u| format!("ghcr.io/{}", u.to_lowercase()))),
    ),
    parts::endpoint("leave `ghcr.io`", false, Some(|_| Some("ghcr.io".into()))),
];

/// Fine-grained tokens (`github_pat_...`) cannot push packages; only classic ones can.
fn warnings(o: &Outcome, out: &mut Vec<Warning>) {
    let fine_grained = o
        .password
        .is_some_and(|p| p.expose().starts_with("github_pat_"));
    if fine_grained {
        out.push(Warning::new(
            Code::Registry,
            "a fine-grained token (`github_pat_...`) cannot push to ghcr.io; use a classic one (docs/registries/ghcr.md)",
        ));
    }
}
