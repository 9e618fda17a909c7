//! SQLite-specific behaviour the backend-neutral conformance suite cannot reach: columns the
//! traits have no setter for (`fs_token_uniquifier`, second-factor fields), the stored formats,
//! the schema, and opening files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use portcullis_core::{NewUser, RoleStore, StoreError, UserStore};
use portcullis_sqlx::SqliteStore;
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-01-02 03:04:05.123456 UTC);

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

/// A path in the temp directory; the database files there are removed on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(tag: &str) -> Self {
        Self(std::env::temp_dir().join(format!(
            "portcullis-sqlite-test-{tag}-{}-{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        )))
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

async fn exec(store: &SqliteStore, sql: &'static str, id: i64) {
    sqlx::query(sql)
        .bind(id)
        .execute(store.pool())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_uniquifier_rotates_with_the_uniquifier() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let user = store.create_user(new_user("tok")).await.unwrap();
    assert_eq!(user.fs_token_uniquifier, None);
    exec(
        &store,
        "UPDATE user SET fs_token_uniquifier = 'tok-token' WHERE id = ?1",
        user.id,
    )
    .await;

    let found = store.user_by_token_uniquifier("tok-token").await.unwrap();
    assert_eq!(found.map(|u| u.id), Some(user.id));
    assert!(
        store
            .user_by_token_uniquifier("uq-tok")
            .await
            .unwrap()
            .is_none(),
        "with a token uniquifier set, fs_uniquifier no longer authenticates tokens"
    );

    // Password change without rotation keeps tokens alive.
    store
        .set_password(user.id, Some("$new"), None, T0)
        .await
        .unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.fs_token_uniquifier.as_deref(), Some("tok-token"));

    // Rotation moves both.
    store
        .set_password(user.id, Some("$newer"), Some("uq-tok2"), T0)
        .await
        .unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.fs_uniquifier, "uq-tok2");
    assert_eq!(read.fs_token_uniquifier.as_deref(), Some("uq-tok2t"));
    assert!(
        store
            .user_by_token_uniquifier("tok-token")
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .user_by_token_uniquifier("uq-tok2t")
            .await
            .unwrap()
            .map(|u| u.id),
        Some(user.id)
    );

    store.set_uniquifier(user.id, "uq-tok3", T0).await.unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.fs_uniquifier, "uq-tok3");
    assert_eq!(read.fs_token_uniquifier.as_deref(), Some("uq-tok3t"));
    assert_eq!(read.token_uniquifier(), "uq-tok3t");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_to_a_taken_uniquifier_is_a_conflict() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let a = store.create_user(new_user("a")).await.unwrap();
    let b = store.create_user(new_user("b")).await.unwrap();
    assert!(matches!(
        store
            .set_password(a.id, Some("$x"), Some(&b.fs_uniquifier), T0)
            .await,
        Err(StoreError::Conflict("fs_uniquifier"))
    ));
    assert!(matches!(
        store.set_uniquifier(a.id, &b.fs_uniquifier, T0).await,
        Err(StoreError::Conflict("fs_uniquifier"))
    ));
    let read = store.user_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(read, a, "a failed rotation changes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_mfa_clears_second_factor_columns() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let user = store.create_user(new_user("mfa")).await.unwrap();
    exec(
        &store,
        "UPDATE user SET tf_primary_method = 'authenticator', tf_totp_secret = '{}', \
         tf_phone_number = '+15550001', us_totp_secrets = '{\"email\":\"x\"}', \
         us_phone_number = '+15550002', mf_recovery_codes = 'a,b,c', \
         fs_webauthn_user_handle = 'handle' WHERE id = ?1",
        user.id,
    )
    .await;
    let before = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(before.tf_primary_method.as_deref(), Some("authenticator"));
    assert_eq!(before.mf_recovery_codes.as_deref(), Some("a,b,c"));

    let later = T0 + time::Duration::hours(1);
    store.clear_mfa(user.id, later).await.unwrap();
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.tf_primary_method, None);
    assert_eq!(read.tf_totp_secret, None);
    assert_eq!(read.tf_phone_number, None);
    assert_eq!(read.us_totp_secrets, None);
    assert_eq!(read.us_phone_number, None);
    assert_eq!(read.mf_recovery_codes, None);
    assert_eq!(
        read.fs_webauthn_user_handle.as_deref(),
        Some("handle"),
        "the WebAuthn user handle is an identity, not a secret: kept"
    );
    assert_eq!(read.update_datetime, later);
    assert_eq!(read.password, before.password);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_formats_match_sqlalchemy() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let user = store
        .create_user(NewUser {
            confirmed_at: Some(datetime!(2026-01-01 00:00:00 UTC)),
            ..new_user("fmt")
        })
        .await
        .unwrap();
    let row: (String, String, String, i64) = sqlx::query_as(
        "SELECT create_datetime, update_datetime, confirmed_at, active FROM user WHERE id = ?1",
    )
    .bind(user.id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        row,
        (
            "2026-01-02 03:04:05.123456".to_owned(),
            "2026-01-02 03:04:05.123456".to_owned(),
            "2026-01-01 00:00:00.000000".to_owned(),
            1
        )
    );

    // Rows written by other tools: no fraction, a `T`, a NULL/empty permission list.
    exec(
        &store,
        "UPDATE user SET confirmed_at = '2026-05-06 07:08:09', \
         last_login_at = '2026-05-06T07:08:09.5' WHERE id = ?1",
        user.id,
    )
    .await;
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.confirmed_at, Some(datetime!(2026-05-06 07:08:09 UTC)));
    assert_eq!(
        read.last_login_at,
        Some(datetime!(2026-05-06 07:08:09.5 UTC))
    );

    let role = store.create_role("empty", None, &[], T0).await.unwrap();
    let stored: Option<String> = sqlx::query_scalar("SELECT permissions FROM role WHERE id = ?1")
        .bind(role.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(stored, None, "[] is stored as NULL");
    exec(
        &store,
        "UPDATE role SET permissions = '' WHERE id = ?1",
        role.id,
    )
    .await;
    assert!(
        store
            .role_by_name("empty")
            .await
            .unwrap()
            .unwrap()
            .permissions
            .is_empty(),
        "'' reads as []"
    );

    // A permission with a comma cannot round-trip through AsaList: refused, nothing stored.
    assert!(matches!(
        store
            .create_role("bad", None, &["a,b".to_owned()], T0)
            .await,
        Err(StoreError::Backend(_))
    ));
    assert!(store.role_by_name("bad").await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_rows_are_backend_errors() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let user = store.create_user(new_user("bad")).await.unwrap();
    exec(
        &store,
        "UPDATE user SET confirmed_at = 'not a time' WHERE id = ?1",
        user.id,
    )
    .await;
    assert!(matches!(
        store.user_by_id(user.id).await,
        Err(StoreError::Backend(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_duplicates_left_by_flask_security_are_tolerated() {
    // Flask-Security lower-cases only the domain, so a database it wrote may hold addresses
    // differing in case. They keep working: exact match first, else the oldest.
    let store = SqliteStore::connect_temporary().await.unwrap();
    let first = store.create_user(new_user("Ann")).await.unwrap();
    exec(
        &store,
        "INSERT INTO user (email, active, fs_uniquifier, create_datetime, update_datetime) \
         SELECT lower(email), 1, 'uq-ann-lower', create_datetime, update_datetime \
         FROM user WHERE id = ?1",
        first.id,
    )
    .await;
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn existing_not_null_token_uniquifier_column_is_filled() {
    // An application that added `fs_token_uniquifier` as Flask-Security documents it
    // (NOT NULL, unique): new users need a value.
    let path = TempPath::new("tokcol");
    {
        use sqlx::{Connection, SqliteConnection};
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path.0)
            .create_if_missing(true);
        let mut conn = SqliteConnection::connect_with(&opts).await.unwrap();
        sqlx::raw_sql(
            "CREATE TABLE user (id INTEGER NOT NULL, email VARCHAR(255) NOT NULL, \
             username VARCHAR(255), password VARCHAR(255), active BOOLEAN NOT NULL, \
             fs_uniquifier VARCHAR(64) NOT NULL, fs_token_uniquifier VARCHAR(64) NOT NULL, \
             confirmed_at DATETIME, last_login_at DATETIME, current_login_at DATETIME, \
             last_login_ip VARCHAR(64), current_login_ip VARCHAR(64), login_count INTEGER, \
             tf_primary_method VARCHAR(64), tf_totp_secret VARCHAR(255), \
             tf_phone_number VARCHAR(128), us_totp_secrets TEXT, us_phone_number VARCHAR(128), \
             fs_webauthn_user_handle VARCHAR(64), mf_recovery_codes TEXT, \
             create_datetime DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL, \
             update_datetime DATETIME DEFAULT CURRENT_TIMESTAMP NOT NULL, \
             PRIMARY KEY (id), UNIQUE (email), UNIQUE (username), UNIQUE (fs_uniquifier), \
             UNIQUE (fs_token_uniquifier))",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
    }
    let store = SqliteStore::connect(&path.url()).await.unwrap();
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
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM portcullis_migrations")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(
        applied,
        vec![1, 2, 3, 4, 5],
        "migration 2 recorded though skipped"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_schema_matches_flask_security() {
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/flask-security.db");
    assert!(vectors.exists(), "{} is missing", vectors.display());
    let fs_url = format!("sqlite://{}?mode=ro", vectors.display());
    let fs = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect(&fs_url)
        .await
        .unwrap();
    let store = SqliteStore::connect_temporary().await.unwrap();

    for name in [
        "role",
        "roles_users",
        "web_authn",
        "ix_web_authn_credential_id",
    ] {
        let sql = "SELECT sql FROM sqlite_master WHERE name = ?1";
        let theirs: String = sqlx::query_scalar(sql)
            .bind(name)
            .fetch_one(&fs)
            .await
            .unwrap();
        let ours: String = sqlx::query_scalar(sql)
            .bind(name)
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert_eq!(
            ours, theirs,
            "{name} is created exactly as Flask-Security does"
        );
    }
    // `user` also gets fs_token_uniquifier (ALTER TABLE rewrites the stored text), so compare
    // columns and unique constraints.
    // (Our additive columns aside: fs_token_uniquifier and the identity keys.)
    let columns = "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('user') \
                   WHERE name <> 'fs_token_uniquifier' AND name NOT LIKE 'portcullis_%' \
                   ORDER BY cid";
    let theirs: Vec<(String, String, i64, Option<String>, i64)> =
        sqlx::query_as(columns).fetch_all(&fs).await.unwrap();
    let ours: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(columns)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(ours, theirs);
    let uniques = "SELECT group_concat(ii.name) FROM pragma_index_list('user') AS il \
                   JOIN pragma_index_info(il.name) AS ii \
                   WHERE il.\"unique\" = 1 AND il.origin = 'u' GROUP BY il.name ORDER BY 1";
    let theirs: Vec<String> = sqlx::query_scalar(uniques).fetch_all(&fs).await.unwrap();
    let ours: Vec<String> = sqlx::query_scalar(uniques)
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(ours, theirs);
    fs.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_creates_the_file_and_migrates_once() {
    let path = TempPath::new("create");
    assert!(!path.0.exists());
    let store = SqliteStore::connect(&path.url()).await.unwrap();
    assert!(path.0.exists(), "the database file is created");
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let user = store.create_user(new_user("keep")).await.unwrap();
    let first: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, applied_at FROM portcullis_migrations ORDER BY version")
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert_eq!(first.len(), 5);
    assert!(format!("{store:?}").contains("SqliteStore"));
    store.close().await;
    drop(store);

    // Plain path form, opened twice at once.
    let location = path.0.display().to_string();
    let (a, b) = tokio::join!(
        SqliteStore::connect(&location),
        SqliteStore::connect(&location)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let again: Vec<(i64, String)> =
        sqlx::query_as("SELECT version, applied_at FROM portcullis_migrations ORDER BY version")
            .fetch_all(a.pool())
            .await
            .unwrap();
    assert_eq!(again, first, "no migration runs twice");
    assert_eq!(b.user_by_id(user.id).await.unwrap(), Some(user));
    a.close().await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_database_is_unavailable() {
    let err = SqliteStore::connect("sqlite:///nonexistent-dir-portcullis/sub/app.db")
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Unavailable(_)),
        "expected Unavailable, got {err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_database_is_removed_on_drop() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(Path::new(&file).exists());
    let clone = store.clone();
    drop(store);
    assert!(Path::new(&file).exists(), "a clone keeps it alive");
    clone.close().await;
    drop(clone);
    assert!(!Path::new(&file).exists(), "removed with the last clone");
}

/// Flask-Security stores a used-up recovery code list as `''` (`",".join([])`), portcullis as
/// NULL: both read as no codes, and a compare-and-set expecting none matches both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_codes_emptied_by_flask_security() {
    let store = SqliteStore::connect_temporary().await.unwrap();
    let user = store.create_user(new_user("rc-empty")).await.unwrap();
    exec(
        &store,
        "UPDATE user SET mf_recovery_codes = '' WHERE id = ?1",
        user.id,
    )
    .await;
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.mf_recovery_codes.as_deref(), Some(""));
    assert!(read.recovery_codes().is_empty());
    let codes = vec!["aaaa-bbbb-cccc".to_owned()];
    let stale = store
        .set_recovery_codes(user.id, Some(&codes), &[], T0)
        .await
        .unwrap();
    assert!(!stale, "'' is not a list of codes");
    let replaced = store
        .set_recovery_codes(user.id, Some(&[]), &codes, T0)
        .await
        .unwrap();
    assert!(replaced, "'' is the empty list");
    let read = store.user_by_id(user.id).await.unwrap().unwrap();
    assert_eq!(read.mf_recovery_codes.as_deref(), Some("aaaa-bbbb-cccc"));

    // Codes that could not be read back are refused, and nothing changes.
    for bad in [vec!["a,b".to_owned()], vec![String::new()]] {
        let err = store
            .set_recovery_codes(user.id, None, &bad, T0)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    }
    assert_eq!(
        store
            .user_by_id(user.id)
            .await
            .unwrap()
            .unwrap()
            .recovery_codes(),
        codes
    );
}
