//! `phib doctor`. The offline form runs on what the real helm renders from the fixture
//! chart of every PrimeHub range (`tests/fixtures/charts/`), with one fault planted at
//! a time in the values or in the bundle, and must report exactly that fault. The live
//! form reads the same renders through recording stand-ins of helm and kubectl (no
//! cluster can run here: those tests end in `_stub_cluster`), and checks a real
//! registry with the push Secret's login.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use base64::Engine;
use serde_json::{json, Value};

use crate::util::*;

mod chain;
mod docs;
pub(crate) mod live;
mod offline;
mod sealed;
pub mod shapes;

pub const USER: &str = "robot$ci";
pub const PASSWORD: &str = "p@ss w:rd\"1";
pub const OLD_PASSWORD: &str = "0ld-Pa55-hunter2";
pub const HOST: &str = "reg.example.com";
/// The external push Secret of the healthy external-mode setup.
pub const EXTERNAL_SECRET: &str = "image-builder-push";
pub const CHARTS_SECRET: &str = "primehub-controller-custom-image-push-secret";

pub fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// A `.dockerconfigjson` for one host.
pub fn dockerconfig(host: &str, user: &str, password: &str) -> String {
    json!({"auths": {host: {"auth": b64(&format!("{user}:{password}"))}}}).to_string()
}

/// A Secret manifest (YAML) with `data` of these keys.
pub fn secret_doc(name: &str, type_: &str, data: &[(&str, &str)]) -> String {
    let data: serde_json::Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(b64(v))))
        .collect();
    let doc = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
                     "type": type_, "data": data});
    format!("---\n{}", serde_yaml::to_string(&doc).unwrap())
}

/// The external push Secret, as `phib render --secret-out` would write it.
pub fn external_secret(host: &str, user: &str, password: &str) -> String {
    secret_doc(
        EXTERNAL_SECRET,
        "kubernetes.io/dockerconfigjson",
        &[(".dockerconfigjson", &dockerconfig(host, user, password))],
    )
}

/// An Image of PrimeHub pulling `url` with `pull_secret`.
pub fn image_doc(name: &str, url: &str, pull_secret: &str) -> String {
    let doc = json!({"apiVersion": "primehub.io/v1alpha1", "kind": "Image",
                     "metadata": {"name": name},
                     "spec": {"url": url, "pullSecret": pull_secret, "type": "both"}});
    format!("---\n{}", serde_yaml::to_string(&doc).unwrap())
}

/// The values of a healthy setup with the login in the values (the chart renders the
/// push Secret). `primehub.mode: ee` lets charts up to 3.3.0 render it.
pub fn values_mode() -> Value {
    json!({
        "primehub": {"mode": "ee"},
        "customImage": {
            "registryEndpoint": format!("https://{HOST}"),
            "registryUsername": USER,
            "registryPassword": PASSWORD,
            "pushRepoPrefix": format!("{HOST}/team"),
            "buildJob": {"resources": {
                "requests": {"cpu": "500m", "memory": "1Gi"},
                "limits": {"cpu": 2, "memory": "4Gi"}
            }}
        }
    })
}

/// The values of a healthy setup whose login is in a Secret kept outside the chart.
pub fn external_mode() -> Value {
    json!({
        "primehub": {"mode": "ee"},
        "customImage": {
            "registryEndpoint": format!("https://{HOST}"),
            "pushRepoPrefix": format!("{HOST}/team"),
            "pushSecretName": EXTERNAL_SECRET
        }
    })
}

/// Writes `values` (YAML) into `dir` and renders `chart` as `release` with the real
/// helm.
pub fn render(
    dir: &Path,
    chart: &str,
    release: &str,
    values: &Value,
) -> (std::path::PathBuf, String) {
    let file = dir.join("values.yaml");
    std::fs::write(&file, serde_yaml::to_string(values).unwrap()).unwrap();
    let manifest = helm_template_as(release, &crate::buildah::chart_dir(chart), &file);
    (file, manifest)
}

/// The doctor's JSON report, parsed.
pub fn report(r: &Run) -> Value {
    serde_json::from_slice(&r.stdout).unwrap_or_else(|e| {
        panic!(
            "doctor printed no JSON ({e}):\n{}\n--- stderr\n{}",
            r.stdout_str(),
            r.stderr
        )
    })
}

/// The checks that did not come out ok, as `id:status`.
pub fn not_ok(report: &Value) -> BTreeSet<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] != "ok")
        .map(|c| {
            format!(
                "{}:{}",
                c["check"].as_str().unwrap(),
                c["status"].as_str().unwrap()
            )
        })
        .collect()
}

