//! What a new user meets first: the README's commands, the checkout's `.gitignore`, and
//! the release archive `scripts/dist` builds.

use std::process::Command;

use crate::util::*;

/// Running phib in the checkout writes credentials there: git must not pick them up.
#[test]
fn the_checkout_ignores_the_files_phib_writes_in_it() {
    let dir = tempdir();
    let git = tool("git");
    let st = Command::new(&git)
        .args(["init", "-q"])
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::copy(root().join(".gitignore"), dir.path().join(".gitignore")).unwrap();
    for file in [
        "values.yaml",
        "values.yaml.bak",
        "push-secret.yaml",
        "prod-values.yml",
    ] {
        let st = Command::new(&git)
            .current_dir(dir.path())
            .args(["check-ignore", "-q", "--", file])
            .status()
            .unwrap();
        assert_eq!(st.code(), Some(0), "`{file}` is not ignored");
    }
    // The project's own YAML files are not.
    for file in ["templates/custom-image.yaml.j2", "helm-plugin/plugin.yaml"] {
        let st = Command::new(&git)
            .current_dir(dir.path())
            .args(["check-ignore", "-q", "--", file])
            .status()
            .unwrap();
        assert_eq!(st.code(), Some(1), "`{file}` is ignored");
    }
}

/// The fenced shell commands of a README section (comments and blank lines left out).
fn section_commands(readme: &str, heading: &str) -> Vec<String> {
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("no `## {heading}` in README.md"));
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut commands = Vec::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let command = line.split(" #").next().unwrap().trim();
        if in_block && !command.is_empty() && !command.starts_with('#') {
            commands.push(command.to_string());
        }
    }
    commands
}

/// A newcomer sets up with two commands: one runs the wizard, one the whole suite.
/// Installing is its own section, with `--locked` so that Cargo.lock is used.
#[test]
fn the_readme_sets_up_with_two_commands_and_installs_locked() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert_eq!(
        section_commands(&readme, "Set up"),
        ["cargo run --release", "./scripts/test"]
    );
    let install = section_commands(&readme, "Install");
    assert!(
        install.contains(&"cargo install --locked --path .".to_string()),
        "{install:?}"
    );
    assert!(install.iter().any(|c| c == "./scripts/dist"), "{install:?}");
    assert!(
        install.iter().any(|c| c.starts_with("tar -xzf dist/phib-")),
        "{install:?}"
    );
    for doc in ["README.md", "docs/helm-plugin.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        assert!(
            !text.contains("cargo install --path"),
            "{doc} installs without --locked"
        );
    }
}
