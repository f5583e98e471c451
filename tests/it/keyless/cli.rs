//! `phib render --secret-mode external --refresh external-secrets` and `--from-store`
//! on the command line: what each registry writes, the refusals (exit 2, nothing
//! written, the reason and the way instead), the grant it prints (valid shell), and the
//! keyless pages whose commands run and whose grants are what phib prints.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::*;

/// Every keyless `phib render` phib offers (`render` and `--secret-out` are added).
pub fn ok_cases() -> Vec<(&'static str, Vec<&'static str>)> {
    let ext = ["--secret-mode", "external"];
    let refresh = [&ext[..], &["--refresh", "external-secrets"]].concat();
    let ar = [
        "--registry",
        "artifact-registry",
        "--location",
        "europe-west1",
        "--project",
        "acme-images",
        "--repository",
        "primehub",
        "--push-repo",
        "europe-west1-docker.pkg.dev/acme-images/primehub/images",
    ];
    let ecr = [
        "--registry",
        "ecr",
        "--aws-account",
        "123456789012",
        "--aws-region",
        "eu-central-1",
        "--push-repo",
        "123456789012.dkr.ecr.eu-central-1.amazonaws.com/images",
    ];
    let ecr_cn = [
        "--registry",
        "ecr",
        "--aws-account",
        "123456789012",
        "--aws-region",
        "cn-north-1",
        "--push-repo",
        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/images",
    ];
    let ecr_gov = [
        "--registry",
        "ecr",
        "--aws-account",
        "123456789012",
        "--aws-region",
        "us-gov-west-1",
        "--push-repo",
        "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/images",
    ];
    let acr = [
        "--registry",
        "acr",
        "--acr-name",
        "acmeregistry",
        "--push-repo",
        "acmeregistry.azurecr.io/primehub/images",
    ];
    let ids = [
        "--azure-client-id",
        "11111111-2222-3333-4444-555555555555",
        "--azure-tenant-id",
        "66666666-7777-8888-9999-000000000000",
    ];
    let store = [
        &ext[..],
        &[
            "--from-store",
            "ClusterSecretStore/vault",
            "--remote-key",
            "primehub/registry",
        ],
    ]
    .concat();
    let c = |parts: &[&[&'static str]]| parts.concat();
    vec![
        (
            "artifact-registry",
            c(&[&ar, &refresh, &["--gke-cluster", "europe-west1/hub"]]),
        ),
        (
            "artifact-registry, cluster elsewhere",
            c(&[
                &ar,
                &refresh,
                &[
                    "--gke-cluster",
                    "ops-fleet/us-central1/hub",
                    "--gcp-service-account",
                    "builder@ops-fleet.iam.gserviceaccount.com",
                    "--refresh-service-account",
                    "image-builder",
                ],
            ]),
        ),
        (
            "gcr",
            c(&[
                &[
                    "--registry",
                    "gcr",
                    "--gcr-host",
                    "eu.gcr.io",
                    "--project",
                    "acme-images",
                    "--push-repo",
                    "eu.gcr.io/acme-images/primehub",
                ],
                &refresh,
                &["--gke-cluster", "europe-west1/hub"],
            ]),
        ),
        ("acr workload identity", c(&[&acr, &refresh, &ids])),
        (
            "acr managed identity",
            c(&[&acr, &refresh, &["--azure-identity", "managed"]]),
        ),
        ("ecr operator identity", c(&[&ecr, &refresh])),
        (
            "ecr irsa",
            c(&[
                &ecr,
                &refresh,
                &[
                    "--aws-role-arn",
                    "arn:aws:iam::123456789012:role/phib-image-builder",
                ],
            ]),
        ),
        (
            "ecr existing service account",
            c(&[&ecr, &refresh, &["--refresh-service-account", "ecr-pusher"]]),
        ),
        (
            "ecr existing service account and a role",
            c(&[
                &ecr,
                &refresh,
                &[
                    "--refresh-service-account",
                    "ecr-pusher",
                    "--aws-role-arn",
                    "arn:aws:iam::123456789012:role/path/ecr-pusher",
                ],
            ]),
        ),
        (
            "ecr china irsa",
            c(&[
                &[
                    "--registry",
                    "ecr",
                    "--aws-account",
                    "123456789012",
                    "--aws-region",
                    "cn-north-1",
                    "--push-repo",
                    "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/images",
                ],
                &refresh,
                &[
                    "--aws-role-arn",
                    "arn:aws-cn:iam::123456789012:role/phib-image-builder",
                ],
            ]),
        ),
        (
            "ecr china operator identity",
            c(&[
                &[
                    "--registry",
                    "ecr",
                    "--aws-account",
                    "123456789012",
                    "--aws-region",
                    "cn-northwest-1",
                    "--push-repo",
                    "123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn/images",
                ],
                &refresh,
            ]),
        ),
        (
            "ecr govcloud irsa",
            c(&[
                &[
                    "--registry",
                    "ecr",
                    "--aws-account",
                    "123456789012",
                    "--aws-region",
                    "us-gov-west-1",
                    "--push-repo",
                    "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/images",
                ],
                &refresh,
                &[
                    "--aws-role-arn",
                    "arn:aws-us-gov:iam::123456789012:role/phib-image-builder",
                ],
            ]),
        ),
        (
            "ecr govcloud existing service account",
            c(&[
                &[
                    "--registry",
                    "ecr",
                    "--aws-account",
                    "123456789012",
                    "--aws-region",
                    "us-gov-east-1",
                    "--push-repo",
                    "123456789012.dkr.ecr.us-gov-east-1.amazonaws.com/images",
                ],
                &refresh,
                &["--refresh-service-account", "ecr-pusher"],
            ]),
        ),
        (
            "ecr china existing service account",
            c(&[
                &ecr_cn,
                &refresh,
                &["--refresh-service-account", "ecr-pusher"],
            ]),
        ),
        (
            "ecr china existing service account and a role",
            c(&[
                &ecr_cn,
                &refresh,
                &[
                    "--refresh-service-account",
                    "ecr-pusher",
                    "--aws-role-arn",
                    "arn:aws-cn:iam::123456789012:role/ecr-pusher",
                ],
            ]),
        ),
        ("ecr govcloud operator identity", c(&[&ecr_gov, &refresh])),
        (
            "ecr govcloud existing service account and a role",
            c(&[
                &ecr_gov,
                &refresh,
                &[
                    "--refresh-service-account",
                    "ecr-pusher",
                    "--aws-role-arn",
                    "arn:aws-us-gov:iam::123456789012:role/ecr-pusher",
                ],
            ]),
        ),
        (
            "acr repository scope",
            c(&[&acr, &refresh, &ids, &["--acr-repository-scope"]]),
        ),
        (
            "ecr, the old flags",
            c(&[
                &ecr,
                &ext,
                &[
                    "--ecr-refresh",
                    "external-secrets",
                    "--ecr-service-account",
                    "ecr-reader",
                ],
            ]),
        ),
        (
            "quay",
            c(&[
                &[
                    "--registry",
                    "quay",
                    "--username",
                    "acme+phib_image_builder",
                    "--push-repo",
                    "quay.io/acme/primehub",
                ],
                &refresh,
            ]),
        ),
        (
            "store, docker hub",
            c(&[
                &[
                    "--registry",
                    "dockerhub",
                    "--username",
                    "acme",
                    "--push-repo-prefix",
                    "docker.io/acme",
                ],
                &store,
                &["--remote-property", "token"],
            ]),
        ),
        (
            "store, ghcr",
            c(&[
                &[
                    "--registry",
                    "ghcr",
                    "--username",
                    "acme-bot",
                    "--push-repo-prefix",
                    "ghcr.io/acme",
                ],
                &store,
            ]),
        ),
        (
            "store, harbor",
            c(&[
                &[
                    "--registry",
                    "harbor",
                    "--endpoint",
                    "https://harbor.example.com",
                    "--username",
                    "robot$ci",
                    "--push-repo-prefix",
                    "harbor.example.com/team",
                ],
                &store,
            ]),
        ),
        ("store, artifact registry keyfile", c(&[&ar, &store])),
    ]
}

/// Runs one case in a fresh folder under `dir`; returns the run and the manifest file.
pub fn render_case(dir: &Path, i: usize, args: &[&str]) -> (Run, PathBuf) {
    let case = dir.join(format!("case-{i}"));
    std::fs::create_dir_all(&case).unwrap();
    let r = run(
        phib()
            .current_dir(&case)
            .arg("render")
            .args(args)
            .args(["--secret-out", "push.yaml"])
            .env_remove("PHIB_REGISTRY_PASSWORD"),
        b"",
    );
    (r, case.join("push.yaml"))
}

/// The grant phib printed: the lines after its heading.
pub fn grant_of(stderr: &str) -> String {
    let (_, grant) = stderr
        .split_once("least-privilege grant")
        .unwrap_or_else(|| panic!("no grant in {stderr}"));
    grant
        .split_once('\n')
        .map(|(_, g)| g)
        .unwrap_or("")
        .to_string()
}

#[test]
fn every_keyless_case_writes_values_without_credentials_and_a_grant_in_valid_shell() {
    let dir = tempdir();
    for (i, (what, args)) in ok_cases().iter().enumerate() {
        let (r, manifest) = render_case(dir.path(), i, args);
        assert_eq!(r.code, Some(0), "{what}: {}", r.stderr);
        assert_eq!(mode(&manifest), 0o600, "{what}");
        let values = std::fs::read_to_string(manifest.with_file_name("values.yaml")).unwrap();
        let doc: serde_yaml::Value = serde_yaml::from_str(&values).unwrap();
        let ci = &doc["customImage"];
        assert!(
            ci.get("registryUsername").is_none() && ci.get("registryPassword").is_none(),
            "{what}: {values}"
        );
        assert_eq!(
            ci["pushSecretName"], "primehub-image-builder-push",
            "{what}"
        );
        let text = std::fs::read_to_string(&manifest).unwrap();
        assert!(text.contains("kind: \"ExternalSecret\""), "{what}: {text}");
        let grant = grant_of(&r.stderr);
        let out = Command::new("bash")
            .args(["-n", "-c", &grant])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{what}: the grant is not valid shell:\n{grant}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !grant.contains("ecr:*")
                && !grant.contains("roles/owner")
                && !grant.contains("roles/editor"),
            "{what}: {grant}"
        );
    }
}

/// The grant phib prints for each identity set-up and AWS partition: one row per case
/// of [`ok_cases`], with the lines the grant must hold, the text it must not hold, and a
/// line the manifests must hold. The closing table of docs/keyless/README.md names
/// these rows.
pub const GRANT_TABLE: &[(&str, &[&str], &[&str], &str)] = &[
    (
        "artifact-registry",
        &[
            "gcloud services enable iamcredentials.googleapis.com --project=acme-images",
            "add-iam-policy-binding primehub --project=acme-images --location=europe-west1 --member=serviceAccount:phib-image-builder@acme-images.iam.gserviceaccount.com --role=roles/artifactregistry.writer",
        ],
        &["repositories create"],
        "iam.gke.io/gcp-service-account",
    ),
    (
        "artifact-registry, cluster elsewhere",
        &[
            "gcloud services enable iamcredentials.googleapis.com --project=ops-fleet",
            "--member='serviceAccount:ops-fleet.svc.id.goog[hub/image-builder]'",
        ],
        &[],
        "clusterProjectID: \"ops-fleet\"",
    ),
    (
        "gcr",
        &[
            "gcloud services enable iamcredentials.googleapis.com --project=acme-images",
            "gcloud artifacts repositories create eu.gcr.io --repository-format=docker --location=europe --project=acme-images",
            "roles/artifactregistry.createOnPushWriter",
            "add-iam-policy-binding eu.gcr.io --project=acme-images --location=europe",
        ],
        &[],
        "kind: \"GCRAccessToken\"",
    ),
    (
        "acr workload identity",
        &["az role assignment create --assignee 11111111-2222-3333-4444-555555555555 --role AcrPush --scope \"$(az acr show --name acmeregistry --query id -o tsv)\""],
        &["az acr update", "--condition", "rbac-abac --"],
        "azure.workload.identity/client-id",
    ),
    (
        "acr managed identity",
        &["--role AcrPush --scope"],
        &["az acr update", "federated-credential"],
        "managedIdentity",
    ),
    (
        "acr repository scope",
        &[
            "az acr update --name acmeregistry --role-assignment-mode rbac-abac",
            "--role 'Container Registry Repository Writer'",
            "StringEqualsIgnoreCase '\\''primehub/images'\\''",
            "AcrPull and AcrPush (and AcrDelete) are no longer honoured for any user of the registry, AKS clusters pulling through `--attach-acr`",
        ],
        &["--role AcrPush"],
        "kind: \"ACRAccessToken\"",
    ),
    (
        "ecr operator identity",
        &[
            "\"Resource\":\"arn:aws:ecr:eu-central-1:123456789012:repository/images\"",
            "OPERATOR_ROLE_ARN=$(kubectl get serviceaccount external-secrets -n external-secrets -o jsonpath='{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}')",
            "aws iam attach-role-policy --role-name \"${OPERATOR_ROLE_ARN##*/}\" --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["create-role", "OPERATOR_ROLE=..."],
        "region: \"eu-central-1\"",
    ),
    (
        "ecr irsa",
        &[
            "aws iam get-role --role-name phib-image-builder >/dev/null 2>&1 || aws iam create-role --role-name phib-image-builder --assume-role-policy-document",
            "system:serviceaccount:hub:phib-image-builder",
            "arn:aws:iam::123456789012:oidc-provider/$OIDC_PROVIDER",
            "aws iam attach-role-policy --role-name phib-image-builder --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push",
        ],
        &[],
        "\"eks.amazonaws.com/role-arn\": \"arn:aws:iam::123456789012:role/phib-image-builder\"",
    ),
    (
        "ecr existing service account",
        &[
            "ROLE_ARN=$(kubectl get serviceaccount ecr-pusher -n hub -o jsonpath='{.metadata.annotations.eks\\.amazonaws\\.com/role-arn}')",
            "aws iam attach-role-policy --role-name \"${ROLE_ARN##*/}\" --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["create-role", "phib-image-builder --"],
        "name: \"ecr-pusher\"",
    ),
    (
        "ecr existing service account and a role",
        &[
            "system:serviceaccount:hub:ecr-pusher",
            "|| aws iam create-role --role-name ecr-pusher ",
            "aws iam attach-role-policy --role-name ecr-pusher --policy-arn arn:aws:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["kubectl get serviceaccount"],
        "\"eks.amazonaws.com/role-arn\": \"arn:aws:iam::123456789012:role/path/ecr-pusher\"",
    ),
    (
        "ecr china irsa",
        &[
            "\"Resource\":\"arn:aws-cn:ecr:cn-north-1:123456789012:repository/images\"",
            "--region cn-north-1",
            "arn:aws-cn:iam::123456789012:oidc-provider/$OIDC_PROVIDER",
            "--policy-arn arn:aws-cn:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:"],
        "\"123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn\\\":",
    ),
    (
        "ecr china operator identity",
        &[
            "\"Resource\":\"arn:aws-cn:ecr:cn-northwest-1:123456789012:repository/images\"",
            "--policy-arn arn:aws-cn:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:", "create-role"],
        "region: \"cn-northwest-1\"",
    ),
    (
        "ecr govcloud irsa",
        &[
            "\"Resource\":\"arn:aws-us-gov:ecr:us-gov-west-1:123456789012:repository/images\"",
            "arn:aws-us-gov:iam::123456789012:oidc-provider/$OIDC_PROVIDER",
            "--policy-arn arn:aws-us-gov:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:"],
        "\"eks.amazonaws.com/role-arn\": \"arn:aws-us-gov:iam::123456789012:role/phib-image-builder\"",
    ),
    (
        "ecr govcloud existing service account",
        &[
            "ROLE_ARN=$(kubectl get serviceaccount ecr-pusher -n hub",
            "--policy-arn arn:aws-us-gov:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:", "create-role"],
        "region: \"us-gov-east-1\"",
    ),
    (
        "ecr china existing service account",
        &[
            "ROLE_ARN=$(kubectl get serviceaccount ecr-pusher -n hub",
            "--role-name \"${ROLE_ARN##*/}\" --policy-arn arn:aws-cn:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:", "create-role"],
        "name: \"ecr-pusher\"",
    ),
    (
        "ecr china existing service account and a role",
        &[
            "system:serviceaccount:hub:ecr-pusher",
            "arn:aws-cn:iam::123456789012:oidc-provider/$OIDC_PROVIDER",
            "aws iam attach-role-policy --role-name ecr-pusher --policy-arn arn:aws-cn:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:", "kubectl get serviceaccount"],
        "\"eks.amazonaws.com/role-arn\": \"arn:aws-cn:iam::123456789012:role/ecr-pusher\"",
    ),
    (
        "ecr govcloud operator identity",
        &[
            "OPERATOR_ROLE_ARN=$(kubectl get serviceaccount external-secrets -n external-secrets",
            "--policy-arn arn:aws-us-gov:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:", "create-role"],
        "region: \"us-gov-west-1\"",
    ),
    (
        "ecr govcloud existing service account and a role",
        &[
            "system:serviceaccount:hub:ecr-pusher",
            "arn:aws-us-gov:iam::123456789012:oidc-provider/$OIDC_PROVIDER",
            "aws iam attach-role-policy --role-name ecr-pusher --policy-arn arn:aws-us-gov:iam::123456789012:policy/phib-image-builder-push",
        ],
        &["arn:aws:", "kubectl get serviceaccount"],
        "\"eks.amazonaws.com/role-arn\": \"arn:aws-us-gov:iam::123456789012:role/ecr-pusher\"",
    ),
    (
        "ecr, the old flags",
        &["ROLE_ARN=$(kubectl get serviceaccount ecr-reader -n hub"],
        &["create-role"],
        "name: \"ecr-reader\"",
    ),
    (
        "quay",
        &["/repository/acme/primehub/permissions/user/acme+phib_image_builder"],
        &[],
        "kind: \"QuayAccessToken\"",
    ),
    ("store, ghcr", &["write:packages"], &[], "ClusterSecretStore"),
];

#[test]
fn grant_per_identity_set_up_and_partition() {
    let dir = tempdir();
    let cases = ok_cases();
    for (what, must, must_not, manifest_line) in GRANT_TABLE {
        let (i, (_, args)) = cases
            .iter()
            .enumerate()
            .find(|(_, (w, _))| w == what)
            .unwrap_or_else(|| panic!("no case `{what}`"));
        let (r, manifest) = render_case(dir.path(), i, args);
        assert_eq!(r.code, Some(0), "{what}: {}", r.stderr);
        let grant = grant_of(&r.stderr);
        for line in *must {
            assert!(grant.contains(line), "{what}: no `{line}` in\n{grant}");
        }
        for text in *must_not {
            assert!(!grant.contains(text), "{what}: `{text}` in\n{grant}");
        }
        let manifests = std::fs::read_to_string(&manifest).unwrap();
        assert!(
            manifests.contains(manifest_line),
            "{what}: no `{manifest_line}` in\n{manifests}"
        );
    }
    // An existing ServiceAccount is not written again: the operator reads its annotation.
    let i = cases
        .iter()
        .position(|(w, _)| *w == "ecr existing service account")
        .unwrap();
    let (_, manifest) = render_case(dir.path(), 1000 + i, &cases[i].1);
    let text = std::fs::read_to_string(manifest).unwrap();
    assert!(!text.contains("kind: \"ServiceAccount\""), "{text}");
}

#[test]
fn where_keyless_cannot_work_phib_exits_2_with_the_reason_and_the_way() {
    let ar = "--registry artifact-registry --location europe-west1 --project acme-images --repository primehub --push-repo europe-west1-docker.pkg.dev/acme-images/primehub/images --secret-mode external";
    let ecr = "--registry ecr --aws-account 123456789012 --aws-region eu-central-1 --push-repo 123456789012.dkr.ecr.eu-central-1.amazonaws.com/images --secret-mode external";
    let acr = "--registry acr --acr-name acmeregistry --push-repo acmeregistry.azurecr.io/app --secret-mode external";
    let cases: Vec<(String, &str, &str)> = vec![
        ("--registry ghcr --username acme --push-repo-prefix ghcr.io/acme --secret-mode external --refresh external-secrets".into(),
         "ghcr.io does not accept GitHub App installation tokens", "--from-store"),
        ("--registry dockerhub --username acme --push-repo-prefix docker.io/acme --secret-mode external --refresh external-secrets".into(),
         "Docker Hub has no workload identity", "--from-store"),
        ("--registry harbor --endpoint https://harbor.example.com --username robot --push-repo-prefix harbor.example.com/team --secret-mode external --refresh external-secrets".into(),
         "no External Secrets Operator generator", "--from-store"),
        (format!("{ecr} --from-store SecretStore/aws --remote-key k"), "ECR tokens expire after 12 hours", "--refresh external-secrets"),
        (format!("{ar} --refresh external-secrets"), "needs `--gke-cluster LOCATION/NAME`", "gcloud container clusters list"),
        (format!("{ar} --refresh external-secrets --gke-cluster hub"), "is not `LOCATION/NAME`", "PROJECT/LOCATION/NAME"),
        (format!("{ar} --refresh external-secrets --gke-cluster europe-west1/hub --gcp-service-account me@gmail.com"), "is not a Google service account", "gcloud iam service-accounts list"),
        (format!("{acr} --refresh external-secrets"), "needs `--azure-client-id` and `--azure-tenant-id`", "--azure-identity managed"),
        (format!("{acr} --refresh external-secrets --azure-client-id nope --azure-tenant-id nope"), "is not a GUID", "az identity show"),
        (format!("{acr} --refresh external-secrets --gke-cluster a/b"), "`--gke-cluster` is not used by `--registry acr`", "remove it"),
        (format!("{ecr} --refresh external-secrets --aws-role-arn role/x"), "is not an IAM role ARN", "aws iam get-role"),
        (format!("{ecr} --refresh external-secrets --aws-role-arn arn:aws-cn:iam::123456789012:role/x"), "is in the partition `aws-cn`, but the registry's region `eu-central-1` is in `aws`", "arn:aws:iam::ACCOUNT:role/NAME"),
        ("--registry ecr --aws-account 123456789012 --aws-region cn-north-1 --push-repo 123456789012.dkr.ecr.cn-north-1.amazonaws.com/images --secret-mode external --refresh external-secrets".into(), "the registry endpoint is `https://123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn`", "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/"),
        (format!("{acr} --from-store SecretStore/x --remote-key k --username u --acr-repository-scope"), "`--acr-repository-scope` is only used with `--secret-mode external --refresh external-secrets`", "remove `--acr-repository-scope`"),
        (format!("{ecr} --refresh external-secrets --acr-repository-scope"), "`--acr-repository-scope` is not used by `--registry ecr`", "remove it"),
        ("--registry quay --username acme --push-repo quay.io/acme/app --secret-mode external --refresh external-secrets".into(), "is not a Quay robot account", "ORG+NAME"),
        ("--registry dockerhub --username acme --push-repo-prefix docker.io/acme --secret-mode external --from-store Vault/x --remote-key k".into(), "neither `SecretStore` nor `ClusterSecretStore`", "kubectl get secretstores"),
        ("--registry dockerhub --username acme --push-repo-prefix docker.io/acme --secret-mode external --from-store SecretStore/x".into(), "needs `--remote-key KEY`", "--remote-key"),
        ("--registry dockerhub --push-repo-prefix docker.io/acme --secret-mode external --from-store SecretStore/x --remote-key k".into(), "needs `--username`", "Docker Hub user name"),
        ("--registry dockerhub --username acme --push-repo-prefix docker.io/acme --secret-mode external --remote-key k --secret-name x".into(), "`--remote-key` is only used with `--secret-mode external --from-store KIND/NAME`", "--from-store"),
        (format!("{ar} --refresh external-secrets --gke-cluster europe-west1/hub --rotate"), "`--rotate` replaces stored credentials", "renew themselves"),
        (format!("{acr} --refresh external-secrets --azure-identity managed --username someone"), "`--username` is not used with", "remove it"),
        (format!("{ar} --gke-cluster europe-west1/hub").replace(" --secret-mode external", ""), "`--gke-cluster` is only used with `--secret-mode external --refresh external-secrets`", "--secret-mode external"),
    ];
    let kf = root().join("tests/fixtures/keyfiles/service-account.json");
    let with_keyfile = format!(
        "{ar} --refresh external-secrets --gke-cluster europe-west1/hub --keyfile {}",
        kf.display()
    );
    let cases = cases.into_iter().chain([(
        with_keyfile,
        "`--keyfile` is not used with `--refresh` or `--from-store`",
        "no long-lived key",
    )]);
    for (line, reason, way) in cases {
        let dir = tempdir();
        let args = shell_words(&line);
        let (r, _) = render_case(
            dir.path(),
            0,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(r.code, Some(2), "{line}: {}", r.stderr);
        assert!(r.stderr.contains(reason), "{line}: {}", r.stderr);
        let help = r
            .stderr
            .split_once("help:")
            .map(|(_, h)| h)
            .unwrap_or_default();
        assert!(help.contains(way), "{line}: {}", r.stderr);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("case-0"))
            .unwrap()
            .collect();
        assert!(left.is_empty(), "{line} wrote {left:?}");
    }
    // `--refresh` and `--from-store` together: clap refuses, exit 2.
    let dir = tempdir();
    let line = format!("{ar} --refresh external-secrets --from-store SecretStore/x --remote-key k");
    let args = shell_words(&line);
    let (r, _) = render_case(
        dir.path(),
        0,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(r.code, Some(2), "{}", r.stderr);
}

/// The first fenced block of `lang` after `heading` (or from the top).
fn block_after<'a>(page: &'a str, heading: &str, lang: &str) -> &'a str {
    let from = page
        .find(heading)
        .unwrap_or_else(|| panic!("no `{heading}`"));
    let rest = &page[from..];
    let open = format!("```{lang}\n");
    let start = rest.find(&open).expect("a block") + open.len();
    let len = rest[start..].find("```").expect("block end");
    &rest[start..start + len]
}

#[test]
fn the_keyless_pages_commands_run_and_show_the_grants_phib_prints() {
    for page in ["google", "azure", "aws", "quay", "github", "central-store"] {
        let text = std::fs::read_to_string(root().join(format!("docs/keyless/{page}.md"))).unwrap();
        let command = block_after(&text, "# ", "sh").replace("\\\n", " ");
        let mut args = shell_words(command.trim());
        assert_eq!(args.remove(0), "phib", "{page}");
        assert_eq!(args.remove(0), "render", "{page}");
        let out_at = args
            .iter()
            .position(|a| a == "--secret-out")
            .expect("--secret-out");
        args.drain(out_at..out_at + 2);
        let dir = tempdir();
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let (r, _) = render_case(dir.path(), 0, &argv);
        assert_eq!(r.code, Some(0), "{page}.md: {}", r.stderr);
        let printed = grant_of(&r.stderr);
        if !text.contains("## The grant") {
            continue;
        }
        let section = text.split_once("## The grant").unwrap().1;
        let section = section.split("\n## ").next().unwrap();
        if !section.contains("```") {
            continue;
        }
        let shown = block_after(section, "", "sh");
        let mut checked = 0;
        for line in shown.lines() {
            if line.starts_with('#') || line.contains("...") || line.trim().is_empty() {
                continue;
            }
            assert!(printed.lines().any(|l| l == line), "{page}.md shows a grant line phib does not print:\n{line}\nphib printed:\n{printed}");
            checked += 1;
        }
        assert!(
            checked > 0 || page == "github" || page == "central-store",
            "{page}.md"
        );
    }
}
