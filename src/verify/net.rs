//! The HTTP side of verify: one ureq agent (rustls, the system's trust store, the
//! proxy from `HTTPS_PROXY`/`NO_PROXY`), requests whose `Authorization` stays a
//! [`Secret`], and the translation of transport failures into messages that say what
//! went wrong and what to do.

use std::time::Duration;

use serde::Deserialize;
use ureq::config::RedirectAuthHeaders;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{ConnectProxyConnector, Connector, TcpConnector};
use ureq::Agent;

use super::challenge::{self, Challenge};
use super::target::Target;
use super::tls::{TlsConnector, Trust};
use super::Credentials;
use crate::secret::Secret;
use crate::Error;

mod why;
pub use why::{explain, redirected, unexpected_ping};

/// Answers bodies are read up to this size (registry errors and tokens are small).
const BODY_LIMIT: u64 = 1024 * 1024;

/// How a request authenticates.
pub enum Auth {
    None,
    /// The whole `Authorization` value (`Basic …` or `Bearer …`).
    Header(Secret),
}

impl Auth {
    /// `Authorization: Bearer <token>`.
    pub fn bearer(token: &Secret) -> Auth {
        Auth::Header(Secret::new(format!("Bearer {}", token.expose())))
    }
}

/// What phib needs from an answer. No `Debug`: the body of a token answer is a secret.
#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub challenge: Option<Challenge>,
    pub location: Option<String>,
    pub body: String,
}

pub struct Client {
    agent: Agent,
    /// Certificate checks are off (`insecureSkipVerify`).
    pub insecure: bool,
}

impl Client {
    /// `insecure` turns certificate verification off (`insecureSkipVerify`). Proxies
    /// come from `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` with `NO_PROXY` (ureq reads them).
    /// Otherwise certificates are checked as [`super::tls`] says.
    pub fn new(insecure: bool, trust: &Trust, timeout: Duration) -> crate::Result<Client> {
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(RootCerts::PlatformVerifier)
            .disable_verification(insecure)
            .build();
        let config = Agent::config_builder()
            .http_status_as_error(false)
            // Each step of a request within the limit, so that a timeout says which
            // (no connection, or a connection and no answer); the whole call within
            // a few of them, for any step not named here.
            .timeout_resolve(Some(timeout))
            .timeout_connect(Some(timeout))
            .timeout_send_request(Some(timeout))
            .timeout_recv_response(Some(timeout))
            .timeout_recv_body(Some(timeout))
            .timeout_global(Some(timeout.saturating_mul(3)))
            .user_agent(concat!("phib/", env!("CARGO_PKG_VERSION")))
            // A redirect may lead anywhere: phib follows none (the caller reports where
            // it pointed), and would never send the login after one.
            .max_redirects(0)
            .redirect_auth_headers(RedirectAuthHeaders::Never)
            .tls_config(tls)
            .build();
        if insecure {
            return Ok(Client {
                agent: config.new_agent(),
                insecure,
            });
        }
        // ureq's own https connection with phib's certificate check in place of ureq's.
        let connector =
            ().chain(ConnectProxyConnector::default())
                .chain(TcpConnector::default())
                .chain(TlsConnector {
                    config: super::tls::client_config(trust)?,
                });
        let agent = Agent::with_parts(config, connector, DefaultResolver::default());
        Ok(Client { agent, insecure })
    }

    pub fn get(&self, url: &str, auth: &Auth) -> Result<Answer, ureq::Error> {
        answer(with_auth(self.agent.get(url), auth).call()?)
    }

    pub fn post_empty(&self, url: &str, auth: &Auth) -> Result<Answer, ureq::Error> {
        answer(with_auth(self.agent.post(url), auth).send_empty()?)
    }

    pub fn delete(&self, url: &str, auth: &Auth) -> Result<Answer, ureq::Error> {
        answer(with_auth(self.agent.delete(url), auth).call()?)
    }
}

/// Adds the `Authorization` header, the one place a login enters a request.
fn with_auth<B>(req: ureq::RequestBuilder<B>, auth: &Auth) -> ureq::RequestBuilder<B> {
    match auth {
        Auth::None => req,
        Auth::Header(v) => req.header("Authorization", v.expose()),
    }
}

fn answer(mut resp: ureq::http::Response<ureq::Body>) -> Result<Answer, ureq::Error> {
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let challenge = header("www-authenticate").and_then(|h| challenge::parse(&h));
    let location = header("location");
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(BODY_LIMIT)
        .read_to_string()
        .unwrap_or_default();
    Ok(Answer {
        status,
        challenge,
        location,
        body,
    })
}

