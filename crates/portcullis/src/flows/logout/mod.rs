//! `POST /logout` (and GET when `logout_methods` says so): ends the session.

mod handler;

pub(super) use handler::logout;
