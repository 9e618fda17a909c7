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

/// Why an attempt was refused before it was evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
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
    /// The account's remaining guesses are all taken by attempts still being evaluated: not
    /// locked (yet). The caller may wait for them to settle and reserve again.
    Busy,
}

/// What a failure led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failure {
    /// `Some(seconds)` when this failure locked the account, for that long.
    pub locked_for: Option<i64>,
    /// Whether this failure brought the client address to its limit.
    pub address_limited: bool,
}

/// A reserved attempt: its place in the account's and the address's counters is already
/// taken, so the credential may be evaluated. Settle it with [`Throttle::failed`] or
/// [`Throttle::succeeded`]; a slot that is dropped unsettled stays counted as a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a reserved attempt is settled with Throttle::failed or Throttle::succeeded"]
pub struct Slot {
    account: String,
    address: Option<String>,
    /// This attempt's number among the account's consecutive failures (1-based); 0 when the
    /// lockout is off.
    account_n: u64,
    /// This attempt's number within the address window; 0 when not counted.
    address_n: u64,
}

/// Brute-force protection over a counter store.
///
/// Attempts are *reserved* before they are evaluated: [`Throttle::reserve`] increments the
/// address's and the account's counters (one atomic increment-and-read each) and refuses the
/// attempt when the number it drew is past the limit. However many requests race, at most
/// `rate_limit_failures` attempts per address window and at most `max_failures` per account
/// (between successes, or per lock) are evaluated. A success releases the address slot and
/// resets the account; the failure numbered `max_failures` locks the account.
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

/// What the failure counter holds while its account is locked: far past any limit, so that no
/// reservation racing with the lock can draw a number within it.
const LOCKED: u64 = 1 << 40;

impl<'a, S: CounterStore + ?Sized> Throttle<'a, S> {
    /// Throttle with these rules over `store`.
    pub fn new(store: &'a S, rules: ThrottleRules) -> Self {
        Self { store, rules }
    }

    /// Take a place for one attempt on `account` from `address`, or refuse it. The address
    /// limit is taken first; an attempt refused for the account gives its address place back,
    /// and a refused attempt never keeps a place.
    pub async fn reserve(
        &self,
        account: &str,
        address: Option<&str>,
        now: i64,
    ) -> StoreResult<Result<Slot, Refusal>> {
        let mut address_n = 0;
        let address = address.filter(|_| self.rules.rate_limit_failures > 0);
        if let Some(address) = address {
            let key = address_key(address);
            let (n, expires_at) = self
                .store
                .incr_counter(&key, self.rules.rate_limit_window, now)
                .await?;
            if n > self.rules.rate_limit_failures {
                self.store.release_counter(&key, now).await?;
                return Ok(Err(Refusal::AddressLimited {
                    retry_after: (expires_at - now).max(1),
                }));
            }
            address_n = n;
        }
        let mut account_n = 0;
        if self.rules.max_failures > 0 {
            let refused = match self.locked_for(account, now).await? {
                Some(retry_after) => Some(Refusal::AccountLocked { retry_after }),
                None => {
                    let key = fail_key(account);
                    let (n, _) = self
                        .store
                        .incr_counter(&key, self.rules.memory, now)
                        .await?;
                    if n > self.rules.max_failures {
                        self.store.release_counter(&key, now).await?;
                        Some(match self.locked_for(account, now).await? {
                            Some(retry_after) => Refusal::AccountLocked { retry_after },
                            None => Refusal::Busy,
                        })
                    } else {
                        account_n = n;
                        None
                    }
                }
            };
            if let Some(refusal) = refused {
                if let Some(address) = address {
                    self.store
                        .release_counter(&address_key(address), now)
                        .await?;
                }
                return Ok(Err(refusal));
            }
        }
        Ok(Ok(Slot {
            account: account.to_owned(),
            address: address.map(str::to_owned),
            account_n,
            address_n,
        }))
    }

    /// The reserved attempt failed. The failure that used the account's last place locks it:
    /// the counter is then held past the limit until the lock ends (doubling with each
    /// lockout, capped).
    pub async fn failed(&self, slot: Slot, now: i64) -> StoreResult<Failure> {
        let address_limited =
            slot.address_n > 0 && slot.address_n == self.rules.rate_limit_failures;
        if self.rules.max_failures == 0 || slot.account_n != self.rules.max_failures {
            return Ok(Failure {
                locked_for: None,
                address_limited,
            });
        }
        let (lockouts, _) = self
            .store
            .incr_counter(&count_key(&slot.account), self.rules.memory, now)
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
        let until = now + duration;
        self.store
            .set_counter(&lock_key(&slot.account), lockouts, until)
            .await?;
        self.store
            .set_counter(&fail_key(&slot.account), LOCKED, until)
            .await?;
        Ok(Failure {
            locked_for: Some(duration),
            address_limited,
        })
    }

    /// The reserved attempt succeeded: the address place is given back, and the account's
    /// failures and lockout history are forgotten.
    pub async fn succeeded(&self, slot: Slot, now: i64) -> StoreResult<()> {
        if let Some(address) = &slot.address {
            self.store
                .release_counter(&address_key(address), now)
                .await?;
        }
        let (fail, count) = (fail_key(&slot.account), count_key(&slot.account));
        self.store
            .delete_counters(&[fail.as_str(), count.as_str()])
            .await
    }

