//! The Kubernetes objects the checks look at, read from what helm and kubectl print: a
//! multi-document manifest (`helm get manifest`, `helm template`, a support bundle with
//! `kubectl get -o yaml` appended) or kubectl's JSON; a `kind: List` (what `kubectl get`
//! prints for several objects) counts as its `items`. Only what the checks need is
//! kept: Secrets (their data decoded, never shown), ConfigMaps, PrimeHub's Images
//! (`images.primehub.io`) and ImageSpecJobs, Pods, Events and the Namespace
//! ([`build`]), the External Secrets chain ([`eso`]) and the SealedSecrets
//! ([`sealed`]).

pub mod build;
pub mod eso;
pub mod sealed;

use std::collections::BTreeMap;

use base64::Engine;
use serde_yaml::Value;

use crate::Result;
pub use build::{
    ContainerState, ContainerStatus, EventObject, ImageSpecJobObject, NamespaceObject, PodLog,
    PodObject, Unread,
};
pub use eso::{
    Condition, ExternalSecretObject, GeneratorAuth, GeneratorObject, ServiceAccountObject, Source,
    StoreObject,
};
pub use sealed::SealedSecretObject;

/// The Secret type the controller and the kubelet need for a pull or push Secret.
pub const DOCKERCONFIGJSON_TYPE: &str = "kubernetes.io/dockerconfigjson";
/// The key of that type's Secret that buildah is given as its authfile.
pub const DOCKERCONFIGJSON_KEY: &str = ".dockerconfigjson";
/// The type of the Secrets where helm keeps each release revision (values included).
pub const HELM_RELEASE_TYPE: &str = "helm.sh/release.v1";

/// A Secret. Each value of `data` is decoded from base64 (`None` when it is not
/// base64); `stringData` counts as data.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretObject {
    pub name: String,
    pub type_: Option<String>,
    pub data: BTreeMap<String, Option<Vec<u8>>>,
    /// The `ExternalSecret` that owns it (`metadata.ownerReferences`), if one does.
    pub owner_external_secret: Option<String>,
    /// The SealedSecret that owns it, if one does.
    pub owner_sealed_secret: Option<String>,
}

impl std::fmt::Debug for SecretObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretObject")
            .field("name", &self.name)
            .field("type", &self.type_)
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .field("owner_external_secret", &self.owner_external_secret)
            .field("owner_sealed_secret", &self.owner_sealed_secret)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMapObject {
    pub name: String,
    pub data: BTreeMap<String, String>,
}

/// An Image a user defined in PrimeHub: where it is pulled from, and with which Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageObject {
    pub name: String,
    pub url: Option<String>,
    /// `urlForGpu`, the image for GPU nodes, pulled with the same Secret.
    pub url_for_gpu: Option<String>,
    pub pull_secret: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Objects {
    pub secrets: Vec<SecretObject>,
    pub config_maps: Vec<ConfigMapObject>,
    pub images: Vec<ImageObject>,
    /// `helm.sh/chart` labels (`primehub-4.1.0`) seen on any object.
    pub chart_labels: Vec<String>,
    pub external_secrets: Vec<ExternalSecretObject>,
    pub sealed_secrets: Vec<SealedSecretObject>,
    pub stores: Vec<StoreObject>,
    pub generators: Vec<GeneratorObject>,
    pub service_accounts: Vec<ServiceAccountObject>,
    pub pods: Vec<PodObject>,
    pub image_spec_jobs: Vec<ImageSpecJobObject>,
    pub events: Vec<EventObject>,
    pub namespaces: Vec<NamespaceObject>,
    /// Container logs (live only: a bundle holds none).
    pub logs: Vec<PodLog>,
    /// What the live form could not read, and why.
    pub unread: Vec<Unread>,
    /// The first `metadata.namespace` seen (what `kubectl get -o yaml` wrote), for
    /// the commands a bundle's findings print.
    pub namespace: Option<String>,
}

