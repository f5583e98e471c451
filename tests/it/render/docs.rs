//! The registry pages in `docs/registries/` stay true: one page per kind, its command
//! runs, and the block it shows is what phib writes.

use super::{keyfile, render_in};
use crate::util::*;

const KINDS: [&str; 8] = [
    "dockerhub",
    "gcr",
    "artifact-registry",
    "ecr",
    "acr",
    "ghcr",
    "quay",
    "harbor",
];

/// The first fenced block of `lang` in `page`.
fn block<'a>(page: &'a str, lang: &str) -> &'a str {
    let start = page.find(&format!("```{lang}\n")).expect("block") + lang.len() + 4;
    let len = page[start..].find("```").expect("block end");
    &page[start..start + len]
}

#[test]
fn every_kind_has_a_page_whose_command_writes_the_block_it_shows() {
    let dir = tempdir();
    let kf = keyfile("service-account.json").display().to_string();
    for kind in KINDS {
        let path = root().join(format!("docs/registries/{kind}.md"));
        let page = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{kind}.md"));
        for section in [
            "## The credential",
            "## The command",
            "## What gets written",
            "## Pitfalls",
        ] {
            assert!(page.contains(section), "{kind}.md lacks {section}");
        }
        let command = block(&page, "sh").replace("\\\n", " ");
        let command = command.rsplit('|').next().unwrap().trim();
        let mut args = shell_words(command);
        assert_eq!(args.remove(0), "phib", "{kind}");
        assert_eq!(args.remove(0), "render", "{kind}");
        for a in args.iter_mut() {
            if a == "key.json" {
                *a = kf.clone();
            }
        }
        args.push("--stdout".into());
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = render_in(dir.path(), &argv, b"dckr_pat_from_docs\n", None);
        r.expect_code(0);
        let got = r.stdout_str();
        let shown = block(&page, "yaml");
        let key = |l: &str| l.split(':').next().unwrap().to_string();
        assert_eq!(
            got.lines().map(key).collect::<Vec<_>>(),
            shown.lines().map(key).collect::<Vec<_>>(),
            "{kind}.md shows other keys than phib writes"
        );
        for (g, s) in got.lines().zip(shown.lines()) {
            let keyfile_kind = kind == "gcr" || kind == "artifact-registry";
            if g.contains("registryPassword") || (keyfile_kind && g.contains("pushRepoPrefix")) {
                continue;
            }
            assert_eq!(g, s, "{kind}.md");
        }
    }
}