/// The upload's `Location`, absolute or relative to the registry.
pub fn resolve_location(base: &str, location: &str) -> String {
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        location.to_string()
    } else if location.starts_with('/') {
        format!("{base}{location}")
    } else {
        format!("{base}/{location}")
    }
}

/// Whether `url` is on the registry's own origin (`base`: same scheme, host and port),
/// the only place the login may be sent to. A URL that does not parse is foreign.
pub fn same_origin(base: &str, url: &str) -> bool {
    match (origin(base), origin(url)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

fn origin(url: &str) -> Option<(String, String, u16)> {
    let uri: ureq::http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let host = uri.host()?.to_ascii_lowercase();
    let port = match (uri.port_u16(), scheme.as_str()) {
        (Some(port), _) => port,
        (None, "http") => 80,
        (None, "https") => 443,
        (None, _) => return None,
    };
    Some((scheme, host, port))
}

pub enum TokenError {
    /// The token service refused the login (HTTP status).
    Refused(u16),
    Other(Error),
}

#[derive(Deserialize)]
struct TokenAnswer {
    token: Option<String>,
    access_token: Option<String>,
}

/// Whether the login may go to the token service at `realm`, named by the registry
/// reached at `base`: an http(s) URL with a host and no user name in it, and plain http
/// only when the registry itself was reached over plain http (an https registry naming
/// an http realm is a downgrade: the login would cross the network in clear).
pub fn check_realm(base: &str, realm: &str, insecure: bool) -> Result<(), Error> {
    let shown = realm;
    let uri: Option<ureq::http::Uri> = realm.parse().ok();
    let scheme = uri
        .as_ref()
        .and_then(|u| u.scheme_str())
        .map(str::to_ascii_lowercase);
    let authority = uri.as_ref().and_then(|u| u.authority()).map(|a| a.as_str());
    let usable = matches!(scheme.as_deref(), Some("http" | "https"))
        && authority.is_some_and(|a| !a.is_empty() && !a.contains('@'));
    if !usable {
        return Err(Error::failed(format!(
            "the registry names a token service at `{shown}`, which is not an http(s) address phib can send a login to"
        ))
        .with_help("this is the registry's setup (its token `realm`); check it with the registry's administrator"));
    }
    let base_is_https = base.to_ascii_lowercase().starts_with("https://");
    if scheme.as_deref() == Some("http") && (base_is_https || !insecure) {
        return Err(Error::failed(format!(
            "the registry, reached over https, names a token service over plain http (`{shown}`): phib does not send the login there, where anyone on the way could read it"
        ))
        .with_help("configure the registry's token `realm` with an https address; the login was not sent"));
    }
    Ok(())
}

const TOKEN_SERVICE_ALREADY_INSECURE: &str = "the registry sends phib there to log in (its token `realm`); `insecureSkipVerify` is already set, so the token service's address is wrong (http vs https, host or port) or it is down: check the registry's token `realm` setting";

/// Asks the token service (`realm`) for a token with Basic login. The caller has
/// checked the realm with [`check_realm`].
pub fn fetch_token(
    client: &Client,
    realm: &str,
    service: Option<&str>,
    scope: Option<&str>,
    creds: &Credentials,
    target: &Target,
) -> Result<Secret, TokenError> {
    // Transport failures are about the token service's host, not the registry's.
    let token_target = Target {
        host: realm
            .parse::<ureq::http::Uri>()
            .ok()
            .and_then(|u| u.authority().map(|a| a.to_string()))
            .unwrap_or_else(|| target.host.clone()),
        scheme: if realm.to_ascii_lowercase().starts_with("http://") {
            super::target::Scheme::Http
        } else {
            super::target::Scheme::Https
        },
        ..target.clone()
    };
    let target = &token_target;
    let shown = realm;
    let mut req = client.agent.get(realm);
    if let Some(s) = service {
        req = req.query("service", s);
    }
    if let Some(s) = scope {
        req = req.query("scope", s);
    }
    req = with_auth(
        req.query("account", &creds.username),
        &Auth::Header(creds.basic()),
    );
    let about_token_service = |e: ureq::Error| {
        let err = explain(e, target);
        TokenError::Other(Error {
            message: format!("the token service at `{shown}`: {}", err.message),
            help: Some(match err.help {
                // Advice to set the flag that is already set would send the user in
                // circles: the token service itself is what is wrong.
                Some(h) if client.insecure && h.contains("insecureSkipVerify") => {
                    TOKEN_SERVICE_ALREADY_INSECURE.to_string()
                }
                Some(h) => format!(
                    "the registry sends phib there to log in (its token `realm`); {h}"
                ),
                None => "the registry sends phib there to log in (its token `realm`); check that address".into(),
            }),
            ..err
        })
    };
    let resp = req.call().map_err(about_token_service)?;
    let answer = answer(resp).map_err(about_token_service)?;
    match answer.status {
        200 => {}
        401 | 403 => return Err(TokenError::Refused(answer.status)),
        300..=399 => {
            return Err(TokenError::Other(redirected(
                &format!("the token service at `{shown}`"),
                realm,
                &answer,
            )))
        }
        s => {
            return Err(TokenError::Other(Error::failed(format!(
                "the token service at `{shown}` answered HTTP {s}"
            ))))
        }
    }
    let parsed: TokenAnswer = serde_json::from_str(&answer.body).map_err(|_| {
        TokenError::Other(Error::failed(format!(
            "the token service at `{shown}` sent no JSON token"
        )))
    })?;
    parsed
        .token
        .or(parsed.access_token)
        .filter(|t| !t.is_empty())
        .map(Secret::new)
        .ok_or_else(|| {
            TokenError::Other(Error::failed(format!(
                "the token service at `{shown}` answered without `token` or `access_token`"
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::target::Scheme;

    fn target(scheme: Scheme) -> Target {
        Target {
            host: "reg.example:5000".into(),
            auth_host: "reg.example:5000".into(),
            scheme,
            repo_path: None,
        }
    }

    #[test]
    fn locations() {
        let base = "https://r:1";
        assert_eq!(
            resolve_location(base, "/v2/a/blobs/uploads/u?_state=x"),
            "https://r:1/v2/a/blobs/uploads/u?_state=x"
        );
        assert_eq!(
            resolve_location(base, "http://other/v2/a/blobs/uploads/u"),
            "http://other/v2/a/blobs/uploads/u"
        );
        assert_eq!(resolve_location(base, "v2/x"), "https://r:1/v2/x");
    }

    #[test]
    fn only_the_registry_origin_is_the_same() {
        let base = "https://r.example.com";
        assert!(same_origin(
            base,
            "https://R.example.com:443/v2/a/blobs/uploads/u"
        ));
        assert!(same_origin(
            base,
            &resolve_location(base, "/v2/a/blobs/uploads/u")
        ));
        assert!(same_origin(
            "http://127.0.0.1:5000",
            "http://127.0.0.1:5000/x"
        ));
        for other in [
            "http://r.example.com/v2/x",
            "https://r.example.com:8443/v2/x",
            "https://other.example.com/v2/x",
            "https://r.example.com.evil/v2/x",
            "https://r.example.com@evil/v2/x",
            "http://127.0.0.3:5000/upload/abc",
            "not a url",
        ] {
            assert!(!same_origin(base, other), "{other}");
        }
        assert!(!same_origin(
            "http://127.0.0.1:5000",
            "http://127.0.0.3:5000/x"
        ));
    }

    #[test]
    fn classifies_transport_failures() {
        use std::io::{Error as IoError, ErrorKind as K};
        let t = target(Scheme::Https);
        let cases: Vec<(ureq::Error, &str, &str)> = vec![
            (ureq::Error::HostNotFound, "does not resolve", "DNS"),
            (
                ureq::Error::Io(IoError::other(
                    "failed to lookup address information: Name or service not known",
                )),
                "does not resolve",
                "typos",
            ),
            (
                ureq::Error::Io(IoError::from(K::ConnectionRefused)),
                "cannot connect",
                "running",
            ),
            (
                ureq::Error::Io(IoError::new(K::TimedOut, "t")),
                "timed out",
                "registry",
            ),
            (
                ureq::Error::Io(IoError::new(
                    K::InvalidData,
                    "invalid peer certificate: UnknownIssuer",
                )),
                "TLS failure",
                "insecureSkipVerify: true",
            ),
            (
                ureq::Error::Io(IoError::new(
                    K::InvalidData,
                    "received corrupt message of type InvalidContentType",
                )),
                "plain http",
                "insecure-skip-verify",
            ),
        ];
        for (err, msg, help) in cases {
            let e = explain(err, &t);
            assert!(e.message.contains(msg), "{} / {msg}", e.message);
            assert!(
                e.help.as_deref().unwrap_or("").contains(help),
                "{:?}",
                e.help
            );
            assert_eq!(e.exit_code(), 1);
        }
    }
}
