//! `phib doctor`: why the Image Builder fails on a running PrimeHub. PrimeHub's
//! controller only checks that the push Secret exists; a block under the wrong key, a
//! key the chart version ignores, a Secret name that does not follow the release, a
//! Secret with no login for the push repository or a bad `buildJob` quantity all fail
//! a build late, or the controller at start. The doctor reads what the chart and the
//! cluster hold and says, check by check, ok, warn or fail, with the fix.
//!
//! The checks ([`checks`]) are pure functions of [`Inputs`]: the values, the chart
//! version, the objects of the manifest or the namespace, earlier revisions. Where the
//! inputs come from is the caller's business: a manifest file and a values file
//! (offline), or helm and kubectl ([`live`]). Every rule about the chart is asked of
//! [`crate::chart`]; every registry rule of [`crate::registry::check`] and
//! [`crate::verify`]. A finding never holds a secret.

pub mod checks;
pub mod follow;
pub mod live;
pub mod objects;
pub mod quantity;
pub mod report;
#[cfg(test)]
mod tests;

use serde::Serialize;

use crate::chart::ChartVersion;
use objects::Objects;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

/// What a finding is about; its `id` is stable, for scripts reading `--output json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// Which chart version the checks assumed.
    ChartVersion,
    /// `customImage` at the top level of the values.
    BlockPlace,
    /// `registryEndpoint` set and well-formed.
    RegistryEndpoint,
    /// Keys in the block that the chart does not read.
    StaleKeys,
    /// Keys (and values) in use that the chart version breaks.
    ChartKeys,
    /// Where builds push to.
    PushTarget,
    /// `pushSecretName` against the Secret the chart renders for the release.
    SecretName,
    /// The push Secret: exists, its type and key, a login buildah will match.
    PushSecret,
    /// The `ExternalSecret` that makes the push Secret: Ready, last written.
    ExternalSecret,
    /// The SealedSecret that makes the push Secret: Synced.
    SealedSecret,
    /// What that `ExternalSecret` reads: its generator and the identity the generator
    /// logs in as, or its store.
    SecretSource,
    /// `buildJob.resources`: both quantities, parseable, as the controller reads them.
    BuildResources,
    /// The registry password in a ConfigMap.
    LeakConfigMap,
    /// An earlier registry password in the release history.
    LeakHistory,
    /// The registry password in other Secrets.
    LeakSecrets,
    /// Images whose pull Secret is missing or holds no login.
    ImagePullSecrets,
    /// The controller pod: running, or crash-looping and why.
    Controller,
    /// The namespace's Pod Security level against the privileged build pods.
    PodSecurity,
    /// The latest failed builds (`ImageSpecJob`s) and why.
    Builds,
    /// The registry accepts the push Secret's login and a push.
    Registry,
}

impl Check {
    pub fn id(self) -> &'static str {
        match self {
            Check::ChartVersion => "chart-version",
            Check::BlockPlace => "block-place",
            Check::RegistryEndpoint => "registry-endpoint",
            Check::StaleKeys => "stale-keys",
            Check::ChartKeys => "chart-keys",
            Check::PushTarget => "push-target",
            Check::SecretName => "secret-name",
            Check::PushSecret => "push-secret",
            Check::ExternalSecret => "external-secret",
            Check::SealedSecret => "sealed-secret",
            Check::SecretSource => "secret-source",
            Check::BuildResources => "build-resources",
            Check::LeakConfigMap => "leak-configmap",
            Check::LeakHistory => "leak-history",
            Check::LeakSecrets => "leak-secrets",
            Check::ImagePullSecrets => "image-pull-secrets",
            Check::Controller => "controller",
            Check::PodSecurity => "pod-security",
            Check::Builds => "builds",
            Check::Registry => "registry",
        }
    }
}

impl Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One line of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub check: Check,
    pub status: Status,
    pub finding: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

impl Finding {
    pub fn ok(check: Check, finding: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Status::Ok,
            finding: finding.into(),
            fix: None,
        }
    }

    pub fn warn(check: Check, finding: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Status::Warn,
            finding: finding.into(),
            fix: Some(fix.into()),
        }
    }

    pub fn fail(check: Check, finding: impl Into<String>, fix: impl Into<String>) -> Finding {
        Finding {
            check,
            status: Status::Fail,
            finding: finding.into(),
            fix: Some(fix.into()),
        }
    }
}

/// Where the chart version came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSource {
    /// `--chart-version`.
    Flag,
    /// A `helm.sh/chart` label in the manifests.
    Label,
    /// The live release.
    Release,
    /// Nothing said: the newest phib knows.
    Assumed,
}

/// Whether the objects were asked for and found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listing {
    /// Not available (offline, and the manifests hold none).
    NotAsked,
    /// Listed: `Objects::images` is all there is.
    Listed,
    /// Asking failed, with the reason.
    Failed(String),
}

/// An earlier revision of the release and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: u64,
    pub values: serde_yaml::Value,
}

/// Everything the checks look at.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// The release, when known (live, or `--release`).
    pub release: Option<String>,
    pub namespace: Option<String>,
    pub version: ChartVersion,
    pub version_source: VersionSource,
    /// The values: the release's computed values, a values file, or (offline with no
    /// values file) `customImage` as the controller ConfigMap holds it.
    pub values: serde_yaml::Value,
    /// Whether `values` is a whole values document (so `primehub.mode` and the name
    /// overrides in it count), not only the block read back from the ConfigMap.
    pub whole_values: bool,
    /// What `values` was read from, for the lines that name it.
    pub values_source: String,
    pub objects: Objects,
    /// Whether `objects.secrets` are all the namespace's Secrets (live), not only those
    /// of the manifests.
    pub live: bool,
    pub images: Listing,
    /// Earlier revisions of the release (live), newest first.
    pub history: Option<Vec<Revision>>,
}

/// What the checks found, and what the registry check needs next.
#[derive(Debug)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    /// The block, when it is configured.
    pub custom_image: Option<crate::values::model::CustomImage>,
    /// The login in the push Secret, when it holds one for the push repository.
    pub push_login: Option<crate::verify::Credentials>,
    /// Every password the checks saw, to hide in anything shown.
    pub redactor: crate::secret::Redactor,
}

impl Diagnosis {
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }
}
