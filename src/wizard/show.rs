//! What the wizard shows between questions, as pure text: a `customImage` block with the
//! secrets redacted, where its credentials go and its warnings, and the commands to run next. Kept apart from the prompts so each
//! line can be checked in a unit test, including that it fits an 80-column terminal.

use std::path::Path;

use super::prompt::Prompter;
use super::questions::Answers;
use super::{ecr_chart_secret, ecr_refresh, wrap, WIDTH};
use crate::pushsecret::deliver::{self, Pending};
use crate::registry::FieldId;
use crate::registry::{Code, Surface};
use crate::secret::REDACTED;
use crate::settings::Validated;
use crate::term::shell_quote;
use crate::values::model::{CustomImage, PushTarget};

/// The managed keys of `ci`, one `key: value` line each, secrets redacted.
pub fn block_lines(ci: &CustomImage) -> Vec<String> {
    let mut rows: Vec<(&str, String)> = vec![("registryEndpoint", ci.registry_endpoint.clone())];
    if let Some(user) = &ci.registry_username {
        rows.push(("registryUsername", user.clone()));
    }
    if ci.registry_password.is_some() {
        rows.push(("registryPassword", REDACTED.to_string()));
    }
    match &ci.push {
        Some(PushTarget::Prefix(p)) => rows.push(("pushRepoPrefix", p.clone())),
        Some(PushTarget::Repo(r)) => rows.push(("pushRepo", r.clone())),
        None => {}
    }
    if let Some(name) = &ci.push_secret_name {
        rows.push(("pushSecretName", name.clone()));
    }
    rows.push(("insecureSkipVerify", ci.insecure_skip_verify.to_string()));
    rows.into_iter()
        .map(|(k, v)| format!("  {:<19} {v}", format!("{k}:")))
        .collect()
}

/// The `phib render` command that writes the same block as `answers`, one word each
/// (quoted for a shell where needed). The password is never in it: it says
/// `--password-stdin`.
pub fn render_command(answers: &Answers, values: &Path) -> Vec<String> {
    let s = &answers.settings;
    let kind = s.kind();
    let mut words: Vec<String> = ["phib", "render", "--registry", kind.name()]
        .map(String::from)
        .to_vec();
    for field in kind.fields() {
        match field.id {
            FieldId::Password if s.password().is_some() => words.push(field.id.flag().into()),
            FieldId::Keyfile => {
                if let Some(path) = &answers.keyfile_path {
                    words.push(field.id.flag().into());
                    words.push(shell_quote(&path.display().to_string()));
                }
            }
            FieldId::InsecureSkipVerify if s.insecure_skip_verify() => {
                words.push(field.id.flag().into())
            }
            id => {
                if let Some(value) = s.text(id) {
                    words.push(id.flag().into());
                    words.push(shell_quote(value));
                }
            }
        }
    }
    words.push("--values".into());
    words.push(shell_quote(&values.display().to_string()));
    words
}

/// The `phib render --rotate` command that gives an existing block the credentials in
/// `answers` (which hold only credentials).
pub fn rotate_command(answers: &Answers, values: &Path) -> Vec<String> {
    let mut words = render_command(answers, values);
    words.insert(4, "--rotate".into());
    words
}

/// `lead:` wrapped to the wizard's width, then `words` as a command indented under it.
/// A command that reads the password on standard input says so in the lead. A `phib`
/// command starts as this phib was started ([`crate::term::phib_command`]: under
/// `cargo run`, with it).
pub fn command_block(lead: &str, words: &[String]) -> Vec<String> {
    let words: Vec<String> = match words.split_first() {
        Some((first, rest)) if first == "phib" => crate::term::phib_command()
            .into_iter()
            .chain(rest.iter().cloned())
            .collect(),
        _ => words.to_vec(),
    };
    let words = &words[..];
    let stdin = if words.iter().any(|w| w == "--password-stdin") {
        " (the password on standard input)"
    } else {
        ""
    };
    let mut out = super::wrap(&format!("{lead}{stdin}:"), super::WIDTH);
    for line in crate::out::command_lines(words, super::fit_width(super::WIDTH - 2)) {
        out.push(format!("  {line}"));
    }
    out
}

