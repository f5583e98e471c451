//! Docker Hub: `docker.io`, a personal or organisation access token, repositories
//! exactly two levels deep (`docker.io/NAMESPACE/REPO`).

use super::parts;
use super::{Credentials, Field, Spec};
use crate::settings::Settings;
use crate::values::model::{CustomImage, PushTarget};
use crate::Error;

pub const SPEC: Spec = Spec {
    name: "dockerhub",
    title: "Docker Hub",
    description: "Docker Hub (docker.io), with a personal or organisation access token",
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| Some(s.endpoint.clone().unwrap_or_else(|| "docker.io".into())),
    default_push_secret_name: None,
    check,
    warnings,
};

const FIELDS: [Field; 4] = [
    parts::username(
        "Docker Hub user name (or organisation name for an organisation token)",
        "your Docker ID, shown at the top right of hub.docker.com",
    ),
    parts::password(
        "Docker Hub access token",
        "hub.docker.com > Account settings > Personal access tokens > Generate (Read & Write); not your account password",
    ),
    parts::prefix(
        "`docker.io/NAMESPACE`: your user or organisation; images go to docker.io/NAMESPACE/<image>",
        Some(|s: &Settings| s.username.as_ref().map(|u| format!("docker.io/{}", u.to_lowercase()))),
    ),
    parts::endpoint("leave `docker.io` unless you know better", false, Some(|_| Some("docker.io".into()))),
];

/// Docker Hub repositories are `docker.io/NAMESPACE/REPO`, no deeper.
fn check(_: &Settings, ci: &CustomImage) -> Result<(), Error> {
    let (value, want, flag, example) = match &ci.push {
        Some(PushTarget::Prefix(p)) => (p, 2, "--push-repo-prefix", "docker.io/NAMESPACE"),
        Some(PushTarget::Repo(r)) => (r, 3, "--push-repo", "docker.io/NAMESPACE/REPO"),
        None => return Ok(()),
    };
    if value.split('/').count() != want {
        return Err(Error::usage(format!(
            "`{flag}` `{value}` does not fit Docker Hub, whose repositories are exactly `docker.io/NAMESPACE/REPO`"
        ))
        .with_help(format!("write it as `{example}`")));
    }
    Ok(())
}

fn warnings(s: &Settings, _: &CustomImage, out: &mut Vec<String>) {
    // No password given: the login is kept elsewhere (a central store).
    let Some(token) = s.password.as_ref().map(|p| p.expose()) else {
        return;
    };
    if !token.starts_with("dckr_pat_") && !token.starts_with("dckr_oat_") {
        out.push("the Docker Hub secret does not look like an access token (`dckr_pat_...` or `dckr_oat_...`); an account password stops working with two-factor login and gives full account access: create a token at hub.docker.com > Account settings > Personal access tokens".into());
    }
}
