//! The faults past the values: the External Secrets chain behind the push Secret (for
//! every registry generator phib writes, and for a store), and the builds themselves
//! (the controller pod, Pod Security, failed `ImageSpecJob`s). Planted on every chart
//! fixture like the others; the objects are `shapes`'.

use super::shapes::{self, Keyless, Ready, ACR, ECR, GCR, GITHUB, QUAY};
use super::{external_mode, the_external_secret, Fault, Log, ALL};

/// Two faults per generator: healthy, and refused by the cloud (no push Secret yet).
macro_rules! per_generator {
    ($k:expr, $healthy:expr, $refused:expr) => {
        [
            Fault {
                name: $healthy,
                charts: ALL,
                release: "primehub",
                values: || shapes::values($k.endpoint, $k.prefix),
                extra: || shapes::healthy(&$k),
                expect: &[],
                live: None,
                logs: super::no_logs,
            },
            Fault {
                name: $refused,
                charts: ALL,
                release: "primehub",
                values: || shapes::values($k.endpoint, $k.prefix),
                extra: || shapes::refused(&$k),
                expect: &["external-secret:fail"],
                live: None,
                logs: super::no_logs,
            },
        ]
    };
}

fn keyless_values(k: &Keyless) -> serde_json::Value {
    shapes::values(k.endpoint, k.prefix)
}

