//! Cryptographic building blocks: secrets that never leak through `Debug`, constant-time
//! comparison, OS randomness and passlib/Flask-Security compatible password hashing.

pub mod hash_data;
pub mod password;
pub mod random;

use std::fmt;

use serde::Deserialize;
use subtle::ConstantTimeEq;

pub use password::{
    PasswordConfig, PasswordHasher, Scheme, SingleHash, Verification, hmac_prehash, identify,
};

/// A value that must never show up in logs: its `Debug` output is `Secret([REDACTED])`.
///
/// Deserializes transparently from the inner value (e.g. a plain string in a config file).
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// Gives access to the secret value. Keep the borrow short and never log it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl From<serde_json::Map<String, serde_json::Value>>
    for Secret<serde_json::Map<String, serde_json::Value>>
{
    fn from(map: serde_json::Map<String, serde_json::Value>) -> Self {
        Self(map)
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret<String> {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Compares two byte strings in constant time (for equal lengths; a length mismatch returns
/// `false` early, which only reveals the length).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// Errors of the crypto module.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// A hashing scheme name that portcullis does not implement.
    #[error("unknown or unsupported password hashing scheme: {0}")]
    UnknownScheme(String),
    /// `SECURITY_PASSWORD_SALT` is required because the configured scheme gets the HMAC pre-hash.
    #[error("a password salt (SECURITY_PASSWORD_SALT) is required for the configured scheme")]
    MissingSalt,
    /// Hashing failed or the hashing parameters are invalid.
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// HMAC over digest `D`, written so that no fallible constructor is involved: the key is
/// pre-processed exactly as RFC 2104 prescribes (hashed when longer than the block size, then
/// zero-padded to the block size), which is what `Hmac::new_from_slice` does internally.
fn hmac_raw<D>(key: &[u8], msg: &[u8]) -> Vec<u8>
where
    D: hmac::EagerHash,
    hmac::Hmac<D>: hmac::KeyInit + hmac::Mac,
{
    use hmac::{KeyInit as _, Mac as _};
    let mut block = hmac::digest::Key::<hmac::Hmac<D>>::default();
    if key.len() > block.len() {
        let digest = D::digest(key);
        for (dst, src) in block.iter_mut().zip(digest.iter()) {
            *dst = *src;
        }
    } else {
        for (dst, src) in block.iter_mut().zip(key) {
            *dst = *src;
        }
    }
    let mut mac = hmac::Hmac::<D>::new(&block);
    mac.update(msg);
    mac.finalize().into_bytes().to_vec()
}

/// HMAC-SHA512 (64 bytes).
pub(crate) fn hmac_sha512(key: &[u8], msg: &[u8]) -> Vec<u8> {
    hmac_raw::<sha2::Sha512>(key, msg)
}

/// HMAC-SHA1 (20 bytes), as used by itsdangerous signers.
pub(crate) fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
    hmac_raw::<sha1::Sha1>(key, msg)
}

/// Lower-case hex encoding (like Python's `bytes.hex()`).
pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "Secret([REDACTED])");
        assert_eq!(s.expose(), "hunter2");
        let s2: Secret<String> = String::from("x").into();
        assert_eq!(s2.clone().expose(), "x");
    }

    #[test]
    fn secret_deserializes_transparently() {
        let s: Secret<String> = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(s.expose(), "abc");
    }

    #[test]
    fn ct_eq() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn hmac_matches_rfc4231() {
        // RFC 4231 test case 2 (short key) and test case 6 (key longer than the block size).
        assert_eq!(
            hex_lower(&hmac_sha512(b"Jefe", b"what do ya want for nothing?")),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
        assert_eq!(
            hex_lower(&hmac_sha512(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        );
        // RFC 2202 HMAC-SHA1 test case 2.
        assert_eq!(
            hex_lower(&hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn hex() {
        assert_eq!(hex_lower(&[0x00, 0xab, 0xff]), "00abff");
    }
}
