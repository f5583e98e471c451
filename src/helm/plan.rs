//! Planning an upgrade, with no I/O: from the values file's text, what `helm list` and
//! `helm get values` reported, and the user's options, decide the exact helm argv and
//! the content of the values file passed with `-f`. Everything risky (which chart
//! version, which keys are reset, what must never be in argv) is decided here, where
//! unit tests can see it.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::chart::DEFAULT_PUSH_SECRET_NAME;
use crate::names::Name;
use crate::runner::Word;
use crate::secret::{Redactor, Secret};
use crate::term::shell_quote;
use crate::values::model::{CustomImage, BLOCK_KEY, MANAGED_KEYS};
use crate::{Error, Result};

/// The chart repository PrimeHub is published in.
pub const INFUSEAI_REPO_NAME: &str = "infuseai";
pub const INFUSEAI_REPO_URL: &str = "https://charts.infuseai.io";
use crate::chart::DEFAULT_NAMESPACE;

/// The namespace to use: helm passes plugins an empty `HELM_NAMESPACE` when it has none,
/// and then PrimeHub's default applies.
pub fn namespace_or_default(namespace: String) -> String {
    if namespace.is_empty() {
        DEFAULT_NAMESPACE.to_string()
    } else {
        namespace
    }
}

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeOptions {
    pub values_path: PathBuf,
    pub release: String,
    pub namespace: String,
    pub chart: String,
    /// `--version`; `None` pins the deployed chart version.
    pub version: Option<String>,
    /// Allow a first install when the release does not exist.
    pub install: bool,
}

/// One release as `helm list -o json` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct ReleaseInfo {
    pub name: String,
    pub namespace: String,
    /// The `chart` field as helm prints it: `<chart name>-<chart version>`.
    pub chart: String,
    pub status: String,
}

/// Where the chart version in the command comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `--version` was given.
    Given,
    /// Pinned to the version the release runs now.
    Deployed,
    /// First install without `--version`: the newest chart.
    Newest,
}

/// The values file given to helm with `-f`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValuesArg {
    /// A temporary file holding only `customImage`, with this content (it holds
    /// secrets: written 0600, removed afterwards; `{:?}` does not show it).
    Temp(Secret),
    /// The user's whole values file (first install).
    File(PathBuf),
}

/// How one key of the block changes in the release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Changed,
    Removed,
    Unchanged,
}

/// The planned helm run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The user's values file the plan was made from.
    pub source: PathBuf,
    /// The `chart` field `helm list` reported for the release (`None`: first install).
    pub deployed_chart: Option<String>,
    pub release: String,
    pub namespace: String,
    pub chart: String,
    /// `true` for `helm upgrade --install` (no release yet).
    pub install: bool,
    pub version: Option<String>,
    pub version_source: VersionSource,
    pub values: ValuesArg,
    /// Keys of `customImage` and how they change, when the deployed values are known.
    pub changes: Vec<(String, Change)>,
    /// Top-level keys of the values file other than `customImage` (not applied by an
    /// upgrade: only the block changes).
    pub ignored_keys: Vec<String>,
    /// The secrets in the file and the deployed values, hidden in what helm prints.
    pub secrets: Redactor,
}

impl Plan {
    /// helm's arguments (without the helm binary), with `values_file` after `-f`: what
    /// is shown and what runs.
    pub fn words(&self, values_file: &Path) -> Vec<Word> {
        let mut args = vec![Word::Own("upgrade")];
        if self.install {
            args.push(Word::Own("--install"));
        }
        args.push(Word::Name(Name::Release, self.release.clone()));
        args.push(Word::Text(self.chart.clone()));
        args.push(Word::Own("--namespace"));
        args.push(Word::Name(Name::Namespace, self.namespace.clone()));
        if self.install {
            args.push(Word::Own("--create-namespace"));
        } else {
            args.push(Word::Own("--reuse-values"));
        }
        if let Some(v) = &self.version {
            args.push(Word::Own("--version"));
            args.push(Word::Text(v.clone()));
        }
        args.push(Word::Own("-f"));
        args.push(Word::Path(values_file.to_path_buf()));
        args
    }

