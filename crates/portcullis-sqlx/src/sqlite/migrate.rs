//! A tiny migrator: numbered SQL files embedded in the binary, applied once each, recorded in
//! `portcullis_migrations(version, applied_at)`. Every migration is additive, so it can run on a
//! database made by Flask-Security.

use portcullis_core::StoreError;
use sqlx::SqlitePool;

use crate::convert::map_sqlx;

/// One migration.
pub(crate) struct Migration {
    /// Applied in ascending order; recorded once applied.
    pub(crate) version: i64,
    /// For logs.
    pub(crate) name: &'static str,
    /// The statements.
    sql: &'static str,
    /// `(table, column)`: skip the statements (but record the version) when the column exists.
    skip_if_column: Option<(&'static str, &'static str)>,
}

/// Every SQLite migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "flask_security_fsqla_v3",
        sql: include_str!("../../migrations/sqlite/0001_flask_security_fsqla_v3.sql"),
        skip_if_column: None,
    },
    Migration {
        version: 2,
        name: "fs_token_uniquifier",
        sql: include_str!("../../migrations/sqlite/0002_fs_token_uniquifier.sql"),
        skip_if_column: Some(("user", "fs_token_uniquifier")),
    },
    Migration {
        version: 3,
        name: "portcullis_indexes_sessions",
        sql: include_str!("../../migrations/sqlite/0003_portcullis_indexes_sessions.sql"),
        skip_if_column: None,
    },
    Migration {
        version: 4,
        name: "portcullis_counters",
        sql: include_str!("../../migrations/sqlite/0004_portcullis_counters.sql"),
        skip_if_column: None,
    },
];

/// Apply every migration not applied yet. Each runs in its own write transaction that first
/// re-checks the record, so two processes opening one database at once apply it once.
/// Returns the versions applied by this call.
pub(crate) async fn run(pool: &SqlitePool) -> Result<Vec<i64>, StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS portcullis_migrations \
         (version INTEGER PRIMARY KEY, applied_at TEXT)",
    )
    .execute(pool)
    .await
    .map_err(map_sqlx)?;

    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_sqlx)?;
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM portcullis_migrations WHERE version = ?1")
                .bind(migration.version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if done.is_some() {
            tx.rollback().await.map_err(map_sqlx)?;
            continue;
        }
        let skip = match migration.skip_if_column {
            Some((table, column)) => {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM pragma_table_info(?1) WHERE name = ?2",
                )
                .bind(table)
                .bind(column)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_sqlx)?;
                n > 0
            }
            None => false,
        };
        if !skip {
            sqlx::raw_sql(migration.sql)
                .execute(&mut *tx)
                .await
                .map_err(|e| match map_sqlx(e) {
                    StoreError::Unavailable(msg) => StoreError::Unavailable(msg),
                    err => StoreError::Backend(format!(
                        "migration {:04}_{} failed: {err}",
                        migration.version, migration.name
                    )),
                })?;
        }
        sqlx::query(
            "INSERT INTO portcullis_migrations (version, applied_at) \
             VALUES (?1, strftime('%Y-%m-%d %H:%M:%f', 'now'))",
        )
        .bind(migration.version)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            skipped = skip,
            "applied SQLite migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}
