//! The validators every registry shares: the one rule of every option (no control
//! characters), endpoint syntax, the push repository grammar, buildah's auth-key
//! normalisation, user names, secret, ServiceAccount and release names. Each returns
//! an [`Invalid`] (reason + fix) and never echoes a secret, so the same function serves
//! a flag, an environment variable and a wizard prompt.

use super::Invalid;

/// buildah (containers/image) normalises an auth-file key before comparing it with the
/// registry of an image: strip `http://` or `https://`, then, only when a scheme was
/// stripped, everything from the first `/`; `docker.io` and `registry-1.docker.io` are
/// `index.docker.io`. Nothing else changes: no lowercasing, no default port.
pub fn normalize_auth_key(key: &str) -> String {
    let stripped = key
        .strip_prefix("http://")
        .or_else(|| key.strip_prefix("https://"));
    let host = match stripped {
        Some(rest) => rest.split('/').next().unwrap_or(rest),
        None => key,
    };
    normalize_registry(host).to_string()
}

/// The registry part of an image reference, as buildah compares it with auth keys.
pub fn normalize_registry(host: &str) -> &str {
    if is_docker_hub(host) {
        DOCKER_HUB_AUTH_KEY
    } else {
        host
    }
}

/// Docker Hub as image references name it, and the registry of a reference that names
/// none.
pub const DOCKER_HUB: &str = "docker.io";
/// Docker Hub as an auth file names it: the key docker and buildah write and look up.
pub const DOCKER_HUB_AUTH_KEY: &str = "index.docker.io";
/// The host Docker Hub's registry API answers on.
pub const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// Docker Hub's names for itself.
pub const DOCKER_HUB_HOSTS: [&str; 3] = [DOCKER_HUB, DOCKER_HUB_AUTH_KEY, DOCKER_HUB_API];

/// Whether `host` is one of Docker Hub's names.
pub fn is_docker_hub(host: &str) -> bool {
    DOCKER_HUB_HOSTS.contains(&host)
}

/// The push host and the endpoint's host when buildah would find no credentials for a
/// push to `repo` (its host, normalised its way, is not the endpoint's); `None` when
/// they match. A repository without a host is on Docker Hub.
pub fn push_host_mismatch<'a>(endpoint: &'a str, repo: &'a str) -> Option<(&'a str, &'a str)> {
    let host = repository_host(repo).unwrap_or(DOCKER_HUB);
    (normalize_auth_key(endpoint) != normalize_registry(host))
        .then(|| (host, endpoint_host(endpoint)))
}

/// The first component of a repository path when it names a registry host (it has a
/// `.` or a `:`, or is `localhost`), as the image reference grammar decides.
pub fn repository_host(repo: &str) -> Option<&str> {
    let first = repo.split('/').next()?;
    (repo.contains('/') || !first.is_empty())
        .then_some(first)
        .filter(|f| f.contains('.') || f.contains(':') || *f == "localhost")
}

fn invalid(reason: impl Into<String>, help: impl Into<String>) -> Invalid {
    Invalid {
        reason: reason.into(),
        help: help.into(),
    }
}

