//! Azure Container Registry: ESO's `ACRAccessToken` generator gets a Microsoft Entra
//! token, by default through Azure Workload Identity (a Kubernetes ServiceAccount
//! annotated with the managed identity's client and tenant id, trusted by a federated
//! credential), or as a managed identity of the nodes, and exchanges it for an ACR
//! refresh token, valid three hours. The login is the all-zero user name and that
//! token. The token carries the identity's role assignments.
//!
//! The grant works on the registry as it is: `AcrPush` (push and pull) on the registry,
//! in the default role assignment mode (RBAC). Limiting it to the one repository needs
//! the registry's ABAC repository permissions ("RBAC Registry + ABAC Repository
//! Permissions"), and switching a registry to that mode stops `AcrPull` and `AcrPush`
//! from being honoured for every one of its users, AKS kubelets pulling through
//! `--attach-acr` included: phib does it only when asked (`--acr-repository-scope`),
//! and says so in words.

use super::{sh, GeneratedLogin, Generator, Grant, Scope, SERVICE_ACCOUNT_FIELD};
use crate::registry::{check, Field, FieldId, Invalid};

/// Who the operator logs in as on Azure, and how far its grant reaches.
pub const FIELDS: [Field; 5] = [
    Field {
        id: FieldId::AzureIdentity,
        prompt: "Azure identity (workload or managed)",
        hint: "`workload`: Azure Workload Identity, a federated ServiceAccount (recommended); `managed`: the managed identity of the operator's nodes",
        required: false,
        advanced: true,
        default: Some(|_| Some("workload".into())),
        // The choices are the field list's (`AuthMode::name`).
        validate: check::any,
    },
    Field {
        id: FieldId::AzureClientId,
        prompt: "Managed identity client id",
        hint: "`az identity show --name IDENTITY --resource-group RG --query clientId`",
        required: false,
        advanced: true,
        default: None,
        validate: guid,
    },
    Field {
        id: FieldId::AzureTenantId,
        prompt: "Tenant id",
        hint: "`az account show --query tenantId`",
        required: false,
        advanced: true,
        default: None,
        validate: guid,
    },
    SERVICE_ACCOUNT_FIELD,
    Field {
        id: FieldId::AcrRepositoryScope,
        prompt: "Limit the grant to the one repository (ABAC repository permissions)?",
        hint: ABAC_CONSEQUENCE,
        required: false,
        advanced: true,
        default: Some(|_| Some("false".into())),
        validate: check::yes_no,
    },
];

/// What switching a registry to ABAC repository permissions does to everyone else.
pub const ABAC_CONSEQUENCE: &str = "this switches the registry's role assignment mode to \"RBAC Registry + ABAC Repository Permissions\": from then on AcrPull and AcrPush (and AcrDelete) are no longer honoured for any user of the registry, AKS clusters pulling through `--attach-acr` (the kubelet identity's AcrPull) included, until each is given a `Container Registry Repository Reader`/`Writer` role";

fn guid(v: &str) -> Result<(), Invalid> {
    if is_guid(v) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not a GUID",
            "copy it from `az identity show --query clientId` / `az account show --query tenantId`",
        ))
    }
}

pub const GENERATOR: Generator = Generator {
    kind: "ACRAccessToken",
    lifetime_secs: 3 * 3600,
    login: GeneratedLogin::UserPassword,
    sample: &[
        ("username", "00000000-0000-0000-0000-000000000000"),
        (
            "password",
            "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzYW1wbGUiOnRydWV9.c2FtcGxlLXNpZ25hdHVyZQ",
        ),
    ],
    docs: "docs/keyless/azure.md",
};

/// The annotations Azure Workload Identity (and ESO) read on a ServiceAccount.
pub const CLIENT_ID_ANNOTATION: &str = "azure.workload.identity/client-id";
pub const TENANT_ID_ANNOTATION: &str = "azure.workload.identity/tenant-id";

/// The audience of the federated credential.
pub const FEDERATION_AUDIENCE: &str = "api://AzureADTokenExchange";

/// A GUID as Microsoft Entra writes client and tenant ids: the identity platform
/// documents both as GUIDs (Microsoft identity platform, "Application and service
/// principal objects": `appId`, the application (client) ID; "Find your tenant ID":
/// a GUID), written as a UUID string, 8-4-4-4-12 hexadecimal digits (RFC 9562,
/// section 4).
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 5
        && parts
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(p, n)| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// How the generator authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// Azure Workload Identity (the default).
    Workload,
    /// A managed identity of the nodes the operator runs on.
    Managed,
}

