//! AWS ECR: ESO's `ECRAuthorizationToken` generator calls `ecr:GetAuthorizationToken`
//! as the operator's own AWS identity (EKS Pod Identity, IRSA on the operator, node
//! role), or as an IRSA ServiceAccount (`eks.amazonaws.com/role-arn`) named in the
//! generator. The token lasts 12 hours and carries the caller's ECR permissions, so the
//! grant goes to that identity. The login is `AWS` and the token.

use super::{sh, GeneratedLogin, Generator, Grant, Scope, SERVICE_ACCOUNT_FIELD};
use crate::registry::hosts::Partition;
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
        validate: role_arn,
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

/// The validator of `--aws-role-arn`.
fn role_arn(value: &str) -> Result<(), Invalid> {
    if is_role_arn(value) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`; `arn:aws-cn:` in China, `arn:aws-us-gov:` in GovCloud)",
            "copy it from `aws iam get-role --role-name NAME --query Role.Arn`",
        ))
    }
}

/// A role ARN `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, as AWS documents it:
/// - the ARN (IAM User Guide, "IAM identifiers", ARNs): `arn:PARTITION:iam::ACCOUNT:role/`
///   then the name with its path; IAM is global, so the region field is empty;
/// - the partition (AWS General Reference, "Amazon Resource Names"): `aws`, `aws-cn`
///   (China) or `aws-us-gov` (GovCloud), the ones an ECR registry can be in
///   ([`Partition`]);
/// - the account: 12 digits;
/// - the name (IAM API Reference, `CreateRole`, `RoleName`): 1 to 64 of `[\w+=,.@-]`;
/// - the path (`CreateRole`, `Path`: `/` or `/` printable ASCII `/`, at most 512
///   characters): in the ARN between `role/` and the name, without its outer slashes.
pub fn is_role_arn(arn: &str) -> bool {
    role_account_and_name(arn).is_some()
}

/// The account and the role name (without its path) of a role ARN ([`is_role_arn`]).
pub fn role_account_and_name(arn: &str) -> Option<(&str, &str)> {
    let partition = Partition::of_arn(arn)?;
    let rest = arn.strip_prefix(&format!("arn:{}:iam::", partition.name()))?;
    let (account, role) = rest.split_once(":role/")?;
    let (path, name) = role.rsplit_once('/').unwrap_or(("", role));
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    let path_ok = path.len() + 2 <= 512 && path.bytes().all(|b| (0x21..=0x7e).contains(&b));
    let name_ok = (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b));
    (account_ok && path_ok && name_ok).then_some((account, name))
}

/// Who gets the policy: the identity the generator's tokens carry the permissions of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity<'a> {
    /// The operator's own AWS identity (no `auth` in the generator).
    Operator,
    /// An IRSA ServiceAccount that exists already (`--refresh-service-account` without
    /// `--aws-role-arn`): the role is the one its `eks.amazonaws.com/role-arn`
    /// annotation names, read with kubectl; no role is created.
    Annotated {
        namespace: &'a str,
        service_account: &'a str,
    },
    /// `--aws-role-arn`: the ServiceAccount phib writes assumes this role; it is created
    /// when missing, trusting only that ServiceAccount, and gets the policy.
    Role {
        namespace: &'a str,
        service_account: &'a str,
        role_arn: &'a str,
    },
}

/// What the grant needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFor<'a> {
    /// The registry's account and region (its partition follows the region).
    pub account: &'a str,
    pub region: &'a str,
    pub identity: Identity<'a>,
}

impl GrantFor<'_> {
    pub fn partition(&self) -> Partition {
        Partition::of_region(self.region)
    }

    /// The account the policy is created in: the role's when phib knows it, else the
    /// registry's.
    fn policy_account(&self) -> &str {
        match &self.identity {
            Identity::Role { role_arn, .. } => role_account_and_name(role_arn)
                .map(|(account, _)| account)
                .unwrap_or(self.account),
            _ => self.account,
        }
    }

    pub fn policy_arn(&self) -> String {
        self.partition().arn(
            "iam",
            "",
            self.policy_account(),
            &format!("policy/{POLICY_NAME}"),
        )
    }
}

