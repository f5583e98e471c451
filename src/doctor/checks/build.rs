//! The builds themselves: the controller pod (crash-looping on its configuration, its
//! image not pulled), the namespace's Pod Security level (the build container runs
//! privileged), and the latest failed `ImageSpecJob`s: why their build pod failed, from
//! its container's exit status (the build script's step), its events (image pulls,
//! mounts, scheduling) and the tail of its log (the base image pull, the push), each
//! line quoted redacted. Which pod is the controller's, its container, the build
//! container and the script's exit statuses are [`crate::chart`]'s facts.

use super::quote;
use crate::chart::{self, BuildStep};
use crate::doctor::objects::{ImageSpecJobObject, Objects, PodLog, PodObject};
use crate::doctor::{Check, Finding, Inputs};

/// How many failed builds are reported, newest first.
const FAILED_SHOWN: usize = 3;
/// How many log lines a finding quotes, and how long each may be.
const LINES_SHOWN: usize = 3;
const LINE_LEN: usize = 300;

/// The Pod Security levels that refuse a privileged container.
const REFUSING_LEVELS: [&str; 2] = ["baseline", "restricted"];
/// The namespace label that enforces a level.
const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

fn ns(i: &Inputs) -> &str {
    super::namespace(i)
}

/// The log kubectl printed for `pod`'s `container`.
fn log<'a>(i: &'a Inputs, pod: &str, container: &str, previous: bool) -> Option<&'a PodLog> {
    i.objects
        .logs
        .iter()
        .find(|l| l.pod == pod && l.container == container && l.previous == previous)
}

/// Up to [`LINES_SHOWN`] lines of `text` that hold one of `needles` (the last ones),
/// else its last lines; quoted.
fn lines(text: &str, needles: &[&str]) -> String {
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    let hits: Vec<&str> = all
        .iter()
        .copied()
        .filter(|l| needles.iter().any(|n| l.contains(n)))
        .collect();
    let chosen = if hits.is_empty() { &all } else { &hits };
    let start = chosen.len().saturating_sub(LINES_SHOWN);
    chosen[start..]
        .iter()
        .map(|l| format!("`{}`", quote(l, LINE_LEN)))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// The controller's pods: `<fullname>-controller-<hash>-<suffix>`.
fn controller_pods<'a>(i: &'a Inputs, fullname: &str) -> Vec<&'a PodObject> {
    let prefix = format!("{fullname}{}-", chart::CONTROLLER_SUFFIX);
    i.objects
        .pods
        .iter()
        .filter(|p| {
            p.name
                .strip_prefix(&prefix)
                .is_some_and(|rest| rest.split('-').count() == 2)
        })
        .collect()
}

/// The controller pod; `config_fault`: a failed check already names a value the
/// controller stops at start on (so its crash adds nothing).
pub(super) fn controller(i: &Inputs, config_fault: bool, out: &mut Vec<Finding>) {
    let Some((fullname, _)) = super::secret::fullname(i) else {
        return;
    };
    let deployment = format!("{fullname}{}", chart::CONTROLLER_SUFFIX);
    let pods = controller_pods(i, &fullname);
    if pods.is_empty() {
        // Offline a bundle need not hold it; live, only the release's other pods
        // (named after its fullname, unlike the build pods) show they were listed.
        let listed = i
            .objects
            .pods
            .iter()
            .any(|p| p.name.starts_with(&format!("{fullname}-")));
        if !i.live || !listed {
            return;
        }
        out.push(Finding::warn(
            Check::Controller,
            format!("no pod of the controller Deployment `{deployment}` runs: nothing builds"),
            format!(
                "see why: `kubectl -n {} describe deployment {deployment}`",
                ns(i)
            ),
        ));
        return;
    }
    for pod in pods {
        if let Some(f) = controller_pod(i, pod, config_fault) {
            out.push(f);
        }
    }
}

/// What to do about a controller that stopped with `panic`.
fn panic_fix(panic: &str) -> &'static str {
    if panic.contains("pushSecretName") {
        "set `customImage.pushSecretName` to the push Secret's name, then `phib upgrade`"
    } else if panic.contains("buildJob") {
        "set both `cpu` and `memory` in `customImage.buildJob.resources` as quantities, then `phib upgrade`"
    } else {
        "fix what the panic names in the values, then `phib upgrade`"
    }
}

