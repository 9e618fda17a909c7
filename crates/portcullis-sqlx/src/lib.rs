#![forbid(unsafe_code)]
//! portcullis-sqlx: SQL datastores for portcullis.
//!
//! [`SqliteStore`] implements every datastore trait of `portcullis-core` on SQLite, with tables
//! that are exactly Flask-Security-Too's `fsqla_v3` ones (`user`, `role`, `roles_users`,
//! `web_authn`) plus additive extras (an optional `fs_token_uniquifier` column, lookup indexes and
//! a `portcullis_session` table). A database created by Flask-Security opens unchanged.

mod convert;
mod sqlite;

pub use sqlite::SqliteStore;
