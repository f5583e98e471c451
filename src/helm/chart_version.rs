//! Which PrimeHub chart the values are for: `--chart-version`, else the live release's
//! version when helm reaches it, else the newest phib knows; the namespace phib looks in
//! (as a helm plugin, helm's own); and what the commands say from it: which chart was
//! assumed and why, how earlier Images keep pulling after a secret-mode switch, and a
//! warning when the running chart is known to break a block.
//!
//! Asking the cluster is optional here (phib can assume a version and say so), so it is
//! bounded: a [`Lookup`] runs on a thread of its own, within `--cluster-timeout`
//! (`PHIB_CLUSTER_TIMEOUT`, 5 s unless told), while the caller goes on (the wizard asks
//! its questions meanwhile); waiting for it shows a progress line on a terminal.
//! `PHIB_NO_CLUSTER=1` skips it, and so does `--chart-version` when the release's name
//! is not needed either.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::block::CustomImage;
use crate::chart::{
    ChartValues, ChartVersion, Source, DEFAULT_NAMESPACE, DEFAULT_PUSH_SECRET_NAME, NEWEST,
};
use crate::helm::{self, Live};
use crate::runner::{self, Bound};
use crate::settings::ChartTarget;
use crate::values::read;
use crate::{Error, Result};

/// How long phib waits for the live release when nothing says otherwise.
pub const DEFAULT_CLUSTER_TIMEOUT: Duration = Duration::from_secs(5);

/// The environment variable of `--cluster-timeout` (whole seconds; 0: do not ask).
pub const CLUSTER_TIMEOUT_ENV: &str = "PHIB_CLUSTER_TIMEOUT";

/// The environment variable that keeps phib from asking the cluster for the live
/// release (any value but empty or `0`): for pipelines that have no cluster.
pub const NO_CLUSTER_ENV: &str = "PHIB_NO_CLUSTER";

/// `--cluster-timeout SECS`, set once by the command line before anything runs.
static GIVEN_TIMEOUT: OnceLock<u64> = OnceLock::new();

/// Sets the time limit of the live lookup for this run (`--cluster-timeout`); it wins
/// over `PHIB_CLUSTER_TIMEOUT`. Only the first call counts.
pub fn set_cluster_timeout(secs: u64) {
    let _ = GIVEN_TIMEOUT.set(secs);
}

/// Whether to ask the cluster, and for how long.
enum Ask {
    Within(Duration),
    Not(String),
}

fn ask() -> Result<Ask> {
    if std::env::var(NO_CLUSTER_ENV).is_ok_and(|v| !v.is_empty() && v != "0") {
        return Ok(Ask::Not(format!(
            "`{NO_CLUSTER_ENV}` is set, so the cluster was not asked"
        )));
    }
    let (secs, from) = match GIVEN_TIMEOUT.get() {
        Some(s) => (*s, "--cluster-timeout"),
        None => match std::env::var(CLUSTER_TIMEOUT_ENV) {
            Ok(v) if !v.trim().is_empty() => (
                v.trim().parse::<u64>().map_err(|_| {
                    Error::usage(format!(
                        "`{CLUSTER_TIMEOUT_ENV}` `{v}` is not a whole number of seconds"
                    ))
                    .with_help(format!(
                        "set `{CLUSTER_TIMEOUT_ENV}` to how long phib waits for the cluster (0: do not ask it), or unset it"
                    ))
                })?,
                CLUSTER_TIMEOUT_ENV,
            ),
            _ => return Ok(Ask::Within(DEFAULT_CLUSTER_TIMEOUT)),
        },
    };
    Ok(match secs {
        0 => Ask::Not(format!("`{from}` is 0, so the cluster was not asked")),
        s => Ask::Within(Duration::from_secs(s)),
    })
}

/// The live release, asked of helm on a thread of its own within the time limit, so
/// that the caller goes on meanwhile. Dropping it stops a lookup still running.
pub struct Lookup {
    bound: Bound,
    /// What the progress line says phib waits for.
    waiting_for: String,
    thread: Mutex<Option<JoinHandle<Live>>>,
    found: OnceLock<Live>,
}

impl Lookup {
    /// Starts looking for `release` (else the one PrimeHub release) in `namespace`.
    /// Refused only when `PHIB_CLUSTER_TIMEOUT` is no number.
    pub fn start(release: Option<&str>, namespace: &str) -> Result<Lookup> {
        let limit = match ask()? {
            Ask::Not(because) => return Ok(Lookup::answered(Live::NotAsked(because))),
            Ask::Within(limit) => limit,
        };
        let bound = Bound::within(limit);
        let words = runner::seconds(limit);
        let waiting_for =
            format!("waiting for the cluster (`helm list -n {namespace}`, at most {words})");
        let (release, namespace, b) = (
            release.map(str::to_string),
            namespace.to_string(),
            bound.clone(),
        );
        let thread = std::thread::spawn(move || {
            helm::live_primehub(release.as_deref(), &namespace, &b, &words)
        });
        Ok(Lookup {
            bound,
            waiting_for,
            thread: Mutex::new(Some(thread)),
            found: OnceLock::new(),
        })
    }

    /// A lookup that already has its answer.
    pub fn answered(live: Live) -> Lookup {
        Lookup {
            bound: Bound::default(),
            waiting_for: String::new(),
            thread: Mutex::new(None),
            found: OnceLock::from(live),
        }
    }

