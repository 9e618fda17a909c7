//! [`TwilioSms`]: delivery through Twilio's Messages REST API (reqwest over rustls with ring; no
//! OpenSSL).

use std::time::Duration;

use portcullis_core::crypto::Secret;
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use serde_json::{Map, Value};

use super::{SmsError, SmsMessage, SmsSender};
use crate::mail::redact_url;

/// Sends text messages with Twilio's REST API, or any service that speaks it: each message is a
/// `POST {BASE_URL}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json` with the form fields `To`,
/// `From` and `Body`, authenticated with HTTP Basic `ACCOUNT_SID:AUTH_TOKEN`.
///
/// Built from `sms_service_config` (`SECURITY_SMS_SERVICE_CONFIG`, Flask-Security's names):
///
/// | key | meaning |
/// | --- | --- |
/// | `ACCOUNT_SID` | the account (required) |
/// | `AUTH_TOKEN` | its secret (required; never logged, never in errors or `Debug`) |
/// | `PHONE_NUMBER` | the sender's number, E.164 (required) |
/// | `BASE_URL` | the API's origin, default [`TwilioSms::DEFAULT_BASE_URL`] |
///
/// A 2xx answer is success; any other status (redirects are not followed) is
/// [`SmsError::Rejected`] with Twilio's JSON `message`; no connection, or no complete answer
/// within the timeout ([`TwilioSms::DEFAULT_TIMEOUT`], see [`TwilioSms::with_timeout`]), is
/// [`SmsError::Transport`]. Certificates are checked against the Mozilla roots built into the
/// binary.
#[derive(Clone)]
pub struct TwilioSms {
    endpoint: url::Url,
    shown_endpoint: String,
    account_sid: String,
    auth_token: Secret<String>,
    from: String,
    timeout: Duration,
    client: reqwest::Client,
}

impl std::fmt::Debug for TwilioSms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSms")
            .field("endpoint", &self.shown_endpoint)
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A text setting of `sms_service_config`, if present (keys match case-insensitively). Errors
/// name the key, never a value.
fn setting(config: &Map<String, Value>, key: &str) -> Result<Option<String>, SmsError> {
    let found = config
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v);
    match found {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
        Some(Value::String(_)) => Err(SmsError::Config(format!(
            "{key} in sms_service_config is empty"
        ))),
        Some(_) => Err(SmsError::Config(format!(
            "{key} in sms_service_config must be a text"
        ))),
    }
}

/// A setting that must be present.
fn required(config: &Map<String, Value>, key: &str) -> Result<String, SmsError> {
    setting(config, key)?
        .ok_or_else(|| SmsError::Config(format!("{key} is missing from sms_service_config")))
}

impl TwilioSms {
    /// Twilio's API origin, used when `BASE_URL` is not set.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.twilio.com";

    /// How long a message may take (connecting, sending, the answer) unless
    /// [`TwilioSms::with_timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

    /// A sender for `config` (see the table above). No connection is made until the first
    /// message. Errors name the missing or bad key, never the auth token.
    pub fn new(config: &Map<String, Value>) -> Result<Self, SmsError> {
        let account_sid = required(config, "ACCOUNT_SID")?;
        let auth_token = required(config, "AUTH_TOKEN")?;
        let from = required(config, "PHONE_NUMBER")?;
        let base =
            setting(config, "BASE_URL")?.unwrap_or_else(|| Self::DEFAULT_BASE_URL.to_owned());
        let shown_base = redact_url(&base);
        let bad = |why: &str| SmsError::Config(format!("BASE_URL {shown_base}: {why}"));
        let mut endpoint = url::Url::parse(&base).map_err(|e| bad(&e.to_string()))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(bad("expected an http:// or https:// URL"));
        }
        if !endpoint.username().is_empty() || endpoint.password().is_some() {
            return Err(bad(
                "no credentials in the URL (ACCOUNT_SID and AUTH_TOKEN are sent as HTTP Basic)",
            ));
        }
        if endpoint.query().is_some() || endpoint.fragment().is_some() {
            return Err(bad("unexpected ?query or #fragment"));
        }
        endpoint
            .path_segments_mut()
            .map_err(|()| bad("not a base URL"))?
            .pop_if_empty()
            .extend(["2010-04-01", "Accounts", &account_sid, "Messages.json"]);
        if endpoint.scheme() == "http" && !is_loopback(&endpoint) {
            tracing::warn!(
                base_url = %shown_base,
                "the SMS service's auth token is sent without TLS; use https://"
            );
        }
        portcullis_core::tls::install_default_provider();
        // The timeout is set on each request (it bounds connecting too), so `with_timeout` needs
        // no new client.
        let client = reqwest::Client::builder()
            .user_agent("portcullis")
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| SmsError::Config(format!("HTTP client: {e}")))?;
        Ok(Self {
            shown_endpoint: endpoint.to_string(),
            endpoint,
            account_sid,
            auth_token: Secret::new(auth_token),
            from,
            timeout: Self::DEFAULT_TIMEOUT,
            client,
        })
    }

    /// Give up on a message after `timeout` (connecting, sending and the whole answer).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The URL messages are posted to.
    pub fn endpoint(&self) -> &str {
        &self.shown_endpoint
    }

    /// The sender's number (`PHONE_NUMBER`).
    pub fn phone_number(&self) -> &str {
        &self.from
    }

    /// The timeout.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// `text` with the auth token and the message body taken out, should a server echo them.
    fn scrub(&self, text: String, message: &SmsMessage) -> String {
        let mut text = text;
        let token = self.auth_token.expose();
        if token.len() >= 3 {
            text = text.replace(token.as_str(), "***");
        }
        if message.body.len() >= 3 {
            text = text.replace(message.body.as_str(), "***");
        }
        text
    }

    fn transport_error(&self, e: reqwest::Error, message: &SmsMessage) -> SmsError {
        let why = if e.is_timeout() {
            format!("no answer within {} ms", self.timeout.as_millis())
        } else {
            // reqwest's own text is terse ("error sending request"); the causes say what failed.
            // The URL is said once, in front.
            let e = e.without_url();
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                why.push_str(": ");
                why.push_str(&cause.to_string());
                source = cause.source();
            }
            why
        };
        SmsError::Transport(self.scrub(format!("{}: {why}", self.shown_endpoint), message))
    }
}

fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Twilio's explanation in an error answer: the JSON `message` field, else the status's name.
fn rejection_message(status: reqwest::StatusCode, body: &[u8]) -> String {
    let explained = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .filter(|m| !m.trim().is_empty());
    let message = explained.unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no explanation given")
            .to_owned()
    });
    // An explanation, not a document.
    match message.char_indices().nth(500) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message,
    }
}

#[async_trait::async_trait]
impl SmsSender for TwilioSms {
    async fn send(&self, message: &SmsMessage) -> Result<(), SmsError> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("To", &message.to)
            .append_pair("From", &self.from)
            .append_pair("Body", &message.body)
            .finish();
        let started = tokio::time::Instant::now();
        let response = self
            .client
            .post(self.endpoint.clone())
            .basic_auth(&self.account_sid, Some(self.auth_token.expose()))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(ACCEPT, "application/json")
            .timeout(self.timeout)
            .body(form)
            .send()
            .await
            .map_err(|e| self.transport_error(e, message))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        // The explanation is read within what is left of the timeout; without it the status
        // alone is reported.
        let left = self.timeout.saturating_sub(started.elapsed());
        let body = match tokio::time::timeout(left, response.bytes()).await {
            Ok(Ok(bytes)) => bytes.to_vec(),
            _ => Vec::new(),
        };
        Err(SmsError::Rejected {
            status: status.as_u16(),
            message: self.scrub(rejection_message(status, &body), message),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect()
    }

    const FULL: [(&str, &str); 3] = [
        ("ACCOUNT_SID", "AC0123"),
        ("AUTH_TOKEN", "tok-s3cret"),
        ("PHONE_NUMBER", "+15550001111"),
    ];

    #[test]
    fn endpoint_from_the_base_url() {
        let t = TwilioSms::new(&config(&FULL)).unwrap();
        assert_eq!(
            t.endpoint(),
            "https://api.twilio.com/2010-04-01/Accounts/AC0123/Messages.json"
        );
        assert_eq!(t.phone_number(), "+15550001111");
        assert_eq!(t.timeout(), Duration::from_secs(10));

        let mut c = config(&FULL);
        c.insert("BASE_URL".into(), "http://127.0.0.1:9/twilio/".into());
        let t = TwilioSms::new(&c).unwrap();
        assert_eq!(
            t.endpoint(),
            "http://127.0.0.1:9/twilio/2010-04-01/Accounts/AC0123/Messages.json"
        );

        // Lower-case keys (TOML tables) work too.
        let lower: Vec<(String, &str)> = FULL
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), *v))
            .collect();
        let lower: Vec<(&str, &str)> = lower.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert!(TwilioSms::new(&config(&lower)).is_ok());
    }

    #[test]
    fn bad_configs_name_the_key_not_the_token() {
        for missing in ["ACCOUNT_SID", "AUTH_TOKEN", "PHONE_NUMBER"] {
            let c: Vec<_> = FULL
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let e = TwilioSms::new(&config(&c)).unwrap_err();
            assert!(matches!(e, SmsError::Config(_)), "{e:?}");
            assert!(e.to_string().contains(missing), "{e}");
            assert!(!e.to_string().contains("tok-s3cret"), "{e}");
        }
        let mut c = config(&FULL);
        c.insert("AUTH_TOKEN".into(), Value::from(12345));
        let e = TwilioSms::new(&c).unwrap_err().to_string();
        assert!(e.contains("AUTH_TOKEN") && !e.contains("12345"), "{e}");

        for (base, why) in [
            ("ftp://h", "http:// or https://"),
            ("api.twilio.com", "relative URL"),
            ("https://u:pw@h", "no credentials"),
            ("https://h/?x=1", "query"),
        ] {
            let mut c = config(&FULL);
            c.insert("BASE_URL".into(), base.into());
            let e = TwilioSms::new(&c).unwrap_err().to_string();
            assert!(e.contains("BASE_URL") && e.contains(why), "{base}: {e}");
            assert!(!e.contains("tok-s3cret"), "{e}");
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let t = TwilioSms::new(&config(&FULL)).unwrap();
        let shown = format!("{t:?}");
        assert!(!shown.contains("tok-s3cret"), "{shown}");
        assert!(
            shown.contains("AC0123") && shown.contains("+15550001111"),
            "{shown}"
        );
    }

    #[test]
    fn rejection_messages() {
        let s = reqwest::StatusCode::BAD_REQUEST;
        assert_eq!(
            rejection_message(s, br#"{"code": 21211, "message": "Invalid 'To'"}"#),
            "Invalid 'To'"
        );
        assert_eq!(rejection_message(s, b"<html>oops</html>"), "Bad Request");
        assert_eq!(rejection_message(s, br#"{"message": ""}"#), "Bad Request");
        let long = format!(r#"{{"message": "{}"}}"#, "x".repeat(2000));
        assert!(rejection_message(s, long.as_bytes()).chars().count() <= 501);
    }
}