    /// Seconds the account stays locked, if it is.
    pub async fn locked_for(&self, account: &str, now: i64) -> StoreResult<Option<i64>> {
        if self.rules.max_failures == 0 {
            return Ok(None);
        }
        Ok(self
            .store
            .get_counter(&lock_key(account), now)
            .await?
            .map(|(_, until)| (until - now).max(1)))
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

    /// One attempt that fails.
    async fn fail(t: &Throttle<'_, MemoryStore>, a: &str, addr: Option<&str>, now: i64) -> Failure {
        let slot = t.reserve(a, addr, now).await.unwrap().unwrap();
        t.failed(slot, now).await.unwrap()
    }

    #[tokio::test]
    async fn locks_after_max_failures_doubling_and_capped() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        assert_eq!(fail(&t, "a", None, T).await.locked_for, None);
        assert_eq!(fail(&t, "a", None, T).await.locked_for, None);
        assert_eq!(fail(&t, "a", None, T).await.locked_for, Some(60));
        assert_eq!(
            t.reserve("a", None, T + 10).await.unwrap(),
            Err(Refusal::AccountLocked { retry_after: 50 })
        );
        assert_eq!(t.locked_for("a", T + 10).await.unwrap(), Some(50));
        // Other accounts are not affected.
        assert!(t.reserve("b", None, T + 10).await.unwrap().is_ok());
        // The lock ends by itself.
        assert_eq!(t.locked_for("a", T + 60).await.unwrap(), None);
        // Second lockout doubles, third doubles again, then the cap.
        for _ in 0..3 {
            fail(&t, "a", None, T + 100).await;
        }
        assert_eq!(
            t.reserve("a", None, T + 100).await.unwrap(),
            Err(Refusal::AccountLocked { retry_after: 120 })
        );
        for _ in 0..3 {
            fail(&t, "a", None, T + 300).await;
        }
        assert_eq!(
            t.reserve("a", None, T + 300).await.unwrap(),
            Err(Refusal::AccountLocked { retry_after: 200 })
        );
    }

    #[tokio::test]
    async fn success_resets_and_unlock_clears() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        fail(&t, "a", None, T).await;
        fail(&t, "a", None, T).await;
        let slot = t.reserve("a", None, T).await.unwrap().unwrap();
        t.succeeded(slot, T).await.unwrap();
        fail(&t, "a", None, T).await;
        fail(&t, "a", None, T).await;
        assert_eq!(t.locked_for("a", T).await.unwrap(), None, "count restarted");
        fail(&t, "a", None, T).await;
        assert!(t.locked_for("a", T).await.unwrap().is_some());
        t.unlock("a").await.unwrap();
        assert_eq!(t.locked_for("a", T).await.unwrap(), None);
        // After unlock the doubling starts again from the base duration.
        for _ in 0..3 {
            fail(&t, "a", None, T).await;
        }
        assert_eq!(t.locked_for("a", T).await.unwrap(), Some(60));
    }

    #[tokio::test]
    async fn reservations_in_flight_count_before_they_are_evaluated() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        // Three attempts reserved at once, none evaluated yet: the fourth must wait.
        let slots: Vec<Slot> = reserve_n(&t, "a", 3).await;
        assert_eq!(t.reserve("a", None, T).await.unwrap(), Err(Refusal::Busy));
        // The one that used the last place locks the account when it fails.
        let mut it = slots.into_iter();
        let first = it.next().unwrap();
        assert_eq!(t.failed(first, T).await.unwrap().locked_for, None);
        let rest: Vec<Slot> = it.collect();
        let mut locked = 0;
        for s in rest {
            if t.failed(s, T).await.unwrap().locked_for.is_some() {
                locked += 1;
            }
        }
        assert_eq!(locked, 1);
        assert!(t.locked_for("a", T + 1).await.unwrap().is_some());
        assert_eq!(
            t.reserve("a", None, T + 1).await.unwrap(),
            Err(Refusal::AccountLocked { retry_after: 59 })
        );
    }

    #[tokio::test]
    async fn a_success_in_flight_makes_room_again() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        let mut slots = reserve_n(&t, "a", 3).await.into_iter();
        assert_eq!(t.reserve("a", None, T).await.unwrap(), Err(Refusal::Busy));
        t.succeeded(slots.next().unwrap(), T).await.unwrap();
        assert!(t.reserve("a", None, T).await.unwrap().is_ok());
    }

    async fn reserve_n(t: &Throttle<'_, MemoryStore>, a: &str, n: usize) -> Vec<Slot> {
        let mut out = Vec::new();
        for _ in 0..n {
            out.push(t.reserve(a, None, T).await.unwrap().unwrap());
        }
        out
    }

    #[tokio::test]
    async fn address_limit_window_and_success_releases() {
        let store = MemoryStore::new();
        let t = Throttle::new(&store, rules());
        // A success does not use up the address's allowance.
        let slot = t
            .reserve("ok", Some("203.0.113.9"), T)
            .await
            .unwrap()
            .unwrap();
        t.succeeded(slot, T).await.unwrap();
        for i in 0..5 {
            // Spread over many accounts: the address limit still applies.
            let f = fail(&t, &format!("acct{i}"), Some("203.0.113.9"), T + i).await;
            assert_eq!(
                f.address_limited,
                i == 4,
                "the fifth failure reaches the limit"
            );
        }
        assert_eq!(
            t.reserve("new", Some("203.0.113.9"), T + 10).await.unwrap(),
            Err(Refusal::AddressLimited { retry_after: 290 })
        );
        assert!(
            t.reserve("new", Some("198.51.100.1"), T + 10)
                .await
                .unwrap()
                .is_ok()
        );
        assert!(
            t.reserve("new", Some("203.0.113.9"), T + 300)
                .await
                .unwrap()
                .is_ok()
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
            fail(&t, "a", Some("203.0.113.9"), T).await;
        }
        assert!(
            t.reserve("a", Some("203.0.113.9"), T)
                .await
                .unwrap()
                .is_ok()
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
