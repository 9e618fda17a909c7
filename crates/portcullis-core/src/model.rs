//! Plain data: users, roles and sessions as the datastore holds them. No policy lives here.
//!
//! Field names follow Flask-Security's fsqla_v3 model so that a Flask-Security database reads
//! the same in portcullis.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::store::{Column, ColumnSource, ColumnValue, StoreResult};

/// Declares the `user` table once: the [`User`] struct, its column list, how a row is read,
/// and [`UserChange`] with one field per column marked `set`. Adding a column is one line here
/// (plus one migration per dialect); every store reads, writes and compares it from this.
macro_rules! user_table {
    ($( $(#[$doc:meta])* $mode:ident $field:ident : $ty:ty ),* $(,)?) => {
        /// A user row (`user` table).
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        pub struct User {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        impl User {
            /// The columns, in declaration order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Read a user from a row with these columns.
            pub fn read(row: &dyn ColumnSource) -> StoreResult<Self> {
                Ok(Self {
                    $( $field: Column::read(row, stringify!($field))?, )*
                })
            }
        }

        user_table!(@change [] $($mode $field : $ty,)*);
    };
    (@change [$($acc:tt)*] set $field:ident : $ty:ty, $($rest:tt)*) => {
        user_table!(@change [$($acc)* $field : $ty,] $($rest)*);
    };
    (@change [$($acc:tt)*] get $field:ident : $ty:ty, $($rest:tt)*) => {
        user_table!(@change [$($acc)*] $($rest)*);
    };
    (@change [$($field:ident : $ty:ty,)*]) => {
        /// A change to a user: each `Some` field is written, the rest is left as it is
        /// (`Some(None)` clears a nullable column); `update_datetime` is always set. Stores
        /// keep their rules on top: emails and usernames unique ignoring case
        /// (`Conflict("email")`/`("username")`, a user may change the case of their own), phone
        /// numbers unique, and a new `fs_uniquifier` also rotates `fs_token_uniquifier` (to it +
        /// "t") when the user has one — ending every session and token.
        #[derive(Clone, Default, PartialEq, Eq)]
        pub struct UserChange {
            $( #[doc = concat!("A new `", stringify!($field), "`.")] pub $field: Option<$ty>, )*
        }

        impl UserChange {
            /// The columns this change sets, with their values.
            pub fn assignments(&self) -> Vec<(&'static str, ColumnValue)> {
                let mut out = Vec::new();
                $( if let Some(v) = &self.$field {
                    out.push((stringify!($field), v.value()));
                } )*
                out
            }

            /// Apply the change to a user in memory (the columns only; store rules aside).
            pub fn apply_to(&self, user: &mut User) {
                $( if let Some(v) = &self.$field {
                    user.$field = v.clone();
                } )*
            }
        }

        impl std::fmt::Debug for UserChange {
            // Which columns change, never their values (hashes, secrets, codes).
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let columns: Vec<&str> = self.assignments().into_iter().map(|(c, _)| c).collect();
                f.debug_struct("UserChange").field("columns", &columns).finish()
            }
        }
    };
}

user_table! {
    /// Primary key.
    get id: i64,
    /// Normalised email address (unique, compared on its full Unicode case fold).
    set email: String,
    /// Optional username (unique, compared on its full Unicode case fold).
    set username: Option<String>,
    /// passlib-format password hash; `None` means the user has no password.
    set password: Option<String>,
    /// Inactive users cannot authenticate by any mechanism.
    set active: bool,
    /// Random per-user value that sessions and auth tokens are bound to; rotating it ends them all.
    set fs_uniquifier: String,
    /// Optional separate uniquifier for auth tokens (Flask-Security's optional column).
    get fs_token_uniquifier: Option<String>,
    /// When the email address was confirmed.
    set confirmed_at: Option<OffsetDateTime>,
    /// Login tracking: previous login time.
    get last_login_at: Option<OffsetDateTime>,
    /// Login tracking: current login time.
    get current_login_at: Option<OffsetDateTime>,
    /// Login tracking: previous login address.
    get last_login_ip: Option<String>,
    /// Login tracking: current login address.
    get current_login_ip: Option<String>,
    /// Login tracking: number of logins.
    get login_count: Option<i64>,
    /// Two-factor primary method.
    set tf_primary_method: Option<String>,
    /// Two-factor TOTP secret (passlib encrypted JSON).
    set tf_totp_secret: Option<String>,
    /// Two-factor phone number.
    set tf_phone_number: Option<String>,
    /// Unified sign-in secrets (JSON map method -> secret; read with [`User::us_secrets`]).
    set us_totp_secrets: Option<String>,
    /// Unified sign-in phone number (E.164; an identity, unique).
    set us_phone_number: Option<String>,
    /// WebAuthn user handle.
    set fs_webauthn_user_handle: Option<String>,
    /// Recovery codes (Flask-Security's comma-joined `AsaList`; write with [`asa_list`], read
    /// with [`User::recovery_codes`]).
    set mf_recovery_codes: Option<String>,
    /// Row creation time.
    get create_datetime: OffsetDateTime,
    /// Last update time.
    get update_datetime: OffsetDateTime,
}

/// A list as Flask-Security's `AsaList` stores it: comma joined, `[]` as NULL. Items that could
/// not be read back (empty, or containing a comma) are refused.
pub fn asa_list(items: &[String]) -> StoreResult<Option<String>> {
    if items.is_empty() {
        return Ok(None);
    }
    if items.iter().any(|i| i.is_empty() || i.contains(',')) {
        return Err(crate::store::StoreError::Backend(
            "list items must be non-empty and contain no comma".into(),
        ));
    }
    Ok(Some(items.join(",")))
}

impl User {
    /// The value auth tokens are bound to: `fs_token_uniquifier` when set, else `fs_uniquifier`.
    pub fn token_uniquifier(&self) -> &str {
        self.fs_token_uniquifier
            .as_deref()
            .unwrap_or(self.fs_uniquifier.as_str())
    }

    /// Whether the email address has been confirmed.
    pub fn is_confirmed(&self) -> bool {
        self.confirmed_at.is_some()
    }

    /// The stored recovery codes, read as Flask-Security's `AsaList` reads
    /// `mf_recovery_codes`: comma separated; NULL or empty is no codes.
    pub fn recovery_codes(&self) -> Vec<String> {
        match self.mf_recovery_codes.as_deref() {
            Some(text) if !text.is_empty() => text.split(',').map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    }

    /// The stored unified sign-in secrets, read from `us_totp_secrets` (Flask-Security's JSON
    /// text mapping a method — `email`, `authenticator`, `sms` — to its secret). NULL, empty,
    /// unparsable text or JSON that is not an object read as no secrets.
    pub fn us_secrets(&self) -> serde_json::Map<String, serde_json::Value> {
        match self.us_totp_secrets.as_deref() {
            Some(text) if !text.trim().is_empty() => {
                match serde_json::from_str::<serde_json::Value>(text) {
                    Ok(serde_json::Value::Object(map)) => map,
                    _ => serde_json::Map::new(),
                }
            }
            _ => serde_json::Map::new(),
        }
    }
}

impl std::fmt::Debug for User {
    // Secrets (password hash, TOTP secrets, recovery codes, uniquifiers) never reach logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("username", &self.username)
            .field("active", &self.active)
            .field("confirmed_at", &self.confirmed_at)
            .field("login_count", &self.login_count)
            .finish_non_exhaustive()
    }
}

/// What is needed to create a user.
#[derive(Clone)]
pub struct NewUser {
    /// Normalised email.
    pub email: String,
    /// Optional username.
    pub username: Option<String>,
    /// Password hash (already hashed), if any.
    pub password: Option<String>,
    /// Whether the account is active.
    pub active: bool,
    /// Confirmation time, if confirmed at creation.
    pub confirmed_at: Option<OffsetDateTime>,
    /// The new user's uniquifier.
    pub fs_uniquifier: String,
    /// Creation time.
    pub now: OffsetDateTime,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("username", &self.username)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

/// A role row (`role` table), with its permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Primary key.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Optional description.
    pub description: Option<String>,
    /// Permission names (stored comma separated, as Flask-Security's AsaList).
    pub permissions: Vec<String>,
}

/// A server-side session as stored. The cookie carries a random id; the store keys the record
/// by a SHA-256 digest of that id, so a leaked session table does not yield usable cookies.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// SHA-256 (hex) of the cookie value.
    pub id_hash: String,
    /// `fs_uniquifier` of the signed-in user, if any.
    pub user_uniquifier: Option<String>,
    /// The session payload.
    pub data: SessionData,
    /// Unix time after which the record is dead.
    pub expires_at: i64,
}

impl std::fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRecord")
            .field("expires_at", &self.expires_at)
            .field("authenticated", &self.user_uniquifier.is_some())
            .finish_non_exhaustive()
    }
}

