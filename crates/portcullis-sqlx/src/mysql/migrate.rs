//! The MySQL/MariaDB migrator (see [`crate::migrate`]). One instance migrates at a time: the run
//! holds a named lock (`GET_LOCK`, one per database), so instances starting together apply each
//! migration once.
//!
//! MySQL DDL is not transactional (every DDL statement commits on its own), so a migration
//! cannot apply "whole or not at all": each one is written to be idempotent (`IF NOT EXISTS`
//! throughout) and is recorded after it ran. A run interrupted half-way repeats the migration.

use portcullis_core::StoreError;
use sqlx::{MySqlConnection, MySqlPool};

use crate::convert::map_sqlx;
use crate::migrate::Migration;

/// How long an instance waits for another one's migrations, in seconds.
const LOCK_TIMEOUT_SECS: i64 = 60;

/// The lock's name, as SQL: per database (as PostgreSQL advisory locks are), since `GET_LOCK`
/// names are server-wide; hashed, since lock names are limited to 64 characters.
macro_rules! lock_name {
    () => {
        "CONCAT('portcullis_migrate:', MD5(COALESCE(DATABASE(), '')))"
    };
}

/// Every MySQL/MariaDB migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = crate::migrate::dialect_migrations!("mysql");

/// Apply every migration not applied yet; returns the versions this call applied.
pub(crate) async fn run(pool: &MySqlPool) -> Result<Vec<i64>, StoreError> {
    let mut conn = pool.acquire().await.map_err(map_sqlx)?;
    // 1: locked; 0: timed out; NULL: error.
    let locked: Option<i64> = sqlx::query_scalar(concat!("SELECT GET_LOCK(", lock_name!(), ", ?)"))
        .bind(LOCK_TIMEOUT_SECS)
        .fetch_one(&mut *conn)
        .await
        .map_err(map_sqlx)?;
    if locked != Some(1) {
        return Err(StoreError::Unavailable(format!(
            "another instance has held the migration lock for over {LOCK_TIMEOUT_SECS} s"
        )));
    }
    let result = apply(&mut conn).await;
    let unlocked = sqlx::query(concat!("SELECT RELEASE_LOCK(", lock_name!(), ")"))
        .execute(&mut *conn)
        .await
        .map_err(map_sqlx);
    if unlocked.is_err() {
        // Do not hand a connection that may still hold the lock back to the pool.
        drop(conn.detach());
    }
    let applied = result?;
    unlocked?;
    Ok(applied)
}

async fn apply(conn: &mut MySqlConnection) -> Result<Vec<i64>, StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS portcullis_migrations \
         (version BIGINT NOT NULL PRIMARY KEY, \
          applied_at DATETIME(6) NULL DEFAULT CURRENT_TIMESTAMP(6)) \
         ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
    )
    .execute(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM portcullis_migrations WHERE version = ?")
                .bind(migration.version)
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_sqlx)?;
        if done.is_some() {
            continue;
        }
        let skip = match migration.skip_if_column {
            Some((table, column)) => {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM information_schema.columns \
                     WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?",
                )
                .bind(table)
                .bind(column)
                .fetch_one(&mut *conn)
                .await
                .map_err(map_sqlx)?;
                n > 0
            }
            None => false,
        };
        if !skip {
            // Not a transaction (DDL commits implicitly): the statements are idempotent, and the
            // version is recorded only after all of them ran.
            sqlx::raw_sql(migration.sql)
                .execute(&mut *conn)
                .await
                .map_err(|e| crate::migrate::failed(migration, map_sqlx(e)))?;
        }
        sqlx::query("INSERT INTO portcullis_migrations (version) VALUES (?)")
            .bind(migration.version)
            .execute(&mut *conn)
            .await
            .map_err(map_sqlx)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            skipped = skip,
            "applied MySQL migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}
