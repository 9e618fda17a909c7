//! One SQL source for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Statements are written once, in SQLite's syntax: numbered parameters (`?1`, `?2`, a number
//! may repeat) and double-quoted identifiers. [`render`] turns them into the dialect's own —
//! `$1` for PostgreSQL; plain `?` in order for MySQL (repeating arguments as needed) with
//! back-quoted identifiers. Values are bound through one [`Arg`] type (times become what each
//! driver stores: SQLAlchemy's text on SQLite, naive UTC `TIMESTAMP`/`DATETIME` elsewhere), and
//! rows are read through [`Columns`], so the store above never names a driver. The few
//! statements that really differ (upserts, locks) ask [`Dialect`].
//!
//! Why not a query builder: every statement here is static text with a handful of dialect
//! differences; rendering placeholders and quotes is a few lines, adds no dependency, and keeps
//! each statement readable as the SQL it is.

#[cfg(feature = "mysql")]
use sqlx::{MySqlConnection, MySqlPool};
#[cfg(feature = "postgres")]
use sqlx::{PgConnection, PgPool};
#[cfg(feature = "sqlite")]
use sqlx::{SqliteConnection, SqlitePool};
use time::OffsetDateTime;

use crate::convert::map_sqlx;
#[cfg(feature = "sqlite")]
use crate::convert::opt_datetime_to_db;
#[cfg(any(feature = "postgres", feature = "mysql"))]
use crate::convert::opt_to_naive_utc;
use crate::rows::Columns;
use portcullis_core::{StoreError, StoreResult};

/// The three SQL dialects (all named whichever drivers are built, so that the statements stay
/// one text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    not(all(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code)
)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
    MySql,
}

/// A value to bind.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Flag(Option<bool>),
    Time(Option<OffsetDateTime>),
    Bytes(Option<Vec<u8>>),
}

impl From<&[u8]> for Arg {
    fn from(v: &[u8]) -> Self {
        Arg::Bytes(Some(v.to_vec()))
    }
}
impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(Some(v))
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Self {
        Arg::Flag(Some(v))
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_owned()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_owned))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}
impl From<OffsetDateTime> for Arg {
    fn from(v: OffsetDateTime) -> Self {
        Arg::Time(Some(v))
    }
}
impl From<Option<OffsetDateTime>> for Arg {
    fn from(v: Option<OffsetDateTime>) -> Self {
        Arg::Time(v)
    }
}

impl From<portcullis_core::store::ColumnValue> for Arg {
    fn from(v: portcullis_core::store::ColumnValue) -> Self {
        use portcullis_core::store::ColumnValue;
        match v {
            ColumnValue::Int(v) => Arg::Int(v),
            ColumnValue::Text(v) => Arg::Text(v),
            ColumnValue::Flag(v) => Arg::Flag(v),
            ColumnValue::Time(v) => Arg::Time(v),
        }
    }
}

/// Arguments, numbered from 1 in the order given.
macro_rules! args {
    ($($v:expr),* $(,)?) => {
        vec![$($crate::db::Arg::from($v)),*]
    };
}
pub(crate) use args;

/// A statement in the dialect's syntax, and which argument each placeholder takes (0-based).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Rendered {
    pub(crate) sql: String,
    pub(crate) order: Vec<usize>,
}

/// `sql` (SQLite syntax: `?N` parameters, `"quoted"` identifiers; no `?` or `"` inside string
/// literals) in `dialect`'s syntax.
pub(crate) fn render(dialect: Dialect, sql: &str) -> Rendered {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut order = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                    digits.push(d);
                    chars.next();
                }
                let n: usize = digits.parse().unwrap_or(order.len() + 1);
                order.push(n.saturating_sub(1));
                match dialect {
                    Dialect::Sqlite => {
                        out.push('?');
                        out.push_str(&n.to_string());
                    }
                    Dialect::Postgres => {
                        out.push('$');
                        out.push_str(&n.to_string());
                    }
                    Dialect::MySql => out.push('?'),
                }
            }
            '"' if dialect == Dialect::MySql => out.push('`'),
            _ => out.push(c),
        }
    }
    Rendered { sql: out, order }
}

/// The arguments in placeholder order: MySQL's plain `?` take them one by one, repeated where a
/// number repeats; the other dialects bind them once each, by number.
#[cfg_attr(not(feature = "mysql"), allow(dead_code))]
fn ordered(dialect: Dialect, rendered: &Rendered, args: Vec<Arg>) -> StoreResult<Vec<Arg>> {
    if dialect != Dialect::MySql {
        return Ok(args);
    }
    rendered
        .order
        .iter()
        .map(|i| {
            args.get(*i).cloned().ok_or_else(|| {
                StoreError::Backend(format!("no argument {} for the statement", i + 1))
            })
        })
        .collect()
}

