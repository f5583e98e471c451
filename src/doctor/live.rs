//! The live form of the doctor: the release read with helm (chart version, computed
//! values, manifest, history), the namespace's Secrets and Images read with kubectl,
//! and, last, the registry check of `phib verify` with the push Secret's login.
//! Secret data only ever arrives on kubectl's standard output, which only phib reads;
//! no argument names more than an object's name.

use super::objects::Objects;
use super::{Check, Diagnosis, Finding, Inputs, Listing, Revision, VersionSource};
use crate::chart::{ChartVersion, NEWEST};
use crate::helm::{Helm, ReleaseInfo};
use crate::names::Name;
use crate::runner::{self, Program, Tool};
use crate::verify::{self, target::Target};
use crate::{Error, Result};

/// How many earlier revisions are read for old passwords (helm keeps ten by default).
const HISTORY_DEPTH: usize = 10;

/// kubectl, with the context helm passes to its plugins.
#[derive(Debug, Clone)]
pub struct Kubectl {
    program: Program,
    /// `HELM_KUBECONTEXT` (`helm --kube-context C phib doctor`).
    pub context: Option<String>,
}

impl Kubectl {
    /// `kubectl` on `PATH`.
    pub fn find(context: Option<String>) -> Result<Kubectl> {
        let program = runner::find(Tool::Kubectl).map_err(|_| {
            Error::failed("kubectl not found on `PATH`: the doctor reads the Secrets and Images with it")
                .with_help("install kubectl for the cluster, or check a bundle offline with `phib doctor --manifests FILE`")
        })?;
        if let Some(c) = &context {
            if !Name::Context.accepts(c) {
                return Err(Error::usage(format!(
                    "`HELM_KUBECONTEXT` `{c}` is not {}",
                    Name::Context.what()
                ))
                .with_help(Name::Context.rule()));
            }
        }
        Ok(Kubectl { program, context })
    }

    /// `kubectl get RESOURCE -n NS -o json`, as objects; the error is kubectl's message.
    fn get(&self, resource: &'static str, namespace: &str) -> std::result::Result<Objects, String> {
        let mut call = self.program.call();
        if let Some(c) = &self.context {
            call = call
                .named("--context", Name::Context, c)
                .map_err(|e| e.message)?;
        }
        let out = call
            .args(&["get", resource])
            .named("-n", Name::Namespace, namespace)
            .map_err(|e| e.message)?
            .args(&["-o", "json"])
            .run()
            .map_err(|e| e.message)?;
        if !out.ok() {
            return Err(format!("kubectl failed: {}", out.last_line()));
        }
        let text = String::from_utf8_lossy(&out.stdout);
        Objects::parse(&text, "kubectl's output").map_err(|e| e.message)
    }
}

/// Which release to read.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub release: Option<&'a str>,
    pub namespace: &'a str,
}

/// The release: the one named, else the one PrimeHub release in the namespace.
fn find_release(helm: &Helm, req: &Request) -> Result<ReleaseInfo> {
    let ns = req.namespace;
    if let Some(name) = req.release {
        return helm.release(name, ns)?.ok_or_else(|| {
            Error::failed(format!("there is no release `{name}` in namespace `{ns}`"))
                .with_help(format!(
                    "list the releases with `helm list -n {ns}`, and pass `--release` and `--namespace`"
                ))
        });
    }
    let mut found = helm.primehub_releases(ns)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Error::failed(format!(
            "no release in namespace `{ns}` runs a PrimeHub chart"
        ))
        .with_help("pass `--namespace` (PrimeHub's namespace) and `--release`")),
        _ => Err(Error::usage(format!(
            "namespace `{ns}` has several PrimeHub releases: {}",
            found
                .iter()
                .map(|r| format!("`{}`", r.name))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_help("name one with `--release`")),
    }
}

fn to_yaml(v: serde_json::Value) -> Result<serde_yaml::Value> {
    serde_yaml::to_value(v).map_err(|e| Error::bug(format!("helm's JSON as YAML: {e}")))
}

/// What a release's own reads brought back: its computed values, manifest and
/// history.
struct Named {
    name: String,
    values: Result<serde_json::Value>,
    manifest: Result<String>,
    history: Result<Vec<crate::helm::HistoryEntry>>,
}

/// The first round of reads: the release (`helm list`), the namespace's Secrets and
/// Images, and, when `--release` names it, the release's own reads too (they wait for
/// nothing else then; should `helm list` show no such release, they are dropped).
struct Reads {
    release: Result<ReleaseInfo>,
    secrets: std::result::Result<Objects, String>,
    images: std::result::Result<Objects, String>,
    named: Option<Named>,
}

