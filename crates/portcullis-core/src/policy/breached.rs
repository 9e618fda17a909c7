//! Breached-password check: the k-anonymity range protocol of Pwned Passwords (only the first
//! five hex characters of the password's SHA-1 leave the machine; the answer lists suffixes with
//! counts, and padding entries with a count of 0 are ignored), and an offline list.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sha1::{Digest, Sha1};

/// Why a breach check could not answer.
#[derive(Debug, thiserror::Error)]
pub enum BreachError {
    /// The service could not be reached or answered badly.
    #[error("breached-password service unavailable: {0}")]
    Unavailable(String),
}

/// Something that knows how often a password appeared in breaches.
#[async_trait]
pub trait BreachChecker: Send + Sync + std::fmt::Debug {
    /// How many times the password with this SHA-1 (40 upper-case hex characters) was seen.
    async fn count(&self, sha1_hex: &str) -> Result<u64, BreachError>;
}

/// Upper-case hex SHA-1 of a password (as the range API expects).
pub fn sha1_hex(password: &str) -> String {
    Sha1::digest(password.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The range API: `GET {base_url}{first five hex}` → lines `SUFFIX:COUNT`.
#[derive(Debug, Clone)]
pub struct RangeApi {
    base_url: String,
    client: reqwest::Client,
}

impl RangeApi {
    /// A client for `base_url` (e.g. `https://api.pwnedpasswords.com/range/`) with a timeout.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, BreachError> {
        crate::tls::install_default_provider();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent("portcullis")
            .build()
            .map_err(|e| BreachError::Unavailable(e.to_string()))?;
        let mut base_url = base_url.to_owned();
        if !base_url.ends_with('/') {
            base_url.push('/');
        }
        Ok(Self { base_url, client })
    }
}

/// Parse a range answer: the count for `suffix`, padding (count 0) ignored.
pub fn count_in_range(body: &str, suffix: &str) -> u64 {
    body.lines()
        .filter_map(|line| line.trim().split_once(':'))
        .find(|(s, _)| s.eq_ignore_ascii_case(suffix))
        .and_then(|(_, n)| n.trim().parse::<u64>().ok())
        .unwrap_or(0)
}

#[async_trait]
impl BreachChecker for RangeApi {
    async fn count(&self, sha1_hex: &str) -> Result<u64, BreachError> {
        let (prefix, suffix) = sha1_hex.split_at(5.min(sha1_hex.len()));
        let res = self
            .client
            .get(format!("{}{prefix}", self.base_url))
            .header("Add-Padding", "true")
            .send()
            .await
            .map_err(|e| BreachError::Unavailable(e.to_string()))?;
        if !res.status().is_success() {
            return Err(BreachError::Unavailable(format!("status {}", res.status())));
        }
        let body = res
            .text()
            .await
            .map_err(|e| BreachError::Unavailable(e.to_string()))?;
        Ok(count_in_range(&body, suffix))
    }
}

/// An offline list: a file of SHA-1 hashes (40 hex characters, optionally `:COUNT`) or plain
/// passwords, one per line. Each entry counts as seen once (or COUNT times).
#[derive(Debug, Clone, Default)]
pub struct LocalList {
    hashes: std::collections::HashMap<String, u64>,
}

impl LocalList {
    /// Read the list.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(Self::parse(&text))
    }

    /// Parse the list's text.
    pub fn parse(text: &str) -> Self {
        let mut hashes = std::collections::HashMap::new();
        for line in text.lines() {
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                continue;
            }
            let (head, count) = match line.rsplit_once(':') {
                Some((h, n)) if h.len() == 40 && n.trim().parse::<u64>().is_ok() => {
                    (h, n.trim().parse::<u64>().unwrap_or(1))
                }
                _ => (line, 1),
            };
            let key = if head.len() == 40 && head.chars().all(|c| c.is_ascii_hexdigit()) {
                head.to_ascii_uppercase()
            } else {
                sha1_hex(head)
            };
            hashes.insert(key, count);
        }
        Self { hashes }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

#[async_trait]
impl BreachChecker for LocalList {
    async fn count(&self, sha1_hex: &str) -> Result<u64, BreachError> {
        Ok(self.hashes.get(sha1_hex).copied().unwrap_or(0))
    }
}

/// The local list first (offline), then the range API.
#[derive(Debug)]
pub struct Chain(pub Vec<Box<dyn BreachChecker>>);

#[async_trait]
impl BreachChecker for Chain {
    async fn count(&self, sha1_hex: &str) -> Result<u64, BreachError> {
        let mut last_err = None;
        for c in &self.0 {
            match c.count(sha1_hex).await {
                Ok(n) if n > 0 => return Ok(n),
                Ok(_) => {}
                Err(e) => last_err = Some(e),
            }
        }
        match last_err {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha1_and_range_parsing() {
        assert_eq!(
            sha1_hex("password"),
            "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8"
        );
        let body = "1E4C9B93F3F0682250B6CF8331B7EE68FD8:3861493\r\n0000000000000000000000000000000000A:0\r\nABCDEF:2";
        assert_eq!(
            count_in_range(body, "1E4C9B93F3F0682250B6CF8331B7EE68FD8"),
            3_861_493
        );
        assert_eq!(
            count_in_range(body, "0000000000000000000000000000000000A"),
            0,
            "padding"
        );
        assert_eq!(count_in_range(body, "FFFF"), 0);
        assert_eq!(count_in_range("garbage", "X"), 0);
    }

    #[tokio::test]
    async fn local_list_takes_hashes_and_plain_passwords() {
        let list = LocalList::parse(
            "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8\nletmein\n\nCBFDAC6008F9CAB4083784CBD1874F76618D2A97:42\n",
        );
        assert_eq!(list.len(), 3);
        assert_eq!(list.count(&sha1_hex("password")).await.unwrap(), 1);
        assert_eq!(list.count(&sha1_hex("letmein")).await.unwrap(), 1);
        assert_eq!(list.count(&sha1_hex("password123")).await.unwrap(), 42);
        assert_eq!(list.count(&sha1_hex("correct horse")).await.unwrap(), 0);
    }
}
