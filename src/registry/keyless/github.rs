//! GitHub: ESO's `GithubAccessToken` generator mints GitHub App installation tokens
//! (one hour; login `x-access-token` and the token). ghcr.io refuses those tokens for
//! container pushes: GitHub Apps have no permission for organisation packages, and a
//! push fails with "installation not allowed to Write organization package". So phib
//! does not offer a generator for ghcr; the manifests below stay ready for a registry
//! that accepts installation tokens, and the grant is the one GitHub does honour: a
//! classic personal access token, kept in a central store.

use super::{GeneratedLogin, Generator, Grant, Refusal};

pub const GENERATOR: Generator = Generator {
    kind: "GithubAccessToken",
    lifetime_secs: 3600,
    login: GeneratedLogin::Token {
        username: "x-access-token",
        key: "token",
    },
    sample: &[("token", "ghs_16C7e42F292c6912E7710c838347Ae178B4a")],
    docs: "docs/keyless/github.md",
};

pub const REFUSAL: Refusal = Refusal {
    reason: "ghcr.io does not accept GitHub App installation tokens (what the External Secrets Operator's GithubAccessToken generator mints) for pushes: GitHub Apps get no write permission on organisation packages",
    alternative: "keep a classic personal access token with `write:packages` in your secret store and copy it into each cluster with `--from-store KIND/NAME --remote-key KEY --username USER` (rotate it once, in the store; see docs/keyless/github.md), or use `--secret-mode external` with the token",
};

/// What GitHub grants: the token's scopes, for the one owner phib pushes under.
pub fn grant(owner: &str) -> Grant {
    Grant {
        inputs: Vec::new(),
        commands: vec![
            format!("# a classic personal access token of a user (or machine user) with push rights on the `{owner}` packages:"),
            "#   scopes: write:packages (includes read:packages, which pulls); nothing else".into(),
            "#   create it at https://github.com/settings/tokens/new?scopes=write:packages&description=primehub-image-builder".into(),
            format!("# on an existing package, give that user the Write role: https://github.com/orgs/{owner}/packages (package settings, Manage access)"),
        ],
    }
}
