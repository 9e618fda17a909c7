//! Random identifiers and tokens from the operating system's CSPRNG.
//!
//! Everything here reads the OS generator ([`rand::rngs::OsRng`]). Should the OS generator ever
//! report an error (practically impossible on supported platforms) the bytes come from the
//! thread-local ChaCha CSPRNG (`rand::rng()`, itself seeded from the OS) instead, so these
//! functions stay infallible.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::rngs::OsRng;
use rand::{RngCore, TryRngCore};

use super::hex_lower;

/// Fills `buf` with cryptographically secure random bytes.
pub(crate) fn fill(buf: &mut [u8]) {
    if OsRng.try_fill_bytes(buf).is_err() {
        tracing::error!("OS random generator failed; using the thread-local CSPRNG instead");
        rand::rng().fill_bytes(buf);
    }
}

/// Returns `n` cryptographically secure random bytes.
pub fn bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    fill(&mut buf);
    buf
}

/// A random version-4 UUID as 32 lower-case hex characters, like Python's `uuid.uuid4().hex`
/// (the value Flask-Security stores in `fs_uniquifier`).
pub fn uniquifier() -> String {
    let mut b = [0u8; 16];
    fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40; // version 4
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    hex_lower(&b)
}

/// `nbytes` random bytes as lower-case hex (Python `secrets.token_hex`).
pub fn token_hex(nbytes: usize) -> String {
    hex_lower(&bytes(nbytes))
}

/// `nbytes` random bytes as URL-safe base64 without padding (Python `secrets.token_urlsafe`).
pub fn url_token(nbytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(bytes(nbytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn uniquifier_is_uuid4_hex() {
        let u = uniquifier();
        assert_eq!(u.len(), 32);
        assert!(
            u.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(&u[12..13], "4");
        assert!(matches!(&u[16..17], "8" | "9" | "a" | "b"));
        assert_ne!(uniquifier(), u);
    }

    #[test]
    fn tokens_have_expected_shape() {
        assert_eq!(token_hex(16).len(), 32);
        assert_eq!(token_hex(0), "");
        let t = url_token(32);
        assert_eq!(t.len(), 43);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(bytes(7).len(), 7);
        assert_ne!(bytes(16), bytes(16));
    }
}
