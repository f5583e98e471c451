//! The External Secrets chain behind the push Secret, link by link: the
//! `ExternalSecret` that makes it (its `Ready` condition, the operator's last event
//! about it, when it last wrote the Secret), then what it reads: a generator and the
//! identity the generator logs in as (the ServiceAccount and the annotation its cloud
//! needs, or the Secret with its key), or a `SecretStore`/`ClusterSecretStore` and its
//! own `Ready` condition. A broken link fails once, where it breaks, and the fix names
//! the keyless one (the grant, the annotation, the trust, the store), never a password.
//! Which generator belongs to which cloud, and each cloud's annotations and page, are
//! [`crate::registry::keyless`]'s facts.

mod fix;

use super::quote;
use crate::doctor::objects::{
    kubectl_resource, ExternalSecretObject, GeneratorAuth, GeneratorObject, SecretObject,
    ServiceAccountObject, Source, StoreObject,
};
use crate::doctor::{Check, Finding, Inputs, Status};
use crate::registry::keyless::{aws, azure, github, google, quay, Generator};

/// The page on copying a credential from a store.
pub(super) const STORE_DOCS: &str = "docs/keyless/central-store.md";
/// How much of a message from the cluster a line quotes.
const QUOTED: usize = 500;

/// A registry generator phib writes, and what it needs of its ServiceAccount.
pub(super) struct Cloud {
    pub(super) generator: &'static Generator,
    /// Annotations the generator reads from its ServiceAccount.
    annotations: &'static [&'static str],
    /// Whether it fails without them (GKE Workload Identity works without: the
    /// Kubernetes identity is then the principal, and phib's grant is not for it).
    required: bool,
}

const CLOUDS: [Cloud; 5] = [
    Cloud {
        generator: &aws::GENERATOR,
        annotations: &[aws::SERVICE_ACCOUNT_ANNOTATION],
        required: true,
    },
    Cloud {
        generator: &google::GENERATOR,
        annotations: &[google::SERVICE_ACCOUNT_ANNOTATION],
        required: false,
    },
    // ESO's ACR generator reads both, and fails on either missing.
    Cloud {
        generator: &azure::GENERATOR,
        annotations: &[azure::CLIENT_ID_ANNOTATION, azure::TENANT_ID_ANNOTATION],
        required: true,
    },
    Cloud {
        generator: &quay::GENERATOR,
        annotations: &[],
        required: true,
    },
    Cloud {
        generator: &github::GENERATOR,
        annotations: &[],
        required: true,
    },
];

pub(super) fn cloud(kind: &str) -> Option<&'static Cloud> {
    CLOUDS.iter().find(|c| c.generator.kind == kind)
}

/// What the links found, for the fix of an `ExternalSecret` that is not Ready.
#[derive(Default)]
pub(super) struct Found<'a> {
    pub(super) generator: Option<&'a GeneratorObject>,
    pub(super) service_account: Option<&'a ServiceAccountObject>,
    pub(super) store: Option<(&'a str, &'a str)>,
}

/// The namespace for commands, as the lines name it.
pub(super) fn ns(i: &Inputs) -> &str {
    super::namespace(i)
}

/// A missing object: a failure live (unless kubectl could not read it), a warning
/// offline (the bundle may lack it), with the command that adds it to the bundle.
fn missing(i: &Inputs, what: String, kind: &str, name: &str, live_fix: String) -> Finding {
    let resource = kubectl_resource(kind).unwrap_or_else(|| kind.to_ascii_lowercase());
    let get = format!("{resource} {name}");
    if let Some(u) = i.objects.unread.iter().find(|u| u.what == get) {
        return Finding::warn(
            Check::SecretSource,
            format!("{what} could not be read: {}", quote(&u.why, QUOTED)),
            format!(
                "let the doctor read it: `kubectl auth can-i get {resource} -n {}`",
                ns(i)
            ),
        );
    }
    if i.live {
        Finding::fail(
            Check::SecretSource,
            format!("{what} does not exist in namespace `{}`", ns(i)),
            live_fix,
        )
    } else {
        Finding::warn(
            Check::SecretSource,
            format!("{what} is not in the bundle: not checked"),
            format!(
                "add it: `{{ echo ---; kubectl -n {} get {get} -o yaml; }} >> BUNDLE`",
                ns(i)
            ),
        )
    }
}

