//! The question logic: which registry, then that registry's fields as the catalog
//! declares them (prompt, hint, default from earlier answers, validator), asked one by
//! one until each answer passes the same check the flag goes through
//! ([`Answers::set`](crate::registry::Answers::set)). Only `Settings` comes out;
//! nothing here renders or writes.

use std::path::PathBuf;

use crate::registry::{Field, FieldId, Input, Invalid, Kind};
use crate::settings::{Answer as Value, Settings};
use crate::values::model::CustomImage;

use super::prompt::{Answer, Prompter};

/// The widest an item of a list may be after a prompt of `prompt_width` columns: the
/// colourful theme's answered line, `✔ PROMPT · ITEM`, must fit an 80-column terminal
/// with a column to spare (a full last column makes some terminals wrap).
pub const fn item_width(prompt_width: usize) -> usize {
    79 - (prompt_width + 5)
}

/// The widest an item of the registry list may be (its prompt is `Registry`).
const ITEM_WIDTH: usize = item_width("Registry".len());

/// The registry list: each kind's one-line label, cut to fit.
fn kind_items() -> Vec<String> {
    Kind::ALL
        .iter()
        .map(|k| fit(k.list_label(), ITEM_WIDTH))
        .collect()
}

/// `text` cut to `width` columns, with `...` when cut.
pub fn fit(text: &str, width: usize) -> String {
    dialoguer::console::truncate_str(text, width, "...").into_owned()
}

/// Asks which registry.
pub fn ask_kind(p: &mut dyn Prompter, default: Option<Kind>) -> Answer<Kind> {
    let default = default
        .and_then(|d| Kind::ALL.iter().position(|k| *k == d))
        .unwrap_or(0);
    p.say("Which registry should PrimeHub push the images it builds to?");
    let i = p.select("Registry", &kind_items(), default)?;
    Ok(Kind::ALL[i])
}

/// The refusal of an empty answer to a required field: it names what was asked.
pub fn needed(field: &Field) -> String {
    format!("{} is needed (nothing was typed)", field.prompt)
}

/// The line shown under a refused answer.
pub fn refusal(id: FieldId, invalid: &Invalid) -> String {
    format!("{} {}\n  {}", id.name(), invalid.reason, invalid.help)
}

/// The answers: the settings, and the keyfile's path as typed (the settings hold the
/// keyfile read from it), for the equivalent `phib render` command.
#[derive(Debug, Clone)]
pub struct Answers {
    pub settings: Settings,
    pub keyfile_path: Option<PathBuf>,
}

impl Answers {
    pub fn new(kind: Kind) -> Self {
        Answers {
            settings: Settings::new(kind),
            keyfile_path: None,
        }
    }
}

/// Asks every question of `kind` and returns the answers. `previous` (answers given
/// before, for example when the whole was refused) provides the defaults.
pub fn ask_settings(
    p: &mut dyn Prompter,
    kind: Kind,
    previous: Option<&Answers>,
) -> Answer<Answers> {
    ask_settings_skipping(p, kind, previous, &[])
}

/// [`ask_settings`] without the fields in `skip` (the credentials, when the External
/// Secrets Operator provides the login).
pub fn ask_settings_skipping(
    p: &mut dyn Prompter,
    kind: Kind,
    previous: Option<&Answers>,
    skip: &[FieldId],
) -> Answer<Answers> {
    let mut s = Answers::new(kind);
    let (basic, advanced): (Vec<&Field>, Vec<&Field>) = kind
        .fields()
        // Who the operator logs in as, and where the login comes from, are asked with
        // the keyless way and the Secret's place (`super::keyless`, `super::secret`).
        .filter(|f| !skip.contains(&f.id) && !f.id.keyless() && !f.id.external())
        .partition(|f| !f.advanced);
    // The push Secret's name is asked where the credentials' place is (a Secret of your
    // own); only ECR, whose Secret is kept fresh elsewhere, has it among the advanced.
    let advanced: Vec<&Field> = advanced
        .into_iter()
        .filter(|f| f.id != FieldId::PushSecretName || kind == Kind::Ecr)
        .collect();
    for field in basic {
        ask_field(p, &mut s, field, previous)?;
    }
    // A plain-http endpoint needs TLS verification off: ask it, defaulting to yes,
    // rather than hiding it among the advanced options.
    let plain_http = plain_http(&s.settings);
    let mut rest = Vec::new();
    for field in advanced {
        if field.id == FieldId::InsecureSkipVerify && plain_http {
            ask_field(p, &mut s, field, previous)?;
        } else {
            rest.push(field);
        }
    }
    if !rest.is_empty() {
        // Named as their questions are, not as flags.
        let names: Vec<&str> = rest.iter().map(|f| question_words(f.prompt)).collect();
        for line in super::wrap(
            &format!("Advanced: {}.", names.join(", ")),
            super::WIDTH - 2,
        ) {
            p.say(&format!("  {line}"));
        }
        if p.confirm("Change the advanced options?", false)? {
            for field in rest {
                ask_field(p, &mut s, field, previous)?;
            }
        }
    }
    Ok(s)
}

