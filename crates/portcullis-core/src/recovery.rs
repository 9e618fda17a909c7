//! Multi-factor recovery codes (`/mf-recovery-codes`, `/mf-recovery`).
//!
//! Codes look like Flask-Security's: `xxxx-xxxx-xxxx`, 12 lower-case hex characters from the OS
//! CSPRNG (passlib's `genword(length=12, charset="hex")`, 48 bits each).
//!
//! Storage differs on purpose: Flask-Security keeps the codes in plaintext in `mf_recovery_codes`
//! (a comma-joined list); portcullis stores each as a passlib `pbkdf2_sha256` hash
//! (`$pbkdf2-sha256$29000$<salt>$<hash>`, no commas, so the same column holds the list), and
//! [`check_code`] accepts both kinds of entry, so a Flask-Security database keeps working.
//! The price: stored codes cannot be shown again, only replaced.
//!
//! Checking hashes costs about 29,000 HMAC-SHA256 rounds per stored entry: run [`check_code`]
//! off the async runtime (`spawn_blocking`), like password hashing.

use crate::crypto::password::{hash_pbkdf2_sha256, verify_pbkdf2_sha256};
use crate::crypto::{constant_time_eq, random};

/// passlib's default `pbkdf2_sha256` rounds, used for stored codes.
pub const HASH_ROUNDS: u32 = 29_000;
/// Most rounds accepted from a stored hash, so a corrupted entry cannot stall a check.
const MAX_HASH_ROUNDS: u32 = 1_000_000;
/// Prefix of a hashed entry.
const HASH_PREFIX: &str = "$pbkdf2-sha256$";
/// Longest candidate looked at; anything longer cannot be a code.
const MAX_CANDIDATE_LEN: usize = 64;

/// `n` new codes in Flask-Security's format (`615b-a2b4-9948`).
pub fn generate_codes(n: usize) -> Vec<String> {
    (0..n)
        .map(|_| {
            let hex = random::token_hex(6);
            let (a, rest) = hex.split_at(4);
            let (b, c) = rest.split_at(4);
            format!("{a}-{b}-{c}")
        })
        .collect()
}

/// Normalises a code as typed: surrounding whitespace dropped, lower-cased, and 12 bare hex
/// characters (`615ba2b49948`) given their dashes. Other text is returned trimmed and
/// lower-cased (it can still equal a plaintext entry).
pub fn normalize_code(candidate: &str) -> String {
    let code = candidate.trim().to_lowercase();
    if code.len() == 12 && code.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{}-{}-{}", &code[..4], &code[4..8], &code[8..])
    } else {
        code
    }
}

/// The stored form of a code: passlib `pbkdf2_sha256` of the normalised code
/// (`$pbkdf2-sha256$29000$<ab64 salt>$<ab64 hash>`).
pub fn hash_code(code: &str) -> String {
    hash_pbkdf2_sha256(normalize_code(code).as_bytes(), HASH_ROUNDS)
}

/// Whether a stored entry is one of our hashes (as opposed to a Flask-Security plaintext code,
/// which can be shown to the user again).
pub fn is_hashed(entry: &str) -> bool {
    entry.starts_with(HASH_PREFIX)
}

