//! What the live form reads after the release, following what it found: the External
//! Secrets chain behind the push Secret (the `ExternalSecret` that makes it, its
//! generator or store, the generator's ServiceAccount, the operator's events), the
//! SealedSecret that makes it (and the controller's events when it is not Synced), and the
//! builds (the namespace's Pod Security labels, the release's pods and the log of the
//! controller's last crash, the `ImageSpecJob`s, and for the latest that did not
//! succeed their pod, its events and the tail of its log). Every read is one method of
//! [`Kubectl`]; a read that fails is recorded in [`Objects::unread`] for the checks,
//! never fatal. The first reads of each (the `ExternalSecret`s, the `SealedSecret`s, the
//! namespace, the release's pods, the `ImageSpecJob`s) need only the namespace and the
//! release's name: they run at the same time in the doctor's first rounds ([`First`]),
//! and what follows from them is read here.

use super::checks;
use super::live::{Kubectl, Read};
use super::objects::{kubectl_resource, GeneratorAuth, Objects, Source, Unread};
use crate::chart;
use crate::runner;

/// Records a read that failed.
fn unread(objects: &mut Objects, what: &str, why: String) {
    objects.unread.push(Unread {
        what: what.to_string(),
        why,
    });
}

/// Adds `found` (objects of one read) to `objects`.
fn absorb(objects: &mut Objects, found: Objects) {
    let Objects {
        external_secrets,
        sealed_secrets,
        stores,
        generators,
        service_accounts,
        pods,
        image_spec_jobs,
        events,
        namespaces,
        ..
    } = found;
    objects.external_secrets.extend(external_secrets);
    objects.sealed_secrets.extend(sealed_secrets);
    objects.stores.extend(stores);
    objects.generators.extend(generators);
    objects.service_accounts.extend(service_accounts);
    objects.pods.extend(pods);
    objects.image_spec_jobs.extend(image_spec_jobs);
    objects.events.extend(events);
    objects.namespaces.extend(namespaces);
}

/// Reads one object the chain names into `objects` (nothing when it does not exist).
fn read_object(kubectl: &Kubectl, ns: &str, kind: &str, name: &str, objects: &mut Objects) {
    match kubectl.object(ns, kind, name) {
        Ok(Some(found)) => absorb(objects, found),
        Ok(None) => {}
        Err(why) => {
            let what = format!("{} {name}", kubectl_resource(kind).unwrap_or_default());
            unread(objects, &what, why);
        }
    }
}

/// What the chain, the SealedSecret and the builds read first.
pub struct First {
    external_secrets: Read<Objects>,
    sealed_secrets: Read<Objects>,
    namespace: Read<Objects>,
    pods: Read<Objects>,
    image_spec_jobs: Read<Objects>,
}

/// The reads of [`First`] that need only the namespace.
pub struct NamespaceReads(Read<Objects>, Read<Objects>, Read<Objects>, Read<Objects>);

impl First {
    /// The namespace's reads, at the same time.
    pub fn namespace_reads(kubectl: &Kubectl, ns: &str) -> NamespaceReads {
        let ((external, sealed), (namespace, jobs)) = runner::join(
            || {
                runner::join(
                    || kubectl.external_secrets(ns),
                    || kubectl.sealed_secrets(ns),
                )
            },
            || runner::join(|| kubectl.namespace(ns), || kubectl.image_spec_jobs(ns)),
        );
        NamespaceReads(external, sealed, namespace, jobs)
    }

    /// The namespace's reads (from [`First::namespace_reads`]) and the release's pods.
    pub fn new(namespace_reads: NamespaceReads, pods: Read<Objects>) -> First {
        let NamespaceReads(external_secrets, sealed_secrets, namespace, image_spec_jobs) =
            namespace_reads;
        First {
            external_secrets,
            sealed_secrets,
            namespace,
            pods,
            image_spec_jobs,
        }
    }
}

/// The External Secrets chain behind the push Secret `push`: the `ExternalSecret`
/// that makes it (`listed`: the namespace's, read first), what it reads (generator,
/// store), the generator's ServiceAccount, and the operator's events when it is not
/// Ready.
fn chain(kubectl: &Kubectl, ns: &str, push: &str, listed: Read<Objects>, objects: &mut Objects) {
    match listed {
        Ok(found) => absorb(objects, found),
        // No operator installed: no ExternalSecret to follow.
        Err(why) => return unread(objects, "externalsecrets", why),
    }
    let Some(es) = objects
        .external_secrets
        .iter()
        .find(|e| e.target == push)
        .cloned()
    else {
        return;
    };
    for source in &es.sources {
        let (kind, name) = match source {
            Source::Generator { kind, name } | Source::Store { kind, name } => (kind, name),
        };
        if kubectl_resource(kind).is_none() {
            continue;
        }
        read_object(kubectl, ns, kind, name, objects);
    }
    let accounts: Vec<String> = objects
        .generators
        .iter()
        .filter_map(|g| match g.auth() {
            GeneratorAuth::ServiceAccount(sa) => Some(sa),
            _ => None,
        })
        .collect();
    for sa in accounts {
        read_object(kubectl, ns, "ServiceAccount", &sa, objects);
    }
    if !es.ready.as_ref().is_some_and(|c| c.is_true()) {
        match kubectl.events(ns, "ExternalSecret", &es.name) {
            Ok(found) => absorb(objects, found),
            Err(why) => unread(objects, "events", why),
        }
    }
}

