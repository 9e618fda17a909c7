//! itsdangerous-compatible signed tokens, as Flask-Security makes them.
//!
//! Flask-Security signs every token with `URLSafeTimedSerializer(secret_keys, salt=…)`:
//!
//! * signing key = `SHA1(salt + "signer" + secret_key)` (itsdangerous "django-concat" derivation),
//! * payload = compact JSON; zlib-compressed (and the base64 prefixed with `.`) when that saves
//!   more than one byte,
//! * timestamp = seconds since the epoch, big-endian, leading zero bytes stripped,
//! * token = `b64(payload) "." b64(timestamp) "." b64(HMAC-SHA1(key, b64(payload) "." b64(timestamp)))`,
//!   where b64 is URL-safe base64 without padding (untimed tokens have no timestamp part).
//!
//! Compression uses zlib level 6 like Python, but a different deflate implementation, so the
//! compressed bytes (and, for payloads right at the threshold, the decision to compress) may
//! differ from Python's. Both forms verify either way.

pub mod auth;
pub mod links;

use std::fmt;
use std::io::{Read as _, Write as _};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use sha1::{Digest as _, Sha1};

use crate::crypto::{Secret, constant_time_eq, hmac_sha1};

pub use auth::{
    AuthTokenClaims, VerifiedClaims, VerifiedTokens, mint_auth_token, verify_auth_token,
};

/// URL-safe base64 without padding; decoding also accepts padding and non-canonical trailing bits
/// (as itsdangerous/Python do).
const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Largest decompressed payload accepted (1 MiB); real tokens are tiny.
const MAX_DECOMPRESSED: u64 = 1024 * 1024;

/// Errors when reading a signed token.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// Not a token of the expected shape, or a signed payload that cannot be decoded.
    #[error("malformed token")]
    Malformed,
    /// The signature does not match any of the keys.
    #[error("bad token signature")]
    BadSignature,
    /// Valid signature, but too old (or dated in the future, or past its `exp`). The payload is
    /// still returned, like itsdangerous' `loads_unsafe`.
    #[error("token expired")]
    Expired {
        /// The decoded payload.
        value: serde_json::Value,
        /// When the token was signed (unix seconds).
        signed_at: i64,
    },
}

/// A verified timed token.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedPayload {
    /// The decoded JSON payload.
    pub value: serde_json::Value,
    /// When the token was signed (unix seconds).
    pub signed_at: i64,
}

/// What a token is for; each purpose has its own itsdangerous salt (`SECURITY_<NAME>_SALT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenPurpose {
    /// Auth tokens (`remember-salt`).
    Remember,
    /// Confirmation links (`confirm-salt`).
    Confirm,
    /// Password reset links (`reset-salt`).
    Reset,
    /// Passwordless login links (`login-salt`).
    Login,
    /// Change-email links (`change-email-salt`).
    ChangeEmail,
    /// Two-factor setup state (`tf-setup-salt`).
    TwoFactorSetup,
    /// Unified sign-in setup state (`us-setup-salt`).
    UsSetup,
    /// The two-factor "remember this browser" token (`tf-validity-salt`).
    TwoFactorValidity,
    /// WebAuthn ceremony state (`wan-salt`).
    Wan,
    /// Refresh tokens (`refresh-token-salt`, untimed).
    Refresh,
    /// Flask-WTF CSRF tokens (`wtf-csrf-token`).
    Csrf,
}

impl TokenPurpose {
    /// The itsdangerous salt Flask-Security uses for this purpose.
    pub fn salt(self) -> &'static str {
        match self {
            TokenPurpose::Remember => "remember-salt",
            TokenPurpose::Confirm => "confirm-salt",
            TokenPurpose::Reset => "reset-salt",
            TokenPurpose::Login => "login-salt",
            TokenPurpose::ChangeEmail => "change-email-salt",
            TokenPurpose::TwoFactorSetup => "tf-setup-salt",
            TokenPurpose::UsSetup => "us-setup-salt",
            TokenPurpose::TwoFactorValidity => "tf-validity-salt",
            TokenPurpose::Wan => "wan-salt",
            TokenPurpose::Refresh => "refresh-token-salt",
            TokenPurpose::Csrf => "wtf-csrf-token",
        }
    }
}