impl AuthMode {
    /// Both, in the order of `--azure-identity`'s choices.
    pub const ALL: [AuthMode; 2] = [AuthMode::Workload, AuthMode::Managed];

    /// The value of `--azure-identity`.
    pub fn name(self) -> &'static str {
        match self {
            AuthMode::Workload => "workload",
            AuthMode::Managed => "managed",
        }
    }

    /// The mode `--azure-identity NAME` chose.
    pub fn from_name(name: &str) -> Option<AuthMode> {
        AuthMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// What the grant needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFor<'a> {
    pub registry_name: &'a str,
    pub mode: AuthMode,
    /// The managed identity's client id, when known.
    pub client_id: Option<&'a str>,
    pub namespace: &'a str,
    pub kubernetes_service_account: &'a str,
    /// `--acr-repository-scope`: limit the grant to the repository through ABAC (and
    /// switch the registry's mode for it).
    pub repository_scope: bool,
}

/// The ABAC condition that limits `Container Registry Repository Writer` to `scope`:
/// read and write of content and metadata only where the repository matches.
pub fn condition(scope: &Scope) -> String {
    let matches = match scope {
        Scope::Repo(r) => format!(
            "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase '{r}'"
        ),
        Scope::Prefix(p) => format!(
            "@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase '{p}/'"
        ),
    };
    let actions = [
        "content/read",
        "content/write",
        "metadata/read",
        "metadata/write",
    ]
    .map(|a| {
        format!("!(ActionMatches{{'Microsoft.ContainerRegistry/registries/repositories/{a}'}})")
    })
    .join(" AND ");
    format!("(({actions}) OR ({matches}))")
}

/// The built-in role that pushes and pulls on a whole registry in RBAC mode.
pub const PUSH_ROLE: &str = "AcrPush";
/// The role ABAC conditions limit to repositories (ABAC mode only).
pub const REPOSITORY_WRITER_ROLE: &str = "Container Registry Repository Writer";

