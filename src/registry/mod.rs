//! The registries phib can configure, as a closed [`Kind`] and a catalog of data: each
//! registry module declares its one-line description, the questions it needs
//! ([`Field`]s: prompt, hint, secret or not, default, validator), how its endpoint is
//! formed, and its extra checks and warnings. The flag path (`phib render`) and the
//! wizard both walk these fields and call the same validators through
//! [`crate::settings::Settings::set`], so a value means the same wherever it came from.
//!
//! A wizard uses it like this: list [`Kind::ALL`] with [`Kind::title`] and
//! [`Kind::description`]; for the chosen kind, walk [`Kind::fields`] (skip or offer the
//! `advanced` ones), show [`Field::prompt`] and [`Field::hint`], offer
//! [`Field::default_value`] computed from the answers so far, ask hidden for
//! [`Input::Secret`], and store each answer with
//! [`Settings::set`](crate::settings::Settings::set), which runs [`Field::validate`] (the
//! same function the flag path runs) and returns an [`Invalid`] to show before asking
//! again. [`FieldId::PushRepo`] and [`FieldId::PushRepoPrefix`] are alternatives: set
//! one and [`Settings::clear`](crate::settings::Settings::clear) the other. Finally
//! [`Settings::validate`](crate::settings::Settings::validate) gives the values model and
//! the warnings.
//!
//! Adding a registry: one module here, one variant of [`Kind`], one arm in
//! [`Kind::spec`].

pub mod check;

mod acr;
mod artifact_registry;
mod dockerhub;
pub mod ecr;
mod gcr;
mod ghcr;
mod harbor;
mod quay;

use crate::settings::Settings;
use crate::values::model::CustomImage;
use crate::Error;

/// The registries phib knows. `Harbor` stands for any self-hosted registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    DockerHub,
    Gcr,
    ArtifactRegistry,
    Ecr,
    Acr,
    Ghcr,
    Quay,
    Harbor,
}

impl Kind {
    /// Every kind, in the order a selection list shows them.
    pub const ALL: [Kind; 8] = [
        Kind::DockerHub,
        Kind::ArtifactRegistry,
        Kind::Gcr,
        Kind::Ecr,
        Kind::Acr,
        Kind::Ghcr,
        Kind::Quay,
        Kind::Harbor,
    ];

    /// What the registry module declares.
    pub fn spec(self) -> &'static Spec {
        match self {
            Kind::DockerHub => &dockerhub::SPEC,
            Kind::Gcr => &gcr::SPEC,
            Kind::ArtifactRegistry => &artifact_registry::SPEC,
            Kind::Ecr => &ecr::SPEC,
            Kind::Acr => &acr::SPEC,
            Kind::Ghcr => &ghcr::SPEC,
            Kind::Quay => &quay::SPEC,
            Kind::Harbor => &harbor::SPEC,
        }
    }

    /// Whether a push creates the image's repository. ECR creates none: every
    /// repository must exist first, so a prefix never reaches the place one given
    /// repository does.
    pub fn creates_repositories_on_push(self) -> bool {
        !matches!(self, Kind::Ecr)
    }

    /// The name on the command line (`--registry NAME`), e.g. `artifact-registry`.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The kind with this command-line name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A human name, e.g. `Google Artifact Registry`.
    pub fn title(self) -> &'static str {
        self.spec().title
    }

    /// One line for a selection list.
    pub fn description(self) -> &'static str {
        self.spec().description
    }

    /// The questions for this kind, in the order to ask them: the kind's own fields,
    /// then the advanced fields every kind shares. A field whose value is computed
    /// (the endpoint of gcr, say) is not listed.
    pub fn fields(self) -> impl Iterator<Item = &'static Field> {
        self.spec().fields.iter().chain(
            COMMON_FIELDS
                .iter()
                .filter(move |c| !self.spec().fields.iter().any(|f| f.id == c.id)),
        )
    }

    /// The field `id` of this kind, if the kind uses it.
    pub fn field(self, id: FieldId) -> Option<&'static Field> {
        self.fields().find(|f| f.id == id)
    }

    /// Whether this kind uses option `id` (the others are refused).
    pub fn accepts(self, id: FieldId) -> bool {
        self.field(id).is_some()
    }
}

/// What one registry module declares.
pub struct Spec {
    /// The command-line name.
    pub name: &'static str,
    pub title: &'static str,
    /// One line for a selection list.
    pub description: &'static str,
    /// Its own questions, in order. Shared advanced ones come from [`COMMON_FIELDS`].
    pub fields: &'static [Field],
    /// How this kind logs in.
    pub credentials: Credentials,
    /// The endpoint from the answers (a default, or built from other fields). `None`
    /// only when a required field is missing, which validation reports first.
    pub endpoint: fn(&Settings) -> Option<String>,
    /// The push secret name this kind needs when the user gives none.
    pub default_push_secret_name: Option<&'static str>,
    /// Checks across fields, after the common ones.
    pub check: fn(&Settings, &CustomImage) -> Result<(), Error>,
    /// Warnings (stderr, exit 0), after the common ones.
    pub warnings: fn(&Settings, &CustomImage, &mut Vec<String>),
}

