//! `GET/POST /login`: identity (email or username) and password.

mod form;
mod handler;
mod service;
mod view;

pub(super) use handler::{get, post};
