//! The one way a rendered block reaches a values file, shared by `phib render`, its
//! `--check` mode and the wizard: read the file, merge the block into it (or start a new
//! file), and only then write, atomically, 0600, with a `.bak` of the old content.
//! Planning and applying are separate so `--check` can stop after the plan.

use std::path::{Path, PathBuf};

use super::merge::{merge, unified_diff};
use super::read::read_text;
use super::write::{write_secret_file, Written};
use crate::{Error, Result};

/// What writing a block to a values file would do.
#[derive(Debug)]
pub struct Update {
    pub path: PathBuf,
    /// The file's current text; `None` when it does not exist yet.
    pub old: Option<String>,
    /// The text it would have afterwards.
    pub new: String,
}

/// What [`Update::apply`] did.
#[derive(Debug)]
pub enum Applied {
    Created(Written),
    Updated(Written),
    Unchanged,
}

impl Update {
    /// Works out the new text of `path` with `block` merged in. Nothing is written.
    pub fn plan(path: &Path, block: &str) -> Result<Update> {
        super::write::check_folder(path, "--values")?;
        let old = read_text(path)?;
        let new = match &old {
            None => block.to_string(),
            Some(old) => merge(old, block).map_err(|e| name_the_file(e, path))?,
        };
        Ok(Update {
            path: path.to_path_buf(),
            old,
            new,
        })
    }

    /// True when the file already is what the plan would write.
    pub fn is_unchanged(&self) -> bool {
        self.old.as_deref() == Some(self.new.as_str())
    }

    /// A unified diff from the current file to the planned one, secrets redacted.
    pub fn diff(&self) -> String {
        unified_diff(
            self.old.as_deref().unwrap_or(""),
            &self.new,
            &self.path.display().to_string(),
        )
    }

    /// Writes the planned text (nothing when it is unchanged).
    pub fn apply(&self) -> Result<Applied> {
        if self.is_unchanged() {
            return Ok(Applied::Unchanged);
        }
        let written = write_secret_file(&self.path, self.new.as_bytes(), self.old.is_some())?;
        Ok(match self.old {
            None => Applied::Created(written),
            Some(_) => Applied::Updated(written),
        })
    }
}

/// The merge speaks of "the values file"; the user needs to know which one.
pub fn name_the_file(mut err: Error, path: &Path) -> Error {
    if !err.message.contains(&format!("`{}`", path.display())) {
        err.message = format!("`{}`: {}", path.display(), err.message);
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: &str = "customImage:\n  enabled: true\n  registryEndpoint: \"docker.io\"\n";

    #[test]
    fn new_file_then_no_change_on_the_second_run() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.yaml");
        let first = Update::plan(&path, BLOCK).unwrap();
        assert!(matches!(first.apply().unwrap(), Applied::Created(_)));
        let second = Update::plan(&path, BLOCK).unwrap();
        assert!(second.is_unchanged());
        assert!(matches!(second.apply().unwrap(), Applied::Unchanged));
        assert!(!dir.path().join("values.yaml.bak").exists());
    }

    #[test]
    fn existing_file_is_merged_and_backed_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.yaml");
        std::fs::write(&path, "# mine\ndomain: x\n").unwrap();
        let plan = Update::plan(&path, BLOCK).unwrap();
        assert!(plan.diff().contains("+  registryEndpoint"));
        assert!(matches!(plan.apply().unwrap(), Applied::Updated(_)));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\ndomain: x\ncustomImage:\n"),
            "{text}"
        );
        let bak = std::fs::read_to_string(dir.path().join("values.yaml.bak")).unwrap();
        assert_eq!(bak, "# mine\ndomain: x\n");
    }

    #[test]
    fn refusals_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.yaml");
        std::fs::write(&path, "customImage: [1, 2]\n").unwrap();
        let err = Update::plan(&path, BLOCK).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains(&path.display().to_string()),
            "{}",
            err.message
        );
    }
}
