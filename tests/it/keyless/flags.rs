//! Every command a printed grant runs, checked against the provider's documented
//! syntax: the grant is run by the real bash with the cloud command-line tools (which
//! cannot run here) stood in by functions that record the words bash hands them, so the
//! words checked are the ones a real run would pass, `$(...)` substitutions and quoting
//! included. Each command must be in [`DOCUMENTED`], with the page its flags were taken
//! from, use only flags that page documents, and give the flags it requires.

use std::process::Command;

use super::cli::{grant_of, ok_cases, render_case};
use crate::util::*;

/// A command as the documentation names it, its page, every flag the page documents
/// for it that phib might use (the provider's global flags are in [`GLOBAL`]), and the
/// flags it requires.
type Documented = (
    &'static str,
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
);

pub const DOCUMENTED: &[Documented] = &[
    (
        "aws iam create-policy",
        "https://docs.aws.amazon.com/cli/latest/reference/iam/create-policy.html",
        &["--policy-name", "--policy-document", "--path", "--description", "--tags"],
        &["--policy-name", "--policy-document"],
    ),
    (
        "aws iam create-role",
        "https://docs.aws.amazon.com/cli/latest/reference/iam/create-role.html",
        &[
            "--role-name",
            "--assume-role-policy-document",
            "--path",
            "--description",
            "--max-session-duration",
            "--permissions-boundary",
            "--tags",
        ],
        &["--role-name", "--assume-role-policy-document"],
    ),
    (
        "aws iam get-role",
        "https://docs.aws.amazon.com/cli/latest/reference/iam/get-role.html",
        &["--role-name"],
        &["--role-name"],
    ),
    (
        "aws iam attach-role-policy",
        "https://docs.aws.amazon.com/cli/latest/reference/iam/attach-role-policy.html",
        &["--role-name", "--policy-arn"],
        &["--role-name", "--policy-arn"],
    ),
    (
        "aws eks describe-cluster",
        "https://docs.aws.amazon.com/cli/latest/reference/eks/describe-cluster.html",
        &["--name"],
        &["--name"],
    ),
    (
        "kubectl get",
        "https://kubernetes.io/docs/reference/kubectl/generated/kubectl_get/",
        &["-n", "--namespace", "-o", "--output"],
        &[],
    ),
    (
        "az aks update",
        "https://learn.microsoft.com/en-us/cli/azure/aks#az-aks-update",
        &[
            "--name",
            "--resource-group",
            "--enable-oidc-issuer",
            "--enable-workload-identity",
        ],
        &["--name", "--resource-group"],
    ),
    (
        "az aks show",
        "https://learn.microsoft.com/en-us/cli/azure/aks#az-aks-show",
        &["--name", "--resource-group"],
        &["--name", "--resource-group"],
    ),
    (
        "az identity federated-credential create",
        "https://learn.microsoft.com/en-us/cli/azure/identity/federated-credential#az-identity-federated-credential-create",
        &[
            "--name",
            "--identity-name",
            "--resource-group",
            "--issuer",
            "--subject",
            "--audiences",
        ],
        &["--name", "--identity-name", "--resource-group"],
    ),
    (
        "az acr show",
        "https://learn.microsoft.com/en-us/cli/azure/acr#az-acr-show",
        &["--name", "--resource-group"],
        &["--name"],
    ),
    (
        "az acr update",
        "https://learn.microsoft.com/en-us/cli/azure/acr#az-acr-update",
        &["--name", "--resource-group", "--role-assignment-mode"],
        &["--name"],
    ),
    (
        "az role assignment create",
        "https://learn.microsoft.com/en-us/cli/azure/role/assignment#az-role-assignment-create",
        &[
            "--role",
            "--assignee",
            "--assignee-object-id",
            "--assignee-principal-type",
            "--scope",
            "--condition",
            "--condition-version",
            "--description",
        ],
        &["--role"],
    ),
    (
        "gcloud services enable",
        "https://cloud.google.com/sdk/gcloud/reference/services/enable",
        &["--async"],
        &[],
    ),
    (
        "gcloud container clusters describe",
        "https://cloud.google.com/sdk/gcloud/reference/container/clusters/describe",
        &["--location", "--region", "--zone"],
        &[],
    ),
    (
        "gcloud iam service-accounts create",
        "https://cloud.google.com/sdk/gcloud/reference/iam/service-accounts/create",
        &["--display-name", "--description"],
        &[],
    ),
    (
        "gcloud iam service-accounts add-iam-policy-binding",
        "https://cloud.google.com/sdk/gcloud/reference/iam/service-accounts/add-iam-policy-binding",
        &["--member", "--role", "--condition", "--condition-from-file"],
        &["--member", "--role"],
    ),
    (
        "gcloud artifacts repositories add-iam-policy-binding",
        "https://cloud.google.com/sdk/gcloud/reference/artifacts/repositories/add-iam-policy-binding",
        &["--location", "--member", "--role", "--condition", "--condition-from-file"],
        &["--location", "--member", "--role"],
    ),
    (
        "gcloud artifacts repositories create",
        "https://cloud.google.com/sdk/gcloud/reference/artifacts/repositories/create",
        &["--location", "--repository-format", "--description", "--mode"],
        &["--location", "--repository-format"],
    ),
    (
        "curl",
        "https://curl.se/docs/manpage.html",
        &[
            "-f", "--fail", "-s", "--silent", "-S", "--show-error", "-X", "--request", "-H",
            "--header", "-d", "--data",
        ],
        &[],
    ),
    (
        "sed",
        "https://www.gnu.org/software/sed/manual/sed.html",
        &["-e", "-E", "-n"],
        &[],
    ),
];