/// A registry endpoint: `host[:port]`, or an `http://`/`https://` URL with no path
/// beyond `/`. No quotes, backslashes or whitespace: the chart pastes it into JSON raw.
pub fn endpoint(value: &str) -> Result<(), Invalid> {
    let fix = "write `host[:port]` or `https://host[:port]`, for example `registry.example.com` or `https://registry.example.com:5000`";
    if value.is_empty() {
        return Err(invalid("is empty", fix));
    }
    if value
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "contains a quote, backslash, space or control character (the chart pastes the endpoint into JSON as it is)",
            fix,
        ));
    }
    let lower = value.to_ascii_lowercase();
    let (rest, had_scheme) = if let Some(rest) = value.strip_prefix("https://") {
        (rest, true)
    } else if let Some(rest) = value.strip_prefix("http://") {
        (rest, true)
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        return Err(invalid(
            "has an upper-case scheme, which buildah does not recognise",
            "write the scheme in lower case: `https://` or `http://`",
        ));
    } else if value.contains("://") {
        return Err(invalid("has a scheme other than http or https", fix));
    } else {
        (value, false)
    };
    let host = match rest.split_once('/') {
        None => rest,
        Some((host, "")) if had_scheme => host,
        Some(_) if had_scheme => {
            return Err(invalid(
                "has a path, which the image builder never uses: buildah keeps only the scheme's host when it matches credentials (`https://index.docker.io/v1/` counts as `index.docker.io`), so phib writes the host alone",
                "give only the scheme and host, for example `https://index.docker.io`",
            ))
        }
        Some(_) => {
            return Err(invalid(
                "has a `/` but no scheme, so buildah compares it as written and it matches no image",
                "give only `host[:port]`, or `https://host[:port]`",
            ))
        }
    };
    if host.contains('@') {
        // Never echoed: the part before `@` is a login.
        return Err(invalid(
            "has a user name or password in it (`user:password@`); the chart pastes the endpoint into a ConfigMap, and the login belongs in `--username` and the password on standard input",
            "give only the scheme and host, for example `https://registry.example.com`",
        ));
    }
    host_port(host).map_err(|reason| invalid(reason, fix))
}

/// The host of an endpoint that passed [`endpoint`]: without scheme and trailing `/`.
pub fn endpoint_host(value: &str) -> &str {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .unwrap_or(value);
    rest.split('/').next().unwrap_or(rest)
}

/// `host[:port]`: lower-case DNS labels or an IPv4 address, an optional port 1-65535.
fn host_port(value: &str) -> Result<(), String> {
    let (host, port) = match value.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (value, None),
    };
    if let Some(port) = port {
        match port.parse::<u32>() {
            Ok(1..=65535) if !port.starts_with('0') => {}
            _ => return Err(format!("has an invalid port `{port}`")),
        }
    }
    if host.is_empty() {
        return Err("has no host".into());
    }
    if host.chars().any(|c| c.is_ascii_uppercase()) {
        return Err(
            "has upper-case letters in the host; buildah compares hosts as written, so write it in lower case"
                .into(),
        );
    }
    if !dns_name(host, usize::MAX, true) {
        return Err(format!("has an invalid host `{host}`"));
    }
    Ok(())
}

/// A push repository or prefix: a lower-case image repository of the OCI distribution
/// grammar that starts with the registry host, with no tag, digest or trailing `/`.
/// `min_path` is how many path components must follow the host.
pub fn repository(value: &str, min_path: usize) -> Result<(), Invalid> {
    let fix = "write it as `HOST/PATH` in lower case, without a tag or digest, for example `registry.example.com/team/images`";
    if value.is_empty() {
        return Err(invalid("is empty", fix));
    }
    if value.ends_with('/') {
        return Err(invalid(
            "ends with `/`; PrimeHub adds the `/` itself",
            "remove the trailing `/`",
        ));
    }
    if value.contains('@') {
        return Err(invalid(
            "has a digest (`@...`); PrimeHub adds the image name and tag itself",
            "remove everything from `@`",
        ));
    }
    if value.len() > 255 {
        return Err(invalid("is longer than 255 characters", fix));
    }
    let mut parts = value.split('/');
    let host = parts.next().unwrap_or_default();
    if repository_host(value).is_none() {
        return Err(invalid(
            format!("does not start with a registry host (`{host}` has no `.` or `:`)"),
            "start it with the registry host, for example `docker.io/NAME` or `registry.example.com:5000/NAME`",
        ));
    }
    host_port(host).map_err(|reason| invalid(reason, fix))?;
    let path: Vec<&str> = parts.collect();
    for component in &path {
        if component.contains(':') {
            return Err(invalid(
                "has a tag (`:...`); PrimeHub adds the tag itself",
                "remove the `:` and everything after it",
            ));
        }
        if !path_component(component) {
            return Err(invalid(
                format!("has an invalid path component `{component}`: repository paths are lower-case letters and digits, separated by `.`, `_`, `__` or dashes"),
                fix,
            ));
        }
    }
    if path.len() < min_path {
        return Err(invalid(
            format!(
                "needs at least {min_path} path component{} after the host",
                if min_path == 1 { "" } else { "s" }
            ),
            fix,
        ));
    }
    Ok(())
}

