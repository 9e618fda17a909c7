//! The datastore, written once for every dialect (see [`crate::db`] for how one statement
//! serves three): users, roles, sessions and counters over Flask-Security's tables.
//!
//! Where the dialects really differ it says so in one place: how emails and usernames are
//! compared ignoring case and how an identity change is serialised ([`SqlStore::lock_identity`]),
//! exact comparison on MySQL's case-insensitive collations ([`SqlStore::exact`]), and the
//! counter upsert.

use std::borrow::Cow;
use std::sync::Arc;

use portcullis_core::policy::identity_key;
use portcullis_core::store::{
    CounterStore, Guard, RoleStore, SessionStore, UserChange, UserKey, UserStore, WebAuthnStore,
};
use portcullis_core::{
    NewUser, NewWebAuthn, Role, SessionRecord, StoreError, StoreResult, User, WebAuthn, WebAuthnUse,
};
use time::OffsetDateTime;

use crate::convert::{asa_list_from_db, asa_list_to_db, map_sqlx};
use crate::db::{Arg, Dialect, Exec, Pool, Tx, args};
use crate::rows::{
    Columns, counter_from_row, role_from_row, session_from_row, user_from_row, webauthn_from_row,
};
use crate::session_data_to_db;

/// `SELECT <every user column> FROM "user" ` (the model's column list).
static USER_COLUMNS: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("SELECT {} FROM \"user\" ", User::COLUMNS.join(", ")));

const ROLE_COLUMNS: &str = "SELECT id, name, description, permissions FROM role ";
const WEBAUTHN_COLUMNS: &str = "SELECT id, credential_id, public_key, sign_count, transports, \
     backup_state, device_type, extensions, create_datetime, lastuse_datetime, name, \"usage\", \
     user_id FROM web_authn ";

/// The statements of the SQL datastore, for every dialect ([`Datastore`] holds one; public in
/// name only, so that the sealed [`crate::ServerPool`] can mention it).
#[derive(Clone)]
pub struct SqlStore {
    pool: Pool,
    dialect: Dialect,
    /// Whether `user.fs_token_uniquifier` is NOT NULL in this database (an application that
    /// added the column as Flask-Security documents it): new users then get `<uniquifier>t`.
    token_uniquifier_required: bool,
    /// MySQL with case-insensitive collations on `email`/`username` (what MariaDB, MySQL and
    /// the tables made here use): a plain `=` ignores case and uses the UNIQUE index. Otherwise
    /// `lower()` on both sides.
    case_by_collation: bool,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("dialect", &self.dialect)
            .field("connections", &self.pool.size())
            .finish_non_exhaustive()
    }
}