/// Session payload: kept tiny on purpose (last writer wins).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionData {
    /// Time of the last primary authentication (Flask-Security `fs_paa`), unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_paa: Option<f64>,
    /// Freshness grace expiry (Flask-Security `fs_gexp`), unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_gexp: Option<i64>,
    /// Whether the user asked to be remembered (longer lifetime).
    #[serde(default)]
    pub remember: bool,
    /// A sign-in (or a setup) waiting for its second factor. Server-side only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tf: Option<TwoFactorState>,
    /// Messages for the next page this browser is shown (Flask's flash), by message id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flashes: Vec<Flash>,
}

/// A message kept for the next page: a message id (`messages::Msg` key) and its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// The message id (`EMAIL_CONFIRMED`).
    pub key: String,
    /// Its arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<(String, String)>,
}

/// A second factor that sends or shows a code (Flask-Security's `tf_primary_method` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TwoFactorMethod {
    /// A code by mail.
    Email,
    /// An authenticator app (TOTP).
    Authenticator,
    /// A code by text message.
    Sms,
}

impl TwoFactorMethod {
    /// The wire and configuration name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Authenticator => "authenticator",
            Self::Sms => "sms",
        }
    }

    /// The method a wire or configuration name means.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Self::Email),
            "authenticator" => Some(Self::Authenticator),
            "sms" => Some(Self::Sms),
            _ => None,
        }
    }

    /// The method a stored `tf_primary_method` means, Flask-Security's legacy names included
    /// (`mail`, `google_authenticator`).
    pub fn from_stored(name: &str) -> Option<Self> {
        match name {
            "mail" => Some(Self::Email),
            "google_authenticator" => Some(Self::Authenticator),
            other => Self::from_name(other),
        }
    }
}

