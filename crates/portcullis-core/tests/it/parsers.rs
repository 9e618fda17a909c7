//! Property tests of the parsers that read what clients and operators send: signed tokens,
//! auth tokens, identities (email, username, phone), durations and the configuration loader.
//! Whatever the input: no panic, and what is accepted is what was signed.
//! (The same parsers are cargo-fuzz targets in `fuzz/`; see the README.)

use portcullis_core::config::Duration;
use portcullis_core::config::raw;
use portcullis_core::policy::{
    identity_key, normalize_email, normalize_phone, normalize_username, username_errors,
};
use portcullis_core::tokens::{Signer, TokenPurpose, verify_auth_token};
use proptest::prelude::*;

fn signer() -> Signer {
    Signer::new("property-test-secret", &["an-older-secret".to_owned()])
}

/// Token-ish text: the base64url alphabet and the separators, plus anything.
fn tokenish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Za-z0-9_.=-]{0,120}",
        "\\PC{0,80}",
        "\\.?[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,10}\\.[A-Za-z0-9_-]{0,30}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_tokens_never_panic_and_never_verify(token in tokenish()) {
        let s = signer();
        for purpose in [TokenPurpose::Remember, TokenPurpose::Confirm, TokenPurpose::Reset] {
            prop_assert!(s.unsign(purpose.salt(), &token).is_err());
            prop_assert!(s.unsign_timed(purpose.salt(), &token, Some(3600), 1_700_000_000).is_err());
        }
        prop_assert!(verify_auth_token(&s, &token, None, 1_700_000_000).is_err());
    }

    #[test]
    fn signed_values_round_trip_and_tampering_is_refused(
        text in "\\PC{0,40}",
        n in any::<i64>(),
        at in 0usize..200,
        with in prop::sample::select(vec!['A', 'z', '0', '-', '_', '.']),
    ) {
        let s = signer();
        let payload = serde_json::json!({"t": text, "n": n}).to_string();
        let salt = TokenPurpose::Reset.salt();
        let token = s.sign_timed(salt, &payload, 1_700_000_000);
        let got = s.unsign_timed(salt, &token, Some(60), 1_700_000_010).unwrap();
        prop_assert_eq!(&got.value, &serde_json::from_str::<serde_json::Value>(&payload).unwrap());
        // Another purpose's salt does not accept it.
        prop_assert!(s.unsign_timed(TokenPurpose::Confirm.salt(), &token, None, 0).is_err());
        // One character changed: refused, or (base64 padding bits) the very same value.
        let mut chars: Vec<char> = token.chars().collect();
        let i = at % chars.len();
        if chars[i] != with {
            chars[i] = with;
            let tampered: String = chars.into_iter().collect();
            if let Ok(v) = s.unsign_timed(salt, &tampered, None, 0) {
                prop_assert_eq!(v.value, got.value);
            }
        }
    }

    #[test]
    fn email_normalisation_is_total_and_idempotent(raw in "\\PC{0,60}|[a-zA-Z0-9.+_-]{1,20}@[a-zA-Z0-9.-]{1,20}") {
        if let Some(email) = normalize_email(&raw) {
            prop_assert_eq!(normalize_email(&email), Some(email.clone()));
            prop_assert!(email.contains('@'));
            let key = identity_key(&email);
            prop_assert_eq!(identity_key(&key), key);
        }
    }

    #[test]
    fn identity_keys_fold_case(raw in "\\PC{0,40}") {
        let key = identity_key(&raw);
        prop_assert_eq!(identity_key(&key), key.clone());
        prop_assert_eq!(identity_key(&raw.to_lowercase()), key.clone());
        // Upper case too, unless upper-casing loses a distinction (`ı` and `i` are both `I`).
        let upper = raw.to_uppercase();
        if upper.to_lowercase() == raw.to_lowercase() {
            prop_assert_eq!(identity_key(&upper), key);
        }
    }

    #[test]
    fn usernames_are_total(raw in "\\PC{0,50}") {
        let n = normalize_username(&raw);
        prop_assert_eq!(normalize_username(&n), n.clone());
        let _ = username_errors(&raw);
    }

    #[test]
    fn phone_numbers_are_total_and_e164(raw in "[+0-9 ()-]{0,24}|\\PC{0,24}", region in "[A-Z]{2}") {
        if let Some(p) = normalize_phone(&raw, &region) {
            prop_assert!(p.starts_with('+'), "{}", p);
            prop_assert_eq!(normalize_phone(&p, &region), Some(p.clone()));
        }
    }

    #[test]
    fn durations_parse_or_refuse(text in "\\PC{0,12}|[0-9]{1,6}[smhd]?") {
        if let Ok(d) = Duration::parse(&text) {
            // What parses prints as seconds and parses back the same.
            prop_assert_eq!(Duration::parse(&format!("{}", d.as_secs())), Ok(d));
        }
    }

    #[test]
    fn configuration_from_any_environment_value_is_ok_or_a_named_error(
        key in prop::sample::select(raw::KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>()),
        value in "\\PC{0,40}|[0-9]{1,4}|true|false|\\{\\}|\\[\\]",
    ) {
        let env = vec![(raw::env_name(key), value)];
        match raw::load(None, env) {
            Ok(_) => {}
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
