//! What the user chose, from flags or from the wizard, and the one pure plan that turns
//! it into the `customImage` block: [`Settings`] holds the [`Answers`] (each checked by
//! its field's validator when it was set) and [`Settings::validate`] checks the whole
//! (refused and required options, the push host against the endpoint, the registry's
//! own checks), fills the defaults and says what the user should hear as typed
//! [`Warning`]s. A fresh block and a rotation (`--rotate`) both come through here.
//! Nothing is written until this has passed.

use std::ops::{Deref, DerefMut};

use crate::block::CustomImage;
use crate::chart::{self, DEFAULT_PUSH_SECRET_NAME};
use crate::registry::keyfile;
use crate::registry::{
    check, Answers, Code, Credentials, Field, FieldId, Invalid, Kind, Outcome, PushTarget, Surface,
    Warning, PASSWORD_ENV,
};
use crate::secret::Secret;
use crate::{Error, Result};

pub use crate::registry::{refused, Answer};

mod fit;

pub use fit::{check_block, ChartTarget};

/// Every answer a registry may take, and what a rotation keeps of an existing block.
#[derive(Debug, Clone)]
pub struct Settings {
    answers: Answers,
    /// `registryEndpoint` of the block a rotation keeps, used as it is written instead
    /// of the kind's endpoint from the answers (still checked like any endpoint).
    kept_endpoint: Option<String>,
    /// `Some`: the External Secrets Operator provides the login (`--refresh`,
    /// `--from-store`), so no password or keyfile is needed; `Some(true)` when the user
    /// name still names someone (a stored credential's owner, the Quay robot).
    operator_login: Option<bool>,
}

impl Deref for Settings {
    type Target = Answers;
    fn deref(&self) -> &Answers {
        &self.answers
    }
}

impl DerefMut for Settings {
    fn deref_mut(&mut self) -> &mut Answers {
        &mut self.answers
    }
}

/// The values block to render, and what the user should hear about it.
#[derive(Debug, Clone)]
pub struct Validated {
    pub custom_image: CustomImage,
    pub warnings: Vec<Warning>,
}

impl Settings {
    /// Nothing answered yet.
    pub fn new(kind: Kind) -> Self {
        Settings {
            answers: Answers::new(kind),
            kept_endpoint: None,
            operator_login: None,
        }
    }

    /// Uses `endpoint` as the block's `registryEndpoint` instead of the one the kind
    /// forms from the answers (a rotation keeps the existing block's).
    pub fn keep_endpoint(&mut self, endpoint: String) {
        self.kept_endpoint = Some(endpoint);
    }

    /// The plan, its refusals said for the command line (exit 2).
    pub fn validate(&self) -> Result<Validated> {
        self.plan().map_err(|r| r.render(Surface::Flags))
    }

    /// [`Settings::validate`] for a block whose login the External Secrets Operator
    /// provides (`--refresh`, `--from-store`): no password or keyfile is needed, and one
    /// given is refused rather than ignored; so is a user name when `username` is false
    /// (a generator's login has its own). The block then holds no credentials.
    pub fn validate_keyless(&self, username: bool) -> Result<Validated> {
        self.plan_keyless(username)
            .map_err(|r| r.render(Surface::Flags))
    }

    /// The plan of [`Settings::validate_keyless`], its refusals for each surface.
    pub fn plan_keyless(&self, username: bool) -> Result<Validated, Refusal> {
        for (id, given) in [
            (FieldId::Password, self.password().is_some()),
            (FieldId::Keyfile, self.keyfile().is_some()),
            (
                FieldId::Username,
                !username && self.is_set(FieldId::Username),
            ),
        ] {
            if given {
                return Err(Error::usage(format!(
                    "{} is not used with `--refresh` or `--from-store`: the External Secrets Operator provides the login",
                    id.subject()
                ))
                .with_help("remove it; no long-lived key is kept in the cluster (docs/keyless/README.md)")
                .into());
            }
        }
        let mut keyless = self.clone();
        keyless.operator_login = Some(username);
        keyless.plan()
    }

