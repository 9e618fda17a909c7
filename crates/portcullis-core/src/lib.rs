#![forbid(unsafe_code)]
//! portcullis-core: the domain of portcullis — configuration, users and roles, password hashing,
//! signed tokens, authorization rules and the datastore traits. No HTTP and no SQL here.

pub mod authz;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod events;
pub mod messages;
pub mod model;
pub mod policy;
pub mod recovery;
pub mod store;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;
pub mod tokens;
pub mod totp;
pub mod webauthn;

pub use clock::{Clock, FixedClock, SystemClock};
pub use model::{
    NewUser, NewWebAuthn, Role, SessionData, SessionRecord, User, WebAuthn, WebAuthnUsage,
    WebAuthnUse,
};
pub use store::{
    CounterStore, Guard, MemoryStore, RoleStore, SessionStore, Store, StoreError, StoreResult,
    UserChange, UserKey, UserStore, WebAuthnStore,
};