/// The ServiceAccount link of a generator.
fn service_account_link<'a>(
    i: &'a Inputs,
    g: &GeneratorObject,
    sa: &str,
    found: &mut Found<'a>,
) -> Finding {
    let what = format!("{} `{}`", g.kind, g.name);
    let Some(obj) = i.objects.service_accounts.iter().find(|s| s.name == sa) else {
        return missing(
            i,
            format!("ServiceAccount `{sa}`, which {what} logs in as,"),
            "ServiceAccount",
            sa,
            "apply the ServiceAccount of the manifests `phib render ... --refresh external-secrets` wrote (`kubectl apply -f FILE`), with its cloud's annotation".into(),
        );
    };
    found.service_account = Some(obj);
    let cloud = cloud(&g.kind);
    let needed = cloud.map_or(&[][..], |c| c.annotations);
    let lacking: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|a| obj.annotations.get(*a).is_none_or(|v| v.is_empty()))
        .collect();
    let docs = cloud.map_or("docs/keyless/", |c| c.generator.docs);
    if !lacking.is_empty() {
        let list = lacking
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(" and ");
        let finding = format!(
            "ServiceAccount `{sa}`, which {what} logs in as, has no {list} annotation: the operator cannot take on the cloud identity"
        );
        let fix = format!(
            "annotate it: `kubectl -n {} annotate serviceaccount {sa} {}` (the identity the grant in {docs} is for)",
            ns(i),
            lacking
                .iter()
                .map(|a| format!("{a}=VALUE"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        return if cloud.is_some_and(|c| c.required) {
            Finding::fail(Check::SecretSource, finding, fix)
        } else {
            Finding::warn(Check::SecretSource, finding, fix)
        };
    }
    let shown: Vec<String> = needed
        .iter()
        .filter_map(|a| Some(format!("`{a}: {}`", obj.annotations.get(*a)?)))
        .collect();
    Finding::ok(
        Check::SecretSource,
        format!(
            "{what} logs in as ServiceAccount `{sa}`{}",
            if shown.is_empty() {
                String::new()
            } else {
                format!(" ({})", shown.join(", "))
            }
        ),
    )
}

/// The Secret (and key) a generator reads its key from.
fn secret_key_link(i: &Inputs, g: &GeneratorObject, name: &str, key: &str) -> Finding {
    let what = format!("{} `{}`", g.kind, g.name);
    let docs = cloud(&g.kind).map_or("docs/keyless/", |c| c.generator.docs);
    match i.objects.secret(name) {
        None => missing(
            i,
            format!("Secret `{name}`, which {what} reads its key from,"),
            "Secret",
            name,
            format!("create it with the key under `{key}` ({docs})"),
        ),
        Some(s) if !key.is_empty() && !s.data.contains_key(key) => Finding::fail(
            Check::SecretSource,
            format!("Secret `{name}` has no key `{key}`, which {what} reads"),
            format!("put the key under `{key}` in Secret `{name}` ({docs})"),
        ),
        Some(_) => Finding::ok(
            Check::SecretSource,
            format!("{what} reads its key from Secret `{name}`"),
        ),
    }
}

fn generator_link<'a>(i: &'a Inputs, kind: &str, name: &str, found: &mut Found<'a>) -> Finding {
    let Some(g) = i
        .objects
        .generators
        .iter()
        .find(|g| g.kind == kind && g.name == name)
    else {
        return missing(
            i,
            format!("the generator {kind} `{name}`"),
            kind,
            name,
            "apply the manifests `phib render ... --refresh external-secrets` wrote (`kubectl apply -f FILE`)".into(),
        );
    };
    found.generator = Some(g);
    let what = format!("{kind} `{name}`");
    match g.auth() {
        GeneratorAuth::ServiceAccount(sa) => service_account_link(i, g, &sa, found),
        GeneratorAuth::SecretKey { name, key } => secret_key_link(i, g, &name, &key),
        GeneratorAuth::Operator => Finding::ok(
            Check::SecretSource,
            format!("{what} logs in as the operator's own identity"),
        ),
        GeneratorAuth::ManagedIdentity => Finding::ok(
            Check::SecretSource,
            format!("{what} logs in as the nodes' managed identity"),
        ),
        GeneratorAuth::Other(how) => Finding::ok(
            Check::SecretSource,
            format!("{what} logs in through {how} (not followed further)"),
        ),
    }
}

fn store_link<'a>(i: &'a Inputs, kind: &'a str, name: &'a str, found: &mut Found<'a>) -> Finding {
    found.store = Some((kind, name));
    let Some(s): Option<&StoreObject> = i
        .objects
        .stores
        .iter()
        .find(|s| s.kind == kind && s.name == name)
    else {
        return missing(
            i,
            format!("{kind} `{name}`"),
            kind,
            name,
            format!(
                "create the store, or point the ExternalSecret at one that exists ({STORE_DOCS})"
            ),
        );
    };
    match &s.ready {
        Some(c) if c.is_true() => Finding::ok(
            Check::SecretSource,
            format!("{kind} `{name}` is Ready"),
        ),
        Some(c) => Finding::fail(
            Check::SecretSource,
            format!(
                "{kind} `{name}` is not Ready ({}{})",
                c.reason.as_deref().unwrap_or(&c.status),
                c.message
                    .as_deref()
                    .map(|m| format!(": {}", quote(m, QUOTED)))
                    .unwrap_or_default()
            ),
            format!("the store cannot reach or log in to its backend: fix the store's own access (its `spec.provider` auth), not the registry login ({STORE_DOCS})"),
        ),
        None => Finding::warn(
            Check::SecretSource,
            format!("{kind} `{name}` has no Ready condition: the operator has not checked it yet"),
            "check that the External Secrets Operator runs: `kubectl get pods -A -l app.kubernetes.io/name=external-secrets`",
        ),
    }
}

