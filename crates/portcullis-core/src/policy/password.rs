//! Password rules (Flask-Security semantics): length after normalisation (never truncated
//! silently: too long is an error), not the email or username, breached (k-anonymity range API
//! or an offline list), complexity (zxcvbn). Validation order as Flask-Security's
//! `PasswordUtil.validate`: length → breached → complexity; each failed rule gives one message.

use super::breached::{BreachChecker, sha1_hex};
use crate::messages::{Message, Msg};

/// Length rules for an already-normalised password.
pub fn password_errors(normalized: &str, min: usize) -> Vec<Message> {
    length_errors(normalized, min, 128)
}

fn length_errors(normalized: &str, min: usize, max: usize) -> Vec<Message> {
    let len = normalized.chars().count();
    let mut errors = Vec::new();
    if len < min {
        errors.push(Message::new(Msg::PasswordInvalidLength).arg("length", min.to_string()));
    } else if len > max {
        errors.push(Message::new(Msg::PasswordTooLong).arg("length", max.to_string()));
    }
    errors
}

/// SECURITY_PASSWORD_CHECK_BREACHED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreachedMode {
    /// No check.
    Off,
    /// Check; if the service cannot answer, let the password through.
    BestEffort,
    /// Check; if the service cannot answer, refuse with a clear message.
    Strict,
}

/// The configured password rules.
#[derive(Debug, Clone)]
pub struct PasswordPolicy {
    /// SECURITY_PASSWORD_LENGTH_MIN.
    pub min_length: usize,
    /// SECURITY_PASSWORD_LENGTH_MAX (never truncates silently).
    pub max_length: usize,
    /// zxcvbn minimum score when the complexity checker is on.
    pub zxcvbn_min_score: Option<u8>,
    /// Breached check mode.
    pub breached: BreachedMode,
    /// Seen this many times or more = breached (SECURITY_PASSWORD_BREACHED_COUNT).
    pub breached_count: u64,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 128,
            zxcvbn_min_score: None,
            breached: BreachedMode::Off,
            breached_count: 1,
        }
    }
}

impl PasswordPolicy {
    /// Every failed rule's message, for an already-normalised password. `identities` are the
    /// user's email and username (for the equality rule and as zxcvbn user inputs).
    pub async fn check(
        &self,
        normalized: &str,
        identities: &[&str],
        breach: Option<&dyn BreachChecker>,
    ) -> Vec<Message> {
        let mut errors = length_errors(normalized, self.min_length, self.max_length);
        if !errors.is_empty() {
            return errors;
        }
        let lower = normalized.to_lowercase();
        let local_parts: Vec<String> = identities
            .iter()
            .filter(|i| !i.is_empty())
            .flat_map(|i| {
                let i = i.to_lowercase();
                let local = i.split('@').next().map(str::to_owned);
                [Some(i), local]
            })
            .flatten()
            .collect();
        if local_parts.contains(&lower) {
            errors.push(Msg::PasswordIsIdentity.into());
        }
        if self.breached != BreachedMode::Off
            && let Some(checker) = breach
        {
            match checker.count(&sha1_hex(normalized)).await {
                Ok(n) if n >= self.breached_count.max(1) => {
                    errors.push(Msg::PasswordBreached.into())
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "breached-password check failed");
                    if self.breached == BreachedMode::Strict {
                        errors.push(Msg::PasswordBreachedSiteError.into());
                    }
                }
            }
        }
        if let Some(min) = self.zxcvbn_min_score {
            // The identities and their words (`ann.smith@example.com` → ann, smith, example), so
            // a password built from the user's own name scores low.
            let mut words: Vec<String> = Vec::new();
            for i in identities.iter().filter(|i| !i.is_empty()) {
                let i = i.to_lowercase();
                words.extend(
                    i.split(|c: char| !c.is_alphanumeric())
                        .filter(|w| w.chars().count() >= 3)
                        .map(str::to_owned),
                );
                words.push(i);
            }
            let inputs: Vec<&str> = words.iter().map(String::as_str).collect();
            let entropy = zxcvbn::zxcvbn(normalized, &inputs);
            if u8::from(entropy.score()) < min {
                let mut feedback: Vec<Message> = Vec::new();
                let said =
                    |t: String| Message::new(Msg::PasswordComplexityFeedback).arg("feedback", t);
                if let Some(f) = entropy.feedback() {
                    if let Some(w) = f.warning() {
                        feedback.push(said(w.to_string()));
                    }
                    feedback.extend(f.suggestions().iter().map(|s| said(s.to_string())));
                }
                if feedback.is_empty() {
                    feedback.push(Msg::PasswordTooSimple.into());
                }
                errors.extend(feedback);
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::breached::LocalList;

    #[test]
    fn lengths() {
        assert_eq!(
            password_errors("short", 8),
            vec![Message::new(Msg::PasswordInvalidLength).arg("length", "8")]
        );
        assert!(password_errors("long enough", 8).is_empty());
        assert_eq!(password_errors(&"x".repeat(129), 8).len(), 1);
        // Counted in characters, not bytes.
        assert_eq!(password_errors("ééééééé", 8).len(), 1);
        assert!(password_errors("éééééééé", 8).is_empty());
    }

    #[tokio::test]
    async fn rules_in_order() {
        let strong = "correct horse battery staple 42!";
        let policy = PasswordPolicy {
            zxcvbn_min_score: Some(3),
            breached: BreachedMode::Strict,
            ..PasswordPolicy::default()
        };
        let list = LocalList::parse("letmein1234\n");
        assert!(
            policy
                .check(strong, &["ann@example.com"], Some(&list))
                .await
                .is_empty()
        );
        // Length first, alone.
        assert_eq!(
            policy
                .check("short", &[], Some(&list))
                .await
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec!["Password must be at least 8 characters"]
        );
        // Too long: an error, never truncation.
        assert_eq!(policy.check(&"y".repeat(200), &[], None).await.len(), 1);
        // Breached, and too simple (with zxcvbn's feedback).
        let errors = policy.check("letmein1234", &[], Some(&list)).await;
        assert_eq!(errors.first().map(Message::id), Some(Msg::PasswordBreached));
        assert!(errors.len() >= 2, "{errors:?}");
        // Equal to the email or its local part.
        let errors = policy
            .check("annabelle.smith", &["annabelle.smith@example.com"], None)
            .await;
        assert!(
            errors.contains(&Msg::PasswordIsIdentity.into()),
            "{errors:?}"
        );
    }

    #[tokio::test]
    async fn zxcvbn_uses_user_inputs() {
        let policy = PasswordPolicy {
            zxcvbn_min_score: Some(4),
            ..PasswordPolicy::default()
        };
        // Score 4 in general, 3 when it is built from the user's own name.
        let pw = "Zebedee-Quackenbush";
        assert!(policy.check(pw, &[], None).await.is_empty());
        assert!(
            !policy
                .check(
                    pw,
                    &["zebedee.quackenbush@example.com", "ZebedeeQuackenbush"],
                    None
                )
                .await
                .is_empty()
        );
    }
}
