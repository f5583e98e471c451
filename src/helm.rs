//! Talking to helm: finding the binary, reading what a release runs, and running the
//! upgrade. The decisions live in [`plan`] (pure, unit-tested); this module only runs
//! helm and reads its JSON (queried with JSONPath, so a field helm adds or reorders does
//! not matter). Values with secrets go to helm only in files, never in its argv.

pub mod chart_version;
mod describe;
mod exec;
pub mod plan;
mod release;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::Value;

pub use describe::{describe, next_steps};
pub use exec::run_upgrade;
pub use plan::{plan_upgrade, Plan, ReleaseInfo, UpgradeOptions};
pub use release::HistoryEntry;

use crate::names::Name;
use crate::runner::{self, Bound, Call, Program, Tool};
use crate::{Error, Result};

/// A helm binary that answered `helm version`.
#[derive(Debug, Clone)]
pub struct Helm {
    program: Program,
    /// As `helm version --short` prints it, e.g. `v3.14.2+g...`.
    pub version: String,
    /// The limit its calls share (none but each call's own unless [`Helm::within`]).
    bound: Bound,
}

/// The helm that answered `helm version` in this run: asked once per run.
static CHECKED: Mutex<Option<(PathBuf, String)>> = Mutex::new(None);

/// One repository as `helm repo list -o json` prints it.
#[derive(Debug, Deserialize)]
struct RepoEntry {
    name: String,
}

impl Helm {
    /// Finds helm (`--helm PATH` or `HELM_BIN`, else `helm` on `PATH`: see
    /// [`crate::runner`]) and checks it is helm 3 or newer.
    pub fn find() -> Result<Helm> {
        Helm::find_within(&Bound::default())
    }

