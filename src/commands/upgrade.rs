//! `phib upgrade`: read the release, plan, show, ask, run helm, say what comes next.

use std::io::IsTerminal;
use std::path::Path;

use crate::cli::{HelmArgs, UpgradeArgs};
use phib::helm::plan::{self, ValuesArg};
use phib::helm::{self, Helm, UpgradeOptions};
use phib::wizard::prompt::Prompter;
use phib::wizard::terminal::TermPrompter;
use phib::{Error, Result};

pub fn run(args: UpgradeArgs) -> Result<()> {
    let UpgradeArgs {
        values,
        release,
        helm: HelmArgs { namespace, helm },
        chart,
        version,
        install,
        dry_run,
        yes,
    } = args;
    let opts = UpgradeOptions {
        values_path: values,
        release,
        namespace: plan::namespace_or_default(namespace),
        chart,
        version,
        install,
    };
    let text = super::read_existing_values(
        &opts.values_path,
        "write the values with `phib render` or `phib wizard`, or name the file with `--values`",
    )?
    .text;
    // Bad input is refused before helm is even looked for.
    plan::check_input(&text, &opts)?;

    let helm = super::find_helm(&helm)?;
    let reading = phib::out::progress("reading the release from the cluster");
    let plan = helm::prepare_upgrade(&helm, &text, &opts);
    drop(reading);
    let plan = plan?;
    let out = helm::describe(&plan);
    if dry_run {
        return phib::out::print(&format!("{out}{}", dry_run_lines(&helm, &plan)));
    }
    phib::out::print(&out)?;
    let interactive = std::io::stdin().is_terminal() && phib::out::Stream::Err.is_terminal();
    if !yes && !interactive {
        return Err(Error::usage(
            "not running helm without confirmation: standard input is not a terminal",
        )
        .with_help("pass `--yes` to run it, or `--dry-run` to only see the command"));
    }

    let ran = helm::run_upgrade(&helm, &plan, |command| {
        let command = phib::out::command(command, "  ", phib::out::Stream::Out);
        phib::out::print(&format!("\nwill run:\n{command}\n\n"))?;
        if yes {
            return Ok(true);
        }
        // The wizard's yes/no question: it waits for Enter, so "y" alone decides nothing.
        let mut prompter = TermPrompter::without_sigint_guard();
        Ok(prompter.confirm("run it?", false)?)
    })?;
    if !ran {
        return phib::out::print("cancelled: nothing was run");
    }
    phib::out::print(&format!("\n{}", helm::next_steps(&plan)))
}

/// What `--dry-run` prints after the plan: the command helm would be run with.
fn dry_run_lines(helm: &Helm, plan: &helm::plan::Plan) -> String {
    let (placeholder, note) = match &plan.values {
        ValuesArg::Temp(_) => (
            Path::new("TMPFILE"),
            "  (TMPFILE: a temporary file, mode 0600, holding the values above; removed afterwards)\n",
        ),
        ValuesArg::File(p) => (p.as_path(), ""),
    };
    let words = plan.command_words(&helm.path().display().to_string(), placeholder);
    let command = phib::out::command(&words, "  ", phib::out::Stream::Out);
    format!("\nwould run:\n{command}\n{note}dry run: nothing was run\n")
}
