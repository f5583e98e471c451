//! The keyless choices of external mode, from flags or the wizard, turned into the
//! manifests to write and the grant to show: `--refresh external-secrets` (a generator
//! minting short-lived tokens from the cluster's workload identity) or `--from-store
//! KIND/NAME --remote-key KEY` (a credential copied from a central secret store). Every
//! refusal names the flag and the fix, before anything is written. Pure: what it needs
//! from the registry settings comes in as the endpoint, the push target and the user.

mod wiring;

use super::refresh::Refresh;
use super::store::FromStore;
use crate::registry::keyless::{self, Grant, Scope};
use crate::registry::{check, FieldId, Kind};
use crate::values::model::PushTarget;
use crate::{Error, Result};

pub use wiring::parse_gke_cluster;
use wiring::{aws_identity, azure_identity, from_store, google_identity, quay_identity};

pub use crate::registry::keyless::azure::AuthMode as AzureIdentity;

/// The keyless options, as the user gave them. Their flags are [`Flag::name`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeylessChoice {
    /// `--refresh external-secrets` (or `--ecr-refresh external-secrets`).
    pub refresh: bool,
    /// `--refresh-service-account NAME`: the Kubernetes ServiceAccount the generator
    /// authenticates as.
    pub service_account: Option<String>,
    /// `--gke-cluster [PROJECT/]LOCATION/NAME`.
    pub gke_cluster: Option<String>,
    /// `--gcp-service-account EMAIL`.
    pub gcp_service_account: Option<String>,
    /// `--azure-identity workload|managed`.
    pub azure_identity: Option<AzureIdentity>,
    /// `--azure-client-id ID`.
    pub azure_client_id: Option<String>,
    /// `--azure-tenant-id ID`.
    pub azure_tenant_id: Option<String>,
    /// `--aws-role-arn ARN` (IRSA).
    pub aws_role_arn: Option<String>,
    /// `--from-store KIND/NAME`.
    pub from_store: Option<String>,
    /// `--remote-key KEY`.
    pub remote_key: Option<String>,
    /// `--remote-property NAME`.
    pub remote_property: Option<String>,
}

/// Every keyless option, declared once: its flag, value name, help and the registries
/// it is for. `phib render`'s arguments are made from this list, its messages name
/// these flags, and the wizard fills the same [`KeylessChoice`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Refresh,
    ServiceAccount,
    GkeCluster,
    GcpServiceAccount,
    AzureIdentity,
    AzureClientId,
    AzureTenantId,
    AwsRoleArn,
    FromStore,
    RemoteKey,
    RemoteProperty,
}

impl Flag {
    /// Every keyless option, in the order `phib render --help` lists them.
    pub const ALL: [Flag; 11] = [
        Flag::Refresh,
        Flag::ServiceAccount,
        Flag::GkeCluster,
        Flag::GcpServiceAccount,
        Flag::AzureIdentity,
        Flag::AzureClientId,
        Flag::AzureTenantId,
        Flag::AwsRoleArn,
        Flag::FromStore,
        Flag::RemoteKey,
        Flag::RemoteProperty,
    ];

    /// The field of the field list this option is, for the identity options; the
    /// others (the mode and the store) are the secret mode's own.
    pub fn field(self) -> Option<FieldId> {
        match self {
            Flag::ServiceAccount => Some(FieldId::RefreshServiceAccount),
            Flag::GkeCluster => Some(FieldId::GkeCluster),
            Flag::GcpServiceAccount => Some(FieldId::GcpServiceAccount),
            Flag::AzureIdentity => Some(FieldId::AzureIdentity),
            Flag::AzureClientId => Some(FieldId::AzureClientId),
            Flag::AzureTenantId => Some(FieldId::AzureTenantId),
            Flag::AwsRoleArn => Some(FieldId::AwsRoleArn),
            Flag::Refresh | Flag::FromStore | Flag::RemoteKey | Flag::RemoteProperty => None,
        }
    }

    /// The option that is field `id`.
    pub fn of_field(id: FieldId) -> Option<Flag> {
        Flag::ALL.into_iter().find(|f| f.field() == Some(id))
    }

