//! Conversions shared by the SQL backends: datetimes as SQLAlchemy stores them, Flask-Security's
//! `AsaList`, and driver errors to [`StoreError`].

use portcullis_core::StoreError;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

/// How SQLAlchemy writes a naive UTC `DateTime` in SQLite.
const WRITE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:6]");

/// What we read: with or without a fraction (SQLite's `CURRENT_TIMESTAMP` has none).
const READ_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second][optional [.[subsecond]]]");

/// A time as naive UTC text `YYYY-MM-DD HH:MM:SS.ffffff` (sub-microseconds are dropped).
pub(crate) fn datetime_to_db(at: OffsetDateTime) -> Result<String, StoreError> {
    let utc = at
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| StoreError::Backend(format!("time out of range: {at}")))?;
    PrimitiveDateTime::new(utc.date(), utc.time())
        .format(WRITE_FORMAT)
        .map_err(|e| StoreError::Backend(format!("cannot format time {at}: {e}")))
}

/// [`datetime_to_db`] for optional values.
pub(crate) fn opt_datetime_to_db(at: Option<OffsetDateTime>) -> Result<Option<String>, StoreError> {
    at.map(datetime_to_db).transpose()
}

/// Parse naive UTC text as written by SQLAlchemy, SQLite or us. Accepts a `T` separator and a
/// trailing `Z`/offset too (RFC 3339), in case another tool wrote the row.
pub(crate) fn datetime_from_db(text: &str) -> Result<OffsetDateTime, StoreError> {
    let trimmed = text.trim();
    let normalised: String = trimmed
        .char_indices()
        .map(|(i, c)| if i == 10 && c == 'T' { ' ' } else { c })
        .collect();
    if let Ok(naive) = PrimitiveDateTime::parse(&normalised, READ_FORMAT) {
        return Ok(naive.assume_utc());
    }
    OffsetDateTime::parse(trimmed, &time::format_description::well_known::Rfc3339)
        .map(|at| at.to_offset(UtcOffset::UTC))
        .map_err(|_| StoreError::Backend(format!("unreadable datetime in the store: {text:?}")))
}

/// [`datetime_from_db`] for nullable columns.
pub(crate) fn opt_datetime_from_db(
    text: Option<String>,
) -> Result<Option<OffsetDateTime>, StoreError> {
    text.as_deref().map(datetime_from_db).transpose()
}

/// Flask-Security's `AsaList` load: comma separated, NULL or empty → `[]`.
pub(crate) fn asa_list_from_db(text: Option<&str>) -> Vec<String> {
    match text {
        Some(t) if !t.is_empty() => t.split(',').map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Flask-Security's `AsaList` bind: comma joined; `[]` is stored as NULL. Items containing a
/// comma cannot be stored (they would come back split), so they are refused.
pub(crate) fn asa_list_to_db(items: &[String]) -> Result<Option<String>, StoreError> {
    if items.is_empty() {
        return Ok(None);
    }
    if let Some(bad) = items.iter().find(|i| i.contains(',') || i.is_empty()) {
        return Err(StoreError::Backend(format!(
            "list item {bad:?} cannot be stored: items must be non-empty and contain no comma"
        )));
    }
    Ok(Some(items.join(",")))
}

// SQLite primary result codes (the low byte of an extended code).
const SQLITE_BUSY: i64 = 5;
const SQLITE_LOCKED: i64 = 6;
const SQLITE_NOMEM: i64 = 7;
const SQLITE_READONLY: i64 = 8;
const SQLITE_IOERR: i64 = 10;
const SQLITE_FULL: i64 = 13;
const SQLITE_CANTOPEN: i64 = 14;
const SQLITE_PROTOCOL: i64 = 15;
const SQLITE_NOTADB: i64 = 26;

/// Map a driver error: unique violations to `Conflict(field)`, connection and pool trouble to
/// `Unavailable`, the rest to `Backend`.
pub(crate) fn map_sqlx(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                let detail = db.constraint().unwrap_or_else(|| db.message());
                return StoreError::Conflict(conflict_field(detail));
            }
            if database_unavailable(db.as_ref()) {
                StoreError::Unavailable(db.message().to_owned())
            } else {
                StoreError::Backend(db.message().to_owned())
            }
        }
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Configuration(_)
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Backend(err.to_string()),
    }
}

