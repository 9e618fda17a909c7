//! CounterStore: expiring counters, and the brute-force reservations built on them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// Counters: increments keep the first expiry; an expired counter restarts at 1.
pub async fn counter_incr_get_expire(store: Arc<dyn Store>, prefix: &str) {
    let key = format!("{prefix}:a");
    let now = NOW_UNIX;
    assert_eq!(ok(store.get_counter(&key, now).await, "get_counter"), None);
    assert_eq!(
        ok(store.incr_counter(&key, 60, now).await, "incr"),
        (1, now + 60)
    );
    assert_eq!(
        ok(store.incr_counter(&key, 60, now + 10).await, "incr"),
        (2, now + 60)
    );
    assert_eq!(
        ok(store.get_counter(&key, now + 59).await, "get_counter"),
        Some((2, now + 60))
    );
    assert_eq!(
        ok(store.get_counter(&key, now + 60).await, "get_counter"),
        None,
        "expired"
    );
    assert_eq!(
        ok(
            store.incr_counter(&key, 30, now + 61).await,
            "incr after expiry"
        ),
        (1, now + 91)
    );
    let other = format!("{prefix}:b");
    assert_eq!(
        ok(store.get_counter(&other, now).await, "get_counter"),
        None,
        "keys are separate"
    );
}

/// Counters: set replaces value and expiry; delete removes several at once (absent keys are fine).
pub async fn counter_set_delete(store: Arc<dyn Store>, prefix: &str) {
    let a = format!("{prefix}:a");
    let b = format!("{prefix}:b");
    ok(
        store.set_counter(&a, 7, NOW_UNIX + 100).await,
        "set_counter",
    );
    ok(store.incr_counter(&b, 100, NOW_UNIX).await, "incr_counter");
    assert_eq!(
        ok(store.get_counter(&a, NOW_UNIX).await, "get_counter"),
        Some((7, NOW_UNIX + 100))
    );
    ok(store.set_counter(&a, 1, NOW_UNIX + 5).await, "set_counter");
    assert_eq!(
        ok(store.get_counter(&a, NOW_UNIX).await, "get_counter"),
        Some((1, NOW_UNIX + 5))
    );
    let missing = format!("{prefix}:missing");
    ok(
        store
            .delete_counters(&[a.as_str(), b.as_str(), missing.as_str()])
            .await,
        "delete_counters",
    );
    assert_eq!(
        ok(store.get_counter(&a, NOW_UNIX).await, "get_counter"),
        None
    );
    assert_eq!(
        ok(store.get_counter(&b, NOW_UNIX).await, "get_counter"),
        None
    );
}

/// Counters: concurrent increments lose nothing.
pub async fn counter_concurrent_incr(store: Arc<dyn Store>, prefix: &str) {
    let key = format!("{prefix}:c");
    let mut tasks = Vec::new();
    for _ in 0..40 {
        let store = Arc::clone(&store);
        let key = key.clone();
        tasks.push(tokio::spawn(async move {
            store.incr_counter(&key, 600, NOW_UNIX).await.unwrap().0
        }));
    }
    let mut seen = HashSet::new();
    for t in tasks {
        seen.insert(t.await.expect("incr task panicked"));
    }
    assert_eq!(seen.len(), 40, "every increment got its own value");
    assert_eq!(
        ok(store.get_counter(&key, NOW_UNIX).await, "get_counter").map(|c| c.0),
        Some(40)
    );
}