impl Objects {
    /// Reads every document of `text` (YAML or JSON); `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Objects> {
        let mut out = Objects::default();
        for doc in crate::values::read::documents(text) {
            let doc = doc.map_err(|e| {
                e.in_stream(source).with_help(
                    "give the output of `helm get manifest RELEASE` or `helm template` as it is; put a `---` line before each output appended with `>>`",
                )
            })?;
            out.add(&doc.value);
        }
        Ok(out)
    }

    /// Adds one object, or the items of a `List`.
    pub fn add(&mut self, doc: &Value) {
        if let Some(items) = doc.get("items").and_then(Value::as_sequence) {
            for item in items {
                self.add(item);
            }
            return;
        }
        let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
        let api = doc.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        let group = api.split_once('/').map_or("", |(g, _)| g);
        if kind == "Event" {
            self.events.extend(build::event(doc));
            return;
        }
        let meta = doc.get("metadata");
        let Some(name) = text(meta.and_then(|m| m.get("name"))) else {
            return;
        };
        if self.namespace.is_none() {
            self.namespace = text(at(doc, &["metadata", "namespace"])).filter(|n| !n.is_empty());
        }
        if let Some(label) = text(at(doc, &["metadata", "labels", "helm.sh/chart"])) {
            if !self.chart_labels.contains(&label) {
                self.chart_labels.push(label);
            }
        }
        match (group, kind) {
            ("", "Secret") => self.secrets.push(SecretObject {
                name,
                type_: text(doc.get("type")),
                data: secret_data(doc),
                owner_external_secret: owner(doc, "ExternalSecret"),
                owner_sealed_secret: owner(doc, "SealedSecret"),
            }),
            ("", "ConfigMap") => self.config_maps.push(ConfigMapObject {
                name,
                data: string_map(doc.get("data"))
                    .into_iter()
                    .filter_map(|(k, v)| Some((k, v?)))
                    .collect(),
            }),
            ("", "ServiceAccount") => self.service_accounts.push(eso::service_account(doc, name)),
            ("", "Pod") => self.pods.push(build::pod(doc, name)),
            ("", "Namespace") => self.namespaces.push(build::namespace(doc, name)),
            ("primehub.io", "Image") => {
                let spec = |k: &str| text(at(doc, &["spec", k])).filter(|s| !s.is_empty());
                self.images.push(ImageObject {
                    name,
                    url: spec("url"),
                    url_for_gpu: spec("urlForGpu"),
                    pull_secret: spec("pullSecret"),
                });
            }
            ("primehub.io", "ImageSpecJob") => {
                self.image_spec_jobs.push(build::image_spec_job(doc, name))
            }
            (ESO_GROUP, "ExternalSecret") => {
                self.external_secrets.push(eso::external_secret(doc, name))
            }
            (ESO_GROUP, "SecretStore" | "ClusterSecretStore") => self.stores.push(StoreObject {
                kind: kind.to_string(),
                name,
                ready: eso::condition(doc, "Ready"),
            }),
            (SEALED_GROUP, "SealedSecret") => {
                self.sealed_secrets.push(sealed::sealed_secret(doc, name))
            }
            (GENERATORS_GROUP, _) => self.generators.push(GeneratorObject {
                kind: kind.to_string(),
                name,
                spec: doc.get("spec").cloned().unwrap_or(Value::Null),
            }),
            _ => {}
        }
    }

    pub fn secret(&self, name: &str) -> Option<&SecretObject> {
        self.secrets.iter().find(|s| s.name == name)
    }

    pub fn config_map(&self, name: &str) -> Option<&ConfigMapObject> {
        self.config_maps.iter().find(|c| c.name == name)
    }
}

/// The API group of `ExternalSecret`, `SecretStore` and `ClusterSecretStore`.
pub const ESO_GROUP: &str = "external-secrets.io";
/// The API group of the External Secrets Operator's generators.
pub const GENERATORS_GROUP: &str = "generators.external-secrets.io";
/// The API group of the sealed-secrets controller's `SealedSecret`.
pub const SEALED_GROUP: &str = "bitnami.com";

