//! Talking to helm: finding the binary, reading what a release runs, and running the
//! upgrade. The decisions live in [`plan`] (pure, unit-tested); this module only runs
//! helm and reads its JSON (queried with JSONPath, so a field helm adds or reorders does
//! not matter). Values with secrets go to helm only in files, never in its argv.

pub mod chart_version;
mod describe;
mod exec;
pub mod plan;
mod release;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use jsonpath_rust::JsonPath;
use serde_json::Value;

pub use describe::{describe, next_steps};
pub use exec::run_upgrade;
pub use plan::{plan_upgrade, Plan, ReleaseInfo, UpgradeOptions};
pub use release::HistoryEntry;

use crate::{Error, Result};

/// How to get helm, for the `help:` line when it is missing or too old.
const INSTALL_HELP: &str = "install helm 3 or newer (https://helm.sh/docs/intro/install/), or name it with `--helm PATH` or `HELM_BIN`";

/// A helm binary that answered `helm version`.
#[derive(Debug, Clone)]
pub struct Helm {
    pub path: PathBuf,
    /// As `helm version --short` prints it, e.g. `v3.14.2+g...`.
    pub version: String,
}

impl Helm {
    /// Finds helm: `explicit` (from `--helm` or `HELM_BIN`), else `helm` on `PATH`, and
    /// checks it is helm 3 or newer.
    pub fn find(explicit: Option<&Path>) -> Result<Helm> {
        let path = match explicit {
            Some(p) => which::which(p).map_err(|_| {
                Error::failed(format!("helm not found at `{}`", p.display()))
                    .with_help(INSTALL_HELP)
            })?,
            None => which::which("helm")
                .map_err(|_| Error::failed("helm not found on `PATH`").with_help(INSTALL_HELP))?,
        };
        let out = run(&path, &["version", "--short"])?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let version = parse_version(&text).ok_or_else(|| {
            Error::failed(format!(
                "`{}` does not look like helm: `helm version` printed `{}`",
                path.display(),
                text.trim()
            ))
            .with_help(INSTALL_HELP)
        })?;
        if major(&version) < Some(3) {
            return Err(Error::failed(format!(
                "`{}` is helm {version}; phib needs helm 3 or newer",
                path.display()
            ))
            .with_help(INSTALL_HELP));
        }
        Ok(Helm { path, version })
    }

