//! The MySQL/MariaDB datastore: connecting and its migrations; the statements are shared with
//! the other dialects (`crate::store`).

mod migrate;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use portcullis_core::store::{StoreError, StoreResult};
use sqlx::MySqlPool;
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};

use crate::PoolSettings;
use crate::convert::map_sqlx;
use crate::db::Pool;
use crate::store::{SqlStore, sql_store_traits};
use crate::temporary::TemporaryDatabase;

/// A datastore on MySQL or MariaDB, with Flask-Security-Too's `fsqla_v3` tables (as SQLAlchemy
/// creates them: `INTEGER AUTO_INCREMENT` ids, `BOOL` as `TINYINT(1)`, naive UTC `DATETIME`,
/// with microseconds — `DATETIME(6)` — in databases made here).
///
/// Open it with [`MySqlStore::connect`]; the embedded migrations are additive, so a database
/// made by Flask-Security keeps working with Flask-Security. Emails and usernames are unique
/// ignoring case through the tables' case-insensitive collation: the UNIQUE indexes reject
/// `ann@x` next to `Ann@x`, even when two instances register (or change to) them at once.
/// Uniquifiers, role names, password hashes, phone numbers, session ids and counter keys are
/// compared exactly.
/// The driver sets `CLIENT_FOUND_ROWS`, so an UPDATE reports the rows it matched; the store
/// double-checks existence when none is reported anyway.
#[derive(Clone)]
pub struct MySqlStore {
    sql: SqlStore,
    pool: MySqlPool,
    location: Arc<str>,
    _temp: Option<Arc<TemporaryDatabase>>,
}

sql_store_traits!(MySqlStore);

impl std::fmt::Debug for MySqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlStore")
            .field("location", &self.location)
            .field("connections", &self.sql.connections())
            .finish_non_exhaustive()
    }
}

impl MySqlStore {
    /// Connect to `mysql://user:password@host:port/database` (or `mariadb://…`) and apply the
    /// migrations, with the default pool settings.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// [`MySqlStore::connect`] with pool settings.
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
        // What the store relies on (the driver's defaults, pinned here): utf8mb4 (`SET NAMES`)
        // and the UTC session time zone (`CURRENT_TIMESTAMP(6)` defaults in UTC, as the naive
        // UTC times SQLAlchemy stores). The driver always asks for `CLIENT_FOUND_ROWS`.
        let options = MySqlConnectOptions::from_str(url)
            .map_err(map_sqlx)?
            .charset("utf8mb4")
            .timezone(Some(String::from("+00:00")));
        let pool = MySqlPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            // A dead connection is noticed before it is handed out.
            .test_before_acquire(true)
            .idle_timeout(Some(Duration::from_secs(300)))
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        migrate::run(&pool).await?;
        let token_uniquifier = user_column(&pool, "fs_token_uniquifier").await?;
        let email_collation = user_column(&pool, "email").await?.and_then(|c| c.1);
        let username_collation = user_column(&pool, "username").await?.and_then(|c| c.1);
        let ci = |c: &Option<String>| c.as_deref().is_some_and(|c| c.ends_with("_ci"));
        let by_collation = ci(&email_collation) && ci(&username_collation);
        if !by_collation {
            tracing::warn!(
                email = email_collation.as_deref().unwrap_or("binary"),
                username = username_collation.as_deref().unwrap_or("binary"),
                "user.email/username have a case-sensitive collation: lookups ignoring case \
                 cannot use their indexes, and two registrations that differ only in case \
                 and race each other can both succeed"
            );
        }
        Ok(Self {
            sql: SqlStore::new(
                Pool::MySql(pool.clone()),
                token_uniquifier.is_some_and(|c| c.0 == "NO"),
                by_collation,
            ),
            pool,
            location: Arc::from(crate::redact_url(url)),
            _temp: temp,
        })
    }

    /// The connection pool, for queries this type does not offer (admin tools, tests).
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Close every connection.
    pub async fn close(&self) {
        self.sql.close().await;
    }
}

/// What `information_schema.columns` says about a column of `user`: whether it is nullable
/// (`"YES"`/`"NO"`) and its collation (`None` for a binary one); `None` when there is no such
/// column.
async fn user_column(
    pool: &MySqlPool,
    column: &str,
) -> StoreResult<Option<(String, Option<String>)>> {
    sqlx::query_as(
        "SELECT CAST(IS_NULLABLE AS CHAR), CAST(COLLATION_NAME AS CHAR) \
         FROM information_schema.columns \
         WHERE table_schema = DATABASE() AND table_name = 'user' AND column_name = ?",
    )
    .bind(column)
    .fetch_optional(pool)
    .await
    .map_err(map_sqlx)
}
