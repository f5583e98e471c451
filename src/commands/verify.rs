//! `phib verify`: reads the `customImage` block of a values file, finds the credentials
//! (in the values, or in the external push Secret through `kubectl`), and runs the
//! registry checks of [`crate::verify`], one line per step on standard output.

use std::path::Path;
use std::time::Duration;

use crate::registry::check;
use crate::values::model::CustomImage;
use crate::verify::target::Target;
use crate::verify::{self, dockerconfig, Credentials, Options};
use crate::{Error, Result};

/// The flags of `phib verify`, as plain values.
pub struct Args<'a> {
    pub values: &'a Path,
    pub push_check: bool,
    pub timeout_secs: u64,
    pub namespace: &'a str,
    /// `--secret-file`: a Secret manifest holding the credentials.
    pub secret_file: Option<&'a Path>,
}

pub fn run(args: &Args) -> Result<()> {
    if let Ok(Some(file)) = crate::values::read::read(args.values) {
        super::chart_version::warn_if_broken(&file.doc, None, Some(args.namespace));
    }
    run_to(args, &mut std::io::stdout().lock())
}

/// [`run`], with the step lines written to `out` (the wizard shows them on its
/// terminal, standard error).
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
    if args.timeout_secs == 0 {
        return Err(Error::usage("`--timeout` must be at least 1 second"));
    }
    let creds = credentials(&ci, &target, args, out)?;
    let opts = Options {
        push_check: args.push_check,
        timeout: Duration::from_secs(args.timeout_secs),
    };
    verify::verify(&ci, &target, &creds, &opts, out)
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
    let Ok(kubectl) = which::which("kubectl") else {
        return Err(Error::failed(format!(
            "cannot check the credentials: they are in the Secret `{secret}` (namespace `{}`), and `kubectl` is not installed to read it; neither the login nor the push rights were checked",
            args.namespace
        ))
        .with_help("run `phib verify` where `kubectl` can read that Secret"));
    };
    let creds = dockerconfig::from_kubectl(&kubectl, secret, args.namespace, &target.auth_host)?;
    let _ = writeln!(
        out,
        "ok    credentials for `{}` from Secret `{secret}` (namespace `{}`)",
        target.auth_host, args.namespace
    );
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
    let text = std::fs::read_to_string(file).map_err(|e| Error::input_io(file, e))?;
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
    let _ = writeln!(
        out,
        "ok    credentials for `{}` from Secret `{name}` in `{}`",
        target.auth_host,
        file.display()
    );
    Ok(creds)
}
