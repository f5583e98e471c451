//! Short-lived registry credentials without a long-lived key: which registries the
//! External Secrets Operator (ESO) can log in to with a token it mints itself, from the
//! cluster's workload identity, and what each needs. One file per cloud holds that
//! cloud's facts (the generator, the token's lifetime, the ServiceAccount annotation,
//! the least-privilege grant); this module maps each [`Kind`] to them, or says why the
//! registry cannot do it and what to do instead.
//!
//! The refresh interval follows the token's lifetime: a third of it, at most an hour,
//! so that even after one failed renewal the Secret still holds a valid token, and
//! builds (which read the Secret when they push) and image pulls (kubelet reads it at
//! pull time) never see an expired one.

pub mod aws;
pub mod azure;
pub mod github;
pub mod google;
pub mod quay;
pub mod store;

use super::{check, Field, FieldId, Kind};

/// The keyless fields of `kind`, after its own and the common ones: who the operator
/// logs in as (each cloud's file declares its own), then the options of external mode
/// every kind takes ([`FieldId::external`]), which the secret mode checks against the
/// kind with the reason when it cannot use them.
pub fn fields(kind: Kind) -> impl Iterator<Item = &'static Field> {
    let identity: &'static [Field] = match kind {
        Kind::ArtifactRegistry | Kind::Gcr => &google::FIELDS,
        Kind::Acr => &azure::FIELDS,
        Kind::Ecr => &aws::FIELDS,
        Kind::Quay => &quay::FIELDS,
        Kind::DockerHub | Kind::Ghcr | Kind::Harbor => &[],
    };
    identity.iter().chain(EXTERNAL_FIELDS.iter())
}

/// The options of external mode that say where the login comes from, in the field
/// list's order.
pub const EXTERNAL_FIELDS: [Field; 6] = [
    Field {
        id: FieldId::EcrRefresh,
        prompt: "Keep the ECR Secret fresh with the External Secrets Operator",
        hint: "the older spelling of `--refresh external-secrets` for ECR",
        required: false,
        advanced: true,
        default: None,
        validate: check::any,
    },
    Field {
        id: FieldId::EcrServiceAccount,
        prompt: "IRSA ServiceAccount for the ECR token",
        hint: "the older spelling of `--refresh-service-account` for ECR",
        required: false,
        advanced: true,
        default: None,
        validate: check::service_account,
    },
    Field {
        id: FieldId::Refresh,
        prompt: "Short-lived tokens from the cluster's workload identity",
        hint: "the External Secrets Operator mints them and keeps the push Secret fresh (docs/keyless/)",
        required: false,
        advanced: true,
        default: None,
        validate: check::any,
    },
    store::FROM_STORE_FIELD,
    store::REMOTE_KEY_FIELD,
    store::REMOTE_PROPERTY_FIELD,
];

/// `--refresh-service-account`, shared by every cloud whose generator authenticates as
/// a Kubernetes ServiceAccount.
pub const SERVICE_ACCOUNT_FIELD: Field = Field {
    id: FieldId::RefreshServiceAccount,
    prompt: "Kubernetes ServiceAccount for the operator",
    hint: "in PrimeHub's namespace; phib writes it with the cloud's annotation (default `phib-image-builder`)",
    required: false,
    advanced: true,
    default: None,
    validate: check::service_account,
};

/// The generators' API group and version (ESO 0.8 and later, 2.x included).
pub const GENERATOR_API: &str = "generators.external-secrets.io/v1alpha1";
/// The `ExternalSecret` API (ESO 0.17 and later).
pub const EXTERNAL_SECRET_API: &str = "external-secrets.io/v1";

/// The name phib gives the Kubernetes ServiceAccount and the cloud identity it stands
/// for, when the user names none.
pub const DEFAULT_IDENTITY_NAME: &str = "phib-image-builder";

/// What one ESO generator gives, as far as phib uses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generator {
    /// The generator's `kind`, e.g. `GCRAccessToken`.
    pub kind: &'static str,
    /// How long a token lasts, in seconds (the registry's documented lifetime).
    pub lifetime_secs: u64,
    /// Which output keys form the login.
    pub login: GeneratedLogin,
    /// A sample of the generator's outputs as documented (for tests and docs; the
    /// values are made up, the keys and formats are the real ones).
    pub sample: &'static [(&'static str, &'static str)],
    /// The page with the whole setup.
    pub docs: &'static str,
}

/// How a generator's outputs form a registry login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedLogin {
    /// Outputs `username` and `password`.
    UserPassword,
    /// A fixed user name and the token in output `key`.
    Token {
        username: &'static str,
        key: &'static str,
    },
    /// A ready `auth` output (`base64(user:token)`).
    Auth { key: &'static str },
}

impl Generator {
    /// The `ExternalSecret`'s `refreshInterval`: a third of the lifetime, at most one
    /// hour, as a Go duration (`20m`, `1h`).
    pub fn refresh_interval(&self) -> String {
        refresh_interval(self.lifetime_secs)
    }
}

