//! The offline form on real `helm template` output of every chart fixture.

use std::fs;

use super::*;

fn doctor(args: &[&std::ffi::OsStr]) -> Run {
    let mut cmd = phib();
    cmd.arg("doctor").args(args);
    run(&mut cmd, b"")
}

/// Renders one case and runs the offline doctor on it (JSON output).
fn check(f: &Fault, chart: &str) -> (Run, Value) {
    let dir = tempdir();
    let (values, manifest) = render(dir.path(), chart, f.release, &(f.values)());
    let bundle = dir.path().join("bundle.yaml");
    fs::write(&bundle, manifest + &(f.extra)()).unwrap();
    let r = doctor(&[
        "--manifests".as_ref(),
        bundle.as_os_str(),
        "--values".as_ref(),
        values.as_os_str(),
        "--chart-version".as_ref(),
        chart.as_ref(),
        "--output".as_ref(),
        "json".as_ref(),
    ]);
    let rep = report(&r);
    (r, rep)
}

e2e!(
    offline_doctor_reports_exactly_the_planted_fault_on_every_chart,
    || {
        let mut wrong = Vec::new();
        let mut cases = 0;
        for f in faults() {
            for chart in f.charts {
                cases += 1;
                let (r, rep) = check(&f, chart);
                assert_no_secret(&r);
                let got = not_ok(&rep);
                let want: BTreeSet<String> = f.expect.iter().map(|s| s.to_string()).collect();
                if got != want || r.code != Some(expected_code(f.expect)) {
                    wrong.push(format!(
                        "{chart} {}: want {want:?} (exit {}), got {got:?} (exit {:?})\n{}",
                        f.name,
                        expected_code(f.expect),
                        r.code,
                        serde_json::to_string_pretty(&rep["checks"]).unwrap()
                    ));
                }
            }
        }
        assert!(cases > 100, "{cases}");
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }
);

// Without `--values`, the block comes from the controller ConfigMap and the Secret
// name from the names the chart gave; a bundle that is not a manifest is bad input.
e2e!(
    offline_doctor_reads_the_block_from_the_controller_configmap,
    || {
        let dir = tempdir();
        let (_, manifest) = render(dir.path(), "4.1.0", "hub", &values_mode());
        let bundle = dir.path().join("bundle.yaml");
        fs::write(&bundle, &manifest).unwrap();
        let r = doctor(&["--manifests".as_ref(), bundle.as_os_str()]);
        r.expect_code(1);
        let out = r.stdout_str();
        assert!(
            out.contains("warn  no chart version found: assumed PrimeHub chart 4.1.0"),
            "{out}"
        );
        assert!(
        out.contains(
            "`customImage` is at the top level of the ConfigMap `hub-primehub-controller-config`"
        ),
        "{out}"
    );
        assert!(
        out.contains("FAIL  the chart names the push Secret `hub-primehub-controller-custom-image-push-secret`"),
        "{out}"
    );
        assert!(r.stderr.contains("phib: 1 of "), "{}", r.stderr);
        assert_no_secret(&r);

        fs::write(&bundle, "kind: Pod\nmetadata: {name: p}\n").unwrap();
        let r = doctor(&["--manifests".as_ref(), bundle.as_os_str()]);
        r.expect_code(2);
        assert!(r.stderr.contains("no controller ConfigMap"), "{}", r.stderr);
    }
);

/// The chart version comes from the manifests' `helm.sh/chart` label when it is there.
#[test]
fn offline_doctor_takes_the_chart_version_from_the_label() {
    let dir = tempdir();
    let bundle = dir.path().join("m.yaml");
    let block = "customImage:\n  registryEndpoint: https://reg.example.com\n  pushRepo: reg.example.com/t/all\n  pushSecretName: mine\n";
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "primehub-controller-config",
                     "labels": {"helm.sh/chart": "primehub-3.7.0"}},
        "data": {"config.yaml": block}});
    fs::write(&bundle, serde_yaml::to_string(&cm).unwrap()).unwrap();
    let r = doctor(&["--manifests".as_ref(), bundle.as_os_str()]);
    r.expect_code(1);
    let out = r.stdout_str();
    assert!(
        out.contains("ok    PrimeHub chart 3.7.0 (from the manifests' `helm.sh/chart` label)"),
        "{out}"
    );
    assert!(
        out.contains("FAIL  PrimeHub chart 3.7.0 ignores `pushRepo`"),
        "{out}"
    );
    assert!(
        out.contains(
            "warn  the push Secret `mine` is kept outside the chart and is not in the manifests"
        ),
        "{out}"
    );
}

#[test]
fn doctor_refuses_bad_usage_with_exit_2() {
    let dir = tempdir();
    let missing = dir.path().join("missing.yaml");
    let bad = dir.path().join("bad.yaml");
    fs::write(&bad, "kind: Secret\n---\n: [\n").unwrap();
    for (args, want) in [
        (
            vec!["--manifests".as_ref(), missing.as_os_str()],
            "cannot read",
        ),
        (
            vec!["--manifests".as_ref(), bad.as_os_str()],
            "document 2 is not valid YAML",
        ),
        (vec!["--values".as_ref(), "v.yaml".as_ref()], "--manifests"),
        (
            vec!["--chart-version".as_ref(), "4.1.0".as_ref()],
            "--manifests",
        ),
        (vec!["--output".as_ref(), "xml".as_ref()], "xml"),
        (
            vec![
                "--manifests".as_ref(),
                bad.as_os_str(),
                "--timeout".as_ref(),
                "0".as_ref(),
            ],
            "`--timeout`",
        ),
        (vec!["--release".as_ref(), "Bad_Name".as_ref()], "--release"),
    ] {
        let r = doctor(&args);
        r.expect_code(2);
        assert!(r.stderr.contains(want), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    let r = doctor(&[
        "--manifests".as_ref(),
        bad.as_os_str(),
        "--chart-version".as_ref(),
        "latest".as_ref(),
    ]);
    r.expect_code(2);
}
