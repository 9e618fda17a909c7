//! Reading rows into the domain types, once for every dialect: each row type says how it reads
//! the four kinds of column (integer, text, boolean, time); the rest is shared.

use portcullis_core::{Role, SessionRecord, StoreError, StoreResult, User};
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
}

fn reading(name: &str, e: sqlx::Error) -> StoreError {
    StoreError::Backend(format!("reading column {name}: {e}"))
}

fn required<T>(value: Option<T>, name: &str) -> StoreResult<T> {
    value.ok_or_else(|| StoreError::Backend(format!("column {name} is NULL")))
}

/// PostgreSQL and MySQL/MariaDB: typed datetimes; `$int` reads an integer column.
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
        }
    };
}

/// PostgreSQL decodes each integer width only as its own Rust type: Flask-Security's `SERIAL`
/// and `INTEGER` columns are int4, our counters and expiry times int8.
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
fn mysql_int(row: &sqlx::mysql::MySqlRow, name: &str) -> Result<Option<i64>, sqlx::Error> {
    row.try_get(name)
}

server_columns!(sqlx::postgres::PgRow, pg_int);
server_columns!(sqlx::mysql::MySqlRow, mysql_int);

/// SQLite: datetimes are text as SQLAlchemy writes them.
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
}

/// A `user` row (the columns of the stores' `user_select!`).
pub(crate) fn user_from_row(row: &dyn Columns) -> StoreResult<User> {
    Ok(User {
        id: required(row.int("id")?, "id")?,
        email: required(row.text("email")?, "email")?,
        username: row.text("username")?,
        password: row.text("password")?,
        active: required(row.flag("active")?, "active")?,
        fs_uniquifier: required(row.text("fs_uniquifier")?, "fs_uniquifier")?,
        fs_token_uniquifier: row.text("fs_token_uniquifier")?,
        confirmed_at: row.time("confirmed_at")?,
        last_login_at: row.time("last_login_at")?,
        current_login_at: row.time("current_login_at")?,
        last_login_ip: row.text("last_login_ip")?,
        current_login_ip: row.text("current_login_ip")?,
        login_count: row.int("login_count")?,
        tf_primary_method: row.text("tf_primary_method")?,
        tf_totp_secret: row.text("tf_totp_secret")?,
        tf_phone_number: row.text("tf_phone_number")?,
        us_totp_secrets: row.text("us_totp_secrets")?,
        us_phone_number: row.text("us_phone_number")?,
        fs_webauthn_user_handle: row.text("fs_webauthn_user_handle")?,
        mf_recovery_codes: row.text("mf_recovery_codes")?,
        create_datetime: required(row.time("create_datetime")?, "create_datetime")?,
        update_datetime: required(row.time("update_datetime")?, "update_datetime")?,
    })
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
