//! `phib compact [FILE|-]`: the command around the jq-exact compactor in
//! [`phib::compact`], which itself knows nothing of files, messages or exit codes.

use std::io::Read;
use std::path::Path;

use phib::{compact, Error, Result};

/// Runs `phib compact [FILE|-]`: reads the file (standard input for `-` or none) and
/// prints its compact form, or prints nothing and fails with the position of the error.
pub fn run(file: Option<&Path>) -> Result<()> {
    let (input, name) = match file {
        Some(path) if path != Path::new("-") => (
            std::fs::read(path).map_err(|e| Error::input_io(path, e))?,
            path.display().to_string(),
        ),
        _ => {
            let mut input = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut input)
                .map_err(|e| Error::failed(format!("cannot read standard input: {e}")))?;
            (input, "<stdin>".to_string())
        }
    };
    let output = compact::compact(&input).map_err(|e| {
        Error::usage(format!("`{name}` is not valid JSON: {e}")).with_help(
            "fix the input at that position and run `phib compact` again; nothing was printed",
        )
    })?;
    drop(input);
    super::write_stdout(&output)
}
