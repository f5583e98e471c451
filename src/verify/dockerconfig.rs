//! Credentials kept outside the values file: a `kubernetes.io/dockerconfigjson` Secret
//! named by `pushSecretName`. verify reads it with `kubectl` (the only way to see what
//! the build pods will mount) and picks the entry for the registry host the way
//! containers/image does, with the normalisation of [`crate::registry::check`].

use base64::Engine;
use serde_json::Value;

use super::Credentials;
use crate::names::Name;
use crate::registry::check::{normalize_auth_key, normalize_registry};
use crate::runner::Program;
use crate::secret::Secret;
use crate::{Error, Result};

/// Picks the credentials for `auth_host` from a `.dockerconfigjson` document.
/// `source` names where it came from, for messages.
pub fn pick(config_json: &[u8], auth_host: &str, source: &str) -> Result<Credentials> {
    let bad = |why: &str| Error::failed(format!("{source}: {why}"));
    let doc: Value =
        serde_json::from_slice(config_json).map_err(|_| bad("`.dockerconfigjson` is not JSON"))?;
    let auths = doc
        .get("auths")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("`.dockerconfigjson` has no `auths`"))?;
    let wanted = normalize_registry(auth_host);
    let entry = auths
        .iter()
        .find(|(key, _)| normalize_auth_key(key) == wanted)
        .map(|(_, v)| v)
        .ok_or_else(|| {
            bad(&format!(
                "no credentials for `{auth_host}` in `.dockerconfigjson`"
            ))
            .with_help(
                "the keys of `auths` must name the registry host (scheme and path are ignored)",
            )
        })?;
    let str_field = |name: &str| entry.get(name).and_then(Value::as_str);
    if let Some(auth) = str_field("auth") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(auth.trim())
            .map_err(|_| bad(&format!("the `auth` for `{auth_host}` is not base64")))?;
        let raw = String::from_utf8(raw)
            .map_err(|_| bad(&format!("the `auth` for `{auth_host}` is not UTF-8")))?;
        let (user, pass) = raw.split_once(':').ok_or_else(|| {
            bad(&format!(
                "the `auth` for `{auth_host}` is not `username:password`"
            ))
        })?;
        return Ok(Credentials {
            username: user.to_string(),
            password: Secret::new(pass),
        });
    }
    match (str_field("username"), str_field("password")) {
        (Some(u), Some(p)) => Ok(Credentials {
            username: u.to_string(),
            password: Secret::new(p),
        }),
        _ => Err(bad(&format!(
            "the entry for `{auth_host}` has neither `auth` nor `username`/`password`"
        ))),
    }
}

/// Picks the credentials for `auth_host` from a Secret manifest (YAML or JSON, possibly
/// among other documents): the first `kind: Secret` with a `.dockerconfigjson`, in
/// `data` (base64) or `stringData`. Returns the Secret's name too.
pub fn from_manifest(text: &str, auth_host: &str, source: &str) -> Result<(String, Credentials)> {
    let bad = |why: &str| {
        Error::usage(format!("{source}: {why}")).with_help(
            "give the manifest `phib render --secret-mode external --secret-out FILE` wrote",
        )
    };
    let mut external_secret = None;
    for doc in crate::values::read::documents(text) {
        let doc = match doc {
            Ok(doc) => doc.value,
            Err(e) => return Err(bad(&format!("document {} is not valid YAML", e.number))),
        };
        let kind = doc.get("kind").and_then(serde_yaml::Value::as_str);
        if let Some(err) = sealed_refusal(&doc, source) {
            return Err(err);
        }
        if kind == Some("ExternalSecret") {
            external_secret = doc
                .get("metadata")
                .and_then(|m| m.get("name"))
                .and_then(serde_yaml::Value::as_str)
                .map(str::to_string);
        }
        if kind != Some("Secret") {
            continue;
        }
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(serde_yaml::Value::as_str)
            .ok_or_else(|| bad("the Secret has no `metadata.name`"))?
            .to_string();
        let field = |section: &str| {
            doc.get(section)
                .and_then(|d| d.get(".dockerconfigjson"))
                .and_then(serde_yaml::Value::as_str)
        };
        let config = if let Some(data) = field("data") {
            base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .map_err(|_| bad("`.dockerconfigjson` is not base64"))?
        } else if let Some(plain) = field("stringData") {
            plain.as_bytes().to_vec()
        } else {
            return Err(bad("the Secret has no `.dockerconfigjson`"));
        };
        let creds = pick(&config, auth_host, source).map_err(|mut e| {
            e.kind = crate::error::Kind::Usage;
            e
        })?;
        return Ok((name, creds));
    }
    if let Some(name) = external_secret {
        // Keyless manifests: the operator makes the Secret in the cluster.
        return Err(Error::usage(format!(
            "{source} holds the ExternalSecret `{name}`, not credentials: the External Secrets Operator makes the Secret from it in the cluster, so there is no login to check in the file"
        ))
        .with_help(format!(
            "apply it (`kubectl apply -f FILE`); once `kubectl get secret {name}` finds the Secret, run `phib verify` without `--secret-file`: it reads the generated Secret with kubectl"
        )));
    }
    Err(bad("has no `kind: Secret`"))
}

