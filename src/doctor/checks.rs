//! The doctor's checks, pure functions of [`Inputs`]. Each adds its findings in the
//! checklist's order; a check that another one's failure explains adds nothing (the
//! checklist names each fault once). Chart rules come from [`crate::chart`], registry
//! rules from [`crate::registry::check`] and the credential lookup buildah does from
//! [`crate::verify::dockerconfig`].

use serde_yaml::{Mapping, Value};

use super::objects::{
    Objects, SecretObject, DOCKERCONFIGJSON_KEY, DOCKERCONFIGJSON_TYPE, HELM_RELEASE_TYPE,
};
use super::quantity::is_quantity;
use super::{Check, Diagnosis, Finding, Inputs, Listing, VersionSource};
use crate::chart::{self, Breaks, ChartValues, Naming};
use crate::registry::check;
use crate::secret::{is_secret_key, Redactor};
use crate::values::model::{CustomImage, BLOCK_KEY, DEFAULT_PUSH_SECRET_NAME};
use crate::verify::{dockerconfig, Credentials};

/// Passwords shorter than this are looked for only as whole values, never inside
/// other text: a short one would be "found" everywhere.
const MIN_SEARCHED_LEN: usize = 4;

/// Runs every check.
pub fn run(i: &Inputs) -> Diagnosis {
    let mut d = Diagnosis {
        findings: Vec::new(),
        custom_image: None,
        push_login: None,
        redactor: Redactor::new(),
    };
    // Whatever the block holds under a secret key, now and in earlier revisions, stays
    // hidden in the report, even if a check quoted it by mistake. (Only the block: the
    // rest of PrimeHub's values has secrets as common as `password`, which would blank
    // the same word out of every line.)
    for doc in std::iter::once(&i.values).chain(i.history.iter().flatten().map(|r| &r.values)) {
        if let Some(block) = doc.get(BLOCK_KEY) {
            if let Ok(json) = serde_json::to_value(block) {
                d.redactor
                    .add_document(&serde_json::json!({ BLOCK_KEY: json }));
            }
        }
    }
    chart_version(i, &mut d.findings);
    let Some(block) = block_place(i, &mut d.findings) else {
        return d;
    };
    let Some(ci) = registry_endpoint(i, &mut d.findings) else {
        return d;
    };
    if let (Some(u), Some(p)) = (&ci.registry_username, &ci.registry_password) {
        d.redactor.add_login(u, p.expose());
    } else if let Some(p) = &ci.registry_password {
        d.redactor.add(p.expose());
    }
    let breaks = chart_keys(i, block, &mut d.findings);
    stale_keys(i, block, &breaks, &mut d.findings);
    push_target(i, block, &breaks, &mut d.findings);
    let names = secret_name(i, &ci, &mut d.findings);
    let explained = names.explains_push_secret
        || breaks
            .iter()
            .any(|b| matches!(b, Breaks::NeedsEeMode { .. }) && names.is_charts);
    if !explained {
        d.push_login = push_secret(i, &ci, &names.effective, &mut d.findings);
    }
    if let Some(login) = &d.push_login {
        d.redactor
            .add_login(&login.username, login.password.expose());
    }
    build_resources(block, &mut d.findings);
    let found = leaks(i, &ci, &names, d.push_login.as_ref());
    d.findings.extend(found);
    images(i, &mut d);
    d.custom_image = Some(ci);
    d
}

