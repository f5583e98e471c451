//! When the push Secret is made by the External Secrets Operator, it exists only once
//! the operator has synced its `ExternalSecret`. Before that there is nothing to log in
//! with; this module says so, with the `ExternalSecret`'s own status, instead of a bare
//! "not found", and how to check again after the sync.

use serde_json::Value;

use crate::names::Name;
use crate::pushsecret::sealed::{RESOURCE, SYNCED_CONDITION};
use crate::runner::Program;
use crate::Error;

/// Whether kubectl's error output says the object does not exist.
pub fn is_not_found(stderr: &str) -> bool {
    stderr.contains("NotFound") || stderr.contains("not found")
}

/// The `Ready` condition of an `ExternalSecret` as one phrase, e.g. `Ready False
/// (SecretSyncedError: could not get secret data from provider)`.
pub fn ready_condition(doc: &Value) -> String {
    condition(
        doc,
        "Ready",
        "no status yet: the operator has not handled it (is the External Secrets Operator running?)",
    )
}

/// The `Synced` condition of a SealedSecret as one phrase, e.g. `Synced False (no key
/// could decrypt secret (.dockerconfigjson))`.
pub fn synced_condition(doc: &Value) -> String {
    condition(
        doc,
        SYNCED_CONDITION,
        "no status yet: the sealed-secrets controller has not handled it (is it running?)",
    )
}

/// The condition `type_` of `doc`'s status as one phrase; `none` when there is none.
fn condition(doc: &Value, type_: &str, none: &str) -> String {
    let conditions = doc
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let found = conditions.iter().find(|c| c["type"] == type_);
    match found {
        None => none.into(),
        Some(c) => {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            let mut out = format!("{type_} {}", s("status"));
            match (s("reason"), s("message")) {
                (r, m) if r.is_empty() && m.is_empty() => {}
                (r, m) if r.is_empty() => out.push_str(&format!(" ({m})")),
                (r, m) => out.push_str(&format!(" ({r}: {m})")),
            }
            out
        }
    }
}

/// The object `name` of `resource` in `namespace`, read with `kubectl`; `None` when it
/// cannot be read (not there, or kubectl fails).
fn read(kubectl: &Program, resource: &'static str, name: &str, namespace: &str) -> Option<Value> {
    let call = || {
        kubectl
            .call()
            .args(&["get", resource])
            .named("-n", Name::Namespace, namespace)?
            .args(&["-o", "json"])
            .positional(Name::Object, name)?
            .run()
    };
    call()
        .ok()
        .filter(|o| o.ok())
        .and_then(|o| serde_json::from_slice::<Value>(&o.stdout).ok())
}

/// The error for a push Secret that does not exist: with the status of the
/// `ExternalSecret` or the SealedSecret of the same name that makes it, when there is
/// one (read with `kubectl`).
pub fn missing_secret(kubectl: &Program, name: &str, namespace: &str) -> Error {
    let check_again = format!(
        "once `kubectl -n {namespace} get secret {name}` finds it, run `phib verify` again"
    );
    let external = read(kubectl, "externalsecret", name, namespace);
    let sealed = match external {
        Some(_) => None,
        None => read(kubectl, RESOURCE, name, namespace),
    };
    if let Some(doc) = sealed {
        return Error::failed(format!(
            "the push Secret `{name}` (namespace `{namespace}`) does not exist yet: the sealed-secrets controller has not unsealed the SealedSecret `{name}` ({}); the login and the push rights cannot be checked until it has",
            synced_condition(&doc)
        ))
        .with_help(format!(
            "see why with `kubectl -n {namespace} describe sealedsecret {name}` (a SealedSecret sealed with another controller's certificate, or moved to another name or namespace than its scope allows, cannot be unsealed: seal it again with `phib render --secret-mode sealed`); {check_again}"
        ));
    }
    match external {
        Some(doc) => Error::failed(format!(
            "the push Secret `{name}` (namespace `{namespace}`) does not exist yet: the External Secrets Operator has not synced the ExternalSecret `{name}` ({}); the login and the push rights cannot be checked until it has",
            ready_condition(&doc)
        ))
        .with_help(format!(
            "see why with `kubectl -n {namespace} describe externalsecret {name}` (and the generator or store it names); {check_again}"
        )),
        None => Error::failed(format!(
            "the push Secret `{name}` (namespace `{namespace}`) does not exist, and no ExternalSecret or SealedSecret of that name makes it; neither the login nor the push rights were checked"
        ))
        .with_help(format!(
            "apply the manifests `phib render --secret-mode external` (or `sealed`) wrote (`kubectl apply -f FILE`), or check `--namespace`; {check_again}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_condition_in_words() {
        let doc = serde_json::json!({"status": {"conditions": [
            {"type": "Ready", "status": "False", "reason": "SecretSyncedError", "message": "could not get secret data from provider"}
        ]}});
        assert_eq!(
            ready_condition(&doc),
            "Ready False (SecretSyncedError: could not get secret data from provider)"
        );
        assert!(ready_condition(&serde_json::json!({})).contains("no status yet"));
        let sealed = serde_json::json!({"status": {"conditions": [
            {"type": "Synced", "status": "False", "message": "no key could decrypt secret (.dockerconfigjson)"}
        ]}});
        assert_eq!(
            synced_condition(&sealed),
            "Synced False (no key could decrypt secret (.dockerconfigjson))"
        );
        assert!(synced_condition(&serde_json::json!({})).contains("sealed-secrets controller"));
        assert!(is_not_found(
            "Error from server (NotFound): secrets \"x\" not found"
        ));
        assert!(!is_not_found("Unable to connect to the server"));
    }
}
