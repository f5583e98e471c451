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
        None => say(
            &mut out,
            &format!(
                "no release `{}` in namespace `{}`: installing PrimeHub with the whole `{file}`",
                plan.release, plan.namespace
            ),
        ),
        Some(chart) => say(
            &mut out,
            &format!(
                "release `{}` in namespace `{}` runs chart `{chart}`",
                plan.release, plan.namespace
            ),
        ),
    }
    let version = plan.version.as_deref().unwrap_or("the newest");
    let why = match plan.version_source {
        VersionSource::Given => "as given with `--version`",
        VersionSource::Deployed => "pinned to the deployed version",
        VersionSource::Newest => "no `--version` given",
    };
    say(
        &mut out,
        &format!("chart `{}` version {version} ({why})", plan.chart),
    );
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
        say(
            &mut out,
            &format!(
                "note: only `customImage` is applied; the other keys in `{file}` ({}) are left as the release has them",
                plan.ignored_keys.join(", ")
            ),
        );
    }
    out
}

/// What happens after a successful run, and the next command to run.
pub fn next_steps(plan: &Plan) -> String {
    let mut out = String::new();
    // A command goes on a line of its own, whole, to copy.
    if plan.install {
        say(
            &mut out,
            &format!(
                "PrimeHub is being installed in namespace `{}`; follow it with:",
                plan.namespace
            ),
        );
        out.push_str(&format!(
            "  kubectl get pods -n {}\n",
            shell_quote(&plan.namespace)
        ));
    } else {
        say(&mut out, "done: PrimeHub's controller restarts by itself with the new configuration, and image builds started from now on use the new registry settings.");
    }
    say(
        &mut out,
        "next: check the registry credentials and push rights with:",
    );
    out.push_str(&format!(
        "  phib verify --values {}\n",
        shell_quote(&plan.source.display().to_string())
    ));
    out
}

/// The widest line of the words around an upgrade, for an 80-column terminal.
const WIDTH: usize = 80;

/// Adds `text` to `out` as lines that fit [`WIDTH`], continued two spaces in.
fn say(out: &mut String, text: &str) {
    let options = textwrap::Options::new(WIDTH)
        .subsequent_indent("  ")
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    for line in textwrap::wrap(text, options) {
        out.push_str(&line);
        out.push('\n');
    }
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
        for line in d.lines().chain(next_steps(&plan).lines()) {
            assert!(line.chars().count() <= 80, "{line}");
        }
        assert!(
            d.contains("version v4.1.0 (pinned to the deployed version)"),
            "{d}"
        );
        assert!(d.contains("\"registryPassword\": \"<redacted>\""), "{d}");
        assert!(d.replace("\n  ", " ").contains("(x) are left"), "{d}");
        assert!(!d.contains("pw-123"), "{d}");
        assert!(next_steps(&plan).contains("phib verify --values 'my values.yaml'"));
    }
}
