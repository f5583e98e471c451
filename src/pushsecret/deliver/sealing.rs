//! Sealed mode's part of delivering: the sealing options as given, the controller's
//! certificate (a file read through the files-in gate, or fetched from the controller
//! through kubectl as kubeseal fetches it), checked before anything is written, and the
//! scope of a SealedSecret a rotation replaces. Sealing itself, the document and the
//! controller's defaults are [`crate::pushsecret::sealed`]'s.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::Value;

use crate::files::read::{self, Kind as FileKind};
use crate::names::Name;
use crate::pushsecret::sealed::{
    self, cert_proxy_path, Scope, SealingCert, CONTROLLER_NAME, CONTROLLER_NAMESPACE,
};
use crate::runner::{self, Program, Tool};
use crate::{Error, Result};

/// The sealing options, as the user gave them (the `--sealing-*` and `--controller-*`
/// flags, or the wizard's answers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sealing {
    /// `--sealing-cert PEM`; `None`: fetched from the controller with kubectl.
    pub cert: Option<PathBuf>,
    /// `--controller-name` (kubeseal's; default [`CONTROLLER_NAME`]).
    pub controller_name: Option<String>,
    /// `--controller-namespace` (kubeseal's; default [`CONTROLLER_NAMESPACE`]).
    pub controller_namespace: Option<String>,
    /// `--sealing-scope`; `None`: strict, kubeseal's default.
    pub scope: Option<Scope>,
}

impl Sealing {
    /// The flags that make these options, one word each (unquoted).
    pub fn flags(&self) -> Vec<String> {
        let Sealing {
            cert,
            controller_name,
            controller_namespace,
            scope,
        } = self;
        let mut words = Vec::new();
        if let Some(path) = cert {
            words.push("--sealing-cert".into());
            words.push(path.display().to_string());
        }
        for (flag, value) in [
            ("--controller-name", controller_name),
            ("--controller-namespace", controller_namespace),
        ] {
            if let Some(v) = value {
                words.push(flag.into());
                words.push(v.clone());
            }
        }
        if let Some(scope) = scope {
            words.push("--sealing-scope".into());
            words.push(scope.name().into());
        }
        words
    }

    /// The first sealing flag given, for a refusal outside sealed mode.
    pub fn first_flag(&self) -> Option<&'static str> {
        [
            ("--sealing-cert", self.cert.is_some()),
            ("--controller-name", self.controller_name.is_some()),
            (
                "--controller-namespace",
                self.controller_namespace.is_some(),
            ),
            ("--sealing-scope", self.scope.is_some()),
        ]
        .into_iter()
        .find(|(_, given)| *given)
        .map(|(flag, _)| flag)
    }

    /// The controller's Service name and namespace, kubeseal's defaults filled in.
    pub fn controller(&self) -> (&str, &str) {
        (
            self.controller_name.as_deref().unwrap_or(CONTROLLER_NAME),
            self.controller_namespace
                .as_deref()
                .unwrap_or(CONTROLLER_NAMESPACE),
        )
    }

    /// The certificate, checked now (PEM, an RSA key, within its dates): read from
    /// `--sealing-cert`, or fetched from the controller. Every refusal comes before
    /// anything is written.
    pub fn certificate(&self) -> Result<SealingCert> {
        let now = SystemTime::now();
        if let Some(path) = &self.cert {
            if let Some(flag) = self.controller_flag() {
                return Err(Error::usage(format!(
                    "`{flag}` names the controller to fetch the certificate from, but `--sealing-cert` gives it"
                ))
                .with_help(format!("remove `{flag}`, or remove `--sealing-cert` to fetch the certificate from the controller")));
            }
            let origin = format!("`--sealing-cert` `{}`", path.display());
            let bytes = read::read_existing(path, FileKind::SealingCert)?.bytes;
            return SealingCert::from_pem(&bytes, &origin, now);
        }
        let (name, namespace) = self.controller();
        let pem = fetch(name, namespace)?;
        let origin =
            format!("the certificate the controller `{name}` (namespace `{namespace}`) served");
        SealingCert::from_pem(&pem, &origin, now)
    }

    fn controller_flag(&self) -> Option<&'static str> {
        if self.controller_name.is_some() {
            Some("--controller-name")
        } else if self.controller_namespace.is_some() {
            Some("--controller-namespace")
        } else {
            None
        }
    }

    /// Where the certificate comes from, in words.
    pub fn source(&self) -> String {
        match &self.cert {
            Some(path) => format!("the certificate in `{}`", path.display()),
            None => {
                let (name, namespace) = self.controller();
                format!("the certificate of the controller `{name}` (namespace `{namespace}`)")
            }
        }
    }
}

