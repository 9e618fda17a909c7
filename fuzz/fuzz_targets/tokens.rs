//! Signed tokens (itsdangerous format) and auth tokens: never a panic, never a forged accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use portcullis_core::tokens::{Signer, TokenPurpose, verify_auth_token};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let signer = Signer::new("fuzz-secret", &["older-fuzz-secret".to_owned()]);
    for purpose in [TokenPurpose::Remember, TokenPurpose::Confirm, TokenPurpose::Reset] {
        assert!(signer.unsign(purpose.salt(), token).is_err());
        assert!(
            signer
                .unsign_timed(purpose.salt(), token, Some(3600), 1_700_000_000)
                .is_err()
        );
    }
    assert!(verify_auth_token(&signer, token, None, 1_700_000_000).is_err());
});