    pub fn name(self) -> &'static str {
        match self {
            Flag::Refresh => "--refresh",
            Flag::FromStore => "--from-store",
            Flag::RemoteKey => "--remote-key",
            Flag::RemoteProperty => "--remote-property",
            other => other.field().map_or("", FieldId::flag),
        }
    }

    /// The value's name in `--help`.
    pub fn value_name(self) -> &'static str {
        match self {
            Flag::Refresh => "HOW",
            Flag::FromStore => "KIND/NAME",
            Flag::RemoteKey => "KEY",
            Flag::RemoteProperty => "NAME",
            other => other
                .field()
                .and_then(FieldId::value_name)
                .unwrap_or("VALUE"),
        }
    }

    /// The only values the option takes, when it is a choice.
    pub fn choices(self) -> Option<&'static [&'static str]> {
        match self {
            Flag::Refresh => Some(&["external-secrets"]),
            _ => None,
        }
    }

    /// The one-paragraph help of `phib render --help`.
    pub fn help(self) -> &'static str {
        match self {
            Flag::Refresh => "External mode without a long-lived key: the External Secrets Operator mints short-lived tokens from the cluster's workload identity and keeps the push Secret fresh (artifact-registry, gcr, acr, ecr, quay; docs/keyless/)",
            Flag::FromStore => "External mode: copy the credential from an existing `SecretStore/NAME` or `ClusterSecretStore/NAME` (one rotation in the store serves every cluster; docs/keyless/central-store.md)",
            Flag::RemoteKey => "With `--from-store`: the store's entry holding the password, token or keyfile",
            Flag::RemoteProperty => "With `--from-store`: the field of that entry, for stores that keep maps",
            other => other.field().map_or("", FieldId::help),
        }
    }

    /// The registries this option is for, as the field list declares them (`None`:
    /// every registry with a generator).
    fn kinds(self) -> Option<Vec<Kind>> {
        let id = self.field()?;
        Some(Kind::ALL.into_iter().filter(|k| k.accepts(id)).collect())
    }
}

impl KeylessChoice {
    /// The options that were given.
    fn given(&self) -> Vec<Flag> {
        Flag::ALL
            .into_iter()
            .filter(|f| self.value(*f).is_some())
            .collect()
    }

    /// Whether the credentials come from the operator (no password or keyfile is
    /// needed).
    pub fn is_keyless(&self) -> bool {
        self.refresh || self.from_store.is_some()
    }

    /// Whether `--username` still names someone: the owner of a stored credential, or
    /// the Quay robot that federates. A generator's login needs no user name.
    pub fn uses_username(&self, kind: Kind) -> bool {
        self.from_store.is_some() || kind == Kind::Quay
    }

    /// Sets the option `flag` as the command line gives it (a choice is one of
    /// [`Flag::choices`], which the command line has checked).
    pub fn set(&mut self, flag: Flag, value: String) {
        match flag {
            Flag::Refresh => self.refresh = true,
            Flag::ServiceAccount => self.service_account = Some(value),
            Flag::GkeCluster => self.gke_cluster = Some(value),
            Flag::GcpServiceAccount => self.gcp_service_account = Some(value),
            Flag::AzureIdentity => {
                self.azure_identity = Some(if value == "managed" {
                    AzureIdentity::Managed
                } else {
                    AzureIdentity::Workload
                })
            }
            Flag::AzureClientId => self.azure_client_id = Some(value),
            Flag::AzureTenantId => self.azure_tenant_id = Some(value),
            Flag::AwsRoleArn => self.aws_role_arn = Some(value),
            Flag::FromStore => self.from_store = Some(value),
            Flag::RemoteKey => self.remote_key = Some(value),
            Flag::RemoteProperty => self.remote_property = Some(value),
        }
    }

    /// The value of `flag`, as the command line would give it.
    pub fn value(&self, flag: Flag) -> Option<String> {
        match flag {
            Flag::Refresh => self.refresh.then(|| "external-secrets".to_string()),
            Flag::ServiceAccount => self.service_account.clone(),
            Flag::GkeCluster => self.gke_cluster.clone(),
            Flag::GcpServiceAccount => self.gcp_service_account.clone(),
            Flag::AzureIdentity => self.azure_identity.map(|m| {
                match m {
                    AzureIdentity::Workload => "workload",
                    AzureIdentity::Managed => "managed",
                }
                .to_string()
            }),
            Flag::AzureClientId => self.azure_client_id.clone(),
            Flag::AzureTenantId => self.azure_tenant_id.clone(),
            Flag::AwsRoleArn => self.aws_role_arn.clone(),
            Flag::FromStore => self.from_store.clone(),
            Flag::RemoteKey => self.remote_key.clone(),
            Flag::RemoteProperty => self.remote_property.clone(),
        }
    }

    /// The `phib render` words for these options (unquoted).
    pub fn flags(&self) -> Vec<String> {
        Flag::ALL
            .into_iter()
            .filter_map(|f| self.value(f).map(|v| [f.name().to_string(), v]))
            .flatten()
            .collect()
    }
}

