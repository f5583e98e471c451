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
        owner_external_secret: None,
        owner_sealed_secret: None,
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
            // As the chart renders it: its default `pushSecretName` merged in.
            "customImage:\n  registryEndpoint: https://r.example.com\n  pushSecretName: primehub-controller-custom-image-push-secret\n".into(),
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

/// Objects as `kubectl get -o yaml` prints them (a `kind: List`), added to `i`.
fn add_yaml(i: &mut Inputs, yaml: &str) {
    let found = Objects::parse(yaml, "test").unwrap();
    i.objects.external_secrets.extend(found.external_secrets);
    i.objects.sealed_secrets.extend(found.sealed_secrets);
    i.objects.generators.extend(found.generators);
    i.objects.service_accounts.extend(found.service_accounts);
    i.objects.stores.extend(found.stores);
    i.objects.pods.extend(found.pods);
    i.objects.image_spec_jobs.extend(found.image_spec_jobs);
    i.objects.events.extend(found.events);
    i.objects.namespaces.extend(found.namespaces);
    i.objects.secrets.extend(found.secrets);
}

/// An ECR set-up (ExternalSecret, ECRAuthorizationToken, IRSA ServiceAccount) in one
/// `kind: List`, the ExternalSecret's `Ready` as given.
fn ecr_chain(ready: &str, annotated: bool) -> String {
    let annotations = if annotated {
        "    annotations:\n      eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/builder\n"
    } else {
        ""
    };
    format!(
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: external-secrets.io/v1\n  kind: ExternalSecret\n  metadata: {{name: mine, namespace: hub}}\n  spec:\n    refreshInterval: 1h\n    target: {{name: mine}}\n    dataFrom:\n    - sourceRef:\n        generatorRef: {{apiVersion: generators.external-secrets.io/v1alpha1, kind: ECRAuthorizationToken, name: mine-ecr-token}}\n  status:\n    refreshTime: \"2026-01-20T10:00:00Z\"\n    conditions:\n    - {{type: Ready, status: \"{ready}\", reason: SecretSyncedError, message: could not get secret data from provider}}\n- apiVersion: generators.external-secrets.io/v1alpha1\n  kind: ECRAuthorizationToken\n  metadata: {{name: mine-ecr-token}}\n  spec:\n    region: us-east-1\n    auth: {{jwt: {{serviceAccountRef: {{name: builder}}}}}}\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata:\n    name: builder\n{annotations}"
    )
}

#[test]
fn a_kubectl_list_of_the_chain_is_read_and_followed() {
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(&mut i, &ecr_chain("True", true));
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "AWS", "token-long"));
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), Vec::<String>::new(), "{:#?}", d.findings);
    let source = d
        .findings
        .iter()
        .find(|f| f.check == Check::SecretSource)
        .unwrap();
    assert!(
        source.finding.contains("logs in as ServiceAccount `builder` (`eks.amazonaws.com/role-arn: arn:aws:iam::123456789012:role/builder`)"),
        "{}",
        source.finding
    );
    // Ready, but the ServiceAccount lost its annotation since: the next renewal fails.
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(&mut i, &ecr_chain("True", false));
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "AWS", "token-long"));
    assert_eq!(not_ok(&checks::run(&i)), ["secret-source:Fail"]);
}

#[test]
fn a_missing_push_secret_made_by_an_external_secret_never_asks_for_a_password() {
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(&mut i, &ecr_chain("False", true));
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), ["external-secret:Fail"], "{:#?}", d.findings);
    let f = &d.findings[d
        .findings
        .iter()
        .position(|f| f.status == Status::Fail)
        .unwrap()];
    let fix = f.fix.as_deref().unwrap();
    assert!(fix.contains("ecr:GetAuthorizationToken"), "{fix}");
    assert!(
        fix.contains("arn:aws:iam::123456789012:role/builder"),
        "{fix}"
    );
    assert!(
        !fix.contains("password") && !fix.contains("--secret-mode external"),
        "{fix}"
    );
    // Without the ExternalSecret, the same missing Secret is the push-secret check's.
    let d = checks::run(&inputs("4.1.0", EXTERNAL));
    assert_eq!(not_ok(&d), ["push-secret:Fail"]);
}

