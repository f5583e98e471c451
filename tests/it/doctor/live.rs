//! The live form against recording stand-ins of helm and kubectl, which answer from a
//! cluster state built out of the real `helm template` render: the release's manifest,
//! its computed values (the chart's defaults merged with the user's), its history, the
//! namespace's Secrets (the chart's own, helm's release Secret, any planted) and
//! Images. No cluster can run here; the tests say so in their names.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use super::shapes;
use super::*;
use crate::registry::{Auth, Registry};

const HELM: &str = r#"#!/bin/sh
d="$STUB_DIR"
# The next free number, claimed atomically (noclobber): calls may come at once.
n=0; while ! (set -C; : > "$d/calls/$n") 2>/dev/null; do n=$((n+1)); done
{ printf 'helm\0'; printf '%s\0' "$@"; } > "$d/calls/$n"
rev=""; all=""; prev=""
for a in "$@"; do
  [ "$prev" = "--revision" ] && rev="$a"
  [ "$a" = "--all" ] && all=1
  prev="$a"
done
case "$1" in
  version) echo "v3.14.2+gc309b6f" ;;
  list) cat "$d/list.json" ;;
  history) cat "$d/history.json" ;;
  get)
    case "$2" in
      manifest) cat "$d/manifest.yaml" ;;
      values)
        if [ -n "$rev" ]; then cat "$d/values-$rev.json"
        elif [ -n "$all" ]; then cat "$d/computed.json"
        else cat "$d/values.json"; fi ;;
    esac ;;
  *) echo "Error: unknown command \"$1\" for \"helm\"" >&2; exit 1 ;;
esac
"#;

/// Answers `kubectl ARGS` from the file named by [`kube_key`] of its arguments in
/// `$STUB_DIR/k/` (`FILE.err`: an error), else as the API server does for an object
/// that is not there.
const KUBECTL: &str = r#"#!/bin/sh
d="$STUB_DIR"
# The next free number, claimed atomically (noclobber): calls may come at once.
n=0; while ! (set -C; : > "$d/calls/$n") 2>/dev/null; do n=$((n+1)); done
{ printf 'kubectl\0'; printf '%s\0' "$@"; } > "$d/calls/$n"
# The key: the verb, the names (after `--`), then the options that choose what is
# read, as `kubectl VERB NAME... OPTIONS` would spell them.
verb=""; pos=""; flags=""; skip=""; after=""
for a in "$@"; do
  if [ -n "$skip" ]; then
    if [ "$skip" = keep ]; then flags="$flags $a"; fi
    skip=""; continue
  fi
  if [ -n "$after" ]; then pos="$pos${pos:+ }$a"; continue; fi
  case "$a" in
    --) after=1 ;;
    -n|-o|--context|--tail) skip=1 ;;
    -c) flags="$flags -c"; skip=keep ;;
    --tail=*|--limit-bytes=*) ;;
    --selector=*) flags="$flags -l ${a#--selector=}" ;;
    --field-selector=*) flags="$flags --field-selector ${a#--field-selector=}" ;;
    *) if [ -z "$verb" ]; then verb="$a"; else pos="$pos${pos:+ }$a"; fi ;;
  esac
done
key="$verb${pos:+ }$pos$flags"
f="$d/k/$(printf '%s' "$key" | tr ' /=,' '____')"
if [ -f "$f" ]; then cat "$f"; exit 0; fi
if [ -f "$f.err" ]; then cat "$f.err" >&2; exit 1; fi
echo "Error from server (NotFound): no object for \"$key\"" >&2; exit 1
"#;

