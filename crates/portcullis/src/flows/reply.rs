//! [`Reply`]: a flow's outcome, rendered in one place as the JSON envelope (for clients that
//! want JSON) or as an HTML page / redirect (for browsers).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::request::FlowRequest;
use super::wire::UserBody;
use crate::form::FieldErrors;
use crate::messages::Message;
use crate::view::Title;
use crate::{csrf, respond};

/// An HTML page: template, title and context.
pub(crate) struct Page {
    pub(crate) template: &'static str,
    pub(crate) title: Title,
    pub(crate) ctx: Map<String, Value>,
    /// What the page tells the user (rendered as `messages`).
    pub(crate) messages: Vec<Message>,
}

impl Page {
    pub(crate) fn new(template: &'static str, title: Title) -> Self {
        Self {
            template,
            title,
            ctx: Map::new(),
            messages: Vec::new(),
        }
    }

    /// Tell the user `message` on this page.
    pub(crate) fn say(mut self, message: impl Into<Message>) -> Self {
        self.messages.push(message.into());
        self
    }

    pub(crate) fn with(mut self, key: &str, value: Value) -> Self {
        self.ctx.insert(key.to_owned(), value);
        self
    }
}

/// A JSON `response` object, made only from a typed body (`wire.rs`).
pub(crate) struct Body(Map<String, Value>);

impl Body {
    /// `{}`.
    pub(crate) fn empty() -> Self {
        Self(Map::new())
    }
}

impl<T: serde::Serialize> From<&T> for Body {
    fn from(body: &T) -> Self {
        match serde_json::to_value(body) {
            Ok(Value::Object(m)) => Self(m),
            Ok(_) | Err(_) => {
                // Every wire type is a struct of plain data; this is a programming error.
                tracing::error!(
                    r#type = std::any::type_name::<T>(),
                    "a reply body is not an object"
                );
                Self(Map::new())
            }
        }
    }
}

pub(crate) enum Reply {
    /// A GET: the JSON body (plus a fresh `csrf_token`) or the page.
    Show { json: Body, page: Page },
    /// Success: JSON 200 (plus `csrf_token` when `csrf`), or a redirect for browsers.
    Done {
        json: Body,
        csrf: bool,
        redirect: String,
    },
    /// Invalid input: JSON 400 `errors`/`field_errors`, or the page again (200) with errors.
    Invalid { errors: FieldErrors, page: Page },
    /// A request accepted (a mail sent): JSON 200 with `csrf_token`, or the page again with
    /// its `messages` (no redirect: the page says what happened).
    Accepted { json: Body, page: Page },
    /// The end of a mailed link when no view is configured to redirect to: JSON 200 `{}` or
    /// 400 `errors`, or a small HTML page saying it.
    Notice {
        ok: bool,
        message: Message,
        title: Title,
    },
    /// A redirect for everyone.
    Redirect(String),
    /// A response built elsewhere (401, CSRF failure, server error).
    Response(Response),
}

impl From<crate::error::Error> for Reply {
    fn from(e: crate::error::Error) -> Self {
        Self::Response(e.into_response())
    }
}

impl From<Response> for Reply {
    fn from(r: Response) -> Self {
        Self::Response(r)
    }
}

/// Render a handler's outcome; `Err` is an early stop (401, CSRF failure, server error).
pub(crate) fn finish(req: &FlowRequest, outcome: Result<Reply, Reply>) -> Response {
    match outcome {
        Ok(r) | Err(r) => r.render(req),
    }
}

impl Reply {
    pub(crate) fn render(self, req: &FlowRequest) -> Response {
        match self {
            Self::Show {
                json: Body(mut json),
                page,
            } => {
                if req.json {
                    json.insert("csrf_token".into(), json!(csrf::token(&req.auth)));
                    respond::envelope(StatusCode::OK, json)
                } else {
                    render_page(req, page, &FieldErrors::new())
                }
            }
            Self::Done {
                json: Body(mut json),
                csrf,
                redirect,
            } => {
                if req.json {
                    if csrf {
                        json.insert("csrf_token".into(), json!(csrf::token(&req.auth)));
                    }
                    respond::envelope(StatusCode::OK, json)
                } else {
                    respond::redirect(&redirect)
                }
            }
            Self::Invalid { errors, page } => {
                if req.json {
                    respond::field_errors(&errors)
                } else {
                    render_page(req, page, &errors)
                }
            }
            Self::Accepted {
                json: Body(mut json),
                page,
            } => {
                if req.json {
                    json.insert("csrf_token".into(), json!(csrf::token(&req.auth)));
                    respond::envelope(StatusCode::OK, json)
                } else {
                    render_page(req, page, &FieldErrors::new())
                }
            }
            Self::Notice { ok, message, title } => {
                if req.json {
                    if ok {
                        respond::envelope(StatusCode::OK, Map::new())
                    } else {
                        respond::errors(StatusCode::BAD_REQUEST, &[message])
                    }
                } else {
                    let page = Page::new("message.html", title);
                    let page = if ok {
                        page.say(message)
                    } else {
                        page.with("notice_errors", respond::texts([message].iter()))
                    };
                    let mut r = render_page(req, page, &FieldErrors::new());
                    if !ok {
                        *r.status_mut() = StatusCode::BAD_REQUEST;
                    }
                    r
                }
            }
            Self::Redirect(to) => respond::redirect(&to),
            Self::Response(r) => r,
        }
    }
}