/// How to give the certificate instead of fetching it.
const GIVE_IT: &str = "or give the certificate with `--sealing-cert FILE` (`kubeseal --fetch-cert > cert.pem` where the cluster is reachable)";

/// The label of the controller's Service in its Helm chart, to find it under another
/// name.
const CHART_LABEL: &str = "app.kubernetes.io/name=sealed-secrets";

/// The controller's certificate, fetched as kubeseal fetches it: the name of the first
/// port of its Service, then `/v1/cert.pem` through the API server's service proxy.
/// Only checked names go into kubectl's arguments.
fn fetch(name: &str, namespace: &str) -> Result<Vec<u8>> {
    for (value, kind, flag) in [
        (name, Name::Object, "--controller-name"),
        (namespace, Name::Namespace, "--controller-namespace"),
    ] {
        if !kind.accepts(value) {
            // Shown through the terminal gate, which escapes control characters.
            return Err(
                Error::usage(format!("`{flag}` `{value}` is not {}", kind.what()))
                    .with_help(kind.rule()),
            );
        }
    }
    let kubectl = runner::find(Tool::Kubectl).map_err(|_| {
        Error::usage("`--secret-mode sealed` without `--sealing-cert` fetches the controller's certificate with kubectl, but `kubectl` is not on `PATH`; nothing was written")
            .with_help("install kubectl, or give the certificate with `--sealing-cert FILE` (`kubeseal --fetch-cert > cert.pem` where the cluster is reachable)")
    })?;
    let _waiting = crate::out::progress(&format!(
        "fetching the certificate of the sealed-secrets controller `{name}`"
    ));
    let out = kubectl
        .call()
        .args(&["get", "service"])
        .named("-n", Name::Namespace, namespace)?
        .args(&["-o", "json"])
        .positional(Name::Object, name)?
        .run()?;
    if !out.ok() {
        if crate::verify::synced::is_not_found(&out.stderr) {
            return Err(service_not_found(&kubectl, name, namespace));
        }
        return Err(Error::failed(format!(
            "cannot read the Service `{name}` (namespace `{namespace}`) of the sealed-secrets controller with kubectl: {}",
            out.last_line()
        ))
        .with_help(format!(
            "check the kubectl context (`kubectl config current-context`) and your rights (`kubectl auth can-i get services -n {namespace}`), {GIVE_IT}"
        )));
    }
    let service: Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        Error::failed(format!(
            "kubectl printed no JSON for the Service `{name}` (namespace `{namespace}`)"
        ))
    })?;
    let port = service
        .pointer("/spec/ports/0/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if !(port.is_empty() || Name::Object.accepts(port)) {
        return Err(Error::failed(format!(
            "the Service `{name}` (namespace `{namespace}`) names its port `{port}`, which is no port name"
        ))
        .with_help(GIVE_IT.trim_start_matches("or ")));
    }
    let path = cert_proxy_path(namespace, name, port);
    let out = kubectl.call().arg("get").built("--raw", path).run()?;
    if !out.ok() {
        return Err(Error::failed(format!(
            "the sealed-secrets controller `{name}` (namespace `{namespace}`) did not serve its certificate: {}",
            out.last_line()
        ))
        .with_help(format!(
            "check that the controller runs (`kubectl -n {namespace} get pods -l {CHART_LABEL}`) and that you may use the service proxy (`kubectl auth can-i get services/proxy -n {namespace}`), {GIVE_IT}"
        )));
    }
    if out.stdout.len() as u64 > FileKind::SealingCert.limit() {
        return Err(Error::failed(format!(
            "the controller `{name}` (namespace `{namespace}`) served more than a certificate"
        ))
        .with_help(GIVE_IT.trim_start_matches("or ")));
    }
    Ok(out.stdout)
}