/// A question's words without its explanation or question mark: `Skip TLS
/// verification` for `Skip TLS verification (self-signed certificate or plain http)?`.
fn question_words(prompt: &str) -> &str {
    let words = prompt.split(" (").next().unwrap_or(prompt);
    words.trim_end_matches('?')
}

/// The endpoint answered (or inferred) so far is plain http, which needs TLS
/// verification off.
fn plain_http(s: &Settings) -> bool {
    s.text_or_default(FieldId::Endpoint)
        .is_some_and(|e| e.starts_with("http://"))
}

/// Asks one field until its validator accepts the answer, and stores it in `a`. An
/// empty answer to an optional field leaves it unset, as a missing flag would; an answer
/// equal to the default is not stored either, so the settings match the shortest
/// equivalent `phib render` command.
pub fn ask_field(
    p: &mut dyn Prompter,
    a: &mut Answers,
    field: &Field,
    previous: Option<&Answers>,
) -> Answer<()> {
    let s = &mut a.settings;
    let inferred = field.default_value(s);
    let default = previous
        .and_then(|prev| prev.settings.text(field.id).map(str::to_string))
        .or_else(|| inferred.clone());
    for line in super::wrap(field.hint, super::WIDTH - 2) {
        p.say(&format!("  {line}"));
    }
    loop {
        let result = match field.input() {
            Input::Text => {
                let text = p.input(field.prompt, default.as_deref())?;
                let text = text.trim().to_string();
                if text.is_empty() && !field.required {
                    return Ok(());
                }
                if text.is_empty() {
                    p.refuse(&needed(field));
                    continue;
                }
                if inferred.as_deref() == Some(text.as_str()) {
                    // Check it, but leave it to the default, as a missing flag does.
                    (field.validate)(&text)
                } else {
                    s.set(field.id, Value::Text(text))
                }
            }
            Input::Secret => {
                let secret = p.password(field.prompt)?;
                if secret.is_empty() {
                    p.refuse(&needed(field));
                    continue;
                }
                s.set(field.id, Value::Secret(secret))
            }
            Input::KeyfilePath => {
                let before = previous
                    .and_then(|prev| prev.keyfile_path.as_ref())
                    .map(|path| path.display().to_string());
                let path = p.path(field.prompt, before.as_deref())?;
                if path.as_os_str().is_empty() {
                    p.refuse(&needed(field));
                    continue;
                }
                let result = s.set(field.id, Value::Text(path.display().to_string()));
                if result.is_ok() {
                    a.keyfile_path = Some(path);
                }
                result
            }
            Input::YesNo => {
                let default_yes = match field.id {
                    FieldId::InsecureSkipVerify => plain_http(s),
                    _ => inferred.as_deref() == Some("true"),
                };
                let default_yes = previous
                    .map(|prev| prev.settings.is_set(field.id))
                    .unwrap_or(default_yes);
                let yes = p.confirm(field.prompt, default_yes)?;
                if !yes && field.id == FieldId::InsecureSkipVerify {
                    return Ok(());
                }
                s.set(field.id, Value::YesNo(yes))
            }
        };
        match result {
            Ok(()) => {
                // A repository and a prefix are alternatives (PrimeHub uses one): the
                // one answered last replaces the other.
                match field.id {
                    FieldId::PushRepo if s.is_set(FieldId::PushRepo) => {
                        s.clear(FieldId::PushRepoPrefix)
                    }
                    FieldId::PushRepoPrefix if s.is_set(FieldId::PushRepoPrefix) => {
                        s.clear(FieldId::PushRepo)
                    }
                    _ => {}
                }
                return Ok(());
            }
            Err(invalid) => p.refuse(&refusal(field.id, &invalid)),
        }
    }
}

