//! Columns, generically: what a store binds ([`ColumnValue`]) and reads ([`ColumnSource`]) for
//! a field of the model ([`Column`]). With these, the `user` table is declared once
//! (`model.rs`, `user_table!`) and every backend reads and writes any column the same way.

use time::OffsetDateTime;

use super::{StoreError, StoreResult};

/// A column value as a store binds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnValue {
    /// An integer (any width).
    Int(Option<i64>),
    /// Text.
    Text(Option<String>),
    /// A boolean.
    Flag(Option<bool>),
    /// A time (naive UTC in the SQL tables).
    Time(Option<OffsetDateTime>),
}

/// The columns of one row, by name.
pub trait ColumnSource {
    /// An integer column (any width).
    fn int(&self, name: &str) -> StoreResult<Option<i64>>;
    /// A text column.
    fn text(&self, name: &str) -> StoreResult<Option<String>>;
    /// A boolean column.
    fn flag(&self, name: &str) -> StoreResult<Option<bool>>;
    /// A time column.
    fn time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>>;
}

/// A field type a column holds: read from a row, bound as a value.
pub trait Column: Sized {
    /// Read column `name`.
    fn read(row: &dyn ColumnSource, name: &str) -> StoreResult<Self>;
    /// The value to bind.
    fn value(&self) -> ColumnValue;
}

fn required<T>(value: Option<T>, name: &str) -> StoreResult<T> {
    value.ok_or_else(|| StoreError::Backend(format!("column {name} is NULL")))
}

macro_rules! column {
    ($ty:ty, $read:ident, $variant:ident) => {
        impl Column for $ty {
            fn read(row: &dyn ColumnSource, name: &str) -> StoreResult<Self> {
                required(row.$read(name)?, name)
            }
            fn value(&self) -> ColumnValue {
                ColumnValue::$variant(Some(self.clone()))
            }
        }
        impl Column for Option<$ty> {
            fn read(row: &dyn ColumnSource, name: &str) -> StoreResult<Self> {
                row.$read(name)
            }
            fn value(&self) -> ColumnValue {
                ColumnValue::$variant(self.clone())
            }
        }
    };
}

column!(i64, int, Int);
column!(String, text, Text);
column!(bool, flag, Flag);
column!(OffsetDateTime, time, Time);
