//! The per-cloud half of the keyless plan: each cloud's identity options (their values
//! checked by their fields already) put together and turned into the generator's
//! identity, the ServiceAccount to write and the grant; and the central store's
//! `ExternalSecret` with what its credential should be allowed. What is refused here is
//! how options go together (a missing one, a role of another partition), never a
//! value's own grammar.

use super::super::refresh::{AwsAuth, AzureAuth, Identity};
use super::super::store::FromStore;
use super::{bad, AzureIdentity, Facts, KeylessChoice, Manifests, Plan};
use crate::registry::hosts::{self, Partition};
use crate::registry::keyless::{self, aws, azure, github, google, quay, store, Grant, Scope};
use crate::registry::{check, FieldId, Kind};
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
    let (store_kind, store_name) =
        store::parse(store_ref).map_err(|e| e.for_field(FieldId::FromStore))?;
    let (from, key) = (FieldId::FromStore.flag(), FieldId::RemoteKey);
    let remote_key = choice.remote_key.clone().ok_or_else(|| {
        Error::usage(format!(
            "`{from}` needs `{}`: the entry of the store that holds the password or token",
            key.usage()
        ))
        .with_help(format!(
            "add `{}`, e.g. `{} primehub/registry`",
            key.usage(),
            key.flag()
        ))
    })?;
    let username = match kind {
        Kind::ArtifactRegistry | Kind::Gcr => crate::registry::keyfile::USERNAME.to_string(),
        _ => facts.username.map(str::to_string).ok_or_else(|| {
            let user = FieldId::Username;
            Error::usage(format!(
                "`{from}` with `--registry {}` needs `{}`: the user the stored password or token belongs to",
                kind.name(),
                user.flag()
            ))
            .with_help(format!("add `{}` (not a secret: it is written into the manifest)", user.usage()))
        })?,
    };
    let grant = store_grant(kind, facts, scope);
    Ok(Plan {
        manifests: Manifests::Store(FromStore {
            name: name.to_string(),
            namespace: namespace.to_string(),
            registry_endpoint: facts.registry_endpoint.to_string(),
            store_kind,
            store_name: store_name.to_string(),
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

/// `--gke-cluster [PROJECT/]LOCATION/NAME` as (project, location, name); the project is
/// `default_project` when not given. The grammar is the field's.
pub fn parse_gke_cluster(value: &str, default_project: &str) -> Result<(String, String, String)> {
    google::gke_cluster(value, default_project).map_err(|e| e.for_field(FieldId::GkeCluster))
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
        let gke = FieldId::GkeCluster;
        return Err(Error::usage(format!(
            "`{}` for Google needs `{}`: the GKE cluster whose Workload Identity the operator uses",
            FieldId::Refresh.usage(),
            gke.usage()
        ))
        .with_help(format!("write `{}` (or `{} PROJECT/LOCATION/NAME` when the cluster is in another project), as `gcloud container clusters list` shows it", gke.usage(), gke.flag())));
    };
    let (cluster_project, location_c, name_c) = parse_gke_cluster(cluster, &project)?;
    let (location_c, name_c) = (location_c.as_str(), name_c.as_str());
    let gsa = choice
        .gcp_service_account
        .clone()
        .unwrap_or_else(|| google::default_service_account(&project));
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

pub(super) fn azure_identity(
    choice: &KeylessChoice,
    host: &str,
    namespace: &str,
    sa: &str,
    scope: &Scope,
    repository_scope: bool,
) -> Result<Wiring> {
    let mode = choice.azure_identity.unwrap_or(AzureIdentity::Workload);
    let client_id = choice.azure_client_id.clone();
    let tenant_id = choice.azure_tenant_id.clone();
    let registry_name = hosts::acr_registry_name(host).unwrap_or(host);
    let identity = FieldId::AzureIdentity.flag();
    let (auth, service_account) = match mode {
        AzureIdentity::Workload => {
            let (Some(client_id), Some(_)) = (&client_id, &tenant_id) else {
                return Err(Error::usage(format!(
                    "Azure Workload Identity needs `{}` and `{}`: the managed identity the ServiceAccount stands for",
                    FieldId::AzureClientId.flag(),
                    FieldId::AzureTenantId.flag()
                ))
                .with_help(format!("`az identity show --name IDENTITY --resource-group RG --query '{{client:clientId,tenant:tenantId}}'`; or `{identity} {}` for the nodes' managed identity", AzureIdentity::Managed.name())));
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
                return Err(Error::usage(format!(
                    "`{}` is not used with `{identity} {}`: the nodes' identity needs no ServiceAccount",
                    FieldId::RefreshServiceAccount.flag(),
                    AzureIdentity::Managed.name()
                ))
                .with_help(format!("remove it, or use `{identity} {}`", AzureIdentity::Workload.name())));
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
        .with_help(format!(
            "give `{}` and `{}`, or an endpoint of that form",
            FieldId::AwsAccount.flag(),
            FieldId::AwsRegion.flag()
        ))
    })?;
    let partition = Partition::of_region(region);
    if let Some(arn) = &choice.aws_role_arn {
        // The grammar is the field's; a role and a registry must share a partition.
        let given = Partition::of_arn(arn).unwrap_or(partition);
        if given != partition {
            return Err(bad(
                FieldId::AwsRoleArn,
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
    let user = FieldId::Username.flag();
    let fix = format!("name the robot account with `{user} ORG+NAME` (the organisation's Robot Accounts page); its federation trusts the ServiceAccount");
    // A robot's name was checked by the field's grammar: here only whether it is one.
    let robot = match username {
        Some(r) if quay::is_robot(r) => r.to_string(),
        Some(r) => {
            return Err(Error::usage(format!(
            "`{user}` `{r}` is not a Quay robot account (`ORG+NAME`): only robot accounts federate"
        ))
            .with_help(fix))
        }
        None => {
            return Err(Error::usage(format!(
                "`{}` for Quay needs `{user} ORG+NAME`",
                FieldId::Refresh.usage()
            ))
            .with_help(fix))
        }
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