fn chart_version(i: &Inputs, out: &mut Vec<Finding>) {
    let v = &i.version;
    if !chart::is_known(v) {
        out.push(Finding::warn(
            Check::ChartVersion,
            format!(
                "PrimeHub chart {v} is older than any phib knows ({}): the checks assume the oldest",
                chart::OLDEST
            ),
            "upgrade PrimeHub",
        ));
        return;
    }
    match i.version_source {
        VersionSource::Assumed => out.push(Finding::warn(
            Check::ChartVersion,
            format!("no chart version found: assumed PrimeHub chart {v}, the newest phib knows"),
            "pass `--chart-version` (the version `helm list` shows after `primehub-`)",
        )),
        VersionSource::Flag => out.push(Finding::ok(
            Check::ChartVersion,
            format!("PrimeHub chart {v} (`--chart-version`)"),
        )),
        VersionSource::Label => out.push(Finding::ok(
            Check::ChartVersion,
            format!("PrimeHub chart {v} (from the manifests' `helm.sh/chart` label)"),
        )),
        VersionSource::Release => out.push(Finding::ok(
            Check::ChartVersion,
            format!("PrimeHub chart {v} (the release's)"),
        )),
    }
}

/// `configured` = a mapping with a non-empty `registryEndpoint`.
fn configured(v: &Value) -> bool {
    v.get("registryEndpoint")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// Every `customImage` key below the top level, as dotted paths.
fn nested_blocks(v: &Value, path: &str, depth: usize, out: &mut Vec<(String, bool)>) {
    let Value::Mapping(m) = v else {
        return;
    };
    if depth > 8 {
        return;
    }
    for (k, child) in m {
        let Some(k) = k.as_str() else { continue };
        let here = if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        };
        if depth == 0 && k == BLOCK_KEY {
            continue;
        }
        if depth > 0 && k == BLOCK_KEY {
            out.push((here.clone(), configured(child)));
        }
        nested_blocks(child, &here, depth + 1, out);
    }
}

/// The top-level block, when the checks can go on with it.
fn block_place<'a>(i: &'a Inputs, out: &mut Vec<Finding>) -> Option<&'a Mapping> {
    let mut nested = Vec::new();
    nested_blocks(&i.values, "", 0, &mut nested);
    let top = i.values.get(BLOCK_KEY);
    let top_ok = top.is_some_and(configured);
    if top.is_some_and(|t| !t.is_null() && !t.is_mapping()) {
        out.push(Finding::fail(
            Check::BlockPlace,
            format!("`customImage` in {} is not a mapping", i.values_source),
            "make `customImage:` a block of `key: value` lines",
        ));
        return None;
    }
    let paths = |only_configured: bool| {
        nested
            .iter()
            .filter(|(_, c)| !only_configured || *c)
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !top_ok && nested.iter().any(|(_, c)| *c) {
        let first = nested.iter().find(|(_, c)| *c).map(|(p, _)| p.as_str());
        let parent = first
            .and_then(|p| p.rsplit_once('.'))
            .map_or("", |(parent, _)| parent);
        out.push(Finding::fail(
            Check::BlockPlace,
            format!(
                "the image builder settings are under `{parent}:` ({}): the chart reads only a top-level `customImage`, so the image builder is off",
                paths(true)
            ),
            "move the block to the top level of the values (`customImage:` with no indentation), then `phib upgrade`",
        ));
        return None;
    }
    if top_ok && !nested.is_empty() {
        out.push(Finding::warn(
            Check::BlockPlace,
            format!(
                "{} {} ignored: the chart reads only the top-level `customImage`",
                paths(false),
                if nested.len() == 1 { "is" } else { "are" }
            ),
            "remove the nested block so nobody edits it by mistake",
        ));
    } else if top_ok {
        out.push(Finding::ok(
            Check::BlockPlace,
            format!("`customImage` is at the top level of {}", i.values_source),
        ));
    }
    match top {
        Some(Value::Mapping(m)) => Some(m),
        _ => {
            out.push(Finding::fail(
                Check::RegistryEndpoint,
                format!(
                    "{} has no `customImage` block: the image builder is off",
                    i.values_source
                ),
                "write it with `phib render --registry KIND ...` (or `phib wizard`), then `phib upgrade`",
            ));
            None
        }
    }
}

