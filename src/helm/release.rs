//! Reading what a live release holds, for `phib doctor`: which release in a namespace
//! runs PrimeHub, its computed values, its manifest, its history and the values of each
//! earlier revision. Each is one helm command whose output only phib reads.

use serde::Deserialize;
use serde_json::Value;

use super::{parse_json, Helm, ReleaseInfo};
use crate::names::Name;
use crate::Result;

/// One revision as `helm history -o json` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HistoryEntry {
    pub revision: u64,
    #[serde(default)]
    pub status: String,
}

impl Helm {
    /// The release `name` in `namespace`, deployed, failed or pending.
    pub fn release(&self, name: &str, namespace: &str) -> Result<Option<ReleaseInfo>> {
        self.find_release(name, namespace)
    }

    /// The releases in `namespace` installed from a `primehub` chart.
    pub fn primehub_releases(&self, namespace: &str) -> Result<Vec<ReleaseInfo>> {
        Ok(self
            .list(namespace, None)?
            .into_iter()
            .filter(|r| r.chart.starts_with("primehub-"))
            .collect())
    }

    /// The values the release runs with, chart defaults included
    /// (`helm get values --all -o json`).
    pub fn computed_values(&self, name: &str, namespace: &str) -> Result<Value> {
        let call = self.call().args(&["get", "values"]).arg("--all");
        self.values_json(
            call,
            name,
            namespace,
            &format!("cannot read the values of release `{name}` in namespace `{namespace}`"),
        )
    }

    /// The user-supplied values of revision `revision`.
    pub fn revision_values(&self, name: &str, namespace: &str, revision: u64) -> Result<Value> {
        let call = self
            .call()
            .args(&["get", "values"])
            .count("--revision", revision);
        self.values_json(
            call,
            name,
            namespace,
            &format!("cannot read revision {revision} of release `{name}`"),
        )
    }

    fn values_json(
        &self,
        call: crate::runner::Call,
        name: &str,
        namespace: &str,
        what: &str,
    ) -> Result<Value> {
        let call = call
            .named("-n", Name::Namespace, namespace)?
            .args(&["-o", "json"])
            .positional(Name::Release, name)?;
        let out = self.output(call, what)?;
        let values = match parse_json(&out, "helm get values")? {
            Value::Null => Value::Object(Default::default()),
            v => v,
        };
        crate::secret::learn_document(&values);
        Ok(values)
    }

    /// The manifest the release's current revision rendered (`helm get manifest`).
    pub fn manifest(&self, name: &str, namespace: &str) -> Result<String> {
        let call = self
            .call()
            .args(&["get", "manifest"])
            .named("-n", Name::Namespace, namespace)?
            .positional(Name::Release, name)?;
        let out = self.output(
            call,
            &format!("cannot read the manifest of release `{name}` in namespace `{namespace}`"),
        )?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// The release's revisions (`helm history -o json`), oldest first.
    pub fn history(&self, name: &str, namespace: &str) -> Result<Vec<HistoryEntry>> {
        let call = self
            .call()
            .arg("history")
            .named("-n", Name::Namespace, namespace)?
            .args(&["-o", "json"])
            .positional(Name::Release, name)?;
        let out = self.output(
            call,
            &format!("cannot read the history of release `{name}` in namespace `{namespace}`"),
        )?;
        let mut entries: Vec<HistoryEntry> =
            parse_json::<Option<_>>(&out, "helm history")?.unwrap_or_default();
        entries.sort_by_key(|e| e.revision);
        Ok(entries)
    }
}