/// What the registry settings give the plan.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub kind: Kind,
    /// `registryEndpoint`.
    pub registry_endpoint: &'a str,
    pub push: &'a PushTarget,
    /// `--username`, for a credential kept in a store.
    pub username: Option<&'a str>,
    /// `--acr-repository-scope`: the grant limited to the repository through ABAC.
    pub acr_repository_scope: bool,
}

/// The manifests to write instead of a static Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifests {
    Refresh(Refresh),
    Store(FromStore),
}

impl Manifests {
    pub fn text(&self) -> String {
        match self {
            Manifests::Refresh(r) => r.manifests(),
            Manifests::Store(s) => s.manifests(),
        }
    }

    /// The push Secret's name.
    pub fn name(&self) -> &str {
        match self {
            Manifests::Refresh(r) => &r.name,
            Manifests::Store(s) => &s.name,
        }
    }

    pub fn namespace(&self) -> &str {
        match self {
            Manifests::Refresh(r) => &r.namespace,
            Manifests::Store(s) => &s.namespace,
        }
    }

    /// In words, for summaries (no secret in it).
    pub fn describe(&self) -> String {
        match self {
            Manifests::Refresh(r) => {
                let sa = r
                    .service_account_manifest()
                    .map(|_| {
                        format!(
                            "the ServiceAccount `{}`, ",
                            r.service_account.as_deref().unwrap_or_default()
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "{sa}the {} `{}` and the ExternalSecret `{}` (namespace `{}`, renewed every {})",
                    r.generator().kind,
                    r.generator_name(),
                    r.name,
                    r.namespace,
                    r.generator().refresh_interval()
                )
            }
            Manifests::Store(s) => format!(
                "the ExternalSecret `{}` (namespace `{}`) copying `{}` from the {} `{}`",
                s.name,
                s.namespace,
                s.remote_key,
                s.store_kind.name(),
                s.store_name
            ),
        }
    }
}

/// The manifests and the least-privilege grant to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub manifests: Manifests,
    pub grant: Grant,
}

const REFRESH: &str = "`--secret-mode external --refresh external-secrets`";
const STORE: &str = "`--secret-mode external --from-store KIND/NAME`";

fn only_with(flag: Flag, needs: &str) -> Error {
    Error::usage(format!("`{}` is only used with {needs}", flag.name()))
        .with_help(format!("add {needs}, or remove `{}`", flag.name()))
}

fn bad(flag: Flag, value: &str, why: &str, fix: &str) -> Error {
    Error::usage(format!("`{}` `{value}` {why}", flag.name())).with_help(fix.to_string())
}

/// The path of the push target after the registry host.
fn scope(push: &PushTarget) -> Scope {
    let path = |s: &str| {
        s.split_once('/')
            .map(|(_, p)| p.to_string())
            .unwrap_or_default()
    };
    match push {
        PushTarget::Repo(r) => Scope::Repo(path(r)),
        PushTarget::Prefix(p) => Scope::Prefix(path(p)),
    }
}

/// The refusals that depend only on the registry kind: whether it can do keyless at
/// all in the chosen way, and options meant for another registry. Run before anything
/// else is checked, so that the reason comes first.
pub fn check_kind(choice: &KeylessChoice, kind: Kind) -> Result<()> {
    if !choice.is_keyless() {
        if let Some(flag) = choice.given().first() {
            let needs = if matches!(flag, Flag::RemoteKey | Flag::RemoteProperty) {
                STORE
            } else {
                REFRESH
            };
            return Err(only_with(*flag, needs));
        }
        return Ok(());
    }
    if choice.refresh && choice.from_store.is_some() {
        return Err(Error::usage(
            "`--refresh external-secrets` and `--from-store` were both given",
        )
        .with_help("pick one: `--refresh` mints short-lived tokens from the cluster's identity; `--from-store` copies a credential kept in a secret store"));
    }
    if choice.refresh {
        generator(kind)?;
    }
    if choice.from_store.is_some() && kind == Kind::Ecr {
        return Err(Error::usage(
            "`--registry ecr` cannot use `--from-store`: ECR tokens expire after 12 hours, so a stored one stops working the same day",
        )
        .with_help("use `--refresh external-secrets`, which mints a fresh token every hour (docs/keyless/aws.md)"));
    }
    for flag in choice.given() {
        if let Some(kinds) = flag.kinds() {
            if !kinds.contains(&kind) {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                return Err(Error::usage(format!(
                    "`{}` is for `--registry {}`, not `--registry {}`",
                    flag.name(),
                    names.join("` or `"),
                    kind.name()
                ))
                .with_help(format!("remove `{}`", flag.name())));
            }
        }
    }
    Ok(())
}

/// The registry's token generator, or why it has none (exit 2, with the alternative).
fn generator(kind: Kind) -> Result<&'static keyless::Generator> {
    keyless::generator(kind).map_err(|r| {
        Error::usage(format!(
            "`--registry {}` cannot use `--refresh external-secrets`: {}",
            kind.name(),
            r.reason
        ))
        .with_help(r.alternative)
    })
}

