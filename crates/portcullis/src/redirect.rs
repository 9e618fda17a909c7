//! Open-redirect protection for `next` (Flask-Security's rules, §8.3 of the wire reference).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use portcullis_core::config::Config;

/// Characters quoted in the path of a validated redirect, like Python's `urllib.parse.quote`
/// (which keeps `/` and unreserved characters).
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|')
    .add(b'[')
    .add(b']')
    .add(b'%')
    .add(b'\t');

struct Parts<'a> {
    scheme: &'a str,
    netloc: &'a str,
    path: &'a str,
    rest: &'a str,
}

fn split(url: &str) -> Parts<'_> {
    // Scheme: letters, digits, + - . before ':' and starting with a letter.
    let mut scheme = "";
    let mut remainder = url;
    if let Some(idx) = url.find(':') {
        let cand = &url[..idx];
        if !cand.is_empty()
            && cand.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && cand
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        {
            scheme = cand;
            remainder = &url[idx + 1..];
        }
    }
    let mut netloc = "";
    if let Some(after) = remainder.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = &after[..end];
        remainder = &after[end..];
    }
    let end = remainder.find(['?', '#']).unwrap_or(remainder.len());
    Parts {
        scheme,
        netloc,
        path: &remainder[..end],
        rest: &remainder[end..],
    }
}

fn host_allowed(netloc: &str, request_host: Option<&str>, config: &Config) -> bool {
    let netloc = netloc.to_ascii_lowercase();
    if request_host.is_some_and(|h| h.eq_ignore_ascii_case(&netloc)) {
        return true;
    }
    if config.redirect_allow_subdomains
        && let Some(server) = &config.server_name
    {
        let server = server.to_ascii_lowercase();
        if netloc == server || netloc.ends_with(&format!(".{server}")) {
            return true;
        }
    }
    if let Some(base) = &config.redirect_base_domain {
        let base = base.to_ascii_lowercase();
        for sub in &config.redirect_allowed_subdomains {
            let allowed = if sub == "." {
                base.clone()
            } else {
                format!("{}.{base}", sub.to_ascii_lowercase())
            };
            if netloc == allowed {
                return true;
            }
        }
    }
    false
}

/// Validate `next`; returns the safe, re-quoted URL or `None` when it must be refused.
///
/// Browser-lenient forms (`\\evil.com`, ` //evil.com`, `/\evil.com`, `\t//evil.com`) become
/// harmless relative paths because their path is percent-quoted; `//evil.com` and absolute URLs
/// to other hosts are refused.
pub fn validate(url: &str, request_host: Option<&str>, config: &Config) -> Option<String> {
    if url.is_empty() {
        return None;
    }
    let parts = split(url);
    if (!parts.scheme.is_empty() || !parts.netloc.is_empty())
        && !host_allowed(parts.netloc, request_host, config)
    {
        return None;
    }
    if !parts.scheme.is_empty()
        && !matches!(parts.scheme.to_ascii_lowercase().as_str(), "http" | "https")
    {
        return None;
    }
    let path = utf8_percent_encode(parts.path, PATH).to_string();
    let rest: String = parts
        .rest
        .chars()
        .map(|c| {
            if c.is_control() || c == ' ' || c == '\\' {
                utf8_percent_encode(&c.to_string(), PATH).to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let mut out = String::new();
    if !parts.scheme.is_empty() {
        out.push_str(parts.scheme);
        out.push(':');
    }
    if !parts.netloc.is_empty() {
        out.push_str("//");
        out.push_str(&utf8_percent_encode(parts.netloc, PATH).to_string());
    }
    out.push_str(&path);
    out.push_str(&rest);
    // A path that would still be read as network-path reference is refused.
    if out.starts_with("//") {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(url: &str) -> Option<String> {
        validate(url, Some("localhost"), &Config::default())
    }

    #[test]
    fn flask_security_open_redirect_list() {
        assert_eq!(
            v("\\\\\\github.com").as_deref(),
            Some("%5C%5C%5Cgithub.com")
        );
        assert_eq!(v(" //github.com").as_deref(), Some("%20//github.com"));
        assert_eq!(v("/\\github.com").as_deref(), Some("/%5Cgithub.com"));
        assert_eq!(v("\\/github.com").as_deref(), Some("%5C/github.com"));
        assert_eq!(v("\t//github.com").as_deref(), Some("%09//github.com"));
        assert_eq!(v("//github.com"), None);
        assert_eq!(v("https://github.com/x"), None);
        assert_eq!(v("http://localhost.evil.com/"), None);
        assert_eq!(v("javascript:alert(1)"), None);
        assert_eq!(v(""), None);
    }

    #[test]
    fn same_site_urls_pass() {
        assert_eq!(v("/profile?tab=1").as_deref(), Some("/profile?tab=1"));
        assert_eq!(
            v("http://localhost/x").as_deref(),
            Some("http://localhost/x")
        );
        assert_eq!(v("relative/path").as_deref(), Some("relative/path"));
        // another port on the same host is another origin
        assert_eq!(
            validate(
                "http://localhost:9000/x",
                Some("localhost"),
                &Config::default()
            ),
            None
        );
    }

    #[test]
    fn configured_domains() {
        let c = Config {
            redirect_base_domain: Some("myapp.org".into()),
            redirect_allowed_subdomains: vec!["auth".into(), ".".into()],
            ..Config::default()
        };
        assert!(validate("https://auth.myapp.org/x", Some("localhost"), &c).is_some());
        assert!(validate("https://myapp.org/x", Some("localhost"), &c).is_some());
        assert!(validate("https://evil.myapp.org/x", Some("localhost"), &c).is_none());
        let c = Config {
            redirect_allow_subdomains: true,
            server_name: Some("lp.com".into()),
            ..Config::default()
        };
        assert!(validate("https://a.lp.com/", Some("localhost"), &c).is_some());
        assert!(
            validate("https://amazon.com\\.lp.com", Some("localhost"), &c).is_none()
                || validate("https://amazon.com\\.lp.com", Some("localhost"), &c).as_deref()
                    == Some("https://amazon.com%5C.lp.com")
        );
        assert!(validate("https://evil-lp.com/", Some("localhost"), &c).is_none());
    }
}
