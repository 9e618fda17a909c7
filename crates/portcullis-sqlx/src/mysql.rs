//! The MySQL/MariaDB datastore.

mod migrate;

use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use portcullis_core::store::{
    CounterStore, RoleStore, SessionStore, StoreError, StoreResult, UserStore,
};
use portcullis_core::{NewUser, Role, SessionRecord, User};
use sqlx::mysql::{MySqlConnectOptions, MySqlPoolOptions};
use sqlx::{MySqlPool, QueryBuilder};
use time::OffsetDateTime;

use crate::convert::{asa_list_from_db, asa_list_to_db, map_sqlx, opt_to_naive_utc, to_naive_utc};
use crate::rows::{counter_from_row, role_from_row, session_from_row, user_from_row};
use crate::temporary::TemporaryDatabase;
use crate::{PoolSettings, session_data_to_db};

/// The `user` columns, in the order [`user_from_row`] reads them.
macro_rules! user_select {
    ($tail:expr) => {
        concat!(
            "SELECT id, email, username, password, active, fs_uniquifier, fs_token_uniquifier, ",
            "confirmed_at, last_login_at, current_login_at, last_login_ip, current_login_ip, ",
            "login_count, tf_primary_method, tf_totp_secret, tf_phone_number, us_totp_secrets, ",
            "us_phone_number, fs_webauthn_user_handle, mf_recovery_codes, create_datetime, ",
            "update_datetime FROM `user` ",
            $tail
        )
    };
}

/// SQL: `$column` equals the next `?` exactly — case, accents and trailing spaces included —
/// whatever the column's character set and collation (the tables' collation is
/// case-insensitive, so a plain `=` is not). Compares the UTF-8 bytes of both sides.
macro_rules! exact {
    ($column:literal) => {
        concat!(
            "CAST(CONVERT(",
            $column,
            " USING utf8mb4) AS BINARY) = CAST(? AS BINARY)"
        )
    };
}

/// How emails and usernames are matched ignoring case. With a case-insensitive collation
/// (`…_ci`, what MariaDB, MySQL and the tables made here use) a plain `=` already ignores case
/// and uses the UNIQUE index; with another one (`…_bin`, `…_cs`) `lower()` on both sides does,
/// without an index. The lookups (`by_*`) bind the value twice (match, then preference for the
/// exact spelling).
#[derive(Debug, Clone, Copy)]
struct CaseQueries {
    email_taken: &'static str,
    username_taken: &'static str,
    /// Binds the value, then the id of the user who may keep it.
    email_taken_by_other: &'static str,
    /// Binds the value, then the id of the user who may keep it.
    username_taken_by_other: &'static str,
    by_email: &'static str,
    by_username: &'static str,
}

const CASE_BY_COLLATION: CaseQueries = CaseQueries {
    email_taken: "SELECT 1 FROM `user` WHERE email = ? LIMIT 1",
    username_taken: "SELECT 1 FROM `user` WHERE username = ? LIMIT 1",
    email_taken_by_other: "SELECT 1 FROM `user` WHERE email = ? AND id <> ? LIMIT 1",
    username_taken_by_other: "SELECT 1 FROM `user` WHERE username = ? AND id <> ? LIMIT 1",
    by_email: user_select!(concat!(
        "WHERE email = ? ORDER BY ",
        exact!("email"),
        " DESC, id LIMIT 1"
    )),
    by_username: user_select!(concat!(
        "WHERE username = ? ORDER BY ",
        exact!("username"),
        " DESC, id LIMIT 1"
    )),
};

const CASE_BY_LOWER: CaseQueries = CaseQueries {
    email_taken: "SELECT 1 FROM `user` WHERE lower(email) = lower(?) LIMIT 1",
    username_taken: "SELECT 1 FROM `user` WHERE lower(username) = lower(?) LIMIT 1",
    email_taken_by_other: "SELECT 1 FROM `user` WHERE lower(email) = lower(?) AND id <> ? LIMIT 1",
    username_taken_by_other: "SELECT 1 FROM `user` WHERE lower(username) = lower(?) AND id <> ? LIMIT 1",
    by_email: user_select!(concat!(
        "WHERE lower(email) = lower(?) ORDER BY ",
        exact!("email"),
        " DESC, id LIMIT 1"
    )),
    by_username: user_select!(concat!(
        "WHERE lower(username) = lower(?) ORDER BY ",
        exact!("username"),
        " DESC, id LIMIT 1"
    )),
};

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
    pool: MySqlPool,
    location: Arc<str>,
    token_uniquifier_required: bool,
    case: CaseQueries,
    _temp: Option<Arc<TemporaryDatabase>>,
}