/// The latest warning the operator recorded about the `ExternalSecret` (the cause of
/// a failed sync is only there: the condition says "could not get secret data").
fn last_warning<'a>(i: &'a Inputs, es: &ExternalSecretObject) -> Option<&'a str> {
    i.objects
        .events
        .iter()
        .filter(|e| e.kind == "ExternalSecret" && e.name == es.name && e.type_ == "Warning")
        .max_by(|a, b| a.last.cmp(&b.last))
        .map(|e| e.message.as_str())
}

/// The page of the keyless set-up behind the push Secret `push`, if an
/// `ExternalSecret` makes it: its generator's cloud page, or the store page.
pub(super) fn keyless_docs(i: &Inputs, push: &str) -> Option<&'static str> {
    let es = i
        .objects
        .external_secrets
        .iter()
        .find(|e| e.target == push)?;
    es.sources.iter().find_map(|s| match s {
        Source::Generator { kind, .. } => cloud(kind).map(|c| c.generator.docs),
        Source::Store { .. } => Some(STORE_DOCS),
    })
}

/// Checks the links `es` reads from; returns whether one is broken.
fn sources<'a>(
    i: &'a Inputs,
    es: &'a ExternalSecretObject,
    found: &mut Found<'a>,
    out: &mut Vec<Finding>,
) -> bool {
    let mut broken = false;
    for source in &es.sources {
        let f = match source {
            Source::Generator { kind, name } => generator_link(i, kind, name, found),
            Source::Store { kind, name } => store_link(i, kind, name, found),
        };
        broken |= f.status == Status::Fail;
        out.push(f);
    }
    broken
}