    /// [`Helm::find`], its `helm version` stopped when `bound` passes.
    pub fn find_within(bound: &Bound) -> Result<Helm> {
        let program = runner::find(Tool::Helm)?;
        let checked = CHECKED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if let Some((_, version)) = checked.filter(|(p, _)| *p == program.path) {
            return Ok(Helm {
                program,
                version,
                bound: Bound::default(),
            }
            .within(bound));
        }
        let out = program
            .call()
            .args(&["version", "--short"])
            .bounded(bound)
            .run()?;
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), out.stderr);
        let install = "install helm 3 or newer (https://helm.sh/docs/intro/install/), or name it with `--helm PATH` or `HELM_BIN`";
        let version = parse_version(&text).ok_or_else(|| {
            Error::failed(format!(
                "`{}` does not look like helm: `helm version` printed `{}`",
                program.path.display(),
                text.trim()
            ))
            .with_help(install)
        })?;
        if major(&version) < Some(3) {
            return Err(Error::failed(format!(
                "`{}` is helm {version}; phib needs helm 3 or newer",
                program.path.display()
            ))
            .with_help(install));
        }
        *CHECKED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((program.path.clone(), version.clone()));
        Ok(Helm {
            program,
            version,
            bound: bound.clone(),
        })
    }

    /// [`Helm::find`] for a command that only reads (`phib doctor`): `reads` runs with
    /// the helm found while `helm version` is asked, instead of after it. A helm that
    /// is no helm 3 is still refused, with the version check's error, and what the
    /// reads brought back is dropped.
    pub fn find_with<T: Send>(reads: impl FnOnce(&Helm) -> T + Send) -> Result<(Helm, T)> {
        let unchecked = Helm {
            program: runner::find(Tool::Helm)?,
            version: String::new(),
            bound: Bound::default(),
        };
        let (checked, read) = runner::join(Helm::find, || reads(&unchecked));
        Ok((checked?, read))
    }

    /// This helm with its calls stopped when `bound` passes.
    pub fn within(mut self, bound: &Bound) -> Helm {
        self.bound = bound.clone();
        self
    }

    /// The helm binary's path.
    pub fn path(&self) -> &Path {
        &self.program.path
    }

    /// A call of helm.
    pub fn call(&self) -> Call {
        self.program.call().bounded(&self.bound)
    }

    /// Runs `call`; a failure becomes an error that quotes helm's message (redacted by
    /// the runner) and says what to check.
    fn output(&self, call: Call, what: &str) -> Result<Vec<u8>> {
        let out = call.run()?;
        if out.ok() {
            Ok(out.stdout)
        } else {
            Err(helm_failed(what, &out.stderr))
        }
    }

    /// The releases in `namespace` that `helm list` shows as deployed, failed or
    /// pending (helm hides pending ones by default, but one stuck in
    /// `pending-upgrade` must be reported as such, not as missing; `--all` is gone in
    /// helm 4), only `name` when given. The one `helm list` of phib.
    pub fn list(&self, namespace: &str, name: Option<&str>) -> Result<Vec<ReleaseInfo>> {
        let mut call = self
            .call()
            .arg("list")
            .named("-n", Name::Namespace, namespace)?
            .args(&["-o", "json", "--deployed", "--failed", "--pending"]);
        if let Some(name) = name {
            if !Name::Release.accepts(name) {
                return Err(bad_name("--release", name));
            }
            call = call.built("--filter", format!("^{}$", name.replace('.', "\\.")));
        }
        let out = self.output(
            call,
            &format!("cannot list the releases in namespace `{namespace}`"),
        )?;
        let list: Vec<ReleaseInfo> =
            parse_json::<Option<_>>(&out, "helm list")?.unwrap_or_default();
        Ok(list
            .into_iter()
            .filter(|r| name.is_none_or(|n| r.name == n))
            .collect())
    }

    /// The release `name` in `namespace`, if `helm list` shows it.
    fn find_release(&self, name: &str, namespace: &str) -> Result<Option<ReleaseInfo>> {
        Ok(self.list(namespace, Some(name))?.into_iter().next())
    }

    /// The user-supplied values of a release (`helm get values -o json`).
    pub fn get_values(&self, name: &str, namespace: &str) -> Result<Value> {
        let call = self
            .call()
            .args(&["get", "values"])
            .named("-n", Name::Namespace, namespace)?
            .args(&["-o", "json"])
            .positional(Name::Release, name)?;
        let out = call.run()?;
        if !out.ok() && out.stderr.contains("release: not found") {
            return Err(Error::failed(format!(
                "there is no release `{name}` in namespace `{namespace}`"
            ))
            .with_help(
                "name the release's namespace with `--namespace NS` (as a helm plugin: `helm -n NS phib ...`); `helm list -A` lists every release with its namespace",
            ));
        }
        if !out.ok() {
            return Err(helm_failed(
                &format!("cannot read the values of release `{name}` in namespace `{namespace}`"),
                &out.stderr,
            ));
        }
        let values = match parse_json(&out.stdout, "helm get values")? {
            Value::Null => Value::Object(Default::default()),
            v => v,
        };
        crate::secret::learn_document(&values);
        Ok(values)
    }

    /// The names of the chart repositories helm knows (`helm repo list -o json`).
    fn repo_names(&self) -> Result<Vec<String>> {
        let out = self.call().args(&["repo", "list", "-o", "json"]).run()?;
        if !out.ok() {
            // helm 3 fails with "no repositories to show" instead of printing `[]`.
            if out.stderr.contains("no repositories") {
                return Ok(Vec::new());
            }
            return Err(helm_failed(
                "cannot list the chart repositories",
                &out.stderr,
            ));
        }
        let list: Option<Vec<RepoEntry>> = parse_json(&out.stdout, "helm repo list")?;
        Ok(list
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.name)
            .collect())
    }

    /// Checks that `chart` (`REPO/NAME`) comes from a repository helm knows; local
    /// paths, URLs and `oci://` references need none.
    fn check_chart_repo(&self, chart: &str) -> Result<()> {
        let Some(repo) = repo_of_chart(chart) else {
            return Ok(());
        };
        if self.repo_names()?.iter().any(|n| n == repo) {
            return Ok(());
        }
        let help = if repo == plan::INFUSEAI_REPO_NAME {
            format!(
                "run `helm repo add {} {}` and `helm repo update`, then try again",
                plan::INFUSEAI_REPO_NAME,
                plan::INFUSEAI_REPO_URL
            )
        } else {
            format!(
                "run `helm repo add {repo} URL` with the repository's address, or pass `--chart`"
            )
        };
        Err(Error::failed(format!(
            "helm does not know the chart repository `{repo}` of chart `{chart}`"
        ))
        .with_help(help))
    }
}

