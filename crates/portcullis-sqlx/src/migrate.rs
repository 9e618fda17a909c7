//! Migrations: numbered SQL files per dialect (`migrations/{sqlite,postgres,mysql}`), embedded
//! in the binary, applied once each and recorded in `portcullis_migrations(version, applied_at)`.
//! Every migration is additive, so it can run on a database made by Flask-Security.
//!
//! One migrator for every dialect. One process migrates at a time: PostgreSQL holds a session
//! advisory lock and MySQL a named lock (`GET_LOCK`, per database) for the whole run; SQLite
//! runs each migration in a write transaction that first re-checks the record. PostgreSQL and
//! SQLite apply a migration whole or not at all (transactional DDL); MySQL DDL commits
//! statement by statement, so its migrations are written to be idempotent (`IF NOT EXISTS`
//! throughout) and recorded after they ran — a run interrupted half-way repeats one.

use portcullis_core::{StoreError, StoreResult};

use crate::db::{Conn, Dialect, Exec, Pool, args};

/// One migration.
pub(crate) struct Migration {
    /// Applied in ascending order; recorded once applied.
    pub(crate) version: i64,
    /// For logs.
    pub(crate) name: &'static str,
    /// The statements.
    pub(crate) sql: &'static str,
    /// `(table, column)`: skip the statements (but record the version) when the column exists
    /// (for dialects without `ADD COLUMN IF NOT EXISTS`).
    pub(crate) skip_if_column: Option<(&'static str, &'static str)>,
}

/// The migration list, once: each entry names its file in every dialect's folder.
macro_rules! migrations {
    ($($version:literal $file:literal $skip:expr;)*) => {
        /// The migrations of `dialect`, in order.
        pub(crate) fn list(dialect: Dialect) -> &'static [Migration] {
            macro_rules! of {
                ($folder:literal) => {
                    &[$(Migration {
                        version: $version,
                        name: $file,
                        sql: include_str!(concat!("../migrations/", $folder, "/", $file, ".sql")),
                        skip_if_column: $skip,
                    }),*]
                };
            }
            match dialect {
                Dialect::Sqlite => of!("sqlite"),
                Dialect::Postgres => of!("postgres"),
                Dialect::MySql => of!("mysql"),
            }
        }
    };
}

migrations! {
    1 "0001_flask_security_fsqla_v3" None;
    2 "0002_fs_token_uniquifier" Some(("user", "fs_token_uniquifier"));
    3 "0003_portcullis_indexes_sessions" None;
    4 "0004_portcullis_counters" None;
    5 "0005_portcullis_identity_keys" Some(("user", "portcullis_email_key"));
}

/// `pg_advisory_lock` key of the migrator ("portcull" in ASCII).
const PG_LOCK_KEY: i64 = 0x706f_7274_6375_6c6c;
/// How long a MySQL instance waits for another one's migrations, in seconds.
const MYSQL_LOCK_TIMEOUT_SECS: i64 = 60;
/// The MySQL lock's name, as SQL: per database (as PostgreSQL advisory locks are), since
/// `GET_LOCK` names are server-wide; hashed, since lock names are limited to 64 characters.
const MYSQL_LOCK_NAME: &str = "CONCAT('portcullis_migrate:', MD5(COALESCE(DATABASE(), '')))";

fn record_table(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            "CREATE TABLE IF NOT EXISTS portcullis_migrations \
             (version INTEGER PRIMARY KEY, applied_at TEXT)"
        }
        Dialect::Postgres => {
            "CREATE TABLE IF NOT EXISTS portcullis_migrations \
             (version BIGINT PRIMARY KEY, applied_at TIMESTAMP WITHOUT TIME ZONE)"
        }
        Dialect::MySql => {
            "CREATE TABLE IF NOT EXISTS portcullis_migrations \
             (version BIGINT NOT NULL PRIMARY KEY, applied_at DATETIME(6) NULL) \
             ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"
        }
    }
}