/// One component of a repository path in the OCI distribution grammar,
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
pub fn path_component(s: &str) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &s[start..i];
        let dashes = sep.bytes().all(|c| c == b'-');
        if !(sep == "." || sep == "_" || sep == "__" || dashes) {
            return false;
        }
    }
    true
}

/// A registry user name: not empty, no `:` (the auth is split at the first colon), no
/// whitespace or control characters.
pub fn username(value: &str) -> Result<(), Invalid> {
    if value.is_empty() {
        return Err(invalid("is empty", "give the registry user name"));
    }
    if value.contains(':') {
        return Err(invalid(
            "contains `:`; the registry splits `user:password` at the first colon",
            "use a user name without `:` (a robot account or token name)",
        ));
    }
    if value
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || chart_breaking(c))
    {
        return Err(invalid(
            "contains whitespace or a control character",
            "check for a pasted newline or space",
        ));
    }
    Ok(())
}

/// A password or token: not empty, and copyable by the chart (see
/// [`chart_copyable`]). Its content is never shown.
pub fn password(value: &str) -> Result<(), Invalid> {
    if value.is_empty() {
        return Err(invalid(
            "is empty",
            format!(
                "pipe the password or token into `--password-stdin`, or set `{}`",
                super::PASSWORD_ENV
            ),
        ));
    }
    chart_copyable(value)
}

/// The characters the chart cannot carry into the controller ConfigMap: Go's YAML
/// encoder behind helm's `toYaml` fails on DEL, the C1 controls other than NEL and
/// U+FFFE/U+FFFF (the ConfigMap then silently loses the whole `customImage` block),
/// writes U+2028/U+2029 raw, so the rendered manifest no longer parses, and writes NEL
/// (U+0085) raw too, which YAML reads back as a line break: the ConfigMap's copy of
/// the password then has a space where the NEL was.
pub fn chart_breaking(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    )
}

/// Refuses a value with a [`chart_breaking`] character, without showing it.
pub fn chart_copyable(value: &str) -> Result<(), Invalid> {
    if value.chars().any(chart_breaking) {
        return Err(invalid(
            "contains a character (DEL, a C1 control such as NEL, U+2028, U+2029, U+FFFE or U+FFFF) that the chart cannot copy into the controller ConfigMap: helm's `toYaml` drops the whole customImage block there, or the manifest stops parsing",
            "create a password or token without control characters",
        ));
    }
    Ok(())
}

/// The first character of `value` a terminal, a YAML writer or a shell would act on
/// instead of showing: a control character (C0, DEL, C1 such as CSI U+009B, tab and
/// line breaks included) or a bidirectional override ([`crate::error::is_terminal_control`]).
pub fn control(value: &str) -> Option<char> {
    value
        .chars()
        .find(|&c| c.is_control() || crate::error::is_terminal_control(c))
}

/// The rule of every option phib takes as text (a flag's value, a wizard's answer):
/// no [`control`] character, which would otherwise reach the manifests phib writes
/// (a ServiceAccount annotation, a ConfigMap) and the commands it prints for the user
/// to run. The character is named by its code point, never shown.
pub fn no_control(value: &str) -> Result<(), Invalid> {
    match control(value) {
        None => Ok(()),
        Some(c) => Err(invalid(
            format!("contains a control character (U+{:04X})", c as u32),
            "give the value without it (a pasted escape sequence or line break?)",
        )),
    }
}

