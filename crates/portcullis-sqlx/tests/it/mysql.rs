//! MySQL/MariaDB-specific behaviour the backend-neutral conformance suite cannot reach: a
//! database made by Flask-Security (plain `DATETIME`), migrations run once by instances starting
//! together, case-sensitive collations, long counter keys, the token uniquifier column.
//!
//! Each test makes its own database on the server `PORTCULLIS_TEST_MYSQL_URL` names (e.g.
//! `mysql://root@127.0.0.1:3306/test`) and drops it; without the variable the tests say so and
//! pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use portcullis_core::{CounterStore, NewUser, RoleStore, StoreError, UserStore};
use portcullis_sqlx::{MySqlStore, TemporaryDatabase};
use sqlx::{Connection, MySqlConnection};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-01-02 03:04:05.123456 UTC);

/// The tables exactly as SQLAlchemy creates them for Flask-Security's fsqla_v3 models on
/// MySQL/MariaDB (no `fs_token_uniquifier`, whole-second `DATETIME`).
const FLASK_SECURITY_SCHEMA: &str =
    include_str!("../../../../testdata/flask-security-fsqla_v3.mysql.sql");

fn server() -> Option<String> {
    let url = std::env::var("PORTCULLIS_TEST_MYSQL_URL").ok();
    if url.is_none() {
        eprintln!("SKIPPED: PORTCULLIS_TEST_MYSQL_URL is not set");
    }
    url
}

fn new_user(tag: &str) -> NewUser {
    NewUser {
        email: format!("{tag}@example.com"),
        username: None,
        password: Some(format!("$hash-{tag}")),
        active: true,
        confirmed_at: None,
        fs_uniquifier: format!("uq-{tag}"),
        now: T0,
    }
}

/// Run statements on a database directly (not through a store).
async fn exec(url: &str, sql: &str) {
    let mut conn = MySqlConnection::connect(url).await.unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

async fn show_create(store: &MySqlStore, table: &str) -> String {
    let row: (String, String) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!("SHOW CREATE TABLE `{table}`")))
            .fetch_one(store.pool())
            .await
            .unwrap();
    row.1
}