#[test]
fn the_operators_wrapping_is_cut_and_a_long_message_shortened() {
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(&mut i, &ecr_chain("False", true));
    let long = format!(
        "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: unable to get authorization token: {}",
        "x".repeat(900)
    );
    i.objects.events.push(objects::EventObject {
        kind: "ExternalSecret".into(),
        name: "mine".into(),
        type_: "Warning".into(),
        reason: "UpdateFailed".into(),
        message: long,
        last: Some("2026-01-20T10:00:00Z".into()),
    });
    let d = checks::run(&i);
    let f = d
        .findings
        .iter()
        .find(|f| f.check == Check::ExternalSecret)
        .unwrap();
    assert!(
        f.finding
            .contains("the operator says: unable to get authorization token: xxx"),
        "{}",
        f.finding
    );
    assert!(f.finding.contains("x…"), "{}", f.finding);
    assert!(f.finding.len() < 900, "{}", f.finding);
}

#[test]
fn log_lines_are_quoted_with_every_login_hidden() {
    let mut i = inputs("4.1.0", EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "push-pass-1"));
    i.objects
        .secrets
        .push(secret("pull", "other.example.com", "v", "pull-pass-22"));
    add_yaml(
        &mut i,
        "kind: ImageSpecJob\napiVersion: primehub.io/v1alpha1\nmetadata: {name: j, creationTimestamp: '2026-01-20T10:00:00Z'}\nspec: {targetImage: 'a:1', repoPrefix: r.example.com/t}\nstatus: {phase: Failed, podName: image-j-abcd}\n---\nkind: Pod\napiVersion: v1\nmetadata: {name: image-j-abcd}\nstatus:\n  phase: Failed\n  containerStatuses:\n  - {name: build-and-push, restartCount: 0, state: {terminated: {exitCode: 1, reason: Error}}}\n",
    );
    let auth = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, "v:pull-pass-22");
    i.objects.logs.push(objects::PodLog {
        pod: "image-j-abcd".into(),
        container: "build-and-push".into(),
        previous: false,
        text: format!("[Step: init]\nError: from https://u:push-pass-1@r.example.com with {auth}\nError: cannot write /Dockerfile: pull-pass-22 \u{1b}[31m\n"),
    });
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), ["builds:Fail"], "{:#?}", d.findings);
    // The report as the terminal gate prints it: control characters escaped there.
    let text = crate::out::clean(&report::text(&report::Subject::default(), &d));
    for secret in ["push-pass-1", "pull-pass-22", auth.as_str(), "\u{1b}"] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    assert!(
        text.contains("https://u:<redacted>@r.example.com"),
        "{text}"
    );
    assert!(
        text.contains("cannot write /Dockerfile: <redacted>"),
        "{text}"
    );
}

#[test]
fn a_fault_the_build_shows_is_named_once() {
    // The namespace refuses privileged pods: the job with no pod adds nothing.
    let mut i = inputs("4.1.0", EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "pw-long"));
    add_yaml(
        &mut i,
        "kind: Namespace\napiVersion: v1\nmetadata: {name: hub, labels: {pod-security.kubernetes.io/enforce: restricted}}\n---\nkind: ImageSpecJob\napiVersion: primehub.io/v1alpha1\nmetadata: {name: j}\nstatus: {phase: '', podName: ''}\n",
    );
    i.objects.logs.push(objects::PodLog {
        pod: "primehub-controller-5d9-abcde".into(),
        container: "manager".into(),
        previous: false,
        text: "ERROR failed to create Pod resource {\"imagespecjob\": \"hub/j\", \"error\": \"pods \\\"image-j-x\\\" is forbidden: violates PodSecurity \\\"restricted:latest\\\"\"}\n".into(),
    });
    assert_eq!(not_ok(&checks::run(&i)), ["pod-security:Fail"]);
    i.objects.namespaces.clear();
    assert_eq!(not_ok(&checks::run(&i)), ["builds:Fail"]);

    // An empty pushSecretName stops the controller: its crash adds nothing.
    let mut i = inputs(
        "4.1.0",
        "customImage:\n  registryEndpoint: https://r.example.com\n  pushRepoPrefix: r.example.com/t\n  pushSecretName: ''\n",
    );
    add_yaml(
        &mut i,
        "kind: Pod\napiVersion: v1\nmetadata: {name: primehub-controller-5d9-abcde}\nstatus:\n  containerStatuses:\n  - {name: manager, restartCount: 9, state: {waiting: {reason: CrashLoopBackOff}}, lastState: {terminated: {reason: Error, exitCode: 2}}}\n",
    );
    assert_eq!(not_ok(&checks::run(&i)), ["secret-name:Fail"]);
    i.values = values(EXTERNAL);
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "pw-long"));
    assert_eq!(not_ok(&checks::run(&i)), ["controller:Fail"]);
}

