//! The External Secrets Operator's objects that make a push Secret, read as the v2.9.0
//! API types define them: an `ExternalSecret` (`external-secrets.io/v1`:
//! `ExternalSecretSpec.target.name`, `secretStoreRef`, `data[].sourceRef.storeRef`,
//! `dataFrom[].sourceRef.{storeRef,generatorRef}`; `ExternalSecretStatus.conditions`
//! of type `Ready` and `refreshTime`), a `SecretStore` or `ClusterSecretStore`
//! (`SecretStoreStatus.conditions`), the registry generators
//! (`generators.external-secrets.io/v1alpha1`: `ECRAuthorizationToken`,
//! `GCRAccessToken`, `ACRAccessToken`, `GithubAccessToken`, `QuayAccessToken`; they
//! have no status) and the ServiceAccount a generator authenticates as.

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::{at, string_map, text};

/// A status condition as the API types write them (`type` is the one looked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `True`, `False` or `Unknown`.
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

impl Condition {
    pub fn is_true(&self) -> bool {
        self.status == "True"
    }
}

/// The condition of `type_` in `status.conditions`.
pub(super) fn condition(doc: &Value, type_: &str) -> Option<Condition> {
    at(doc, &["status", "conditions"])?
        .as_sequence()?
        .iter()
        .find(|c| c.get("type").and_then(Value::as_str) == Some(type_))
        .map(|c| Condition {
            status: text(c.get("status")).unwrap_or_else(|| "Unknown".into()),
            reason: text(c.get("reason")).filter(|s| !s.is_empty()),
            message: text(c.get("message")).filter(|s| !s.is_empty()),
        })
}

