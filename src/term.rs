//! Terminal output helpers shared by every layer above: words quoted for a POSIX shell,
//! for the commands phib prints for the user to run, and how those commands start.

use std::path::Path;

/// Quotes `s` for a POSIX shell when it needs it (`shlex`'s rules). A NUL byte cannot be
/// in a command-line argument at all, so it is dropped rather than quoted.
pub fn shell_quote(s: &str) -> String {
    let s = s.replace('\0', "");
    shlex::try_quote(&s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| unreachable!("no NUL byte is left to refuse"))
}

/// The words that start a phib command phib prints for the user to run: `phib`; or,
/// when this phib was started by `cargo run` in its checkout (not installed, as the
/// README's set-up runs it), that `cargo run` (`cargo run --release --`), so that the
/// command runs as printed where it was printed.
pub fn phib_command() -> Vec<String> {
    let by_cargo = std::env::var_os("CARGO_PKG_NAME").is_some_and(|n| n == "phib");
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(std::path::PathBuf::from);
    let cwd = std::env::current_dir().ok();
    let exe = std::env::current_exe().ok();
    invocation(
        by_cargo,
        manifest.as_deref(),
        cwd.as_deref(),
        exe.as_deref(),
    )
}

/// [`phib_command`] from what it reads: whether cargo started phib, the checkout cargo
/// named, the current folder, and the binary (in the checkout's `target/release` or
/// `target/debug`).
fn invocation(
    by_cargo: bool,
    manifest: Option<&Path>,
    cwd: Option<&Path>,
    exe: Option<&Path>,
) -> Vec<String> {
    let phib = vec!["phib".to_string()];
    let (true, Some(manifest), Some(exe)) = (by_cargo, manifest, exe) else {
        return phib;
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    let in_target = exe
        .parent()
        .and_then(Path::parent)
        .is_some_and(|t| same(t, &manifest.join("target")));
    let profile = exe
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str());
    let mut words: Vec<String> = vec!["cargo".into(), "run".into()];
    match profile {
        Some("release") if in_target => words.push("--release".into()),
        Some("debug") if in_target => {}
        _ => return phib,
    }
    if !cwd.is_some_and(|cwd| same(cwd, manifest)) {
        words.push("--manifest-path".into());
        words.push(shell_quote(
            &manifest.join("Cargo.toml").display().to_string(),
        ));
    }
    words.push("--".into());
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_start_as_phib_was_started() {
        let dir = Path::new("/src/phib");
        let release = Path::new("/src/phib/target/release/phib");
        let debug = Path::new("/src/phib/target/debug/phib");
        let run = |by_cargo, cwd: &str, exe| {
            invocation(by_cargo, Some(dir), Some(Path::new(cwd)), Some(exe)).join(" ")
        };
        assert_eq!(run(false, "/src/phib", release), "phib");
        assert_eq!(run(true, "/src/phib", release), "cargo run --release --");
        assert_eq!(run(true, "/src/phib", debug), "cargo run --");
        assert_eq!(
            run(true, "/tmp", release),
            "cargo run --release --manifest-path /src/phib/Cargo.toml --"
        );
        // Installed elsewhere, started by cargo for something else: plain `phib`.
        let installed = Path::new("/usr/local/bin/phib");
        assert_eq!(run(true, "/src/phib", installed), "phib");
        assert_eq!(invocation(true, None, None, Some(release)), ["phib"]);
    }

    #[test]
    fn quotes_only_what_a_shell_would_misread() {
        assert_eq!(shell_quote("/tmp/a.yaml"), "/tmp/a.yaml");
        assert_eq!(
            shell_quote("https://harbor.example.com"),
            "https://harbor.example.com"
        );
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("robot$ml+builder"), "'robot$ml+builder'");
        assert_eq!(shell_quote("it's"), "\"it's\"");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a\0b"), "ab");
    }
}
