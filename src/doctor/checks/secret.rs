//! The push Secret: the name the controller mounts against the one the chart renders
//! for the release, and the Secret itself (type, key, a login buildah matches for the
//! push repository). [`login_in`] also serves the Images' pull Secrets.

use serde_yaml::Value;

use super::chart_values;
use crate::chart::{self, Naming};
use crate::doctor::objects::{Objects, SecretObject, DOCKERCONFIGJSON_KEY, DOCKERCONFIGJSON_TYPE};
use crate::doctor::{Check, Finding, Inputs};
use crate::registry::check;
use crate::values::model::{CustomImage, BLOCK_KEY, DEFAULT_PUSH_SECRET_NAME};
use crate::verify::{dockerconfig, Credentials};

/// What the Secret-name check settled.
pub(super) struct Names {
    /// The Secret the controller mounts (`pushSecretName` or the chart's default).
    pub(super) effective: String,
    /// The Secret the chart renders, when the release (or its fullname) is known.
    pub(super) charts: Option<String>,
    /// `effective` is the chart's own Secret.
    pub(super) is_charts: bool,
    /// The Secret-name finding already says why the push Secret is wrong.
    pub(super) explains_push_secret: bool,
}

/// The fullname the chart gives the release's objects, and who that is for the lines:
/// from the release and the values' overrides, else (offline) from the name the chart
/// gave the controller ConfigMap in the manifests.
pub(super) fn fullname(i: &Inputs) -> Option<(String, String)> {
    if let Some(release) = &i.release {
        let cv = chart_values(i).unwrap_or_default();
        let full = chart::fullname(&cv.naming(release));
        return Some((full, format!("release `{release}`")));
    }
    let (config, _) = controller_config(&i.objects)?;
    let full = config
        .strip_suffix(chart::CONTROLLER_CONFIG_SUFFIX)
        .unwrap_or(config);
    Some((
        full.to_string(),
        format!("the release whose objects are named `{full}`"),
    ))
}

/// The Secret the chart renders for this release, and who that is for the lines.
fn charts_secret(i: &Inputs) -> Option<(String, String)> {
    let (full, who) = fullname(i)?;
    let name = chart::push_secret_name(&Naming {
        release: &full,
        name_override: None,
        fullname_override: Some(&full),
    });
    Some((name, who))
}

/// The push Secret the controller mounts: `pushSecretName`, else the chart's default.
pub fn push_secret_name(ci: &CustomImage) -> String {
    ci.push_secret_name
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_PUSH_SECRET_NAME.to_string())
}

/// `pushSecretName` empty (or removed with `null`) where the controller reads it: it
/// requires the name at start, and stops without it.
fn empty_push_secret_name(i: &Inputs) -> Option<Finding> {
    let (value, source) = match controller_config(&i.objects) {
        Some((name, b)) => (
            b.get("pushSecretName").cloned(),
            format!("the controller ConfigMap `{name}`"),
        ),
        // Without the ConfigMap, only a key written in the values overrides the
        // chart's default.
        None => (
            Some(i.values.get(BLOCK_KEY)?.get("pushSecretName")?.clone()),
            i.values_source.clone(),
        ),
    };
    let empty = match &value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(_) => false,
    };
    empty.then(|| {
        Finding::fail(
            Check::SecretName,
            format!(
                "`pushSecretName` is empty in {source}: the controller requires it and stops at start (\"customImage.pushSecretName is required in config.yaml\"), so nothing builds"
            ),
            "set `customImage.pushSecretName` to the push Secret's name (`phib render` writes it; a `null` or `\"\"` in the values removes the chart's default), then `phib upgrade`",
        )
    })
}

/// The controller ConfigMap of the manifests (`*-controller-config` with a
/// `customImage` in its `config.yaml`) and that block.
pub fn controller_config(objects: &Objects) -> Option<(&str, Value)> {
    objects.config_maps.iter().find_map(|c| {
        if !c.name.ends_with(chart::CONTROLLER_CONFIG_SUFFIX) {
            return None;
        }
        let doc: Value = serde_yaml::from_str(c.data.get("config.yaml")?).ok()?;
        let block = doc.get(BLOCK_KEY)?.clone();
        Some((c.name.as_str(), block))
    })
}