    /// [`Plan::words`] as text.
    pub fn argv(&self, values_file: &Path) -> Vec<String> {
        self.words(values_file).iter().map(Word::text).collect()
    }

    /// The command line as a shell would take it, for showing to the user. It names
    /// files only; no value from the values file ever appears in it.
    pub fn command_line(&self, helm: &str, values_file: &Path) -> String {
        self.command_words(helm, values_file).join(" ")
    }

    /// [`Plan::command_line`] word by word, each quoted for a shell.
    pub fn command_words(&self, helm: &str, values_file: &Path) -> Vec<String> {
        std::iter::once(helm.to_string())
            .chain(self.argv(values_file))
            .map(|a| shell_quote(&a))
            .collect()
    }
}

/// Plans `helm upgrade` for the `customImage` block of `values_text`.
///
/// `release` is what `helm list` found (or `None`), `deployed` what `helm get values`
/// returned for it. Without a release, `--install` plans a first install with the whole
/// file; otherwise the plan passes only the block, pinned to the deployed chart version,
/// with `--reuse-values`, and resets every managed key the file does not set.
pub fn plan_upgrade(
    values_text: &str,
    release: Option<&ReleaseInfo>,
    deployed: Option<&Value>,
    opts: &UpgradeOptions,
) -> Result<Plan> {
    let path = &opts.values_path;
    let doc = check_input(values_text, opts)?;
    let top = doc.as_object().expect("check_input returns a mapping");
    let ignored_keys: Vec<String> = top.keys().filter(|k| *k != BLOCK_KEY).cloned().collect();

    // An uninstalled release whose history is kept is no release.
    let release = release.filter(|r| r.status != "uninstalled" && r.status != "uninstalling");
    if let Some(r) = release.filter(|r| r.status.starts_with("pending")) {
        return Err(Error::failed(format!(
            "release `{}` is `{}`: another helm operation on it has not finished",
            r.name, r.status
        ))
        .with_help(format!(
            "wait for it to finish, or see `helm history {} -n {}`; nothing was changed",
            r.name, opts.namespace
        )));
    }
    let Some(release) = release else {
        if !opts.install {
            return Err(Error::failed(format!(
                "there is no release `{}` in namespace `{}`",
                opts.release, opts.namespace
            ))
            .with_help(
                "check `--release` and `--namespace` (`helm list --all-namespaces` lists releases), or pass `--install` to install PrimeHub for the first time",
            ));
        }
        return Ok(Plan {
            source: path.clone(),
            deployed_chart: None,
            release: opts.release.clone(),
            namespace: opts.namespace.clone(),
            chart: opts.chart.clone(),
            install: true,
            version_source: if opts.version.is_some() {
                VersionSource::Given
            } else {
                VersionSource::Newest
            },
            version: opts.version.clone(),
            values: ValuesArg::File(path.clone()),
            changes: Vec::new(),
            ignored_keys: Vec::new(),
            secrets: secrets_of(&doc, deployed),
        });
    };

    let chart_name = chart_name_of(&opts.chart);
    let deployed_version = chart_version(&release.chart, chart_name).ok_or_else(|| {
        Error::usage(format!(
            "release `{}` runs chart `{}`, which is not the chart `{}`",
            release.name, release.chart, opts.chart
        ))
        .with_help("pass `--chart REPO/NAME` naming the chart the release was installed from")
    })?;
    let (version, version_source) = match &opts.version {
        Some(v) => (v.clone(), VersionSource::Given),
        None => (deployed_version, VersionSource::Deployed),
    };

    let block = upgrade_block(&doc[BLOCK_KEY]);
    let changes = deployed
        .map(|d| changes(&d[BLOCK_KEY], &block))
        .unwrap_or_default();
    let mut content = serde_json::to_string_pretty(&json!({ BLOCK_KEY: block }))
        .map_err(|e| Error::bug(format!("cannot serialise the values: {e}")))?;
    content.push('\n');
    Ok(Plan {
        source: path.clone(),
        deployed_chart: Some(release.chart.clone()),
        release: release.name.clone(),
        namespace: opts.namespace.clone(),
        chart: opts.chart.clone(),
        install: false,
        version: Some(version),
        version_source,
        values: ValuesArg::Temp(Secret::holding(content)),
        changes,
        ignored_keys,
        secrets: secrets_of(&doc, deployed),
    })
}

