//! TOTP (RFC 6238) as Flask-Security uses it through passlib/libpass, with explicit time.
//!
//! * Codes: HMAC-SHA1, 6 digits, 30-second steps, 20-byte random keys ([`generate_key`],
//!   [`code_at`], [`verify`]). Nothing here reads the system clock: the caller passes the Unix
//!   time it got from its `Clock`.
//! * Replay protection (beyond Flask-Security): [`verify`] returns the matched time step, and a
//!   caller that stores it and passes it back as `last_counter` accepts each code once.
//! * Storage: [`TotpSecrets`] writes and reads passlib's JSON exactly —
//!   `{"enckey":{"c":14,"k":"<b32 ciphertext>","s":"<b32 salt>","t":"<tag>","v":1},"type":"totp","v":1}`,
//!   the key encrypted with AES-256-CTR under a PBKDF2-HMAC-SHA256 key derived from the
//!   application secret for the tag (`SECURITY_TOTP_SECRETS`) — so a Flask-Security database's
//!   `tf_totp_secret` / `us_totp_secrets` values keep working, in both directions.
//! * Set-up: the `otpauth://` URI passlib makes ([`otpauth_uri`]), the grouped key for manual
//!   entry ([`pretty_key`]) and a QR code as SVG ([`qr_svg`], [`qr_data_uri`]).
//!
//! Decrypting a stored secret runs 2^14 PBKDF2 rounds (a few milliseconds); code checks are cheap.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use base64::Engine as _;
use ctr::cipher::{KeyIvInit as _, StreamCipher as _};
use data_encoding::BASE32_NOPAD;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::Value;
use subtle::ConstantTimeEq as _;

use crate::crypto::{Secret, hmac_sha1, random};

/// Digits in a code.
pub const DIGITS: usize = 6;
/// Length of a time step in seconds.
pub const PERIOD: i64 = 30;
/// Length in bytes of keys made by [`generate_key`] (the SHA-1 digest size, as passlib does).
pub const KEY_LEN: usize = 20;
/// passlib's encryption cost: PBKDF2 runs `2^ENCRYPT_COST` rounds.
pub const ENCRYPT_COST: u32 = 14;
/// Largest encryption cost accepted from a stored secret (2^20 rounds), so a corrupted or hostile
/// value cannot make a single decryption run for minutes.
pub const MAX_ENCRYPT_COST: u32 = 20;
/// Largest verification window honoured (one day either side); larger windows are reduced to it.
pub const MAX_WINDOW_SECS: i64 = 86_400;
/// Random salt bytes per encrypted secret (passlib's `AppWallet.salt_size`).
const SALT_LEN: usize = 12;
/// Longest stored secret we try to parse.
const MAX_STORED_LEN: usize = 4096;
/// Longest key (bytes) accepted from a stored secret.
const MAX_KEY_LEN: usize = 1024;

/// Errors of TOTP secret handling.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    /// No application secrets are configured (`SECURITY_TOTP_SECRETS` is empty).
    #[error("no TOTP secrets configured (SECURITY_TOTP_SECRETS)")]
    NoSecrets,
    /// A configured tag or secret is unusable.
    #[error("invalid SECURITY_TOTP_SECRETS entry {tag:?}: {reason}")]
    InvalidSecret {
        /// The tag of the entry.
        tag: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The stored secret was encrypted under a tag that is not configured.
    #[error("stored TOTP secret uses unknown secret tag {0:?}")]
    UnknownTag(String),
    /// The stored secret is not passlib's TOTP JSON.
    #[error("malformed stored TOTP secret: {0}")]
    Malformed(&'static str),
    /// The stored secret is well-formed but uses a version or parameters we do not implement
    /// (another algorithm, digit count or period).
    #[error("unsupported stored TOTP secret: {0}")]
    Unsupported(&'static str),
    /// The URI does not fit in a QR code.
    #[error("cannot render QR code: {0}")]
    Qr(String),
}

// ---------------------------------------------------------------------------------------------
// Codes (RFC 6238)
// ---------------------------------------------------------------------------------------------

/// A new random TOTP key ([`KEY_LEN`] bytes from the OS CSPRNG).
pub fn generate_key() -> Vec<u8> {
    random::bytes(KEY_LEN)
}

/// The time step (`floor(unix / 30)`) that `unix` falls in.
pub fn counter_at(unix: i64) -> i64 {
    unix.div_euclid(PERIOD)
}

/// The code (6 digits, zero-padded) for a time step (RFC 4226 HOTP with SHA-1). Negative
/// counters (times before 1970) are treated as step 0.
pub fn code_for_counter(key: &[u8], counter: i64) -> String {
    let counter = u64::try_from(counter).unwrap_or(0);
    let digest = hmac_sha1(key, &counter.to_be_bytes());
    let offset = usize::from(digest.last().copied().unwrap_or(0) & 0x0f);
    let word = digest
        .get(offset..offset + 4)
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_be_bytes);
    format!("{:06}", (word & 0x7fff_ffff) % 1_000_000)
}

/// The code at Unix time `unix`.
pub fn code_at(key: &[u8], unix: i64) -> String {
    code_for_counter(key, counter_at(unix))
}

/// Normalises a code as typed: whitespace, `-` and `=` anywhere are dropped (as passlib does, so
/// `" 123 456 "` and `"123-456"` are accepted); `None` unless exactly six ASCII digits remain.
pub fn normalize_code(code: &str) -> Option<String> {
    let cleaned: String = code
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '-' || *c == '='))
        .collect();
    (cleaned.len() == DIGITS && cleaned.bytes().all(|b| b.is_ascii_digit())).then_some(cleaned)
}

