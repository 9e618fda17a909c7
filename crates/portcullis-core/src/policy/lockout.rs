//! Brute-force protection, on by default (Flask-Security leaves it to the application):
//!
//! - per account: after `max_failures` consecutive failed sign-ins the account is locked for
//!   `lock_duration`, doubling with each further lockout, capped at `lock_cap` (one hour); never
//!   permanent. A successful sign-in resets it; so do `unlock` and `reset-access`. Unknown
//!   identities are counted and locked the same way, so a lock reveals nothing about existence.
//! - per client address: after `rate_limit_failures` failed attempts within `rate_limit_window`
//!   further attempts are refused (429) until the window passes.
//!
//! The counters live in a [`CounterStore`] (the datastore by default, so the CLI can unlock; Redis
//! when several instances share state). Time is a parameter.

use crate::store::{CounterStore, StoreResult};

/// The rules, from configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleRules {
    /// Consecutive failures that lock an account (0 = no lockout).
    pub max_failures: u64,
    /// First lock's duration, seconds.
    pub lock_duration: i64,
    /// Longest lock, seconds.
    pub lock_cap: i64,
    /// How long failures and lockouts are remembered without a success, seconds.
    pub memory: i64,
    /// Failed attempts per client address within the window (0 = no limit).
    pub rate_limit_failures: u64,
    /// The window, seconds.
    pub rate_limit_window: i64,
}

impl Default for ThrottleRules {
    fn default() -> Self {
        Self {
            max_failures: 10,
            lock_duration: 15 * 60,
            lock_cap: 3600,
            memory: 86_400,
            rate_limit_failures: 100,
            rate_limit_window: 5 * 60,
        }
    }
}

/// Whether an attempt may proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Go ahead.
    Open,
    /// The client address has failed too often: 429 for `retry_after` seconds.
    AddressLimited {
        /// Seconds until the window passes.
        retry_after: i64,
    },
    /// The account is locked for `retry_after` more seconds.
    AccountLocked {
        /// Seconds until the lock ends.
        retry_after: i64,
    },
}

/// What a failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// `Some(seconds)` when this failure locked the account, for that long.
    pub locked_for: Option<i64>,
    /// Whether this failure brought the client address to its limit.
    pub address_limited: bool,
}

/// Brute-force protection over a counter store.
#[derive(Debug, Clone, Copy)]
pub struct Throttle<'a, S: CounterStore + ?Sized> {
    store: &'a S,
    rules: ThrottleRules,
}

fn fail_key(account: &str) -> String {
    format!("lockout:fail:{account}")
}
fn count_key(account: &str) -> String {
    format!("lockout:count:{account}")
}
fn lock_key(account: &str) -> String {
    format!("lockout:lock:{account}")
}
fn address_key(address: &str) -> String {
    format!("ratelimit:{address}")
}

impl<'a, S: CounterStore + ?Sized> Throttle<'a, S> {
    /// Throttle with these rules over `store`.
    pub fn new(store: &'a S, rules: ThrottleRules) -> Self {
        Self { store, rules }
    }

    /// May an attempt on `account` from `address` proceed? The address limit is checked first.
    pub async fn check(&self, account: &str, address: Option<&str>, now: i64) -> StoreResult<Gate> {
        if self.rules.rate_limit_failures > 0
            && let Some(address) = address
            && let Some((count, expires_at)) =
                self.store.get_counter(&address_key(address), now).await?
            && count >= self.rules.rate_limit_failures
        {
            return Ok(Gate::AddressLimited {
                retry_after: (expires_at - now).max(1),
            });
        }
        if self.rules.max_failures > 0
            && let Some((_, until)) = self.store.get_counter(&lock_key(account), now).await?
        {
            return Ok(Gate::AccountLocked {
                retry_after: (until - now).max(1),
            });
        }
        Ok(Gate::Open)
    }

