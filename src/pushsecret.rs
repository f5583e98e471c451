//! External push-secret mode: the registry credentials go into a Secret of the
//! administrator's own, named by `pushSecretName`, instead of the Helm values. PrimeHub's
//! chart copies the whole `customImage` block into the controller ConfigMap in plain
//! text, and every value sits in the Helm release Secret; a `kubernetes.io/dockerconfigjson`
//! Secret outside the chart keeps the password out of both, and rotating it needs no
//! `helm upgrade`.
//!
//! Everything here is pure (no files, no processes), so the command line and a wizard
//! build the same values block and the same manifest: [`split`] turns a validated
//! `customImage` into the block without credentials plus a [`PushSecret`], whose
//! [`PushSecret::manifest`] is the Secret to write or apply. Without a long-lived key,
//! [`keyless`] plans the External Secrets Operator manifests that keep such a Secret
//! fresh instead: a generator of short-lived tokens ([`refresh`]), or a copy from a
//! central store ([`store`]).

pub mod deliver;
pub mod keyless;
pub mod refresh;
pub mod sealed;
pub mod store;
pub mod template;
pub mod yaml;

use base64::Engine;
use serde_json::{json, Value};

use crate::block::CustomImage;
use crate::chart;
use crate::registry::{check, Code, Warning};
use crate::secret::Secret;
use crate::{Error, Result};

/// The push Secret's name when none is given: clearly not the chart's own
/// (`<fullname>-controller-custom-image-push-secret`), so the two never collide.
pub const DEFAULT_NAME: &str = "primehub-image-builder-push";

/// PrimeHub's namespace when none is given.
pub use crate::chart::DEFAULT_NAMESPACE;

/// The label that marks a Secret as written by phib.
pub const MANAGED_BY_LABEL: (&str, &str) = ("app.kubernetes.io/managed-by", "phib");

/// The Secret type image builders and kubelet read.
pub const SECRET_TYPE: &str = "kubernetes.io/dockerconfigjson";

/// Where the credentials of the image builder live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretMode {
    /// In the Helm values (`registryUsername`/`registryPassword`); the chart makes the
    /// push Secret, and copies the password into the controller ConfigMap.
    #[default]
    Values,
    /// In a Secret of the administrator's own, named by `pushSecretName`.
    External,
    /// In a SealedSecret ([`sealed`]) that the sealed-secrets controller in the cluster
    /// turns into that Secret: the one form of it that can be committed to git.
    Sealed,
}

impl SecretMode {
    /// Whether the credentials live in a Secret of the administrator's own, which the
    /// values only name (`pushSecretName`): external and sealed mode.
    pub fn own_secret(self) -> bool {
        matches!(self, SecretMode::External | SecretMode::Sealed)
    }

    /// The name `--secret-mode` takes.
    pub fn name(self) -> &'static str {
        match self {
            SecretMode::Values => "values",
            SecretMode::External => "external",
            SecretMode::Sealed => "sealed",
        }
    }
}

/// A `kubernetes.io/dockerconfigjson` Secret holding one registry login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushSecret {
    pub name: String,
    pub namespace: String,
    /// `registryEndpoint` as written in the values; the Secret is keyed by its host.
    pub registry_endpoint: String,
    pub username: String,
    pub password: Secret,
}

impl PushSecret {
    /// The key of `auths`: the endpoint normalised as buildah (containers/image)
    /// normalises auth keys, so it matches the host of the push repository.
    pub fn auth_key(&self) -> String {
        check::normalize_auth_key(&self.registry_endpoint)
    }

    /// The `.dockerconfigjson` document: `{"auths":{HOST:{username,password,auth}}}`.
    pub fn dockerconfigjson(&self) -> Secret {
        Secret::new(dockerconfigjson(
            &self.auth_key(),
            &self.username,
            &self.password,
        ))
    }

    /// The Secret's `data` value: the `.dockerconfigjson` document in base64.
    pub fn data(&self) -> Secret {
        Secret::new(
            base64::engine::general_purpose::STANDARD
                .encode(self.dockerconfigjson().expose().as_bytes()),
        )
    }

    /// The Secret manifest (YAML, one document, written by the one YAML writer
    /// [`yaml::document`]), ready for `kubectl apply -f`.
    pub fn manifest(&self) -> Secret {
        let (label, value) = MANAGED_BY_LABEL;
        let doc = json!({
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": { label: value },
            },
            "type": SECRET_TYPE,
            "data": { ".dockerconfigjson": self.data().expose() },
        });
        Secret::holding(yaml::document(&doc))
    }
}

/// Whether `text` is a manifest phib wrote: one or more YAML documents, each carrying
/// the [`MANAGED_BY_LABEL`]. Only such a file may be replaced by `--secret-out` without
/// `--overwrite-secret-out`.
pub fn is_own_manifest(text: &str) -> bool {
    let (label, value) = MANAGED_BY_LABEL;
    let mut docs = 0;
    for doc in crate::values::read::documents(text) {
        let Ok(doc) = doc else {
            return false;
        };
        if doc.value["metadata"]["labels"][label].as_str() != Some(value) {
            return false;
        }
        docs += 1;
    }
    docs > 0
}

