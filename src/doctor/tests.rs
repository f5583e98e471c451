//! The checks as pure functions: inputs built by hand, findings compared by id and
//! status, and the report's promise that no password is shown.

use serde_yaml::Value;

use super::objects::{ConfigMapObject, ImageObject, Objects};
use super::*;
use crate::chart::ChartVersion;

fn values(yaml: &str) -> Value {
    serde_yaml::from_str(yaml).unwrap()
}

fn inputs(version: &str, yaml: &str) -> Inputs {
    Inputs {
        release: Some("primehub".into()),
        namespace: Some("hub".into()),
        version: version.parse::<ChartVersion>().unwrap(),
        version_source: VersionSource::Flag,
        values: values(yaml),
        whole_values: true,
        values_source: "`v.yaml`".into(),
        objects: Objects::default(),
        live: true,
        images: Listing::NotAsked,
        history: None,
    }
}

fn secret(name: &str, host: &str, user: &str, pass: &str) -> objects::SecretObject {
    let config = serde_json::json!({"auths": {host: {"username": user, "password": pass}}});
    objects::SecretObject {
        name: name.into(),
        type_: Some(objects::DOCKERCONFIGJSON_TYPE.into()),
        data: [(
            objects::DOCKERCONFIGJSON_KEY.to_string(),
            Some(config.to_string().into_bytes()),
        )]
        .into(),
    }
}

fn not_ok(d: &Diagnosis) -> Vec<String> {
    d.findings
        .iter()
        .filter(|f| f.status != Status::Ok)
        .map(|f| format!("{}:{:?}", f.check.id(), f.status))
        .collect()
}

const EXTERNAL: &str = "customImage:\n  registryEndpoint: https://r.example.com\n  pushRepoPrefix: r.example.com/t\n  pushSecretName: mine\n";

#[test]
fn a_healthy_external_setup_is_all_ok() {
    let mut i = inputs("4.1.0", EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "pw-long"));
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), Vec::<String>::new(), "{:#?}", d.findings);
    assert_eq!(d.push_login.as_ref().unwrap().username, "u");
}

#[test]
fn a_nested_block_fails_alone_and_a_leftover_one_warns() {
    let d = checks::run(&inputs(
        "4.1.0",
        "controller:\n  customImage:\n    registryEndpoint: https://r.example.com\n",
    ));
    assert_eq!(not_ok(&d), ["block-place:Fail"]);
    assert!(
        d.findings[1].finding.contains("under `controller:`"),
        "{}",
        d.findings[1].finding
    );
    let d = checks::run(&inputs(
        "4.1.0",
        &format!("{EXTERNAL}ui:\n  customImage: {{}}\n"),
    ));
    assert!(
        not_ok(&d).contains(&"block-place:Warn".to_string()),
        "{:#?}",
        d.findings
    );
    let d = checks::run(&inputs("4.1.0", "a: 1\n"));
    assert_eq!(not_ok(&d), ["registry-endpoint:Fail"]);
}

#[test]
fn stale_keys_name_why_and_leave_what_the_version_check_reports() {
    let yaml = "customImage:\n  registryEndpoint: https://r.example.com\n  pushRepo: r.example.com/t/all\n  pushRepoPrefix: r.example.com/t\n  enabled: true\n  registryPasword: x\n  pushSecretName: mine\n";
    let d = checks::run(&inputs("3.7.0", yaml));
    let stale = d
        .findings
        .iter()
        .find(|f| f.check == Check::StaleKeys)
        .unwrap();
    assert_eq!(stale.status, Status::Warn);
    assert!(!stale.finding.contains("enabled"), "{}", stale.finding);
    assert!(
        stale.finding.contains("`registryPasword` (not a key"),
        "{}",
        stale.finding
    );
    assert!(!stale.finding.contains("pushRepo`"), "{}", stale.finding);
    assert!(d
        .findings
        .iter()
        .any(|f| f.check == Check::ChartKeys && f.status == Status::Fail));
}

#[test]
fn offline_the_secret_name_follows_the_controller_configmap() {
    let mut i = inputs(
        "4.1.0",
        "customImage:\n  registryEndpoint: https://r.example.com\n  registryUsername: u\n  registryPassword: pw-long\n  pushRepoPrefix: r.example.com/t\n",
    );
    i.release = None;
    i.live = false;
    i.objects.config_maps.push(ConfigMapObject {
        name: "ml-primehub-controller-config".into(),
        data: [(
            "config.yaml".into(),
            "customImage:\n  registryEndpoint: https://r.example.com\n".into(),
        )]
        .into(),
    });
    let d = checks::run(&i);
    let f = d
        .findings
        .iter()
        .find(|f| f.check == Check::SecretName)
        .unwrap();
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.finding
            .contains("`ml-primehub-controller-custom-image-push-secret`"),
        "{}",
        f.finding
    );
    assert!(!d.findings.iter().any(|f| f.check == Check::PushSecret));
}

