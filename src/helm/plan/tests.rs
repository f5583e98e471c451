use super::*;
use serde_json::json;

fn opts() -> UpgradeOptions {
    UpgradeOptions {
        values_path: PathBuf::from("values.yaml"),
        release: "primehub".into(),
        namespace: "hub".into(),
        chart: "infuseai/primehub".into(),
        version: None,
        install: false,
    }
}

fn release(chart: &str) -> ReleaseInfo {
    ReleaseInfo {
        name: "primehub".into(),
        namespace: "hub".into(),
        chart: chart.into(),
        status: "deployed".into(),
    }
}

const FILE: &str = "domain: hub.example.com\ncustomImage:\n  registryEndpoint: \"https://ghcr.io\"\n  registryUsername: \"me\"\n  registryPassword: \"s3cret\"\n  pushRepo: \"ghcr.io/me/img\"\n  buildJob:\n    ephemeralStorage: 30Gi\n";

fn temp_content(plan: &Plan) -> Value {
    match &plan.values {
        ValuesArg::Temp(c) => serde_json::from_str(c.expose()).unwrap(),
        other => panic!("expected a temp file, got {other:?}"),
    }
}

#[test]
fn upgrade_pins_the_deployed_version_and_passes_only_the_block() {
    let plan = plan_upgrade(FILE, Some(&release("primehub-v4.1.0")), None, &opts()).unwrap();
    assert_eq!(
        plan.argv(Path::new("/tmp/x.yaml")),
        [
            "upgrade",
            "primehub",
            "infuseai/primehub",
            "--namespace",
            "hub",
            "--reuse-values",
            "--version",
            "v4.1.0",
            "-f",
            "/tmp/x.yaml"
        ]
    );
    assert_eq!(plan.version_source, VersionSource::Deployed);
    assert_eq!(plan.ignored_keys, ["domain"]);
    let content = temp_content(&plan);
    assert_eq!(
        content,
        json!({"customImage": {
            "registryEndpoint": "https://ghcr.io",
            "registryUsername": "me",
            "registryPassword": "s3cret",
            "pushRepo": "ghcr.io/me/img",
            "buildJob": {"ephemeralStorage": "30Gi"},
            "enabled": null,
            "pushRepoPrefix": null,
            "pushSecretName": DEFAULT_PUSH_SECRET_NAME,
            "insecureSkipVerify": false
        }})
    );
}

#[test]
fn the_password_never_reaches_argv_or_the_command_line() {
    let plan = plan_upgrade(FILE, Some(&release("primehub-4.1.0")), None, &opts()).unwrap();
    let line = plan.command_line("helm", Path::new("/tmp/x.yaml"));
    assert!(!line.contains("s3cret"), "{line}");
    assert!(!line.contains("--set"), "{line}");
}

#[test]
fn a_removed_password_is_passed_as_null() {
    let file = "customImage:\n  registryEndpoint: ghcr.io\n  pushSecretName: my-own\n";
    let plan = plan_upgrade(file, Some(&release("primehub-4.1.0")), None, &opts()).unwrap();
    let block = &temp_content(&plan)["customImage"];
    for key in [
        "registryUsername",
        "registryPassword",
        "pushRepo",
        "pushRepoPrefix",
    ] {
        assert_eq!(block[key], Value::Null, "{key}");
        assert!(block.as_object().unwrap().contains_key(key), "{key}");
    }
    assert_eq!(block["pushSecretName"], "my-own");
}

#[test]
fn given_version_wins() {
    let mut o = opts();
    o.version = Some("4.2.0".into());
    let plan = plan_upgrade(FILE, Some(&release("primehub-v4.1.0")), None, &o).unwrap();
    assert_eq!(plan.version.as_deref(), Some("4.2.0"));
    assert_eq!(plan.version_source, VersionSource::Given);
}

#[test]
fn no_release_without_install_is_explained() {
    let e = plan_upgrade(FILE, None, None, &opts()).unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert!(
        e.message
            .contains("no release `primehub` in namespace `hub`"),
        "{}",
        e.message
    );
    assert!(e.help.unwrap().contains("--install"));
}

#[test]
fn first_install_uses_the_whole_file() {
    let mut o = opts();
    o.install = true;
    let plan = plan_upgrade(FILE, None, None, &o).unwrap();
    assert_eq!(plan.values, ValuesArg::File(PathBuf::from("values.yaml")));
    assert_eq!(
        plan.argv(Path::new("values.yaml")),
        [
            "upgrade",
            "--install",
            "primehub",
            "infuseai/primehub",
            "--namespace",
            "hub",
            "--create-namespace",
            "-f",
            "values.yaml"
        ]
    );
}

#[test]
fn another_chart_is_refused() {
    let e = plan_upgrade(FILE, Some(&release("nginx-1.2.3")), None, &opts()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.message.contains("nginx-1.2.3"));
}

