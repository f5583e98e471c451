//! What to tell the administrator when the registry says no: the right or role each
//! registry needs for a push, and how to create a repository where one must exist
//! first. Each registry module declares its own; verify picks the kind by the registry's
//! host, the only thing it knows about it.

use crate::registry::Kind;

/// The push right this registry needs, as its own documentation names it.
pub fn push_role(host: &str) -> String {
    Kind::of_block(host, None).spec().push_role.to_string()
}

/// How to create the repository that does not exist yet.
pub fn create_repository(host: &str, path: &str, is_probe: bool) -> String {
    let h = host.to_ascii_lowercase();
    let prefer_repo = if is_probe {
        " With `pushRepoPrefix` every image needs its own repository, created before its \
         first build: prefer `pushRepo` naming one existing repository."
    } else {
        ""
    };
    let kind = Kind::of_block(&h, None);
    (kind.spec().create_repository)(&h, path, prefer_repo).unwrap_or_else(|| {
        format!("create the repository `{path}` in the registry first.{prefer_repo}")
    })
}

/// What to check when the registry refuses the login.
pub fn login_refused(username: &str) -> String {
    let mut help = String::from(
        "check the username and the password or token (expired? revoked? copied with a \
         trailing newline?); re-enter them with `phib render --rotate`",
    );
    if username.contains('$') || username.starts_with("robot") {
        help.push_str(
            "; Harbor robot names contain a `$` (`robot$project+name`) that shells eat inside \
             double quotes or unquoted: check the name in the values file, and quote it in \
             single quotes",
        );
    }
    help
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_by_host() {
        for (host, want) in [
            ("europe-west1-docker.pkg.dev", "Artifact Registry Writer"),
            ("gcr.io", "Artifact Registry Writer"),
            ("acme.azurecr.io", "AcrPush"),
            ("ghcr.io", "write:packages"),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                "ecr:PutImage",
            ),
            ("docker.io", "Read & Write"),
            ("quay.io", "Write permission"),
            ("harbor.example.com", "push repository"),
        ] {
            assert!(
                push_role(host).contains(want),
                "{host}: {}",
                push_role(host)
            );
        }
    }

    #[test]
    fn create_hints() {
        let ecr = create_repository(
            "1.dkr.ecr.us-east-1.amazonaws.com",
            "a/phib-push-check",
            true,
        );
        assert!(ecr.contains("aws ecr create-repository --repository-name a/phib-push-check"));
        assert!(ecr.contains("prefer `pushRepo`"));
        let ar = create_repository("us-docker.pkg.dev", "proj/repo/img", false);
        assert!(
            ar.contains("create repo --repository-format=docker --location=us"),
            "{ar}"
        );
    }

    #[test]
    fn robot_names_get_the_dollar_hint() {
        assert!(login_refused("robot$ci").contains("`$`"));
        assert!(login_refused("robotci").contains("`$`"));
        assert!(!login_refused("alice").contains("`$`"));
    }
}
