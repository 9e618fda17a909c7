//! Password hashing compatible with Flask-Security (which uses passlib/libpass).
//!
//! Flask-Security does not hash the password directly: unless the scheme is in
//! `SECURITY_PASSWORD_SINGLE_HASH`, the (NFKD-normalised) password is first replaced by
//! `base64(HMAC-SHA512(key=SECURITY_PASSWORD_SALT, msg=password))` (see [`hmac_prehash`]), and that
//! 88-character string is what goes into argon2/bcrypt/…. Stored hashes use passlib's string
//! formats, so hashes made by a Flask-Security application verify here and vice versa:
//!
//! | scheme | format |
//! |---|---|
//! | `argon2` | `$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>` (PHC, standard base64 without padding) |
//! | `bcrypt` | `$2b$12$<22 salt chars><31 hash chars>` (input truncated to 72 bytes) |
//! | `pbkdf2_sha512` | `$pbkdf2-sha512$25000$<salt>$<hash>` (passlib "adapted" base64: `.` for `+`, no padding) |
//! | `sha512_crypt` | `$6$rounds=656000$<salt>$<hash>` |
//! | `plaintext` | the (pre-hashed) password itself |

use std::fmt;
use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

use super::{CryptoError, Secret, constant_time_eq, hmac_sha512, random};

/// Standard-alphabet base64 without padding on output; decoding accepts padded or unpadded input
/// and non-canonical trailing bits (as Python's decoder does).
const B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Largest argon2 memory cost (KiB) accepted from a stored hash (4 GiB), so a corrupted hash
/// cannot make us try to allocate absurd amounts of memory.
const MAX_ARGON2_M_COST: u32 = 4 * 1024 * 1024;
/// Largest salt or digest length (bytes) accepted from a stored hash.
const MAX_FIELD_LEN: usize = 1024;
/// bcrypt only looks at the first 72 bytes of its input.
const BCRYPT_MAX_INPUT: usize = 72;
/// Argon2 output length used by argon2-cffi (and therefore Flask-Security).
const ARGON2_HASH_LEN: usize = 32;
/// Argon2 salt length used by argon2-cffi.
const ARGON2_SALT_LEN: usize = 16;
/// pbkdf2_sha512 salt length used by passlib.
const PBKDF2_SALT_LEN: usize = 16;
/// pbkdf2_sha512 digest length used by passlib.
const PBKDF2_HASH_LEN: usize = 64;
/// pbkdf2_sha256 digest length used by passlib.
const PBKDF2_SHA256_HASH_LEN: usize = 32;
/// Prefix of passlib's `pbkdf2_sha512` hashes.
const PBKDF2_SHA512_IDENT: &str = "$pbkdf2-sha512$";
/// Prefix of passlib's `pbkdf2_sha256` hashes.
const PBKDF2_SHA256_IDENT: &str = "$pbkdf2-sha256$";

/// A password hashing scheme, named as passlib names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// `argon2` (argon2id for new hashes; argon2i/argon2d hashes verify too). Flask-Security default.
    Argon2,
    /// `bcrypt` (`$2b$`; `$2a$`/`$2y$` verify too).
    Bcrypt,
    /// `pbkdf2_sha512` in passlib's format.
    Pbkdf2Sha512,
    /// `sha512_crypt` (`$6$`).
    Sha512Crypt,
    /// `plaintext` (no hashing at all; only for migrating legacy data).
    Plaintext,
}