/// The name kubectl knows the objects of `kind` by (`singular.group` for the custom
/// ones), for the kinds the doctor reads one by one; `None` for any other kind.
pub fn kubectl_resource(kind: &str) -> Option<String> {
    use crate::registry::keyless::{aws, azure, github, google, quay};
    let generators = [
        aws::GENERATOR.kind,
        google::GENERATOR.kind,
        azure::GENERATOR.kind,
        github::GENERATOR.kind,
        quay::GENERATOR.kind,
    ];
    match kind {
        "ServiceAccount" | "Secret" | "Pod" | "Namespace" => Some(kind.to_ascii_lowercase()),
        "ExternalSecret" | "SecretStore" | "ClusterSecretStore" => {
            Some(format!("{}.{ESO_GROUP}", kind.to_ascii_lowercase()))
        }
        "SealedSecret" => Some(format!("sealedsecret.{SEALED_GROUP}")),
        k if generators.contains(&k) => {
            Some(format!("{}.{GENERATORS_GROUP}", k.to_ascii_lowercase()))
        }
        _ => None,
    }
}

/// The value at `path` below `doc`.
fn at<'a>(doc: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(doc, |v, k| v.get(*k))
}

/// A string value (`None` for anything else).
fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str).map(str::to_string)
}

/// The name of the owner of `kind` in `metadata.ownerReferences`.
fn owner(doc: &Value, kind: &str) -> Option<String> {
    at(doc, &["metadata", "ownerReferences"])?
        .as_sequence()?
        .iter()
        .find(|o| o.get("kind").and_then(Value::as_str) == Some(kind))
        .and_then(|o| text(o.get("name")))
}

/// The string values of a mapping, `None` for one that is not a string.
fn string_map(v: Option<&Value>) -> BTreeMap<String, Option<String>> {
    let Some(Value::Mapping(m)) = v else {
        return BTreeMap::new();
    };
    m.iter()
        .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str().map(str::to_string))))
        .collect()
}

fn secret_data(doc: &Value) -> BTreeMap<String, Option<Vec<u8>>> {
    let mut out: BTreeMap<String, Option<Vec<u8>>> = string_map(doc.get("data"))
        .into_iter()
        .map(|(k, v)| {
            let bytes = v.and_then(|v| {
                base64::engine::general_purpose::STANDARD
                    .decode(v.trim())
                    .ok()
            });
            (k, bytes)
        })
        .collect();
    for (k, v) in string_map(doc.get("stringData")) {
        out.insert(k, v.map(String::into_bytes));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_manifests_lists_and_skips_the_rest() {
        let text = "---\n# Source: x\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  labels:\n    helm.sh/chart: primehub-3.8.0\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: eyJhIjoxfQ==\n  bad: '!!'\nstringData:\n  plain: text\n---\n---\nkind: ConfigMap\nmetadata: {name: c}\ndata: {config.yaml: 'a: 1'}\n---\n{\"kind\":\"List\",\"items\":[{\"apiVersion\":\"primehub.io/v1alpha1\",\"kind\":\"Image\",\"metadata\":{\"name\":\"i\"},\"spec\":{\"url\":\"r.io/a:1\",\"pullSecret\":\"\"}},{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}]}\n";
        let o = Objects::parse(text, "f").unwrap();
        let s = o.secret("s").unwrap();
        assert_eq!(s.type_.as_deref(), Some(DOCKERCONFIGJSON_TYPE));
        assert_eq!(
            s.data[".dockerconfigjson"].as_deref(),
            Some(&b"{\"a\":1}"[..])
        );
        assert_eq!(s.data["bad"], None);
        assert_eq!(s.data["plain"].as_deref(), Some(&b"text"[..]));
        assert_eq!(o.config_map("c").unwrap().data["config.yaml"], "a: 1");
        assert_eq!(
            o.images,
            vec![ImageObject {
                name: "i".into(),
                url: Some("r.io/a:1".into()),
                url_for_gpu: None,
                pull_secret: None
            }]
        );
        assert_eq!(o.chart_labels, vec!["primehub-3.8.0".to_string()]);
        assert!(!format!("{s:?}").contains("eyJ"));
    }

    #[test]
    fn a_broken_document_is_bad_input_naming_it() {
        let err = Objects::parse("kind: Secret\n---\n: [\n", "`m.yaml`").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.message.contains("document 2"), "{}", err.message);
    }
}
