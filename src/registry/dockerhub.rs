//! Docker Hub: `docker.io`, a personal or organisation access token, repositories
//! exactly two levels deep (`docker.io/NAMESPACE/REPO`).

use super::parts::{self, no_create};
use super::{
    check, Answers, Code, Credentials, Field, FieldId, Invalid, Outcome, PushTarget, Seen, Spec,
    Warning,
};

pub const SPEC: Spec = Spec {
    name: "dockerhub",
    title: "Docker Hub",
    description: "Docker Hub (docker.io), with a personal or organisation access token",
    list_label: Some("Docker Hub (docker.io), with a personal or organisation token"),
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| Some(s.text(FieldId::Endpoint).unwrap_or(check::DOCKER_HUB).to_string()),
    default_push_secret_name: None,
    recognise,
    push_role: "use a personal access token with Read & Write access (or an organisation access token allowed to push to the repository)",
    create_repository: no_create,
    check,
    warnings,
};

const FIELDS: [Field; 4] = [
    Field {
        validate: docker_id,
        ..parts::username(
            "Docker Hub user name (or organisation name for an organisation token)",
            "your Docker ID, shown at the top right of hub.docker.com",
        )
    },
    parts::password(
        "Docker Hub access token",
        "hub.docker.com > Account settings > Personal access tokens > Generate (Read & Write); not your account password",
    ),
    parts::prefix(
        "`docker.io/NAMESPACE`: your user or organisation; images go to docker.io/NAMESPACE/<image>",
        Some(|s: &Answers| s.text(FieldId::Username).map(|u| format!("{}/{}", check::DOCKER_HUB, u.to_lowercase()))),
    ),
    parts::endpoint("leave `docker.io` unless you know better", false, Some(|_| Some(check::DOCKER_HUB.into()))),
];

/// Docker Hub logs in and names repositories with the Docker ID (or organisation name),
/// never with the account's e-mail address.
fn docker_id(value: &str) -> Result<(), Invalid> {
    check::username(value)?;
    if value.contains('@') {
        return Err(Invalid::new(
            format!("`{value}` is an e-mail address; Docker Hub logs in and names repositories with the Docker ID"),
            "give your Docker ID (shown at the top right of hub.docker.com), or the organisation name for an organisation token",
        ));
    }
    Ok(())
}

/// Docker Hub repositories are `docker.io/NAMESPACE/REPO`, no deeper.
fn check(o: &Outcome) -> Result<(), (FieldId, Invalid)> {
    let (value, want, example) = match o.push {
        PushTarget::Prefix(p) => (p, 2, "docker.io/NAMESPACE"),
        PushTarget::Repo(r) => (r, 3, "docker.io/NAMESPACE/REPO"),
    };
    if value.split('/').count() != want {
        return Err((
            o.push.field(),
            Invalid::new(
                format!("`{value}` does not fit Docker Hub, whose repositories are exactly `docker.io/NAMESPACE/REPO`"),
                format!("write it as `{example}`"),
            ),
        ));
    }
    Ok(())
}

/// Docker Hub's names for itself; a block on any of them is Docker Hub's.
fn recognise(seen: &Seen) -> bool {
    check::is_docker_hub(&seen.host) && !seen.json_key
}

fn warnings(o: &Outcome, out: &mut Vec<Warning>) {
    // No password given: the login is kept elsewhere (a central store).
    let Some(token) = o.answers.password().map(|p| p.expose()) else {
        return;
    };
    if !token.starts_with("dckr_pat_") && !token.starts_with("dckr_oat_") {
        out.push(Warning::new(
            Code::Registry,
            "the secret is no Docker Hub access token (`dckr_pat_...`); create one (docs/registries/dockerhub.md)",
        ));
    }
}