/// The file the stand-in kubectl answers `args` from (without `-n`, `-o`, `--context`,
/// `--tail`, `--limit-bytes`).
pub fn kube_key(args: &[&str]) -> String {
    args.join(" ")
        .chars()
        .map(|c| {
            if matches!(c, ' ' | '/' | '=' | ',') {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// A namespace with a PrimeHub release, as the stand-ins show it.
pub struct Cluster {
    dir: tempfile::TempDir,
}

fn yaml_docs(text: &str) -> Vec<Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text)
        .filter_map(|d| serde_yaml::Value::deserialize(d).ok())
        .filter(|d| !d.is_null())
        .map(|d| serde_json::to_value(d).unwrap())
        .collect()
}

/// `over` merged into `base`, as helm merges the user's values into the chart's.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) if slot.is_object() && v.is_object() => merge(slot, v),
                    _ => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, o) => *b = o.clone(),
    }
}

/// A `kind: List` of `items`, as `kubectl get -o json` prints several objects.
fn list(items: Vec<Value>) -> String {
    json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string()
}

impl Cluster {
    /// Release `release` of chart fixture `chart` in namespace `ns`, with `values`
    /// and `extra` objects in the namespace.
    pub fn new(chart: &str, release: &str, ns: &str, values: &Value, extra: &str) -> Cluster {
        let dir = tempdir();
        let d = dir.path();
        fs::create_dir(d.join("calls")).unwrap();
        fs::create_dir(d.join("bin")).unwrap();
        fs::create_dir(d.join("k")).unwrap();
        for (name, script) in [("helm", HELM), ("kubectl", KUBECTL)] {
            let p = d.join("bin").join(name);
            fs::write(&p, script).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o755)).unwrap();
        }
        let render_dir = tempdir();
        let (_, manifest) = render(render_dir.path(), chart, release, values);
        fs::write(d.join("manifest.yaml"), &manifest).unwrap();
        let defaults: serde_yaml::Value = serde_yaml::from_str(
            &fs::read_to_string(crate::buildah::chart_dir(chart).join("values.yaml")).unwrap(),
        )
        .unwrap();
        let mut computed = serde_json::to_value(defaults).unwrap();
        merge(&mut computed, values);
        fs::write(d.join("computed.json"), computed.to_string()).unwrap();
        fs::write(d.join("values.json"), values.to_string()).unwrap();
        let c = Cluster { dir };
        c.set_release(release, ns, &format!("primehub-{chart}"));
        c.set_history(&[(1, "deployed", values.clone())]);
        c.set_objects(release, ns, &manifest, extra, values);
        c
    }

    /// The namespace's objects, as kubectl answers for them: the lists the doctor
    /// reads, and each object it reads by name.
    fn set_objects(&self, release: &str, ns: &str, manifest: &str, extra: &str, values: &Value) {
        let planted = yaml_docs(extra);
        let of = |kind: &str| -> Vec<Value> {
            planted
                .iter()
                .filter(|d| d["kind"] == kind)
                .cloned()
                .collect()
        };
        let mut secrets: Vec<Value> = yaml_docs(manifest)
            .into_iter()
            .chain(of("Secret"))
            .filter(|d| d["kind"] == "Secret")
            .collect();
        // helm's own record of the release: the values, gzipped and encoded; never a
        // leak the doctor reports as "another Secret".
        secrets.push(json!({"kind": "Secret", "type": "helm.sh/release.v1",
            "metadata": {"name": format!("sh.helm.release.v1.{release}.v1")},
            "data": {"release": b64(&b64(&values.to_string()))}}));
        self.kube(&["get", "secrets"], &list(secrets));
        self.kube(&["get", "images.primehub.io"], &list(of("Image")));
        self.kube(
            &["get", "externalsecrets.external-secrets.io"],
            &list(of("ExternalSecret")),
        );
        self.kube(
            &["get", "sealedsecrets.bitnami.com"],
            &list(of("SealedSecret")),
        );
        self.kube(
            &["get", "imagespecjobs.primehub.io"],
            &list(of("ImageSpecJob")),
        );
        let fullname = phib::chart::fullname(&phib::chart::Naming {
            release,
            name_override: None,
            fullname_override: None,
        });
        let controller = shapes::controller_pod(&fullname, false);
        let mut pods = of("Pod");
        if !pods
            .iter()
            .any(|p| p["metadata"]["name"] == controller["metadata"]["name"])
        {
            pods.push(controller);
        }
        let selector = format!("app.kubernetes.io/instance={release}");
        let (release_pods, others): (Vec<Value>, Vec<Value>) = pods.into_iter().partition(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap()
                .starts_with(&fullname)
        });
        self.kube(&["get", "pods", "-l", &selector], &list(release_pods));
        let namespace = of("Namespace")
            .pop()
            .unwrap_or_else(|| yaml_docs(&shapes::namespace(None)).remove(0));
        self.kube(&["get", "namespace", ns], &namespace.to_string());
        for doc in others.iter().chain(&planted) {
            let kind = doc["kind"].as_str().unwrap_or("");
            let name = doc["metadata"]["name"].as_str().unwrap_or("");
            let api = doc["apiVersion"].as_str().unwrap_or("");
            let resource = match (api.split_once('/').map_or("", |(g, _)| g), kind) {
                ("", "ServiceAccount" | "Pod") => kind.to_lowercase(),
                ("external-secrets.io" | "generators.external-secrets.io", _) => {
                    format!("{}.{}", kind.to_lowercase(), api.split_once('/').unwrap().0)
                }
                _ => continue,
            };
            self.kube(&["get", &resource, name], &doc.to_string());
        }
        let mut events: std::collections::BTreeMap<(String, String), Vec<Value>> =
            Default::default();
        for e in of("Event") {
            let about = &e["involvedObject"];
            let key = (
                about["kind"].as_str().unwrap().to_string(),
                about["name"].as_str().unwrap().to_string(),
            );
            events.entry(key).or_default().push(e);
        }
        for ((kind, name), items) in events {
            let selector = format!("involvedObject.kind={kind},involvedObject.name={name}");
            self.kube(
                &["get", "events", "--field-selector", &selector],
                &list(items),
            );
        }
    }

    /// What the stand-in kubectl answers to `args`.
    pub fn kube(&self, args: &[&str], answer: &str) {
        self.set(&format!("k/{}", kube_key(args)), answer);
    }

    /// What kubectl prints for a container's log.
    pub fn log(&self, log: &super::Log) {
        let mut args = vec!["logs", log.pod.as_str(), "-c", log.container];
        if log.previous {
            args.push("--previous");
        }
        self.kube(&args, &log.text);
    }

    pub fn set(&self, name: &str, content: &str) {
        fs::write(self.dir.path().join(name), content).unwrap();
    }

    pub fn remove(&self, name: &str) {
        fs::remove_file(self.dir.path().join(name)).unwrap();
    }

    pub fn set_release(&self, release: &str, ns: &str, chart: &str) {
        self.set(
            "list.json",
            &json!([{"name": release, "namespace": ns, "revision": "1",
                     "status": "deployed", "chart": chart, "app_version": "v4.1.0"}])
            .to_string(),
        );
    }

    /// Revisions (number, status, user values), oldest first.
    pub fn set_history(&self, revisions: &[(u64, &str, Value)]) {
        let list: Vec<Value> = revisions
            .iter()
            .map(|(n, s, _)| json!({"revision": n, "status": s, "chart": "primehub", "description": "x"}))
            .collect();
        self.set("history.json", &Value::Array(list).to_string());
        for (n, _, v) in revisions {
            self.set(&format!("values-{n}.json"), &v.to_string());
        }
    }

    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// `phib doctor ARGS` with the stand-ins first on `PATH` and as `HELM_BIN`.
    pub fn doctor(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = phib();
        let path = format!(
            "{}:{}",
            self.bin().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        cmd.env("PATH", path)
            .env("HELM_BIN", self.bin().join("helm"))
            .env("STUB_DIR", self.dir.path())
            .arg("doctor")
            .args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        run(&mut cmd, b"")
    }

    /// Every call the stand-ins got, tool first.
    pub fn calls(&self) -> Vec<Vec<String>> {
        let mut calls: Vec<(usize, Vec<String>)> = fs::read_dir(self.dir.path().join("calls"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let n = e.file_name().to_str().unwrap().parse().unwrap();
                let raw = fs::read_to_string(e.path()).unwrap();
                (n, raw.split_terminator('\0').map(str::to_string).collect())
            })
            .collect();
        calls.sort();
        calls.into_iter().map(|(_, a)| a).collect()
    }
}

