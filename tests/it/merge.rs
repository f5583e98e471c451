//! Merging the rendered `customImage` block into real-looking values files: only the
//! managed keys change, every byte outside the block stays, a second merge is a no-op,
//! and files that cannot be edited safely are refused with exit 2.

use std::fs;

use phib::values::merge::{guard, merge, unified_diff, validate};
use phib::values::read::read_text as read_values_file;
use serde::Deserialize;
use serde_yaml::Value;

use crate::util;

mod prop;

fn fixture() -> String {
    fs::read_to_string(util::root().join("tests/fixtures/values/primehub-override.yaml")).unwrap()
}

/// Splits a values text around its real (uncommented) `customImage` block:
/// (text before the header line, the block, text after the block's last line).
fn around_block(text: &str, after_marker: &str) -> (String, String, String) {
    let start = text.find("\ncustomImage:").expect("no customImage block") + 1;
    let end = start + text[start..].find(after_marker).expect("no end marker") + 1;
    (
        text[..start].to_string(),
        text[start..end].to_string(),
        text[end..].to_string(),
    )
}

fn parse(text: &str) -> serde_yaml::Mapping {
    match serde_yaml::from_str::<Value>(text).unwrap() {
        Value::Mapping(m) => m,
        other => panic!("not a mapping: {other:?}"),
    }
}

fn custom_image(text: &str) -> serde_yaml::Mapping {
    parse(text)
        .get("customImage")
        .and_then(|v| v.as_mapping())
        .cloned()
        .unwrap_or_default()
}

const ROTATE: &str = "customImage:\n  enabled: true\n  registryEndpoint: \"https://harbor.example.com\"\n  registryUsername: \"robot$ml+builder\"\n  registryPassword: \"new-harbor-token\"\n  pushRepoPrefix: \"harbor.example.com/ml\"\n  pushSecretName: \"primehub-controller-custom-image-push-secret\"\n";

const EXTERNAL: &str = "customImage:\n  enabled: true\n  registryEndpoint: \"https://harbor.example.com\"\n  pushRepo: \"harbor.example.com/ml/images\"\n  pushSecretName: \"harbor-push\"\n  insecureSkipVerify: true\n";

#[test]
fn fixture_is_a_realistic_override_file() {
    let text = fixture();
    assert!(text.lines().count() >= 100);
    assert!(text.contains("\n#customImage:\n"));
    assert!(text.ends_with(
        "# End of overrides. Do not put secrets below this line; use sealed secrets.\n"
    ));
    validate(&text).unwrap();
}

#[test]
fn rotating_the_token_changes_only_the_password_line() {
    let old = fixture();
    let new = merge(&old, ROTATE).unwrap();
    let (old_pre, old_block, old_post) = around_block(&old, "\n\ngraphql:");
    let (new_pre, new_block, new_post) = around_block(&new, "\n\ngraphql:");
    assert_eq!(new_pre, old_pre);
    assert_eq!(new_post, old_post);
    // Inline comments, quoting of the untouched lines, and buildJob stay as written.
    let changed: Vec<(&str, &str)> = old_block
        .lines()
        .zip(new_block.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(old_block.lines().count(), new_block.lines().count());
    // Values that are already right keep their line as written (quoting included):
    // rotating the token changes exactly one line.
    assert_eq!(
        changed,
        vec![(
            "  registryPassword: \"old-harbor-token\"  # rotated quarterly",
            "  registryPassword: \"new-harbor-token\"  # rotated quarterly"
        )]
    );
    assert_eq!(
        custom_image(&new).get("buildJob"),
        custom_image(&old).get("buildJob")
    );
    assert!(new.contains("        cpu: 4000m        # four cores\n"));
    assert_eq!(
        merge(&new, ROTATE).unwrap(),
        new,
        "second merge must be a no-op"
    );
}

#[test]
fn switching_to_push_repo_and_an_external_secret_removes_the_old_keys() {
    let old = fixture();
    let new = merge(&old, EXTERNAL).unwrap();
    let (old_pre, _, old_post) = around_block(&old, "\n\ngraphql:");
    let (new_pre, new_block, new_post) = around_block(&new, "\n\ngraphql:");
    assert_eq!((new_pre, new_post), (old_pre, old_post));
    let ci = custom_image(&new);
    for gone in ["registryUsername", "registryPassword", "pushRepoPrefix"] {
        assert!(
            ci.get(gone).is_none(),
            "{gone} is still there:\n{new_block}"
        );
        assert!(
            !new_block.contains(gone),
            "{gone} is still there:\n{new_block}"
        );
    }
    assert_eq!(
        ci.get("pushRepo").and_then(|v| v.as_str()),
        Some("harbor.example.com/ml/images")
    );
    assert_eq!(ci.get("insecureSkipVerify"), Some(&Value::Bool(true)));
    assert_eq!(ci.get("buildJob"), custom_image(&old).get("buildJob"));
    // Comments that describe the block and buildJob are kept.
    assert!(new_block
        .contains("  # Our Harbor; the robot account below belongs to the \"ml\" project.\n"));
    assert!(new_block.contains("  # Builds are heavy: give them room.\n  buildJob:\n"));
    // The new keys sit next to the other managed keys, in phib's order.
    let keys: Vec<&str> = new_block
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   ") && !l.starts_with("  #"))
        .map(|l| l.trim().split(':').next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "enabled",
            "registryEndpoint",
            "pushRepo",
            "pushSecretName",
            "insecureSkipVerify",
            "buildJob"
        ]
    );
    assert_eq!(merge(&new, EXTERNAL).unwrap(), new);
    // And back again: the credentials return, pushRepo goes.
    let back = merge(&new, ROTATE).unwrap();
    let ci = custom_image(&back);
    assert!(ci.get("pushRepo").is_none() && ci.get("insecureSkipVerify").is_none());
    assert_eq!(
        ci.get("registryPassword").and_then(|v| v.as_str()),
        Some("new-harbor-token")
    );
    assert_eq!(merge(&back, ROTATE).unwrap(), back);
}