/// The IAM policy document (one line of JSON) for `scope` on the registry of `account`
/// in `region`, with the region's partition in the ARN.
pub fn policy(account: &str, region: &str, scope: &Scope) -> String {
    let repository = match scope {
        Scope::Repo(p) => format!("repository/{p}"),
        Scope::Prefix(p) => format!("repository/{p}/*"),
    };
    let resource = Partition::of_region(region).arn("ecr", region, account, &repository);
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

/// The audience of the ServiceAccount tokens the operator presents to STS (ESO's
/// default, the same in every partition; a ServiceAccount annotation
/// `eks.amazonaws.com/audience` would change it).
pub const TOKEN_AUDIENCE: &str = "sts.amazonaws.com";

/// The namespace and ServiceAccount the External Secrets Operator's Helm chart installs
/// itself as (release `external-secrets` in namespace `external-secrets`).
pub const OPERATOR_SERVICE_ACCOUNT: (&str, &str) = ("external-secrets", "external-secrets");

/// The command that reads the role a ServiceAccount's IRSA annotation names into `var`.
fn read_annotation(var: &str, namespace: &str, service_account: &str) -> String {
    format!(
        "{var}=$(kubectl get serviceaccount {} -n {} -o jsonpath='{{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}}')",
        sh(service_account),
        sh(namespace)
    )
}

/// The trust policy of a role only `namespace/service_account` may assume, through the
/// cluster's OIDC provider (`$OIDC_PROVIDER`, filled in by the shell), as one
/// double-quoted shell word.
fn trust_policy(partition: Partition, account: &str, namespace: &str, sa: &str) -> String {
    let provider = partition.arn("iam", "", account, "oidc-provider/$OIDC_PROVIDER");
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                "$OIDC_PROVIDER:sub": format!("system:serviceaccount:{namespace}:{sa}"),
                "$OIDC_PROVIDER:aud": TOKEN_AUDIENCE,
            }}
        }]
    })
    .to_string();
    format!("\"{}\"", doc.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A policy scoped to the one repository (or prefix) and attached to the identity whose
/// permissions the tokens carry: the operator's own, the role an existing
/// ServiceAccount names, or the role `--aws-role-arn` names (created when missing).
pub fn grant(g: &GrantFor<'_>, scope: &Scope) -> Grant {
    let policy_arn = g.policy_arn();
    let mut inputs = Vec::new();
    let mut commands = vec![
        format!(
            "# push and pull on the one repository the builds use (GetAuthorizationToken has no resource), partition `{}`:",
            g.partition().name()
        ),
        format!(
            "aws iam create-policy --policy-name {POLICY_NAME} --policy-document {}",
            sh(&policy(g.account, g.region, scope))
        ),
    ];
    match &g.identity {
        Identity::Operator => {
            let (ns, sa) = OPERATOR_SERVICE_ACCOUNT;
            commands.extend([
                format!("# the operator's own identity mints the tokens: the IAM role its pods run as. With IRSA on the operator that is the role its ServiceAccount's annotation names (the chart's `{sa}` in namespace `{ns}`):"),
                read_annotation("OPERATOR_ROLE_ARN", ns, sa),
                format!("# no annotation: with EKS Pod Identity set OPERATOR_ROLE_ARN to the roleArn of `aws eks list-pod-identity-associations --cluster-name CLUSTER --namespace {ns}`, else to the nodes' instance role"),
                ": \"${OPERATOR_ROLE_ARN:?set OPERATOR_ROLE_ARN to the role the operator runs as, see above}\"".to_string(),
                format!(
                    "aws iam attach-role-policy --role-name \"${{OPERATOR_ROLE_ARN##*/}}\" --policy-arn {policy_arn}"
                ),
            ]);
        }
        Identity::Annotated {
            namespace,
            service_account,
        } => {
            commands.extend([
                format!("# the ServiceAccount `{service_account}` (namespace `{namespace}`) exists: the operator assumes the role its `{SERVICE_ACCOUNT_ANNOTATION}` annotation names, and that role gets the policy (no new role):"),
                read_annotation("ROLE_ARN", namespace, service_account),
                format!(": \"${{ROLE_ARN:?the ServiceAccount {service_account} has no {SERVICE_ACCOUNT_ANNOTATION} annotation: annotate it with its role, or give --aws-role-arn}}\""),
                format!(
                    "aws iam attach-role-policy --role-name \"${{ROLE_ARN##*/}}\" --policy-arn {policy_arn}"
                ),
            ]);
        }
        Identity::Role {
            namespace,
            service_account,
            role_arn,
        } => {
            let (account, role) = role_account_and_name(role_arn).unwrap_or((g.account, role_arn));
            inputs.push((
                "EKS_CLUSTER",
                "the EKS cluster's name (`aws eks list-clusters`)",
            ));
            commands.extend([
                format!("# the role `{role}`, assumed by the ServiceAccount `{service_account}` (namespace `{namespace}`) phib writes; created when missing, trusting only that ServiceAccount (IRSA):"),
                format!(
                    "OIDC_PROVIDER=$(aws eks describe-cluster --name \"$EKS_CLUSTER\" --region {} --query cluster.identity.oidc.issuer --output text | sed 's|^https://||')",
                    sh(g.region)
                ),
                format!(
                    "aws iam get-role --role-name {} >/dev/null 2>&1 || aws iam create-role --role-name {} --assume-role-policy-document {}",
                    sh(role),
                    sh(role),
                    trust_policy(g.partition(), account, namespace, service_account)
                ),
                format!("# a role that existed must trust system:serviceaccount:{namespace}:{service_account} from that provider too: see `aws iam get-role --role-name {role} --query Role.AssumeRolePolicyDocument`"),
                format!(
                    "aws iam attach-role-policy --role-name {} --policy-arn {policy_arn}",
                    sh(role)
                ),
            ]);
            if account != g.account {
                commands.push(format!("# the role is in account {account}, the registry in {}: the repository's policy must allow the role too (`aws ecr set-repository-policy`)", g.account));
            }
        }
    }
    Grant { inputs, commands }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_follow_the_iam_grammar_in_each_partition() {
        for (ok, account, name) in [
            (
                "arn:aws:iam::123456789012:role/builder",
                "123456789012",
                "builder",
            ),
            (
                "arn:aws-cn:iam::123456789012:role/path/to/ecr-pusher",
                "123456789012",
                "ecr-pusher",
            ),
            (
                "arn:aws-us-gov:iam::123456789012:role/a+b=c,d.e@f_g-h",
                "123456789012",
                "a+b=c,d.e@f_g-h",
            ),
        ] {
            assert!(role_arn(ok).is_ok(), "{ok}");
            assert_eq!(role_account_and_name(ok), Some((account, name)));
        }
        let long_name = format!("arn:aws:iam::123456789012:role/{}", "r".repeat(65));
        let long_path = format!("arn:aws:iam::123456789012:role/{}/r", "p".repeat(511));
        for bad in [
            "",
            "role/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/path/",
            "arn:aws:iam::123456789012:user/builder",
            "arn:aws:iam::12345678901:role/builder",
            "arn:aws:iam::1234567890123:role/builder",
            "arn:aws:iam:us-east-1:123456789012:role/builder",
            "arn:aws-eu:iam::123456789012:role/builder",
            "arn:aws:iam::123456789012:role/bu ilder",
            "arn:aws:iam::123456789012:role/builder$",
            "arn:aws:iam::123456789012:role/pa th/builder",
            "arn:aws:iam::123456789012:role/b\u{e9}",
            &long_name,
            &long_path,
        ] {
            assert!(role_arn(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_policy_names_only_the_repository_in_the_regions_partition() {
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
        for (region, arn) in [
            (
                "cn-north-1",
                "arn:aws-cn:ecr:cn-north-1:123456789012:repository/app",
            ),
            (
                "us-gov-west-1",
                "arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/app",
            ),
        ] {
            let p: serde_json::Value =
                serde_json::from_str(&policy("123456789012", region, &Scope::Repo("app".into())))
                    .unwrap();
            assert_eq!(p["Statement"][1]["Resource"], arn);
        }
    }

    fn for_identity(region: &str, identity: Identity<'static>) -> String {
        let g = GrantFor {
            account: "123456789012",
            region,
            identity,
        };
        grant(&g, &Scope::Repo("app".into())).script()
    }

    #[test]
    fn a_new_role_trusts_only_the_service_account() {
        let s = for_identity(
            "us-east-1",
            Identity::Role {
                namespace: "hub",
                service_account: "phib-image-builder",
                role_arn: "arn:aws:iam::123456789012:role/builder",
            },
        );
        assert!(
            s.contains("system:serviceaccount:hub:phib-image-builder"),
            "{s}"
        );
        assert!(
            s.contains("arn:aws:iam::123456789012:oidc-provider/$OIDC_PROVIDER"),
            "{s}"
        );
        assert!(s.contains("aws iam get-role --role-name builder >/dev/null 2>&1 || aws iam create-role --role-name builder "), "{s}");
        assert!(s.contains("aws iam attach-role-policy --role-name builder --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push"), "{s}");
        assert!(!s.contains("phib-image-builder --assume"), "{s}");
    }

    #[test]
    fn an_existing_service_account_grants_its_annotated_role_not_a_new_one() {
        let s = for_identity(
            "us-east-1",
            Identity::Annotated {
                namespace: "hub",
                service_account: "ecr-reader",
            },
        );
        assert!(!s.contains("create-role"), "{s}");
        assert!(s.contains("ROLE_ARN=$(kubectl get serviceaccount ecr-reader -n hub -o jsonpath='{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}')"), "{s}");
        assert!(s.contains("aws iam attach-role-policy --role-name \"${ROLE_ARN##*/}\" --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push"), "{s}");
    }

    #[test]
    fn the_operators_identity_is_named_and_read() {
        let s = for_identity("us-east-1", Identity::Operator);
        assert!(
            s.contains("kubectl get serviceaccount external-secrets -n external-secrets"),
            "{s}"
        );
        assert!(
            s.contains("--role-name \"${OPERATOR_ROLE_ARN##*/}\""),
            "{s}"
        );
        assert!(!s.contains("create-role"), "{s}");
    }

    #[test]
    fn every_arn_follows_the_partition() {
        for (region, name) in [
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-east-1", "aws-us-gov"),
        ] {
            let role = format!("arn:{name}:iam::123456789012:role/builder");
            let role: &'static str = Box::leak(role.into_boxed_str());
            let s = for_identity(
                region,
                Identity::Role {
                    namespace: "hub",
                    service_account: "phib-image-builder",
                    role_arn: role,
                },
            );
            assert!(!s.contains("arn:aws:"), "{s}");
            assert!(
                s.contains(&format!(
                    "arn:{name}:ecr:{region}:123456789012:repository/app"
                )),
                "{s}"
            );
            assert!(
                s.contains(&format!(
                    "--policy-arn arn:{name}:iam::123456789012:policy/"
                )),
                "{s}"
            );
            assert!(
                s.contains(&format!(
                    "arn:{name}:iam::123456789012:oidc-provider/$OIDC_PROVIDER"
                )),
                "{s}"
            );
        }
    }

    #[test]
    fn role_arns_of_every_partition() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/x"));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/x"));
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/path/x"));
        assert_eq!(
            role_account_and_name("arn:aws:iam::123456789012:role/path/x"),
            Some(("123456789012", "x"))
        );
        assert!(!is_role_arn("arn:aws:iam::1234:role/x"));
        assert!(!is_role_arn("arn:aws-eu:iam::123456789012:role/x"));
        assert!(!is_role_arn("role/x"));
    }
}
