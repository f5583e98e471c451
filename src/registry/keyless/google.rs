//! Google Cloud (Artifact Registry, and gcr.io served by Artifact Registry): ESO's
//! `GCRAccessToken` generator exchanges a token of a Kubernetes ServiceAccount for a
//! Google access token through GKE Workload Identity, impersonating a Google service
//! account (`iam.gke.io/gcp-service-account`). No JSON key exists anywhere, so it works
//! where `iam.disableServiceAccountKeyCreation` forbids keys. Access tokens last one
//! hour; the registry login is `oauth2accesstoken` and the token.
//!
//! The exchange (read in the operator's `providers/v1/gcp/secretmanager/
//! workload_identity.go`, v2.9.0): the ServiceAccount's token becomes an identity
//! binding token (`securetoken.googleapis.com`), and, because phib annotates the
//! ServiceAccount with `iam.gke.io/gcp-service-account`, the operator then calls the IAM
//! Service Account Credentials API's `GenerateAccessToken` for that Google service
//! account. That API (`iamcredentials.googleapis.com`) must be enabled in the service
//! account's project, or every refresh fails. And `roles/artifactregistry.writer`
//! cannot create a repository: a gcr.io repository that does not exist yet in Artifact
//! Registry has to be created first (or the writer given
//! `roles/artifactregistry.createOnPushWriter`, which creates it at the first push).

use super::{sh, GeneratedLogin, Generator, Grant, Scope, SERVICE_ACCOUNT_FIELD};
use crate::registry::{Field, FieldId, Invalid};

/// Who the operator logs in as on Google.
pub const FIELDS: [Field; 3] = [
    Field {
        id: FieldId::GkeCluster,
        prompt: "GKE cluster (LOCATION/NAME)",
        hint: "the cluster the operator runs in, as `gcloud container clusters list` shows it; `PROJECT/LOCATION/NAME` when it is in another project",
        required: false,
        advanced: true,
        default: None,
        validate: |v| gke_cluster(v, "project").map(|_| ()),
    },
    Field {
        id: FieldId::GcpServiceAccount,
        prompt: "Google service account",
        hint: "the account the operator acts as; it gets Artifact Registry Writer on the one repository",
        required: false,
        advanced: true,
        default: Some(|a| a.text_or_default(FieldId::Project).map(|p| default_service_account(&p))),
        validate: service_account_email,
    },
    SERVICE_ACCOUNT_FIELD,
];

const GKE_FIX: &str = "write `LOCATION/NAME` (or `PROJECT/LOCATION/NAME` when the cluster is in another project), as `gcloud container clusters list` shows it";

/// `[PROJECT/]LOCATION/NAME` as (project, location, name); the project is
/// `default_project` when not given (and then not checked here: it is the registry's).
/// The parts as Google documents them:
/// - PROJECT: a project ID (Resource Manager, "Creating and managing projects": 6 to 30
///   lower-case letters, digits and `-`, starting with a letter, not ending with `-`);
/// - LOCATION: a region (`europe-west1`) or a zone, the region and a letter
///   (`europe-west1-b`; Compute Engine, "Regions and zones");
/// - NAME: a cluster name (GKE API, `projects.locations.clusters`, `Cluster.name`: at
///   most 40 lower-case letters, digits and `-`, starting with a letter and ending with
///   a letter or digit).
pub fn gke_cluster(
    value: &str,
    default_project: &str,
) -> Result<(String, String, String), Invalid> {
    let words: Vec<&str> = value.split('/').collect();
    let (project, location, name) = match words[..] {
        [l, n] => (default_project, l, n),
        [p, l, n] => {
            if crate::registry::artifact_registry::project(p).is_err() {
                return Err(Invalid::new(
                    format!("has the project `{p}`, which is not a Google Cloud project ID (6 to 30 lower-case letters, digits and `-`, starting with a letter)"),
                    GKE_FIX,
                ));
            }
            (p, l, n)
        }
        _ => {
            return Err(Invalid::new(
                "is not `LOCATION/NAME` or `PROJECT/LOCATION/NAME`",
                GKE_FIX,
            ))
        }
    };
    if !is_location(location) {
        return Err(Invalid::new(
            format!("has the location `{location}`, which is not a Google Cloud region or zone (e.g. `europe-west1` or `europe-west1-b`)"),
            GKE_FIX,
        ));
    }
    if !is_cluster_name(name) {
        return Err(Invalid::new(
            format!("has the name `{name}`, which is not a GKE cluster name (at most 40 lower-case letters, digits and `-`, starting with a letter and ending with a letter or digit)"),
            GKE_FIX,
        ));
    }
    Ok((project.to_string(), location.to_string(), name.to_string()))
}