#[test]
fn the_diff_of_switching_to_an_external_secret_is_exactly_the_block_lines() {
    let old = fixture();
    let new = merge(&old, EXTERNAL).unwrap();
    insta::assert_snapshot!(unified_diff(&old, &new, "values.yaml"));
}

#[test]
fn a_file_without_the_block_gets_it_appended_after_the_trailing_comment() {
    let old = fixture();
    let (pre, _, post) = around_block(&old, "\n\ngraphql:");
    let without = format!("{pre}{}", post.trim_start_matches('\n'));
    let new = merge(&without, ROTATE).unwrap();
    assert_eq!(new, format!("{without}{ROTATE}"));
    assert_eq!(merge(&new, ROTATE).unwrap(), new);
    let no_newline = without.trim_end_matches('\n');
    assert_eq!(
        merge(no_newline, ROTATE).unwrap(),
        format!("{no_newline}\n{ROTATE}")
    );
}

#[test]
fn multi_line_managed_values_are_replaced_whole() {
    let old = "a: 1\ncustomImage:\n  registryPassword: |\n    {\n      \"type\": \"service_account\"\n    }\n  # kept\n  pushRepoPrefix: \"gcr.io/\n    p\"\n  registryUsername: plain\n    continued\n  buildJob: {}\nz: |\n  registryPassword: not ours\n";
    let block =
        "customImage:\n  registryEndpoint: \"https://gcr.io\"\n  pushRepo: \"gcr.io/p/r\"\n";
    let new = merge(old, block).unwrap();
    assert_eq!(
        new,
        "a: 1\ncustomImage:\n  registryEndpoint: \"https://gcr.io\"\n  pushRepo: \"gcr.io/p/r\"\n  # kept\n  buildJob: {}\nz: |\n  registryPassword: not ours\n"
    );
}

#[test]
fn unified_diff_redacts_passwords_on_both_sides() {
    let old = fixture();
    let new = merge(&old, ROTATE).unwrap();
    let diff = unified_diff(&old, &new, "values.yaml");
    assert!(
        !diff.contains("old-harbor-token") && !diff.contains("new-harbor-token"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-  registryPassword: <redacted>\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+  registryPassword: <redacted, changed>\n"),
        "{diff}"
    );
    assert!(diff.starts_with("--- values.yaml\t(current)\n+++ values.yaml\t(after phib)\n@@ -"));
    assert_eq!(
        unified_diff(&new, &merge(&new, ROTATE).unwrap(), "values.yaml"),
        ""
    );
}

#[test]
fn the_guard_refuses_a_change_outside_the_block_as_a_bug() {
    let old = fixture();
    let new = merge(&old, ROTATE).unwrap();
    guard(&old, &new, ROTATE).unwrap();
    let tampered = new.replace("domain: hub.example.com", "domain: other.example.com");
    let err = guard(&old, &tampered, ROTATE).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message.contains("this is a bug in phib") && err.message.contains("`primehub`"));
    let tampered = new.replace("memory: 8Gi", "memory: 9Gi");
    let err = guard(&old, &tampered, ROTATE).unwrap_err();
    assert!(
        err.message.contains("`customImage.buildJob`"),
        "{}",
        err.message
    );
    let err = guard(&old, &new, EXTERNAL).unwrap_err();
    assert!(
        err.message.contains("not what phib rendered"),
        "{}",
        err.message
    );
    assert!(!err.message.contains("token"), "{}", err.message);
}

