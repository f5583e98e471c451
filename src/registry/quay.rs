//! Quay.io: robot accounts `ORG+NAME` with write permission on the repositories.

use super::parts::{self, no_check, no_warnings};
use super::{Credentials, Field, Spec};
use crate::settings::Settings;

pub const SPEC: Spec = Spec {
    name: "quay",
    title: "Quay.io",
    description: "Quay.io, with a robot account (ORG+NAME)",
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| Some(s.endpoint.clone().unwrap_or_else(|| "quay.io".into())),
    default_push_secret_name: None,
    check: no_check,
    warnings: no_warnings,
};

const FIELDS: [Field; 4] = [
    parts::username(
        "Robot account name (ORG+NAME)",
        "quay.io > your organisation > Robot Accounts > Create robot account, with Write on the repositories",
    ),
    parts::password(
        "Robot account token",
        "click the robot account name > Robot Token",
    ),
    parts::prefix(
        "`quay.io/ORG`; images go to quay.io/ORG/<image>",
        Some(|s: &Settings| {
            let user = s.username.as_deref()?;
            let org = user.split('+').next().unwrap_or(user);
            Some(format!("quay.io/{}", org.to_lowercase()))
        }),
    ),
    parts::endpoint("leave `quay.io`", false, Some(|_| Some("quay.io".into()))),
];
