//! Proves, before any image build runs, that the `customImage` credentials can log in to
//! the registry and push to the repository the builds will use, without pushing
//! anything: the Docker Registry HTTP API v2 lets a client ping (`GET /v2/`), log in
//! through the challenge it gets back (Basic, or a Bearer token from the token service)
//! and start a blob upload (`POST /v2/<path>/blobs/uploads/`), which it then cancels.
//! A token alone proves nothing (Docker Hub issues tokens without push rights); only
//! the upload does.
//!
//! Each failure is classified (name, connection, TLS, http/https mix-up, login, push
//! rights, missing repository) so that the message says what to fix.

pub mod challenge;
pub mod dockerconfig;
pub mod file;
pub mod hints;
mod net;
pub mod synced;
pub mod target;
pub mod tls;

use std::io::Write;
use std::time::Duration;

use crate::out::{check_line, Mark};
use crate::secret::Secret;
use crate::values::model::CustomImage;
use crate::{Error, Result};

use challenge::Challenge;
use net::{Auth, Client};
use target::{Scheme, Target, PROBE_REPO};

/// The login to check.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub username: String,
    pub password: Secret,
}

impl Credentials {
    /// The value of a Basic `Authorization` header.
    fn basic(&self) -> Secret {
        Secret::new(format!(
            "Basic {}",
            crate::secret::basic_auth(&self.username, self.password.expose())
        ))
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Start (and cancel) a blob upload to prove push rights.
    pub push_check: bool,
    /// Time limit for each request, connection included.
    pub timeout: Duration,
    /// The certificates the user trusts explicitly (`--ca-file`, `SSL_CERT_FILE`).
    pub trust: tls::Trust,
}

/// Runs every check, writing one line per step to `out`. The error names the first
/// check that failed and what to do about it.
pub fn verify(
    ci: &CustomImage,
    target: &Target,
    creds: &Credentials,
    opts: &Options,
    out: &mut dyn Write,
) -> Result<()> {
    let mut steps = Steps::new(out);
    let (client, base, answer) = ping(ci, target, opts, &mut steps)?;
    if base.starts_with("http://") && !ci.insecure_skip_verify {
        // buildah talks plain http only under insecureSkipVerify; without it the login
        // is not sent over plain http at all.
        let err = Error::failed(format!(
            "`registryEndpoint` says http://, but image builds (buildah) always try https first and use plain http only with `insecureSkipVerify`; builds pushing to `{}` will fail",
            target.host
        ))
        .with_help("set `insecureSkipVerify: true` (`phib render --insecure-skip-verify`); the login was not sent over plain http");
        return Err(steps.fail("image builds use plain http (`insecureSkipVerify`)", err));
    }
    let session = Session {
        client: &client,
        base: &base,
        // ping answers 200 (no login) or 401 with a challenge.
        challenge: answer.challenge.as_ref().filter(|_| answer.status == 401),
        creds,
        target,
    };
    let auth = login(&session, &mut steps)?;

    if opts.push_check {
        let Some(path) = &target.repo_path else {
            return Err(Error::bug("push check without a repository path"));
        };
        push_probe(&session, path, &auth, &mut steps)?;
    } else {
        steps.line(true, "push check skipped (`--no-push-check`)");
    }
    Ok(())
}

/// Writes the step lines: `ok    what`, `FAIL  what` (the error says why), or
/// `warn  what: why` for a problem that does not fail the check. One line per step:
/// the writer lays it out (`out::lines`: a long step goes on under its text).
struct Steps<'a> {
    out: &'a mut dyn Write,
    /// On a terminal, the line that says phib waits for the registry's next answer.
    waiting: Option<crate::out::Progress>,
}