/// A SealedSecret named `mine` in `Synced` state `status` (none: no status), with the
/// controller's warning `event` about it.
fn sealed_secret(status: Option<(&str, &str)>, event: Option<&str>) -> String {
    let status = match status {
        Some((s, m)) => {
            format!("status: {{conditions: [{{type: Synced, status: '{s}', message: '{m}'}}]}}\n")
        }
        None => String::new(),
    };
    let mut text = format!("kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\nmetadata: {{name: mine, annotations: {{sealedsecrets.bitnami.com/namespace-wide: 'true'}}}}\nspec: {{encryptedData: {{.dockerconfigjson: AgB}}, template: {{type: kubernetes.io/dockerconfigjson}}}}\n{status}");
    if let Some(e) = event {
        text.push_str(&format!("---\nkind: Event\napiVersion: v1\nmetadata: {{name: mine.1}}\ninvolvedObject: {{kind: SealedSecret, name: mine}}\ntype: Warning\nreason: ErrUnsealFailed\nmessage: '{e}'\nlastTimestamp: '2026-01-20T10:00:00Z'\n"));
    }
    text
}

fn sealed_finding(d: &Diagnosis) -> &Finding {
    d.findings
        .iter()
        .find(|f| f.check == Check::SealedSecret)
        .unwrap_or_else(|| panic!("{:#?}", d.findings))
}

#[test]
fn a_sealed_secret_is_followed_by_its_synced_condition() {
    // Synced, with the Secret it made: ok, and the login checked as any push Secret's.
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(&mut i, &sealed_secret(Some(("True", "")), None));
    let mut made = secret("mine", "r.example.com", "u", "pw-long");
    made.owner_sealed_secret = Some("mine".into());
    i.objects.secrets.push(made);
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), Vec::<String>::new(), "{:#?}", d.findings);
    let f = sealed_finding(&d);
    assert_eq!(
        f.finding,
        "SealedSecret `mine` (scope namespace-wide) makes the push Secret `mine`: Synced"
    );
    assert!(d.push_login.is_some());

    // Sealed for another cluster: the controller's error, its event, the fix.
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(
        &mut i,
        &sealed_secret(
            Some(("False", "no key could decrypt secret (.dockerconfigjson)")),
            Some("Failed to unseal: no key could decrypt secret (.dockerconfigjson)"),
        ),
    );
    let d = checks::run(&i);
    // The missing Secret is explained here, not again by the push-secret check.
    assert_eq!(not_ok(&d), ["sealed-secret:Fail"], "{:#?}", d.findings);
    let f = sealed_finding(&d);
    assert!(
        f.finding.starts_with("SealedSecret `mine` cannot make the push Secret `mine`: Synced is False (no key could decrypt secret (.dockerconfigjson)); the controller says: Failed to unseal"),
        "{}",
        f.finding
    );
    assert!(
        f.finding.ends_with("so builds cannot start"),
        "{}",
        f.finding
    );
    let fix = f.fix.as_deref().unwrap();
    assert!(fix.contains("another controller's certificate"), "{fix}");
    assert!(fix.contains("namespace-wide"), "{fix}");
    assert!(
        fix.contains("phib render --rotate --secret-mode sealed --secret-out FILE"),
        "{fix}"
    );

    // A Secret made elsewhere is in the way: the annotation that hands it over.
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(
        &mut i,
        &sealed_secret(
            Some(("False", "failed update: Resource \"mine\" already exists and is not managed by SealedSecret")),
            None,
        ),
    );
    i.objects
        .secrets
        .push(secret("mine", "r.example.com", "u", "pw-long"));
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), ["sealed-secret:Fail"], "{:#?}", d.findings);
    let f = sealed_finding(&d);
    assert!(
        f.finding
            .ends_with("; the push Secret keeps an older login"),
        "{}",
        f.finding
    );
    assert!(
        f.fix
            .as_deref()
            .unwrap()
            .contains("kubectl -n hub annotate secret mine sealedsecrets.bitnami.com/managed=true"),
        "{:?}",
        f.fix
    );

    // Never handled: live a failure naming the controller, offline the bundle's gap.
    let mut i = inputs("4.1.0", EXTERNAL);
    add_yaml(&mut i, &sealed_secret(None, None));
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), ["sealed-secret:Fail"], "{:#?}", d.findings);
    assert!(sealed_finding(&d).finding.contains("has no status"));
    i.live = false;
    let d = checks::run(&i);
    assert_eq!(not_ok(&d), ["sealed-secret:Warn"], "{:#?}", d.findings);
    assert!(sealed_finding(&d).finding.contains("not in the bundle"));
}
