//! Flash messages: an outcome kept in the browser's session and shown on the next page it is
//! rendered (Flask-Security's `flash`, with its categories). Off with SECURITY_FLASH_MESSAGES
//! = false; never for JSON clients, whose answers say it themselves.

use portcullis_core::messages::{Category, Message, Msg};
use portcullis_core::model::Flash;

use crate::layer::RequestAuth;

/// Keep `message` for the next page.
pub(crate) fn push(auth: &RequestAuth, message: impl Into<Message>) {
    if !auth.security().config().flash_messages {
        return;
    }
    let m = message.into();
    let flash = Flash {
        key: m.id().key().to_owned(),
        args: m
            .args()
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    };
    auth.with_session(|s| {
        s.ensure_id();
        s.data.flashes.push(flash);
        s.dirty = true;
    });
}

/// The messages kept for this page, removed from the session.
pub(crate) fn take(auth: &RequestAuth) -> Vec<(Category, Message)> {
    let flashes = auth.with_session(|s| {
        if s.data.flashes.is_empty() {
            return Vec::new();
        }
        s.dirty = true;
        std::mem::take(&mut s.data.flashes)
    });
    flashes
        .into_iter()
        .filter_map(|f| {
            let id = Msg::from_key(&f.key)?;
            let message = f
                .args
                .into_iter()
                .fold(Message::new(id), |m, (k, v)| m.arg_named(&k, v));
            Some((id.category(), message))
        })
        .collect()
}