/// Whether a database's error says "not now" (busy, out of resources, shutting down) rather
/// than "never" — per dialect, from its error codes.
fn database_unavailable(db: &dyn sqlx::error::DatabaseError) -> bool {
    let code = db.code().unwrap_or_default();
    #[cfg(feature = "sqlite")]
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let primary = code.parse::<i64>().ok().map(|c| c & 0xff);
        return matches!(
            primary,
            Some(
                SQLITE_BUSY
                    | SQLITE_LOCKED
                    | SQLITE_NOMEM
                    | SQLITE_READONLY
                    | SQLITE_IOERR
                    | SQLITE_FULL
                    | SQLITE_CANTOPEN
                    | SQLITE_PROTOCOL
                    | SQLITE_NOTADB,
            )
        );
    }
    #[cfg(feature = "postgres")]
    if db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .is_some()
    {
        // 08: connection exception, 53: insufficient resources, 57P: operator intervention
        // (shutdown, cannot connect now), 40001/40P01: serialization failure / deadlock.
        return code.starts_with("08")
            || code.starts_with("53")
            || code.starts_with("57P")
            || code == "40001"
            || code == "40P01";
    }
    #[cfg(feature = "mysql")]
    if let Some(my) = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>() {
        // `code()` is the SQLSTATE; the error number says more. Too many connections, server
        // shutting down, lock wait timeout, deadlock, read-only (--read-only, or a read-only
        // transaction), connection killed (MariaDB); SQLSTATE 08: connection exception.
        return matches!(
            my.number(),
            MYSQL_TOO_MANY_CONNECTIONS
                | MYSQL_SERVER_SHUTDOWN
                | MYSQL_LOCK_WAIT_TIMEOUT
                | MYSQL_DEADLOCK
                | MYSQL_OPTION_PREVENTS_STATEMENT
                | MYSQL_READ_ONLY_MODE
                | MYSQL_CONNECTION_KILLED
        ) || code.starts_with("08");
    }
    false
}

// MySQL/MariaDB error numbers.
const MYSQL_TOO_MANY_CONNECTIONS: u16 = 1040;
const MYSQL_SERVER_SHUTDOWN: u16 = 1053;
const MYSQL_LOCK_WAIT_TIMEOUT: u16 = 1205;
const MYSQL_DEADLOCK: u16 = 1213;
const MYSQL_OPTION_PREVENTS_STATEMENT: u16 = 1290;
const MYSQL_READ_ONLY_MODE: u16 = 1836;
/// MariaDB numbering.
const MYSQL_CONNECTION_KILLED: u16 = 1927;

/// A time as a naive UTC timestamp (PostgreSQL `TIMESTAMP WITHOUT TIME ZONE`, MySQL
/// `DATETIME(6)`), to the microsecond, as SQLAlchemy stores them.
pub(crate) fn to_naive_utc(at: OffsetDateTime) -> Result<PrimitiveDateTime, StoreError> {
    let utc = at
        .checked_to_offset(UtcOffset::UTC)
        .ok_or_else(|| StoreError::Backend(format!("time out of range: {at}")))?;
    let micros = utc.microsecond();
    let time = utc
        .time()
        .replace_microsecond(micros)
        .map_err(|e| StoreError::Backend(format!("time {at}: {e}")))?;
    Ok(PrimitiveDateTime::new(utc.date(), time))
}

/// [`to_naive_utc`] for optional values.
pub(crate) fn opt_to_naive_utc(
    at: Option<OffsetDateTime>,
) -> Result<Option<PrimitiveDateTime>, StoreError> {
    at.map(to_naive_utc).transpose()
}

