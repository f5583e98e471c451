//! The chart version the checks assume, and the keys of the block against what that
//! version reads: keys it breaks on ([`crate::chart::breaks`]) and keys it ignores.

use serde_yaml::{Mapping, Value};

use super::{chart_values, text};
use crate::chart::{self, Breaks};
use crate::doctor::{Check, Finding, Inputs, VersionSource};

pub(super) fn chart_version(i: &Inputs, out: &mut Vec<Finding>) {
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

pub(super) fn chart_keys(i: &Inputs, block: &Mapping, out: &mut Vec<Finding>) -> Vec<Breaks> {
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

pub(super) fn stale_keys(i: &Inputs, block: &Mapping, breaks: &[Breaks], out: &mut Vec<Finding>) {
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
