//! The PostgreSQL datastore: connecting and its migrations; the statements are shared with the
//! other dialects (`crate::store`).

mod migrate;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use portcullis_core::store::StoreError;
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::PoolSettings;
use crate::convert::map_sqlx;
use crate::db::Pool;
use crate::store::{SqlStore, sql_store_traits};
use crate::temporary::TemporaryDatabase;

/// A datastore on PostgreSQL, with Flask-Security-Too's `fsqla_v3` tables (as SQLAlchemy
/// creates them: `SERIAL` ids, `TIMESTAMP WITHOUT TIME ZONE` in UTC).
///
/// Open it with [`PgStore::connect`]; the embedded migrations are additive, so a database made
/// by Flask-Security keeps working with Flask-Security. Emails and usernames are unique
/// ignoring case: creating a user and changing an email or username take a transaction-scoped
/// advisory lock on the lower-cased value, so two instances registering (or changing to) `Ann@x`
/// and `ann@x` at once cannot both succeed, without a unique index that an existing database
/// with such duplicates could not build.
#[derive(Clone)]
pub struct PgStore {
    sql: SqlStore,
    pool: PgPool,
    location: Arc<str>,
    _temp: Option<Arc<TemporaryDatabase>>,
}

sql_store_traits!(PgStore);

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("connections", &self.sql.connections())
            .finish_non_exhaustive()
    }
}

impl PgStore {
    /// Connect to `postgres://user:password@host:port/database` and apply the migrations, with
    /// the default pool settings.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// [`PgStore::connect`] with pool settings.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<Self, StoreError> {
        Self::open(url, settings, None).await
    }

    /// A fresh database on the server `admin_url` points at, dropped when the store (and every
    /// clone) is dropped. For tests.
    pub async fn connect_temporary(admin_url: &str) -> Result<Self, StoreError> {
        let temp = Arc::new(TemporaryDatabase::create(admin_url).await?);
        Self::open(temp.url(), PoolSettings::default(), Some(temp.clone())).await
    }

    async fn open(
        url: &str,
        settings: PoolSettings,
        temp: Option<Arc<TemporaryDatabase>>,
    ) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(map_sqlx)?
            .application_name("portcullis");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            // A dead connection is noticed before it is handed out.
            .test_before_acquire(true)
            .idle_timeout(Some(Duration::from_secs(300)))
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        migrate::run(&pool).await?;
        let not_null: Option<String> = sqlx::query_scalar(
            "SELECT is_nullable::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'user' \
             AND column_name = 'fs_token_uniquifier'",
        )
        .fetch_optional(&pool)
        .await
        .map_err(map_sqlx)?;
        Ok(Self {
            sql: SqlStore::new(
                Pool::Postgres(pool.clone()),
                not_null.as_deref() == Some("NO"),
                false,
            ),
            pool,
            location: Arc::from(crate::redact_url(url)),
            _temp: temp,
        })
    }

    /// The connection pool, for queries this type does not offer (admin tools, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Close every connection.
    pub async fn close(&self) {
        self.sql.close().await;
    }
}
