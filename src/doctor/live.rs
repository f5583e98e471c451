//! The live form of the doctor: the release read with helm (chart version, computed
//! values, manifest, history), the namespace's Secrets and Images read with kubectl,
//! and, last, the registry check of `phib verify` with the push Secret's login.
//! Secret data only ever arrives on kubectl's standard output, which only phib reads;
//! no argument names more than an object's name.

use super::follow::{self, First};
use super::objects::{kubectl_resource, Objects, PodLog};
use super::{checks, Check, Diagnosis, Finding, Inputs, Listing, Revision, VersionSource};
use crate::chart::{self, ChartVersion, NEWEST};
use crate::helm::{Helm, ReleaseInfo};
use crate::names::Name;
use crate::runner::{self, Call, Program, Tool};
use crate::verify::{self, target::Target};
use crate::{Error, Result};

/// How many earlier revisions are read for old passwords (helm keeps ten by default).
const HISTORY_DEPTH: usize = 10;

/// kubectl, with the context helm passes to its plugins. Every kubectl call of the
/// doctor is one method here, built on the runner: names from the cluster are checked
/// as Kubernetes names and come after `--`.
#[derive(Debug, Clone)]
pub struct Kubectl {
    program: Program,
    /// `HELM_KUBECONTEXT` (`helm --kube-context C phib doctor`).
    pub context: Option<String>,
}

