//! The manifests that keep a push Secret fresh without a long-lived key: the
//! Kubernetes ServiceAccount the cloud trusts (with that cloud's annotation), an
//! External Secrets Operator generator that mints a short-lived registry token as that
//! identity, and an `ExternalSecret` that templates the token into the
//! `kubernetes.io/dockerconfigjson` Secret named in `pushSecretName` and renews it well
//! before the token expires. None of them holds a secret. The facts (generator kinds,
//! lifetimes, annotations) are [`crate::registry::keyless`]'s.

use serde_json::{json, Map, Value};

use super::template::{self, Login, Part};
use super::{yaml, MANAGED_BY_LABEL, SECRET_TYPE};
use crate::registry::keyless::{
    self, aws, azure, github, google, quay, GeneratedLogin, Generator, EXTERNAL_SECRET_API,
    GENERATOR_API,
};

/// How the generator authenticates, per cloud.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// GKE Workload Identity, impersonating `gcp_service_account`.
    Google {
        /// The registry's project (`spec.projectID`).
        project: String,
        cluster_project: String,
        cluster_location: String,
        cluster_name: String,
        gcp_service_account: String,
    },
    Azure {
        /// `NAME.azurecr.io`.
        registry_host: String,
        tenant_id: Option<String>,
        auth: AzureAuth,
    },
    Aws {
        region: String,
        auth: AwsAuth,
    },
    Quay {
        /// The Quay host, e.g. `quay.io`.
        host: String,
        /// `ORG+NAME`.
        robot: String,
    },
    /// A GitHub App installation (not offered for ghcr.io, which refuses its tokens).
    Github {
        app_id: String,
        install_id: String,
        /// The Secret (in the namespace) holding the App's private key, and its key.
        private_key_secret: (String, String),
        /// Repositories the token is limited to (empty: the installation's).
        repositories: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AzureAuth {
    /// Azure Workload Identity with this managed identity's client id (the default).
    Workload { client_id: String },
    /// A managed identity of the nodes (`None`: the only one assigned).
    Managed { identity_id: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsAuth {
    /// The operator's own AWS identity.
    Operator,
    /// IRSA: the ServiceAccount assumes this role (`None`: the ServiceAccount exists
    /// already, annotated; phib only names it).
    Irsa { role_arn: Option<String> },
}

/// Everything the manifests need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refresh {
    /// The push Secret (also the `ExternalSecret`'s name).
    pub name: String,
    pub namespace: String,
    /// `registryEndpoint`; the auth key is its host, normalised as buildah does.
    pub registry_endpoint: String,
    pub identity: Identity,
    /// The Kubernetes ServiceAccount the generator authenticates as, where the
    /// identity uses one.
    pub service_account: Option<String>,
}

fn labels() -> Value {
    let (k, v) = MANAGED_BY_LABEL;
    json!({ k: v })
}

fn metadata(name: &str, namespace: &str) -> Value {
    json!({"name": name, "namespace": namespace, "labels": labels()})
}

impl Refresh {
    /// The generator's facts.
    pub fn generator(&self) -> &'static Generator {
        match self.identity {
            Identity::Google { .. } => &google::GENERATOR,
            Identity::Azure { .. } => &azure::GENERATOR,
            Identity::Aws { .. } => &aws::GENERATOR,
            Identity::Quay { .. } => &quay::GENERATOR,
            Identity::Github { .. } => &github::GENERATOR,
        }
    }

    /// The generator's name: the Secret's, with the cloud's token kind.
    pub fn generator_name(&self) -> String {
        let suffix = match self.identity {
            Identity::Google { .. } => "gcr-token",
            Identity::Azure { .. } => "acr-token",
            Identity::Aws { .. } => "ecr-token",
            Identity::Quay { .. } => "quay-token",
            Identity::Github { .. } => "github-token",
        };
        format!("{}-{suffix}", self.name)
    }

    /// The ServiceAccount phib writes, with the cloud's annotations, when it has one
    /// to write.
    pub fn service_account_manifest(&self) -> Option<Value> {
        let name = self.service_account.as_deref()?;
        let annotations: Map<String, Value> = match &self.identity {
            Identity::Google {
                gcp_service_account,
                ..
            } => [(
                google::SERVICE_ACCOUNT_ANNOTATION,
                gcp_service_account.as_str(),
            )]
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
            .collect(),
            Identity::Azure {
                tenant_id,
                auth: AzureAuth::Workload { client_id },
                ..
            } => {
                let mut m = Map::new();
                m.insert(
                    azure::CLIENT_ID_ANNOTATION.into(),
                    client_id.as_str().into(),
                );
                if let Some(t) = tenant_id {
                    m.insert(azure::TENANT_ID_ANNOTATION.into(), t.as_str().into());
                }
                m
            }
            Identity::Aws {
                auth: AwsAuth::Irsa {
                    role_arn: Some(arn),
                },
                ..
            } => [(
                aws::SERVICE_ACCOUNT_ANNOTATION.to_string(),
                Value::String(arn.clone()),
            )]
            .into_iter()
            .collect(),
            // Quay trusts the ServiceAccount's tokens by their subject: no annotation.
            Identity::Quay { .. } => Map::new(),
            _ => return None,
        };
        let mut meta = metadata(name, &self.namespace);
        if !annotations.is_empty() {
            meta["annotations"] = Value::Object(annotations);
        }
        Some(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}))
    }

    fn sa_ref(&self) -> Value {
        json!({"name": self.service_account.as_deref().unwrap_or(keyless::DEFAULT_IDENTITY_NAME)})
    }

    /// The generator's `spec`.
    fn generator_spec(&self) -> Value {
        match &self.identity {
            Identity::Google {
                project,
                cluster_project,
                cluster_location,
                cluster_name,
                ..
            } => json!({
                "projectID": project,
                "auth": {"workloadIdentity": {
                    "clusterLocation": cluster_location,
                    "clusterName": cluster_name,
                    "clusterProjectID": cluster_project,
                    "serviceAccountRef": self.sa_ref(),
                }},
            }),
            Identity::Azure {
                registry_host,
                tenant_id,
                auth,
            } => {
                let mut spec = json!({"registry": registry_host});
                if let Some(t) = tenant_id {
                    spec["tenantId"] = t.as_str().into();
                }
                spec["environmentType"] = "PublicCloud".into();
                spec["auth"] = match auth {
                    AzureAuth::Workload { .. } => {
                        json!({"workloadIdentity": {"serviceAccountRef": self.sa_ref()}})
                    }
                    AzureAuth::Managed {
                        identity_id: Some(id),
                    } => {
                        json!({"managedIdentity": {"identityId": id}})
                    }
                    AzureAuth::Managed { identity_id: None } => json!({"managedIdentity": {}}),
                };
                spec
            }
            Identity::Aws { region, auth } => {
                let mut spec = json!({"region": region});
                if let AwsAuth::Irsa { .. } = auth {
                    spec["auth"] = json!({"jwt": {"serviceAccountRef": self.sa_ref()}});
                }
                spec
            }
            Identity::Quay { host, robot } => json!({
                "url": host,
                "robotAccount": robot,
                "serviceAccountRef": self.sa_ref(),
            }),
            Identity::Github {
                app_id,
                install_id,
                private_key_secret: (secret, key),
                repositories,
            } => {
                let mut spec = json!({
                    "appID": app_id,
                    "installID": install_id,
                    "auth": {"privateKey": {"secretRef": {"name": secret, "key": key}}},
                    "permissions": {"packages": "write"},
                });
                if !repositories.is_empty() {
                    spec["repositories"] = json!(repositories);
                }
                spec
            }
        }
    }

    /// The `.dockerconfigjson` template for this generator's outputs.
    pub fn template(&self) -> String {
        let login = match self.generator().login {
            GeneratedLogin::UserPassword => Login::UserPassword {
                username: Part::Data("username"),
                password: Part::Data("password"),
            },
            GeneratedLogin::Token { username, key } => Login::UserPassword {
                username: Part::Literal(username),
                password: Part::Data(key),
            },
            GeneratedLogin::Auth { key } => Login::Auth(Part::Data(key)),
        };
        template::dockerconfigjson(&self.registry_endpoint, login)
    }

    /// Every document, in the order to apply them: the ServiceAccount (when phib
    /// writes one), the generator, the `ExternalSecret`.
    pub fn documents(&self) -> Vec<Value> {
        let gen = self.generator();
        let gen_name = self.generator_name();
        let mut docs: Vec<Value> = self.service_account_manifest().into_iter().collect();
        docs.push(json!({
            "apiVersion": GENERATOR_API,
            "kind": gen.kind,
            "metadata": metadata(&gen_name, &self.namespace),
            "spec": self.generator_spec(),
        }));
        docs.push(external_secret(
            &self.name,
            &self.namespace,
            &gen.refresh_interval(),
            &self.template(),
            json!({"dataFrom": [{"sourceRef": {"generatorRef": {
                "apiVersion": GENERATOR_API,
                "kind": gen.kind,
                "name": gen_name,
            }}}]}),
        ));
        docs
    }

    /// The documents as YAML, `---` between them.
    pub fn manifests(&self) -> String {
        yaml::documents(&self.documents())
    }
}