fn bad_name(flag: &str, name: &str) -> Error {
    let kind = if flag == "--namespace" {
        Name::Namespace
    } else {
        Name::Release
    };
    Error::usage(format!("`{flag}` `{name}` is not {}", kind.what())).with_help(kind.rule())
}

/// What asking helm for the live PrimeHub release found: the release, or why there is
/// none to go by, in one of three kinds (helm missing, the cluster not answering, no
/// such release) or because phib was told not to ask. Each reason is a phrase that
/// completes "because ...".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Live {
    /// The release, as `helm list` shows it.
    Found(ReleaseInfo),
    /// No helm to ask (not found, not helm 3).
    NoHelm(String),
    /// The cluster did not answer in time, or helm could not reach it.
    NoCluster(String),
    /// The cluster answered: no such release, none running PrimeHub, or several.
    NoRelease(String),
    /// phib was told not to ask (`PHIB_NO_CLUSTER`, a time limit of 0).
    NotAsked(String),
}

impl Live {
    /// The release found, if any.
    pub fn release(&self) -> Option<&ReleaseInfo> {
        match self {
            Live::Found(r) => Some(r),
            _ => None,
        }
    }

    /// Why there is no release to go by.
    pub fn why(&self) -> Option<&str> {
        match self {
            Live::Found(_) => None,
            Live::NoHelm(w) | Live::NoCluster(w) | Live::NoRelease(w) | Live::NotAsked(w) => {
                Some(w)
            }
        }
    }
}