/// The field a unique violation is about, from PostgreSQL's constraint name
/// (`user_email_key`), SQLite's message (`UNIQUE constraint failed: user.email` or
/// `... failed: index 'ix_...'`) or MySQL's (`Duplicate entry 'x' for key 'email'`; MySQL 8
/// says `'user.email'`).
fn conflict_field(message: &str) -> &'static str {
    if let Some(key) = mysql_duplicate_key(message) {
        return match key {
            // The unnamed UNIQUE(name) of `role`.
            "name" => "name",
            // The one primary key that takes a value from outside: the session id hash.
            "PRIMARY" => "id_hash",
            _ => fields_in(key),
        };
    }
    let detail = message
        .split_once("failed:")
        .map_or(message, |(_, rest)| rest);
    fields_in(detail)
}

/// The index named by MySQL's `Duplicate entry '…' for key '…'`, without a `table.` prefix. The
/// duplicate value comes first and may contain anything (the words of a field name, quotes, even
/// "for key '"), so the name is taken from the end of the message.
fn mysql_duplicate_key(message: &str) -> Option<&str> {
    const MARK: &str = " for key '";
    if !message.starts_with("Duplicate entry '") {
        return None;
    }
    let start = message.rfind(MARK)? + MARK.len();
    let key = message[start..].strip_suffix('\'')?;
    Some(key.rsplit_once('.').map_or(key, |(_table, index)| index))
}