    /// Checks the whole and builds the values block with its warnings, or says what is
    /// wrong as a [`Refusal`] that each surface words its way.
    pub fn plan(&self) -> Result<Validated, Refusal> {
        let kind = self.kind();
        let spec = kind.spec();
        self.check_fields(kind)?;
        let push_repo = self.push_repo_given_or_default();
        self.check_required(kind)?;

        let registry_endpoint = self
            .kept_endpoint
            .clone()
            .or_else(|| (spec.endpoint)(self))
            .ok_or_else(|| Error::bug(format!("no endpoint for `{}`", kind.name())))?;
        check::endpoint(&registry_endpoint).map_err(|e| Refusal::Field(FieldId::Endpoint, e))?;

        let (registry_username, registry_password) = self.credentials(spec.credentials)?;
        let push = self.push_target(push_repo)?;
        check_push_host(&registry_endpoint, &push)?;
        let push_secret_name = self.push_secret_name(spec.default_push_secret_name);

        let outcome = Outcome {
            answers: self,
            endpoint: &registry_endpoint,
            username: registry_username.as_deref(),
            password: registry_password.as_ref(),
            push: &push,
            push_secret_name: push_secret_name.as_deref(),
        };
        (spec.check)(&outcome).map_err(|(id, e)| Refusal::Field(id, e))?;
        let mut warnings = Vec::new();
        // buildah talks https unless told to skip verification: a plain-http endpoint
        // works only with `insecureSkipVerify`, so it gets it.
        let plain_http = registry_endpoint.starts_with("http://");
        if plain_http && !self.insecure_skip_verify() {
            warnings.push(Warning::new(Code::PlainHttp, PLAIN_HTTP_NOTE));
        }
        common_warnings(&outcome, &mut warnings);
        (spec.warnings)(&outcome, &mut warnings);

        Ok(Validated {
            custom_image: CustomImage {
                registry_endpoint,
                registry_username,
                registry_password,
                push: Some(push),
                push_secret_name,
                insecure_skip_verify: self.insecure_skip_verify() || plain_http,
            },
            warnings,
        })
    }

    /// Each answer on its own: one the registry takes, an identity option only with the
    /// operator's login, each value by its field's validator; not both push targets.
    fn check_fields(&self, kind: Kind) -> Result<(), Refusal> {
        for id in FieldId::ALL {
            if self.is_set(id) && !kind.accepts(id) {
                return Err(Refusal::Field(id, refused(kind)));
            }
        }
        if self.operator_login.is_none() {
            if let Some(id) = FieldId::ALL
                .into_iter()
                .find(|id| id.keyless() && self.is_set(*id))
            {
                return Err(Refusal::Field(
                    id,
                    Invalid::new(
                        "is only used with `--secret-mode external --refresh external-secrets`",
                        "add `--secret-mode external --refresh external-secrets`, or remove it",
                    ),
                ));
            }
        }
        if let Some(p) = self.password() {
            check::password(p.expose()).map_err(|e| Refusal::Field(FieldId::Password, e))?;
        }
        for field in kind.fields() {
            if let Some(v) = self.text(field.id) {
                (field.validate)(v).map_err(|e| Refusal::Field(field.id, e))?;
            }
        }
        if self.is_set(FieldId::PushRepo) && self.is_set(FieldId::PushRepoPrefix) {
            return Err(Refusal::BothPush);
        }
        Ok(())
    }

    /// The single push repository: given, or, with neither target given, the kind's
    /// default repository (ECR's, on the account's registry) unless it has a default
    /// prefix.
    fn push_repo_given_or_default(&self) -> Option<String> {
        self.text(FieldId::PushRepo)
            .map(str::to_string)
            .or_else(|| {
                let prefix_default = self.text_or_default(FieldId::PushRepoPrefix);
                if prefix_default.is_some() {
                    None
                } else {
                    self.text_or_default(FieldId::PushRepo)
                }
            })
    }

    /// Every required field has an answer or a default. A rotation keeps the endpoint
    /// and the push target: only the credentials are required then, the fields that
    /// form the endpoint or a default are not; nor what the operator provides.
    fn check_required(&self, kind: Kind) -> Result<(), Refusal> {
        let credentials = kind.credential_fields();
        let from_operator = |id: FieldId| match self.operator_login {
            Some(username) => {
                matches!(id, FieldId::Password | FieldId::Keyfile)
                    || (!username && id == FieldId::Username)
            }
            None => false,
        };
        let required = |f: &&Field| {
            f.required
                && !from_operator(f.id)
                && (self.kept_endpoint.is_none() || credentials.contains(&f.id))
        };
        for field in kind.fields().filter(required) {
            let covered = match field.id {
                FieldId::PushRepoPrefix | FieldId::PushRepo => {
                    self.is_set(FieldId::PushRepo) || self.is_set(FieldId::PushRepoPrefix)
                }
                id => self.is_set(id),
            };
            if !covered && field.default_value(self).is_none() {
                return Err(Refusal::Missing(kind, field.id));
            }
        }
        Ok(())
    }