/// The live PrimeHub release: `release` when given, else the one release in
/// `namespace` installed from a `primehub` chart, asked of helm within `bound`
/// (`helm version` and `helm list` at the same time). `limit` is the time limit in
/// words, for the reason when the cluster did not answer.
pub fn live_primehub(release: Option<&str>, namespace: &str, bound: &Bound, limit: &str) -> Live {
    let program = match runner::find(Tool::Helm) {
        Ok(p) => p,
        Err(e) => return Live::NoHelm(e.message),
    };
    let lister = Helm {
        program,
        version: String::new(),
        bound: bound.clone(),
    };
    let (checked, listed) = runner::join(
        || Helm::find_within(bound),
        || lister.list(namespace, release),
    );
    let timed_out = || {
        Live::NoCluster(format!(
            "the cluster did not answer `helm list` within {limit} (`--cluster-timeout`)"
        ))
    };
    if let Err(e) = checked {
        return if bound.passed() {
            timed_out()
        } else {
            Live::NoHelm(e.message)
        };
    }
    let list = match listed {
        Ok(list) => list,
        Err(_) if bound.passed() => return timed_out(),
        Err(e) => {
            // helm's own words (its connection error, say), without phib's preamble.
            let said = e
                .message
                .split_once("helm said: ")
                .map_or(e.message.as_str(), |(_, said)| said);
            return Live::NoCluster(format!("`helm list -n {namespace}` failed: {said}"));
        }
    };
    if let Some(name) = release {
        return match list.into_iter().next() {
            Some(r) => Live::Found(r),
            None => Live::NoRelease(format!(
                "there is no release `{name}` in namespace `{namespace}`"
            )),
        };
    }
    let mut found: Vec<ReleaseInfo> = list
        .into_iter()
        .filter(|r| r.chart.starts_with("primehub-"))
        .collect();
    match found.len() {
        1 => Live::Found(found.remove(0)),
        0 => Live::NoRelease(format!(
            "no release in namespace `{namespace}` runs a PrimeHub chart"
        )),
        _ => Live::NoRelease(format!(
            "namespace `{namespace}` has several PrimeHub releases ({})",
            found
                .iter()
                .map(|r| format!("`{}`", r.name))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Asks helm what the release runs and plans the upgrade of `values_text` (the content
/// of `opts.values_path`): `helm list`, `helm get values`, [`plan_upgrade`], and the
/// chart repository check. Runs nothing that changes the cluster.
pub fn prepare_upgrade(helm: &Helm, values_text: &str, opts: &UpgradeOptions) -> Result<Plan> {
    // Bad input is refused before helm is asked anything.
    plan::check_input(values_text, opts)?;
    // The three reads depend on nothing but the options: they run at the same time,
    // and their answers are judged in the order they always were (a release that is
    // not there makes the values' error moot).
    let (release, deployed, repo) = runner::join3(
        || helm.find_release(&opts.release, &opts.namespace),
        || helm.get_values(&opts.release, &opts.namespace),
        || helm.check_chart_repo(&opts.chart),
    );
    let release = release?;
    let deployed = match &release {
        Some(_) => Some(deployed?),
        None => None,
    };
    let plan = plan_upgrade(values_text, release.as_ref(), deployed.as_ref(), opts)?;
    check_chart_version(values_text, &plan, deployed.as_ref())?;
    repo?;
    Ok(plan)
}

/// Refuses to apply a block the chart version being installed is known to break. The
/// chart's other values are the release's (kept by `--reuse-values`), or the file's on
/// a first install; a version that is not a plain release (a range) is not checked.
fn check_chart_version(values_text: &str, plan: &Plan, deployed: Option<&Value>) -> Result<()> {
    let version = match &plan.version {
        Some(v) => match v.parse::<crate::chart::ChartVersion>() {
            Ok(v) => v,
            Err(_) => return Ok(()),
        },
        None => crate::chart::NEWEST,
    };
    let doc = crate::values::parse_document(values_text, &plan.source)?;
    let Some(ci) = crate::values::model::CustomImage::from_values(&doc)? else {
        return Ok(());
    };
    let others = match deployed {
        Some(d) if !plan.install => serde_yaml::to_value(d).unwrap_or(serde_yaml::Value::Null),
        _ => doc,
    };
    let values = crate::chart::ChartValues::from_values(&others);
    crate::settings::check_block(&ci, &version, &values, Some(&plan.release))
}

/// The repository part of `REPO/NAME`, or `None` for a path, URL or OCI reference.
fn repo_of_chart(chart: &str) -> Option<&str> {
    if chart.contains("://") || chart.starts_with(['.', '/', '~']) || Path::new(chart).exists() {
        return None;
    }
    match chart.split_once('/') {
        Some((repo, name)) if !repo.is_empty() && !name.is_empty() && !name.contains('/') => {
            Some(repo)
        }
        _ => None,
    }
}

/// helm's JSON output read as `T`; empty output is JSON `null`.
fn parse_json<T: serde::de::DeserializeOwned>(out: &[u8], what: &str) -> Result<T> {
    let text = String::from_utf8_lossy(out);
    let text = if text.trim().is_empty() {
        "null"
    } else {
        &text
    };
    serde_json::from_str(text)
        .map_err(|e| Error::failed(format!("`{what}` printed output phib cannot read: {e}")))
}

/// `v3.14.2+g…` from `helm version --short` (helm 2 prints `Client: v2…`).
fn parse_version(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|w| w.starts_with('v') && w[1..].starts_with(|c: char| c.is_ascii_digit()))
        .map(str::to_string)
}

fn major(version: &str) -> Option<u32> {
    version[1..].split('.').next()?.parse().ok()
}

/// An error for a failed helm run: helm's own `Error:` line, and a hint for the usual
/// causes.
pub(crate) fn helm_failed(what: &str, stderr: &str) -> Error {
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with("Error:"))
        .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
        .map(|l| l.trim().trim_start_matches("Error:").trim())
        .unwrap_or("helm failed without a message");
    let lower = line.to_ascii_lowercase();
    let help = if lower.contains("cluster unreachable")
        || lower.contains("connection refused")
        || lower.contains("no such host")
        || lower.contains("i/o timeout")
        || lower.contains("kubeconfig")
        || lower.contains("unauthorized")
    {
        "check that `KUBECONFIG` and the current context (`kubectl config current-context`) point at PrimeHub's cluster and that it is reachable"
    } else if lower.contains("another operation") {
        "another helm operation on this release is in progress; wait for it (`helm history`) and try again"
    } else {
        "helm's message is quoted in the line above; nothing in your values file was changed"
    };
    Error::failed(format!("{what}: helm said: {line}")).with_help(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn version_parsing_refuses_helm_2() {
        assert_eq!(
            parse_version("v3.14.2+gc309b6f\n").as_deref(),
            Some("v3.14.2+gc309b6f")
        );
        let v2 = parse_version("Client: v2.17.0+ga690bad\nError: could not find tiller").unwrap();
        assert_eq!(major(&v2), Some(2));
        assert_eq!(major("v4.1.4+g05fa379"), Some(4));
        assert_eq!(parse_version("bash: no such command"), None);
    }

    #[test]
    fn releases_and_repos_are_read_as_typed_json() {
        let list = json!([
            {"name": "other", "namespace": "hub", "chart": "x-1.0.0", "status": "deployed"},
            {"name": "primehub", "namespace": "hub", "revision": "3",
             "chart": "primehub-v4.1.0", "status": "deployed", "app_version": "v4.1.0"}
        ])
        .to_string();
        let got: Vec<ReleaseInfo> = parse_json(list.as_bytes(), "helm list").unwrap();
        assert_eq!(got[1].chart, "primehub-v4.1.0");
        assert_eq!(got[1].namespace, "hub");
        let none: Option<Vec<ReleaseInfo>> = parse_json(b"", "helm list").unwrap();
        assert_eq!(none, None);
        let repos = json!([{"name": "infuseai", "url": "https://charts.infuseai.io"}, {"name": "b", "url": "u"}]).to_string();
        let got: Vec<RepoEntry> = parse_json(repos.as_bytes(), "helm repo list").unwrap();
        assert_eq!(
            got.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["infuseai", "b"]
        );
        let err = parse_json::<Vec<ReleaseInfo>>(b"[{\"name\": 1}]", "helm list").unwrap_err();
        assert!(
            err.message
                .contains("`helm list` printed output phib cannot read"),
            "{}",
            err.message
        );
    }

    #[test]
    fn repo_of_chart_only_for_repo_references() {
        assert_eq!(repo_of_chart("infuseai/primehub"), Some("infuseai"));
        assert_eq!(repo_of_chart("oci://r.io/charts/primehub"), None);
        assert_eq!(repo_of_chart("./chart"), None);
        assert_eq!(repo_of_chart("/abs/chart"), None);
        assert_eq!(repo_of_chart("primehub"), None);
    }

    #[test]
    fn unreachable_cluster_gets_the_kubeconfig_hint() {
        let e = helm_failed(
            "cannot list the releases",
            "Error: kubernetes cluster unreachable: Get \"http://localhost:8080/version\": dial tcp 127.0.0.1:8080: connect: connection refused\n",
        );
        assert!(
            e.message.contains("kubernetes cluster unreachable"),
            "{}",
            e.message
        );
        assert!(e.help.as_deref().unwrap().contains("KUBECONFIG"));
        assert_eq!(e.exit_code(), 1);
    }
}
