//! `phib doctor`: gathers the inputs (a manifest file and a values file offline, or
//! helm and kubectl live), runs the checks of [`phib::doctor`], prints the checklist
//! and exits 1 when a check failed.

use std::path::Path;
use std::time::Duration;

use crate::cli::{DoctorArgs, HelmArgs, HelmBin, OutputFormat};
use phib::chart::{ChartVersion, NEWEST};
use phib::doctor::objects::Objects;
use phib::doctor::report::{self, Subject};
use phib::doctor::{checks, live, Diagnosis, Finding, Inputs, Listing, Status, VersionSource};
use phib::helm::{plan, Helm};
use phib::{verify, Error, Result};

pub fn run(args: DoctorArgs) -> Result<()> {
    let DoctorArgs {
        manifests,
        values,
        release,
        helm: HelmArgs { namespace, helm },
        chart_version,
        no_registry_check,
        timeout,
        output,
    } = args;
    if timeout == 0 {
        return Err(Error::usage("`--timeout` must be at least 1 second"));
    }
    if let Some(r) = &release {
        plan::validate_name("--release", r)?;
    }
    let namespace = plan::namespace_or_default(namespace);
    let (inputs, source) = match &manifests {
        Some(path) => (
            offline(path, values.as_deref(), release, chart_version.as_deref())?,
            format!("`{}`", path.display()),
        ),
        None => (
            gather_live(&helm, release.as_deref(), &namespace)?,
            "helm and kubectl".to_string(),
        ),
    };
    let mut diagnosis = checks::run(&inputs);
    if inputs.live && !no_registry_check {
        if let Some(f) = registry_check(&diagnosis, timeout)? {
            diagnosis.findings.push(f);
        }
    }
    let subject = Subject {
        release: inputs.release.clone(),
        namespace: inputs.namespace.clone(),
        chart_version: inputs.version.to_string(),
        mode: if inputs.live { "live" } else { "manifests" },
        source,
    };
    match output {
        OutputFormat::Text => phib::out::print_checklist(&report::text(&subject, &diagnosis))?,
        OutputFormat::Json => phib::out::print_data(&report::json(&subject, &diagnosis))?,
    }
    match diagnosis.count(Status::Fail) {
        0 => Ok(()),
        n => Err(
            Error::failed(format!("{n} of {} checks failed", diagnosis.findings.len()))
                .with_help("do what each failed check's fix says, then run `phib doctor` again"),
        ),
    }
}

/// The inputs of the live form: the release and its objects, read with helm and kubectl.
fn gather_live(helm: &HelmBin, release: Option<&str>, namespace: &str) -> Result<Inputs> {
    plan::validate_name("--namespace", namespace)?;
    helm.apply();
    // A missing helm is said before a missing kubectl.
    phib::runner::find(phib::runner::Tool::Helm)?;
    let context = std::env::var("HELM_KUBECONTEXT")
        .ok()
        .filter(|c| !c.is_empty());
    let kubectl = live::Kubectl::find(context)?;
    let request = live::Request { release, namespace };
    let _reading = phib::out::progress(&format!(
        "reading the release and its objects in namespace `{namespace}`"
    ));
    // The reads start while `helm version` is asked.
    let (_, inputs) = Helm::find_with(|helm| live::gather(helm, &kubectl, &request))?;
    inputs
}

/// The login of the push Secret the checks found, tried against the registry.
fn registry_check(diagnosis: &Diagnosis, timeout: u64) -> Result<Option<Finding>> {
    let opts = verify::Options {
        push_check: true,
        timeout: Duration::from_secs(timeout),
        trust: verify::tls::Trust::load(None)?,
    };
    Ok(live::registry_check(diagnosis, &opts))
}

/// The inputs of the offline form.
fn offline(
    path: &Path,
    values: Option<&Path>,
    release: Option<String>,
    chart_version: Option<&str>,
) -> Result<Inputs> {
    use phib::files::read::{read_existing, utf8, Kind};
    let text = utf8(read_existing(path, Kind::Bundle)?.bytes, path)?;
    let objects = Objects::parse(&text, &format!("`{}`", path.display()))?;
    let label = objects
        .chart_labels
        .iter()
        .find_map(|l| ChartVersion::from_chart_column(l));
    let (version, version_source) = match (chart_version, label) {
        (Some(v), _) => (
            v.parse::<ChartVersion>().map_err(|e| {
                Error::usage(format!("`--chart-version` {e}"))
                    .with_help("pass the version `helm list -n NAMESPACE` shows after `primehub-`")
            })?,
            VersionSource::Flag,
        ),
        (None, Some(v)) => (v, VersionSource::Label),
        (None, None) => (NEWEST, VersionSource::Assumed),
    };
    let (doc, whole_values, values_source) = match values {
        Some(vpath) => {
            let doc = super::read_existing_values(
                vpath,
                "give the values the manifests were rendered from (`helm get values RELEASE -o yaml`)",
            )?
            .doc;
            (doc, true, format!("`{}`", vpath.display()))
        }
        None => {
            let Some((name, block)) = checks::controller_config(&objects) else {
                return Err(Error::usage(format!(
                    "`{}` holds no controller ConfigMap (`*-controller-config`) to read `customImage` from",
                    path.display()
                ))
                .with_help("pass the values with `--values FILE`, or give the whole output of `helm get manifest RELEASE`"));
            };
            let mut doc = serde_yaml::Mapping::new();
            doc.insert(phib::values::model::BLOCK_KEY.into(), block);
            (
                serde_yaml::Value::Mapping(doc),
                false,
                format!("the ConfigMap `{name}`"),
            )
        }
    };
    let images = if objects.images.is_empty() {
        Listing::NotAsked
    } else {
        Listing::Listed
    };
    Ok(Inputs {
        release,
        namespace: None,
        version,
        version_source,
        values: doc,
        whole_values,
        values_source,
        objects,
        live: false,
        images,
        history: None,
    })
}
