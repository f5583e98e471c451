//! The words around an upgrade: what the plan will do before it runs (secrets
//! redacted), and what happens next after it ran. Shared by `phib upgrade` and the
//! wizard, so both say the same.

use super::plan::{Change, Plan, ValuesArg, VersionSource};
use crate::secret::redact_document as redact;
use crate::term::shell_quote;

/// What `plan` will do: release, chart version and why, which keys change, and the
/// values passed to helm with secrets as `<redacted>`.
pub fn describe(plan: &Plan) -> String {
    let mut out = String::new();
    let file = plan.source.display();
    match &plan.deployed_chart {
        None => out.push_str(&format!(
            "no release `{}` in namespace `{}`: installing PrimeHub with the whole `{file}`\n",
            plan.release, plan.namespace
        )),
        Some(chart) => out.push_str(&format!(
            "release `{}` in namespace `{}` runs chart `{chart}`\n",
            plan.release, plan.namespace
        )),
    }
    let version = plan.version.as_deref().unwrap_or("the newest");
    let why = match plan.version_source {
        VersionSource::Given => "as given with `--version`",
        VersionSource::Deployed => "pinned to the deployed version",
        VersionSource::Newest => "no `--version` given",
    };
    out.push_str(&format!(
        "chart `{}` version {version} ({why})\n",
        plan.chart
    ));
    let ValuesArg::Temp(content) = &plan.values else {
        return out;
    };
    if !plan.changes.is_empty() {
        out.push_str("changes to `customImage` in the release:\n");
        for (key, change) in &plan.changes {
            let word = match change {
                Change::Added => "added",
                Change::Changed => "changed",
                Change::Removed => "removed",
                Change::Unchanged => "unchanged",
            };
            out.push_str(&format!("  {key}: {word}\n"));
        }
    }
    // The content is JSON phib wrote itself; should it ever not parse, show nothing of it.
    let shown = serde_json::from_str::<serde_json::Value>(content.expose())
        .ok()
        .and_then(|mut v| {
            redact(&mut v);
            serde_json::to_string_pretty(&v).ok()
        })
        .unwrap_or_else(|| "(not shown)".into());
    out.push_str(&format!(
        "values passed to helm with `--reuse-values` (secrets redacted):\n{shown}\n"
    ));
    if !plan.ignored_keys.is_empty() {
        out.push_str(&format!(
            "note: only `customImage` is applied; the other keys in `{file}` ({}) are left as the release has them\n",
            plan.ignored_keys.join(", ")
        ));
    }
    out
}

/// What happens after a successful run, and the next command to run.
pub fn next_steps(plan: &Plan) -> String {
    let what = if plan.install {
        format!(
            "PrimeHub is being installed in namespace `{ns}`; follow it with `kubectl get pods -n {ns}`.",
            ns = plan.namespace
        )
    } else {
        "done: PrimeHub's controller restarts by itself with the new configuration, and image builds started from now on use the new registry settings.".to_string()
    };
    format!(
        "{what}\nnext: check the registry credentials and push rights with `phib verify --values {}`\n",
        shell_quote(&plan.source.display().to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::plan::{plan_upgrade, ReleaseInfo, UpgradeOptions};
    use std::path::PathBuf;

    #[test]
    fn description_names_the_pin_and_hides_the_password() {
        let opts = UpgradeOptions {
            values_path: PathBuf::from("my values.yaml"),
            release: "primehub".into(),
            namespace: "hub".into(),
            chart: "infuseai/primehub".into(),
            version: None,
            install: false,
        };
        let release = ReleaseInfo {
            name: "primehub".into(),
            namespace: "hub".into(),
            chart: "primehub-v4.1.0".into(),
            status: "deployed".into(),
        };
        let text = "x: 1\ncustomImage:\n  registryEndpoint: r.io\n  registryPassword: \"pw-123\"\n";
        let plan = plan_upgrade(text, Some(&release), None, &opts).unwrap();
        let d = describe(&plan);
        assert!(d.contains("runs chart `primehub-v4.1.0`"), "{d}");
        assert!(
            d.contains("version v4.1.0 (pinned to the deployed version)"),
            "{d}"
        );
        assert!(d.contains("\"registryPassword\": \"<redacted>\""), "{d}");
        assert!(d.contains("(x) are left"), "{d}");
        assert!(!d.contains("pw-123"), "{d}");
        assert!(next_steps(&plan).contains("phib verify --values 'my values.yaml'"));
    }
}