/// Signs and verifies itsdangerous tokens with `SECRET_KEY` and `SECRET_KEY_FALLBACKS`.
///
/// New tokens are always signed with the primary `SECRET_KEY`; verification tries the primary
/// key, then each fallback. (Flask-Security itself passes `[SECRET_KEY, *fallbacks]` to
/// itsdangerous, which signs with the *last* key, so with fallbacks configured it signs new
/// tokens with the last fallback — quirk Q2 of the wire spec, deliberately not reproduced.)
#[derive(Clone)]
pub struct Signer {
    /// Primary key first, then the fallbacks.
    keys: Vec<Secret<String>>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("secret_key", &"[REDACTED]")
            .field("fallbacks", &self.keys.len().saturating_sub(1))
            .finish()
    }
}

impl Signer {
    /// A signer for `SECRET_KEY` with the given `SECRET_KEY_FALLBACKS`.
    pub fn new(secret_key: &str, fallbacks: &[String]) -> Self {
        let mut keys = Vec::with_capacity(1 + fallbacks.len());
        keys.push(Secret::new(secret_key.to_owned()));
        keys.extend(fallbacks.iter().map(|k| Secret::new(k.clone())));
        Self { keys }
    }

    /// Makes a timed token (`URLSafeTimedSerializer.dumps`) from already-serialized compact JSON
    /// text, signed at `now_unix` (negative times are clamped to 0).
    pub fn sign_timed(&self, salt: &str, json_payload: &str, now_unix: i64) -> String {
        let ts = u64::try_from(now_unix).unwrap_or(0).to_be_bytes();
        let first = ts.iter().position(|b| *b != 0).unwrap_or(ts.len());
        let value = format!(
            "{}.{}",
            encode_payload(json_payload),
            B64URL.encode(&ts[first..])
        );
        self.append_signature(salt, value)
    }

    /// Like [`Signer::sign_timed`] but never compressed. itsdangerous (and so Flask-Security)
    /// accepts both forms; an uncompressed token costs no zlib work to verify, which matters
    /// for tokens checked on every request (auth tokens, CSRF tokens).
    pub fn sign_timed_plain(&self, salt: &str, json_payload: &str, now_unix: i64) -> String {
        let ts = u64::try_from(now_unix).unwrap_or(0).to_be_bytes();
        let first = ts.iter().position(|b| *b != 0).unwrap_or(ts.len());
        let value = format!(
            "{}.{}",
            B64URL.encode(json_payload.as_bytes()),
            B64URL.encode(&ts[first..])
        );
        self.append_signature(salt, value)
    }

    /// Verifies a timed token (`URLSafeTimedSerializer.loads`).
    ///
    /// The signature is checked (in constant time, against every key) before anything else is
    /// decoded. With `max_age_secs`, a token older than that or dated in the future is
    /// [`TokenError::Expired`]; without it, age is not checked (as in itsdangerous).
    ///
    /// # Errors
    /// [`TokenError::Malformed`], [`TokenError::BadSignature`] or [`TokenError::Expired`].
    pub fn unsign_timed(
        &self,
        salt: &str,
        token: &str,
        max_age_secs: Option<i64>,
        now_unix: i64,
    ) -> Result<TimedPayload, TokenError> {
        let value = self.verified_value(salt, token)?;
        let (payload, ts) = value.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let signed_at = decode_timestamp(ts)?;
        let value = decode_payload(payload)?;
        if let Some(max_age) = max_age_secs {
            let age = i128::from(now_unix) - i128::from(signed_at);
            if age > i128::from(max_age) || age < 0 {
                return Err(TokenError::Expired { value, signed_at });
            }
        }
        Ok(TimedPayload { value, signed_at })
    }

    /// Makes an untimed token (`URLSafeSerializer.dumps`) from compact JSON text.
    pub fn sign(&self, salt: &str, json_payload: &str) -> String {
        self.append_signature(salt, encode_payload(json_payload))
    }

    /// Verifies an untimed token (`URLSafeSerializer.loads`).
    ///
    /// # Errors
    /// [`TokenError::Malformed`] or [`TokenError::BadSignature`].
    pub fn unsign(&self, salt: &str, token: &str) -> Result<serde_json::Value, TokenError> {
        let value = self.verified_value(salt, token)?;
        decode_payload(value)
    }

