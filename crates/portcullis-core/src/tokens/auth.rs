//! Flask-Security authentication tokens (`Authentication-Token` header / `auth_token`).
//!
//! Current (v5, Flask-Security ≥ 5.4) tokens carry
//! `{"ver":"5","uid":<fs_uniquifier>,"fs_paa":<float epoch>,"exp":<int epoch or 0>}`, signed as a
//! timed token with salt `remember-salt`. Older list tokens (v4 `[uid]`, v3 `[_, _, uid]`) are
//! still accepted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{Signer, TimedPayload, TokenError, TokenPurpose, json_string};

/// The claims of a verified auth token.
#[derive(Debug, Clone, PartialEq)]
pub struct AuthTokenClaims {
    /// `fs_token_uniquifier` (or `fs_uniquifier`) of the user.
    pub uid: String,
    /// Time of the last primary authentication (float epoch seconds); `None` for legacy tokens.
    pub fs_paa: Option<f64>,
    /// Absolute expiry (epoch seconds); 0 means none.
    pub exp: i64,
}

/// Mints a v5 auth token signed at `now_unix`, byte-for-byte what Flask-Security produces for
/// the same inputs: payload `{"ver":"5","uid":"…","fs_paa":<Python float repr>,"exp":<exp>}`.
///
/// A non-finite `fs_paa` (which Python would write as `NaN`/`Infinity`, i.e. invalid JSON) is
/// written as `0.0`, meaning "not fresh".
pub fn mint_auth_token(signer: &Signer, uid: &str, fs_paa: f64, exp: i64, now_unix: i64) -> String {
    let payload = format!(
        "{{\"ver\":\"5\",\"uid\":{},\"fs_paa\":{},\"exp\":{}}}",
        json_string(uid),
        python_float_repr(fs_paa),
        exp
    );
    // Uncompressed: verified on every request, so no zlib work (Flask-Security accepts both).
    signer.sign_timed_plain(TokenPurpose::Remember.salt(), &payload, now_unix)
}

/// Verifies an auth token: signature and `max_age_secs` (`SECURITY_TOKEN_MAX_AGE`), then the
/// payload shape (v5 dict, v4 `[uid]` or v3 `[_, _, uid]`), then `exp` (expired when
/// `exp > 0 && now >= exp`).
///
/// # Errors
/// [`TokenError::BadSignature`], [`TokenError::Expired`] (too old, future-dated or past `exp`), or
/// [`TokenError::Malformed`] for undecodable tokens and unexpected payload shapes.
pub fn verify_auth_token(
    signer: &Signer,
    token: &str,
    max_age_secs: Option<i64>,
    now_unix: i64,
) -> Result<AuthTokenClaims, TokenError> {
    let TimedPayload { value, signed_at } =
        signer.unsign_timed(TokenPurpose::Remember.salt(), token, max_age_secs, now_unix)?;
    let claims = claims_from_value(&value).ok_or(TokenError::Malformed)?;
    if claims.exp > 0 && now_unix >= claims.exp {
        return Err(TokenError::Expired { value, signed_at });
    }
    Ok(claims)
}

/// The claims of a token verified by [`VerifiedTokens`] (the uniquifier shared, not copied).
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedClaims {
    /// `fs_token_uniquifier` (or `fs_uniquifier`) of the user.
    pub uid: Arc<str>,
    /// Time of the last primary authentication; `None` for legacy tokens.
    pub fs_paa: Option<f64>,
    /// Absolute expiry (epoch seconds); 0 means none.
    pub exp: i64,
}

#[derive(Clone)]
struct Remembered {
    claims: VerifiedClaims,
    signed_at: i64,
}

/// Auth tokens this process has verified, remembered for the rest of their life: the token a
/// client sends with every request costs its HMAC, base64 and JSON once, then a map lookup.
///
/// Only tokens whose signature verified are remembered, so nothing forged gets in. Each hit is
/// checked again against the caller's `max_age_secs` and the token's `exp`, so a remembered
/// token expires exactly when [`verify_auth_token`] would say so. Revocation is unaffected: the
/// caller still looks the user up by `uid` (a rotated uniquifier finds no one). The map is
/// bounded: past `capacity` tokens it is cleared. Lookups hash with a per-process random key
/// (SipHash), so their timing tells nothing about the tokens remembered. Use one per
/// [`Signer`]: a remembered token is not checked against the signer passed again.
pub struct VerifiedTokens {
    map: Mutex<HashMap<Box<str>, Remembered>>,
    capacity: usize,
}

impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

