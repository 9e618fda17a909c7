//! What the server databases (PostgreSQL, MySQL/MariaDB) share: pool settings and connecting.

use std::sync::Arc;
use std::time::Duration;

use portcullis_core::store::StoreError;
use sqlx::pool::PoolOptions;

use crate::PoolSettings;
use crate::convert::map_sqlx;
use crate::db::Pool;
use crate::store::{Datastore, SqlStore};
use crate::temporary::TemporaryDatabase;

/// Pool options for a server database.
fn pool_options<DB: sqlx::Database>(settings: PoolSettings) -> PoolOptions<DB> {
    PoolOptions::new()
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        // A dead connection is noticed before it is handed out.
        .test_before_acquire(true)
        .idle_timeout(Some(Duration::from_secs(300)))
}

/// Connect a server database's pool and open the store on it.
pub(crate) async fn open<DB: sqlx::Database>(
    options: <DB::Connection as sqlx::Connection>::Options,
    settings: PoolSettings,
    wrap: impl FnOnce(sqlx::Pool<DB>) -> Pool,
) -> Result<(sqlx::Pool<DB>, SqlStore), StoreError> {
    let pool = pool_options(settings)
        .connect_with(options)
        .await
        .map_err(map_sqlx)?;
    let sql = SqlStore::open(wrap(pool.clone())).await?;
    Ok((pool, sql))
}

pub(crate) mod sealed {
    use super::{PoolSettings, SqlStore, StoreError};

    /// How a server database connects (the part of [`super::ServerPool`] outside code cannot
    /// name).
    pub trait Sealed: Sized {
        /// Connect to `url` and open the store on it (migrations applied).
        fn open(
            url: &str,
            settings: PoolSettings,
        ) -> impl Future<Output = Result<(Self, SqlStore), StoreError>> + Send;
    }
}

/// The pool of a server database ([`sqlx::PgPool`], [`sqlx::MySqlPool`]); sealed.
pub trait ServerPool: sealed::Sealed + Clone + Send + Sync + 'static {}

impl<P: sealed::Sealed + Clone + Send + Sync + 'static> ServerPool for P {}

impl<P: ServerPool> Datastore<P> {
    /// Connect to the database `url` names (`postgres://user:password@host:port/database`,
    /// `mysql://…` or `mariadb://…`) and apply the migrations, with the default pool settings.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, PoolSettings::default()).await
    }

    /// [`Datastore::connect`] with pool settings.
    pub async fn connect_with(url: &str, settings: PoolSettings) -> Result<Self, StoreError> {
        let (pool, sql) = P::open(url, settings).await?;
        Ok(Self {
            sql,
            driver_pool: pool,
            location: Arc::from(crate::redact_url(url)),
            keep: None,
        })
    }

    /// A fresh database on the server `admin_url` points at, dropped when the store (and every
    /// clone) is dropped. For tests.
    pub async fn connect_temporary(admin_url: &str) -> Result<Self, StoreError> {
        let temp = Arc::new(TemporaryDatabase::create(admin_url).await?);
        let mut store = Self::connect(temp.url()).await?;
        store.keep = Some(temp);
        Ok(store)
    }
}
