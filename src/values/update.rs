//! The one way a rendered block reaches a values file, shared by `phib render`, its
//! `--check` mode and the wizard: read the file, merge the block into it (or start a new
//! file), and only then write, atomically, 0600, with a `.bak` of the old content.
//! Planning and applying are separate so `--check` can stop after the plan.

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use super::merge::{merge, merge_parsed, unified_diff};
use super::model::BLOCK_KEY;
use super::read::{parse, read_to_write, ToWrite};
use crate::files::write::{self, Options, Seen, Written};
use crate::{Error, Result};

/// What writing a block to a values file would do.
#[derive(Debug)]
pub struct Update {
    pub path: PathBuf,
    /// The file's current text; `None` when it does not exist yet.
    pub old: Option<String>,
    /// The text it would have afterwards.
    pub new: String,
    /// The file as read, for the write to check that it still is.
    seen: Seen,
    /// The rendered block.
    block: String,
    /// The `customImage` value of the file as read (from the one parse of the run).
    read_block: Option<Value>,
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
        Update::of(&read_to_write(path)?, path, block)
    }

    /// [`Update::plan`] for a values file already read.
    pub fn of(read: &ToWrite, path: &Path, block: &str) -> Result<Update> {
        let old = read.file.as_ref().map(|f| f.text.clone());
        let new = match &read.file {
            None => block.to_string(),
            Some(f) => merge_parsed(&f.text, &f.doc, block).map_err(|e| name_the_file(e, path))?,
        };
        Ok(Update {
            path: path.to_path_buf(),
            old,
            new,
            seen: read.seen.clone(),
            block: block.to_string(),
            read_block: read
                .file
                .as_ref()
                .map(|f| f.doc.get(BLOCK_KEY).cloned().unwrap_or(Value::Null)),
        })
    }

    /// The file as read.
    pub fn seen(&self) -> &Seen {
        &self.seen
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

    /// Writes the planned text (nothing when it is unchanged). Should another program
    /// have changed the file since it was read, its change is kept when it left the
    /// `customImage` block as it was (the block is merged into the file as it is now);
    /// when it changed the block, or replaced the file, nothing is written (exit 2).
    /// Returns what was done and the file's text now.
    pub fn apply(&self) -> Result<(Applied, String)> {
        if self.is_unchanged() {
            return Ok((Applied::Unchanged, self.new.clone()));
        }
        let mut last = self.new.clone();
        let opts = Options {
            option: "--values",
            backup: self.old.is_some(),
        };
        let written = write::write(&self.seen, opts, |now| {
            let Some(now) = now else {
                return Ok(self.new.clone().into_bytes());
            };
            if now == self.old.as_deref().unwrap_or_default().as_bytes() {
                return Ok(self.new.clone().into_bytes());
            }
            // Changed since it was read: only a change beside the block is kept.
            let now = self.block_as_read(now)?;
            let merged = merge(now, &self.block).map_err(|e| name_the_file(e, &self.path))?;
            last.clone_from(&merged);
            Ok(merged.into_bytes())
        })?;
        let applied = match self.old {
            None => Applied::Created(written),
            Some(_) => Applied::Updated(written),
        };
        Ok((applied, last))
    }

    /// Before anything else is written (a Secret applied with kubectl first): the file
    /// is still the one read, and its `customImage` block is as read. A change beside
    /// the block is fine: the write merges into it.
    pub fn check_block_unchanged(&self) -> Result<()> {
        write::still_there(&self.seen, "--values")?;
        match write::changed_in_place(&self.seen)? {
            Some(now) => self.block_as_read(&now).map(drop),
            None => Ok(()),
        }
    }

    /// `now`, the file as another program left it, as text, when its `customImage`
    /// block is still the one read; else the refusal.
    fn block_as_read<'a>(&self, now: &'a [u8]) -> Result<&'a str> {
        let now = std::str::from_utf8(now).map_err(|_| self.changed_block())?;
        if Some(block_of(now).map_err(|_| self.changed_block())?) != self.read_block {
            return Err(self.changed_block());
        }
        Ok(now)
    }

    /// Before anything is written: `FILE.bak`, which the write replaces, is a regular
    /// file or nothing.
    pub fn check_backup(&self) -> Result<()> {
        if self.old.is_none() || self.is_unchanged() {
            return Ok(());
        }
        write::check_backup(self.seen.target(), &self.path)
    }

    fn changed_block(&self) -> Error {
        Error::usage(format!(
            "the customImage block in `{}` was changed by another program since phib read it; nothing was written",
            self.path.display()
        ))
        .with_help("look at the file's customImage block, then run phib again")
    }
}

/// The `customImage` value of a values file's text (`Null` when it has none).
fn block_of(text: &str) -> Result<Value> {
    Ok(parse(text)?.get(BLOCK_KEY).cloned().unwrap_or(Value::Null))
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
        assert!(matches!(first.apply().unwrap().0, Applied::Created(_)));
        let second = Update::plan(&path, BLOCK).unwrap();
        assert!(second.is_unchanged());
        assert!(matches!(second.apply().unwrap().0, Applied::Unchanged));
        assert!(!dir.path().join("values.yaml.bak").exists());
    }

    #[test]
    fn existing_file_is_merged_and_backed_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("values.yaml");
        std::fs::write(&path, "# mine\ndomain: x\n").unwrap();
        let plan = Update::plan(&path, BLOCK).unwrap();
        assert!(plan.diff().contains("+  registryEndpoint"));
        assert!(matches!(plan.apply().unwrap().0, Applied::Updated(_)));
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