/// The Service is not there: the chart names it after its release, so look for the
/// chart's label in every namespace (when allowed) and name what was found.
fn service_not_found(kubectl: &Program, name: &str, namespace: &str) -> Error {
    let found = kubectl
        .call()
        .args(&["get", "services", "--all-namespaces", "-o", "json"])
        .built("--selector", CHART_LABEL.to_string())
        .run()
        .ok()
        .filter(|o| o.ok())
        .and_then(|o| serde_json::from_slice::<Value>(&o.stdout).ok())
        .map(|list| services(&list))
        .unwrap_or_default();
    let err = Error::usage(format!(
        "there is no Service `{name}` in namespace `{namespace}`: the sealed-secrets controller is not found there, so its certificate cannot be fetched; nothing was written"
    ));
    match found.as_slice() {
        [(n, ns)] => err.with_help(format!(
            "the controller's Service is `{n}` in `{ns}` (its Helm chart names it after the release): add `--controller-name {n} --controller-namespace {ns}`"
        )),
        [] => err.with_help(format!(
            "name the controller's Service with `--controller-name` and `--controller-namespace`, as for kubeseal (its Helm chart names it after the release: `kubectl get services -A -l {CHART_LABEL}` lists it), {GIVE_IT}"
        )),
        many => err.with_help(format!(
            "several sealed-secrets controllers run ({}): name one with `--controller-name` and `--controller-namespace`",
            many.iter()
                .map(|(n, ns)| format!("`{n}` in `{ns}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The (name, namespace) of each Service in a `kubectl get -o json` list that is a
/// controller's (the chart also makes a metrics Service, whose name ends so).
fn services(list: &Value) -> Vec<(String, String)> {
    list["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let name = s["metadata"]["name"].as_str()?;
            let ns = s["metadata"]["namespace"].as_str()?;
            let names = Name::Object.accepts(name) && Name::Namespace.accepts(ns);
            (names && !name.ends_with("-metrics")).then(|| (name.to_string(), ns.to_string()))
        })
        .collect()
}

/// A SealedSecret found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFile {
    pub name: String,
    pub scope: Scope,
}

/// The SealedSecret in `path`, when it holds one: its name, and the scope a rotation
/// keeps unless `--sealing-scope` says otherwise. `None` when there is no such file or
/// it holds no SealedSecret.
pub fn sealed_in_file(path: &Path) -> Result<Option<InFile>> {
    let Some(file) = read::read(path, FileKind::SecretManifest)? else {
        return Ok(None);
    };
    let Ok(doc) = serde_yaml::from_slice::<Value>(&file.bytes) else {
        return Ok(None);
    };
    Ok(sealed::is_sealed_secret(&doc).then(|| InFile {
        name: doc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        scope: Scope::of_document(&doc),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_say_the_options_back() {
        let s = Sealing {
            cert: Some("cert.pem".into()),
            controller_name: None,
            controller_namespace: Some("sealed".into()),
            scope: Some(Scope::NamespaceWide),
        };
        assert_eq!(
            s.flags(),
            [
                "--sealing-cert",
                "cert.pem",
                "--controller-namespace",
                "sealed",
                "--sealing-scope",
                "namespace-wide"
            ]
        );
        assert_eq!(s.first_flag(), Some("--sealing-cert"));
        assert_eq!(s.controller(), (CONTROLLER_NAME, "sealed"));
        assert_eq!(Sealing::default().first_flag(), None);
        assert!(Sealing::default().flags().is_empty());
    }

    #[test]
    fn a_certificate_file_with_controller_flags_is_refused() {
        let s = Sealing {
            cert: Some("cert.pem".into()),
            controller_name: Some("sealed-secrets".into()),
            ..Sealing::default()
        };
        let err = s.certificate().unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("`--controller-name`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn only_controller_services_are_suggested() {
        let list = serde_json::json!({"items": [
            {"metadata": {"name": "sealed-secrets", "namespace": "kube-system"}},
            {"metadata": {"name": "sealed-secrets-metrics", "namespace": "kube-system"}},
            {"metadata": {"name": "--all", "namespace": "x"}},
        ]});
        assert_eq!(
            services(&list),
            [("sealed-secrets".to_string(), "kube-system".to_string())]
        );
    }
}
