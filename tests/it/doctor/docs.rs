//! `docs/doctor.md` stays true: its transcript is what the binary prints for the values
//! it shows, rendered as it says.

use std::fs;

use crate::util::*;

/// The first fenced block of `lang` in `page`.
fn block<'a>(page: &'a str, lang: &str) -> &'a str {
    let start = page.find(&format!("```{lang}\n")).expect("block") + lang.len() + 4;
    let len = page[start..].find("```").expect("block end");
    &page[start..start + len]
}

e2e!(
    the_transcript_in_the_doctor_page_is_what_phib_prints,
    || {
        let page = fs::read_to_string(root().join("docs/doctor.md")).unwrap();
        let values = block(&page, "yaml");
        let transcript = block(&page, "text");
        let mut lines = transcript.lines();
        let helm_line = lines.next().unwrap();
        let doctor_line = lines.next().unwrap();
        assert_eq!(
            helm_line,
            "$ helm template hub tests/fixtures/charts/4.1.0 -f values.yaml > bundle.yaml"
        );
        let rest: Vec<&str> = lines.collect();
        let (shown, status) = rest.split_at(rest.len() - 2);
        assert_eq!(status[0], "$ echo $?");

        let dir = tempdir();
        fs::write(dir.path().join("values.yaml"), values).unwrap();
        let manifest = helm_template_as(
            "hub",
            &root().join("tests/fixtures/charts/4.1.0"),
            &dir.path().join("values.yaml"),
        );
        fs::write(dir.path().join("bundle.yaml"), manifest).unwrap();
        let mut args = shell_words(doctor_line.trim_start_matches("$ "));
        assert_eq!(args.remove(0), "phib");
        let r = run(phib().current_dir(dir.path()).args(&args), b"");
        assert_eq!(r.code.map(|c| c.to_string()).as_deref(), Some(status[1]));
        let got = format!("{}{}", r.stdout_str(), r.stderr);
        let want = shown.join("\n") + "\n";
        assert_eq!(got, want, "docs/doctor.md shows another transcript");
    }
);