fn registry_endpoint(i: &Inputs, out: &mut Vec<Finding>) -> Option<CustomImage> {
    let ci = match CustomImage::from_values(&i.values) {
        Ok(Some(ci)) if !ci.registry_endpoint.is_empty() => ci,
        Ok(_) => {
            out.push(Finding::fail(
                Check::RegistryEndpoint,
                "`customImage.registryEndpoint` is not set: the chart renders no push Secret and the console hides \"Build Custom Image\"",
                "set it with `phib render --registry KIND ...` (or `phib wizard`), then `phib upgrade`",
            ));
            return None;
        }
        Err(e) => {
            out.push(Finding::fail(
                Check::RegistryEndpoint,
                e.message,
                e.help
                    .unwrap_or_else(|| "rewrite the block with `phib render`".into()),
            ));
            return None;
        }
    };
    match check::endpoint(&ci.registry_endpoint) {
        Ok(()) => out.push(Finding::ok(
            Check::RegistryEndpoint,
            format!("`registryEndpoint` is `{}`", ci.registry_endpoint),
        )),
        Err(bad) => out.push(Finding::fail(
            Check::RegistryEndpoint,
            format!("`customImage.registryEndpoint` {}", bad.reason),
            bad.help,
        )),
    }
    Some(ci)
}

/// A string value of the block, `None` when unset or empty.
fn text<'a>(block: &'a Mapping, key: &str) -> Option<&'a str> {
    block
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn chart_values(i: &Inputs) -> Option<ChartValues> {
    i.whole_values.then(|| ChartValues::from_values(&i.values))
}

fn chart_keys(i: &Inputs, block: &Mapping, out: &mut Vec<Finding>) -> Vec<Breaks> {
    let v = &i.version;
    let endpoint = text(block, "registryEndpoint").unwrap_or("");
    let skip = block.get("insecureSkipVerify").and_then(Value::as_bool) == Some(true)
        || block.get("insecureSkipVerify").and_then(Value::as_str) == Some("true");
    let needs_skip_tls = skip || endpoint.to_ascii_lowercase().starts_with("http://");
    let cv = chart_values(i);
    let mode = cv.as_ref().map(|cv| cv.mode.as_deref());
    let breaks = chart::breaks(
        v,
        text(block, "pushRepo"),
        text(block, "pushRepoPrefix"),
        needs_skip_tls,
        mode,
    );
    for b in &breaks {
        out.push(Finding::fail(Check::ChartKeys, b.reason(v), b.fix(v)));
    }
    if breaks.is_empty() {
        out.push(Finding::ok(
            Check::ChartKeys,
            format!("PrimeHub chart {v} reads the keys in use as they are meant"),
        ));
    }
    breaks
}