/// A query of driver `$db` with `args` bound; `$time` converts a time for that driver.
macro_rules! bound {
    ($db:ty, $sql:expr, $args:expr, $time:path) => {{
        let mut q = sqlx::query::<$db>(sqlx::AssertSqlSafe($sql));
        for arg in $args {
            q = match arg {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Flag(v) => q.bind(v),
                Arg::Time(v) => q.bind($time(v)?),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

type Query<DB> = sqlx::query::Query<'static, DB, <DB as sqlx::Database>::Arguments>;

#[cfg(feature = "sqlite")]
fn sqlite_query(sql: &str, args: Vec<Arg>) -> StoreResult<Query<sqlx::Sqlite>> {
    Ok(bound!(
        sqlx::Sqlite,
        render(Dialect::Sqlite, sql).sql,
        args,
        opt_datetime_to_db
    ))
}

#[cfg(feature = "postgres")]
fn pg_query(sql: &str, args: Vec<Arg>) -> StoreResult<Query<sqlx::Postgres>> {
    Ok(bound!(
        sqlx::Postgres,
        render(Dialect::Postgres, sql).sql,
        args,
        opt_to_naive_utc
    ))
}

#[cfg(feature = "mysql")]
fn mysql_query(sql: &str, args: Vec<Arg>) -> StoreResult<Query<sqlx::MySql>> {
    let r = render(Dialect::MySql, sql);
    let args = ordered(Dialect::MySql, &r, args)?;
    Ok(bound!(sqlx::MySql, r.sql, args, opt_to_naive_utc))
}

/// Where a statement runs: a pool, or one connection (a transaction's, or one held for a
/// session-level lock).
pub(crate) enum Exec<'a> {
    #[cfg(feature = "sqlite")]
    SqlitePool(&'a SqlitePool),
    #[cfg(feature = "sqlite")]
    Sqlite(&'a mut SqliteConnection),
    #[cfg(feature = "postgres")]
    PgPool(&'a PgPool),
    #[cfg(feature = "postgres")]
    Pg(&'a mut PgConnection),
    #[cfg(feature = "mysql")]
    MySqlPool(&'a MySqlPool),
    #[cfg(feature = "mysql")]
    MySql(&'a mut MySqlConnection),
}

/// Runs `$body` with `$q` the bound query and `$ex` the executor, whichever the driver.
macro_rules! dispatch {
    ($exec:expr, $sql:expr, $args:expr, |$q:ident, $ex:ident| $body:expr) => {{
        match $exec {
            #[cfg(feature = "sqlite")]
            Exec::SqlitePool($ex) => {
                let $q = sqlite_query($sql, $args)?;
                $body
            }
            #[cfg(feature = "sqlite")]
            Exec::Sqlite($ex) => {
                let $q = sqlite_query($sql, $args)?;
                $body
            }
            #[cfg(feature = "postgres")]
            Exec::PgPool($ex) => {
                let $q = pg_query($sql, $args)?;
                $body
            }
            #[cfg(feature = "postgres")]
            Exec::Pg($ex) => {
                let $q = pg_query($sql, $args)?;
                $body
            }
            #[cfg(feature = "mysql")]
            Exec::MySqlPool($ex) => {
                let $q = mysql_query($sql, $args)?;
                $body
            }
            #[cfg(feature = "mysql")]
            Exec::MySql($ex) => {
                let $q = mysql_query($sql, $args)?;
                $body
            }
        }
    }};
}

impl Exec<'_> {
    /// The same target again, for another statement.
    pub(crate) fn again(&mut self) -> Exec<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Exec::SqlitePool(p) => Exec::SqlitePool(p),
            #[cfg(feature = "sqlite")]
            Exec::Sqlite(c) => Exec::Sqlite(c),
            #[cfg(feature = "postgres")]
            Exec::PgPool(p) => Exec::PgPool(p),
            #[cfg(feature = "postgres")]
            Exec::Pg(c) => Exec::Pg(c),
            #[cfg(feature = "mysql")]
            Exec::MySqlPool(p) => Exec::MySqlPool(p),
            #[cfg(feature = "mysql")]
            Exec::MySql(c) => Exec::MySql(c),
        }
    }

    /// Run a script of several statements as it is (no parameters; migrations).
    pub(crate) async fn script(self, sql: &'static str) -> StoreResult<()> {
        let raw = sqlx::raw_sql(sql);
        match self {
            #[cfg(feature = "sqlite")]
            Exec::SqlitePool(ex) => raw.execute(ex).await.map(drop),
            #[cfg(feature = "sqlite")]
            Exec::Sqlite(ex) => raw.execute(ex).await.map(drop),
            #[cfg(feature = "postgres")]
            Exec::PgPool(ex) => raw.execute(ex).await.map(drop),
            #[cfg(feature = "postgres")]
            Exec::Pg(ex) => raw.execute(ex).await.map(drop),
            #[cfg(feature = "mysql")]
            Exec::MySqlPool(ex) => raw.execute(ex).await.map(drop),
            #[cfg(feature = "mysql")]
            Exec::MySql(ex) => raw.execute(ex).await.map(drop),
        }
        .map_err(map_sqlx)
    }

    /// Run a statement; the number of rows it affected (MySQL: matched, `CLIENT_FOUND_ROWS`).
    pub(crate) async fn execute(self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        dispatch!(self, sql, args, |q, ex| q
            .execute(ex)
            .await
            .map(|r| r.rows_affected())
            .map_err(map_sqlx))
    }

    /// Run a statement, keeping the driver's error (to look at it: deadlocks, duplicates).
    pub(crate) async fn try_execute(
        self,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Result<u64, sqlx::Error>> {
        Ok(dispatch!(self, sql, args, |q, ex| q
            .execute(ex)
            .await
            .map(|r| r.rows_affected())))
    }

    /// The rows a statement returns (only the first with `first_only`), each read by `read`.
    async fn rows<T>(
        self,
        sql: &str,
        args: Vec<Arg>,
        read: impl Fn(&dyn Columns) -> StoreResult<T>,
        first_only: bool,
    ) -> StoreResult<Vec<T>> {
        let rows: Result<Vec<StoreResult<T>>, sqlx::Error> =
            dispatch!(self, sql, args, |q, ex| if first_only {
                q.fetch_optional(ex)
                    .await
                    .map(|row| row.map(|r| read(&r)).into_iter().collect())
            } else {
                q.fetch_all(ex)
                    .await
                    .map(|rows| rows.iter().map(|r| read(r)).collect())
            });
        rows.map_err(map_sqlx)?.into_iter().collect()
    }

    /// The first row, read by `read`, if any.
    pub(crate) async fn fetch_optional<T>(
        self,
        sql: &str,
        args: Vec<Arg>,
        read: impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<Option<T>> {
        Ok(self.rows(sql, args, read, true).await?.into_iter().next())
    }

    /// Every row, read by `read`.
    pub(crate) async fn fetch_all<T>(
        self,
        sql: &str,
        args: Vec<Arg>,
        read: impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<Vec<T>> {
        self.rows(sql, args, read, false).await
    }

    /// The one row a statement returns, read by `read`.
    pub(crate) async fn fetch_one<T>(
        self,
        sql: &str,
        args: Vec<Arg>,
        read: impl Fn(&dyn Columns) -> StoreResult<T>,
    ) -> StoreResult<T> {
        self.fetch_optional(sql, args, read)
            .await?
            .ok_or_else(|| StoreError::Backend("the statement returned no row".into()))
    }

    /// Whether a statement returns any row.
    pub(crate) async fn exists(self, sql: &str, args: Vec<Arg>) -> StoreResult<bool> {
        Ok(self.fetch_optional(sql, args, |_| Ok(())).await?.is_some())
    }
}

/// A pool of one of the three drivers.
#[derive(Debug, Clone)]
pub(crate) enum Pool {
    #[cfg(feature = "sqlite")]
    Sqlite(SqlitePool),
    #[cfg(feature = "postgres")]
    Postgres(PgPool),
    #[cfg(feature = "mysql")]
    MySql(MySqlPool),
}

impl Pool {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Pool::Postgres(_) => Dialect::Postgres,
            #[cfg(feature = "mysql")]
            Pool::MySql(_) => Dialect::MySql,
        }
    }

    /// Statements on the pool (each on whichever connection is free).
    pub(crate) fn on(&self) -> Exec<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Exec::SqlitePool(p),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Exec::PgPool(p),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Exec::MySqlPool(p),
        }
    }

    /// A transaction. On SQLite a write transaction from the start (`BEGIN IMMEDIATE`), so
    /// that a check and the write after it are one step against every other writer.
    pub(crate) async fn begin(&self) -> StoreResult<Tx<'static>> {
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await.map_err(map_sqlx)?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Tx::Postgres(p.begin().await.map_err(map_sqlx)?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Tx::MySql(p.begin().await.map_err(map_sqlx)?),
        })
    }

    /// One connection of the pool, held until dropped.
    pub(crate) async fn acquire(&self) -> StoreResult<Conn> {
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => Conn::Sqlite(p.acquire().await.map_err(map_sqlx)?),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => Conn::Postgres(p.acquire().await.map_err(map_sqlx)?),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => Conn::MySql(p.acquire().await.map_err(map_sqlx)?),
        })
    }

    pub(crate) fn size(&self) -> u32 {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.size(),
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.size(),
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.size(),
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            #[cfg(feature = "sqlite")]
            Pool::Sqlite(p) => p.close().await,
            #[cfg(feature = "postgres")]
            Pool::Postgres(p) => p.close().await,
            #[cfg(feature = "mysql")]
            Pool::MySql(p) => p.close().await,
        }
    }
}

/// An open transaction; rolled back when dropped uncommitted.
pub(crate) enum Tx<'c> {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'c, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'c, sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::Transaction<'c, sqlx::MySql>),
}

