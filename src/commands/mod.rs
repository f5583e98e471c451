//! Turns parsed command-line arguments into calls of the library. Each subcommand is one
//! function here; nothing below this layer sees a clap type.

mod compact;
mod show;
mod upgrade;

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, Command, Shell};

mod doctor;
mod render;
mod wizard;
use phib::values::read::{self, ValuesFile};
use phib::{Error, Result};

/// The values file a command works on when `--values` is not given.
pub const DEFAULT_VALUES: &str = "values.yaml";

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        None => wizard::run_default(),
        Some(Command::Wizard {
            values,
            chart_version,
            lookup,
            helm,
        }) => {
            lookup.apply();
            helm.apply();
            wizard::run(&values, chart_version.as_deref())
        }
        Some(Command::Compact { file }) => compact::run(file.as_deref()),
        Some(Command::Render(args)) => {
            args.lookup.apply();
            args.helm.apply();
            render::run(*args)
        }
        Some(Command::Completions { shell }) => completions(shell),
        Some(Command::Man { out_dir }) => man_pages(out_dir.as_deref()),
        Some(Command::Upgrade(args)) => upgrade::run(args),
        Some(Command::Show(args)) => {
            args.lookup.apply();
            show::run(args)
        }
        Some(Command::Doctor(args)) => doctor::run(args),
        Some(Command::Verify {
            values,
            no_push_check,
            timeout,
            namespace,
            secret_file,
            ca_file,
            lookup,
        }) => {
            lookup.apply();
            let namespace = phib::helm::plan::namespace_or_default(namespace);
            if let Some(w) = phib::helm::chart_version::broken_warning_for_file(&values, &namespace)
            {
                warn(&w);
            }
            phib::verify::file::run_to(
                &phib::verify::file::Args {
                    values: &values,
                    push_check: !no_push_check,
                    timeout_secs: timeout,
                    namespace: &namespace,
                    secret_file: secret_file.as_deref(),
                    held: None,
                    ca_file: ca_file.as_deref(),
                },
                &mut phib::out::lines(phib::out::Stream::Out),
            )
        }
    }
}

fn completions(shell: Shell) -> Result<()> {
    use clap_complete::Shell as S;
    let shell = match shell {
        Shell::Bash => S::Bash,
        Shell::Elvish => S::Elvish,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
        Shell::Zsh => S::Zsh,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "phib", &mut out);
    phib::out::print_raw(phib::out::Raw::exact_format(&out))
}

/// The man pages: `phib(1)` names a `phib-COMMAND(1)` for each visible command, so
/// every one of those is written too. `help` is clap's, and has no page.
fn man_pages(out_dir: Option<&Path>) -> Result<()> {
    let cmd = Cli::command().disable_help_subcommand(true);
    let Some(dir) = out_dir else {
        let mut out = Vec::new();
        clap_mangen::Man::new(cmd)
            .render(&mut out)
            .map_err(|e| Error::failed(format!("cannot render the man page: {e}")))?;
        return phib::out::print_raw(phib::out::Raw::exact_format(&out));
    };
    let mut cmd = cmd;
    cmd.build();
    write_pages(cmd, dir)
}

/// One page per visible command, as `clap_mangen::generate_to` lays them out, written
/// through the files-out gate.
fn write_pages(cmd: clap::Command, dir: &Path) -> Result<()> {
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
        write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(cmd);
    let mut page = Vec::new();
    man.render(&mut page)
        .map_err(|e| Error::failed(format!("cannot render the man page: {e}")))?;
    phib::files::write::plain(dir, &man.get_filename(), &page)?;
    Ok(())
}

/// Reads and parses the values file a command works on, with the reader's checks (a
/// directory, not UTF-8, too large, bad YAML); a missing file is bad input, with `help`.
fn read_existing_values(path: &Path, help: &str) -> Result<ValuesFile> {
    read::read(path)?.ok_or_else(|| {
        Error::usage(format!(
            "cannot read `{}`: it does not exist",
            path.display()
        ))
        .with_help(help)
    })
}

/// helm: `--helm PATH` when given, else found as every command finds it.
fn find_helm(given: &crate::cli::HelmBin) -> Result<phib::helm::Helm> {
    given.apply();
    phib::helm::Helm::find()
}

/// Prints one warning on stderr as `phib: warning: ...`. The command still succeeds.
pub fn warn(message: &str) {
    phib::out::warn(message);
}