/// A Kubernetes ServiceAccount name: a DNS subdomain, as the API server validates it
/// (`ValidateServiceAccountName`, k8s.io/kubernetes pkg/apis/core/validation).
pub fn service_account(value: &str) -> Result<(), Invalid> {
    if dns_name(value, 253, true) {
        Ok(())
    } else {
        Err(invalid(
            "is not a valid Kubernetes ServiceAccount name",
            "use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit, as `kubectl get serviceaccounts` shows it",
        ))
    }
}

/// A Kubernetes Secret name (DNS subdomain).
pub fn secret_name(value: &str) -> Result<(), Invalid> {
    if dns_name(value, 253, true) {
        Ok(())
    } else {
        Err(invalid(
            "is not a valid Kubernetes Secret name",
            "use lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit",
        ))
    }
}

/// A Helm release name (lower-case DNS subdomain, at most 53 characters).
pub fn release(value: &str) -> Result<(), Invalid> {
    if dns_name(value, 53, true) {
        Ok(())
    } else {
        Err(invalid(
            "is not a valid Helm release name",
            "use at most 53 lower-case letters, digits, `-` and `.`, as `helm list` shows it",
        ))
    }
}

/// A Kubernetes namespace name (DNS label).
pub fn namespace(value: &str) -> Result<(), Invalid> {
    if dns_name(value, 63, false) {
        Ok(())
    } else {
        Err(invalid(
            "is not a valid namespace",
            "use PrimeHub's namespace as `kubectl get ns` shows it, e.g. `hub`",
        ))
    }
}

pub use crate::names::dns_name;

/// Anything: the field has no format of its own.
pub fn any(_value: &str) -> Result<(), Invalid> {
    Ok(())
}

