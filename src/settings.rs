//! What the user chose, from flags or from the wizard, as one plain struct, and the one
//! place that turns it into the values model: [`Settings::set`] checks each answer with
//! the registry field's validator, [`Settings::validate`] checks the whole (required
//! options, refused options, the push host against the endpoint) and fills defaults.
//! Nothing is written until this has passed.

use std::path::Path;

use crate::chart;
use crate::keyfile::{self, Keyfile};
use crate::registry::{check, Credentials, Field, FieldId, Invalid, Kind, PASSWORD_ENV};
use crate::secret::Secret;
use crate::values::model::{CustomImage, PushTarget, DEFAULT_PUSH_SECRET_NAME};
use crate::{Error, Result};

mod fit;

pub use fit::{check_block, ChartTarget};

/// Every answer a registry may take. `None`/`false`: not given.
#[derive(Debug, Clone)]
pub struct Settings {
    pub kind: Kind,
    pub endpoint: Option<String>,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub keyfile: Option<Keyfile>,
    pub gcr_host: Option<String>,
    pub location: Option<String>,
    pub project: Option<String>,
    pub repository: Option<String>,
    pub aws_account: Option<String>,
    pub aws_region: Option<String>,
    pub acr_name: Option<String>,
    pub push_repo_prefix: Option<String>,
    pub push_repo: Option<String>,
    pub push_secret_name: Option<String>,
    pub release: Option<String>,
    pub insecure_skip_verify: bool,
}

/// One answer to one field.
#[derive(Debug, Clone)]
pub enum Answer {
    Text(String),
    Secret(Secret),
    /// A keyfile already read and checked (from `--keyfile -`).
    Keyfile(Keyfile),
    YesNo(bool),
}

/// The values block to render, and what the user should hear about it.
#[derive(Debug, Clone)]
pub struct Validated {
    pub custom_image: CustomImage,
    /// One line each, for `phib: warning: ...`.
    pub warnings: Vec<String>,
}

/// Every field, in the order the catalog declares them.
pub const ALL_IDS: [FieldId; 16] = [
    FieldId::Endpoint,
    FieldId::Username,
    FieldId::Password,
    FieldId::Keyfile,
    FieldId::GcrHost,
    FieldId::Location,
    FieldId::Project,
    FieldId::Repository,
    FieldId::AwsAccount,
    FieldId::AwsRegion,
    FieldId::AcrName,
    FieldId::PushRepoPrefix,
    FieldId::PushRepo,
    FieldId::PushSecretName,
    FieldId::Release,
    FieldId::InsecureSkipVerify,
];

/// The field of a [`Settings`] that holds the text answer to a [`FieldId`], borrowed
/// with `&` or `&mut`; `None` for the password, the keyfile and the yes/no field. One
/// list serves both [`Settings::text`] and the setter.
macro_rules! text_field {
    ($settings:expr, $id:expr, $($borrow:tt)+) => {
        match $id {
            FieldId::Endpoint => Some($($borrow)+ $settings.endpoint),
            FieldId::Username => Some($($borrow)+ $settings.username),
            FieldId::GcrHost => Some($($borrow)+ $settings.gcr_host),
            FieldId::Location => Some($($borrow)+ $settings.location),
            FieldId::Project => Some($($borrow)+ $settings.project),
            FieldId::Repository => Some($($borrow)+ $settings.repository),
            FieldId::AwsAccount => Some($($borrow)+ $settings.aws_account),
            FieldId::AwsRegion => Some($($borrow)+ $settings.aws_region),
            FieldId::AcrName => Some($($borrow)+ $settings.acr_name),
            FieldId::PushRepoPrefix => Some($($borrow)+ $settings.push_repo_prefix),
            FieldId::PushRepo => Some($($borrow)+ $settings.push_repo),
            FieldId::PushSecretName => Some($($borrow)+ $settings.push_secret_name),
            FieldId::Release => Some($($borrow)+ $settings.release),
            FieldId::Password | FieldId::Keyfile | FieldId::InsecureSkipVerify => None,
        }
    };
}

impl Settings {
    /// Nothing answered yet.
    pub fn new(kind: Kind) -> Self {
        Settings {
            kind,
            endpoint: None,
            username: None,
            password: None,
            keyfile: None,
            gcr_host: None,
            location: None,
            project: None,
            repository: None,
            aws_account: None,
            aws_region: None,
            acr_name: None,
            push_repo_prefix: None,
            push_repo: None,
            push_secret_name: None,
            release: None,
            insecure_skip_verify: false,
        }
    }