/// SQL: whether column `?2` of table `?1` exists.
fn column_exists(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
        Dialect::Postgres => {
            "SELECT 1 FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = ?1 AND column_name = ?2"
        }
        Dialect::MySql => {
            "SELECT 1 FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = ?1 AND column_name = ?2"
        }
    }
}

/// Apply every migration not applied yet; returns the versions this call applied.
pub(crate) async fn run(pool: &Pool) -> StoreResult<Vec<i64>> {
    let dialect = pool.dialect();
    let mut conn = pool.acquire().await?;
    match dialect {
        Dialect::Sqlite => {}
        Dialect::Postgres => {
            conn.on()
                .execute("SELECT pg_advisory_lock(?1)", args![PG_LOCK_KEY])
                .await?;
        }
        Dialect::MySql => {
            // 1: locked; 0: timed out; NULL: error.
            let locked = conn
                .on()
                .fetch_one(
                    &format!("SELECT GET_LOCK({MYSQL_LOCK_NAME}, ?1) AS n"),
                    args![MYSQL_LOCK_TIMEOUT_SECS],
                    |row| row.int("n"),
                )
                .await?;
            if locked != Some(1) {
                return Err(StoreError::Unavailable(format!(
                    "another instance has held the migration lock for over \
                     {MYSQL_LOCK_TIMEOUT_SECS} s"
                )));
            }
        }
    }
    let result = apply(dialect, &mut conn).await;
    let unlocked = match dialect {
        Dialect::Sqlite => Ok(0),
        Dialect::Postgres => {
            conn.on()
                .execute("SELECT pg_advisory_unlock(?1)", args![PG_LOCK_KEY])
                .await
        }
        Dialect::MySql => {
            conn.on()
                .execute(&format!("SELECT RELEASE_LOCK({MYSQL_LOCK_NAME})"), args![])
                .await
        }
    };
    if unlocked.is_err() {
        // Do not hand a connection that may still hold the lock back to the pool.
        conn.detach();
    }
    let applied = result?;
    unlocked?;
    Ok(applied)
}

async fn apply(dialect: Dialect, conn: &mut Conn) -> StoreResult<Vec<i64>> {
    conn.on().script(record_table(dialect)).await?;
    let mut applied = Vec::new();
    for migration in list(dialect) {
        let skipped = if dialect == Dialect::MySql {
            // Not a transaction (DDL commits implicitly).
            step(dialect, conn.on(), migration).await?
        } else {
            let mut tx = conn.begin().await?;
            let skipped = step(dialect, tx.on(), migration).await?;
            tx.commit().await?;
            skipped
        };
        let Some(skipped) = skipped else { continue };
        tracing::info!(
            version = migration.version,
            name = migration.name,
            skipped,
            ?dialect,
            "applied migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}

/// Apply one migration unless it is recorded: `None` when it was, else whether its
/// statements were skipped (the column it adds was there).
async fn step(dialect: Dialect, mut on: Exec<'_>, m: &Migration) -> StoreResult<Option<bool>> {
    let done = on
        .again()
        .exists(
            "SELECT 1 FROM portcullis_migrations WHERE version = ?1",
            args![m.version],
        )
        .await?;
    if done {
        return Ok(None);
    }
    let skip = match m.skip_if_column {
        Some((table, column)) => {
            on.again()
                .exists(column_exists(dialect), args![table, column])
                .await?
        }
        None => false,
    };
    if !skip {
        on.again().script(m.sql).await.map_err(|e| failed(m, e))?;
    }
    on.execute(
        "INSERT INTO portcullis_migrations (version, applied_at) VALUES (?1, ?2)",
        args![m.version, time::OffsetDateTime::now_utc()],
    )
    .await?;
    Ok(Some(skip))
}

/// A migration's statements failed: name it.
fn failed(migration: &Migration, err: StoreError) -> StoreError {
    match err {
        StoreError::Unavailable(msg) => StoreError::Unavailable(msg),
        err => StoreError::Backend(format!("migration {} failed: {err}", migration.name)),
    }
}
