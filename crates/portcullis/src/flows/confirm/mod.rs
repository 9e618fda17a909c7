//! `GET/POST /confirm` (send the confirmation link again) and `GET/POST /confirm/<token>` (the
//! mailed link) — SECURITY_CONFIRMABLE.

pub(crate) mod form;
mod handler;
pub(crate) mod service;
mod view;

pub(super) use handler::{get, link, post};
