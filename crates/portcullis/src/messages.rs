//! Flask-Security's messages (their texts, so SPAs that match on them keep working).

/// 401.
pub const UNAUTHENTICATED: &str = "You must sign in to view this resource.";
/// 403.
pub const UNAUTHORIZED: &str = "You do not have permission to view this resource.";
/// Freshness.
pub const REAUTHENTICATION_REQUIRED: &str = "You must reauthenticate to access this endpoint";
/// Anonymous-only endpoint.
pub const ANONYMOUS_USER_REQUIRED: &str = "You can only access this endpoint when not logged in.";
/// Unknown identity.
pub const USER_DOES_NOT_EXIST: &str = "Specified user does not exist";
/// Wrong password.
pub const INVALID_PASSWORD: &str = "Invalid password";
/// Missing password.
pub const PASSWORD_NOT_PROVIDED: &str = "Password not provided";
/// Missing email.
pub const EMAIL_NOT_PROVIDED: &str = "Email not provided";
/// Bad email.
pub const INVALID_EMAIL_ADDRESS: &str = "Invalid email address";
/// Inactive.
pub const DISABLED_ACCOUNT: &str = "Account is disabled.";
/// Unconfirmed.
pub const CONFIRMATION_REQUIRED: &str = "Email requires confirmation.";
/// Generic failure.
pub const GENERIC_AUTHN_FAILED: &str =
    "Authentication failed - identity or password/passcode invalid";
/// Open redirect.
pub const INVALID_REDIRECT: &str = "Redirections outside the domain are forbidden";
/// Mismatch.
pub const RETYPE_PASSWORD_MISMATCH: &str = "Passwords do not match";
/// Same password.
pub const PASSWORD_IS_THE_SAME: &str =
    "Your new password must be different than your previous password.";
/// Not a string.
pub const API_ERROR: &str = "Input not appropriate for requested API";
/// CSRF.
pub const CSRF_MISSING: &str = "The CSRF token is missing.";
/// CSRF.
pub const CSRF_INVALID: &str = "The CSRF token is invalid.";
/// CSRF.
pub const CSRF_EXPIRED: &str = "The CSRF token has expired.";
/// CSRF.
pub const CSRF_SESSION_MISSING: &str = "The CSRF session token is missing.";
/// Missing username.
pub const USERNAME_NOT_PROVIDED: &str = "Username not provided";
/// "<identity> is already associated with an account."
pub const ALREADY_ASSOCIATED_SUFFIX: &str = "is already associated with an account.";
/// Prefix of the account-locked message.
pub const ACCOUNT_LOCKED_PREFIX: &str = "Account locked after too many failed sign-ins.";
/// Too many failures from one address.
pub const RATE_LIMITED: &str = "Too many failed sign-in attempts. Please try again later.";

/// "Account locked ... Try again in N minutes."
pub fn account_locked(retry_after_secs: i64) -> String {
    let minutes = (retry_after_secs + 59) / 60;
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("{ACCOUNT_LOCKED_PREFIX} Try again in {minutes} {unit}.")
}

/// `/confirm` sent.
pub const CONFIRMATION_REQUEST: &str = "Confirmation instructions have been sent.";
/// Confirmed.
pub const EMAIL_CONFIRMED: &str = "Thank you. Your email has been confirmed.";
/// Already confirmed.
pub const ALREADY_CONFIRMED: &str = "Your email has already been confirmed.";
/// Bad confirmation link.
pub const INVALID_CONFIRMATION_TOKEN: &str = "Invalid confirmation token.";
/// `/reset` sent.
pub const PASSWORD_RESET_REQUEST: &str = "Instructions to reset your password have been sent.";
/// Bad reset link.
pub const INVALID_RESET_PASSWORD_TOKEN: &str = "Invalid reset password token.";
/// Reset done.
pub const PASSWORD_RESET_NO_LOGIN: &str =
    "You successfully reset your password. Please authenticate using your new password.";
/// `/change-email` sent.
pub const CHANGE_EMAIL_SENT: &str =
    "Instructions to confirm your new email address have been sent.";
/// Change-email done.
pub const CHANGE_EMAIL_CONFIRMED: &str = "Change of email address confirmed";
/// Expired change-email link.
pub const CHANGE_EMAIL_EXPIRED: &str =
    "Your confirmation link for your new email address has expired. Please request a new one.";
/// `/recover-username` sent.
pub const USERNAME_RECOVERY_REQUEST: &str = "An email with your username has been sent.";
/// The new username is the current one.
pub const USERNAME_IS_THE_SAME: &str = "The new username is the same as the current one.";
/// Wrong, expired or reused code.
pub const INVALID_CODE: &str = "Invalid code";
/// A right code sent again (portcullis; codes are accepted once).
pub const CODE_ALREADY_USED: &str = "This code has already been used. Request a new one.";
/// No code.
pub const CODE_NOT_PROVIDED: &str = "Code not provided";
/// Unknown method.
pub const TWO_FACTOR_METHOD_NOT_AVAILABLE: &str = "Marked method is not valid";
/// Bad phone number.
pub const PHONE_INVALID: &str = "Phone number not valid e.g. missing country code";
/// Wrong recovery code.
pub const INVALID_RECOVERY_CODE: &str = "Recovery code invalid";
/// A two-factor endpoint reached without a pending sign-in.
pub const TWO_FACTOR_NO_STATE: &str =
    "Two-factor sign-in has not been started or has expired. Please sign in again.";
/// Setup took too long.
pub const TWO_FACTOR_SETUP_EXPIRED: &str =
    "Setup must be completed within 30 minutes. Please start over.";
/// Not one of the offered choices.
pub const NOT_A_VALID_CHOICE: &str = "Not a valid choice.";
/// Two-factor method removed.
pub const TWO_FACTOR_DISABLED: &str = "You successfully disabled two factor authorization.";
/// Rescue mail sent.
pub const TWO_FACTOR_RESCUE_SENT: &str =
    "The code for authentication was sent to your email address";
/// Help desk asked.
pub const TWO_FACTOR_HELP_SENT: &str =
    "A mail was sent to us in order to reset your application account";
/// Unified sign-in: unknown identity.
pub const US_SPECIFY_IDENTITY: &str = "You must specify a valid identity to sign in";
/// Unified sign-in: neither the password nor a code.
pub const INVALID_PASSWORD_CODE: &str = "Password or code submitted is not valid";
/// Unified sign-in: method not enabled or not set up.
pub const US_METHOD_NOT_AVAILABLE: &str = "Requested method is not valid";
/// Unified sign-in setup took too long.
pub const US_SETUP_EXPIRED: &str = "Setup must be completed within 30 minutes. Please start over.";
/// Passwordless accounts have no password to change.
pub const NO_PASSWORD_TO_CHANGE: &str =
    "This account has no password. Use the password reset to set one.";
/// A sign-in code was sent.
pub const US_CODE_SENT: &str = "A code to sign in has been sent.";
/// Mail could not be sent.
pub const MAIL_FAILED: &str = "The email could not be sent. Please try again later.";

/// "You did not confirm your email within 2 days."
pub fn confirmation_expired(within: &str) -> String {
    format!("You did not confirm your email within {within}.")
}

/// "You did not reset your password within 1 day."
pub fn password_reset_expired(within: &str) -> String {
    format!("You did not reset your password within {within}.")
}
