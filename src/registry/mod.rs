//! The registries phib can configure, as a closed [`Kind`] and a catalog of data: each
//! registry module declares its one-line description, the questions it needs
//! ([`Field`]s: prompt, hint, default, validator, over the one field list of
//! [`field`]), how its endpoint is formed, how an existing block is recognised as that
//! kind, its extra checks and typed warnings, and what verify tells the administrator
//! when the registry refuses a push. The flag path (`phib render`) and the wizard both
//! walk these fields and call the same validators through [`Answers::set`], so a value
//! means the same wherever it came from.
//!
//! A wizard lists [`Kind::ALL`] with [`Kind::title`] and [`Kind::description`]; for the
//! chosen kind it walks [`Kind::fields`] (skipping or offering the `advanced` ones),
//! shows [`Field::prompt`] and [`Field::hint`], offers [`Field::default_value`] computed
//! from the answers so far, asks hidden for [`Input::Secret`], and stores each answer
//! with [`Answers::set`], which runs [`Field::validate`] (the same function the flag path
//! runs) and returns an [`Invalid`] to show before asking again.
//!
//! Adding a registry: one module here and one line in the catalog (`catalog!` below).

pub mod check;
pub mod field;
pub mod keyfile;
pub mod keyless;
pub mod warning;

pub use field::{refused, Answer, Answers, FieldId, Heading, Input, PASSWORD_ENV};
pub use warning::{Code, Surface, Warning};

/// The host grammars of the registries whose hosts carry facts (an account and region,
/// a registry name, a location), each kept in its registry's module and read only
/// through these.
pub mod hosts {
    pub use super::acr::registry_name as acr_registry_name;
    pub use super::artifact_registry::location_of as artifact_registry_location;
    pub use super::ecr::{host as ecr_host, parse_host as parse_ecr_host, Partition};
}

use crate::secret::Secret;
use crate::Error;

/// PrimeHub's Helm release when none is given: the default of the release question
/// here, and `chart::DEFAULT_RELEASE`, the name every other layer uses.
pub const DEFAULT_RELEASE: &str = "primehub";

/// The catalog: one line per registry, `Kind` variant and module, in the order a
/// selection list shows them. `Harbor` stands for any self-hosted registry and comes
/// last (a block no other kind recognises is its).
macro_rules! catalog {
    ($($kind:ident => $module:ident,)*) => {
        $(mod $module;)*

        /// The registries phib knows. `Harbor` stands for any self-hosted registry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Kind { $($kind),* }

        impl Kind {
            /// Every kind, in the order a selection list shows them.
            pub const ALL: [Kind; [$(Kind::$kind),*].len()] = [$(Kind::$kind),*];

            /// What the registry module declares.
            pub fn spec(self) -> &'static Spec {
                match self { $(Kind::$kind => &$module::SPEC),* }
            }
        }
    };
}

catalog! {
    DockerHub => dockerhub,
    ArtifactRegistry => artifact_registry,
    Gcr => gcr,
    Ecr => ecr,
    Acr => acr,
    Ghcr => ghcr,
    Quay => quay,
    Harbor => harbor,
}

impl Kind {
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

    /// The line for the wizard's registry list: the description, or a shorter one.
    pub fn list_label(self) -> &'static str {
        self.spec().list_label.unwrap_or(self.spec().description)
    }

    /// The questions for this kind, in the order to ask them: the kind's own fields,
    /// then the advanced fields every kind shares. A field whose value is computed
    /// (the endpoint of gcr, say) is not listed.
    pub fn fields(self) -> impl Iterator<Item = &'static Field> {
        self.spec()
            .fields
            .iter()
            .chain(
                COMMON_FIELDS
                    .iter()
                    .filter(move |c| !self.spec().fields.iter().any(|f| f.id == c.id)),
            )
            .chain(keyless::fields(self))
    }

    /// The field `id` of this kind, if the kind uses it.
    pub fn field(self, id: FieldId) -> Option<&'static Field> {
        self.fields().find(|f| f.id == id)
    }

    /// Whether this kind uses option `id` (the others are refused).
    pub fn accepts(self, id: FieldId) -> bool {
        self.field(id).is_some()
    }

    /// The kind an existing block was written for, from its endpoint and user name, as
    /// each registry module recognises its own; anything else is self-hosted.
    pub fn of_block(endpoint: &str, username: Option<&str>) -> Kind {
        let seen = Seen {
            host: check::endpoint_host(endpoint).to_ascii_lowercase(),
            json_key: username.is_some_and(|u| u == keyfile::USERNAME || u == "_json_key_base64"),
        };
        Kind::ALL
            .into_iter()
            .find(|k| *k != Kind::Harbor && (k.spec().recognise)(&seen))
            .unwrap_or(Kind::Harbor)
    }

    /// The fields that carry credentials for this kind, in the order to ask them.
    /// Empty when the kind keeps no credentials in values (ECR).
    pub fn credential_fields(self) -> &'static [FieldId] {
        match self.spec().credentials {
            Credentials::UserPassword => &[FieldId::Username, FieldId::Password],
            Credentials::JsonKey => &[FieldId::Keyfile],
            Credentials::External => &[],
        }
    }
}