/// Checks `code` against the key at time `now`, accepting any time step in
/// `[floor((now - window_secs) / 30), floor((now + window_secs) / 30)]` (Flask-Security's
/// `window`: 120 s for authenticators, 300 s for mailed codes) that is **greater than**
/// `last_counter`.
///
/// Returns the matched time step; store it and pass it as `last_counter` next time so that a code
/// is accepted once (RFC 6238 §5.2). Each candidate is compared in constant time. A negative
/// window counts as 0, a window above [`MAX_WINDOW_SECS`] as that; input that is not six digits
/// (after [`normalize_code`]) never matches.
pub fn verify(
    key: &[u8],
    code: &str,
    now: i64,
    window_secs: i64,
    last_counter: Option<i64>,
) -> Option<i64> {
    let code = normalize_code(code)?;
    let window = window_secs.clamp(0, MAX_WINDOW_SECS);
    let mut start = counter_at(now.saturating_sub(window)).max(0);
    if let Some(last) = last_counter {
        start = start.max(last.saturating_add(1));
    }
    let end = counter_at(now.saturating_add(window));
    let mut matched = None;
    // No early exit: every candidate in the window is computed and compared.
    let mut counter = start;
    while counter <= end {
        let ok: bool = code_for_counter(key, counter)
            .as_bytes()
            .ct_eq(code.as_bytes())
            .into();
        if ok && matched.is_none() {
            matched = Some(counter);
        }
        counter += 1;
    }
    matched
}

// ---------------------------------------------------------------------------------------------
// Encoding and set-up helpers
// ---------------------------------------------------------------------------------------------

/// RFC 4648 base32 of `key`, upper case, without padding (passlib's `base32_key`).
pub fn b32(key: &[u8]) -> String {
    BASE32_NOPAD.encode(key)
}

/// Decodes base32 as passlib's `b32decode` does: case-insensitive, whitespace, `-` and `=`
/// ignored, `8` read as `B` and `0` as `O` (common typing mistakes), padding optional.
pub fn b32_decode(text: &str) -> Option<Vec<u8>> {
    let cleaned: String = text
        .chars()
        .filter(|c| !(c.is_whitespace() || *c == '-' || *c == '='))
        .map(|c| match c.to_ascii_uppercase() {
            '8' => 'B',
            '0' => 'O',
            other => other,
        })
        .collect();
    BASE32_NOPAD.decode(cleaned.as_bytes()).ok()
}