/// The `ExternalSecret` when it is not Ready and no link says why.
fn not_ready(
    i: &Inputs,
    es: &ExternalSecretObject,
    secret: Option<&SecretObject>,
    found: &Found,
) -> Finding {
    let Some(c) = &es.ready else {
        return Finding::fail(
            Check::ExternalSecret,
            format!(
                "ExternalSecret `{}` has no status: the External Secrets Operator has not processed it",
                es.name
            ),
            "check that the operator runs and serves this namespace: `kubectl get pods -A -l app.kubernetes.io/name=external-secrets`",
        );
    };
    let cause = last_warning(i, es);
    let state = format!(
        "Ready is {} ({}{})",
        c.status,
        c.reason.as_deref().unwrap_or("no reason"),
        c.message
            .as_deref()
            .map(|m| format!(": {}", quote(m, QUOTED)))
            .unwrap_or_default()
    );
    let cause_text = cause
        .map(|m| format!("; the operator says: {}", quote(fix::cause(m), QUOTED)))
        .unwrap_or_default();
    let effect = match (secret, &es.refresh_time) {
        (None, _) if i.live => {
            "; the push Secret does not exist, so builds cannot start".to_string()
        }
        (None, _) => String::new(),
        (Some(_), Some(t)) => {
            format!("; the push Secret keeps the login written at {t}, which expires")
        }
        (Some(_), None) => "; the push Secret keeps an older login, which expires".to_string(),
    };
    Finding::fail(
        Check::ExternalSecret,
        format!(
            "ExternalSecret `{}` cannot make the push Secret `{}`: {state}{cause_text}{effect}",
            es.name, es.target
        ),
        fix::fix_for(i, es, found, cause.or(c.message.as_deref()).unwrap_or("")),
    )
}

/// The chain behind the push Secret `push`; returns whether it says why that Secret is
/// missing (so the push-secret check adds nothing when it is).
pub(super) fn chain(i: &Inputs, push: &str, out: &mut Vec<Finding>) -> bool {
    let secret = i.objects.secret(push);
    let Some(es) = i.objects.external_secrets.iter().find(|e| e.target == push) else {
        // Offline, the Secret may name the ExternalSecret that owns it.
        if let Some(owner) = secret.and_then(|s| s.owner_external_secret.as_deref()) {
            if !i.live {
                out.push(Finding::warn(
                    Check::ExternalSecret,
                    format!("the push Secret `{push}` is made by ExternalSecret `{owner}`, which is not in the bundle: not checked"),
                    format!("add it: `{{ echo ---; kubectl -n {} get externalsecret.external-secrets.io {owner} -o yaml; }} >> BUNDLE`", ns(i)),
                ));
            }
        }
        return false;
    };
    let mut found = Found::default();
    let mut links = Vec::new();
    let broken = sources(i, es, &mut found, &mut links);
    let ready = es.ready.as_ref().is_some_and(|c| c.is_true());
    let when = es
        .refresh_time
        .as_deref()
        .map(|t| format!(", last written at {t}"))
        .unwrap_or_default();
    let every = es
        .refresh_interval
        .as_deref()
        .map(|t| format!(", renewed every {t}"))
        .unwrap_or_default();
    match (ready, secret) {
        (true, Some(_)) => out.push(Finding::ok(
            Check::ExternalSecret,
            format!("ExternalSecret `{}` makes the push Secret `{push}`: Ready{when}{every}", es.name),
        )),
        (true, None) if !i.live => out.push(Finding::warn(
            Check::ExternalSecret,
            format!("ExternalSecret `{}` (Ready) makes the push Secret `{push}`, which is not in the bundle: not checked", es.name),
            format!("add it: `{{ echo ---; kubectl -n {} get secret {push} -o yaml; }} >> BUNDLE`", ns(i)),
        )),
        (true, None) => out.push(Finding::fail(
            Check::ExternalSecret,
            format!("ExternalSecret `{}` is Ready{when}, but the push Secret `{push}` does not exist: builds cannot start", es.name),
            format!("make the operator write it again: `kubectl -n {} annotate externalsecret {} force-sync=$(date +%s) --overwrite`", ns(i), es.name),
        )),
        // A broken link says why; the ExternalSecret's own line would say it twice.
        (false, _) if broken => {}
        (false, _) => out.push(not_ready(i, es, secret, &found)),
    }
    out.extend(links);
    secret.is_none()
}
