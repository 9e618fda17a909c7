//! The tokens of mailed links, exactly as Flask-Security makes and reads them (§4.2 of the wire
//! reference): timed itsdangerous tokens whose payload is a JSON list starting with the user's
//! `fs_uniquifier`.
//!
//! | link | salt | payload |
//! |---|---|---|
//! | `/confirm/<t>` | `confirm-salt` | `[fs_uniquifier, hash_data(email)]` |
//! | `/reset/<t>` | `reset-salt` | `[fs_uniquifier, hash_data(password) or null]` |
//! | `/change-email/<t>` | `change-email-salt` | `[fs_uniquifier, hash_data(old_email), new_email]` |
//!
//! Reading a link only checks the signature, the age and the shape; the service then checks
//! the user (found by uniquifier — so rotating it kills every link) and the hashed values.

use serde_json::{Value, json};

use super::{Signer, TokenError, TokenPurpose, sign_list};

/// What a link token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkToken {
    /// Signed, within its time, well formed.
    Valid(LinkPayload),
    /// Signed and well formed, but older than allowed (the payload says whose it was).
    Expired(LinkPayload),
    /// Not ours, tampered with, or malformed.
    Invalid,
}

/// The payload of a link token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkPayload {
    /// The user's `fs_uniquifier` when the link was made.
    pub uniquifier: String,
    /// The second element: a `hash_data` value (or none, for reset links).
    pub hashed: Option<String>,
    /// The third element: the new email of a change-email link.
    pub extra: Option<String>,
}

/// Make a link token for `purpose` signed at `now`.
pub fn make_link(
    signer: &Signer,
    purpose: TokenPurpose,
    uniquifier: &str,
    hashed: Option<&str>,
    extra: Option<&str>,
    now: i64,
) -> String {
    let mut items = vec![json!(uniquifier), json!(hashed)];
    if let Some(extra) = extra {
        items.push(json!(extra));
    }
    sign_list(signer, purpose, &items, now)
}

/// Read a link token for `purpose`, valid for `within_secs` after it was signed.
pub fn read_link(
    signer: &Signer,
    purpose: TokenPurpose,
    token: &str,
    within_secs: i64,
    now: i64,
) -> LinkToken {
    match signer.unsign_timed(purpose.salt(), token, Some(within_secs), now) {
        Ok(p) => payload(&p.value).map_or(LinkToken::Invalid, LinkToken::Valid),
        Err(TokenError::Expired { value, .. }) => {
            payload(&value).map_or(LinkToken::Invalid, LinkToken::Expired)
        }
        Err(_) => LinkToken::Invalid,
    }
}

fn payload(value: &Value) -> Option<LinkPayload> {
    let items = value.as_array()?;
    let uniquifier = items.first()?.as_str()?.to_owned();
    let text = |i: usize| items.get(i).and_then(Value::as_str).map(str::to_owned);
    Some(LinkPayload {
        uniquifier,
        hashed: text(1),
        extra: text(2),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const T0: i64 = 1_767_225_600;

    fn vectors() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/flask-security-vectors.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// Links Flask-Security-Too 5.9.2 signed with SECRET_KEY "demo-secret-key" at T0.
    #[test]
    fn reads_flask_security_links() {
        let v = vectors();
        let signer = Signer::new("demo-secret-key", &[]);
        for t in v["signed_tokens"].as_array().unwrap() {
            let purpose = match t["purpose"].as_str().unwrap() {
                "confirm" => TokenPurpose::Confirm,
                "reset" => TokenPurpose::Reset,
                _ => continue,
            };
            let token = t["token"].as_str().unwrap();
            let LinkToken::Valid(p) = read_link(&signer, purpose, token, 86_400, T0 + 60) else {
                panic!("{token}");
            };
            assert_eq!(p.uniquifier, t["payload"][0].as_str().unwrap());
            assert_eq!(p.hashed.as_deref(), t["payload"][1].as_str());
        }
    }

    #[test]
    fn expiry_tampering_and_purpose() {
        let signer = Signer::new("k", &[]);
        let t = make_link(&signer, TokenPurpose::Reset, "u1", None, None, T0);
        let valid = LinkPayload {
            uniquifier: "u1".into(),
            hashed: None,
            extra: None,
        };
        assert_eq!(
            read_link(&signer, TokenPurpose::Reset, &t, 100, T0 + 100),
            LinkToken::Valid(valid.clone())
        );
        assert_eq!(
            read_link(&signer, TokenPurpose::Reset, &t, 100, T0 + 101),
            LinkToken::Expired(valid)
        );
        // Another purpose's salt, another key, a flipped character: invalid.
        assert_eq!(
            read_link(&signer, TokenPurpose::Confirm, &t, 100, T0),
            LinkToken::Invalid
        );
        assert_eq!(
            read_link(&Signer::new("other", &[]), TokenPurpose::Reset, &t, 100, T0),
            LinkToken::Invalid
        );
        let mut bad = t.clone().into_bytes();
        bad[3] ^= 1;
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(
            read_link(&signer, TokenPurpose::Reset, &bad, 100, T0),
            LinkToken::Invalid
        );
        // Three elements for change-email.
        let t = make_link(
            &signer,
            TokenPurpose::ChangeEmail,
            "u1",
            Some("$5$h"),
            Some("new@example.com"),
            T0,
        );
        let LinkToken::Valid(p) = read_link(&signer, TokenPurpose::ChangeEmail, &t, 10, T0) else {
            panic!()
        };
        assert_eq!(p.extra.as_deref(), Some("new@example.com"));
        // A signed payload of the wrong shape is invalid, not a panic.
        let t = signer.sign_timed("reset-salt", "{\"a\":1}", T0);
        assert_eq!(
            read_link(&signer, TokenPurpose::Reset, &t, 10, T0),
            LinkToken::Invalid
        );
    }
}