/// Flags every command of a tool takes, and their pages.
pub const GLOBAL: &[(&str, &str, &[&str])] = &[
    (
        "aws",
        "https://docs.aws.amazon.com/cli/latest/reference/index.html",
        &[
            "--region",
            "--query",
            "--output",
            "--profile",
            "--endpoint-url",
        ],
    ),
    (
        "az",
        "https://learn.microsoft.com/en-us/cli/azure/use-azure-cli-successfully-query",
        &[
            "--query",
            "--output",
            "-o",
            "--subscription",
            "--only-show-errors",
        ],
    ),
    (
        "gcloud",
        "https://cloud.google.com/sdk/gcloud/reference#wide-flags",
        &["--project", "--format", "--quiet", "--account"],
    ),
];

/// The stand-ins: each records its words (unit-separated, one call a line) and prints
/// what a substitution needs; `aws iam get-role` fails, as for a role that does not
/// exist yet, so that the `||` branch runs too.
const STANDINS: &str = r#"
rec() { local IFS=$'\x1f'; printf '%s\n' "$*" >> "$PHIB_CALLS"; }
aws() { rec aws "$@"; [ "$2" = get-role ] && return 1; echo 'https://oidc.eks.region.amazonaws.com/id/EXAMPLE'; }
az() { rec az "$@"; echo '/subscriptions/0/resourceGroups/rg/providers/x'; }
gcloud() { rec gcloud "$@"; }
kubectl() { rec kubectl "$@"; echo 'arn:aws:iam::123456789012:role/standin'; }
curl() { rec curl "$@"; }
sed() { rec sed "$@"; command sed "$@"; }
"#;

/// Runs `grant` under the stand-ins; returns bash's result and the recorded calls.
pub fn calls_of(grant: &str) -> (Run, Vec<Vec<String>>) {
    let dir = tempdir();
    let log = dir.path().join("calls");
    std::fs::write(&log, "").unwrap();
    let script = format!("{STANDINS}\n{grant}");
    let r = run(
        Command::new("bash")
            .args(["-c", &script])
            .env("PHIB_CALLS", &log),
        b"",
    );
    let calls = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| l.split('\x1f').map(str::to_string).collect())
        .collect();
    (r, calls)
}

