//! `phib compact [FILE|-]`: the command around the jq-exact compactor in
//! [`phib::compact`], which itself knows nothing of files, messages or exit codes.

use std::path::Path;

use phib::{compact, Error, Result};

/// Runs `phib compact [FILE|-]`: reads the file (standard input for `-` or none) and
/// prints its compact form, or prints nothing and fails with the position of the error.
pub fn run(file: Option<&Path>) -> Result<()> {
    use phib::files::read::{read_existing, read_stdin, Kind};
    let (input, name) = match file {
        Some(path) if path != Path::new("-") => (
            read_existing(path, Kind::Json)?.bytes,
            path.display().to_string(),
        ),
        _ => (read_stdin(Kind::Json)?, "<stdin>".to_string()),
    };
    let output = compact::compact(&input).map_err(|e| {
        Error::usage(format!("`{name}` is not valid JSON: {e}")).with_help(
            "fix the input at that position and run `phib compact` again; nothing was printed",
        )
    })?;
    drop(input);
    phib::out::print_raw(phib::out::Raw::exact_format(&output))
}
