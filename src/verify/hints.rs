//! What to tell the administrator when the registry says no: the right or role each
//! registry needs for a push, and how to create a repository where one must exist
//! first. Chosen by the registry's host, the only thing verify knows about its kind.

/// The push right this registry needs, as its own documentation names it.
pub fn push_role(host: &str) -> String {
    let h = host.to_ascii_lowercase();
    if h.ends_with("-docker.pkg.dev") || h == "gcr.io" || h.ends_with(".gcr.io") {
        "grant the service account the Artifact Registry Writer role \
         (`roles/artifactregistry.writer`) on the repository or project"
            .into()
    } else if h.ends_with(".azurecr.io") {
        "assign the AcrPush role to the service principal (or use a repository-scoped token \
         with `content/write`)"
            .into()
    } else if h == "ghcr.io" {
        "use a classic personal access token with `write:packages` (and `read:packages`)".into()
    } else if is_ecr(&h) {
        "allow the IAM user or role to push: ecr:InitiateLayerUpload, ecr:UploadLayerPart, \
         ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchCheckLayerAvailability \
         (e.g. the AmazonEC2ContainerRegistryPowerUser policy)"
            .into()
    } else if h == "docker.io" {
        "use a personal access token with Read & Write access (or an organisation access \
         token allowed to push to the repository)"
            .into()
    } else if h == "quay.io" {
        "give the robot account Write permission on the repository (or make it the \
         organisation's default)"
            .into()
    } else {
        "give the account push rights on the project or repository (Harbor: a robot account \
         with the `push repository` permission, or a member with the Developer role or above)"
            .into()
    }
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
    if is_ecr(&h) {
        format!(
            "create it first: `aws ecr create-repository --repository-name {path}`.{prefer_repo}"
        )
    } else if h.ends_with("-docker.pkg.dev") {
        let location = h.trim_end_matches("-docker.pkg.dev");
        let repo = path.split('/').nth(1).unwrap_or("REPOSITORY");
        format!(
            "create the Artifact Registry repository first: `gcloud artifacts repositories \
             create {repo} --repository-format=docker --location={location}`"
        )
    } else {
        format!("create the repository `{path}` in the registry first.{prefer_repo}")
    }
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

fn is_ecr(host: &str) -> bool {
    host.contains(".dkr.ecr.") && (host.ends_with(".amazonaws.com") || host.ends_with(".com.cn"))
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
