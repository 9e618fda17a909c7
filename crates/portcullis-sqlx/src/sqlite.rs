//! The SQLite datastore: opening the file (or memory, or a temporary file) and its migrations;
//! the statements are shared with the other dialects (`crate::store`).

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use portcullis_core::store::StoreError;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::convert::map_sqlx;
use crate::db::Pool;
use crate::store::{Datastore, SqlStore};

/// Connections in a file database's pool (SQLite serialises writers anyway).
const FILE_POOL_SIZE: u32 = 4;
/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// A datastore on SQLite, with Flask-Security-Too's `fsqla_v3` tables.
///
/// Open it with [`SqliteStore::connect`] (a file, created if missing), or for tests with
/// [`SqliteStore::connect_memory`] / [`SqliteStore::connect_temporary`]. Opening applies the
/// embedded migrations, which are additive: a Flask-Security database keeps its rows and keeps
/// working with Flask-Security. Cloning is cheap (the pool is shared).
pub type SqliteStore = Datastore<SqlitePool>;

/// Removes a temporary database (and its `-wal`/`-shm`/`-journal` companions) on drop.
#[derive(Debug)]
struct TempDbFile {
    path: PathBuf,
}

impl Drop for TempDbFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            // Best effort: the file may never have been created, or be gone already.
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

impl Datastore<SqlitePool> {
    /// Open (creating it if missing) the SQLite database at `url` — `sqlite://path/app.db`,
    /// `sqlite:app.db` or a plain path — and apply the migrations. File databases use WAL
    /// journaling, a 5 s busy timeout, foreign keys and a small pool. `sqlite::memory:` gives
    /// the same as [`SqliteStore::connect_memory`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str(url).map_err(map_sqlx)?;
        if is_memory_url(url) {
            return Self::open_memory(options, url).await;
        }
        Self::open_file(options, url, None).await
    }

    /// A private in-memory database (one connection, kept open for the life of the store).
    /// For tests and experiments: everything is lost when the store is dropped.
    pub async fn connect_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:").map_err(map_sqlx)?;
        Self::open_memory(options, ":memory:").await
    }

    /// A fresh database file in the system temporary directory, deleted when the store (and
    /// every clone of it) is dropped. Behaves exactly like a file database from
    /// [`SqliteStore::connect`] (WAL, a pool of several connections): the one to use for tests
    /// that exercise concurrency.
    pub async fn connect_temporary() -> Result<Self, StoreError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "portcullis-{}-{}-{}.db",
            std::process::id(),
            nanos,
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        let temp = Arc::new(TempDbFile { path: path.clone() });
        let options = SqliteConnectOptions::new().filename(&path);
        let location = path.display().to_string();
        Self::open_file(options, &location, Some(temp)).await
    }

    async fn open_file(
        options: SqliteConnectOptions,
        location: &str,
        temp: Option<Arc<TempDbFile>>,
    ) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal);
        let pool = SqlitePoolOptions::new().max_connections(FILE_POOL_SIZE);
        Self::open(options, pool, location, temp).await
    }

    async fn open_memory(
        options: SqliteConnectOptions,
        location: &str,
    ) -> Result<Self, StoreError> {
        // Every connection to `:memory:` is its own database, so the pool holds exactly one
        // and never lets it go.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None);
        Self::open(options, pool, location, None).await
    }

    async fn open(
        options: SqliteConnectOptions,
        pool: SqlitePoolOptions,
        location: &str,
        temp: Option<Arc<TempDbFile>>,
    ) -> Result<Self, StoreError> {
        let options = options.busy_timeout(BUSY_TIMEOUT).foreign_keys(true);
        let pool = pool
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        Ok(Self {
            sql: SqlStore::open(Pool::Sqlite(pool.clone())).await?,
            driver_pool: pool,
            location: Arc::from(location),
            keep: temp.map(|t| t as Arc<dyn std::any::Any + Send + Sync>),
        })
    }
}

fn is_memory_url(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}
