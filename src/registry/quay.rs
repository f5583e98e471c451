//! Quay.io: robot accounts `ORG+NAME` with write permission on the repositories.

use super::parts::{self, no_check, no_create, no_warnings};
use super::{Answers, Credentials, Field, FieldId, Seen, Spec};

pub const SPEC: Spec = Spec {
    name: "quay",
    title: "Quay.io",
    description: "Quay.io, with a robot account (ORG+NAME)",
    list_label: None,
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| Some(s.text(FieldId::Endpoint).unwrap_or("quay.io").to_string()),
    default_push_secret_name: None,
    recognise: |seen: &Seen| seen.host == "quay.io" && !seen.json_key,
    push_role: "give the robot account Write permission on the repository (or make it the organisation's default)",
    create_repository: no_create,
    check: no_check,
    warnings: no_warnings,
};

const FIELDS: [Field; 4] = [
    Field {
        // A robot's name is checked by Quay's robot grammar.
        validate: super::keyless::quay::username,
        ..parts::username(
            "Robot account name (ORG+NAME)",
            "quay.io > your organisation > Robot Accounts > Create robot account, with Write on the repositories",
        )
    },
    parts::password(
        "Robot account token",
        "click the robot account name > Robot Token",
    ),
    parts::prefix(
        "`quay.io/ORG`; images go to quay.io/ORG/<image>",
        Some(|s: &Answers| {
            let user = s.text(FieldId::Username)?;
            let org = user.split('+').next().unwrap_or(user);
            Some(format!("quay.io/{}", org.to_lowercase()))
        }),
    ),
    parts::endpoint("leave `quay.io`", false, Some(|_| Some("quay.io".into()))),
];
