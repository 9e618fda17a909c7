//! HTTP glue for `/logout`: there is no logic beyond ending the session.

use crate::view::Title;
use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use portcullis_core::events::Event;
use serde_json::Map;

use crate::Security;
use crate::flows::reply::{Page, Reply};
use crate::flows::request::FlowRequest;
use crate::form::FieldErrors;
use crate::respond;

pub(in crate::flows) async fn logout(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let config = security.config();
    if let Some(identity) = req.auth.session_identity().cloned() {
        if config.logout_csrf
            && let Err(m) = crate::csrf::check(&req.auth, req.csrf_token().as_deref())
        {
            if req.json {
                return respond::errors(StatusCode::BAD_REQUEST, &[m.into()]);
            }
            let mut errors = FieldErrors::new();
            errors.add("csrf_token", m);
            return Reply::Invalid {
                errors,
                page: Page::new("logout.html", Title::SignOut),
            }
            .render(&req);
        }
        req.auth.with_session(|s| s.logout());
        security.emit(Event::UserLoggedOut {
            user_id: identity.user.id,
        });
    } else if req.auth.with_session(|s| s.id.is_some()) {
        // An anonymous or dead session: clear its cookie too.
        req.auth.with_session(|s| s.logout());
    }
    // Flask-Security: POST+JSON → 200 `{}` without csrf_token; otherwise a redirect.
    if req.json && req.method == Method::POST {
        return respond::envelope(StatusCode::OK, Map::new());
    }
    Reply::Redirect(
        req.safe_next()
            .unwrap_or_else(|| config.post_logout_view.clone()),
    )
    .render(&req)
}