impl<'a> Steps<'a> {
    fn new(out: &'a mut dyn Write) -> Steps<'a> {
        Steps {
            out,
            waiting: Some(crate::out::progress("waiting for the registry")),
        }
    }

    fn line(&mut self, ok: bool, text: &str) {
        self.mark(if ok { Mark::Ok } else { Mark::Fail }, text);
    }

    fn mark(&mut self, mark: Mark, text: &str) {
        // A closed stdout must not hide the verdict, which goes to stderr via the error.
        // The text names what the values file and the registry said: the writer is the
        // terminal gate's, which escapes their control characters.
        drop(self.waiting.take());
        let _ = writeln!(self.out, "{}", check_line(mark, text));
        let _ = self.out.flush();
        self.waiting = Some(crate::out::progress("waiting for the registry"));
    }

    /// Reports a failed step and passes its error on.
    fn fail(&mut self, what: &str, err: Error) -> Error {
        self.line(false, what);
        err
    }
}

/// Finds the registry: https (or http as the endpoint says, or as a fallback under
/// `insecureSkipVerify`, like buildah). Returns the client and the base URL that worked.
fn ping(
    ci: &CustomImage,
    target: &Target,
    opts: &Options,
    steps: &mut Steps,
) -> Result<(Client, String, net::Answer)> {
    let client = Client::new(ci.insecure_skip_verify, &opts.trust, opts.timeout)?;
    let schemes: &[&str] = if ci.insecure_skip_verify {
        &["https", "http"]
    } else if target.scheme == Scheme::Http {
        &["http"]
    } else {
        &["https"]
    };
    let mut first_err = None;
    for scheme in schemes {
        let base = format!("{scheme}://{}", target.host);
        let url = format!("{base}/v2/");
        match client.get(&url, &Auth::None) {
            Ok(answer)
                if answer.status == 200 || (answer.status == 401 && answer.challenge.is_some()) =>
            {
                let how = match (&answer.status, &answer.challenge) {
                    (200, _) => "open to anonymous requests".to_string(),
                    (_, Some(Challenge::Basic)) => "asks for Basic login".to_string(),
                    (_, Some(Challenge::Bearer { .. })) => "asks for a Bearer token".to_string(),
                    (_, Some(Challenge::Other(s))) => format!("asks for `{s}` login"),
                    (_, None) => unreachable!("a 401 without a challenge is refused above"),
                };
                let verified = if scheme == &"https" && ci.insecure_skip_verify {
                    ", certificate not verified (`insecureSkipVerify`)"
                } else {
                    ""
                };
                steps.line(
                    true,
                    &format!("reach the registry at {url} ({how}{verified})"),
                );
                return Ok((client, base, answer));
            }
            Ok(answer) => {
                let err = net::unexpected_ping(&answer, &url, target);
                return Err(steps.fail(&format!("reach the registry at {url}"), err));
            }
            Err(e) => {
                // Under insecureSkipVerify http is only the fallback: report the https
                // failure unless https found plain http there.
                // An `http://` endpoint: its own scheme's failure is the one to report.
                let keep_https = target.scheme != Scheme::Http
                    && first_err
                        .as_ref()
                        .is_some_and(|(_, first): &(String, Error)| {
                            !first.message.contains("plain http")
                        });
                if !keep_https {
                    first_err = Some((url, net::explain(e, target)));
                }
            }
        }
    }
    let (url, err) = first_err.expect("at least one scheme was tried");
    Err(steps.fail(&format!("reach the registry at {url}"), err))
}

/// Logs in as the challenge asks and proves the login with a second `GET /v2/`.
fn login(s: &Session, steps: &mut Steps) -> Result<Auth> {
    let (client, creds, target) = (s.client, s.creds, s.target);
    let ping_url = format!("{}/v2/", s.base);
    let who = format!("login as `{}`", creds.username);
    let refused = |status: u16, at: &str| {
        Error::failed(format!(
            "authentication failed: {at} refused username `{}` with this password or token (HTTP {status})",
            creds.username
        ))
        .with_help(hints::login_refused(&creds.username))
    };
    let auth = match s.challenge {
        None => {
            steps.line(
                true,
                "login not needed: the registry accepts anonymous requests",
            );
            return Ok(Auth::Header(creds.basic()));
        }
        Some(Challenge::Basic) => Auth::Header(creds.basic()),
        Some(Challenge::Bearer { realm, service, .. }) => {
            net::check_realm(s.base, realm, client.insecure).map_err(|e| steps.fail(&who, e))?;
            let scope = target
                .repo_path
                .as_ref()
                .map(|p| format!("repository:{p}:pull,push"));
            let token = net::fetch_token(
                client,
                realm,
                service.as_deref(),
                scope.as_deref(),
                creds,
                target,
            )
            .map_err(|e| match e {
                net::TokenError::Refused(status) => {
                    steps.fail(&who, refused(status, "the token service"))
                }
                net::TokenError::Other(err) => steps.fail(&who, err),
            })?;
            Auth::bearer(&token)
        }
        Some(Challenge::Other(scheme)) => {
            return Err(steps.fail(
                &who,
                Error::failed(format!(
                    "the registry asks for `{scheme}` login, which phib cannot check"
                )),
            ))
        }
    };
    let answer = client
        .get(&ping_url, &auth)
        .map_err(|e| steps.fail(&who, net::explain(e, target)))?;
    match answer.status {
        200 => {
            steps.line(true, &who);
            Ok(auth)
        }
        401 | 403 => Err(steps.fail(&who, refused(answer.status, "the registry"))),
        300..=399 => Err(steps.fail(
            &who,
            net::redirected(&format!("`{ping_url}`"), &ping_url, &answer),
        )),
        s => Err(steps.fail(
            &who,
            Error::failed(format!("`{ping_url}` answered HTTP {s} after login")),
        )),
    }
}

/// What the push probe needs to talk to the registry again.
struct Session<'a> {
    client: &'a Client,
    base: &'a str,
    challenge: Option<&'a Challenge>,
    creds: &'a Credentials,
    target: &'a Target,
}