/// An `ExternalSecret` that owns the push Secret `name`, renders `template` into its
/// `.dockerconfigjson`, and takes its data from `source` (`dataFrom` or `data` plus
/// `secretStoreRef`, merged into the spec).
pub fn external_secret(
    name: &str,
    namespace: &str,
    refresh_interval: &str,
    template: &str,
    source: Value,
) -> Value {
    let mut spec = json!({
        "refreshInterval": refresh_interval,
        "target": {
            "name": name,
            "creationPolicy": "Owner",
            "template": {
                "type": SECRET_TYPE,
                "engineVersion": "v2",
                "metadata": {"labels": labels()},
                "data": {".dockerconfigjson": template},
            },
        },
    });
    if let (Some(spec), Value::Object(source)) = (spec.as_object_mut(), source) {
        spec.extend(source);
    }
    json!({
        "apiVersion": EXTERNAL_SECRET_API,
        "kind": "ExternalSecret",
        "metadata": metadata(name, namespace),
        "spec": spec,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn google() -> Refresh {
        Refresh {
            name: "primehub-image-builder-push".into(),
            namespace: "hub".into(),
            registry_endpoint: "https://europe-west1-docker.pkg.dev".into(),
            identity: Identity::Google {
                project: "acme".into(),
                cluster_project: "acme".into(),
                cluster_location: "europe-west1".into(),
                cluster_name: "hub".into(),
                gcp_service_account: "phib-image-builder@acme.iam.gserviceaccount.com".into(),
            },
            service_account: Some("phib-image-builder".into()),
        }
    }

    fn parse(text: &str) -> Vec<serde_json::Value> {
        serde_yaml::Deserializer::from_str(text)
            .map(|d| serde::Deserialize::deserialize(d).unwrap())
            .collect()
    }

    #[test]
    fn google_documents_point_at_each_other() {
        let r = google();
        let docs = parse(&r.manifests());
        assert_eq!(docs, r.documents());
        let [sa, gen, es] = &docs[..] else {
            panic!("{docs:?}")
        };
        assert_eq!(sa["kind"], "ServiceAccount");
        assert_eq!(
            sa["metadata"]["annotations"]["iam.gke.io/gcp-service-account"],
            "phib-image-builder@acme.iam.gserviceaccount.com"
        );
        assert_eq!(gen["kind"], "GCRAccessToken");
        assert_eq!(
            gen["spec"]["auth"]["workloadIdentity"]["serviceAccountRef"]["name"],
            sa["metadata"]["name"]
        );
        assert_eq!(es["spec"]["refreshInterval"], "20m");
        assert_eq!(
            es["spec"]["dataFrom"][0]["sourceRef"]["generatorRef"]["name"],
            gen["metadata"]["name"]
        );
        assert_eq!(es["spec"]["target"]["name"], "primehub-image-builder-push");
        let tpl = es["spec"]["target"]["template"]["data"][".dockerconfigjson"]
            .as_str()
            .unwrap();
        assert!(
            tpl.starts_with(r#"{"auths":{"europe-west1-docker.pkg.dev":"#),
            "{tpl}"
        );
    }

    #[test]
    fn only_identities_with_a_service_account_write_one() {
        let aws = Refresh {
            identity: Identity::Aws {
                region: "us-east-1".into(),
                auth: AwsAuth::Operator,
            },
            service_account: None,
            ..google()
        };
        let docs = aws.documents();
        assert_eq!(docs.len(), 2);
        assert!(docs[0]["spec"].get("auth").is_none());
        let irsa = Refresh {
            identity: Identity::Aws {
                region: "us-east-1".into(),
                auth: AwsAuth::Irsa {
                    role_arn: Some("arn:aws:iam::123456789012:role/x".into()),
                },
            },
            service_account: Some("builder".into()),
            ..aws.clone()
        };
        let docs = irsa.documents();
        assert_eq!(
            docs[0]["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
            "arn:aws:iam::123456789012:role/x"
        );
        assert_eq!(
            docs[1]["spec"]["auth"]["jwt"]["serviceAccountRef"]["name"],
            "builder"
        );
        let managed = Refresh {
            identity: Identity::Azure {
                registry_host: "acme.azurecr.io".into(),
                tenant_id: None,
                auth: AzureAuth::Managed { identity_id: None },
            },
            service_account: Some("unused".into()),
            ..aws
        };
        assert_eq!(managed.documents().len(), 2);
    }
}
