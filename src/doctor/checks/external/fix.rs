//! The keyless fix for an `ExternalSecret` the operator could not sync, from the
//! link it reads and the operator's words: the grant, the trust, the annotation or the
//! store's key, for the generator's cloud; never a password.

use super::{cloud, ns, Found, STORE_DOCS};
use crate::doctor::objects::{ExternalSecretObject, Source};
use crate::doctor::Inputs;
use crate::registry::keyless::{aws, azure, github, google, quay};

/// The cause in an operator's message, without the wrapping its controller adds
/// (`error processing spec.dataFrom[0].sourceRef.generatorRef, err: `, `error using
/// generator: `).
pub(super) fn cause(message: &str) -> &str {
    let m = match message.split_once(", err: ") {
        Some((head, rest)) if head.starts_with("error processing spec.") => rest,
        _ => message,
    };
    m.strip_prefix("error using generator: ").unwrap_or(m)
}

/// The keyless fix for a sync that failed with `message`.
pub(super) fn fix_for(
    i: &Inputs,
    es: &ExternalSecretObject,
    found: &Found,
    message: &str,
) -> String {
    let has = |needles: &[&str]| needles.iter().any(|n| message.contains(n));
    let ns = ns(i);
    let sa = found
        .service_account
        .map_or("SERVICE_ACCOUNT", |s| s.name.as_str());
    let note = |a: &str| found.service_account.and_then(|s| s.annotations.get(a));
    if let Some((kind, name)) = found.store {
        return if has(&["does not exist", "not found", "NotFound", "no such"]) {
            format!("put the credential in the backend of {kind} `{name}` under the key the ExternalSecret reads (`spec.data[].remoteRef.key`) ({STORE_DOCS})")
        } else if has(&[
            "denied",
            "Denied",
            "403",
            "Forbidden",
            "permission",
            "Permission",
        ]) {
            format!("grant the identity of {kind} `{name}` read access to that key in its backend ({STORE_DOCS})")
        } else {
            format!("check the key the ExternalSecret reads and the access of {kind} `{name}` ({STORE_DOCS})")
        };
    }
    let Some(g) = found.generator else {
        let wanted = es.sources.iter().find_map(|s| match s {
            Source::Generator { kind, name } => Some((kind, name)),
            Source::Store { .. } => None,
        });
        return match wanted {
            Some((kind, name)) if has(&["unable to get generator"]) => format!(
                "apply the generator {kind} `{name}` of the manifests `phib render ... --refresh external-secrets` wrote (`kubectl apply -f FILE`)"
            ),
            _ => format!(
                "read the operator's events: `kubectl -n {ns} describe externalsecret {}`",
                es.name
            ),
        };
    };
    let docs = cloud(&g.kind).map_or("docs/keyless/", |c| c.generator.docs);
    match g.kind.as_str() {
        k if k == aws::GENERATOR.kind => {
            let who = match note(aws::SERVICE_ACCOUNT_ANNOTATION) {
                Some(role) => format!("the role `{role}`"),
                None => "the operator's own AWS identity".into(),
            };
            if has(&["AssumeRoleWithWebIdentity", "InvalidIdentityToken", "WebIdentityErr"]) {
                format!("let {who} trust the ServiceAccount: its trust policy must allow `sts:AssumeRoleWithWebIdentity` to `system:serviceaccount:{ns}:{sa}` from the cluster's OIDC provider ({docs}, \"The grant\")")
            } else {
                format!("grant {who} `ecr:GetAuthorizationToken` and push and pull on the repository: the policy in {docs} (\"The grant\"), which `phib render --registry ecr ... --refresh external-secrets` prints")
            }
        }
        k if k == google::GENERATOR.kind => {
            let gsa = note(google::SERVICE_ACCOUNT_ANNOTATION)
                .map_or("GSA_EMAIL", String::as_str)
                .to_string();
            let project = g
                .spec_text(&["auth", "workloadIdentity", "clusterProjectID"])
                .unwrap_or_else(|| "CLUSTER_PROJECT".into());
            if has(&["iamcredentials", "Service Account Credentials API"]) {
                format!("enable the IAM Service Account Credentials API in the project of `{gsa}`: `gcloud services enable iamcredentials.googleapis.com --project PROJECT` ({docs})")
            } else {
                format!("let ServiceAccount `{ns}/{sa}` act as `{gsa}`: `gcloud iam service-accounts add-iam-policy-binding {gsa} --role roles/iam.workloadIdentityUser --member 'serviceAccount:{project}.svc.id.goog[{ns}/{sa}]'`, and grant `{gsa}` the registry role ({docs}, \"The grant\")")
            }
        }
        k if k == azure::GENERATOR.kind => {
            if has(&["AADSTS70021", "federated identity"]) {
                format!("add a federated credential to the managed identity for subject `system:serviceaccount:{ns}:{sa}`, audience `{}`, issuer the cluster's OIDC issuer ({docs})", azure::FEDERATION_AUDIENCE)
            } else if has(&["AADSTS700016", "AADSTS90002"]) {
                format!("the ServiceAccount's `{}` and `{}` must name the managed identity and its tenant ({docs})", azure::CLIENT_ID_ANNOTATION, azure::TENANT_ID_ANNOTATION)
            } else {
                format!("give the identity `AcrPush` on the registry ({docs}, \"The grant\")")
            }
        }
        k if k == quay::GENERATOR.kind => format!("let the robot account trust ServiceAccount `{ns}/{sa}`: a federation entry with the cluster's OIDC issuer and subject `system:serviceaccount:{ns}:{sa}`, and write on the repository ({docs}); Quay must reach the cluster's issuer"),
        k if k == github::GENERATOR.kind => format!("check the GitHub App: its id, installation id, private key and package permission ({docs})"),
        _ => format!(
            "read the operator's events: `kubectl -n {ns} describe externalsecret {}`",
            es.name
        ),
    }
}