/// Starts a blob upload and cancels it: the only proof of push rights.
fn push_probe(s: &Session, path: &str, auth: &Auth, steps: &mut Steps) -> Result<()> {
    let (client, base, creds, target) = (s.client, s.base, s.creds, s.target);
    let what = format!("push rights on `{path}` (start an upload)");
    let url = format!("{base}/v2/{path}/blobs/uploads/");
    let answer = client
        .post_empty(&url, auth)
        .map_err(|e| steps.fail(&what, net::explain(e, target)))?;
    let is_probe = path.ends_with(PROBE_REPO);
    match answer.status {
        202 => {}
        401 | 403 => {
            return Err(steps.fail(
                &what,
                Error::failed(format!(
                    "logged in as `{}`, but the registry refused a push to `{path}` (HTTP {}): no push rights",
                    creds.username, answer.status
                ))
                .with_help(hints::push_role(&target.auth_host)),
            ))
        }
        300..=399 => {
            return Err(steps.fail(
                &what,
                net::redirected(&format!("`POST {url}`"), &url, &answer),
            ))
        }
        404 if answer.body.contains("NAME_UNKNOWN") => {
            return Err(steps.fail(
                &what,
                Error::failed(format!(
                    "the repository `{path}` does not exist on `{}` (NAME_UNKNOWN)",
                    target.host
                ))
                .with_help(hints::create_repository(&target.auth_host, path, is_probe)),
            ))
        }
        status => {
            return Err(steps.fail(
                &what,
                Error::failed(format!(
                    "`POST {url}` answered HTTP {status}, not 202 (upload started)"
                )),
            ))
        }
    }
    steps.line(true, &what);
    cancel_upload(s, path, answer.location.as_deref(), auth, steps)
}

/// Cancels the probe's upload. A token scoped for pull and push may not cover `DELETE`
/// (distribution asks for the `delete` action): then one more token is asked for with
/// that action. If the registry still refuses, the credentials are fine all the same:
/// say so, and that the empty upload expires with the registry's upload purging.
/// The login goes only to the registry's own origin: an upload `Location` on another
/// scheme, host or port is cancelled without it (see [`cancel_foreign_upload`]).
fn cancel_upload(
    s: &Session,
    path: &str,
    location: Option<&str>,
    auth: &Auth,
    steps: &mut Steps,
) -> Result<()> {
    let what = "cancel the upload";
    let Some(location) = location else {
        return Err(steps.fail(
            what,
            Error::failed("the registry started an upload but sent no `Location` to cancel it"),
        ));
    };
    let cancel = net::resolve_location(s.base, location);
    if !net::same_origin(s.base, &cancel) {
        cancel_foreign_upload(s, path, &cancel, steps);
        return Ok(());
    }
    let mut answer = s
        .client
        .delete(&cancel, auth)
        .map_err(|e| steps.fail(what, net::explain(e, s.target)))?;
    if let (401 | 403, Some(Challenge::Bearer { realm, service, .. })) =
        (answer.status, s.challenge)
    {
        let scope = format!("repository:{path}:delete");
        if let Ok(token) = net::fetch_token(
            s.client,
            realm,
            service.as_deref(),
            Some(&scope),
            s.creds,
            s.target,
        ) {
            let auth = Auth::bearer(&token);
            answer = s
                .client
                .delete(&cancel, &auth)
                .map_err(|e| steps.fail(what, net::explain(e, s.target)))?;
        }
    }
    if (200..300).contains(&answer.status) {
        steps.line(true, "cancel the upload");
    } else {
        steps.mark(
            Mark::Warn,
            &format!(
                "cancel the upload: the registry refused (HTTP {}); push rights are proven, but an empty upload stays in `{path}` until the registry purges stale uploads",
                answer.status
            ),
        );
    }
    Ok(())
}

/// Cancels an upload whose `Location` names another origin than the registry, without
/// credentials: sending the login there would hand it to whoever answers. Push rights
/// are proven either way, so a refusal is only a warning.
fn cancel_foreign_upload(s: &Session, path: &str, url: &str, steps: &mut Steps) {
    let at = url
        .parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.authority().map(|a| a.to_string()))
        .unwrap_or_else(|| url.to_string());
    let why = match s.client.delete(url, &Auth::None) {
        Ok(answer) if (200..300).contains(&answer.status) => {
            steps.line(
                true,
                &format!("cancel the upload (at another host, `{at}`, without credentials)"),
            );
            return;
        }
        Ok(answer) => format!("HTTP {}", answer.status),
        Err(e) => net::explain(e, s.target).message,
    };
    steps.mark(
        Mark::Warn,
        &format!(
            "cancel the upload: it is at another host (`{at}`), which is not sent credentials, and it could not be cancelled without them ({why}); push rights are proven, but an empty upload may stay in `{path}` until the registry purges stale uploads"
        ),
    );
}