#[test]
fn the_guard_never_quotes_a_block_it_cannot_parse() {
    let old = "a: 1\n";
    let block = "customImage:\n  registryPassword: !!int S3CR3T\n";
    let err = guard(old, old, block).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(err.message.contains("rendered block"), "{}", err.message);
    assert!(!err.message.contains("S3CR3T"), "{}", err.message);
}

#[test]
fn reading_a_missing_file_is_none_and_a_directory_or_binary_file_is_refused() {
    let dir = util::tempdir();
    assert_eq!(
        read_values_file(&dir.path().join("absent.yaml")).unwrap(),
        None
    );
    let err = read_values_file(dir.path()).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(err.message.contains("is a directory"), "{}", err.message);
    assert!(err.help.unwrap().contains("values file"));
    let latin1 = dir.path().join("latin1.yaml");
    fs::write(&latin1, b"a: 1\nname: caf\xe9\n").unwrap();
    let err = read_values_file(&latin1).unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(
        err.message.contains("not UTF-8") && err.message.contains("line 2"),
        "{}",
        err.message
    );
    assert!(err.help.unwrap().contains("convert the file to UTF-8"));
    let ok = dir.path().join("ok.yaml");
    fs::write(&ok, "a: 1\n").unwrap();
    assert_eq!(read_values_file(&ok).unwrap().as_deref(), Some("a: 1\n"));
}

/// Each file phib must refuse: (text, words the message must hold, words the help must
/// hold).
const REFUSALS: &[(&str, &str, &[&str], &str)] = &[
    (
        "invalid YAML",
        "a: 1\nb: [1, 2\nc: 3\n",
        &["not valid YAML", "at line 3 column 2"],
        "fix the YAML",
    ),
    (
        "two documents",
        "a: 1\n---\nb: 2\n",
        &["more than one YAML document"],
        "one document",
    ),
    (
        "not a mapping at the top",
        "- a\n- b\n",
        &["not a mapping of keys"],
        "top-level `key: value`",
    ),
    (
        "block is a string",
        "customImage: gcr.io\n",
        &["`customImage` (line 1) is not a mapping"],
        "block of `key: value` lines",
    ),
    (
        "block is a list",
        "customImage:\n  - a\n",
        &["is not a mapping"],
        "block of `key: value` lines",
    ),
    (
        "flow style",
        "a: 1\ncustomImage: {registryEndpoint: x}\n",
        &["`customImage` (line 2)", "flow style"],
        "plain block",
    ),
    (
        "anchored",
        "customImage: &ci\n  pushRepo: x\nother: *ci\n",
        &["anchor"],
        "no `{...}`, anchors or aliases",
    ),
    (
        "aliased",
        "base: &b\n  pushRepo: x\ncustomImage: *b\n",
        &["alias"],
        "anchors or aliases",
    ),
    (
        "anchor inside",
        "customImage:\n  buildJob:\n    image: &img quay.io/x\nother: *img\n",
        &["line 3", "anchor, alias or `<<` merge key"],
        "anchors or aliases",
    ),
    (
        "alias inside",
        "img: &img quay.io/x\ncustomImage:\n  buildJob:\n    image: *img\n",
        &["line 4", "anchor, alias"],
        "anchors or aliases",
    ),
    (
        "merge key",
        "base: &b {a: 1}\ncustomImage:\n  <<: *b\n  pushRepo: x\n",
        &["`<<` merge key"],
        "anchors or aliases",
    ),
    (
        "tab indent",
        "customImage:\n  registryPassword: abc\n   \tdef\n",
        &["line 3", "tab"],
        "spaces only",
    ),
    (
        "duplicate block",
        "customImage:\n  pushRepo: a\ncustomImage:\n  pushRepo: b\n",
        &["not valid YAML", "duplicate entry with key \"customImage\""],
        "fix the YAML",
    ),
    (
        "JSON values file",
        "{\"a\": 1,\n \"customImage\": {}}\n",
        &["cannot read line 1", "top-level `key: value`"],
        "block style",
    ),
    (
        "old Mac line ending",
        "a: 1\rcustomImage:\n",
        &["line 1", "lone carriage return"],
        "line endings",
    ),
    (
        "Unicode line separator",
        "a: 1\nb: \"x\u{2028}y\"\n",
        &["line 2", "U+2028"],
        "escape",
    ),
    (
        "byte order mark inside",
        "a: 1\n\u{feff}customImage:\n",
        &["line 2", "byte order mark"],
        "delete that invisible character",
    ),
    (
        "document end",
        "a: 1\n...\n",
        &["`...`"],
        "delete the `...` line",
    ),
    (
        "tagged block",
        "customImage: !!map\n  a: 1\n",
        &["tag"],
        "plain block",
    ),
];

