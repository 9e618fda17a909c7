//! The PostgreSQL datastore.

mod migrate;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use portcullis_core::store::{
    CounterStore, RoleStore, SessionStore, StoreError, StoreResult, UserStore,
};
use portcullis_core::{NewUser, Role, SessionRecord, User};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::OffsetDateTime;

use crate::convert::{asa_list_from_db, asa_list_to_db, map_sqlx, opt_to_naive_utc, to_naive_utc};
use crate::rows::{counter_from_row, role_from_row, session_from_row, user_from_row};
use crate::temporary::TemporaryDatabase;
use crate::{PoolSettings, session_data_to_db};

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
    pool: PgPool,
    location: Arc<str>,
    token_uniquifier_required: bool,
    _temp: Option<Arc<TemporaryDatabase>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("location", &self.location)
            .field("connections", &self.pool.size())
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
            pool,
            location: Arc::from(crate::redact_url(url)),
            token_uniquifier_required: not_null.as_deref() == Some("NO"),
            _temp: temp,
        })
    }

    /// The connection pool, for queries this type does not offer (admin tools, tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Close every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn fetch_user<'q, A>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Postgres, A>,
    ) -> StoreResult<Option<User>>
    where
        A: sqlx::IntoArguments<sqlx::Postgres> + 'q,
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
        // Ids are int4 everywhere in this store: one SQL text, one bind type (the driver caches
        // prepared statements by text).
        let Some(id) = int4(user_id) else {
            return Ok(false);
        };
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM \"user\" WHERE id = $1::int4")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(found.is_some())
    }

    /// Run an UPDATE on one user; `NotFound` when no row matched.
    async fn update_user<'q, A>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Postgres, A>,
    ) -> StoreResult<()>
    where
        A: sqlx::IntoArguments<sqlx::Postgres> + 'q,
    {
        let result = query.execute(&self.pool).await.map_err(map_sqlx)?;
        if result.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
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

/// Whether the user exists, read inside a transaction. Its own SQL text: the driver caches
/// prepared statements by text, and [`PgStore::user_exists`] prepares `... WHERE id = $1` with
/// an int8 parameter, into which an int4 cannot be bound.
async fn user_exists_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    id: i32,
) -> StoreResult<bool> {
    let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM \"user\" WHERE id = $1::int4")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_sqlx)?;
    Ok(found.is_some())
}

/// An id for an `INTEGER` (int4) column; `None` (no such row) when out of range.
fn int4(id: i64) -> Option<i32> {
    i32::try_from(id).ok()
}