fn reads(helm: &Helm, kubectl: &Kubectl, req: &Request) -> Reads {
    let ns = req.namespace;
    let ((release, secrets, images), named) = runner::join(
        || {
            runner::join3(
                || find_release(helm, req),
                || kubectl.get("secrets", ns),
                || kubectl.get("images.primehub.io", ns),
            )
        },
        || {
            req.release.map(|name| {
                let (values, manifest, history) = named_reads(helm, name, ns);
                Named {
                    name: name.to_string(),
                    values,
                    manifest,
                    history,
                }
            })
        },
    );
    Reads {
        release,
        secrets,
        images,
        named,
    }
}

/// A release's computed values, manifest and history, read at the same time.
#[allow(clippy::type_complexity)]
fn named_reads(
    helm: &Helm,
    name: &str,
    ns: &str,
) -> (
    Result<serde_json::Value>,
    Result<String>,
    Result<Vec<crate::helm::HistoryEntry>>,
) {
    runner::join3(
        || helm.computed_values(name, ns),
        || helm.manifest(name, ns),
        || helm.history(name, ns),
    )
}

/// Reads everything the checks need from the cluster. The reads that do not depend on
/// each other run at the same time (see [`reads`]); their answers are judged in one
/// fixed order, so the report does not depend on which came first.
pub fn gather(helm: &Helm, kubectl: &Kubectl, req: &Request) -> Result<Inputs> {
    let ns = req.namespace;
    let reads = reads(helm, kubectl, req);
    let info = reads.release?;
    let name = info.name.as_str();
    let (version, version_source) = match ChartVersion::from_chart_column(&info.chart) {
        Some(v) => (v, VersionSource::Release),
        None => (NEWEST, VersionSource::Assumed),
    };
    let (values, manifest, entries) = match reads.named {
        Some(read) if read.name == name => (read.values, read.manifest, read.history),
        _ => named_reads(helm, name, ns),
    };
    let values = to_yaml(values?)?;
    let mut objects = Objects::parse(&manifest?, &format!("the manifest of release `{name}`"))?;
    // What runs is what kubectl sees: the manifest's Secrets may have been replaced.
    let live = reads.secrets.map_err(|why| {
        Error::failed(format!("cannot read the Secrets in namespace `{ns}`: {why}")).with_help(
            "the doctor needs to read Secrets there: check the kubectl context and your rights (`kubectl auth can-i list secrets -n NS`)",
        )
    })?;
    objects.secrets = live.secrets;
    let images = match reads.images {
        Ok(found) => {
            objects.images = found.images;
            Listing::Listed
        }
        Err(why) => Listing::Failed(why),
    };
    let entries = entries?;
    let current = entries
        .iter()
        .rev()
        .find(|e| e.status == "deployed")
        .or(entries.last())
        .map(|e| e.revision);
    let earlier: Vec<u64> = entries
        .iter()
        .rev()
        .filter(|e| Some(e.revision) != current)
        .take(HISTORY_DEPTH)
        .map(|e| e.revision)
        .collect();
    let mut history = Vec::new();
    for (number, values) in earlier.iter().zip(runner::each(&earlier, |n| {
        helm.revision_values(name, ns, *n)
    })) {
        history.push(Revision {
            number: *number,
            values: to_yaml(values?)?,
        });
    }
    Ok(Inputs {
        release: Some(info.name.clone()),
        namespace: Some(ns.to_string()),
        version,
        version_source,
        values,
        whole_values: true,
        values_source: format!("the values of release `{name}`"),
        objects,
        live: true,
        images,
        history: Some(history),
    })
}

/// The registry check of `phib verify`, with the push Secret's login; `None` when
/// there is no login to check (the push Secret's finding says why).
pub fn registry_check(d: &Diagnosis, opts: &verify::Options) -> Option<Finding> {
    let ci = d.custom_image.as_ref()?;
    let login = d.push_login.as_ref()?;
    let target = match Target::from_block(ci) {
        Ok(t) => t,
        Err(e) => {
            return Some(Finding::warn(
                Check::Registry,
                format!("the registry check did not run: {}", e.message),
                e.help
                    .unwrap_or_else(|| "fix the block with `phib render`".into()),
            ))
        }
    };
    let opts = verify::Options {
        push_check: opts.push_check && target.repo_path.is_some(),
        timeout: opts.timeout,
        trust: opts.trust.clone(),
    };
    let mut steps = Vec::new();
    let result = verify::verify(ci, &target, login, &opts, &mut steps);
    let steps = String::from_utf8_lossy(&steps);
    let done: Vec<&str> = steps
        .lines()
        .filter_map(|l| l.strip_prefix("ok"))
        .map(str::trim)
        .collect();
    Some(match result {
        Ok(()) => Finding::ok(
            Check::Registry,
            format!("with the push Secret's login: {}", done.join("; ")),
        ),
        Err(e) => Finding::fail(
            Check::Registry,
            format!("with the push Secret's login: {}", e.message),
            e.help
                .unwrap_or_else(|| "fix the login in the push Secret".into()),
        ),
    })
}