/// How a kind logs in to its registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    /// `--username` and a password or token (stdin or environment).
    UserPassword,
    /// A service-account keyfile; user `_json_key`, password the keyfile as one line.
    JsonKey,
    /// No credentials in values: a Secret kept fresh elsewhere (ECR).
    External,
}

/// Every option a registry may use. The flag is [`FieldId::flag`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldId {
    Endpoint,
    Username,
    Password,
    Keyfile,
    GcrHost,
    Location,
    Project,
    Repository,
    AwsAccount,
    AwsRegion,
    AcrName,
    PushRepoPrefix,
    PushRepo,
    PushSecretName,
    Release,
    InsecureSkipVerify,
}

impl FieldId {
    /// The option as the user types it, e.g. `--push-repo-prefix`. The password has no
    /// flag of its own: it comes from `--password-stdin` or `PHIB_REGISTRY_PASSWORD`.
    pub fn flag(self) -> &'static str {
        match self {
            FieldId::Endpoint => "--endpoint",
            FieldId::Username => "--username",
            FieldId::Password => "--password-stdin",
            FieldId::Keyfile => "--keyfile",
            FieldId::GcrHost => "--gcr-host",
            FieldId::Location => "--location",
            FieldId::Project => "--project",
            FieldId::Repository => "--repository",
            FieldId::AwsAccount => "--aws-account",
            FieldId::AwsRegion => "--aws-region",
            FieldId::AcrName => "--acr-name",
            FieldId::PushRepoPrefix => "--push-repo-prefix",
            FieldId::PushRepo => "--push-repo",
            FieldId::PushSecretName => "--push-secret-name",
            FieldId::Release => "--release",
            FieldId::InsecureSkipVerify => "--insecure-skip-verify",
        }
    }

    /// A short name for the field, e.g. `push-repo-prefix` (the flag without `--`).
    pub fn name(self) -> &'static str {
        match self {
            FieldId::Password => "password",
            other => &other.flag()[2..],
        }
    }
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Plain text.
    Text,
    /// A password or token: ask hidden, store as [`crate::secret::Secret`].
    Secret,
    /// A path to a service-account keyfile (`~` is the wizard's to expand).
    KeyfilePath,
    /// Yes or no (`true`/`false`).
    YesNo,
}

/// One question a registry asks, as data.
pub struct Field {
    pub id: FieldId,
    /// The question, e.g. `Docker Hub user name`.
    pub prompt: &'static str,
    /// One line: where to find the value (console page, role needed).
    pub hint: &'static str,
    pub input: Input,
    /// Must have a value (given, or from [`Field::default`]).
    pub required: bool,
    /// Has a sensible default or is rarely needed: a wizard may skip it.
    pub advanced: bool,
    /// A default computed from earlier answers.
    pub default: Option<fn(&Settings) -> Option<String>>,
    /// The validator, the same for a flag and a prompt. For a keyfile path it loads and
    /// checks the file.
    pub validate: fn(&str) -> Result<(), Invalid>,
}

impl Field {
    /// The default for this field given the answers so far.
    pub fn default_value(&self, settings: &Settings) -> Option<String> {
        self.default.and_then(|f| f(settings))
    }
}

/// Why a value was refused, and how to fix it. Never contains the value of a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Reads after the option name: "contains `:`; ...".
    pub reason: String,
    pub help: String,
}

impl Invalid {
    pub fn new(reason: impl Into<String>, help: impl Into<String>) -> Self {
        Invalid {
            reason: reason.into(),
            help: help.into(),
        }
    }

    /// The error for the command line: names the option, exit 2.
    pub fn for_field(self, id: FieldId) -> Error {
        let subject = match id {
            FieldId::Password => {
                format!("the password (`--password-stdin` or `{PASSWORD_ENV}`)")
            }
            other => format!("`{}`", other.flag()),
        };
        Error::usage(format!("{subject} {}", self.reason)).with_help(self.help)
    }
}

/// The environment variable that may hold the password or token, the other source
/// besides `--password-stdin`.
pub const PASSWORD_ENV: &str = "PHIB_REGISTRY_PASSWORD";