    /// Count a failed attempt. Locks the account when it reaches `max_failures`.
    pub async fn failure(
        &self,
        account: &str,
        address: Option<&str>,
        now: i64,
    ) -> StoreResult<Failure> {
        let mut address_limited = false;
        if self.rules.rate_limit_failures > 0
            && let Some(address) = address
        {
            let (count, _) = self
                .store
                .incr_counter(&address_key(address), self.rules.rate_limit_window, now)
                .await?;
            address_limited = count == self.rules.rate_limit_failures;
        }
        if self.rules.max_failures == 0 {
            return Ok(Failure {
                locked_for: None,
                address_limited,
            });
        }
        let (failures, _) = self
            .store
            .incr_counter(&fail_key(account), self.rules.memory, now)
            .await?;
        // Exactly one of concurrent failures reaches the threshold, so one lockout is counted.
        if failures != self.rules.max_failures {
            return Ok(Failure {
                locked_for: None,
                address_limited,
            });
        }
        let (lockouts, _) = self
            .store
            .incr_counter(&count_key(account), self.rules.memory, now)
            .await?;
        let doublings = u32::try_from(lockouts.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(20);
        let duration = self
            .rules
            .lock_duration
            .saturating_mul(1_i64 << doublings)
            .min(self.rules.lock_cap)
            .max(1);
        self.store
            .set_counter(&lock_key(account), lockouts, now + duration)
            .await?;
        let fail = fail_key(account);
        self.store.delete_counters(&[fail.as_str()]).await?;
        Ok(Failure {
            locked_for: Some(duration),
            address_limited,
        })
    }

    /// A successful sign-in: failures and the lockout history are forgotten.
    pub async fn success(&self, account: &str) -> StoreResult<()> {
        let (fail, count) = (fail_key(account), count_key(account));
        self.store
            .delete_counters(&[fail.as_str(), count.as_str()])
            .await
    }

    /// Clear everything for an account (`users unlock`, `reset-access`, a completed reset).
    pub async fn unlock(&self, account: &str) -> StoreResult<()> {
        let (fail, count, lock) = (fail_key(account), count_key(account), lock_key(account));
        self.store
            .delete_counters(&[fail.as_str(), count.as_str(), lock.as_str()])
            .await
    }
}

/// The lockout key of an account: its user id when the identity names one, else the identity
/// (normalised, lower-cased), so unknown identities lock the same way.
pub fn account_key(user_id: Option<i64>, identity: &str) -> String {
    match user_id {
        Some(id) => format!("user:{id}"),
        None => format!("identity:{}", identity.trim().to_lowercase()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryStore;

    const T: i64 = 1_767_225_600;

    fn rules() -> ThrottleRules {
        ThrottleRules {
            max_failures: 3,
            lock_duration: 60,
            lock_cap: 200,
            memory: 86_400,
            rate_limit_failures: 5,
            rate_limit_window: 300,
        }
    }

    #[tokio::test]
    async fn locks_after_max_failures_doubling_and_capped() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        assert_eq!(t.check("a", None, T).await.unwrap(), Gate::Open);
        assert_eq!(t.failure("a", None, T).await.unwrap().locked_for, None);
        assert_eq!(t.failure("a", None, T).await.unwrap().locked_for, None);
        assert_eq!(t.failure("a", None, T).await.unwrap().locked_for, Some(60));
        assert_eq!(
            t.check("a", None, T + 10).await.unwrap(),
            Gate::AccountLocked { retry_after: 50 }
        );
        // Other accounts are not affected.
        assert_eq!(t.check("b", None, T + 10).await.unwrap(), Gate::Open);
        // The lock ends by itself.
        assert_eq!(t.check("a", None, T + 60).await.unwrap(), Gate::Open);
        // Second lockout doubles, third doubles again, then the cap.
        for _ in 0..3 {
            t.failure("a", None, T + 100).await.unwrap();
        }
        assert_eq!(
            t.check("a", None, T + 100).await.unwrap(),
            Gate::AccountLocked { retry_after: 120 }
        );
        for _ in 0..3 {
            t.failure("a", None, T + 300).await.unwrap();
        }
        assert_eq!(
            t.check("a", None, T + 300).await.unwrap(),
            Gate::AccountLocked { retry_after: 200 }
        );
    }

    #[tokio::test]
    async fn success_resets_and_unlock_clears() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        t.failure("a", None, T).await.unwrap();
        t.failure("a", None, T).await.unwrap();
        t.success("a").await.unwrap();
        t.failure("a", None, T).await.unwrap();
        t.failure("a", None, T).await.unwrap();
        assert_eq!(
            t.check("a", None, T).await.unwrap(),
            Gate::Open,
            "count restarted"
        );
        t.failure("a", None, T).await.unwrap();
        assert!(matches!(
            t.check("a", None, T).await.unwrap(),
            Gate::AccountLocked { .. }
        ));
        t.unlock("a").await.unwrap();
        assert_eq!(t.check("a", None, T).await.unwrap(), Gate::Open);
        // After unlock the doubling starts again from the base duration.
        for _ in 0..3 {
            t.failure("a", None, T).await.unwrap();
        }
        assert_eq!(
            t.check("a", None, T).await.unwrap(),
            Gate::AccountLocked { retry_after: 60 }
        );
    }

    #[tokio::test]
    async fn address_limit_window() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        for i in 0..5 {
            // Spread over many accounts: the address limit still applies.
            let f = t
                .failure(&format!("acct{i}"), Some("203.0.113.9"), T + i)
                .await
                .unwrap();
            assert_eq!(
                f.address_limited,
                i == 4,
                "the fifth failure reaches the limit"
            );
        }
        assert_eq!(
            t.check("new", Some("203.0.113.9"), T + 10).await.unwrap(),
            Gate::AddressLimited { retry_after: 290 }
        );
        assert_eq!(
            t.check("new", Some("198.51.100.1"), T + 10).await.unwrap(),
            Gate::Open
        );
        assert_eq!(
            t.check("new", Some("203.0.113.9"), T + 300).await.unwrap(),
            Gate::Open
        );
    }

    #[tokio::test]
    async fn disabled_rules_never_block() {
        let store = MemoryStore::new();
        let t = Throttle::new(
            &store,
            ThrottleRules {
                max_failures: 0,
                rate_limit_failures: 0,
                ..rules()
            },
        );
        for _ in 0..50 {
            t.failure("a", Some("203.0.113.9"), T).await.unwrap();
        }
        assert_eq!(
            t.check("a", Some("203.0.113.9"), T).await.unwrap(),
            Gate::Open
        );
    }

    #[test]
    fn account_keys() {
        assert_eq!(account_key(Some(7), "Ann@Example.com"), "user:7");
        assert_eq!(
            account_key(None, " Ann@Example.COM "),
            "identity:ann@example.com"
        );
    }
}
