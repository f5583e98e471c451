//! Harbor, and any other self-hosted registry (Docker Distribution, GitLab, Nexus...):
//! the endpoint is required; Harbor robot accounts are `robot$PROJECT+NAME`.
//!
//! One kind stands for every self-hosted registry, so what is Harbor's alone needs a
//! sign that the registry is Harbor. phib renders offline, and the one sign it has is
//! the user name: `robot$...` is Harbor's robot account naming (project robots
//! `robot$PROJECT+NAME`, system robots `robot$NAME`), which no other registry uses.
//! With it, a push target at the registry's root is refused with Harbor's project rule
//! (every repository lives in a project: `HOST/PROJECT/REPOSITORY`); without it (a
//! plain registry, or a Harbor user account, which phib cannot tell apart) the target
//! is written, with a warning that Harbor would refuse it.

use super::parts::{self, no_create};
use super::{
    check, Answers, Code, Credentials, Field, FieldId, Invalid, Outcome, PushTarget, Spec,
    Warning,
};

pub const SPEC: Spec = Spec {
    name: "harbor",
    title: "Harbor or any self-hosted registry",
    description: "Harbor or any other self-hosted registry (http or https)",
    list_label: None,
    fields: &FIELDS,
    credentials: Credentials::UserPassword,
    endpoint: |s| s.text(FieldId::Endpoint).map(str::to_string),
    default_push_secret_name: None,
    // The fallback: a block no other kind recognises is self-hosted.
    recognise: |_| true,
    push_role: "give the account push rights on the project or repository (Harbor: a robot account with the `push repository` permission, or a member with the Developer role or above)",
    create_repository: no_create,
    check,
    warnings,
};

/// How Harbor names robot accounts (its default prefix).
pub const ROBOT_PREFIX: &str = "robot$";

/// The project of a project robot (`robot$PROJECT+NAME`), lower-cased as Harbor's
/// paths are.
fn robot_project(user: &str) -> Option<String> {
    let project = user.strip_prefix(ROBOT_PREFIX)?.split_once('+')?.0;
    (!project.is_empty()).then(|| project.to_lowercase())
}

/// A push target at the registry's root: a prefix that is the host alone, or one
/// repository right under the host. Harbor has no such repositories.
fn at_root(push: &PushTarget) -> bool {
    let below_host = push.as_str().split('/').count() - 1;
    match push {
        PushTarget::Prefix(_) => below_host < 1,
        PushTarget::Repo(_) => below_host < 2,
    }
}

/// The same target moved into `project`.
fn in_project(push: &PushTarget, project: &str) -> String {
    let (host, rest) = push
        .as_str()
        .split_once('/')
        .unwrap_or((push.as_str(), ""));
    if rest.is_empty() {
        format!("{host}/{project}")
    } else {
        format!("{host}/{project}/{rest}")
    }
}

/// Harbor's project rule, for a user that is a Harbor robot account.
fn check(o: &Outcome) -> Result<(), (FieldId, Invalid)> {
    let Some(user) = o
        .answers
        .text(FieldId::Username)
        .filter(|u| u.starts_with(ROBOT_PREFIX))
    else {
        return Ok(());
    };
    if !at_root(o.push) {
        return Ok(());
    }
    let project = robot_project(user).unwrap_or_else(|| "PROJECT".into());
    Err((
        o.push.field(),
        Invalid::new(
            format!(
                "`{}` is at the registry's root, but `{user}` is a Harbor robot account, and Harbor keeps every repository in a project (`HOST/PROJECT/REPOSITORY`): it refuses a push outside one",
                o.push.as_str()
            ),
            format!(
                "put it into the project: `{} {}`",
                o.push.field().flag(),
                in_project(o.push, &project)
            ),
        ),
    ))
}

fn warnings(o: &Outcome, out: &mut Vec<Warning>) {
    if let Some(given) = o.answers.text(FieldId::Endpoint).filter(|e| !e.contains("://")) {
        out.push(Warning::new(
            Code::SchemeLess,
            format!("`{given}` has no scheme, so builds use https; plain http needs `http://{given}` (docs/registries/harbor.md)"),
        ));
    }
    let robot = o
        .answers
        .text(FieldId::Username)
        .is_some_and(|u| u.starts_with(ROBOT_PREFIX));
    if !robot && at_root(o.push) {
        out.push(
            Warning::new(
                Code::Registry,
                format!("`{}` is at the registry's root, which Harbor refuses; ", o.push.as_str()),
            )
            .advice(
                format!("use `{} {}`", o.push.field().flag(), in_project(o.push, "PROJECT")),
                "put it into a project: HOST/PROJECT/...",
            ),
        );
    }
}

const FIELDS: [Field; 4] = [
    parts::endpoint(
        "the address you log in to, e.g. `https://harbor.example.com` or `http://10.0.0.5:5000`",
        true,
        None,
    ),
    Field {
        validate: user_name,
        ..parts::username(
            "User name (Harbor robot account: robot$PROJECT+NAME)",
            "Harbor > Projects > (project) > Robot Accounts > New robot account, with push and pull on repositories",
        )
    },
    parts::password("Password or robot secret", "shown once when the robot account is created"),
    parts::prefix(
        "`HOST/PROJECT`; images go to HOST/PROJECT/<image>",
        Some(|s: &Answers| {
            let host = check::endpoint_host(s.text(FieldId::Endpoint)?);
            let project = s.text(FieldId::Username)?.strip_prefix("robot$")?.split_once('+')?.0;
            Some(format!("{host}/{}", project.to_lowercase()))
        }),
    ),
];

/// Harbor robot names are `robot$PROJECT+NAME`; in double quotes a shell expands
/// `$PROJECT` to nothing and leaves `robot+NAME`, which is no Harbor account. Said at
/// once, before anything that follows from it (the prefix's default needs the project).
fn user_name(value: &str) -> Result<(), Invalid> {
    check::username(value)?;
    if value.starts_with("robot+") {
        return Err(Invalid::new(
            format!("`{value}` looks like a Harbor robot account whose `$PROJECT` was removed by the shell; Harbor robots are `robot$PROJECT+NAME`"),
            "quote it in single quotes, e.g. --username 'robot$PROJECT+NAME' (in the wizard, type the whole name)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_at_the_root_and_into_a_project() {
        let prefix = |s: &str| PushTarget::Prefix(s.into());
        let repo = |s: &str| PushTarget::Repo(s.into());
        assert!(at_root(&prefix("h.example.com")));
        assert!(!at_root(&prefix("h.example.com/team")));
        assert!(at_root(&repo("h.example.com/images")));
        assert!(!at_root(&repo("h.example.com/team/images")));
        assert_eq!(in_project(&prefix("h.example.com"), "team"), "h.example.com/team");
        assert_eq!(in_project(&repo("h.example.com/images"), "team"), "h.example.com/team/images");
        assert_eq!(robot_project("robot$Team+ci").as_deref(), Some("team"));
        assert_eq!(robot_project("robot$ci"), None);
        assert_eq!(robot_project("admin"), None);
    }
}
