//! The PostgreSQL migrator (see [`crate::migrate`]). One instance migrates at a time: the run
//! holds a session advisory lock, so instances starting together apply each migration once.

use portcullis_core::StoreError;
use sqlx::{Acquire, PgConnection, PgPool};

use crate::convert::map_sqlx;
use crate::migrate::Migration;

/// `pg_advisory_lock` key of the migrator ("portcull" in ASCII).
const LOCK_KEY: i64 = 0x706f_7274_6375_6c6c;

/// Every PostgreSQL migration, in order.
pub(crate) const MIGRATIONS: &[Migration] = crate::migrate::dialect_migrations!("postgres");

/// Apply every migration not applied yet; returns the versions this call applied.
pub(crate) async fn run(pool: &PgPool) -> Result<Vec<i64>, StoreError> {
    let mut conn = pool.acquire().await.map_err(map_sqlx)?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await
        .map_err(map_sqlx)?;
    let result = apply(&mut conn).await;
    let unlocked = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(LOCK_KEY)
        .execute(&mut *conn)
        .await
        .map_err(map_sqlx);
    let applied = result?;
    unlocked?;
    Ok(applied)
}

async fn apply(conn: &mut PgConnection) -> Result<Vec<i64>, StoreError> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS portcullis_migrations \
         (version BIGINT PRIMARY KEY, applied_at TIMESTAMP WITHOUT TIME ZONE DEFAULT now())",
    )
    .execute(&mut *conn)
    .await
    .map_err(map_sqlx)?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let done: Option<i64> =
            sqlx::query_scalar("SELECT version FROM portcullis_migrations WHERE version = $1")
                .bind(migration.version)
                .fetch_optional(&mut *conn)
                .await
                .map_err(map_sqlx)?;
        if done.is_some() {
            continue;
        }
        // DDL is transactional in PostgreSQL: a migration applies whole or not at all.
        let mut tx = conn.begin().await.map_err(map_sqlx)?;
        sqlx::raw_sql(migration.sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| crate::migrate::failed(migration, map_sqlx(e)))?;
        sqlx::query("INSERT INTO portcullis_migrations (version) VALUES ($1)")
            .bind(migration.version)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        tx.commit().await.map_err(map_sqlx)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied PostgreSQL migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}
