//! Stand-in cluster objects, shaped as the real API objects are (kubectl prints them so;
//! a bundle holds them as `kubectl get -o yaml` wrote them), for the faults the doctor
//! must find past the values:
//! - External Secrets Operator v2.9.0 (`apis/externalsecrets/v1/externalsecret_types.go`:
//!   `ExternalSecret`, `ExternalSecretSpec`, `ExternalSecretStatus`,
//!   `ExternalSecretStatusCondition` with reason `SecretSynced`/`SecretSyncedError` and
//!   the messages the controller writes; `secretstore_types.go`: `SecretStoreStatus`;
//!   `apis/generators/v1alpha1/types_{ecr,gcr,acr,quay,github}.go`: the generators'
//!   specs, which have no status), the operator's `UpdateFailed` events with the error
//!   texts its generators return (`generators/v1/*/…go`), and the ServiceAccount
//!   annotations each reads;
//! - PrimeHub's controller (`api/v1alpha1/imagespecjob_types.go`: `ImageSpecJob`,
//!   `ImageSpecJobStatus{phase, podName}`; the build pod `image-<job>-<hash>` with the
//!   container `build-and-push`) and core `v1` Pods, Events and Namespaces.

use serde_json::{json, Value};

use super::{b64, dockerconfig, HOST, USER};

/// The push Secret's name, which phib gives the `ExternalSecret` too.
pub const PUSH: &str = super::EXTERNAL_SECRET;
pub const SA: &str = "phib-image-builder";
pub const WHEN: &str = "2026-01-20T10:00:00Z";
const UID: &str = "5f0c3b6e-8d0a-4a55-9b7e-2f1f6c1d9a10";

pub fn yaml(doc: &Value) -> String {
    format!("---\n{}", serde_yaml::to_string(doc).unwrap())
}

/// One keyless set-up: a registry, the generator phib writes for it, the identity.
pub struct Keyless {
    pub kind: &'static str,
    pub endpoint: &'static str,
    pub prefix: &'static str,
    pub user: &'static str,
    pub generator: fn() -> Value,
    /// The ServiceAccount's annotations (`None`: the generator uses none).
    pub annotations: Option<&'static [(&'static str, &'static str)]>,
    /// What the operator's event says when the cloud refuses the identity.
    pub refused: &'static str,
}

fn generator(kind: &str, spec: Value) -> Value {
    json!({"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": kind,
           "metadata": {"name": format!("{PUSH}-token"), "namespace": "hub"}, "spec": spec})
}

const ROLE: &str = "arn:aws:iam::123456789012:role/phib-image-builder";

pub const ECR: Keyless = Keyless {
    kind: "ECRAuthorizationToken",
    endpoint: "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
    prefix: "123456789012.dkr.ecr.us-east-1.amazonaws.com/primehub",
    user: "AWS",
    generator: || {
        generator(
            "ECRAuthorizationToken",
            json!({"region": "us-east-1", "auth": {"jwt": {"serviceAccountRef": {"name": SA}}}}),
        )
    },
    annotations: Some(&[("eks.amazonaws.com/role-arn", ROLE)]),
    refused: "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: unable to get authorization token: operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, RequestID: 5c1f2e8a-0b7d-4f7e-9a51-2d3c4b5a6f70, api error AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/phib-image-builder/1767225600 is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action",
};

pub const GCR: Keyless = Keyless {
    kind: "GCRAccessToken",
    endpoint: "https://europe-west1-docker.pkg.dev",
    prefix: "europe-west1-docker.pkg.dev/acme/images",
    user: "oauth2accesstoken",
    generator: || {
        generator(
            "GCRAccessToken",
            json!({"projectID": "acme", "auth": {"workloadIdentity": {
                "clusterLocation": "europe-west1", "clusterName": "hub",
                "clusterProjectID": "acme", "serviceAccountRef": {"name": SA}}}}),
        )
    },
    annotations: Some(&[(
        "iam.gke.io/gcp-service-account",
        "phib-image-builder@acme.iam.gserviceaccount.com",
    )]),
    refused: "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: unable to generate gcp access token: rpc error: code = PermissionDenied desc = Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
};

