//! Harbor, and any other self-hosted registry (Docker Distribution, GitLab, Nexus...):
//! the endpoint is required; Harbor robot accounts are `robot$PROJECT+NAME`.

use super::parts::{self, no_check, no_create};
use super::{check, Answers, Code, Credentials, Field, FieldId, Outcome, Spec, Warning};

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
        Some(|s: &Answers| {
            let host = check::endpoint_host(s.text(FieldId::Endpoint)?);
            let project = s.text(FieldId::Username)?.strip_prefix("robot$")?.split_once('+')?.0;
            Some(format!("{host}/{}", project.to_lowercase()))
        }),
    ),
];

/// Harbor robot names are `robot$PROJECT+NAME`; in double quotes a shell expands
/// `$PROJECT` to nothing and leaves `robot+NAME`.
fn warnings(o: &Outcome, out: &mut Vec<Warning>) {
    let user = o.username.unwrap_or_default();
    if user.starts_with("robot") && user.contains('+') && !user.contains('$') {
        out.push(
            Warning::new(Code::Registry, format!(
                "the user name `{user}` looks like a Harbor robot account whose `$PROJECT` was removed by the shell; Harbor robots are `robot$PROJECT+NAME`: "
            ))
            .advice(
                "quote it in single quotes, e.g. --username 'robot$PROJECT+NAME'",
                "type the whole name, `robot$PROJECT+NAME`",
            ),
        );
    }
}