/// Where an `ExternalSecret` takes its data from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// A generator (`sourceRef.generatorRef`): its kind and name.
    Generator { kind: String, name: String },
    /// A `SecretStore` or `ClusterSecretStore` (`secretStoreRef`, `sourceRef.storeRef`).
    Store { kind: String, name: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSecretObject {
    pub name: String,
    /// The Secret it makes: `spec.target.name`, else its own name.
    pub target: String,
    pub sources: Vec<Source>,
    /// `status.conditions[type=Ready]`; `None` when the operator never wrote a status.
    pub ready: Option<Condition>,
    /// `status.refreshTime`: when the Secret was last written.
    pub refresh_time: Option<String>,
    pub refresh_interval: Option<String>,
}

/// The store kind a `SecretStoreRef` names: `SecretStore` when it says none.
fn store_kind(r: &Value) -> String {
    text(r.get("kind"))
        .filter(|k| !k.is_empty())
        .unwrap_or_else(|| "SecretStore".into())
}

pub(super) fn external_secret(doc: &Value, name: String) -> ExternalSecretObject {
    let spec = doc.get("spec");
    let mut sources = Vec::new();
    let mut store = |r: Option<&Value>| {
        if let Some(n) = r
            .and_then(|r| text(r.get("name")))
            .filter(|n| !n.is_empty())
        {
            let s = Source::Store {
                kind: store_kind(r.unwrap_or(&Value::Null)),
                name: n,
            };
            if !sources.contains(&s) {
                sources.push(s);
            }
        }
    };
    let entries = |key: &str| {
        spec.and_then(|s| s.get(key))
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default()
    };
    let data = entries("data");
    let data_from = entries("dataFrom");
    // An entry without a `sourceRef` of its own reads from `spec.secretStoreRef`.
    let uses_spec_store = data
        .iter()
        .chain(&data_from)
        .any(|e| e.get("sourceRef").is_none());
    if uses_spec_store {
        store(spec.and_then(|s| s.get("secretStoreRef")));
    }
    for e in data.iter().chain(&data_from) {
        store(at(e, &["sourceRef", "storeRef"]));
    }
    for e in &data_from {
        if let Some(g) = at(e, &["sourceRef", "generatorRef"]) {
            if let (Some(kind), Some(n)) = (text(g.get("kind")), text(g.get("name"))) {
                sources.push(Source::Generator { kind, name: n });
            }
        }
    }
    ExternalSecretObject {
        target: spec
            .and_then(|s| text(at(s, &["target", "name"])))
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| name.clone()),
        name,
        sources,
        ready: condition(doc, "Ready"),
        refresh_time: text(at(doc, &["status", "refreshTime"])).filter(|t| !t.is_empty()),
        refresh_interval: spec.and_then(|s| text(s.get("refreshInterval"))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreObject {
    /// `SecretStore` or `ClusterSecretStore`.
    pub kind: String,
    pub name: String,
    pub ready: Option<Condition>,
}

/// Who a generator logs in to the cloud as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeneratorAuth {
    /// A Kubernetes ServiceAccount of the namespace (IRSA, GKE or Azure Workload
    /// Identity, Quay's robot federation).
    ServiceAccount(String),
    /// The operator's own identity (no `auth`, or Azure Workload Identity without a
    /// `serviceAccountRef`).
    Operator,
    /// The nodes' managed identity (Azure).
    ManagedIdentity,
    /// A key kept in a Secret of the namespace: static cloud keys, a GitHub App's
    /// private key.
    SecretKey { name: String, key: String },
    /// Something phib does not follow (Workload Identity Federation).
    Other(&'static str),
}

#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorObject {
    pub kind: String,
    pub name: String,
    pub spec: Value,
}

impl GeneratorObject {
    /// The identity, from where each generator's spec keeps it.
    pub fn auth(&self) -> GeneratorAuth {
        let s = &self.spec;
        let sa = |path: &[&str]| text(at(s, path)).filter(|n| !n.is_empty());
        let key = |path: &[&str]| {
            let r = at(s, path)?;
            Some(GeneratorAuth::SecretKey {
                name: text(r.get("name"))?,
                key: text(r.get("key")).unwrap_or_default(),
            })
        };
        let found = match self.kind.as_str() {
            "ECRAuthorizationToken" => sa(&["auth", "jwt", "serviceAccountRef", "name"])
                .map(GeneratorAuth::ServiceAccount)
                .or_else(|| key(&["auth", "secretRef", "secretAccessKeySecretRef"])),
            "GCRAccessToken" => sa(&["auth", "workloadIdentity", "serviceAccountRef", "name"])
                .map(GeneratorAuth::ServiceAccount)
                .or_else(|| {
                    at(s, &["auth", "workloadIdentityFederation"])
                        .map(|_| GeneratorAuth::Other("Workload Identity Federation"))
                })
                .or_else(|| key(&["auth", "secretRef", "secretAccessKeySecretRef"])),
            "ACRAccessToken" => sa(&["auth", "workloadIdentity", "serviceAccountRef", "name"])
                .map(GeneratorAuth::ServiceAccount)
                .or_else(|| {
                    at(s, &["auth", "managedIdentity"]).map(|_| GeneratorAuth::ManagedIdentity)
                })
                .or_else(|| key(&["auth", "servicePrincipal", "secretRef", "clientSecret"])),
            "QuayAccessToken" => {
                sa(&["serviceAccountRef", "name"]).map(GeneratorAuth::ServiceAccount)
            }
            "GithubAccessToken" => key(&["auth", "privateKey", "secretRef"]),
            _ => None,
        };
        found.unwrap_or(GeneratorAuth::Operator)
    }

    /// A string of the spec, for the lines that name the identity (`clusterProjectID`).
    pub fn spec_text(&self, path: &[&str]) -> Option<String> {
        text(at(&self.spec, path)).filter(|s| !s.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountObject {
    pub name: String,
    pub annotations: BTreeMap<String, String>,
}

pub(super) fn service_account(doc: &Value, name: String) -> ServiceAccountObject {
    ServiceAccountObject {
        name,
        annotations: string_map(at(doc, &["metadata", "annotations"]))
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect(),
    }
}
