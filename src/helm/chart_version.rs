//! Which PrimeHub chart the values are for: `--chart-version`, else the live release's
//! version when helm reaches it, else the newest phib knows; the namespace phib looks in
//! (as a helm plugin, helm's own); and what the commands say from it: which chart was
//! assumed, how earlier Images keep pulling after a secret-mode switch, and a warning
//! when the running chart is known to break a block.

use std::path::Path;

use crate::block::CustomImage;
use crate::chart::{
    ChartValues, ChartVersion, Source, DEFAULT_NAMESPACE, DEFAULT_PUSH_SECRET_NAME, NEWEST,
};
use crate::helm;
use crate::settings::ChartTarget;
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
/// yet counts as empty; `--stdout` passes `None`). Read with the one values reader; a
/// file that cannot be read counts as empty here, and is refused with its own message
/// where the block is written.
pub fn chart_values(path: Option<&Path>) -> Result<Option<ChartValues>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let doc = read::read(path)
        .ok()
        .flatten()
        .map(|f| f.doc)
        .unwrap_or_default();
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

/// For the commands that only read a block (`show`, `verify`): the warning to give when
/// the chart version PrimeHub runs (the live release's, else the newest) is known to
/// break it.
pub fn broken_warning(
    doc: &serde_yaml::Value,
    release: Option<&str>,
    namespace: Option<&str>,
) -> Option<String> {
    let ci = CustomImage::from_values(doc).ok()??;
    let target = resolve(None, release, namespace, None, false, Vec::new()).ok()?;
    let release = release.or(target.live_release.as_deref());
    let mut values = ChartValues::from_values(doc);
    if values.mode.is_none() && target.source == Source::Newest {
        // Nothing says which mode the release runs in; only the chart's own facts count.
        values.mode = Some("ee".into());
    }
    let e = crate::settings::check_block(&ci, &target.version, &values, release).err()?;
    let line = crate::chart::assumed_line(&target.version, &target.source);
    Some(format!(
        "{} ({line}); {}",
        e.message,
        e.help.unwrap_or_default()
    ))
}

/// [`broken_warning`] for a values file (nothing when it cannot be read: the command
/// says why itself).
pub fn broken_warning_for_file(path: &Path, namespace: &str) -> Option<String> {
    let file = read::read(path).ok()??;
    broken_warning(&file.doc, None, Some(namespace))
}
