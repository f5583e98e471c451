//! Google Artifact Registry: `https://LOCATION-docker.pkg.dev`, images
//! `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE`, a service-account keyfile with
//! the Artifact Registry Writer role. The repository must exist before a push.

use std::ops::RangeInclusive;

use super::parts::{self, no_warnings};
use super::{Answers, Credentials, Field, FieldId, Invalid, Outcome, PushTarget, Seen, Spec};

/// The role Google's registries need for a push (Container Registry hosts are backed by
/// Artifact Registry too).
pub const WRITER_ROLE: &str = "grant the service account the Artifact Registry Writer role (`roles/artifactregistry.writer`) on the repository or project";

pub const SPEC: Spec = Spec {
    name: "artifact-registry",
    title: "Google Artifact Registry",
    description:
        "Google Artifact Registry (LOCATION-docker.pkg.dev), with a service-account keyfile",
    list_label: Some("Google Artifact Registry (LOCATION-docker.pkg.dev) with a keyfile"),
    fields: &FIELDS,
    credentials: Credentials::JsonKey,
    endpoint: |s| {
        Some(format!(
            "https://{}-docker.pkg.dev",
            s.text(FieldId::Location)?
        ))
    },
    default_push_secret_name: None,
    recognise: |seen: &Seen| location_of(&seen.host).is_some(),
    push_role: WRITER_ROLE,
    create_repository: |host, path, _| {
        let location = location_of(host).unwrap_or("LOCATION");
        let repo = path.split('/').nth(1).unwrap_or("REPOSITORY");
        Some(format!(
            "create the Artifact Registry repository first: `gcloud artifacts repositories create {repo} --repository-format=docker --location={location}`"
        ))
    },
    check,
    warnings: no_warnings,
};

/// The location of an Artifact Registry host (`LOCATION-docker.pkg.dev`).
pub fn location_of(host: &str) -> Option<&str> {
    host.strip_suffix("-docker.pkg.dev").filter(|l| !l.is_empty())
}

const FIELDS: [Field; 5] = [
    parts::keyfile(),
    Field {
        id: FieldId::Location,
        prompt: "Repository location",
        hint: "the region of the repository, e.g. `us-central1`, `europe-west1` or `us`: Google Cloud console > Artifact Registry > Repositories",
        required: true,
        advanced: false,
        default: None,
        validate: location,
    },
    Field {
        id: FieldId::Project,
        prompt: "Google Cloud project ID",
        hint: "defaults to the keyfile's `project_id`",
        required: true,
        advanced: false,
        default: Some(|s| s.keyfile().map(|k| k.project_id().to_string())),
        validate: project,
    },
    Field {
        id: FieldId::Repository,
        prompt: "Artifact Registry repository (format Docker)",
        hint: "it must exist: Artifact Registry > Repositories > Create repository; grant the service account Artifact Registry Writer on it",
        required: true,
        advanced: false,
        default: None,
        validate: repository,
    },
    parts::prefix(
        "`LOCATION-docker.pkg.dev/PROJECT/REPOSITORY`; images go to .../REPOSITORY/<image>",
        Some(|s: &Answers| {
            Some(format!(
                "{}-docker.pkg.dev/{}/{}",
                s.text(FieldId::Location)?,
                s.text_or_default(FieldId::Project)?,
                s.text(FieldId::Repository)?
            ))
        }),
    ),
];

/// A Google Cloud location: a multi-region (`us`, `europe`, `asia`) or a region
/// (`us-central1`, `northamerica-northeast1`): letters, then a `-`, letters and the
/// zone number. `us-central-1` is the AWS way of writing it.
fn location(value: &str) -> Result<(), Invalid> {
    let letters = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
    let parts: Vec<&str> = value.split('-').collect();
    let ok = match parts[..] {
        [area] => letters(area),
        [area, place] => {
            let name = place.trim_end_matches(|c: char| c.is_ascii_digit());
            letters(area) && letters(name) && name.len() < place.len()
        }
        _ => false,
    };
    if ok {
        return Ok(());
    }
    // `us-central-1`: the number belongs to the name, without a dash.
    if let [area, place, number] = parts[..] {
        if letters(area) && letters(place) && !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Invalid::new(
                "is not a Google Cloud location: they have no `-` before the number",
                format!("write `{area}-{place}{number}`"),
            ));
        }
    }
    Err(Invalid::new(
        "is not a Google Cloud location",
        "use the location shown for the repository, e.g. `us-central1` or `europe`",
    ))
}

/// A Google Cloud project ID (6-30 lower-case letters, digits, `-`; `domain:id` for old
/// domain-scoped projects is not usable in image names).
pub fn project(value: &str) -> Result<(), Invalid> {
    if google_id(value, 6..=30) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not a Google Cloud project ID",
            "use the project ID (not its name or number), e.g. `my-project-123`",
        ))
    }
}

fn repository(value: &str) -> Result<(), Invalid> {
    if google_id(value, 1..=63) {
        Ok(())
    } else {
        Err(Invalid::new(
            "is not an Artifact Registry repository name",
            "use lower-case letters, digits and `-`, as shown under Artifact Registry > Repositories",
        ))
    }
}

/// Google Cloud's rule for project IDs and repository names: `len` characters, a
/// lower-case letter first, then lower-case letters, digits and `-`, not ending in `-`.
fn google_id(value: &str, len: RangeInclusive<usize>) -> bool {
    len.contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && lower_digits_dashes(value)
}

/// Only lower-case letters, digits and `-`, and no `-` at the end.
fn lower_digits_dashes(value: &str) -> bool {
    value
        .bytes()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !value.ends_with('-')
}

/// Images live at `HOST/PROJECT/REPOSITORY/IMAGE`.
fn check(o: &Outcome) -> Result<(), (FieldId, Invalid)> {
    let (value, min) = match o.push {
        PushTarget::Prefix(p) => (p, 3),
        PushTarget::Repo(r) => (r, 4),
    };
    if value.split('/').count() < min {
        return Err((
            o.push.field(),
            Invalid::new(
                format!("`{value}` is too short for Artifact Registry, whose images are `LOCATION-docker.pkg.dev/PROJECT/REPOSITORY/IMAGE`"),
                "include the project and the repository, or leave the option out to use the default",
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_google_cloud_rules() {
        for ok in ["us-central1", "europe", "us", "a"] {
            assert!(location(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-us", "us-", "US", "us_east1", "us.east1"] {
            assert!(location(bad).is_err(), "{bad:?}");
        }
        for ok in ["my-project-123", "abcdef", &"a".repeat(30)] {
            assert!(project(ok).is_ok(), "{ok}");
        }
        for bad in [
            "abcde",
            &"a".repeat(31),
            "1project",
            "project-",
            "My-project",
            "example.com:p1",
        ] {
            assert!(project(bad).is_err(), "{bad:?}");
        }
        for ok in ["a", "images", "team-1", &"r".repeat(63)] {
            assert!(repository(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            &"r".repeat(64),
            "1images",
            "-images",
            "images-",
            "Images",
            "im_ages",
        ] {
            assert!(repository(bad).is_err(), "{bad:?}");
        }
    }
}
