//! CSRF protection with Flask-Security/Flask-WTF semantics: a token signed (salt
//! `wtf-csrf-token`, time-limited) over a secret bound to the session id, accepted from the
//! `csrf_token` form/JSON field or the `X-CSRFToken`, `X-CSRF-Token` or configured header
//! (`X-XSRF-Token` by default). Session- and Basic-authenticated state-changing requests need
//! it; token-authenticated ones do not (configurable with `csrf_protect_mechanisms`).

use axum::http::{HeaderMap, Method};
use hmac::{KeyInit, Mac};
use portcullis_core::crypto::constant_time_eq;
use portcullis_core::tokens::{TokenError, TokenPurpose};

use crate::layer::RequestAuth;
use crate::messages::Msg;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

fn secret_for(key: &[u8], session_id: &str) -> String {
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(key) else {
        return String::new();
    };
    mac.update(b"portcullis-csrf:");
    mac.update(session_id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A fresh CSRF token for this request's session (creating an anonymous session id if needed).
pub fn token(auth: &RequestAuth) -> String {
    let security = auth.security();
    let id = auth.with_session(|s| s.ensure_id());
    let secret = secret_for(auth.csrf_key(), &id);
    let payload = serde_json::Value::String(secret).to_string();
    let token = security.signer().sign_timed_plain(
        TokenPurpose::Csrf.salt(),
        &payload,
        security.clock().unix(),
    );
    auth.with_session(|s| s.csrf_token = Some(token.clone()));
    token
}

/// The CSRF token a request carries in a header, if any.
pub fn header_token(headers: &HeaderMap, configured: &str) -> Option<String> {
    ["X-CSRFToken", "X-CSRF-Token", configured]
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Check a CSRF token against this request's session. Err carries Flask-WTF's message.
pub fn check(auth: &RequestAuth, token: Option<&str>) -> Result<(), Msg> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(Msg::CsrfMissing);
    };
    let Some(id) = auth.with_session(|s| s.id.clone()) else {
        return Err(Msg::CsrfSessionMissing);
    };
    let security = auth.security();
    let limit = security.config().csrf_time_limit.as_secs();
    let max_age = (limit > 0).then_some(limit);
    match security.signer().unsign_timed(
        TokenPurpose::Csrf.salt(),
        token,
        max_age,
        security.clock().unix(),
    ) {
        Ok(p) => {
            let expected = secret_for(auth.csrf_key(), &id);
            match p.value.as_str() {
                Some(got) if constant_time_eq(got.as_bytes(), expected.as_bytes()) => Ok(()),
                _ => Err(Msg::CsrfInvalid),
            }
        }
        Err(TokenError::Expired { .. }) => Err(Msg::CsrfExpired),
        Err(_) => Err(Msg::CsrfInvalid),
    }
}

/// Whether a method changes state (and so needs CSRF protection).
pub fn unsafe_method(method: &Method) -> bool {
    !matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}