/// No password, in any form the doctor could print it, on either stream.
pub fn assert_no_secret(r: &Run) {
    let out = format!("{}\n{}", r.stdout_str(), r.stderr);
    for secret in [PASSWORD, OLD_PASSWORD] {
        for form in [
            secret.to_string(),
            serde_json::to_string(secret).unwrap(),
            b64(secret),
            b64(&format!("{USER}:{secret}")),
        ] {
            assert!(!out.contains(&form), "a password in the output:\n{out}");
        }
    }
}

/// The exit status the findings call for: 1 with a failure, else 0.
pub fn expected_code(expected: &[&str]) -> i32 {
    if expected.iter().any(|e| e.ends_with(":fail")) {
        1
    } else {
        0
    }
}

/// Every chart fixture.
pub const ALL: &[&str] = &crate::buildah::CHARTS;

/// One setup with (at most) one fault planted, and what the doctor must report.
pub struct Fault {
    pub name: &'static str,
    /// The chart fixtures it applies to.
    pub charts: &'static [&'static str],
    pub release: &'static str,
    pub values: fn() -> Value,
    /// Objects beside the chart's own: appended to the bundle offline, in the
    /// namespace live.
    pub extra: fn() -> String,
    /// The checks that are not ok, as `id:status`; the live form may differ where it
    /// sees more (`live`).
    pub expect: &'static [&'static str],
    pub live: Option<&'static [&'static str]>,
    /// What containers printed (`kubectl logs`): live only, a bundle holds none.
    pub logs: fn() -> Vec<Log>,
}

/// A container's log, as the stand-in kubectl prints it.
pub struct Log {
    pub pod: String,
    pub container: &'static str,
    pub previous: bool,
    pub text: String,
}

pub fn no_logs() -> Vec<Log> {
    Vec::new()
}

pub fn with(mut v: Value, path: &[&str], new: Value) -> Value {
    let (last, parents) = path.split_last().unwrap();
    let mut at = &mut v;
    for p in parents {
        at = at.get_mut(*p).unwrap();
    }
    if new.is_null() {
        at.as_object_mut().unwrap().remove(*last);
    } else {
        at[*last] = new;
    }
    v
}

fn nothing() -> String {
    String::new()
}

pub fn the_external_secret() -> String {
    external_secret(HOST, USER, PASSWORD)
}

const LEAK: &str = "leak-configmap:warn";

pub fn faults() -> Vec<Fault> {
    let mut all = values_faults();
    all.extend(chain::faults());
    all.extend(sealed::faults());
    all.extend(chain::build_faults());
    all
}