impl VerifiedTokens {
    /// Remember at most `capacity` tokens (0 remembers none).
    pub fn new(capacity: usize) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            capacity,
        }
    }

    /// [`verify_auth_token`], with the same answer for the same inputs.
    ///
    /// # Errors
    /// As [`verify_auth_token`].
    pub fn verify(
        &self,
        signer: &Signer,
        token: &str,
        max_age_secs: Option<i64>,
        now_unix: i64,
    ) -> Result<VerifiedClaims, TokenError> {
        if self.capacity > 0
            && let Some(hit) = self.map.lock().ok().and_then(|m| m.get(token).cloned())
        {
            if still_valid(&hit, max_age_secs, now_unix) {
                return Ok(hit.claims);
            }
            if let Ok(mut m) = self.map.lock() {
                m.remove(token);
            }
        }
        let TimedPayload { value, signed_at } =
            signer.unsign_timed(TokenPurpose::Remember.salt(), token, max_age_secs, now_unix)?;
        let claims = claims_from_value(&value).ok_or(TokenError::Malformed)?;
        if claims.exp > 0 && now_unix >= claims.exp {
            return Err(TokenError::Expired { value, signed_at });
        }
        let claims = VerifiedClaims {
            uid: claims.uid.into(),
            fs_paa: claims.fs_paa,
            exp: claims.exp,
        };
        if self.capacity > 0
            && let Ok(mut m) = self.map.lock()
        {
            if m.len() >= self.capacity {
                m.clear();
            }
            m.insert(
                token.into(),
                Remembered {
                    claims: claims.clone(),
                    signed_at,
                },
            );
        }
        Ok(claims)
    }
}

fn still_valid(r: &Remembered, max_age_secs: Option<i64>, now_unix: i64) -> bool {
    let age = i128::from(now_unix) - i128::from(r.signed_at);
    let young = max_age_secs.is_none_or(|max| age <= i128::from(max) && age >= 0);
    young && !(r.claims.exp > 0 && now_unix >= r.claims.exp)
}

fn claims_from_value(value: &Value) -> Option<AuthTokenClaims> {
    match value {
        Value::Object(map) => {
            let uid = map.get("uid")?.as_str()?.to_owned();
            let fs_paa = match map.get("fs_paa") {
                None | Some(Value::Null) => None,
                Some(v) => Some(v.as_f64()?),
            };
            let exp = match map.get("exp") {
                None | Some(Value::Null) => 0,
                Some(v) => json_epoch(v)?,
            };
            Some(AuthTokenClaims { uid, fs_paa, exp })
        }
        Value::Array(items) => {
            let uid = match items.as_slice() {
                [uid] | [_, _, uid] => uid.as_str()?.to_owned(),
                _ => return None,
            };
            Some(AuthTokenClaims {
                uid,
                fs_paa: None,
                exp: 0,
            })
        }
        _ => None,
    }
}

/// An epoch given as a JSON integer or float (floats are rounded down).
fn json_epoch(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    // `as` saturates; the range check keeps absurd values from being silently clamped.
    if f.is_finite() && f >= i64::MIN as f64 && f < i64::MAX as f64 {
        Some(f.floor() as i64)
    } else {
        None
    }
}