/// The key for typing into an authenticator by hand: base32 in dash-separated groups
/// (passlib's `pretty_key()`; groups of 4 for the usual 20-byte key, e.g.
/// `SEZA-MQHI-…`). passlib picks the group size from 4, 6, 5 — the first that divides the length,
/// else the one leaving the largest last group — and so does this.
pub fn pretty_key(key: &[u8]) -> String {
    let text = b32(key);
    let len = text.len();
    let size = [4usize, 6, 5]
        .into_iter()
        .find(|size| len.is_multiple_of(*size))
        .unwrap_or_else(|| {
            let mut best = 4;
            let mut rem = 0;
            for size in [4usize, 6, 5] {
                if len % size > rem {
                    best = size;
                    rem = len % size;
                }
            }
            best
        });
    text.as_bytes()
        .chunks(size)
        .map(|chunk| String::from_utf8_lossy(chunk).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// Python's `urllib.parse.quote(s, safe="")`: everything but letters, digits and `_.-~`.
const QUOTE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');
/// `quote(s, safe="@")`, which passlib uses for the label parts.
const QUOTE_LABEL: &AsciiSet = &QUOTE.remove(b'@');

/// The provisioning URI for authenticator apps, exactly as passlib's `to_uri(username)` makes it
/// for Flask-Security: `otpauth://totp/<issuer>:<username>?secret=<B32>&issuer=<issuer>`, with
/// issuer and username percent-encoded (UTF-8; `@` kept in the label, so
/// `FS Peer` → `FS%20Peer`). Without an issuer (`None` or empty, Flask-Security's
/// `TOTP_ISSUER = None`) the label is the username alone and there is no `issuer` parameter.
///
/// passlib refuses a `:` in the issuer or username; here it is percent-encoded (`%3A`).
pub fn otpauth_uri(key: &[u8], issuer: Option<&str>, username: &str) -> String {
    let user = utf8_percent_encode(username, QUOTE_LABEL);
    let secret = b32(key);
    match issuer.filter(|i| !i.is_empty()) {
        Some(issuer) => format!(
            "otpauth://totp/{}:{user}?secret={secret}&issuer={}",
            utf8_percent_encode(issuer, QUOTE_LABEL),
            utf8_percent_encode(issuer, QUOTE),
        ),
        None => format!("otpauth://totp/{user}?secret={secret}"),
    }
}

/// A QR code of `uri` as an SVG document (error correction M, quiet zone, at least 200 px).
pub fn qr_svg(uri: &str) -> Result<String, TotpError> {
    let code = qrcode::QrCode::new(uri.as_bytes()).map_err(|e| TotpError::Qr(e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build())
}

/// [`qr_svg`] as a `data:image/svg+xml;base64,…` URI, the form Flask-Security puts in its
/// two-factor setup page.
pub fn qr_data_uri(uri: &str) -> Result<String, TotpError> {
    let svg = qr_svg(uri)?;
    Ok(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg.as_bytes())
    ))
}

// ---------------------------------------------------------------------------------------------
// Secret storage (passlib AppWallet)
// ---------------------------------------------------------------------------------------------

/// The application secrets that encrypt TOTP keys at rest (`SECURITY_TOTP_SECRETS`,
/// `{tag: secret}`), i.e. passlib's `AppWallet`.
///
/// New secrets are encrypted under the highest tag (compared as numbers when every tag is
/// numeric, as text otherwise); every configured tag decrypts, so keys can be rotated by adding
/// a higher tag and keeping the old one until [`TotpSecrets::needs_reencrypt`] is false for
/// every stored secret.
#[derive(Clone)]
pub struct TotpSecrets {
    secrets: BTreeMap<String, Secret<String>>,
    default_tag: String,
}

impl std::fmt::Debug for TotpSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpSecrets")
            .field("tags", &self.secrets.keys().collect::<Vec<_>>())
            .field("default_tag", &self.default_tag)
            .finish()
    }
}