#[test]
fn leaks_are_found_in_any_form_and_short_passwords_only_whole() {
    let mut i = inputs("4.1.0", EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "pw-long"));
    i.objects.config_maps.push(ConfigMapObject {
        name: "notes".into(),
        data: [("a".into(), "the token is 'pw-long'".into())].into(),
    });
    let mut copy = secret("copy", "r.example.com", "u", "pw-long");
    copy.type_ = Some("Opaque".into());
    i.objects.secrets.push(copy);
    let d = checks::run(&i);
    assert_eq!(
        not_ok(&d),
        ["leak-configmap:Warn", "leak-secrets:Warn"],
        "{:#?}",
        d.findings
    );
    // A three-letter password is not "found" inside other text.
    let mut i = inputs("4.1.0", EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "abc"));
    i.objects.config_maps.push(ConfigMapObject {
        name: "c".into(),
        data: [("a".into(), "abcdef".into()), ("b".into(), "x".into())].into(),
    });
    assert_eq!(not_ok(&checks::run(&i)), Vec::<String>::new());
    i.objects.config_maps[0]
        .data
        .insert("c".into(), "abc".into());
    assert_eq!(not_ok(&checks::run(&i)), ["leak-configmap:Warn"]);
}

#[test]
fn an_older_password_in_the_history_warns_the_current_one_does_not() {
    let block = |p: &str| {
        values(&format!(
            "customImage:\n  registryEndpoint: https://r.example.com\n  registryUsername: u\n  registryPassword: {p}\n  pushRepoPrefix: r.example.com/t\n"
        ))
    };
    let mut i = inputs("4.1.0", "");
    i.values = block("now-pass");
    i.objects.secrets.push(secret(
        "primehub-controller-custom-image-push-secret",
        "r.example.com",
        "u",
        "now-pass",
    ));
    i.history = Some(vec![
        Revision {
            number: 4,
            values: block("now-pass"),
        },
        Revision {
            number: 2,
            values: block("old-pass"),
        },
    ]);
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), ["leak-history:Warn"]);
    let f = d
        .findings
        .iter()
        .find(|f| f.check == Check::LeakHistory)
        .unwrap();
    assert!(
        f.finding.starts_with("revision 2 of release `primehub`"),
        "{}",
        f.finding
    );
    let text = report::text(&report::Subject::default(), &d);
    assert!(
        !text.contains("old-pass") && !text.contains("now-pass"),
        "{text}"
    );
}

#[test]
fn images_are_checked_against_their_own_registry() {
    let mut i = inputs("4.1.0", EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "pw-long"));
    i.images = Listing::Listed;
    for (name, url, pull) in [
        ("a", "r.example.com/t/a:1", Some("mine")),
        ("b", "python:3.9", None),
        ("c", "python:3.9", Some("mine")),
        ("d", "x.example.com/d:1", Some("gone")),
    ] {
        i.objects.images.push(ImageObject {
            name: name.into(),
            url: Some(url.into()),
            url_for_gpu: None,
            pull_secret: pull.map(Into::into),
        });
    }
    let d = checks::run(&i);
    let bad: Vec<&Finding> = d
        .findings
        .iter()
        .filter(|f| f.check == Check::ImagePullSecrets)
        .collect();
    assert_eq!(bad.len(), 2, "{bad:#?}");
    assert!(
        bad[0]
            .finding
            .starts_with("Image `c`: its pull Secret `mine`: no credentials for `docker.io`"),
        "{}",
        bad[0].finding
    );
    assert!(
        bad[1]
            .finding
            .starts_with("Image `d`: its pull Secret `gone` does not exist"),
        "{}",
        bad[1].finding
    );
}

#[test]
fn the_report_hides_what_the_redactor_knows_and_counts() {
    let mut d = checks::run(&inputs("4.1.0", EXTERNAL));
    d.findings
        .push(Finding::fail(Check::Registry, "said hunter22 once", "x"));
    d.redactor.add("hunter22");
    let subject = report::Subject {
        release: Some("primehub".into()),
        namespace: Some("hub".into()),
        chart_version: "4.1.0".into(),
        mode: "live",
        source: "helm and kubectl".into(),
    };
    let text = report::text(&subject, &d);
    assert!(
        text.contains("FAIL  said <redacted> once\n      fix: x\n"),
        "{text}"
    );
    assert!(
        text.ends_with(&format!(
            "\n2 failed, 0 warnings, {} ok\n",
            d.count(Status::Ok)
        )),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&report::json(&subject, &d)).unwrap();
    assert_eq!(json["failed"], 2);
    assert_eq!(
        json["checks"].as_array().unwrap().last().unwrap()["check"],
        "registry"
    );
    assert!(!report::json(&subject, &d).contains("hunter22"));
}