impl std::fmt::Display for TwoFactorMethod {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Flask-Security's `tf_state`: where a second step stands (the wire and session spelling is
/// the snake-case name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TfState {
    /// A first factor passed, no second factor set up yet, and one is required.
    SetupFromLogin,
    /// Waiting for the code of the user's method.
    Ready,
    /// Waiting for the code that proves a method being set up.
    ValidatingProfile,
    /// The user has several methods and picks one.
    Select,
}

impl TfState {
    /// The wire name (`tf_state`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SetupFromLogin => "setup_from_login",
            Self::Ready => "ready",
            Self::ValidatingProfile => "validating_profile",
            Self::Select => "select",
        }
    }
}

/// Flask-Security's two-factor session keys (`tf_user_id`, `tf_state`, `tf_primary_method`,
/// `tf_remember_login`, `tf_totp_secret`), kept in the server-side session record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TwoFactorState {
    /// `fs_uniquifier` of the user signing in (or setting up).
    pub uniquifier: String,
    /// Where the second step stands.
    pub state: TfState,
    /// The method being used or set up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<TwoFactorMethod>,
    /// The sign-in asked to be remembered.
    #[serde(default)]
    pub remember: bool,
    /// During setup: the new secret, encrypted as it will be stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_secret: Option<String>,
    /// During SMS setup: the phone number (E.164).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_phone: Option<String>,
    /// Whether the first factor was already passed (a sign-in), as opposed to a signed-in user
    /// changing their method.
    #[serde(default)]
    pub signing_in: bool,
    /// How the first factor was passed (`password`, `register`, …), for the events.
    #[serde(default)]
    pub via: String,
    /// When this started (unix seconds): it expires after `two_factor_setup_within`.
    pub started: i64,
    /// The second step is a security key (`/wan-signin`), not a code.
    #[serde(default)]
    pub webauthn: bool,
}

