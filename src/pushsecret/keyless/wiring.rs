//! The per-cloud half of the keyless plan: each cloud's identity options checked and
//! turned into the generator's identity, the ServiceAccount to write and the grant; and
//! the central store's `ExternalSecret` with what its credential should be allowed.

use super::super::refresh::{AwsAuth, AzureAuth, Identity};
use super::super::store::{self, FromStore};
use super::{bad, AzureIdentity, Facts, Flag, KeylessChoice, Manifests, Plan};
use crate::registry::hosts::{self, Partition};
use crate::registry::keyless::{self, aws, azure, github, google, quay, Grant, Scope};
use crate::registry::{check, Kind};
use crate::{Error, Result};

pub(super) fn from_store(
    choice: &KeylessChoice,
    store_ref: &str,
    facts: Facts<'_>,
    name: &str,
    namespace: &str,
    scope: &Scope,
) -> Result<Plan> {
    let kind = facts.kind;
    let (store_kind, store_name) = store::parse_store(store_ref)?;
    let remote_key = choice.remote_key.clone().ok_or_else(|| {
        Error::usage("`--from-store` needs `--remote-key KEY`: the entry of the store that holds the password or token")
            .with_help("add `--remote-key KEY`, e.g. `--remote-key primehub/registry`")
    })?;
    store::check_remote(Flag::RemoteKey.name(), &remote_key)?;
    if let Some(p) = &choice.remote_property {
        store::check_remote(Flag::RemoteProperty.name(), p)?;
    }
    let username = match kind {
        Kind::ArtifactRegistry | Kind::Gcr => crate::registry::keyfile::USERNAME.to_string(),
        _ => facts.username.map(str::to_string).ok_or_else(|| {
            Error::usage(format!(
                "`--from-store` with `--registry {}` needs `--username`: the user the stored password or token belongs to",
                kind.name()
            ))
            .with_help("add `--username USER` (not a secret: it is written into the manifest)")
        })?,
    };
    check::username(&username).map_err(|e| {
        Error::usage(format!("`--username` `{username}` {}", e.reason)).with_help(e.help)
    })?;
    let grant = store_grant(kind, facts, scope);
    Ok(Plan {
        manifests: Manifests::Store(FromStore {
            name: name.to_string(),
            namespace: namespace.to_string(),
            registry_endpoint: facts.registry_endpoint.to_string(),
            store_kind,
            store_name,
            remote_key,
            remote_property: choice.remote_property.clone(),
            username,
        }),
        grant,
    })
}

/// What the stored credential must be allowed, in the registry's own terms.
fn store_grant(kind: Kind, facts: Facts<'_>, scope: &Scope) -> Grant {
    let path = scope.path();
    let line = match kind {
        Kind::Ghcr => return github::grant(path.split('/').next().unwrap_or(path)),
        Kind::DockerHub => format!("# a Docker Hub access token with Read & Write on `{path}` only (organisation access token: repository `{path}`, permissions read and write)"),
        Kind::Harbor => format!("# a Harbor robot account of the project `{}` with push and pull on repository `{}` only", path.split('/').next().unwrap_or(path), path),
        Kind::Quay => format!("# a Quay robot account with `write` on the repository `{path}` only"),
        Kind::Acr => format!("# a repository-scoped ACR token: az acr token create --registry {} --name phib-image-builder --repository {} content/read content/write", { let host = check::endpoint_host(facts.registry_endpoint); hosts::acr_registry_name(host).unwrap_or(host) }, keyless::sh(path)),
        Kind::ArtifactRegistry | Kind::Gcr => format!("# a service-account key whose account has roles/artifactregistry.writer on the repository of `{path}` only"),
        Kind::Ecr => String::new(),
    };
    Grant {
        inputs: Vec::new(),
        commands: vec![line, "# keep it in the store under the remote key; rotate it there, and every cluster picks it up within the hour".into()],
    }
}

pub(super) type Wiring = (Identity, Option<String>, Grant);

const GKE_FIX: &str = "write `--gke-cluster LOCATION/NAME` (or `PROJECT/LOCATION/NAME` when the cluster is in another project), as `gcloud container clusters list` shows it";