fn values_faults() -> Vec<Fault> {
    vec![
        Fault {
            name: "healthy, login in the values",
            charts: ALL,
            release: "primehub",
            values: values_mode,
            extra: nothing,
            expect: &[LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "healthy, login in a Secret of its own",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: the_external_secret,
            expect: &[],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "customImage under controller:",
            charts: ALL,
            release: "primehub",
            values: || {
                let block = values_mode()["customImage"].clone();
                json!({"primehub": {"mode": "ee"}, "controller": {"customImage": block}})
            },
            extra: nothing,
            expect: &["block-place:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "`enabled`, which no chart reads but does no harm",
            charts: ALL,
            release: "primehub",
            values: || with(values_mode(), &["customImage", "enabled"], json!(true)),
            extra: nothing,
            expect: &[LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a misspelt key",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    values_mode(),
                    &["customImage", "pushRepoPrefx"],
                    json!(format!("{HOST}/x")),
                )
            },
            extra: nothing,
            expect: &["stale-keys:warn", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "no registryEndpoint",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    values_mode(),
                    &["customImage", "registryEndpoint"],
                    Value::Null,
                )
            },
            extra: nothing,
            expect: &["registry-endpoint:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "no push target",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    values_mode(),
                    &["customImage", "pushRepoPrefix"],
                    Value::Null,
                )
            },
            extra: nothing,
            expect: &["push-target:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a release not named primehub, default pushSecretName",
            charts: ALL,
            release: "hub",
            values: values_mode,
            extra: nothing,
            expect: &["secret-name:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "an external login named like the chart's own Secret",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    external_mode(),
                    &["customImage", "pushSecretName"],
                    json!(CHARTS_SECRET),
                )
            },
            extra: nothing,
            expect: &["secret-name:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a push Secret of type Opaque",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                secret_doc(
                    EXTERNAL_SECRET,
                    "Opaque",
                    &[(".dockerconfigjson", &dockerconfig(HOST, USER, PASSWORD))],
                )
            },
            expect: &["push-secret:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a push Secret without .dockerconfigjson",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                secret_doc(
                    EXTERNAL_SECRET,
                    "kubernetes.io/dockerconfigjson",
                    &[("config.json", &dockerconfig(HOST, USER, PASSWORD))],
                )
            },
            expect: &["push-secret:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a push Secret with a login for another registry",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || external_secret("other.example.com", USER, PASSWORD),
            expect: &["push-secret:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            // The chart's defaults complete it in the controller ConfigMap.
            name: "buildJob requests with cpu alone",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    values_mode(),
                    &["customImage", "buildJob", "resources", "requests"],
                    json!({"cpu": "500m"}),
                )
            },
            extra: nothing,
            expect: &[LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "buildJob requests.memory removed with null",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    values_mode(),
                    &["customImage", "buildJob", "resources", "requests"],
                    json!({"cpu": "500m", "memory": null}),
                )
            },
            extra: nothing,
            expect: &["build-resources:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "pushSecretName removed with null",
            charts: ALL,
            release: "primehub",
            values: || {
                let mut v = values_mode();
                v["customImage"]["pushSecretName"] = Value::Null;
                v
            },
            extra: nothing,
            expect: &["secret-name:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "pushSecretName empty",
            charts: ALL,
            release: "primehub",
            values: || with(values_mode(), &["customImage", "pushSecretName"], json!("")),
            extra: nothing,
            expect: &["secret-name:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "buildJob limits with an unparsable memory",
            charts: ALL,
            release: "primehub",
            values: || {
                with(
                    values_mode(),
                    &["customImage", "buildJob", "resources", "limits", "memory"],
                    json!("4 gigs"),
                )
            },
            extra: nothing,
            expect: &["build-resources:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "the password in another Secret",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret()
                    + &secret_doc("registry-notes", "Opaque", &[("password", PASSWORD)])
            },
            expect: &["leak-secrets:warn"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "an Image whose pull Secret has no login for its registry",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret()
                    + &image_doc("tf", "other.example.com/ml/tf:2.1", "other-creds")
                    + &secret_doc(
                        "other-creds",
                        "kubernetes.io/dockerconfigjson",
                        &[(".dockerconfigjson", &dockerconfig(HOST, "u", "p"))],
                    )
            },
            expect: &["image-pull-secrets:fail"],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "an Image whose pull Secret is gone",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret()
                    + &image_doc("old", &format!("{HOST}/team/old:0a1b2c3d"), "gone-push")
                    + &image_doc("new", &format!("{HOST}/team/new:0a1b2c3d"), EXTERNAL_SECRET)
            },
            // Offline a Secret missing from the bundle may still be in the cluster.
            expect: &["image-pull-secrets:warn"],
            live: Some(&["image-pull-secrets:fail"]),
            logs: no_logs,
        },
        Fault {
            name: "pushRepo on a chart that ignores it",
            charts: &["2.7.0", "3.3.0", "3.4.0", "3.4.2"],
            release: "primehub",
            values: push_repo,
            extra: nothing,
            expect: &["chart-keys:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "pushRepo on a chart that reads it",
            charts: &["3.7.1", "3.8.0", "4.1.0"],
            release: "primehub",
            values: push_repo,
            extra: nothing,
            expect: &[LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "insecureSkipVerify on a chart that does not pass it on",
            charts: &["2.7.0", "3.3.0", "3.4.0"],
            release: "primehub",
            values: skip_tls,
            extra: nothing,
            expect: &["chart-keys:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "insecureSkipVerify on a chart that passes it on",
            charts: &["3.4.2", "3.7.1", "3.8.0", "4.1.0"],
            release: "primehub",
            values: skip_tls,
            extra: nothing,
            expect: &[LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a registry host without a dot on 4.x",
            charts: &["4.1.0"],
            release: "primehub",
            values: dotless,
            extra: nothing,
            expect: &["chart-keys:fail", LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "a registry host without a dot before 4.0",
            charts: &["3.8.0", "3.4.2"],
            release: "primehub",
            values: dotless,
            extra: nothing,
            expect: &[LEAK],
            live: None,
            logs: no_logs,
        },
        Fault {
            name: "primehub.mode ce on a chart that needs ee",
            charts: &["2.7.0", "3.3.0"],
            release: "primehub",
            values: || with(values_mode(), &["primehub", "mode"], json!("ce")),
            extra: nothing,
            expect: &["chart-keys:fail", LEAK],
            live: None,
            logs: no_logs,
        },
    ]
}

fn push_repo() -> Value {
    let v = with(
        values_mode(),
        &["customImage", "pushRepoPrefix"],
        Value::Null,
    );
    with(
        v,
        &["customImage", "pushRepo"],
        json!(format!("{HOST}/team/builds")),
    )
}

fn skip_tls() -> Value {
    with(
        values_mode(),
        &["customImage", "insecureSkipVerify"],
        json!(true),
    )
}

fn dotless() -> Value {
    let v = with(
        values_mode(),
        &["customImage", "registryEndpoint"],
        json!("registry:5000"),
    );
    with(
        v,
        &["customImage", "pushRepoPrefix"],
        json!("registry:5000/team"),
    )
}