/// What one registry module declares.
pub struct Spec {
    /// The command-line name.
    pub name: &'static str,
    pub title: &'static str,
    /// One line for a selection list.
    pub description: &'static str,
    /// The description said shorter for the wizard's registry list, where the
    /// description would not fit (`None`: the description fits).
    pub list_label: Option<&'static str>,
    /// Its own questions, in order. Shared advanced ones come from [`COMMON_FIELDS`].
    pub fields: &'static [Field],
    /// How this kind logs in.
    pub credentials: Credentials,
    /// The endpoint from the answers (a default, or built from other fields). `None`
    /// only when a required field is missing, which validation reports first.
    pub endpoint: fn(&Answers) -> Option<String>,
    /// The push secret name this kind needs when the user gives none.
    pub default_push_secret_name: Option<&'static str>,
    /// Whether an existing block was written for this kind (see [`Kind::of_block`]).
    pub recognise: fn(&Seen) -> bool,
    /// What verify says when the registry refuses a push: the right or role it needs.
    pub push_role: &'static str,
    /// How to create a repository that must exist before a push (`host`, repository
    /// `path`, and the advice to prefer `pushRepo` when a prefix was probed), when the
    /// kind has its own way; `None`: the generic advice.
    pub create_repository: fn(&str, &str, &str) -> Option<String>,
    /// Checks across fields, after the common ones: the field a refusal is about, and
    /// why.
    pub check: fn(&Outcome) -> Result<(), (FieldId, Invalid)>,
    /// Warnings (stderr, exit 0), after the common ones.
    pub warnings: fn(&Outcome, &mut Vec<Warning>),
}

/// What an existing block shows of its kind: the endpoint's host (lower case) and
/// whether its user name is a keyfile's.
#[derive(Debug, Clone)]
pub struct Seen {
    pub host: String,
    pub json_key: bool,
}

/// What the plan made of the answers, for a registry's own checks and warnings.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub answers: &'a Answers,
    pub endpoint: &'a str,
    pub username: Option<&'a str>,
    pub password: Option<&'a Secret>,
    pub push: &'a PushTarget,
    pub push_secret_name: Option<&'a str>,
}

/// Where built images go: a repository per image under a prefix, or one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushTarget {
    /// `pushRepoPrefix`: `<prefix>/<imageName>:<hash8>`.
    Prefix(String),
    /// `pushRepo` (chart 3.7.1+): `<repo>:<imageName>-<hash8>`.
    Repo(String),
}

impl PushTarget {
    /// The repository path as written (prefix or repository).
    pub fn as_str(&self) -> &str {
        match self {
            PushTarget::Prefix(s) | PushTarget::Repo(s) => s,
        }
    }

    /// The field that gives it.
    pub fn field(&self) -> FieldId {
        match self {
            PushTarget::Prefix(_) => FieldId::PushRepoPrefix,
            PushTarget::Repo(_) => FieldId::PushRepo,
        }
    }
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

/// One question a registry asks, as data.
pub struct Field {
    pub id: FieldId,
    /// The question, e.g. `Docker Hub user name`.
    pub prompt: &'static str,
    /// One line: where to find the value (console page, role needed).
    pub hint: &'static str,
    /// Must have a value (given, or from [`Field::default`]).
    pub required: bool,
    /// Has a sensible default or is rarely needed: a wizard may skip it.
    pub advanced: bool,
    /// A default computed from earlier answers.
    pub default: Option<fn(&Answers) -> Option<String>>,
    /// The validator, the same for a flag and a prompt. For a keyfile path it loads and
    /// checks the file.
    pub validate: fn(&str) -> Result<(), Invalid>,
}

impl Field {
    /// The default for this field given the answers so far.
    pub fn default_value(&self, answers: &Answers) -> Option<String> {
        self.default.and_then(|f| f(answers))
    }

