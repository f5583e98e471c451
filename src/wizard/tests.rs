//! The whole dialogue with scripted answers: which questions are asked in which case,
//! what is shown, and what comes out. No terminal involved.

use std::path::Path;

use super::prompt::{Scripted, Step};
use super::*;
use crate::secret::Secret;

fn text(s: &str) -> Step {
    Step::Input(s.to_string())
}

fn harbor_block() -> CustomImage {
    CustomImage {
        registry_endpoint: "https://harbor.example.com".into(),
        registry_username: Some("robot$ci+old".into()),
        registry_password: Some(Secret::new("old-secret")),
        push: Some(PushTarget::Repo("harbor.example.com/ci/images".into())),
        push_secret_name: Some("mine".into()),
        insecure_skip_verify: false,
    }
}

#[test]
fn a_new_file_asks_the_registry_then_its_questions_then_confirms() {
    let mut p = Scripted::new([
        Step::Select("Docker Hub"),
        text("ann"),
        Step::Password("dckr_pat_x".into()),
        text(""),
        Step::Confirm(false),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("/nonexistent/values.yaml"), None).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert_eq!(d.release, "primehub");
    assert_eq!(
        d.validated.custom_image.registry_username.as_deref(),
        Some("ann")
    );
    let shown = p.transcript.join("\n");
    assert!(shown.contains("registryPassword:   <redacted>"), "{shown}");
    assert!(!shown.contains("dckr_pat_x"), "{shown}");
    assert_eq!(
        p.prompts().last().copied(),
        Some("Create `/nonexistent/values.yaml`?")
    );
    // What the wizard says itself (not the prompts with their answers) fits 80 columns.
    for line in p.transcript.iter().filter(|l| !l.starts_with("? ")) {
        for l in line.lines() {
            assert!(dialoguer::console::measure_text_width(l) < 80, "{l}");
        }
    }
}

#[test]
fn declining_the_confirmation_is_an_interruption() {
    let mut p = Scripted::new([
        Step::Select("Docker Hub"),
        text("ann"),
        Step::Password("dckr_pat_x".into()),
        text(""),
        Step::Confirm(false),
        Step::Confirm(false),
    ]);
    let err = ask(&mut p, Path::new("values.yaml"), None).unwrap_err();
    assert_eq!(err.exit_code(), 130);
}

#[test]
fn a_refused_whole_is_explained_and_asked_again_with_the_answers_as_defaults() {
    let mut p = Scripted::new([
        Step::Select("Harbor"),
        text("https://harbor.example.com"),
        text("robot$ci+b"),
        Step::Password("s".into()),
        text("other.example.com/ci"),
        Step::Confirm(false),
        // Second round: the endpoint and user are offered as defaults.
        text(""),
        text(""),
        Step::Password("s".into()),
        text("harbor.example.com/ci"),
        Step::Confirm(false),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(shown.contains("is on host `other.example.com`"), "{shown}");
    assert!(
        shown.contains("[https://harbor.example.com] => https://harbor.example.com"),
        "{shown}"
    );
    assert_eq!(
        d.validated.custom_image.push,
        Some(PushTarget::Prefix("harbor.example.com/ci".into()))
    );
}

#[test]
fn asking_again_offers_the_keyfile_path_given_before() {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keyfiles/service-account.json"
    );
    let mut p = Scripted::new([
        Step::Select("Google Container Registry"),
        text(key),
        text(""),
        text(""),
        text("eu.gcr.io/phib-test-123"),
        Step::Confirm(false),
        // Refused (the prefix is on another host than gcr.io); the path is the default.
        text(""),
        text(""),
        text(""),
        text("gcr.io/phib-test-123"),
        Step::Confirm(false),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(shown.contains(&format!("[{key}] => {key}")), "{shown}");
    assert_eq!(
        d.validated.custom_image.push,
        Some(PushTarget::Prefix("gcr.io/phib-test-123".into()))
    );
    let command = d.command.unwrap().join(" ");
    assert!(command.contains(&format!("--keyfile {key}")), "{command}");
}

#[test]
fn an_existing_block_is_shown_redacted_and_rotation_asks_only_credentials() {
    let old = harbor_block();
    let mut p = Scripted::new([
        Step::Select("Rotate"),
        text(""),
        Step::Password("new-secret".into()),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), Some(&old)).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(
        !shown.contains("old-secret") && !shown.contains("new-secret"),
        "{shown}"
    );
    assert!(shown.contains("registryPassword:   <redacted>"), "{shown}");
    assert!(shown.contains("[robot$ci+old] => robot$ci+old"), "{shown}");
    assert!(p
        .prompts()
        .last()
        .unwrap()
        .starts_with("Replace the customImage block in"));
    let ci = d.validated.custom_image;
    assert_eq!(
        ci.registry_password.as_ref().unwrap().expose(),
        "new-secret"
    );
    assert_eq!(
        CustomImage {
            registry_password: old.registry_password.clone(),
            ..ci
        },
        old
    );
}

#[test]
fn configuring_again_starts_at_the_detected_registry() {
    let mut p = Scripted::new([Step::Select("Configure again"), Step::Interrupt]);
    assert!(ask(&mut p, Path::new("values.yaml"), Some(&harbor_block())).is_err());
    assert_eq!(p.prompts(), ["What do you want to do?"]);
}

#[test]
fn an_ecr_block_offers_no_rotation() {
    let ecr = CustomImage {
        registry_endpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com".into(),
        registry_username: None,
        registry_password: None,
        push: Some(PushTarget::Repo(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/img".into(),
        )),
        push_secret_name: Some("aws-registry".into()),
        insecure_skip_verify: false,
    };
    let mut p = Scripted::new([Step::Interrupt]);
    assert!(ask(&mut p, Path::new("values.yaml"), Some(&ecr)).is_err());
    assert!(p
        .transcript
        .join("\n")
        .contains("credentials live outside the file"));
}

#[test]
fn removed_keys_are_those_the_old_block_set_and_the_new_does_not() {
    let old = harbor_block();
    let mut new = old.clone();
    assert!(removed_keys(Some(&old), &new).is_empty());
    assert!(removed_keys(None, &new).is_empty());
    new.push = Some(PushTarget::Prefix("harbor.example.com/ci".into()));
    new.push_secret_name = None;
    new.registry_password = None;
    assert_eq!(
        removed_keys(Some(&old), &new),
        ["registryPassword", "pushRepo", "pushSecretName"]
    );
}

fn docker_hub_decision(user: &str) -> Decision {
    let mut p = Scripted::new([
        Step::Select("Docker Hub"),
        text(user),
        Step::Password("dckr_pat_x".into()),
        text(""),
        Step::Confirm(false),
        Step::Confirm(true),
    ]);
    ask(&mut p, Path::new("values.yaml"), None).unwrap()
}

#[test]
fn next_steps_name_render_verify_and_the_helm_upgrade_only_with_helm() {
    let decision = docker_hub_decision("ann");
    let shown = next_steps(Path::new("values.yaml"), true, &decision, &[]).join("\n");
    assert!(
        shown.contains("  phib render --registry dockerhub --username ann --password-stdin \\\n    --values values.yaml"),
        "{shown}"
    );
    assert!(
        shown.contains("phib verify --values values.yaml"),
        "{shown}"
    );
    assert!(
        shown.contains("helm upgrade primehub infuseai/primehub -n hub"),
        "{shown}"
    );
    assert!(!shown.contains("dckr_pat_x"), "{shown}");
    let shown = next_steps(Path::new("values.yaml"), false, &decision, &[]).join("\n");
    assert!(!shown.contains("helm upgrade primehub"), "{shown}");
    assert!(shown.lines().all(|l| l.chars().count() < 80), "{shown}");
}

#[test]
fn wrap_keeps_lines_within_the_width() {
    let text =
        "the password is stored in the values file as `registryPassword`, and the chart copies it";
    let lines = wrap(text, 30);
    assert!(lines.len() > 2);
    assert!(lines.iter().all(|l| l.chars().count() <= 30), "{lines:?}");
    assert!(lines[1..].iter().all(|l| l.starts_with("  ")));
    assert_eq!(
        lines
            .join(" ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        text
    );
    assert_eq!(wrap("short", 30), ["short"]);
    assert_eq!(wrap("  help text here", 12), ["  help text", "    here"]);
}