    fn slot(&mut self, id: FieldId) -> Option<&mut Option<String>> {
        text_field!(self, id, &mut)
    }

    /// The text answer of a plain-text field (not the password or keyfile).
    pub fn text(&self, id: FieldId) -> Option<&str> {
        text_field!(self, id, &).and_then(|v| v.as_deref())
    }

    /// The answer given for `id`, or else its default from the earlier answers.
    pub fn text_or_default(&self, id: FieldId) -> Option<String> {
        self.text(id).map(str::to_string).or_else(|| {
            self.kind
                .field(id)
                .and_then(|f: &Field| f.default_value(self))
        })
    }

    /// Whether `id` was answered.
    pub fn is_set(&self, id: FieldId) -> bool {
        match id {
            FieldId::Password => self.password.is_some(),
            FieldId::Keyfile => self.keyfile.is_some(),
            FieldId::InsecureSkipVerify => self.insecure_skip_verify,
            other => self.text(other).is_some(),
        }
    }

    /// Forgets the answer to `id` (a wizard that switches from a prefix to a single
    /// push repository clears the other).
    pub fn clear(&mut self, id: FieldId) {
        match id {
            FieldId::Password => self.password = None,
            FieldId::Keyfile => self.keyfile = None,
            FieldId::InsecureSkipVerify => self.insecure_skip_verify = false,
            other => {
                if let Some(slot) = self.slot(other) {
                    *slot = None;
                }
            }
        }
    }

    /// The answer to `id` as a summary may show it: secrets as `<redacted>`, the
    /// keyfile as its service account. `None` when not answered.
    pub fn display_value(&self, id: FieldId) -> Option<String> {
        match id {
            FieldId::Password => self.password.as_ref().map(|p| p.to_string()),
            FieldId::Keyfile => self
                .keyfile
                .as_ref()
                .map(|k| format!("service account {}", k.client_email())),
            FieldId::InsecureSkipVerify => Some(self.insecure_skip_verify.to_string()),
            other => self.text(other).map(str::to_string),
        }
    }

    /// Checks `answer` with the field's validator and stores it. Refuses a field the
    /// kind does not use. A keyfile path (`Answer::Text`) is read and checked here.
    pub fn set(&mut self, id: FieldId, answer: Answer) -> Result<(), Invalid> {
        let Some(field) = self.kind.field(id) else {
            return Err(refused(self.kind));
        };
        match (id, answer) {
            (FieldId::Password, Answer::Secret(s)) => {
                (field.validate)(s.expose())?;
                self.password = Some(s);
            }
            (FieldId::Keyfile, Answer::Keyfile(k)) => self.keyfile = Some(k),
            (FieldId::Keyfile, Answer::Text(path)) => {
                self.keyfile = Some(keyfile::load(Path::new(&path))?);
            }
            (FieldId::InsecureSkipVerify, Answer::YesNo(b)) => self.insecure_skip_verify = b,
            (FieldId::InsecureSkipVerify, Answer::Text(t)) => {
                (field.validate)(&t)?;
                self.insecure_skip_verify = t == "true";
            }
            (id, Answer::Text(t)) => {
                (field.validate)(&t)?;
                match self.slot(id) {
                    Some(slot) => *slot = Some(t),
                    None => return Err(wrong_answer()),
                }
            }
            _ => return Err(wrong_answer()),
        }
        Ok(())
    }