pub const ACR: Keyless = Keyless {
    kind: "ACRAccessToken",
    endpoint: "https://acme.azurecr.io",
    prefix: "acme.azurecr.io/primehub",
    user: "00000000-0000-0000-0000-000000000000",
    generator: || {
        generator(
            "ACRAccessToken",
            json!({"registry": "acme.azurecr.io", "environmentType": "PublicCloud",
                   "auth": {"workloadIdentity": {"serviceAccountRef": {"name": SA}}}}),
        )
    },
    annotations: Some(&[
        (
            "azure.workload.identity/client-id",
            "1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b",
        ),
        (
            "azure.workload.identity/tenant-id",
            "7f8e9d0c-1b2a-4394-8576-a1b2c3d4e5f6",
        ),
    ]),
    refused: "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: FromAssertion(): http call(https://login.microsoftonline.com/7f8e9d0c-1b2a-4394-8576-a1b2c3d4e5f6/oauth2/v2.0/token)(POST) error: reply status code was 400: {\"error\":\"invalid_request\",\"error_description\":\"AADSTS70021: No matching federated identity record found for presented assertion.\"}",
};

pub const QUAY: Keyless = Keyless {
    kind: "QuayAccessToken",
    endpoint: "https://quay.io",
    prefix: "quay.io/acme",
    user: "acme+phib_image_builder",
    generator: || {
        generator(
            "QuayAccessToken",
            json!({"url": "quay.io", "robotAccount": "acme+phib_image_builder",
                   "serviceAccountRef": {"name": SA}}),
        )
    },
    annotations: Some(&[]),
    refused: "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: request failed do to unexpected status: 401 UNAUTHORIZED",
};

pub const GITHUB_KEY: &str = "github-app-key";

pub const GITHUB: Keyless = Keyless {
    kind: "GithubAccessToken",
    endpoint: "https://reg.example.com",
    prefix: "reg.example.com/team",
    user: "x-access-token",
    generator: || {
        generator(
            "GithubAccessToken",
            json!({"appID": "123456", "installID": "7890123",
                   "permissions": {"packages": "write"},
                   "auth": {"privateKey": {"secretRef": {"name": GITHUB_KEY, "key": "private-key.pem"}}}}),
        )
    },
    annotations: None,
    refused: "error processing spec.dataFrom[0].sourceRef.generatorRef, err: error using generator: error generating token: response code: 404, response: map[documentation_url:https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app message:Not Found status:404]",
};

pub const GENERATORS: [&Keyless; 5] = [&ECR, &GCR, &ACR, &QUAY, &GITHUB];

/// The host of a set-up's endpoint.
pub fn host(k: &Keyless) -> &'static str {
    k.endpoint.strip_prefix("https://").unwrap_or(k.endpoint)
}

/// The values of a keyless set-up (external mode, the push Secret made by the
/// operator).
pub fn values(endpoint: &str, prefix: &str) -> Value {
    json!({"primehub": {"mode": "ee"}, "customImage": {
        "registryEndpoint": endpoint, "pushRepoPrefix": prefix, "pushSecretName": PUSH}})
}