impl std::fmt::Debug for MySqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlStore")
            .field("location", &self.location)
            .field("connections", &self.pool.size())
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
        let case = if ci(&email_collation) && ci(&username_collation) {
            CASE_BY_COLLATION
        } else {
            tracing::warn!(
                email = email_collation.as_deref().unwrap_or("binary"),
                username = username_collation.as_deref().unwrap_or("binary"),
                "user.email/username have a case-sensitive collation: lookups ignoring case \
                 cannot use their indexes, and two registrations that differ only in case \
                 and race each other can both succeed"
            );
            CASE_BY_LOWER
        };
        Ok(Self {
            pool,
            location: Arc::from(crate::redact_url(url)),
            token_uniquifier_required: token_uniquifier.is_some_and(|c| c.0 == "NO"),
            case,
            _temp: temp,
        })
    }

    /// The connection pool, for queries this type does not offer (admin tools, tests).
    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Close every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn fetch_user<'q, A>(
        &self,
        query: sqlx::query::Query<'q, sqlx::MySql, A>,
    ) -> StoreResult<Option<User>>
    where
        A: sqlx::IntoArguments<sqlx::MySql> + 'q,
    {
        query
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_exists(&self, user_id: i64) -> StoreResult<bool> {
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM `user` WHERE id = ?")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(found.is_some())
    }

    /// Run an UPDATE on one user; `NotFound` when no row matched.
    async fn update_user<'q, A>(
        &self,
        user_id: i64,
        query: sqlx::query::Query<'q, sqlx::MySql, A>,
    ) -> StoreResult<()>
    where
        A: sqlx::IntoArguments<sqlx::MySql> + 'q,
    {
        let result = query.execute(&self.pool).await.map_err(map_sqlx)?;
        // Without CLIENT_FOUND_ROWS a row set to the values it had counts 0: look.
        if result.rows_affected() > 0 || self.user_exists(user_id).await? {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// After a conditional UPDATE: `true` if it changed the row, `false` if the user exists
    /// but the condition did not hold, `NotFound` otherwise.
    async fn changed(&self, rows: u64, user_id: i64) -> StoreResult<bool> {
        if rows > 0 {
            Ok(true)
        } else if self.user_exists(user_id).await? {
            Ok(false)
        } else {
            Err(StoreError::NotFound)
        }
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

/// Whether the user exists, read inside a transaction.
async fn user_exists_in(
    tx: &mut sqlx::Transaction<'_, sqlx::MySql>,
    user_id: i64,
) -> StoreResult<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM `user` WHERE id = ?")
        .bind(user_id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_sqlx)?;
    Ok(found.is_some())
}

/// The id `INSERT` gave the new row.
fn inserted_id(result: &sqlx::mysql::MySqlQueryResult) -> StoreResult<i64> {
    i64::try_from(result.last_insert_id())
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| StoreError::Backend("INSERT reported no new id".into()))
}

#[async_trait]
impl UserStore for MySqlStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let token_uniquifier = self
            .token_uniquifier_required
            .then(|| format!("{}t", new.fs_uniquifier));
        let now = to_naive_utc(new.now)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        // The check gives the field of a clash with a committed user; a clash with a
        // registration still in flight is caught by the (case-insensitive) UNIQUE index: the
        // INSERT waits for the other transaction and fails with a duplicate key, which
        // `map_sqlx` reports as `Conflict("email")`/`("username")`.
        let taken: Option<i64> = sqlx::query_scalar(self.case.email_taken)
            .bind(&new.email)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if taken.is_some() {
            return Err(StoreError::Conflict("email"));
        }
        if let Some(username) = &new.username {
            let taken: Option<i64> = sqlx::query_scalar(self.case.username_taken)
                .bind(username)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("username"));
            }
        }
        let result = sqlx::query(
            "INSERT INTO `user` (email, username, password, active, fs_uniquifier, \
             fs_token_uniquifier, confirmed_at, create_datetime, update_datetime) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&new.email)
        .bind(&new.username)
        .bind(&new.password)
        .bind(new.active)
        .bind(&new.fs_uniquifier)
        .bind(&token_uniquifier)
        .bind(opt_to_naive_utc(new.confirmed_at)?)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        let id = inserted_id(&result)?;
        let row = sqlx::query(user_select!("WHERE id = ?"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let user = user_from_row(&row)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(user)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(user_select!("WHERE id = ?")).bind(id))
            .await
    }

    async fn user_by_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(concat!(
                "WHERE fs_uniquifier = ? AND ",
                exact!("fs_uniquifier")
            )))
            .bind(uniquifier)
            .bind(uniquifier),
        )
        .await
    }

    async fn user_by_token_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(concat!(
                "WHERE (fs_token_uniquifier = ? AND ",
                exact!("fs_token_uniquifier"),
                ") OR (fs_token_uniquifier IS NULL AND fs_uniquifier = ? AND ",
                exact!("fs_uniquifier"),
                ") LIMIT 1"
            )))
            .bind(uniquifier)
            .bind(uniquifier)
            .bind(uniquifier)
            .bind(uniquifier),
        )
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(self.case.by_email).bind(email).bind(email))
            .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(self.case.by_username)
                .bind(username)
                .bind(username),
        )
        .await
    }

    async fn user_by_phone(&self, e164: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(concat!(
                "WHERE us_phone_number = ? AND ",
                exact!("us_phone_number"),
                " LIMIT 1"
            )))
            .bind(e164)
            .bind(e164),
        )
        .await
    }

    async fn set_email(
        &self,
        user_id: i64,
        email: &str,
        confirmed_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let confirmed_at = opt_to_naive_utc(confirmed_at)?;
        let now = to_naive_utc(now)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        if !user_exists_in(&mut tx, user_id).await? {
            return Err(StoreError::NotFound);
        }
        // As in `create_user`: the check names the field of a clash with a committed user; a
        // clash with a change or registration still in flight is caught by the
        // (case-insensitive) UNIQUE index, which makes the UPDATE wait for the other
        // transaction and fail with a duplicate key (`Conflict("email")` from `map_sqlx`). The
        // user's own row never clashes with itself, so changing the case of one's own address
        // is fine.
        let taken: Option<i64> = sqlx::query_scalar(self.case.email_taken_by_other)
            .bind(email)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if taken.is_some() {
            return Err(StoreError::Conflict("email"));
        }
        let result = sqlx::query(
            "UPDATE `user` SET email = ?, confirmed_at = ?, update_datetime = ? WHERE id = ?",
        )
        .bind(email)
        .bind(confirmed_at)
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        // CLIENT_FOUND_ROWS: the row is counted even when nothing changed.
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit().await.map_err(map_sqlx)
    }

    async fn set_username(
        &self,
        user_id: i64,
        username: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let now = to_naive_utc(now)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        if !user_exists_in(&mut tx, user_id).await? {
            return Err(StoreError::NotFound);
        }
        // As `set_email`: the check for committed users, the UNIQUE index for the rest.
        if let Some(username) = username {
            let taken: Option<i64> = sqlx::query_scalar(self.case.username_taken_by_other)
                .bind(username)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("username"));
            }
        }
        let result =
            sqlx::query("UPDATE `user` SET username = ?, update_datetime = ? WHERE id = ?")
                .bind(username)
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if result.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
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
        self.update_user(
            user_id,
            sqlx::query(
                "UPDATE `user` SET tf_primary_method = ?, tf_totp_secret = ?, \
                 tf_phone_number = ?, update_datetime = ? WHERE id = ?",
            )
            .bind(method)
            .bind(totp_secret)
            .bind(phone)
            .bind(to_naive_utc(now)?)
            .bind(user_id),
        )
        .await
    }

    async fn set_us_totp_secrets(
        &self,
        user_id: i64,
        secrets: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.update_user(
            user_id,
            sqlx::query("UPDATE `user` SET us_totp_secrets = ?, update_datetime = ? WHERE id = ?")
                .bind(secrets)
                .bind(to_naive_utc(now)?)
                .bind(user_id),
        )
        .await
    }

    async fn set_recovery_codes(
        &self,
        user_id: i64,
        expected: Option<&[String]>,
        codes: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let stored = asa_list_to_db(codes)?;
        let now = to_naive_utc(now)?;
        let result = match expected {
            None => {
                sqlx::query(
                    "UPDATE `user` SET mf_recovery_codes = ?, update_datetime = ? WHERE id = ?",
                )
                .bind(stored)
                .bind(now)
                .bind(user_id)
                .execute(&self.pool)
                .await
            }
            Some(expected) => {
                // One statement: InnoDB evaluates an UPDATE's WHERE against the latest committed
                // row, under its lock, so two requests using the same code cannot both replace
                // the list. Compared byte for byte (the table's collation ignores case, and
                // codes are case-sensitive); NULL and '' are both the empty list
                // (Flask-Security writes '' for it).
                let expected = asa_list_to_db(expected)?.unwrap_or_default();
                sqlx::query(concat!(
                    "UPDATE `user` SET mf_recovery_codes = ?, update_datetime = ? \
                     WHERE id = ? AND ",
                    exact!("COALESCE(mf_recovery_codes, '')")
                ))
                .bind(stored)
                .bind(now)
                .bind(user_id)
                .bind(expected)
                .execute(&self.pool)
                .await
            }
        }
        .map_err(map_sqlx)?;
        // CLIENT_FOUND_ROWS: a matched row counts even when the values did not change.
        self.changed(result.rows_affected(), user_id).await
    }

    async fn set_phone(
        &self,
        user_id: i64,
        e164: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.update_user(
            user_id,
            sqlx::query("UPDATE `user` SET us_phone_number = ?, update_datetime = ? WHERE id = ?")
                .bind(e164)
                .bind(to_naive_utc(now)?)
                .bind(user_id),
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
        // MySQL evaluates assignments left to right, each seeing the columns already
        // assigned; none of these reads a column assigned before it.
        self.update_user(
            user_id,
            sqlx::query(
                "UPDATE `user` SET password = ?, \
                 fs_uniquifier = COALESCE(?, fs_uniquifier), \
                 fs_token_uniquifier = CASE WHEN ? IS NOT NULL \
                     AND fs_token_uniquifier IS NOT NULL \
                     THEN CONCAT(?, 't') ELSE fs_token_uniquifier END, \
                 update_datetime = ? \
                 WHERE id = ?",
            )
            .bind(hash)
            .bind(new_uniquifier)
            .bind(new_uniquifier)
            .bind(new_uniquifier)
            .bind(to_naive_utc(now)?)
            .bind(user_id),
        )
        .await
    }

    async fn upgrade_password(
        &self,
        user_id: i64,
        expected: &str,
        hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let result = sqlx::query(concat!(
            "UPDATE `user` SET password = ?, update_datetime = ? WHERE id = ? AND ",
            exact!("password")
        ))
        .bind(hash)
        .bind(to_naive_utc(now)?)
        .bind(user_id)
        .bind(expected)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        self.changed(result.rows_affected(), user_id).await
    }

    async fn set_uniquifier(
        &self,
        user_id: i64,
        uniquifier: &str,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.update_user(
            user_id,
            sqlx::query(
                "UPDATE `user` SET fs_uniquifier = ?, \
                 fs_token_uniquifier = CASE WHEN fs_token_uniquifier IS NOT NULL \
                     THEN CONCAT(?, 't') ELSE NULL END, \
                 update_datetime = ? \
                 WHERE id = ?",
            )
            .bind(uniquifier)
            .bind(uniquifier)
            .bind(to_naive_utc(now)?)
            .bind(user_id),
        )
        .await
    }

    async fn set_active(
        &self,
        user_id: i64,
        active: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let result = sqlx::query(
            "UPDATE `user` SET active = ?, update_datetime = ? \
             WHERE id = ? AND NOT (active <=> ?)",
        )
        .bind(active)
        .bind(to_naive_utc(now)?)
        .bind(user_id)
        .bind(active)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        self.changed(result.rows_affected(), user_id).await
    }

    async fn set_confirmed_at(
        &self,
        user_id: i64,
        at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.update_user(
            user_id,
            sqlx::query("UPDATE `user` SET confirmed_at = ?, update_datetime = ? WHERE id = ?")
                .bind(opt_to_naive_utc(at)?)
                .bind(to_naive_utc(now)?)
                .bind(user_id),
        )
        .await
    }

    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()> {
        // One UPDATE, so concurrent logins never lose a count. MySQL evaluates the assignments
        // left to right, each seeing the columns already assigned: `last_*` is assigned from
        // `current_*` before `current_*` is overwritten (and with MariaDB's
        // SIMULTANEOUS_ASSIGNMENT mode this order is right too).
        let at = to_naive_utc(at)?;
        self.update_user(
            user_id,
            sqlx::query(
                "UPDATE `user` SET \
                 last_login_at = COALESCE(current_login_at, ?), \
                 last_login_ip = COALESCE(current_login_ip, ?), \
                 current_login_at = ?, \
                 current_login_ip = ?, \
                 login_count = COALESCE(login_count, 0) + 1 \
                 WHERE id = ?",
            )
            .bind(at)
            .bind(ip)
            .bind(at)
            .bind(ip)
            .bind(user_id),
        )
        .await
    }

    async fn clear_mfa(&self, user_id: i64, now: OffsetDateTime) -> StoreResult<()> {
        self.update_user(
            user_id,
            sqlx::query(
                "UPDATE `user` SET tf_primary_method = NULL, tf_totp_secret = NULL, \
                 tf_phone_number = NULL, us_totp_secrets = NULL, us_phone_number = NULL, \
                 mf_recovery_codes = NULL, update_datetime = ? \
                 WHERE id = ?",
            )
            .bind(to_naive_utc(now)?)
            .bind(user_id),
        )
        .await
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM `user`")
            .fetch_one(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Roles ordered by name as the other dialects order them (by code point, not by the
/// case-insensitive collation), then id.
macro_rules! role_order {
    () => {
        " ORDER BY CAST(CONVERT(name USING utf8mb4) AS BINARY), id"
    };
}

#[async_trait]
impl RoleStore for MySqlStore {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role> {
        let stored = asa_list_to_db(permissions)?;
        let result = sqlx::query(
            "INSERT INTO `role` (name, description, permissions, update_datetime) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(name)
        .bind(description)
        .bind(&stored)
        .bind(to_naive_utc(now)?)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(Role {
            id: inserted_id(&result)?,
            name: name.to_owned(),
            description: description.map(str::to_owned),
            permissions: asa_list_from_db(stored.as_deref()),
        })
    }

    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        sqlx::query(concat!(
            "SELECT id, name, description, permissions FROM `role` WHERE name = ? AND ",
            exact!("name")
        ))
        .bind(name)
        .bind(name)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?
        .as_ref()
        .map(role_from_row)
        .transpose()
    }

    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        sqlx::query(concat!(
            "SELECT id, name, description, permissions FROM `role`",
            role_order!()
        ))
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
            sqlx::query("UPDATE `role` SET permissions = ?, update_datetime = ? WHERE id = ?")
                .bind(asa_list_to_db(permissions)?)
                .bind(to_naive_utc(now)?)
                .bind(role_id)
                .execute(&self.pool)
                .await
                .map_err(map_sqlx)?;
        if result.rows_affected() > 0 {
            return Ok(());
        }
        let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM `role` WHERE id = ?")
            .bind(role_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        found.map(|_| ()).ok_or(StoreError::NotFound)
    }

    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        // `roles_users` has no key (as in Flask-Security): lock the user's row, then check and
        // insert, so that concurrent adds of one pair insert it once.
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        let user: Option<i64> = sqlx::query_scalar("SELECT id FROM `user` WHERE id = ? FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if user.is_none() {
            return Err(StoreError::NotFound);
        }
        // The first plain (consistent) read of the transaction: under REPEATABLE READ its
        // snapshot is taken now, after the lock was granted, so it sees a pair that a
        // concurrent add committed while this one waited.
        let found: (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT (SELECT 1 FROM `role` WHERE id = ?), \
                    (SELECT 1 FROM roles_users WHERE user_id = ? AND role_id = ? LIMIT 1)",
        )
        .bind(role_id)
        .bind(user_id)
        .bind(role_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        match found {
            (Some(_), Some(_)) => Ok(false),
            (Some(_), None) => {
                sqlx::query("INSERT INTO roles_users (user_id, role_id) VALUES (?, ?)")
                    .bind(user_id)
                    .bind(role_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_sqlx)?;
                tx.commit().await.map_err(map_sqlx)?;
                Ok(true)
            }
            (None, _) => Err(StoreError::NotFound),
        }
    }

    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let result = sqlx::query("DELETE FROM roles_users WHERE user_id = ? AND role_id = ?")
            .bind(user_id)
            .bind(role_id)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        sqlx::query(concat!(
            "SELECT id, name, description, permissions FROM `role` ",
            "WHERE id IN (SELECT role_id FROM roles_users WHERE user_id = ?)",
            role_order!()
        ))
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
impl SessionStore for MySqlStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        // A plain INSERT whose duplicate-key error means "taken": `INSERT IGNORE` would also
        // turn other errors (a value too long) into warnings and store a truncated row, and
        // `ON DUPLICATE KEY UPDATE` reports a no-op update as one affected row.
        let result = sqlx::query(
            "INSERT INTO portcullis_session (id_hash, user_uniquifier, data, expires_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(&record.id_hash)
        .bind(&record.user_uniquifier)
        .bind(session_data_to_db(&record.data)?)
        .bind(record.expires_at)
        .execute(&self.pool)
        .await;
        match result {
            Ok(done) => Ok(done.rows_affected() > 0),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(e) => Err(map_sqlx(e)),
        }
    }

    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        sqlx::query(
            "SELECT id_hash, user_uniquifier, data, expires_at FROM portcullis_session \
             WHERE id_hash = ? AND expires_at > ?",
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
            "UPDATE portcullis_session SET user_uniquifier = ?, data = ?, expires_at = ? \
             WHERE id_hash = ?",
        )
        .bind(&record.user_uniquifier)
        .bind(session_data_to_db(&record.data)?)
        .bind(record.expires_at)
        .bind(&record.id_hash)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        if done.rows_affected() > 0 {
            return Ok(true);
        }
        // Without CLIENT_FOUND_ROWS an unchanged record counts 0: look.
        let found: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM portcullis_session WHERE id_hash = ?")
                .bind(&record.id_hash)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_sqlx)?;
        Ok(found.is_some())
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM portcullis_session WHERE id_hash = ?")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM portcullis_session WHERE user_uniquifier = ?")
            .bind(user_uniquifier)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected())
    }

    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM portcullis_session WHERE expires_at <= ?")
            .bind(now_unix)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected())
    }

    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM portcullis_session WHERE expires_at > ?")
                .bind(now_unix)
                .fetch_one(&self.pool)
                .await
                .map_err(map_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

/// Characters `portcullis_counter.key` holds.
const COUNTER_KEY_CHARS: usize = 255;

/// The stored form of a counter key. Keys that do not fit the column (one with an unknown
/// identity typed at sign-in can be long) become their first 200 characters, their length and
/// a hash of the whole (64-bit FNV-1a: stable across builds and instances).
fn counter_key(key: &str) -> Cow<'_, str> {
    if key.chars().count() <= COUNTER_KEY_CHARS {
        return Cow::Borrowed(key);
    }
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    let prefix: String = key.chars().take(200).collect();
    Cow::Owned(format!("{prefix}#{}:{hash:016x}", key.len()))
}