impl Tx<'_> {
    /// Statements inside the transaction.
    pub(crate) fn on(&mut self) -> Exec<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => Exec::Sqlite(t),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => Exec::Pg(t),
            #[cfg(feature = "mysql")]
            Tx::MySql(t) => Exec::MySql(t),
        }
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self {
            #[cfg(feature = "sqlite")]
            Tx::Sqlite(t) => t.commit().await,
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.commit().await,
            #[cfg(feature = "mysql")]
            Tx::MySql(t) => t.commit().await,
        }
        .map_err(map_sqlx)
    }
}

/// One connection taken from a pool.
pub(crate) enum Conn {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::pool::PoolConnection<sqlx::Postgres>),
    #[cfg(feature = "mysql")]
    MySql(sqlx::pool::PoolConnection<sqlx::MySql>),
}

impl Conn {
    /// Statements on this connection.
    pub(crate) fn on(&mut self) -> Exec<'_> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => Exec::Sqlite(c),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => Exec::Pg(c),
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => Exec::MySql(c),
        }
    }

    /// A transaction on this connection (SQLite: a write transaction from the start).
    pub(crate) async fn begin(&mut self) -> StoreResult<Tx<'_>> {
        use sqlx::Connection;
        Ok(match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => Tx::Sqlite(c.begin_with("BEGIN IMMEDIATE").await.map_err(map_sqlx)?),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => Tx::Postgres(c.begin().await.map_err(map_sqlx)?),
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => Tx::MySql(c.begin().await.map_err(map_sqlx)?),
        })
    }

    /// Close the connection instead of handing it back to the pool (it may hold a lock).
    pub(crate) fn detach(self) {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(c) => drop(c.detach()),
            #[cfg(feature = "postgres")]
            Conn::Postgres(c) => drop(c.detach()),
            #[cfg(feature = "mysql")]
            Conn::MySql(c) => drop(c.detach()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_each_dialect() {
        let sql = "UPDATE \"user\" SET a = ?2 WHERE id = ?1 AND b = ?2";
        assert_eq!(
            render(Dialect::Sqlite, sql).sql,
            "UPDATE \"user\" SET a = ?2 WHERE id = ?1 AND b = ?2"
        );
        assert_eq!(
            render(Dialect::Postgres, sql).sql,
            "UPDATE \"user\" SET a = $2 WHERE id = $1 AND b = $2"
        );
        let my = render(Dialect::MySql, sql);
        assert_eq!(my.sql, "UPDATE `user` SET a = ? WHERE id = ? AND b = ?");
        assert_eq!(my.order, vec![1, 0, 1]);
        let args = ordered(Dialect::MySql, &my, args!["x", 7_i64]).unwrap();
        assert!(
            matches!(&args[..], [Arg::Int(Some(7)), Arg::Text(Some(t)), Arg::Int(Some(7))] if t == "x")
                || matches!(
                    &args[..],
                    [Arg::Text(Some(_)), Arg::Int(Some(7)), Arg::Text(Some(_))]
                )
        );
    }

    #[test]
    fn a_missing_argument_is_an_error_not_a_panic() {
        let r = render(Dialect::MySql, "SELECT ?3");
        assert!(ordered(Dialect::MySql, &r, args![1_i64]).is_err());
    }
}