/// A SealedSecret holds no login anyone but the sealed-secrets controller can read:
/// the refusal that says how to check it once the controller has unsealed it.
fn sealed_refusal(doc: &serde_yaml::Value, source: &str) -> Option<Error> {
    let json = serde_json::to_value(doc).ok()?;
    if !crate::pushsecret::sealed::is_sealed_secret(&json) {
        return None;
    }
    let meta = |key: &str| {
        json["metadata"][key]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let (name, namespace) = (meta("name"), meta("namespace"));
    let namespace = if namespace.is_empty() {
        "NS".to_string()
    } else {
        namespace
    };
    Some(
        Error::usage(format!(
            "{source} holds the SealedSecret `{name}`: only the sealed-secrets controller in the cluster can open it, so there is no login to check in the file"
        ))
        .with_help(format!(
            "apply it (`kubectl apply -f FILE`, or commit it for Argo CD, Flux or helmfile); once the controller has unsealed it (`kubectl -n {namespace} get sealedsecret {name}` shows it Synced), run `phib verify` without `--secret-file`: it reads the Secret `{name}` with kubectl"
        )),
    )
}

/// Reads the Secret `name` in `namespace` with `kubectl` and picks the credentials for
/// `auth_host`. The Secret's content never reaches stdout, stderr or an argument.
pub fn from_kubectl(
    kubectl: &Program,
    name: &str,
    namespace: &str,
    auth_host: &str,
) -> Result<Credentials> {
    let source = format!("Secret `{name}` in namespace `{namespace}`");
    let out = kubectl
        .call()
        .args(&["get", "secret"])
        .named("-n", Name::Namespace, namespace)?
        .args(&["-o", "json"])
        .positional(Name::Object, name)?
        .run()?;
    if !out.ok() {
        // kubectl's own message (not found, forbidden, no cluster), redacted.
        let why = &out.stderr;
        if super::synced::is_not_found(why) {
            return Err(super::synced::missing_secret(kubectl, name, namespace));
        }
        return Err(Error::failed(format!(
            "cannot read {source} with kubectl: {}",
            why.trim()
        ))
        .with_help(
            "check the kubectl context (`kubectl config current-context`), the namespace (`--namespace`), and that `pushSecretName` names an existing Secret",
        ));
    }
    let doc: Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| Error::failed(format!("{source}: kubectl did not print JSON")))?;
    let data = doc
        .pointer("/data/.dockerconfigjson")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            Error::failed(format!("{source} has no `.dockerconfigjson`"))
                .with_help("the push secret must be of type `kubernetes.io/dockerconfigjson`")
        })?;
    let config = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| Error::failed(format!("{source}: `.dockerconfigjson` is not base64")))?;
    pick(&config, auth_host, &source)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn picks_the_entry_for_the_host_like_buildah() {
        let json = format!(
            r#"{{"auths": {{"https://other.io": {{"auth": "{}"}}, "https://index.docker.io/v1/": {{"auth": "{}"}}, "reg:5000": {{"username": "u", "password": "p w"}}}}}}"#,
            b64("x:y"),
            b64("robot$ci:pa:ss")
        );
        let c = pick(json.as_bytes(), "docker.io", "s").unwrap();
        assert_eq!(c.username, "robot$ci");
        assert_eq!(c.password.expose(), "pa:ss");
        let c = pick(json.as_bytes(), "reg:5000", "s").unwrap();
        assert_eq!((c.username.as_str(), c.password.expose()), ("u", "p w"));
        let err = pick(json.as_bytes(), "reg", "s").unwrap_err();
        assert!(
            err.message.contains("no credentials for `reg`"),
            "{}",
            err.message
        );
        // buildah strips only a lower-case scheme: an entry it cannot match is none.
        let upper = r#"{"auths": {"HTTPS://reg:5000": {"username": "u", "password": "p"}}}"#;
        assert!(pick(upper.as_bytes(), "reg:5000", "s").is_err());
    }

    #[test]
    fn reads_the_manifest_phib_writes_and_refuses_others() {
        let secret = crate::pushsecret::PushSecret {
            name: "my-push".into(),
            namespace: "hub".into(),
            registry_endpoint: "https://reg:5000".into(),
            username: "robot$ci".into(),
            password: Secret::new("p w:\"x"),
        };
        let text = format!("kind: ConfigMap\n---\n{}", secret.manifest().expose());
        let (name, c) = from_manifest(&text, "reg:5000", "f").unwrap();
        assert_eq!(name, "my-push");
        assert_eq!(
            (c.username.as_str(), c.password.expose()),
            ("robot$ci", "p w:\"x")
        );
        let plain = r#"{"kind":"Secret","metadata":{"name":"n"},"stringData":{".dockerconfigjson":"{\"auths\":{\"h\":{\"username\":\"u\",\"password\":\"p\"}}}"}}"#;
        assert_eq!(from_manifest(plain, "h", "f").unwrap().0, "n");
        for (bad, want) in [
            ("kind: Pod\n", "no `kind: Secret`"),
            (
                "kind: Secret\nmetadata: {name: n}\n",
                "no `.dockerconfigjson`",
            ),
            ("kind: Secret\n", "no `metadata.name`"),
            ("[", "not valid YAML"),
        ] {
            let err = from_manifest(bad, "h", "f").unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.message.contains(want), "{bad}: {}", err.message);
        }
        let err = from_manifest(&text, "other", "f").unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn a_sealed_secret_is_no_login_to_read() {
        let text = "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: my-push\n  namespace: ml\nspec:\n  encryptedData:\n    .dockerconfigjson: AgBy\n";
        let err = from_manifest(text, "h", "`s.yaml`").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.starts_with(
                "`s.yaml` holds the SealedSecret `my-push`: only the sealed-secrets controller"
            ),
            "{}",
            err.message
        );
        let help = err.help.unwrap();
        assert!(
            help.contains("kubectl -n ml get sealedsecret my-push"),
            "{help}"
        );
        assert!(help.contains("without `--secret-file`"), "{help}");
    }

    #[test]
    fn bad_documents_name_the_problem_without_the_secret() {
        for (json, want) in [
            ("[", "not JSON"),
            ("{}", "no `auths`"),
            (r#"{"auths": {"h": {"auth": "!!"}}}"#, "not base64"),
            (
                r#"{"auths": {"h": {"auth": "c2VjcmV0"}}}"#,
                "not `username:password`",
            ),
            (r#"{"auths": {"h": {}}}"#, "neither"),
        ] {
            let err = pick(json.as_bytes(), "h", "s").unwrap_err();
            assert!(err.message.contains(want), "{json}: {}", err.message);
            assert!(!err.message.contains("secret"), "{}", err.message);
        }
    }
}