/// What the user may do with a values file that already has a `customImage` block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Keep everything but the credentials.
    Rotate,
    /// Answer every question again.
    Reconfigure,
}

/// Shows the block already in the values file, its secrets redacted.
pub fn say_existing(p: &mut dyn Prompter, ci: &CustomImage) {
    p.say("The values file already configures the Image Builder:");
    for line in super::show::block_lines(ci) {
        p.say(&line);
    }
}

/// Shows the existing block (redacted) and asks what to do with it.
pub fn ask_existing(p: &mut dyn Prompter, ci: &CustomImage) -> Answer<Existing> {
    say_existing(p, ci);
    let items = vec![
        "Rotate the credentials only (keep everything else)".to_string(),
        "Configure again from the start".to_string(),
    ];
    Ok(match p.select("What do you want to do?", &items, 0)? {
        0 => Existing::Rotate,
        _ => Existing::Reconfigure,
    })
}

#[cfg(test)]
mod tests {
    use super::super::prompt::{Scripted, Step};
    use super::*;
    use crate::values::model::PushTarget;

    fn text(s: &str) -> Step {
        Step::Input(s.to_string())
    }

    /// The reasons shown for refused answers, in order.
    fn refusals(p: &Scripted) -> Vec<&String> {
        p.transcript
            .iter()
            .filter(|l| l.starts_with("! "))
            .collect()
    }

    /// A shared keyfile fixture.
    fn fixture(name: &str) -> String {
        format!(
            "{}/tests/fixtures/keyfiles/{name}",
            env!("CARGO_MANIFEST_DIR")
        )
    }

    #[test]
    fn every_registry_is_listed_and_fits_80_columns() {
        let items = kind_items();
        assert_eq!(items.len(), Kind::ALL.len());
        // Said whole, not cut.
        assert!(items.iter().all(|i| !i.ends_with("...")), "{items:?}");
        for item in &items {
            assert!(
                dialoguer::console::measure_text_width(item) <= ITEM_WIDTH,
                "{item}"
            );
        }
        assert!(items.iter().any(|i| i.contains("self-hosted")), "{items:?}");
        let mut p = Scripted::new([Step::Select("Harbor")]);
        assert_eq!(ask_kind(&mut p, None).unwrap(), Kind::Harbor);
    }

    #[test]
    fn docker_hub_infers_the_prefix_from_the_user_and_skips_advanced() {
        let mut p = Scripted::new([
            text("Ann"),
            Step::Password("dckr_pat_abc".into()),
            text(""),
            Step::Confirm(false),
        ]);
        let s = ask_settings(&mut p, Kind::DockerHub, None)
            .unwrap()
            .settings;
        assert!(p.finished(), "{:#?}", p.transcript);
        assert!(p
            .transcript
            .iter()
            .any(|l| l.contains("[docker.io/ann] => docker.io/ann")));
        assert_eq!(s.text(FieldId::Username), Some("Ann"));
        assert_eq!(
            s.text(FieldId::PushRepoPrefix),
            None,
            "the default is left to render"
        );
        let ci = s.validate().unwrap().custom_image;
        assert_eq!(ci.push, Some(PushTarget::Prefix("docker.io/ann".into())));
        assert_eq!(ci.registry_password.unwrap().expose(), "dckr_pat_abc");
        // Only Docker Hub's questions were asked: no keyfile, no endpoint.
        let prompts = p.prompts().join("\n");
        assert!(!prompts.contains("keyfile"), "{prompts}");
        assert!(!prompts.contains("endpoint"), "{prompts}");
    }

    #[test]
    fn a_refused_user_name_is_asked_again_with_the_reason() {
        let mut p = Scripted::new([
            text("ann:x"),
            text("ann"),
            Step::Password("dckr_pat_abc".into()),
            text(""),
            Step::Confirm(false),
        ]);
        let s = ask_settings(&mut p, Kind::DockerHub, None)
            .unwrap()
            .settings;
        assert_eq!(s.text(FieldId::Username), Some("ann"));
        let refusals = refusals(&p);
        assert_eq!(refusals.len(), 1, "{:#?}", p.transcript);
        assert!(refusals[0].starts_with("! username "), "{}", refusals[0]);
    }