    /// `registryUsername` and `registryPassword` as the registry's kind of credentials
    /// makes them (none when the operator provides the login).
    fn credentials(&self, kind: Credentials) -> Result<(Option<String>, Option<Secret>), Refusal> {
        let (registry_username, registry_password) = match kind {
            _ if self.operator_login.is_some() => (None, None),
            Credentials::UserPassword => (
                self.text(FieldId::Username).map(str::to_string),
                self.password().cloned(),
            ),
            Credentials::JsonKey => (
                Some(keyfile::USERNAME.to_string()),
                self.keyfile().map(|k| k.one_line().clone()),
            ),
            Credentials::External => (None, None),
        };
        if self.operator_login.is_none()
            && kind != Credentials::External
            && (registry_username.is_none() || registry_password.is_none())
        {
            return Err(Error::bug("credentials missing after the required checks").into());
        }
        Ok((registry_username, registry_password))
    }

    /// Where images are pushed: the repository, else the prefix (given or default),
    /// each checked by its grammar (a default names itself in the message).
    fn push_target(&self, push_repo: Option<String>) -> Result<PushTarget, Refusal> {
        Ok(match push_repo {
            Some(repo) => {
                crate::registry::push_repo(&repo).map_err(|e| {
                    let reason = format!("{} (the default `{repo}`)", e.reason);
                    Refusal::Field(FieldId::PushRepo, Invalid::new(reason, e.help))
                })?;
                PushTarget::Repo(repo)
            }
            None => {
                let prefix = self
                    .text_or_default(FieldId::PushRepoPrefix)
                    .ok_or_else(|| Error::bug("no push prefix after the required checks"))?;
                crate::registry::push_repo_prefix(&prefix).map_err(|e| {
                    let reason = format!("{} (the default `{prefix}`)", e.reason);
                    Refusal::Field(FieldId::PushRepoPrefix, Invalid::new(reason, e.help))
                })?;
                PushTarget::Prefix(prefix)
            }
        })
    }

    /// `pushSecretName`: given, the registry's default, or the chart's name for another
    /// release than the default (the default release's needs none).
    fn push_secret_name(&self, registry_default: Option<&str>) -> Option<String> {
        self.text(FieldId::PushSecretName)
            .map(str::to_string)
            .or_else(|| registry_default.map(str::to_string))
            .or_else(|| {
                let name = chart::push_secret_name(&chart::Naming {
                    release: self.text(FieldId::Release)?,
                    ..Default::default()
                });
                (name != DEFAULT_PUSH_SECRET_NAME).then_some(name)
            })
    }
}

/// Why the plan refused the settings, naming the field it is about, so that each
/// surface says it its way: `phib render` names the flag, the wizard the answer.
#[derive(Debug)]
pub enum Refusal {
    /// The value of one field is wrong (its validator, or a check across fields).
    Field(FieldId, Invalid),
    /// A required field has no answer and no default.
    Missing(Kind, FieldId),
    /// Both a single push repository and a prefix; PrimeHub uses one.
    BothPush,
    /// Anything else (an internal check that caught a bug).
    Other(Error),
}

impl From<Error> for Refusal {
    fn from(e: Error) -> Self {
        Refusal::Other(e)
    }
}

impl Refusal {
    /// The error as `surface` shows it (exit 2, or 1 for a bug).
    pub fn render(self, surface: Surface) -> Error {
        match (self, surface) {
            (Refusal::Field(id, invalid), Surface::Flags) => invalid.for_field(id),
            (Refusal::Field(id, invalid), Surface::Wizard) => {
                Error::usage(format!("{} {}", id.name(), invalid.reason)).with_help(invalid.help)
            }
            (Refusal::Missing(kind, id), Surface::Flags) => missing(kind, id),
            (Refusal::Missing(kind, id), Surface::Wizard) => match kind.field(id) {
                Some(field) => Error::usage(format!("{} is needed", field.prompt))
                    .with_help(field.hint),
                None => missing(kind, id),
            },
            (Refusal::BothPush, Surface::Flags) => Error::usage(
                "`--push-repo` and `--push-repo-prefix` were both given; PrimeHub uses one",
            )
            .with_help("keep `--push-repo` for one repository with many tags, or `--push-repo-prefix` for a repository per image"),
            (Refusal::BothPush, Surface::Wizard) => Error::usage(
                "both a single push repository and a push repository prefix were answered; PrimeHub uses one",
            )
            .with_help("answer only one of the two"),
            (Refusal::Other(e), _) => e,
        }
    }
}