fn controller_pod(i: &Inputs, pod: &PodObject, config_fault: bool) -> Option<Finding> {
    let c = pod.container(chart::CONTROLLER_CONTAINER)?;
    let previous = log(i, &pod.name, &c.name, true)
        .map(|l| lines(&l.text, &["panic", "required", "cannot parse"]))
        .filter(|l| !l.is_empty());
    let waiting = c.waiting.as_ref().and_then(|w| w.reason.as_deref());
    let last = c.last_terminated.as_ref();
    let last_text = last
        .map(|t| {
            format!(
                ", last exit {}{}{}",
                t.reason.as_deref().unwrap_or("unknown"),
                t.exit_code.map(|e| format!(" ({e})")).unwrap_or_default(),
                t.finished_at
                    .as_deref()
                    .map(|at| format!(" at {at}"))
                    .unwrap_or_default()
            )
        })
        .unwrap_or_default();
    let logs_cmd = format!(
        "`kubectl -n {} logs {} -c {} --previous`",
        ns(i),
        pod.name,
        c.name
    );
    match waiting {
        Some("CrashLoopBackOff") | Some("Error") | Some("RunContainerError") => {
            if config_fault {
                return None;
            }
            let said = previous
                .as_deref()
                .map(|l| format!("; it printed {l}"))
                .unwrap_or_default();
            let fix = previous
                .as_deref()
                .map_or(format!("read why: {logs_cmd}"), |p| panic_fix(p).to_string());
            Some(Finding::fail(
                Check::Controller,
                format!(
                    "the controller pod `{}` is crash-looping ({} restarts{last_text}){said}: nothing builds",
                    pod.name, c.restarts
                ),
                fix,
            ))
        }
        Some(r @ ("ErrImagePull" | "ImagePullBackOff" | "InvalidImageName")) => Some(Finding::fail(
            Check::Controller,
            format!(
                "the controller pod `{}` cannot start: {r}{}",
                pod.name,
                c.waiting
                    .as_ref()
                    .and_then(|w| w.message.as_deref())
                    .map(|m| format!(" ({})", quote(m, LINE_LEN)))
                    .unwrap_or_default()
            ),
            format!("check the controller image and the nodes' access to it: `kubectl -n {} describe pod {}`", ns(i), pod.name),
        )),
        _ if c.restarts > 0
            && last.is_some_and(|t| matches!(t.reason.as_deref(), Some("Error" | "OOMKilled"))) =>
        {
            Some(Finding::warn(
                Check::Controller,
                format!(
                    "the controller pod `{}` runs, but restarted {} time{}{last_text}",
                    pod.name,
                    c.restarts,
                    if c.restarts == 1 { "" } else { "s" }
                ),
                format!("read why: {logs_cmd}"),
            ))
        }
        _ => Some(Finding::ok(
            Check::Controller,
            format!(
                "the controller pod `{}` is {} ({} restart{})",
                pod.name,
                if c.ready { "running and ready" } else { "starting" },
                c.restarts,
                if c.restarts == 1 { "" } else { "s" }
            ),
        )),
    }
}

/// The namespace's Pod Security level; returns whether it refuses the build pods.
pub(super) fn pod_security(i: &Inputs, out: &mut Vec<Finding>) -> bool {
    let ns_obj = match &i.namespace {
        Some(n) => i.objects.namespaces.iter().find(|o| &o.name == n),
        None if i.objects.namespaces.len() == 1 => i.objects.namespaces.first(),
        None => None,
    };
    let Some(ns_obj) = ns_obj else {
        return false;
    };
    let level = ns_obj.labels.get(ENFORCE_LABEL).map(String::as_str);
    match level {
        Some(l) if REFUSING_LEVELS.contains(&l) => {
            out.push(Finding::fail(
                Check::PodSecurity,
                format!(
                    "namespace `{}` enforces Pod Security `{l}`, which refuses the build pods (their `{}` container runs privileged): the controller cannot create them",
                    ns_obj.name,
                    chart::BUILD_CONTAINER
                ),
                format!(
                    "let privileged pods run there: `kubectl label namespace {} {ENFORCE_LABEL}=privileged --overwrite`",
                    ns_obj.name
                ),
            ));
            true
        }
        _ => {
            out.push(Finding::ok(
                Check::PodSecurity,
                format!(
                    "namespace `{}` enforces {}: privileged build pods are admitted",
                    ns_obj.name,
                    level.map_or("no Pod Security level".to_string(), |l| format!(
                        "Pod Security `{l}`"
                    ))
                ),
            ));
            false
        }
    }
}

/// How many of the builds since the last success the live form follows to their pods.
const FOLLOWED: usize = 5;