    #[test]
    fn gcr_re_asks_a_wrong_keyfile_and_takes_the_project_from_the_right_one() {
        let mut p = Scripted::new([
            text(&fixture("missing.json")),
            text(&fixture("authorized-user.json")),
            text(&fixture("service-account.json")),
            text(""),
            text(""),
            text(""),
            Step::Confirm(false),
        ]);
        let s = ask_settings(&mut p, Kind::Gcr, None).unwrap();
        assert_eq!(
            s.keyfile_path.as_deref(),
            Some(std::path::Path::new(&fixture("service-account.json")))
        );
        let s = s.settings;
        assert!(p.finished(), "{:#?}", p.transcript);
        let refusals = refusals(&p);
        assert_eq!(refusals.len(), 2, "{:#?}", p.transcript);
        assert!(refusals[0].contains("missing.json"), "{}", refusals[0]);
        assert!(refusals[1].contains("authorized_user"), "{}", refusals[1]);
        assert!(p
            .transcript
            .iter()
            .any(|l| l.contains("[gcr.io/phib-test-123] => gcr.io/phib-test-123")));
        let ci = s.validate().unwrap().custom_image;
        assert_eq!(ci.registry_username.as_deref(), Some("_json_key"));
        assert_eq!(
            ci.push,
            Some(PushTarget::Prefix("gcr.io/phib-test-123".into()))
        );
        assert!(!p.transcript.join("\n").contains("PRIVATE KEY"));
    }

    #[test]
    fn harbor_with_plain_http_asks_tls_defaulting_to_yes() {
        let mut p = Scripted::new([
            text("http://10.0.0.5:5000"),
            text("robot$ci+builder"),
            Step::Password("s3cret".into()),
            text(""),
            Step::Confirm(true),
            Step::Confirm(false),
        ]);
        let s = ask_settings(&mut p, Kind::Harbor, None).unwrap().settings;
        assert!(p.finished(), "{:#?}", p.transcript);
        assert!(s.insecure_skip_verify());
        let ci = s.validate().unwrap().custom_image;
        assert_eq!(ci.registry_username.as_deref(), Some("robot$ci+builder"));
        assert_eq!(ci.push, Some(PushTarget::Prefix("10.0.0.5:5000/ci".into())));
        assert!(ci.insecure_skip_verify);
    }

    #[test]
    fn a_single_push_repository_replaces_the_prefix() {
        let mut p = Scripted::new([
            text("ann"),
            Step::Password("dckr_pat_abc".into()),
            text(""),
            Step::Confirm(true),
            text(""),
            text("docker.io/ann/images"),
            text(""),
            Step::Confirm(false),
        ]);
        let s = ask_settings(&mut p, Kind::DockerHub, None)
            .unwrap()
            .settings;
        assert!(p.finished(), "{:#?}", p.transcript);
        let ci = s.validate().unwrap().custom_image;
        assert_eq!(
            ci.push,
            Some(PushTarget::Repo("docker.io/ann/images".into()))
        );
    }

    #[test]
    fn ecr_asks_no_credentials_and_a_later_prefix_replaces_the_repository() {
        let host = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
        let mut p = Scripted::new([
            text("123456789012"),
            text("us-east-1"),
            text(&format!("{host}/images")),
            Step::Confirm(true),
            text(&format!("{host}/team")),
            text(""),
            text(""),
            Step::Confirm(false),
        ]);
        let s = ask_settings(&mut p, Kind::Ecr, None).unwrap().settings;
        assert!(p.finished(), "{:#?}", p.transcript);
        let prompts = p.prompts().join("\n").to_lowercase();
        assert!(
            !prompts.contains("password") && !prompts.contains("user"),
            "{prompts}"
        );
        let ci = s.validate().unwrap().custom_image;
        assert_eq!(ci.push, Some(PushTarget::Prefix(format!("{host}/team"))));
        assert_eq!(ci.push_secret_name.as_deref(), Some("aws-registry"));
        assert_eq!(ci.registry_password, None);
    }

    #[test]
    fn interrupt_anywhere_stops_the_questions() {
        let mut p = Scripted::new([text("ann"), Step::Interrupt]);
        assert!(ask_settings(&mut p, Kind::DockerHub, None).is_err());
    }
}
