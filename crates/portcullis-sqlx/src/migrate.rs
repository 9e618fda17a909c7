//! Migrations: numbered SQL files per dialect (`migrations/{sqlite,postgres,mysql}`), embedded
//! in the binary, applied once each and recorded in `portcullis_migrations(version, applied_at)`.
//! Every migration is additive, so it can run on a database made by Flask-Security.

/// One migration.
pub(crate) struct Migration {
    /// Applied in ascending order; recorded once applied.
    pub(crate) version: i64,
    /// For logs.
    pub(crate) name: &'static str,
    /// The statements.
    pub(crate) sql: &'static str,
    /// `(table, column)`: skip the statements (but record the version) when the column exists
    /// (for dialects without `ADD COLUMN IF NOT EXISTS`).
    pub(crate) skip_if_column: Option<(&'static str, &'static str)>,
}

/// A migration's statements failed: name it.
pub(crate) fn failed(
    migration: &Migration,
    err: portcullis_core::StoreError,
) -> portcullis_core::StoreError {
    use portcullis_core::StoreError;
    match err {
        StoreError::Unavailable(msg) => StoreError::Unavailable(msg),
        err => StoreError::Backend(format!(
            "migration {:04}_{} failed: {err}",
            migration.version, migration.name
        )),
    }
}

/// The migrations of one dialect, from `migrations/<dialect>/`: every dialect has the same
/// numbered steps, written in its own SQL.
macro_rules! dialect_migrations {
    ($dialect:literal) => {
        &[
            $crate::migrate::Migration {
                version: 1,
                name: "flask_security_fsqla_v3",
                sql: include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0001_flask_security_fsqla_v3.sql"
                )),
                skip_if_column: None,
            },
            $crate::migrate::Migration {
                version: 2,
                name: "fs_token_uniquifier",
                sql: include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0002_fs_token_uniquifier.sql"
                )),
                skip_if_column: Some(("user", "fs_token_uniquifier")),
            },
            $crate::migrate::Migration {
                version: 3,
                name: "portcullis_indexes_sessions",
                sql: include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0003_portcullis_indexes_sessions.sql"
                )),
                skip_if_column: None,
            },
            $crate::migrate::Migration {
                version: 4,
                name: "portcullis_counters",
                sql: include_str!(concat!(
                    "../../migrations/",
                    $dialect,
                    "/0004_portcullis_counters.sql"
                )),
                skip_if_column: None,
            },
        ]
    };
}
pub(crate) use dialect_migrations;
