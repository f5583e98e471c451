//! Scalars that YAML 1.1 and YAML 1.2 read differently (`yes`, `0123`, `0x1F`,
//! `190:20:30`, `1_000`, dates), written by hand as plain values in a values file, then
//! rotated with phib and rendered by the real helm: the chart's Secret and ConfigMap
//! must carry exactly the string phib means, never helm's number, bool or null.

use std::fs;
use std::path::Path;
use std::time::Duration;

use base64::Engine;
use serde::Deserialize;

use super::files::run_bounded;
use super::{Rng, Tally};
use crate::util::{fixture_chart, helm_template, phib, tempdir};

const ENDPOINT: &str = "https://harbor.example.com";

/// Hand-picked and generated plain scalars that YAML 1.1 may read as a non-string.
fn ambiguous(rng: &mut Rng) -> Vec<String> {
    let mut v: Vec<String> = [
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "0123456",
        "0777",
        "00",
        "0x1F",
        "0xdeadBEEF",
        "0b1011",
        "0o17",
        "1_000",
        "1__0",
        "+12",
        "-0",
        "190:20:30",
        "12:30",
        "-1:30",
        "1e3",
        "1E+3",
        ".5",
        "+.5e-2",
        "0.1_5",
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        ".inf",
        "-.Inf",
        ".NaN",
        "=",
        "<<",
        "~",
        "null",
        "NULL",
        "true",
        "False",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for _ in 0..4 {
        let digits: String = (0..2 + rng.below(9))
            .map(|_| char::from(b'0' + rng.below(8) as u8))
            .collect();
        v.push(format!("0{digits}"));
    }
    for _ in 0..2 {
        v.push(format!(
            "{}:{:02}:{:02}",
            1 + rng.below(99),
            rng.below(60),
            rng.below(60)
        ));
    }
    for _ in 0..2 {
        v.push(format!("{}_{:03}", 1 + rng.below(999), rng.below(1000)));
    }
    v
}

/// The decoded `user:password` of the fixture chart's push Secret, and the password the
/// controller ConfigMap carries, for the values at `values`.
fn rendered_login(values: &Path) -> Result<(String, Option<String>), String> {
    let out = helm_template(&fixture_chart(), values);
    let b64 = base64::engine::general_purpose::STANDARD;
    let (mut auth, mut config) = (None, None);
    for doc in serde_yaml::Deserializer::from_str(&out) {
        let doc = serde_yaml::Value::deserialize(doc).map_err(|e| e.to_string())?;
        match doc["kind"].as_str() {
            Some("Secret") => {
                let json = b64
                    .decode(doc["data"][".dockerconfigjson"].as_str().ok_or("no data")?)
                    .map_err(|e| e.to_string())?;
                let json: serde_json::Value =
                    serde_json::from_slice(&json).map_err(|e| e.to_string())?;
                let a = json["auths"][ENDPOINT]["auth"].as_str().ok_or("no auth")?;
                auth = Some(
                    String::from_utf8_lossy(&b64.decode(a).map_err(|e| e.to_string())?)
                        .into_owned(),
                );
            }
            Some("ConfigMap") => {
                let cfg: serde_yaml::Value =
                    serde_yaml::from_str(doc["data"]["config.yaml"].as_str().ok_or("no config")?)
                        .map_err(|e| e.to_string())?;
                config = Some(match &cfg["customImage"]["registryPassword"] {
                    serde_yaml::Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                });
            }
            _ => {}
        }
    }
    Ok((auth.ok_or("no push Secret")?, config))
}

/// A hand-written values file whose password and username are `password` and `user`
/// exactly as given (plain scalars), then `render --rotate` with `new_password`.
fn attempt(user: &str, password: &str, new_password: &str) -> Result<(), String> {
    let dir = tempdir();
    let v = dir.path().join("values.yaml");
    fs::write(
        &v,
        format!(
            "customImage:\n  registryEndpoint: \"{ENDPOINT}\"\n  registryUsername: {user}\n  registryPassword: {password}\n  pushRepoPrefix: \"harbor.example.com/primehub\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let doc: serde_yaml::Value = match serde_yaml::from_str(&fs::read_to_string(&v).unwrap()) {
        Ok(doc) => doc,
        // Not YAML at all as a plain scalar: nothing to test.
        Err(_) => return Ok(()),
    };
    // What phib (YAML 1.2) reads as the username; rotation keeps it.
    let Some(user_meant) = doc["customImage"]["registryUsername"]
        .as_str()
        .map(str::to_string)
    else {
        return Ok(());
    };
    let r = run_bounded(
        phib()
            .env("PHIB_REGISTRY_PASSWORD", new_password)
            .args(["render", "--registry", "harbor", "--rotate", "--values"])
            .arg(&v),
        Duration::from_secs(20),
    )?;
    if r.code != Some(0) {
        // A username phib refuses is refused before anything is written.
        return if r.code == Some(2) {
            Ok(())
        } else {
            Err(format!("exit {:?}: {}", r.code, r.stderr))
        };
    }
    let (auth, config) = rendered_login(&v)?;
    let want = format!("{user_meant}:{new_password}");
    if auth != want {
        return Err(format!("helm's Secret has `{auth}`, phib meant `{want}`"));
    }
    if config.as_deref() != Some(new_password) {
        return Err(format!(
            "helm's ConfigMap has {config:?}, phib meant `{new_password}`"
        ));
    }
    Ok(())
}

e2e!(
    yaml_1_1_ambiguous_scalars_reach_the_chart_as_the_strings_phib_means,
    || {
        let mut rng = Rng::from_env("yaml 1.1/1.2");
        let scalars = ambiguous(&mut rng);
        let mut cases: Vec<(String, String, String)> = Vec::new();
        for (i, s) in scalars.iter().enumerate() {
            // The password already what the rotation gives: kept or rewritten?
            cases.push(("robot".into(), s.clone(), s.clone()));
            // The username, kept by the rotation (the bools and a few numbers; helm's time
            // is what bounds this test).
            if i < 18 || i % 4 == 0 {
                cases.push((s.clone(), "old-Pa55".into(), "n3w-Pa55".into()));
            }
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<std::sync::OnceLock<Result<(), String>>> =
            cases.iter().map(|_| std::sync::OnceLock::new()).collect();
        std::thread::scope(|sc| {
            for _ in 0..3 {
                sc.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some((u, p, n)) = cases.get(i) else {
                        return;
                    };
                    let _ = results[i].set(attempt(u, p, n));
                });
            }
        });
        let mut tally = Tally::new("yaml 1.1/1.2");
        for ((u, p, n), r) in cases.iter().zip(results) {
            tally.attempt(
                &format!("user {u:?} password {p:?} -> {n:?}"),
                r.into_inner().unwrap(),
            );
        }
        tally.finish();
    }
);
