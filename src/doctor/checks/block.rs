//! Where the block is and what it says: `customImage` at the top level of the values,
//! a well-formed `registryEndpoint`, and where builds push to.

use serde_yaml::{Mapping, Value};

use super::text;
use crate::chart::{self, Breaks};
use crate::doctor::{Check, Finding, Inputs};
use crate::registry::check;
use crate::values::model::{CustomImage, BLOCK_KEY};

/// `configured` = a mapping with a non-empty `registryEndpoint`.
fn configured(v: &Value) -> bool {
    v.get("registryEndpoint")
        .and_then(Value::as_str)
        .is_some_and(|s| !s.is_empty())
}

/// Every `customImage` key below the top level, as dotted paths.
fn nested_blocks(v: &Value, path: &str, depth: usize, out: &mut Vec<(String, bool)>) {
    let Value::Mapping(m) = v else {
        return;
    };
    if depth > 8 {
        return;
    }
    for (k, child) in m {
        let Some(k) = k.as_str() else { continue };
        let here = if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        };
        if depth == 0 && k == BLOCK_KEY {
            continue;
        }
        if depth > 0 && k == BLOCK_KEY {
            out.push((here.clone(), configured(child)));
        }
        nested_blocks(child, &here, depth + 1, out);
    }
}

/// The top-level block, when the checks can go on with it.
pub(super) fn block_place<'a>(i: &'a Inputs, out: &mut Vec<Finding>) -> Option<&'a Mapping> {
    let mut nested = Vec::new();
    nested_blocks(&i.values, "", 0, &mut nested);
    let top = i.values.get(BLOCK_KEY);
    let top_ok = top.is_some_and(configured);
    if top.is_some_and(|t| !t.is_null() && !t.is_mapping()) {
        out.push(Finding::fail(
            Check::BlockPlace,
            format!("`customImage` in {} is not a mapping", i.values_source),
            "make `customImage:` a block of `key: value` lines",
        ));
        return None;
    }
    let paths = |only_configured: bool| {
        nested
            .iter()
            .filter(|(_, c)| !only_configured || *c)
            .map(|(p, _)| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !top_ok && nested.iter().any(|(_, c)| *c) {
        let first = nested.iter().find(|(_, c)| *c).map(|(p, _)| p.as_str());
        let parent = first
            .and_then(|p| p.rsplit_once('.'))
            .map_or("", |(parent, _)| parent);
        out.push(Finding::fail(
            Check::BlockPlace,
            format!(
                "the image builder settings are under `{parent}:` ({}): the chart reads only a top-level `customImage`, so the image builder is off",
                paths(true)
            ),
            "move the block to the top level of the values (`customImage:` with no indentation), then `phib upgrade`",
        ));
        return None;
    }
    if top_ok && !nested.is_empty() {
        out.push(Finding::warn(
            Check::BlockPlace,
            format!(
                "{} {} ignored: the chart reads only the top-level `customImage`",
                paths(false),
                if nested.len() == 1 { "is" } else { "are" }
            ),
            "remove the nested block so nobody edits it by mistake",
        ));
    } else if top_ok {
        out.push(Finding::ok(
            Check::BlockPlace,
            format!("`customImage` is at the top level of {}", i.values_source),
        ));
    }
    match top {
        Some(Value::Mapping(m)) => Some(m),
        _ => {
            out.push(Finding::fail(
                Check::RegistryEndpoint,
                format!(
                    "{} has no `customImage` block: the image builder is off",
                    i.values_source
                ),
                "write it with `phib render --registry KIND ...` (or `phib wizard`), then `phib upgrade`",
            ));
            None
        }
    }
}

pub(super) fn registry_endpoint(i: &Inputs, out: &mut Vec<Finding>) -> Option<CustomImage> {
    let ci = match CustomImage::from_values(&i.values) {
        Ok(Some(ci)) if !ci.registry_endpoint.is_empty() => ci,
        Ok(_) => {
            out.push(Finding::fail(
                Check::RegistryEndpoint,
                "`customImage.registryEndpoint` is not set: the chart renders no push Secret and the console hides \"Build Custom Image\"",
                "set it with `phib render --registry KIND ...` (or `phib wizard`), then `phib upgrade`",
            ));
            return None;
        }
        Err(e) => {
            out.push(Finding::fail(
                Check::RegistryEndpoint,
                e.message,
                e.help
                    .unwrap_or_else(|| "rewrite the block with `phib render`".into()),
            ));
            return None;
        }
    };
    match check::endpoint(&ci.registry_endpoint) {
        Ok(()) => out.push(Finding::ok(
            Check::RegistryEndpoint,
            format!("`registryEndpoint` is `{}`", ci.registry_endpoint),
        )),
        Err(bad) => out.push(Finding::fail(
            Check::RegistryEndpoint,
            format!("`customImage.registryEndpoint` {}", bad.reason),
            bad.help,
        )),
    }
    Some(ci)
}

pub(super) fn push_target(i: &Inputs, block: &Mapping, breaks: &[Breaks], out: &mut Vec<Finding>) {
    if breaks.contains(&Breaks::PushRepoIgnored) {
        return;
    }
    let (repo, prefix) = (text(block, "pushRepo"), text(block, "pushRepoPrefix"));
    let target = chart::target_image(&i.version, repo, prefix, "<image>", "<hash>");
    if repo.is_none() && prefix.is_none() {
        out.push(Finding::fail(
            Check::PushTarget,
            format!(
                "neither `pushRepo` nor `pushRepoPrefix` is set: builds push to `{target}`, Docker Hub's official images, where no login can write"
            ),
            "set `pushRepoPrefix` (`phib render --push-repo-prefix PREFIX`), then `phib upgrade`",
        ));
    } else {
        out.push(Finding::ok(
            Check::PushTarget,
            format!("builds push to `{target}`"),
        ));
    }
}
