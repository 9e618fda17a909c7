//! PostgreSQL: how to connect. The tables are Flask-Security-Too's `fsqla_v3` ones as SQLAlchemy
//! creates them (`SERIAL` ids, `TIMESTAMP WITHOUT TIME ZONE` in UTC); the statements are shared
//! with the other dialects (`crate::store`).

use std::str::FromStr;

use portcullis_core::store::StoreError;
use sqlx::PgPool;
use sqlx::postgres::PgConnectOptions;

use crate::PoolSettings;
use crate::convert::map_sqlx;
use crate::db::Pool;
use crate::store::{Datastore, SqlStore};

/// A datastore on PostgreSQL: connect with [`PgStore::connect`]; the embedded migrations are
/// additive, so a database made by Flask-Security keeps working with Flask-Security. Emails and
/// usernames are unique ignoring case: creating a user and changing an email or username take
/// a transaction-scoped advisory lock on the lower-cased value, so two instances registering
/// (or changing to) `Ann@x` and `ann@x` at once cannot both succeed, without a unique index
/// that an existing database with such duplicates could not build.
pub type PgStore = Datastore<PgPool>;

impl crate::server::sealed::Sealed for PgPool {
    async fn open(url: &str, settings: PoolSettings) -> Result<(Self, SqlStore), StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(map_sqlx)?
            .application_name("portcullis");
        crate::server::open(options, settings, Pool::Postgres).await
    }
}