/// Checks the keyless options against the registry and builds what to write. `None`:
/// no keyless option was given (and none may be).
pub fn plan(
    choice: &KeylessChoice,
    facts: Facts<'_>,
    name: &str,
    namespace: &str,
) -> Result<Option<Plan>> {
    check_kind(choice, facts.kind)?;
    let given = choice.given();
    if !choice.is_keyless() {
        return Ok(None);
    }
    let kind = facts.kind;
    let scope = scope(facts.push);
    if let Some(store_ref) = &choice.from_store {
        for flag in &given {
            if !matches!(
                flag,
                Flag::FromStore | Flag::RemoteKey | Flag::RemoteProperty
            ) {
                return Err(only_with(*flag, REFRESH));
            }
        }
        if facts.acr_repository_scope {
            let flag = FieldId::AcrRepositoryScope.flag();
            return Err(Error::usage(format!("`{flag}` is only used with {REFRESH}: a stored credential's reach is set where it is made (an ACR token's scope map)"))
                .with_help(format!("remove `{flag}`")));
        }
        return from_store(choice, store_ref, facts, name, namespace, &scope).map(Some);
    }
    for flag in [Flag::RemoteKey, Flag::RemoteProperty] {
        if given.contains(&flag) {
            return Err(only_with(flag, STORE));
        }
    }
    let generator = generator(kind)?;
    let sa = match &choice.service_account {
        Some(sa) => {
            check::secret_name(sa)
                .map_err(|e| bad(Flag::ServiceAccount, sa, &e.reason, &e.help))?;
            sa.clone()
        }
        None => keyless::DEFAULT_IDENTITY_NAME.to_string(),
    };
    let host = check::endpoint_host(facts.registry_endpoint).to_string();
    let path = scope.path().to_string();
    let (identity, service_account, grant) = match kind {
        Kind::ArtifactRegistry | Kind::Gcr => {
            google_identity(choice, &host, &path, namespace, &sa, &scope)?
        }
        Kind::Acr => azure_identity(
            choice,
            &host,
            namespace,
            &sa,
            &scope,
            facts.acr_repository_scope,
        )?,
        Kind::Ecr => aws_identity(choice, &host, namespace, &scope)?,
        Kind::Quay => quay_identity(facts.username, &host, namespace, &sa, &scope)?,
        Kind::Ghcr | Kind::DockerHub | Kind::Harbor => {
            return Err(Error::bug(format!("a generator for `{}`", kind.name())))
        }
    };
    let refresh = Refresh {
        name: name.to_string(),
        namespace: namespace.to_string(),
        registry_endpoint: facts.registry_endpoint.to_string(),
        identity,
        service_account,
    };
    debug_assert_eq!(refresh.generator(), generator);
    Ok(Some(Plan {
        manifests: Manifests::Refresh(refresh),
        grant,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pushsecret::refresh::{AwsAuth, Identity};

    fn facts<'a>(kind: Kind, endpoint: &'a str, push: &'a PushTarget) -> Facts<'a> {
        Facts {
            kind,
            registry_endpoint: endpoint,
            push,
            username: None,
            acr_repository_scope: false,
        }
    }

    fn refresh() -> KeylessChoice {
        KeylessChoice {
            refresh: true,
            ..Default::default()
        }
    }

    #[test]
    fn artifact_registry_with_a_gke_cluster() {
        let push = PushTarget::Repo("europe-west1-docker.pkg.dev/acme/images/builds".into());
        let f = facts(
            Kind::ArtifactRegistry,
            "https://europe-west1-docker.pkg.dev",
            &push,
        );
        let err = plan(&refresh(), f, "push", "hub").unwrap_err();
        assert!(err.message.contains("--gke-cluster"), "{}", err.message);
        let choice = KeylessChoice {
            gke_cluster: Some("europe-west1/hub".into()),
            ..refresh()
        };
        let p = plan(&choice, f, "push", "hub").unwrap().unwrap();
        let Manifests::Refresh(r) = &p.manifests else {
            panic!()
        };
        assert_eq!(
            r.identity,
            Identity::Google {
                project: "acme".into(),
                cluster_project: "acme".into(),
                cluster_location: "europe-west1".into(),
                cluster_name: "hub".into(),
                gcp_service_account: "phib-image-builder@acme.iam.gserviceaccount.com".into(),
            }
        );
        assert!(p
            .grant
            .script()
            .contains("add-iam-policy-binding images --project=acme --location=europe-west1"));
        let other = KeylessChoice {
            gke_cluster: Some("ops/us-central1/fleet".into()),
            ..refresh()
        };
        let p = plan(&other, f, "push", "hub").unwrap().unwrap();
        assert!(p
            .grant
            .script()
            .contains("ops.svc.id.goog[hub/phib-image-builder]"));
    }

    #[test]
    fn refusals_name_the_flag_and_exit_2() {
        let push = PushTarget::Prefix("ghcr.io/acme".into());
        let f = facts(Kind::Ghcr, "ghcr.io", &push);
        let err = plan(&refresh(), f, "push", "hub").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("installation tokens"),
            "{}",
            err.message
        );
        assert!(err.help.unwrap().contains("--from-store"));
        let only = KeylessChoice {
            gke_cluster: Some("a/b".into()),
            ..Default::default()
        };
        assert!(plan(&only, f, "push", "hub")
            .unwrap_err()
            .message
            .contains("only used with"));
        let wrong_kind = KeylessChoice {
            gke_cluster: Some("a/b".into()),
            ..refresh()
        };
        let push = PushTarget::Repo("acme.azurecr.io/app".into());
        let f = facts(Kind::Acr, "https://acme.azurecr.io", &push);
        let err = plan(&wrong_kind, f, "push", "hub").unwrap_err();
        assert!(
            err.message
                .contains("is for `--registry artifact-registry` or `gcr`"),
            "{}",
            err.message
        );
        let err = plan(&refresh(), f, "push", "hub").unwrap_err();
        assert!(err.message.contains("--azure-client-id"), "{}", err.message);
        let both = KeylessChoice {
            from_store: Some("SecretStore/x".into()),
            ..refresh()
        };
        assert!(plan(&both, f, "push", "hub").is_err());
        assert_eq!(
            plan(&KeylessChoice::default(), f, "push", "hub").unwrap(),
            None
        );
    }

    #[test]
    fn ecr_operator_identity_and_irsa() {
        let push = PushTarget::Repo("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app".into());
        let f = facts(
            Kind::Ecr,
            "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
            &push,
        );
        let p = plan(&refresh(), f, "aws-registry", "hub").unwrap().unwrap();
        let Manifests::Refresh(r) = &p.manifests else {
            panic!()
        };
        assert_eq!(
            r.identity,
            Identity::Aws {
                region: "us-east-1".into(),
                auth: AwsAuth::Operator
            }
        );
        assert!(p.grant.script().contains("repository/team/app"));
        let irsa = KeylessChoice {
            aws_role_arn: Some("arn:aws:iam::123456789012:role/builder".into()),
            ..refresh()
        };
        let p = plan(&irsa, f, "aws-registry", "hub").unwrap().unwrap();
        assert!(p.manifests.text().contains("eks.amazonaws.com/role-arn"));
        assert!(p.grant.script().contains("--role-name builder"));
        let store = KeylessChoice {
            from_store: Some("SecretStore/x".into()),
            remote_key: Some("k".into()),
            ..Default::default()
        };
        assert!(plan(&store, f, "n", "hub")
            .unwrap_err()
            .message
            .contains("12 hours"));
    }

    #[test]
    fn a_store_needs_a_key_and_a_user_except_for_google() {
        let push = PushTarget::Prefix("docker.io/acme".into());
        let f = facts(Kind::DockerHub, "docker.io", &push);
        let mut c = KeylessChoice {
            from_store: Some("ClusterSecretStore/vault".into()),
            ..Default::default()
        };
        assert!(plan(&c, f, "n", "hub")
            .unwrap_err()
            .message
            .contains("--remote-key"));
        c.remote_key = Some("primehub/registry".into());
        assert!(plan(&c, f, "n", "hub")
            .unwrap_err()
            .message
            .contains("--username"));
        let with_user = Facts {
            username: Some("acme"),
            ..f
        };
        let p = plan(&c, with_user, "n", "hub").unwrap().unwrap();
        assert!(matches!(p.manifests, Manifests::Store(_)));
        let push = PushTarget::Repo("europe-west1-docker.pkg.dev/acme/images/app".into());
        let g = facts(
            Kind::ArtifactRegistry,
            "https://europe-west1-docker.pkg.dev",
            &push,
        );
        let Manifests::Store(s) = plan(&c, g, "n", "hub").unwrap().unwrap().manifests else {
            panic!()
        };
        assert_eq!(s.username, "_json_key");
    }
}