/// The `.dockerconfigjson` text for one login under `auth_key`. JSON-escaped throughout;
/// `auth` is `base64(username:password)` ([`crate::secret::basic_auth`]), which is what
/// buildah and kubelet read.
pub fn dockerconfigjson(auth_key: &str, username: &str, password: &Secret) -> String {
    let auth = crate::secret::basic_auth(username, password.expose());
    let mut entry = serde_json::Map::new();
    entry.insert("username".into(), Value::String(username.into()));
    entry.insert("password".into(), Value::String(password.expose().into()));
    entry.insert("auth".into(), Value::String(auth));
    let mut auths = serde_json::Map::new();
    auths.insert(auth_key.into(), Value::Object(entry));
    json!({ "auths": auths }).to_string()
}

/// What the external mode needs besides the validated block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalOptions {
    /// The Secret's name (`None`: [`DEFAULT_NAME`]).
    pub name: Option<String>,
    /// PrimeHub's namespace (`None`: [`DEFAULT_NAMESPACE`]).
    pub namespace: Option<String>,
    /// PrimeHub's Helm release (`None`: `primehub`): decides the chart's own secret
    /// name, which the Secret must not take.
    pub release: Option<String>,
}

impl ExternalOptions {
    /// The Secret's name and namespace, defaults filled in, both checked.
    pub fn name_and_namespace(&self) -> Result<(&str, &str)> {
        let name = self.name.as_deref().unwrap_or(DEFAULT_NAME);
        let namespace = self.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE);
        check_name(
            name,
            self.release
                .as_deref()
                .unwrap_or(crate::chart::DEFAULT_RELEASE),
        )?;
        check_namespace(namespace)?;
        Ok((name, namespace))
    }
}

/// The block to write in external mode, and the Secret to create (`None` when the
/// registry has no static login, as ECR).
#[derive(Debug, Clone)]
pub struct External {
    pub custom_image: CustomImage,
    pub secret: Option<PushSecret>,
}

/// Checks the Secret's name: a valid Kubernetes name, and not the chart's own push
/// secret for `release`, which `helm upgrade` would refuse to take over (or would
/// overwrite with the values' empty credentials).
pub fn check_name(name: &str, release: &str) -> Result<()> {
    check::secret_name(name).map_err(|e| {
        Error::usage(format!("`--secret-name` `{name}` {}", e.reason)).with_help(e.help)
    })?;
    let chart = chart::push_secret_name(&chart::Naming {
        release,
        ..Default::default()
    });
    if name == chart {
        return Err(Error::usage(format!(
            "`--secret-name` `{name}` is the chart's own push secret for release `{release}`: helm would fight over it (`helm upgrade` fails on ownership, or renders it again without credentials)"
        ))
        .with_help(format!(
            "pick another name, for example the default `{DEFAULT_NAME}`"
        )));
    }
    Ok(())
}

/// A Kubernetes namespace name (DNS label).
pub fn check_namespace(namespace: &str) -> Result<()> {
    check::namespace(namespace).map_err(|e| {
        Error::usage(format!("`--namespace` `{namespace}` {}", e.reason)).with_help(e.help)
    })
}

/// Moves the credentials of a validated block into a [`PushSecret`]: the block keeps
/// `registryEndpoint`, the push repository and `insecureSkipVerify`, loses
/// `registryUsername`/`registryPassword`, and names the Secret in `pushSecretName`.
/// The warning about the password in the values no longer applies and is dropped.
pub fn split(
    custom_image: CustomImage,
    warnings: &mut Vec<Warning>,
    opts: &ExternalOptions,
) -> Result<External> {
    let (name, namespace) = opts.name_and_namespace()?;
    let CustomImage {
        registry_endpoint,
        registry_username,
        registry_password,
        push,
        push_secret_name: _,
        insecure_skip_verify,
    } = custom_image;
    let secret = match (registry_username, registry_password) {
        (Some(username), Some(password)) => Some(PushSecret {
            name: name.to_string(),
            namespace: namespace.to_string(),
            registry_endpoint: registry_endpoint.clone(),
            username,
            password,
        }),
        (None, None) => None,
        _ => {
            return Err(Error::bug(
                "a login with only a username or only a password",
            ))
        }
    };
    warnings.retain(|w| w.code != Code::PasswordInValues);
    Ok(External {
        custom_image: CustomImage {
            registry_endpoint,
            registry_username: None,
            registry_password: None,
            push,
            push_secret_name: Some(name.to_string()),
            insecure_skip_verify,
        },
        secret,
    })
}