fn missing(kind: Kind, id: FieldId) -> Error {
    let Some(field) = kind.field(id) else {
        return Error::bug(format!("`{}` has no field {id:?}", kind.name()));
    };
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
fn check_push_host(endpoint: &str, push: &PushTarget) -> Result<(), Refusal> {
    let repo = push.as_str();
    let Some((host, endpoint_host)) = check::push_host_mismatch(endpoint, repo) else {
        return Ok(());
    };
    Err(Refusal::Field(
        push.field(),
        Invalid::new(
            format!("`{repo}` is on host `{host}`, but the registry endpoint is `{endpoint}`: buildah would find no credentials for the push"),
            format!("start the push repository with `{endpoint_host}/`, or change the endpoint to match `{host}`"),
        ),
    ))
}

/// What phib says when an `http://` endpoint makes it write `insecureSkipVerify: true`.
pub const PLAIN_HTTP_NOTE: &str =
    "`insecureSkipVerify: true` written: buildah needs it for `http://`";

/// The warnings every kind shares.
fn common_warnings(o: &Outcome, out: &mut Vec<Warning>) {
    if let Some(password) = o.password {
        out.push(password_in_values());
        if password.expose().ends_with(['\n', '\r']) {
            out.push(Warning::new(
                Code::PasswordLineBreak,
                "the password ends with a line break, kept as part of it: check what is piped in",
            ));
        }
    }
    if let Some(key) = o.answers.keyfile() {
        // gcr.io/PROJECT/... and LOCATION-docker.pkg.dev/PROJECT/...: the project is
        // the second component.
        let push = o.push.as_str();
        let project = push.split('/').nth(1).unwrap_or_default();
        if !project.is_empty() && project != key.project_id() {
            out.push(Warning::new(Code::KeyfileProject, format!(
                "the keyfile is of project `{}`: its service account needs push rights on `{project}`",
                key.project_id(),
            )));
        }
    }
}

/// The warning for a password kept in the values ([`Code::PasswordInValues`]; the
/// external push-secret mode drops it). One line; the page says who can read it there,
/// and how to keep it out (a question the wizard asks only when it sets up anew, so the
/// warning names none).
pub fn password_in_values() -> Warning {
    Warning::new(
        Code::PasswordInValues,
        "the chart copies the password into a ConfigMap in plain text; ",
    )
    .advice(
        "`--secret-mode external` keeps it out (docs/security.md)",
        "a Secret of your own keeps it out (docs/security.md)",
    )
}

/// [`password_in_values`] for a block printed instead of written (`--stdout`): the
/// password is in what was printed, and goes where the block goes.
pub fn password_in_printed_block() -> Warning {
    Warning::new(
        Code::PasswordInValues,
        "the printed block holds the password, which the chart copies into a ConfigMap; ",
    )
    .advice(
        "`--secret-mode external` keeps it out (docs/security.md)",
        "a Secret of your own keeps it out (docs/security.md)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

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

    /// A refusal of the plan names the flag for `phib render` and the answer for the
    /// wizard, from the same value.
    #[test]
    fn refusals_are_worded_for_their_surface() {
        let mut s = Settings::new(Kind::Harbor);
        for (id, v) in [
            (FieldId::Endpoint, "https://h.example.com"),
            (FieldId::Username, "u"),
            (FieldId::PushRepoPrefix, "other.example.com/team"),
        ] {
            s.set(id, Answer::Text(v.into())).unwrap();
        }
        s.set(FieldId::Password, Answer::Secret(Secret::new("pw")))
            .unwrap();
        let flags = s.validate().unwrap_err();
        assert!(
            flags
                .message
                .starts_with("`--push-repo-prefix` `other.example.com/team` is on host"),
            "{}",
            flags.message
        );
        let wizard = s.plan().unwrap_err().render(Surface::Wizard);
        assert!(
            wizard
                .message
                .starts_with("push-repo-prefix `other.example.com/team` is on host"),
            "{}",
            wizard.message
        );
        assert!(!wizard.message.contains("`--"), "{}", wizard.message);
        assert_eq!(wizard.help, flags.help);
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
