//! Where else the registry password is: a ConfigMap (the chart copies the block into
//! the controller's), earlier revisions of the release, other Secrets.

use serde_yaml::Value;

use super::secret::Names;
use crate::chart;
use crate::doctor::objects::{SecretObject, HELM_RELEASE_TYPE};
use crate::doctor::{Check, Finding, Inputs};
use crate::secret::{is_secret_key, Redactor};
use crate::values::model::{CustomImage, BLOCK_KEY};
use crate::verify::Credentials;

/// Passwords shorter than this are looked for only as whole values, never inside
/// other text: a short one would be "found" everywhere.
const MIN_SEARCHED_LEN: usize = 4;

/// Whether `text` holds one of the passwords `r` knows (as written, escaped or in
/// base64), or is one of the short ones whole.
fn holds(r: &Redactor, short: &[String], text: &str) -> bool {
    r.redact(text) != text || short.iter().any(|s| s == text.trim())
}

/// The passwords to look for: the redactor for those long enough to search, and the
/// short ones.
fn searched(ci: &CustomImage, login: Option<&Credentials>) -> (Redactor, Vec<String>, bool) {
    let mut r = Redactor::new();
    let mut short = Vec::new();
    let mut any = false;
    let mut add = |user: &str, pass: &str| {
        if pass.is_empty() {
            return;
        }
        any = true;
        if pass.chars().count() < MIN_SEARCHED_LEN {
            short.push(pass.to_string());
        } else {
            r.add_login(user, pass);
        }
    };
    if let Some(p) = &ci.registry_password {
        add(ci.registry_username.as_deref().unwrap_or(""), p.expose());
    }
    if let Some(l) = login {
        add(&l.username, l.password.expose());
    }
    (r, short, any)
}

/// The passwords looked for, and how they are found.
struct Searched {
    redactor: Redactor,
    short: Vec<String>,
}

impl Searched {
    fn in_text(&self, text: &str) -> bool {
        holds(&self.redactor, &self.short, text)
    }
}

pub(super) fn leaks(
    i: &Inputs,
    ci: &CustomImage,
    names: &Names,
    login: Option<&Credentials>,
) -> Vec<Finding> {
    let (redactor, short, any) = searched(ci, login);
    if !any {
        return Vec::new();
    }
    let s = Searched { redactor, short };
    let ns = i
        .namespace
        .as_deref()
        .map_or("the namespace".to_string(), |n| format!("`{n}`"));
    let mut out = vec![in_config_maps(i, &s, &ns)];
    out.extend(in_history(i, ci, &ns));
    out.push(in_other_secrets(i, ci, names, &s));
    out
}

fn in_config_maps(i: &Inputs, s: &Searched, ns: &str) -> Finding {
    let maps: Vec<String> = i
        .objects
        .config_maps
        .iter()
        .filter(|c| c.data.values().any(|v| s.in_text(v)))
        .map(|c| format!("`{}`", c.name))
        .collect();
    if maps.is_empty() {
        return Finding::ok(
            Check::LeakConfigMap,
            "no ConfigMap holds the registry password",
        );
    }
    Finding::warn(
        Check::LeakConfigMap,
        format!(
            "the registry password is in plain text in ConfigMap {} (the chart copies the whole `customImage` block there): anyone who can read ConfigMaps in {ns} can read it",
            maps.join(", ")
        ),
        "keep the login out of the values: `phib render --secret-mode external ...`, then `phib upgrade` (docs/security.md)",
    )
}

fn in_history(i: &Inputs, ci: &CustomImage, ns: &str) -> Option<Finding> {
    let history = i.history.as_ref()?;
    let current: Vec<&str> = ci.registry_password.iter().map(|p| p.expose()).collect();
    let old: Vec<String> = history
        .iter()
        .filter(|rev| {
            block_secrets(&rev.values)
                .iter()
                .any(|p| !current.contains(&p.as_str()))
        })
        .map(|rev| rev.number.to_string())
        .collect();
    let release = i.release.as_deref().unwrap_or(chart::DEFAULT_RELEASE);
    if old.is_empty() {
        return Some(Finding::ok(
            Check::LeakHistory,
            "earlier revisions of the release hold no other registry password",
        ));
    }
    Some(Finding::warn(
        Check::LeakHistory,
        format!(
            "revision{} {} of release `{release}` keep{} a registry password that is not the current one, in helm's release Secrets (`sh.helm.release.v1.{release}.vN`), readable by anyone who can read Secrets in {ns}",
            if old.len() == 1 { "" } else { "s" },
            old.join(", "),
            if old.len() == 1 { "s" } else { "" },
        ),
        "revoke that password at the registry; helm keeps the revisions until it prunes them (`helm upgrade --history-max`)",
    ))
}

fn in_other_secrets(i: &Inputs, ci: &CustomImage, names: &Names, s: &Searched) -> Finding {
    let skip = |o: &SecretObject| {
        o.name == names.effective
            || (ci.registry_password.is_some() && names.charts.as_deref() == Some(&o.name))
            || o.type_.as_deref() == Some(HELM_RELEASE_TYPE)
    };
    let others: Vec<String> = i
        .objects
        .secrets
        .iter()
        .filter(|o| !skip(o))
        .filter(|o| {
            o.data
                .values()
                .flatten()
                .any(|bytes| s.in_text(&String::from_utf8_lossy(bytes)))
        })
        .map(|o| format!("`{}`", o.name))
        .collect();
    if others.is_empty() {
        return Finding::ok(
            Check::LeakSecrets,
            "no other Secret holds the registry password",
        );
    }
    Finding::warn(
        Check::LeakSecrets,
        format!(
            "the registry password is also in Secret {}",
            others.join(", ")
        ),
        "delete the copies you do not need; if they are not yours, rotate the password",
    )
}

/// The non-empty strings under the secret keys of a values document's block.
fn block_secrets(values: &Value) -> Vec<String> {
    let Some(Value::Mapping(block)) = values.get(BLOCK_KEY) else {
        return Vec::new();
    };
    block
        .iter()
        .filter(|(k, _)| k.as_str().is_some_and(is_secret_key))
        .filter_map(|(_, v)| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
