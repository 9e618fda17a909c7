//! `GET/POST /register` (SECURITY_REGISTERABLE).

mod form;
mod handler;
mod service;
mod view;

pub(super) use handler::{get, post};
