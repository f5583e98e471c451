//! Which PrimeHub chart the values are for: `--chart-version`, else the live release's
//! version when helm reaches it, else the newest phib knows; and the namespace phib
//! looks in (as a helm plugin, helm's own).

use std::path::Path;

use crate::chart::{ChartValues, ChartVersion, Source, NEWEST};
use crate::helm;
use crate::helm::plan::DEFAULT_NAMESPACE;
use crate::settings::ChartTarget;
use crate::values::read::read_text;
use crate::{Error, Result};

/// helm's namespace when phib runs as a helm plugin (`helm -n NS phib ...`); helm passes
/// an empty one when it has none.
pub fn helm_namespace() -> Option<String> {
    std::env::var("HELM_NAMESPACE")
        .ok()
        .filter(|s| !s.is_empty())
}

/// `--chart-version` parsed, or the error that names the flag.
pub fn parse_flag(text: &str) -> Result<ChartVersion> {
    text.parse::<ChartVersion>().map_err(|e| {
        Error::usage(format!("`--chart-version` {e}"))
            .with_help("pass the version `helm list -n NAMESPACE` shows after `primehub-`")
    })
}

/// What the values file at `path` says besides the block (`None` when it does not exist
/// yet counts as empty; `--stdout` passes `None`).
pub fn chart_values(path: Option<&Path>) -> Result<Option<ChartValues>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let Some(text) = read_text(path)? else {
        return Ok(Some(ChartValues::default()));
    };
    // A file the merge cannot read is refused there, with its own message.
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or(serde_yaml::Value::Null);
    Ok(Some(ChartValues::from_values(&doc)))
}

/// The chart target: the version and where it came from, the release and namespace
/// looked up (`--release`, else the one PrimeHub release helm shows in the namespace).
pub fn resolve(
    flag: Option<&str>,
    release: Option<&str>,
    namespace: Option<&str>,
    values: Option<ChartValues>,
    external: bool,
) -> Result<ChartTarget> {
    let given = flag.map(parse_flag).transpose()?;
    let namespace = namespace
        .map(str::to_string)
        .or_else(helm_namespace)
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
    // Asked even with `--chart-version`: the live release also names the chart's Secret.
    let live = helm::live_primehub(release, &namespace);
    let live_version = live
        .as_ref()
        .and_then(|r| ChartVersion::from_chart_column(&r.chart));
    let (version, source) = match (given, live_version, &live) {
        (Some(v), _, _) => (v, Source::Flag),
        (None, Some(v), Some(r)) => (
            v,
            Source::Release {
                name: r.name.clone(),
                namespace: r.namespace.clone(),
            },
        ),
        _ => (NEWEST, Source::Newest),
    };
    Ok(ChartTarget {
        version,
        source,
        values,
        live_release: live.map(|r| r.name),
        external,
    })
}
