//! Reading rows into the domain types, once for every dialect: each row type says how it reads
//! the four kinds of column (integer, text, boolean, time); the rest is shared.

use portcullis_core::{
    Role, SessionRecord, StoreError, StoreResult, User, WebAuthn, WebAuthnUsage,
};
use sqlx::Row;
use time::{OffsetDateTime, PrimitiveDateTime};

use crate::convert::{asa_list_from_db, opt_datetime_from_db};

/// The columns of one row, by name.
pub(crate) trait Columns {
    /// An integer column (any width).
    fn int(&self, name: &str) -> StoreResult<Option<i64>>;
    /// A text column.
    fn text(&self, name: &str) -> StoreResult<Option<String>>;
    /// A boolean column.
    fn flag(&self, name: &str) -> StoreResult<Option<bool>>;
    /// A naive-UTC datetime column.
    fn time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>>;
    /// A binary column (`BLOB`, `BYTEA`).
    fn bytes(&self, name: &str) -> StoreResult<Option<Vec<u8>>>;
}

fn reading(name: &str, e: sqlx::Error) -> StoreError {
    StoreError::Backend(format!("reading column {name}: {e}"))
}

fn required<T>(value: Option<T>, name: &str) -> StoreResult<T> {
    value.ok_or_else(|| StoreError::Backend(format!("column {name} is NULL")))
}

/// PostgreSQL and MySQL/MariaDB: typed datetimes; `$int` reads an integer column.
#[cfg(any(feature = "postgres", feature = "mysql"))]
macro_rules! server_columns {
    ($row:ty, $int:path) => {
        impl Columns for $row {
            fn int(&self, name: &str) -> StoreResult<Option<i64>> {
                $int(self, name).map_err(|e| reading(name, e))
            }
            fn text(&self, name: &str) -> StoreResult<Option<String>> {
                self.try_get(name).map_err(|e| reading(name, e))
            }
            fn flag(&self, name: &str) -> StoreResult<Option<bool>> {
                self.try_get(name).map_err(|e| reading(name, e))
            }
            fn time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
                self.try_get::<Option<PrimitiveDateTime>, _>(name)
                    .map(|v| v.map(PrimitiveDateTime::assume_utc))
                    .map_err(|e| reading(name, e))
            }
            fn bytes(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
                self.try_get(name).map_err(|e| reading(name, e))
            }
        }
    };
}

/// PostgreSQL decodes each integer width only as its own Rust type: Flask-Security's `SERIAL`
/// and `INTEGER` columns are int4, our counters and expiry times int8.
#[cfg(feature = "postgres")]
fn pg_int(row: &sqlx::postgres::PgRow, name: &str) -> Result<Option<i64>, sqlx::Error> {
    use sqlx::{TypeInfo, ValueRef};
    let width = row.try_get_raw(name)?.type_info().name().to_owned();
    match width.as_str() {
        "INT2" => Ok(row.try_get::<Option<i16>, _>(name)?.map(i64::from)),
        "INT4" => Ok(row.try_get::<Option<i32>, _>(name)?.map(i64::from)),
        _ => row.try_get(name),
    }
}

/// MySQL/MariaDB integers of any width decode as i64.
#[cfg(feature = "mysql")]
fn mysql_int(row: &sqlx::mysql::MySqlRow, name: &str) -> Result<Option<i64>, sqlx::Error> {
    row.try_get(name)
}

#[cfg(feature = "postgres")]
server_columns!(sqlx::postgres::PgRow, pg_int);
#[cfg(feature = "mysql")]
server_columns!(sqlx::mysql::MySqlRow, mysql_int);

/// SQLite: datetimes are text as SQLAlchemy writes them.
#[cfg(feature = "sqlite")]
impl Columns for sqlx::sqlite::SqliteRow {
    fn int(&self, name: &str) -> StoreResult<Option<i64>> {
        self.try_get(name).map_err(|e| reading(name, e))
    }
    fn text(&self, name: &str) -> StoreResult<Option<String>> {
        self.try_get(name).map_err(|e| reading(name, e))
    }
    fn flag(&self, name: &str) -> StoreResult<Option<bool>> {
        self.try_get(name).map_err(|e| reading(name, e))
    }
    fn time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
        opt_datetime_from_db(self.text(name)?)
    }
    fn bytes(&self, name: &str) -> StoreResult<Option<Vec<u8>>> {
        self.try_get(name).map_err(|e| reading(name, e))
    }
}

/// A `user` row: read through the model's own column list ([`User::read`]).
pub(crate) fn user_from_row(row: &dyn Columns) -> StoreResult<User> {
    User::read(&Source(row))
}

/// A row as the model reads columns.
struct Source<'a>(&'a dyn Columns);

impl portcullis_core::store::ColumnSource for Source<'_> {
    fn int(&self, name: &str) -> StoreResult<Option<i64>> {
        self.0.int(name)
    }
    fn text(&self, name: &str) -> StoreResult<Option<String>> {
        self.0.text(name)
    }
    fn flag(&self, name: &str) -> StoreResult<Option<bool>> {
        self.0.flag(name)
    }
    fn time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
        self.0.time(name)
    }
}

/// A `role` row (`id, name, description, permissions`).
pub(crate) fn role_from_row(row: &dyn Columns) -> StoreResult<Role> {
    Ok(Role {
        id: required(row.int("id")?, "id")?,
        name: required(row.text("name")?, "name")?,
        description: row.text("description")?,
        permissions: asa_list_from_db(row.text("permissions")?.as_deref()),
    })
}

/// A `portcullis_session` row.
pub(crate) fn session_from_row(row: &dyn Columns) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        id_hash: required(row.text("id_hash")?, "id_hash")?,
        user_uniquifier: row.text("user_uniquifier")?,
        data: crate::session_data_from_db(&required(row.text("data")?, "data")?)?,
        expires_at: required(row.int("expires_at")?, "expires_at")?,
    })
}

/// A `portcullis_counter` row: `(value, expires_at)`.
pub(crate) fn counter_from_row(row: &dyn Columns) -> StoreResult<(u64, i64)> {
    let value = required(row.int("value")?, "value")?;
    Ok((
        u64::try_from(value).unwrap_or(0),
        required(row.int("expires_at")?, "expires_at")?,
    ))
}

/// A `web_authn` row, as Flask-Security writes it (transports an AsaList, usage a name).
pub(crate) fn webauthn_from_row(row: &dyn Columns) -> StoreResult<WebAuthn> {
    let usage = required(row.text("usage")?, "usage")?;
    Ok(WebAuthn {
        id: required(row.int("id")?, "id")?,
        user_id: required(row.int("user_id")?, "user_id")?,
        credential_id: required(row.bytes("credential_id")?, "credential_id")?,
        public_key: required(row.bytes("public_key")?, "public_key")?,
        sign_count: row.int("sign_count")?.unwrap_or(0),
        transports: asa_list_from_db(row.text("transports")?.as_deref()),
        backup_state: row.flag("backup_state")?.unwrap_or(false),
        device_type: row.text("device_type")?.unwrap_or_default(),
        extensions: row.text("extensions")?,
        create_datetime: required(row.time("create_datetime")?, "create_datetime")?,
        lastuse_datetime: required(row.time("lastuse_datetime")?, "lastuse_datetime")?,
        name: required(row.text("name")?, "name")?,
        usage: WebAuthnUsage::parse(&usage)
            .ok_or_else(|| StoreError::Backend(format!("web_authn.usage {usage:?}")))?,
    })
}