impl Scheme {
    /// The passlib name of the scheme (`"argon2"`, `"bcrypt"`, `"pbkdf2_sha512"`,
    /// `"sha512_crypt"`, `"plaintext"`).
    pub fn name(&self) -> &'static str {
        match self {
            Scheme::Argon2 => "argon2",
            Scheme::Bcrypt => "bcrypt",
            Scheme::Pbkdf2Sha512 => "pbkdf2_sha512",
            Scheme::Sha512Crypt => "sha512_crypt",
            Scheme::Plaintext => "plaintext",
        }
    }

    /// Parses a passlib scheme name; `None` for schemes portcullis does not implement.
    pub fn from_name(name: &str) -> Option<Scheme> {
        match name {
            "argon2" => Some(Scheme::Argon2),
            "bcrypt" => Some(Scheme::Bcrypt),
            "pbkdf2_sha512" => Some(Scheme::Pbkdf2Sha512),
            "sha512_crypt" => Some(Scheme::Sha512Crypt),
            "plaintext" => Some(Scheme::Plaintext),
            _ => None,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Identifies the scheme of a stored hash from its prefix.
///
/// `$argon2id$`/`$argon2i$`/`$argon2d$` → argon2, `$2a$`/`$2b$`/`$2y$` → bcrypt,
/// `$pbkdf2-sha512$` → pbkdf2_sha512, `$6$` → sha512_crypt; anything else that does not start
/// with `$` is plaintext; other `$…` formats are unknown (`None`).
pub fn identify(hash: &str) -> Option<Scheme> {
    const PREFIXES: [(&str, Scheme); 8] = [
        ("$argon2id$", Scheme::Argon2),
        ("$argon2i$", Scheme::Argon2),
        ("$argon2d$", Scheme::Argon2),
        ("$2a$", Scheme::Bcrypt),
        ("$2b$", Scheme::Bcrypt),
        ("$2y$", Scheme::Bcrypt),
        ("$pbkdf2-sha512$", Scheme::Pbkdf2Sha512),
        ("$6$", Scheme::Sha512Crypt),
    ];
    if let Some((_, scheme)) = PREFIXES.iter().find(|(p, _)| hash.starts_with(p)) {
        return Some(*scheme);
    }
    if hash.starts_with('$') {
        None
    } else {
        Some(Scheme::Plaintext)
    }
}

/// Flask-Security's `get_hmac`: `base64(HMAC-SHA512(key=salt, msg=password))` with the standard
/// alphabet and `=` padding (88 ASCII characters). `salt` is `SECURITY_PASSWORD_SALT`.
pub fn hmac_prehash(salt: &str, password: &str) -> String {
    STANDARD.encode(hmac_sha512(salt.as_bytes(), password.as_bytes()))
}

/// Which schemes are hashed *without* the HMAC pre-hash (`SECURITY_PASSWORD_SINGLE_HASH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SingleHash {
    /// `SECURITY_PASSWORD_SINGLE_HASH = True`: never pre-hash.
    All,
    /// The passlib names of the schemes that are not pre-hashed. An empty list behaves like
    /// Flask-Security's "falsy" value, i.e. `["plaintext"]`.
    Schemes(Vec<String>),
}

impl SingleHash {
    /// Whether `scheme` is hashed without the HMAC pre-hash.
    pub fn is_single(&self, scheme: Scheme) -> bool {
        match self {
            SingleHash::All => true,
            SingleHash::Schemes(list) if list.is_empty() => scheme == Scheme::Plaintext,
            SingleHash::Schemes(list) => list.iter().any(|s| s == scheme.name()),
        }
    }
}

impl Default for SingleHash {
    /// Flask-Security's default set: `plaintext` and the `django_*` schemes.
    fn default() -> Self {
        SingleHash::Schemes(
            [
                "django_argon2",
                "django_bcrypt",
                "django_bcrypt_sha256",
                "django_des_crypt",
                "django_pbkdf2_sha1",
                "django_pbkdf2_sha256",
                "django_salted_md5",
                "django_salted_sha1",
                "plaintext",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        )
    }
}

/// Password hashing configuration (the `SECURITY_PASSWORD_*` settings).
#[derive(Debug, Clone)]
pub struct PasswordConfig {
    /// Scheme for new hashes (`SECURITY_PASSWORD_HASH`, default argon2).
    pub scheme: Scheme,
    /// `SECURITY_PASSWORD_SALT`: HMAC key of the pre-hash. Required when the pre-hash is used.
    pub salt: Option<Secret<String>>,
    /// `SECURITY_PASSWORD_SINGLE_HASH`: schemes that do not get the HMAC pre-hash.
    pub single_hash: SingleHash,
    /// Schemes accepted for verification (`SECURITY_PASSWORD_SCHEMES`, restricted to the ones
    /// portcullis implements). `scheme` is always accepted.
    pub schemes: Vec<Scheme>,
    /// argon2 memory cost in KiB (argon2-cffi default 65536).
    pub argon2_m_cost: u32,
    /// argon2 time cost (argon2-cffi default 3).
    pub argon2_t_cost: u32,
    /// argon2 parallelism (argon2-cffi default 4).
    pub argon2_p_cost: u32,
    /// bcrypt cost (passlib default 12).
    pub bcrypt_cost: u32,
    /// pbkdf2_sha512 rounds (passlib default 25000).
    pub pbkdf2_rounds: u32,
    /// sha512_crypt rounds (passlib default 656000).
    pub sha512_crypt_rounds: u32,
    /// NFKD-normalise passwords before hashing and verifying (`SECURITY_PASSWORD_NORMALIZE_FORM`).
    pub normalize_nfkd: bool,
}

impl Default for PasswordConfig {
    /// Flask-Security's defaults (argon2 with argon2-cffi's parameters, no salt set).
    fn default() -> Self {
        Self {
            scheme: Scheme::Argon2,
            salt: None,
            single_hash: SingleHash::default(),
            schemes: vec![
                Scheme::Bcrypt,
                Scheme::Argon2,
                Scheme::Pbkdf2Sha512,
                Scheme::Sha512Crypt,
                Scheme::Plaintext,
            ],
            argon2_m_cost: 65536,
            argon2_t_cost: 3,
            argon2_p_cost: 4,
            bcrypt_cost: 12,
            pbkdf2_rounds: 25000,
            sha512_crypt_rounds: 656_000,
            normalize_nfkd: true,
        }
    }
}

/// Result of [`PasswordHasher::verify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Wrong password, unknown/unaccepted scheme or unparseable hash.
    Invalid,
    /// The password matches.
    Valid {
        /// The hash should be replaced by `hash(password)`: other scheme or other parameters
        /// than configured.
        needs_update: bool,
    },
}

impl Verification {
    /// `true` for [`Verification::Valid`].
    pub fn is_valid(&self) -> bool {
        matches!(self, Verification::Valid { .. })
    }
}

/// Hashes and verifies passwords the way Flask-Security does. Cheap to clone (shared state).
#[derive(Clone)]
pub struct PasswordHasher {
    config: Arc<PasswordConfig>,
    dummy_hash: Arc<OnceLock<Option<String>>>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `PasswordConfig`'s Debug already redacts the salt (it is a `Secret`).
        f.debug_struct("PasswordHasher")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// Creates a hasher.
    ///
    /// # Errors
    /// [`CryptoError::MissingSalt`] when the configured scheme gets the HMAC pre-hash and no
    /// (non-empty) salt is set; [`CryptoError::Hash`] when the configured scheme's parameters are
    /// out of range.
    pub fn new(config: PasswordConfig) -> Result<Self, CryptoError> {
        if !config.single_hash.is_single(config.scheme) && salt_of(&config).is_none() {
            return Err(CryptoError::MissingSalt);
        }
        match config.scheme {
            Scheme::Argon2 => {
                argon2_params(
                    config.argon2_m_cost,
                    config.argon2_t_cost,
                    config.argon2_p_cost,
                    ARGON2_HASH_LEN,
                )?;
            }
            Scheme::Bcrypt => {
                if !(4..=31).contains(&config.bcrypt_cost) {
                    return Err(CryptoError::Hash(format!(
                        "bcrypt cost must be between 4 and 31, got {}",
                        config.bcrypt_cost
                    )));
                }
            }
            Scheme::Pbkdf2Sha512 => {
                if config.pbkdf2_rounds == 0 {
                    return Err(CryptoError::Hash(
                        "pbkdf2 rounds must be at least 1".to_string(),
                    ));
                }
            }
            Scheme::Sha512Crypt => {
                sha_crypt::Params::new(config.sha512_crypt_rounds).map_err(|_| {
                    CryptoError::Hash(format!(
                        "sha512_crypt rounds must be between 1000 and 999999999, got {}",
                        config.sha512_crypt_rounds
                    ))
                })?;
            }
            Scheme::Plaintext => {}
        }
        Ok(Self {
            config: Arc::new(config),
            dummy_hash: Arc::new(OnceLock::new()),
        })
    }

    /// The configuration this hasher was built with.
    pub fn config(&self) -> &PasswordConfig {
        &self.config
    }

    /// NFKD-normalises `password` when `normalize_nfkd` is enabled (otherwise returns it as is).
    pub fn normalize(&self, password: &str) -> String {
        if self.config.normalize_nfkd {
            password.nfkd().collect()
        } else {
            password.to_owned()
        }
    }

    /// Hashes `password` with the configured scheme, in passlib's string format: normalise,
    /// HMAC pre-hash unless the scheme is single-hash, truncate to 72 bytes for bcrypt, hash.
    ///
    /// # Errors
    /// [`CryptoError::MissingSalt`] if the pre-hash is needed but no salt is configured,
    /// [`CryptoError::Hash`] if the underlying hash function rejects its parameters.
    pub fn hash(&self, password: &str) -> Result<String, CryptoError> {
        let cfg = &*self.config;
        let input = self.prepare(password, cfg.scheme)?;
        match cfg.scheme {
            Scheme::Argon2 => hash_argon2(
                &input,
                cfg.argon2_m_cost,
                cfg.argon2_t_cost,
                cfg.argon2_p_cost,
            ),
            Scheme::Bcrypt => {
                let mut salt = [0u8; 16];
                random::fill(&mut salt);
                bcrypt::hash_with_salt(&input, cfg.bcrypt_cost, salt)
                    .map(|parts| parts.format_for_version(bcrypt::Version::TwoB))
                    .map_err(|e| CryptoError::Hash(e.to_string()))
            }
            Scheme::Pbkdf2Sha512 => Ok(hash_pbkdf2_sha512(&input, cfg.pbkdf2_rounds)),
            Scheme::Sha512Crypt => hash_sha512_crypt(&input, cfg.sha512_crypt_rounds),
            Scheme::Plaintext => String::from_utf8(input)
                .map_err(|_| CryptoError::Hash("plaintext input is not UTF-8".to_string())),
        }
    }

    /// Verifies `password` against the stored hash `stored`.
    ///
    /// The password is normalised; whether the HMAC pre-hash is applied depends on the *stored*
    /// hash's scheme. A scheme that is not accepted, an empty or unparseable hash, or a needed
    /// but missing salt all give [`Verification::Invalid`]. `needs_update` is set when the stored
    /// scheme or its parameters differ from the configuration.
    pub fn verify(&self, password: &str, stored: &str) -> Verification {
        match self.check(password, stored) {
            Some(needs_update) => Verification::Valid { needs_update },
            None => Verification::Invalid,
        }
    }

    /// Does the work of verifying `password` against a hash of the configured scheme (made once,
    /// lazily) and discards the result, so that requests for unknown users take as long as
    /// requests for known ones.
    pub fn dummy_verify(&self, password: &str) {
        let dummy = self
            .dummy_hash
            .get_or_init(|| self.hash("portcullis-dummy-password").ok());
        if let Some(dummy) = dummy {
            let result = self.verify(password, dummy);
            std::hint::black_box(result);
        }
    }

    /// Whether the stored hash's scheme is accepted for verification.
    fn accepts(&self, scheme: Scheme) -> bool {
        scheme == self.config.scheme || self.config.schemes.contains(&scheme)
    }

    /// Normalise, pre-hash (unless `scheme` is single-hash) and, for bcrypt, truncate to 72 bytes.
    fn prepare(&self, password: &str, scheme: Scheme) -> Result<Vec<u8>, CryptoError> {
        let normalized = self.normalize(password);
        let mut input = if self.config.single_hash.is_single(scheme) {
            normalized.into_bytes()
        } else {
            let salt = salt_of(&self.config).ok_or(CryptoError::MissingSalt)?;
            hmac_prehash(salt, &normalized).into_bytes()
        };
        if scheme == Scheme::Bcrypt {
            input.truncate(BCRYPT_MAX_INPUT);
        }
        Ok(input)
    }

    /// `Some(needs_update)` if the password matches, `None` otherwise.
    fn check(&self, password: &str, stored: &str) -> Option<bool> {
        if stored.is_empty() {
            return None;
        }
        let scheme = identify(stored)?;
        if !self.accepts(scheme) {
            return None;
        }
        let input = match self.prepare(password, scheme) {
            Ok(input) => input,
            Err(err) => {
                tracing::warn!(scheme = scheme.name(), error = %err, "cannot verify password");
                return None;
            }
        };
        let cfg = &*self.config;
        let (matches, outdated) = match scheme {
            Scheme::Argon2 => {
                let parsed = Argon2Hash::parse(stored)?;
                let outdated = parsed.algorithm != argon2::Algorithm::Argon2id
                    || parsed.version != argon2::Version::V0x13
                    || parsed.m_cost != cfg.argon2_m_cost
                    || parsed.t_cost != cfg.argon2_t_cost
                    || parsed.p_cost != cfg.argon2_p_cost
                    || parsed.hash.len() != ARGON2_HASH_LEN;
                (parsed.verify(&input)?, outdated)
            }
            Scheme::Bcrypt => {
                let cost: u32 = stored.get(4..6)?.parse().ok()?;
                let matches = bcrypt::verify(&input, stored).ok()?;
                (matches, cost != cfg.bcrypt_cost)
            }
            Scheme::Pbkdf2Sha512 => {
                let parsed = Pbkdf2Hash::parse(stored)?;
                (parsed.verify(&input), parsed.rounds != cfg.pbkdf2_rounds)
            }
            Scheme::Sha512Crypt => {
                let rounds = sha512_crypt_rounds(stored)?;
                (
                    verify_sha512_crypt(&input, stored)?,
                    rounds != cfg.sha512_crypt_rounds,
                )
            }
            Scheme::Plaintext => (constant_time_eq(&input, stored.as_bytes()), false),
        };
        matches.then_some(outdated || scheme != cfg.scheme)
    }
}

/// The configured salt, treating an empty string as missing (like Flask-Security).
fn salt_of(config: &PasswordConfig) -> Option<&str> {
    config
        .salt
        .as_ref()
        .map(|s| s.expose().as_str())
        .filter(|s| !s.is_empty())
}

fn argon2_params(m: u32, t: u32, p: u32, out_len: usize) -> Result<argon2::Params, CryptoError> {
    argon2::Params::new(m, t, p, Some(out_len))
        .map_err(|e| CryptoError::Hash(format!("invalid argon2 parameters: {e}")))
}

fn hash_argon2(input: &[u8], m: u32, t: u32, p: u32) -> Result<String, CryptoError> {
    let params = argon2_params(m, t, p, ARGON2_HASH_LEN)?;
    let ctx = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut salt = [0u8; ARGON2_SALT_LEN];
    random::fill(&mut salt);
    let mut out = [0u8; ARGON2_HASH_LEN];
    ctx.hash_password_into(input, &salt, &mut out)
        .map_err(|e| CryptoError::Hash(format!("argon2: {e}")))?;
    Ok(format!(
        "$argon2id$v=19$m={m},t={t},p={p}${}${}",
        B64.encode(salt),
        B64.encode(out)
    ))
}

/// A parsed PHC argon2 string.
struct Argon2Hash {
    algorithm: argon2::Algorithm,
    version: argon2::Version,
    m_cost: u32,
    t_cost: u32,
    p_cost: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Argon2Hash {
    /// Parses `$argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>` (the `v=` field is optional and means
    /// version 0x10 when absent, as in argon2-cffi).
    fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('$');
        if !parts.next()?.is_empty() {
            return None;
        }
        let algorithm = match parts.next()? {
            "argon2id" => argon2::Algorithm::Argon2id,
            "argon2i" => argon2::Algorithm::Argon2i,
            "argon2d" => argon2::Algorithm::Argon2d,
            _ => return None,
        };
        let mut field = parts.next()?;
        let version = match field.strip_prefix("v=") {
            Some(v) => {
                field = parts.next()?;
                match v {
                    "19" => argon2::Version::V0x13,
                    "16" => argon2::Version::V0x10,
                    _ => return None,
                }
            }
            None => argon2::Version::V0x10,
        };
        let (mut m, mut t, mut p) = (None, None, None);
        for kv in field.split(',') {
            let (k, v) = kv.split_once('=')?;
            let v: u32 = parse_decimal(v)?;
            let slot = match k {
                "m" => &mut m,
                "t" => &mut t,
                "p" => &mut p,
                _ => return None, // keyid/data are not supported
            };
            if slot.replace(v).is_some() {
                return None;
            }
        }
        let salt = B64.decode(parts.next()?).ok()?;
        let hash = B64.decode(parts.next()?).ok()?;
        if parts.next().is_some() {
            return None;
        }
        let m_cost = m?;
        if m_cost > MAX_ARGON2_M_COST
            || salt.len() > MAX_FIELD_LEN
            || hash.is_empty()
            || hash.len() > MAX_FIELD_LEN
        {
            return None;
        }
        Some(Self {
            algorithm,
            version,
            m_cost,
            t_cost: t?,
            p_cost: p?,
            salt,
            hash,
        })
    }

    fn verify(&self, input: &[u8]) -> Option<bool> {
        let params = argon2_params(self.m_cost, self.t_cost, self.p_cost, self.hash.len()).ok()?;
        let ctx = argon2::Argon2::new(self.algorithm, self.version, params);
        let mut out = vec![0u8; self.hash.len()];
        ctx.hash_password_into(input, &self.salt, &mut out).ok()?;
        Some(constant_time_eq(&out, &self.hash))
    }
}

/// Parses a decimal number without sign, leading zeros or surrounding junk.
fn parse_decimal(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// passlib's "adapted base64" (`ab64_encode`): standard alphabet, `.` instead of `+`, no padding.
fn ab64_encode(data: &[u8]) -> String {
    B64.encode(data).replace('+', ".")
}

/// passlib's `ab64_decode`.
fn ab64_decode(s: &str) -> Option<Vec<u8>> {
    B64.decode(s.replace('.', "+")).ok()
}

fn hash_pbkdf2_sha512(input: &[u8], rounds: u32) -> String {
    hash_pbkdf2::<sha2::Sha512>(PBKDF2_SHA512_IDENT, input, rounds, PBKDF2_HASH_LEN)
}

/// passlib's `pbkdf2_sha256` hash of `input` (`$pbkdf2-sha256$<rounds>$<salt>$<hash>`, 16-byte
/// salt, 32-byte digest), as used for values that are stored one-way outside the password
/// column (recovery codes).
pub(crate) fn hash_pbkdf2_sha256(input: &[u8], rounds: u32) -> String {
    hash_pbkdf2::<sha2::Sha256>(PBKDF2_SHA256_IDENT, input, rounds, PBKDF2_SHA256_HASH_LEN)
}

/// Whether `stored` is a well-formed passlib `pbkdf2_sha256` hash of `input` with at most
/// `max_rounds` rounds. Anything unreadable is `false`.
pub(crate) fn verify_pbkdf2_sha256(input: &[u8], stored: &str, max_rounds: u32) -> bool {
    Pbkdf2Hash::parse_with(PBKDF2_SHA256_IDENT, stored)
        .filter(|parsed| parsed.rounds <= max_rounds)
        .is_some_and(|parsed| parsed.verify_with::<sha2::Sha256>(input))
}

/// passlib's pbkdf2 layout, shared by its `pbkdf2_sha256` and `pbkdf2_sha512` schemes:
/// `<ident><rounds>$<ab64 salt>$<ab64 digest>` with a fresh 16-byte salt.
fn hash_pbkdf2<D: hmac::EagerHash>(
    ident: &str,
    input: &[u8],
    rounds: u32,
    out_len: usize,
) -> String {
    let mut salt = [0u8; PBKDF2_SALT_LEN];
    random::fill(&mut salt);
    let mut out = vec![0u8; out_len];
    pbkdf2::pbkdf2_hmac::<D>(input, &salt, rounds, &mut out);
    format!(
        "{ident}{rounds}${}${}",
        ab64_encode(&salt),
        ab64_encode(&out)
    )
}

/// A parsed passlib `$pbkdf2-sha512$rounds$salt$hash` string.
struct Pbkdf2Hash {
    rounds: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl Pbkdf2Hash {
    fn parse(s: &str) -> Option<Self> {
        Self::parse_with(PBKDF2_SHA512_IDENT, s)
    }

    /// Parses `<ident><rounds>$<salt>$<hash>`.
    fn parse_with(ident: &str, s: &str) -> Option<Self> {
        let rest = s.strip_prefix(ident)?;
        let mut parts = rest.split('$');
        let rounds = parse_decimal(parts.next()?)?;
        let salt = ab64_decode(parts.next()?)?;
        let hash = ab64_decode(parts.next()?)?;
        if parts.next().is_some()
            || rounds == 0
            || salt.len() > MAX_FIELD_LEN
            || hash.is_empty()
            || hash.len() > MAX_FIELD_LEN
        {
            return None;
        }
        Some(Self { rounds, salt, hash })
    }

    fn verify(&self, input: &[u8]) -> bool {
        self.verify_with::<sha2::Sha512>(input)
    }

    fn verify_with<D: hmac::EagerHash>(&self, input: &[u8]) -> bool {
        let mut out = vec![0u8; self.hash.len()];
        pbkdf2::pbkdf2_hmac::<D>(input, &self.salt, self.rounds, &mut out);
        constant_time_eq(&out, &self.hash)
    }
}

fn hash_sha512_crypt(input: &[u8], rounds: u32) -> Result<String, CryptoError> {
    use sha_crypt::CustomizedPasswordHasher as _;
    let params = sha_crypt::Params::new(rounds)
        .map_err(|e| CryptoError::Hash(format!("sha512_crypt: {e}")))?;
    // 12 random bytes become passlib's 16-character salt.
    let mut salt = [0u8; 12];
    random::fill(&mut salt);
    sha_crypt::ShaCrypt::new(sha_crypt::Algorithm::Sha512Crypt, params)
        .hash_password_customized(input, &salt, None, None, params)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Hash(format!("sha512_crypt: {e}")))
}

/// The rounds of a `$6$` hash (5000 when the `rounds=` field is absent).
fn sha512_crypt_rounds(s: &str) -> Option<u32> {
    let rest = s.strip_prefix("$6$")?;
    match rest.strip_prefix("rounds=") {
        Some(r) => parse_decimal(r.split('$').next()?),
        None => Some(5000),
    }
}

fn verify_sha512_crypt(input: &[u8], stored: &str) -> Option<bool> {
    use sha_crypt::PasswordVerifier as _;
    let hash = sha_crypt::PasswordHashRef::new(stored).ok()?;
    match sha_crypt::ShaCrypt::SHA512.verify_password(input, hash) {
        Ok(()) => Some(true),
        Err(sha_crypt::password_hash::Error::PasswordInvalid) => Some(false),
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    const VECTORS: &str = include_str!("testdata/flask-security-vectors.json");
    const DEMO_SALT: &str = "demo-password-salt";

    fn demo_config() -> PasswordConfig {
        PasswordConfig {
            salt: Some(Secret::new(DEMO_SALT.to_string())),
            ..PasswordConfig::default()
        }
    }

    /// Cheap parameters so debug-mode tests stay fast.
    fn cheap_config(scheme: Scheme) -> PasswordConfig {
        PasswordConfig {
            scheme,
            salt: Some(Secret::new("salty".to_string())),
            argon2_m_cost: 1024,
            argon2_t_cost: 1,
            argon2_p_cost: 1,
            bcrypt_cost: 4,
            pbkdf2_rounds: 1000,
            sha512_crypt_rounds: 1000,
            ..PasswordConfig::default()
        }
    }

    fn vectors_for(scheme: &str) -> Vec<serde_json::Value> {
        let v: serde_json::Value = serde_json::from_str(VECTORS).unwrap();
        v["password_hashes"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|h| h["scheme"] == scheme)
            .cloned()
            .collect()
    }

    fn check_vectors(scheme: &str) {
        let hasher = PasswordHasher::new(demo_config()).unwrap();
        let vectors = vectors_for(scheme);
        assert_eq!(vectors.len(), 3);
        for v in vectors {
            let password = v["password"].as_str().unwrap();
            let hash = v["hash"].as_str().unwrap();
            assert_eq!(identify(hash).map(|s| s.name()), Some(scheme));
            assert_eq!(
                hasher.normalize(password),
                v["hash_input"].as_str().unwrap()
            );
            assert_eq!(
                hmac_prehash(DEMO_SALT, &hasher.normalize(password)),
                v["hmac_prehash"].as_str().unwrap()
            );
            let expected_update = scheme != "argon2";
            assert_eq!(
                hasher.verify(password, hash),
                Verification::Valid {
                    needs_update: expected_update
                },
                "{scheme}: {password}"
            );
            // The already-normalised input verifies too.
            assert!(
                hasher
                    .verify(v["hash_input"].as_str().unwrap(), hash)
                    .is_valid()
            );
            assert_eq!(
                hasher.verify(&format!("{password}x"), hash),
                Verification::Invalid
            );
        }
    }

    #[test]
    fn vectors_argon2() {
        check_vectors("argon2");
    }

    #[test]
    fn vectors_bcrypt() {
        check_vectors("bcrypt");
    }

    #[test]
    fn vectors_pbkdf2_sha512() {
        check_vectors("pbkdf2_sha512");
    }

    #[test]
    fn vectors_sha512_crypt() {
        check_vectors("sha512_crypt");
    }

    #[test]
    fn vectors_without_normalisation_fail_for_compat_chars() {
        let hasher = PasswordHasher::new(PasswordConfig {
            normalize_nfkd: false,
            scheme: Scheme::Pbkdf2Sha512,
            ..demo_config()
        })
        .unwrap();
        let v = vectors_for("pbkdf2_sha512")
            .into_iter()
            .find(|v| v["password"] != v["hash_input"])
            .unwrap();
        let hash = v["hash"].as_str().unwrap();
        assert_eq!(
            hasher.verify(v["password"].as_str().unwrap(), hash),
            Verification::Invalid
        );
        assert!(
            hasher
                .verify(v["hash_input"].as_str().unwrap(), hash)
                .is_valid()
        );
    }

    #[test]
    fn wire_spec_get_hmac_vector() {
        assert_eq!(
            hmac_prehash("salty", "password"),
            "LYTHjl+tR4olwwoVwxtw0B7j24WOOffplRNnqK1Gtadg0qjHc13Sd/BtqlP30Xyk1Q/wrihfJipJfRghXNm7FA=="
        );
    }

    #[test]
    fn scheme_names_round_trip() {
        for s in [
            Scheme::Argon2,
            Scheme::Bcrypt,
            Scheme::Pbkdf2Sha512,
            Scheme::Sha512Crypt,
            Scheme::Plaintext,
        ] {
            assert_eq!(Scheme::from_name(s.name()), Some(s));
        }
        assert_eq!(Scheme::from_name("des_crypt"), None);
        let s: Scheme = serde_json::from_str("\"pbkdf2_sha512\"").unwrap();
        assert_eq!(s, Scheme::Pbkdf2Sha512);
    }

    #[test]
    fn identify_prefixes() {
        assert_eq!(identify("$argon2id$v=19$..."), Some(Scheme::Argon2));
        assert_eq!(identify("$argon2i$v=19$..."), Some(Scheme::Argon2));
        assert_eq!(identify("$argon2d$v=19$..."), Some(Scheme::Argon2));
        assert_eq!(identify("$2a$04$x"), Some(Scheme::Bcrypt));
        assert_eq!(identify("$2b$04$x"), Some(Scheme::Bcrypt));
        assert_eq!(identify("$2y$04$x"), Some(Scheme::Bcrypt));
        assert_eq!(identify("$pbkdf2-sha512$1$a$b"), Some(Scheme::Pbkdf2Sha512));
        assert_eq!(identify("$6$rounds=5000$a$b"), Some(Scheme::Sha512Crypt));
        assert_eq!(identify("$5$rounds=5000$a$b"), None);
        assert_eq!(identify("$pbkdf2-sha256$1$a$b"), None);
        assert_eq!(identify("hunter2"), Some(Scheme::Plaintext));
    }

    #[test]
    fn new_requires_salt_for_prehashed_schemes() {
        let cfg = PasswordConfig::default();
        assert!(matches!(
            PasswordHasher::new(cfg),
            Err(CryptoError::MissingSalt)
        ));
        let cfg = PasswordConfig {
            salt: Some(Secret::new(String::new())),
            ..PasswordConfig::default()
        };
        assert!(matches!(
            PasswordHasher::new(cfg),
            Err(CryptoError::MissingSalt)
        ));
        // Single-hash configurations need no salt.
        let cfg = PasswordConfig {
            single_hash: SingleHash::All,
            ..cheap_config(Scheme::Argon2)
        };
        assert!(PasswordHasher::new(PasswordConfig { salt: None, ..cfg }).is_ok());
        let cfg = PasswordConfig {
            scheme: Scheme::Plaintext,
            salt: None,
            ..PasswordConfig::default()
        };
        assert!(PasswordHasher::new(cfg).is_ok());
    }

    #[test]
    fn new_rejects_bad_parameters() {
        for cfg in [
            PasswordConfig {
                bcrypt_cost: 3,
                ..cheap_config(Scheme::Bcrypt)
            },
            PasswordConfig {
                sha512_crypt_rounds: 999,
                ..cheap_config(Scheme::Sha512Crypt)
            },
            PasswordConfig {
                pbkdf2_rounds: 0,
                ..cheap_config(Scheme::Pbkdf2Sha512)
            },
            PasswordConfig {
                argon2_p_cost: 0,
                ..cheap_config(Scheme::Argon2)
            },
        ] {
            assert!(matches!(
                PasswordHasher::new(cfg),
                Err(CryptoError::Hash(_))
            ));
        }
    }

    #[test]
    fn default_config_matches_flask_security() {
        let cfg = PasswordConfig::default();
        assert_eq!(cfg.scheme, Scheme::Argon2);
        assert!(cfg.single_hash.is_single(Scheme::Plaintext));
        assert!(!cfg.single_hash.is_single(Scheme::Argon2));
        assert!(!cfg.single_hash.is_single(Scheme::Bcrypt));
        assert!(SingleHash::Schemes(vec![]).is_single(Scheme::Plaintext));
        assert!(!SingleHash::Schemes(vec![]).is_single(Scheme::Bcrypt));
        assert!(SingleHash::All.is_single(Scheme::Bcrypt));
        assert_eq!(
            (cfg.argon2_m_cost, cfg.argon2_t_cost, cfg.argon2_p_cost),
            (65536, 3, 4)
        );
        assert_eq!(cfg.bcrypt_cost, 12);
        assert_eq!(cfg.pbkdf2_rounds, 25000);
        assert_eq!(cfg.sha512_crypt_rounds, 656_000);
        assert!(cfg.normalize_nfkd);
    }

    #[test]
    fn default_argon2_output_format() {
        // Full-cost argon2 once, to check the exact argon2-cffi output shape.
        let hasher = PasswordHasher::new(demo_config()).unwrap();
        let h = hasher.hash("Pässwörd-demo-ﬁ-Ω").unwrap();
        let rest = h.strip_prefix("$argon2id$v=19$m=65536,t=3,p=4$").unwrap();
        let (salt, hash) = rest.split_once('$').unwrap();
        assert_eq!(salt.len(), 22);
        assert_eq!(hash.len(), 43);
        assert!(!salt.contains('=') && !hash.contains('='));
        assert_eq!(
            hasher.verify("Pässwörd-demo-fi-Ω", &h),
            Verification::Valid {
                needs_update: false
            }
        );
    }

    #[test]
    fn round_trip_each_scheme() {
        let all = [
            Scheme::Argon2,
            Scheme::Bcrypt,
            Scheme::Pbkdf2Sha512,
            Scheme::Sha512Crypt,
            Scheme::Plaintext,
        ];
        for scheme in all {
            let hasher = PasswordHasher::new(cheap_config(scheme)).unwrap();
            let h = hasher.hash("correct horse ﬁ").unwrap();
            assert_eq!(identify(&h), Some(scheme), "{h}");
            assert_eq!(
                hasher.verify("correct horse ﬁ", &h),
                Verification::Valid {
                    needs_update: false
                },
                "{scheme}"
            );
            assert_eq!(
                hasher.verify("correct horse fi", &h),
                Verification::Valid {
                    needs_update: false
                },
                "{scheme} (normalised form)"
            );
            assert_eq!(hasher.verify("wrong", &h), Verification::Invalid);
            assert_eq!(hasher.verify("", &h), Verification::Invalid);
            // Every other configured scheme accepts it but wants an update.
            for other in all.into_iter().filter(|o| *o != scheme) {
                let other_hasher = PasswordHasher::new(cheap_config(other)).unwrap();
                assert_eq!(
                    other_hasher.verify("correct horse ﬁ", &h),
                    Verification::Valid { needs_update: true },
                    "{scheme} verified by {other}"
                );
            }
        }
    }

    #[test]
    fn formats_are_passlib_shaped() {
        let h = PasswordHasher::new(cheap_config(Scheme::Pbkdf2Sha512))
            .unwrap()
            .hash("pw")
            .unwrap();
        let parts: Vec<&str> = h.split('$').collect();
        assert_eq!(parts[1..3], ["pbkdf2-sha512", "1000"]);
        assert_eq!(parts[3].len(), 22);
        assert_eq!(parts[4].len(), 86);
        assert!(!h.contains('+') && !h.contains('='));

        let h = PasswordHasher::new(cheap_config(Scheme::Sha512Crypt))
            .unwrap()
            .hash("pw")
            .unwrap();
        let parts: Vec<&str> = h.split('$').collect();
        assert_eq!(parts[1..3], ["6", "rounds=1000"]);
        assert_eq!(parts[3].len(), 16);
        assert_eq!(parts[4].len(), 86);

        let h = PasswordHasher::new(cheap_config(Scheme::Bcrypt))
            .unwrap()
            .hash("pw")
            .unwrap();
        assert!(h.starts_with("$2b$04$"));
        assert_eq!(h.len(), 60);

        // Plaintext is single-hash by default: the password itself is stored.
        let h = PasswordHasher::new(cheap_config(Scheme::Plaintext))
            .unwrap()
            .hash("pw ﬁ")
            .unwrap();
        assert_eq!(h, "pw fi");
    }

    #[test]
    fn needs_update_on_changed_parameters() {
        let pw = "pw";
        let cases = [
            (
                cheap_config(Scheme::Argon2),
                PasswordConfig {
                    argon2_t_cost: 2,
                    ..cheap_config(Scheme::Argon2)
                },
            ),
            (
                cheap_config(Scheme::Argon2),
                PasswordConfig {
                    argon2_m_cost: 2048,
                    ..cheap_config(Scheme::Argon2)
                },
            ),
            (
                cheap_config(Scheme::Argon2),
                PasswordConfig {
                    argon2_p_cost: 2,
                    ..cheap_config(Scheme::Argon2)
                },
            ),
            (
                cheap_config(Scheme::Bcrypt),
                PasswordConfig {
                    bcrypt_cost: 5,
                    ..cheap_config(Scheme::Bcrypt)
                },
            ),
            (
                cheap_config(Scheme::Pbkdf2Sha512),
                PasswordConfig {
                    pbkdf2_rounds: 1001,
                    ..cheap_config(Scheme::Pbkdf2Sha512)
                },
            ),
            (
                cheap_config(Scheme::Sha512Crypt),
                PasswordConfig {
                    sha512_crypt_rounds: 1001,
                    ..cheap_config(Scheme::Sha512Crypt)
                },
            ),
        ];
        for (old, new) in cases {
            let h = PasswordHasher::new(old).unwrap().hash(pw).unwrap();
            let hasher = PasswordHasher::new(new).unwrap();
            assert_eq!(
                hasher.verify(pw, &h),
                Verification::Valid { needs_update: true },
                "{h}"
            );
        }
    }

    #[test]
    fn argon2i_and_versionless_hashes_need_update() {
        let input = hmac_prehash("salty", "pw");
        let salt = [7u8; 16];
        for (alg, ver, prefix) in [
            (
                argon2::Algorithm::Argon2i,
                argon2::Version::V0x13,
                "$argon2i$v=19$",
            ),
            (
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x10,
                "$argon2id$",
            ),
        ] {
            let params = argon2::Params::new(1024, 1, 1, Some(32)).unwrap();
            let mut out = [0u8; 32];
            argon2::Argon2::new(alg, ver, params)
                .hash_password_into(input.as_bytes(), &salt, &mut out)
                .unwrap();
            let h = format!(
                "{prefix}m=1024,t=1,p=1${}${}",
                B64.encode(salt),
                B64.encode(out)
            );
            let hasher = PasswordHasher::new(cheap_config(Scheme::Argon2)).unwrap();
            assert_eq!(
                hasher.verify("pw", &h),
                Verification::Valid { needs_update: true },
                "{h}"
            );
            assert_eq!(hasher.verify("pwx", &h), Verification::Invalid);
        }
    }

    #[test]
    fn bcrypt_truncates_at_72_bytes_without_prehash() {
        let cfg = PasswordConfig {
            single_hash: SingleHash::All,
            salt: None,
            ..cheap_config(Scheme::Bcrypt)
        };
        let hasher = PasswordHasher::new(cfg).unwrap();
        let long = "a".repeat(80);
        let h = hasher.hash(&long).unwrap();
        assert!(hasher.verify(&"a".repeat(72), &h).is_valid());
        assert!(hasher.verify(&"a".repeat(100), &h).is_valid());
        assert!(!hasher.verify(&"a".repeat(71), &h).is_valid());
    }

    #[test]
    fn prehash_decision_follows_the_stored_scheme() {
        // Plaintext is single-hash: stored as-is, verified without the HMAC.
        let hasher = PasswordHasher::new(cheap_config(Scheme::Argon2)).unwrap();
        assert_eq!(
            hasher.verify("legacy", "legacy"),
            Verification::Valid { needs_update: true }
        );
        assert_eq!(hasher.verify("legacy", "legacY"), Verification::Invalid);
        // With plaintext not single-hash, the stored value is the HMAC pre-hash.
        let cfg = PasswordConfig {
            single_hash: SingleHash::Schemes(vec!["django_argon2".into()]),
            ..cheap_config(Scheme::Argon2)
        };
        let hasher = PasswordHasher::new(cfg).unwrap();
        assert!(
            hasher
                .verify("legacy", &hmac_prehash("salty", "legacy"))
                .is_valid()
        );
        assert!(!hasher.verify("legacy", "legacy").is_valid());
    }

    #[test]
    fn schemes_not_accepted_are_invalid() {
        let cfg = PasswordConfig {
            schemes: vec![Scheme::Argon2],
            ..cheap_config(Scheme::Argon2)
        };
        let hasher = PasswordHasher::new(cfg).unwrap();
        assert_eq!(hasher.verify("legacy", "legacy"), Verification::Invalid);
        let bcrypt = PasswordHasher::new(cheap_config(Scheme::Bcrypt))
            .unwrap()
            .hash("pw")
            .unwrap();
        assert_eq!(hasher.verify("pw", &bcrypt), Verification::Invalid);
        // The configured scheme is always accepted.
        let cfg = PasswordConfig {
            schemes: vec![],
            ..cheap_config(Scheme::Bcrypt)
        };
        assert!(
            PasswordHasher::new(cfg)
                .unwrap()
                .verify("pw", &bcrypt)
                .is_valid()
        );
    }

    #[test]
    fn missing_salt_for_stored_scheme_is_invalid() {
        let cfg = PasswordConfig {
            scheme: Scheme::Plaintext,
            salt: None,
            ..cheap_config(Scheme::Plaintext)
        };
        let hasher = PasswordHasher::new(cfg).unwrap();
        let bcrypt = PasswordHasher::new(cheap_config(Scheme::Bcrypt))
            .unwrap()
            .hash("pw")
            .unwrap();
        assert_eq!(hasher.verify("pw", &bcrypt), Verification::Invalid);
    }

    #[test]
    fn garbage_hashes_are_invalid() {
        let hasher = PasswordHasher::new(cheap_config(Scheme::Argon2)).unwrap();
        let garbage = [
            "",
            "$",
            "$$$$",
            "$argon2id$",
            "$argon2id$v=19$",
            "$argon2id$v=19$m=1024,t=1,p=1$",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$!!!!",
            "$argon2id$v=19$m=1024,t=1,p=0$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=4294967295,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=1024,t=1,p=1$c2Fs$aGFzaGhhc2g",
            "$argon2id$v=20$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=1024,m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=1024,t=1,p=1,data=eA$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g$extra",
            "$argon2id$v=19$m=-1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$2b$",
            "$2b$04$short",
            "$2b$xx$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE",
            "$2b$99$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyzABCDE",
            "$2b$04$ééééééééééééééééééééééééééééé",
            "$2y$04$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
            "$pbkdf2-sha512$",
            "$pbkdf2-sha512$0$c2FsdA$aGFzaA",
            "$pbkdf2-sha512$01$c2FsdA$aGFzaA",
            "$pbkdf2-sha512$x$c2FsdA$aGFzaA",
            "$pbkdf2-sha512$1000$c2FsdA$",
            "$pbkdf2-sha512$1000$!!$aGFzaA",
            "$pbkdf2-sha512$1000$c2FsdA$aGFzaA$",
            "$pbkdf2-sha512$99999999999999$c2FsdA$aGFzaA",
            "$6$",
            "$6$rounds=$salt$hash",
            "$6$rounds=10$salt$hash",
            "$6$rounds=1000$salt$",
            "$6$rounds=1000$salt$!!!!",
            "$6$rounds=1000$salt$hash$more",
            "$6$rounds=99999999999$salt$hash",
            "$5$rounds=5000$salt$hash",
            "$1$salt$hash",
            "$unknown$",
        ];
        for g in garbage {
            assert_eq!(hasher.verify("pw", g), Verification::Invalid, "{g:?}");
            assert_eq!(hasher.verify("", g), Verification::Invalid, "{g:?}");
        }
    }

    #[test]
    fn dummy_verify_runs() {
        let hasher = PasswordHasher::new(cheap_config(Scheme::Bcrypt)).unwrap();
        hasher.dummy_verify("anything");
        hasher.dummy_verify("anything else");
        let clone = hasher.clone();
        clone.dummy_verify("x");
        assert!(hasher.dummy_hash.get().is_some_and(|h| h.is_some()));
    }

    #[test]
    fn debug_output_has_no_salt() {
        let hasher = PasswordHasher::new(demo_config()).unwrap();
        let dbg = format!("{hasher:?}");
        assert!(!dbg.contains(DEMO_SALT), "{dbg}");
        assert!(dbg.contains("REDACTED"));
    }
}
