//! Chart versions: `MAJOR.MINOR.PATCH` with an optional pre-release, parsed, ordered by
//! their numeric core and shown; the newest and oldest phib knows; and where phib got
//! the version it assumed.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A PrimeHub chart release, `MAJOR.MINOR.PATCH`, optionally with a pre-release suffix
/// (`4.0.0-rc.1`, `3.7.0-aws.1`). Facts are looked up by the numeric core only: a
/// pre-release gets the facts of the release it leads to, which is never less than the
/// older release's (the checks only grow stricter with age).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    pub pre: Option<String>,
}

/// The newest chart whose facts phib knows; assumed when nothing says otherwise.
pub const NEWEST: ChartVersion = ChartVersion::new(4, 1, 0);
/// The oldest chart with an image builder phib knows how to configure.
pub const OLDEST: ChartVersion = ChartVersion::new(2, 7, 0);

impl ChartVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        ChartVersion {
            major,
            minor,
            patch,
            pre: None,
        }
    }

    pub(super) fn core(&self) -> (u32, u32, u32) {
        (self.major, self.minor, self.patch)
    }

    /// The chart version from `helm list`'s `chart` column (`primehub-4.1.0`).
    pub fn from_chart_column(chart: &str) -> Option<ChartVersion> {
        chart.strip_prefix("primehub-")?.parse().ok()
    }
}

impl PartialOrd for ChartVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ChartVersion {
    /// By the numeric core; a pre-release sorts right after its core (see the type's
    /// comment: it gets the core's facts).
    fn cmp(&self, other: &Self) -> Ordering {
        self.core()
            .cmp(&other.core())
            .then_with(|| self.pre.cmp(&other.pre))
    }
}

impl fmt::Display for ChartVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

/// Why a version string was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadVersion(pub String);

impl fmt::Display for BadVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ChartVersion {
    type Err = BadVersion;

    /// `3.7.1`, `v3.7.1`, `4.0.0-rc.1`, `3.7.0-aws.1`; build metadata (`+x`) is ignored.
    fn from_str(s: &str) -> Result<Self, BadVersion> {
        let bad = || {
            BadVersion(format!(
                "`{s}` is not a chart version like `{NEWEST}` (MAJOR.MINOR.PATCH)"
            ))
        };
        let t = s.strip_prefix('v').unwrap_or(s);
        let t = t.split_once('+').map_or(t, |(v, _)| v);
        let (core, pre) = match t.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, Some(p.to_string())),
            Some(_) => return Err(bad()),
            None => (t, None),
        };
        let mut parts = core.split('.');
        let mut num = || -> Result<u32, BadVersion> {
            let p = parts.next().ok_or_else(bad)?;
            if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 6 {
                return Err(bad());
            }
            p.parse().map_err(|_| bad())
        };
        let (major, minor, patch) = (num()?, num()?, num()?);
        if parts.next().is_some() {
            return Err(bad());
        }
        Ok(ChartVersion {
            major,
            minor,
            patch,
            pre,
        })
    }
}

/// Where phib got the chart version from, for the line that says which it assumed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--chart-version`.
    Flag,
    /// The live release `NAME` in namespace `NS`.
    Release { name: String, namespace: String },
    /// Nothing said: the newest phib knows, `because` (the live release could not be
    /// read: helm missing, the cluster not answering, no such release).
    Newest { because: String },
}

/// The line phib prints about the chart version it assumed.
pub fn assumed_line(v: &ChartVersion, source: &Source) -> String {
    match source {
        Source::Flag => format!("values for PrimeHub chart {v} (`--chart-version`)"),
        Source::Release { name, namespace } => format!(
            "values for PrimeHub chart {v}, the version of release `{name}` in namespace `{namespace}`"
        ),
        Source::Newest { because } => format!(
            "values for PrimeHub chart {v}, the newest phib knows, because {because}; pass `--chart-version` if PrimeHub runs an older chart"
        ),
    }
}
