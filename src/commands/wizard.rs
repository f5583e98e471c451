//! `phib` and `phib wizard`: check that there is a terminal to talk to, read the values
//! file's current block, let the wizard ask, then render and write exactly as `phib
//! render --values FILE` does (the Secret too, in external mode), then offers `phib
//! verify` and `phib upgrade`, running their code. Without a terminal the answer is a usage error that
//! names `phib render`, never a prompt library failing halfway.

use std::path::Path;

use phib::flow::Values;
use phib::wizard::terminal::{is_interactive, TermPrompter};
use phib::{wizard, Error, Result};

const RENDER_HINT: &str = "to write the values without questions use `phib render --registry KIND [options] --values FILE` (see `phib render --help`); `phib --help` lists every command";

/// `phib` with no subcommand: the wizard on a terminal, usage (exit 2) otherwise.
pub fn run_default() -> Result<()> {
    if !is_interactive() {
        return Err(
            Error::usage("no command given, and no terminal to run the wizard on")
                .with_help(RENDER_HINT),
        );
    }
    run(Path::new(super::DEFAULT_VALUES), None)
}

/// `phib wizard [--values FILE] [--chart-version V]`.
pub fn run(values: &Path, chart_version: Option<&str>) -> Result<()> {
    if !is_interactive() {
        return Err(Error::usage(
            "`phib wizard` asks questions and needs a terminal on standard input, output and error",
        )
        .with_help(RENDER_HINT));
    }
    // Read once, before the questions: a file phib cannot edit is refused now.
    let file = Values::read(values)?;
    file.check_editable()?;
    let existing = file.block()?;
    // The live release is looked up while the user answers: the first question comes
    // at once, whatever the cluster does.
    let chart = phib::helm::chart_version::Asking::start(chart_version, file.chart_values())?;
    let kubectl = phib::runner::has(phib::runner::Tool::Kubectl);
    let mut prompter = TermPrompter::new();
    let decision = wizard::ask_for(
        &mut prompter,
        values,
        existing.as_ref(),
        kubectl,
        Some(&chart),
    )?;
    // From here on Ctrl-C acts as usual: the write is atomic either way.
    drop(prompter);
    wizard::finish::finish(decision, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block of the file the wizard edits, read as it reads it.
    fn read_existing(path: &Path) -> Result<Option<phib::values::model::CustomImage>> {
        let file = Values::read(path)?;
        file.check_editable()?;
        file.block()
    }

    #[test]
    fn a_values_file_phib_cannot_read_is_refused_before_the_questions() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let latin1 = dir.join("values.yaml");
        std::fs::write(&latin1, b"# caf\xe9\ncustomImage: {}\n").unwrap();
        let err = read_existing(&latin1).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{}", err.message);
        assert!(err.message.contains("not UTF-8"), "{}", err.message);
        let err = read_existing(dir).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{}", err.message);
        assert!(err.message.contains("is a directory"), "{}", err.message);
        assert!(read_existing(&dir.join("missing.yaml")).unwrap().is_none());
    }

    #[test]
    fn a_values_file_with_a_byte_order_mark_is_read_as_without_one() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("values.yaml");
        let text =
            "a: 1\ncustomImage:\n  registryEndpoint: \"ghcr.io\"\n  pushRepo: \"ghcr.io/me/x\"\n";
        std::fs::write(&path, text).unwrap();
        let plain = read_existing(&path).unwrap();
        std::fs::write(&path, format!("\u{feff}{text}")).unwrap();
        let bom = read_existing(&path).unwrap();
        assert!(plain.is_some());
        assert_eq!(format!("{bom:?}"), format!("{plain:?}"));
    }
}
