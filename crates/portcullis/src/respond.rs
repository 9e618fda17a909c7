//! One place that renders outcomes: Flask-Security's JSON envelope
//! `{"meta":{"code":N},"response":{...}}`, HTML pages, and redirects.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// Whether the client wants JSON: `Content-Type: application/json`, or an `Accept` header whose
/// best entry is exactly `application/json` (Flask-Security's rule; `*/*` means HTML).
pub fn wants_json(headers: &HeaderMap) -> bool {
    let is_json_body = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    if is_json_body {
        return true;
    }
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut best: Option<(f32, String)> = None;
    for part in accept.split(',') {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        if best.as_ref().is_none_or(|(bq, _)| q > *bq) {
            best = Some((q, media));
        }
    }
    best.is_some_and(|(_, m)| m == "application/json")
}

/// A JSON envelope response.
pub fn envelope(status: StatusCode, response: Map<String, Value>) -> Response {
    let body = json!({"meta": {"code": status.as_u16()}, "response": Value::Object(response)});
    let mut res = (status, axum::Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// `{"errors":[...]}` (decorator-style errors: 401, 403, CSRF).
pub fn errors(status: StatusCode, errors: Vec<String>) -> Response {
    let mut m = Map::new();
    m.insert("errors".into(), json!(errors));
    envelope(status, m)
}

/// Field errors in submission order; the key `""` holds form-level errors.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors {
    fields: Vec<(String, Vec<String>)>,
}

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }
    /// Add `message` to `field` (`""` for the form).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let message = message.into();
        if let Some((_, list)) = self.fields.iter_mut().find(|(f, _)| f == field) {
            list.push(message);
        } else {
            self.fields.push((field.to_owned(), vec![message]));
        }
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
    /// Whether `field` has errors.
    pub fn has(&self, field: &str) -> bool {
        self.fields.iter().any(|(f, _)| f == field)
    }
    /// Remove a field's errors.
    pub fn remove(&mut self, field: &str) {
        self.fields.retain(|(f, _)| f != field);
    }
    /// Field names with errors.
    pub fn field_names(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(|(f, _)| f.as_str())
    }
    /// Messages of one field.
    pub fn get(&self, field: &str) -> &[String] {
        self.fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, l)| l.as_slice())
            .unwrap_or(&[])
    }
    /// All messages, flat, in field order.
    pub fn all(&self) -> Vec<String> {
        self.fields.iter().flat_map(|(_, l)| l.clone()).collect()
    }
    /// The 400 JSON response: `{"errors":[...],"field_errors":{...}}`.
    pub fn into_json(self) -> Response {
        let mut fe = Map::new();
        for (f, l) in &self.fields {
            fe.insert(f.clone(), json!(l));
        }
        let mut m = Map::new();
        m.insert("errors".into(), json!(self.all()));
        m.insert("field_errors".into(), Value::Object(fe));
        envelope(StatusCode::BAD_REQUEST, m)
    }
}

/// Quote a `next` value for a query string the way Flask's `url_for` does (`/` stays readable).
pub fn quote_next(next: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const NEXT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    utf8_percent_encode(next, NEXT).to_string()
}

/// A 403: the envelope for API clients, a small HTML page for browsers.
pub fn forbidden(headers: &HeaderMap) -> Response {
    if wants_json(headers) {
        errors(StatusCode::FORBIDDEN, vec![msg::UNAUTHORIZED.into()])
    } else {
        html(
            StatusCode::FORBIDDEN,
            format!(
                "<!doctype html><title>403 Forbidden</title><h1>Forbidden</h1><p>{}</p>",
                msg::UNAUTHORIZED
            ),
        )
    }
}

/// A 302 redirect to a relative or validated URL.
pub fn redirect(location: &str) -> Response {
    let mut res = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        res.headers_mut().insert(header::LOCATION, v);
    } else {
        res.headers_mut()
            .insert(header::LOCATION, HeaderValue::from_static("/"));
    }
    res
}

/// An HTML page.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// Flask-Security's messages (their texts, so SPAs that match on them keep working).
pub mod msg {
    /// 401.
    pub const UNAUTHENTICATED: &str = "You must sign in to view this resource.";
    /// 403.
    pub const UNAUTHORIZED: &str = "You do not have permission to view this resource.";
    /// Freshness.
    pub const REAUTHENTICATION_REQUIRED: &str = "You must reauthenticate to access this endpoint";
    /// Anonymous-only endpoint.
    pub const ANONYMOUS_USER_REQUIRED: &str =
        "You can only access this endpoint when not logged in.";
    /// Unknown identity.
    pub const USER_DOES_NOT_EXIST: &str = "Specified user does not exist";
    /// Wrong password.
    pub const INVALID_PASSWORD: &str = "Invalid password";
    /// Missing password.
    pub const PASSWORD_NOT_PROVIDED: &str = "Password not provided";
    /// Missing email.
    pub const EMAIL_NOT_PROVIDED: &str = "Email not provided";
    /// Bad email.
    pub const INVALID_EMAIL_ADDRESS: &str = "Invalid email address";
    /// Inactive.
    pub const DISABLED_ACCOUNT: &str = "Account is disabled.";
    /// Unconfirmed.
    pub const CONFIRMATION_REQUIRED: &str = "Email requires confirmation.";
    /// Generic failure.
    pub const GENERIC_AUTHN_FAILED: &str =
        "Authentication failed - identity or password/passcode invalid";
    /// Open redirect.
    pub const INVALID_REDIRECT: &str = "Redirections outside the domain are forbidden";
    /// Mismatch.
    pub const RETYPE_PASSWORD_MISMATCH: &str = "Passwords do not match";
    /// Same password.
    pub const PASSWORD_IS_THE_SAME: &str =
        "Your new password must be different than your previous password.";
    /// Illegal username.
    pub const USERNAME_ILLEGAL_CHARACTERS: &str = "Username contains illegal characters";
    /// Not a string.
    pub const API_ERROR: &str = "Input not appropriate for requested API";
    /// CSRF.
    pub const CSRF_MISSING: &str = "The CSRF token is missing.";
    /// CSRF.
    pub const CSRF_INVALID: &str = "The CSRF token is invalid.";
    /// CSRF.
    pub const CSRF_EXPIRED: &str = "The CSRF token has expired.";
    /// CSRF.
    pub const CSRF_SESSION_MISSING: &str = "The CSRF session token is missing.";
    /// Re-authenticated.
    pub const REAUTHENTICATION_SUCCESSFUL: &str = "Reauthentication successful";
    /// Password changed.
    pub const PASSWORD_CHANGE: &str = "You successfully changed your password.";
    /// Registered.
    pub const REGISTERED: &str = "Thank you. Confirmation instructions have been sent.";
}