/// The SealedSecret that makes the push Secret `push` (`listed`: the namespace's, read
/// first), and the controller's events about it when it is not Synced (why unsealing
/// failed is also there).
fn sealed(kubectl: &Kubectl, ns: &str, push: &str, listed: Read<Objects>, objects: &mut Objects) {
    match listed {
        Ok(found) => absorb(objects, found),
        // No controller installed: no SealedSecret to follow.
        Err(why) => return unread(objects, "sealedsecrets", why),
    }
    let synced = match objects.sealed_secrets.iter().find(|s| s.name == push) {
        Some(s) => s.synced.as_ref().is_some_and(|c| c.is_true()),
        None => return,
    };
    if !synced {
        match kubectl.events(ns, "SealedSecret", push) {
            Ok(found) => absorb(objects, found),
            Err(why) => unread(objects, "events", why),
        }
    }
}

/// How many lines of a build pod's log, and of the controller's, are read.
const BUILD_LOG_TAIL: usize = 40;
const CONTROLLER_LOG_TAIL: usize = 200;

/// Follows what `first` found: the External Secrets chain and the SealedSecret behind
/// the push Secret `push` (when there is one), then the builds.
pub fn follow(
    kubectl: &Kubectl,
    ns: &str,
    push: Option<&str>,
    first: First,
    objects: &mut Objects,
) {
    let First {
        external_secrets,
        sealed_secrets,
        namespace,
        pods,
        image_spec_jobs,
    } = first;
    if let Some(push) = push {
        chain(kubectl, ns, push, external_secrets, objects);
        sealed(kubectl, ns, push, sealed_secrets, objects);
    }
    builds(kubectl, ns, (namespace, pods, image_spec_jobs), objects);
}

/// The builds: the namespace's Pod Security labels, the release's pods (the
/// controller's, and the log of its last crash), the `ImageSpecJob`s (the three read
/// first), and for the latest that did not succeed their pod, its events and the tail
/// of its log.
fn builds(
    kubectl: &Kubectl,
    ns: &str,
    (namespace, pods, image_spec_jobs): (Read<Objects>, Read<Objects>, Read<Objects>),
    objects: &mut Objects,
) {
    match namespace {
        Ok(found) => absorb(objects, found),
        Err(why) => unread(objects, "namespace", why),
    }
    match pods {
        Ok(found) => absorb(objects, found),
        Err(why) => unread(objects, "pods", why),
    }
    let crashed: Vec<String> = objects
        .pods
        .iter()
        .filter(|p| {
            p.container(chart::CONTROLLER_CONTAINER)
                .is_some_and(|c| c.restarts > 0 && c.last_terminated.is_some())
        })
        .map(|p| p.name.clone())
        .collect();
    for pod in &crashed {
        if let Ok(log) = kubectl.logs(ns, pod, chart::CONTROLLER_CONTAINER, true, 20) {
            objects.logs.push(log);
        }
    }
    match image_spec_jobs {
        Ok(found) => absorb(objects, found),
        Err(why) => return unread(objects, "imagespecjobs", why),
    }
    let follow: Vec<(String, Option<String>)> = checks::builds_to_follow(objects)
        .into_iter()
        .map(|j| (j.name.clone(), j.pod_name.clone()))
        .collect();
    if follow.iter().any(|(_, pod)| pod.is_none()) {
        let controllers: Vec<String> = objects
            .pods
            .iter()
            .filter(|p| p.container(chart::CONTROLLER_CONTAINER).is_some())
            .map(|p| p.name.clone())
            .collect();
        for pod in controllers {
            let read = kubectl.logs(
                ns,
                &pod,
                chart::CONTROLLER_CONTAINER,
                false,
                CONTROLLER_LOG_TAIL,
            );
            if let Ok(log) = read {
                objects.logs.push(log);
            }
        }
    }
    for pod in follow.into_iter().filter_map(|(_, pod)| pod) {
        read_build_pod(kubectl, ns, &pod, objects);
    }
}

/// One build pod, its events, and the tail of its log.
fn read_build_pod(kubectl: &Kubectl, ns: &str, pod: &str, objects: &mut Objects) {
    read_object(kubectl, ns, "Pod", pod, objects);
    match kubectl.events(ns, "Pod", pod) {
        Ok(found) => absorb(objects, found),
        Err(why) => unread(objects, "events", why),
    }
    let ran = objects
        .pods
        .iter()
        .find(|p| p.name == pod)
        .and_then(|p| p.container(chart::BUILD_CONTAINER))
        .is_some_and(|c| c.terminated.is_some() || c.running);
    if ran {
        if let Ok(log) = kubectl.logs(ns, pod, chart::BUILD_CONTAINER, false, BUILD_LOG_TAIL) {
            objects.logs.push(log);
        }
    }
}