    /// Runs helm with `args`, capturing its output; a failure becomes an error that
    /// quotes helm's message and says what to check.
    fn output<S: AsRef<OsStr>>(&self, args: &[S], what: &str) -> Result<Vec<u8>> {
        let out = run(&self.path, args)?;
        if out.status.success() {
            Ok(out.stdout)
        } else {
            Err(helm_failed(what, &String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// The release `name` in `namespace`, if `helm list` shows it as deployed, failed or
    /// pending (helm hides pending ones by default, but one stuck in `pending-upgrade`
    /// must be reported as such, not as missing). `--all` is gone in helm 4.
    fn find_release(&self, name: &str, namespace: &str) -> Result<Option<ReleaseInfo>> {
        plan::validate_name("--release", name)?;
        let filter = format!("^{}$", name.replace('.', "\\."));
        let out = self.output(
            &[
                "list",
                "-n",
                namespace,
                "-o",
                "json",
                "--deployed",
                "--failed",
                "--pending",
                "--filter",
                &filter,
            ],
            &format!("cannot list the releases in namespace `{namespace}`"),
        )?;
        let list = parse_json(&out, "helm list")?;
        release_from_list(&list, name)
    }

    /// The user-supplied values of a release (`helm get values -o json`).
    pub fn get_values(&self, name: &str, namespace: &str) -> Result<Value> {
        plan::validate_name("--release", name)?;
        let out = run(
            &self.path,
            &["get", "values", name, "-n", namespace, "-o", "json"],
        )?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() && stderr.contains("release: not found") {
            return Err(Error::failed(format!(
                "there is no release `{name}` in namespace `{namespace}`"
            ))
            .with_help(
                "name the release's namespace with `--namespace NS` (as a helm plugin: `helm -n NS phib ...`); `helm list -A` lists every release with its namespace",
            ));
        }
        if !out.status.success() {
            return Err(helm_failed(
                &format!("cannot read the values of release `{name}` in namespace `{namespace}`"),
                &stderr,
            ));
        }
        let out = out.stdout;
        match parse_json(&out, "helm get values")? {
            Value::Null => Ok(Value::Object(Default::default())),
            v => Ok(v),
        }
    }

    /// The names of the chart repositories helm knows (`helm repo list -o json`).
    fn repo_names(&self) -> Result<Vec<String>> {
        let out = run(&self.path, &["repo", "list", "-o", "json"])?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            // helm 3 fails with "no repositories to show" instead of printing `[]`.
            if stderr.contains("no repositories") {
                return Ok(Vec::new());
            }
            return Err(helm_failed("cannot list the chart repositories", &stderr));
        }
        let list = parse_json(&out.stdout, "helm repo list")?;
        Ok(repo_names(&list))
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

/// The live PrimeHub release, when helm is there and reaches the cluster: `release`
/// when given, else the one release in `namespace` installed from a `primehub` chart.
/// Any failure (no helm, no cluster, no such release, several) is `None`: callers then
/// assume a version and say so.
pub fn live_primehub(release: Option<&str>, namespace: &str) -> Option<ReleaseInfo> {
    let helm = Helm::find(std::env::var_os("HELM_BIN").as_deref().map(Path::new)).ok()?;
    if let Some(name) = release {
        return helm.find_release(name, namespace).ok().flatten();
    }
    let out = helm
        .output(
            &[
                "list",
                "-n",
                namespace,
                "-o",
                "json",
                "--deployed",
                "--failed",
                "--pending",
            ],
            "cannot list the releases",
        )
        .ok()?;
    let list = parse_json(&out, "helm list").ok()?;
    let names: Vec<String> = list
        .query("$[*].name")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    let mut found = names
        .iter()
        .filter_map(|n| release_from_list(&list, n).ok().flatten())
        .filter(|r| r.chart.starts_with("primehub-"));
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Asks helm what the release runs and plans the upgrade of `values_text` (the content
/// of `opts.values_path`): `helm list`, `helm get values`, [`plan_upgrade`], and the
/// chart repository check. Runs nothing that changes the cluster.
pub fn prepare_upgrade(helm: &Helm, values_text: &str, opts: &UpgradeOptions) -> Result<Plan> {
    // Bad input is refused before helm is asked anything.
    plan::check_input(values_text, opts)?;
    let release = helm.find_release(&opts.release, &opts.namespace)?;
    let deployed = match &release {
        Some(r) => Some(helm.get_values(&r.name, &opts.namespace)?),
        None => None,
    };
    let plan = plan_upgrade(values_text, release.as_ref(), deployed.as_ref(), opts)?;
    check_chart_version(values_text, &plan, deployed.as_ref())?;
    helm.check_chart_repo(&plan.chart)?;
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

/// The release named `name` in `helm list -o json` output.
fn release_from_list(list: &Value, name: &str) -> Result<Option<ReleaseInfo>> {
    let query = format!("$[?(@.name == '{name}')]");
    let found = list
        .query(&query)
        .map_err(|e| Error::bug(format!("bad JSONPath `{query}`: {e}")))?;
    let Some(entry) = found.first() else {
        return Ok(None);
    };
    let field = |key: &str| -> String {
        entry
            .query(&format!("$.{key}"))
            .ok()
            .and_then(|v| v.first().and_then(|v| v.as_str()).map(str::to_string))
            .unwrap_or_default()
    };
    Ok(Some(ReleaseInfo {
        name: field("name"),
        namespace: field("namespace"),
        chart: field("chart"),
        status: field("status"),
    }))
}

/// The names in `helm repo list -o json` output.
fn repo_names(list: &Value) -> Vec<String> {
    list.query("$[*].name")
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// A helm command: no password in its environment, and no `HELM_DEBUG`, under which
/// helm prints the values it was given (the password among them).
pub(crate) fn helm_command(path: &Path) -> Command {
    let mut cmd = crate::registry::child_command(path);
    cmd.env_remove("HELM_DEBUG");
    cmd
}

/// Runs helm at `path` with `args` and no input, capturing its output.
fn run<S: AsRef<OsStr>>(path: &Path, args: &[S]) -> Result<Output> {
    helm_command(path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(path, e))
}

fn parse_json(out: &[u8], what: &str) -> Result<Value> {
    let text = String::from_utf8_lossy(out);
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    serde_json::from_str(&text)
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
    fn release_and_repos_are_read_with_jsonpath() {
        let list = json!([
            {"name": "other", "namespace": "hub", "chart": "x-1.0.0", "status": "deployed"},
            {"name": "primehub", "namespace": "hub", "revision": "3",
             "chart": "primehub-v4.1.0", "status": "deployed", "app_version": "v4.1.0"}
        ]);
        let r = release_from_list(&list, "primehub").unwrap().unwrap();
        assert_eq!(r.chart, "primehub-v4.1.0");
        assert_eq!(r.namespace, "hub");
        assert_eq!(release_from_list(&list, "nope").unwrap(), None);
        assert_eq!(release_from_list(&json!([]), "primehub").unwrap(), None);
        let repos = json!([{"name": "infuseai", "url": "https://charts.infuseai.io"}, {"name": "b", "url": "u"}]);
        assert_eq!(repo_names(&repos), ["infuseai", "b"]);
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
