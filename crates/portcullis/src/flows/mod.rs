//! One folder per flow: `handler.rs` (HTTP glue), `form.rs` (parse and validate input),
//! `service.rs` (the logic: store, hashing, clock, events — never names axum), `view.rs` (what is
//! shown). JSON bodies are typed (`wire.rs`, one type per shape). Outcomes are rendered by one
//! [`reply::Reply`] type as the JSON envelope, an HTML page or a redirect, decided in one place.

mod change;
mod change_email;
mod check;
mod confirm;
mod guard;
mod login;
mod logout;
mod notify;
mod pace;
mod register;
mod reply;
mod request;
mod reset;
pub(crate) mod two_factor;
mod unified;
mod username;
mod verify;
mod wire;

use axum::Router;
use axum::routing::{get, post};

use crate::Security;

/// Largest request body a flow accepts.
const MAX_BODY: usize = 64 * 1024;

/// Build the router of every enabled flow. Disabled flows are not mounted.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(security: Security) -> Router<S> {
    let c = security.config().clone();
    let mut r: Router<Security> = Router::new().route("/auth/check", get(check::check));
    if c.unified_signin && c.us_signin_replaces_login {
        r = r.route(
            &c.login_url,
            get(unified::signin_page).post(unified::signin),
        );
    } else {
        r = r.route(&c.login_url, get(login::get).post(login::post));
    }
    if c.unified_signin {
        r = r
            .route(
                &c.us_signin_url,
                get(unified::signin_page).post(unified::signin),
            )
            .route(&c.us_signin_send_code_url, post(unified::send_code))
            .route(&c.us_verify_link_url, get(unified::verify_link))
            .route(
                &c.us_setup_url,
                get(unified::setup_page).post(unified::setup),
            )
            .route(
                &format!("{}/{{state}}", c.us_setup_url),
                post(unified::setup_validate),
            );
        if c.freshness.as_secs() >= 0 {
            r = r
                .route(
                    &c.us_verify_url,
                    get(unified::verify_page).post(unified::verify),
                )
                .route(&c.us_verify_send_code_url, post(unified::verify_send_code));
        }
    }
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
    if c.confirmable {
        r = r
            .route(&c.confirm_url, get(confirm::get).post(confirm::post))
            .route(
                &format!("{}/{{token}}", c.confirm_url),
                get(confirm::link).post(confirm::link),
            );
    }
    if c.change_email {
        r = r
            .route(
                &c.change_email_url,
                get(change_email::get).post(change_email::post),
            )
            .route(
                &format!("{}/{{token}}", c.change_email_url),
                get(change_email::link),
            );
    }
    if c.username_recovery {
        r = r.route(
            &c.username_recovery_url,
            get(username::recover_page).post(username::recover),
        );
    }
    if c.change_username {
        r = r.route(
            &c.change_username_url,
            get(username::change_page).post(username::change),
        );
    }
    if c.two_factor {
        r = r
            .route(
                &c.two_factor_setup_url,
                get(two_factor::setup_page).post(two_factor::setup),
            )
            .route(
                &format!("{}/{{token}}", c.two_factor_setup_url),
                post(two_factor::setup_token),
            )
            .route(
                &c.two_factor_token_validation_url,
                get(two_factor::validate_page).post(two_factor::validate),
            )
            .route(
                &c.two_factor_select_url,
                get(two_factor::select_page).post(two_factor::select),
            )
            .route(
                &c.two_factor_rescue_url,
                get(two_factor::rescue_page).post(two_factor::rescue),
            );
        if c.multi_factor_recovery_codes {
            r = r
                .route(
                    &c.multi_factor_recovery_codes_url,
                    get(two_factor::recovery_codes_page).post(two_factor::recovery_codes),
                )
                .route(
                    &c.multi_factor_recovery_url,
                    get(two_factor::recovery_page).post(two_factor::recovery),
                );
        }
    }
    if c.recoverable {
        r = r
            .route(&c.reset_url, get(reset::forgot_page).post(reset::forgot))
            .route(
                &format!("{}/{{token}}", c.reset_url),
                get(reset::link).post(reset::link),
            );
    }
    r.layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(security)
}
