//! AWS ECR: ESO's `ECRAuthorizationToken` generator calls `ecr:GetAuthorizationToken`
//! as the operator's own AWS identity (EKS Pod Identity, IRSA on the operator, node
//! role), or as an IRSA ServiceAccount (`eks.amazonaws.com/role-arn`) named in the
//! generator. The token lasts 12 hours and carries the caller's ECR permissions, so the
//! grant goes to that identity. The login is `AWS` and the token.

use super::{sh, GeneratedLogin, Generator, Grant, Scope, SERVICE_ACCOUNT_FIELD};
use crate::registry::{Field, FieldId, Invalid};

/// Who the operator logs in as on AWS: its own identity unless these are given.
pub const FIELDS: [Field; 2] = [
    Field {
        id: FieldId::AwsRoleArn,
        prompt: "IRSA role ARN (empty: the operator's own identity)",
        hint: "`aws iam get-role --role-name NAME --query Role.Arn`",
        required: false,
        advanced: true,
        default: None,
        validate: |v| {
            if is_role_arn(v) {
                Ok(())
            } else {
                Err(Invalid::new(
                    "is not an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`)",
                    "copy it from `aws iam get-role --role-name NAME --query Role.Arn`",
                ))
            }
        },
    },
    SERVICE_ACCOUNT_FIELD,
];

pub const GENERATOR: Generator = Generator {
    kind: "ECRAuthorizationToken",
    lifetime_secs: 12 * 3600,
    login: GeneratedLogin::UserPassword,
    sample: &[
        ("username", "AWS"),
        (
            "password",
            "eyJwYXlsb2FkIjoic2FtcGxlIiwiZGF0YWtleSI6InNhbXBsZSJ9",
        ),
        (
            "proxy_endpoint",
            "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
        ),
        ("expires_at", "1767268800"),
    ],
    docs: "docs/keyless/aws.md",
};

/// The IRSA annotation on a Kubernetes ServiceAccount.
pub const SERVICE_ACCOUNT_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// The IAM actions a build needs on its repository: push, and pull (the same Secret
/// pulls the built images). `ecr:GetAuthorizationToken` has no resource and is granted
/// on `*`, as AWS requires.
pub const REPOSITORY_ACTIONS: [&str; 7] = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
];

/// A role ARN `arn:aws:iam::ACCOUNT:role/NAME`.
pub fn is_role_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::")
        .or_else(|| arn.strip_prefix("arn:aws-cn:iam::"))
        .or_else(|| arn.strip_prefix("arn:aws-us-gov:iam::"))
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
}

/// What the grant needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFor<'a> {
    pub account: &'a str,
    pub region: &'a str,
    /// `Some((namespace, service account, role name))` for IRSA; `None`: the operator's
    /// own identity.
    pub irsa: Option<(&'a str, &'a str, &'a str)>,
}

/// The IAM policy document (one line of JSON) for `scope`.
pub fn policy(account: &str, region: &str, scope: &Scope) -> String {
    let resource = match scope {
        Scope::Repo(p) => format!("arn:aws:ecr:{region}:{account}:repository/{p}"),
        Scope::Prefix(p) => format!("arn:aws:ecr:{region}:{account}:repository/{p}/*"),
    };
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Login", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "PushAndPull", "Effect": "Allow", "Action": REPOSITORY_ACTIONS, "Resource": resource}
        ]
    })
    .to_string()
}

pub const POLICY_NAME: &str = "phib-image-builder-push";

/// A policy scoped to the one repository (or prefix) and attached to the identity that
/// mints the tokens.
pub fn grant(g: &GrantFor<'_>, scope: &Scope) -> Grant {
    let policy_arn = format!("arn:aws:iam::{}:policy/{POLICY_NAME}", g.account);
    let mut inputs = Vec::new();
    let mut commands = vec![
        "# push and pull on the one repository the builds use (GetAuthorizationToken has no resource):".into(),
        format!(
            "aws iam create-policy --policy-name {POLICY_NAME} --policy-document {}",
            sh(&policy(g.account, g.region, scope))
        ),
    ];
    match g.irsa {
        Some((namespace, sa, role)) => {
            inputs.push((
                "EKS_CLUSTER",
                "the EKS cluster's name (`aws eks list-clusters`)",
            ));
            commands.extend([
                "# a role only this Kubernetes ServiceAccount can assume (IRSA):".to_string(),
                format!(
                    "OIDC_PROVIDER=$(aws eks describe-cluster --name \"$EKS_CLUSTER\" --region {} --query cluster.identity.oidc.issuer --output text | sed 's|^https://||')",
                    sh(g.region)
                ),
                format!(
                    "aws iam create-role --role-name {} --assume-role-policy-document \"{{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{{\\\"Federated\\\":\\\"arn:aws:iam::{}:oidc-provider/$OIDC_PROVIDER\\\"}},\\\"Action\\\":\\\"sts:AssumeRoleWithWebIdentity\\\",\\\"Condition\\\":{{\\\"StringEquals\\\":{{\\\"$OIDC_PROVIDER:sub\\\":\\\"system:serviceaccount:{namespace}:{sa}\\\",\\\"$OIDC_PROVIDER:aud\\\":\\\"sts.amazonaws.com\\\"}}}}}}]}}\"",
                    sh(role),
                    g.account
                ),
                format!(
                    "aws iam attach-role-policy --role-name {} --policy-arn {policy_arn}",
                    sh(role)
                ),
            ]);
        }
        None => {
            inputs.push((
                "OPERATOR_ROLE",
                "the IAM role the External Secrets Operator runs as (Pod Identity, IRSA on its ServiceAccount, or the node role)",
            ));
            commands.extend([
                "# the operator's own identity mints the tokens:".to_string(),
                format!(
                    "aws iam attach-role-policy --role-name \"$OPERATOR_ROLE\" --policy-arn {policy_arn}"
                ),
            ]);
        }
    }
    Grant { inputs, commands }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_only_the_repository() {
        let p: serde_json::Value = serde_json::from_str(&policy(
            "123456789012",
            "us-east-1",
            &Scope::Repo("team/app".into()),
        ))
        .unwrap();
        assert_eq!(
            p["Statement"][1]["Resource"],
            "arn:aws:ecr:us-east-1:123456789012:repository/team/app"
        );
        assert_eq!(p["Statement"][0]["Action"], "ecr:GetAuthorizationToken");
        let actions = p["Statement"][1]["Action"].as_array().unwrap();
        assert!(actions.iter().all(|a| a.as_str().unwrap() != "ecr:*"));
        assert!(actions.iter().any(|a| a == "ecr:PutImage"));
        assert!(actions.iter().any(|a| a == "ecr:BatchGetImage"));
        let p = policy("123456789012", "us-east-1", &Scope::Prefix("team".into()));
        assert!(p.contains("repository/team/*"));
    }

    #[test]
    fn irsa_grant_trusts_only_the_service_account() {
        let g = GrantFor {
            account: "123456789012",
            region: "us-east-1",
            irsa: Some(("hub", "phib-image-builder", "phib-image-builder")),
        };
        let s = grant(&g, &Scope::Repo("app".into())).script();
        assert!(
            s.contains("system:serviceaccount:hub:phib-image-builder"),
            "{s}"
        );
        assert!(s.contains("aws iam attach-role-policy --role-name phib-image-builder --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push"));
        let g = GrantFor { irsa: None, ..g };
        assert!(grant(&g, &Scope::Repo("app".into()))
            .script()
            .contains("OPERATOR_ROLE=..."));
        assert!(is_role_arn("arn:aws:iam::123456789012:role/x"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/x"));
    }
}