/// A third of `lifetime_secs`, at most an hour, in whole minutes (at least one), as a
/// Go duration.
pub fn refresh_interval(lifetime_secs: u64) -> String {
    let minutes = (lifetime_secs / 3 / 60).clamp(1, 60);
    if minutes == 60 {
        "1h".into()
    } else {
        format!("{minutes}m")
    }
}

/// Why a registry cannot get short-lived credentials from the operator, and the way
/// that works instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub alternative: &'static str,
}

/// Whether `kind` can be kept fresh by a generator.
pub fn generator(kind: Kind) -> Result<&'static Generator, Refusal> {
    match kind {
        Kind::ArtifactRegistry | Kind::Gcr => Ok(&google::GENERATOR),
        Kind::Acr => Ok(&azure::GENERATOR),
        Kind::Ecr => Ok(&aws::GENERATOR),
        Kind::Quay => Ok(&quay::GENERATOR),
        Kind::Ghcr => Err(github::REFUSAL),
        Kind::DockerHub => Err(Refusal {
            reason: "Docker Hub has no workload identity and no External Secrets Operator generator: every login is a long-lived personal or organisation access token",
            alternative: "keep the access token in your secret store and copy it into each cluster with `--from-store KIND/NAME --remote-key KEY` (rotate it once, in the store; see docs/keyless/central-store.md), or use `--secret-mode external` with the token",
        }),
        Kind::Harbor => Err(Refusal {
            reason: "a self-hosted registry (Harbor and others) has no External Secrets Operator generator: its robot accounts have long-lived secrets",
            alternative: "keep the robot secret in your secret store and copy it into each cluster with `--from-store KIND/NAME --remote-key KEY` (rotate it once, in the store; Harbor robot accounts can expire; see docs/keyless/central-store.md), or use `--secret-mode external` with the robot secret",
        }),
    }
}

/// What a grant is scoped to: the one place phib's builds push to, and pull from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `pushRepo`: one repository (path after the host).
    Repo(String),
    /// `pushRepoPrefix`: every repository under this path (after the host).
    Prefix(String),
}

impl Scope {
    /// The path after the registry host, without a trailing `/`.
    pub fn path(&self) -> &str {
        match self {
            Scope::Repo(p) | Scope::Prefix(p) => p,
        }
    }
}

/// The least-privilege grant for one identity, as commands to run (one per line, `#`
/// lines explain), plus the values the user has to fill in (`$NAME` in the commands).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Shell variables the commands use and phib cannot know, with how to find each.
    pub inputs: Vec<(&'static str, &'static str)>,
    pub commands: Vec<String>,
}

impl Grant {
    /// The grant as one shell snippet: the inputs as commented assignments, then the
    /// commands.
    pub fn script(&self) -> String {
        let mut out = String::new();
        for (var, how) in &self.inputs {
            out.push_str(&format!("{var}=...   # {how}\n"));
        }
        for c in &self.commands {
            out.push_str(c);
            out.push('\n');
        }
        out
    }
}

/// Quotes one word for a POSIX shell (single quotes), leaving plain words as they are.
pub fn sh(word: &str) -> String {
    let plain = !word.is_empty()
        && word.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | '/' | ':' | '@' | '=' | ',' | '+')
        });
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_is_a_third_of_the_lifetime_at_most_an_hour() {
        assert_eq!(refresh_interval(3600), "20m");
        assert_eq!(refresh_interval(3 * 3600), "1h");
        assert_eq!(refresh_interval(12 * 3600), "1h");
        assert_eq!(refresh_interval(60), "1m");
        assert_eq!(google::GENERATOR.refresh_interval(), "20m");
        assert_eq!(aws::GENERATOR.refresh_interval(), "1h");
    }

    #[test]
    fn every_kind_is_either_supported_or_refused_with_an_alternative() {
        for kind in Kind::ALL {
            match generator(kind) {
                Ok(g) => {
                    assert!(g.lifetime_secs >= 600, "{kind:?}");
                    assert!(g.docs.starts_with("docs/keyless/"));
                }
                Err(r) => {
                    assert!(r.alternative.contains("--from-store"), "{kind:?}");
                    assert!(!r.reason.is_empty());
                }
            }
        }
        assert!(generator(Kind::Ghcr).is_err());
        assert!(generator(Kind::DockerHub).is_err());
        assert!(generator(Kind::Harbor).is_err());
    }

    /// Every option of external mode is a field of every kind, in the field list's
    /// order, and nothing else is.
    #[test]
    fn every_kind_takes_the_options_of_external_mode() {
        let external: Vec<FieldId> = FieldId::ALL
            .into_iter()
            .filter(|id| id.external())
            .collect();
        assert_eq!(EXTERNAL_FIELDS.map(|f| f.id).to_vec(), external);
        for kind in Kind::ALL {
            for id in &external {
                assert!(kind.accepts(*id), "{kind:?} {id:?}");
            }
            assert!(
                fields(kind).all(|f| f.id.keyless() || f.id.external()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(
            sh("roles/artifactregistry.writer"),
            "roles/artifactregistry.writer"
        );
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), "'it'\\''s'");
        assert_eq!(sh(""), "''");
    }
}