    /// Checks the whole and builds the values model, or says what is wrong (exit 2).
    pub fn validate(&self) -> Result<Validated> {
        let kind = self.kind;
        let spec = kind.spec();
        for id in ALL_IDS {
            if self.is_set(id) && !kind.accepts(id) {
                return Err(refused(kind).for_field(id));
            }
        }
        if let Some(p) = &self.password {
            check::password(p.expose()).map_err(|e| e.for_field(FieldId::Password))?;
        }
        for field in kind.fields() {
            if let Some(v) = self.text(field.id) {
                (field.validate)(v).map_err(|e| e.for_field(field.id))?;
            }
        }
        if self.push_repo.is_some() && self.push_repo_prefix.is_some() {
            return Err(Error::usage(
                "`--push-repo` and `--push-repo-prefix` were both given; PrimeHub uses one",
            )
            .with_help("keep `--push-repo` for one repository with many tags, or `--push-repo-prefix` for a repository per image"));
        }
        for field in kind.fields().filter(|f| f.required) {
            let covered = match field.id {
                FieldId::PushRepoPrefix | FieldId::PushRepo => {
                    self.push_repo.is_some() || self.push_repo_prefix.is_some()
                }
                id => self.is_set(id),
            };
            if !covered && field.default_value(self).is_none() {
                return Err(missing(kind, field));
            }
        }

        let registry_endpoint = (spec.endpoint)(self)
            .ok_or_else(|| Error::bug(format!("no endpoint for `{}`", kind.name())))?;
        check::endpoint(&registry_endpoint).map_err(|e| e.for_field(FieldId::Endpoint))?;

        let (registry_username, registry_password) = match spec.credentials {
            Credentials::UserPassword => (self.username.clone(), self.password.clone()),
            Credentials::JsonKey => (
                Some(keyfile::USERNAME.to_string()),
                self.keyfile.as_ref().map(|k| k.one_line().clone()),
            ),
            Credentials::External => (None, None),
        };
        if spec.credentials != Credentials::External
            && (registry_username.is_none() || registry_password.is_none())
        {
            return Err(Error::bug("credentials missing after the required checks"));
        }

        let (push, push_id) = match &self.push_repo {
            Some(repo) => (PushTarget::Repo(repo.clone()), FieldId::PushRepo),
            None => {
                let prefix = self
                    .text_or_default(FieldId::PushRepoPrefix)
                    .ok_or_else(|| Error::bug("no push prefix after the required checks"))?;
                crate::registry::push_repo_prefix(&prefix).map_err(|e| {
                    let mut err = e.for_field(FieldId::PushRepoPrefix);
                    err.message = format!("{} (the default `{prefix}`)", err.message);
                    err
                })?;
                (PushTarget::Prefix(prefix), FieldId::PushRepoPrefix)
            }
        };
        check_push_host(&registry_endpoint, push.as_str(), push_id)?;

        let push_secret_name = self
            .push_secret_name
            .clone()
            .or_else(|| spec.default_push_secret_name.map(str::to_string))
            .or_else(|| {
                let name = chart::push_secret_name(&chart::Naming {
                    release: self.release.as_deref()?,
                    ..Default::default()
                });
                (name != DEFAULT_PUSH_SECRET_NAME).then_some(name)
            });

        // buildah talks https unless told to skip verification: a plain-http endpoint
        // works only with `insecureSkipVerify`, so it gets it.
        let plain_http = registry_endpoint.starts_with("http://");
        let custom_image = CustomImage {
            registry_endpoint,
            registry_username,
            registry_password,
            push: Some(push),
            push_secret_name,
            insecure_skip_verify: self.insecure_skip_verify || plain_http,
        };
        (spec.check)(self, &custom_image)?;

        let mut warnings = Vec::new();
        if plain_http && !self.insecure_skip_verify {
            warnings.push(PLAIN_HTTP_NOTE.into());
        }
        if let Some(given) = self.endpoint.as_deref().filter(|e| !e.contains("://")) {
            if kind == Kind::Harbor {
                warnings.push(format!(
                    "the endpoint `{given}` has no scheme, so buildah talks https to it; if the registry speaks plain http, write `http://{given}` (`phib render` stays offline: `phib verify` tells which it speaks)"
                ));
            }
        }
        common_warnings(&custom_image, &mut warnings);
        (spec.warnings)(self, &custom_image, &mut warnings);
        Ok(Validated {
            custom_image,
            warnings,
        })
    }
}

fn wrong_answer() -> Invalid {
    Invalid::new(
        "got the wrong kind of answer",
        "this is a bug in phib; please report it",
    )
}