/// The advanced options every kind shares.
pub const COMMON_FIELDS: [Field; 4] = [
    Field {
        id: FieldId::PushRepo,
        prompt: "Single push repository (instead of a prefix)",
        hint: "all images go to one repository as tags `<image>-<hash>` (chart 3.7.1+); it must exist on registries that do not create repositories on push",
        input: Input::Text,
        required: false,
        advanced: true,
        default: None,
        validate: push_repo,
    },
    Field {
        id: FieldId::PushSecretName,
        prompt: "Push secret name",
        hint: "only when the secret is not the chart's own (`<fullname>-controller-custom-image-push-secret`, where fullname is the release name if it contains `primehub`, else `<release>-primehub`)",
        input: Input::Text,
        required: false,
        advanced: true,
        default: None,
        validate: check::secret_name,
    },
    Field {
        id: FieldId::Release,
        prompt: "Helm release name of PrimeHub",
        hint: "as `helm list -n hub` shows it; decides the chart's push secret name",
        input: Input::Text,
        required: false,
        advanced: true,
        default: Some(|_| Some("primehub".into())),
        validate: check::release,
    },
    Field {
        id: FieldId::InsecureSkipVerify,
        prompt: "Skip TLS verification (self-signed certificate or plain http)?",
        hint: "needed for a registry served over plain http or with a self-signed certificate",
        input: Input::YesNo,
        required: false,
        advanced: true,
        default: Some(|_| Some("false".into())),
        validate: check::yes_no,
    },
];

/// `--push-repo-prefix`: a repository path under the registry host.
pub fn push_repo_prefix(value: &str) -> Result<(), Invalid> {
    check::repository(value, 0)
}

/// `--push-repo`: one repository, at least one path component under the host.
pub fn push_repo(value: &str) -> Result<(), Invalid> {
    check::repository(value, 1)
}

/// Shared building blocks for the registry modules.
pub(crate) mod parts {
    use super::*;

    pub const fn username(prompt: &'static str, hint: &'static str) -> Field {
        Field {
            id: FieldId::Username,
            prompt,
            hint,
            input: Input::Text,
            required: true,
            advanced: false,
            default: None,
            validate: check::username,
        }
    }

    pub const fn password(prompt: &'static str, hint: &'static str) -> Field {
        Field {
            id: FieldId::Password,
            prompt,
            hint,
            input: Input::Secret,
            required: true,
            advanced: false,
            default: None,
            validate: check::password,
        }
    }

    pub const fn keyfile() -> Field {
        Field {
            id: FieldId::Keyfile,
            prompt: "Path to the service-account keyfile (JSON)",
            hint: "Google Cloud console > IAM & Admin > Service Accounts > (account) > Keys > Add key > JSON",
            input: Input::KeyfilePath,
            required: true,
            advanced: false,
            default: None,
            validate: crate::keyfile::validate_path,
        }
    }

    pub const fn prefix(
        hint: &'static str,
        default: Option<fn(&Settings) -> Option<String>>,
    ) -> Field {
        Field {
            id: FieldId::PushRepoPrefix,
            prompt: "Push repository prefix (images go to PREFIX/<image>)",
            hint,
            input: Input::Text,
            required: true,
            advanced: false,
            default,
            validate: push_repo_prefix,
        }
    }

    pub const fn endpoint(
        hint: &'static str,
        required: bool,
        default: Option<fn(&Settings) -> Option<String>>,
    ) -> Field {
        Field {
            id: FieldId::Endpoint,
            prompt: "Registry endpoint",
            hint,
            input: Input::Text,
            required,
            advanced: !required,
            default,
            validate: check::endpoint,
        }
    }

    pub const fn push_repo_field(hint: &'static str) -> Field {
        Field {
            id: FieldId::PushRepo,
            prompt: "Push repository (one repository; images become tags)",
            hint,
            input: Input::Text,
            required: true,
            advanced: false,
            default: None,
            validate: push_repo,
        }
    }

    /// No checks beyond the common ones.
    pub fn no_check(_: &Settings, _: &CustomImage) -> Result<(), Error> {
        Ok(())
    }

    /// No warnings beyond the common ones.
    pub fn no_warnings(_: &Settings, _: &CustomImage, _: &mut Vec<String>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fields_are_unique() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_name(kind.name()), Some(kind));
            let ids: Vec<FieldId> = kind.fields().map(|f| f.id).collect();
            let mut dedup = ids.clone();
            dedup.dedup();
            assert_eq!(ids.len(), dedup.len(), "{kind:?}");
            assert!(!kind.description().is_empty());
            for f in kind.fields() {
                assert!(
                    !f.prompt.is_empty() && !f.hint.is_empty(),
                    "{kind:?} {:?}",
                    f.id
                );
            }
        }
        assert_eq!(Kind::from_name("docker"), None);
    }

    #[test]
    fn credentials_fields_follow_the_login_kind() {
        for kind in Kind::ALL {
            let c = kind.spec().credentials;
            assert_eq!(kind.accepts(FieldId::Keyfile), c == Credentials::JsonKey);
            assert_eq!(
                kind.accepts(FieldId::Password),
                c == Credentials::UserPassword
            );
            assert_eq!(
                kind.accepts(FieldId::Username),
                c == Credentials::UserPassword
            );
        }
    }
}
