//! The SQLite datastore.

mod migrate;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use portcullis_core::store::{
    CounterStore, RoleStore, SessionStore, StoreError, StoreResult, UserStore,
};
use portcullis_core::{NewUser, Role, SessionRecord, User};

use crate::session_data_to_db;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use time::OffsetDateTime;

use crate::convert::{
    asa_list_from_db, asa_list_to_db, datetime_to_db, map_sqlx, opt_datetime_to_db,
};
use crate::rows::{counter_from_row, role_from_row, session_from_row, user_from_row};

/// Connections in a file database's pool (SQLite serialises writers anyway).
const FILE_POOL_SIZE: u32 = 4;
/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a caller waits for a pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The `user` columns, in the order [`user_from_row`] reads them.
macro_rules! user_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, email, username, password, active, fs_uniquifier, fs_token_uniquifier, ",
            "confirmed_at, last_login_at, current_login_at, last_login_ip, current_login_ip, ",
            "login_count, tf_primary_method, tf_totp_secret, tf_phone_number, us_totp_secrets, ",
            "us_phone_number, fs_webauthn_user_handle, mf_recovery_codes, create_datetime, ",
            "update_datetime FROM \"user\" ",
            $tail
        )
    };
}

/// A datastore on SQLite, with Flask-Security-Too's `fsqla_v3` tables.
///
/// Open it with [`SqliteStore::connect`] (a file, created if missing), or for tests with
/// [`SqliteStore::connect_memory`] / [`SqliteStore::connect_temporary`]. Opening applies the
/// embedded migrations, which are additive: a Flask-Security database keeps its rows and keeps
/// working with Flask-Security. Cloning is cheap (the pool is shared).
///
/// Emails and usernames are compared case-insensitively with SQLite's `lower()`, which folds
/// ASCII letters only.
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    location: Arc<str>,
    /// Whether `user.fs_token_uniquifier` is NOT NULL in this database (an application that
    /// added the column as Flask-Security documents it): new users then get `<uniquifier>t`.
    token_uniquifier_required: bool,
    /// Deletes the database files of [`SqliteStore::connect_temporary`] when the last clone goes.
    _temp: Option<Arc<TempDbFile>>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("location", &self.location)
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

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

impl SqliteStore {
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

    /// The one user a query selects (`user_select!`), if any.
    async fn fetch_user<'q, A>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Sqlite, A>,
    ) -> StoreResult<Option<User>>
    where
        A: sqlx::IntoArguments<sqlx::Sqlite> + 'q,
    {
        query
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }
    /// The connection pool, for queries this type does not offer (admin tools, tests).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Close every connection (waits for those in use to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn open_file(
        options: SqliteConnectOptions,
        location: &str,
        temp: Option<Arc<TempDbFile>>,
    ) -> Result<Self, StoreError> {
        let options = options
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(FILE_POOL_SIZE)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        Self::finish(pool, location, temp).await
    }

    async fn open_memory(
        options: SqliteConnectOptions,
        location: &str,
    ) -> Result<Self, StoreError> {
        // Every connection to `:memory:` is its own database, so the pool holds exactly one
        // and never lets it go.
        let options = options.busy_timeout(BUSY_TIMEOUT).foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(map_sqlx)?;
        Self::finish(pool, location, None).await
    }

    async fn finish(
        pool: SqlitePool,
        location: &str,
        temp: Option<Arc<TempDbFile>>,
    ) -> Result<Self, StoreError> {
        migrate::run(&pool).await?;
        let not_null: Option<i64> = sqlx::query_scalar(
            "SELECT \"notnull\" FROM pragma_table_info('user') WHERE name = 'fs_token_uniquifier'",
        )
        .fetch_optional(&pool)
        .await
        .map_err(map_sqlx)?;
        Ok(Self {
            pool,
            location: Arc::from(location),
            token_uniquifier_required: not_null.unwrap_or(0) != 0,
            _temp: temp,
        })
    }

    async fn user_exists(&self, user_id: i64) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM \"user\" WHERE id = ?1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(found.is_some())
    }

    /// A write transaction for changing a user's identity: `NotFound` for an unknown user,
    /// `Conflict(column)` when another user has `value` in `column` (ignoring case). Taken
    /// from the start (`BEGIN IMMEDIATE`), so the check and the caller's update are one step
    /// against every other writer, as in `create_user`.
    async fn claim(
        &self,
        user_id: i64,
        identity: Option<(&'static str, &str)>,
    ) -> StoreResult<sqlx::Transaction<'static, sqlx::Sqlite>> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        let exists: Option<i64> = sqlx::query_scalar("SELECT 1 FROM \"user\" WHERE id = ?1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if exists.is_none() {
            return Err(StoreError::NotFound);
        }
        if let Some((column, value)) = identity {
            // `column` is one of our own names, never input.
            let sql = format!(
                "SELECT 1 FROM \"user\" WHERE lower({column}) = lower(?1) AND id <> ?2 LIMIT 1"
            );
            let taken: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .bind(value)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(column));
            }
        }
        Ok(tx)
    }

    /// `Ok(())` when an UPDATE touched a row, `NotFound` otherwise.
    fn touched(rows: u64) -> StoreResult<()> {
        if rows == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }
}

