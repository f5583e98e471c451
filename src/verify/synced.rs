//! When the push Secret is made by the External Secrets Operator, it exists only once
//! the operator has synced its `ExternalSecret`. Before that there is nothing to log in
//! with; this module says so, with the `ExternalSecret`'s own status, instead of a bare
//! "not found", and how to check again after the sync.

use serde_json::Value;

use crate::names::Name;
use crate::runner::Program;
use crate::Error;

/// Whether kubectl's error output says the object does not exist.
pub fn is_not_found(stderr: &str) -> bool {
    stderr.contains("NotFound") || stderr.contains("not found")
}

/// The `Ready` condition of an `ExternalSecret` as one phrase, e.g. `Ready False
/// (SecretSyncedError: could not get secret data from provider)`.
pub fn ready_condition(doc: &Value) -> String {
    let conditions = doc
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let ready = conditions.iter().find(|c| c["type"] == "Ready");
    match ready {
        None => "no status yet: the operator has not handled it (is the External Secrets Operator running?)".into(),
        Some(c) => {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            let mut out = format!("Ready {}", s("status"));
            let (reason, message) = (s("reason"), s("message"));
            if !reason.is_empty() || !message.is_empty() {
                out.push_str(&format!(" ({reason}: {message})"));
            }
            out
        }
    }
}

/// The error for a push Secret that does not exist: with the status of the
/// `ExternalSecret` of the same name when there is one (read with `kubectl`).
pub fn missing_secret(kubectl: &Program, name: &str, namespace: &str) -> Error {
    let call = || {
        kubectl
            .call()
            .args(&["get", "externalsecret"])
            .named("-n", Name::Namespace, namespace)?
            .args(&["-o", "json"])
            .positional(Name::Object, name)?
            .run()
    };
    let doc = call()
        .ok()
        .filter(|o| o.ok())
        .and_then(|o| serde_json::from_slice::<Value>(&o.stdout).ok());
    let check_again = format!(
        "once `kubectl -n {namespace} get secret {name}` finds it, run `phib verify` again"
    );
    match doc {
        Some(doc) => Error::failed(format!(
            "the push Secret `{name}` (namespace `{namespace}`) does not exist yet: the External Secrets Operator has not synced the ExternalSecret `{name}` ({}); the login and the push rights cannot be checked until it has",
            ready_condition(&doc)
        ))
        .with_help(format!(
            "see why with `kubectl -n {namespace} describe externalsecret {name}` (and the generator or store it names); {check_again}"
        )),
        None => Error::failed(format!(
            "the push Secret `{name}` (namespace `{namespace}`) does not exist, and no ExternalSecret of that name makes it; neither the login nor the push rights were checked"
        ))
        .with_help(format!(
            "apply the manifests `phib render --secret-mode external` wrote (`kubectl apply -f FILE`), or check `--namespace`; {check_again}"
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
        assert!(is_not_found(
            "Error from server (NotFound): secrets \"x\" not found"
        ));
        assert!(!is_not_found("Unable to connect to the server"));
    }
}
