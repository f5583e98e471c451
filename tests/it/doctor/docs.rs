//! `docs/doctor.md` stays true: each transcript is what the binary prints for the
//! files the page shows before it (the values, and what kubectl printed), rendered and
//! bundled as the transcript's own commands say.

use std::fs;

use super::helm_template_as;
use crate::util::*;

/// The fenced blocks of `page`, in order: (info string, body).
fn blocks(page: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find("\n```") {
        let after = &rest[start + 4..];
        let Some(eol) = after.find('\n') else { break };
        let lang = &after[..eol];
        let body_start = eol + 1;
        let len = after[body_start..].find("```").expect("block end");
        out.push((lang, &after[body_start..body_start + len]));
        rest = &after[body_start + len + 3..];
    }
    out
}

/// Runs one transcript in a fresh folder holding `files`.
fn check_transcript(files: &[(&str, &str)], transcript: &str) {
    let dir = tempdir();
    for (name, body) in files {
        fs::write(dir.path().join(name), body).unwrap();
    }
    let lines: Vec<&str> = transcript.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let cmd = lines[i].strip_prefix("$ ").expect("a command line");
        i += 1;
        if let Some(rest) = cmd.strip_prefix("helm template ") {
            let words: Vec<&str> = rest.split(' ').collect();
            assert_eq!(
                words[1..],
                [
                    "tests/fixtures/charts/4.1.0",
                    "-f",
                    "values.yaml",
                    ">",
                    "bundle.yaml"
                ],
                "{cmd}"
            );
            let manifest = helm_template_as(
                words[0],
                &root().join("tests/fixtures/charts/4.1.0"),
                &dir.path().join("values.yaml"),
            );
            fs::write(dir.path().join("bundle.yaml"), manifest).unwrap();
        } else if cmd == "{ echo ---; cat cluster.yaml; } >> bundle.yaml" {
            let mut bundle = fs::read_to_string(dir.path().join("bundle.yaml")).unwrap();
            bundle.push_str("---\n");
            bundle.push_str(&fs::read_to_string(dir.path().join("cluster.yaml")).unwrap());
            fs::write(dir.path().join("bundle.yaml"), bundle).unwrap();
        } else {
            let mut args = shell_words(cmd);
            assert_eq!(args.remove(0), "phib", "{cmd}");
            let end = lines[i..]
                .iter()
                .position(|l| *l == "$ echo $?")
                .expect("`$ echo $?` after the run")
                + i;
            let want = lines[i..end].join("\n") + "\n";
            let r = run(phib().current_dir(dir.path()).args(&args), b"");
            let got = format!("{}{}", r.stdout_str(), r.stderr);
            assert_eq!(got, want, "docs/doctor.md shows another transcript");
            assert_eq!(
                r.code.map(|c| c.to_string()).as_deref(),
                Some(lines[end + 1])
            );
            i = end + 2;
        }
    }
}

e2e!(
    the_transcripts_in_the_doctor_page_are_what_phib_prints,
    || {
        let page = fs::read_to_string(root().join("docs/doctor.md")).unwrap();
        let mut files: Vec<&str> = Vec::new();
        let mut checked = 0;
        for (lang, body) in blocks(&page) {
            match lang {
                "yaml" => files.push(body),
                "text" if body.starts_with("$ helm template ") => {
                    let names = ["values.yaml", "cluster.yaml"];
                    assert!(files.len() <= names.len(), "{files:?}");
                    let named: Vec<(&str, &str)> = names.into_iter().zip(files.drain(..)).collect();
                    check_transcript(&named, body);
                    checked += 1;
                }
                _ => {}
            }
        }
        assert_eq!(checked, 2, "the page's transcripts");
    }
);