/// How often a counter increment is tried when InnoDB reports a deadlock.
const DEADLOCK_ATTEMPTS: u32 = 3;

/// Whether the server chose this statement's transaction as a deadlock victim (error 1213).
fn is_deadlock(err: &sqlx::Error) -> bool {
    const ER_LOCK_DEADLOCK: u16 = 1213;
    matches!(err, sqlx::Error::Database(db)
        if db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .is_some_and(|e| e.number() == ER_LOCK_DEADLOCK))
}

impl MySqlStore {
    /// One increment: upsert, then read back, in one transaction (no RETURNING in MySQL),
    /// which holds the row's lock in between. In the update `value` is assigned before
    /// `expires_at`, so both test the old expiry (MySQL assignments see the columns already
    /// assigned).
    async fn incr_once(
        &self,
        key: &str,
        fresh_expiry: i64,
        now_unix: i64,
    ) -> Result<(i64, i64), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO portcullis_counter (`key`, value, expires_at) VALUES (?, 1, ?) \
             ON DUPLICATE KEY UPDATE \
             value = IF(expires_at <= ?, 1, value + 1), \
             expires_at = IF(expires_at <= ?, ?, expires_at)",
        )
        .bind(key)
        .bind(fresh_expiry)
        .bind(now_unix)
        .bind(now_unix)
        .bind(fresh_expiry)
        .execute(&mut *tx)
        .await?;
        let counter =
            sqlx::query_as("SELECT value, expires_at FROM portcullis_counter WHERE `key` = ?")
                .bind(key)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(counter)
    }
}