/// The `ExternalSecret`'s `Ready` condition.
#[derive(Clone, Copy)]
pub enum Ready {
    Synced,
    /// `SecretSyncedError`; the operator's event says why.
    Failed(&'static str),
}

/// The `ExternalSecret` phib writes, as the operator leaves it, with `source` merged
/// into its spec (`dataFrom` with a `generatorRef`, or `secretStoreRef` and `data`).
pub fn external_secret(source: Value, ready: Ready) -> String {
    let mut spec = json!({"refreshInterval": "1h", "target": {"name": PUSH, "creationPolicy": "Owner",
        "deletionPolicy": "Retain", "template": {"type": "kubernetes.io/dockerconfigjson", "engineVersion": "v2"}}});
    spec.as_object_mut()
        .unwrap()
        .extend(source.as_object().unwrap().clone());
    let (status, condition) = match ready {
        Ready::Synced => (
            json!({"refreshTime": WHEN, "syncedResourceVersion": "1-9f86d081884c7d659a2feaa0c55ad015",
                   "binding": {"name": PUSH}}),
            json!({"type": "Ready", "status": "True", "reason": "SecretSynced",
                   "message": "secret synced", "lastTransitionTime": WHEN}),
        ),
        Ready::Failed(_) => (
            json!({"refreshTime": null, "binding": {"name": ""}}),
            json!({"type": "Ready", "status": "False", "reason": "SecretSyncedError",
                   "message": "could not get secret data from provider", "lastTransitionTime": WHEN}),
        ),
    };
    let mut status = status;
    status["conditions"] = json!([condition]);
    let doc = json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
        "metadata": {"name": PUSH, "namespace": "hub", "uid": UID,
                     "labels": {"app.kubernetes.io/managed-by": "phib"}},
        "spec": spec, "status": status});
    let mut out = yaml(&doc);
    if let Ready::Failed(why) = ready {
        out += &event(
            "ExternalSecret",
            "external-secrets.io/v1",
            PUSH,
            "UpdateFailed",
            why,
        );
    }
    out
}

/// A `v1` Event of type `Warning` about an object.
pub fn event(kind: &str, api: &str, name: &str, reason: &str, message: &str) -> String {
    yaml(&json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": format!("{name}.17c9a2b3d4e5f607"), "namespace": "hub"},
        "involvedObject": {"apiVersion": api, "kind": kind, "name": name, "namespace": "hub"},
        "reason": reason, "message": message, "type": "Warning", "count": 7,
        "source": {"component": "external-secrets"},
        "firstTimestamp": "2026-01-20T09:00:00Z", "lastTimestamp": WHEN}))
}

/// `dataFrom` with the generator of `k`.
pub fn from_generator(k: &Keyless) -> Value {
    let g = (k.generator)();
    json!({"dataFrom": [{"sourceRef": {"generatorRef": {
        "apiVersion": "generators.external-secrets.io/v1alpha1",
        "kind": g["kind"], "name": g["metadata"]["name"]}}}]})
}

/// A ServiceAccount with `annotations`.
pub fn service_account(annotations: &[(&str, &str)]) -> String {
    let a: serde_json::Map<String, Value> = annotations
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut meta = json!({"name": SA, "namespace": "hub"});
    if !a.is_empty() {
        meta["annotations"] = Value::Object(a);
    }
    yaml(&json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}))
}

/// The push Secret the operator wrote (owned by the `ExternalSecret`).
pub fn push_secret(host: &str, user: &str, token: &str) -> String {
    yaml(
        &json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": PUSH, "namespace": "hub",
            "labels": {"reconcile.external-secrets.io/managed": "true"},
            "ownerReferences": [{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                "name": PUSH, "uid": UID, "controller": true, "blockOwnerDeletion": true}]},
        "data": {".dockerconfigjson": b64(&dockerconfig(host, user, token))}}),
    )
}

/// The token a generator minted (what the push Secret holds).
pub const TOKEN: &str = "eyJwYXlsb2FkIjoic3RhbmQtaW4tdG9rZW4ifQ.c2lnbmF0dXJl";

/// Everything of a healthy set-up with `k` but the `ExternalSecret`: the generator,
/// its ServiceAccount (or the GitHub App's key Secret).
pub fn generator_side(k: &Keyless) -> String {
    let mut out = yaml(&(k.generator)());
    match k.annotations {
        Some(a) => out += &service_account(a),
        None => {
            out += &yaml(
                &json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": GITHUB_KEY, "namespace": "hub"},
                "data": {"private-key.pem": b64("-----BEGIN RSA PRIVATE KEY-----\nstand-in\n-----END RSA PRIVATE KEY-----\n")}}),
            )
        }
    }
    out
}

