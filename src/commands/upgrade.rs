//! `phib upgrade`: read the release, plan, show, ask, run helm, say what comes next.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::UpgradeArgs;
use crate::helm::plan::{self, Change, ValuesArg, VersionSource};
use crate::helm::{self, Helm, Plan, UpgradeOptions};
use crate::redact::redact;
use crate::{Error, Result};

pub fn run(args: UpgradeArgs) -> Result<()> {
    let UpgradeArgs {
        values,
        release,
        namespace,
        chart,
        version,
        install,
        dry_run,
        yes,
        helm,
    } = args;
    // helm passes an empty `HELM_NAMESPACE` when it has none: use PrimeHub's default.
    let namespace = if namespace.is_empty() {
        plan::DEFAULT_NAMESPACE.to_string()
    } else {
        namespace
    };
    let opts = UpgradeOptions {
        values_path: values,
        release,
        namespace,
        chart,
        version,
        install,
    };
    plan::validate_name("--release", &opts.release)?;
    plan::validate_name("--namespace", &opts.namespace)?;
    let text = std::fs::read_to_string(&opts.values_path).map_err(|e| {
        Error::input_io(&opts.values_path, e)
            .with_help("write the values with `phib render` or `phib wizard`, or name the file with `--values`")
    })?;
    // Bad input is refused before helm is asked anything.
    plan::parse_values(&text, &opts.values_path)?;

    let helm = Helm::find(helm.as_deref())?;
    let release = helm.find_release(&opts.release, &opts.namespace)?;
    let deployed = match &release {
        Some(r) => Some(helm.get_values(&r.name, &opts.namespace)?),
        None => None,
    };
    let plan = helm::plan_upgrade(&text, release.as_ref(), deployed.as_ref(), &opts)?;
    helm.check_chart_repo(&plan.chart)?;

    let mut out = describe(&plan, release.as_ref().map(|r| r.chart.as_str()), &opts)?;
    if dry_run {
        let placeholder = match &plan.values {
            ValuesArg::Temp(_) => Path::new("TMPFILE"),
            ValuesArg::File(p) => p.as_path(),
        };
        out.push_str(&format!(
            "\nwould run:\n  {}\n",
            plan.command_line(&helm.path.display().to_string(), placeholder)
        ));
        if matches!(plan.values, ValuesArg::Temp(_)) {
            out.push_str("  (TMPFILE: a temporary file, mode 0600, holding the values above; removed afterwards)\n");
        }
        out.push_str("dry run: nothing was run\n");
        return super::write_stdout(out.as_bytes());
    }
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !yes && !interactive {
        super::write_stdout(out.as_bytes())?;
        return Err(Error::usage(
            "not running helm without confirmation: standard input is not a terminal",
        )
        .with_help("pass `--yes` to run it, or `--dry-run` to only see the command"));
    }
    super::write_stdout(out.as_bytes())?;

    let ran = helm::run_upgrade(&helm, &plan, |command| {
        super::write_stdout(format!("\nwill run:\n  {command}\n\n").as_bytes())?;
        if yes {
            return Ok(true);
        }
        dialoguer::Confirm::new()
            .with_prompt("run it?")
            .default(false)
            .interact()
            .map_err(|_| Error::interrupted())
    })?;
    if !ran {
        return super::write_stdout(b"cancelled: nothing was run\n");
    }
    let next = if plan.install {
        format!(
            "\nPrimeHub is being installed in namespace `{ns}`; follow it with `kubectl get pods -n {ns}`.\n",
            ns = plan.namespace
        )
    } else {
        "\ndone: PrimeHub's controller restarts by itself with the new configuration, and image builds started from now on use the new registry settings.\n".to_string()
    };
    super::write_stdout(
        format!(
            "{next}next: check the registry credentials and push rights with `phib verify --values {}`\n",
            plan::shell_quote(&opts.values_path.display().to_string())
        )
        .as_bytes(),
    )
}

/// What the plan will do, in words, with secrets redacted.
fn describe(plan: &Plan, deployed_chart: Option<&str>, opts: &UpgradeOptions) -> Result<String> {
    let mut out = String::new();
    let file = opts.values_path.display();
    if plan.install {
        out.push_str(&format!(
            "no release `{}` in namespace `{}`: installing PrimeHub with the whole `{file}`\n",
            plan.release, plan.namespace
        ));
    } else {
        out.push_str(&format!(
            "release `{}` in namespace `{}` runs chart `{}`\n",
            plan.release,
            plan.namespace,
            deployed_chart.unwrap_or("?")
        ));
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
    if let ValuesArg::Temp(content) = &plan.values {
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
        let mut shown: serde_json::Value = serde_json::from_str(content)
            .map_err(|e| Error::bug(format!("planned values are not JSON: {e}")))?;
        redact(&mut shown);
        let shown = serde_json::to_string_pretty(&shown)
            .map_err(|e| Error::bug(format!("cannot show the values: {e}")))?;
        out.push_str(&format!(
            "values passed to helm with `--reuse-values` (secrets redacted):\n{shown}\n"
        ));
        if !plan.ignored_keys.is_empty() {
            out.push_str(&format!(
                "note: only `customImage` is applied; the other keys in `{file}` ({}) are left as the release has them\n",
                plan.ignored_keys.join(", ")
            ));
        }
    }
    Ok(out)
}
