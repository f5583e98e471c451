//! What a failed request to the registry means, in words: a redirect, an unexpected
//! answer to the first `GET /v2/`, and the transport's errors (name resolution, the
//! connection, a proxy, TLS, a time limit), each with what to do.

use super::{origin, resolve_location, Answer, Target};
use crate::verify::target::Scheme;
use crate::Error;

/// A redirect (3xx) from `what` at `url`: phib follows none, so that the login goes only
/// where `registryEndpoint` points; the error names where the redirect led.
pub fn redirected(what: &str, url: &str, answer: &Answer) -> Error {
    let to = answer
        .location
        .as_deref()
        .filter(|l| !l.is_empty())
        .map(|l| resolve_location(&origin_of(url), l));
    let Some(to) = to else {
        return Error::failed(format!(
            "{what} answered HTTP {} (a redirect) without saying where to",
            answer.status
        ))
        .with_help("check the host and port in `registryEndpoint`");
    };
    let shown = to.as_str();
    let elsewhere = match (origin(url), origin(&to)) {
        (Some((_, a, ap)), Some((scheme, b, bp))) if a != b || ap != bp => {
            Some(format!("{b}:{bp} ({scheme})"))
        }
        _ => None,
    };
    let help = match (&elsewhere, origin(&to)) {
        (Some(other), _) => format!(
            "the redirect leads to another host, `{other}`; phib follows no redirect, so that the login goes only to `registryEndpoint`: if the registry really lives there, set `registryEndpoint` to it (`phib render --endpoint ...`)"
        ),
        (None, Some((scheme, _, _))) if scheme == "https" && url.starts_with("http://") => {
            "the registry redirects plain http to https: write `registryEndpoint` with https://".to_string()
        }
        _ => "check the path in `registryEndpoint` (a registry answers at `/v2/`); phib follows no redirect".to_string(),
    };
    Error::failed(format!(
        "{what} redirects (HTTP {}) to `{shown}`",
        answer.status
    ))
    .with_help(help)
}

/// `scheme://authority` of `url` (for resolving a relative `Location`).
fn origin_of(url: &str) -> String {
    match url.parse::<ureq::http::Uri>() {
        Ok(u) => format!(
            "{}://{}",
            u.scheme_str().unwrap_or("https"),
            u.authority().map(|a| a.as_str()).unwrap_or("")
        ),
        Err(_) => url.to_string(),
    }
}

/// An answer to `GET /v2/` that is neither 200 nor 401 with a challenge.
pub fn unexpected_ping(answer: &Answer, url: &str, target: &Target) -> Error {
    if answer.status == 400 && answer.body.contains("HTTPS server") {
        return https_where_http(target);
    }
    if (300..400).contains(&answer.status) {
        return redirected(&format!("`{url}`"), url, answer);
    }
    if answer.status == 401 {
        return Error::failed(format!(
            "`{url}` answered 401 without a `WWW-Authenticate` header that names a login: this does not look like a container registry"
        ))
        .with_help("check the host and port in `registryEndpoint`");
    }
    Error::failed(format!(
        "`{url}` answered HTTP {}, not 200 or 401: this does not look like a container registry (Docker Registry API v2)",
        answer.status
    ))
    .with_help("check the host and port in `registryEndpoint`")
}

fn https_where_http(target: &Target) -> Error {
    Error::failed(format!(
        "`{}` speaks https, but phib talked plain http to it because `registryEndpoint` says http://",
        target.host
    ))
    .with_help(format!(
        "write the endpoint as `https://{}` (add `insecureSkipVerify: true` if its certificate is self-signed)",
        target.host
    ))
}