    fn append_signature(&self, salt: &str, mut value: String) -> String {
        let key = self
            .keys
            .first()
            .map(|k| derive_key(salt, k.expose()))
            .unwrap_or_default();
        let sig = hmac_sha1(&key, value.as_bytes());
        value.push('.');
        value.push_str(&B64URL.encode(sig));
        value
    }

    /// Splits `token` at its last `.` and returns the signed part if the signature matches one
    /// of the keys.
    fn verified_value<'t>(&self, salt: &str, token: &'t str) -> Result<&'t str, TokenError> {
        let (value, sig) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let sig = B64URL.decode(sig).map_err(|_| TokenError::BadSignature)?;
        let mut valid = false;
        for key in &self.keys {
            let expected = hmac_sha1(&derive_key(salt, key.expose()), value.as_bytes());
            valid |= constant_time_eq(&expected, &sig);
        }
        if valid {
            Ok(value)
        } else {
            Err(TokenError::BadSignature)
        }
    }
}

/// Serializes `items` as a compact JSON list (like Python's
/// `json.dumps(items, separators=(",", ":"), ensure_ascii=False)`) and signs it as a timed token
/// for `purpose` — the confirm/reset/login link tokens `[fs_uniquifier, …]`.
///
/// Object keys inside `items` come out in `serde_json::Map` order (sorted) and floats in
/// serde_json's notation, which can differ from Python's; verification is unaffected.
pub fn sign_list(
    signer: &Signer,
    purpose: TokenPurpose,
    items: &[serde_json::Value],
    now: i64,
) -> String {
    let json = match serde_json::to_string(items) {
        Ok(json) => json,
        Err(err) => {
            // Cannot happen for `Value`s; fail closed with a payload no reader accepts.
            tracing::error!(error = %err, "cannot serialize token payload");
            String::from("null")
        }
    };
    signer.sign_timed(purpose.salt(), &json, now)
}

/// itsdangerous key derivation "django-concat": `SHA1(salt + "signer" + secret_key)`.
pub(crate) fn derive_key(salt: &str, secret_key: &str) -> [u8; 20] {
    let mut h = Sha1::new();
    h.update(salt.as_bytes());
    h.update(b"signer");
    h.update(secret_key.as_bytes());
    h.finalize().into()
}

/// base64 of the payload, zlib-compressed with a `.` prefix when that is shorter by more than
/// one byte.
fn encode_payload(json: &str) -> String {
    let raw = json.as_bytes();
    match zlib_compress(raw) {
        Some(compressed) if compressed.len() + 1 < raw.len() => {
            format!(".{}", B64URL.encode(compressed))
        }
        _ => B64URL.encode(raw),
    }
}

fn zlib_compress(data: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(data).ok()?;
    enc.finish().ok()
}