pub(super) fn secret_name(i: &Inputs, ci: &CustomImage, out: &mut Vec<Finding>) -> Names {
    let effective = push_secret_name(ci);
    let cv = chart_values(i);
    let mut names = Names {
        effective: effective.clone(),
        charts: None,
        is_charts: false,
        explains_push_secret: false,
    };
    if let Some(f) = empty_push_secret_name(i) {
        out.push(f);
        names.explains_push_secret = true;
        return names;
    }
    let Some((charts, who)) = charts_secret(i) else {
        return names;
    };
    names.is_charts = charts == effective;
    names.charts = Some(charts.clone());
    let in_values = ci.registry_username.is_some() || ci.registry_password.is_some();
    let renders = match &cv {
        Some(cv) => chart::renders_push_secret(&i.version, true, cv.mode.as_deref()),
        None => i.objects.secret(&charts).is_some(),
    };
    let exists = i.objects.secret(&effective).is_some();
    match (in_values, names.is_charts) {
        (true, true) => out.push(Finding::ok(
            Check::SecretName,
            format!("`pushSecretName` is `{effective}`, the Secret the chart renders for {who}"),
        )),
        (true, false) if exists => out.push(Finding::warn(
            Check::SecretName,
            format!(
                "`pushSecretName` is `{effective}`, not `{charts}` that the chart renders for {who} from the login in the values: builds ignore that login"
            ),
            format!(
                "remove `registryUsername`/`registryPassword` from the values (the login is in `{effective}`), or set `pushSecretName: {charts}`"
            ),
        )),
        (true, false) => {
            names.explains_push_secret = true;
            out.push(Finding::fail(
                Check::SecretName,
                format!(
                    "the chart names the push Secret `{charts}` for {who}, but `pushSecretName` is `{effective}`, which {}: builds find no push Secret",
                    if i.live { "does not exist" } else { "is not in the manifests" }
                ),
                format!(
                    "set `customImage.pushSecretName: {charts}` (`phib render` with `--release` does), then `phib upgrade`"
                ),
            ));
        }
        (false, true) if renders => {
            names.explains_push_secret = true;
            out.push(Finding::fail(
                Check::SecretName,
                format!(
                    "`pushSecretName` is `{effective}`, the Secret the chart itself renders for {who}; the values hold no login, so the chart writes an empty one there and builds push without credentials"
                ),
                "keep your Secret under another name (`phib render --secret-mode external --secret-name NAME`) and set `pushSecretName` to it",
            ));
        }
        (false, _) => out.push(Finding::ok(
            Check::SecretName,
            format!(
                "`pushSecretName` is `{effective}`, a Secret kept outside the chart (the chart's own for {who} is `{charts}`)"
            ),
        )),
    }
    names
}

/// The registry host buildah looks up credentials for: the push repository's host,
/// else the endpoint's.
fn push_host(ci: &CustomImage) -> String {
    match &ci.push {
        Some(p) => check::repository_host(p.as_str())
            .unwrap_or(check::DOCKER_HUB)
            .to_string(),
        None => check::endpoint_host(&ci.registry_endpoint).to_string(),
    }
}

/// Why a Secret cannot serve as a docker login for `host`, or the login.
pub(super) fn login_in(
    secret: &SecretObject,
    host: &str,
    source: &str,
) -> Result<Credentials, (String, String)> {
    let recreate = format!(
        "recreate it: `phib render --secret-mode external --secret-name {} --apply`",
        secret.name
    );
    if secret.type_.as_deref() != Some(DOCKERCONFIGJSON_TYPE) {
        return Err((
            format!(
                "{source} has type `{}`; builds and pulls need `{DOCKERCONFIGJSON_TYPE}`",
                secret.type_.as_deref().unwrap_or("Opaque")
            ),
            recreate,
        ));
    }
    let Some(data) = secret.data.get(DOCKERCONFIGJSON_KEY) else {
        let keys: Vec<String> = secret.data.keys().map(|k| format!("`{k}`")).collect();
        return Err((
            format!(
                "{source} has no `{DOCKERCONFIGJSON_KEY}` key (it has {})",
                if keys.is_empty() {
                    "none".to_string()
                } else {
                    keys.join(", ")
                }
            ),
            recreate,
        ));
    };
    let Some(config) = data else {
        return Err((
            format!("{source}: `{DOCKERCONFIGJSON_KEY}` is not base64"),
            recreate,
        ));
    };
    let login = dockerconfig::pick(config, host, source).map_err(|e| {
        (
            e.message,
            e.help
                .map_or(recreate.clone(), |h| format!("{h}; {recreate}")),
        )
    })?;
    if login.username.is_empty() || login.password.is_empty() {
        return Err((
            format!("{source} holds an empty login for `{host}`"),
            recreate,
        ));
    }
    Ok(login)
}

pub(super) fn push_secret(
    i: &Inputs,
    ci: &CustomImage,
    name: &str,
    out: &mut Vec<Finding>,
) -> Option<Credentials> {
    let where_ = match &i.namespace {
        Some(ns) => format!("in namespace `{ns}`"),
        None => "in the manifests".to_string(),
    };
    let Some(secret) = i.objects.secret(name) else {
        let in_values = ci.registry_password.is_some();
        if i.live || in_values {
            // An ExternalSecret may be meant to make it, but kubectl could not say.
            let unlisted = i
                .objects
                .unread
                .iter()
                .find(|u| u.what == "externalsecrets" && !u.why.contains("resource type"))
                .map(|u| {
                    format!(
                        " (if an ExternalSecret makes it: kubectl could not list them: {})",
                        super::quote(&u.why, 200)
                    )
                })
                .unwrap_or_default();
            out.push(Finding::fail(
                Check::PushSecret,
                format!("the push Secret `{name}` does not exist {where_}: builds cannot start{unlisted}"),
                format!("create it: `phib render --secret-mode external --secret-name {name} --apply`, or without a long-lived password `--refresh external-secrets` or `--from-store` (docs/keyless/README.md); or point `pushSecretName` at the Secret that holds the login"),
            ));
        } else {
            out.push(Finding::warn(
                Check::PushSecret,
                format!("the push Secret `{name}` is kept outside the chart and is not in the manifests: not checked"),
                format!("run `phib doctor` where kubectl reaches the cluster, or add `kubectl get secret {name} -o yaml` to the manifests"),
            ));
        }
        return None;
    };
    let host = push_host(ci);
    let source = format!("Secret `{name}`");
    match login_in(secret, &host, &source) {
        Ok(login) => {
            out.push(Finding::ok(
                Check::PushSecret,
                format!(
                    "Secret `{name}` ({DOCKERCONFIGJSON_TYPE}) holds a login for `{host}` as `{}`",
                    login.username
                ),
            ));
            Some(login)
        }
        Err((why, fix)) => {
            out.push(Finding::fail(Check::PushSecret, why, fix));
            None
        }
    }
}
