//! The one field list: every option a registry may take, declared once with its name,
//! its flag, the flag's value name and help, and how it is answered. The `phib render`
//! arguments, the answers a [`Settings`](crate::settings::Settings) holds and the
//! wizard's questions are all made from this list; the registry modules add, per kind,
//! the prompt, hint, default and validator ([`super::Field`]).

use std::path::Path;

use super::keyfile::{self, Keyfile};
use super::{check, Field, Invalid, Kind};
use crate::secret::Secret;

/// How a field is answered (and stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Plain text.
    Text,
    /// A password or token: asked hidden, stored as a [`Secret`]; on the command line it
    /// comes from standard input or the environment, never from a flag's value.
    Secret,
    /// A path to a service-account keyfile (`~` is the wizard's to expand).
    KeyfilePath,
    /// Yes or no (`true`/`false`); a switch on the command line.
    YesNo,
}

/// One value a choice field takes, with its line in `--help` (empty: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    pub value: &'static str,
    pub help: &'static str,
}

macro_rules! field_list {
    (@help) => { "" };
    (@help $help:literal) => { $help };
    ($( $id:ident : $name:literal, $flag:literal, $value:expr, $input:ident
        $([ $($choice:literal $(=> $choice_help:literal)?),* ])?, $help:literal; )*) => {
        /// Every option a registry may use.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum FieldId { $($id),* }

        impl FieldId {
            /// Every field, in the list's order (which is `phib render --help`'s, the
            /// [`FieldId::external`] ones coming after the secret-mode options).
            pub const ALL: [FieldId; [$(FieldId::$id),*].len()] = [$(FieldId::$id),*];

            /// A short name, e.g. `push-repo-prefix`.
            pub fn name(self) -> &'static str {
                match self { $(FieldId::$id => $name),* }
            }

            /// The option as the user types it, e.g. `--push-repo-prefix`. The password
            /// has no flag that takes it: `--password-stdin` reads it from standard input.
            pub fn flag(self) -> &'static str {
                match self { $(FieldId::$id => $flag),* }
            }

            /// The flag's value name in `--help` (`None`: a switch).
            pub fn value_name(self) -> Option<&'static str> {
                match self { $(FieldId::$id => $value),* }
            }

            /// How the field is answered.
            pub fn input(self) -> Input {
                match self { $(FieldId::$id => Input::$input),* }
            }

            /// The flag's help, as `--help` shows it (no final period).
            pub fn help(self) -> &'static str {
                match self { $(FieldId::$id => $help),* }
            }

            /// The only values a text field takes, when it is a choice (empty: any
            /// text its validator accepts). The command line offers them as the flag's
            /// possible values; [`Field::check`] refuses anything else.
            pub fn choices(self) -> &'static [Choice] {
                match self {
                    $(FieldId::$id => &[$($(Choice {
                        value: $choice,
                        help: field_list!(@help $($choice_help)?),
                    }),*)?]),*
                }
            }
        }
    };
}