/// Decodes a (possibly compressed) payload into JSON.
fn decode_payload(payload: &str) -> Result<serde_json::Value, TokenError> {
    let (compressed, b64) = match payload.strip_prefix('.') {
        Some(rest) => (true, rest),
        None => (false, payload),
    };
    let mut bytes = B64URL.decode(b64).map_err(|_| TokenError::Malformed)?;
    if compressed {
        let mut out = Vec::new();
        flate2::read::ZlibDecoder::new(bytes.as_slice())
            .take(MAX_DECOMPRESSED + 1)
            .read_to_end(&mut out)
            .map_err(|_| TokenError::Malformed)?;
        if out.len() as u64 > MAX_DECOMPRESSED {
            return Err(TokenError::Malformed);
        }
        bytes = out;
    }
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

/// Decodes the big-endian timestamp (any number of leading zero bytes; empty means 0).
fn decode_timestamp(ts: &str) -> Result<i64, TokenError> {
    let bytes = B64URL.decode(ts).map_err(|_| TokenError::Malformed)?;
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let significant = &bytes[first..];
    if significant.len() > 8 {
        return Err(TokenError::Malformed);
    }
    let mut buf = [0u8; 8];
    buf[8 - significant.len()..].copy_from_slice(significant);
    i64::try_from(u64::from_be_bytes(buf)).map_err(|_| TokenError::Malformed)
}

/// JSON string literal as Python's `json.dumps(s, ensure_ascii=False)` writes it.
pub(crate) fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod plain_tests {
    use super::*;

    #[test]
    fn plain_tokens_are_never_compressed_and_verify() {
        let signer = Signer::new("k", &[]);
        let long = format!("{{\"a\":\"{}\"}}", "x".repeat(500));
        let compressed = signer.sign_timed("s", &long, 1_700_000_000);
        let plain = signer.sign_timed_plain("s", &long, 1_700_000_000);
        assert!(compressed.starts_with('.'));
        assert!(!plain.starts_with('.'));
        for t in [compressed, plain] {
            let p = signer
                .unsign_timed("s", &t, Some(10), 1_700_000_001)
                .unwrap();
            assert_eq!(p.value["a"].as_str().map(str::len), Some(500));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::crypto::hex_lower;
    use crate::crypto::random;
    use serde_json::json;

    pub(super) const VECTORS: &str = include_str!("../crypto/testdata/flask-security-vectors.json");

    const UID: &str = "74b9ea9c0b4d421588f2b73623f3e277";
    const TS: i64 = 1_700_000_000;

    #[test]
    fn wire_spec_derived_key() {
        assert_eq!(
            hex_lower(&derive_key("remember-salt", "secret")),
            "667cffedf84f7c6f1cb6acdae1e041adcd09e917"
        );
    }

    #[test]
    fn wire_spec_tf_validity_and_login_tokens() {
        let signer = Signer::new("secret", &[]);
        let tf = signer.sign_timed(
            TokenPurpose::TwoFactorValidity.salt(),
            &json_string(UID),
            TS,
        );
        assert_eq!(
            tf,
            "Ijc0YjllYTljMGI0ZDQyMTU4OGYyYjczNjIzZjNlMjc3Ig.ZVPxAA.B68AzjFFosA0y-ABlwP70sH0OWI"
        );
        let login = sign_list(&signer, TokenPurpose::Login, &[json!(UID)], TS);
        assert_eq!(
            login,
            "WyI3NGI5ZWE5YzBiNGQ0MjE1ODhmMmI3MzYyM2YzZTI3NyJd.ZVPxAA.aXbczak-BqmohMkd54PyaVEcwSE"
        );
        let got = signer
            .unsign_timed(TokenPurpose::Login.salt(), &login, Some(86400), TS + 10)
            .unwrap();
        assert_eq!(
            got,
            TimedPayload {
                value: json!([UID]),
                signed_at: TS
            }
        );
        let got = signer
            .unsign_timed(TokenPurpose::TwoFactorValidity.salt(), &tf, None, TS)
            .unwrap();
        assert_eq!(got.value, json!(UID));
    }

    #[test]
    fn signed_token_vectors() {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        let signer = Signer::new(v["config"]["SECRET_KEY"].as_str().unwrap(), &[]);
        let tokens = v["signed_tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 6);
        for t in tokens {
            let purpose = match t["purpose"].as_str().unwrap() {
                "confirm" => TokenPurpose::Confirm,
                "reset" => TokenPurpose::Reset,
                "login" => TokenPurpose::Login,
                other => panic!("unexpected purpose {other}"),
            };
            assert_eq!(purpose.salt(), t["salt"].as_str().unwrap());
            let token = t["token"].as_str().unwrap();
            let signed_at = t["signed_at_unix"].as_i64().unwrap();
            let got = signer
                .unsign_timed(purpose.salt(), token, Some(3600), signed_at + 5)
                .unwrap();
            assert_eq!(got.value, t["payload"]);
            assert_eq!(got.signed_at, signed_at);
            let items = t["payload"].as_array().unwrap();
            assert_eq!(sign_list(&signer, purpose, items, signed_at), token);
            // Wrong purpose (salt) fails.
            let other = if purpose == TokenPurpose::Login {
                TokenPurpose::Reset
            } else {
                TokenPurpose::Login
            };
            assert!(matches!(
                signer.unsign_timed(other.salt(), token, None, signed_at),
                Err(TokenError::BadSignature)
            ));
        }
    }

    #[test]
    fn compressed_round_trip() {
        let signer = Signer::new("secret", &[]);
        let items: Vec<serde_json::Value> =
            (0..20).map(|_| json!("aaaaaaaaaaaaaaaaaaaaaaaa")).collect();
        let token = sign_list(&signer, TokenPurpose::Confirm, &items, TS);
        assert!(token.starts_with('.'), "{token}");
        let got = signer
            .unsign_timed("confirm-salt", &token, Some(10), TS)
            .unwrap();
        assert_eq!(got.value, serde_json::Value::Array(items));

        // Untimed too.
        let payload = format!("{{\"k\":\"{}\"}}", "z".repeat(200));
        let token = signer.sign("refresh-token-salt", &payload);
        assert!(token.starts_with('.'));
        assert_eq!(token.matches('.').count(), 2);
        assert_eq!(
            signer.unsign("refresh-token-salt", &token).unwrap(),
            json!({"k": "z".repeat(200)})
        );

        // Short payloads are not compressed.
        let token = signer.sign("s", "[1]");
        assert_eq!(token.split('.').next(), Some("WzFd"));
    }

    #[test]
    fn decodes_python_zlib_payload() {
        // Payload and timestamp of a compressed token made by Flask-Security (key unknown).
        let token = ".eJwNyjEKgDAMAMC_ZC5imjZp-hmppAG3oiiC-HfdbrgHrr5DhQwBzs1-qTniihQ1cXKxEqmzsxoxCiv90Y9ltAYVRXMphCQTcSLBEqDfA-r8fvjxFnM.awsAgQ.txaiDmKpoGIxH47hwLEuo1bzp1I";
        let (value, _sig) = token.rsplit_once('.').unwrap();
        let (payload, ts) = value.rsplit_once('.').unwrap();
        let decoded = decode_payload(payload).unwrap();
        assert!(decoded.is_array() || decoded.is_object(), "{decoded}");
        assert!(decode_timestamp(ts).unwrap() > TS);
        // Without the key it is just a bad signature.
        let signer = Signer::new("secret", &[]);
        assert!(matches!(
            signer.unsign_timed("confirm-salt", token, None, TS),
            Err(TokenError::BadSignature)
        ));
    }

    #[test]
    fn expiry_and_future_dates() {
        let signer = Signer::new("k", &[]);
        let token = signer.sign_timed("s", "{\"a\":1}", TS);
        assert!(signer.unsign_timed("s", &token, Some(60), TS + 60).is_ok());
        match signer.unsign_timed("s", &token, Some(60), TS + 61) {
            Err(TokenError::Expired { value, signed_at }) => {
                assert_eq!(value, json!({"a": 1}));
                assert_eq!(signed_at, TS);
            }
            other => panic!("{other:?}"),
        }
        // Future-dated.
        assert!(matches!(
            signer.unsign_timed("s", &token, Some(60), TS - 1),
            Err(TokenError::Expired { .. })
        ));
        // max_age 0: only a same-second token is valid (quirk Q1).
        assert!(signer.unsign_timed("s", &token, Some(0), TS).is_ok());
        assert!(signer.unsign_timed("s", &token, Some(0), TS + 1).is_err());
        // No max age: no age check.
        assert!(
            signer
                .unsign_timed("s", &token, None, TS + 1_000_000)
                .is_ok()
        );
        assert!(signer.unsign_timed("s", &token, None, 0).is_ok());
        // Extreme values don't overflow.
        assert!(
            signer
                .unsign_timed("s", &token, Some(i64::MAX), i64::MAX)
                .is_ok()
        );
        assert!(
            signer
                .unsign_timed("s", &token, Some(i64::MIN), i64::MIN)
                .is_err()
        );
    }

    #[test]
    fn timestamp_encoding() {
        let signer = Signer::new("k", &[]);
        let t = signer.sign_timed("s", "1", 0);
        assert_eq!(t.split('.').nth(1), Some(""));
        assert_eq!(signer.unsign_timed("s", &t, None, 5).unwrap().signed_at, 0);
        let t = signer.sign_timed("s", "1", -5);
        assert_eq!(signer.unsign_timed("s", &t, None, 5).unwrap().signed_at, 0);
        let t = signer.sign_timed("s", "1", i64::MAX);
        assert_eq!(
            signer.unsign_timed("s", &t, None, 5).unwrap().signed_at,
            i64::MAX
        );
        assert_eq!(decode_timestamp("ZVPxAA").unwrap(), TS);
        assert_eq!(decode_timestamp("AABlU_EA").unwrap(), TS); // leading zero bytes
        assert!(decode_timestamp("gAAAAAAAAAA").is_err()); // > i64::MAX
        assert!(decode_timestamp("AQAAAAAAAAAAAA").is_err()); // 10 bytes
        assert!(decode_timestamp("!!").is_err());
    }

    /// Signs an arbitrary (possibly nonsensical) value with the primary key, to exercise the
    /// decoding paths behind a valid signature.
    fn sign_raw(key: &str, salt: &str, value: &str) -> String {
        let sig = hmac_sha1(&derive_key(salt, key), value.as_bytes());
        format!("{value}.{}", B64URL.encode(sig))
    }

    #[test]
    fn validly_signed_garbage_is_malformed() {
        let signer = Signer::new("k", &[]);
        for value in [
            "",
            ".",
            "..",
            "abc",
            "abc.",
            "!!!.ZVPxAA",
            "bm90IGpzb24.ZVPxAA",  // "not json"
            ".bm90IHpsaWI.ZVPxAA", // compressed flag, not zlib
            "WzFd.AQAAAAAAAAAAAA", // huge timestamp
            "WzFd.gAAAAAAAAAAA",
            "WzFd.!!",
            "WzFd.ZVPxAA.extra",
        ] {
            let token = sign_raw("k", "s", value);
            assert!(
                matches!(
                    signer.unsign_timed("s", &token, Some(10), TS),
                    Err(TokenError::Malformed)
                ),
                "{value:?}"
            );
        }
        // A zlib bomb behind a valid signature is refused.
        let bomb = zlib_compress(&vec![b' '; 2 * 1024 * 1024]).unwrap();
        let token = sign_raw("k", "s", &format!(".{}.ZVPxAA", B64URL.encode(bomb)));
        assert!(matches!(
            signer.unsign_timed("s", &token, None, TS),
            Err(TokenError::Malformed)
        ));
        // Invalid JSON from sign_timed's caller.
        let token = signer.sign_timed("s", "not json", TS);
        assert!(matches!(
            signer.unsign_timed("s", &token, None, TS),
            Err(TokenError::Malformed)
        ));
        // A timed token read as untimed: signature matches, payload does not decode.
        let token = signer.sign_timed("s", "[1]", TS);
        assert!(matches!(
            signer.unsign("s", &token),
            Err(TokenError::Malformed)
        ));
    }

    #[test]
    fn tampering_is_detected() {
        let signer = Signer::new("k", &[]);
        let token = signer.sign_timed("s", "[\"abc\"]", TS);
        let (payload, rest) = token.split_once('.').unwrap();
        let (ts, sig) = rest.split_once('.').unwrap();
        let cases = [
            format!("{payload}x.{ts}.{sig}"),
            format!("{payload}.{ts}A.{sig}"),
            format!("{payload}.ZVPxAB.{sig}"),
            format!("{payload}.{ts}.{}", &sig[1..]),
            format!("{payload}.{ts}.A{sig}"),
            format!("{payload}.{ts}.{sig}x"),
            format!("{payload}.{ts}."),
            format!("{payload}.{ts}.!!!!"),
            format!("WyJhYmQiXQ.{ts}.{sig}"),
        ];
        for t in cases {
            assert!(
                matches!(
                    signer.unsign_timed("s", &t, None, TS),
                    Err(TokenError::BadSignature)
                ),
                "{t}"
            );
        }
        assert!(matches!(
            Signer::new("other", &[]).unsign_timed("s", &token, None, TS),
            Err(TokenError::BadSignature)
        ));
        assert!(matches!(
            signer.unsign_timed("t", &token, None, TS),
            Err(TokenError::BadSignature)
        ));
        assert!(matches!(
            signer.unsign_timed("s", "no-dot-here", None, TS),
            Err(TokenError::Malformed)
        ));
    }

    #[test]
    fn fallback_keys() {
        let old = Signer::new("old-key", &[]);
        let rotated = Signer::new("new-key", &["older-key".to_string(), "old-key".to_string()]);
        let old_token = old.sign_timed("s", "[1]", TS);
        assert_eq!(
            rotated
                .unsign_timed("s", &old_token, Some(5), TS)
                .unwrap()
                .value,
            json!([1])
        );
        let old_untimed = old.sign("s", "[2]");
        assert_eq!(rotated.unsign("s", &old_untimed).unwrap(), json!([2]));
        // New tokens use the primary key (not the last fallback as Flask-Security would).
        let new_token = rotated.sign_timed("s", "[1]", TS);
        assert_eq!(
            new_token,
            Signer::new("new-key", &[]).sign_timed("s", "[1]", TS)
        );
        assert!(matches!(
            old.unsign_timed("s", &new_token, None, TS),
            Err(TokenError::BadSignature)
        ));
    }

    #[test]
    fn debug_is_redacted() {
        let signer = Signer::new("super-secret", &["fallback-secret".to_string()]);
        let dbg = format!("{signer:?}");
        assert!(!dbg.contains("super-secret") && !dbg.contains("fallback-secret"));
        assert!(dbg.contains("REDACTED"));
    }

    #[test]
    fn purposes_have_flask_security_salts() {
        let all = [
            (TokenPurpose::Remember, "remember-salt"),
            (TokenPurpose::Confirm, "confirm-salt"),
            (TokenPurpose::Reset, "reset-salt"),
            (TokenPurpose::Login, "login-salt"),
            (TokenPurpose::ChangeEmail, "change-email-salt"),
            (TokenPurpose::TwoFactorSetup, "tf-setup-salt"),
            (TokenPurpose::UsSetup, "us-setup-salt"),
            (TokenPurpose::TwoFactorValidity, "tf-validity-salt"),
            (TokenPurpose::Wan, "wan-salt"),
            (TokenPurpose::Refresh, "refresh-token-salt"),
            (TokenPurpose::Csrf, "wtf-csrf-token"),
        ];
        for (p, s) in all {
            assert_eq!(p.salt(), s);
        }
    }

    #[test]
    fn json_string_matches_python() {
        assert_eq!(json_string("abc"), "\"abc\"");
        assert_eq!(
            json_string("a\"b\\c\n\r\t\u{8}\u{c}\u{1}\u{1f}/é☃😀\u{7f}"),
            "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f/é☃😀\u{7f}\""
        );
        // Same as serde_json's compact output.
        for s in ["x\u{0}y", "\u{2028}", "tab\there"] {
            assert_eq!(json_string(s), serde_json::to_string(s).unwrap());
        }
    }

    #[test]
    fn fuzzish_garbage_never_panics() {
        let signer = Signer::new("k", &["f".to_string()]);
        let alphabet: &[u8] = b"..........-_=+/!~ abcXYZ019eyJWZVPxAA\x00";
        let mut inputs: Vec<String> = vec![
            String::new(),
            ".".to_string(),
            ".".repeat(2),
            ".".repeat(3),
            ".".repeat(1000),
            "a.b.c.d.e".to_string(),
            "=.=.=".to_string(),
            "é.ü.☃".to_string(),
            "\u{0}.\u{0}.\u{0}".to_string(),
            format!(
                "{}.{}.{}",
                "A".repeat(10_000),
                "B".repeat(100),
                "C".repeat(27)
            ),
        ];
        for _ in 0..3000 {
            let len = usize::from(random::bytes(1)[0] % 80);
            let s: String = random::bytes(len)
                .into_iter()
                .map(|b| char::from(alphabet[usize::from(b) % alphabet.len()]))
                .collect();
            inputs.push(s);
        }
        for s in &inputs {
            for max_age in [None, Some(0), Some(-1), Some(i64::MAX), Some(i64::MIN)] {
                for now in [0, TS, i64::MIN, i64::MAX] {
                    assert!(signer.unsign_timed("s", s, max_age, now).is_err());
                    assert!(verify_auth_token(&signer, s, max_age, now).is_err());
                }
            }
            assert!(signer.unsign("s", s).is_err());
        }
        // Random bytes behind a *valid* signature: must not panic either.
        for _ in 0..500 {
            let len = usize::from(random::bytes(1)[0] % 64);
            let payload = B64URL.encode(random::bytes(len));
            let ts = B64URL.encode(random::bytes(usize::from(random::bytes(1)[0] % 12)));
            for value in [
                format!("{payload}.{ts}"),
                format!(".{payload}.{ts}"),
                payload.clone(),
            ] {
                let token = sign_raw("k", "s", &value);
                let _ = signer.unsign_timed("s", &token, Some(10), TS);
                let _ = signer.unsign("s", &token);
            }
        }
    }
}
