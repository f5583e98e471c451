//! Applying a plan to the files: the rendered block goes into the values file (a new
//! file, or only the `customImage` block of an existing one), the push Secret is
//! delivered by [`crate::pushsecret::deliver`]. `phib render` and the wizard both write
//! through here, so they say the same about what was done.

use std::path::Path;

use crate::registry::{Code, Warning};
use crate::values::update::{Applied, Update};
use crate::Result;

/// What writing the values file did: a sentence for the caller to show, and what the
/// user should hear besides.
#[derive(Debug)]
pub struct Done {
    pub sentence: String,
    pub warnings: Vec<Warning>,
}

/// Writes the block into the values file at `path`: a new file, or only the
/// `customImage` block of an existing one (the rest of the file stays byte for byte).
pub fn write_values(path: &Path, block: &str) -> Result<Done> {
    let update = Update::plan(path, block)?;
    let shown = path.display();
    let mut warnings = Vec::new();
    let sentence = match update.apply()? {
        Applied::Unchanged => {
            format!("`{shown}` already holds this customImage block; nothing to write")
        }
        Applied::Created(_) => format!("wrote the customImage block to `{shown}` (mode 0600)"),
        Applied::Updated(written) => {
            if written.was_too_open {
                warnings.push(Warning::new(
                    Code::FileTooOpen,
                    format!("`{shown}` was readable by other users; it holds a secret, so it is now mode 0600"),
                ));
            }
            let backup = written
                .backup
                .map(|b| format!("; the previous content is in `{}`", b.display()))
                .unwrap_or_default();
            format!("updated the customImage block in `{shown}` (mode 0600){backup}")
        }
    };
    Ok(Done { sentence, warnings })
}