/// A healthy keyless set-up.
pub fn healthy(k: &Keyless) -> String {
    generator_side(k)
        + &external_secret(from_generator(k), Ready::Synced)
        + &push_secret(host(k), k.user, TOKEN)
}

/// A set-up whose `ExternalSecret` the cloud refuses: no push Secret yet.
pub fn refused(k: &Keyless) -> String {
    generator_side(k) + &external_secret(from_generator(k), Ready::Failed(k.refused))
}

pub const STORE: &str = "vault";

/// The `ExternalSecret` of `--from-store ClusterSecretStore/vault`.
pub fn from_store() -> Value {
    json!({"secretStoreRef": {"kind": "ClusterSecretStore", "name": STORE},
           "data": [{"secretKey": "password", "remoteRef": {"key": "primehub/registry"}}]})
}

/// The `ClusterSecretStore`, Ready or not.
pub fn store(ready: bool) -> String {
    let condition = if ready {
        json!({"type": "Ready", "status": "True", "reason": "Valid", "message": "store validated"})
    } else {
        json!({"type": "Ready", "status": "False", "reason": "InvalidProviderConfig",
               "message": "unable to validate store: could not get provider client: unable to log in to auth method: unable to log in with Kubernetes auth: Error making API request. Code: 403. Errors: * permission denied"})
    };
    yaml(
        &json!({"apiVersion": "external-secrets.io/v1", "kind": "ClusterSecretStore",
        "metadata": {"name": STORE},
        "spec": {"provider": {"vault": {"server": "https://vault.example.com:8200", "path": "secret",
            "version": "v2", "auth": {"kubernetes": {"mountPath": "kubernetes", "role": "primehub"}}}}},
        "status": {"capabilities": "ReadWrite", "conditions": [condition]}}),
    )
}

/// The values and objects of a store set-up on the test registry.
pub fn store_values() -> Value {
    values(&format!("https://{HOST}"), &format!("{HOST}/team"))
}

/// The release's controller pod; `crash`: crash-looping (`lastState.terminated`
/// `Error`, exit 2, and `state.waiting` `CrashLoopBackOff`).
pub fn controller_pod(fullname: &str, crash: bool) -> Value {
    let image = "infuseai/primehub-controller:sha-8dfbb81";
    let manager = if crash {
        json!({"name": "manager", "image": image, "ready": false, "restartCount": 14,
            "state": {"waiting": {"reason": "CrashLoopBackOff",
                "message": "back-off 5m0s restarting failed container=manager pod=x"}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 2,
                "startedAt": "2026-01-20T09:59:58Z", "finishedAt": WHEN}}})
    } else {
        json!({"name": "manager", "image": image, "ready": true, "restartCount": 0,
            "state": {"running": {"startedAt": "2026-01-19T08:00:00Z"}}, "lastState": {}})
    };
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("{fullname}-controller-6f7c9d8b5-x2k4q"), "namespace": "hub",
            "labels": {"app.kubernetes.io/instance": "primehub", "app.kubernetes.io/name": "primehub-controller"}},
        "status": {"phase": "Running", "containerStatuses": [
            {"name": "kube-rbac-proxy", "image": "quay.io/brancz/kube-rbac-proxy:v0.15.0", "ready": true,
             "restartCount": 0, "state": {"running": {"startedAt": "2026-01-19T08:00:00Z"}}, "lastState": {}},
            manager]}})
}

/// The job of a build of image `name`.
pub const JOB: &str = "my-image-rb5kq";
pub const BUILD_POD: &str = "image-my-image-rb5kq-x7wz";

