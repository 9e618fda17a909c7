//! [`FlowRequest`]: what every flow handler gets — the auth state, headers, query and the
//! parsed body (JSON object or urlencoded form), with Flask-Security's input rules.

use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value};

use super::MAX_BODY;
use crate::csrf;
use crate::form::FieldErrors;
use crate::layer::RequestAuth;
use crate::messages::Msg;
use crate::respond;

pub(crate) struct FlowRequest {
    pub(crate) auth: RequestAuth,
    pub(crate) method: Method,
    pub(crate) headers: HeaderMap,
    pub(crate) uri: Uri,
    /// The client wants JSON (Flask-Security's rule).
    pub(crate) json: bool,
    pub(crate) input: Map<String, Value>,
}

impl<S: Send + Sync> FromRequest<S> for FlowRequest {
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let auth = crate::extract::request_auth(&parts)?;
        let json = respond::wants_json(&parts.headers);
        let body_is_json = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.trim_start()
                    .to_ascii_lowercase()
                    .starts_with("application/json")
            });
        // Read the body without copying the request's parts; a GET has none to wait for.
        let bytes =
            match http_body_util::BodyExt::collect(http_body_util::Limited::new(body, MAX_BODY))
                .await
            {
                Ok(collected) => collected.to_bytes(),
                Err(e)
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some() =>
                {
                    return Err(respond::errors(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &[Msg::RequestBodyTooLarge.into()],
                    ));
                }
                Err(_) => {
                    return Err(respond::errors(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        &[Msg::RequestBodyUnreadable.into()],
                    ));
                }
            };
        let input = if bytes.is_empty() {
            Map::new()
        } else if body_is_json {
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(m)) => m,
                _ => {
                    return Err(respond::errors(
                        StatusCode::BAD_REQUEST,
                        &[Msg::ApiError.into()],
                    ));
                }
            }
        } else {
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect()
        };
        Ok(Self {
            auth,
            method: parts.method,
            headers: parts.headers,
            uri: parts.uri,
            json,
            input,
        })
    }
}

impl FlowRequest {
    /// A string field: `None` when absent or empty; an `API_ERROR` field error when it is not a
    /// string (Flask-Security 5.9's IsString).
    pub(crate) fn string(&self, name: &str, errors: &mut FieldErrors) -> Option<String> {
        match self.input.get(name) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                errors.add(name, Msg::ApiError);
                None
            }
        }
    }

    /// A boolean field (`true`, "y", "on", "true", "1").
    pub(crate) fn boolean(&self, name: &str) -> Option<bool> {
        match self.input.get(name)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(matches!(
                s.to_ascii_lowercase().as_str(),
                "y" | "yes" | "on" | "true" | "1"
            )),
            Value::Number(n) => Some(n.as_i64().is_some_and(|n| n != 0)),
            _ => None,
        }
    }

    /// A raw text value as submitted (for re-filling HTML forms).
    pub(crate) fn text(&self, name: &str) -> Option<&str> {
        self.input.get(name).and_then(Value::as_str)
    }

    /// A query parameter.
    pub(crate) fn query(&self, key: &str) -> Option<String> {
        let q = self.uri.query()?;
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    /// `next` from the body, else the query string.
    pub(crate) fn next_param(&self) -> Option<String> {
        match self.input.get("next") {
            Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
            _ => self.query("next").filter(|s| !s.is_empty()),
        }
    }

    /// `next`, validated (open-redirect rules); invalid values are dropped.
    pub(crate) fn safe_next(&self) -> Option<String> {
        self.next_param().and_then(|n| {
            crate::redirect::validate(&n, self.auth.host(), self.auth.security().config())
        })
    }

    /// A field error when `next` is present and would redirect off-site.
    pub(crate) fn check_next(&self, errors: &mut FieldErrors) {
        if let Some(next) = self.next_param()
            && crate::redirect::validate(&next, self.auth.host(), self.auth.security().config())
                .is_none()
        {
            errors.add("next", Msg::InvalidRedirect);
        }
    }

    /// The CSRF token from a header or the `csrf_token` field.
    pub(crate) fn csrf_token(&self) -> Option<String> {
        let config = self.auth.security().config();
        csrf::header_token(&self.headers, &config.csrf_header)
            .or_else(|| self.text("csrf_token").map(str::to_owned))
    }

    /// Whether the auth token should be returned (`?include_auth_token`, any value).
    pub(crate) fn include_auth_token(&self) -> bool {
        self.query("include_auth_token").is_some()
            || self.auth.security().config().backwards_compat_auth_token
    }
}
