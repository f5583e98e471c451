//! The keyless choices of external mode, from flags or the wizard, turned into the
//! manifests to write and the grant to show: `--refresh external-secrets` (a generator
//! minting short-lived tokens from the cluster's workload identity) or `--from-store
//! KIND/NAME --remote-key KEY` (a credential copied from a central secret store). The
//! options are fields of the field list ([`crate::registry::field`]), each value checked
//! by its field's grammar when it was given; the plan checks how they go together and
//! with the registry, and every refusal names the flag (as the field list spells it)
//! and the fix, before anything is written. Pure: what it needs from the registry
//! settings comes in as the endpoint, the push target and the user.

mod wiring;

use super::refresh::Refresh;
use super::store::FromStore;
use crate::registry::keyless::{self, Grant, Scope};
use crate::registry::{check, Answers, FieldId, Kind};
use crate::values::model::PushTarget;
use crate::{Error, Result};

pub use wiring::parse_gke_cluster;
use wiring::{aws_identity, azure_identity, from_store, google_identity, quay_identity};

pub use crate::registry::keyless::azure::AuthMode as AzureIdentity;

/// The keyless options, as the user gave them (each already checked by its field): one
/// member per field of [`KeylessChoice::FIELDS`].
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

/// The value `--refresh` takes (its one choice in the field list).
fn refresh_value() -> &'static str {
    FieldId::Refresh
        .choices()
        .first()
        .map_or("external-secrets", |c| c.value)
}

impl KeylessChoice {
    /// The fields a choice holds, in the order a `phib render` command gives them.
    pub const FIELDS: [FieldId; 11] = [
        FieldId::Refresh,
        FieldId::RefreshServiceAccount,
        FieldId::GkeCluster,
        FieldId::GcpServiceAccount,
        FieldId::AzureIdentity,
        FieldId::AzureClientId,
        FieldId::AzureTenantId,
        FieldId::AwsRoleArn,
        FieldId::FromStore,
        FieldId::RemoteKey,
        FieldId::RemoteProperty,
    ];

    /// The keyless options among `answers` (the command line's, whose fields checked
    /// each value when it was set).
    pub fn of(answers: &Answers) -> KeylessChoice {
        let text = |id| answers.text(id).map(str::to_string);
        KeylessChoice {
            refresh: answers.is_set(FieldId::Refresh),
            service_account: text(FieldId::RefreshServiceAccount),
            gke_cluster: text(FieldId::GkeCluster),
            gcp_service_account: text(FieldId::GcpServiceAccount),
            azure_identity: answers
                .text(FieldId::AzureIdentity)
                .and_then(AzureIdentity::from_name),
            azure_client_id: text(FieldId::AzureClientId),
            azure_tenant_id: text(FieldId::AzureTenantId),
            aws_role_arn: text(FieldId::AwsRoleArn),
            from_store: text(FieldId::FromStore),
            remote_key: text(FieldId::RemoteKey),
            remote_property: text(FieldId::RemoteProperty),
        }
    }

