//! Identity rules: email and username normalisation and validation.

use unicode_normalization::UnicodeNormalization;

use crate::messages::{Message, Msg};

/// Invisible and layout-control characters (Unicode general category Cf, plus controls and
/// separators): never part of a legitimate identity, often part of a spoof.
pub fn is_invisible(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{1D173}'..='\u{1D17A}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// [`is_invisible`] but allowing the plain space (phone numbers are written with spaces).
pub fn is_invisible_not_space(c: char) -> bool {
    c != ' ' && is_invisible(c)
}

/// Letters from more than one script in one piece of an identity (`pаypal` with a Cyrillic
/// `а`) — the classic confusable. Digits and punctuation (script Common) mix with anything.
pub fn is_mixed_script(s: &str) -> bool {
    use unicode_security::MixedScript;
    !s.is_single_script()
}

/// The key identities (emails, usernames) are compared and kept unique by: the full Unicode
/// case fold of the NFC form, lower-cased, then NFC again (`ÄNNIE@x` and `ännie@x`, `STRASSE`
/// and `straße` are one identity). The lower-casing uses the standard library's newer Unicode
/// tables, so letters the case-fold tables predate (`Ꟑ`/`ꟓ`, Unicode 14) still meet. Stores
/// compare on it, and keep it unique.
pub fn identity_key(s: &str) -> String {
    let nfc: String = s.nfc().collect();
    caseless::default_case_fold_str(&nfc)
        .to_lowercase()
        .nfc()
        .collect()
}

/// Normalise an email for lookup and storage, as Flask-Security does with email_validator:
/// trimmed, Unicode NFC, local part preserved, domain lower-cased and IDNA-encoded (ASCII).
/// `None` when it is not an acceptable address: bad syntax, invisible characters, or a local
/// part or domain label mixing scripts.
pub fn normalize_email(raw: &str) -> Option<String> {
    let s: String = raw.trim().nfc().collect();
    let (local, domain) = s.rsplit_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || local.len() > 64
        || s.chars().any(is_invisible)
        || local.contains('@')
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || local.chars().any(|c| {
            matches!(
                c,
                '(' | ')' | '<' | '>' | ',' | ';' | ':' | '\\' | '"' | '[' | ']'
            )
        })
        || is_mixed_script(local)
        || domain.split('.').any(is_mixed_script)
    {
        return None;
    }
    let ascii = idna::domain_to_ascii(domain).ok()?.to_ascii_lowercase();
    if !ascii.contains('.')
        || ascii.starts_with('.')
        || ascii.ends_with('.')
        || ascii.contains("..")
        || ascii.len() > 253
        || ascii
            .split('.')
            .any(|l| l.is_empty() || l.len() > 63 || l.starts_with('-') || l.ends_with('-'))
        || ascii
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
    {
        return None;
    }
    let out = format!("{local}@{ascii}");
    (out.len() <= 254).then_some(out)
}

/// Username as stored: NFKC, then trimmed.
pub fn normalize_username(name: &str) -> String {
    // NFKC first: compatibility forms can decompose to spaces (`¨` is space + diaeresis).
    let n: String = name.nfkc().collect();
    n.trim().to_owned()
}

/// Flask-Security's username rule (letters and digits only) with configurable length limits
/// (SECURITY_USERNAME_MIN_LENGTH / _MAX_LENGTH, 4 and 32); also no invisible characters and no
/// mixed scripts.
pub fn username_errors_within(name: &str, min: usize, max: usize) -> Vec<Message> {
    let n = normalize_username(name);
    let len = n.chars().count();
    let mut errors = Vec::new();
    if !(min..=max).contains(&len) {
        errors.push(
            Message::new(Msg::UsernameInvalidLength)
                .arg("min", min.to_string())
                .arg("max", max.to_string()),
        );
    } else if !n.chars().all(char::is_alphanumeric) || is_mixed_script(&n) {
        errors.push(Msg::UsernameIllegalCharacters.into());
    }
    errors
}

/// [`username_errors_within`] with Flask-Security's default limits (4, 32).
pub fn username_errors(name: &str) -> Vec<Message> {
    username_errors_within(name, 4, 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keys_fold_full_unicode_case() {
        assert_eq!(
            identity_key("ÄNNIE@example.com"),
            identity_key("ännie@example.com")
        );
        assert_eq!(identity_key("STRASSE"), identity_key("straße"));
        assert_eq!(identity_key("ΣΊΣΥΦΟΣ"), identity_key("σίσυφος"));
        // NFC and NFD spellings of one name are one identity.
        assert_eq!(identity_key("A\u{308}nnie"), identity_key("Ännie"));
        assert_ne!(
            identity_key("anna"),
            identity_key("annа"),
            "Cyrillic а stays distinct"
        );
    }

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" Ann@Example.COM ").as_deref(),
            Some("Ann@example.com")
        );
        assert_eq!(normalize_email("a@b.c").as_deref(), Some("a@b.c"));
        for bad in [
            "", "a", "a@", "@b.c", "a@b", "a b@c.d", "a@b..c", "a@@b.c", "a@b.c.", "<a>@b.c",
            ".a@b.c", "a@-b.c", "a@b-.c", "a@b_c.d",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn international_addresses() {
        // Domain: lower-cased, IDNA (punycode) encoded; local part: NFC, preserved.
        assert_eq!(
            normalize_email("Jörg@Bücher.Example").as_deref(),
            Some("Jörg@xn--bcher-kva.example")
        );
        // NFD input (o + combining diaeresis) is composed.
        assert_eq!(
            normalize_email("jo\u{0308}rg@example.com").as_deref(),
            Some("jörg@example.com")
        );
        // A whole-Cyrillic local part is fine; Latin mixed with Cyrillic is a spoof.
        assert!(normalize_email("иван@example.com").is_some());
        assert_eq!(normalize_email("p\u{0430}ypal@example.com"), None);
        assert_eq!(normalize_email("ann@p\u{0430}ypal.com"), None);
    }

    #[test]
    fn invisible_characters_are_refused() {
        for bad in [
            "ann\u{200B}@example.com",
            "ann@exam\u{200D}ple.com",
            "\u{202E}ann@example.com",
            "ann\u{FEFF}@example.com",
            "ann\u{00AD}@example.com",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn usernames() {
        let username_errors = |n: &str| -> Vec<String> {
            username_errors(n).iter().map(ToString::to_string).collect()
        };
        let username_errors_within = |n: &str, a, b| -> Vec<String> {
            username_errors_within(n, a, b)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert!(username_errors("alice1").is_empty());
        assert!(username_errors("Ünïcödé").is_empty());
        // NFKC: fullwidth letters become ASCII.
        assert_eq!(normalize_username(" ａｌｉｃｅ "), "alice");
        assert_eq!(
            username_errors("p\u{0430}ypal"),
            vec!["Username contains illegal characters"]
        );
        assert_eq!(
            username_errors("ali\u{200B}ce"),
            vec!["Username contains illegal characters"]
        );
        assert_eq!(
            username_errors_within("abcdef", 8, 10),
            vec!["Username must be at least 8 characters and less than 10 characters"]
        );
        assert_eq!(username_errors("abc").len(), 1);
        assert_eq!(
            username_errors("ali ce"),
            vec!["Username contains illegal characters"]
        );
    }
}