/// The secrets of the values file and of the deployed values, for hiding them in what
/// helm prints (a failing helm may echo its `-f` file, and a first install passes the
/// whole file): the registry logins, and every string under a key that names a secret
/// anywhere in the document, as `phib show` hides them ([`crate::secret::is_secret_key`]).
fn secrets_of(doc: &Value, deployed: Option<&Value>) -> Redactor {
    let mut secrets = Redactor::new();
    for values in std::iter::once(doc).chain(deployed) {
        let block = &values[BLOCK_KEY];
        if let Some(password) = block["registryPassword"].as_str() {
            let username = block["registryUsername"].as_str().unwrap_or_default();
            secrets.add_login(username, password);
        }
        secrets.add_document(values);
    }
    secrets
}

/// Checks everything the user gave before helm is asked anything: the release and
/// namespace names and the values file (valid YAML, a mapping, with a configured
/// `customImage` block), whose document it returns. Bad input is exit 2 here, whichever
/// caller finds it first.
pub fn check_input(values_text: &str, opts: &UpgradeOptions) -> Result<Value> {
    validate_name("--release", &opts.release)?;
    validate_name("--namespace", &opts.namespace)?;
    parse_values(values_text, &opts.values_path)
}

/// Reads a values file for an upgrade: valid YAML, a mapping, with a configured
/// `customImage` block (bad input is exit 2, before helm is asked anything).
fn parse_values(values_text: &str, path: &Path) -> Result<Value> {
    let doc = crate::values::parse_document(values_text, path)?;
    if CustomImage::from_values(&doc)?.is_none() {
        return Err(Error::usage(format!(
            "`{}` has no `customImage.registryEndpoint`: there is nothing to apply",
            path.display()
        ))
        .with_help("write the block first with `phib render` or `phib wizard`"));
    }
    let doc = to_json(&doc, path)?;
    if !doc.is_object() {
        return Err(Error::usage(format!(
            "`{}` is not a mapping of values",
            path.display()
        )));
    }
    Ok(doc)
}

/// A parsed values document as JSON, the form helm and JSONPath work on. The error
/// never quotes a value from the file (see [`crate::values::safe_parse_error`]).
pub fn to_json(doc: &serde_yaml::Value, path: &Path) -> Result<Value> {
    serde_json::to_value(doc).map_err(|e| {
        Error::usage(format!(
            "`{}` cannot be read as Helm values: {}",
            path.display(),
            crate::values::safe_parse_error(&e)
        ))
        .with_help("Helm values are a YAML mapping with string keys")
    })
}

/// The block passed with `--reuse-values`: the file's block as it is, plus every managed
/// key it does not set, reset. `--reuse-values` keeps keys that are not passed, so a
/// key phib removed (an old password, an old push repository) must be passed
/// explicitly. A key the chart gives a default is reset to that default, because a
/// `null` deletes the chart's default too (an empty `pushSecretName` would leave the
/// controller without its push secret); the others are passed as `null`.
pub fn upgrade_block(file_block: &Value) -> Value {
    let mut block = file_block.as_object().cloned().unwrap_or_else(Map::new);
    for key in MANAGED_KEYS {
        if block.get(key).is_none_or(Value::is_null) {
            block.insert(key.to_string(), chart_default(key));
        }
    }
    Value::Object(block)
}

