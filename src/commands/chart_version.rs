//! Which PrimeHub chart the values are for: `--chart-version`, else the live release's
//! version when helm reaches it, else the newest phib knows; and the namespace phib
//! looks in (as a helm plugin, helm's own).

use std::path::Path;

use crate::chart::{ChartValues, ChartVersion, Source, NEWEST};
use crate::helm;
use crate::helm::plan::DEFAULT_NAMESPACE;
use crate::settings::ChartTarget;
use crate::values::model::{CustomImage, DEFAULT_PUSH_SECRET_NAME};
use crate::values::read;
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
/// yet counts as empty; `--stdout` passes `None`). Read with the one values reader.
pub fn chart_values(path: Option<&Path>) -> Result<Option<ChartValues>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let doc = read::read(path)?.map(|f| f.doc).unwrap_or_default();
    Ok(Some(ChartValues::from_values(&doc)))
}

/// The block the values file at `path` configures now, if it can be read (a file that
/// cannot is refused by the merge, with its own message).
pub fn old_block(path: &Path) -> Option<CustomImage> {
    let file = read::read(path).ok()??;
    CustomImage::from_values(&file.doc).ok()?
}

/// What to say when the new block pushes with another Secret than the old one: Images
/// built before keep pulling with the old name.
pub fn switch_note(
    old: Option<&CustomImage>,
    new: &CustomImage,
    namespace: &str,
) -> Option<String> {
    let old = old?;
    let name = |ci: &CustomImage| {
        ci.push_secret_name
            .clone()
            .unwrap_or_else(|| DEFAULT_PUSH_SECRET_NAME.to_string())
    };
    crate::chart::switch_note(
        &name(old),
        old.registry_password.is_some(),
        &name(new),
        namespace,
    )
}

/// The chart target: the version and where it came from, the release and namespace
/// looked up (`--release`, else the one PrimeHub release helm shows in the namespace).
pub fn resolve(
    flag: Option<&str>,
    release: Option<&str>,
    namespace: Option<&str>,
    values: Option<ChartValues>,
    external: bool,
    accepted: Vec<String>,
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
        accepted,
    })
}

/// For the commands that only read a block (`show`, `verify`): a warning when the chart
/// version PrimeHub runs (the live release's, else the newest) is known to break it.
pub fn warn_if_broken(doc: &serde_yaml::Value, release: Option<&str>, namespace: Option<&str>) {
    let Ok(Some(ci)) = CustomImage::from_values(doc) else {
        return;
    };
    let Ok(target) = resolve(None, release, namespace, None, false, Vec::new()) else {
        return;
    };
    let release = release.or(target.live_release.as_deref());
    let mut values = ChartValues::from_values(doc);
    if values.mode.is_none() && target.source == Source::Newest {
        // Nothing says which mode the release runs in; only the chart's own facts count.
        values.mode = Some("ee".into());
    }
    if let Err(e) = crate::settings::check_block(&ci, &target.version, &values, release) {
        let line = crate::chart::assumed_line(&target.version, &target.source);
        super::warn(&format!(
            "{} ({line}); {}",
            e.message,
            e.help.unwrap_or_default()
        ));
    }
}