e2e!(
    live_doctor_reports_exactly_the_planted_fault_stub_cluster,
    || {
        let mut wrong = Vec::new();
        for f in faults() {
            // Every fault on the newest and the oldest chart it applies to.
            let charts: BTreeSet<&str> = [f.charts[0], f.charts[f.charts.len() - 1]].into();
            for chart in charts {
                let c = Cluster::new(chart, f.release, "hub", &(f.values)(), &(f.extra)());
                for log in (f.logs)() {
                    c.log(&log);
                }
                let r = c.doctor(
                    &[
                        "--release",
                        f.release,
                        "-n",
                        "hub",
                        "--no-registry-check",
                        "--output",
                        "json",
                    ],
                    &[],
                );
                assert_no_secret(&r);
                let rep = report(&r);
                let expect = f.live.unwrap_or(f.expect);
                let want: BTreeSet<String> = expect.iter().map(|s| s.to_string()).collect();
                let got = not_ok(&rep);
                if got != want || r.code != Some(expected_code(expect)) {
                    wrong.push(format!(
                        "{chart} {}: want {want:?}, got {got:?} (exit {:?})\n{}",
                        f.name,
                        r.code,
                        serde_json::to_string_pretty(&rep["checks"]).unwrap()
                    ));
                }
                // Only names reach an argument; the Secrets' data only kubectl's stdout.
                for call in c.calls() {
                    assert!(!call.iter().any(|a| a.contains(PASSWORD)), "{call:?}");
                }
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
    }
);

e2e!(
    live_doctor_reads_helm_and_kubectl_and_finds_an_old_password_stub_cluster,
    || {
        let c = Cluster::new("4.1.0", "primehub", "hub", &values_mode(), "");
        let old = with(
            values_mode(),
            &["customImage", "registryPassword"],
            json!(OLD_PASSWORD),
        );
        c.set_history(&[
            (1, "superseded", old),
            (2, "superseded", values_mode()),
            (3, "deployed", values_mode()),
        ]);
        let r = c.doctor(&["--release", "primehub", "--no-registry-check"], &[]);
        r.expect_code(0);
        assert_no_secret(&r);
        let out = r.stdout_str();
        assert!(
        out.starts_with("phib doctor: release `primehub` in namespace `hub` (read with helm and kubectl), PrimeHub chart 4.1.0\n"),
        "{out}"
    );
        assert!(
        out.contains("warn  revision 1 of release `primehub` keeps a registry password that is not the current one"),
        "{out}"
    );
        assert!(
            out.contains("ok    PrimeHub chart 4.1.0 (the release's)"),
            "{out}"
        );
        assert!(
        out.contains("ok    the controller pod `primehub-controller-6f7c9d8b5-x2k4q` is running and ready (0 restarts)\n"),
        "{out}"
    );
        assert!(out.ends_with("\n0 failed, 2 warnings, 14 ok\n"), "{out}");
        let calls = c.calls();
        // Names from the cluster come after `--`, where helm and kubectl read no option.
        let want = [
            "helm get values --all -n hub -o json -- primehub",
            "helm get manifest -n hub -- primehub",
            "kubectl get -n hub -o json -- secrets",
            "kubectl get -n hub -o json -- images.primehub.io",
            "kubectl get -n hub -o json -- externalsecrets.external-secrets.io",
            "kubectl get -n hub -o json -- namespace hub",
            "kubectl get -n hub --selector=app.kubernetes.io/instance=primehub -o json -- pods",
            "kubectl get -n hub -o json -- imagespecjobs.primehub.io",
            "helm history -n hub -o json -- primehub",
            "helm get values --revision 2 -n hub -o json -- primehub",
            "helm get values --revision 1 -n hub -o json -- primehub",
        ];
        for w in want {
            assert!(
                calls.iter().any(|c| c.join(" ") == w),
                "no call `{w}` in {calls:?}"
            );
        }
        assert!(
            !calls
                .iter()
                .any(|c| c.contains(&"--revision".to_string()) && c.contains(&"3".to_string())),
            "the current revision is not history: {calls:?}"
        );
    }
);

// As a helm plugin: helm's namespace (`HELM_NAMESPACE`) and context, and the one
// PrimeHub release found there when none is named.
e2e!(
    live_doctor_honours_helms_namespace_and_finds_the_release_stub_cluster,
    || {
        let c = Cluster::new(
            "3.8.0",
            "ml-primehub",
            "ml",
            &external_mode(),
            &super::the_external_secret(),
        );
        let r = c.doctor(
            &["--no-registry-check", "--output", "json"],
            &[("HELM_NAMESPACE", "ml"), ("HELM_KUBECONTEXT", "prod")],
        );
        r.expect_code(0);
        let rep = report(&r);
        assert_eq!(rep["release"], "ml-primehub");
        assert_eq!(rep["namespace"], "ml");
        assert_eq!(rep["chartVersion"], "3.8.0");
        assert_eq!(rep["mode"], "live");
        assert_eq!(rep["failed"], 0);
        for call in c.calls() {
            if call[1] == "version" {
                continue;
            }
            assert!(
                call.windows(2).any(|w| w[0] == "-n" && w[1] == "ml"),
                "{call:?}"
            );
            if call[0] == "kubectl" {
                assert!(
                    call.windows(2)
                        .any(|w| w[0] == "--context" && w[1] == "prod"),
                    "{call:?}"
                );
            }
        }
        // Two PrimeHub releases: name one.
        c.set(
        "list.json",
        &json!([{"name": "a-primehub", "namespace": "ml", "status": "deployed", "chart": "primehub-3.8.0"},
                {"name": "b-primehub", "namespace": "ml", "status": "deployed", "chart": "primehub-3.8.0"}])
        .to_string(),
    );
        let r = c.doctor(&["--no-registry-check"], &[("HELM_NAMESPACE", "ml")]);
        r.expect_code(2);
        assert!(
            r.stderr
                .contains("several PrimeHub releases: `a-primehub`, `b-primehub`"),
            "{}",
            r.stderr
        );
        let r = c.doctor(&["--release", "nope", "-n", "ml"], &[]);
        r.expect_code(1);
        assert!(
            r.stderr
                .contains("there is no release `nope` in namespace `ml`"),
            "{}",
            r.stderr
        );
    }
);

e2e!(
    live_doctor_warns_when_images_cannot_be_listed_stub_cluster,
    || {
        let c = Cluster::new(
            "4.1.0",
            "primehub",
            "hub",
            &external_mode(),
            &super::the_external_secret(),
        );
        c.remove(&format!("k/{}", kube_key(&["get", "images.primehub.io"])));
        c.set(
            &format!("k/{}.err", kube_key(&["get", "images.primehub.io"])),
            "error: the server doesn't have a resource type \"images\"\n",
        );
        let r = c.doctor(
            &[
                "--release",
                "primehub",
                "--no-registry-check",
                "--output",
                "json",
            ],
            &[],
        );
        r.expect_code(0);
        let got = not_ok(&report(&r));
        assert_eq!(got, BTreeSet::from(["image-pull-secrets:warn".to_string()]));
        assert!(
            r.stdout_str()
                .contains("the server doesn't have a resource type"),
            "{}",
            r.stdout_str()
        );
    }
);

// The registry check of `phib verify`, with the login in the push Secret, against the
// real registry: the right password passes, a stale one fails the doctor.
e2e!(
    live_doctor_checks_the_push_secrets_login_at_the_registry_stub_cluster,
    || {
        let reg = Registry::start(Auth::Htpasswd(&[(USER, PASSWORD)]), false);
        let host = reg.host();
        let values = json!({"customImage": {
            "registryEndpoint": format!("http://{host}"),
            "pushRepoPrefix": format!("{host}/team"),
            "pushSecretName": EXTERNAL_SECRET,
            "insecureSkipVerify": true
        }});
        for (password, code) in [(PASSWORD, 0), (OLD_PASSWORD, 1)] {
            let c = Cluster::new(
                "4.1.0",
                "primehub",
                "hub",
                &values,
                &external_secret(&host, USER, password),
            );
            let r = c.doctor(&["--release", "primehub", "--timeout", "10"], &[]);
            r.expect_code(code);
            assert_no_secret(&r);
            let out = r.stdout_str();
            let line = out
                .lines()
                .find(|l| l.contains("with the push Secret's login"))
                .unwrap_or_else(|| panic!("no registry line:\n{out}"));
            if code == 0 {
                assert!(line.starts_with("ok    "), "{out}");
                assert!(
                    line.contains("push rights on `team/phib-push-check`"),
                    "{out}"
                );
            } else {
                assert!(line.starts_with("FAIL  "), "{out}");
                assert!(line.contains("authentication failed"), "{out}");
            }
        }
    }
);

/// Real helm with its own homes, no cluster, and the phib plugin installed.
fn real_helm_with_plugin(home: &std::path::Path) -> impl Fn() -> Command + '_ {
    let helm = move || crate::util::real_helm(home);
    let r = run(
        helm()
            .args(["plugin", "install"])
            .arg(root().join("helm-plugin")),
        b"",
    );
    r.expect_code(0);
    helm
}

// `helm -n NS phib doctor` with the real helm: helm's namespace reaches phib, which
// asks that helm (`HELM_BIN`) about it; with no cluster, helm's error names it. And
// every argv the doctor gave the stand-in parses with the real helm.
e2e!(
    helm_phib_doctor_uses_helms_namespace_and_argv_real_helm_accepts_stub_cluster,
    || {
        let c = Cluster::new("4.1.0", "primehub", "hub", &values_mode(), "");
        c.set_history(&[
            (1, "superseded", values_mode()),
            (2, "deployed", values_mode()),
        ]);
        c.doctor(&["--release", "primehub", "--no-registry-check"], &[])
            .expect_code(0);

        let home = tempdir();
        let helm = real_helm_with_plugin(home.path());
        let phib_bin = PathBuf::from(env!("CARGO_BIN_EXE_phib"));
        // The stand-in kubectl is on PATH; helm itself comes as HELM_BIN.
        let path = format!(
            "{}:{}:/usr/bin:/bin",
            c.bin().display(),
            phib_bin.parent().unwrap().display()
        );
        let r = run(
            helm()
                .env("PATH", &path)
                .env("STUB_DIR", c.dir.path())
                .args(["-n", "prime", "phib", "doctor"]),
            b"",
        );
        r.expect_code(1);
        assert!(
            r.stderr
                .contains("phib: cannot list the releases in namespace `prime`"),
            "{}",
            r.stderr
        );
        assert!(r.stderr.contains("cluster unreachable"), "{}", r.stderr);

        for call in c.calls().into_iter().filter(|c| c[0] == "helm") {
            let r = run(helm().args(&call[1..]), b"");
            let accepted = r.code == Some(0) || r.stderr.contains("cluster unreachable");
            assert!(accepted, "real helm refuses {call:?}: {}", r.stderr);
        }
    }
);

// A build the registry refuses, for real: phib's values and Secret for a login with
// pull rights only (a token service that grants no push), the chart's build script
// run with the real buildah, and what it printed served as the build pod's log. The
// doctor names the push refusal from buildah's own words, and shows no password.
e2e!(
    live_doctor_names_a_real_buildah_push_refusal_stub_cluster,
    || {
        use crate::buildah::{
            chart_dir, helm_manifests, mounted_secret, phib_render, run_build, Base, Case, Mode,
            Target,
        };
        use crate::registry::Grants;
        let base = Base::start();
        let target = Target::token(Grants::Pull);
        let case = Case::new("4.1.0", Mode::External);
        let rendered = phib_render(&target, &case, &[]);
        rendered.phib.expect_code(0);
        let dir = rendered.dir.path();
        let m = helm_manifests(&chart_dir("4.1.0"), &dir.join("values.yaml"), "primehub");
        let secret = mounted_secret(&m, Some(&dir.join("secret.yaml"))).unwrap();
        let build = run_build(&m, &secret, &base, &target);
        let code = build.run.code.expect("the script exits");
        assert_eq!(code, 3, "fails at the push\n{}", build.run.stderr);
        let log = format!("{}{}", build.run.stdout_str(), build.run.stderr);
        let pushed_to = m.build_pod["TARGET_IMAGE"].as_str().unwrap().to_string();

        let values: Value =
            serde_yaml::from_str(&fs::read_to_string(dir.join("values.yaml")).unwrap()).unwrap();
        let extra = fs::read_to_string(dir.join("secret.yaml")).unwrap()
            + &shapes::image_spec_job_to("Failed", Some(shapes::BUILD_POD), &pushed_to)
            + &shapes::build_pod(Some(i64::from(code)), None);
        let c = Cluster::new("4.1.0", "primehub", "hub", &values, &extra);
        c.log(&Log {
            pod: shapes::BUILD_POD.into(),
            container: "build-and-push",
            previous: false,
            text: log,
        });
        let r = c.doctor(&["--release", "primehub", "--no-registry-check"], &[]);
        r.expect_code(1);
        assert_no_secret(&r);
        let out = r.stdout_str();
        let line = out
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "FAIL  ImageSpecJob `my-image-rb5kq` failed at the push to `{pushed_to}`"
                ))
            })
            .unwrap_or_else(|| panic!("no push finding:\n{out}"));
        assert!(line.contains("the registry refused it: `"), "{line}");
        let quoted = line.to_lowercase();
        assert!(
            quoted.contains("denied")
                || quoted.contains("unauthorized")
                || quoted.contains("authentication required"),
            "{line}"
        );
        assert_eq!(
            not_ok(&report(&c.doctor(
                &[
                    "--release",
                    "primehub",
                    "--no-registry-check",
                    "--output",
                    "json"
                ],
                &[]
            ))),
            BTreeSet::from(["builds:fail".to_string()])
        );
    }
);

