//! `phib verify` and the wizard's check after writing: reads the `customImage` block of a
//! values file, finds the credentials (in the values, in a Secret manifest file, or in
//! the external push Secret through `kubectl`), and runs the registry checks of
//! [`crate::verify`], one line per step.

use std::path::Path;
use std::time::Duration;

use super::target::Target;
use super::tls::Trust;
use super::{dockerconfig, Credentials, Options};
use crate::out::{check_line, Mark};
use crate::pushsecret::PushSecret;
use crate::registry::check;
use crate::values::model::CustomImage;
use crate::{Error, Result};

/// The longest `--timeout`: a day. Longer makes no sense for one request, and a time
/// this far ahead must still be computable from the clock.
pub const MAX_TIMEOUT_SECS: u64 = 24 * 60 * 60;

/// The flags of `phib verify`, as plain values.
pub struct Args<'a> {
    pub values: &'a Path,
    pub push_check: bool,
    pub timeout_secs: u64,
    pub namespace: &'a str,
    /// `--secret-file`: a Secret manifest holding the credentials.
    pub secret_file: Option<&'a Path>,
    /// The login phib holds for the Secret `pushSecretName` names (the wizard's check of
    /// a login it sealed, which nobody but the controller can read back).
    pub held: Option<&'a PushSecret>,
    /// `--ca-file`: more certificates to trust.
    pub ca_file: Option<&'a Path>,
}

/// Verifies what the values file says, with the step lines written to `out` (standard
/// output for `phib verify`; the wizard shows them on its terminal, standard error).
pub fn run_to(args: &Args, out: &mut dyn std::io::Write) -> Result<()> {
    let ci = read_block(args.values)?;
    let target = Target::from_block(&ci)?;
    if args.push_check && target.repo_path.is_none() {
        return Err(Error::usage(format!(
            "`customImage` in `{}` has neither `pushRepo` nor `pushRepoPrefix`: there is no repository to check push rights on",
            args.values.display()
        ))
        .with_help("set one with `phib render` (`--push-repo` or `--push-repo-prefix`), or check only the login with `--no-push-check`"));
    }
    if !(1..=MAX_TIMEOUT_SECS).contains(&args.timeout_secs) {
        return Err(Error::usage(format!(
            "`--timeout` must be between 1 and {MAX_TIMEOUT_SECS} seconds, not {}",
            args.timeout_secs
        ))
        .with_help("each request of the check gets this long; 30 is plenty for a slow registry"));
    }
    let trust = Trust::load(args.ca_file)?;
    let creds = credentials(&ci, &target, args, out)?;
    let opts = Options {
        push_check: args.push_check,
        timeout: Duration::from_secs(args.timeout_secs),
        trust,
    };
    super::verify(&ci, &target, &creds, &opts, out)
}

fn read_block(path: &Path) -> Result<CustomImage> {
    let create_help = format!(
        "create it with `phib render --registry KIND ... --values {}` (or `phib wizard`)",
        path.display()
    );
    let Some(file) = crate::values::read::read(path)? else {
        return Err(
            Error::usage(format!("`{}` does not exist", path.display())).with_help(create_help)
        );
    };
    CustomImage::from_values(&file.doc)?.ok_or_else(|| {
        Error::usage(format!(
            "`{}` has no configured `customImage` block (no `registryEndpoint`)",
            path.display()
        ))
        .with_help(create_help)
    })
}

