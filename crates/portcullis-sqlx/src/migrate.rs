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