/// What a WebAuthn credential may be used for (Flask-Security's `webauthn.usage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebAuthnUsage {
    /// A passkey: signs in on its own (discoverable, user verification).
    First,
    /// A security key: the second factor after a password or code.
    Secondary,
}

impl WebAuthnUsage {
    /// The stored and wire name (`first`, `secondary`).
    pub fn name(self) -> &'static str {
        match self {
            Self::First => "first",
            Self::Secondary => "secondary",
        }
    }

    /// From the stored or wire name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "first" => Some(Self::First),
            "secondary" => Some(Self::Secondary),
            _ => None,
        }
    }
}

/// A registered WebAuthn credential: a row of Flask-Security's `web_authn` table, so that
/// passkeys registered under Flask-Security keep working.
#[derive(Clone, PartialEq)]
pub struct WebAuthn {
    /// Primary key.
    pub id: i64,
    /// The owner (`user.id`).
    pub user_id: i64,
    /// The raw credential id (unique among all users).
    pub credential_id: Vec<u8>,
    /// The credential's public key, COSE-encoded (as the authenticator sent it).
    pub public_key: Vec<u8>,
    /// The last signature counter seen (0: the authenticator keeps none).
    pub sign_count: i64,
    /// Transport hints (`usb`, `nfc`, `ble`, `internal`, `hybrid`).
    pub transports: Vec<String>,
    /// Whether the credential is backed up (synced passkey) as of its last use.
    pub backup_state: bool,
    /// `single_device` or `multi_device` (backup eligible).
    pub device_type: String,
    /// The client extension results at registration, as the JSON text the browser sent.
    pub extensions: Option<String>,
    /// When it was registered.
    pub create_datetime: OffsetDateTime,
    /// When it was last used (registration counts).
    pub lastuse_datetime: OffsetDateTime,
    /// The user's name for it (unique per user).
    pub name: String,
    /// What it may be used for.
    pub usage: WebAuthnUsage,
}

impl std::fmt::Debug for WebAuthn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebAuthn")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("name", &self.name)
            .field("usage", &self.usage)
            .field("sign_count", &self.sign_count)
            .finish_non_exhaustive()
    }
}

/// A credential to register (everything but the id).
#[derive(Clone, Debug, PartialEq)]
pub struct NewWebAuthn {
    /// The owner.
    pub user_id: i64,
    /// Raw credential id.
    pub credential_id: Vec<u8>,
    /// COSE public key.
    pub public_key: Vec<u8>,
    /// Signature counter at registration.
    pub sign_count: i64,
    /// Transport hints.
    pub transports: Vec<String>,
    /// Backed up at registration.
    pub backup_state: bool,
    /// `single_device` / `multi_device`.
    pub device_type: String,
    /// Client extension results (JSON text).
    pub extensions: Option<String>,
    /// The user's name for it.
    pub name: String,
    /// First or second factor.
    pub usage: WebAuthnUsage,
    /// Registration time (also the first "last use").
    pub now: OffsetDateTime,
}

/// What a successful assertion changes on a credential.
#[derive(Clone, Debug, PartialEq)]
pub struct WebAuthnUse {
    /// The new signature counter.
    pub sign_count: i64,
    /// The backup state the authenticator reported.
    pub backup_state: bool,
    /// The device type it implies.
    pub device_type: String,
    /// When.
    pub at: OffsetDateTime,
}