#[test]
fn file_without_block_is_bad_input() {
    let e = plan_upgrade("a: 1\n", Some(&release("primehub-4.1.0")), None, &opts()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let e = plan_upgrade("a: [\n", None, None, &opts()).unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

#[test]
fn changes_against_the_deployed_values() {
    let deployed = json!({"customImage": {"registryEndpoint": "https://ghcr.io",
        "registryPassword": "old", "pushRepoPrefix": "ghcr.io/me"}});
    let plan = plan_upgrade(
        FILE,
        Some(&release("primehub-4.1.0")),
        Some(&deployed),
        &opts(),
    )
    .unwrap();
    let get = |k: &str| plan.changes.iter().find(|(key, _)| key == k).unwrap().1;
    assert_eq!(get("registryEndpoint"), Change::Unchanged);
    assert_eq!(get("registryPassword"), Change::Changed);
    assert_eq!(get("registryUsername"), Change::Added);
    assert_eq!(get("pushRepoPrefix"), Change::Removed);
    // Not set in the release means the chart's default: resetting to it is no change.
    assert_eq!(get("pushSecretName"), Change::Unchanged);
    assert_eq!(get("insecureSkipVerify"), Change::Unchanged);
}

#[test]
fn chart_versions_are_split_by_the_chart_name() {
    let cases = [
        ("primehub-v4.1.0", "primehub", Some("v4.1.0")),
        ("primehub-4.1.0", "primehub", Some("4.1.0")),
        ("primehub-4.1.0-rc.1", "primehub", Some("4.1.0-rc.1")),
        (
            "primehub-v3.7.1+build.5",
            "primehub",
            Some("v3.7.1+build.5"),
        ),
        (
            "aws-ecr-credential-1.5.0",
            "aws-ecr-credential",
            Some("1.5.0"),
        ),
        ("primehub-4.1.0", "primehub-4.1.0", Some("4.1.0")),
        ("primehub-ee-4.1.0", "primehub", None),
        ("nginx-1.0.0", "primehub", None),
        ("primehub", "primehub", None),
        ("primehub-latest", "primehub", None),
    ];
    for (field, name, want) in cases {
        assert_eq!(
            chart_version(field, name).as_deref(),
            want,
            "{field} / {name}"
        );
    }
    assert_eq!(chart_name_of("infuseai/primehub"), "primehub");
    assert_eq!(chart_name_of("oci://r.io/charts/primehub"), "primehub");
    assert_eq!(chart_name_of("./primehub-4.1.0.tgz"), "primehub-4.1.0");
}

#[test]
fn names_are_checked() {
    assert!(validate_name("--release", "primehub").is_ok());
    assert!(validate_name("--release", "prime.hub-2").is_ok());
    for bad in ["", "Prime", "a'b", "-a", "a b", "x$(id)"] {
        assert_eq!(
            validate_name("--release", bad).unwrap_err().exit_code(),
            2,
            "{bad}"
        );
    }
}

#[test]
fn shell_quoting() {
    assert_eq!(shell_quote("/tmp/a.yaml"), "/tmp/a.yaml");
    assert_eq!(shell_quote("a b"), "'a b'");
    assert_eq!(shell_quote("it's"), "\"it's\"");
}

#[test]
fn a_pending_release_is_refused_and_an_uninstalled_one_is_missing() {
    let mut r = release("primehub-4.1.0");
    r.status = "pending-upgrade".into();
    let e = plan_upgrade(FILE, Some(&r), None, &opts()).unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert!(e.message.contains("pending-upgrade"), "{}", e.message);
    r.status = "uninstalled".into();
    let e = plan_upgrade(FILE, Some(&r), None, &opts()).unwrap_err();
    assert!(e.message.contains("there is no release"), "{}", e.message);
    r.status = "failed".into();
    assert!(plan_upgrade(FILE, Some(&r), None, &opts()).is_ok());
}

#[test]
fn debug_of_a_plan_shows_no_password() {
    let plan = plan_upgrade(FILE, Some(&release("primehub-4.1.0")), None, &opts()).unwrap();
    assert!(temp_content(&plan)["customImage"]["registryPassword"] == "s3cret");
    let shown = format!("{plan:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("Temp(<redacted>)"), "{shown}");
    // Neither for a first install, which hides the password in helm's output too.
    let mut o = opts();
    o.install = true;
    let plan = plan_upgrade(FILE, None, None, &o).unwrap();
    assert!(!format!("{plan:?}").contains("s3cret"));
    assert_eq!(plan.secrets.redact("echo s3cret"), "echo <redacted>");
}

#[test]
fn values_without_a_json_form_are_bad_input_with_help() {
    // A mapping used as a key is valid YAML but has no JSON form.
    let text =
        "customImage:\n  registryEndpoint: r.io\n  registryPassword: s3cret\n? [a, b]\n: 1\n";
    let err = plan_upgrade(text, Some(&release("primehub-v4.1.0")), None, &opts()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.message
            .contains("`values.yaml` cannot be read as Helm values"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("s3cret"), "{}", err.message);
    assert!(err.help.is_some());
}

#[test]
fn every_secret_of_a_first_install_is_hidden_in_helm_output() {
    let mut o = opts();
    o.install = true;
    let text = format!(
        "{FILE}keycloak:\n  password: kc-pass\n  clientSecret: ''\n  domain: kc.io\nlist:\n  - apiToken:\n      nested: tok-1\n"
    );
    let deployed = json!({"grafana": {"adminPassword": "graf-pw"}});
    let plan = plan_upgrade(&text, None, Some(&deployed), &o).unwrap();
    assert_eq!(
        plan.secrets
            .redact("s3cret kc-pass tok-1 graf-pw kc.io me hub.example.com"),
        "<redacted> <redacted> <redacted> <redacted> kc.io me hub.example.com"
    );
}
