//! Terminal output helpers shared by every layer above: words quoted for a POSIX shell,
//! for the commands phib prints for the user to run.

/// Quotes `s` for a POSIX shell when it needs it (`shlex`'s rules). A NUL byte cannot be
/// in a command-line argument at all, so it is dropped rather than quoted.
pub fn shell_quote(s: &str) -> String {
    let s = s.replace('\0', "");
    shlex::try_quote(&s)
        .map(|q| q.into_owned())
        .unwrap_or_else(|_| unreachable!("no NUL byte is left to refuse"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