field_list! {
    Endpoint: "endpoint", "--endpoint", Some("URL"), Text,
        "Registry endpoint, `host[:port]` or `https://host[:port]` (harbor needs it)";
    Username: "username", "--username", Some("USER"), Text,
        "Registry user name (robot account, token name, app ID)";
    Password: "password", "--password-stdin", None, Secret,
        "Read the password or token from standard input; one trailing newline is removed. Without it, the environment variable `PHIB_REGISTRY_PASSWORD` is used";
    Keyfile: "keyfile", "--keyfile", Some("PATH"), KeyfilePath,
        "Service-account keyfile (JSON) for gcr and artifact-registry; `-` reads standard input";
    GcrHost: "gcr-host", "--gcr-host", Some("HOST"), Text,
        "Container Registry host: gcr.io, us.gcr.io, eu.gcr.io or asia.gcr.io";
    Location: "location", "--location", Some("LOCATION"), Text,
        "Artifact Registry location, e.g. `us-central1`";
    Project: "project", "--project", Some("PROJECT"), Text,
        "Google Cloud project ID (default: the keyfile's `project_id`)";
    Repository: "repository", "--repository", Some("NAME"), Text,
        "Artifact Registry repository name";
    AwsAccount: "aws-account", "--aws-account", Some("ID"), Text,
        "AWS account ID (12 digits) of the ECR registry";
    AwsRegion: "aws-region", "--aws-region", Some("REGION"), Text,
        "AWS region of the ECR registry, e.g. `us-east-1`";
    AcrName: "acr-name", "--acr-name", Some("NAME"), Text,
        "Azure Container Registry name (NAME of NAME.azurecr.io)";
    PushRepoPrefix: "push-repo-prefix", "--push-repo-prefix", Some("PREFIX"), Text,
        "Images go to PREFIX/IMAGE:HASH (a repository per image)";
    PushRepo: "push-repo", "--push-repo", Some("REPO"), Text,
        "Images go to REPO:IMAGE-HASH (one repository; chart 3.7.1+)";
    PushSecretName: "push-secret-name", "--push-secret-name", Some("NAME"), Text,
        "Name of the dockerconfigjson Secret the image builder pushes with";
    Release: "release", "--release", Some("NAME"), Text,
        "PrimeHub's Helm release (default `primehub`): decides the chart's secret name";
    InsecureSkipVerify: "insecure-skip-verify", "--insecure-skip-verify", None, YesNo,
        "Skip TLS verification: self-signed certificates or plain http";
    RefreshServiceAccount: "refresh-service-account", "--refresh-service-account", Some("NAME"), Text,
        "With `--refresh`: the Kubernetes ServiceAccount the operator authenticates as (default `phib-image-builder`; ecr: the operator's own identity unless given, and a ServiceAccount named without `--aws-role-arn` exists already: the role in its `eks.amazonaws.com/role-arn` annotation gets the grant)";
    GkeCluster: "gke-cluster", "--gke-cluster", Some("LOCATION/NAME"), Text,
        "With `--refresh` (artifact-registry, gcr): the GKE cluster for Workload Identity, `LOCATION/NAME` (its project is `--project`) or `PROJECT/LOCATION/NAME`";
    GcpServiceAccount: "gcp-service-account", "--gcp-service-account", Some("EMAIL"), Text,
        "With `--refresh` (artifact-registry, gcr): the Google service account to act as (default `phib-image-builder@PROJECT.iam.gserviceaccount.com`)";
    AzureIdentity: "azure-identity", "--azure-identity", Some("HOW"), Text ["workload", "managed"],
        "With `--refresh` (acr): `workload` (Azure Workload Identity, the default) or `managed` (the nodes' managed identity)";
    AzureClientId: "azure-client-id", "--azure-client-id", Some("ID"), Text,
        "With `--refresh` (acr): the managed identity's client id";
    AzureTenantId: "azure-tenant-id", "--azure-tenant-id", Some("ID"), Text,
        "With `--refresh` (acr, workload identity): the Microsoft Entra tenant id";
    AwsRoleArn: "aws-role-arn", "--aws-role-arn", Some("ARN"), Text,
        "With `--refresh` (ecr): IRSA, the role the ServiceAccount assumes; phib writes the ServiceAccount with `eks.amazonaws.com/role-arn`, and the grant creates the role when missing";
    AcrRepositoryScope: "acr-repository-scope", "--acr-repository-scope", None, YesNo,
        "With `--refresh` (acr): grant push on the one repository only, through ABAC repository permissions; this switches the registry's role assignment mode, after which AcrPull and AcrPush are no longer honoured for any of its users (AKS `--attach-acr` pulls included). Without it: AcrPush on the registry";
    EcrRefresh: "ecr-refresh", "--ecr-refresh", Some("HOW"),
        Text ["external-secrets" => "external-secrets.io `ECRAuthorizationToken` + `ExternalSecret`"],
        "External mode with ECR: keep the Secret fresh with the external-secrets.io operator (an `ECRAuthorizationToken` generator and an `ExternalSecret`)";
    EcrServiceAccount: "ecr-service-account", "--ecr-service-account", Some("NAME"), Text,
        "With `--ecr-refresh`: an IRSA service account in the namespace that may call `ecr:GetAuthorizationToken` (default: the operator's own AWS identity)";
    Refresh: "refresh", "--refresh", Some("HOW"), Text ["external-secrets"],
        "External mode without a long-lived key: the External Secrets Operator mints short-lived tokens from the cluster's workload identity and keeps the push Secret fresh (artifact-registry, gcr, acr, ecr, quay; docs/keyless/)";
    FromStore: "from-store", "--from-store", Some("KIND/NAME"), Text,
        "External mode: copy the credential from an existing `SecretStore/NAME` or `ClusterSecretStore/NAME` (one rotation in the store serves every cluster; docs/keyless/central-store.md)";
    RemoteKey: "remote-key", "--remote-key", Some("KEY"), Text,
        "With `--from-store`: the store's entry holding the password, token or keyfile";
    RemoteProperty: "remote-property", "--remote-property", Some("NAME"), Text,
        "With `--from-store`: the field of that entry, for stores that keep maps";
}

