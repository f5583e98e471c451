//! Amazon ECR: `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com` (`.amazonaws.com.cn` in
//! the China regions). Its tokens last 12 hours, so no credentials go into values: a
//! Secret (`aws-registry`) must be kept fresh by something else, and phib says so.
//!
//! The AWS partition is one fact here, derived from the region ([`Partition`]): the
//! registry host's DNS suffix and every ARN phib prints (policy resources, policy and
//! role ARNs, the OIDC provider) follow it. The host grammar is here too
//! ([`parse_host`]); nothing else takes an ECR host apart.

use super::parts::{self, no_check, push_repo_field};
use super::{Code, Credentials, Field, FieldId, Invalid, Outcome, Seen, Spec, Warning};

pub const SPEC: Spec = Spec {
    name: "ecr",
    title: "Amazon ECR",
    description: "Amazon Elastic Container Registry; credentials come from a Secret kept fresh in the cluster",
    list_label: Some("Amazon Elastic Container Registry, login kept fresh in the cluster"),
    fields: &FIELDS,
    credentials: Credentials::External,
    endpoint: |s| {
        Some(format!(
            "https://{}",
            host(s.text(FieldId::AwsAccount)?, s.text(FieldId::AwsRegion)?)
        ))
    },
    default_push_secret_name: Some("aws-registry"),
    recognise: |seen: &Seen| is_ecr(&seen.host) && !seen.json_key,
    push_role: "allow the IAM user or role to push: ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ecr:PutImage, ecr:BatchCheckLayerAvailability (e.g. the AmazonEC2ContainerRegistryPowerUser policy)",
    create_repository: |_, path, prefer_repo| {
        Some(format!(
            "create it first: `aws ecr create-repository --repository-name {path}`.{prefer_repo}"
        ))
    },
    check: no_check,
    warnings,
};

const FIELDS: [Field; 4] = [
    Field {
        id: FieldId::AwsAccount,
        prompt: "AWS account ID",
        hint: "12 digits, at the top right of the AWS console",
        required: true,
        advanced: false,
        default: None,
        validate: account,
    },
    Field {
        id: FieldId::AwsRegion,
        prompt: "AWS region of the registry",
        hint: "e.g. `us-east-1`, as in the repository URI in the ECR console (China: `cn-north-1`, `cn-northwest-1`; GovCloud: `us-gov-west-1`, `us-gov-east-1`)",
        required: true,
        advanced: false,
        default: None,
        validate: region,
    },
    Field {
        // On the registry of the account and region just given; the name is the
        // user's to choose (the repository must exist).
        default: Some(|s| {
            Some(format!(
                "{}/primehub",
                host(s.text(FieldId::AwsAccount)?, s.text(FieldId::AwsRegion)?)
            ))
        }),
        ..push_repo_field(
            "ECR creates no repository on push: create it first (ECR console > Create repository), then give `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`",
        )
    },
    Field {
        advanced: true,
        required: false,
        ..parts::prefix(
            "instead of one repository: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/PATH`, and every image's repository must exist",
            None,
        )
    },
];

fn account(value: &str) -> Result<(), Invalid> {
    if value.len() == 12 && value.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not a 12-digit AWS account ID",
            "copy the account ID from the AWS console (12 digits, no dashes)",
        ))
    }
}

pub fn region(value: &str) -> Result<(), Invalid> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not an AWS region",
            "use a region code such as `us-east-1` or `eu-central-1`",
        ))
    }
}

/// An AWS partition: a group of regions with its own ARNs and, for China, its own DNS
/// suffix. IAM roles and policies never cross partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// `aws`: the commercial regions, `*.amazonaws.com`.
    Aws,
    /// `aws-cn`: `cn-north-1` and `cn-northwest-1`, `*.amazonaws.com.cn`.
    China,
    /// `aws-us-gov`: `us-gov-east-1` and `us-gov-west-1`, `*.amazonaws.com`.
    GovCloud,
}

impl Partition {
    /// Every partition, for tests and messages.
    pub const ALL: [Partition; 3] = [Partition::Aws, Partition::China, Partition::GovCloud];

