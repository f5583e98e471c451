//! `phib` and `phib wizard`: check that there is a terminal to talk to, read the values
//! file's current block, let the wizard ask, then render and write exactly as `phib
//! render --values FILE` does. Without a terminal the answer is a usage error that
//! names `phib render`, never a prompt library failing halfway.

use std::path::Path;

use crate::values::model::CustomImage;
use crate::values::render;
use crate::wizard::terminal::{is_interactive, TermPrompter};
use crate::{wizard, Error, Result};

const RENDER_HINT: &str = "to write the values without questions use `phib render --registry KIND [options] --values FILE` (see `phib render --help`); `phib --help` lists every command";

/// `phib` with no subcommand: the wizard on a terminal, usage (exit 2) otherwise.
pub fn run_default() -> Result<()> {
    if !is_interactive() {
        return Err(
            Error::usage("no command given, and no terminal to run the wizard on")
                .with_help(RENDER_HINT),
        );
    }
    run(Path::new(super::render::DEFAULT_VALUES))
}

/// `phib wizard [--values FILE]`.
pub fn run(values: &Path) -> Result<()> {
    if !is_interactive() {
        return Err(Error::usage(
            "`phib wizard` asks questions and needs a terminal on standard input, output and error",
        )
        .with_help(RENDER_HINT));
    }
    // Found out before the questions, not after them.
    let dir = match values.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Error::usage(format!(
            "the folder `{}` of `--values` does not exist",
            dir.display()
        ))
        .with_help("create it first, or name a values file in an existing folder"));
    }
    let existing = read_existing(values)?;
    let mut prompter = TermPrompter::new();
    let decision = wizard::ask(&mut prompter, values, existing.as_ref())?;
    // From here on Ctrl-C acts as usual: the write below is atomic either way.
    drop(prompter);
    let ci = &decision.validated.custom_image;
    let block = render::render(ci)?;
    let done = super::render::write_values(values, &block)?;
    let helm_found = which::which("helm").is_ok();
    let removed = wizard::removed_keys(existing.as_ref(), ci);
    let mut text = format!("{}{}.\n", done[..1].to_uppercase(), &done[1..]);
    for line in wizard::next_steps(values, helm_found, &decision, &removed) {
        text.push_str(&line);
        text.push('\n');
    }
    // The wizard talks on standard error, like its prompts.
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), text.as_bytes());
    Ok(())
}

/// The `customImage` block already in `values`, if the file exists and has one.
fn read_existing(values: &Path) -> Result<Option<CustomImage>> {
    let text = match std::fs::read_to_string(values) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::input_io(values, e)),
    };
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
        Error::usage(format!("`{}` is not valid YAML: {e}", values.display()))
            .with_help("fix the file, or name another one with `--values FILE`")
    })?;
    CustomImage::from_values(&doc)
}