impl FieldId {
    /// Whether the field says who the External Secrets Operator logs in as (used only
    /// with `--refresh external-secrets`; see [`super::keyless`]).
    pub fn keyless(self) -> bool {
        matches!(
            self,
            FieldId::RefreshServiceAccount
                | FieldId::GkeCluster
                | FieldId::GcpServiceAccount
                | FieldId::AzureIdentity
                | FieldId::AzureClientId
                | FieldId::AzureTenantId
                | FieldId::AwsRoleArn
                | FieldId::AcrRepositoryScope
        )
    }

    /// Whether the field is an option of external mode that says where the push
    /// Secret's login comes from (`--refresh`, `--from-store` and its entry, the older
    /// `--ecr-refresh`): every registry takes it on the command line, where the secret
    /// mode checks it; `--help` lists these after the secret-mode options, and the
    /// wizard asks them in its own words rather than as registry questions.
    pub fn external(self) -> bool {
        matches!(
            self,
            FieldId::EcrRefresh
                | FieldId::EcrServiceAccount
                | FieldId::Refresh
                | FieldId::FromStore
                | FieldId::RemoteKey
                | FieldId::RemoteProperty
        )
    }

    /// The option this one cannot be given with (the command line refuses the pair).
    pub fn conflicts_with(self) -> Option<FieldId> {
        match self {
            FieldId::PushRepoPrefix => Some(FieldId::PushRepo),
            FieldId::Refresh => Some(FieldId::FromStore),
            _ => None,
        }
    }

    /// The option as a message shows how to give it: the flag with its only choice
    /// (`--refresh external-secrets`), or with its value name (`--gke-cluster
    /// LOCATION/NAME`), or alone for a switch.
    pub fn usage(self) -> String {
        match (self.choices(), self.value_name()) {
            ([only], _) => format!("{} {}", self.flag(), only.value),
            (_, Some(value)) => format!("{} {value}", self.flag()),
            (_, None) => self.flag().to_string(),
        }
    }
}

pub use crate::secret::PASSWORD_ENV;