    /// The answer: at once when the lookup is done, else after waiting for it (at most
    /// its time limit), with a progress line on a terminal that says what for.
    pub fn wait(&self) -> &Live {
        self.found.get_or_init(|| {
            let thread = self
                .thread
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            let Some(thread) = thread else {
                return Live::NoCluster("the lookup of the live release stopped".into());
            };
            let _progress =
                (!thread.is_finished()).then(|| crate::out::progress(&self.waiting_for));
            thread.join().unwrap_or_else(|_| {
                Live::NoCluster("the lookup of the live release stopped".into())
            })
        })
    }
}

impl Drop for Lookup {
    fn drop(&mut self) {
        self.bound.stop();
        let thread = self
            .thread
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

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

/// What to say when the new block pushes with another Secret than the old one: Images
/// built before keep pulling with the old name.
pub fn switch_note(
    old: Option<&CustomImage>,
    new: &CustomImage,
    namespace: &str,
) -> Option<crate::chart::SwitchNote> {
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

/// The namespace phib looks in: `--namespace`, else helm's (as a plugin), else
/// PrimeHub's default.
pub fn namespace_or_default(namespace: Option<&str>) -> String {
    namespace
        .map(str::to_string)
        .or_else(helm_namespace)
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string())
}

/// Whether fitting `block` needs the live release's name even when the version is
/// given: in values mode the chart renders the push Secret under a name made from the
/// release (see [`crate::settings::ChartTarget::release`]), and without `--release`
/// only the live release says which.
fn needs_release_name(release: Option<&str>, external: bool, block: &CustomImage) -> bool {
    release.is_none() && !external && block.registry_password.is_some()
}

/// The chart target from what the lookup found (or `--chart-version`).
fn target(
    given: Option<ChartVersion>,
    live: &Live,
    values: Option<ChartValues>,
    external: bool,
    accepted: Vec<String>,
) -> ChartTarget {
    let found = live.release();
    let live_version = found.and_then(|r| ChartVersion::from_chart_column(&r.chart));
    let (version, source) = match (given, live_version, found) {
        (Some(v), _, _) => (v, Source::Flag),
        (None, Some(v), Some(r)) => (
            v,
            Source::Release {
                name: r.name.clone(),
                namespace: r.namespace.clone(),
            },
        ),
        (None, _, Some(r)) => (
            NEWEST,
            Source::Newest {
                because: format!(
                    "release `{}` runs chart `{}`, whose version phib cannot read",
                    r.name, r.chart
                ),
            },
        ),
        (None, _, None) => (
            NEWEST,
            Source::Newest {
                because: live.why().unwrap_or("no release was found").to_string(),
            },
        ),
    };
    ChartTarget {
        version,
        source,
        values,
        live_release: found.map(|r| r.name.clone()),
        external,
        accepted,
    }
}

/// The chart target of `block`: the version and where it came from, the release and
/// namespace looked up (`--release`, else the one PrimeHub release helm shows in the
/// namespace), within the time limit. With `--chart-version` the cluster is asked only
/// when the block needs the release's name.
pub fn resolve(
    flag: Option<&str>,
    release: Option<&str>,
    namespace: Option<&str>,
    values: Option<ChartValues>,
    external: bool,
    accepted: Vec<String>,
    block: &CustomImage,
) -> Result<ChartTarget> {
    let given = flag.map(parse_flag).transpose()?;
    let live = if given.is_some() && !needs_release_name(release, external, block) {
        Live::NotAsked("`--chart-version` is given".into())
    } else {
        Lookup::start(release, &namespace_or_default(namespace))?
            .wait()
            .clone()
    };
    Ok(target(given, &live, values, external, accepted))
}

/// The wizard's chart target: the lookup starts before the first question and runs
/// while the user answers; the target is made when a block is first fitted, waiting
/// for the lookup only then (and only if it is still running).
pub struct Asking {
    given: Option<ChartVersion>,
    values: ChartValues,
    lookup: Lookup,
}

impl Asking {
    /// Checks `--chart-version` and starts the lookup of the one PrimeHub release in
    /// the namespace.
    pub fn start(flag: Option<&str>, values: ChartValues) -> Result<Asking> {
        let given = flag.map(parse_flag).transpose()?;
        let lookup = Lookup::start(None, &namespace_or_default(None))?;
        Ok(Asking {
            given,
            values,
            lookup,
        })
    }

    /// The target for `block` (`release`: the release name answered, if any).
    pub fn target(&self, release: Option<&str>, block: &CustomImage) -> ChartTarget {
        let not_asked;
        let live = if self.given.is_some() && !needs_release_name(release, false, block) {
            not_asked = Live::NotAsked("`--chart-version` is given".into());
            &not_asked
        } else {
            self.lookup.wait()
        };
        target(
            self.given.clone(),
            live,
            Some(self.values.clone()),
            false,
            Vec::new(),
        )
    }
}

/// For the commands that only read a block (`show`, `verify`): the warning to give when
/// the chart version PrimeHub runs (the live release's, else the newest) is known to
/// break it.
pub fn broken_warning(
    doc: &serde_yaml::Value,
    release: Option<&str>,
    namespace: Option<&str>,
) -> Option<String> {
    CustomImage::from_values(doc).ok()??;
    let lookup = Lookup::start(release, &namespace_or_default(namespace)).ok()?;
    broken_warning_from(doc, release, lookup.wait())
}

/// [`broken_warning`] from a lookup the caller started itself (to read the release
/// meanwhile).
pub fn broken_warning_from(
    doc: &serde_yaml::Value,
    release: Option<&str>,
    live: &Live,
) -> Option<String> {
    let ci = CustomImage::from_values(doc).ok()??;
    let target = target(None, live, None, false, Vec::new());
    let release = release.or(target.live_release.as_deref());
    let mut values = ChartValues::from_values(doc);
    if values.mode.is_none() && matches!(target.source, Source::Newest { .. }) {
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
