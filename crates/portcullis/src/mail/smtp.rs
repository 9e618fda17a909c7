//! [`SmtpMailer`]: delivery to an SMTP server with lettre (rustls with ring; no OpenSSL).

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use portcullis_core::crypto::random;

use super::{MailError, Mailer, Message};

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// None at all (`smtp://host:port`): for a relay on loopback or a trusted network.
    None,
    /// STARTTLS, and fail when the server does not offer it (`smtp://…?tls=required`).
    StartTlsRequired,
    /// STARTTLS when the server offers it, else plain (`smtp://…?tls=opportunistic`; an
    /// active attacker can strip it).
    StartTlsOpportunistic,
    /// TLS from the first byte (`smtps://`, port 465 by default).
    Implicit,
}

/// The parts of an SMTP URL.
#[derive(Clone, PartialEq, Eq)]
struct SmtpUrl {
    host: String,
    port: u16,
    tls: SmtpTls,
    /// User and password, percent-decoded.
    credentials: Option<(String, String)>,
}

impl SmtpUrl {
    fn parse(text: &str) -> Result<Self, MailError> {
        let shown = redact_url(text);
        let bad = |why: String| MailError::Config(format!("SMTP URL {shown}: {why}"));
        let url = url::Url::parse(text.trim()).map_err(|e| bad(e.to_string()))?;
        let implicit = match url.scheme() {
            "smtp" => false,
            "smtps" => true,
            other => {
                return Err(bad(format!(
                    "unsupported scheme {other:?} (smtp://host:port, smtp://host:587?tls=required, smtps://user:password@host:465)"
                )));
            }
        };
        let host = match url.host() {
            Some(url::Host::Domain(d)) if !d.is_empty() => d.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(bad("no host".into())),
        };
        let port = url.port().unwrap_or(if implicit { 465 } else { 25 });
        if !matches!(url.path(), "" | "/") {
            return Err(bad(
                "unexpected path (only scheme, user, password, host, port and ?tls= are read)"
                    .into(),
            ));
        }
        if url.fragment().is_some() {
            return Err(bad("unexpected #fragment".into()));
        }
        let mut tls = if implicit {
            SmtpTls::Implicit
        } else {
            SmtpTls::None
        };
        for (key, value) in url.query_pairs() {
            match (key.as_ref(), value.as_ref(), implicit) {
                ("tls", _, true) => {
                    return Err(bad(
                        "smtps:// always uses TLS; ?tls= is for smtp:// (STARTTLS)".into(),
                    ));
                }
                ("tls", "required", false) => tls = SmtpTls::StartTlsRequired,
                ("tls", "opportunistic", false) => tls = SmtpTls::StartTlsOpportunistic,
                ("tls", "none", false) => tls = SmtpTls::None,
                ("tls", other, false) => {
                    return Err(bad(format!(
                        "tls={other:?}: expected required, opportunistic or none"
                    )));
                }
                (other, _, _) => return Err(bad(format!("unknown parameter {other:?} (tls)"))),
            }
        }
        let decode = |raw: &str, what: &str| {
            percent_encoding::percent_decode_str(raw)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| bad(format!("the {what} is not UTF-8 after percent-decoding")))
        };
        let user = decode(url.username(), "user name")?;
        let password = url.password().map(|p| decode(p, "password")).transpose()?;
        let credentials = match (user.is_empty(), password) {
            (true, None) => None,
            (true, Some(_)) => return Err(bad("a password without a user name".into())),
            (false, None) => return Err(bad("a user name without a password".into())),
            (false, Some(p)) => Some((user, p)),
        };
        Ok(Self {
            host,
            port,
            tls,
            credentials,
        })
    }
}

/// `scheme://user:***@host:port?…`: an SMTP (or any) URL with its password hidden, for logs
/// and error messages. Text that is not a URL with `://` is returned as `***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.trim().split_once("://") else {
        return "***".into();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => format!("{scheme}://{userinfo}@{host}{tail}"),
        },
        None => format!("{scheme}://{authority}{tail}"),
    }
}