/// `Ok(())` when a statement touched a row, `NotFound` otherwise.
fn touched(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// Characters `portcullis_counter.key` holds.
const COUNTER_KEY_CHARS: usize = 255;

/// The stored form of a counter key. Keys that do not fit the column (one with an unknown
/// identity typed at sign-in can be long) become their first 200 characters, their length and
/// a hash of the whole (64-bit FNV-1a: stable across builds and instances).
pub(crate) fn counter_key(key: &str) -> Cow<'_, str> {
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

/// Whether MySQL chose this statement's transaction as a deadlock victim (error 1213).
fn is_deadlock(err: &sqlx::Error) -> bool {
    #[cfg(feature = "mysql")]
    {
        const ER_LOCK_DEADLOCK: u16 = 1213;
        matches!(err, sqlx::Error::Database(db)
            if db
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .is_some_and(|e| e.number() == ER_LOCK_DEADLOCK))
    }
    #[cfg(not(feature = "mysql"))]
    {
        let _ = err;
        false
    }
}

/// The `SET` list of an UPDATE of one user (`?1` is the id), with its arguments.
struct Assignments {
    sets: Vec<String>,
    args: Vec<Arg>,
}

impl Assignments {
    fn new(id: i64) -> Self {
        Self {
            sets: Vec::new(),
            args: args![id],
        }
    }

    /// Add an argument; its parameter number.
    fn param(&mut self, value: impl Into<Arg>) -> usize {
        self.args.push(value.into());
        self.args.len()
    }

    /// `column = ?n`; the parameter number.
    fn set(&mut self, column: &str, value: impl Into<Arg>) -> usize {
        let n = self.param(value);
        self.sets.push(format!("{column} = ?{n}"));
        n
    }
}

fn count(row: &dyn Columns) -> StoreResult<u64> {
    Ok(u64::try_from(row.int("n")?.unwrap_or(0)).unwrap_or(0))
}

impl SqlStore {
    /// Apply the migrations to `pool`'s database and read what the statements depend on: whether
    /// `fs_token_uniquifier` is NOT NULL, and (MySQL) whether `email`/`username` compare
    /// ignoring case by their collation.
    pub(crate) async fn open(pool: Pool) -> StoreResult<Self> {
        crate::migrate::run(&pool).await?;
        let dialect = pool.dialect();
        let sql = match dialect {
            Dialect::Sqlite => {
                "SELECT CASE \"notnull\" WHEN 0 THEN 'YES' ELSE 'NO' END AS nullable, \
                 NULL AS collation FROM pragma_table_info('user') WHERE name = ?1"
            }
            Dialect::Postgres => {
                "SELECT is_nullable::text AS nullable, collation_name::text AS collation \
                 FROM information_schema.columns WHERE table_schema = current_schema() \
                 AND table_name = 'user' AND column_name = ?1"
            }
            Dialect::MySql => {
                "SELECT CAST(IS_NULLABLE AS CHAR) AS nullable, \
                 CAST(COLLATION_NAME AS CHAR) AS collation \
                 FROM information_schema.columns WHERE table_schema = DATABASE() \
                 AND table_name = 'user' AND column_name = ?1"
            }
        };
        // (nullable "YES"/"NO", collation) of a `user` column.
        let column = async |name: &'static str| {
            pool.on()
                .fetch_optional(sql, args![name], |row| {
                    Ok((row.text("nullable")?, row.text("collation")?))
                })
                .await
                .map(Option::unwrap_or_default)
        };
        let token_uniquifier_required =
            column("fs_token_uniquifier").await?.0.as_deref() == Some("NO");
        let mut case_by_collation = false;
        if dialect == Dialect::MySql {
            let ci = |c: (Option<String>, Option<String>)| c.1.is_some_and(|c| c.ends_with("_ci"));
            case_by_collation = ci(column("email").await?) && ci(column("username").await?);
            if !case_by_collation {
                tracing::warn!(
                    "user.email/username have a case-sensitive collation: lookups ignoring case \
                     cannot use their indexes, and two registrations that differ only in case \
                     and race each other can both succeed"
                );
            }
        }
        let store = Self {
            pool,
            dialect,
            token_uniquifier_required,
            case_by_collation,
        };
        store.fill_identity_keys().await?;
        Ok(store)
    }

    fn on(&self) -> Exec<'_> {
        self.pool.on()
    }

    // --- dialect fragments -------------------------------------------------------------------

    /// `column` equals parameter `n` ignoring case.
    fn ci_eq(&self, column: &str, n: usize) -> String {
        if self.case_by_collation {
            format!("{column} = ?{n}")
        } else {
            format!("lower({column}) = lower(?{n})")
        }
    }

    /// `expr` equals parameter `n` exactly — case, accents and trailing spaces included. MySQL's
    /// case-insensitive collations make a plain `=` loose there, so it compares the UTF-8 bytes.
    fn exact(&self, expr: &str, n: usize) -> String {
        match self.dialect {
            Dialect::MySql => {
                format!("CAST(CONVERT({expr} USING utf8mb4) AS BINARY) = CAST(?{n} AS BINARY)")
            }
            _ => format!("{expr} = ?{n}"),
        }
    }

    /// `column` equals parameter `n` exactly, using the column's index.
    fn exact_col(&self, column: &str, n: usize) -> String {
        match self.dialect {
            Dialect::MySql => format!("{column} = ?{n} AND {}", self.exact(column, n)),
            _ => format!("{column} = ?{n}"),
        }
    }

    /// `?n || 't'`.
    fn with_t(&self, n: usize) -> String {
        match self.dialect {
            Dialect::MySql => format!("CONCAT(?{n}, 't')"),
            _ => format!("?{n} || 't'"),
        }
    }

    /// `column` differs from parameter `n`, NULLs compared as values.
    fn differs(&self, column: &str, n: usize) -> String {
        match self.dialect {
            Dialect::Sqlite => format!("{column} IS NOT ?{n}"),
            Dialect::Postgres => format!("{column} IS DISTINCT FROM ?{n}"),
            Dialect::MySql => format!("NOT ({column} <=> ?{n})"),
        }
    }

    /// Roles by name as code points (not by a case-insensitive collation), then id.
    fn role_order(&self) -> &'static str {
        match self.dialect {
            Dialect::MySql => " ORDER BY CAST(CONVERT(name USING utf8mb4) AS BINARY), id",
            _ => " ORDER BY name, id",
        }
    }

    // --- helpers ---------------------------------------------------------------------------

    async fn fetch_user(&self, tail: &str, args: Vec<Arg>) -> StoreResult<Option<User>> {
        self.on()
            .fetch_optional(&format!("{}{tail}", *USER_COLUMNS), args, user_from_row)
            .await
    }

    async fn user_exists(&self, exec: Exec<'_>, user_id: i64) -> StoreResult<bool> {
        exec.exists("SELECT 1 FROM \"user\" WHERE id = ?1", args![user_id])
            .await
    }

    /// After a conditional UPDATE: `true` if it changed the row, `false` if the user exists but
    /// the condition did not hold, `NotFound` otherwise.
    async fn changed(&self, rows: u64, user_id: i64) -> StoreResult<bool> {
        if rows > 0 {
            Ok(true)
        } else if self.user_exists(self.on(), user_id).await? {
            Ok(false)
        } else {
            Err(StoreError::NotFound)
        }
    }

    /// An unconditional UPDATE of one user: `NotFound` when no row matched.
    async fn update(&self, sql: &str, args: Vec<Arg>) -> StoreResult<()> {
        touched(self.on().execute(sql, args).await?)
    }

    /// Serialise changes to one identity value (`kind` = `email`/`username`) across every
    /// connection and instance until `tx` ends: SQLite's write transaction already does;
    /// PostgreSQL takes an advisory lock on the lower-cased value (no unique index, so that an
    /// existing database holding case-duplicates still opens); MySQL's case-insensitive UNIQUE
    /// index makes a racing write wait and fail with a duplicate key.
    async fn lock_identity(&self, tx: &mut Tx<'_>, kind: &str, key: &str) -> StoreResult<()> {
        if self.dialect == Dialect::Postgres {
            tx.on()
                .execute(
                    "SELECT pg_advisory_xact_lock(hashtext(?1 || ?2))",
                    args![format!("portcullis:{kind}:"), key],
                )
                .await?;
        }
        Ok(())
    }

    /// In `tx`: `Conflict(column)` when a user other than `user_id` has `value` in `column`
    /// (the same identity key, or — for a row written without keys — the same value ignoring
    /// case). With no `user_id`, any user counts. The unique index on the key enforces it too.
    async fn check_free(
        &self,
        tx: &mut Tx<'_>,
        column: &'static str,
        value: &str,
        user_id: Option<i64>,
    ) -> StoreResult<()> {
        let key = identity_key(value);
        self.lock_identity(tx, column, &key).await?;
        let sql = format!(
            "SELECT 1 FROM \"user\" WHERE (portcullis_{column}_key = ?1 \
             OR (portcullis_{column}_key IS NULL AND {})) AND id <> ?3 LIMIT 1",
            self.ci_eq(column, 2)
        );
        if tx
            .on()
            .exists(&sql, args![key, value, user_id.unwrap_or(-1)])
            .await?
        {
            return Err(StoreError::Conflict(column));
        }
        Ok(())
    }

    /// A transaction for changing a user's identities: `NotFound` for an unknown user,
    /// `Conflict(column)` when another user has the value in `column` (ignoring case).
    async fn claim(
        &self,
        user_id: i64,
        identities: &[(&'static str, &str)],
    ) -> StoreResult<Tx<'static>> {
        let mut tx = self.pool.begin().await?;
        if !self.user_exists(tx.on(), user_id).await? {
            return Err(StoreError::NotFound);
        }
        for (column, value) in identities {
            self.check_free(&mut tx, column, value, Some(user_id))
                .await?;
        }
        Ok(tx)
    }

    /// By the identity key, or among rows written without keys (by Flask-Security, which may
    /// hold values differing only in case) ignoring case; the exact spelling first, then the
    /// oldest.
    async fn user_by_ci(&self, column: &str, value: &str) -> StoreResult<Option<User>> {
        let prefer = match self.dialect {
            Dialect::MySql => format!("{} DESC", self.exact(column, 2)),
            _ => format!("{column} = ?2 DESC"),
        };
        let tail = format!(
            "WHERE (portcullis_{column}_key = ?1 OR (portcullis_{column}_key IS NULL AND {})) \
             ORDER BY {prefer}, id LIMIT 1",
            self.ci_eq(column, 2)
        );
        self.fetch_user(&tail, args![identity_key(value), value])
            .await
    }

    /// Give rows written without identity keys (by Flask-Security, or before the keys existed)
    /// theirs. A row whose key another row already has (a Flask-Security database may hold
    /// `Ann@x` and `ann@x`) keeps none and is still found by `lower()`; it is logged.
    async fn fill_identity_keys(&self) -> StoreResult<()> {
        let rows = self
            .on()
            .fetch_all(
                "SELECT id, email, username FROM \"user\" WHERE portcullis_email_key IS NULL \
                 OR (username IS NOT NULL AND portcullis_username_key IS NULL) ORDER BY id",
                args![],
                |row| Ok((row.int("id")?, row.text("email")?, row.text("username")?)),
            )
            .await?;
        for (id, email, username) in rows {
            for (column, value) in [("email", email), ("username", username)] {
                let Some(value) = value else { continue };
                let sql = format!(
                    "UPDATE \"user\" SET portcullis_{column}_key = ?2 \
                     WHERE id = ?1 AND portcullis_{column}_key IS NULL"
                );
                match self
                    .on()
                    .execute(&sql, args![id, identity_key(&value)])
                    .await
                {
                    Ok(_) => {}
                    Err(StoreError::Conflict(_)) => tracing::warn!(
                        user_id = id,
                        column,
                        "another user has the same {column} ignoring case: this one keeps no \
                         identity key"
                    ),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }
}

/// A SQL datastore: [`crate::SqliteStore`], [`crate::PgStore`] and [`crate::MySqlStore`] are
/// this type over their driver's pool. It implements every datastore trait of
/// `portcullis-core` with the statements above; cloning is cheap (the pool is shared).
#[derive(Clone)]
pub struct Datastore<P> {
    pub(crate) sql: SqlStore,
    pub(crate) driver_pool: P,
    pub(crate) location: Arc<str>,
    /// Whatever must live as long as the store (a temporary database, deleted on drop).
    pub(crate) keep: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

impl<P> std::fmt::Debug for Datastore<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self.sql.dialect {
            Dialect::Sqlite => "SqliteStore",
            Dialect::Postgres => "PgStore",
            Dialect::MySql => "MySqlStore",
        };
        f.debug_struct(name)
            .field("location", &self.location)
            .field("connections", &self.sql.pool.size())
            .finish_non_exhaustive()
    }
}

/// The statements (and their dialect) are the store's.
impl<P> std::ops::Deref for Datastore<P> {
    type Target = SqlStore;

    fn deref(&self) -> &SqlStore {
        &self.sql
    }
}

impl<P> Datastore<P> {
    /// The connection pool, for queries this type does not offer (admin tools, tests).
    pub fn pool(&self) -> &P {
        &self.driver_pool
    }

    /// Close every connection (waits for those in use to be returned).
    pub async fn close(&self) {
        self.sql.pool.close().await;
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static> UserStore for Datastore<P> {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let token_uniquifier = self
            .token_uniquifier_required
            .then(|| format!("{}t", new.fs_uniquifier));
        // One transaction: the case-insensitive checks and the insert are one step, so
        // `a@x.com` and `A@x.com` registering at once cannot both succeed.
        let mut tx = self.pool.begin().await?;
        self.check_free(&mut tx, "email", &new.email, None).await?;
        if let Some(username) = &new.username {
            self.check_free(&mut tx, "username", username, None).await?;
        }
        let id = tx
            .on()
            .fetch_one(
                "INSERT INTO \"user\" (email, username, password, active, fs_uniquifier, \
                 fs_token_uniquifier, confirmed_at, create_datetime, update_datetime, \
                 portcullis_email_key, portcullis_username_key) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10) RETURNING id",
                args![
                    &new.email,
                    &new.username,
                    &new.password,
                    new.active,
                    &new.fs_uniquifier,
                    token_uniquifier,
                    new.confirmed_at,
                    new.now,
                    identity_key(&new.email),
                    new.username.as_deref().map(identity_key)
                ],
                |row| row.int("id")?.ok_or(StoreError::Backend("no id".into())),
            )
            .await?;
        let user = tx
            .on()
            .fetch_one(
                &format!("{}WHERE id = ?1", *USER_COLUMNS),
                args![id],
                user_from_row,
            )
            .await?;
        tx.commit().await?;
        Ok(user)
    }

    async fn find_user(&self, key: UserKey<'_>) -> StoreResult<Option<User>> {
        match key {
            UserKey::Id(id) => self.fetch_user("WHERE id = ?1", args![id]).await,
            UserKey::Uniquifier(q) => {
                let tail = format!("WHERE {}", self.exact_col("fs_uniquifier", 1));
                self.fetch_user(&tail, args![q]).await
            }
            UserKey::TokenUniquifier(q) => {
                let tail = format!(
                    "WHERE ({}) OR (fs_token_uniquifier IS NULL AND {}) LIMIT 1",
                    self.exact_col("fs_token_uniquifier", 1),
                    self.exact_col("fs_uniquifier", 1)
                );
                self.fetch_user(&tail, args![q]).await
            }
            UserKey::Email(email) => self.user_by_ci("email", email).await,
            UserKey::Username(name) => self.user_by_ci("username", name).await,
            UserKey::Phone(e164) => {
                let tail = format!("WHERE {} LIMIT 1", self.exact_col("us_phone_number", 1));
                self.fetch_user(&tail, args![e164]).await
            }
        }
    }

    /// One UPDATE for any change set, guarded in its WHERE clause; identity changes run in a
    /// transaction that checks (and on PostgreSQL locks) the new value first.
    async fn update_user(
        &self,
        id: i64,
        change: &UserChange,
        guard: &Guard,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let mut stmt = Assignments::new(id);
        let mut active = None;
        for (column, value) in change.assignments() {
            let n = stmt.set(column, Arg::from(value));
            match column {
                "active" => active = Some(n),
                // The identity keys follow the identities; the token uniquifier, when the user
                // has one, follows the uniquifier.
                "email" | "username" => {
                    let key = match column {
                        "email" => change.email.as_deref(),
                        _ => change.username.as_ref().and_then(|u| u.as_deref()),
                    };
                    stmt.set(&format!("portcullis_{column}_key"), key.map(identity_key));
                }
                "fs_uniquifier" => stmt.sets.push(format!(
                    "fs_token_uniquifier = CASE WHEN fs_token_uniquifier IS NOT NULL THEN {} \
                     ELSE NULL END",
                    self.with_t(n)
                )),
                _ => {}
            }
        }
        stmt.set("update_datetime", now);
        let condition = match guard {
            Guard::Always => String::new(),
            Guard::Password(expected) => {
                let n = stmt.param(expected.as_str());
                format!(" AND {}", self.exact("password", n))
            }
            Guard::RecoveryCodes(expected) => {
                let n = stmt.param(asa_list_to_db(expected)?.unwrap_or_default());
                format!(" AND {}", self.exact("COALESCE(mf_recovery_codes, '')", n))
            }
            Guard::ActiveChanges => {
                let n = active.ok_or_else(|| {
                    StoreError::Backend("Guard::ActiveChanges without a change of active".into())
                })?;
                format!(" AND {}", self.differs("active", n))
            }
        };
        let sql = format!(
            "UPDATE \"user\" SET {} WHERE id = ?1{condition}",
            stmt.sets.join(", ")
        );
        let identities: Vec<(&'static str, &str)> = [
            change.email.as_deref().map(|e| ("email", e)),
            change
                .username
                .as_ref()
                .and_then(|u| u.as_deref())
                .map(|u| ("username", u)),
        ]
        .into_iter()
        .flatten()
        .collect();
        if identities.is_empty() {
            let rows = self.on().execute(&sql, stmt.args).await?;
            return self.changed(rows, id).await;
        }
        let mut tx = self.claim(id, &identities).await?;
        let rows = tx.on().execute(&sql, stmt.args).await?;
        tx.commit().await?;
        Ok(rows > 0)
    }

    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()> {
        // One UPDATE, so concurrent logins never lose a count; `last_*` is assigned from
        // `current_*` before `current_*` is overwritten (right-hand sides see the old row in
        // SQLite and PostgreSQL; MySQL assigns left to right).
        self.update(
            "UPDATE \"user\" SET \
             last_login_at = COALESCE(current_login_at, ?2), \
             last_login_ip = COALESCE(current_login_ip, ?3), \
             current_login_at = ?2, \
             current_login_ip = ?3, \
             login_count = COALESCE(login_count, 0) + 1 \
             WHERE id = ?1",
            args![user_id, at, ip],
        )
        .await
    }

    async fn count_users(&self) -> StoreResult<u64> {
        self.on()
            .fetch_one("SELECT COUNT(*) AS n FROM \"user\"", args![], count)
            .await
    }

    async fn list_users(&self, after: i64, limit: u32) -> StoreResult<Vec<User>> {
        let sql = format!("{}WHERE id > ?1 ORDER BY id LIMIT ?2", *USER_COLUMNS);
        self.on()
            .fetch_all(&sql, args![after, i64::from(limit)], user_from_row)
            .await
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static> RoleStore for Datastore<P> {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<Role> {
        let stored = asa_list_to_db(permissions)?;
        let id = self
            .on()
            .fetch_one(
                "INSERT INTO role (name, description, permissions, update_datetime) \
                 VALUES (?1, ?2, ?3, ?4) RETURNING id",
                args![name, description, stored.clone(), now],
                |row| row.int("id")?.ok_or(StoreError::Backend("no id".into())),
            )
            .await?;
        Ok(Role {
            id,
            name: name.to_owned(),
            description: description.map(str::to_owned),
            permissions: asa_list_from_db(stored.as_deref()),
        })
    }

    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        let sql = format!("{ROLE_COLUMNS}WHERE {}", self.exact_col("name", 1));
        self.on()
            .fetch_optional(&sql, args![name], role_from_row)
            .await
    }

    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        let sql = format!("{ROLE_COLUMNS}{}", self.role_order());
        self.on().fetch_all(&sql, args![], role_from_row).await
    }

    async fn set_role_permissions(
        &self,
        role_id: i64,
        permissions: &[String],
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let rows = self
            .on()
            .execute(
                "UPDATE role SET permissions = ?2, update_datetime = ?3 WHERE id = ?1",
                args![role_id, asa_list_to_db(permissions)?, now],
            )
            .await?;
        if rows > 0
            || self
                .on()
                .exists("SELECT 1 FROM role WHERE id = ?1", args![role_id])
                .await?
        {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        // `roles_users` has no key (as in Flask-Security): lock the user's row (SQLite: the
        // write transaction), then check and insert, so concurrent adds of one pair insert it
        // once. Under MySQL's REPEATABLE READ the check is the first plain read, so its
        // snapshot is taken after the lock was granted.
        let mut tx = self.pool.begin().await?;
        let lock = match self.dialect {
            Dialect::Sqlite => "SELECT 1 FROM \"user\" WHERE id = ?1",
            _ => "SELECT 1 FROM \"user\" WHERE id = ?1 FOR UPDATE",
        };
        if !tx.on().exists(lock, args![user_id]).await? {
            return Err(StoreError::NotFound);
        }
        let (role, pair) = tx
            .on()
            .fetch_one(
                "SELECT (SELECT 1 FROM role WHERE id = ?2) AS r, \
                        (SELECT 1 FROM roles_users WHERE user_id = ?1 AND role_id = ?2 LIMIT 1) AS p",
                args![user_id, role_id],
                |row| Ok((row.int("r")?.is_some(), row.int("p")?.is_some())),
            )
            .await?;
        match (role, pair) {
            (true, true) => Ok(false),
            (true, false) => {
                tx.on()
                    .execute(
                        "INSERT INTO roles_users (user_id, role_id) VALUES (?1, ?2)",
                        args![user_id, role_id],
                    )
                    .await?;
                tx.commit().await?;
                Ok(true)
            }
            (false, _) => Err(StoreError::NotFound),
        }
    }

    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        let rows = self
            .on()
            .execute(
                "DELETE FROM roles_users WHERE user_id = ?1 AND role_id = ?2",
                args![user_id, role_id],
            )
            .await?;
        Ok(rows > 0)
    }

    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        let sql = format!(
            "{ROLE_COLUMNS}WHERE id IN (SELECT role_id FROM roles_users WHERE user_id = ?1){}",
            self.role_order()
        );
        self.on()
            .fetch_all(&sql, args![user_id], role_from_row)
            .await
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static> SessionStore for Datastore<P> {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        // A plain INSERT whose duplicate-key error means "taken" (MySQL's `INSERT IGNORE` would
        // also turn other errors into warnings and store a truncated row).
        let result = self
            .on()
            .try_execute(
                "INSERT INTO portcullis_session (id_hash, user_uniquifier, data, expires_at) \
                 VALUES (?1, ?2, ?3, ?4)",
                args![
                    &record.id_hash,
                    &record.user_uniquifier,
                    session_data_to_db(&record.data)?,
                    record.expires_at
                ],
            )
            .await?;
        match result {
            Ok(rows) => Ok(rows > 0),
            Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(false),
            Err(e) => Err(map_sqlx(e)),
        }
    }

    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        self.on()
            .fetch_optional(
                "SELECT id_hash, user_uniquifier, data, expires_at FROM portcullis_session \
                 WHERE id_hash = ?1 AND expires_at > ?2",
                args![id_hash, now_unix],
                session_from_row,
            )
            .await
    }

    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        let rows = self
            .on()
            .execute(
                "UPDATE portcullis_session SET user_uniquifier = ?2, data = ?3, expires_at = ?4 \
                 WHERE id_hash = ?1",
                args![
                    &record.id_hash,
                    &record.user_uniquifier,
                    session_data_to_db(&record.data)?,
                    record.expires_at
                ],
            )
            .await?;
        Ok(rows > 0)
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.on()
            .execute(
                "DELETE FROM portcullis_session WHERE id_hash = ?1",
                args![id_hash],
            )
            .await?;
        Ok(())
    }

    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        let sql = "DELETE FROM portcullis_session WHERE user_uniquifier = ?1";
        self.on().execute(sql, args![user_uniquifier]).await
    }

    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        let sql = "DELETE FROM portcullis_session WHERE expires_at <= ?1";
        self.on().execute(sql, args![now_unix]).await
    }

    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        self.on()
            .fetch_one(
                "SELECT COUNT(*) AS n FROM portcullis_session WHERE expires_at > ?1",
                args![now_unix],
                count,
            )
            .await
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static> CounterStore for Datastore<P> {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        let args = || {
            args![
                counter_key(key).into_owned(),
                now_unix,
                now_unix.saturating_add(ttl_secs)
            ]
        };
        if self.dialect != Dialect::MySql {
            return self
                .on()
                .fetch_one(
                    "INSERT INTO portcullis_counter AS c (\"key\", value, expires_at) \
                     VALUES (?1, 1, ?3) \
                     ON CONFLICT (\"key\") DO UPDATE SET \
                     value = CASE WHEN c.expires_at <= ?2 THEN 1 ELSE c.value + 1 END, \
                     expires_at = CASE WHEN c.expires_at <= ?2 THEN ?3 ELSE c.expires_at END \
                     RETURNING value, expires_at",
                    args(),
                    counter_from_row,
                )
                .await;
        }
        // MySQL: upsert, then read back, in one transaction (no RETURNING on an upsert), which
        // holds the row's lock in between. `value` is assigned before `expires_at`, so both
        // test the old expiry (MySQL assignments see the columns already assigned). InnoDB may
        // pick a concurrent upsert of neighbouring keys as a deadlock victim (gap locks); it
        // rolled the transaction back, so run it again.
        let mut attempt = 1;
        loop {
            let mut tx = self.pool.begin().await?;
            let upserted = tx
                .on()
                .try_execute(
                    "INSERT INTO portcullis_counter (\"key\", value, expires_at) VALUES (?1, 1, ?3) \
                     ON DUPLICATE KEY UPDATE \
                     value = IF(expires_at <= ?2, 1, value + 1), \
                     expires_at = IF(expires_at <= ?2, ?3, expires_at)",
                    args(),
                )
                .await?;
            match upserted {
                Ok(_) => {}
                Err(e) if attempt < DEADLOCK_ATTEMPTS && is_deadlock(&e) => {
                    attempt += 1;
                    continue;
                }
                Err(e) => return Err(map_sqlx(e)),
            }
            let counter = tx
                .on()
                .fetch_one(
                    "SELECT value, expires_at FROM portcullis_counter WHERE \"key\" = ?1",
                    args(),
                    counter_from_row,
                )
                .await?;
            tx.commit().await?;
            return Ok(counter);
        }
    }

    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()> {
        self.on()
            .execute(
                "UPDATE portcullis_counter SET value = value - 1 \
                 WHERE \"key\" = ?1 AND expires_at > ?2 AND value > 0",
                args![counter_key(key).into_owned(), now_unix],
            )
            .await?;
        Ok(())
    }

    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        self.on()
            .fetch_optional(
                "SELECT value, expires_at FROM portcullis_counter \
                 WHERE \"key\" = ?1 AND expires_at > ?2",
                args![counter_key(key).into_owned(), now_unix],
                counter_from_row,
            )
            .await
    }

    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        let upsert = match self.dialect {
            Dialect::MySql => {
                "INSERT INTO portcullis_counter (\"key\", value, expires_at) VALUES (?1, ?2, ?3) \
                 ON DUPLICATE KEY UPDATE value = ?2, expires_at = ?3"
            }
            _ => {
                "INSERT INTO portcullis_counter (\"key\", value, expires_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (\"key\") DO UPDATE SET value = excluded.value, \
                 expires_at = excluded.expires_at"
            }
        };
        self.on()
            .execute(
                upsert,
                args![
                    counter_key(key).into_owned(),
                    i64::try_from(value).unwrap_or(i64::MAX),
                    expires_at
                ],
            )
            .await?;
        Ok(())
    }

    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        for key in keys {
            self.on()
                .execute(
                    "DELETE FROM portcullis_counter WHERE \"key\" = ?1",
                    args![counter_key(key).into_owned()],
                )
                .await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl<P: Send + Sync + 'static> WebAuthnStore for Datastore<P> {
    async fn add_webauthn(&self, new: NewWebAuthn) -> StoreResult<WebAuthn> {
        // Names are unique per user by the application (as in Flask-Security, whose table has
        // no such key): lock the user's row, then check and insert, so that of two concurrent
        // registrations under one name one wins. The credential id has its unique index.
        let mut tx = self.pool.begin().await?;
        let lock = match self.dialect {
            Dialect::Sqlite => "SELECT 1 FROM \"user\" WHERE id = ?1",
            _ => "SELECT 1 FROM \"user\" WHERE id = ?1 FOR UPDATE",
        };
        if !tx.on().exists(lock, args![new.user_id]).await? {
            return Err(StoreError::NotFound);
        }
        let taken = format!(
            "SELECT 1 FROM web_authn WHERE user_id = ?1 AND {}",
            self.exact_col("name", 2)
        );
        if tx
            .on()
            .exists(&taken, args![new.user_id, new.name.as_str()])
            .await?
        {
            return Err(StoreError::Conflict("name"));
        }
        let transports = asa_list_to_db(&new.transports)?;
        let id = tx
            .on()
            .fetch_one(
                "INSERT INTO web_authn (credential_id, public_key, sign_count, transports, \
                 backup_state, device_type, extensions, create_datetime, lastuse_datetime, name, \
                 \"usage\", user_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11) \
                 RETURNING id",
                args![
                    new.credential_id.as_slice(),
                    new.public_key.as_slice(),
                    new.sign_count,
                    transports,
                    new.backup_state,
                    new.device_type.as_str(),
                    new.extensions.as_deref(),
                    new.now,
                    new.name.as_str(),
                    new.usage.name(),
                    new.user_id
                ],
                |row| row.int("id")?.ok_or(StoreError::Backend("no id".into())),
            )
            .await?;
        tx.commit().await?;
        Ok(WebAuthn {
            id,
            user_id: new.user_id,
            credential_id: new.credential_id,
            public_key: new.public_key,
            sign_count: new.sign_count,
            transports: new.transports,
            backup_state: new.backup_state,
            device_type: new.device_type,
            extensions: new.extensions,
            create_datetime: new.now,
            lastuse_datetime: new.now,
            name: new.name,
            usage: new.usage,
        })
    }

    async fn webauthn_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<WebAuthn>> {
        let sql = format!("{WEBAUTHN_COLUMNS}WHERE credential_id = ?1");
        self.on()
            .fetch_optional(&sql, args![credential_id], webauthn_from_row)
            .await
    }

    async fn webauthn_of_user(&self, user_id: i64) -> StoreResult<Vec<WebAuthn>> {
        let sql = format!("{WEBAUTHN_COLUMNS}WHERE user_id = ?1 ORDER BY id");
        self.on()
            .fetch_all(&sql, args![user_id], webauthn_from_row)
            .await
    }

    async fn record_webauthn_use(
        &self,
        id: i64,
        seen_sign_count: i64,
        used: &WebAuthnUse,
    ) -> StoreResult<bool> {
        let rows = self
            .on()
            .execute(
                "UPDATE web_authn SET sign_count = ?3, backup_state = ?4, device_type = ?5, \
                 lastuse_datetime = ?6 WHERE id = ?1 AND COALESCE(sign_count, 0) = ?2",
                args![
                    id,
                    seen_sign_count,
                    used.sign_count,
                    used.backup_state,
                    used.device_type.as_str(),
                    used.at
                ],
            )
            .await?;
        Ok(rows > 0)
    }

    async fn rename_webauthn(&self, user_id: i64, id: i64, name: &str) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await?;
        let lock = match self.dialect {
            Dialect::Sqlite => "SELECT 1 FROM \"user\" WHERE id = ?1",
            _ => "SELECT 1 FROM \"user\" WHERE id = ?1 FOR UPDATE",
        };
        if !tx.on().exists(lock, args![user_id]).await? {
            return Ok(false);
        }
        let taken = format!(
            "SELECT 1 FROM web_authn WHERE user_id = ?1 AND id <> ?2 AND {}",
            self.exact_col("name", 3)
        );
        if tx.on().exists(&taken, args![user_id, id, name]).await? {
            return Err(StoreError::Conflict("name"));
        }
        let rows = tx
            .on()
            .execute(
                "UPDATE web_authn SET name = ?3 WHERE id = ?2 AND user_id = ?1",
                args![user_id, id, name],
            )
            .await?;
        tx.commit().await?;
        Ok(rows > 0)
    }

    async fn delete_webauthn(&self, user_id: i64, id: i64) -> StoreResult<bool> {
        let rows = self
            .on()
            .execute(
                "DELETE FROM web_authn WHERE id = ?2 AND user_id = ?1",
                args![user_id, id],
            )
            .await?;
        Ok(rows > 0)
    }

    async fn delete_user_webauthn(&self, user_id: i64) -> StoreResult<u64> {
        self.on()
            .execute("DELETE FROM web_authn WHERE user_id = ?1", args![user_id])
            .await
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
