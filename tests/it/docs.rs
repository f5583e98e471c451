//! Every shell block in README.md and docs/ runs as written when pasted into a shell.
//!
//! What counts as a shell block, and what is checked:
//! - Every fenced block names its language: a bare fence is refused, since a reader
//!   cannot tell a command to paste from output (`sh` for commands, `text` for output,
//!   diagrams and synopses).
//! - `sh`, `bash` and `shell` blocks are scripts: every line is pasted, so a line may not
//!   start with a `$ ` prompt (that block is a `console` transcript instead).
//! - `console` blocks are transcripts: a line starting with `$ ` is a command (the prompt
//!   is dropped; lines after one ending in `\` continue it); every other line is output
//!   and not checked.
//! - The commands of a block pass `bash -n` (the shell's own syntax check: balanced
//!   quotes, brackets and here-documents), and, outside quotes, hold no bracketed
//!   optional argument (`[--flag VALUE]`, `[-n NS]`: pasted, the brackets are words) and
//!   no `...`/`…` standing for something left out.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// The languages whose blocks are shell.
const SCRIPT: [&str; 3] = ["sh", "bash", "shell"];
const TRANSCRIPT: &str = "console";

/// A fenced block: its language, the line its body starts on (1-based), its body.
struct Block {
    lang: String,
    line: usize,
    body: Vec<String>,
}

/// The fenced blocks of a Markdown page (fences of three or more backticks or tildes,
/// indented up to three spaces, as CommonMark has them).
fn blocks(page: &str) -> Result<Vec<Block>, String> {
    let mut out = Vec::new();
    let mut lines = page.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let trimmed = line.trim_start();
        if line.len() - trimmed.len() > 3 {
            continue;
        }
        let fence_char = match trimmed.chars().next() {
            Some(c @ ('`' | '~')) => c,
            _ => continue,
        };
        let fence_len = trimmed.chars().take_while(|&c| c == fence_char).count();
        if fence_len < 3 {
            continue;
        }
        let info = trimmed[fence_len..].trim();
        let lang = info.split_whitespace().next().unwrap_or("").to_string();
        let mut body = Vec::new();
        let mut closed = false;
        for (_, line) in lines.by_ref() {
            let t = line.trim_start();
            if t.chars().take_while(|&c| c == fence_char).count() >= fence_len
                && t.trim_start_matches(fence_char).trim().is_empty()
            {
                closed = true;
                break;
            }
            body.push(line.to_string());
        }
        if !closed {
            return Err(format!("line {}: a block that is never closed", i + 1));
        }
        out.push(Block {
            lang,
            line: i + 2,
            body,
        });
    }
    Ok(out)
}

/// The commands of a shell block, each with its line in the page, as they would be
/// pasted; `Err` for a line a script block may not hold.
fn commands(block: &Block) -> Result<Vec<(usize, String)>, (usize, String)> {
    let mut out = Vec::new();
    let mut continued = false;
    for (i, line) in block.body.iter().enumerate() {
        let at = block.line + i;
        if block.lang == TRANSCRIPT {
            if let Some(cmd) = line.strip_prefix("$ ") {
                out.push((at, cmd.to_string()));
            } else if continued {
                out.push((at, line.clone()));
            } else {
                continue;
            }
            continued = line.ends_with('\\');
        } else {
            if line.starts_with("$ ") {
                return Err((at, "starts with a `$ ` prompt, which would be pasted too: drop it, or make the block `console`".into()));
            }
            out.push((at, line.clone()));
        }
    }
    Ok(out)
}

/// Problems bash's syntax check does not see: bracketed optional arguments and `...`
/// placeholders outside quotes, each with its line.
fn placeholders(commands: &[(usize, String)]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // Quoting carries over lines (a quoted string may hold a newline).
    let (mut single, mut double) = (false, false);
    for (at, line) in commands {
        let chars: Vec<char> = line.chars().collect();
        let mut unquoted = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match c {
                '\\' if !single => {
                    i += 2;
                    unquoted.push(' ');
                    continue;
                }
                '\'' if !double => single = !single,
                '"' if !single => double = !double,
                '#' if !single && !double && (i == 0 || chars[i - 1].is_whitespace()) => break,
                _ if single || double => {}
                c => unquoted.push(c),
            }
            if single || double {
                unquoted.push(' ');
            }
            i += 1;
        }
        let words: Vec<&str> = unquoted.split_whitespace().collect();
        for (w, word) in words.iter().enumerate() {
            let bracketed = word.starts_with("[-") && word.len() > 2;
            if bracketed {
                let arg = words[w..]
                    .iter()
                    .position(|w| w.ends_with(']'))
                    .map(|end| words[w..=w + end].join(" "))
                    .unwrap_or_else(|| word.to_string());
                out.push((*at, format!("`{arg}` is an optional argument in brackets: pasted, the brackets are words; show the command with it, and say it is optional in the text")));
            }
            if *word == "..." || word.contains('…') {
                out.push((*at, format!("`{word}` stands for something left out: a pasted command cannot run it; write the command whole")));
            }
        }
    }
    out
}

