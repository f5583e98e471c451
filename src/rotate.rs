//! Rotating credentials (`--rotate`, and the wizard's "rotate the credentials only"):
//! keep every non-credential field of an existing `customImage` block and replace only
//! the user name and password. The new credentials arrive as [`Settings`], so each went
//! through its field's validator, exactly as for a new block; this module decides which
//! kind of credentials the existing block needs and builds the new block from the two.

use std::path::Path;

use crate::keyfile;
use crate::registry::check;
use crate::registry::{Credentials, FieldId, Kind, PASSWORD_ENV};
use crate::settings::{Settings, Validated, ALL_IDS};
use crate::values::model::CustomImage;
use crate::{Error, Result};

/// The registry kind an existing block was written for, from its user name and
/// endpoint: `_json_key` is a keyfile (Artifact Registry on `*-docker.pkg.dev`, else
/// GCR); known hosts name their registry; anything else is self-hosted.
pub fn detect_kind(ci: &CustomImage) -> Kind {
    let host = check::endpoint_host(&ci.registry_endpoint).to_ascii_lowercase();
    let json_key = ci
        .registry_username
        .as_deref()
        .is_some_and(|u| u == keyfile::USERNAME || u == "_json_key_base64");
    if host.ends_with("-docker.pkg.dev") {
        Kind::ArtifactRegistry
    } else if json_key || host == "gcr.io" || host.ends_with(".gcr.io") {
        Kind::Gcr
    } else if host.ends_with(".amazonaws.com") && host.contains(".dkr.ecr.") {
        Kind::Ecr
    } else if host.ends_with(".azurecr.io") {
        Kind::Acr
    } else if host == "ghcr.io" {
        Kind::Ghcr
    } else if host == "quay.io" {
        Kind::Quay
    } else if matches!(
        host.as_str(),
        "docker.io" | "index.docker.io" | "registry-1.docker.io"
    ) {
        Kind::DockerHub
    } else {
        Kind::Harbor
    }
}

/// The fields that carry credentials for `kind`, in the order to ask them. Empty when
/// the kind keeps no credentials in values (ECR).
pub fn credential_fields(kind: Kind) -> &'static [FieldId] {
    match kind.spec().credentials {
        Credentials::UserPassword => &[FieldId::Username, FieldId::Password],
        Credentials::JsonKey => &[FieldId::Keyfile],
        Credentials::External => &[],
    }
}

/// `existing` with its credentials replaced by those in `new`, which must hold every
/// field of [`credential_fields`] (a user name not given keeps the existing one).
/// Everything else, endpoint and push target included, is kept as it is.
pub fn rotate(existing: &CustomImage, new: &Settings) -> Result<Validated> {
    let kind = new.kind;
    let (username, password) = match kind.spec().credentials {
        Credentials::External => {
            return Err(Error::usage(format!(
                "`--registry {}` keeps no credentials in the values file, so there is nothing to rotate",
                kind.name()
            ))
            .with_help("renew the credentials in the Secret named by `pushSecretName` instead"))
        }
        Credentials::JsonKey => {
            let key = new.keyfile.as_ref().ok_or_else(|| {
                Error::usage("rotating a keyfile credential needs the new keyfile")
                    .with_help("give it with `--keyfile PATH`")
            })?;
            (keyfile::USERNAME.to_string(), key.one_line().clone())
        }
        Credentials::UserPassword => {
            let password = new.password.clone().ok_or_else(|| {
                Error::usage("rotating credentials needs the new password or token").with_help(
                    format!("pipe it into `--password-stdin`, or set `{PASSWORD_ENV}`"),
                )
            })?;
            let username = match (&new.username, &existing.registry_username) {
                (Some(u), _) | (None, Some(u)) => u.clone(),
                (None, None) => {
                    return Err(Error::usage(
                        "the existing block has no `registryUsername` to keep",
                    )
                    .with_help("give the user name with `--username`"))
                }
            };
            check::username(&username).map_err(|e| e.for_field(FieldId::Username))?;
            (username, password)
        }
    };
    let custom_image = CustomImage {
        registry_username: Some(username),
        registry_password: Some(password),
        ..existing.clone()
    };
    let mut warnings = Vec::new();
    (kind.spec().warnings)(new, &custom_image, &mut warnings);
    if let (Some(key), Some(push)) = (&new.keyfile, &custom_image.push) {
        // gcr.io/PROJECT/... and LOCATION-docker.pkg.dev/PROJECT/...: the project is
        // the second component.
        let project = push.as_str().split('/').nth(1).unwrap_or_default();
        if !project.is_empty() && project != key.project_id() {
            warnings.push(format!(
                "the new keyfile belongs to project `{}`, but images are pushed to project `{project}` (`{}`): its service account needs push rights there",
                key.project_id(),
                push.as_str()
            ));
        }
    }
    Ok(Validated {
        custom_image,
        warnings,
    })
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

/// `--rotate`: the block already in the values file at `path` (its text `values`, `None`
/// when the file does not exist) with only its credentials replaced by those in `new`.
/// `new` may hold nothing but credentials, and must be of the kind the block was
/// written for; anything else is refused (exit 2) rather than silently ignored.
pub fn rotate_values(values: Option<&str>, path: &Path, new: &Settings) -> Result<Rotation> {
    let shown = path.display();
    let credentials = credential_fields(new.kind);
    if let Some(id) = ALL_IDS
        .into_iter()
        .find(|&id| new.is_set(id) && !credentials.contains(&id))
    {
        return Err(Error::usage(format!(
            "`--rotate` keeps everything but the credentials as `{shown}` has it, so it does not take `{}`",
            id.flag()
        ))
        .with_help("drop that option, or run without `--rotate` to configure the block again"));
    }
    let Some(text) = values else {
        return Err(Error::usage(format!(
            "`{shown}` does not exist, so there is no customImage block to rotate"
        ))
        .with_help("run the command without `--rotate` to create it"));
    };
    let doc = crate::values::parse_document(text, path)?;
    let existing = CustomImage::from_values(&doc)?.ok_or_else(|| {
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
    let found = detect_kind(&existing);
    if found != new.kind {
        return Err(Error::usage(format!(
            "the customImage block in `{shown}` is for {} (`{}`), not `--registry {}`",
            found.title(),
            existing.registry_endpoint,
            new.kind.name()
        ))
        .with_help(format!(
            "rotate with `--registry {}`, or run without `--rotate` to switch registries",
            found.name()
        )));
    }
    Ok(Rotation {
        validated: rotate(&existing, new)?,
        external_secret: external_secret(&existing).map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::settings::Answer;
    use crate::values::model::PushTarget;

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
        let old = block("docker.io", Some("ann"));
        let mut s = Settings::new(Kind::DockerHub);
        assert_eq!(rotate(&old, &s).unwrap_err().exit_code(), 2);
        s.set(FieldId::Password, Answer::Secret(Secret::new("dckr_pat_x")))
            .unwrap();
        let v = rotate(&old, &s).unwrap();
        assert_eq!(v.custom_image.registry_username.as_deref(), Some("ann"));
        assert!(v.warnings.is_empty(), "{:?}", v.warnings);
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
        assert!(!v.warnings.iter().any(|w| w.contains("belongs to project")));

        old.push = Some(PushTarget::Prefix("gcr.io/other-project".into()));
        let v = rotate(&old, &s).unwrap();
        assert!(
            v.warnings
                .iter()
                .any(|w| w.contains("project `phib-test-123`") && w.contains("`other-project`")),
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