#[async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let token_uniquifier = self
            .token_uniquifier_required
            .then(|| format!("{}t", new.fs_uniquifier));
        let now = to_naive_utc(new.now)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        // Serialise creations of the same email/username (ignoring case) across every
        // connection and instance until this transaction ends.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('portcullis:email:' || lower($1)))")
            .bind(&new.email)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        if let Some(username) = &new.username {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtext('portcullis:username:' || lower($1)))",
            )
            .bind(username)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        }
        let taken: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM \"user\" WHERE lower(email) = lower($1) LIMIT 1")
                .bind(&new.email)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_sqlx)?;
        if taken.is_some() {
            return Err(StoreError::Conflict("email"));
        }
        if let Some(username) = &new.username {
            let taken: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM \"user\" WHERE lower(username) = lower($1) LIMIT 1",
            )
            .bind(username)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("username"));
            }
        }
        let id: i32 = sqlx::query_scalar(
            "INSERT INTO \"user\" (email, username, password, active, fs_uniquifier, \
             fs_token_uniquifier, confirmed_at, create_datetime, update_datetime) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(&new.email)
        .bind(&new.username)
        .bind(&new.password)
        .bind(new.active)
        .bind(&new.fs_uniquifier)
        .bind(&token_uniquifier)
        .bind(opt_to_naive_utc(new.confirmed_at)?)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        let row = sqlx::query(user_select!("WHERE id = $1"))
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let user = user_from_row(&row)?;
        tx.commit().await.map_err(map_sqlx)?;
        Ok(user)
    }

    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>> {
        let Some(id) = int4(id) else {
            return Ok(None);
        };
        self.fetch_user(sqlx::query(user_select!("WHERE id = $1")).bind(id))
            .await
    }

    async fn user_by_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(user_select!("WHERE fs_uniquifier = $1")).bind(uniquifier))
            .await
    }

    async fn user_by_token_uniquifier(&self, uniquifier: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(
                "WHERE fs_token_uniquifier = $1 \
                 OR (fs_token_uniquifier IS NULL AND fs_uniquifier = $1) LIMIT 1"
            ))
            .bind(uniquifier),
        )
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(
                "WHERE lower(email) = lower($1) ORDER BY email = $1 DESC, id LIMIT 1"
            ))
            .bind(email),
        )
        .await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.fetch_user(
            sqlx::query(user_select!(
                "WHERE lower(username) = lower($1) ORDER BY username = $1 DESC, id LIMIT 1"
            ))
            .bind(username),
        )
        .await
    }

    async fn user_by_phone(&self, e164: &str) -> StoreResult<Option<User>> {
        self.fetch_user(sqlx::query(user_select!("WHERE us_phone_number = $1 LIMIT 1")).bind(e164))
            .await
    }

    async fn set_email(
        &self,
        user_id: i64,
        email: &str,
        confirmed_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let Some(id) = int4(user_id) else {
            return Err(StoreError::NotFound);
        };
        let confirmed_at = opt_to_naive_utc(confirmed_at)?;
        let now = to_naive_utc(now)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        // The lock `create_user` takes for this address (ignoring case): a registration or
        // another change to the same address waits for this transaction, then sees its result.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext('portcullis:email:' || lower($1)))")
            .bind(email)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let exists = user_exists_in(&mut tx, id).await?;
        if !exists {
            return Err(StoreError::NotFound);
        }
        let taken: Option<i32> = sqlx::query_scalar(
            "SELECT 1 FROM \"user\" WHERE lower(email) = lower($1) AND id <> $2 LIMIT 1",
        )
        .bind(email)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        if taken.is_some() {
            return Err(StoreError::Conflict("email"));
        }
        let result = sqlx::query(
            "UPDATE \"user\" SET email = $2, confirmed_at = $3, update_datetime = $4 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(email)
        .bind(confirmed_at)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_sqlx)?;
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
        let Some(id) = int4(user_id) else {
            return Err(StoreError::NotFound);
        };
        let now = to_naive_utc(now)?;
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        if let Some(username) = username {
            // The lock `create_user` takes for this username (ignoring case).
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtext('portcullis:username:' || lower($1)))",
            )
            .bind(username)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        }
        let exists = user_exists_in(&mut tx, id).await?;
        if !exists {
            return Err(StoreError::NotFound);
        }
        if let Some(username) = username {
            let taken: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM \"user\" WHERE lower(username) = lower($1) AND id <> $2 LIMIT 1",
            )
            .bind(username)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_sqlx)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("username"));
            }
        }
        let result =
            sqlx::query("UPDATE \"user\" SET username = $2, update_datetime = $3 WHERE id = $1")
                .bind(id)
                .bind(username)
                .bind(now)
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
            sqlx::query(
                "UPDATE \"user\" SET tf_primary_method = $2, tf_totp_secret = $3, \
                 tf_phone_number = $4, update_datetime = $5 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(method)
            .bind(totp_secret)
            .bind(phone)
            .bind(to_naive_utc(now)?),
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
            sqlx::query(
                "UPDATE \"user\" SET us_totp_secrets = $2, update_datetime = $3 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(secrets)
            .bind(to_naive_utc(now)?),
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
                    "UPDATE \"user\" SET mf_recovery_codes = $2, update_datetime = $3 \
                     WHERE id = $1",
                )
                .bind(int4(user_id))
                .bind(stored)
                .bind(now)
                .execute(&self.pool)
                .await
            }
            Some(expected) => {
                // One statement: under READ COMMITTED an UPDATE that waited for a concurrent
                // one re-checks its WHERE against the row that one committed, so two requests
                // using the same code cannot both replace the list. NULL and '' are both the
                // empty list (Flask-Security writes '' for it).
                let expected = asa_list_to_db(expected)?.unwrap_or_default();
                sqlx::query(
                    "UPDATE \"user\" SET mf_recovery_codes = $2, update_datetime = $3 \
                     WHERE id = $1 AND COALESCE(mf_recovery_codes, '') = $4::text",
                )
                .bind(int4(user_id))
                .bind(stored)
                .bind(now)
                .bind(expected)
                .execute(&self.pool)
                .await
            }
        }
        .map_err(map_sqlx)?;
        self.changed(result.rows_affected(), user_id).await
    }

    async fn set_phone(
        &self,
        user_id: i64,
        e164: Option<&str>,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.update_user(
            sqlx::query(
                "UPDATE \"user\" SET us_phone_number = $2, update_datetime = $3 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(e164)
            .bind(to_naive_utc(now)?),
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
        self.update_user(
            sqlx::query(
                "UPDATE \"user\" SET password = $2, \
                 fs_uniquifier = COALESCE($3, fs_uniquifier), \
                 fs_token_uniquifier = CASE WHEN $3::text IS NOT NULL \
                     AND fs_token_uniquifier IS NOT NULL \
                     THEN $3 || 't' ELSE fs_token_uniquifier END, \
                 update_datetime = $4 \
                 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(hash)
            .bind(new_uniquifier)
            .bind(to_naive_utc(now)?),
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
        let result = sqlx::query(
            "UPDATE \"user\" SET password = $3, update_datetime = $4 \
             WHERE id = $1 AND password = $2",
        )
        .bind(int4(user_id))
        .bind(expected)
        .bind(hash)
        .bind(to_naive_utc(now)?)
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
            sqlx::query(
                "UPDATE \"user\" SET fs_uniquifier = $2, \
                 fs_token_uniquifier = CASE WHEN fs_token_uniquifier IS NOT NULL \
                     THEN $2 || 't' ELSE NULL END, \
                 update_datetime = $3 \
                 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(uniquifier)
            .bind(to_naive_utc(now)?),
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
            "UPDATE \"user\" SET active = $2, update_datetime = $3 \
             WHERE id = $1 AND active IS DISTINCT FROM $2",
        )
        .bind(int4(user_id))
        .bind(active)
        .bind(to_naive_utc(now)?)
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
            sqlx::query(
                "UPDATE \"user\" SET confirmed_at = $2, update_datetime = $3 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(opt_to_naive_utc(at)?)
            .bind(to_naive_utc(now)?),
        )
        .await
    }

    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()> {
        // One UPDATE: right-hand sides see the row as it was, so concurrent logins never lose
        // a count and `last_*` is always the previous `current_*`.
        self.update_user(
            sqlx::query(
                "UPDATE \"user\" SET \
                 last_login_at = COALESCE(current_login_at, $2), \
                 last_login_ip = COALESCE(current_login_ip, $3), \
                 current_login_at = $2, \
                 current_login_ip = $3, \
                 login_count = COALESCE(login_count, 0) + 1 \
                 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(to_naive_utc(at)?)
            .bind(ip),
        )
        .await
    }

    async fn clear_mfa(&self, user_id: i64, now: OffsetDateTime) -> StoreResult<()> {
        self.update_user(
            sqlx::query(
                "UPDATE \"user\" SET tf_primary_method = NULL, tf_totp_secret = NULL, \
                 tf_phone_number = NULL, us_totp_secrets = NULL, us_phone_number = NULL, \
                 mf_recovery_codes = NULL, update_datetime = $2 \
                 WHERE id = $1",
            )
            .bind(int4(user_id))
            .bind(to_naive_utc(now)?),
        )
        .await
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
impl RoleStore for PgStore {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role> {
        let stored = asa_list_to_db(permissions)?;
        let id: i32 = sqlx::query_scalar(
            "INSERT INTO role (name, description, permissions, update_datetime) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(name)
        .bind(description)
        .bind(&stored)
        .bind(to_naive_utc(now)?)
        .fetch_one(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(Role {
            id: i64::from(id),
            name: name.to_owned(),
            description: description.map(str::to_owned),
            permissions: asa_list_from_db(stored.as_deref()),
        })
    }

    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        sqlx::query("SELECT id, name, description, permissions FROM role WHERE name = $1")
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
            sqlx::query("UPDATE role SET permissions = $2, update_datetime = $3 WHERE id = $1")
                .bind(int4(role_id))
                .bind(asa_list_to_db(permissions)?)
                .bind(to_naive_utc(now)?)
                .execute(&self.pool)
                .await
                .map_err(map_sqlx)?;
        if result.rows_affected() == 0 {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }

    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let (Some(user_id), Some(role_id)) = (int4(user_id), int4(role_id)) else {
            return Err(StoreError::NotFound);
        };
        // `roles_users` has no key (as in Flask-Security): lock the pair, then check and insert.
        let mut tx = self.pool.begin().await.map_err(map_sqlx)?;
        sqlx::query("SELECT pg_advisory_xact_lock($1, $2)")
            .bind(user_id)
            .bind(role_id)
            .execute(&mut *tx)
            .await
            .map_err(map_sqlx)?;
        let found: (Option<i32>, Option<i32>, Option<i32>) = sqlx::query_as(
            "SELECT (SELECT 1 FROM \"user\" WHERE id = $1), \
                    (SELECT 1 FROM role WHERE id = $2), \
                    (SELECT 1 FROM roles_users WHERE user_id = $1 AND role_id = $2 LIMIT 1)",
        )
        .bind(user_id)
        .bind(role_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_sqlx)?;
        match found {
            (Some(_), Some(_), Some(_)) => Ok(false),
            (Some(_), Some(_), None) => {
                sqlx::query("INSERT INTO roles_users (user_id, role_id) VALUES ($1, $2)")
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
        let result = sqlx::query("DELETE FROM roles_users WHERE user_id = $1 AND role_id = $2")
            .bind(int4(user_id))
            .bind(int4(role_id))
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected() > 0)
    }

    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        sqlx::query(
            "SELECT id, name, description, permissions FROM role \
             WHERE id IN (SELECT role_id FROM roles_users WHERE user_id = $1) \
             ORDER BY name, id",
        )
        .bind(int4(user_id))
        .fetch_all(&self.pool)
        .await
        .map_err(map_sqlx)?
        .iter()
        .map(role_from_row)
        .collect()
    }
}

#[async_trait]
impl SessionStore for PgStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let result = sqlx::query(
            "INSERT INTO portcullis_session (id_hash, user_uniquifier, data, expires_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (id_hash) DO NOTHING",
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
             WHERE id_hash = $1 AND expires_at > $2",
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
            "UPDATE portcullis_session SET user_uniquifier = $2, data = $3, expires_at = $4 \
             WHERE id_hash = $1",
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
        sqlx::query("DELETE FROM portcullis_session WHERE id_hash = $1")
            .bind(id_hash)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM portcullis_session WHERE user_uniquifier = $1")
            .bind(user_uniquifier)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected())
    }

    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let result = sqlx::query("DELETE FROM portcullis_session WHERE expires_at <= $1")
            .bind(now_unix)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(result.rows_affected())
    }

    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM portcullis_session WHERE expires_at > $1")
                .bind(now_unix)
                .fetch_one(&self.pool)
                .await
                .map_err(map_sqlx)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl CounterStore for PgStore {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        let row = sqlx::query(
            "INSERT INTO portcullis_counter AS c (key, value, expires_at) VALUES ($1, 1, $3) \
             ON CONFLICT (key) DO UPDATE SET \
             value = CASE WHEN c.expires_at <= $2 THEN 1 ELSE c.value + 1 END, \
             expires_at = CASE WHEN c.expires_at <= $2 THEN $3 ELSE c.expires_at END \
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
             WHERE key = $1 AND expires_at > $2 AND value > 0",
        )
        .bind(key)
        .bind(now_unix)
        .execute(&self.pool)
        .await
        .map_err(map_sqlx)?;
        Ok(())
    }

    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        sqlx::query(
            "SELECT value, expires_at FROM portcullis_counter WHERE key = $1 AND expires_at > $2",
        )
        .bind(key)
        .bind(now_unix)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_sqlx)?
        .as_ref()
        .map(counter_from_row)
        .transpose()
    }

    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO portcullis_counter (key, value, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value, \
             expires_at = excluded.expires_at",
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
        let keys: Vec<String> = keys.iter().map(|k| (*k).to_owned()).collect();
        sqlx::query("DELETE FROM portcullis_counter WHERE key = ANY($1)")
            .bind(keys)
            .execute(&self.pool)
            .await
            .map_err(map_sqlx)?;
        Ok(())
    }
}
