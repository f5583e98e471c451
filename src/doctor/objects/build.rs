//! The objects that show how builds go: Pods (the controller's and the build pods;
//! `PodStatus.containerStatuses[]` with `restartCount`, `state` and `lastState`),
//! PrimeHub's `ImageSpecJob`s (`primehub.io/v1alpha1`: `spec.baseImage`,
//! `spec.targetImage`, `spec.repoPrefix`; `ImageSpecJobStatus.phase` and `podName`,
//! as the controller's `api/v1alpha1/imagespecjob_types.go` defines them), Events
//! (`v1` `involvedObject`, or `events.k8s.io/v1` `regarding`) and Namespaces (their
//! Pod Security labels).

use std::collections::BTreeMap;

use serde_yaml::Value;

use super::{at, string_map, text};

/// One state of a container (`waiting`, `terminated`): why, and how it ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerState {
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
    /// `finishedAt` of a terminated state.
    pub finished_at: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerStatus {
    pub name: String,
    pub image: Option<String>,
    pub ready: bool,
    pub restarts: u64,
    pub waiting: Option<ContainerState>,
    pub running: bool,
    pub terminated: Option<ContainerState>,
    pub last_terminated: Option<ContainerState>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodObject {
    pub name: String,
    pub phase: Option<String>,
    pub containers: Vec<ContainerStatus>,
}

impl PodObject {
    pub fn container(&self, name: &str) -> Option<&ContainerStatus> {
        self.containers.iter().find(|c| c.name == name)
    }
}

fn state(v: Option<&Value>) -> Option<ContainerState> {
    let v = v?;
    v.as_mapping()?;
    Some(ContainerState {
        reason: text(v.get("reason")).filter(|s| !s.is_empty()),
        message: text(v.get("message")).filter(|s| !s.is_empty()),
        exit_code: v.get("exitCode").and_then(Value::as_i64),
        finished_at: text(v.get("finishedAt")),
    })
}

pub(super) fn pod(doc: &Value, name: String) -> PodObject {
    let statuses = at(doc, &["status", "containerStatuses"])
        .and_then(Value::as_sequence)
        .cloned()
        .unwrap_or_default();
    PodObject {
        name,
        phase: text(at(doc, &["status", "phase"])),
        containers: statuses
            .iter()
            .map(|c| ContainerStatus {
                name: text(c.get("name")).unwrap_or_default(),
                image: text(c.get("image")),
                ready: c.get("ready").and_then(Value::as_bool).unwrap_or(false),
                restarts: c.get("restartCount").and_then(Value::as_u64).unwrap_or(0),
                waiting: state(at(c, &["state", "waiting"])),
                running: at(c, &["state", "running"]).is_some(),
                terminated: state(at(c, &["state", "terminated"])),
                last_terminated: state(at(c, &["lastState", "terminated"])),
            })
            .collect(),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSpecJobObject {
    pub name: String,
    /// `metadata.creationTimestamp` (RFC 3339, so it sorts as text).
    pub created: Option<String>,
    /// `status.phase`: the build pod's phase (`Pending`, `Running`, `Succeeded`,
    /// `Failed`), `Cancelled`, or empty before a pod exists.
    pub phase: Option<String>,
    /// `status.podName`: empty until the controller created the build pod.
    pub pod_name: Option<String>,
    pub base_image: Option<String>,
    /// The image it pushes: `repoPrefix/targetImage`, or `targetImage`.
    pub target_image: Option<String>,
}

pub(super) fn image_spec_job(doc: &Value, name: String) -> ImageSpecJobObject {
    let spec = |k: &str| text(at(doc, &["spec", k])).filter(|s| !s.is_empty());
    let target = spec("targetImage").map(|t| match spec("repoPrefix") {
        Some(prefix) => format!("{prefix}/{t}"),
        None => t,
    });
    ImageSpecJobObject {
        name,
        created: text(at(doc, &["metadata", "creationTimestamp"])),
        phase: text(at(doc, &["status", "phase"])).filter(|s| !s.is_empty()),
        pod_name: text(at(doc, &["status", "podName"])).filter(|s| !s.is_empty()),
        base_image: spec("baseImage"),
        target_image: target,
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventObject {
    /// The object it is about.
    pub kind: String,
    pub name: String,
    /// `Normal` or `Warning`.
    pub type_: String,
    pub reason: String,
    pub message: String,
    /// When it last happened, for ordering (RFC 3339).
    pub last: Option<String>,
}

/// A `v1` Event (`involvedObject`, `message`, `lastTimestamp`) or an
/// `events.k8s.io/v1` one (`regarding`, `note`, `eventTime`).
pub(super) fn event(doc: &Value) -> Option<EventObject> {
    let about = doc.get("involvedObject").or_else(|| doc.get("regarding"))?;
    Some(EventObject {
        kind: text(about.get("kind"))?,
        name: text(about.get("name"))?,
        type_: text(doc.get("type")).unwrap_or_default(),
        reason: text(doc.get("reason")).unwrap_or_default(),
        message: text(doc.get("message"))
            .or_else(|| text(doc.get("note")))
            .unwrap_or_default(),
        last: ["lastTimestamp", "eventTime", "firstTimestamp"]
            .iter()
            .find_map(|k| text(doc.get(*k)).filter(|s| !s.is_empty())),
    })
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamespaceObject {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

pub(super) fn namespace(doc: &Value, name: String) -> NamespaceObject {
    NamespaceObject {
        name,
        labels: string_map(at(doc, &["metadata", "labels"]))
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect(),
    }
}

/// What a container printed, as `kubectl logs` gives it (live only).
#[derive(Clone, PartialEq, Eq)]
pub struct PodLog {
    pub pod: String,
    pub container: String,
    /// The previous (crashed) run's log, `--previous`.
    pub previous: bool,
    pub text: String,
}

impl std::fmt::Debug for PodLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PodLog")
            .field("pod", &self.pod)
            .field("container", &self.container)
            .field("previous", &self.previous)
            .field("lines", &self.text.lines().count())
            .finish()
    }
}

/// Something the live form asked kubectl for and did not get, with kubectl's reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unread {
    /// What was asked, as the checks name it (`externalsecrets`, `pods`, ...).
    pub what: String,
    pub why: String,
}
