//! MySQL/MariaDB: how to connect. The tables are Flask-Security-Too's `fsqla_v3` ones as
//! SQLAlchemy creates them (`INTEGER AUTO_INCREMENT` ids, `BOOL` as `TINYINT(1)`, naive UTC
//! `DATETIME`, with microseconds — `DATETIME(6)` — in databases made here); the statements are
//! shared with the other dialects (`crate::store`).

use std::str::FromStr;

use portcullis_core::store::StoreError;
use sqlx::MySqlPool;
use sqlx::mysql::MySqlConnectOptions;

use crate::PoolSettings;
use crate::convert::map_sqlx;
use crate::db::Pool;
use crate::store::{Datastore, SqlStore};

/// A datastore on MySQL or MariaDB (10.5 or later): connect with [`MySqlStore::connect`]; the
/// embedded migrations are additive, so a database made by Flask-Security keeps working with
/// Flask-Security. Emails and usernames are unique ignoring case through the tables'
/// case-insensitive collation: the UNIQUE indexes reject `ann@x` next to `Ann@x`, even when two
/// instances register (or change to) them at once. Uniquifiers, role names, password hashes,
/// phone numbers, session ids and counter keys are compared exactly. The driver sets
/// `CLIENT_FOUND_ROWS`, so an UPDATE reports the rows it matched.
pub type MySqlStore = Datastore<MySqlPool>;

impl crate::server::sealed::Sealed for MySqlPool {
    async fn open(url: &str, settings: PoolSettings) -> Result<(Self, SqlStore), StoreError> {
        // What the store relies on (the driver's defaults, pinned here): utf8mb4 (`SET NAMES`)
        // and the UTC session time zone (`CURRENT_TIMESTAMP(6)` defaults in UTC, as the naive
        // UTC times SQLAlchemy stores). The driver always asks for `CLIENT_FOUND_ROWS`.
        let options = MySqlConnectOptions::from_str(url)
            .map_err(map_sqlx)?
            .charset("utf8mb4")
            .timezone(Some(String::from("+00:00")));
        crate::server::open(options, settings, Pool::MySql).await
    }
}