/// `--gke-cluster [PROJECT/]LOCATION/NAME` as (project, location, name); the project is
/// `default_project` when not given.
pub fn parse_gke_cluster(value: &str, default_project: &str) -> Result<(String, String, String)> {
    google::gke_cluster(value, default_project)
        .map_err(|e| bad(Flag::GkeCluster, value, &e.reason, &e.help))
}

pub(super) fn google_identity(
    choice: &KeylessChoice,
    host: &str,
    path: &str,
    namespace: &str,
    sa: &str,
    scope: &Scope,
) -> Result<Wiring> {
    let mut parts = path.split('/');
    let project = parts.next().unwrap_or_default().to_string();
    let gcr = google::gcr_repository(host).is_some();
    let (location, repository) = match google::gcr_repository(host) {
        Some((loc, repo)) => (loc.to_string(), repo.to_string()),
        None => (
            hosts::artifact_registry_location(host)
                .unwrap_or(host)
                .to_string(),
            parts.next().unwrap_or_default().to_string(),
        ),
    };
    let Some(cluster) = &choice.gke_cluster else {
        return Err(Error::usage(
            "`--refresh external-secrets` for Google needs `--gke-cluster LOCATION/NAME`: the GKE cluster whose Workload Identity the operator uses",
        )
        .with_help(GKE_FIX));
    };
    let (cluster_project, location_c, name_c) = parse_gke_cluster(cluster, &project)?;
    let (location_c, name_c) = (location_c.as_str(), name_c.as_str());
    let gsa = match &choice.gcp_service_account {
        Some(e) if google::is_service_account_email(e) => e.clone(),
        Some(e) => {
            return Err(bad(
                Flag::GcpServiceAccount,
                e,
                "is not a Google service account (`NAME@PROJECT.iam.gserviceaccount.com`)",
                "give the e-mail `gcloud iam service-accounts list` shows",
            ))
        }
        None => google::default_service_account(&project),
    };
    let grant = google::grant(
        &google::GrantFor {
            project: &project,
            location: &location,
            repository: &repository,
            gcp_service_account: &gsa,
            cluster_project: &cluster_project,
            cluster_location: location_c,
            cluster_name: name_c,
            namespace,
            kubernetes_service_account: sa,
            gcr,
        },
        scope,
    );
    Ok((
        Identity::Google {
            project,
            cluster_project,
            cluster_location: location_c.to_string(),
            cluster_name: name_c.to_string(),
            gcp_service_account: gsa,
        },
        Some(sa.to_string()),
        grant,
    ))
}

fn guid(flag: Flag, v: &Option<String>) -> Result<Option<String>> {
    match v {
        Some(id) if azure::is_guid(id) => Ok(Some(id.clone())),
        Some(id) => Err(bad(
            flag,
            id,
            "is not a GUID",
            "copy it from `az identity show --query clientId` / `az account show --query tenantId`",
        )),
        None => Ok(None),
    }
}

pub(super) fn azure_identity(
    choice: &KeylessChoice,
    host: &str,
    namespace: &str,
    sa: &str,
    scope: &Scope,
    repository_scope: bool,
) -> Result<Wiring> {
    let mode = choice.azure_identity.unwrap_or(AzureIdentity::Workload);
    let client_id = guid(Flag::AzureClientId, &choice.azure_client_id)?;
    let tenant_id = guid(Flag::AzureTenantId, &choice.azure_tenant_id)?;
    let registry_name = hosts::acr_registry_name(host).unwrap_or(host);
    let (auth, service_account) = match mode {
        AzureIdentity::Workload => {
            let (Some(client_id), Some(_)) = (&client_id, &tenant_id) else {
                return Err(Error::usage(
                    "Azure Workload Identity needs `--azure-client-id` and `--azure-tenant-id`: the managed identity the ServiceAccount stands for",
                )
                .with_help("`az identity show --name IDENTITY --resource-group RG --query '{client:clientId,tenant:tenantId}'`; or `--azure-identity managed` for the nodes' managed identity"));
            };
            (
                AzureAuth::Workload {
                    client_id: client_id.clone(),
                },
                Some(sa.to_string()),
            )
        }
        AzureIdentity::Managed => {
            if choice.service_account.is_some() {
                return Err(Error::usage("`--refresh-service-account` is not used with `--azure-identity managed`: the nodes' identity needs no ServiceAccount")
                    .with_help("remove it, or use `--azure-identity workload`"));
            }
            (
                AzureAuth::Managed {
                    identity_id: client_id.clone(),
                },
                None,
            )
        }
    };
    let grant = azure::grant(
        &azure::GrantFor {
            registry_name,
            mode,
            client_id: client_id.as_deref(),
            namespace,
            kubernetes_service_account: sa,
            repository_scope,
        },
        scope,
    );
    Ok((
        Identity::Azure {
            registry_host: host.to_string(),
            tenant_id,
            auth,
        },
        service_account,
        grant,
    ))
}

