//! Unified sign-in (SECURITY_UNIFIED_SIGNIN): one identity field (email, username or phone) and
//! one passcode — a password or a one-time code of any method the user has set up (email with a
//! magic link, SMS, authenticator); `/us-setup` adds and removes methods, `/us-verify`
//! re-authenticates. Codes are accepted once, count toward the lockout, and the code-sending
//! endpoints are rate-limited per identity and per client address.

mod handler;
pub(crate) mod service;
mod view;

pub(super) use handler::{
    send_code, setup, setup_page, setup_validate, signin, signin_page, verify, verify_link,
    verify_page, verify_send_code,
};
