//! One folder per flow: `handler.rs` (HTTP glue), `form.rs` (parse and validate input),
//! `service.rs` (the logic: store, hashing, clock, events — never names axum), `view.rs` (what is
//! shown). Outcomes are rendered by one [`reply::Reply`] type as the JSON envelope, an HTML page
//! or a redirect, decided in one place.

mod account;
mod change;
mod check;
mod guard;
mod login;
mod logout;
mod register;
mod reply;
mod request;
mod verify;

use axum::Router;
use axum::routing::{get, post};

pub(crate) use account::{
    lookup_identity, needs_confirmation, record_failure, throttle, upgrade_hash,
};

use crate::Security;

/// Largest request body a flow accepts.
const MAX_BODY: usize = 64 * 1024;

/// Build the router of every enabled flow. Disabled flows are not mounted.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(security: Security) -> Router<S> {
    let c = security.config().clone();
    let mut r: Router<Security> = Router::new()
        .route(&c.login_url, get(login::get).post(login::post))
        .route("/auth/check", get(check::check));
    let logout_get = c.logout_methods.iter().any(|m| m == "GET");
    let logout_post = c.logout_methods.iter().any(|m| m == "POST");
    match (logout_get, logout_post) {
        (true, true) => r = r.route(&c.logout_url, get(logout::logout).post(logout::logout)),
        (true, false) => r = r.route(&c.logout_url, get(logout::logout)),
        (false, true) => r = r.route(&c.logout_url, post(logout::logout)),
        (false, false) => {}
    }
    if c.freshness.as_secs() >= 0 {
        r = r.route(&c.verify_url, get(verify::get).post(verify::post));
    }
    if c.registerable {
        r = r.route(&c.register_url, get(register::get).post(register::post));
    }
    if c.changeable {
        r = r.route(&c.change_url, get(change::get).post(change::post));
    }
    r.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(security)
}