/// `bash -n` on `script`: its complaint, when it has one.
fn bash_n(script: &str) -> Option<String> {
    let r = run(Command::new(tool("bash")).arg("-n"), script.as_bytes());
    // `/usr/bin/bash: line 2: syntax error …`: from `line` on.
    (r.code != Some(0)).then(|| {
        let e = r.stderr.trim();
        e[e.find("line ").unwrap_or(0)..].to_string()
    })
}

/// Every problem of the page `name` (text `page`), one `name:line: what` each.
fn problems_of(name: &str, page: &str) -> Vec<String> {
    let blocks = match blocks(page) {
        Ok(b) => b,
        Err(e) => return vec![format!("{name}: {e}")],
    };
    let mut out = Vec::new();
    for block in &blocks {
        let fence = block.line - 1;
        if block.lang.is_empty() {
            out.push(format!(
                "{name}:{fence}: the block names no language: `sh` for commands to paste, `text` for output or a synopsis"
            ));
            continue;
        }
        if !SCRIPT.contains(&block.lang.as_str()) && block.lang != TRANSCRIPT {
            continue;
        }
        let commands = match commands(block) {
            Ok(c) => c,
            Err((at, e)) => {
                out.push(format!("{name}:{at}: {e}"));
                continue;
            }
        };
        let script: String = commands.iter().map(|(_, l)| format!("{l}\n")).collect();
        if let Some(e) = bash_n(&script) {
            // bash counts the lines of the commands given to it: map back to the page's.
            let at = e
                .strip_prefix("line ")
                .and_then(|rest| rest.split(':').next())
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|n| commands.get(n.saturating_sub(1)))
                .map_or(fence, |(at, _)| *at);
            out.push(format!(
                "{name}:{at}: the block is not valid shell (bash -n: {e})"
            ));
        }
        for (at, e) in placeholders(&commands) {
            out.push(format!("{name}:{at}: {e}"));
        }
    }
    out
}

/// README.md and every page under docs/.
fn pages() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut out = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut out);
    out
}

#[test]
fn every_shell_block_in_the_readme_and_docs_runs_as_written() {
    let mut problems = Vec::new();
    let mut checked = 0;
    for path in pages() {
        let name = path.strip_prefix(root()).unwrap().display().to_string();
        let page = std::fs::read_to_string(&path).unwrap();
        checked += blocks(&page)
            .unwrap_or_default()
            .iter()
            .filter(|b| SCRIPT.contains(&b.lang.as_str()) || b.lang == TRANSCRIPT)
            .count();
        problems.extend(problems_of(&name, &page));
    }
    assert!(
        problems.is_empty(),
        "shell blocks that do not run as written:\n{}",
        problems.join("\n")
    );
    assert!(checked >= 30, "only {checked} shell blocks found");
}

/// The checks find what they are for: each broken page is refused, for its reason.
#[test]
fn a_bracketed_option_a_broken_quote_a_prompt_a_placeholder_and_a_bare_fence_are_refused() {
    let cases = [
        (
            "```sh\nphib render --registry ecr \\\n  [--ecr-service-account ecr-token] --apply\n```\n",
            "p.md:3: `[--ecr-service-account ecr-token]` is an optional argument in brackets",
        ),
        (
            "```sh\naz role assignment create --condition '((!(ActionMatches{...content/read'}) AND ... ) OR (@Request[r:name] StringEqualsIgnoreCase 'primehub/images'))' --condition-version 2.0\n```\n",
            "p.md:2: the block is not valid shell",
        ),
        (
            "```sh\n$ phib verify\n```\n",
            "p.md:2: starts with a `$ ` prompt",
        ),
        (
            "```console\n$ helm -n hub phib doctor ...\nok    all good\n```\n",
            "p.md:2: `...` stands for something left out",
        ),
        ("```\nphib render\n```\n", "p.md:1: the block names no language"),
        ("```sh\nphib render\n", "p.md: line 1: a block that is never closed"),
    ];
    for (page, want) in cases {
        let got = problems_of("p.md", page);
        assert!(
            got.iter().any(|p| p.starts_with(want)),
            "{page:?}: want {want:?}, got {got:#?}"
        );
    }
    // What is fine: output in a transcript, brackets and `...` inside quotes, comments,
    // a command continued over lines, other languages.
    let fine =
        "```console\n$ phib verify \\\n  --timeout 10\nok    login as `robot$ci` [--x]\n```\n\
                ```sh\njq '.[0] | .items[...]' f.json   # [--not-an-option] ...\n```\n\
                ```text\nphib doctor [--release NAME] ...\n```\n";
    assert_eq!(problems_of("p.md", fine), Vec::<String>::new());
}