#[test]
fn every_refusal_is_exit_2_with_why_and_what_to_do() {
    let block = "customImage:\n  registryEndpoint: \"docker.io\"\n";
    for (name, text, why, help) in REFUSALS {
        let err = match merge(text, block) {
            Err(err) => err,
            Ok(out) => panic!("{name}: merged instead of refusing:\n{out}"),
        };
        assert_eq!(err.exit_code(), 2, "{name}: {}", err.message);
        for word in *why {
            assert!(
                err.message.contains(word),
                "{name}: {:?} lacks {word:?}",
                err.message
            );
        }
        let got_help = err.help.as_deref().unwrap_or("");
        assert!(
            got_help.contains(help),
            "{name}: help {got_help:?} lacks {help:?}"
        );
        assert_eq!(validate(text).unwrap_err().message, err.message, "{name}");
    }
}

/// Renders `values` with real helm through a copy of the fixture chart that also dumps
/// `.Values` as JSON, and returns (the values as helm read them, the controller
/// ConfigMap's `customImage`).
fn helm_values(values: &str) -> (serde_json::Value, Value) {
    let dir = util::tempdir();
    let chart = dir.path().join("chart");
    fs::create_dir_all(chart.join("templates")).unwrap();
    for sub in ["", "templates"] {
        for entry in fs::read_dir(util::fixture_chart().join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                fs::copy(&path, chart.join(sub).join(path.file_name().unwrap())).unwrap();
            }
        }
    }
    fs::write(
        chart.join("templates/values-dump.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values-dump\ndata:\n  values.json: {{ toJson .Values | quote }}\n",
    )
    .unwrap();
    let file = dir.path().join("values.yaml");
    fs::write(&file, values).unwrap();
    let mut dump = None;
    let mut custom = None;
    for doc in serde_yaml::Deserializer::from_str(&util::helm_template(&chart, &file)) {
        let doc = Value::deserialize(doc).unwrap();
        let data = |k: &str| doc["data"][k].as_str().map(str::to_string);
        match doc["metadata"]["name"].as_str() {
            Some("values-dump") => dump = data("values.json"),
            Some("primehub-controller-config") => {
                let config: Value = serde_yaml::from_str(&data("config.yaml").unwrap()).unwrap();
                custom = Some(config["customImage"].clone());
            }
            _ => {}
        }
    }
    (
        serde_json::from_str(&dump.expect("values dump")).unwrap(),
        custom.expect("controller config"),
    )
}

e2e!(
    helm_reads_every_other_value_unchanged_after_the_merge,
    || {
        let old = fixture();
        let (old_values, old_custom) = helm_values(&old);
        assert_eq!(
            old_custom["registryPassword"].as_str(),
            Some("old-harbor-token")
        );
        for (block, password, repo) in [
            (ROTATE, Some("new-harbor-token"), None),
            (EXTERNAL, None, Some("harbor.example.com/ml/images")),
        ] {
            let new = merge(&old, block).unwrap();
            let (new_values, new_custom) = helm_values(&new);
            let without = |v: &serde_json::Value| {
                let mut v = v.clone();
                v.as_object_mut().unwrap().remove("customImage");
                v
            };
            assert_eq!(without(&new_values), without(&old_values));
            assert_eq!(
                new_values["customImage"]["buildJob"],
                old_values["customImage"]["buildJob"]
            );
            assert_eq!(new_custom["buildJob"], old_custom["buildJob"]);
            assert_eq!(new_custom["registryPassword"].as_str(), password);
            assert_eq!(new_custom["pushRepo"].as_str(), repo);
            assert_eq!(
                new_custom["registryEndpoint"].as_str(),
                Some("https://harbor.example.com")
            );
        }
    }
);
