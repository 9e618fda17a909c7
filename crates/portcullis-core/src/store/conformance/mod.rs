//! The datastore conformance suite: every backend must pass every check here.
//!
//! Each check is a `pub async fn` taking a fresh store and a short unique prefix (used in
//! emails, names and ids so that a failing check is easy to recognise in a database dump).
//! Checks that count rows (users, sessions) expect a store that nobody else writes to while
//! they run; [`crate::store_conformance_tests`] gives each check a store of its own.
//!
//! Times used here have microsecond precision at most, which is what SQL backends keep.
//!
//! ```text
//! // in a backend crate's tests (needs tokio with `macros` and `rt-multi-thread`):
//! portcullis_core::store_conformance_tests!(async {
//!     std::sync::Arc::new(MyStore::connect_for_tests().await.unwrap())
//!         as std::sync::Arc<dyn portcullis_core::Store>
//! });
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::Arc;

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::model::{NewUser, Role, SessionData, SessionRecord, User};
use crate::store::{Store, StoreError, StoreResult};

mod counters;
mod roles;
mod sessions;
mod users;
mod webauthn;

pub use counters::*;
pub use roles::*;
pub use sessions::*;
pub use users::*;
pub use webauthn::*;

/// Expands to one `#[tokio::test]` per conformance check. `$make` is an expression evaluating
/// to a future that yields a fresh `Arc<dyn Store>`; it is evaluated once per test. The calling
/// crate needs `tokio` (features `macros`, `rt-multi-thread`) among its dev-dependencies.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        $crate::store_conformance_tests!(@list (@tests $make));
    };
    // A backend on a shared service: each test reads the service's URL from `$env` and, when
    // it is not set, says so on stderr naming itself and returns (reported as skipped by name).
    // `$make` is a closure from the URL to a future yielding the store.
    (env $env:literal, $make:expr) => {
        $crate::store_conformance_tests!(@list (@each_env $env, $make));
    };
    (@list ($($head:tt)*)) => {
        // Split by trait: UserStore, RoleStore, SessionStore, CounterStore (modules of the
        // same names).
        $crate::store_conformance_tests!($($head)*;
            user_create_and_read,
            user_duplicate_email_conflict,
            user_identity_unicode_case_fold,
            user_update_change_set,
            user_duplicate_username_conflict,
            user_duplicate_uniquifier_conflict,
            user_concurrent_registration_conflict,
            user_lookups,
            user_token_uniquifier_fallback,
            user_set_password_keeps_uniquifier,
            user_set_password_rotates_uniquifier,
            user_upgrade_password_compare_and_set,
            user_set_uniquifier,
            user_rotate_to_taken_uniquifier_conflict,
            user_set_active_reports_change,
            user_confirmed_at_round_trip,
            user_set_email,
            user_set_username,
            user_set_email_concurrent,
            user_set_two_factor,
            user_list_pages,
            user_us_totp_secrets,
            user_recovery_codes,
            user_recovery_codes_concurrent,
            user_record_login_tracking,
            user_record_login_concurrent,
            user_clear_mfa,
            user_phone_identity,
            user_count,
            user_updates_unknown_id_not_found,
            role_create_and_read,
            role_duplicate_name_conflict,
            role_list_sorted,
            role_set_permissions,
            role_assignment,
            role_unknown_ids,
            session_create_and_load,
            session_duplicate_id,
            session_expiry,
            session_save,
            session_delete,
            session_delete_user_sessions,
            session_delete_expired,
            session_count,
            counter_incr_get_expire,
            counter_set_delete,
            counter_concurrent_incr,
            counter_release,
            throttle_concurrent_reservations,
            webauthn_add_and_read,
            webauthn_conflicts,
            webauthn_record_use,
            webauthn_rename_and_delete
        );
    };
    (@each_env $env:literal, $make:expr; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let Ok(url) = ::std::env::var($env) else {
                    eprintln!(
                        "SKIPPED {}::{}: {} is not set",
                        module_path!(),
                        stringify!($check),
                        $env
                    );
                    return;
                };
                let store: ::std::sync::Arc<dyn $crate::store::Store> = ($make)(url).await;
                $crate::store::conformance::$check(store, stringify!($check)).await;
            }
        )+
    };
    (@tests $make:expr; $($check:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let store: ::std::sync::Arc<dyn $crate::store::Store> = ($make).await;
                $crate::store::conformance::$check(store, stringify!($check)).await;
            }
        )+
    };
}

/// A fixed "now" with microsecond precision.
const T0: OffsetDateTime = datetime!(2026-01-02 03:04:05.123456 UTC);
/// `T0` as unix seconds.
const NOW_UNIX: i64 = 1_767_323_045;

fn ok<T>(result: StoreResult<T>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(err) => panic!("{what}: unexpected store error: {err:?}"),
    }
}

fn expect_conflict<T: Debug>(result: StoreResult<T>, field: &str, what: &str) {
    match result {
        Err(StoreError::Conflict(f)) if f == field => {}
        other => panic!("{what}: expected Err(Conflict({field:?})), got {other:?}"),
    }
}

fn expect_not_found<T: Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected Err(NotFound), got {other:?}"),
    }
}

fn new_user(prefix: &str, tag: &str) -> NewUser {
    NewUser {
        email: format!("{tag}-{prefix}@example.com"),
        username: None,
        password: Some(format!("$pbkdf2-sha512$25000$salt${tag}")),
        active: true,
        confirmed_at: None,
        fs_uniquifier: uniq(prefix, tag),
        now: T0,
    }
}

/// A lower-case uniquifier (so that its upper-case form is a different value).
fn uniq(prefix: &str, tag: &str) -> String {
    format!("uq-{tag}-{prefix}").to_lowercase()
}

async fn create(store: &Arc<dyn Store>, new: NewUser) -> User {
    let what = format!("create_user({})", new.email);
    ok(store.create_user(new).await, &what)
}

async fn reload(store: &Arc<dyn Store>, id: i64) -> User {
    match ok(store.user_by_id(id).await, "user_by_id") {
        Some(user) => user,
        None => panic!("user_by_id({id}) found nothing for a user that exists"),
    }
}

fn perms(list: &[&str]) -> Vec<String> {
    list.iter().map(|p| (*p).to_owned()).collect()
}

fn names(roles: &[Role]) -> Vec<&str> {
    roles.iter().map(|r| r.name.as_str()).collect()
}

fn session(prefix: &str, tag: &str, user: Option<&str>, expires_at: i64) -> SessionRecord {
    SessionRecord {
        id_hash: format!("{prefix}-{tag}-idhash"),
        user_uniquifier: user.map(str::to_owned),
        data: SessionData {
            fs_paa: Some(1_767_323_045.5),
            fs_gexp: Some(NOW_UNIX + 300),
            remember: true,
            tf: None,
            flashes: Vec::new(),
        },
        expires_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_unix_matches_t0() {
        assert_eq!(T0.unix_timestamp(), NOW_UNIX);
    }
}