/// An `ImageSpecJob` with `phase` (empty: not started) and its pod's name.
pub fn image_spec_job(phase: &str, pod: Option<&str>) -> String {
    image_spec_job_to(phase, pod, &format!("{HOST}/team/my-image:0a1b2c3d"))
}

/// The same, pushing to `target` (`repoPrefix/targetImage`, as the controller splits
/// it).
pub fn image_spec_job_to(phase: &str, pod: Option<&str>, target: &str) -> String {
    let (prefix, image) = target.rsplit_once('/').unwrap();
    let mut status = json!({"phase": phase, "podName": pod.unwrap_or("")});
    if phase == "Failed" {
        status["startTime"] = json!("2026-01-20T09:58:00Z");
        status["finishTime"] = json!(WHEN);
    }
    yaml(
        &json!({"apiVersion": "primehub.io/v1alpha1", "kind": "ImageSpecJob",
        "metadata": {"name": JOB, "namespace": "hub", "creationTimestamp": "2026-01-20T09:57:00Z",
                     "labels": {"imagespecs.primehub.io/name": "my-image"}},
        "spec": {"baseImage": "jupyter/base-notebook:lab-3.6.2", "pushSecret": PUSH,
                 "repoPrefix": prefix, "targetImage": image,
                 "packages": {"pip": ["pandas"]}},
        "status": status}),
    )
}

/// The build pod, its `build-and-push` container ended with `exit_code` (or, with
/// `None`, waiting on `waiting`).
pub fn build_pod(exit_code: Option<i64>, waiting: Option<(&str, &str)>) -> String {
    let (phase, state) = match (exit_code, waiting) {
        (Some(code), _) => (
            "Failed",
            json!({"terminated": {"reason": "Error", "exitCode": code,
                "startedAt": "2026-01-20T09:58:00Z", "finishedAt": WHEN}}),
        ),
        (None, Some((reason, message))) => (
            "Pending",
            json!({"waiting": {"reason": reason, "message": message}}),
        ),
        (None, None) => (
            "Running",
            json!({"running": {"startedAt": "2026-01-20T09:58:00Z"}}),
        ),
    };
    yaml(&json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": BUILD_POD, "namespace": "hub",
            "ownerReferences": [{"apiVersion": "primehub.io/v1alpha1", "kind": "ImageSpecJob",
                                 "name": JOB, "controller": true}]},
        "spec": {"restartPolicy": "Never"},
        "status": {"phase": phase, "containerStatuses": [{"name": "build-and-push",
            "image": "infuseai/buildah:v1.39.3", "ready": false, "restartCount": 0,
            "state": state, "lastState": {}}]}}))
}

/// The namespace, with the Pod Security level it enforces.
pub fn namespace(enforce: Option<&str>) -> String {
    let mut labels = json!({"kubernetes.io/metadata.name": "hub"});
    if let Some(level) = enforce {
        labels["pod-security.kubernetes.io/enforce"] = json!(level);
        labels["pod-security.kubernetes.io/enforce-version"] = json!("latest");
    }
    yaml(&json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "hub", "labels": labels}, "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"}}))
}

/// What the build script prints when the registry refuses the push (the script's
/// steps, then buildah's error as containers/image words a 401 from the token service).
pub const PUSH_DENIED_LOG: &str = "[Step: push]\nGetting image source signatures\nCopying blob sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef\nError: pushing image \"reg.example.com/team/my-image:0a1b2c3d\" to \"docker://reg.example.com/team/my-image:0a1b2c3d\": writing blob: initiating layer upload to /v2/team/my-image/blobs/uploads/ in reg.example.com: requested access to the resource is denied\n";

