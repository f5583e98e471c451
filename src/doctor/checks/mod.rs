//! The doctor's checks, pure functions of [`Inputs`], one file per group: the chart
//! version and the keys it reads (`chart`), the block's place, endpoint and push target
//! (`block`), the push Secret's name and login (`secret`), the External Secrets chain
//! that makes it (`external`), or the SealedSecret (`sealed`), `buildJob.resources` (`resources`), the password's
//! copies (`leaks`), the Images' pull Secrets (`images`), and the builds: the
//! controller pod, Pod Security, the failed `ImageSpecJob`s (`build`). Each adds its findings in the checklist's order; a check that another
//! one's failure explains adds nothing (the checklist names each fault once). Chart
//! rules come from [`crate::chart`], registry rules from [`crate::registry::check`]
//! and the credential lookup buildah does from [`crate::verify::dockerconfig`].

mod block;
mod build;
mod chart;
mod external;
mod images;
mod leaks;
mod resources;
mod sealed;
mod secret;

use serde_yaml::{Mapping, Value};

use super::{Check, Diagnosis, Inputs, Status};
use crate::chart::{Breaks, ChartValues};
use crate::secret::Redactor;
use crate::values::model::BLOCK_KEY;

pub use secret::{controller_config, push_secret_name};

/// The builds since the last success whose pods the live form reads (their events and
/// log), newest first.
pub fn builds_to_follow(
    objects: &super::objects::Objects,
) -> Vec<&super::objects::ImageSpecJobObject> {
    build::to_follow(objects)
}

/// Runs every check.
pub fn run(i: &Inputs) -> Diagnosis {
    let mut d = Diagnosis {
        findings: Vec::new(),
        custom_image: None,
        push_login: None,
        redactor: Redactor::new(),
    };
    // Whatever the block holds under a secret key, now and in earlier revisions, stays
    // hidden in the report, even if a check quoted it by mistake. (Only the block: the
    // rest of PrimeHub's values has secrets as common as `password`, which would blank
    // the same word out of every line.)
    for doc in std::iter::once(&i.values).chain(i.history.iter().flatten().map(|r| &r.values)) {
        if let Some(block) = doc.get(BLOCK_KEY) {
            if let Ok(json) = serde_json::to_value(block) {
                d.redactor
                    .add_document(&serde_json::json!({ BLOCK_KEY: json }));
            }
        }
    }
    chart::chart_version(i, &mut d.findings);
    let Some(block) = block::block_place(i, &mut d.findings) else {
        return d;
    };
    let Some(ci) = block::registry_endpoint(i, &mut d.findings) else {
        return d;
    };
    if let (Some(u), Some(p)) = (&ci.registry_username, &ci.registry_password) {
        d.redactor.add_login(u, p.expose());
    } else if let Some(p) = &ci.registry_password {
        d.redactor.add(p.expose());
    }
    let breaks = chart::chart_keys(i, block, &mut d.findings);
    chart::stale_keys(i, block, &breaks, &mut d.findings);
    block::push_target(i, block, &breaks, &mut d.findings);
    let names = secret::secret_name(i, &ci, &mut d.findings);
    let mut explained = names.explains_push_secret
        || breaks
            .iter()
            .any(|b| matches!(b, Breaks::NeedsEeMode { .. }) && names.is_charts);
    if !explained {
        explained = external::chain(i, &names.effective, &mut d.findings)
            || sealed::chain(i, &names.effective, &mut d.findings);
    }
    if !explained {
        d.push_login = secret::push_secret(i, &ci, &names.effective, &mut d.findings);
    }
    if let Some(login) = &d.push_login {
        d.redactor
            .add_login(&login.username, login.password.expose());
    }
    resources::build_resources(i, block, &mut d.findings);
    let found = leaks::leaks(i, &ci, &names, d.push_login.as_ref());
    d.findings.extend(found);
    images::images(i, &mut d);
    hide_docker_logins(i, &mut d.redactor);
    let config_fault = d.findings.iter().any(|f| {
        f.status == Status::Fail && matches!(f.check, Check::SecretName | Check::BuildResources)
    });
    build::controller(i, config_fault, &mut d.findings);
    let refused = build::pod_security(i, &mut d.findings);
    let keyless = external::keyless_docs(i, &names.effective);
    build::builds(i, refused, keyless, &mut d.findings);
    d.custom_image = Some(ci);
    d
}

/// A string value of the block, `None` when unset or empty.
pub(super) fn text<'a>(block: &'a Mapping, key: &str) -> Option<&'a str> {
    block
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

pub(super) fn chart_values(i: &Inputs) -> Option<ChartValues> {
    i.whole_values.then(|| ChartValues::from_values(&i.values))
}

/// The namespace for the commands a finding prints: the one checked, else the one the
/// bundle's objects name.
pub(super) fn namespace(i: &Inputs) -> &str {
    i.namespace
        .as_deref()
        .or(i.objects.namespace.as_deref())
        .unwrap_or("NAMESPACE")
}

/// Passwords shorter than this are not hidden in the cluster's text: too short to tell
/// from ordinary words, they would blank those out.
const MIN_HIDDEN_LEN: usize = 6;

/// Every login of every docker config Secret the checks saw (pull Secrets too) stays
/// hidden in what the report quotes from the cluster (events, log lines).
fn hide_docker_logins(i: &Inputs, r: &mut Redactor) {
    for s in &i.objects.secrets {
        let Some(Some(config)) = s.data.get(super::objects::DOCKERCONFIGJSON_KEY) else {
            continue;
        };
        let Ok(doc) = serde_json::from_slice::<serde_json::Value>(config) else {
            continue;
        };
        let hosts = doc.get("auths").and_then(|a| a.as_object());
        for host in hosts.into_iter().flat_map(|a| a.keys()) {
            let host = crate::registry::check::normalize_auth_key(host);
            if let Ok(login) = crate::verify::dockerconfig::pick(config, &host, "") {
                if login.password.expose().chars().count() >= MIN_HIDDEN_LEN {
                    r.add_login(&login.username, login.password.expose());
                }
            }
        }
    }
}

/// Text the cluster wrote (a condition's message, an event, a log line), fit for one
/// line of the checklist: a URL's password hidden, runs of white space as one space, at
/// most `max` characters. The report then hides every password the checks know, and the
/// terminal gate escapes control characters.
pub(super) fn quote(text: &str, max: usize) -> String {
    let text = crate::secret::hide_url_passwords(text);
    let shown = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if shown.chars().count() <= max {
        return shown;
    }
    let cut: String = shown.chars().take(max).collect();
    format!("{cut}…")
}
