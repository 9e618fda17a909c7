//! Two-factor authentication (SECURITY_TWO_FACTOR): after the first factor a sign-in waits in
//! the server-side session until `/tf-validate` accepts a code of the user's method (email, SMS
//! or an authenticator app); `/tf-setup` sets a method up (QR code for authenticators),
//! `/tf-rescue` helps users who lost theirs, `/mf-recovery-codes` and `/mf-recovery` manage and
//! use recovery codes. Codes are accepted once (the last used time step is remembered per user
//! and method) and wrong codes count toward the same lockout as wrong passwords.
//!
//! Clients without cookies get a signed `tf_state_token` with the pending sign-in and send it
//! back in the body of the next steps.

mod handler;
pub(crate) mod otp;
pub(crate) mod service;
mod state;
mod view;

pub(crate) use handler::{complete_with_key, pending_sign_in};
pub(super) use handler::{
    recovery, recovery_codes, recovery_codes_page, recovery_page, rescue, rescue_page, select,
    select_page, setup, setup_page, setup_token, validate, validate_page,
};
pub(crate) use service::{Entered, enter, needs_second_factor};