    /// The partition of `region` (by its prefix, as AWS names them).
    pub fn of_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::China
        } else if region.starts_with("us-gov-") {
            Partition::GovCloud
        } else {
            Partition::Aws
        }
    }

    /// The name in ARNs: `aws`, `aws-cn`, `aws-us-gov`.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::China => "aws-cn",
            Partition::GovCloud => "aws-us-gov",
        }
    }

    /// The DNS suffix of its service endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::China => "amazonaws.com.cn",
            Partition::Aws | Partition::GovCloud => "amazonaws.com",
        }
    }

    /// An ARN in this partition: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE` (IAM
    /// ARNs have no region: pass `""`).
    pub fn arn(self, service: &str, region: &str, account: &str, resource: &str) -> String {
        format!("arn:{}:{service}:{region}:{account}:{resource}", self.name())
    }

    /// The partition an ARN names (`arn:aws-cn:...`), if it is one.
    pub fn of_arn(arn: &str) -> Option<Partition> {
        let name = arn.strip_prefix("arn:")?.split(':').next()?;
        Partition::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The registry host of `account` in `region`: `ACCOUNT.dkr.ecr.REGION.SUFFIX`, the
/// suffix of the region's partition.
pub fn host(account: &str, region: &str) -> String {
    format!(
        "{account}.dkr.ecr.{region}.{}",
        Partition::of_region(region).dns_suffix()
    )
}

/// The account and region of an ECR registry host, when it is one and its suffix is
/// its region's (`ACCOUNT.dkr.ecr.cn-north-1.amazonaws.com` is no registry).
pub fn parse_host(host: &str) -> Option<(&str, &str)> {
    let (account, rest) = host.split_once(".dkr.ecr.")?;
    let (region, suffix) = rest.split_once('.')?;
    let ok = !account.is_empty()
        && !region.is_empty()
        && suffix == Partition::of_region(region).dns_suffix();
    ok.then_some((account, region))
}

/// An ECR registry host: `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (`.com.cn` in China).
pub fn is_ecr(host: &str) -> bool {
    parse_host(host).is_some()
}

fn warnings(o: &Outcome, out: &mut Vec<Warning>) {
    out.push(refresh_warning(o.push_secret_name));
}

/// The warning that the Secret named by `pushSecretName` must be kept fresh
/// ([`Code::EcrRefresh`]: dropped when phib renders the refresh itself).
pub fn refresh_warning(push_secret_name: Option<&str>) -> Warning {
    let name = push_secret_name.unwrap_or("aws-registry");
    Warning::new(
        Code::EcrRefresh,
        format!("`{name}` needs a new ECR token every 12 hours: "),
    )
    .advice(
        "`--secret-mode external --ecr-refresh external-secrets` renews it (docs/registries/ecr.md)",
        "\"a Secret kept fresh by external-secrets.io\" renews it (docs/registries/ecr.md)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each partition's regions give its host suffix, and the host is read back.
    #[test]
    fn partitions_follow_the_region() {
        let table = [
            ("us-east-1", Partition::Aws, "123456789012.dkr.ecr.us-east-1.amazonaws.com"),
            ("eu-central-1", Partition::Aws, "123456789012.dkr.ecr.eu-central-1.amazonaws.com"),
            ("cn-north-1", Partition::China, "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn"),
            ("cn-northwest-1", Partition::China, "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn"),
            ("us-gov-west-1", Partition::GovCloud, "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com"),
            ("us-gov-east-1", Partition::GovCloud, "123456789012.dkr.ecr.us-gov-east-1.amazonaws.com"),
        ];
        for (region_name, partition, want) in table {
            assert!(region(region_name).is_ok(), "{region_name}");
            assert_eq!(Partition::of_region(region_name), partition);
            assert_eq!(host("123456789012", region_name), want);
            assert_eq!(parse_host(want), Some(("123456789012", region_name)));
            assert!(is_ecr(want));
        }
        // A China region under the global suffix, and the reverse, are no registries.
        assert_eq!(parse_host("123456789012.dkr.ecr.cn-north-1.amazonaws.com"), None);
        assert_eq!(parse_host("123456789012.dkr.ecr.us-east-1.amazonaws.com.cn"), None);
        assert_eq!(parse_host("registry.example.com"), None);
        assert_eq!(
            Partition::GovCloud.arn("iam", "", "123456789012", "policy/p"),
            "arn:aws-us-gov:iam::123456789012:policy/p"
        );
        assert_eq!(Partition::of_arn("arn:aws-cn:iam::1:role/x"), Some(Partition::China));
        assert_eq!(Partition::of_arn("arn:aws-eu:iam::1:role/x"), None);
    }
}
