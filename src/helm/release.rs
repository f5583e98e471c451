//! Reading what a live release holds, for `phib doctor`: which release in a namespace
//! runs PrimeHub, its computed values, its manifest, its history and the values of each
//! earlier revision. Each is one helm command whose output only phib reads.

use jsonpath_rust::JsonPath;
use serde_json::Value;

use super::{parse_json, plan, release_from_list, Helm, ReleaseInfo};
use crate::Result;

/// One revision as `helm history -o json` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub revision: u64,
    pub status: String,
}

impl Helm {
    /// The release `name` in `namespace`, deployed, failed or pending.
    pub fn release(&self, name: &str, namespace: &str) -> Result<Option<ReleaseInfo>> {
        self.find_release(name, namespace)
    }

    /// The releases in `namespace` installed from a `primehub` chart.
    pub fn primehub_releases(&self, namespace: &str) -> Result<Vec<ReleaseInfo>> {
        plan::validate_name("--namespace", namespace)?;
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
            ],
            &format!("cannot list the releases in namespace `{namespace}`"),
        )?;
        let list = parse_json(&out, "helm list")?;
        let names: Vec<String> = list
            .query("$[*].name")
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        let mut found = Vec::new();
        for name in names {
            if let Some(r) = release_from_list(&list, &name)? {
                if r.chart.starts_with("primehub-") {
                    found.push(r);
                }
            }
        }
        Ok(found)
    }

    /// The values the release runs with, chart defaults included
    /// (`helm get values --all -o json`).
    pub fn computed_values(&self, name: &str, namespace: &str) -> Result<Value> {
        self.values_json(
            name,
            namespace,
            &["--all"],
            &format!("cannot read the values of release `{name}` in namespace `{namespace}`"),
        )
    }

    /// The user-supplied values of revision `revision`.
    pub fn revision_values(&self, name: &str, namespace: &str, revision: u64) -> Result<Value> {
        let rev = revision.to_string();
        self.values_json(
            name,
            namespace,
            &["--revision", &rev],
            &format!("cannot read revision {revision} of release `{name}`"),
        )
    }

    fn values_json(
        &self,
        name: &str,
        namespace: &str,
        extra: &[&str],
        what: &str,
    ) -> Result<Value> {
        plan::validate_name("--release", name)?;
        let mut args = vec!["get", "values", name, "-n", namespace];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-o", "json"]);
        let out = self.output(&args, what)?;
        match parse_json(&out, "helm get values")? {
            Value::Null => Ok(Value::Object(Default::default())),
            v => Ok(v),
        }
    }

    /// The manifest the release's current revision rendered (`helm get manifest`).
    pub fn manifest(&self, name: &str, namespace: &str) -> Result<String> {
        plan::validate_name("--release", name)?;
        let out = self.output(
            &["get", "manifest", name, "-n", namespace],
            &format!("cannot read the manifest of release `{name}` in namespace `{namespace}`"),
        )?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// The release's revisions (`helm history -o json`), oldest first.
    pub fn history(&self, name: &str, namespace: &str) -> Result<Vec<HistoryEntry>> {
        plan::validate_name("--release", name)?;
        let out = self.output(
            &["history", name, "-n", namespace, "-o", "json"],
            &format!("cannot read the history of release `{name}` in namespace `{namespace}`"),
        )?;
        let list = parse_json(&out, "helm history")?;
        let mut entries: Vec<HistoryEntry> = list
            .as_array()
            .map(|a| a.as_slice())
            .unwrap_or_default()
            .iter()
            .filter_map(|e| {
                Some(HistoryEntry {
                    revision: e.get("revision")?.as_u64()?,
                    status: e
                        .get("status")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_string(),
                })
            })
            .collect();
        entries.sort_by_key(|e| e.revision);
        Ok(entries)
    }
}
