//! Password rules.

/// Length rules for an already-normalised password (never truncated silently: too long is an
/// error).
pub fn password_errors(normalized: &str, min: usize) -> Vec<String> {
    let len = normalized.chars().count();
    let mut errors = Vec::new();
    if len < min {
        errors.push(format!("Password must be at least {min} characters"));
    } else if len > 128 {
        errors.push("Password must be no more than 128 characters".to_owned());
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(
            password_errors("short", 8),
            vec!["Password must be at least 8 characters"]
        );
        assert!(password_errors("long enough", 8).is_empty());
        assert_eq!(password_errors(&"x".repeat(129), 8).len(), 1);
        // Counted in characters, not bytes.
        assert!(password_errors("ééééééé", 8).len() == 1);
        assert!(password_errors("éééééééé", 8).is_empty());
    }
}