    /// How the field is answered (from the field list).
    pub fn input(&self) -> Input {
        self.id.input()
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
        Error::usage(format!("{} {}", id.subject(), self.reason)).with_help(self.help)
    }
}

/// The advanced options every kind shares.
pub const COMMON_FIELDS: [Field; 4] = [
    Field {
        id: FieldId::PushRepo,
        prompt: "Single push repository (instead of a prefix)",
        hint: "all images go to one repository as tags `<image>-<hash>` (chart 3.7.1+); it must exist on registries that do not create repositories on push",
        required: false,
        advanced: true,
        default: None,
        validate: push_repo,
    },
    Field {
        id: FieldId::PushSecretName,
        prompt: "Push secret name",
        hint: "only when the secret is not the chart's own (`<fullname>-controller-custom-image-push-secret`, where fullname is the release name if it contains `primehub`, else `<release>-primehub`)",
        required: false,
        advanced: true,
        default: None,
        validate: check::secret_name,
    },
    Field {
        id: FieldId::Release,
        prompt: "Helm release name of PrimeHub",
        hint: "as `helm list -n hub` shows it; decides the chart's push secret name",
        required: false,
        advanced: true,
        default: Some(|_| Some(DEFAULT_RELEASE.into())),
        validate: check::release,
    },
    Field {
        id: FieldId::InsecureSkipVerify,
        prompt: "Skip TLS verification (self-signed certificate or plain http)?",
        hint: "needed for a registry served over plain http or with a self-signed certificate",
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
            required: true,
            advanced: false,
            default: None,
            validate: keyfile::validate_path,
        }
    }

    pub const fn prefix(
        hint: &'static str,
        default: Option<fn(&Answers) -> Option<String>>,
    ) -> Field {
        Field {
            id: FieldId::PushRepoPrefix,
            prompt: "Push repository prefix (images go to PREFIX/<image>)",
            hint,
            required: true,
            advanced: false,
            default,
            validate: push_repo_prefix,
        }
    }

    pub const fn endpoint(
        hint: &'static str,
        required: bool,
        default: Option<fn(&Answers) -> Option<String>>,
    ) -> Field {
        Field {
            id: FieldId::Endpoint,
            prompt: "Registry endpoint",
            hint,
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
            required: true,
            advanced: false,
            default: None,
            validate: push_repo,
        }
    }

    /// No checks beyond the common ones.
    pub fn no_check(_: &Outcome) -> Result<(), (FieldId, Invalid)> {
        Ok(())
    }

    /// No warnings beyond the common ones.
    pub fn no_warnings(_: &Outcome, _: &mut Vec<Warning>) {}

    /// No way of creating repositories beyond the generic advice.
    pub fn no_create(_: &str, _: &str, _: &str) -> Option<String> {
        None
    }
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

    /// The endpoint a kind forms is recognised as that kind again (what `--rotate` and
    /// verify's hints rely on), and each kind says what verify should tell about roles.
    #[test]
    fn each_kind_recognises_the_endpoint_it_forms() {
        let given: [(FieldId, &str); 5] = [
            (FieldId::Endpoint, "https://registry.example.com"),
            (FieldId::Location, "europe-west1"),
            (FieldId::AwsAccount, "123456789012"),
            (FieldId::AwsRegion, "us-east-1"),
            (FieldId::AcrName, "team1"),
        ];
        for kind in Kind::ALL {
            let mut answers = Answers::new(kind);
            for (id, value) in given {
                if kind.accepts(id) && (kind == Kind::Harbor || id != FieldId::Endpoint) {
                    answers.set(id, Answer::Text(value.into())).unwrap();
                }
            }
            let endpoint = (kind.spec().endpoint)(&answers).expect("an endpoint");
            let user = match kind.spec().credentials {
                Credentials::JsonKey => Some(keyfile::USERNAME),
                Credentials::UserPassword => Some("someone"),
                Credentials::External => None,
            };
            assert_eq!(Kind::of_block(&endpoint, user), kind, "{endpoint}");
            assert!(!kind.spec().push_role.is_empty(), "{kind:?}");
        }
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
