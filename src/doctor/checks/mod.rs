//! The doctor's checks, pure functions of [`Inputs`], one file per group: the chart
//! version and the keys it reads (`chart`), the block's place, endpoint and push target
//! (`block`), the push Secret's name and login (`secret`), `buildJob.resources`
//! (`resources`), the password's copies (`leaks`) and the Images' pull Secrets
//! (`images`). Each adds its findings in the checklist's order; a check that another
//! one's failure explains adds nothing (the checklist names each fault once). Chart
//! rules come from [`crate::chart`], registry rules from [`crate::registry::check`]
//! and the credential lookup buildah does from [`crate::verify::dockerconfig`].

mod block;
mod chart;
mod images;
mod leaks;
mod resources;
mod secret;

use serde_yaml::{Mapping, Value};

use super::{Diagnosis, Inputs};
use crate::chart::{Breaks, ChartValues};
use crate::secret::Redactor;
use crate::values::model::BLOCK_KEY;

pub use secret::controller_config;

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
    let explained = names.explains_push_secret
        || breaks
            .iter()
            .any(|b| matches!(b, Breaks::NeedsEeMode { .. }) && names.is_charts);
    if !explained {
        d.push_login = secret::push_secret(i, &ci, &names.effective, &mut d.findings);
    }
    if let Some(login) = &d.push_login {
        d.redactor
            .add_login(&login.username, login.password.expose());
    }
    resources::build_resources(block, &mut d.findings);
    let found = leaks::leaks(i, &ci, &names, d.push_login.as_ref());
    d.findings.extend(found);
    images::images(i, &mut d);
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
