//! Hiding secrets in values documents before they are shown. `phib show` prints values
//! from a file or a live release, and `phib upgrade` prints what it will pass to helm;
//! both go through [`redact`], so a password cannot reach the terminal by a path that
//! forgot to hide it. Queries run over the redacted document, so a JSONPath match (or
//! a filter comparing against a secret) cannot reveal one either.

use serde_json::Value;

use crate::secret::REDACTED;
use crate::values::model::SECRET_KEYS;

/// Whether the value under `key` is a secret: the `customImage` secret keys, and keys
/// that name a password, token, secret or private key anywhere in the document, in any
/// spelling (`clientSecret`, `client_secret`, `secretAccessKey`, `api-key`); PrimeHub's
/// values hold other credentials too, and `show`, `--query` and `--check` can reach them.
/// A key that only refers to a secret by name (`pushSecretName`) is not one.
pub fn is_secret_key(key: &str) -> bool {
    if SECRET_KEYS.contains(&key) {
        return true;
    }
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    k.ends_with("secret")
        || [
            "password",
            "passwd",
            "token",
            "secretkey",
            "accesskey",
            "apikey",
            "privatekey",
            "credential",
        ]
        .iter()
        .any(|word| k.contains(word))
}

/// Replaces every non-empty value under a secret key, at any depth, by `<redacted>`.
/// Empty and null values are kept, so "no password set" stays visible.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if is_secret_key(key) && !is_blank(v) {
                    *v = Value::String(REDACTED.to_string());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        // A URL with a password in it is a secret under any key.
        Value::String(text) => {
            if let std::borrow::Cow::Owned(hidden) = crate::secret::hide_url_passwords(text) {
                *text = hidden;
            }
        }
        _ => {}
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_keys_in_any_spelling_but_not_names_of_secrets() {
        for key in [
            "registryPassword",
            "client_secret",
            "clientSecret",
            "private_key",
            "api_key",
            "secret_key",
            "secretAccessKey",
            "cookieSecret",
            "secret",
            "GITHUB_TOKEN",
            "aws-access-key-id",
        ] {
            assert!(is_secret_key(key), "{key}");
        }
        for key in [
            "pushSecretName",
            "registryUsername",
            "domain",
            "secretName",
            "buildJob",
        ] {
            assert!(!is_secret_key(key), "{key}");
        }
    }

    #[test]
    fn secrets_at_any_depth_are_hidden_and_empty_ones_kept() {
        let mut v = json!({
            "customImage": {"registryPassword": "hunter2", "registryUsername": "u",
                            "pushSecretName": "s", "buildJob": {}},
            "keycloak": {"password": "kc", "clientSecret": ""},
            "list": [{"apiToken": {"nested": "x"}}],
            "other": {"registryPassword": null}
        });
        redact(&mut v);
        assert_eq!(
            v,
            json!({
                "customImage": {"registryPassword": REDACTED, "registryUsername": "u",
                                "pushSecretName": "s", "buildJob": {}},
                "keycloak": {"password": REDACTED, "clientSecret": ""},
                "list": [{"apiToken": REDACTED}],
                "other": {"registryPassword": null}
            })
        );
    }

    #[test]
    fn push_secret_name_is_not_a_secret() {
        assert!(!is_secret_key("pushSecretName"));
        assert!(is_secret_key("registryPassword"));
    }
}