    /// The options that were given.
    fn given(&self) -> Vec<FieldId> {
        KeylessChoice::FIELDS
            .into_iter()
            .filter(|id| self.value(*id).is_some())
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

    /// The value of field `id`, as the command line would give it (`None` for a field
    /// the choice does not hold).
    pub fn value(&self, id: FieldId) -> Option<String> {
        let text = match id {
            FieldId::Refresh => return self.refresh.then(|| refresh_value().to_string()),
            FieldId::AzureIdentity => return self.azure_identity.map(|m| m.name().to_string()),
            FieldId::RefreshServiceAccount => &self.service_account,
            FieldId::GkeCluster => &self.gke_cluster,
            FieldId::GcpServiceAccount => &self.gcp_service_account,
            FieldId::AzureClientId => &self.azure_client_id,
            FieldId::AzureTenantId => &self.azure_tenant_id,
            FieldId::AwsRoleArn => &self.aws_role_arn,
            FieldId::FromStore => &self.from_store,
            FieldId::RemoteKey => &self.remote_key,
            FieldId::RemoteProperty => &self.remote_property,
            _ => return None,
        };
        text.clone()
    }

    /// The `phib render` words for these options (unquoted).
    pub fn flags(&self) -> Vec<String> {
        KeylessChoice::FIELDS
            .into_iter()
            .filter_map(|id| self.value(id).map(|v| [id.flag().to_string(), v]))
            .flatten()
            .collect()
    }
}

/// The registries option `id` is for, as the field list declares them.
fn kinds(id: FieldId) -> Vec<Kind> {
    Kind::ALL.into_iter().filter(|k| k.accepts(id)).collect()
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

/// How a message names the way to ask for generated tokens.
fn with_refresh() -> String {
    format!("`--secret-mode external {}`", FieldId::Refresh.usage())
}

/// How a message names the way to copy a stored credential.
fn with_store() -> String {
    format!("`--secret-mode external {}`", FieldId::FromStore.usage())
}

fn only_with(id: FieldId, needs: &str) -> Error {
    let flag = id.flag();
    Error::usage(format!("`{flag}` is only used with {needs}"))
        .with_help(format!("add {needs}, or remove `{flag}`"))
}

fn bad(id: FieldId, value: &str, why: &str, fix: &str) -> Error {
    Error::usage(format!("`{}` `{value}` {why}", id.flag())).with_help(fix.to_string())
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
    let (refresh, from_store) = (FieldId::Refresh.usage(), FieldId::FromStore.flag());
    if !choice.is_keyless() {
        if let Some(id) = choice.given().first() {
            let needs = if matches!(id, FieldId::RemoteKey | FieldId::RemoteProperty) {
                with_store()
            } else {
                with_refresh()
            };
            return Err(only_with(*id, &needs));
        }
        return Ok(());
    }
    if choice.refresh && choice.from_store.is_some() {
        return Err(Error::usage(format!(
            "`{refresh}` and `{from_store}` were both given"
        ))
        .with_help(format!("pick one: `{}` mints short-lived tokens from the cluster's identity; `{from_store}` copies a credential kept in a secret store", FieldId::Refresh.flag())));
    }
    if choice.refresh {
        generator(kind)?;
    }
    if choice.from_store.is_some() && kind == Kind::Ecr {
        return Err(Error::usage(format!(
            "`--registry ecr` cannot use `{from_store}`: ECR tokens expire after 12 hours, so a stored one stops working the same day"
        ))
        .with_help(format!("use `{refresh}`, which mints a fresh token every hour (docs/keyless/aws.md)")));
    }
    for id in choice.given() {
        let kinds = kinds(id);
        if !kinds.contains(&kind) {
            let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
            return Err(Error::usage(format!(
                "`{}` is for `--registry {}`, not `--registry {}`",
                id.flag(),
                names.join("` or `"),
                kind.name()
            ))
            .with_help(format!("remove `{}`", id.flag())));
        }
    }
    Ok(())
}

/// The registry's token generator, or why it has none (exit 2, with the alternative).
fn generator(kind: Kind) -> Result<&'static keyless::Generator> {
    keyless::generator(kind).map_err(|r| {
        Error::usage(format!(
            "`--registry {}` cannot use `{}`: {}",
            kind.name(),
            FieldId::Refresh.usage(),
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
        for id in &given {
            if !matches!(
                id,
                FieldId::FromStore | FieldId::RemoteKey | FieldId::RemoteProperty
            ) {
                return Err(only_with(*id, &with_refresh()));
            }
        }
        if facts.acr_repository_scope {
            let flag = FieldId::AcrRepositoryScope.flag();
            return Err(Error::usage(format!("`{flag}` is only used with {}: a stored credential's reach is set where it is made (an ACR token's scope map)", with_refresh()))
                .with_help(format!("remove `{flag}`")));
        }
        return from_store(choice, store_ref, facts, name, namespace, &scope).map(Some);
    }
    for id in [FieldId::RemoteKey, FieldId::RemoteProperty] {
        if given.contains(&id) {
            return Err(only_with(id, &with_store()));
        }
    }
    let generator = generator(kind)?;
    let sa = choice
        .service_account
        .clone()
        .unwrap_or_else(|| keyless::DEFAULT_IDENTITY_NAME.to_string());
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

    /// The choice is read from the answers the command line set, and gives back the
    /// same words, `--refresh` first.
    #[test]
    fn the_choice_is_the_answers_of_its_fields() {
        use crate::registry::Answer;
        let mut answers = Answers::new(Kind::Acr);
        for (id, value) in [
            (
                FieldId::AzureClientId,
                "11111111-2222-3333-4444-555555555555",
            ),
            (FieldId::Refresh, "external-secrets"),
            (FieldId::AzureIdentity, "managed"),
            (FieldId::AcrName, "acmeregistry"),
        ] {
            answers.set(id, Answer::Text(value.into())).unwrap();
        }
        let choice = KeylessChoice::of(&answers);
        assert!(choice.refresh && choice.is_keyless());
        assert_eq!(choice.azure_identity, Some(AzureIdentity::Managed));
        assert_eq!(
            choice.flags(),
            [
                "--refresh",
                "external-secrets",
                "--azure-identity",
                "managed",
                "--azure-client-id",
                "11111111-2222-3333-4444-555555555555"
            ]
        );
        assert_eq!(
            KeylessChoice::of(&Answers::new(Kind::Acr)),
            KeylessChoice::default()
        );
        // Every field the choice holds is a keyless or external-mode field, and its value
        // is read back.
        for id in KeylessChoice::FIELDS {
            assert!(id.keyless() || id.external(), "{id:?}");
        }
        assert_eq!(choice.value(FieldId::AcrName), None);
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
            gke_cluster: Some("ops-fleet/us-central1/fleet".into()),
            ..refresh()
        };
        let p = plan(&other, f, "push", "hub").unwrap().unwrap();
        assert!(p
            .grant
            .script()
            .contains("ops-fleet.svc.id.goog[hub/phib-image-builder]"));
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
