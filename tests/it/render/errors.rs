//! Every validation error of `phib render`: exit 2, a message naming the option and a
//! `help:` line on stderr, nothing on stdout, no file written, and the secret nowhere.

use super::{keyfile, render_in};
use crate::util::*;

const SECRET: &str = "S3CRET-pw-7f3a";

struct Case {
    args: Vec<String>,
    env: Option<&'static str>,
    stdin: Vec<u8>,
    want: &'static str,
}

fn case(args: &[&str], env: Option<&'static str>, want: &'static str) -> Case {
    Case {
        args: args.iter().map(|a| a.to_string()).collect(),
        env,
        stdin: Vec::new(),
        want,
    }
}

fn cases(inputs: &std::path::Path) -> Vec<Case> {
    let kf = keyfile("service-account.json").display().to_string();
    let user = keyfile("authorized-user.json").display().to_string();
    let oauth = keyfile("oauth-client.json").display().to_string();
    let write = |name: &str, bytes: &[u8]| {
        let p = inputs.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let sa = std::fs::read_to_string(keyfile("service-account.json")).unwrap();
    let not_json = write("not-json.json", format!("{SECRET} {{").as_bytes());
    let two = write("two.json", format!("{sa}{sa}").as_bytes());
    let big = write("big.json", &vec![b' '; 64 * 1024 + 1]);
    let latin1 = write("latin1.json", b"{\"type\": \"service_account\xe9\"}");
    let no_key = write(
        "no-key.json",
        sa.replace("\"private_key\":", "\"private_key_x\":")
            .as_bytes(),
    );
    let hub = |extra: &[&str]| {
        let mut v = vec!["--registry", "dockerhub", "--username", "me"];
        v.extend_from_slice(extra);
        v.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let harbor = |endpoint: &str, prefix: &str| {
        [
            "--registry",
            "harbor",
            "--endpoint",
            endpoint,
            "--username",
            "u",
            "--push-repo-prefix",
            prefix,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
    };
    let mut v = vec![
        // Options the kind does not use.
        case(&["--registry", "dockerhub", "--username", "me", "--acr-name", "x"], Some(SECRET), "`--acr-name` is not used by `--registry dockerhub`"),
        case(&["--registry", "dockerhub", "--username", "me", "--keyfile", &kf], Some(SECRET), "`--keyfile` is not used by `--registry dockerhub`"),
        case(&["--registry", "gcr", "--keyfile", &kf], Some(SECRET), "`PHIB_REGISTRY_PASSWORD` is set, but it is not used by `--registry gcr`"),
        case(&["--registry", "ecr", "--username", "AWS"], None, "`--username` is not used by `--registry ecr`"),
        case(&["--registry", "gcr", "--endpoint", "https://gcr.io", "--keyfile", &kf], None, "`--endpoint` is not used by `--registry gcr`"),
        case(&["--registry", "quay", "--username", "org+bot", "--location", "us"], Some(SECRET), "`--location` is not used by `--registry quay`"),
        // Missing options.
        case(&["--registry", "dockerhub"], Some(SECRET), "needs `--username`"),
        case(&["--registry", "dockerhub", "--username", "me"], None, "needs a password or token"),
        case(&["--registry", "gcr"], None, "needs `--keyfile`"),
        case(&["--registry", "harbor", "--username", "u"], Some(SECRET), "needs `--endpoint`"),
        case(&["--registry", "artifact-registry", "--keyfile", &kf, "--repository", "r"], None, "needs `--location`"),
        case(&["--registry", "artifact-registry", "--keyfile", &kf, "--location", "us"], None, "needs `--repository`"),
        case(&["--registry", "acr", "--username", "app"], Some(SECRET), "needs `--acr-name`"),
        case(&["--registry", "harbor", "--endpoint", "h.example.com", "--username", "u"], Some(SECRET), "needs `--push-repo-prefix` or `--push-repo`"),
        // Malformed endpoints.
        case(&harbor("https://h.example.com/v2", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` has a path"),
        case(&harbor("h.example.com/", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` has a `/` but no scheme"),
        case(&harbor("h\"x.example.com", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` contains a quote"),
        case(&harbor("h.example.com ", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` contains a quote, backslash, space"),
        case(&harbor("ftp://h.example.com", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` has a scheme other than http"),
        case(&harbor("H.example.com", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` has upper-case letters"),
        case(&harbor("h.example.com:70000", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--endpoint` has an invalid port"),
        // Push repositories.
        case(&hub(&["--push-repo-prefix", "docker.io/Me"]).iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "`--push-repo-prefix` has an invalid path component `Me`"),
        case(&["--registry", "quay", "--username", "org+bot", "--push-repo", "quay.io/o/r:latest"], Some(SECRET), "`--push-repo` has a tag"),
        case(&["--registry", "quay", "--username", "org+bot", "--push-repo", "quay.io/o/r@sha256:abcd"], Some(SECRET), "`--push-repo` has a digest"),
        case(&["--registry", "quay", "--username", "org+bot", "--push-repo-prefix", "quay.io/o/"], Some(SECRET), "`--push-repo-prefix` ends with `/`"),
        case(&["--registry", "quay", "--username", "org+bot", "--push-repo-prefix", "o/images"], Some(SECRET), "`--push-repo-prefix` does not start with a registry host"),
        case(&["--registry", "quay", "--username", "org+bot", "--push-repo-prefix", "quay.io/o", "--push-repo", "quay.io/o/r"], Some(SECRET), "--push-repo"),
        case(&hub(&["--push-repo-prefix", "docker.io/a/b"]).iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "does not fit Docker Hub"),
        case(&["--registry", "artifact-registry", "--keyfile", &kf, "--location", "us", "--repository", "r", "--push-repo", "us-docker.pkg.dev/p/r"], None, "too short for Artifact Registry"),
        // The push host is not the endpoint's host, as buildah normalises them.
        case(&["--registry", "quay", "--username", "org+bot", "--push-repo-prefix", "gcr.io/o"], Some(SECRET), "buildah would find no credentials"),
        case(&["--registry", "gcr", "--keyfile", &kf, "--push-repo-prefix", "us.gcr.io/p"], None, "`--push-repo-prefix` `us.gcr.io/p` is on host `us.gcr.io`, but the registry endpoint is `https://gcr.io`"),
        case(&harbor("h.example.com:443", "h.example.com/p").iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "buildah would find no credentials"),
        case(&hub(&["--endpoint", "quay.io"]).iter().map(String::as_str).collect::<Vec<_>>(), Some(SECRET), "buildah would find no credentials"),
        // Names and credentials.
        case(&["--registry", "quay", "--username", "org+bot:x"], Some(SECRET), "`--username` contains `:`"),
        case(&["--registry", "quay", "--username", "org+bot"], Some(""), "the password (`--password-stdin` or `PHIB_REGISTRY_PASSWORD`) is empty"),
        case(&["--registry", "gcr", "--keyfile", &kf, "--gcr-host", "us-docker.pkg.dev"], None, "`--gcr-host` must be one of"),
        case(&["--registry", "ecr", "--aws-account", "1234-5678-9012", "--aws-region", "us-east-1"], None, "`--aws-account` is not a 12-digit AWS account ID"),
        case(&["--registry", "ecr", "--aws-account", "123456789012", "--aws-region", "US East"], None, "`--aws-region` is not an AWS region"),
        case(&["--registry", "acr", "--acr-name", "my.reg", "--username", "a"], Some(SECRET), "`--acr-name` is not an Azure Container Registry name"),
        case(&["--registry", "artifact-registry", "--keyfile", &kf, "--location", "US", "--repository", "r"], None, "`--location` is not a Google Cloud location"),
        case(&["--registry", "gcr", "--keyfile", &kf, "--project", "My Project"], None, "`--project` is not a Google Cloud project ID"),
        case(&["--registry", "quay", "--username", "org+bot", "--release", "PrimeHub"], Some(SECRET), "`--release` is not a valid Helm release name"),
        case(&["--registry", "quay", "--username", "org+bot", "--push-secret-name", "my_secret"], Some(SECRET), "`--push-secret-name` is not a valid Kubernetes Secret name"),
        // Keyfiles.
        case(&["--registry", "gcr", "--keyfile", &user], None, "`--keyfile` is a user credential"),
        case(&["--registry", "artifact-registry", "--keyfile", &oauth, "--location", "us", "--repository", "r"], None, "`--keyfile` is an OAuth client file"),
        case(&["--registry", "gcr", "--keyfile", &not_json], None, "`--keyfile` is not valid JSON: line 1, column 1"),
        case(&["--registry", "gcr", "--keyfile", &two], None, "`--keyfile` does not hold exactly one JSON object"),
        case(&["--registry", "gcr", "--keyfile", &big], None, "is larger than 64 KiB, too large for a service-account keyfile"),
        case(&["--registry", "gcr", "--keyfile", &latin1], None, "`--keyfile` is not valid UTF-8"),
        case(&["--registry", "gcr", "--keyfile", &no_key], None, "without `private_key`"),
        case(&["--registry", "gcr", "--keyfile", "/nonexistent/key.json"], None, "`--keyfile` `/nonexistent/key.json` cannot be read"),
    ];
    let mut stdin_case = |args: &[&str], stdin: &[u8], want: &'static str| {
        let mut c = case(args, None, want);
        c.stdin = stdin.to_vec();
        v.push(c);
    };
    stdin_case(
        &[
            "--registry",
            "quay",
            "--username",
            "org+bot",
            "--password-stdin",
        ],
        b"\n",
        "is empty",
    );
    stdin_case(
        &[
            "--registry",
            "quay",
            "--username",
            "org+bot",
            "--password-stdin",
        ],
        b"S3CRET\xff\n",
        "is not valid UTF-8",
    );
    stdin_case(
        &["--registry", "gcr", "--password-stdin"],
        SECRET.as_bytes(),
        "`--password-stdin` is not used by `--registry gcr`",
    );
    stdin_case(
        &["--registry", "gcr", "--keyfile", "-"],
        b"{\"type\":\"authorized_user\"}",
        "`--keyfile` is a user credential",
    );
    v
}

#[test]
fn every_validation_error_exits_2_names_the_option_and_writes_nothing() {
    let inputs = tempdir();
    let all = cases(inputs.path());
    assert!(all.len() >= 50, "{}", all.len());
    for c in all {
        let dir = tempdir();
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let r = render_in(dir.path(), &args, &c.stdin, c.env);
        let show = format!("{args:?}\n--- stderr\n{}", r.stderr);
        assert_eq!(r.code, Some(2), "{show}");
        assert!(r.stdout.is_empty(), "{show}");
        assert!(r.stderr.contains(c.want), "want {:?}: {show}", c.want);
        if !r.stderr.starts_with("error: ") {
            // phib's own errors (clap prints its own format for conflicts).
            assert!(r.stderr.starts_with("phib: "), "{show}");
            assert!(r.stderr.contains("\nhelp: "), "{show}");
            assert_eq!(r.stderr.lines().count(), 2, "{show}");
        }
        assert!(!r.stderr.contains("S3CRET"), "{show}");
        assert!(!r.stderr.contains("BEGIN PRIVATE KEY"), "{show}");
        assert!(!r.stderr.contains("refresh-token"), "{show}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{show}");
    }
}

/// The options of `phib render` that take a value, as its `--help` lists them, and
/// whether each is a choice (`[possible values: …]` or `Possible values:` under it).
fn value_options() -> Vec<(String, bool)> {
    let r = phib_run(["render", "--help"]);
    r.expect_code(0);
    let help = r.stdout_str();
    let mut options: Vec<(String, bool)> = Vec::new();
    for line in help.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let is_option = line.starts_with("  ") && words.first().is_some_and(|w| w.starts_with('-'));
        if is_option {
            let flag = words.iter().position(|w| w.starts_with("--"));
            if let Some(i) = flag.filter(|i| words.get(i + 1).is_some_and(|v| v.starts_with('<'))) {
                options.push((words[i].trim_end_matches(',').to_string(), false));
            } else {
                options.push((String::new(), false));
            }
        } else if line.contains("possible values:") || line.contains("Possible values:") {
            if let Some(last) = options.last_mut() {
                last.1 = true;
            }
        }
    }
    options.retain(|(flag, _)| !flag.is_empty());
    options
}

/// The rule of every option: a value with a control character in it (ESC, BEL, CR, or
/// the C1 CSI U+009B) is refused with exit 2 before anything is read or written, and
/// the message names the code point without printing the character. The options are
/// read from `--help`, so a new one is covered without a new line here.
#[test]
fn every_text_option_refuses_control_characters_and_writes_nothing() {
    let options = value_options();
    let flags: Vec<&str> = options.iter().map(|(f, _)| f.as_str()).collect();
    // The list really is `--help`'s: every field of the field list that takes a value,
    // and the options of render that are not fields, are in it.
    for id in phib::registry::FieldId::ALL {
        if id.value_name().is_some() {
            assert!(flags.contains(&id.flag()), "{} not in {flags:?}", id.flag());
        }
    }
    for flag in [
        "--secret-name",
        "--namespace",
        "--secret-out",
        "--chart-version",
        "--accept",
        "--values",
    ] {
        assert!(flags.contains(&flag), "{flag} not in {flags:?}");
    }
    for (flag, choice) in &options {
        for c in ['\u{1b}', '\u{7}', '\r', '\u{9b}'] {
            let dir = tempdir();
            let value = format!("x{c}y");
            let mut args = vec!["--registry", "harbor"];
            if flag == "--registry" {
                args.clear();
            }
            args.extend([flag.as_str(), value.as_str()]);
            let r = render_in(dir.path(), &args, b"", Some(SECRET));
            let show = format!("{flag} with U+{:04X}\n--- stderr\n{}", c as u32, r.stderr);
            assert_eq!(r.code, Some(2), "{show}");
            assert!(r.stdout.is_empty(), "{show}");
            assert!(
                !r.stderr.contains(c),
                "the character itself is printed: {show}"
            );
            assert!(r.stderr.contains(flag.as_str()), "{show}");
            if !choice {
                assert!(
                    r.stderr.contains(&format!(
                        "contains a control character (U+{:04X})",
                        c as u32
                    )),
                    "{show}"
                );
            }
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{show}");
        }
    }
}
