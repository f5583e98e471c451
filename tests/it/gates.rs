//! The gates of `src/`, and the test that holds them: every boundary phib crosses has
//! one gate, and no code crosses beside it. A file is read only through the files-in
//! gate, written only through the files-out gate, the terminal is written only through
//! the terminal gate, and helm, kubectl and git are started only through the runner.
//! Code is read with comments, string literals and `#[cfg(test)]` items left out
//! (`layers::code_of`), as the layer test reads it.
//!
//! `docs/security.md` names, for each promise, the gate that keeps it.

/// One boundary: what crossing it looks like in code, and the files that may.
struct Gate {
    boundary: &'static str,
    /// What crosses the boundary, as it reads in code.
    crossings: &'static [&'static str],
    /// The gate itself, and the few places that must cross on their own, each with why.
    allowed: &'static [(&'static str, &'static str)],
}

#[rustfmt::skip]
const GATES: &[Gate] = &[
    Gate {
        boundary: "files in",
        crossings: &["fs::read(", "fs::read_to_string", "read_to_string(", "read_to_end(", "File::open", "File::options", "OpenOptions", "io::stdin().lock", "fs::read_link", "fs::read;", "fs::copy"],
        allowed: &[
            ("src/files/read.rs", "the gate"),
            ("src/files/write/mod.rs", "the files-out gate syncs the folder it wrote in"),
            ("src/files/write/seen.rs", "the files-out gate follows a name's symbolic links to the file it writes"),
            ("src/files/lock.rs", "opens the values file's folder to lock it"),
            ("src/runner.rs", "reads the output of the programs it runs"),
            ("src/verify/net.rs", "reads a registry's answer, bounded by the HTTP client"),
            ("src/interrupt.rs", "reads the process's own signal state in /proc"),
        ],
    },
    Gate {
        boundary: "files out",
        crossings: &["fs::write", "File::create", ".persist(", "fs::rename", "create_dir", "tempfile::Builder", "tempfile::tempfile", "set_permissions", "generate_to(", "fs::copy", "fs::hard_link", "fs::remove_file"],
        allowed: &[
            ("src/files/write/mod.rs", "the gate"),
            ("src/cleanup.rs", "removes phib's own temporary files on a fatal signal, and those a SIGKILL left"),
        ],
    },
    Gate {
        boundary: "the terminal",
        crossings: &["println!", "eprintln!", "print!", "eprint!", "io::stdout()", "io::stderr()", "stdout()", "stderr()", "Term::stderr", "Term::stdout", "printable("],
        allowed: &[
            ("src/out.rs", "the gate"),
            ("src/error.rs", "where `printable` lives"),
            ("src/wizard/terminal.rs", "the prompts: every text it shows passes `out::clean`"),
            ("src/interrupt.rs", "a signal handler writes its line with one system call"),
        ],
    },
    Gate {
        boundary: "helm and kubectl",
        crossings: &["Command::new", "process::Command", "which::which", "Stdio::"],
        allowed: &[("src/runner.rs", "the gate")],
    },
];

/// Every crossing outside its gate, as `FILE: BOUNDARY: CROSSING` lines.
fn crossings(files: &[(String, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for gate in GATES {
        for (file, code) in files {
            if gate.allowed.iter().any(|(f, _)| f == file) {
                continue;
            }
            for crossing in gate.crossings {
                if holds(code, crossing) {
                    found.push(format!("{file}: {}: `{crossing}`", gate.boundary));
                }
            }
        }
    }
    found
}

/// Whether `code` has `what`, not as the tail of a longer name (`eprint!` is not in
/// `eprintln!`'s place; `print!` is not `eprint!`).
fn holds(code: &str, what: &str) -> bool {
    code.match_indices(what).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let starts_word = what.starts_with(|c: char| c.is_alphanumeric());
        !(starts_word && before.is_some_and(|c| c.is_alphanumeric() || c == '_'))
    })
}

#[test]
fn every_boundary_is_crossed_only_through_its_gate() {
    let files = crate::layers::code_files();
    assert!(files.len() > 40, "{}", files.len());
    let found = crossings(&files);
    assert!(
        found.is_empty(),
        "code that crosses a boundary beside its gate (use `phib::files`, `phib::out` or `phib::runner`):\n{}",
        found.join("\n")
    );
    // Every file the gates allow is there: a renamed gate must be renamed here too.
    for gate in GATES {
        for (file, _) in gate.allowed {
            assert!(
                files.iter().any(|(f, _)| f == file),
                "`{file}` is allowed to cross {} but is no module",
                gate.boundary
            );
        }
    }
}

/// The test sees each kind of crossing the gates exist for, in a file outside them.
#[test]
fn a_crossing_added_beside_its_gate_is_found() {
    let planted = [
        ("let t = std::fs::read_to_string(path)?;", "files in"),
        (r#"eprintln!("phib: {x}");"#, "the terminal"),
        (
            r#"let out = Command::new("kubectl").arg("get").output();"#,
            "helm and kubectl",
        ),
        (r#"std::fs::write(&path, bytes)?;"#, "files out"),
        (r#"let p = which::which("helm")?;"#, "helm and kubectl"),
        (r#"print!("{}", x);"#, "the terminal"),
        // The ways around the obvious names: another constructor, a copy, a link, a
        // function imported on its own, the stream's handle from a `use`.
        (
            "let f = std::fs::File::options().read(true).open(p)?;",
            "files in",
        ),
        ("std::fs::copy(&a, &b)?;", "files out"),
        ("std::fs::hard_link(&a, &b)?;", "files out"),
        ("use std::fs::read;", "files in"),
        ("let mut o = stdout(); o.write_all(b)?;", "the terminal"),
        ("let mut e = stderr(); e.write_all(b)?;", "the terminal"),
    ];
    for (line, boundary) in planted {
        let code = crate::layers::code_of(&format!("fn f() {{\n    {line}\n}}\n"));
        let found = crossings(&[("src/registry/check.rs".to_string(), code)]);
        assert!(
            found.iter().any(|f| f.contains(boundary)),
            "{line}: {found:?}"
        );
    }
    // Not in comments, strings or tests.
    let code = crate::layers::code_of(
        "// eprintln!(\"x\");\nfn f() { let s = \"std::fs::read\"; }\n#[cfg(test)]\nmod tests { fn g() { println!(\"x\"); } }\n",
    );
    assert_eq!(
        crossings(&[("src/registry/check.rs".to_string(), code)]),
        Vec::<String>::new()
    );
}