/// Python's `repr(float)` (which `json.dumps` uses): shortest round-trip digits, fixed notation
/// when the decimal exponent is in `-4 < e <= 16` (always with a fractional part, e.g.
/// `1700000000.0`), otherwise scientific (`1e+16`, `1e-05`). Non-finite values give `0.0`.
pub(crate) fn python_float_repr(x: f64) -> String {
    if !x.is_finite() {
        return "0.0".to_string();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "1.7000000005e9".
    let sci = format!("{:e}", x.abs());
    let Some((mantissa, exponent)) = sci.split_once('e') else {
        return format!("{x:?}");
    };
    let Ok(exponent) = exponent.parse::<i32>() else {
        return format!("{x:?}");
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let ndigits = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    let decpt = exponent + 1; // digits = 0.d1d2d3… × 10^decpt
    let body = if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            format!("0.{}{digits}", "0".repeat(decpt.unsigned_abs() as usize))
        } else if decpt >= ndigits {
            format!(
                "{digits}{}.0",
                "0".repeat((decpt - ndigits).unsigned_abs() as usize)
            )
        } else {
            let (int_part, frac) = digits.split_at(decpt.unsigned_abs() as usize);
            format!("{int_part}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1);
        let mantissa = if rest.is_empty() {
            first.to_string()
        } else {
            format!("{first}.{rest}")
        };
        let exp = decpt - 1;
        let exp_sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{exp_sign}{:02}", exp.unsigned_abs())
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::super::tests::VECTORS;
    use super::*;
    use serde_json::json;

    const UID: &str = "74b9ea9c0b4d421588f2b73623f3e277";
    const TS: i64 = 1_700_000_000;
    const WIRE_TOKEN: &str = "eyJ2ZXIiOiI1IiwidWlkIjoiNzRiOWVhOWMwYjRkNDIxNTg4ZjJiNzM2MjNmM2UyNzciLCJmc19wYWEiOjE3MDAwMDAwMDAuNSwiZXhwIjowfQ.ZVPxAA.OPuARA-4ezFLxBa1000UVmMfURU";

    #[test]
    fn wire_spec_auth_token() {
        let signer = Signer::new("secret", &[]);
        let token = mint_auth_token(&signer, UID, 1_700_000_000.5, 0, TS);
        assert_eq!(token, WIRE_TOKEN);
        let claims = verify_auth_token(&signer, &token, Some(900), TS + 900).unwrap();
        assert_eq!(
            claims,
            AuthTokenClaims {
                uid: UID.to_string(),
                fs_paa: Some(1_700_000_000.5),
                exp: 0
            }
        );
        assert!(matches!(
            verify_auth_token(&signer, &token, Some(900), TS + 901),
            Err(TokenError::Expired { .. })
        ));
    }

    #[test]
    fn remembered_tokens_answer_like_verification() {
        let signer = Signer::new("secret", &[]);
        let cache = VerifiedTokens::new(2);
        let token = mint_auth_token(&signer, UID, 1_700_000_000.5, TS + 2000, TS);
        for now in [TS, TS + 10] {
            let claims = cache.verify(&signer, &token, Some(900), now).unwrap();
            assert_eq!(&*claims.uid, UID);
            assert_eq!(claims.fs_paa, Some(1_700_000_000.5));
            assert_eq!(claims.exp, TS + 2000);
        }
        // Remembered, yet too old for this caller's max age, future-dated, or past `exp`.
        for (max_age, now) in [
            (Some(900), TS + 901),
            (Some(900), TS - 1),
            (None, TS + 2000),
        ] {
            assert!(matches!(
                cache.verify(&signer, &token, max_age, now),
                Err(TokenError::Expired { .. })
            ));
            assert!(matches!(
                verify_auth_token(&signer, &token, max_age, now),
                Err(TokenError::Expired { .. })
            ));
        }
        assert!(cache.verify(&signer, &token, None, TS + 1999).is_ok());
        // A forged signature is never remembered, before or after the real token was.
        let forged = format!("{}x", &token[..token.len() - 1]);
        for _ in 0..2 {
            assert!(matches!(
                cache.verify(&signer, &forged, None, TS),
                Err(TokenError::BadSignature)
            ));
        }
        // Bounded: a third token clears the map, and every token still verifies.
        let t2 = mint_auth_token(&signer, "u2", 1.0, 0, TS);
        let t3 = mint_auth_token(&signer, "u3", 1.0, 0, TS);
        for t in [&t2, &t3, &token] {
            assert!(cache.verify(&signer, t, None, TS).is_ok());
        }
        assert!(cache.map.lock().unwrap().len() <= 2);
        // Capacity 0 remembers nothing.
        let none = VerifiedTokens::new(0);
        assert!(none.verify(&signer, &token, None, TS).is_ok());
        assert!(none.map.lock().unwrap().is_empty());
    }

    #[test]
    fn auth_token_vectors() {
        let v: Value = serde_json::from_str(VECTORS).unwrap();
        let signer = Signer::new(v["config"]["SECRET_KEY"].as_str().unwrap(), &[]);
        let tokens = v["auth_tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 4);
        for t in tokens {
            assert_eq!(t["salt"], "remember-salt");
            let token = t["token"].as_str().unwrap();
            let uid = t["fs_uniquifier"].as_str().unwrap();
            let signed_at = t["signed_at_unix"].as_i64().unwrap();
            let claims = verify_auth_token(&signer, token, Some(900), signed_at + 1).unwrap();
            assert_eq!(claims.uid, uid);
            assert_eq!(claims.exp, 0);
            let fs_paa = claims.fs_paa.unwrap();
            assert_eq!(fs_paa, signed_at as f64 + 0.25);
            assert_eq!(mint_auth_token(&signer, uid, fs_paa, 0, signed_at), token);
            let payload = signer
                .unsign_timed("remember-salt", token, None, signed_at)
                .unwrap();
            assert_eq!(
                payload.value,
                json!({"ver": "5", "uid": uid, "fs_paa": fs_paa, "exp": 0})
            );
            assert!(matches!(
                verify_auth_token(&Signer::new("secret", &[]), token, None, signed_at),
                Err(TokenError::BadSignature)
            ));
        }
    }

    #[test]
    fn exp_claim() {
        let signer = Signer::new("secret", &[]);
        let token = mint_auth_token(&signer, UID, TS as f64, TS + 100, TS);
        let claims = verify_auth_token(&signer, &token, None, TS + 99).unwrap();
        assert_eq!(claims.exp, TS + 100);
        assert_eq!(claims.fs_paa, Some(TS as f64));
        match verify_auth_token(&signer, &token, None, TS + 100) {
            Err(TokenError::Expired { value, signed_at }) => {
                assert_eq!(value["uid"], UID);
                assert_eq!(signed_at, TS);
            }
            other => panic!("{other:?}"),
        }
        // The signature age limit still applies before exp.
        assert!(matches!(
            verify_auth_token(&signer, &token, Some(10), TS + 11),
            Err(TokenError::Expired { .. })
        ));
    }

    #[test]
    fn legacy_and_odd_shapes() {
        let signer = Signer::new("secret", &[]);
        let sign = |json: &str| signer.sign_timed("remember-salt", json, TS);
        let ok = |json: &str| verify_auth_token(&signer, &sign(json), None, TS);

        let v4 = ok(&format!("[\"{UID}\"]")).unwrap();
        assert_eq!(
            v4,
            AuthTokenClaims {
                uid: UID.to_string(),
                fs_paa: None,
                exp: 0
            }
        );
        let v3 = ok(&format!("[\"1\",\"hash\",\"{UID}\"]")).unwrap();
        assert_eq!(v3.uid, UID);
        assert_eq!(v3.fs_paa, None);

        // Extra keys (augment_auth_token) are ignored; float exp is accepted.
        let c = ok(&format!(
            "{{\"ver\":\"5\",\"uid\":\"{UID}\",\"fs_paa\":1,\"exp\":{}.7,\"x\":[1]}}",
            TS + 5
        ))
        .unwrap();
        assert_eq!(c.exp, TS + 5);
        assert_eq!(c.fs_paa, Some(1.0));
        let c = ok(&format!("{{\"uid\":\"{UID}\"}}")).unwrap();
        assert_eq!((c.fs_paa, c.exp), (None, 0));

        for bad in [
            "[]".to_string(),
            "[1]".to_string(),
            format!("[\"{UID}\",\"x\"]"),
            format!("[\"a\",\"b\",\"c\",\"{UID}\"]"),
            "[\"a\",\"b\",3]".to_string(),
            "{}".to_string(),
            "{\"uid\":5}".to_string(),
            format!("{{\"uid\":\"{UID}\",\"fs_paa\":\"now\"}}"),
            format!("{{\"uid\":\"{UID}\",\"exp\":\"soon\"}}"),
            format!("{{\"uid\":\"{UID}\",\"exp\":1e300}}"),
            format!("\"{UID}\""),
            "null".to_string(),
            "42".to_string(),
        ] {
            assert!(
                matches!(ok(&bad), Err(TokenError::Malformed)),
                "{bad}: {:?}",
                ok(&bad)
            );
        }
        // Right shape, wrong salt.
        let t = signer.sign_timed("login-salt", &format!("[\"{UID}\"]"), TS);
        assert!(matches!(
            verify_auth_token(&signer, &t, None, TS),
            Err(TokenError::BadSignature)
        ));
    }

    #[test]
    fn uid_is_json_escaped() {
        let signer = Signer::new("secret", &[]);
        let uid = "we\"ird\\uid\n☃";
        let token = mint_auth_token(&signer, uid, 1.5, 0, TS);
        assert_eq!(
            verify_auth_token(&signer, &token, None, TS).unwrap().uid,
            uid
        );
    }

    #[test]
    fn python_float_repr_matches_python() {
        let cases: &[(f64, &str)] = &[
            (1_700_000_000.5, "1700000000.5"),
            (1_700_000_000.0, "1700000000.0"),
            (1_767_225_600.25, "1767225600.25"),
            (1_700_000_000.123_456_7, "1700000000.1234567"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (-2.5, "-2.5"),
            (0.1, "0.1"),
            (123.0, "123.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000_012_5, "1.25e-05"),
            (1e16, "1e+16"),
            (1.5e16, "1.5e+16"),
            (1_234_567_890_123_456.0, "1234567890123456.0"),
            (9_999_999_999_999_998.0, "9999999999999998.0"),
            (1e22, "1e+22"),
            (1.5e300, "1.5e+300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::NAN, "0.0"),
            (f64::INFINITY, "0.0"),
        ];
        for (x, expected) in cases {
            assert_eq!(python_float_repr(*x), *expected, "{x:e}");
        }
    }
}
