//! Everything that decides whether an identity or a password is acceptable, and brute-force
//! protection (lockout per account, rate limits per client address).

pub mod breached;
pub mod deliverability;
mod identity;
pub mod lockout;
pub mod password;
mod phone;

pub use deliverability::{Deliverability, DeliverabilityCheck};
pub use identity::{
    identity_key, is_invisible, is_invisible_not_space, is_mixed_script, normalize_email,
    normalize_username, username_errors, username_errors_within,
};
pub use lockout::{Failure, Refusal, Slot, Throttle, ThrottleRules, account_key};
pub use password::{BreachedMode, PasswordPolicy, password_errors};
pub use phone::{is_region, normalize_phone};