fn render_page(req: &FlowRequest, page: Page, errors: &FieldErrors) -> Response {
    let security = req.auth.security();
    let mut ctx = page.ctx;
    let mut fe = Map::new();
    for name in errors.field_names() {
        fe.insert(name.to_owned(), respond::texts(errors.get(name).iter()));
    }
    ctx.insert(
        "title".into(),
        json!(crate::i18n::text_of(page.title.key(), &[])),
    );
    ctx.insert("lang".into(), json!(crate::i18n::current_tag()));
    ctx.insert("template".into(), json!(page.template));
    ctx.insert("nav".into(), nav(req));
    let flashes: Vec<Value> = crate::flash::take(&req.auth)
        .into_iter()
        .map(|(category, m)| json!({"category": category, "text": crate::i18n::text(&m)}))
        .collect();
    ctx.insert("flashes".into(), Value::Array(flashes));
    ctx.insert("errors".into(), Value::Object(fe));
    ctx.insert("form_errors".into(), respond::texts(errors.get("").iter()));
    if !page.messages.is_empty() {
        ctx.insert("messages".into(), respond::texts(page.messages.iter()));
    }
    ctx.insert("csrf_token".into(), json!(csrf::token(&req.auth)));
    ctx.insert(
        "action".into(),
        json!(req.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/")),
    );
    ctx.entry("values").or_insert_with(|| json!({}));
    match security
        .inner
        .templates
        .render(page.template, &Value::Object(ctx))
    {
        Ok(body) => respond::html(StatusCode::OK, body),
        Err(e) => e.into_response(),
    }
}

/// The `user` payload: Flask-Security's default is `{}`, plus the auth token when asked for.
pub(crate) fn user_payload(
    req: &FlowRequest,
    user: &portcullis_core::User,
    fs_paa: Option<f64>,
) -> UserBody {
    let authentication_token = req.include_auth_token().then(|| {
        let security = req.auth.security();
        let paa = fs_paa.unwrap_or_else(|| security.clock().unix_f64());
        security.auth_token(user, paa)
    });
    UserBody {
        authentication_token,
    }
}

/// The links every page offers, as the enabled flows and the visitor allow: anonymous pages
/// link to each other, signed-in pages to the account and its settings, with a sign-out form.
fn nav(req: &FlowRequest) -> Value {
    let c = req.auth.security().config();
    let signed_in = req.auth.session_identity().map(|i| i.user.email.clone());
    let on = |enabled: bool, url: &str| enabled.then(|| url.to_owned());
    if signed_in.is_some() {
        json!({
            "signed_in": signed_in,
            "account": c.account_url,
            "logout": on(c.logout_methods.iter().any(|m| m == "POST"), &c.logout_url),
            "change": on(c.changeable, &c.change_url),
            "change_email": on(c.change_email, &c.change_email_url),
            "change_username": on(c.change_username, &c.change_username_url),
            "tf_setup": on(c.two_factor, &c.two_factor_setup_url),
            "recovery_codes": on(
                c.two_factor && c.multi_factor_recovery_codes,
                &c.multi_factor_recovery_codes_url
            ),
            "us_setup": on(c.unified_signin, &c.us_setup_url),
            "wan_register": on(c.webauthn, &c.wan_register_url),
        })
    } else {
        json!({
            "signed_in": null,
            "login": c.login_url,
            "register": on(c.registerable, &c.register_url),
            "reset": on(c.recoverable, &c.reset_url),
            "confirm": on(c.confirmable, &c.confirm_url),
            "us_signin": on(c.unified_signin && !c.us_signin_replaces_login, &c.us_signin_url),
            "recover_username": on(c.username_recovery, &c.username_recovery_url),
            "wan_signin": on(c.webauthn && c.wan_allow_as_first_factor, &c.wan_signin_url),
        })
    }
}

/// Keep `message` for the next page a browser is shown (JSON clients: nothing).
pub(crate) fn flash(req: &FlowRequest, message: impl Into<Message>) {
    if !req.json {
        crate::flash::push(&req.auth, message);
    }
}

/// Sign a user in on this request: track the login (service), then rotate and bind the session.
pub(crate) async fn login_user(
    req: &FlowRequest,
    user: &portcullis_core::User,
    remember: bool,
    via: &str,
) -> crate::error::Result<f64> {
    let fs_paa =
        crate::accounts::sign_in(req.auth.security(), user, req.auth.client_ip(), via).await?;
    req.auth
        .with_session(|s| s.login(&user.fs_uniquifier, fs_paa, remember));
    Ok(fs_paa)
}

/// The signed-in user proved again that it is them (`/verify`, `/us-verify`, `/wan-verify`):
/// fresh from now, on a new session id (a privilege change) when signed in by session. Returns
/// the new `fs_paa`.
pub(crate) fn reauthenticated(
    req: &FlowRequest,
    user: &portcullis_core::User,
    via: portcullis_core::config::Mechanism,
) -> f64 {
    let security = req.auth.security();
    let fs_paa = security.clock().unix_f64();
    if via == portcullis_core::config::Mechanism::Session {
        req.auth.with_session(|s| {
            s.data.fs_paa = Some(fs_paa);
            s.data.fs_gexp = None;
            s.rotate();
        });
    }
    security.emit(portcullis_core::events::Event::Reauthenticated { user_id: user.id });
    fs_paa
}
