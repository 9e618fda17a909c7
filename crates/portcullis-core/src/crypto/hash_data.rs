//! Flask-Security's `hash_data` / `verify_hash`: a salted one-way hash of a value carried inside
//! a link token, so the link dies when the value changes (the email of a confirmation link, the
//! old email of a change-email link). passlib's `sha256_crypt` with its default 535,000 rounds,
//! exactly as Flask-Security writes it (`$5$rounds=535000$<16 chars>$<43 chars>`), so links
//! mailed by Flask-Security before a migration keep working and ours work with it.
//!
//! Deliberately slow (about 0.1 s): run it off the async runtime.

use super::random;

/// passlib's default rounds for `sha256_crypt`.
pub const ROUNDS: u32 = 535_000;

/// `hash_data(value)`.
pub fn hash_data(value: &str) -> Option<String> {
    use sha_crypt::CustomizedPasswordHasher as _;
    let params = sha_crypt::Params::new(ROUNDS).ok()?;
    // 12 random bytes become passlib's 16-character salt.
    let mut salt = [0u8; 12];
    random::fill(&mut salt);
    sha_crypt::ShaCrypt::new(sha_crypt::Algorithm::Sha256Crypt, params)
        .hash_password_customized(value.as_bytes(), &salt, None, None, params)
        .ok()
        .map(|h| h.to_string())
}

/// `verify_hash(hash, value)`: whether `hash` (a `sha256_crypt` string) is of `value`. Anything
/// unreadable is `false`.
pub fn verify_hash_data(value: &str, hash: &str) -> bool {
    use sha_crypt::PasswordVerifier as _;
    if !hash.starts_with("$5$") {
        return false;
    }
    let Ok(parsed) = sha_crypt::PasswordHashRef::new(hash) else {
        return false;
    };
    sha_crypt::ShaCrypt::SHA256
        .verify_password(value.as_bytes(), parsed)
        .is_ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// From a confirmation link Flask-Security-Too 5.9.2 mailed (testdata vectors): the second
    /// element of `["cc6c…", "$5$rounds=535000$OxOs…"]` is `hash_data("ann-demo@example.com")`.
    #[test]
    fn verifies_flask_security_hashes() {
        let fs = "$5$rounds=535000$OxOs2mifV/f/Wq.r$zwap9p13rP9xnEewpaq.P5cXKvkNJ.qtR5.RdceFKW2";
        assert!(verify_hash_data("ann-demo@example.com", fs));
        assert!(!verify_hash_data("ann@example.com", fs));
        assert!(!verify_hash_data("ann-demo@example.com", "not a hash"));
        assert!(!verify_hash_data("x", "$6$rounds=5000$abc$def"));
    }

    #[test]
    fn round_trip_in_passlib_format() {
        let h = hash_data("bob@example.com").unwrap();
        assert!(h.starts_with("$5$rounds=535000$"), "{h}");
        let salt = h.split('$').nth(3).unwrap();
        assert_eq!(salt.len(), 16);
        assert!(verify_hash_data("bob@example.com", &h));
        assert!(!verify_hash_data("Bob@example.com", &h));
        assert_ne!(hash_data("bob@example.com").unwrap(), h, "salted");
    }
}
