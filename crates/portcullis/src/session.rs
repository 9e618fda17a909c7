//! Server-side sessions: a random id in an HttpOnly, SameSite=Lax cookie; the record (keyed by
//! the SHA-256 of the id) holds the user's `fs_uniquifier`, so rotating it ends the session.
//! The id is rotated at every login; a cookie id with no record is an anonymous session that
//! only anchors CSRF tokens and costs no storage.

use portcullis_core::SessionData;
use portcullis_core::crypto::random;
use sha2::{Digest, Sha256};

/// SHA-256 hex of a session id: the key the store uses.
pub(crate) fn id_hash(id: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(id.as_bytes());
    let mut out = String::with_capacity(64);
    for b in digest.iter() {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// A fresh session id: 32 random bytes, base64url.
pub(crate) fn new_id() -> String {
    random::url_token(32)
}

/// Whether a cookie value looks like one of our ids (anything else is ignored).
pub(crate) fn plausible_id(id: &str) -> bool {
    id.len() == 43
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What to do with the CSRF cookie (SECURITY_CSRF_COOKIE_NAME) on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum CsrfCookie {
    #[default]
    Keep,
    Set,
    Clear,
}

/// The session as seen during one request; persisted by the layer after the handler ran.
#[derive(Default)]
pub(crate) struct SessionState {
    /// Raw id from the cookie (or generated in this request).
    pub(crate) id: Option<String>,
    /// Whether a record with this id exists in the store.
    pub(crate) record_exists: bool,
    /// The signed-in user's `fs_uniquifier`, when the session is authenticated.
    pub(crate) user_uniquifier: Option<String>,
    pub(crate) data: SessionData,
    pub(crate) expires_at: i64,
    pub(crate) dirty: bool,
    /// A record to delete: the id this request replaced (login rotates the id).
    pub(crate) old_id: Option<String>,
    pub(crate) destroy: bool,
    pub(crate) new_cookie: bool,
    pub(crate) csrf_cookie: CsrfCookie,
    /// The CSRF token emitted in this request (for the CSRF cookie).
    pub(crate) csrf_token: Option<String>,
}

impl std::fmt::Debug for SessionState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionState")
            .field("authenticated", &self.user_uniquifier.is_some())
            .field("dirty", &self.dirty)
            .finish_non_exhaustive()
    }
}

impl SessionState {
    /// The session id, generating one (and a cookie) when there is none.
    pub(crate) fn ensure_id(&mut self) -> String {
        if let Some(id) = &self.id {
            return id.clone();
        }
        let id = new_id();
        self.id = Some(id.clone());
        self.new_cookie = true;
        self.record_exists = false;
        id
    }

    /// Sign a user in: new id (fixation defence), bound to their uniquifier.
    pub(crate) fn login(&mut self, uniquifier: &str, fs_paa: f64, remember: bool) {
        self.rotate();
        self.destroy = false;
        self.user_uniquifier = Some(uniquifier.to_owned());
        self.data = SessionData {
            fs_paa: Some(fs_paa),
            fs_gexp: None,
            remember,
            tf: None,
            flashes: Vec::new(),
        };
        self.dirty = true;
        self.csrf_cookie = CsrfCookie::Set;
    }

    /// New id, same data (privilege change such as re-authentication).
    pub(crate) fn rotate(&mut self) {
        if let Some(old) = self.id.take()
            && self.record_exists
        {
            self.old_id = Some(old);
        }
        self.id = Some(new_id());
        self.record_exists = false;
        self.new_cookie = true;
        self.dirty = true;
    }

    /// Sign out: the record is deleted and the cookie cleared.
    pub(crate) fn logout(&mut self) {
        self.destroy = true;
        self.user_uniquifier = None;
        self.data = SessionData::default();
        self.csrf_cookie = CsrfCookie::Clear;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn id_hash_is_sha256_hex() {
        assert_eq!(
            super::id_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
