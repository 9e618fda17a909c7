//! Identity normalisation (email, username, phone, identity keys): total and idempotent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::policy::{
    identity_key, normalize_email, normalize_phone, normalize_username, username_errors,
};

fuzz_target!(|data: &[u8]| {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(email) = normalize_email(raw) {
        assert_eq!(normalize_email(&email), Some(email.clone()));
    }
    let key = identity_key(raw);
    assert_eq!(identity_key(&key), key);
    let name = normalize_username(raw);
    assert_eq!(normalize_username(&name), name);
    let _ = username_errors(raw);
    if let Some(p) = normalize_phone(raw, "US") {
        assert_eq!(normalize_phone(&p, "US"), Some(p));
    }
});