/// Finds the stored entry `candidate` matches, returning its index (so the caller deletes that
/// entry: a code works once). Entries are our hashes or Flask-Security's plaintext codes
/// (compared exactly, in constant time, with the normalised candidate). Every entry is checked,
/// matched or not; unreadable entries simply never match.
pub fn check_code(stored: &[String], candidate: &str) -> Option<usize> {
    let code = normalize_code(candidate);
    if code.is_empty() || code.len() > MAX_CANDIDATE_LEN {
        return None;
    }
    let mut found = None;
    for (index, entry) in stored.iter().enumerate() {
        let ok = if is_hashed(entry) {
            verify_pbkdf2_sha256(code.as_bytes(), entry, MAX_HASH_ROUNDS)
        } else {
            !entry.is_empty() && constant_time_eq(entry.as_bytes(), code.as_bytes())
        };
        if ok && found.is_none() {
            found = Some(index);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn is_code(s: &str) -> bool {
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 3
            && parts.iter().all(|p| {
                p.len() == 4
                    && p.bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            })
    }

    #[test]
    fn generated_codes_have_flask_security_format() {
        let codes = generate_codes(5);
        assert_eq!(codes.len(), 5);
        for c in &codes {
            assert!(is_code(c), "{c}");
        }
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 5);
        assert!(generate_codes(0).is_empty());
    }

    #[test]
    fn hashed_codes_verify() {
        let codes = generate_codes(3);
        let stored: Vec<String> = codes.iter().map(|c| hash_code(c)).collect();
        for h in &stored {
            assert!(is_hashed(h));
            assert!(!h.contains(','), "{h}");
            let parts: Vec<&str> = h.split('$').collect();
            assert_eq!(parts[..3], ["", "pbkdf2-sha256", "29000"]);
            assert_eq!(parts[3].len(), 22); // 16-byte salt
            assert_eq!(parts[4].len(), 43); // 32-byte digest
        }
        for (i, c) in codes.iter().enumerate() {
            assert_eq!(check_code(&stored, c), Some(i));
            assert_eq!(
                check_code(&stored, &format!("  {}\n", c.to_uppercase())),
                Some(i)
            );
            assert_eq!(check_code(&stored, &c.replace('-', "")), Some(i));
        }
        assert_eq!(check_code(&stored, "0000-0000-0000"), None);
        assert_eq!(check_code(&[], &codes[0]), None);
    }

    #[test]
    fn passlib_pbkdf2_sha256_vector() {
        // passlib's pbkdf2_sha256 format, computed independently with Python's
        // hashlib.pbkdf2_hmac("sha256", b"615b-a2b4-9948", bytes(range(16)), 29000) and
        // passlib's adapted base64.
        let stored = vec![
            "$pbkdf2-sha256$29000$AAECAwQFBgcICQoLDA0ODw$2b84YXX1Ctt3hEVXVRYcg6pgVON9SKR1oOE78v80msQ"
                .to_string(),
        ];
        assert_eq!(check_code(&stored, "615b-a2b4-9948"), Some(0));
        assert_eq!(check_code(&stored, "615B A2B4 9948"), None);
        assert_eq!(check_code(&stored, "615b-a2b4-9949"), None);
        // A hash with absurd rounds is refused without running them.
        let slow = stored[0].replace("$29000$", "$4000000000$");
        assert_eq!(check_code(&[slow], "615b-a2b4-9948"), None);
    }

    #[test]
    fn plaintext_flask_security_entries() {
        let stored: Vec<String> = ["615b-a2b4-9948", "0a1b-2c3d-4e5f"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(check_code(&stored, "0a1b-2c3d-4e5f"), Some(1));
        assert_eq!(check_code(&stored, " 615B-A2B4-9948 "), Some(0));
        assert_eq!(check_code(&stored, "615ba2b49948"), Some(0));
        assert_eq!(check_code(&stored, "615b-a2b4-9949"), None);
        assert_eq!(check_code(&stored, "615b-a2b4-994"), None);
        assert!(!is_hashed(&stored[0]));

        // Mixed lists work, and the first matching entry wins.
        let mixed = vec![
            hash_code("aaaa-bbbb-cccc"),
            "1111-2222-3333".to_string(),
            hash_code("1111-2222-3333"),
        ];
        assert_eq!(check_code(&mixed, "aaaa-bbbb-cccc"), Some(0));
        assert_eq!(check_code(&mixed, "1111-2222-3333"), Some(1));
    }

    #[test]
    fn junk_never_matches_or_panics() {
        let stored: Vec<String> = [
            "",
            "$pbkdf2-sha256$",
            "$pbkdf2-sha256$0$c2FsdA$aGFzaA",
            "$pbkdf2-sha256$x$c2FsdA$aGFzaA",
            "$pbkdf2-sha256$29000$!!!$aGFzaA",
            "$pbkdf2-sha256$29000$c2FsdA$",
            "$pbkdf2-sha256$29000$c2FsdA$aGFzaA$extra",
            "$pbkdf2-sha256$99999999999$c2FsdA$aGFzaA",
            "gAAAAABfernet-token-like",
            "é€💥",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for candidate in [
            "",
            " ",
            "aaaa-bbbb-cccc",
            "$pbkdf2-sha256$",
            "é€💥x",
            &"a".repeat(10_000),
        ] {
            assert_eq!(check_code(&stored, candidate), None, "{candidate:?}");
        }
        // An empty candidate never matches an empty entry.
        assert_eq!(check_code(&[String::new()], "   "), None);
        assert_eq!(normalize_code("é€💥"), "é€💥");
    }
}