/// The jobs since the latest one that succeeded, newest first.
pub(super) fn recent(objects: &Objects) -> Vec<&ImageSpecJobObject> {
    let mut jobs: Vec<&ImageSpecJobObject> = objects.image_spec_jobs.iter().collect();
    jobs.sort_by(|a, b| b.created.cmp(&a.created).then(b.name.cmp(&a.name)));
    let end = jobs
        .iter()
        .position(|j| j.phase.as_deref() == Some("Succeeded"))
        .unwrap_or(jobs.len());
    jobs.truncate(end);
    jobs
}

/// The builds whose pods (events, log) the live form reads.
pub(super) fn to_follow(objects: &Objects) -> Vec<&ImageSpecJobObject> {
    let mut jobs = recent(objects);
    jobs.truncate(FOLLOWED);
    jobs
}

/// Why one job's build failed, as a finding; `None` when it did not (yet).
fn job_failure(
    i: &Inputs,
    job: &ImageSpecJobObject,
    refused: bool,
    keyless: Option<&str>,
) -> Option<Finding> {
    let Some(pod_name) = &job.pod_name else {
        return podless(i, job, refused);
    };
    let pod = i.objects.pods.iter().find(|p| &p.name == pod_name);
    if let Some(f) = pod_events(i, job, pod_name) {
        return Some(f);
    }
    let failed = job.phase.as_deref() == Some("Failed");
    if !failed {
        return None;
    }
    let c = pod.and_then(|p| p.container(chart::BUILD_CONTAINER));
    let exit = c
        .and_then(|c| c.terminated.as_ref())
        .and_then(|t| t.exit_code);
    let text = log(i, pod_name, chart::BUILD_CONTAINER, false).map(|l| l.text.as_str());
    Some(step_failure(
        i,
        job,
        pod_name,
        exit.and_then(BuildStep::from_exit_code),
        text,
        keyless,
    ))
}

/// A job whose pod was never created: the controller's log says why.
fn podless(i: &Inputs, job: &ImageSpecJobObject, refused: bool) -> Option<Finding> {
    if refused {
        return None;
    }
    let line = i
        .objects
        .logs
        .iter()
        .filter(|l| !l.previous && l.container == chart::CONTROLLER_CONTAINER)
        .flat_map(|l| l.text.lines())
        .rfind(|l| {
            l.contains(&job.name) && (l.contains("violates PodSecurity") || l.contains("forbidden"))
        })?;
    Some(Finding::fail(
        Check::Builds,
        format!(
            "ImageSpecJob `{}`: the controller could not create its build pod: `{}`",
            job.name,
            quote(line, LINE_LEN * 2)
        ),
        if line.contains("PodSecurity") {
            format!("let privileged pods run in the namespace: `kubectl label namespace {} {ENFORCE_LABEL}=privileged --overwrite`, or exempt them in the cluster's Pod Security admission configuration", ns(i))
        } else {
            "give the controller what the refusal names (its rights, the namespace's quota or policy)".into()
        },
    ))
}

/// A warning event of the build pod that says why it never ran.
fn pod_events(i: &Inputs, job: &ImageSpecJobObject, pod: &str) -> Option<Finding> {
    let e = i
        .objects
        .events
        .iter()
        .filter(|e| e.kind == "Pod" && e.name == pod && e.type_ == "Warning")
        .filter(|e| {
            matches!(
                e.reason.as_str(),
                "Failed" | "FailedMount" | "FailedScheduling" | "BackOff"
            )
        })
        .max_by(|a, b| a.last.cmp(&b.last))?;
    let msg = quote(&e.message, LINE_LEN * 2);
    let head = format!("ImageSpecJob `{}`: its build pod `{pod}`", job.name);
    let pulled = e.message.contains("pull") || e.message.contains("Pull");
    Some(match e.reason.as_str() {
        "Failed" | "BackOff" if pulled => Finding::fail(
            Check::Builds,
            format!("{head} cannot pull the build image: `{msg}`"),
            "check `customImage.buildJob.image` and the nodes' access to its registry",
        ),
        "FailedMount" => Finding::fail(
            Check::Builds,
            format!("{head} cannot mount a volume: `{msg}`"),
            "the push Secret (`pushSecretName`) must exist in the namespace when a build starts",
        ),
        "FailedScheduling" => Finding::warn(
            Check::Builds,
            format!("{head} finds no node: `{msg}`"),
            "lower `customImage.buildJob.resources.requests` or add capacity",
        ),
        _ => Finding::warn(
            Check::Builds,
            format!("{head}: {} `{msg}`", e.reason),
            format!("`kubectl -n {} describe pod {pod}`", ns(i)),
        ),
    })
}

/// Push refusals in buildah's output (the registry's answer, as containers/image
/// words it).
const DENIED: [&str; 5] = [
    "denied",
    "unauthorized",
    "authentication required",
    "401",
    "403",
];
const TLS: [&str; 2] = ["x509", "certificate"];
const NO_REPO: [&str; 3] = ["name unknown", "NAME_UNKNOWN", "repository does not exist"];