/// Whether `tag` is a valid passlib tag (`^[a-z0-9][a-z0-9_.-]*$`, case-insensitive).
fn valid_tag(tag: &str) -> bool {
    let mut bytes = tag.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Numeric comparison of two all-digit strings of any length.
fn cmp_numeric(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

impl TotpSecrets {
    /// Builds the wallet from `(tag, secret)` pairs. Tags must be passlib tags (letters, digits,
    /// `_`, `.`, `-`, starting with a letter or digit) and secrets non-empty.
    pub fn new<I, T, S>(pairs: I) -> Result<Self, TotpError>
    where
        I: IntoIterator<Item = (T, S)>,
        T: Into<String>,
        S: Into<String>,
    {
        let mut secrets = BTreeMap::new();
        for (tag, secret) in pairs {
            let tag = tag.into();
            let secret = secret.into();
            if !valid_tag(&tag) {
                return Err(TotpError::InvalidSecret {
                    tag,
                    reason: "tags are letters, digits, '_', '.' and '-', starting with a letter or digit",
                });
            }
            if secret.is_empty() {
                return Err(TotpError::InvalidSecret {
                    tag,
                    reason: "the secret is empty",
                });
            }
            secrets.insert(tag, Secret::new(secret));
        }
        let all_numeric = secrets
            .keys()
            .all(|t| t.bytes().all(|b| b.is_ascii_digit()));
        let default_tag = if all_numeric {
            secrets.keys().max_by(|a, b| cmp_numeric(a, b))
        } else {
            secrets.keys().max()
        }
        .cloned()
        .ok_or(TotpError::NoSecrets)?;
        Ok(Self {
            secrets,
            default_tag,
        })
    }

    /// Builds the wallet from the configuration map (`Config::totp_secrets`); every value must
    /// be a string.
    pub fn from_config(map: &serde_json::Map<String, Value>) -> Result<Self, TotpError> {
        let mut pairs = Vec::with_capacity(map.len());
        for (tag, value) in map {
            let Some(secret) = value.as_str() else {
                return Err(TotpError::InvalidSecret {
                    tag: tag.clone(),
                    reason: "the secret must be text",
                });
            };
            pairs.push((tag.clone(), secret.to_owned()));
        }
        Self::new(pairs)
    }

    /// The tag new secrets are encrypted under.
    pub fn default_tag(&self) -> &str {
        &self.default_tag
    }

    /// Encrypts a TOTP key for storage under the default tag, in passlib's JSON (keys sorted,
    /// no spaces, exactly as Flask-Security writes `tf_totp_secret`).
    pub fn encrypt(&self, key: &[u8]) -> String {
        let mut salt = [0u8; SALT_LEN];
        random::fill(&mut salt);
        self.encrypt_with_salt(key, &salt)
    }

    fn encrypt_with_salt(&self, key: &[u8], salt: &[u8]) -> String {
        let secret = self
            .secrets
            .get(&self.default_tag)
            .map(|s| s.expose().as_str())
            .unwrap_or_default();
        let mut ciphertext = key.to_vec();
        apply_cipher(secret, salt, ENCRYPT_COST, &mut ciphertext);
        let stored = StoredJson {
            enckey: EncKeyJson {
                c: ENCRYPT_COST,
                k: b32(&ciphertext),
                s: b32(salt),
                t: &self.default_tag,
                v: 1,
            },
            r#type: "totp",
            v: 1,
        };
        // Serialising a struct of strings and integers cannot fail.
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads a stored secret: passlib's encrypted form (under any configured tag) or its
    /// unencrypted form `{"key":"<b32>","type":"totp","v":1}`. Returns the raw key.
    pub fn decrypt(&self, stored: &str) -> Result<Vec<u8>, TotpError> {
        match parse_stored(stored)? {
            Parsed::Plain(key) => Ok(key),
            Parsed::Encrypted(enc) => {
                let secret = self
                    .secrets
                    .get(&enc.tag)
                    .ok_or_else(|| TotpError::UnknownTag(enc.tag.clone()))?;
                let mut key = enc.ciphertext;
                apply_cipher(secret.expose(), &enc.salt, enc.cost, &mut key);
                Ok(key)
            }
        }
    }

    /// Whether a stored secret should be rewritten with [`TotpSecrets::encrypt`]: it is
    /// unencrypted, or encrypted under another tag than the default or with another cost (what
    /// passlib reports as `changed`). Cheap: no key derivation. Unreadable input is `false`
    /// ([`TotpSecrets::decrypt`] reports it).
    pub fn needs_reencrypt(&self, stored: &str) -> bool {
        match parse_stored(stored) {
            Ok(Parsed::Plain(_)) => true,
            Ok(Parsed::Encrypted(enc)) => enc.tag != self.default_tag || enc.cost != ENCRYPT_COST,
            Err(_) => false,
        }
    }
}

/// passlib's `_cipher_aes_key`: `keyiv = PBKDF2-HMAC-SHA256(secret, salt, 2^cost, 48)`, then
/// AES-256-CTR with key `keyiv[..32]` and initial counter block `keyiv[32..]` (128-bit
/// big-endian counter, as the `cryptography` package's CTR mode). Encrypts and decrypts.
fn apply_cipher(secret: &str, salt: &[u8], cost: u32, data: &mut [u8]) {
    type Aes256Ctr = ctr::Ctr128BE<aes::Aes256>;
    let rounds = 1u32 << cost.min(MAX_ENCRYPT_COST);
    let mut keyiv = [0u8; 48];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(secret.as_bytes(), salt, rounds, &mut keyiv);
    let (key, iv) = keyiv.split_at(32);
    match Aes256Ctr::new_from_slices(key, iv) {
        // A 128-bit counter cannot run out for keys of at most MAX_KEY_LEN bytes.
        Ok(mut cipher) => {
            if cipher.try_apply_keystream(data).is_err() {
                data.fill(0);
            }
        }
        // Unreachable: the lengths are fixed above.
        Err(_) => data.fill(0),
    }
    keyiv.fill(0);
}

#[derive(Serialize)]
struct StoredJson<'a> {
    enckey: EncKeyJson<'a>,
    r#type: &'static str,
    v: u8,
}

#[derive(Serialize)]
struct EncKeyJson<'a> {
    c: u32,
    k: String,
    s: String,
    t: &'a str,
    v: u8,
}

struct Encrypted {
    tag: String,
    cost: u32,
    salt: Vec<u8>,
    ciphertext: Vec<u8>,
}

enum Parsed {
    Plain(Vec<u8>),
    Encrypted(Encrypted),
}

/// Parses passlib's TOTP JSON (`TOTP.from_json`), without decrypting.
fn parse_stored(stored: &str) -> Result<Parsed, TotpError> {
    use TotpError::{Malformed, Unsupported};
    if stored.len() > MAX_STORED_LEN {
        return Err(Malformed("too long"));
    }
    let value: Value = serde_json::from_str(stored).map_err(|_| Malformed("not JSON"))?;
    let obj = value.as_object().ok_or(Malformed("not a JSON object"))?;
    if obj.get("type").and_then(Value::as_str) != Some("totp") {
        return Err(Malformed("type is not \"totp\""));
    }
    if obj.get("v").and_then(Value::as_u64) != Some(1) {
        return Err(Unsupported("version is not 1"));
    }
    // Parameters that would change the codes; passlib writes them only when not the default.
    if obj.get("alg").is_some_and(|a| a.as_str() != Some("sha1")) {
        return Err(Unsupported("algorithm other than sha1"));
    }
    if obj.get("digits").is_some_and(|d| d.as_u64() != Some(6)) {
        return Err(Unsupported("digits other than 6"));
    }
    if obj.get("period").is_some_and(|p| p.as_u64() != Some(30)) {
        return Err(Unsupported("period other than 30"));
    }
    let check_key = |key: Vec<u8>| {
        if key.is_empty() {
            Err(Malformed("empty key"))
        } else if key.len() > MAX_KEY_LEN {
            Err(Malformed("key too long"))
        } else {
            Ok(key)
        }
    };
    if let Some(enckey) = obj.get("enckey") {
        let enc = enckey
            .as_object()
            .ok_or(Malformed("enckey is not an object"))?;
        if enc.get("v").and_then(Value::as_u64) != Some(1) {
            return Err(Unsupported("enckey version is not 1"));
        }
        let tag = enc
            .get("t")
            .and_then(Value::as_str)
            .ok_or(Malformed("enckey has no tag"))?;
        let cost = enc
            .get("c")
            .and_then(Value::as_u64)
            .ok_or(Malformed("enckey has no cost"))?;
        let cost = u32::try_from(cost)
            .ok()
            .filter(|c| *c <= MAX_ENCRYPT_COST)
            .ok_or(Unsupported("encryption cost too high"))?;
        let salt = enc
            .get("s")
            .and_then(Value::as_str)
            .and_then(b32_decode)
            .ok_or(Malformed("enckey salt is not base32"))?;
        if salt.len() > MAX_KEY_LEN {
            return Err(Malformed("salt too long"));
        }
        let ciphertext = enc
            .get("k")
            .and_then(Value::as_str)
            .and_then(b32_decode)
            .ok_or(Malformed("enckey key is not base32"))?;
        Ok(Parsed::Encrypted(Encrypted {
            tag: tag.to_owned(),
            cost,
            salt,
            ciphertext: check_key(ciphertext)?,
        }))
    } else if let Some(key) = obj.get("key") {
        let key = key
            .as_str()
            .and_then(b32_decode)
            .ok_or(Malformed("key is not base32"))?;
        Ok(Parsed::Plain(check_key(key)?))
    } else {
        Err(Malformed("neither enckey nor key"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn vectors() -> serde_json::Value {
        let text = include_str!("../../../testdata/flask-security-vectors.json");
        serde_json::from_str(text).unwrap()
    }

    fn demo_wallet() -> TotpSecrets {
        TotpSecrets::new([("1", "demo-totp-secret-1")]).unwrap()
    }

    #[test]
    fn rfc6238_appendix_b_sha1() {
        let key = b"12345678901234567890";
        let cases = [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ];
        for (t, code) in cases {
            assert_eq!(code_at(key, t), code, "t={t}");
            assert_eq!(verify(key, code, t, 0, None), Some(counter_at(t)), "t={t}");
        }
    }

    #[test]
    fn rfc4226_hotp_vectors() {
        // RFC 4226 Appendix D, counters 0..9.
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (c, code) in expected.iter().enumerate() {
            assert_eq!(code_for_counter(b"12345678901234567890", c as i64), *code);
        }
    }

    #[test]
    fn flask_security_vector_decrypts_and_codes_match() {
        let v = vectors();
        let wallet =
            TotpSecrets::from_config(v["config"]["SECURITY_TOTP_SECRETS"].as_object().unwrap())
                .unwrap();
        for entry in v["totp"].as_array().unwrap() {
            let stored = entry["stored_secret"].as_str().unwrap();
            let key = wallet.decrypt(stored).unwrap();
            assert_eq!(b32(&key), entry["base32_secret"].as_str().unwrap());
            assert!(!wallet.needs_reencrypt(stored));
            for c in entry["codes"].as_array().unwrap() {
                let t = c["unix_time"].as_i64().unwrap();
                let code = c["code"].as_str().unwrap();
                assert_eq!(code_at(&key, t), code);
                assert_eq!(verify(&key, code, t, 120, None), Some(counter_at(t)));
            }
            let user = entry["belongs_to"].as_str().unwrap();
            assert_eq!(
                otpauth_uri(&key, Some("portcullis-vectors"), user),
                entry["otpauth_uri"].as_str().unwrap()
            );
        }
    }

    #[test]
    fn reference_example_parses() {
        // The example in the wire reference (its application secret is unknown): it parses,
        // and with another secret under its tag it "decrypts" to 20 bytes (CTR has no
        // authentication; passlib behaves the same).
        let stored = r#"{"enckey":{"c":14,"k":"VRJWD6KX2GW63WAL3PMCYSTPUAKTDZDP","s":"DTRTYBZAUS2LNNQWQJIA","t":"1","v":1},"type":"totp","v":1}"#;
        assert_eq!(demo_wallet().decrypt(stored).unwrap().len(), 20);
    }

    #[test]
    fn transcript_uri_and_pretty_key() {
        // From fs-transcripts/05-tf-authenticator-sms.json.
        let key = b32_decode("7L757W23JMUYK4EOOGHLCFWC7C7ZPEXS").unwrap();
        assert_eq!(
            otpauth_uri(&key, Some("FS Peer"), "carol-golden@example.com"),
            "otpauth://totp/FS%20Peer:carol-golden@example.com?secret=7L757W23JMUYK4EOOGHLCFWC7C7ZPEXS&issuer=FS%20Peer"
        );
        assert_eq!(pretty_key(&key), "7L75-7W23-JMUY-K4EO-OGHL-CFWC-7C7Z-PEXS");
    }

    #[test]
    fn uri_encoding_and_no_issuer() {
        let key = [0u8; 10];
        assert_eq!(b32(&key), "AAAAAAAAAAAAAAAA");
        assert_eq!(
            otpauth_uri(&key, None, "a b@x.org"),
            "otpauth://totp/a%20b@x.org?secret=AAAAAAAAAAAAAAAA"
        );
        assert_eq!(
            otpauth_uri(&key, Some(""), "u"),
            "otpauth://totp/u?secret=AAAAAAAAAAAAAAAA"
        );
        assert_eq!(
            otpauth_uri(&key, Some("Ex@m/ple:é"), "ü:1~_.-"),
            "otpauth://totp/Ex@m%2Fple%3A%C3%A9:%C3%BC%3A1~_.-?secret=AAAAAAAAAAAAAAAA&issuer=Ex%40m%2Fple%3A%C3%A9"
        );
    }

    #[test]
    fn pretty_key_group_sizes() {
        // 10 bytes -> 16 chars -> groups of 4.
        assert_eq!(pretty_key(&[0u8; 10]), "AAAA-AAAA-AAAA-AAAA");
        // 3 bytes -> 5 chars: 5 % 4 = 1, 5 % 6 = 5, 5 % 5 = 0 -> one group of 5.
        assert_eq!(pretty_key(&[0u8; 3]), "AAAAA");
        // 11 bytes -> 18 chars -> groups of 6.
        assert_eq!(pretty_key(&[0u8; 11]), "AAAAAA-AAAAAA-AAAAAA");
        // 4 bytes -> 7 chars: no divisor; largest remainder is 7 % 4 = 3 -> 4.
        assert_eq!(pretty_key(&[0u8; 4]), "AAAA-AAA");
        assert_eq!(pretty_key(&[]), "");
    }

    #[test]
    fn b32_decoding_is_lenient_like_passlib() {
        let key = b32_decode("7L757W23JMUYK4EOOGHLCFWC7C7ZPEXS").unwrap();
        assert_eq!(
            b32_decode("7l75-7w23 jmuy-k4eo-oghl-cfwc-7c7z-pexs").unwrap(),
            key
        );
        assert_eq!(b32_decode("AAAAAAAAAAAAAAAA======").unwrap(), vec![0u8; 10]);
        assert_eq!(
            b32_decode("0000000000000000").unwrap(),
            b32_decode("OOOOOOOOOOOOOOOO").unwrap()
        );
        assert!(b32_decode("A1").is_none());
        assert!(b32_decode("AAA").is_none());
    }

    #[test]
    fn encrypt_decrypt_round_trip() {
        let wallet = demo_wallet();
        let key = generate_key();
        assert_eq!(key.len(), KEY_LEN);
        let stored = wallet.encrypt(&key);
        assert_eq!(wallet.decrypt(&stored).unwrap(), key);
        assert!(!wallet.needs_reencrypt(&stored));
        // Two encryptions of one key differ (fresh salt).
        assert_ne!(wallet.encrypt(&key), stored);
    }

    #[test]
    fn encrypt_is_passlib_json() {
        let wallet = demo_wallet();
        let v = vectors();
        let entry = &v["totp"][0];
        let stored = entry["stored_secret"].as_str().unwrap();
        let key = wallet.decrypt(stored).unwrap();
        // Re-encrypting with the vector's salt reproduces Flask-Security's bytes exactly.
        let salt_b32 = serde_json::from_str::<Value>(stored).unwrap()["enckey"]["s"]
            .as_str()
            .unwrap()
            .to_owned();
        let salt = b32_decode(&salt_b32).unwrap();
        assert_eq!(salt.len(), SALT_LEN);
        assert_eq!(wallet.encrypt_with_salt(&key, &salt), stored);

        let fresh = wallet.encrypt(&key);
        let re = regex_like_shape(&fresh);
        assert!(re, "{fresh}");
    }

    /// `{"enckey":{"c":14,"k":"<32 b32>","s":"<20 b32>","t":"1","v":1},"type":"totp","v":1}`
    fn regex_like_shape(s: &str) -> bool {
        let Some(rest) = s.strip_prefix(r#"{"enckey":{"c":14,"k":""#) else {
            return false;
        };
        let (k, rest) = rest.split_at(32);
        let Some(rest) = rest.strip_prefix(r#"","s":""#) else {
            return false;
        };
        let (salt, rest) = rest.split_at(20);
        let b32ok = |x: &str| {
            x.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        };
        b32ok(k) && b32ok(salt) && rest == r#"","t":"1","v":1},"type":"totp","v":1}"#
    }

    #[test]
    fn highest_tag_encrypts_all_tags_decrypt() {
        let old = TotpSecrets::new([("1", "old-secret")]).unwrap();
        let both =
            TotpSecrets::new([("1", "old-secret"), ("10", "new-secret"), ("9", "x")]).unwrap();
        assert_eq!(both.default_tag(), "10"); // numeric, not "9"
        let key = generate_key();
        let stored_old = old.encrypt(&key);
        assert_eq!(both.decrypt(&stored_old).unwrap(), key);
        assert!(both.needs_reencrypt(&stored_old));
        let stored_new = both.encrypt(&key);
        assert!(stored_new.contains(r#""t":"10""#));
        assert!(!both.needs_reencrypt(&stored_new));
        // Old wallet does not know tag 10.
        assert!(matches!(old.decrypt(&stored_new), Err(TotpError::UnknownTag(t)) if t == "10"));

        let text = TotpSecrets::new([("b", "1"), ("a", "2"), ("10", "3")]).unwrap();
        assert_eq!(text.default_tag(), "b"); // not all numeric: string compare
        let zeros = TotpSecrets::new([("002", "1"), ("10", "2")]).unwrap();
        assert_eq!(zeros.default_tag(), "10");
    }

    #[test]
    fn unencrypted_form_is_read() {
        let wallet = demo_wallet();
        let stored = r#"{"key":"7L757W23JMUYK4EOOGHLCFWC7C7ZPEXS","type":"totp","v":1}"#;
        let key = wallet.decrypt(stored).unwrap();
        assert_eq!(b32(&key), "7L757W23JMUYK4EOOGHLCFWC7C7ZPEXS");
        assert!(wallet.needs_reencrypt(stored));
        // label/issuer are carried by passlib but do not matter here.
        let stored = r#"{"issuer":"x","key":"AAAAAAAAAAAAAAAA","label":"y","type":"totp","v":1}"#;
        assert_eq!(wallet.decrypt(stored).unwrap(), vec![0u8; 10]);
    }

    #[test]
    fn bad_config_is_rejected() {
        assert!(matches!(
            TotpSecrets::new(Vec::<(String, String)>::new()),
            Err(TotpError::NoSecrets)
        ));
        assert!(matches!(
            TotpSecrets::new([("1", "")]),
            Err(TotpError::InvalidSecret { .. })
        ));
        assert!(matches!(
            TotpSecrets::new([("bad tag", "x")]),
            Err(TotpError::InvalidSecret { .. })
        ));
        assert!(matches!(
            TotpSecrets::new([("_x", "x")]),
            Err(TotpError::InvalidSecret { .. })
        ));
        let mut map = serde_json::Map::new();
        map.insert("1".into(), Value::from(5));
        assert!(matches!(
            TotpSecrets::from_config(&map),
            Err(TotpError::InvalidSecret { .. })
        ));
        // Debug output shows tags, never secrets.
        let dbg = format!("{:?}", demo_wallet());
        assert!(dbg.contains("\"1\"") && !dbg.contains("demo-totp-secret"));
    }

    #[test]
    fn tampered_or_junk_stored_secrets_are_errors() {
        let wallet = demo_wallet();
        let good = wallet.encrypt(&generate_key());
        let junk = [
            String::new(),
            "null".into(),
            "[]".into(),
            "{}".into(),
            "not json".into(),
            good.replace("\"totp\"", "\"hotp\""),
            good.replace(",\"v\":1}", ",\"v\":2}"),
            good.replace("\"v\":1},", "\"v\":2},"),
            good.replace("\"c\":14", "\"c\":99"),
            good.replace("\"c\":14", "\"c\":-1"),
            good.replace("\"c\":14", "\"c\":\"14\""),
            good.replace("\"c\":14", "\"c\":18446744073709551615"),
            good.replace("\"k\":\"", "\"k\":\"!"),
            good.replace("\"k\":\"", "\"k\":\"1"),
            good.replace("\"s\":\"", "\"s\":\"~"),
            good.replace("\"t\":\"1\"", "\"t\":1"),
            good.replace("\"t\":\"1\"", "\"t\":\"2\""),
            good.replace("\"enckey\":{", "\"enckey\":[{")
                .replace("},\"type\"", "}],\"type\""),
            good.replace("\"type\":\"totp\",", "\"type\":\"totp\",\"digits\":8,"),
            good.replace(
                "\"type\":\"totp\",",
                "\"alg\":\"sha256\",\"type\":\"totp\",",
            ),
            good.replace("\"type\":\"totp\",", "\"period\":60,\"type\":\"totp\","),
            r#"{"key":"","type":"totp","v":1}"#.into(),
            r#"{"key":7,"type":"totp","v":1}"#.into(),
            r#"{"enckey":{"c":14,"k":"","s":"","t":"1","v":1},"type":"totp","v":1}"#.into(),
            format!(
                "{{\"key\":\"{}\",\"type\":\"totp\",\"v\":1}}",
                "A".repeat(5000)
            ),
            good[..good.len() - 1].to_string(),
        ];
        for s in &junk {
            assert!(wallet.decrypt(s).is_err(), "accepted {s:?}");
        }
        // A flipped ciphertext character still decrypts (CTR is unauthenticated, as in
        // passlib) but to another key.
        let key = wallet.decrypt(&good).unwrap();
        let v: Value = serde_json::from_str(&good).unwrap();
        let k = v["enckey"]["k"].as_str().unwrap();
        let (first, rest) = k.split_at(1);
        let flipped = format!("{}{rest}", if first == "A" { "B" } else { "A" });
        let tampered = good.replace(k, &flipped);
        assert_ne!(wallet.decrypt(&tampered).unwrap(), key);
    }

    #[test]
    fn verify_window_and_replay() {
        let key = b"12345678901234567890";
        let now = 1_767_225_600; // a step boundary
        let step = counter_at(now);
        let code_prev = code_for_counter(key, step - 1);
        let code_now = code_at(key, now);
        let code_next = code_for_counter(key, step + 1);
        let code_far = code_for_counter(key, step + 5);

        assert_eq!(verify(key, &code_now, now, 0, None), Some(step));
        assert_eq!(verify(key, &code_prev, now, 0, None), None);
        assert_eq!(verify(key, &code_prev, now, 30, None), Some(step - 1));
        assert_eq!(verify(key, &code_next, now, 30, None), Some(step + 1));
        assert_eq!(verify(key, &code_far, now, 120, None), None);
        assert_eq!(verify(key, &code_far, now, 150, None), Some(step + 5));
        // window 120 at a step boundary covers steps -4..=+4
        assert_eq!(
            verify(key, &code_for_counter(key, step - 4), now, 120, None),
            Some(step - 4)
        );
        assert_eq!(
            verify(key, &code_for_counter(key, step - 5), now, 120, None),
            None
        );

        // Replay: once accepted at `step`, the same code is refused.
        assert_eq!(verify(key, &code_now, now, 120, Some(step)), None);
        assert_eq!(verify(key, &code_now, now + 10, 120, Some(step)), None);
        // An older code is refused after a newer one was used.
        assert_eq!(verify(key, &code_prev, now, 120, Some(step)), None);
        // The next one still works.
        assert_eq!(
            verify(key, &code_next, now, 120, Some(step)),
            Some(step + 1)
        );
        assert_eq!(verify(key, &code_now, now, 120, Some(step - 1)), Some(step));
        // Absurd last_counter / window / time values do not panic.
        assert_eq!(verify(key, &code_now, now, 120, Some(i64::MAX)), None);
        assert_eq!(
            verify(key, &code_now, now, i64::MAX, Some(i64::MIN)),
            Some(step)
        );
        assert_eq!(verify(key, &code_now, now, -5, None), Some(step));
        assert_eq!(verify(key, &code_now, i64::MIN, i64::MAX, None), None);
        assert_eq!(verify(key, &code_now, i64::MAX, i64::MAX, None), None);
        let _ = code_at(key, i64::MIN);
        let _ = code_at(key, i64::MAX);
        assert_eq!(code_at(key, -1), code_at(key, 0));
        assert_eq!(verify(key, &code_at(key, 0), -1, 0, None), None);
        assert_eq!(verify(key, &code_at(key, 0), 0, 0, None), Some(0));
    }

    #[test]
    fn code_input_forms() {
        let key = b"12345678901234567890";
        let t = 1_111_111_109; // "081804"
        let step = counter_at(t);
        for ok in ["081804", " 081804 ", "081 804", "081-804", "\t081804\n"] {
            assert_eq!(verify(key, ok, t, 0, None), Some(step), "{ok:?}");
        }
        for bad in [
            "",
            "81804",
            "0818040",
            "08180a",
            "０８１８０４",
            "+81804",
            "81804 ",
            "081804x",
            "1e5",
            "-81804",
        ] {
            assert_eq!(verify(key, bad, t, 0, None), None, "{bad:?}");
        }
        assert_eq!(normalize_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(normalize_code("12345"), None);
    }

    #[test]
    fn qr_outputs() {
        let key = b32_decode("BTQTYJ2ERBIUUCLBBSARBQUYCOBNAWVL").unwrap();
        let uri = otpauth_uri(&key, Some("portcullis-vectors"), "ann-demo@example.com");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");
        let data = qr_data_uri(&uri).unwrap();
        let b64 = data.strip_prefix("data:image/svg+xml;base64,").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        assert_eq!(decoded, svg.as_bytes());
        // Too much data for any QR code is an error, not a panic.
        assert!(matches!(qr_svg(&"x".repeat(10_000)), Err(TotpError::Qr(_))));
    }
}