/// Turns a transport failure into a message that names the cause and the fix.
pub fn explain(err: ureq::Error, target: &Target) -> Error {
    let host = &target.host;
    let proxy_note = "; if this machine needs a proxy, set `HTTPS_PROXY` (and `NO_PROXY` for hosts to reach directly)";
    let cannot_connect = |why: &str| {
        match proxy_for(host) {
        Some(proxy) => Error::failed(format!(
            "cannot connect to `{host}` through the proxy `{proxy}`: {why}"
        ))
        .with_help(
            "check that the proxy is up and lets this host through, or list the registry in `NO_PROXY` to reach it directly",
        ),
        None => Error::failed(format!("cannot connect to `{host}`: {why}")).with_help(format!(
            "check that the registry is running and that the host and port in `registryEndpoint` are right{proxy_note}"
        )),
    }
    };
    let not_resolved = || {
        let name = host
            .rsplit_once(':')
            .map_or(host.as_str(), |(name, _)| name);
        Error::failed(format!("the registry host name `{name}` does not resolve")).with_help(
            format!("check `registryEndpoint` for typos, and this machine's DNS{proxy_note}"),
        )
    };
    match err {
        ureq::Error::HostNotFound => not_resolved(),
        ureq::Error::Timeout(ureq::Timeout::Resolve | ureq::Timeout::Connect) => cannot_connect("timed out")
            .with_help(format!("check that the registry is reachable from here (a firewall may drop the traffic), or raise `--timeout`{proxy_note}")),
        ureq::Error::Timeout(_) => Error::failed(format!(
            "`{host}` took the connection but sent no whole answer within the time limit"
        ))
        .with_help(format!("the registry, or a proxy or load balancer in front of it, is stuck or very slow: check its health, or raise `--timeout`{proxy_note}")),
        ureq::Error::ConnectionFailed => cannot_connect("the connection failed"),
        ureq::Error::ConnectProxyFailed(why) => Error::failed(format!(
            "cannot connect to `{host}` through the proxy: {why}"
        ))
        .with_help("check `HTTPS_PROXY` and `NO_PROXY`"),
        ureq::Error::Tls(why) => tls_failure(host, why),
        ureq::Error::Io(io) => explain_io(&io, target, &cannot_connect, &not_resolved),
        other => Error::failed(format!("the request to `{host}` failed: {other}")),
    }
}

/// The proxy (`host:port` only: its URL may hold credentials) that requests to `host`
/// go through, as ureq reads `ALL_PROXY`/`HTTPS_PROXY`/`HTTP_PROXY` and `NO_PROXY`.
fn proxy_for(host: &str) -> Option<String> {
    let proxy = ureq::Proxy::try_from_env()?;
    let uri: ureq::http::Uri = format!("https://{host}/").parse().ok()?;
    if proxy.is_no_proxy(&uri) {
        return None;
    }
    Some(format!("{}:{}", proxy.host(), proxy.port()))
}

fn explain_io(
    io: &std::io::Error,
    target: &Target,
    cannot_connect: &dyn Fn(&str) -> Error,
    not_resolved: &dyn Fn() -> Error,
) -> Error {
    use std::io::ErrorKind as K;
    let text = io.to_string();
    match io.kind() {
        K::ConnectionRefused => return cannot_connect("connection refused"),
        K::TimedOut => return cannot_connect("timed out"),
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof
            if target.scheme == Scheme::Http =>
        {
            // An https server closes on a plain http request that it cannot answer.
            return cannot_connect(&format!(
                "{text} (if the registry speaks https, drop the http:// from `registryEndpoint`)"
            ));
        }
        K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof => {
            return cannot_connect(&text)
        }
        _ => {}
    }
    if text.contains("lookup address") || text.contains("Name or service not known") {
        return not_resolved();
    }
    if text.contains("corrupt message") || text.contains("InvalidContentType") {
        return Error::failed(format!(
            "`{}` answered in plain http where https was expected",
            target.host
        ))
        .with_help(
            "for a plain-http registry set `insecureSkipVerify: true` (`phib render --insecure-skip-verify`): image builds then fall back to http",
        );
    }
    if text.contains("certificate") || text.contains("peer") || text.contains("handshake") {
        return tls_failure(&target.host, &text);
    }
    cannot_connect(&text)
}

fn tls_failure(host: &str, why: &str) -> Error {
    let untrusted = why.contains("UnknownIssuer")
        || why.contains("CaUsedAsEndEntity")
        || why.contains("self-signed")
        || why.contains("self signed")
        || why.contains("BadSignature");
    let help = if untrusted {
        "the registry's certificate is self-signed or from a private CA. To check it here, trust it explicitly: `phib verify --ca-file CERT.pem` (the registry's certificate or its CA; `SSL_CERT_FILE` works too). The image build pods do not trust it either: set `insecureSkipVerify: true` (`phib render --insecure-skip-verify`), or use a build image (`customImage.buildJob.image`) that trusts that CA"
    } else if why.contains("NotValidForName") || why.contains("Expired") {
        "the registry's certificate does not match its name or has expired: fix the certificate, or set `insecureSkipVerify: true` (`phib render --insecure-skip-verify`)"
    } else {
        "check the registry's TLS setup; for a self-signed certificate set `insecureSkipVerify: true` (`phib render --insecure-skip-verify`)"
    };
    Error::failed(format!("TLS failure talking to `{host}`: {why}")).with_help(help)
}
