//! Identity rules: email and username normalisation and validation.

use unicode_normalization::UnicodeNormalization;

/// Normalise an email for lookup and storage: trimmed, Unicode NFC, domain lower-cased.
/// `None` when it is not an address.
pub fn normalize_email(raw: &str) -> Option<String> {
    let s: String = raw.trim().nfc().collect();
    let (local, domain) = s.rsplit_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || local.len() > 64
        || s.len() > 254
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
        || local.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || domain
            .chars()
            .any(|c| !(c.is_alphanumeric() || c == '-' || c == '.'))
        || local.chars().any(|c| {
            matches!(
                c,
                '(' | ')' | '<' | '>' | ',' | ';' | ':' | '\\' | '"' | '[' | ']'
            )
        })
    {
        return None;
    }
    Some(format!("{local}@{}", domain.to_lowercase()))
}

/// Username as stored: trimmed, NFKC.
pub fn normalize_username(name: &str) -> String {
    name.trim().nfkc().collect()
}

/// Flask-Security's username rule: 4–32 characters, letters and digits only.
pub fn username_errors(name: &str) -> Vec<String> {
    let n = normalize_username(name);
    let len = n.chars().count();
    let mut errors = Vec::new();
    if !(4..=32).contains(&len) {
        errors.push("Username must be at least 4 characters and less than 32 characters".into());
    } else if !n.chars().all(char::is_alphanumeric) {
        errors.push("Username contains illegal characters".into());
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            normalize_email(" Ann@Example.COM ").as_deref(),
            Some("Ann@example.com")
        );
        assert_eq!(normalize_email("a@b.c").as_deref(), Some("a@b.c"));
        for bad in [
            "", "a", "a@", "@b.c", "a@b", "a b@c.d", "a@b..c", "a@@b.c", "a@b.c.", "<a>@b.c",
            ".a@b.c",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn usernames() {
        assert!(username_errors("alice1").is_empty());
        assert_eq!(username_errors("abc").len(), 1);
        assert_eq!(
            username_errors("ali ce"),
            vec!["Username contains illegal characters"]
        );
    }
}