pub fn faults() -> Vec<Fault> {
    let mut all = Vec::new();
    all.extend(per_generator!(
        ECR,
        "ECRAuthorizationToken, Ready",
        "ECRAuthorizationToken refused: no ecr:GetAuthorizationToken"
    ));
    all.extend(per_generator!(
        GCR,
        "GCRAccessToken, Ready",
        "GCRAccessToken refused: no Workload Identity binding"
    ));
    all.extend(per_generator!(
        ACR,
        "ACRAccessToken, Ready",
        "ACRAccessToken refused: no federated credential"
    ));
    all.extend(per_generator!(
        QUAY,
        "QuayAccessToken, Ready",
        "QuayAccessToken refused: the robot trusts no such ServiceAccount"
    ));
    all.extend(per_generator!(
        GITHUB,
        "GithubAccessToken, Ready",
        "GithubAccessToken refused: no such installation"
    ));
    all.extend([
        Fault {
            name: "ECRAuthorizationToken refused, the push Secret keeps its last token",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&ECR),
            extra: || {
                shapes::refused(&ECR) + &shapes::push_secret(shapes::host(&ECR), "AWS", shapes::TOKEN)
            },
            expect: &["external-secret:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "the generator is missing",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&ECR),
            extra: || {
                shapes::service_account(ECR.annotations.unwrap())
                    + &shapes::external_secret(
                        shapes::from_generator(&ECR),
                        Ready::Failed("error processing spec.dataFrom[0].sourceRef.generatorRef, err: unable to get generator: ecrauthorizationtokens.generators.external-secrets.io \"image-builder-push-token\" not found"),
                    )
            },
            // Offline the bundle may just lack it; the ExternalSecret still fails.
            expect: &["external-secret:fail", "secret-source:warn"],
            live: Some(&["secret-source:fail"]),
            logs: super::no_logs,
        },
        Fault {
            name: "the IRSA ServiceAccount has no role annotation",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&ECR),
            extra: || {
                shapes::yaml(&(ECR.generator)())
                    + &shapes::service_account(&[])
                    + &shapes::external_secret(
                        shapes::from_generator(&ECR),
                        Ready::Failed("error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: unable to create aws session: an IAM role must be associated with service account phib-image-builder (namespace: hub)"),
                    )
            },
            expect: &["secret-source:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            // GKE then uses the Kubernetes identity itself: it works if that was
            // granted, but phib's grant is for the Google service account.
            name: "the GKE ServiceAccount has no Google service account annotation",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&GCR),
            extra: || {
                shapes::yaml(&(GCR.generator)())
                    + &shapes::service_account(&[])
                    + &shapes::external_secret(shapes::from_generator(&GCR), Ready::Synced)
                    + &shapes::push_secret(shapes::host(&GCR), GCR.user, shapes::TOKEN)
            },
            expect: &["secret-source:warn"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "the Azure ServiceAccount has no tenant-id annotation",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&ACR),
            extra: || {
                shapes::yaml(&(ACR.generator)())
                    + &shapes::service_account(&ACR.annotations.unwrap()[..1])
                    + &shapes::external_secret(
                        shapes::from_generator(&ACR),
                        Ready::Failed("error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: service account is missing annotation: azure.workload.identity/tenant-id"),
                    )
            },
            expect: &["secret-source:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "the GitHub App's key Secret is missing",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&GITHUB),
            extra: || {
                shapes::yaml(&(GITHUB.generator)())
                    + &shapes::external_secret(
                        shapes::from_generator(&GITHUB),
                        Ready::Failed("error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: error getting GH pem from secret:secrets \"github-app-key\" not found"),
                    )
            },
            expect: &["external-secret:fail", "secret-source:warn"],
            live: Some(&["secret-source:fail"]),
            logs: super::no_logs,
        },
        Fault {
            name: "a ClusterSecretStore, Ready",
            charts: ALL,
            release: "primehub",
            values: shapes::store_values,
            extra: || {
                shapes::store(true)
                    + &shapes::external_secret(shapes::from_store(), Ready::Synced)
                    + &shapes::push_secret(super::HOST, super::USER, super::PASSWORD)
            },
            expect: &[],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "a ClusterSecretStore without the key",
            charts: ALL,
            release: "primehub",
            values: shapes::store_values,
            extra: || {
                shapes::store(true)
                    + &shapes::external_secret(
                        shapes::from_store(),
                        Ready::Failed("error processing spec.data[0] (key: primehub/registry), err: Secret does not exist"),
                    )
            },
            expect: &["external-secret:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "a ClusterSecretStore that is not Ready",
            charts: ALL,
            release: "primehub",
            values: shapes::store_values,
            extra: || {
                shapes::store(false)
                    + &shapes::external_secret(
                        shapes::from_store(),
                        Ready::Failed("error processing spec.data[0] (key: primehub/registry), err: could not get provider client: unable to log in to auth method: Error making API request. Code: 403. Errors: * permission denied"),
                    )
            },
            expect: &["secret-source:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "the push Secret's ExternalSecret is not in the bundle",
            charts: ALL,
            release: "primehub",
            values: || keyless_values(&ECR),
            extra: || shapes::push_secret(shapes::host(&ECR), "AWS", shapes::TOKEN),
            expect: &["external-secret:warn"],
            // Live the namespace has none: a Secret left behind, which works.
            live: Some(&[]),
            logs: super::no_logs,
        },
    ]);
    all
}

fn controller_log() -> Vec<Log> {
    vec![Log {
        pod: "primehub-controller-6f7c9d8b5-x2k4q".into(),
        container: "manager",
        previous: true,
        text: "I0120 09:59:58.101 main.go:96] starting manager\npanic: graphqlEndpoint is required in config.yaml\n\ngoroutine 1 [running]:\nmain.loadConfig()\n".into(),
    }]
}

fn push_denied_log() -> Vec<Log> {
    vec![Log {
        pod: shapes::BUILD_POD.into(),
        container: "build-and-push",
        previous: false,
        text: shapes::echoed_login() + shapes::PUSH_DENIED_LOG,
    }]
}

fn base_pull_log() -> Vec<Log> {
    vec![Log {
        pod: shapes::BUILD_POD.into(),
        container: "build-and-push",
        previous: false,
        text: "[Step: build]\nFetching base image: docker.io/jupyter/base-notebook:lab-3.6.2\nError: initializing source docker://jupyter/base-notebook:lab-3.6.2: reading manifest lab-3.6.2 in docker.io/jupyter/base-notebook: toomanyrequests: You have reached your pull rate limit.\nError: creating build container: initializing source docker://jupyter/base-notebook:lab-3.6.2: reading manifest lab-3.6.2 in docker.io/jupyter/base-notebook: manifest unknown\n".into(),
    }]
}

fn psa_log() -> Vec<Log> {
    vec![Log {
        pod: "primehub-controller-6f7c9d8b5-x2k4q".into(),
        container: "manager",
        previous: false,
        text: shapes::psa_refusal_log(),
    }]
}

pub fn build_faults() -> Vec<Fault> {
    vec![
        Fault {
            name: "the namespace enforces Pod Security baseline",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || the_external_secret() + &shapes::namespace(Some("baseline")),
            expect: &["pod-security:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "the controller crash-loops",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret() + &shapes::yaml(&shapes::controller_pod("primehub", true))
            },
            expect: &["controller:fail"],
            live: None,
            logs: controller_log,
        },
        Fault {
            name: "a build the registry refused at the push",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret()
                    + &shapes::image_spec_job("Failed", Some(shapes::BUILD_POD))
                    + &shapes::build_pod(Some(3), None)
            },
            expect: &["builds:fail"],
            live: None,
            logs: push_denied_log,
        },
        Fault {
            name: "a build whose base image could not be pulled",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret()
                    + &shapes::image_spec_job("Failed", Some(shapes::BUILD_POD))
                    + &shapes::build_pod(Some(2), None)
            },
            // Offline there is no log: a failed build step, which may be the packages.
            expect: &["builds:warn"],
            live: Some(&["builds:fail"]),
            logs: base_pull_log,
        },
        Fault {
            name: "a build pod whose build image cannot be pulled",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                the_external_secret()
                    + &shapes::image_spec_job("Pending", Some(shapes::BUILD_POD))
                    + &shapes::build_pod(None, Some(("ImagePullBackOff", "Back-off pulling image \"infuseai/buildah:v1.39.3\"")))
                    + &shapes::event("Pod", "v1", shapes::BUILD_POD, "Failed", "Failed to pull image \"infuseai/buildah:v1.39.3\": rpc error: code = NotFound desc = failed to pull and unpack image \"docker.io/infuseai/buildah:v1.39.3\": not found")
            },
            expect: &["builds:fail"],
            live: None,
            logs: super::no_logs,
        },
        Fault {
            name: "a build pod Pod Security refused (no namespace label seen)",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || the_external_secret() + &shapes::image_spec_job("", None),
            // Only the controller's log says it: offline nothing shows.
            expect: &[],
            live: Some(&["builds:fail"]),
            logs: psa_log,
        },
        Fault {
            name: "a failed build, then one that succeeded",
            charts: ALL,
            release: "primehub",
            values: external_mode,
            extra: || {
                let ok = shapes::image_spec_job("Succeeded", Some("image-my-image-zz9k-a1b2"))
                    .replace(shapes::JOB, "my-image-zz9k")
                    .replace("2026-01-20T09:57:00Z", "2026-01-20T11:00:00Z");
                the_external_secret()
                    + &shapes::image_spec_job("Failed", Some(shapes::BUILD_POD))
                    + &shapes::build_pod(Some(3), None)
                    + &ok
            },
            expect: &[],
            live: None,
            logs: super::no_logs,
        },
    ]
}

#[test]
fn every_generator_phib_writes_has_a_stand_in() {
    use phib::registry::keyless::{aws, azure, github, google, quay};
    let kinds: Vec<&str> = shapes::GENERATORS.iter().map(|k| k.kind).collect();
    for g in [
        aws::GENERATOR,
        google::GENERATOR,
        azure::GENERATOR,
        quay::GENERATOR,
        github::GENERATOR,
    ] {
        assert!(kinds.contains(&g.kind), "{}", g.kind);
    }
}