/// What is wrong with one call, against [`DOCUMENTED`] and [`GLOBAL`].
pub fn check_call(words: &[String]) -> Result<&'static str, String> {
    let line = words.join(" ");
    let Some((name, page, flags, required)) = DOCUMENTED
        .iter()
        .filter(|(name, ..)| {
            let parts: Vec<&str> = name.split(' ').collect();
            words.len() >= parts.len() && parts.iter().zip(words).all(|(p, w)| p == w)
        })
        .max_by_key(|(name, ..)| name.len())
    else {
        return Err(format!(
            "`{line}`: a command with no documented syntax in the table"
        ));
    };
    let global: &[&str] = GLOBAL
        .iter()
        .find(|(tool, ..)| *tool == words[0])
        .map_or(&[], |(_, _, g)| g);
    let mut used = Vec::new();
    for w in &words[name.split(' ').count()..] {
        let Some(flag) = w.strip_prefix('-') else {
            continue;
        };
        if flag.starts_with('-') {
            used.push(w.split('=').next().unwrap_or(w).to_string());
        } else {
            // Short flags may be grouped (`-fsS`); a value may follow a lone one.
            used.extend(flag.chars().map(|c| format!("-{c}")));
        }
    }
    for f in &used {
        if !flags.contains(&f.as_str()) && !global.contains(&f.as_str()) {
            return Err(format!(
                "`{line}`: `{f}` is not among the flags of `{name}` documented at {page}"
            ));
        }
    }
    for r in *required {
        if !used.iter().any(|u| u == r) {
            return Err(format!("`{line}`: `{name}` requires `{r}` ({page})"));
        }
    }
    Ok(name)
}

#[test]
fn every_grant_command_uses_the_documented_flags() {
    let dir = tempdir();
    let mut seen = std::collections::BTreeSet::new();
    for (i, (what, args)) in ok_cases().iter().enumerate() {
        let (r, _) = render_case(dir.path(), i, args);
        assert_eq!(r.code, Some(0), "{what}: {}", r.stderr);
        let grant = grant_of(&r.stderr);
        let (bash, calls) = calls_of(&grant);
        assert_eq!(
            bash.code,
            Some(0),
            "{what}: the grant failed under bash:\n{grant}\n{}",
            bash.stderr
        );
        let commands = grant
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty() && !l.contains("=...   #"))
            .count();
        assert!(
            commands == 0 || !calls.is_empty(),
            "{what}: no command ran\n{grant}"
        );
        for call in &calls {
            match check_call(call) {
                Ok(name) => {
                    seen.insert(name);
                }
                Err(e) => panic!("{what}: {e}\n{grant}"),
            }
        }
    }
    // Every cloud's grant was checked, each through its commands.
    for name in [
        "aws iam attach-role-policy",
        "aws iam create-role",
        "kubectl get",
        "az role assignment create",
        "az acr update",
        "gcloud services enable",
        "gcloud artifacts repositories create",
        "gcloud iam service-accounts add-iam-policy-binding",
    ] {
        assert!(seen.contains(name), "no grant ran `{name}`: {seen:?}");
    }
}

/// The checker refuses what the documentation does not have: it can fail.
#[test]
fn the_flag_check_refuses_an_undocumented_flag_a_missing_one_and_an_unknown_command() {
    let (_, calls) = calls_of(
        "aws iam attach-role-policy --role builder --policy-arn arn:aws:iam::1:policy/p\n\
         aws iam attach-role-policy --policy-arn arn:aws:iam::1:policy/p\n\
         az role assignment create --assignee x --role AcrPush --scope \"$(az acr show --name a --query id -o tsv)\"\n\
         gcloud artifacts repositories add-iam-policy-binding r --member=m --role=r\n\
         gcloud iam service-accounts keys create k.json --iam-account=a\n",
    );
    let results: Vec<Result<&str, String>> = calls.iter().map(|c| check_call(c)).collect();
    assert!(
        results[0]
            .as_ref()
            .unwrap_err()
            .contains("`--role` is not among the flags of `aws iam attach-role-policy`"),
        "{results:?}"
    );
    assert!(
        results[1]
            .as_ref()
            .unwrap_err()
            .contains("requires `--role-name`"),
        "{results:?}"
    );
    // The substitution runs first, then the command around it: both are checked.
    assert_eq!(results[2], Ok("az acr show"));
    assert_eq!(results[3], Ok("az role assignment create"));
    assert!(
        results[4]
            .as_ref()
            .unwrap_err()
            .contains("requires `--location`"),
        "{results:?}"
    );
    assert!(
        results[5]
            .as_ref()
            .unwrap_err()
            .contains("no documented syntax"),
        "{results:?}"
    );
}