#[async_trait]
impl CounterStore for MySqlStore {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        let key = counter_key(key);
        let fresh_expiry = now_unix.saturating_add(ttl_secs);
        let mut attempt = 1;
        loop {
            match self.incr_once(&key, fresh_expiry, now_unix).await {
                Ok((value, expires_at)) => {
                    return Ok((u64::try_from(value).unwrap_or(0), expires_at));
                }
                // InnoDB may pick a concurrent upsert of neighbouring keys as a deadlock victim
                // (gap locks); it rolled the transaction back, so run it again.
                Err(e) if attempt < DEADLOCK_ATTEMPTS && is_deadlock(&e) => attempt += 1,
                Err(e) => return Err(map_sqlx(e)),
            }
        }
    }

    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE portcullis_counter SET value = value - 1 \
             WHERE `key` = ? AND expires_at > ? AND value > 0",
        )
        .bind(counter_key(key).as_ref())
        .bind(now_unix)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        sqlx::query(
            "SELECT value, expires_at FROM portcullis_counter WHERE `key` = ? AND expires_at > ?",
        )
        .bind(counter_key(key).as_ref())
        .bind(now_unix)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?
        .as_ref()
        .map(counter_from_row)
        .transpose()
    }

    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        let value = i64::try_from(value).unwrap_or(i64::MAX);
        sqlx::query(
            "INSERT INTO portcullis_counter (`key`, value, expires_at) VALUES (?, ?, ?) \
             ON DUPLICATE KEY UPDATE value = ?, expires_at = ?",
        )
        .bind(counter_key(key).as_ref())
        .bind(value)
        .bind(expires_at)
        .bind(value)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        if keys.is_empty() {
            return Ok(());
        }
        let mut query = QueryBuilder::new("DELETE FROM portcullis_counter WHERE `key` IN (");
        let mut list = query.separated(", ");
        for key in keys {
            list.push_bind(counter_key(key).into_owned());
        }
        list.push_unseparated(")");
        query.build().execute(&self.pool).await.map_err(map_sqlx)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::counter_key;

    #[test]
    fn long_counter_keys_are_shortened_deterministically() {
        assert_eq!(counter_key("user:1"), "user:1");
        let exact = "k".repeat(255);
        assert_eq!(counter_key(&exact), exact.as_str());
        let long = format!("lockout:fail:identity:{}", "é".repeat(300));
        let short = counter_key(&long);
        assert!(short.chars().count() <= 255, "{short}");
        assert!(short.starts_with("lockout:fail:identity:é"));
        assert_eq!(short, counter_key(&long), "deterministic");
        let other = format!("lockout:fail:identity:{}x", "é".repeat(300));
        assert_ne!(counter_key(&other), short, "the whole key counts");
    }
}