fn is_memory_url(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let confirmed_at = opt_datetime_to_db(new.confirmed_at)?;
        let now = datetime_to_db(new.now)?;
        let token_uniquifier = self
            .token_uniquifier_required
            .then(|| format!("{}t", new.fs_uniquifier));

        // A write transaction from the start: the case-insensitive checks and the insert are
        // one step, so `a@x.com` and `A@x.com` registering at once cannot both succeed.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        let taken: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM \"user\" WHERE lower(email) = lower(?1) LIMIT 1")
                .bind(&new.email)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if taken.is_some() {
            return Err(StoreError::Conflict("email"));
        }
        if let Some(username) = &new.username {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM \"user\" WHERE lower(username) = lower(?1) LIMIT 1",
            )
            .bind(username)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("username"));
            }
        }
        let inserted = sqlx::query(
            "INSERT INTO \"user\" (email, username, password, active, fs_uniquifier, \
             fs_token_uniquifier, confirmed_at, create_datetime, update_datetime) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        )
        .bind(&new.email)
        .bind(&new.username)
        .bind(&new.password)
        .bind(new.active)
        .bind(&new.fs_uniquifier)
        .bind(&token_uniquifier)
        .bind(&confirmed_at)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        let row = sqlx::query(user_select!("WHERE id = ?1"))
            .bind(inserted.last_insert_rowid())
            .fetch_one(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let user = user_from_row(&row)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(user)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(user_select!("WHERE id = ?1")).bind(id))
            .await
    }

    async fn user_by_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(user_select!("WHERE fs_uniquifier = ?1")).bind(uniquifier))
            .await
    }

    async fn user_by_token_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(
                "WHERE fs_token_uniquifier = ?1 \
             OR (fs_token_uniquifier IS NULL AND fs_uniquifier = ?1) LIMIT 1"
            ))
            .bind(uniquifier),
        )
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        // A database written by Flask-Security may hold addresses differing only in case:
        // prefer the exact one, then the oldest.
        self.fetch_user(
            sqlx::query(user_select!(
                "WHERE lower(email) = lower(?1) ORDER BY email = ?1 DESC, id LIMIT 1"
            ))
            .bind(email),
        )
        .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(
                "WHERE lower(username) = lower(?1) ORDER BY username = ?1 DESC, id LIMIT 1"
            ))
            .bind(username),
        )
        .await
    }

    async fn set_password(
        &self,
        user_id: i64,
        hash: Option<&str>,
        new_uniquifier: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET password = ?2, \
             fs_uniquifier = COALESCE(?3, fs_uniquifier), \
             fs_token_uniquifier = CASE WHEN ?3 IS NOT NULL AND fs_token_uniquifier IS NOT NULL \
                 THEN ?3 || 't' ELSE fs_token_uniquifier END, \
             update_datetime = ?4 \
             WHERE id = ?1",
        )
        .bind(user_id)
        .bind(hash)
        .bind(new_uniquifier)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn upgrade_password(
        &self,
        user_id: i64,
        expected: &str,
        hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE \"user\" SET password = ?3, update_datetime = ?4 \
             WHERE id = ?1 AND password = ?2",
        )
        .bind(user_id)
        .bind(expected)
        .bind(hash)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if result.rows_affected() > 0 {
            return Ok(true);
        }
        if self.user_exists(user_id).await? {
            Ok(false)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn set_uniquifier(
        &self,
        user_id: i64,
        uniquifier: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET fs_uniquifier = ?2, \
             fs_token_uniquifier = CASE WHEN fs_token_uniquifier IS NOT NULL \
                 THEN ?2 || 't' ELSE NULL END, \
             update_datetime = ?3 \
             WHERE id = ?1",
        )
        .bind(user_id)
        .bind(uniquifier)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn set_active(
        &self,
        user_id: i64,
        active: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        // One statement: it changes the row only when the value differs, and says so.
        let result = sqlx::query(
            "UPDATE \"user\" SET active = ?2, update_datetime = ?3 \
             WHERE id = ?1 AND active IS NOT ?2",
        )
        .bind(user_id)
        .bind(active)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if result.rows_affected() > 0 {
            return Ok(true);
        }
        if self.user_exists(user_id).await? {
            Ok(false)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn user_by_phone(&self, e164: &str) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(user_select!("WHERE us_phone_number = ?1 LIMIT 1")).bind(e164))
            .await
    }

    async fn set_email(
        &self,
        user_id: i64,
        email: &str,
        confirmed_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let confirmed_at = opt_datetime_to_db(confirmed_at)?;
        let now = datetime_to_db(now)?;
        let mut tx = self.claim(user_id, Some(("email", email))).await?;
        let result = sqlx::query(
            "UPDATE \"user\" SET email = ?2, confirmed_at = ?3, update_datetime = ?4 \
             WHERE id = ?1",
        )
        .bind(user_id)
        .bind(email)
        .bind(&confirmed_at)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn set_username(
        &self,
        user_id: i64,
        username: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let now = datetime_to_db(now)?;
        let mut tx = self
            .claim(user_id, username.map(|u| ("username", u)))
            .await?;
        let result =
            sqlx::query("UPDATE \"user\" SET username = ?2, update_datetime = ?3 WHERE id = ?1")
                .bind(user_id)
                .bind(username)
                .bind(&now)
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())?;
        tx.commit().await.map_err(map_sqlx)
    }

    async fn set_two_factor(
        &self,
        user_id: i64,
        method: Option<&str>,
        totp_secret: Option<&str>,
        phone: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET tf_primary_method = ?2, tf_totp_secret = ?3, \
             tf_phone_number = ?4, update_datetime = ?5 WHERE id = ?1",
        )
        .bind(user_id)
        .bind(method)
        .bind(totp_secret)
        .bind(phone)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn set_us_totp_secrets(
        &self,
        user_id: i64,
        secrets: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET us_totp_secrets = ?2, update_datetime = ?3 WHERE id = ?1",
        )
        .bind(user_id)
        .bind(secrets)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn set_recovery_codes(
        &self,
        user_id: i64,
        expected: Option<&[String]>,
        codes: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let stored = asa_list_to_db(codes)?;
        let now = datetime_to_db(now)?;
        let result = match expected {
            None => {
                sqlx::query(
                    "UPDATE \"user\" SET mf_recovery_codes = ?2, update_datetime = ?3 \
                     WHERE id = ?1",
                )
                .bind(user_id)
                .bind(&stored)
                .bind(&now)
                .execute(&self.pool)
                .await
            }
            Some(expected) => {
                // One statement, so two requests using the same code cannot both replace the
                // list. NULL and '' are both the empty list (Flask-Security writes '' for it);
                // `=` on the COALESCE result compares bytes (BINARY), whatever the column's
                // collation.
                let expected = asa_list_to_db(expected)?.unwrap_or_default();
                sqlx::query(
                    "UPDATE \"user\" SET mf_recovery_codes = ?2, update_datetime = ?3 \
                     WHERE id = ?1 AND COALESCE(mf_recovery_codes, '') = ?4",
                )
                .bind(user_id)
                .bind(&stored)
                .bind(&now)
                .bind(expected)
                .execute(&self.pool)
                .await
            }
        }
        .map_err(map_sqlx)?;
        if result.rows_affected() > 0 {
            return Ok(true);
        }
        if self.user_exists(user_id).await? {
            Ok(false)
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn set_phone(
        &self,
        user_id: i64,
        e164: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET us_phone_number = ?2, update_datetime = ?3 WHERE id = ?1",
        )
        .bind(user_id)
        .bind(e164)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn set_confirmed_at(
        &self,
        user_id: i64,
        at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET confirmed_at = ?2, update_datetime = ?3 WHERE id = ?1",
        )
        .bind(user_id)
        .bind(opt_datetime_to_db(at)?)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()> {
        // One UPDATE: right-hand sides see the row as it was, so concurrent logins never lose
        // a count and `last_*` is always the previous `current_*`.
        let result = sqlx::query(
            "UPDATE \"user\" SET \
             last_login_at = COALESCE(current_login_at, ?2), \
             last_login_ip = COALESCE(current_login_ip, ?3), \
             current_login_at = ?2, \
             current_login_ip = ?3, \
             login_count = COALESCE(login_count, 0) + 1 \
             WHERE id = ?1",
        )
        .bind(user_id)
        .bind(datetime_to_db(at)?)
        .bind(ip)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn clear_mfa(&self, user_id: i64, now: OffsetDateTime) -> StoreResult<()> {
        let result = sqlx::query(
            "UPDATE \"user\" SET tf_primary_method = NULL, tf_totp_secret = NULL, \
             tf_phone_number = NULL, us_totp_secrets = NULL, us_phone_number = NULL, \
             mf_recovery_codes = NULL, update_datetime = ?2 \
             WHERE id = ?1",
        )
        .bind(user_id)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM \"user\"")
            .fetch_one(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl RoleStore for SqliteStore {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role> {
        let stored = asa_list_to_db(permissions)?;
        let result = sqlx::query(
            "INSERT INTO role (name, description, permissions, update_datetime) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(name)
        .bind(description)
        .bind(&stored)
        .bind(datetime_to_db(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(Role {
            id: result.last_insert_rowid(),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            permissions: asa_list_from_db(stored.as_deref()),
        })
    }

    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        sqlx::query("SELECT id, name, description, permissions FROM role WHERE name = ?1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?
            .as_ref()
            .map(role_from_row)
            .transpose()
    }

    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        sqlx::query("SELECT id, name, description, permissions FROM role ORDER BY name, id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_sqlx)?
            .iter()
            .map(role_from_row)
            .collect()
    }

    async fn set_role_permissions(
        &self,
        role_id: i64,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let result =
            sqlx::query("UPDATE role SET permissions = ?2, update_datetime = ?3 WHERE id = ?1")
                .bind(role_id)
                .bind(asa_list_to_db(permissions)?)
                .bind(datetime_to_db(now)?)
                .execute(&self.pool)
                .await
                .map_err(map_sqlx)?;
        Self::touched(result.rows_affected())
    }

    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        // `roles_users` has no key (as in Flask-Security), so check and insert in one write
        // transaction to keep the pair unique.
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(map_sqlx)?;
        let found: (Option<i64>, Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT 1 FROM \"user\" WHERE id = ?1), \
                    (SELECT 1 FROM role WHERE id = ?2), \
                    (SELECT 1 FROM roles_users WHERE user_id = ?1 AND role_id = ?2 LIMIT 1)",
        )
        .bind(user_id)
        .bind(role_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        match found {
            (Some(_), Some(_), Some(_)) => Ok(false),
            (Some(_), Some(_), None) => {
                sqlx::query("INSERT INTO roles_users (user_id, role_id) VALUES (?1, ?2)")
                    .bind(user_id)
                    .bind(role_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_sqlx)?;
                tx.commit().await.map_err(map_sqlx)?;
                Ok(true)
            }
            _ => Err(StoreError::NotFound),
        }
    }

    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let result = sqlx::query("DELETE FROM roles_users WHERE user_id = ?1 AND role_id = ?2")
            .bind(user_id)
            .bind(role_id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        sqlx::query(
            "SELECT id, name, description, permissions FROM role \
             WHERE id IN (SELECT role_id FROM roles_users WHERE user_id = ?1) \
             ORDER BY name, id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?
        .iter()
        .map(role_from_row)
        .collect()
    }
}

#[async_trait]
impl SessionStore for SqliteStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO portcullis_session (id_hash, user_uniquifier, data, expires_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id_hash) DO NOTHING",
        )
        .bind(&record.id_hash)
        .bind(&record.user_uniquifier)
        .bind(session_data_to_db(&record.data)?)
        .bind(record.expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        sqlx::query(
            "SELECT id_hash, user_uniquifier, data, expires_at FROM portcullis_session \
             WHERE id_hash = ?1 AND expires_at > ?2",
        )
        .bind(id_hash)
        .bind(now_unix)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE portcullis_session SET user_uniquifier = ?2, data = ?3, expires_at = ?4 \
             WHERE id_hash = ?1",
        )
        .bind(&record.id_hash)
        .bind(&record.user_uniquifier)
        .bind(session_data_to_db(&record.data)?)
        .bind(record.expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM portcullis_session WHERE id_hash = ?1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM portcullis_session WHERE user_uniquifier = ?1")
            .bind(user_uniquifier)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected())
    }

    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM portcullis_session WHERE expires_at <= ?1")
            .bind(now_unix)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected())
    }

    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM portcullis_session WHERE expires_at > ?1")
                .bind(now_unix)
                .fetch_one(&self.pool)
                .await
                .map_err(map_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl CounterStore for SqliteStore {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        let row = sqlx::query(
            "INSERT INTO portcullis_counter (key, value, expires_at) VALUES (?1, 1, ?3) \
             ON CONFLICT (key) DO UPDATE SET \
             value = CASE WHEN expires_at <= ?2 THEN 1 ELSE value + 1 END, \
             expires_at = CASE WHEN expires_at <= ?2 THEN ?3 ELSE expires_at END \
             RETURNING value, expires_at",
        )
        .bind(key)
        .bind(now_unix)
        .bind(now_unix.saturating_add(ttl_secs))
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)?;
        counter_from_row(&row)
    }

    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE portcullis_counter SET value = value - 1 \
             WHERE key = ?1 AND expires_at > ?2 AND value > 0",
        )
        .bind(key)
        .bind(now_unix)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        let row = sqlx::query(
            "SELECT value, expires_at FROM portcullis_counter WHERE key = ?1 AND expires_at > ?2",
        )
        .bind(key)
        .bind(now_unix)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?;
        row.as_ref().map(counter_from_row).transpose()
    }

    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO portcullis_counter (key, value, expires_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(i64::try_from(value).unwrap_or(i64::MAX))
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        for key in keys {
            sqlx::query("DELETE FROM portcullis_counter WHERE key = ?1")
                .bind(*key)
                .execute(&self.pool)
                .await
                .map_err(map_sqlx)?;
        }
        Ok(())
    }
}
