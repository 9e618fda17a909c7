//! One place that renders outcomes: Flask-Security's JSON envelope
//! `{"meta":{"code":N},"response":{...}}`, HTML pages, and redirects.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

pub use crate::form::FieldErrors;
pub(crate) use crate::messages::{Message, Msg};

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

/// A JSON envelope around a typed body, serialised straight into the response body (no
/// intermediate `serde_json::Value`).
pub(crate) fn envelope_of<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    #[derive(serde::Serialize)]
    struct Meta {
        code: u16,
    }
    #[derive(serde::Serialize)]
    struct Envelope<'a, T> {
        meta: Meta,
        response: &'a T,
    }
    let envelope = Envelope {
        meta: Meta {
            code: status.as_u16(),
        },
        response: body,
    };
    match serde_json::to_vec(&envelope) {
        Ok(bytes) => {
            let mut res = (status, bytes).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            res
        }
        Err(e) => crate::error::Error::Reply(e.to_string()).into_response(),
    }
}

/// `{"errors":[...]}` (decorator-style errors: 401, 403, CSRF).
pub fn errors(status: StatusCode, errors: &[Message]) -> Response {
    let mut m = Map::new();
    m.insert("errors".into(), texts(errors.iter()));
    envelope(status, m)
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

/// An error answered outside the flows: the envelope for JSON clients, a small HTML page (in
/// the request's language) for browsers.
pub(crate) fn error_response(headers: &HeaderMap, status: StatusCode, message: Msg) -> Response {
    let message = Message::new(message);
    if wants_json(headers) {
        errors(status, &[message])
    } else {
        // Every word from the catalog (the status' English reason would not be).
        html(
            status,
            format!(
                "<!doctype html><html lang=\"{lang}\"><meta charset=\"utf-8\">\
                 <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
                 <title>{code} · {text}</title><main><h1>{text}</h1></main></html>",
                lang = crate::i18n::current_tag(),
                code = status.as_u16(),
                text = crate::i18n::text(&message),
            ),
        )
    }
}

/// A 403: the envelope for API clients, a small HTML page for browsers.
pub fn forbidden(headers: &HeaderMap) -> Response {
    error_response(headers, StatusCode::FORBIDDEN, Msg::Unauthorized)
}

/// 429 with `Retry-After` (header, and `retry_after` in the envelope).
pub fn too_many_requests(headers: &HeaderMap, retry_after: i64) -> Response {
    let retry_after = retry_after.max(1);
    let mut res = if wants_json(headers) {
        let mut m = Map::new();
        m.insert(
            "errors".into(),
            texts([Message::new(Msg::RateLimited)].iter()),
        );
        m.insert("retry_after".into(), json!(retry_after));
        envelope(StatusCode::TOO_MANY_REQUESTS, m)
    } else {
        error_response(headers, StatusCode::TOO_MANY_REQUESTS, Msg::RateLimited)
    };
    if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
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

/// The 400 JSON response for field errors: `{"errors":[...],"field_errors":{...}}`.
pub fn field_errors(errors: &FieldErrors) -> Response {
    let mut fe = Map::new();
    for name in errors.field_names() {
        fe.insert(name.to_owned(), texts(errors.get(name).iter()));
    }
    let mut m = Map::new();
    m.insert("errors".into(), texts(errors.all()));
    m.insert("field_errors".into(), Value::Object(fe));
    envelope(StatusCode::BAD_REQUEST, m)
}

/// Messages as a JSON array of their texts (the one place a message id becomes text).
pub(crate) fn texts<'a>(messages: impl Iterator<Item = &'a Message>) -> Value {
    Value::Array(
        messages
            .map(|m| Value::String(crate::i18n::text(m)))
            .collect(),
    )
}
