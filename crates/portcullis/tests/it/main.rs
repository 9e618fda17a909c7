//! The integration tests of portcullis, one binary (modules below).

mod bad_input;
mod bursts;
mod common;
mod email_flows;
mod faults;
mod flashes;
mod flask_security_migration;
mod flows;
mod hardening;
mod i18n;
mod lockout;
mod mail;
mod pages;
mod password_policy;
mod sms;
mod sqlite_e2e;
mod two_factor;
mod unified_signin;
mod webauthn;
mod wire_transcripts;
