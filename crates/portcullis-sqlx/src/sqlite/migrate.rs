//! The SQLite migrator (see [`crate::migrate`]).

use portcullis_core::StoreError;
use sqlx::SqlitePool;

use crate::convert::map_sqlx;
use crate::migrate::Migration;

/// Every SQLite migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = crate::migrate::dialect_migrations!("sqlite");

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
                .map_err(|e| crate::migrate::failed(migration, map_sqlx(e)))?;
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
