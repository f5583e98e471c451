//! `buildJob.resources`: the quantities the controller parses at start, where one it
//! cannot parse (or a missing one in a section that is set) makes it panic. Judged on
//! what the controller reads: the block in its ConfigMap, where helm has merged the
//! chart's defaults, so `requests.cpu` alone in the values is complete there.

use serde_yaml::{Mapping, Value};

use super::controller_config;
use crate::chart;
use crate::doctor::quantity::is_quantity;
use crate::doctor::{Check, Finding, Inputs};

/// `over` merged into `base` as helm merges values: maps key by key, `null` removes.
fn merge(base: &mut Mapping, over: &Mapping) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (_, Value::Null) => {
                base.remove(k);
            }
            (Some(Value::Mapping(b)), Value::Mapping(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The chart's defaults with the values' `buildJob.resources` merged over them.
fn with_chart_defaults(block: &Mapping) -> Option<Value> {
    let mut base = Mapping::new();
    for (section, key, quantity) in chart::BUILD_JOB_RESOURCE_DEFAULTS {
        let s = base
            .entry(section.into())
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if let Value::Mapping(s) = s {
            s.insert(key.into(), quantity.into());
        }
    }
    let Some(build_job) = block.get("buildJob") else {
        return Some(Value::Mapping(base));
    };
    match build_job.get("resources") {
        None if build_job.is_mapping() => Some(Value::Mapping(base)),
        None | Some(Value::Null) => None,
        Some(Value::Mapping(over)) => {
            merge(&mut base, over);
            Some(Value::Mapping(base))
        }
        Some(other) => Some(other.clone()),
    }
}

/// `buildJob.resources` as the controller reads it, and where that was read.
fn as_read(i: &Inputs, block: &Mapping) -> (Option<Value>, String) {
    match controller_config(&i.objects) {
        Some((name, b)) => (
            b.get("buildJob")
                .and_then(|j| j.get("resources"))
                .filter(|r| !r.is_null())
                .cloned(),
            format!("the controller ConfigMap `{name}`"),
        ),
        None => (
            with_chart_defaults(block),
            format!("{} with the chart's defaults", i.values_source),
        ),
    }
}

/// What is wrong with one section (`requests`, `limits`).
fn section_problems(section: &str, s: &Value, problems: &mut Vec<String>) {
    if !s.is_mapping() {
        problems.push(format!("`{section}` is not a mapping"));
        return;
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

pub(super) fn build_resources(i: &Inputs, block: &Mapping, out: &mut Vec<Finding>) {
    let (resources, source) = as_read(i, block);
    let Some(resources) = resources else {
        out.push(Finding::ok(
            Check::BuildResources,
            format!("`buildJob.resources` is not set in {source} (build pods get no requests or limits)"),
        ));
        return;
    };
    let mut problems = Vec::new();
    for section in chart::BUILD_JOB_RESOURCE_SECTIONS {
        if let Some(s) = resources.get(section).filter(|s| !s.is_null()) {
            section_problems(section, s, &mut problems);
        }
    }
    if problems.is_empty() {
        out.push(Finding::ok(
            Check::BuildResources,
            format!("`buildJob.resources` in {source} sets both `cpu` and `memory` as quantities"),
        ));
    } else {
        out.push(Finding::fail(
            Check::BuildResources,
            format!(
                "the controller panics at start on `customImage.buildJob.resources` as {source} holds it: {}",
                problems.join(", ")
            ),
            "set both `cpu` and `memory` in each of `requests` and `limits` you set, as quantities like `500m` and `2Gi` (a `null` in the values removes the chart's default), then `phib upgrade`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(yaml: &str) -> Mapping {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn the_values_are_merged_over_the_charts_defaults_as_helm_does() {
        let r = with_chart_defaults(&block(
            "buildJob:\n  resources:\n    requests:\n      cpu: 1\n",
        ))
        .unwrap();
        assert_eq!(r["requests"]["cpu"], Value::from(1));
        assert_eq!(r["requests"]["memory"], Value::from("100Mi"));
        assert_eq!(r["limits"]["memory"], Value::from("1500Mi"));
        let r = with_chart_defaults(&block(
            "buildJob:\n  resources:\n    requests:\n      memory: null\n",
        ))
        .unwrap();
        assert!(r["requests"].get("memory").is_none());
        assert_eq!(
            with_chart_defaults(&block("buildJob:\n  resources: null\n")),
            None
        );
        assert!(with_chart_defaults(&block("registryEndpoint: x\n")).is_some());
    }
}