/// Sends mail through an SMTP server, one connection per mail (an auth server sends few).
///
/// Built from a URL:
///
/// | URL | connection |
/// | --- | --- |
/// | `smtp://host:port` | plain, no TLS (port 25 by default) — for a relay on loopback |
/// | `smtp://host:587?tls=required` | STARTTLS, fails when the server does not offer it |
/// | `smtp://host:587?tls=opportunistic` | STARTTLS when offered, else plain |
/// | `smtps://user:password@host:465` | TLS from the start (port 465 by default) |
///
/// User and password (percent-encoded in the URL: `p%40ss` for `p@ss`) are used for
/// `AUTH PLAIN` or `AUTH LOGIN`, whichever the server offers. Certificates are checked against
/// the Mozilla roots built into the binary. The timeout applies to the connection, to every
/// SMTP command and to the whole send, so a slow or silent server never holds a request longer.
#[derive(Clone)]
pub struct SmtpMailer {
    url: SmtpUrl,
    shown_url: String,
    from: Mailbox,
    message_id_domain: String,
    timeout: Duration,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpMailer")
            .field("url", &self.shown_url)
            .field("from", &self.from.to_string())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `url` (see the table above) sending as `from` (`Name <address>` or
    /// `address`), giving up on any mail after `timeout`. No connection is made until the first
    /// mail. Errors name what is wrong, never the password.
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, MailError> {
        let parsed = SmtpUrl::parse(url)?;
        if timeout.is_zero() {
            return Err(MailError::Config(
                "the SMTP timeout must be positive".into(),
            ));
        }
        let from: Mailbox = from
            .trim()
            .parse()
            .map_err(|e| MailError::Config(format!("invalid From address {from:?}: {e}")))?;
        let message_id_domain = from.email.domain().to_owned();
        let tls_parameters = || {
            TlsParameters::new(parsed.host.clone())
                .map_err(|e| MailError::Config(format!("TLS settings for {}: {e}", parsed.host)))
        };
        let tls = match parsed.tls {
            SmtpTls::None => Tls::None,
            SmtpTls::StartTlsRequired => Tls::Required(tls_parameters()?),
            SmtpTls::StartTlsOpportunistic => Tls::Opportunistic(tls_parameters()?),
            SmtpTls::Implicit => Tls::Wrapper(tls_parameters()?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&parsed.host)
            .port(parsed.port)
            .tls(tls)
            .timeout(Some(timeout));
        if let Some((user, password)) = &parsed.credentials {
            if parsed.tls == SmtpTls::None && !is_loopback(&parsed.host) {
                tracing::warn!(
                    host = %parsed.host,
                    "the SMTP password is sent without TLS; use smtps:// or ?tls=required"
                );
            }
            builder = builder
                .credentials(Credentials::new(user.clone(), password.clone()))
                .authentication(vec![Mechanism::Plain, Mechanism::Login]);
        }
        Ok(Self {
            shown_url: redact_url(url),
            url: parsed,
            from,
            message_id_domain,
            timeout,
            transport: builder.build(),
        })
    }

    /// The server's host name or address.
    pub fn host(&self) -> &str {
        &self.url.host
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.url.port
    }

    /// How the connection is protected.
    pub fn tls(&self) -> SmtpTls {
        self.url.tls
    }

    /// The user name for AUTH, if any (percent-decoded).
    pub fn username(&self) -> Option<&str> {
        self.url.credentials.as_ref().map(|(u, _)| u.as_str())
    }

    /// The URL with the password hidden.
    pub fn redacted_url(&self) -> &str {
        &self.shown_url
    }

    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The MIME message: multipart/alternative when there are both bodies.
    fn build(&self, message: &Message) -> Result<lettre::Message, MailError> {
        let to: Mailbox = message
            .to
            .trim()
            .parse()
            .map_err(|e| MailError::Address(format!("{:?}: {e}", message.to)))?;
        let builder = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(message.subject.as_str())
            .message_id(Some(format!(
                "<{}@{}>",
                random::token_hex(16),
                self.message_id_domain
            )));
        let built = match (message.text.is_empty(), message.html.is_empty()) {
            (false, false) => builder.multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                message.html.clone(),
            )),
            (true, false) => builder.singlepart(SinglePart::html(message.html.clone())),
            _ => builder.singlepart(SinglePart::plain(message.text.clone())),
        };
        built.map_err(|e| MailError::Address(format!("cannot build the mail: {e}")))
    }

