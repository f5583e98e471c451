//! Quay: ESO's `QuayAccessToken` generator presents a Kubernetes ServiceAccount token to
//! Quay's robot federation endpoint and gets a short-lived token (about an hour) for
//! the robot account, with the robot's repository permissions; Quay accepts it for
//! pushes. The generator outputs a ready `auth` (`base64(robot:token)`). The cluster's
//! service account issuer must be reachable by Quay (public OIDC discovery).

use super::{sh, GeneratedLogin, Generator, Grant, Scope, SERVICE_ACCOUNT_FIELD};
use crate::registry::{check, Field, Invalid};

/// Who the operator logs in as on Quay: the robot is `--username`.
pub const FIELDS: [Field; 1] = [SERVICE_ACCOUNT_FIELD];

pub const GENERATOR: Generator = Generator {
    kind: "QuayAccessToken",
    lifetime_secs: 3600,
    login: GeneratedLogin::Auth { key: "auth" },
    // auth = base64("acme+phib_image_builder:sample-federated-token")
    sample: &[
        ("registry", "quay.io"),
        (
            "auth",
            "YWNtZStwaGliX2ltYWdlX2J1aWxkZXI6c2FtcGxlLWZlZGVyYXRlZC10b2tlbg==",
        ),
        ("expiry", "1767229200"),
    ],
    docs: "docs/keyless/quay.md",
};

/// `ORG+NAME`, as Quay names robot accounts: the namespace (organisation or user) and
/// the robot's short name joined by `+` (quay/quay `util/names.py`,
/// `format_robot_username`), each a Quay namespace name: 2 to 255 characters matching
/// `^([a-z0-9]+(?:[._-][a-z0-9]+)*)$` (`util/validation.py`, `VALID_USERNAME_REGEX`,
/// which `data/model/user.py` `create_robot` applies to the short name).
pub fn is_robot(robot: &str) -> bool {
    robot
        .split_once('+')
        .is_some_and(|(org, name)| is_namespace(org) && is_namespace(name))
}

/// A Quay namespace name (see [`is_robot`]): lower-case letters and digits, runs of
/// them joined by one `.`, `_` or `-`.
fn is_namespace(name: &str) -> bool {
    let words_ok = name.split(['.', '_', '-']).all(|w| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    (2..=255).contains(&name.len()) && words_ok
}

/// The validator of Quay's `--username`: a user name as every registry takes it
/// ([`check::username`]), and, when it names a robot (a `+` in it; Quay user names
/// have none), the robot grammar of [`is_robot`].
pub fn username(value: &str) -> Result<(), Invalid> {
    check::username(value)?;
    if value.contains('+') && !is_robot(value) {
        return Err(Invalid::new(
            "is not a Quay robot account name (`ORG+NAME`: each part 2 to 255 lower-case letters and digits, single `.`, `_` or `-` between them)",
            "copy the name from the organisation's Robot Accounts page, e.g. `acme+builder`",
        ));
    }
    Ok(())
}

/// What the grant needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFor<'a> {
    /// The Quay host, e.g. `quay.io`.
    pub host: &'a str,
    pub robot: &'a str,
    pub namespace: &'a str,
    pub kubernetes_service_account: &'a str,
}

/// The robot gets `write` (push and pull) on the one repository, and trusts only this
/// ServiceAccount's tokens.
pub fn grant(g: &GrantFor<'_>, scope: &Scope) -> Grant {
    let (org, name) = g.robot.split_once('+').unwrap_or((g.robot, ""));
    let api = format!("https://{}/api/v1", g.host);
    let auth = "-H \"Authorization: Bearer $QUAY_API_TOKEN\"";
    let repo = match scope {
        Scope::Repo(path) => path.clone(),
        // Quay grants per repository: with a prefix each image is its own repository.
        Scope::Prefix(path) => format!("{path}/$IMAGE"),
    };
    let mut inputs = vec![
        ("QUAY_API_TOKEN", "an OAuth token of the organisation with \"Administer Organization\""),
        ("ISSUER", "the cluster's service account issuer (`kubectl get --raw /.well-known/openid-configuration | jq -r .issuer`)"),
    ];
    if matches!(scope, Scope::Prefix(_)) {
        inputs.push(("IMAGE", "each image repository under the prefix (Quay has no prefix grants; prefer `--push-repo`)"));
    }
    let federation = format!(
        "[{{\"issuer\":\"$ISSUER\",\"subject\":\"system:serviceaccount:{}:{}\"}}]",
        g.namespace, g.kubernetes_service_account
    );
    Grant {
        inputs,
        commands: vec![
            "# the robot account (skip if it exists):".into(),
            format!("curl -fsS -X PUT {auth} {api}/organization/{}/robots/{}", sh(org), sh(name)),
            "# write (push and pull) on the one repository the builds use:".into(),
            format!(
                "curl -fsS -X PUT {auth} -H 'Content-Type: application/json' -d '{{\"role\":\"write\"}}' \"{api}/repository/{repo}/permissions/user/{}\"",
                g.robot
            ),
            "# only this Kubernetes ServiceAccount may get tokens for the robot:".into(),
            format!(
                "curl -fsS -X POST {auth} -H 'Content-Type: application/json' -d \"{}\" {api}/organization/{}/robots/{}/federation",
                federation.replace('"', "\\\""),
                sh(org),
                sh(name)
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robots_and_grant() {
        for ok in [
            "acme+phib_image_builder",
            "ab+cd",
            "my.org+ci-bot",
            "acme1+2builders",
        ] {
            assert!(is_robot(ok), "{ok}");
            assert!(username(ok).is_ok(), "{ok}");
        }
        for bad in [
            "acme",
            "acme+Bad",
            "o+b",
            "acme+b",
            "+builder",
            "acme+",
            "acme+builder_",
            "acme+bui__lder",
            "acme+bui lder",
            "acme+builder+x",
            "ac$me+builder",
        ] {
            assert!(!is_robot(bad), "{bad:?}");
        }
        assert!(!is_robot(&format!("acme+{}", "b".repeat(256))));
        // A user name without `+` is a person's, not a robot's: only the robot is checked.
        assert!(username("someone").is_ok());
        for bad in ["o+b", "acme+Bad", "acme+builder_"] {
            let e = username(bad).unwrap_err();
            assert!(e.reason.contains("robot"), "{bad}: {}", e.reason);
        }
        assert!(username("a:b").unwrap_err().reason.contains("`:`"));
        let s = grant(
            &GrantFor {
                host: "quay.io",
                robot: "acme+ci",
                namespace: "hub",
                kubernetes_service_account: "phib-image-builder",
            },
            &Scope::Repo("acme/images".into()),
        )
        .script();
        assert!(
            s.contains(
                "\"https://quay.io/api/v1/repository/acme/images/permissions/user/acme+ci\""
            ),
            "{s}"
        );
        assert!(s.contains("system:serviceaccount:hub:phib-image-builder"));
        assert!(s.contains("{\\\"role\\\":\\\"write\\\"}") || s.contains("'{\"role\":\"write\"}'"));
    }
}