/// The credentials in the values, or else those of the external push Secret.
fn credentials(
    ci: &CustomImage,
    target: &Target,
    args: &Args,
    out: &mut dyn std::io::Write,
) -> Result<Credentials> {
    if let Some(file) = args.secret_file {
        return from_secret_file(file, ci, target, out);
    }
    if let Some(secret) = args.held {
        return from_held(secret, ci, target, out);
    }
    match (&ci.registry_username, &ci.registry_password) {
        (Some(username), Some(password)) => {
            // The same rule as for a username given to `phib render`.
            check::username(username).map_err(|e| {
                Error::usage(format!(
                    "`customImage.registryUsername` in `{}` {}",
                    args.values.display(),
                    e.reason
                ))
                .with_help(format!(
                    "{}; re-enter it with `phib render --rotate`",
                    e.help
                ))
            })?;
            return Ok(Credentials {
                username: username.clone(),
                password: password.clone(),
            });
        }
        (Some(_), None) | (None, Some(_)) => {
            let missing = if ci.registry_username.is_none() {
                "registryUsername"
            } else {
                "registryPassword"
            };
            return Err(Error::usage(format!(
                "`customImage.{missing}` is missing in `{}`",
                args.values.display()
            ))
            .with_help("set both username and password with `phib render --rotate`, or neither when `pushSecretName` names a Secret you manage"));
        }
        (None, None) => {}
    }
    let Some(secret) = &ci.push_secret_name else {
        return Err(Error::usage(format!(
            "`customImage` in `{}` has no credentials and no `pushSecretName`",
            args.values.display()
        ))
        .with_help("set the credentials with `phib render`"));
    };
    let Ok(kubectl) = crate::runner::find(crate::runner::Tool::Kubectl) else {
        return Err(Error::failed(format!(
            "cannot check the credentials: they are in the Secret `{secret}` (namespace `{}`), and `kubectl` is not installed to read it; neither the login nor the push rights were checked",
            args.namespace
        ))
        .with_help("run `phib verify` where `kubectl` can read that Secret"));
    };
    let reading = crate::out::progress(&format!("reading the Secret `{secret}` with kubectl"));
    let creds = dockerconfig::from_kubectl(&kubectl, secret, args.namespace, &target.auth_host);
    drop(reading);
    let creds = creds?;
    let line = format!(
        "credentials for `{}` from Secret `{secret}` (namespace `{}`)",
        target.auth_host, args.namespace
    );
    let _ = writeln!(out, "{}", check_line(Mark::Ok, &line));
    Ok(creds)
}

/// The login phib holds for the push Secret, picked from its `.dockerconfigjson` as from
/// a Secret read back: the same key rule buildah follows, the same name check.
fn from_held(
    secret: &PushSecret,
    ci: &CustomImage,
    target: &Target,
    out: &mut dyn std::io::Write,
) -> Result<Credentials> {
    if ci.push_secret_name.as_deref() != Some(secret.name.as_str()) {
        return Err(Error::bug(format!(
            "the login sealed for `{}` is not the Secret `pushSecretName` names",
            secret.name
        )));
    }
    let json = secret.dockerconfigjson();
    let source = format!("the login sealed into `{}`", secret.name);
    let creds = dockerconfig::pick(json.expose().as_bytes(), &target.auth_host, &source)?;
    let line = format!(
        "credentials for `{}` from the login sealed into Secret `{}` (as phib sealed it)",
        target.auth_host, secret.name
    );
    let _ = writeln!(out, "{}", check_line(Mark::Ok, &line));
    Ok(creds)
}

/// The credentials in a Secret manifest file; its name must be the `pushSecretName` the
/// builds will mount, or the check would prove a login the builds do not use.
fn from_secret_file(
    file: &Path,
    ci: &CustomImage,
    target: &Target,
    out: &mut dyn std::io::Write,
) -> Result<Credentials> {
    use crate::files::read::{self, Kind};
    let text = read::utf8(read::read_existing(file, Kind::SecretManifest)?.bytes, file)?;
    let source = format!("`{}`", file.display());
    let (name, creds) = dockerconfig::from_manifest(&text, &target.auth_host, &source)?;
    match &ci.push_secret_name {
        Some(wanted) if *wanted == name => {}
        wanted => {
            let wanted = wanted.as_deref().unwrap_or("(the chart's own secret)");
            return Err(Error::usage(format!(
                "the Secret in `{}` is named `{name}`, but `customImage.pushSecretName` is `{wanted}`: image builds would not use it",
                file.display()
            ))
            .with_help("write both with the same `phib render --secret-mode external --secret-name NAME`"));
        }
    }
    let line = format!(
        "credentials for `{}` from Secret `{name}` in `{}`",
        target.auth_host,
        file.display()
    );
    let _ = writeln!(out, "{}", check_line(Mark::Ok, &line));
    Ok(creds)
}