// A name read from the cluster becomes a kubectl argument only when it is a Kubernetes
// name: a generator named otherwise is not read, and the finding says why.
e2e!(
    live_doctor_gives_kubectl_only_kubernetes_names_stub_cluster,
    || {
        let k = &shapes::ECR;
        let mut source = shapes::from_generator(k);
        source["dataFrom"][0]["sourceRef"]["generatorRef"]["name"] = json!("x --all-namespaces");
        let extra = shapes::generator_side(k)
            + &shapes::external_secret(source, shapes::Ready::Failed(k.refused));
        let c = Cluster::new(
            "4.1.0",
            "primehub",
            "hub",
            &shapes::values(k.endpoint, k.prefix),
            &extra,
        );
        let r = c.doctor(&["--release", "primehub", "--no-registry-check"], &[]);
        r.expect_code(1);
        let out = r.stdout_str();
        assert!(
        out.contains("warn  the generator ECRAuthorizationToken `x --all-namespaces` could not be read: `x --all-namespaces` is not a Kubernetes name: not read"),
        "{out}"
    );
        assert!(
            out.contains("FAIL  ExternalSecret `image-builder-push` cannot make the push Secret"),
            "{out}"
        );
        let calls = c.calls();
        assert!(
            calls
                .iter()
                .any(|c| c.iter().any(|a| a == "externalsecrets.external-secrets.io")),
            "{calls:?}"
        );
        for call in calls {
            assert!(
                !call.iter().any(|a| a.contains("all-namespaces")),
                "{call:?}"
            );
        }
    }
);
