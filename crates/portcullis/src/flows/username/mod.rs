//! `GET/POST /recover-username` (SECURITY_USERNAME_RECOVERY: mail the username to the address)
//! and `GET/POST /change-username` (SECURITY_CHANGE_USERNAME: freshness required, a notice is
//! mailed).

mod handler;
mod service;
mod view;

pub(super) use handler::{change, change_page, recover, recover_page};