/// The PrimeHub chart's default for a managed key, `null` where it has none.
fn chart_default(key: &str) -> Value {
    match key {
        "pushSecretName" => Value::String(DEFAULT_PUSH_SECRET_NAME.into()),
        "insecureSkipVerify" => Value::Bool(false),
        _ => Value::Null,
    }
}

fn changes(old: &Value, new: &Value) -> Vec<(String, Change)> {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut keys: Vec<&String> = new.keys().collect();
    keys.sort_by_key(|k| {
        MANAGED_KEYS
            .iter()
            .position(|m| m == k)
            .unwrap_or(usize::MAX)
    });
    keys.into_iter()
        .map(|k| {
            // A key the release does not set has the chart's default.
            let default = chart_default(k);
            let before = old.get(k).or(Some(&default)).filter(|v| !v.is_null());
            let after = new.get(k).filter(|v| !v.is_null());
            let change = match (before, after) {
                (None, None) => Change::Unchanged,
                (None, Some(_)) => Change::Added,
                (Some(_), None) => Change::Removed,
                (Some(a), Some(b)) if a == b => Change::Unchanged,
                _ => Change::Changed,
            };
            (k.clone(), change)
        })
        .collect()
}

/// The chart's name in a reference: `infuseai/primehub` → `primehub`,
/// `oci://host/charts/primehub` → `primehub`, `./primehub-4.1.0.tgz` → `primehub-4.1.0`.
fn chart_name_of(chart_ref: &str) -> &str {
    let last = chart_ref
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(chart_ref);
    last.strip_suffix(".tgz").unwrap_or(last)
}

/// The chart version in `helm list`'s `chart` field (`<name>-<version>`), given the
/// chart's name: `primehub-v4.1.0` → `v4.1.0`, `primehub-4.1.0-rc.1` → `4.1.0-rc.1`.
/// Chart names contain `-` and versions may too, so the name decides where the split
/// is; for a local chart archive (`primehub-4.1.0.tgz`) the version is found after the
/// last name part that is not version-like. `None` when the field is not that chart.
fn chart_version(chart_field: &str, chart_name: &str) -> Option<String> {
    if let Some(rest) = chart_field
        .strip_prefix(chart_name)
        .and_then(|r| r.strip_prefix('-'))
    {
        if looks_like_version(rest) {
            return Some(rest.to_string());
        }
    }
    // A reference that carries a version itself (`primehub-4.1.0.tgz`): compare the
    // name parts before the first version-like part.
    let split = |s: &str| -> Option<usize> {
        s.match_indices('-')
            .map(|(i, _)| i)
            .find(|&i| looks_like_version(&s[i + 1..]))
    };
    let field_at = split(chart_field)?;
    let ref_name = split(chart_name).map_or(chart_name, |i| &chart_name[..i]);
    (chart_field[..field_at] == *ref_name).then(|| chart_field[field_at + 1..].to_string())
}

/// `v1.2.3`, `1.2`, `4.1.0-rc.1+build`: an optional `v`, then digits and dots starting
/// with a digit, then an optional pre-release/build part.
fn looks_like_version(s: &str) -> bool {
    let s = s.strip_prefix('v').unwrap_or(s);
    let core_end = s.find(['-', '+']).unwrap_or(s.len());
    let core = &s[..core_end];
    !core.is_empty()
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && s[core_end..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-+.".contains(&b))
}

/// Release and namespace names are DNS labels (release names may also hold `.`);
/// checking them keeps them safe to put in a JSONPath filter and a shell line.
pub fn validate_name(flag: &str, name: &str) -> Result<()> {
    let kind = if flag == "--namespace" {
        crate::names::Name::Namespace
    } else {
        crate::names::Name::Release
    };
    if kind.accepts(name) {
        Ok(())
    } else {
        Err(
            Error::usage(format!("`{flag}` `{name}` is not a valid name")).with_help(
                "use lowercase letters, digits and `-`, starting and ending with a letter or digit",
            ),
        )
    }
}

#[cfg(test)]
mod tests;
