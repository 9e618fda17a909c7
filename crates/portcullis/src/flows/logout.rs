//! `POST /logout` (and GET when configured): ends the session.

use axum::extract::State;
use axum::response::Response;
use portcullis_core::events::Event;
use serde_json::Map;

use super::{FlowRequest, page};
use crate::Security;
use crate::respond::{self, FieldErrors};

pub(super) async fn logout(State(security): State<Security>, req: FlowRequest) -> Response {
    let config = security.config();
    if let Some(identity) = req.auth.session_identity().cloned() {
        if config.logout_csrf
            && let Err(m) = crate::csrf::check(&req.auth, req.csrf_token().as_deref())
        {
            if req.json {
                return respond::errors(axum::http::StatusCode::BAD_REQUEST, vec![m.to_owned()]);
            }
            let mut errors = FieldErrors::new();
            errors.add("csrf_token", m);
            return page(&req, "logout.html", "Sign out", &errors, Map::new());
        }
        req.auth.with_session(|s| s.logout());
        security.emit(Event::UserLoggedOut {
            user_id: identity.user.id,
        });
    } else if req.auth.with_session(|s| s.id.is_some()) {
        // An anonymous or dead session: clear its cookie too.
        req.auth.with_session(|s| s.logout());
    }
    if req.json && req.method == axum::http::Method::POST {
        return respond::envelope(axum::http::StatusCode::OK, Map::new());
    }
    let target = super::safe_next(&req).unwrap_or_else(|| config.post_logout_view.clone());
    respond::redirect(&target)
}