/// Why a wizard recommends the external mode, in one sentence.
pub const WHY_EXTERNAL: &str = "PrimeHub's chart copies a password kept in the values into a ConfigMap in plain text; a Secret of your own keeps it out of the values, the release and the ConfigMap, and can be rotated without `helm upgrade`.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::model::PushTarget;

    fn block() -> CustomImage {
        CustomImage {
            registry_endpoint: "https://reg.example.com:5000".into(),
            registry_username: Some("robot$ci".into()),
            registry_password: Some(Secret::new("p@ss w:rd\"\\")),
            push: Some(PushTarget::Repo("reg.example.com:5000/team/app".into())),
            push_secret_name: None,
            insecure_skip_verify: true,
        }
    }

    fn opts() -> ExternalOptions {
        ExternalOptions {
            name: None,
            namespace: None,
            release: None,
        }
    }

    #[test]
    fn split_moves_the_login_into_the_secret() {
        let other = Warning::new(Code::PlainHttp, "other");
        let mut warnings = vec![crate::settings::password_in_values(), other.clone()];
        let ext = split(block(), &mut warnings, &opts()).unwrap();
        assert_eq!(warnings, [other]);
        let ci = &ext.custom_image;
        assert_eq!(ci.registry_username, None);
        assert_eq!(ci.registry_password, None);
        assert_eq!(ci.push_secret_name.as_deref(), Some(DEFAULT_NAME));
        assert_eq!(ci.registry_endpoint, "https://reg.example.com:5000");
        assert!(ci.insecure_skip_verify);
        let s = ext.secret.unwrap();
        assert_eq!(
            (s.name.as_str(), s.namespace.as_str()),
            (DEFAULT_NAME, "hub")
        );
        assert_eq!(s.auth_key(), "reg.example.com:5000");
    }

    #[test]
    fn dockerconfigjson_golden() {
        let got = dockerconfigjson("index.docker.io", "me", &Secret::new("a\"b\\c:d"));
        assert_eq!(
            got,
            r#"{"auths":{"index.docker.io":{"username":"me","password":"a\"b\\c:d","auth":"bWU6YSJiXGM6ZA=="}}}"#
        );
    }

    #[test]
    fn manifest_golden_and_decodes_back() {
        let ext = split(block(), &mut Vec::new(), &opts()).unwrap();
        let s = ext.secret.unwrap();
        let text = s.manifest();
        let doc: serde_yaml::Value = serde_yaml::from_str(text.expose()).unwrap();
        assert_eq!(doc["kind"], "Secret");
        assert_eq!(doc["type"], SECRET_TYPE);
        assert_eq!(doc["metadata"]["name"], DEFAULT_NAME);
        assert_eq!(doc["metadata"]["namespace"], "hub");
        assert_eq!(doc["metadata"]["labels"][MANAGED_BY_LABEL.0], "phib");
        let data = doc["data"][".dockerconfigjson"].as_str().unwrap();
        let json = base64::engine::general_purpose::STANDARD
            .decode(data)
            .unwrap();
        assert_eq!(json, s.dockerconfigjson().expose().as_bytes());
        let creds = crate::verify::dockerconfig::pick(&json, "reg.example.com:5000", "t").unwrap();
        assert_eq!(creds.username, "robot$ci");
        assert_eq!(creds.password.expose(), "p@ss w:rd\"\\");
        assert!(!format!("{s:?}").contains("p@ss"));
    }

    #[test]
    fn docker_hub_is_keyed_as_buildah_normalises_it() {
        let s = PushSecret {
            name: "n".into(),
            namespace: "hub".into(),
            registry_endpoint: "docker.io".into(),
            username: "u".into(),
            password: Secret::new("p"),
        };
        assert_eq!(s.auth_key(), "index.docker.io");
        let s = PushSecret {
            registry_endpoint: "https://ghcr.io/".into(),
            ..s
        };
        assert_eq!(s.auth_key(), "ghcr.io");
    }

    #[test]
    fn names_colliding_with_the_chart_are_refused() {
        for (name, release) in [
            ("primehub-controller-custom-image-push-secret", "primehub"),
            ("hub-primehub-controller-custom-image-push-secret", "hub"),
        ] {
            let err = check_name(name, release).unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.message.contains("chart's own"), "{}", err.message);
        }
        check_name("primehub-controller-custom-image-push-secret", "hub").unwrap();
        assert!(check_name("Bad_Name", "primehub").is_err());
        assert!(check_namespace("hub").is_ok());
        assert!(check_namespace("Hub").is_err());
    }

    /// `helm upgrade --reuse-values` keeps keys that are not passed: the block external
    /// mode writes must reach helm with the login keys as explicit nulls.
    #[test]
    fn the_upgrade_of_an_external_block_nulls_the_login() {
        let ext = split(block(), &mut Vec::new(), &opts()).unwrap();
        let text = crate::values::render::render(&ext.custom_image).unwrap();
        let doc: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let passed = crate::helm::plan::upgrade_block(&doc["customImage"]);
        assert_eq!(passed["registryUsername"], Value::Null);
        assert_eq!(passed["registryPassword"], Value::Null);
        assert!(passed.as_object().unwrap().contains_key("registryPassword"));
        assert_eq!(passed["pushSecretName"], DEFAULT_NAME);
    }

    #[test]
    fn a_registry_without_a_login_gives_no_secret() {
        let ci = CustomImage {
            registry_username: None,
            registry_password: None,
            ..block()
        };
        let ext = split(ci, &mut Vec::new(), &opts()).unwrap();
        assert!(ext.secret.is_none());
        assert_eq!(
            ext.custom_image.push_secret_name.as_deref(),
            Some(DEFAULT_NAME)
        );
    }
}