/// A region, `AREA-PLACEN` (`us-central1`, `northamerica-northeast1`), or a zone, the
/// region and `-` and a letter (`us-central1-a`).
fn is_location(value: &str) -> bool {
    let letters = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let region = |area: &str, place: &str| {
        let name = place.trim_end_matches(|c: char| c.is_ascii_digit());
        letters(area) && letters(name) && name.len() < place.len()
    };
    match value.split('-').collect::<Vec<_>>()[..] {
        [area, place] => region(area, place),
        [area, place, zone] => region(area, place) && zone.len() == 1 && letters(zone),
        _ => false,
    }
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?` with a length in `len`: GKE cluster names (1 to 40),
/// service-account IDs (6 to 30).
fn lower_id(value: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && !value.ends_with('-')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_cluster_name(value: &str) -> bool {
    lower_id(value, 1..=40)
}

fn service_account_email(v: &str) -> Result<(), Invalid> {
    if is_service_account_email(v) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not a Google service account (`NAME@PROJECT.iam.gserviceaccount.com`)",
            "give the e-mail `gcloud iam service-accounts list` shows",
        ))
    }
}

pub const GENERATOR: Generator = Generator {
    kind: "GCRAccessToken",
    lifetime_secs: 3600,
    login: GeneratedLogin::UserPassword,
    sample: &[
        ("username", "oauth2accesstoken"),
        ("password", "ya29.c.b0AXv0zTPsample-access-token_0123456789"),
        ("expiry", "1767229200"),
    ],
    docs: "docs/keyless/google.md",
};

/// The annotation that binds a Kubernetes ServiceAccount to a Google service account.
pub const SERVICE_ACCOUNT_ANNOTATION: &str = "iam.gke.io/gcp-service-account";

/// The Google service account phib suggests in `project`.
pub fn default_service_account(project: &str) -> String {
    format!(
        "{}@{project}.iam.gserviceaccount.com",
        super::DEFAULT_IDENTITY_NAME
    )
}

/// A user-managed Google service account, `NAME@PROJECT.iam.gserviceaccount.com`, the
/// kind the operator can impersonate and phib can grant (IAM, "Service accounts
/// overview", user-managed service accounts). NAME is the account ID (IAM API,
/// `projects.serviceAccounts.create`, `accountId`: 6 to 30 characters matching
/// `[a-z]([-a-z0-9]*[a-z0-9])`), PROJECT a project ID as in [`gke_cluster`].
pub fn is_service_account_email(email: &str) -> bool {
    let Some((name, domain)) = email.split_once('@') else {
        return false;
    };
    let project = domain.strip_suffix(".iam.gserviceaccount.com");
    lower_id(name, 6..=30)
        && project.is_some_and(|p| crate::registry::artifact_registry::project(p).is_ok())
}

/// The Artifact Registry location and repository that serve a gcr.io host (Google's
/// gcr.io repositories: `gcr.io` and `us.gcr.io` live in `us`, `eu.gcr.io` in
/// `europe`, `asia.gcr.io` in `asia`).
pub fn gcr_repository(host: &str) -> Option<(&'static str, &'static str)> {
    match host {
        "gcr.io" => Some(("us", "gcr.io")),
        "us.gcr.io" => Some(("us", "us.gcr.io")),
        "eu.gcr.io" => Some(("europe", "eu.gcr.io")),
        "asia.gcr.io" => Some(("asia", "asia.gcr.io")),
        _ => None,
    }
}

/// What the grant needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantFor<'a> {
    /// The project of the registry.
    pub project: &'a str,
    /// The Artifact Registry location and repository the builds push to.
    pub location: &'a str,
    pub repository: &'a str,
    pub gcp_service_account: &'a str,
    /// The GKE cluster's project (its workload identity pool is `PROJECT.svc.id.goog`).
    pub cluster_project: &'a str,
    pub cluster_location: &'a str,
    pub cluster_name: &'a str,
    pub namespace: &'a str,
    pub kubernetes_service_account: &'a str,
    /// The registry is a gcr.io host (its repository is the host's Artifact Registry
    /// repository, which may not exist yet).
    pub gcr: bool,
}

/// The API the operator's token exchange calls (`GenerateAccessToken`).
pub const CREDENTIALS_API: &str = "iamcredentials.googleapis.com";
/// The role that pushes and pulls on an existing repository.
pub const WRITER_ROLE: &str = "roles/artifactregistry.writer";
/// The role that also creates a missing gcr.io repository at the first push.
pub const CREATE_ON_PUSH_ROLE: &str = "roles/artifactregistry.createOnPushWriter";

/// Artifact Registry grants per repository, the narrowest IAM resource it has:
/// `roles/artifactregistry.writer` there (push and pull), and the Kubernetes
/// ServiceAccount may impersonate the Google one, nothing else.
pub fn grant(g: &GrantFor<'_>, _scope: &Scope) -> Grant {
    let sa_name = g.gcp_service_account.split('@').next().unwrap_or_default();
    let sa_project = g
        .gcp_service_account
        .split_once('@')
        .and_then(|(_, d)| d.strip_suffix(".iam.gserviceaccount.com"))
        .unwrap_or(g.project);
    let member = format!(
        "serviceAccount:{}.svc.id.goog[{}/{}]",
        g.cluster_project, g.namespace, g.kubernetes_service_account
    );
    let mut commands = vec![
            format!("# the operator's token exchange calls the IAM Service Account Credentials API (GenerateAccessToken): it must be enabled in the service account's project `{sa_project}`:"),
            format!("gcloud services enable {CREDENTIALS_API} --project={}", sh(sa_project)),
    ];
    if g.gcr {
        commands.extend([
            format!("# gcr.io is served by the Artifact Registry repository `{}` (location `{}`); {WRITER_ROLE} cannot create it, so create it first (skip if it exists; or grant {CREATE_ON_PUSH_ROLE} on the project instead, which creates it at the first push):", g.repository, g.location),
            format!(
                "gcloud artifacts repositories create {} --repository-format=docker --location={} --project={}",
                sh(g.repository),
                sh(g.location),
                sh(g.project)
            ),
        ]);
    }
    commands.extend([
            "# the cluster must have Workload Identity on (prints the pool, PROJECT.svc.id.goog):".into(),
            format!(
                "gcloud container clusters describe {} --location={} --project={} --format='value(workloadIdentityConfig.workloadPool)'",
                sh(g.cluster_name),
                sh(g.cluster_location),
                sh(g.cluster_project)
            ),
            "# the Google service account the operator impersonates (skip if it exists):".into(),
            format!(
                "gcloud iam service-accounts create {} --project={} --display-name='PrimeHub image builder'",
                sh(sa_name),
                sh(sa_project)
            ),
            "# push and pull on the one repository the builds use, nothing else:".into(),
            format!(
                "gcloud artifacts repositories add-iam-policy-binding {} --project={} --location={} --member=serviceAccount:{} --role={WRITER_ROLE}",
                sh(g.repository),
                sh(g.project),
                sh(g.location),
                sh(g.gcp_service_account)
            ),
            "# only this Kubernetes ServiceAccount may act as it:".into(),
            format!(
                "gcloud iam service-accounts add-iam-policy-binding {} --project={} --role=roles/iam.workloadIdentityUser --member={}",
                sh(g.gcp_service_account),
                sh(sa_project),
                sh(&member)
            ),
    ]);
    Grant {
        inputs: Vec::new(),
        commands,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gke_clusters_follow_googles_names() {
        let p = |v: &str| gke_cluster(v, "acme-images").map_err(|e| e.reason);
        assert_eq!(
            p("europe-west1/hub").unwrap(),
            ("acme-images".into(), "europe-west1".into(), "hub".into())
        );
        assert_eq!(
            p("ops-fleet/us-central1-a/fleet-2").unwrap(),
            ("ops-fleet".into(), "us-central1-a".into(), "fleet-2".into())
        );
        assert!(p(&format!("us-east4/{}", "c".repeat(40))).is_ok());
        for (bad, says) in [
            ("hub", "is not `LOCATION/NAME`"),
            ("a/b/c/d", "is not `LOCATION/NAME`"),
            ("ops/us-central1/fleet", "has the project `ops`"),
            ("Ops-Fleet/us-central1/fleet", "has the project"),
            ("us/hub", "has the location `us`"),
            ("us-central-1/hub", "has the location"),
            ("us-central1-ab/hub", "has the location"),
            ("europe-west1/", "has the name"),
            ("europe-west1/Hub", "has the name"),
            ("europe-west1/1hub", "has the name"),
            ("europe-west1/hub-", "has the name"),
            ("europe-west1/hub_1", "has the name"),
        ] {
            let reason = p(bad).unwrap_err();
            assert!(reason.contains(says), "{bad}: {reason}");
        }
        assert!(p(&format!("us-east4/{}", "c".repeat(41))).is_err());
    }

    #[test]
    fn service_accounts_are_user_managed_emails() {
        for ok in [
            "phib-image-builder@acme-images.iam.gserviceaccount.com",
            "builder@ops-fleet.iam.gserviceaccount.com",
            &format!("{}@acme-images.iam.gserviceaccount.com", "a".repeat(30)),
        ] {
            assert!(service_account_email(ok).is_ok(), "{ok}");
        }
        for bad in [
            "me@gmail.com",
            "builder@ops-fleet.iam.gserviceaccount.com.evil.io",
            "build@ops-fleet.iam.gserviceaccount.com",
            "Builder@ops-fleet.iam.gserviceaccount.com",
            "builder-@ops-fleet.iam.gserviceaccount.com",
            "builder@ops.iam.gserviceaccount.com",
            "builder@.iam.gserviceaccount.com",
            "@ops-fleet.iam.gserviceaccount.com",
            "123456789012-compute@developer.gserviceaccount.com",
            "builder@ops-fleet@x.iam.gserviceaccount.com",
            &format!("{}@acme-images.iam.gserviceaccount.com", "a".repeat(31)),
        ] {
            assert!(service_account_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn grant_golden() {
        let g = GrantFor {
            project: "acme",
            location: "europe-west1",
            repository: "images",
            gcp_service_account: "phib-image-builder@acme.iam.gserviceaccount.com",
            cluster_project: "acme-gke",
            cluster_location: "europe-west1",
            cluster_name: "hub",
            namespace: "hub",
            kubernetes_service_account: "phib-image-builder",
            gcr: false,
        };
        let got = grant(&g, &Scope::Repo("acme/images/builds".into())).script();
        assert!(
            got.contains("gcloud services enable iamcredentials.googleapis.com --project=acme\n"),
            "{got}"
        );
        assert!(!got.contains("repositories create"), "{got}");
        let gcr = grant(
            &GrantFor {
                location: "europe",
                repository: "eu.gcr.io",
                gcr: true,
                ..g.clone()
            },
            &Scope::Repo("acme/builds".into()),
        )
        .script();
        assert!(gcr.contains("gcloud artifacts repositories create eu.gcr.io --repository-format=docker --location=europe --project=acme\n"), "{gcr}");
        assert!(
            gcr.contains("roles/artifactregistry.writer cannot create it")
                && gcr.contains("roles/artifactregistry.createOnPushWriter"),
            "{gcr}"
        );
        assert!(got.contains("gcloud artifacts repositories add-iam-policy-binding images --project=acme --location=europe-west1 --member=serviceAccount:phib-image-builder@acme.iam.gserviceaccount.com --role=roles/artifactregistry.writer\n"), "{got}");
        assert!(got.contains("--role=roles/iam.workloadIdentityUser --member='serviceAccount:acme-gke.svc.id.goog[hub/phib-image-builder]'\n"), "{got}");
        assert!(
            got.contains("gcloud iam service-accounts create phib-image-builder --project=acme ")
        );
        assert!(!got.contains("roles/owner") && !got.contains("roles/editor"));
    }

    #[test]
    fn gcr_hosts_map_to_their_repositories() {
        assert_eq!(gcr_repository("eu.gcr.io"), Some(("europe", "eu.gcr.io")));
        assert_eq!(gcr_repository("gcr.io"), Some(("us", "gcr.io")));
        assert_eq!(gcr_repository("example.com"), None);
        assert!(is_service_account_email(
            "builder@acme-images.iam.gserviceaccount.com"
        ));
        assert!(!is_service_account_email("a@gmail.com"));
    }
}