/// A yes/no answer as the flag path and the wizard both spell it.
pub fn yes_no(value: &str) -> Result<(), Invalid> {
    match value {
        "true" | "false" => Ok(()),
        _ => Err(invalid("must be `true` or `false`", "answer yes or no")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_matches_buildah() {
        let table = [
            ("https://gcr.io", "gcr.io"),
            ("gcr.io", "gcr.io"),
            ("http://gcr.io/", "gcr.io"),
            ("https://gcr.io/v2/anything", "gcr.io"),
            ("gcr.io/", "gcr.io/"),
            ("gcr.io/p", "gcr.io/p"),
            ("GCR.io", "GCR.io"),
            ("us.gcr.io", "us.gcr.io"),
            ("host:443", "host:443"),
            ("myregistry", "myregistry"),
            ("docker.io", "index.docker.io"),
            ("index.docker.io", "index.docker.io"),
            ("registry-1.docker.io", "index.docker.io"),
            ("https://index.docker.io/v1/", "index.docker.io"),
            ("https://docker.io", "index.docker.io"),
            ("HTTPS://gcr.io", "HTTPS://gcr.io"),
            ("10.0.0.1:5000", "10.0.0.1:5000"),
        ];
        for (key, want) in table {
            assert_eq!(normalize_auth_key(key), want, "{key}");
        }
        assert_eq!(normalize_registry("docker.io"), "index.docker.io");
        assert_eq!(normalize_registry("gcr.io"), "gcr.io");
    }

    #[test]
    fn endpoints() {
        for ok in [
            "docker.io",
            "https://gcr.io",
            "https://gcr.io/",
            "http://10.0.0.1:5000",
            "registry.example.com:5000",
            "localhost:5000",
            "https://us-central1-docker.pkg.dev",
        ] {
            assert!(endpoint(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "gcr.io/",
            "gcr.io/p",
            "https://gcr.io/p",
            "GCR.io",
            "HTTPS://gcr.io",
            "ftp://x.io",
            "a b.io",
            "x\".io",
            "x\\.io",
            "x.io:0",
            "x.io:99999",
            "x.io:",
            "-x.io",
            "x..io",
            "https://",
        ] {
            assert!(endpoint(bad).is_err(), "{bad:?}");
        }
        assert_eq!(endpoint_host("https://gcr.io/"), "gcr.io");
        assert_eq!(endpoint_host("x.io:5000"), "x.io:5000");
    }

    #[test]
    fn repositories() {
        for ok in [
            "docker.io/me",
            "gcr.io/p/a-b/c__d/e.f",
            "x.io:5000/a",
            "localhost:5000/a",
            "localhost/a",
            "10.0.0.1:5000/team/img",
            "a.io/a---b",
        ] {
            assert!(repository(ok, 1).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "docker.io/me/",
            "docker.io/Me",
            "docker.io/me:tag",
            "docker.io/me@sha256:ab",
            "me/img",
            "docker.io/a_-b",
            "docker.io/_a",
            "docker.io/a..b",
            "docker.io/a___b",
            "docker.io",
            "docker.io//a",
            "Docker.io/a",
        ] {
            assert!(repository(bad, 1).is_err(), "{bad:?}");
        }
        assert!(repository("123.dkr.ecr.us-east-1.amazonaws.com", 0).is_ok());
        assert!(repository("x.io/a", 2).is_err());
    }

    #[test]
    fn repository_host_needs_a_dot_colon_or_localhost() {
        assert_eq!(repository_host("docker.io/a"), Some("docker.io"));
        assert_eq!(repository_host("x:5000/a"), Some("x:5000"));
        assert_eq!(repository_host("localhost/a"), Some("localhost"));
        assert_eq!(repository_host("me/a"), None);
    }

    #[test]
    fn control_characters_are_refused_and_named_by_code_point() {
        for c in [
            '\u{0}', '\u{7}', '\t', '\n', '\r', '\u{1b}', '\u{7f}', '\u{85}', '\u{9b}', '\u{202e}',
            '\u{2066}',
        ] {
            let value = format!("arn:aws:iam::123456789012:role/x{c}y");
            assert_eq!(control(&value), Some(c), "{c:?}");
            let e = no_control(&value).unwrap_err();
            assert!(
                e.reason.contains(&format!("U+{:04X}", c as u32)),
                "{}",
                e.reason
            );
            assert!(!e.reason.contains(c) && !e.help.contains(c));
        }
        for ok in ["", "plain", "caf\u{e9}", "\u{1f600}", "a b", "\u{a0}"] {
            assert!(no_control(ok).is_ok(), "{ok:?}");
        }
        assert!(service_account("phib-image-builder").is_ok());
        for bad in ["", "Builder", "a_b", "-a", &"a".repeat(254)] {
            assert!(service_account(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn usernames_passwords_and_names() {
        assert!(username("robot$proj+ci").is_ok());
        assert!(username("a:b").is_err());
        assert!(username("a\n").is_err());
        assert!(username("").is_err());
        assert!(password("").is_err());
        assert!(password(" ").is_ok());
        assert!(release("primehub").is_ok());
        assert!(release("Prime").is_err());
        assert!(release(&"a".repeat(54)).is_err());
        assert!(secret_name("aws-registry").is_ok());
        assert!(secret_name("aws_registry").is_err());
        for c in [
            '\u{7f}', '\u{80}', '\u{85}', '\u{9f}', '\u{2028}', '\u{2029}', '\u{fffe}', '\u{ffff}',
        ] {
            assert!(password(&format!("a{c}")).is_err(), "{c:?}");
            assert!(username(&format!("a{c}")).is_err(), "{c:?}");
        }
        for c in ['\u{0}', '\u{1b}', '\u{a0}', '\u{feff}', '\u{fffd}', '😀'] {
            assert!(password(&format!("a{c}")).is_ok(), "{c:?}");
        }
    }
}