/// A failed build pod, by the step it failed at and its log.
fn step_failure(
    i: &Inputs,
    job: &ImageSpecJobObject,
    pod: &str,
    step: Option<BuildStep>,
    log: Option<&str>,
    keyless: Option<&str>,
) -> Finding {
    let head = format!("ImageSpecJob `{}` failed", job.name);
    let logs_cmd = format!("`kubectl -n {} logs {pod}`", ns(i));
    let has = |needles: &[&str]| log.is_some_and(|l| needles.iter().any(|n| l.contains(n)));
    let quoted = |needles: &[&str]| {
        log.map(|l| format!(": {}", lines(l, needles)))
            .unwrap_or_else(|| " (no log read)".into())
    };
    let target = job.target_image.as_deref().unwrap_or("the push repository");
    let base = job.base_image.as_deref().unwrap_or("the base image");
    match step {
        Some(BuildStep::Push) if has(&TLS) => Finding::fail(
            Check::Builds,
            format!("{head} at the push to `{target}`: TLS{}", quoted(&TLS)),
            "a registry with a private CA or plain http needs `insecureSkipVerify: true` (read from chart 3.4.2), then `phib upgrade`",
        ),
        Some(BuildStep::Push) if has(&NO_REPO) => Finding::fail(
            Check::Builds,
            format!("{head} at the push: the repository of `{target}` does not exist{}", quoted(&NO_REPO)),
            "create the repository first (ECR and Artifact Registry create none on push), or use `pushRepo` with one that exists",
        ),
        Some(BuildStep::Push) if log.is_none() => Finding::fail(
            Check::Builds,
            format!("{head} at the push to `{target}` (its log was not read: {logs_cmd})"),
            "the registry refused the push or could not be reached: `phib verify` checks the login and push rights; the log says which",
        ),
        Some(BuildStep::Push) => Finding::fail(
            Check::Builds,
            format!("{head} at the push to `{target}`: the registry refused it{}", quoted(&DENIED)),
            match keyless {
                Some(docs) => format!("the identity that makes the push Secret needs push (and pull) on that repository: the grant in {docs}"),
                None => "the push Secret's login needs push (and pull) rights on that repository: give them, or `phib render ... --rotate` with a login that has them; check with `phib verify`".into(),
            },
        ),
        Some(BuildStep::Build) if has(&["initializing source", "reading manifest", "pulling", "manifest unknown"]) => Finding::fail(
            Check::Builds,
            format!("{head}: the base image `{base}` could not be pulled{}", quoted(&["initializing source", "reading manifest", "manifest unknown", "denied", "unauthorized"])),
            "check the base image's name and that its registry lets the build pod pull it (the Image's pull Secret)",
        ),
        Some(BuildStep::Build) => Finding::warn(
            Check::Builds,
            format!("{head} building the image{}", quoted(&["error", "Error"])),
            format!("check the Image's packages; the whole log: {logs_cmd}"),
        ),
        _ => Finding::fail(
            Check::Builds,
            format!("{head}{}", quoted(&["error", "Error"])),
            format!("read the whole log: {logs_cmd}"),
        ),
    }
}

/// The latest builds: ok when the newest one succeeded, else why those since failed.
/// `keyless`: the page of the keyless set-up that makes the push Secret, if any.
pub(super) fn builds(i: &Inputs, refused: bool, keyless: Option<&str>, out: &mut Vec<Finding>) {
    if i.objects.image_spec_jobs.is_empty() {
        if i.live && !i.objects.unread.iter().any(|u| u.what == "imagespecjobs") {
            out.push(Finding::ok(Check::Builds, "no image has been built yet"));
        }
        return;
    }
    let recent = recent(&i.objects);
    let failures: Vec<Finding> = recent
        .iter()
        .filter_map(|j| job_failure(i, j, refused, keyless))
        .take(FAILED_SHOWN)
        .collect();
    if failures.is_empty() {
        let newest = i
            .objects
            .image_spec_jobs
            .iter()
            .max_by(|a, b| a.created.cmp(&b.created));
        out.push(Finding::ok(
            Check::Builds,
            match (recent.first(), newest) {
                (None, Some(j)) => {
                    format!("the latest build, ImageSpecJob `{}`, succeeded", j.name)
                }
                _ => format!(
                    "{} build{} since the last success, none failed",
                    recent.len(),
                    if recent.len() == 1 { "" } else { "s" }
                ),
            },
        ));
    }
    out.extend(failures);
}
