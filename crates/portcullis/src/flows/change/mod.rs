//! `GET/POST /change` (SECURITY_CHANGEABLE): a new password rotates `fs_uniquifier`, ending
//! every other session and token of the user.

mod form;
mod handler;
mod service;
mod view;

pub(super) use handler::{get, post};
