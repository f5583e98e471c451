//! The SealedSecret behind the push Secret: the sealed-secrets controller turns it into
//! the Secret of the same name, and says how that went in its `Synced` condition (the
//! error as the message when it failed) and its events. The two faults it names are
//! the ones a sealed push Secret meets: a SealedSecret the controller's keys cannot
//! open (sealed for another cluster, or moved where its scope does not allow), and a
//! Secret of that name made elsewhere, which the controller does not overwrite.

use super::quote;
use crate::doctor::objects::{SealedSecretObject, SecretObject};
use crate::doctor::{Check, Finding, Inputs};
use crate::pushsecret::sealed::{MANAGED_ANNOTATION, RESOURCE};

/// How much of a message from the cluster a line quotes.
const QUOTED: usize = 400;

/// The controller's pods, as its Helm chart labels them.
const CONTROLLER_PODS: &str = "kubectl get pods -A -l app.kubernetes.io/name=sealed-secrets";

/// The latest warning the controller recorded about the SealedSecret `name`
/// (`ErrUnsealFailed`, `ErrUpdateFailed`).
fn last_warning<'a>(i: &'a Inputs, name: &str) -> Option<&'a str> {
    i.objects
        .events
        .iter()
        .filter(|e| e.kind == "SealedSecret" && e.name == name && e.type_ == "Warning")
        .max_by(|a, b| a.last.cmp(&b.last))
        .map(|e| e.message.as_str())
}

/// What to do about the controller's error `why`.
fn fix_for(i: &Inputs, ss: &SealedSecretObject, why: &str) -> String {
    let ns = super::namespace(i);
    let name = &ss.name;
    if why.contains("no key could decrypt") {
        return format!(
            "the controller's keys cannot open it: it was sealed with another controller's certificate (another cluster, or before the controller's key was replaced), or moved to a name or namespace its scope ({}) does not allow; seal it again with this cluster's certificate: `phib render --rotate --secret-mode sealed --secret-out FILE` (without `--sealing-cert` phib fetches it with kubectl), then commit or apply FILE",
            ss.scope.name()
        );
    }
    if why.contains("not managed by SealedSecret") {
        return format!(
            "a Secret `{name}` made elsewhere (`kubectl apply` of external mode, say) is in the way, and the controller does not overwrite it: let it take over with `kubectl -n {ns} annotate secret {name} {MANAGED_ANNOTATION}=true`, or delete that Secret"
        );
    }
    format!("see why with `kubectl -n {ns} describe sealedsecret {name}` and the controller's log ({CONTROLLER_PODS})")
}

/// The push Secret's SealedSecret when it is not Synced.
fn not_synced(i: &Inputs, ss: &SealedSecretObject, secret: Option<&SecretObject>) -> Finding {
    let Some(c) = &ss.synced else {
        return Finding::fail(
            Check::SealedSecret,
            format!(
                "SealedSecret `{}` has no status and the push Secret does not exist: the sealed-secrets controller has not handled it",
                ss.name
            ),
            format!("check that the controller runs and serves this namespace: `{CONTROLLER_PODS}`"),
        );
    };
    let cause = last_warning(i, &ss.name);
    let state = format!(
        "Synced is {}{}",
        c.status,
        c.message
            .as_deref()
            .map(|m| format!(" ({})", quote(m, QUOTED)))
            .unwrap_or_default()
    );
    let cause_text = cause
        .filter(|m| Some(*m) != c.message.as_deref())
        .map(|m| format!("; the controller says: {}", quote(m, QUOTED)))
        .unwrap_or_default();
    let effect = match secret {
        None if i.live => "; the push Secret does not exist, so builds cannot start",
        None => "",
        Some(_) => "; the push Secret keeps an older login",
    };
    let why = format!(
        "{} {}",
        c.message.as_deref().unwrap_or_default(),
        cause.unwrap_or_default()
    );
    Finding::fail(
        Check::SealedSecret,
        format!(
            "SealedSecret `{}` cannot make the push Secret `{}`: {state}{cause_text}{effect}",
            ss.name, ss.name
        ),
        fix_for(i, ss, &why),
    )
}

/// The SealedSecret behind the push Secret `push`; returns whether it says why that
/// Secret is missing (so the push-secret check adds nothing when it is).
pub(super) fn chain(i: &Inputs, push: &str, out: &mut Vec<Finding>) -> bool {
    let secret = i.objects.secret(push);
    let ns = super::namespace(i);
    let Some(ss) = i.objects.sealed_secrets.iter().find(|s| s.name == push) else {
        // Offline, the Secret may name the SealedSecret that owns it.
        if let Some(owner) = secret.and_then(|s| s.owner_sealed_secret.as_deref()) {
            if !i.live {
                out.push(Finding::warn(
                    Check::SealedSecret,
                    format!("the push Secret `{push}` is made by SealedSecret `{owner}`, which is not in the bundle: not checked"),
                    format!("add it: `{{ echo ---; kubectl -n {ns} get {RESOURCE} {owner} -o yaml; }} >> BUNDLE`"),
                ));
            }
        }
        return false;
    };
    let synced = ss.synced.as_ref().map(|c| c.is_true());
    let what = format!("SealedSecret `{}` (scope {})", ss.name, ss.scope.name());
    match (synced, secret) {
        (Some(true), Some(_)) => out.push(Finding::ok(
            Check::SealedSecret,
            format!("{what} makes the push Secret `{push}`: Synced"),
        )),
        // Controllers that write no status: the Secret it owns says it worked.
        (None, Some(s)) if s.owner_sealed_secret.as_deref() == Some(push) => out.push(Finding::ok(
            Check::SealedSecret,
            format!("{what} makes the push Secret `{push}` (the controller writes no status)"),
        )),
        (Some(true) | None, None) if !i.live => out.push(Finding::warn(
            Check::SealedSecret,
            format!(
                "{what}{} makes the push Secret `{push}`, which is not in the bundle: not checked",
                if synced.is_some() { " (Synced)" } else { " (no status yet)" }
            ),
            format!("add it: `{{ echo ---; kubectl -n {ns} get secret {push} -o yaml; }} >> BUNDLE`"),
        )),
        (Some(true), None) => out.push(Finding::fail(
            Check::SealedSecret,
            format!("{what} is Synced, but the push Secret `{push}` does not exist: builds cannot start"),
            format!("have the controller write it again: apply the SealedSecret anew (`kubectl -n {ns} delete {RESOURCE} {push}`, then `kubectl apply -f FILE`, or let Argo CD, Flux or helmfile sync it)"),
        )),
        (None, Some(_)) => out.push(Finding::warn(
            Check::SealedSecret,
            format!("{what} has no status, and the push Secret `{push}` is not one the controller made from it: it may hold another login"),
            format!("check that the controller runs (`{CONTROLLER_PODS}`); a Secret made elsewhere stays in its way until annotated `{MANAGED_ANNOTATION}=true` or deleted"),
        )),
        (Some(false), _) | (None, None) => out.push(not_synced(i, ss, secret)),
    }
    secret.is_none()
}