async fn migrations(store: &MySqlStore) -> Vec<(i64, time::PrimitiveDateTime)> {
    sqlx::query_as("SELECT version, applied_at FROM portcullis_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flask_security_database_opens_additively() {
    let Some(admin) = server() else { return };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    exec(db.url(), FLASK_SECURITY_SCHEMA).await;
    exec(
        db.url(),
        "INSERT INTO `role` (name, permissions) VALUES ('admin', 'read,write');
         INSERT INTO user (email, username, password, active, fs_uniquifier, confirmed_at,
             create_datetime, update_datetime)
         VALUES ('Ann@example.com', 'ann', '$pbkdf2-sha512$x', 1, 'fsq-ann',
             '2026-01-01 10:11:12', '2026-01-01 10:00:00', '2026-01-01 10:00:00');
         INSERT INTO roles_users VALUES (1, 1);",
    )
    .await;

    // Two instances starting together: each migration runs once.
    let (a, b) = tokio::join!(MySqlStore::connect(db.url()), MySqlStore::connect(db.url()));
    let (a, b) = (a.unwrap(), b.unwrap());
    let applied = migrations(&a).await;
    assert_eq!(
        applied.iter().map(|m| m.0).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );

    // Flask-Security's tables are left as they were (bar the additive column and index).
    assert!(
        show_create(&a, "role")
            .await
            .contains("`update_datetime` datetime NOT NULL")
    );
    let user_table = show_create(&a, "user").await;
    assert!(
        user_table.contains("`create_datetime` datetime NOT NULL"),
        "{user_table}"
    );
    assert!(
        user_table.contains("`fs_token_uniquifier` varchar(64)"),
        "{user_table}"
    );
    assert!(
        user_table.contains("ix_user_fs_token_uniquifier"),
        "{user_table}"
    );

    // Its rows read back; whole-second times stay whole seconds.
    let ann = b.user_by_email("ann@EXAMPLE.com").await.unwrap().unwrap();
    assert_eq!(ann.fs_uniquifier, "fsq-ann");
    assert_eq!(ann.confirmed_at, Some(datetime!(2026-01-01 10:11:12 UTC)));
    assert_eq!(ann.create_datetime, datetime!(2026-01-01 10:00:00 UTC));
    assert_eq!(ann.fs_token_uniquifier, None);
    assert_eq!(
        b.user_by_username("ANN").await.unwrap().map(|u| u.id),
        Some(ann.id)
    );
    let roles = b.roles_of_user(ann.id).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].permissions, vec!["read", "write"]);

    // Writes work; the plain DATETIME columns keep seconds only.
    let bob = a.create_user(new_user("bob")).await.unwrap();
    assert_eq!(bob.create_datetime.unix_timestamp(), T0.unix_timestamp());
    a.record_login(ann.id, T0, Some("10.0.0.1")).await.unwrap();
    let ann = a.user_by_id(ann.id).await.unwrap().unwrap();
    assert_eq!(ann.login_count, Some(1));
    assert!(matches!(
        a.create_user(NewUser {
            email: "ANN@example.com".into(),
            ..new_user("ann2")
        })
        .await,
        Err(StoreError::Conflict("email"))
    ));
    a.close().await;
    b.close().await;

    // Opening again applies nothing.
    let c = MySqlStore::connect(db.url()).await.unwrap();
    assert_eq!(migrations(&c).await, applied);
    c.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_schema_keeps_microseconds() {
    let Some(admin) = server() else { return };
    let store = MySqlStore::connect_temporary(&admin).await.unwrap();
    let user_table = show_create(&store, "user").await;
    assert!(
        user_table.contains("`create_datetime` datetime(6) NOT NULL DEFAULT current_timestamp(6)"),
        "{user_table}"
    );
    assert!(user_table.contains("CHARSET=utf8mb4"), "{user_table}");
    let user = store.create_user(new_user("micro")).await.unwrap();
    assert_eq!(user.create_datetime, T0);
    // Defaults are UTC, as the times the store writes.
    sqlx::query("INSERT INTO `role` (name) VALUES ('defaulted')")
        .execute(store.pool())
        .await
        .unwrap();
    let stamped: time::PrimitiveDateTime =
        sqlx::query_scalar("SELECT update_datetime FROM `role` WHERE name = 'defaulted'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    let drift = (stamped.assume_utc() - OffsetDateTime::now_utc()).abs();
    assert!(
        drift < time::Duration::minutes(5),
        "default {stamped} is not UTC now"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_not_null_token_uniquifier_column_is_filled() {
    // An application that added `fs_token_uniquifier` as Flask-Security documents it
    // (NOT NULL, unique): new users need a value.
    let Some(admin) = server() else { return };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    exec(db.url(), FLASK_SECURITY_SCHEMA).await;
    exec(
        db.url(),
        "ALTER TABLE user ADD COLUMN fs_token_uniquifier VARCHAR(64) NOT NULL, \
         ADD UNIQUE (fs_token_uniquifier)",
    )
    .await;
    // Through `connect`, with the mariadb:// scheme.
    let url = db.url().replacen("mysql://", "mariadb://", 1);
    let store = portcullis_sqlx::connect(&url, portcullis_sqlx::PoolSettings::default())
        .await
        .unwrap();
    let user = store.create_user(new_user("tc")).await.unwrap();
    assert_eq!(user.fs_token_uniquifier.as_deref(), Some("uq-tct"));
    assert_eq!(
        store
            .user_by_token_uniquifier("uq-tct")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id)
    );
    assert!(
        store
            .user_by_token_uniquifier("uq-tc")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_uniquifier_rotates_with_the_uniquifier() {
    let Some(admin) = server() else { return };
    let store = MySqlStore::connect_temporary(&admin).await.unwrap();
    let user = store.create_user(new_user("tok")).await.unwrap();
    sqlx::query("UPDATE `user` SET fs_token_uniquifier = 'tok-token' WHERE id = ?")
        .bind(user.id)
        .execute(store.pool())
        .await
        .unwrap();
    let found = store.user_by_token_uniquifier("tok-token").await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id));
    assert!(
        store
            .user_by_token_uniquifier("TOK-TOKEN")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .user_by_token_uniquifier("uq-tok")
            .await
            .unwrap()
            .is_none(),
        "with a token uniquifier set, fs_uniquifier no longer authenticates tokens"
    );
    store
        .set_password(user.id, Some("$newer"), Some("uq-tok2"), T0)
        .await
        .unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.fs_uniquifier, "uq-tok2");
    assert_eq!(read.fs_token_uniquifier.as_deref(), Some("uq-tok2t"));
    store.set_uniquifier(user.id, "uq-tok3", T0).await.unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.fs_token_uniquifier.as_deref(), Some("uq-tok3t"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_sensitive_collation_still_ignores_case() {
    // A database whose `user` table compares emails exactly (utf8mb4_bin): lookups and the
    // duplicate check ignore case all the same, and case duplicates left behind keep working
    // (exact spelling first, else the oldest).
    let Some(admin) = server() else { return };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    exec(db.url(), FLASK_SECURITY_SCHEMA).await;
    exec(
        db.url(),
        "ALTER TABLE user MODIFY email VARCHAR(255) COLLATE utf8mb4_bin NOT NULL, \
         MODIFY username VARCHAR(255) COLLATE utf8mb4_bin",
    )
    .await;
    let store = MySqlStore::connect(db.url()).await.unwrap();
    let first = store.create_user(new_user("Ann")).await.unwrap();
    assert!(matches!(
        store.create_user(new_user("ann")).await,
        Err(StoreError::Conflict("email"))
    ));
    sqlx::query(
        "INSERT INTO `user` (email, active, fs_uniquifier, create_datetime, update_datetime) \
         SELECT lower(email), 1, 'uq-ann-lower', create_datetime, update_datetime \
         FROM `user` WHERE id = ?",
    )
    .bind(first.id)
    .execute(store.pool())
    .await
    .unwrap();
    let lower = store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lower.fs_uniquifier, "uq-ann-lower");
    let exact = store
        .user_by_email("Ann@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exact.id, first.id);
    let other = store
        .user_by_email("ANN@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(other.id, first.id, "no exact match: the oldest");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_comparisons_despite_the_collation() {
    let Some(admin) = server() else { return };
    let store = MySqlStore::connect_temporary(&admin).await.unwrap();
    let user = store.create_user(new_user("exact")).await.unwrap();
    // Trailing spaces and case count for uniquifiers and role names.
    assert!(
        store
            .user_by_uniquifier("uq-exact ")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .user_by_uniquifier("UQ-EXACT")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .user_by_uniquifier("uq-exact")
            .await
            .unwrap()
            .is_some()
    );
    store.create_role("Admin", None, &[], T0).await.unwrap();
    assert!(store.role_by_name("admin").await.unwrap().is_none());
    assert!(store.role_by_name("Admin ").await.unwrap().is_none());
    assert!(store.role_by_name("Admin").await.unwrap().is_some());
    // A password hash is replaced only if it is the very same.
    let upper = user.password.clone().unwrap().to_uppercase();
    assert!(
        !store
            .upgrade_password(user.id, &upper, "$new", T0)
            .await
            .unwrap()
    );
    // Roles sort by code point, as in the other dialects.
    store.create_role("beta", None, &[], T0).await.unwrap();
    store.create_role("Zed", None, &[], T0).await.unwrap();
    let names: Vec<String> = store
        .list_roles()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["Admin", "Zed", "beta"]);
    // A username with the word "email" in it is still reported as the username.
    let named = NewUser {
        username: Some("email_fan".into()),
        ..new_user("fan")
    };
    store.create_user(named.clone()).await.unwrap();
    assert!(matches!(
        store
            .create_user(NewUser {
                email: "fan2@example.com".into(),
                fs_uniquifier: "uq-fan2".into(),
                ..named
            })
            .await,
        Err(StoreError::Conflict("username"))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_counter_keys_work() {
    let Some(admin) = server() else { return };
    let store = MySqlStore::connect_temporary(&admin).await.unwrap();
    let now = T0.unix_timestamp();
    let long = format!("lockout:fail:identity:{}@example.com", "a".repeat(300));
    let longer = format!("{long}x");
    assert_eq!(
        store.incr_counter(&long, 60, now).await.unwrap(),
        (1, now + 60)
    );
    assert_eq!(
        store.incr_counter(&long, 60, now).await.unwrap(),
        (2, now + 60)
    );
    assert_eq!(
        store.incr_counter(&longer, 60, now).await.unwrap(),
        (1, now + 60)
    );
    assert_eq!(
        store.get_counter(&long, now).await.unwrap(),
        Some((2, now + 60))
    );
    store.set_counter(&long, 9, now + 5).await.unwrap();
    assert_eq!(
        store.get_counter(&long, now).await.unwrap(),
        Some((9, now + 5))
    );
    store.delete_counters(&[&long]).await.unwrap();
    assert_eq!(store.get_counter(&long, now).await.unwrap(), None);
    assert_eq!(
        store.get_counter(&longer, now).await.unwrap(),
        Some((1, now + 60))
    );
    // Keys differing in case or trailing spaces are different counters.
    store.set_counter("k:Ann", 1, now + 5).await.unwrap();
    assert_eq!(store.get_counter("k:ann", now).await.unwrap(), None);
    store.delete_counters(&[]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_is_unavailable() {
    let Some(_) = server() else { return };
    let err = MySqlStore::connect_with(
        "mysql://nobody:secret@127.0.0.1:1/none",
        portcullis_sqlx::PoolSettings {
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_secs(2),
        },
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, StoreError::Unavailable(_)),
        "expected Unavailable, got {err:?}"
    );
    assert!(!format!("{err}").contains("secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_database_is_dropped_with_the_last_clone() {
    let Some(admin) = server() else { return };
    let store = MySqlStore::connect_temporary(&admin).await.unwrap();
    let name: String = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(format!("{store:?}").contains("MySqlStore"));
    let exists = |name: String| {
        let admin = admin.clone();
        async move {
            let mut conn = MySqlConnection::connect(&admin).await.unwrap();
            let n: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?",
            )
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .unwrap();
            n > 0
        }
    };
    let clone = store.clone();
    drop(store);
    assert!(exists(name.clone()).await, "a clone keeps it alive");
    clone.close().await;
    drop(clone);
    assert!(!exists(name).await, "dropped with the last clone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_counters_on_neighbouring_keys() {
    // Upserts of new keys next to each other take gap locks: none may fail or be lost.
    let Some(admin) = server() else { return };
    let store = std::sync::Arc::new(MySqlStore::connect_temporary(&admin).await.unwrap());
    let now = T0.unix_timestamp();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        for k in 0..8 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let (value, _) = store
                    .incr_counter(&format!("n:{k}"), 600, now)
                    .await
                    .unwrap();
                (k, value)
            }));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for t in tasks {
        assert!(
            seen.insert(t.await.unwrap()),
            "every increment gets its own value"
        );
    }
    for k in 0..8 {
        assert_eq!(
            store.get_counter(&format!("n:{k}"), now).await.unwrap(),
            Some((20, now + 600))
        );
    }
}

/// Flask-Security stores a used-up recovery code list as `''`, portcullis as NULL: both read as
/// no codes and match a compare-and-set expecting none. The comparison is exact although the
/// table's collation ignores case (and trailing spaces, with PAD SPACE collations).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_compare_exactly() {
    let Some(admin) = server() else { return };
    let store = MySqlStore::connect_temporary(&admin).await.unwrap();
    let user = store.create_user(new_user("rc")).await.unwrap();
    sqlx::query("UPDATE `user` SET mf_recovery_codes = '' WHERE id = ?")
        .bind(user.id)
        .execute(store.pool())
        .await
        .unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert!(read.recovery_codes().is_empty());
    let codes = vec!["AbCd-1".to_owned(), "eFgH-2".to_owned()];
    assert!(
        store
            .set_recovery_codes(user.id, Some(&[]), &codes, T0)
            .await
            .unwrap(),
        "'' is the empty list"
    );
    for stale in [
        vec!["abcd-1".to_owned(), "efgh-2".to_owned()],
        vec!["AbCd-1".to_owned(), "eFgH-2 ".to_owned()],
    ] {
        assert!(
            !store
                .set_recovery_codes(user.id, Some(&stale), &[], T0)
                .await
                .unwrap(),
            "{stale:?} is not the stored list"
        );
    }
    assert!(
        store
            .set_recovery_codes(user.id, Some(&codes), &[], T0)
            .await
            .unwrap()
    );
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.mf_recovery_codes, None);
}
