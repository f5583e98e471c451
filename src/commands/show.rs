//! `phib show`: the `customImage` configuration of a values file or a live release,
//! with secrets redacted, or the matches of a JSONPath query.

use jsonpath_rust::JsonPath;
use serde_json::{json, Value};

use crate::cli::{HelmArgs, ShowArgs};
use phib::helm::chart_version::{self, Lookup};
use phib::helm::plan;
use phib::secret::redact_document as redact;
use phib::values::model::BLOCK_KEY;
use phib::{Error, Result};

/// What the chart version the values are for is known to break, if anything: the
/// version of the release read (`lookup`), else the one in `namespace`.
fn broken_warning(
    doc: &Value,
    release: Option<&str>,
    namespace: &str,
    lookup: Option<&Lookup>,
) -> Option<String> {
    let yaml = serde_yaml::to_value(doc).unwrap_or_default();
    match lookup {
        Some(lookup) => chart_version::broken_warning_from(&yaml, release, lookup.wait()),
        None => chart_version::broken_warning(&yaml, release, Some(namespace)),
    }
}

/// The values of a live release, and the lookup of the chart version it runs (for the
/// warning of what that version breaks), asked while the values are read.
fn read_release(
    helm: &crate::cli::HelmBin,
    release: &str,
    namespace: &str,
) -> Result<(Value, Lookup)> {
    plan::validate_name("--release", release)?;
    plan::validate_name("--namespace", namespace)?;
    let helm = super::find_helm(helm)?;
    let lookup = Lookup::start(Some(release), namespace)?;
    let _reading = phib::out::progress(&format!("reading the values of release `{release}`"));
    Ok((helm.get_values(release, namespace)?, lookup))
}

pub fn run(args: ShowArgs) -> Result<()> {
    let ShowArgs {
        values,
        release,
        helm: HelmArgs { namespace, helm },
        query,
        show_secrets,
        lookup: _,
    } = args;
    let namespace = plan::namespace_or_default(namespace);
    let (mut doc, source, lookup) = match release.clone() {
        Some(release) => {
            let (doc, lookup) = read_release(&helm, &release, &namespace)?;
            (
                doc,
                format!("release `{release}` in namespace `{namespace}`"),
                Some(lookup),
            )
        }
        None => (
            read_values(&values)?,
            format!("`{}`", values.display()),
            None,
        ),
    };
    if let Some(w) = broken_warning(&doc, release.as_deref(), &namespace, lookup.as_ref()) {
        super::warn(&w);
    }
    if !show_secrets {
        redact(&mut doc);
    }
    let mut out = String::new();
    if let Some(query) = query {
        // The query runs over the redacted document: no match, and no filter, can
        // see a secret.
        let matches = doc.query(&query).map_err(|e| {
            Error::usage(format!("`--query` is not a valid JSONPath: {e}"))
                .with_help("write a JSONPath such as `$.customImage.registryEndpoint`")
        })?;
        for m in matches {
            out.push_str(&serde_json::to_string(m).map_err(|e| Error::bug(e.to_string()))?);
            out.push('\n');
        }
    } else {
        let block = doc.get(BLOCK_KEY).filter(|b| !b.is_null()).ok_or_else(|| {
            Error::failed(format!("{source} has no `customImage` block"))
                .with_help("write it with `phib render` or `phib wizard`")
        })?;
        out = phib::pushsecret::yaml::document(&json!({ BLOCK_KEY: block }));
    }
    if show_secrets {
        phib::out::print_raw(phib::out::Raw::secrets_asked_for(out.as_bytes()))
    } else {
        phib::out::print_data(&out)
    }
}

fn read_values(path: &std::path::Path) -> Result<Value> {
    let file = super::read_existing_values(
        path,
        "name the values file with `--values`, or read a live release with `--release`",
    )?;
    let doc = plan::to_json(&file.doc, path)?;
    Ok(match doc {
        Value::Null => json!({}),
        v => v,
    })
}
