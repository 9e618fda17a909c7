//! The one-time-code primitives the two-factor flows use, on top of `portcullis_core::totp`
//! (RFC 6238, passlib's encrypted secrets) and `portcullis_core::recovery`.

use portcullis_core::model::TwoFactorMethod;
use portcullis_core::tokens::{TokenError, TokenPurpose};
use portcullis_core::{recovery, totp};
use serde_json::Value;

use crate::Security;
use crate::error::{Error, Result};

fn secrets(security: &Security) -> Result<std::sync::Arc<totp::TotpSecrets>> {
    security
        .inner
        .totp
        .clone()
        .ok_or_else(|| Error::Task("SECURITY_TOTP_SECRETS is not configured".into()))
}

/// A new key and its stored (encrypted) form (2^14 PBKDF2 rounds: off the runtime).
pub(crate) async fn new_secret(security: &Security) -> Result<(Vec<u8>, String)> {
    let secrets = secrets(security)?;
    security
        .hash_pool()
        .compute(move || {
            let key = totp::generate_key();
            let stored = secrets.encrypt(&key);
            (key, stored)
        })
        .await
}

/// The key of a stored secret. Decrypting costs 2^14 PBKDF2 rounds: off the runtime.
pub(crate) async fn key(security: &Security, stored: &str) -> Result<Option<Vec<u8>>> {
    let Some(secrets) = security.inner.totp.clone() else {
        return Ok(None);
    };
    let stored = stored.to_owned();
    security
        .hash_pool()
        .compute(move || secrets.decrypt(&stored).ok())
        .await
}

/// The code at `now`.
pub(crate) fn code(key: &[u8], now: i64) -> String {
    totp::code_at(key, now)
}

/// The time step `code` matches within `window` seconds, after `last`.
pub(crate) fn check(
    key: &[u8],
    code: &str,
    now: i64,
    window: i64,
    last: Option<i64>,
) -> Option<i64> {
    totp::verify(key, code, now, window, last)
}

/// What a one-time code turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeCheck {
    /// Right, and now spent.
    Accepted,
    /// Right once, but already used (a replay, or a second use of a mailed code).
    Spent,
    /// Not a code of this key within the window.
    Wrong,
}

/// The last time step accepted for `used_key`, if remembered.
async fn last_used(security: &Security, used_key: &str, now: i64) -> Result<Option<i64>> {
    Ok(security
        .store()
        .get_counter(used_key, now)
        .await?
        .and_then(|(v, _)| i64::try_from(v).ok()))
}

/// The code to send for `key`: the one of the current time step, or of the first step after
/// the last one accepted under `used_key` — never a code that [`check_once`] would refuse as
/// spent. (A code sent right after a sign-in within the same 30 s step is the next step's,
/// which the window accepts.)
pub(crate) async fn issue(security: &Security, used_key: &str, key: &[u8]) -> Result<String> {
    let now = security.clock().unix();
    let current = now.div_euclid(totp::PERIOD);
    let step = match last_used(security, used_key, now).await? {
        Some(last) if last >= current => last.saturating_add(1),
        _ => current,
    };
    Ok(totp::code_at(key, step.saturating_mul(totp::PERIOD)))
}

/// Accept `code` for `key` once: the matched time step is remembered under `used_key` (a
/// little longer than any code of that step can be valid), and later codes must be newer.
pub(crate) async fn check_once(
    security: &Security,
    used_key: &str,
    key: &[u8],
    code: &str,
    window: i64,
) -> Result<CodeCheck> {
    let now = security.clock().unix();
    let last = last_used(security, used_key, now).await?;
    let Some(step) = check(key, code, now, window, last) else {
        // Wrong, or right but spent: say which, honestly.
        return Ok(
            match last.and_then(|_| check(key, code, now, window, None)) {
                Some(_) => CodeCheck::Spent,
                None => CodeCheck::Wrong,
            },
        );
    };
    // Claim the step atomically first, so that two requests racing with one code cannot
    // both be accepted; then remember it as the newest step.
    let keep = 2 * window + 60;
    let (claims, _) = security
        .store()
        .incr_counter(&format!("{used_key}@{step}"), keep, now)
        .await?;
    if claims > 1 {
        return Ok(CodeCheck::Spent);
    }
    security
        .store()
        .set_counter(used_key, u64::try_from(step).unwrap_or(0), now + keep)
        .await?;
    Ok(CodeCheck::Accepted)
}