impl FieldId {
    /// How a message names the field on the command line: the flag, in backticks (the
    /// password by both of its sources).
    pub fn subject(self) -> String {
        match self {
            FieldId::Password => {
                format!("the password (`--password-stdin` or `{PASSWORD_ENV}`)")
            }
            other => format!("`{}`", other.flag()),
        }
    }
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

/// The answers given for one registry kind, each checked by its field's validator when
/// it was set. `None`/`false`: not given.
#[derive(Debug, Clone)]
pub struct Answers {
    kind: Kind,
    texts: [Option<String>; FieldId::ALL.len()],
    password: Option<Secret>,
    keyfile: Option<Keyfile>,
    /// The yes/no fields, by [`FieldId`] (`false`: not given).
    switches: [bool; FieldId::ALL.len()],
}

impl Answers {
    /// Nothing answered yet.
    pub fn new(kind: Kind) -> Self {
        Answers {
            kind,
            texts: Default::default(),
            password: None,
            keyfile: None,
            switches: [false; FieldId::ALL.len()],
        }
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The text answer of a plain-text field (`None` for the password, the keyfile and
    /// the yes/no field).
    pub fn text(&self, id: FieldId) -> Option<&str> {
        self.texts[id as usize].as_deref()
    }

    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }

    pub fn keyfile(&self) -> Option<&Keyfile> {
        self.keyfile.as_ref()
    }

    pub fn insecure_skip_verify(&self) -> bool {
        self.switch(FieldId::InsecureSkipVerify)
    }

    /// The answer of a yes/no field (`false` for any other).
    pub fn switch(&self, id: FieldId) -> bool {
        id.input() == Input::YesNo && self.switches[id as usize]
    }

    /// The answer given for `id`, or else its default from the earlier answers.
    pub fn text_or_default(&self, id: FieldId) -> Option<String> {
        self.text(id)
            .map(str::to_string)
            .or_else(|| self.kind.field(id).and_then(|f| f.default_value(self)))
    }

    /// Whether `id` was answered.
    pub fn is_set(&self, id: FieldId) -> bool {
        match id.input() {
            Input::Secret => self.password.is_some(),
            Input::KeyfilePath => self.keyfile.is_some(),
            Input::YesNo => self.switch(id),
            Input::Text => self.text(id).is_some(),
        }
    }

    /// Forgets the answer to `id` (a wizard that switches from a prefix to a single
    /// push repository clears the other).
    pub fn clear(&mut self, id: FieldId) {
        match id.input() {
            Input::Secret => self.password = None,
            Input::KeyfilePath => self.keyfile = None,
            Input::YesNo => self.switches[id as usize] = false,
            Input::Text => self.texts[id as usize] = None,
        }
    }

    /// A text answer stored without its validator: only for the defaults a question
    /// offers (the user name an existing block keeps), never for what is rendered.
    pub fn offer(&mut self, id: FieldId, value: Option<String>) {
        if id.input() == Input::Text {
            self.texts[id as usize] = value;
        }
    }

    /// The answer to `id` as a summary may show it: secrets as `<redacted>`, the
    /// keyfile as its service account. `None` when not answered.
    pub fn display_value(&self, id: FieldId) -> Option<String> {
        match id.input() {
            Input::Secret => self.password.as_ref().map(|p| p.to_string()),
            Input::KeyfilePath => self
                .keyfile
                .as_ref()
                .map(|k| format!("service account {}", k.client_email())),
            Input::YesNo => Some(self.switch(id).to_string()),
            Input::Text => self.text(id).map(str::to_string),
        }
    }

    /// Checks `answer` and stores it: a text with no control character in it (the rule
    /// of every option, before anything else is said about it), then a field the kind
    /// uses, then [`Field::check`]. A keyfile path (`Answer::Text`) is read and checked
    /// here. The password is the registry's to judge: only what the chart cannot carry
    /// is refused ([`check::password`]).
    pub fn set(&mut self, id: FieldId, answer: Answer) -> Result<(), Invalid> {
        if let Answer::Text(t) = &answer {
            check::no_control(t)?;
        }
        let Some(field) = self.kind.field(id) else {
            return Err(refused(self.kind));
        };
        match (id.input(), answer) {
            (Input::Secret, Answer::Secret(s)) => {
                (field.validate)(s.expose())?;
                self.password = Some(s);
            }
            (Input::KeyfilePath, Answer::Keyfile(k)) => self.keyfile = Some(k),
            (Input::KeyfilePath, Answer::Text(path)) => {
                self.keyfile = Some(keyfile::load(Path::new(&path))?);
            }
            (Input::YesNo, Answer::YesNo(b)) => self.switches[id as usize] = b,
            (Input::YesNo, Answer::Text(t)) => {
                field.check(&t)?;
                self.switches[id as usize] = t == "true";
            }
            (Input::Text, Answer::Text(t)) => {
                field.check(&t)?;
                self.texts[id as usize] = Some(t);
            }
            _ => return Err(wrong_answer()),
        }
        Ok(())
    }
}

impl Field {
    /// Checks a typed answer as every surface does (the flag, the wizard's question):
    /// no control character, one of the field's [`FieldId::choices`] when it has them,
    /// then the field's own grammar ([`Field::validate`]).
    pub fn check(&self, value: &str) -> Result<(), Invalid> {
        check::no_control(value)?;
        let choices = self.id.choices();
        if !choices.is_empty() && !choices.iter().any(|c| c.value == value) {
            let names: Vec<String> = choices.iter().map(|c| format!("`{}`", c.value)).collect();
            return Err(Invalid::new(
                format!("is not one of {}", names.join(", ")),
                format!("write {}", names.join(" or ")),
            ));
        }
        (self.validate)(value)
    }
}

fn wrong_answer() -> Invalid {
    Invalid::new(
        "got the wrong kind of answer",
        "this is a bug in phib; please report it",
    )
}

/// The refusal of an option this kind does not use, with the options it takes (those
/// of external mode, which every kind takes, left out).
pub fn refused(kind: Kind) -> Invalid {
    let accepted = kind
        .fields()
        .filter(|f| !f.id.external())
        .map(|f| format!("`{}`", f.id.flag()))
        .collect::<Vec<_>>()
        .join(", ");
    Invalid::new(
        format!("is not used by `--registry {}`", kind.name()),
        format!("remove it; `--registry {}` takes {accepted}", kind.name()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_flags_follow_one_rule() {
        for id in FieldId::ALL {
            match id {
                FieldId::Password => assert_eq!(id.flag(), "--password-stdin"),
                _ => assert_eq!(id.flag(), format!("--{}", id.name())),
            }
            assert_eq!(
                id.value_name().is_none(),
                matches!(id.input(), Input::Secret | Input::YesNo),
                "{id:?}"
            );
            assert!(!id.help().is_empty());
            // A choice is a text the command line offers the values of.
            assert!(
                id.choices().is_empty() || id.input() == Input::Text,
                "{id:?}"
            );
        }
        assert_eq!(FieldId::Refresh.usage(), "--refresh external-secrets");
        assert_eq!(FieldId::GkeCluster.usage(), "--gke-cluster LOCATION/NAME");
        assert_eq!(FieldId::AzureIdentity.usage(), "--azure-identity HOW");
        assert_eq!(
            FieldId::AcrRepositoryScope.usage(),
            "--acr-repository-scope"
        );
    }

    /// Every text a field can be given, on every kind, refuses control characters first
    /// (before the kind or the field's grammar is asked), and says which one.
    #[test]
    fn no_field_takes_a_control_character() {
        for kind in Kind::ALL {
            for id in FieldId::ALL
                .into_iter()
                .filter(|id| id.input() != Input::Secret)
            {
                for c in [
                    '\u{1b}', '\u{7}', '\r', '\n', '\t', '\u{0}', '\u{7f}', '\u{9b}',
                ] {
                    let mut answers = Answers::new(kind);
                    let e = answers.set(id, Answer::Text(format!("a{c}b"))).unwrap_err();
                    assert!(
                        e.reason
                            .contains(&format!("control character (U+{:04X})", c as u32)),
                        "{kind:?} {id:?}: {}",
                        e.reason
                    );
                    assert!(!answers.is_set(id));
                    if let Some(field) = kind.field(id) {
                        assert!(field.check(&format!("a{c}b")).is_err(), "{kind:?} {id:?}");
                    }
                }
            }
        }
    }

    /// A choice field takes only its values, from any surface.
    #[test]
    fn choices_are_the_only_values_a_choice_takes() {
        let mut answers = Answers::new(Kind::Acr);
        let e = answers
            .set(FieldId::AzureIdentity, Answer::Text("Managed".into()))
            .unwrap_err();
        assert_eq!(e.reason, "is not one of `workload`, `managed`");
        answers
            .set(FieldId::AzureIdentity, Answer::Text("managed".into()))
            .unwrap();
        assert_eq!(answers.text(FieldId::AzureIdentity), Some("managed"));
        let mut answers = Answers::new(Kind::Harbor);
        assert!(answers
            .set(FieldId::Refresh, Answer::Text("eso".into()))
            .is_err());
        answers
            .set(FieldId::Refresh, Answer::Text("external-secrets".into()))
            .unwrap();
        assert!(answers.is_set(FieldId::Refresh));
    }

    /// The refusal of an option lists the kind's own, not those of external mode that
    /// every kind takes.
    #[test]
    fn a_refusal_lists_the_kinds_own_options() {
        let help = refused(Kind::Harbor).help;
        assert!(help.contains("`--endpoint`"), "{help}");
        assert!(
            !help.contains("--refresh`") && !help.contains("--from-store"),
            "{help}"
        );
    }
}
