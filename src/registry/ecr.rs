//! Amazon ECR: `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`. Its tokens last 12 hours,
//! so no credentials go into values: a Secret (`aws-registry`) must be kept fresh by
//! something else, and phib says so.

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
            "https://{}.dkr.ecr.{}.amazonaws.com",
            s.text(FieldId::AwsAccount)?,
            s.text(FieldId::AwsRegion)?
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
        hint: "e.g. `us-east-1`, as in the repository URI in the ECR console",
        required: true,
        advanced: false,
        default: None,
        validate: region,
    },
    push_repo_field(
        "ECR creates no repository on push: create it first (ECR console > Create repository), then give `ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`",
    ),
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

fn region(value: &str) -> Result<(), Invalid> {
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

/// An ECR registry host: `ACCOUNT.dkr.ecr.REGION.amazonaws.com` (`.com.cn` in China).
pub fn is_ecr(host: &str) -> bool {
    host.contains(".dkr.ecr.") && (host.ends_with(".amazonaws.com") || host.ends_with(".com.cn"))
}

fn warnings(o: &Outcome, out: &mut Vec<Warning>) {
    out.push(refresh_warning(o.push_secret_name));
}

/// The warning that the Secret named by `pushSecretName` must be kept fresh
/// ([`Code::EcrRefresh`]: dropped when phib renders the refresh itself).
pub fn refresh_warning(push_secret_name: Option<&str>) -> Warning {
    let name = push_secret_name.unwrap_or("aws-registry");
    Warning::new(Code::EcrRefresh, format!("ECR tokens expire after 12 hours: no credentials are written, and the Secret `{name}` in PrimeHub's namespace must be kept fresh by something else. PrimeHub's docs use InfuseAI's aws-ecr-credential chart, but its 1.5.0 uses `batch/v1beta1` CronJob and does not install on Kubernetes 1.25 or later; "))
        .advice(
            "`--secret-mode external --ecr-refresh external-secrets --apply` sets up the external-secrets.io operator to do it",
            "keeping the credentials in \"a Secret of your own\" sets up the external-secrets.io operator to do it",
        )
}
