//! `GET/POST /change-email` (a link to the new address; freshness required) and
//! `GET /change-email/<token>` (confirm it) — SECURITY_CHANGE_EMAIL.

mod handler;
mod service;
mod view;

pub(super) use handler::{get, link, post};
