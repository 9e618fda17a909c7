//! A database made by Flask-Security-Too 5.9.2 (fsqla_v3 models) opens unchanged: migrations
//! only add, the original rows stay as they were, and every user reads back right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use portcullis_core::{RoleStore, UserStore};
use portcullis_sqlx::SqliteStore;
use sqlx::{AssertSqlSafe, Connection, SqliteConnection};
use time::macros::datetime;

const TABLES: &[&str] = &["user", "role", "roles_users", "web_authn"];

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

/// A copy of the vectors database in the temp directory, removed on drop.
struct DbCopy(PathBuf);

impl DbCopy {
    fn new(source: &Path, tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "portcullis-fsdb-{tag}-{}-{}.db",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos()
        ));
        // Read and write (not fs::copy): the source is read-only and its mode must not follow.
        std::fs::write(&path, std::fs::read(source).unwrap()).unwrap();
        Self(path)
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.0.display())
    }
}

impl Drop for DbCopy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.0.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

/// The vectors database (committed under `testdata/`, copied from shared/vectors).
fn source_db(_test: &str) -> Option<PathBuf> {
    let path = vectors_dir().join("flask-security.db");
    assert!(path.exists(), "{} is missing", path.display());
    Some(path)
}

/// Every row of `table`, each column rendered with SQLite's `quote()`, for the given columns.
async fn dump(conn: &mut SqliteConnection, table: &str, columns: &[String]) -> Vec<String> {
    let expr = columns
        .iter()
        .map(|c| format!("quote(\"{c}\")"))
        .collect::<Vec<_>>()
        .join(" || '|' || ");
    let sql = format!("SELECT {expr} FROM \"{table}\" ORDER BY rowid");
    sqlx::query_scalar(AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .unwrap()
}

async fn columns(conn: &mut SqliteConnection, table: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
        .bind(table)
        .fetch_all(conn)
        .await
        .unwrap()
}

async fn table_sql(conn: &mut SqliteConnection, name: &str) -> Option<String> {
    sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = ?1")
        .bind(name)
        .fetch_optional(conn)
        .await
        .unwrap()
}

async fn migrations(store: &SqliteStore) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT version, applied_at FROM portcullis_migrations ORDER BY version")
        .fetch_all(store.pool())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flask_security_database_opens_additively() {
    let Some(source) = source_db("flask_security_database_opens_additively") else {
        return;
    };
    let copy = DbCopy::new(&source, "additive");

    // Snapshot before portcullis touches it.
    let mut conn = SqliteConnection::connect(&copy.url()).await.unwrap();
    let mut before = Vec::new();
    for table in TABLES {
        let cols = columns(&mut conn, table).await;
        assert!(!cols.is_empty(), "the vectors database has table {table}");
        let sql = table_sql(&mut conn, table).await;
        let rows = dump(&mut conn, table, &cols).await;
        before.push((table, cols, sql, rows));
    }
    assert!(
        !columns(&mut conn, "user")
            .await
            .contains(&"fs_token_uniquifier".to_owned()),
        "the vectors database has no fs_token_uniquifier column"
    );
    conn.close().await.unwrap();

    let store = SqliteStore::connect(&copy.url()).await.unwrap();
    let applied = migrations(&store).await;
    assert_eq!(
        applied.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5],
        "every migration applied once"
    );

    let mut conn = store.pool().acquire().await.unwrap();
    for (table, cols, sql, rows) in &before {
        assert_eq!(
            &dump(&mut conn, table, cols).await,
            rows,
            "rows of {table} unchanged"
        );
        if **table != "user" {
            assert_eq!(
                &table_sql(&mut conn, table).await,
                sql,
                "definition of {table} unchanged"
            );
        }
    }
    let user_cols = columns(&mut conn, "user").await;
    let mut expected_cols = before[0].1.clone();
    for added in [
        "fs_token_uniquifier",
        "portcullis_email_key",
        "portcullis_username_key",
    ] {
        expected_cols.push(added.to_owned());
    }
    assert_eq!(
        user_cols, expected_cols,
        "user only gains fs_token_uniquifier and the identity keys"
    );
    for index in [
        "ix_user_fs_token_uniquifier",
        "ix_user_lower_email",
        "ix_user_lower_username",
        "ix_roles_users_user_id",
        "ix_portcullis_session_user_uniquifier",
        "ix_portcullis_session_expires_at",
        "portcullis_session",
        "ix_user_portcullis_email_key",
        "ix_user_portcullis_username_key",
    ] {
        assert!(
            table_sql(&mut conn, index).await.is_some(),
            "{index} was created"
        );
    }
    // Flask-Security's users got their identity keys when the store opened.
    let unkeyed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM user WHERE portcullis_email_key IS NULL")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(unkeyed, 0);
    drop(conn);

    // Re-opening applies nothing again.
    store.close().await;
    drop(store);
    let store = SqliteStore::connect(&copy.url()).await.unwrap();
    assert_eq!(
        migrations(&store).await,
        applied,
        "re-opening runs no migration twice"
    );
    assert_eq!(store.count_users().await.unwrap(), 5);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flask_security_users_read_back() {
    let Some(source) = source_db("flask_security_users_read_back") else {
        return;
    };
    let vectors: serde_json::Value = serde_json::from_slice(
        &std::fs::read(vectors_dir().join("flask-security-vectors.json")).unwrap(),
    )
    .unwrap();
    let users = vectors["database_users"].as_array().unwrap();
    assert_eq!(users.len(), 5);

    let copy = DbCopy::new(&source, "users");
    let store = SqliteStore::connect(&copy.url()).await.unwrap();
    assert_eq!(store.count_users().await.unwrap(), users.len() as u64);

    for expected in users {
        let email = expected["email"].as_str().unwrap();
        let user = store
            .user_by_email(&email.to_uppercase())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{email} is found"));
        assert_eq!(user.email, email);
        assert_eq!(user.username.as_deref(), expected["username"].as_str());
        assert_eq!(
            user.active,
            expected["active"].as_bool().unwrap(),
            "{email}"
        );
        assert_eq!(
            user.is_confirmed(),
            expected["confirmed"].as_bool().unwrap(),
            "{email}"
        );
        let uniquifier = expected["fs_uniquifier"].as_str().unwrap();
        assert_eq!(user.fs_uniquifier, uniquifier);
        assert_eq!(user.fs_token_uniquifier, None);
        assert!(user.password.as_deref().is_some_and(|p| p.starts_with('$')));
        assert_eq!(
            store.user_by_uniquifier(uniquifier).await.unwrap().as_ref(),
            Some(&user)
        );
        assert_eq!(
            store
                .user_by_token_uniquifier(uniquifier)
                .await
                .unwrap()
                .as_ref(),
            Some(&user)
        );
        if let Some(name) = expected["username"].as_str() {
            let by_name = store.user_by_username(&name.to_uppercase()).await.unwrap();
            assert_eq!(by_name.as_ref(), Some(&user));
        }
        let mut expected_roles: Vec<&str> = expected["roles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        expected_roles.sort_unstable();
        let roles = store.roles_of_user(user.id).await.unwrap();
        let role_names: Vec<&str> = roles.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(role_names, expected_roles, "roles of {email}");
        // Rows written by SQLAlchemy: create_datetime without a fraction.
        assert_eq!(
            user.create_datetime.date(),
            datetime!(2026-11-28 0:00 UTC).date()
        );
    }

    let ann = store
        .user_by_email("ann-demo@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ann.confirmed_at, Some(datetime!(2026-01-02 03:04:05 UTC)));
    assert_eq!(ann.create_datetime, datetime!(2026-11-28 16:16:58 UTC));
    assert_eq!(
        ann.update_datetime,
        datetime!(2026-11-28 16:16:59.745907 UTC)
    );
    assert_eq!(ann.tf_primary_method.as_deref(), Some("authenticator"));
    assert!(
        ann.tf_totp_secret
            .as_deref()
            .is_some_and(|s| s.contains("enckey"))
    );
    assert!(ann.fs_webauthn_user_handle.is_some());
    let dan = store
        .user_by_email("dan-demo@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(dan.confirmed_at, None);

    let admin = store.role_by_name("admin").await.unwrap().unwrap();
    assert_eq!(admin.permissions, vec!["read", "write", "admin"]);
    assert_eq!(admin.description.as_deref(), Some("administrators"));
    let reader = store.role_by_name("reader").await.unwrap().unwrap();
    assert_eq!(reader.permissions, vec!["read"]);
    assert_eq!(reader.description, None);
    let listed: Vec<String> = store
        .list_roles()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(listed, vec!["admin", "reader"]);
    store.close().await;
}

/// portcullis writes rows the way Flask-Security would (naive UTC text, AsaList), and keeps
/// working with the rows Flask-Security wrote.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_a_flask_security_database() {
    let Some(source) = source_db("writes_on_a_flask_security_database") else {
        return;
    };
    let copy = DbCopy::new(&source, "writes");
    let store = SqliteStore::connect(&copy.url()).await.unwrap();

    let bob = store
        .user_by_email("bob-demo@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bob.login_count, None);
    let at = datetime!(2026-12-01 08:09:10.111213 UTC);
    store
        .record_login(bob.id, at, Some("203.0.113.9"))
        .await
        .unwrap();
    let stored: (String, String, i64) = sqlx::query_as(
        "SELECT current_login_at, last_login_at, login_count FROM user WHERE id = ?1",
    )
    .bind(bob.id)
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!(
        stored,
        (
            "2026-12-01 08:09:10.111213".to_owned(),
            "2026-12-01 08:09:10.111213".to_owned(),
            1
        )
    );

    // A duplicate of a Flask-Security user, in another case, is refused.
    let dup = portcullis_core::NewUser {
        email: "BOB-demo@Example.com".into(),
        username: None,
        password: None,
        active: true,
        confirmed_at: None,
        fs_uniquifier: "0123456789abcdef0123456789abcdef".into(),
        now: at,
    };
    assert!(matches!(
        store.create_user(dup.clone()).await,
        Err(portcullis_core::StoreError::Conflict("email"))
    ));
    let dup = portcullis_core::NewUser {
        email: "new@example.com".into(),
        username: Some("BobDemo".into()),
        ..dup
    };
    assert!(matches!(
        store.create_user(dup.clone()).await,
        Err(portcullis_core::StoreError::Conflict("username"))
    ));
    let fresh = store
        .create_user(portcullis_core::NewUser {
            username: Some("newbie".into()),
            ..dup
        })
        .await
        .unwrap();
    assert_eq!(fresh.id, 6, "ids continue after Flask-Security's");

    let editor = store
        .create_role("editor", None, &["write".into(), "read".into()], at)
        .await
        .unwrap();
    store.add_role_to_user(fresh.id, editor.id).await.unwrap();
    let reader = store.role_by_name("reader").await.unwrap().unwrap();
    store.add_role_to_user(fresh.id, reader.id).await.unwrap();
    let perms: Option<String> = sqlx::query_scalar("SELECT permissions FROM role WHERE id = ?1")
        .bind(editor.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(
        perms.as_deref(),
        Some("write,read"),
        "AsaList: comma joined"
    );
    let names: Vec<String> = store
        .roles_of_user(fresh.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, vec!["editor", "reader"]);
    let created: String = sqlx::query_scalar("SELECT create_datetime FROM user WHERE id = ?1")
        .bind(fresh.id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(created, "2026-12-01 08:09:10.111213");
    store.close().await;
}