/// What a read of the cluster gives: the result, or kubectl's (redacted) reason.
pub(super) type Read<T> = std::result::Result<T, String>;

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

    /// A kubectl call in `ns`, with the context.
    fn call(&self, verb: &'static str, ns: &str) -> Read<Call> {
        let mut call = self.program.call();
        if let Some(c) = &self.context {
            call = call
                .named("--context", Name::Context, c)
                .map_err(|e| e.message)?;
        }
        call.arg(verb)
            .named("-n", Name::Namespace, ns)
            .map_err(|e| e.message)
    }

    /// Runs `call`: its standard output, or the last line of its error.
    fn run(&self, call: Call) -> Read<String> {
        let out = call.run().map_err(|e| e.message)?;
        if !out.ok() {
            return Err(format!("kubectl failed: {}", out.last_line()));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// `kubectl get -n NS -o json [OPTIONS] -- RESOURCE [NAME]`, as objects.
    fn get(&self, call: Call, resource: &str, name: Option<&str>) -> Read<Objects> {
        let mut call = call
            .args(&["-o", "json"])
            .positional(Name::Object, resource)
            .map_err(|e| e.message)?;
        if let Some(name) = name {
            call = call.positional(Name::Object, name).map_err(|e| e.message)?;
        }
        let text = self.run(call)?;
        Objects::parse(&text, "kubectl's output").map_err(|e| e.message)
    }

    /// The namespace's Secrets.
    pub fn secrets(&self, ns: &str) -> Read<Objects> {
        self.get(self.call("get", ns)?, "secrets", None)
    }

    /// PrimeHub's Images.
    pub fn images(&self, ns: &str) -> Read<Objects> {
        self.get(self.call("get", ns)?, "images.primehub.io", None)
    }

    /// The namespace's `ExternalSecret`s.
    pub fn external_secrets(&self, ns: &str) -> Read<Objects> {
        self.get(
            self.call("get", ns)?,
            "externalsecrets.external-secrets.io",
            None,
        )
    }

    /// The namespace's SealedSecrets.
    pub fn sealed_secrets(&self, ns: &str) -> Read<Objects> {
        self.get(
            self.call("get", ns)?,
            crate::pushsecret::sealed::RESOURCE,
            None,
        )
    }

    /// One object of a kind the doctor follows (a generator, a store, a
    /// ServiceAccount); `Ok(None)` when it does not exist.
    pub fn object(&self, ns: &str, kind: &str, name: &str) -> Read<Option<Objects>> {
        let resource = kubectl_resource(kind).ok_or_else(|| format!("`{kind}` is not read"))?;
        match self.get(self.call("get", ns)?, &resource, Some(k8s_name(name)?)) {
            Ok(o) => Ok(Some(o)),
            Err(why) if why.contains("NotFound") || why.contains("not found") => Ok(None),
            Err(why) => Err(why),
        }
    }

    /// The events about one object.
    pub fn events(&self, ns: &str, kind: &str, name: &str) -> Read<Objects> {
        kubectl_resource(kind).ok_or_else(|| format!("`{kind}` is not read"))?;
        let selector = format!(
            "involvedObject.kind={kind},involvedObject.name={}",
            k8s_name(name)?
        );
        let call = self.call("get", ns)?.built("--field-selector", selector);
        self.get(call, "events", None)
    }

    /// The namespace itself (its labels).
    pub fn namespace(&self, ns: &str) -> Read<Objects> {
        self.get(self.call("get", ns)?, "namespace", Some(k8s_name(ns)?))
    }

    /// The release's pods (the label every pod of the chart carries).
    pub fn release_pods(&self, ns: &str, release: &str) -> Read<Objects> {
        let selector = format!("{}={}", chart::RELEASE_LABEL, k8s_name(release)?);
        let call = self.call("get", ns)?.built("--selector", selector);
        self.get(call, "pods", None)
    }

    /// PrimeHub's `ImageSpecJob`s.
    pub fn image_spec_jobs(&self, ns: &str) -> Read<Objects> {
        self.get(self.call("get", ns)?, "imagespecjobs.primehub.io", None)
    }

    /// The last `tail` lines a pod's container printed (its previous run's with
    /// `previous`).
    pub fn logs(
        &self,
        ns: &str,
        pod: &str,
        container: &str,
        previous: bool,
        tail: usize,
    ) -> Read<PodLog> {
        let mut call = self
            .call("logs", ns)?
            .named("-c", Name::Object, k8s_name(container)?)
            .map_err(|e| e.message)?
            .count("--tail", tail as u64)
            .arg(LOG_LIMIT);
        if previous {
            call = call.arg("--previous");
        }
        let call = call
            .positional(Name::Object, k8s_name(pod)?)
            .map_err(|e| e.message)?;
        Ok(PodLog {
            pod: pod.to_string(),
            container: container.to_string(),
            previous,
            text: self.run(call)?,
        })
    }
}

/// The most of a log kubectl sends.
const LOG_LIMIT: &str = "--limit-bytes=65536";

/// `name` when it is a Kubernetes object name (a DNS subdomain), so that what a cluster
/// object says never becomes more than a name on kubectl's command line.
fn k8s_name(name: &str) -> Read<&str> {
    if Name::Object.accepts(name) {
        Ok(name)
    } else {
        Err(format!("`{name}` is not a Kubernetes name: not read"))
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

/// What a release's own reads brought back: its computed values, manifest, history
/// and pods.
struct Named {
    name: String,
    values: Result<serde_json::Value>,
    manifest: Result<String>,
    history: Result<Vec<crate::helm::HistoryEntry>>,
    pods: Read<Objects>,
}

/// The first round of reads: the release (`helm list`), the namespace's Secrets,
/// Images and what the chain and the builds read first, and, when `--release` names
/// it, the release's own reads too (they wait for nothing else then; should `helm
/// list` show no such release, they are dropped).
struct Reads {
    release: Result<ReleaseInfo>,
    secrets: Read<Objects>,
    images: Read<Objects>,
    namespace: follow::NamespaceReads,
    named: Option<Named>,
}

fn reads(helm: &Helm, kubectl: &Kubectl, req: &Request) -> Reads {
    let ns = req.namespace;
    let ((release, secrets, images), (namespace, named)) = runner::join(
        || {
            runner::join3(
                || find_release(helm, req),
                || kubectl.secrets(ns),
                || kubectl.images(ns),
            )
        },
        || {
            runner::join(
                || First::namespace_reads(kubectl, ns),
                || req.release.map(|name| named_reads(helm, kubectl, name, ns)),
            )
        },
    );
    Reads {
        release,
        secrets,
        images,
        namespace,
        named,
    }
}

/// A release's computed values, manifest, history and pods, read at the same time.
fn named_reads(helm: &Helm, kubectl: &Kubectl, name: &str, ns: &str) -> Named {
    let ((values, manifest, history), pods) = runner::join(
        || {
            runner::join3(
                || helm.computed_values(name, ns),
                || helm.manifest(name, ns),
                || helm.history(name, ns),
            )
        },
        || kubectl.release_pods(ns, name),
    );
    Named {
        name: name.to_string(),
        values,
        manifest,
        history,
        pods,
    }
}

/// Reads everything the checks need from the cluster, in rounds of reads that do not
/// depend on each other, made at the same time: what needs only the namespace (and the
/// release's name, with `--release`); the release's own reads; its earlier revisions,
/// and what the chain and the builds found to follow. The answers are judged in one
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
    let named = match reads.named {
        Some(read) if read.name == name => read,
        _ => named_reads(helm, kubectl, name, ns),
    };
    let values = to_yaml(named.values?)?;
    let mut objects = Objects::parse(
        &named.manifest?,
        &format!("the manifest of release `{name}`"),
    )?;
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
    let entries = named.history?;
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
    let push = crate::values::model::CustomImage::from_values(&values)
        .ok()
        .flatten()
        .map(|ci| checks::push_secret_name(&ci));
    let first = First::new(reads.namespace, named.pods);
    // The earlier revisions (helm) while the chain and the builds are followed (kubectl).
    let (revisions, ()) = runner::join(
        || runner::each(&earlier, |n| helm.revision_values(name, ns, *n)),
        || follow::follow(kubectl, ns, push.as_deref(), first, &mut objects),
    );
    let mut history = Vec::new();
    for (number, values) in earlier.iter().zip(revisions) {
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
