//! `buildJob.resources`: the quantities the controller parses at start, where one it
//! cannot parse (or a missing one in a section that is set) makes it panic.

use serde_yaml::{Mapping, Value};

use crate::chart;
use crate::doctor::quantity::is_quantity;
use crate::doctor::{Check, Finding};

pub(super) fn build_resources(block: &Mapping, out: &mut Vec<Finding>) {
    let resources = block.get("buildJob").and_then(|b| b.get("resources"));
    let Some(resources) = resources.filter(|r| !r.is_null()) else {
        out.push(Finding::ok(
            Check::BuildResources,
            "`buildJob.resources` is not set (the controller's defaults)",
        ));
        return;
    };
    let mut problems = Vec::new();
    for section in chart::BUILD_JOB_RESOURCE_SECTIONS {
        let Some(s) = resources.get(section).filter(|s| !s.is_null()) else {
            continue;
        };
        if !s.is_mapping() {
            problems.push(format!("`{section}` is not a mapping"));
            continue;
        }
        for key in chart::BUILD_JOB_RESOURCE_KEYS {
            match s.get(key) {
                None | Some(Value::Null) => problems.push(format!("`{section}.{key}` is missing")),
                Some(Value::String(q)) if is_quantity(q) => {}
                Some(Value::Number(n)) if is_quantity(&n.to_string()) => {}
                Some(Value::String(q)) => {
                    problems.push(format!("`{section}.{key}` (`{q}`) is not a quantity"))
                }
                Some(_) => problems.push(format!("`{section}.{key}` is not a quantity")),
            }
        }
    }
    if problems.is_empty() {
        out.push(Finding::ok(
            Check::BuildResources,
            "`buildJob.resources` sets both `cpu` and `memory` as quantities",
        ));
    } else {
        out.push(Finding::fail(
            Check::BuildResources,
            format!(
                "the controller panics at start on `customImage.buildJob.resources`: {}",
                problems.join(", ")
            ),
            "set both `cpu` and `memory` in each of `requests` and `limits` you set, as quantities like `500m` and `2Gi`",
        ));
    }
}