/// The `tf_authr_*` fields of an authenticator setup (with the `otpauth://` URI).
pub(crate) fn authenticator_fields(
    security: &Security,
    key: &[u8],
    username: &str,
) -> crate::flows::wire::AuthenticatorFields {
    let issuer = security.config().totp_issuer.clone();
    let uri = totp::otpauth_uri(key, issuer.as_deref(), username);
    crate::flows::wire::AuthenticatorFields {
        tf_authr_key: totp::pretty_key(key),
        tf_authr_b32key: totp::b32(key),
        tf_authr_username: username.to_owned(),
        tf_authr_issuer: issuer,
        tf_authr_uri: uri,
    }
}

/// The QR code of an `otpauth://` URI as a data URI for an `<img>`.
pub(crate) fn qr(uri: &str) -> String {
    totp::qr_data_uri(uri).unwrap_or_default()
}

/// Flask-Security's `tf_state_token` for a signed-in user changing method:
/// `{"totp_secret": <stored>, "method": m, "phone": p}` signed with `tf-setup-salt`.
pub(crate) fn setup_token(
    security: &Security,
    stored: &str,
    method: TwoFactorMethod,
    phone: Option<&str>,
) -> String {
    #[derive(serde::Serialize)]
    struct Payload<'a> {
        totp_secret: &'a str,
        method: TwoFactorMethod,
        phone: Option<&'a str>,
    }
    let payload = serde_json::to_string(&Payload {
        totp_secret: stored,
        method,
        phone,
    })
    .unwrap_or_default();
    security.signer().sign_timed(
        TokenPurpose::TwoFactorSetup.salt(),
        &payload,
        security.clock().unix(),
    )
}

pub(crate) enum SetupToken {
    Valid {
        secret: String,
        method: TwoFactorMethod,
        phone: Option<String>,
    },
    Expired,
    Invalid,
}

pub(crate) fn read_setup_token(security: &Security, token: &str) -> SetupToken {
    let c = security.config();
    let read = security.signer().unsign_timed(
        TokenPurpose::TwoFactorSetup.salt(),
        token,
        Some(c.two_factor_setup_within.as_secs()),
        security.clock().unix(),
    );
    let value = match read {
        Ok(p) => p.value,
        Err(TokenError::Expired { .. }) => return SetupToken::Expired,
        Err(_) => return SetupToken::Invalid,
    };
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let method = text("method")
        .and_then(|m| TwoFactorMethod::from_stored(&m))
        .filter(|m| c.two_factor_enabled_methods.iter().any(|e| e == m.as_str()));
    match (text("totp_secret"), method) {
        (Some(secret), Some(method)) => SetupToken::Valid {
            secret,
            method,
            phone: text("phone"),
        },
        _ => SetupToken::Invalid,
    }
}

/// `n` new recovery codes: (plain text to show once, hashed to store).
pub(crate) async fn new_codes(security: &Security, n: usize) -> Result<(Vec<String>, Vec<String>)> {
    security
        .hash_pool()
        .compute(move || {
            let plain = recovery::generate_codes(n);
            let stored = plain.iter().map(|c| recovery::hash_code(c)).collect();
            (plain, stored)
        })
        .await
}

/// Which stored recovery code `candidate` is.
pub(crate) async fn find_code(
    security: &Security,
    stored: &[String],
    candidate: &str,
) -> Result<Option<usize>> {
    let stored = stored.to_vec();
    let candidate = candidate.to_owned();
    security
        .hash_pool()
        .compute(move || recovery::check_code(&stored, &candidate))
        .await
}