/// The first known field whose name occurs in `detail`.
fn fields_in(detail: &str) -> &'static str {
    const FIELDS: &[(&str, &str)] = &[
        ("fs_token_uniquifier", "fs_token_uniquifier"),
        ("fs_webauthn_user_handle", "fs_webauthn_user_handle"),
        ("fs_uniquifier", "fs_uniquifier"),
        ("us_phone_number", "us_phone_number"),
        ("email", "email"),
        ("username", "username"),
        ("role.name", "name"),
        ("role_name", "name"),
        ("credential_id", "credential_id"),
        ("id_hash", "id_hash"),
    ];
    FIELDS
        .iter()
        .find(|(needle, _)| detail.contains(needle))
        .map_or("unique", |(_, field)| field)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use time::macros::datetime;

    #[test]
    fn datetimes_written_like_sqlalchemy() {
        let at = datetime!(2026-01-02 03:04:05.123456789 UTC);
        assert_eq!(datetime_to_db(at).unwrap(), "2026-01-02 03:04:05.123456");
        let whole = datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(datetime_to_db(whole).unwrap(), "2026-01-02 03:04:05.000000");
        let offset = datetime!(2026-01-02 05:04:05 +02:00);
        assert_eq!(
            datetime_to_db(offset).unwrap(),
            "2026-01-02 03:04:05.000000"
        );
    }

    #[test]
    fn datetimes_read_with_and_without_fraction() {
        for (text, at) in [
            ("2026-11-28 16:16:58", datetime!(2026-11-28 16:16:58 UTC)),
            (
                "2026-11-28 16:16:59.745907",
                datetime!(2026-11-28 16:16:59.745907 UTC),
            ),
            (
                "2026-11-28 16:16:59.5",
                datetime!(2026-11-28 16:16:59.5 UTC),
            ),
            (
                "2026-11-28T16:16:59.5",
                datetime!(2026-11-28 16:16:59.5 UTC),
            ),
            (
                "2026-11-28T18:16:59+02:00",
                datetime!(2026-11-28 16:16:59 UTC),
            ),
        ] {
            assert_eq!(datetime_from_db(text).unwrap(), at, "{text}");
        }
        assert!(matches!(
            datetime_from_db("yesterday"),
            Err(StoreError::Backend(_))
        ));
        let round = datetime!(2026-01-02 03:04:05.000001 UTC);
        assert_eq!(
            datetime_from_db(&datetime_to_db(round).unwrap()).unwrap(),
            round
        );
    }

    #[test]
    fn asa_list_like_flask_security() {
        assert_eq!(asa_list_from_db(None), Vec::<String>::new());
        assert_eq!(asa_list_from_db(Some("")), Vec::<String>::new());
        assert_eq!(
            asa_list_from_db(Some("read,write,admin")),
            vec!["read", "write", "admin"]
        );
        let items = vec!["b".to_owned(), "a".to_owned()];
        assert_eq!(asa_list_to_db(&items).unwrap().as_deref(), Some("b,a"));
        assert_eq!(asa_list_to_db(&[]).unwrap(), None);
        assert!(asa_list_to_db(&["a,b".to_owned()]).is_err());
    }

    #[test]
    fn conflict_fields_from_sqlite_messages() {
        assert_eq!(
            conflict_field("UNIQUE constraint failed: user.email"),
            "email"
        );
        assert_eq!(
            conflict_field("UNIQUE constraint failed: user.username"),
            "username"
        );
        assert_eq!(
            conflict_field("UNIQUE constraint failed: user.fs_uniquifier"),
            "fs_uniquifier"
        );
        assert_eq!(
            conflict_field("UNIQUE constraint failed: user.fs_token_uniquifier"),
            "fs_token_uniquifier"
        );
        assert_eq!(
            conflict_field("UNIQUE constraint failed: index 'ix_user_fs_token_uniquifier'"),
            "fs_token_uniquifier"
        );
        assert_eq!(
            conflict_field("UNIQUE constraint failed: role.name"),
            "name"
        );
        assert_eq!(conflict_field("something else"), "unique");
    }

    #[test]
    fn conflict_fields_from_postgres_constraints() {
        assert_eq!(conflict_field("user_email_key"), "email");
        assert_eq!(conflict_field("user_username_key"), "username");
        assert_eq!(conflict_field("user_fs_uniquifier_key"), "fs_uniquifier");
        assert_eq!(
            conflict_field("ix_user_fs_token_uniquifier"),
            "fs_token_uniquifier"
        );
        assert_eq!(conflict_field("role_name_key"), "name");
        assert_eq!(conflict_field("portcullis_session_pkey"), "unique");
    }

    #[test]
    fn conflict_fields_from_mysql_messages() {
        // MariaDB names the index only; MySQL 8 prefixes the table.
        for (message, field) in [
            ("Duplicate entry 'ann@example.com' for key 'email'", "email"),
            (
                "Duplicate entry 'ann@example.com' for key 'user.email'",
                "email",
            ),
            ("Duplicate entry 'Ann' for key 'username'", "username"),
            (
                "Duplicate entry 'uq-1' for key 'fs_uniquifier'",
                "fs_uniquifier",
            ),
            (
                "Duplicate entry 'uq-1t' for key 'ix_user_fs_token_uniquifier'",
                "fs_token_uniquifier",
            ),
            (
                "Duplicate entry '+16502530000' for key 'us_phone_number'",
                "us_phone_number",
            ),
            (
                "Duplicate entry 'h' for key 'fs_webauthn_user_handle'",
                "fs_webauthn_user_handle",
            ),
            ("Duplicate entry 'admin' for key 'name'", "name"),
            ("Duplicate entry 'admin' for key 'role.name'", "name"),
            ("Duplicate entry 'abc' for key 'PRIMARY'", "id_hash"),
            (
                "Duplicate entry 'abc' for key 'portcullis_session.PRIMARY'",
                "id_hash",
            ),
            (
                "Duplicate entry '\\x01\\x02' for key 'ix_web_authn_credential_id'",
                "credential_id",
            ),
            // A second index on a column gets a numbered name.
            (
                "Duplicate entry 'ann@example.com' for key 'email_2'",
                "email",
            ),
            ("Duplicate entry '1' for key 'something'", "unique"),
        ] {
            assert_eq!(conflict_field(message), field, "{message}");
        }
        // The value is not mistaken for the key, whatever it contains.
        assert_eq!(
            conflict_field("Duplicate entry 'email_fan' for key 'username'"),
            "username"
        );
        assert_eq!(
            conflict_field("Duplicate entry 'x' for key 'email'' for key 'name'"),
            "name"
        );
        assert_eq!(
            conflict_field("Duplicate entry 'fs_uniquifier@x' for key 'email'"),
            "email"
        );
    }
}
