//! `GET /account`: the home of a signed-in user — who they are, a sign-out button, and links to
//! every setting the enabled flows offer.

mod handler;

pub(super) use handler::get;
