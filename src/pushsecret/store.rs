//! A push Secret copied from a central secret store: an `ExternalSecret` that reads one
//! credential from an existing `SecretStore` or `ClusterSecretStore` (Vault, AWS Secrets
//! Manager, Google Secret Manager, Azure Key Vault, ...) and builds the
//! `kubernetes.io/dockerconfigjson` push Secret from it. A fleet of PrimeHub clusters
//! then rotates once, in the store; phib never sees the password.

use serde_json::json;

use super::refresh::external_secret;
use super::template::{self, Login, Part};
use super::yaml;

/// How often the operator copies the credential again: a rotation in the store
/// reaches every cluster within this time, so keep the old credential valid at least
/// this long after rotating.
pub const REFRESH_INTERVAL: &str = "1h";

/// The key the store's value has in the template's data.
const DATA_KEY: &str = "password";

/// Which store; its grammar (`--from-store KIND/NAME`) is the field list's.
pub use crate::registry::keyless::store::StoreKind;

/// Everything the `ExternalSecret` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromStore {
    pub name: String,
    pub namespace: String,
    pub registry_endpoint: String,
    pub store_kind: StoreKind,
    pub store_name: String,
    /// The entry holding the password, token or keyfile.
    pub remote_key: String,
    /// The property of that entry, for stores that keep maps (Vault, JSON secrets).
    pub remote_property: Option<String>,
    /// The registry user name (not a secret: it is in the manifest).
    pub username: String,
}

impl FromStore {
    /// The `.dockerconfigjson` template.
    pub fn template(&self) -> String {
        template::dockerconfigjson(
            &self.registry_endpoint,
            Login::UserPassword {
                username: Part::Literal(&self.username),
                password: Part::Data(DATA_KEY),
            },
        )
    }

    pub fn document(&self) -> serde_json::Value {
        let mut remote = json!({"key": self.remote_key});
        if let Some(p) = &self.remote_property {
            remote["property"] = p.as_str().into();
        }
        external_secret(
            &self.name,
            &self.namespace,
            REFRESH_INTERVAL,
            &self.template(),
            json!({
                "secretStoreRef": {"kind": self.store_kind.name(), "name": self.store_name},
                "data": [{"secretKey": DATA_KEY, "remoteRef": remote}],
            }),
        )
    }

    pub fn manifests(&self) -> String {
        yaml::document(&self.document())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_external_secret_reads_the_one_key() {
        let s = FromStore {
            name: "primehub-image-builder-push".into(),
            namespace: "hub".into(),
            registry_endpoint: "docker.io".into(),
            store_kind: StoreKind::ClusterSecretStore,
            store_name: "vault".into(),
            remote_key: "primehub/registry".into(),
            remote_property: Some("token".into()),
            username: "acme".into(),
        };
        let doc: serde_json::Value = serde_yaml::from_str(&s.manifests()).unwrap();
        assert_eq!(doc, s.document());
        assert_eq!(doc["spec"]["secretStoreRef"]["kind"], "ClusterSecretStore");
        assert_eq!(
            doc["spec"]["data"][0]["remoteRef"]["key"],
            "primehub/registry"
        );
        assert_eq!(doc["spec"]["data"][0]["remoteRef"]["property"], "token");
        let tpl = doc["spec"]["target"]["template"]["data"][".dockerconfigjson"]
            .as_str()
            .unwrap();
        assert!(
            tpl.starts_with(r#"{"auths":{"index.docker.io":{"username":{{ "acme" | toJson }}"#),
            "{tpl}"
        );
    }
}