pub(super) fn aws_identity(
    choice: &KeylessChoice,
    host: &str,
    namespace: &str,
    scope: &Scope,
) -> Result<Wiring> {
    let (account, region) = hosts::parse_ecr_host(host).ok_or_else(|| {
        Error::usage(format!(
            "`{host}` is not an ECR registry host (`ACCOUNT.dkr.ecr.REGION.amazonaws.com`, `.amazonaws.com.cn` in China)"
        ))
        .with_help("give `--aws-account` and `--aws-region`, or an endpoint of that form")
    })?;
    let partition = Partition::of_region(region);
    if let Some(arn) = &choice.aws_role_arn {
        if !aws::is_role_arn(arn) {
            return Err(bad(
                Flag::AwsRoleArn,
                arn,
                "is not an IAM role ARN (`arn:aws:iam::ACCOUNT:role/NAME`; `arn:aws-cn:` in China, `arn:aws-us-gov:` in GovCloud)",
                "copy it from `aws iam get-role --role-name NAME --query Role.Arn`",
            ));
        }
        let given = Partition::of_arn(arn).unwrap_or(partition);
        if given != partition {
            return Err(bad(
                Flag::AwsRoleArn,
                arn,
                &format!(
                    "is in the partition `{}`, but the registry's region `{region}` is in `{}`: IAM roles do not cross partitions",
                    given.name(),
                    partition.name()
                ),
                &format!("give a role of the registry's partition (`arn:{}:iam::ACCOUNT:role/NAME`)", partition.name()),
            ));
        }
    }
    let sa = match (&choice.aws_role_arn, &choice.service_account) {
        (Some(_), sa) => Some(
            sa.clone()
                .unwrap_or_else(|| keyless::DEFAULT_IDENTITY_NAME.to_string()),
        ),
        (None, sa) => sa.clone(),
    };
    let (auth, identity) = match (&choice.aws_role_arn, &sa) {
        (Some(arn), Some(sa)) => (
            AwsAuth::Irsa {
                role_arn: Some(arn.clone()),
            },
            aws::Identity::Role {
                namespace,
                service_account: sa,
                role_arn: arn,
            },
        ),
        (None, Some(sa)) => (
            AwsAuth::Irsa { role_arn: None },
            aws::Identity::Annotated {
                namespace,
                service_account: sa,
            },
        ),
        (_, None) => (AwsAuth::Operator, aws::Identity::Operator),
    };
    let grant = aws::grant(
        &aws::GrantFor {
            account,
            region,
            identity,
        },
        scope,
    );
    Ok((
        Identity::Aws {
            region: region.to_string(),
            auth,
        },
        sa,
        grant,
    ))
}

/// Quay federates a robot account: the one `--username` names.
pub(super) fn quay_identity(
    username: Option<&str>,
    host: &str,
    namespace: &str,
    sa: &str,
    scope: &Scope,
) -> Result<Wiring> {
    let fix = "name the robot account with `--username ORG+NAME` (the organisation's Robot Accounts page); its federation trusts the ServiceAccount";
    let robot = match username {
        Some(r) if quay::is_robot(r) => r.to_string(),
        Some(r) => {
            return Err(Error::usage(format!(
                "`--username` `{r}` is not a Quay robot account (`ORG+NAME`, NAME in lower case, digits and `_`): only robot accounts federate"
            ))
            .with_help(fix))
        }
        None => return Err(Error::usage("`--refresh external-secrets` for Quay needs `--username ORG+NAME`").with_help(fix)),
    };
    let grant = quay::grant(
        &quay::GrantFor {
            host,
            robot: &robot,
            namespace,
            kubernetes_service_account: sa,
        },
        scope,
    );
    Ok((
        Identity::Quay {
            host: host.to_string(),
            robot,
        },
        Some(sa.to_string()),
        grant,
    ))
}
