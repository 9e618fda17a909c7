//! `GET/POST /reset` (mail a reset link) and `GET/POST /reset/<token>` (set a new password) —
//! SECURITY_RECOVERABLE. A completed reset rotates `fs_uniquifier` (every session and token of
//! the user ends, and the link with them) and lifts a brute-force lock: a user can always get
//! back in through their mailbox.

mod form;
mod handler;
mod service;
mod view;

pub(super) use handler::{forgot, forgot_page, link};
