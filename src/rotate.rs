//! Rotating credentials (`--rotate`, and the wizard's "rotate the credentials only"):
//! keep every non-credential field of an existing `customImage` block and replace only
//! the user name and password, or the keyfile. The existing block and the new
//! credentials become one [`Settings`], which goes through the same plan as a fresh
//! block ([`Settings::validate`]): the registry's own checks, the push-host check and
//! the warnings apply to a rotated block too.

use std::path::Path;

use crate::block::CustomImage;
use crate::registry::{Answer, Credentials, FieldId, Kind, PushTarget, Surface, PASSWORD_ENV};
use crate::settings::{Refusal, Settings, Validated};
use crate::{Error, Result};

/// The registry kind an existing block was written for (see [`Kind::of_block`]).
pub fn detect_kind(ci: &CustomImage) -> Kind {
    Kind::of_block(&ci.registry_endpoint, ci.registry_username.as_deref())
}

/// The fields that carry credentials for `kind`, in the order to ask them. Empty when
/// the kind keeps no credentials in values (ECR).
pub fn credential_fields(kind: Kind) -> &'static [FieldId] {
    kind.credential_fields()
}

/// `existing` with its credentials replaced by those in `new`, which must hold every
/// field of [`credential_fields`] (a user name not given keeps the existing one).
/// Everything else, endpoint and push target included, is kept as it is, and the whole
/// is checked by the plan a fresh block goes through.
pub fn rotate(existing: &CustomImage, new: &Settings) -> Result<Validated, Refusal> {
    let kind = new.kind();
    let mut settings = new.clone();
    match kind.spec().credentials {
        Credentials::External => {
            return Err(Error::usage(format!(
                "`--registry {}` keeps no credentials in the values file, so there is nothing to rotate",
                kind.name()
            ))
            .with_help("renew the credentials in the Secret named by `pushSecretName` instead")
            .into())
        }
        Credentials::JsonKey => {
            if new.keyfile().is_none() {
                return Err(
                    Error::usage("rotating a keyfile credential needs the new keyfile")
                        .with_help("give it with `--keyfile PATH`")
                        .into(),
                );
            }
        }
        Credentials::UserPassword => {
            if new.password().is_none() {
                return Err(Error::usage("rotating credentials needs the new password or token")
                    .with_help(format!(
                        "pipe it into `--password-stdin`, or set `{PASSWORD_ENV}`"
                    ))
                    .into());
            }
            if new.text(FieldId::Username).is_none() {
                let Some(user) = &existing.registry_username else {
                    return Err(Error::usage(
                        "the existing block has no `registryUsername` to keep",
                    )
                    .with_help("give the user name with `--username`")
                    .into());
                };
                settings
                    .set(FieldId::Username, Answer::Text(user.clone()))
                    .map_err(|e| Refusal::Field(FieldId::Username, e))?;
            }
        }
    }
    keep(&mut settings, existing)?;
    settings.plan()
}

/// Puts everything but the credentials of `existing` into `settings`, each through its
/// field's validator.
fn keep(settings: &mut Settings, existing: &CustomImage) -> Result<()> {
    let CustomImage {
        registry_endpoint,
        registry_username: _,
        registry_password: _,
        push,
        push_secret_name,
        insecure_skip_verify,
    } = existing;
    settings.keep_endpoint(registry_endpoint.clone());
    let mut kept = Vec::new();
    match push {
        Some(PushTarget::Prefix(p)) => kept.push((FieldId::PushRepoPrefix, p.clone())),
        Some(PushTarget::Repo(r)) => kept.push((FieldId::PushRepo, r.clone())),
        None => {}
    }
    if let Some(name) = push_secret_name {
        kept.push((FieldId::PushSecretName, name.clone()));
    }
    for (id, value) in kept {
        settings
            .set(id, Answer::Text(value))
            .map_err(|e| kept_refused(id, e))?;
    }
    if *insecure_skip_verify {
        settings
            .set(FieldId::InsecureSkipVerify, Answer::YesNo(true))
            .map_err(|e| kept_refused(FieldId::InsecureSkipVerify, e))?;
    }
    Ok(())
}

/// A kept value the plan refuses: the existing block is wrong, not the command.
fn kept_refused(id: FieldId, e: crate::registry::Invalid) -> Error {
    Error::usage(format!("the existing block's `{}` {}", id.name(), e.reason))
        .with_help("run without `--rotate` to configure the block again")
}

