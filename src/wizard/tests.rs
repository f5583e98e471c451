//! The whole dialogue with scripted answers: which questions are asked in which case,
//! what is shown, and what comes out. No terminal involved.

use std::path::Path;

use super::prompt::{Scripted, Step};
use super::*;
use crate::pushsecret;
use crate::secret::Secret;
use crate::values::model::PushTarget;

fn text(s: &str) -> Step {
    Step::Input(s.to_string())
}

/// Docker Hub's questions answered for `ann` (the advanced options left alone), then
/// `then`.
fn docker_hub_then(then: impl IntoIterator<Item = Step>) -> Scripted {
    let mut steps = vec![
        Step::Select("Docker Hub"),
        text("ann"),
        Step::Password("dckr_pat_x".into()),
        text(""),
        Step::Confirm(false),
    ];
    steps.extend(then);
    Scripted::new(steps)
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
    let mut p = docker_hub_then([Step::Select("in the Helm values"), Step::Confirm(true)]);
    let d = ask(&mut p, Path::new("/nonexistent/values.yaml"), None, false).unwrap();
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
fn declining_the_confirmation_is_an_answer_not_an_interruption() {
    let mut p = docker_hub_then([Step::Select("in the Helm values"), Step::Confirm(false)]);
    let err = ask(&mut p, Path::new("values.yaml"), None, false).unwrap_err();
    assert_eq!(err.exit_code(), 0);
    assert_eq!(err.message, "nothing was written");
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
        Step::Select("in the Helm values"),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
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
        Step::Select("a service-account key"),
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
        Step::Select("in the Helm values"),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
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
    let d = ask(&mut p, Path::new("values.yaml"), Some(&old), false).unwrap();
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
    assert!(ask(
        &mut p,
        Path::new("values.yaml"),
        Some(&harbor_block()),
        false
    )
    .is_err());
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
    assert!(ask(&mut p, Path::new("values.yaml"), Some(&ecr), false).is_err());
    assert!(p
        .transcript
        .join("\n")
        .contains("credentials live outside the file"));
}

fn external_block() -> CustomImage {
    CustomImage {
        registry_endpoint: "https://harbor.example.com".into(),
        registry_username: None,
        registry_password: None,
        push: Some(PushTarget::Prefix("harbor.example.com/ml".into())),
        push_secret_name: Some("ml-push".into()),
        insecure_skip_verify: false,
    }
}

#[test]
fn an_external_mode_block_rotates_into_its_own_secret_never_into_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    let mut p = Scripted::new([
        Step::Select("Rotate"),
        text("robot$ml+new"),
        Step::Password("new-secret".into()),
        // Where the Secret goes: the namespace and the file, nothing about the mode.
        text(""),
        text(""),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, &values, Some(&external_block()), false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert!(d.secret_only);
    assert!(!p.prompts().contains(&secret::CREDENTIALS));
    assert!(!p.prompts().contains(&secret::PUSH_SECRET_NAME));
    // The block is the one already in the file: no credentials, the same Secret.
    assert_eq!(d.validated.custom_image, external_block());
    let Pending::External {
        manifests: deliver::Manifests::Static(secret),
        to: deliver::Output::File(file),
    } = &d.pending
    else {
        panic!("{:?}", d.pending)
    };
    assert_eq!(secret.name, "ml-push");
    assert_eq!(secret.username, "robot$ml+new");
    assert_eq!(secret.password.expose(), "new-secret");
    assert_eq!(&file.path, &dir.path().join("push-secret.yaml"));
    let command = d.command.unwrap().join(" ");
    assert!(
        command.starts_with(
            "phib render --registry harbor --rotate --username 'robot$ml+new' --password-stdin"
        ),
        "{command}"
    );
    assert!(
        command.contains("--secret-mode external --secret-name ml-push --secret-out"),
        "{command}"
    );
    let shown = p.transcript.join("\n");
    assert!(!shown.contains("new-secret"), "{shown}");
    assert!(
        shown.contains("Put the new credentials into the Secret `ml-push`?"),
        "{shown}"
    );
}

#[test]
fn an_external_mode_rotation_offers_kubectl_and_asks_again_after_a_bad_file() {
    let mut p = Scripted::new([
        Step::Select("Rotate"),
        text("robot$ml+new"),
        Step::Password("new-secret".into()),
        text("primehub"),
        Step::Select("write the manifest"),
        // The values file itself is refused as the manifest file.
        text("values.yaml"),
        text("secret.yaml"),
        Step::Confirm(true),
    ]);
    let d = ask(
        &mut p,
        Path::new("values.yaml"),
        Some(&external_block()),
        true,
    )
    .unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert!(p.prompts().contains(&"The Secret"), "{:?}", p.prompts());
    let c = d.choice.unwrap();
    assert_eq!(c.namespace.as_deref(), Some("primehub"));
    assert_eq!(c.name.as_deref(), Some("ml-push"));
    assert_eq!(c.out.as_deref(), Some(Path::new("secret.yaml")));
}

#[test]
fn after_writing_the_commands_name_render_with_the_secret_mode_verify_and_phib_upgrade() {
    let mut p = docker_hub_then([Step::Select("in the Helm values"), Step::Confirm(true)]);
    let decision = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    let shown = written_lines(&decision).join("\n");
    assert!(
        shown.contains("  phib render --registry dockerhub --username ann --password-stdin \\\n    --values values.yaml --secret-mode values"),
        "{shown}"
    );
    assert!(!shown.contains("kubectl"), "{shown}");
    let hint = verify_hint(Path::new("values.yaml"), None).join("\n");
    assert!(hint.contains("phib verify --values values.yaml"), "{hint}");
    let shown = upgrade_hint(Path::new("values.yaml"), &decision, false).join("\n");
    assert!(shown.contains("helm was not found on PATH"), "{shown}");
    assert!(
        shown.contains("  phib upgrade --values values.yaml"),
        "{shown}"
    );
    assert!(
        !shown.contains("helm upgrade primehub") && !shown.contains("jq"),
        "{shown}"
    );
    assert!(!shown.contains("rotating"), "values mode: {shown}");
    assert!(!shown.contains("dckr_pat_x"), "{shown}");
    assert!(shown.lines().all(|l| l.chars().count() < 80), "{shown}");
}

#[test]
fn external_mode_asks_name_namespace_and_file_and_splits_the_block() {
    let mut p = docker_hub_then([
        Step::Select("a Secret of your own"),
        // The chart's own secret name is refused at the prompt, then the default taken.
        text("primehub-controller-custom-image-push-secret"),
        text(""),
        text("Bad_NS"),
        text("prod-hub"),
        text(""),
        Step::Confirm(true),
    ]);
    // A folder that exists (tests run in the package root); nothing is written.
    let d = ask(&mut p, Path::new("tests/values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(shown.contains("into a ConfigMap in"), "{shown}");
    assert!(
        shown.contains(
            "! `--secret-name` `primehub-controller-custom-image-push-secret` is the chart's own"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("! `--namespace` `Bad_NS` is not a valid namespace"),
        "{shown}"
    );
    assert!(
        shown.contains("? File for the Secret manifest [tests/push-secret.yaml]"),
        "{shown}"
    );
    assert!(
        shown.contains("Where: the credentials go into the Secret `primehub-image-builder-push`"),
        "{shown}"
    );
    assert!(
        shown.contains("`prod-hub`), written to `tests/push-secret.yaml`"),
        "{shown}"
    );
    assert!(!shown.contains("registryPassword:"), "{shown}");
    assert!(!shown.contains("dckr_pat_x"), "{shown}");
    // kubectl was not found: applying is not offered.
    assert!(!p.prompts().contains(&"The Secret"), "{:?}", p.prompts());
    let ci = &d.validated.custom_image;
    assert_eq!(ci.registry_password, None);
    assert_eq!(
        ci.push_secret_name.as_deref(),
        Some(pushsecret::DEFAULT_NAME)
    );
    let command = d.command.as_ref().unwrap().join(" ");
    assert!(
        command.ends_with("--values tests/values.yaml --secret-mode external --namespace prod-hub --secret-out tests/push-secret.yaml"),
        "{command}"
    );
    let after = written_lines(&d).join("\n");
    assert!(
        after.contains("kubectl apply -f tests/push-secret.yaml"),
        "{after}"
    );
    let hint = upgrade_hint(Path::new("tests/values.yaml"), &d, true).join("\n");
    assert!(hint.contains("needs no helm upgrade"), "{hint}");
    match &d.pending {
        Pending::External {
            manifests: deliver::Manifests::Static(s),
            to: deliver::Output::File(path),
        } => {
            assert_eq!(s.namespace, "prod-hub");
            assert_eq!(path.path, Path::new("tests/push-secret.yaml"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn with_kubectl_applying_the_secret_is_offered() {
    let mut p = docker_hub_then([
        Step::Select("a Secret of your own"),
        text("mine"),
        text(""),
        Step::Select("write the manifest"),
        text("secret.yaml"),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None, true).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert!(p.prompts().contains(&"The Secret"), "{:?}", p.prompts());
    let command = d.command.unwrap().join(" ");
    assert!(
        command.ends_with("--secret-mode external --secret-name mine --secret-out secret.yaml"),
        "{command}"
    );
}

#[test]
fn the_manifest_file_must_not_be_the_values_file() {
    let mut p = docker_hub_then([
        Step::Select("a Secret of your own"),
        text(""),
        text(""),
        text("values.yaml"),
        text(""),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(shown.contains("is also the values file"), "{shown}");
    assert!(d
        .command
        .unwrap()
        .join(" ")
        .ends_with("--secret-out push-secret.yaml"));
}

#[test]
fn rotation_asks_no_secret_mode() {
    let mut p = Scripted::new([
        Step::Select("Rotate"),
        text(""),
        Step::Password("new-secret".into()),
        Step::Confirm(true),
    ]);
    let d = ask(
        &mut p,
        Path::new("values.yaml"),
        Some(&harbor_block()),
        true,
    )
    .unwrap();
    assert!(p.finished());
    assert!(d.choice.is_none());
    assert!(!p.prompts().contains(&secret::CREDENTIALS));
}

#[test]
fn the_questions_after_writing_have_their_defaults() {
    let mut p = Scripted::new([Step::Confirm(true)]);
    assert!(after::ask_verify(&mut p).unwrap());
    let mut p = Scripted::new([Step::Confirm(false)]);
    assert_eq!(after::ask_upgrade(&mut p, None, None).unwrap(), None);
    let mut p = Scripted::new([
        Step::Confirm(true),
        text("bad release!"),
        text(""),
        text(""),
    ]);
    let target = after::ask_upgrade(&mut p, Some("ph"), Some("prod")).unwrap();
    assert_eq!(
        target,
        Some(after::UpgradeTarget {
            release: "ph".into(),
            namespace: "prod".into()
        })
    );
    let shown = p.transcript.join("\n");
    assert!(shown.contains("? Helm release [ph] => ph"), "{shown}");
    assert!(shown.contains("? Namespace [prod] => prod"), "{shown}");
    assert!(shown.contains("! `--release`"), "{shown}");
    assert_eq!(
        p.prompts(),
        [
            "Apply it now with helm upgrade?",
            "Helm release [ph]",
            "Helm release [ph]",
            "Namespace [prod]"
        ]
    );
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

#[test]
fn ecr_offers_the_external_secrets_refresh_as_render_does() {
    let repo = "123456789012.dkr.ecr.us-east-1.amazonaws.com/builds";
    let script = |mode: &'static str| {
        let mut steps = vec![
            Step::Select("Amazon Elastic"),
            text("123456789012"),
            text("us-east-1"),
            text(repo),
            Step::Confirm(false),
            Step::Select(mode),
        ];
        if mode.starts_with("a Secret") {
            steps.extend([text(""), text(""), text("")]);
        }
        steps.push(Step::Confirm(true));
        Scripted::new(steps)
    };
    let mut p = script("a Secret kept fresh by external-secrets.io");
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(shown.contains("expire after 12 hours"), "{shown}");
    assert!(
        shown.contains("external-secrets.io keeps the Secret `primehub-image-builder-push`"),
        "{shown}"
    );
    assert!(matches!(
        d.pending,
        Pending::External {
            manifests: deliver::Manifests::Keyless(_),
            ..
        }
    ));
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Install the external-secrets.io operator in the cluster before applying"),
        "{shown}"
    );
    let after = [
        written_lines(&d),
        upgrade_hint(Path::new("values.yaml"), &d, true),
    ]
    .concat()
    .join("\n");
    assert!(
        after.contains("Install the external-secrets.io operator, then apply"),
        "{after}"
    );
    assert!(!after.contains("password"), "there is none: {after}");
    let command = d.command.unwrap().join(" ");
    assert!(
        command.ends_with(
            "--secret-mode external --ecr-refresh external-secrets --secret-out push-secret.yaml"
        ),
        "{command}"
    );

    // The chart's way keeps the `aws-registry` Secret, as `phib render` does by default.
    let mut p = script("the Secret of the aws-ecr-credential chart");
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert_eq!(
        d.validated.custom_image.push_secret_name.as_deref(),
        Some("aws-registry")
    );
    let shown = p.transcript.join("\n");
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("Where: the credentials come from the Secret `aws-registry`"),
        "{shown}"
    );
    assert!(!shown.contains("stay in the values file"), "{shown}");
    // Said for the wizard, not with `phib render` flags.
    assert!(!shown.contains("--secret-mode"), "{shown}");
    assert!(shown.contains("Kubernetes 1.25"), "{shown}");
    let after = written_lines(&d).join(" ");
    let after = after.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        after.contains("install InfuseAI's aws-ecr-credential chart"),
        "{after}"
    );
    assert!(d
        .command
        .unwrap()
        .join(" ")
        .ends_with("--secret-mode values"));
}

#[test]
fn render_warnings_are_said_without_flags_the_wizard_has_no_use_for() {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keyfiles/service-account.json"
    );
    let mut p = Scripted::new([
        Step::Select("Google Container Registry"),
        Step::Select("a service-account key"),
        text(key),
        text(""),
        text(""),
        text(""),
        Step::Confirm(false),
        Step::Select("in the Helm values"),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    // The warnings are there, worded for the wizard.
    assert!(
        d.validated.warnings.len() >= 2,
        "{:?}",
        d.validated.warnings
    );
    let shown = p.transcript.join("\n");
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!flat.contains("`--"), "{shown}");
    assert!(
        flat.contains("prefer Google Artifact Registry (docs/registries/gcr.md)"),
        "{shown}"
    );
    assert!(
        flat.contains("a Secret of your own keeps it out (docs/security.md)"),
        "{shown}"
    );
}

#[test]
fn an_empty_token_is_refused_naming_what_was_asked() {
    let mut p = Scripted::new([
        Step::Select("Docker Hub"),
        text("ann"),
        Step::Password(String::new()),
        Step::Password("dckr_pat_x".into()),
        text(""),
        Step::Confirm(false),
        Step::Select("in the Helm values"),
        Step::Confirm(true),
    ]);
    ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert!(
        p.transcript
            .contains(&"! Docker Hub access token is needed (nothing was typed)".to_string()),
        "{:#?}",
        p.transcript
    );
}

#[test]
fn the_push_secret_name_is_asked_once_under_one_name() {
    // The advanced options opened: endpoint, single repository, release, TLS; no
    // push secret name among them. Then a Secret of your own asks it, once.
    let mut p = Scripted::new([
        Step::Select("Docker Hub"),
        text("ann"),
        Step::Password("dckr_pat_x".into()),
        text(""),
        Step::Confirm(true),
        text(""),
        text(""),
        text(""),
        Step::Confirm(false),
        Step::Select("a Secret of your own"),
        text(""),
        text(""),
        text(""),
        Step::Confirm(true),
    ]);
    ask(&mut p, Path::new("tests/values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let asked: Vec<&str> = p
        .prompts()
        .into_iter()
        .filter(|q| q.to_lowercase().contains("secret name"))
        .collect();
    assert_eq!(asked.len(), 1, "{:#?}", p.transcript);
    assert!(asked[0].starts_with(secret::PUSH_SECRET_NAME), "{asked:?}");
}

#[test]
fn artifact_registry_offers_the_keyless_way_first_and_asks_no_key() {
    let mut p = Scripted::new([
        Step::Select("Google Artifact Registry"),
        Step::Select("short-lived tokens"),
        text("europe-west1"),
        text("acme-images"),
        text("primehub"),
        text("europe-west1-docker.pkg.dev/acme-images/primehub"),
        Step::Confirm(false),
        // Refused: not LOCATION/NAME; asked again.
        text("hub"),
        text("europe-west1/hub"),
        text(""),
        text(""),
        text(""),
        text("push-refresh.yaml"),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, Path::new("values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let prompts = p.prompts().join("\n");
    assert!(!prompts.contains("keyfile"), "{prompts}");
    assert!(p.prompts()[1].starts_with("Login"), "{prompts}");
    let shown = p.transcript.join("\n");
    assert!(shown.contains("is not `LOCATION/NAME`"), "{shown}");
    assert!(shown.contains("GCRAccessToken"), "{shown}");
    let Pending::External {
        manifests: deliver::Manifests::Keyless(plan),
        ..
    } = &d.pending
    else {
        panic!("{:?}", d.pending)
    };
    assert!(plan.manifests.text().contains("kind: \"GCRAccessToken\""));
    assert_eq!(d.validated.custom_image.registry_password, None);
    assert_eq!(d.validated.custom_image.registry_username, None);
    let command = d.command.unwrap().join(" ");
    assert!(
        command.contains("--refresh external-secrets --gke-cluster europe-west1/hub"),
        "{command}"
    );
    assert!(!command.contains("--keyfile"), "{command}");
}

/// The certificate fixture: valid from 2026-12-07 to 2036-12-04.
const SEALING_CERT: &str = "tests/fixtures/sealed/rsa-2048.pem";

#[test]
fn a_sealed_secret_asks_the_certificate_checks_it_and_seals_the_login() {
    let mut p = docker_hub_then([
        Step::Select("a sealed Secret, for git"),
        text(""),
        // Not a certificate: refused at the prompt, asked again.
        text("tests/fixtures/sealed/rsa-public-key.pem"),
        text(SEALING_CERT),
        text(""),
        text(""),
        Step::Confirm(true),
    ]);
    // A folder that exists (tests run in the package root); nothing is written.
    let d = ask(&mut p, Path::new("tests/values.yaml"), None, false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(
        shown.contains("only the controller in the cluster"),
        "{shown}"
    );
    assert!(
        shown.contains("! `--sealing-cert` `tests/fixtures/sealed/rsa-public-key.pem` holds a `PUBLIC KEY`, not a `CERTIFICATE`"),
        "{shown}"
    );
    // kubectl was not found: fetching is not offered, nor applying.
    assert!(!p.prompts().contains(&"Certificate"), "{:?}", p.prompts());
    assert!(
        shown.contains("? File for the SealedSecret [tests/push-secret.sealed.yaml]"),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Where: the credentials go into the SealedSecret `primehub-image-builder-push`"
        ),
        "{shown}"
    );
    assert!(!shown.contains("dckr_pat_x"), "{shown}");
    // No warning about git: the SealedSecret is meant for it.
    assert!(!shown.contains("git working tree"), "{shown}");
    let ci = &d.validated.custom_image;
    assert_eq!(ci.registry_password, None);
    assert_eq!(
        ci.push_secret_name.as_deref(),
        Some(pushsecret::DEFAULT_NAME)
    );
    let command = d.command.as_ref().unwrap().join(" ");
    assert!(
        command.ends_with(&format!("--values tests/values.yaml --secret-mode sealed --sealing-cert {SEALING_CERT} --secret-out tests/push-secret.sealed.yaml")),
        "{command}"
    );
    let Pending::External {
        manifests: deliver::Manifests::Sealed(sealed),
        to: deliver::Output::File(file),
    } = &d.pending
    else {
        panic!("{:?}", d.pending)
    };
    assert_eq!(file.path, Path::new("tests/push-secret.sealed.yaml"));
    assert_eq!(sealed.secret.password.expose(), "dckr_pat_x");
    assert!(sealed.manifest.contains("kind: \"SealedSecret\""));
    assert!(!sealed.manifest.contains("dckr_pat_x"));
    let after = written_lines(&d).join("\n");
    assert!(
        after.contains("Commit the SealedSecret with the values"),
        "{after}"
    );
    assert!(
        after.contains("kubectl apply -f tests/push-secret.sealed.yaml"),
        "{after}"
    );
    let hint = verify_hint_after_unseal(Path::new("tests/values.yaml")).join("\n");
    assert!(hint.contains("Synced"), "{hint}");
    let note = rotation_note(&d).join(" ");
    assert!(note.contains("commit or apply the new"), "{note}");
}

#[test]
fn with_kubectl_the_certificate_can_be_fetched_from_a_named_controller() {
    // Only the questions: the fetch itself runs in `deliver::prepare`, after them.
    let mut p = Scripted::new([
        Step::Select("a sealed Secret, for git"),
        text(""),
        Step::Select("fetch it"),
        text("Bad_Name"),
        text("sealed-secrets"),
        text(""),
        text("ml"),
        Step::Select("apply it now"),
    ]);
    let settings = crate::settings::Settings::new(Kind::DockerHub);
    let choice = secret::ask_choice(&mut p, &settings, Path::new("values.yaml"), true, None)
        .unwrap()
        .unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    let shown = p.transcript.join("\n");
    assert!(
        shown.contains("! `--controller-name` `Bad_Name` is not a valid Kubernetes object name"),
        "{shown}"
    );
    assert!(
        shown.contains("? Controller namespace [kube-system] => kube-system"),
        "{shown}"
    );
    assert_eq!(choice.mode, pushsecret::SecretMode::Sealed);
    assert_eq!(choice.sealing.cert, None);
    assert_eq!(
        choice.sealing.controller_name.as_deref(),
        Some("sealed-secrets")
    );
    assert_eq!(choice.sealing.controller_namespace, None);
    assert!(choice.apply);
    assert_eq!(
        choice.flags().join(" "),
        "--secret-mode sealed --controller-name sealed-secrets --namespace ml --apply"
    );
}

#[test]
fn rotating_a_block_whose_secret_was_sealed_beside_the_values_seals_again_in_its_scope() {
    let dir = tempfile::tempdir().unwrap();
    let values = dir.path().join("values.yaml");
    let cert = crate::pushsecret::sealed::SealingCert::from_pem(
        &std::fs::read(SEALING_CERT).unwrap(),
        "c",
        std::time::SystemTime::now(),
    )
    .unwrap();
    let old = crate::pushsecret::PushSecret {
        name: "ml-push".into(),
        namespace: "hub".into(),
        registry_endpoint: "https://harbor.example.com".into(),
        username: "robot$ml".into(),
        password: Secret::new("old"),
    };
    let file = dir.path().join("push-secret.sealed.yaml");
    let sealed_text = crate::pushsecret::sealed::manifest(
        &old,
        &cert,
        crate::pushsecret::sealed::Scope::NamespaceWide,
        &mut getrandom::SysRng,
    )
    .unwrap();
    std::fs::write(&file, sealed_text).unwrap();
    let mut p = Scripted::new([
        Step::Select("Rotate"),
        text("robot$ml+new"),
        Step::Password("new-secret".into()),
        text(SEALING_CERT),
        text(""),
        text(""),
        Step::Confirm(true),
    ]);
    let d = ask(&mut p, &values, Some(&external_block()), false).unwrap();
    assert!(p.finished(), "{:#?}", p.transcript);
    assert!(d.secret_only);
    let shown = p.transcript.join("\n");
    assert!(shown.contains("sealed again for git"), "{shown}");
    let Pending::External {
        manifests: deliver::Manifests::Sealed(sealed),
        to: deliver::Output::File(out),
    } = &d.pending
    else {
        panic!("{:?}", d.pending)
    };
    assert_eq!(out.path, file);
    assert_eq!(
        sealed.scope,
        crate::pushsecret::sealed::Scope::NamespaceWide
    );
    assert_eq!(sealed.secret.name, "ml-push");
    assert_eq!(sealed.secret.password.expose(), "new-secret");
    let command = d.command.unwrap().join(" ");
    assert!(
        command.contains("--secret-mode sealed --sealing-cert"),
        "{command}"
    );
    assert!(
        command.contains("--sealing-scope namespace-wide"),
        "{command}"
    );
}