/// Shows the block about to be written, where its credentials go, its warnings and the
/// files that would hold a secret git does not ignore.
pub(super) fn what_is_written(
    p: &mut dyn Prompter,
    values: &Path,
    existing: Option<&CustomImage>,
    validated: &Validated,
    pending: &Pending,
    chose: bool,
    secret_only: bool,
) {
    p.say("");
    p.say(&format!(
        "The customImage block for `{}`:",
        values.display()
    ));
    for line in block_lines(&validated.custom_image) {
        p.say(&line);
    }
    let ecr_chart = ecr_chart_secret(&validated.custom_image, pending);
    let mut texts = Vec::new();
    if let Some(name) = ecr_chart {
        texts.push(format!("Where: the credentials come from the Secret `{name}`, which InfuseAI's aws-ecr-credential chart keeps fresh (that chart cannot install on Kubernetes 1.25 or later)."));
    } else if chose {
        let mut text = format!("Where: {}.", pending.summary());
        if ecr_refresh(pending) {
            text.push_str(
                " Install the external-secrets.io operator in the cluster before applying it.",
            );
        }
        texts.push(text);
    }
    // The lines above say what the ECR warning says, for the wizard.
    for warning in validated
        .warnings
        .iter()
        .filter(|w| !(ecr_chart.is_some() && w.code == Code::EcrRefresh))
    {
        texts.push(format!("warning: {}", warning.render(Surface::Wizard)));
    }
    let old_password = existing.is_some_and(|ci| ci.registry_password.is_some());
    for file in secret_files(values, validated, pending, secret_only, old_password) {
        texts.push(format!(
            "warning: `{}` would hold the password inside a git working tree that does not ignore it: add it to `.gitignore`, or keep it outside the checkout (`phib wizard --values PATH`).",
            file.display()
        ));
    }
    for text in texts {
        for line in wrap(&text, WIDTH) {
            p.say(&line);
        }
    }
}

/// The files about to be written with a secret in them that git would not ignore: the
/// values file with the password in it, its backup with the old one, the Secret
/// manifest file.
fn secret_files(
    values: &Path,
    validated: &Validated,
    pending: &Pending,
    secret_only: bool,
    old_password: bool,
) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if validated.custom_image.registry_password.is_some() && !secret_only {
        files.push(values.to_path_buf());
    }
    if old_password && values.exists() && !secret_only {
        let mut bak = values.as_os_str().to_owned();
        bak.push(".bak");
        files.push(bak.into());
    }
    if let Pending::External {
        manifests: deliver::Manifests::Static(_),
        to: deliver::Output::File(out),
    } = pending
    {
        files.push(out.path.clone());
    }
    files.retain(|f| crate::runner::exposed_to_git(f));
    files
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn gcr() -> CustomImage {
        CustomImage {
            registry_endpoint: "https://gcr.io".into(),
            registry_username: Some("_json_key".into()),
            registry_password: Some(Secret::new("{\"private_key\":\"KEY\"}")),
            push: Some(PushTarget::Prefix("gcr.io/my-project".into())),
            push_secret_name: None,
            insecure_skip_verify: false,
        }
    }

    #[test]
    fn block_is_redacted_and_aligned() {
        assert_eq!(
            block_lines(&gcr()),
            [
                "  registryEndpoint:   https://gcr.io",
                "  registryUsername:   _json_key",
                "  registryPassword:   <redacted>",
                "  pushRepoPrefix:     gcr.io/my-project",
                "  insecureSkipVerify: false",
            ]
        );
        assert!(!block_lines(&gcr()).join("\n").contains("KEY"));
    }

    #[test]
    fn block_shows_push_repo_and_secret_name() {
        let mut ci = gcr();
        ci.push = Some(PushTarget::Repo("gcr.io/p/images".into()));
        ci.push_secret_name = Some("mine".into());
        ci.registry_password = None;
        let text = block_lines(&ci).join("\n");
        assert!(
            text.contains("  pushRepo:           gcr.io/p/images"),
            "{text}"
        );
        assert!(text.contains("  pushSecretName:     mine"), "{text}");
        assert!(!text.contains("registryPassword"), "{text}");
    }

    #[test]
    fn render_command_quotes_values_and_never_holds_the_password() {
        use crate::registry::Kind;
        use crate::settings::Answer;
        let mut a = Answers::new(Kind::Harbor);
        let s = &mut a.settings;
        s.set(
            FieldId::Endpoint,
            Answer::Text("http://10.0.0.5:5000".into()),
        )
        .unwrap();
        s.set(FieldId::Username, Answer::Text("robot$ci+b".into()))
            .unwrap();
        s.set(FieldId::Password, Answer::Secret(Secret::new("pw")))
            .unwrap();
        s.set(FieldId::InsecureSkipVerify, Answer::YesNo(true))
            .unwrap();
        let words = render_command(&a, Path::new("values.yaml"));
        assert_eq!(
            words.join(" "),
            "phib render --registry harbor --endpoint http://10.0.0.5:5000 --username 'robot$ci+b' --password-stdin --insecure-skip-verify --values values.yaml"
        );
        let lines = crate::out::command_lines(&words, 60);
        assert_eq!(
            lines,
            [
                "phib render --registry harbor \\",
                "  --endpoint http://10.0.0.5:5000 --username 'robot$ci+b' \\",
                "  --password-stdin --insecure-skip-verify \\",
                "  --values values.yaml",
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 60));
    }

    #[test]
    fn shell_quote_quotes_only_when_needed() {
        assert_eq!(shell_quote("values.yaml"), "values.yaml");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r#""it's""#);
        assert_eq!(shell_quote(""), "''");
    }
}