pub fn grant(g: &GrantFor<'_>, scope: &Scope) -> Grant {
    let mut inputs = vec![(
        "RESOURCE_GROUP",
        "the resource group of the managed identity and the AKS cluster",
    )];
    let assignee = match g.client_id {
        Some(id) => sh(id),
        None => {
            inputs.push((
                "IDENTITY_CLIENT_ID",
                "the managed identity's client id (`az identity show --query clientId`)",
            ));
            "\"$IDENTITY_CLIENT_ID\"".into()
        }
    };
    let registry = sh(g.registry_name);
    let registry_id = format!("\"$(az acr show --name {registry} --query id -o tsv)\"");
    let mut commands = Vec::new();
    if g.mode == AuthMode::Workload {
        inputs.push(("IDENTITY_NAME", "the user-assigned managed identity (`az identity create --name phib-image-builder --resource-group \"$RESOURCE_GROUP\"`)"));
        inputs.push((
            "AKS_CLUSTER",
            "the AKS cluster's name (`az aks list --query [].name`)",
        ));
        commands.extend([
            "# the cluster must issue OIDC tokens and run workload identity:".to_string(),
            "az aks update --name \"$AKS_CLUSTER\" --resource-group \"$RESOURCE_GROUP\" --enable-oidc-issuer --enable-workload-identity".to_string(),
            "# only this Kubernetes ServiceAccount may act as the identity:".to_string(),
            format!(
                "az identity federated-credential create --name phib-image-builder --identity-name \"$IDENTITY_NAME\" --resource-group \"$RESOURCE_GROUP\" --issuer \"$(az aks show --name \"$AKS_CLUSTER\" --resource-group \"$RESOURCE_GROUP\" --query oidcIssuerProfile.issuerUrl -o tsv)\" --subject system:serviceaccount:{}:{} --audiences {FEDERATION_AUDIENCE}",
                g.namespace, g.kubernetes_service_account
            ),
        ]);
    }
    if g.repository_scope {
        commands.extend([
            format!("# CAUTION (--acr-repository-scope): {ABAC_CONSEQUENCE}; give the registry's other users those roles first:"),
            format!("az acr update --name {registry} --role-assignment-mode rbac-abac"),
            "# push and pull on the one repository the builds use, nothing else:".to_string(),
            format!(
                "az role assignment create --assignee {assignee} --role {} --scope {registry_id} --condition {} --condition-version 2.0",
                sh(REPOSITORY_WRITER_ROLE),
                sh(&condition(scope))
            ),
        ]);
    } else {
        commands.extend([
            format!("# push and pull on the registry `{}`, in its current role assignment mode (RBAC): AcrPush reaches every repository of the registry; `--acr-repository-scope` limits it to `{}` through ABAC, which changes how the registry authorises everyone else", g.registry_name, scope.path()),
            format!(
                "az role assignment create --assignee {assignee} --role {PUSH_ROLE} --scope {registry_id}"
            ),
            format!("# a registry already in ABAC mode (RBAC Registry + ABAC Repository Permissions) ignores AcrPush: there use --role {} instead", sh(REPOSITORY_WRITER_ROLE)),
        ]);
    }
    Grant { inputs, commands }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_and_tenant_ids_are_guids() {
        for ok in [
            "11111111-2222-3333-4444-555555555555",
            "00000000-0000-0000-0000-000000000000",
            "a1B2c3D4-e5f6-a7b8-c9d0-E1F2A3B4C5D6",
        ] {
            assert!(guid(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "nope",
            "11111111222233334444555555555555",
            "{11111111-2222-3333-4444-555555555555}",
            "11111111-2222-3333-4444-55555555555",
            "11111111-2222-3333-4444-5555555555555",
            "1111111-22222-3333-4444-555555555555",
            "g1111111-2222-3333-4444-555555555555",
            "11111111-2222-3333-4444-555555555555 ",
        ] {
            assert!(guid(bad).is_err(), "{bad:?}");
        }
    }

    /// `--azure-identity`'s choices in the field list are the modes' names.
    #[test]
    fn the_identity_choices_are_the_auth_modes() {
        let choices: Vec<&str> = FieldId::AzureIdentity
            .choices()
            .iter()
            .map(|c| c.value)
            .collect();
        assert_eq!(choices, AuthMode::ALL.map(AuthMode::name).to_vec());
        for mode in AuthMode::ALL {
            assert_eq!(AuthMode::from_name(mode.name()), Some(mode));
        }
        assert_eq!(AuthMode::from_name("Managed"), None);
    }

    #[test]
    fn the_condition_names_the_repository() {
        let c = condition(&Scope::Repo("team/app".into()));
        assert_eq!(
            c,
            "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/write'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'}) AND !(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/write'})) OR (@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'team/app'))"
        );
        assert!(
            condition(&Scope::Prefix("team".into())).contains("StringStartsWithIgnoreCase 'team/'")
        );
    }

    #[test]
    fn workload_identity_grant() {
        let g = GrantFor {
            registry_name: "acme",
            mode: AuthMode::Workload,
            client_id: Some("11111111-2222-3333-4444-555555555555"),
            namespace: "hub",
            kubernetes_service_account: "phib-image-builder",
            repository_scope: false,
        };
        let s = grant(&g, &Scope::Repo("app".into())).script();
        assert!(s.contains("--subject system:serviceaccount:hub:phib-image-builder --audiences api://AzureADTokenExchange"), "{s}");
        // The default works on the registry as it is: AcrPush, no change of mode.
        assert!(s.contains("az role assignment create --assignee 11111111-2222-3333-4444-555555555555 --role AcrPush --scope \"$(az acr show --name acme --query id -o tsv)\"\n"), "{s}");
        assert!(!s.contains("az acr update"), "{s}");
        assert!(!s.contains("--condition"), "{s}");
        let scoped = grant(
            &GrantFor {
                repository_scope: true,
                ..g.clone()
            },
            &Scope::Repo("app".into()),
        )
        .script();
        assert!(
            scoped.contains("az acr update --name acme --role-assignment-mode rbac-abac"),
            "{scoped}"
        );
        assert!(scoped.contains("az role assignment create --assignee 11111111-2222-3333-4444-555555555555 --role 'Container Registry Repository Writer'"), "{scoped}");
        assert!(scoped.contains("no longer honoured for any user of the registry, AKS clusters pulling through `--attach-acr`"), "{scoped}");
        let m = grant(
            &GrantFor {
                mode: AuthMode::Managed,
                client_id: None,
                ..g
            },
            &Scope::Repo("app".into()),
        )
        .script();
        assert!(!m.contains("federated-credential"));
        assert!(m.contains("IDENTITY_CLIENT_ID=..."));
        assert!(is_guid("11111111-2222-3333-4444-555555555555"));
        assert!(!is_guid("1111-2222"));
    }
}