fn stale_keys(i: &Inputs, block: &Mapping, breaks: &[Breaks], out: &mut Vec<Finding>) {
    let v = &i.version;
    let reads = chart::block_keys(v);
    let known = chart::block_keys(&chart::NEWEST);
    let mut stale = Vec::new();
    for (k, val) in block {
        let Some(k) = k.as_str() else { continue };
        // `enabled` is in PrimeHub's docs (and in what phib writes): no chart reads it,
        // and it does no harm. Neither does a false `insecureSkipVerify` on a chart
        // without the key.
        let harmless = chart::IGNORED_KEYS.contains(&k)
            || (k == "insecureSkipVerify" && val.as_bool() == Some(false));
        if val.is_null() || reads.contains(&k) || harmless {
            continue;
        }
        let covered = match k {
            "pushRepo" => breaks.contains(&Breaks::PushRepoIgnored),
            "insecureSkipVerify" => breaks.contains(&Breaks::SkipTlsNotPassed),
            _ => false,
        };
        if covered {
            continue;
        }
        stale.push(if known.contains(&k) {
            format!("`{k}` (chart {v} does not read it)")
        } else {
            format!("`{k}` (not a key of the chart: a typo?)")
        });
    }
    if stale.is_empty() {
        out.push(Finding::ok(
            Check::StaleKeys,
            "no stale keys in `customImage`",
        ));
    } else {
        out.push(Finding::warn(
            Check::StaleKeys,
            format!(
                "`customImage` has keys the chart ignores: {}",
                stale.join(", ")
            ),
            format!(
                "remove them; the keys chart {v} reads are {}",
                reads
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
}

fn push_target(i: &Inputs, block: &Mapping, breaks: &[Breaks], out: &mut Vec<Finding>) {
    if breaks.contains(&Breaks::PushRepoIgnored) {
        return;
    }
    let (repo, prefix) = (text(block, "pushRepo"), text(block, "pushRepoPrefix"));
    let target = chart::target_image(&i.version, repo, prefix, "<image>", "<hash>");
    if repo.is_none() && prefix.is_none() {
        out.push(Finding::fail(
            Check::PushTarget,
            format!(
                "neither `pushRepo` nor `pushRepoPrefix` is set: builds push to `{target}`, Docker Hub's official images, where no login can write"
            ),
            "set `pushRepoPrefix` (`phib render --push-repo-prefix PREFIX`), then `phib upgrade`",
        ));
    } else {
        out.push(Finding::ok(
            Check::PushTarget,
            format!("builds push to `{target}`"),
        ));
    }
}

/// What the Secret-name check settled.
struct Names {
    /// The Secret the controller mounts (`pushSecretName` or the chart's default).
    effective: String,
    /// The Secret the chart renders, when the release (or its fullname) is known.
    charts: Option<String>,
    /// `effective` is the chart's own Secret.
    is_charts: bool,
    /// The Secret-name finding already says why the push Secret is wrong.
    explains_push_secret: bool,
}

/// The Secret the chart renders for this release, and who that is for the lines:
/// from the release and the values' overrides, else (offline) from the name the chart
/// gave the controller ConfigMap in the manifests.
fn charts_secret(i: &Inputs, cv: &Option<ChartValues>) -> Option<(String, String)> {
    if let Some(release) = &i.release {
        let cv = cv.clone().unwrap_or_default();
        let name = chart::push_secret_name(&cv.naming(release));
        return Some((name, format!("release `{release}`")));
    }
    let (config, _) = controller_config(&i.objects)?;
    let full = config
        .strip_suffix(chart::CONTROLLER_CONFIG_SUFFIX)
        .unwrap_or(config);
    let name = chart::push_secret_name(&Naming {
        release: full,
        name_override: None,
        fullname_override: Some(full),
    });
    Some((
        name,
        format!("the release whose objects are named `{full}`"),
    ))
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

fn secret_name(i: &Inputs, ci: &CustomImage, out: &mut Vec<Finding>) -> Names {
    let effective = ci
        .push_secret_name
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_PUSH_SECRET_NAME.to_string());
    let cv = chart_values(i);
    let mut names = Names {
        effective: effective.clone(),
        charts: None,
        is_charts: false,
        explains_push_secret: false,
    };
    let Some((charts, who)) = charts_secret(i, &cv) else {
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
            .unwrap_or("docker.io")
            .to_string(),
        None => check::endpoint_host(&ci.registry_endpoint).to_string(),
    }
}

/// Why a Secret cannot serve as a docker login for `host`, or the login.
fn login_in(
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

fn push_secret(
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
            out.push(Finding::fail(
                Check::PushSecret,
                format!("the push Secret `{name}` does not exist {where_}: builds cannot start"),
                format!("create it: `phib render --secret-mode external --secret-name {name} --apply`, or point `pushSecretName` at the Secret that holds the login"),
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

fn build_resources(block: &Mapping, out: &mut Vec<Finding>) {
    let resources = block.get("buildJob").and_then(|b| b.get("resources"));
    let Some(resources) = resources.filter(|r| !r.is_null()) else {
        out.push(Finding::ok(
            Check::BuildResources,
            "`buildJob.resources` is not set (the controller's defaults)",
        ));
        return;
    };
    let mut problems = Vec::new();
    for section in chart::BUILD_JOB_RESOURCE_SECTIONS {
        let Some(s) = resources.get(section).filter(|s| !s.is_null()) else {
            continue;
        };
        if !s.is_mapping() {
            problems.push(format!("`{section}` is not a mapping"));
            continue;
        }
        for key in chart::BUILD_JOB_RESOURCE_KEYS {
            match s.get(key) {
                None | Some(Value::Null) => problems.push(format!("`{section}.{key}` is missing")),
                Some(Value::String(q)) if is_quantity(q) => {}
                Some(Value::Number(n)) if is_quantity(&n.to_string()) => {}
                Some(Value::String(q)) => {
                    problems.push(format!("`{section}.{key}` (`{q}`) is not a quantity"))
                }
                Some(_) => problems.push(format!("`{section}.{key}` is not a quantity")),
            }
        }
    }
    if problems.is_empty() {
        out.push(Finding::ok(
            Check::BuildResources,
            "`buildJob.resources` sets both `cpu` and `memory` as quantities",
        ));
    } else {
        out.push(Finding::fail(
            Check::BuildResources,
            format!(
                "the controller panics at start on `customImage.buildJob.resources`: {}",
                problems.join(", ")
            ),
            "set both `cpu` and `memory` in each of `requests` and `limits` you set, as quantities like `500m` and `2Gi`",
        ));
    }
}

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

fn leaks(i: &Inputs, ci: &CustomImage, names: &Names, login: Option<&Credentials>) -> Vec<Finding> {
    let mut out = Vec::new();
    let (r, short, any) = searched(ci, login);
    if !any {
        return out;
    }
    let ns = i
        .namespace
        .as_deref()
        .map_or("the namespace".to_string(), |n| format!("`{n}`"));
    let maps: Vec<String> = i
        .objects
        .config_maps
        .iter()
        .filter(|c| c.data.values().any(|v| holds(&r, &short, v)))
        .map(|c| format!("`{}`", c.name))
        .collect();
    if maps.is_empty() {
        out.push(Finding::ok(
            Check::LeakConfigMap,
            "no ConfigMap holds the registry password",
        ));
    } else {
        out.push(Finding::warn(
            Check::LeakConfigMap,
            format!(
                "the registry password is in plain text in ConfigMap {} (the chart copies the whole `customImage` block there): anyone who can read ConfigMaps in {ns} can read it",
                maps.join(", ")
            ),
            "keep the login out of the values: `phib render --secret-mode external ...`, then `phib upgrade` (docs/security.md)",
        ));
    }
    if let Some(history) = &i.history {
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
        let release = i.release.as_deref().unwrap_or("primehub");
        if old.is_empty() {
            out.push(Finding::ok(
                Check::LeakHistory,
                "earlier revisions of the release hold no other registry password",
            ));
        } else {
            out.push(Finding::warn(
                Check::LeakHistory,
                format!(
                    "revision{} {} of release `{release}` keep{} a registry password that is not the current one, in helm's release Secrets (`sh.helm.release.v1.{release}.vN`), readable by anyone who can read Secrets in {ns}",
                    if old.len() == 1 { "" } else { "s" },
                    old.join(", "),
                    if old.len() == 1 { "s" } else { "" },
                ),
                "revoke that password at the registry; helm keeps the revisions until it prunes them (`helm upgrade --history-max`)",
            ));
        }
    }
    let skip = |s: &SecretObject| {
        s.name == names.effective
            || (ci.registry_password.is_some() && names.charts.as_deref() == Some(&s.name))
            || s.type_.as_deref() == Some(HELM_RELEASE_TYPE)
    };
    let others: Vec<String> = i
        .objects
        .secrets
        .iter()
        .filter(|s| !skip(s))
        .filter(|s| {
            s.data.values().flatten().any(|bytes| {
                let text = String::from_utf8_lossy(bytes);
                holds(&r, &short, &text)
            })
        })
        .map(|s| format!("`{}`", s.name))
        .collect();
    if others.is_empty() {
        out.push(Finding::ok(
            Check::LeakSecrets,
            "no other Secret holds the registry password",
        ));
    } else {
        out.push(Finding::warn(
            Check::LeakSecrets,
            format!(
                "the registry password is also in Secret {}",
                others.join(", ")
            ),
            "delete the copies you do not need; if they are not yours, rotate the password",
        ));
    }
    out
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

/// The registry host of an image reference (`docker.io` when it names none).
fn image_host(url: &str) -> String {
    if url.contains('/') {
        if let Some(h) = check::repository_host(url) {
            return h.to_string();
        }
    }
    "docker.io".to_string()
}

fn images(i: &Inputs, d: &mut Diagnosis) {
    let out = &mut d.findings;
    match &i.images {
        Listing::NotAsked => return,
        Listing::Failed(why) => {
            out.push(Finding::warn(
                Check::ImagePullSecrets,
                format!("cannot list PrimeHub's Images: {why}"),
                "check that kubectl can `get images.primehub.io` in the namespace",
            ));
            return;
        }
        Listing::Listed => {}
    }
    // One finding per Secret, naming the Images that use it.
    let mut bad: Vec<(String, Vec<String>, String, String, bool)> = Vec::new();
    let mut checked = 0;
    for image in &i.objects.images {
        let Some(secret_name) = &image.pull_secret else {
            continue;
        };
        checked += 1;
        let mut hosts: Vec<String> = [&image.url, &image.url_for_gpu]
            .into_iter()
            .flatten()
            .map(|u| image_host(u))
            .collect();
        hosts.dedup();
        if hosts.is_empty() {
            hosts.push(image_host(""));
        }
        let problem = match i.objects.secret(secret_name) {
            None if i.live => Some((
                format!("its pull Secret `{secret_name}` does not exist"),
                format!("point them at the push Secret: `kubectl patch images.primehub.io NAME --type merge -p '{{\"spec\":{{\"pullSecret\":\"NEW\"}}}}'`, or recreate `{secret_name}`"),
                true,
            )),
            None => Some((
                format!("its pull Secret `{secret_name}` is not in the manifests"),
                format!("add `kubectl get secret {secret_name} -o yaml` to the manifests, or run `phib doctor` on the cluster"),
                false,
            )),
            Some(s) => hosts.iter().find_map(|host| {
                match login_in(s, host, &format!("its pull Secret `{secret_name}`")) {
                    Ok(login) => {
                        d.redactor
                            .add_login(&login.username, login.password.expose());
                        None
                    }
                    Err((why, fix)) => Some((why, fix, true)),
                }
            }),
        };
        if let Some((why, fix, fails)) = problem {
            match bad.iter_mut().find(|b| b.2 == why) {
                Some(b) => b.1.push(image.name.clone()),
                None => bad.push((
                    secret_name.clone(),
                    vec![image.name.clone()],
                    why,
                    fix,
                    fails,
                )),
            }
        }
    }
    if checked == 0 {
        out.push(Finding::ok(
            Check::ImagePullSecrets,
            format!(
                "{} Image{} and none names a pull Secret",
                i.objects.images.len(),
                if i.objects.images.len() == 1 { "" } else { "s" }
            ),
        ));
    } else if bad.is_empty() {
        out.push(Finding::ok(
            Check::ImagePullSecrets,
            format!(
                "{checked} Image{} with a pull Secret: each holds a login for the image's registry",
                if checked == 1 { "" } else { "s" }
            ),
        ));
    }
    for (_, names, why, fix, fails) in bad {
        let who = format!(
            "Image{} {}",
            if names.len() == 1 { "" } else { "s" },
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let finding = format!(
            "{who}: {why}; notebooks using {} cannot pull",
            if names.len() == 1 { "it" } else { "them" }
        );
        out.push(if fails {
            Finding::fail(Check::ImagePullSecrets, finding, fix)
        } else {
            Finding::warn(Check::ImagePullSecrets, finding, fix)
        });
    }
}