/// The Secret of its own that an existing block keeps its credentials in (external
/// mode): a block that names a `pushSecretName` and has no password in the values, for a
/// registry whose credentials phib writes. Rotating such a block means rewriting that
/// Secret, never putting the password back into the values.
pub fn external_secret(existing: &CustomImage) -> Option<&str> {
    let writes_credentials = !credential_fields(detect_kind(existing)).is_empty();
    match (&existing.registry_password, &existing.push_secret_name) {
        (None, Some(name)) if writes_credentials => Some(name),
        _ => None,
    }
}

/// What `--rotate` found and made.
#[derive(Debug)]
pub struct Rotation {
    pub validated: Validated,
    /// The block's own push Secret, when it is in external mode (see [`external_secret`]).
    pub external_secret: Option<String>,
}

/// `--rotate`: the block already in the values file at `path` (`existing`; `exists`
/// says whether the file does) with only its credentials replaced by those in `new`.
/// `new` may hold nothing but credentials, and must be of the kind the block was
/// written for; anything else is refused (exit 2) rather than silently ignored.
pub fn rotate_block(
    existing: Option<&CustomImage>,
    exists: bool,
    path: &Path,
    new: &Settings,
) -> Result<Rotation> {
    let shown = path.display();
    let credentials = credential_fields(new.kind());
    if let Some(id) = FieldId::ALL
        .into_iter()
        .find(|&id| new.is_set(id) && !credentials.contains(&id))
    {
        return Err(Error::usage(format!(
            "`--rotate` keeps everything but the credentials as `{shown}` has it, so it does not take `{}`",
            id.flag()
        ))
        .with_help("drop that option, or run without `--rotate` to configure the block again"));
    }
    if !exists {
        return Err(Error::usage(format!(
            "`{shown}` does not exist, so there is no customImage block to rotate"
        ))
        .with_help("run the command without `--rotate` to create it"));
    }
    let existing = existing.ok_or_else(|| {
        Error::usage(format!(
            "`{shown}` has no configured customImage block to rotate"
        ))
        .with_help("run the command without `--rotate` to create it")
    })?;
    if existing.push.is_none() {
        return Err(Error::usage(format!(
            "the customImage block in `{shown}` has no `pushRepoPrefix` or `pushRepo`, so it is not a configuration to keep"
        ))
        .with_help("run the command without `--rotate` to configure the whole block"));
    }
    let found = detect_kind(existing);
    if found != new.kind() {
        return Err(Error::usage(format!(
            "the customImage block in `{shown}` is for {} (`{}`), not `--registry {}`",
            found.title(),
            existing.registry_endpoint,
            new.kind().name()
        ))
        .with_help(format!(
            "rotate with `--registry {}`, or run without `--rotate` to switch registries",
            found.name()
        )));
    }
    Ok(Rotation {
        validated: rotate(existing, new).map_err(|r| r.render(Surface::Flags))?,
        external_secret: external_secret(existing).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Code;
    use crate::secret::Secret;

    /// The rotation as `--rotate` says its refusals.
    fn rotate(existing: &CustomImage, new: &Settings) -> Result<Validated> {
        super::rotate(existing, new).map_err(|r| r.render(Surface::Flags))
    }

    fn block(endpoint: &str, user: Option<&str>) -> CustomImage {
        CustomImage {
            registry_endpoint: endpoint.into(),
            registry_username: user.map(str::to_string),
            registry_password: Some(Secret::new("old")),
            push: Some(PushTarget::Repo("harbor.example.com/ci/images".into())),
            push_secret_name: Some("my-secret".into()),
            insecure_skip_verify: true,
        }
    }

    #[test]
    fn kinds_are_told_from_user_and_endpoint() {
        let table = [
            ("docker.io", Some("ann"), Kind::DockerHub),
            ("https://index.docker.io", Some("ann"), Kind::DockerHub),
            ("https://gcr.io", Some("_json_key"), Kind::Gcr),
            ("https://eu.gcr.io", Some("_json_key_base64"), Kind::Gcr),
            (
                "https://asia-east1-docker.pkg.dev",
                Some("_json_key"),
                Kind::ArtifactRegistry,
            ),
            (
                "https://123456789012.dkr.ecr.us-east-1.amazonaws.com",
                None,
                Kind::Ecr,
            ),
            ("https://team.azurecr.io", Some("app"), Kind::Acr),
            ("ghcr.io", Some("ann"), Kind::Ghcr),
            ("quay.io", Some("org+bot"), Kind::Quay),
            ("http://10.0.0.5:5000", Some("robot$ci+b"), Kind::Harbor),
            ("https://registry.example.com", Some("u"), Kind::Harbor),
        ];
        for (endpoint, user, want) in table {
            assert_eq!(detect_kind(&block(endpoint, user)), want, "{endpoint}");
        }
    }

    #[test]
    fn rotation_keeps_everything_but_the_credentials() {
        let old = block("http://harbor.example.com", Some("robot$ci+old"));
        let mut s = Settings::new(Kind::Harbor);
        s.set(FieldId::Username, Answer::Text("robot$ci+new".into()))
            .unwrap();
        s.set(FieldId::Password, Answer::Secret(Secret::new("fresh")))
            .unwrap();
        let ci = rotate(&old, &s).unwrap().custom_image;
        assert_eq!(ci.registry_username.as_deref(), Some("robot$ci+new"));
        assert_eq!(ci.registry_password.as_ref().unwrap().expose(), "fresh");
        let keep = CustomImage {
            registry_username: old.registry_username.clone(),
            registry_password: old.registry_password.clone(),
            ..ci
        };
        assert_eq!(keep, old);
    }

    #[test]
    fn a_user_name_not_given_is_kept_and_a_missing_password_refused() {
        let mut old = block("docker.io", Some("ann"));
        old.push = Some(PushTarget::Repo("docker.io/ann/images".into()));
        let mut s = Settings::new(Kind::DockerHub);
        assert_eq!(rotate(&old, &s).unwrap_err().exit_code(), 2);
        s.set(FieldId::Password, Answer::Secret(Secret::new("dckr_pat_x")))
            .unwrap();
        let v = rotate(&old, &s).unwrap();
        assert_eq!(v.custom_image.registry_username.as_deref(), Some("ann"));
        // The plan's warnings, as for a fresh block: only that the password is in the
        // values (the token looks like one).
        let codes: Vec<Code> = v.warnings.iter().map(|w| w.code).collect();
        assert_eq!(codes, [Code::PasswordInValues], "{:?}", v.warnings);
    }

    /// A rotated block goes through the plan a fresh one does: a push repository on
    /// another host than the endpoint, which buildah would push without credentials,
    /// is refused, as are a Docker Hub repository of the wrong depth and a bad user name.
    #[test]
    fn a_rotated_block_gets_the_checks_of_a_fresh_one() {
        let mut s = Settings::new(Kind::DockerHub);
        s.set(FieldId::Password, Answer::Secret(Secret::new("dckr_pat_x")))
            .unwrap();
        let other_host = block("docker.io", Some("ann"));
        let err = rotate(&other_host, &s).unwrap_err();
        assert!(
            err.message.contains("no credentials for the push"),
            "{}",
            err.message
        );
        let mut too_deep = block("docker.io", Some("ann"));
        too_deep.push = Some(PushTarget::Repo("docker.io/ann/a/b".into()));
        let err = rotate(&too_deep, &s).unwrap_err();
        assert!(
            err.message.contains("does not fit Docker Hub"),
            "{}",
            err.message
        );
        let mut bad_user = block("docker.io", Some("a:b"));
        bad_user.push = Some(PushTarget::Repo("docker.io/ann/images".into()));
        let err = rotate(&bad_user, &s).unwrap_err();
        assert!(err.message.contains("`--username`"), "{}", err.message);
    }

    #[test]
    fn a_keyfile_for_another_project_is_rotated_with_a_warning() {
        let fixture = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/keyfiles/service-account.json"
        );
        let mut old = block("https://gcr.io", Some("_json_key"));
        old.push = Some(PushTarget::Prefix("gcr.io/phib-test-123".into()));
        let mut s = Settings::new(Kind::Gcr);
        s.set(FieldId::Keyfile, Answer::Text(fixture.into()))
            .unwrap();
        let v = rotate(&old, &s).unwrap();
        assert_eq!(
            v.custom_image.registry_username.as_deref(),
            Some("_json_key")
        );
        assert!(v
            .custom_image
            .registry_password
            .unwrap()
            .expose()
            .starts_with('{'));
        assert!(!v.warnings.iter().any(|w| w
            .render(crate::registry::Surface::Flags)
            .contains("the keyfile is of project")));

        old.push = Some(PushTarget::Prefix("gcr.io/other-project".into()));
        let v = rotate(&old, &s).unwrap();
        assert!(
            v.warnings.iter().any(|w| w
                .render(crate::registry::Surface::Flags)
                .contains("project `phib-test-123`")
                && w.render(crate::registry::Surface::Flags)
                    .contains("`other-project`")),
            "{:?}",
            v.warnings
        );
    }

    #[test]
    fn ecr_has_nothing_to_rotate() {
        let old = block("https://123456789012.dkr.ecr.us-east-1.amazonaws.com", None);
        assert!(credential_fields(Kind::Ecr).is_empty());
        let err = rotate(&old, &Settings::new(Kind::Ecr)).unwrap_err();
        assert!(err.message.contains("nothing to rotate"), "{}", err.message);
    }
}
