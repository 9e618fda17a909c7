//! Moving a Flask-Security deployment: portcullis runs on a database Flask-Security-Too 5.9.2
//! made (`testdata/flask-security.db`, fsqla_v3) — users sign in with their existing passwords
//! (upgraded to argon2id on login), Flask-Security's auth tokens stay valid, roles and
//! permissions carry over. On SQLite the file itself; on PostgreSQL and MySQL/MariaDB the same
//! rows, loaded into the tables exactly as SQLAlchemy creates them for that dialect, after which
//! portcullis' migrations add only what is additive.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use crate::common::TestApp;
use axum::http::StatusCode;
use portcullis::core::store::{Store, UserStore};
use portcullis_sqlx::{MySqlStore, PgStore, SqliteStore, TemporaryDatabase};
use serde_json::{Value, json};
use sqlx::{AssertSqlSafe, Connection, Row, SqliteConnection};
use time::PrimitiveDateTime;

fn data(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name)
}

/// Every user of the vectors database signs in with their Flask-Security password (hash
/// upgraded to argon2id), inactive and unconfirmed ones are refused, roles and permissions
/// carried over, and an auth token Flask-Security minted is accepted.
async fn prove(store: Arc<dyn Store>) {
    let vectors: Value = serde_json::from_str(
        &std::fs::read_to_string(data("flask-security-vectors.json")).unwrap(),
    )
    .unwrap();
    let t = TestApp::with_store(Arc::clone(&store), |c| {
        c.secret_key = Some("demo-secret-key".to_owned().into());
        c.password_salt = Some("demo-password-salt".to_owned().into());
        c.confirmable = true;
        // Default (production) argon2 parameters for new hashes, as Flask-Security's.
        c.password_hash_passlib_options = serde_json::Map::new();
    })
    .await;
    for u in vectors["database_users"].as_array().unwrap() {
        let email = u["email"].as_str().unwrap();
        let password = u["password"].as_str().unwrap();
        let active = u["active"].as_bool().unwrap();
        let confirmed = u["confirmed"].as_bool().unwrap();
        let mut c = t.client();
        let r = c.login(email, password).await;
        if active && confirmed {
            assert_eq!(r.status, StatusCode::OK, "{email}: {}", r.text);
            let token = r.token();
            // Roles and permissions carried over.
            let check = c
                .get_json_with("/auth/check", &[("authentication-token", &token)])
                .await;
            assert_eq!(check.status, StatusCode::OK);
            let roles: Vec<&str> = u["roles"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(
                check.header("x-auth-roles"),
                Some(roles.join(",").as_str()),
                "{email}"
            );
            assert_eq!(check.header("x-auth-user-id"), u["fs_uniquifier"].as_str());
            // The hash was upgraded to argon2 (the current scheme) unless it already was.
            let stored = store.user_by_email(email).await.unwrap().unwrap();
            assert!(
                stored
                    .password
                    .unwrap()
                    .starts_with("$argon2id$v=19$m=65536,t=3,p=4$"),
                "{email}"
            );
            // And the password still works after the upgrade.
            let mut again = t.client();
            assert_eq!(
                again.login(email, password).await.status,
                StatusCode::OK,
                "{email} after upgrade"
            );
        } else {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{email}");
            let expected = if active {
                "Email requires confirmation."
            } else {
                "Account is disabled."
            };
            assert_eq!(
                r.response()["field_errors"]["email"],
                json!([expected]),
                "{email}"
            );
        }
        let mut wrong = t.client();
        assert_eq!(
            wrong.login(email, "not the password").await.status,
            StatusCode::BAD_REQUEST
        );
    }
    // ann is an admin with permission "write" (role permissions "read,write,admin").
    let mut c = t.client();
    let token = c
        .login("ann-demo@example.com", "argon2-demo-pw-ann-demo")
        .await
        .token();
    let r = c
        .get_json_with(
            "/auth/check?permissions_required=write,admin",
            &[("authentication-token", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // An auth token minted by Flask-Security for ann is accepted.
    t.clock.set(1_790_000_000 + 30);
    let fs_token = vectors["auth_tokens"][1]["token"].as_str().unwrap();
    let r = c
        .get_json_with("/api/protected", &[("authentication-token", fs_token)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json["email"], "ann-demo@example.com");
}

/// SQLAlchemy's DDL for the fsqla_v3 models on PostgreSQL (what Flask-Security creates).
const POSTGRES_DDL: &str =
    include_str!("../../../portcullis-sqlx/migrations/postgres/0001_flask_security_fsqla_v3.sql");

/// SQLAlchemy's DDL for the fsqla_v3 models on MySQL, verbatim (plain `DATETIME`: seconds).
const MYSQL_DDL: &str = include_str!("../../../../testdata/flask-security-fsqla_v3.mysql.sql");

/// One column value, typed by the column's declared SQLite type.
enum Cell {
    Int(Option<i32>),
    Bool(Option<bool>),
    Time(Option<PrimitiveDateTime>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

/// Every row of `table` in the source, typed, with the column names.
async fn read_table(src: &mut SqliteConnection, table: &str) -> (Vec<String>, Vec<Vec<Cell>>) {
    let cols: Vec<(String, String)> =
        sqlx::query_as("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")
            .bind(table)
            .fetch_all(&mut *src)
            .await
            .unwrap();
    let format = time::macros::format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT * FROM \"{table}\" ORDER BY rowid"
    )))
    .fetch_all(&mut *src)
    .await
    .unwrap();
    let typed = rows
        .iter()
        .map(|row| {
            cols.iter()
                .map(|(name, ty)| match ty.as_str() {
                    "INTEGER" => Cell::Int(
                        row.get::<Option<i64>, _>(name.as_str())
                            .map(|v| i32::try_from(v).unwrap()),
                    ),
                    "BOOLEAN" => Cell::Bool(row.get(name.as_str())),
                    "DATETIME" => Cell::Time(
                        row.get::<Option<String>, _>(name.as_str())
                            .map(|t| PrimitiveDateTime::parse(&t, format).unwrap()),
                    ),
                    "BLOB" => Cell::Blob(row.get(name.as_str())),
                    _ => Cell::Text(row.get(name.as_str())),
                })
                .collect()
        })
        .collect();
    (cols.into_iter().map(|(n, _)| n).collect(), typed)
}

/// Create Flask-Security's tables with `ddl` on the target and copy every row of the vectors
/// database into them — what a team does when it moves its Flask-Security database.
macro_rules! load {
    ($conn:ty, $url:expr, $ddl:expr, $quote:literal, $placeholder:expr) => {{
        let mut src = SqliteConnection::connect(&format!(
            "sqlite://{}?mode=ro",
            data("flask-security.db").display()
        ))
        .await
        .unwrap();
        let mut dst = <$conn>::connect($url).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe($ddl.to_owned()))
            .execute(&mut dst)
            .await
            .unwrap();
        for table in ["role", "user", "roles_users", "web_authn"] {
            let (cols, rows) = read_table(&mut src, table).await;
            let names = cols
                .iter()
                .map(|c| format!("{q}{c}{q}", q = $quote))
                .collect::<Vec<_>>()
                .join(", ");
            let marks = (1..=cols.len())
                .map($placeholder)
                .collect::<Vec<String>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO {q}{table}{q} ({names}) VALUES ({marks})",
                q = $quote
            );
            for row in rows {
                let mut q = sqlx::query(AssertSqlSafe(sql.clone()));
                for cell in row {
                    q = match cell {
                        Cell::Int(v) => q.bind(v),
                        Cell::Bool(v) => q.bind(v),
                        Cell::Time(v) => q.bind(v),
                        Cell::Text(v) => q.bind(v),
                        Cell::Blob(v) => q.bind(v),
                    };
                }
                q.execute(&mut dst).await.unwrap();
            }
        }
        dst
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_flask_security_database() {
    let copy = std::env::temp_dir().join(format!(
        "portcullis-fsdb-{}.db",
        portcullis::core::crypto::random::token_hex(8)
    ));
    std::fs::write(&copy, std::fs::read(data("flask-security.db")).unwrap()).unwrap();
    let store = SqliteStore::connect(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    prove(Arc::new(store.clone())).await;
    store.close().await;
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_flask_security_database() {
    let Ok(admin) = std::env::var("PORTCULLIS_TEST_POSTGRES_URL") else {
        eprintln!(
            "SKIPPED flask_security_migration::postgres_flask_security_database: \
             PORTCULLIS_TEST_POSTGRES_URL is not set"
        );
        return;
    };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    let mut conn = load!(
        sqlx::PgConnection,
        db.url(),
        POSTGRES_DDL,
        "\"",
        |i| format!("${i}")
    );
    // SERIAL sequences continue after the copied ids, as they would have in Flask-Security.
    for table in ["role", "user", "web_authn"] {
        sqlx::query(AssertSqlSafe(format!(
            "SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), \
             COALESCE((SELECT max(id) FROM \"{table}\"), 0) + 1, false)"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    conn.close().await.unwrap();
    let store = PgStore::connect(db.url()).await.unwrap();
    prove(Arc::new(store.clone())).await;
    // New users get fresh ids after the copied ones.
    let next = store
        .create_user(portcullis::core::NewUser {
            email: "new@example.com".into(),
            username: None,
            password: None,
            active: true,
            confirmed_at: None,
            fs_uniquifier: "fresh-uniquifier".into(),
            now: time::OffsetDateTime::now_utc(),
        })
        .await
        .unwrap();
    assert_eq!(next.id, 6);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_flask_security_database() {
    let Ok(admin) = std::env::var("PORTCULLIS_TEST_MYSQL_URL") else {
        eprintln!(
            "SKIPPED flask_security_migration::mysql_flask_security_database: \
             PORTCULLIS_TEST_MYSQL_URL is not set"
        );
        return;
    };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    let conn = load!(sqlx::MySqlConnection, db.url(), MYSQL_DDL, "`", |_| "?"
        .to_owned());
    conn.close().await.unwrap();
    let store = MySqlStore::connect(db.url()).await.unwrap();
    prove(Arc::new(store.clone())).await;
    store.close().await;
}