fn accepted_flags(kind: Kind) -> String {
    kind.fields()
        .map(|f| match f.id {
            FieldId::Password => "`--password-stdin`".to_string(),
            id => format!("`{}`", id.flag()),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The error for an option this kind does not use.
pub fn refused(kind: Kind) -> Invalid {
    Invalid::new(
        format!("is not used by `--registry {}`", kind.name()),
        format!(
            "remove it; `--registry {}` takes {}",
            kind.name(),
            accepted_flags(kind)
        ),
    )
}

fn missing(kind: Kind, field: &Field) -> Error {
    match field.id {
        FieldId::Password => Error::usage(format!(
            "`--registry {}` needs a password or token",
            kind.name()
        ))
        .with_help(format!(
            "pipe it into `--password-stdin`, or set `{PASSWORD_ENV}` ({})",
            field.hint
        )),
        FieldId::PushRepoPrefix | FieldId::PushRepo => Error::usage(format!(
            "`--registry {}` needs `--push-repo-prefix` or `--push-repo`",
            kind.name()
        ))
        .with_help(field.hint),
        id => Error::usage(format!(
            "`--registry {}` needs `{}`",
            kind.name(),
            id.flag()
        ))
        .with_help(format!("{}: {}", field.prompt, field.hint)),
    }
}

/// buildah finds the push credentials only when the endpoint, normalised its way, is
/// the host of the push repository.
fn check_push_host(endpoint: &str, repo: &str, id: FieldId) -> Result<()> {
    let host = check::repository_host(repo)
        .ok_or_else(|| Error::bug("push repository without a host after validation"))?;
    let key = check::normalize_auth_key(endpoint);
    if key == check::normalize_registry(host) {
        return Ok(());
    }
    let endpoint_host = check::endpoint_host(endpoint);
    Err(Error::usage(format!(
        "`{}` `{repo}` is on host `{host}`, but the registry endpoint is `{endpoint}`: buildah would find no credentials for the push",
        id.flag(),
    ))
    .with_help(format!(
        "start the push repository with `{endpoint_host}/`, or change the endpoint to match `{host}`"
    )))
}

/// What phib says when an `http://` endpoint makes it write `insecureSkipVerify: true`.
pub const PLAIN_HTTP_NOTE: &str = "the endpoint is plain `http://`: writing `insecureSkipVerify: true`, without which buildah talks https to it and every push fails";

/// The warning for a password kept in the values (the external push-secret mode drops it).
pub const PASSWORD_IN_VALUES_WARNING: &str = "the password is stored in the values file as `registryPassword`, and the chart copies it into the controller ConfigMap in plain text: anyone who can read ConfigMaps in PrimeHub's namespace can read it; keep the values file private, or keep the password out of the values with `--secret-mode external`";

fn common_warnings(ci: &CustomImage, out: &mut Vec<String>) {
    if let Some(password) = &ci.registry_password {
        out.push(PASSWORD_IN_VALUES_WARNING.into());
        if password.expose().ends_with(['\n', '\r']) {
            out.push("the password ends with a line break, which is kept as part of it (a token never ends with one); `--password-stdin` removes only one trailing newline, so check what is piped in".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a wizard does: walk the kind's fields, take each default, answer the
    /// rest, validate each answer with the field's own validator. The result is the
    /// block the flags give.
    #[test]
    fn walking_the_fields_as_a_wizard_gives_the_flag_result() {
        let answers = |id: FieldId| -> Option<Answer> {
            match id {
                FieldId::Username => Some(Answer::Text("robot$team+ci".into())),
                FieldId::Password => Some(Answer::Secret(Secret::new("pw"))),
                FieldId::Endpoint => Some(Answer::Text("https://h.example.com".into())),
                _ => None,
            }
        };
        let mut s = Settings::new(Kind::Harbor);
        for field in Kind::Harbor.fields().filter(|f| !f.advanced) {
            let answer = match answers(field.id) {
                Some(a) => a,
                None => Answer::Text(field.default_value(&s).expect("a default")),
            };
            if let Answer::Text(t) = &answer {
                (field.validate)(t).unwrap();
            }
            s.set(field.id, answer).unwrap();
        }
        assert_eq!(
            s.display_value(FieldId::Password).as_deref(),
            Some("<redacted>")
        );
        let v = s.validate().unwrap();
        assert_eq!(
            v.custom_image.push,
            Some(PushTarget::Prefix("h.example.com/team".into()))
        );
        s.set(
            FieldId::PushRepo,
            Answer::Text("h.example.com/team/all".into()),
        )
        .unwrap();
        assert!(s.validate().is_err(), "prefix and repository both set");
        s.clear(FieldId::PushRepoPrefix);
        assert_eq!(
            s.validate().unwrap().custom_image.push,
            Some(PushTarget::Repo("h.example.com/team/all".into()))
        );
    }

    #[test]
    fn set_refuses_fields_of_other_kinds_and_runs_the_validator() {
        let mut s = Settings::new(Kind::DockerHub);
        assert!(s
            .set(FieldId::AcrName, Answer::Text("x".into()))
            .unwrap_err()
            .reason
            .contains("not used by `--registry dockerhub`"));
        assert!(s
            .set(FieldId::Username, Answer::Text("a:b".into()))
            .is_err());
        s.set(FieldId::Username, Answer::Text("me".into())).unwrap();
        assert_eq!(
            s.text_or_default(FieldId::PushRepoPrefix).as_deref(),
            Some("docker.io/me")
        );
    }
}
