//! `GET/POST /verify`: re-authenticate with the password to refresh freshness.

mod form;
mod handler;
mod service;
mod view;

pub(super) use handler::{get, post};