    /// The error text with the password taken out, should a server ever echo it.
    fn scrub(&self, text: String) -> String {
        match &self.url.credentials {
            Some((_, password)) if password.len() >= 3 => text.replace(password.as_str(), "***"),
            _ => text,
        }
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let email = self.build(message)?;
        match tokio::time::timeout(self.timeout, self.transport.send(email)).await {
            Err(_) => Err(MailError::Timeout(self.timeout)),
            Ok(Err(e)) if e.is_timeout() => Err(MailError::Timeout(self.timeout)),
            Ok(Err(e)) => Err(MailError::Transport(
                self.scrub(format!("{}:{}: {e}", self.url.host, self.url.port)),
            )),
            Ok(Ok(_)) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str) -> SmtpUrl {
        SmtpUrl::parse(url).unwrap()
    }

    fn error(url: &str) -> String {
        SmtpUrl::parse(url).err().unwrap().to_string()
    }

    #[test]
    fn url_forms() {
        let u = parse("smtp://127.0.0.1:2525");
        assert_eq!(
            (u.host.as_str(), u.port, u.tls),
            ("127.0.0.1", 2525, SmtpTls::None)
        );
        assert!(u.credentials.is_none());

        let u = parse("smtp://mail.example.com");
        assert_eq!((u.port, u.tls), (25, SmtpTls::None));

        let u = parse("smtp://mail.example.com:587?tls=required");
        assert_eq!((u.port, u.tls), (587, SmtpTls::StartTlsRequired));

        let u = parse("smtp://mail.example.com:587?tls=opportunistic");
        assert_eq!(u.tls, SmtpTls::StartTlsOpportunistic);

        let u = parse("smtps://me%40example.com:p%40ss%3Aw%2Frd%25@mail.example.com");
        assert_eq!((u.port, u.tls), (465, SmtpTls::Implicit));
        assert_eq!(
            u.credentials,
            Some(("me@example.com".into(), "p@ss:w/rd%".into()))
        );

        let u = parse("SMTPS://u:p@[::1]:1465/");
        assert_eq!((u.host.as_str(), u.port), ("::1", 1465));
    }

    #[test]
    fn bad_urls_say_why_without_the_password() {
        for (url, why) in [
            ("http://u:hunter22@h", "unsupported scheme"),
            ("mail.example.com", "relative URL"),
            ("smtp://", "no host"),
            ("smtp://h?tls=maybe", "tls=\"maybe\""),
            ("smtp://h?tsl=required", "unknown parameter"),
            ("smtps://u:hunter22@h?tls=required", "always uses TLS"),
            ("smtp://u:hunter22@h/ehlo", "unexpected path"),
            ("smtp://u@h", "without a password"),
            ("smtp://:hunter22@h", "without a user name"),
            ("smtp://u:hunter22@h:99999", "invalid port"),
            ("smtp://u:%ff%fe@h", "not UTF-8"),
        ] {
            let e = error(url);
            assert!(e.contains(why), "{url}: {e}");
            assert!(!e.contains("hunter22"), "{url}: {e}");
        }
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("smtps://me:s3cret@mail.example.com:465"),
            "smtps://me:***@mail.example.com:465"
        );
        assert_eq!(
            redact_url("smtp://me:p@ss@h:587?tls=required"),
            "smtp://me:***@h:587?tls=required"
        );
        assert_eq!(redact_url("smtp://h:25"), "smtp://h:25");
        assert_eq!(redact_url("smtp://me@h"), "smtp://me@h");
        assert_eq!(redact_url("garbage:s3cret"), "***");
    }

    #[test]
    fn debug_hides_the_password() {
        let m = SmtpMailer::new(
            "smtps://me:s3cret-pw@mail.example.com",
            "Auth <auth@example.com>",
            Duration::from_secs(5),
        )
        .unwrap();
        let shown = format!("{m:?}");
        assert!(!shown.contains("s3cret-pw"), "{shown}");
        assert!(shown.contains("mail.example.com"), "{shown}");
    }

    #[test]
    fn bad_from_and_timeout() {
        let e = SmtpMailer::new("smtp://h", "not an address", Duration::from_secs(1)).unwrap_err();
        assert!(matches!(e, MailError::Config(_)), "{e}");
        let e = SmtpMailer::new("smtp://h", "a@b.example", Duration::ZERO).unwrap_err();
        assert!(matches!(e, MailError::Config(_)), "{e}");
    }
}