/// The controller's log line when Pod Security admission refuses the build pod.
pub fn psa_refusal_log() -> String {
    format!("2026-01-20T09:57:01Z\tERROR\tcontrollers.ImageSpecJob\tfailed to create Pod resource\t{{\"imagespecjob\": \"hub/{JOB}\", \"error\": \"pods \\\"image-{JOB}-q8rt\\\" is forbidden: violates PodSecurity \\\"baseline:latest\\\": privileged (container \\\"build-and-push\\\" must not set securityContext.privileged=true)\"}}\n")
}

/// The login a build pod's log must never show, though a careless script echoes it.
pub fn echoed_login() -> String {
    format!(
        "+ cat /push-secret/.dockerconfigjson\n{}\n",
        dockerconfig(HOST, USER, super::PASSWORD)
    )
}

/// The SealedSecret's state, as the sealed-secrets controller leaves it.
#[derive(Clone, Copy)]
pub enum Sealed {
    /// `Synced` `True`.
    Synced,
    /// `Synced` `False` with the error as its message, and the controller's event
    /// (`reason`, message) about it.
    Failed(&'static str, &'static str, &'static str),
    /// No status (the controller never handled it).
    NoStatus,
}

const SEALED_UID: &str = "0b7f3c2d-6a1e-4f58-8c9d-3e2a1b0c9d8e";

/// The message of `Synced` when the controller's keys cannot open a value
/// (`pkg/apis/sealedsecrets/v1alpha1/sealedsecret_expansion.go`, `Unseal`).
pub const NO_KEY: &str = "no key could decrypt secret (.dockerconfigjson)";

/// The message of `Synced` when a Secret of that name was made elsewhere
/// (`pkg/controller/controller.go`, `unseal`).
pub const NOT_MANAGED: &str =
    "failed update: Resource \"image-builder-push\" already exists and is not managed by SealedSecret";

/// The SealedSecret phib writes for the push Secret (strict scope), as the controller
/// leaves it (`pkg/apis/sealedsecrets/v1alpha1/types.go`: `SealedSecretStatus`,
/// `SealedSecretCondition` of type `Synced`), and its warning event when it failed.
pub fn sealed_secret(state: Sealed) -> String {
    let meta = json!({"name": PUSH, "namespace": "hub",
        "labels": {"app.kubernetes.io/managed-by": "phib"}});
    let mut doc = json!({"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
        "metadata": {"name": PUSH, "namespace": "hub", "uid": SEALED_UID, "generation": 1,
            "labels": {"app.kubernetes.io/managed-by": "phib"}},
        "spec": {"encryptedData": {".dockerconfigjson": "AgBsealedvalueAQIDBAUGBwgJCgsMDQ4P"},
            "template": {"metadata": meta, "type": "kubernetes.io/dockerconfigjson"}}});
    let condition = |status: &str, message: Option<&str>| {
        let mut c = json!({"type": "Synced", "status": status,
            "lastUpdateTime": WHEN, "lastTransitionTime": WHEN});
        if let Some(m) = message {
            c["message"] = json!(m);
        }
        c
    };
    match state {
        Sealed::Synced => {
            doc["status"] =
                json!({"observedGeneration": 1, "conditions": [condition("True", None)]})
        }
        Sealed::Failed(message, _, _) => {
            doc["status"] =
                json!({"observedGeneration": 1, "conditions": [condition("False", Some(message))]})
        }
        Sealed::NoStatus => {}
    }
    let mut out = yaml(&doc);
    if let Sealed::Failed(_, reason, said) = state {
        out += &event("SealedSecret", "bitnami.com/v1alpha1", PUSH, reason, said);
    }
    out
}

/// The push Secret the controller wrote (owned by the SealedSecret), with the login.
pub fn unsealed_secret() -> String {
    yaml(
        &json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": PUSH, "namespace": "hub",
            "labels": {"app.kubernetes.io/managed-by": "phib"},
            "ownerReferences": [{"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
                "name": PUSH, "uid": SEALED_UID, "controller": true}]},
        "data": {".dockerconfigjson": b64(&dockerconfig(HOST, USER, super::PASSWORD))}}),
    )
}