/// Counters: a release gives one back, never below zero, and never revives an expired or
/// absent counter.
pub async fn counter_release(store: Arc<dyn Store>, prefix: &str) {
    let key = format!("{prefix}:r");
    ok(
        store.release_counter(&key, NOW_UNIX).await,
        "release absent",
    );
    assert_eq!(
        ok(store.get_counter(&key, NOW_UNIX).await, "get_counter"),
        None
    );
    ok(store.incr_counter(&key, 60, NOW_UNIX).await, "incr");
    ok(store.incr_counter(&key, 60, NOW_UNIX).await, "incr");
    ok(store.release_counter(&key, NOW_UNIX + 1).await, "release");
    assert_eq!(
        ok(store.get_counter(&key, NOW_UNIX + 1).await, "get_counter"),
        Some((1, NOW_UNIX + 60)),
        "one given back, expiry kept"
    );
    ok(store.release_counter(&key, NOW_UNIX + 1).await, "release");
    ok(store.release_counter(&key, NOW_UNIX + 1).await, "release");
    assert_eq!(
        ok(store.get_counter(&key, NOW_UNIX + 1).await, "get_counter").map(|c| c.0),
        Some(0),
        "never below zero"
    );
    ok(
        store.release_counter(&key, NOW_UNIX + 60).await,
        "release expired",
    );
    assert_eq!(
        ok(store.incr_counter(&key, 30, NOW_UNIX + 61).await, "incr"),
        (1, NOW_UNIX + 91),
        "an expired counter restarts"
    );
}

/// `n` concurrent failed attempts, attempt `i` on `(account, address)` = `target(i)`; how many
/// were evaluated (reserved) rather than refused.
async fn failed_burst(
    store: &Arc<dyn Store>,
    rules: crate::policy::ThrottleRules,
    n: usize,
    target: impl Fn(usize) -> (String, Option<String>),
) -> usize {
    use crate::policy::Throttle;
    let mut tasks = Vec::new();
    for i in 0..n {
        let store = Arc::clone(store);
        let (account, address) = target(i);
        tasks.push(tokio::spawn(async move {
            let throttle = Throttle::new(store.as_ref(), rules);
            let reserved = throttle
                .reserve(&account, address.as_deref(), NOW_UNIX)
                .await
                .unwrap();
            match reserved {
                Ok(slot) => {
                    throttle.failed(slot, NOW_UNIX).await.unwrap();
                    true
                }
                Err(_) => false,
            }
        }));
    }
    let mut evaluated = 0;
    for t in tasks {
        if t.await.expect("reservation task panicked") {
            evaluated += 1;
        }
    }
    evaluated
}

/// Brute-force protection on this backend: a burst of concurrent attempts reserves at most
/// the configured number of places per account and per address, whatever the interleaving,
/// and successes give their address place back.
pub async fn throttle_concurrent_reservations(store: Arc<dyn Store>, prefix: &str) {
    use crate::policy::{Throttle, ThrottleRules};
    let rules = ThrottleRules {
        max_failures: 10,
        rate_limit_failures: 25,
        ..ThrottleRules::default()
    };
    // 60 on one account, half of them from one address.
    let account = format!("{prefix}:acct");
    let evaluated = failed_burst(&store, rules, 60, |i| {
        (
            account.clone(),
            (i % 2 == 0).then(|| format!("{prefix}:addr")),
        )
    })
    .await;
    assert_eq!(evaluated, 10, "exactly max_failures guesses were evaluated");
    let throttle = Throttle::new(store.as_ref(), rules);
    assert!(
        ok(
            throttle.locked_for(&account, NOW_UNIX + 1).await,
            "locked_for"
        )
        .is_some(),
        "the burst locked the account"
    );

    // The address limit: 40 concurrent attempts on 40 accounts from one address.
    let evaluated = failed_burst(&store, rules, 40, |i| {
        (format!("{prefix}:a{i}"), Some(format!("{prefix}:addr2")))
    })
    .await;
    assert_eq!(
        evaluated, 25,
        "exactly rate_limit_failures guesses from the address"
    );

    // Successes do not use up an address's allowance.
    let address = format!("{prefix}:addr3");
    for i in 0..30 {
        let slot = ok(
            throttle
                .reserve(&format!("{prefix}:s{i}"), Some(&address), NOW_UNIX)
                .await,
            "reserve",
        )
        .expect("successes never reach the limit");
        ok(throttle.succeeded(slot, NOW_UNIX).await, "succeeded");
    }
}
