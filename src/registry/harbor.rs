//! Harbor, and any other self-hosted registry (Docker Distribution, GitLab, Nexus...):
//! the endpoint is required; Harbor robot accounts are `robot$PROJECT+NAME`.

use super::parts::{self, no_check};
use super::{check, Credentials, Field, Spec};
use crate::settings::Settings;
use crate::values::model::CustomImage;

pub const SPEC: Spec = Spec {
    name: "harbor",
    title: "Harbor or any self-hosted registry",
    description: "Harbor or any other self-hosted registry (http or https)",
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| s.endpoint.clone(),
    default_push_secret_name: None,
    check: no_check,
    warnings,
};

const FIELDS: [Field; 4] = [
    parts::endpoint(
        "the address you log in to, e.g. `https://harbor.example.com` or `http://10.0.0.5:5000`",
        true,
        None,
    ),
    parts::username(
        "User name (Harbor robot account: robot$PROJECT+NAME)",
        "Harbor > Projects > (project) > Robot Accounts > New robot account, with push and pull on repositories",
    ),
    parts::password("Password or robot secret", "shown once when the robot account is created"),
    parts::prefix(
        "`HOST/PROJECT`; images go to HOST/PROJECT/<image>",
        Some(|s: &Settings| {
            let host = check::endpoint_host(s.endpoint.as_deref()?);
            let project = s.username.as_deref()?.strip_prefix("robot$")?.split_once('+')?.0;
            Some(format!("{host}/{}", project.to_lowercase()))
        }),
    ),
];

/// Harbor robot names are `robot$PROJECT+NAME`; in double quotes a shell expands
/// `$PROJECT` to nothing and leaves `robot+NAME`.
fn warnings(_: &Settings, ci: &CustomImage, out: &mut Vec<String>) {
    let user = ci.registry_username.as_deref().unwrap_or_default();
    if user.starts_with("robot") && user.contains('+') && !user.contains('$') {
        out.push(format!(
            "the user name `{user}` looks like a Harbor robot account whose `$PROJECT` was removed by the shell; Harbor robots are `robot$PROJECT+NAME`: quote it in single quotes, e.g. --username 'robot$PROJECT+NAME'"
        ));
    }
}
