//! Every message a user can see, by id.
//!
//! A [`Msg`] is a stable message id: Flask-Security's message key where Flask-Security has one
//! (`INVALID_PASSWORD`, `EMAIL_ALREADY_ASSOCIATED`, ...), a portcullis key in the same style
//! where it does not. Code decides on ids, never on text; the text is looked up only when a
//! reply is rendered, so a catalog can translate it. A [`Message`] is an id plus its named
//! arguments (`{email}`, `{within}`, ...).
//!
//! The English texts are Flask-Security's (the JSON API keeps them so SPAs that match on them
//! keep working).
//!
//! ```
//! use portcullis_core::messages::{Message, Msg};
//!
//! let m = Message::new(Msg::EmailAlreadyAssociated).arg("email", "ann@example.com");
//! assert_eq!(m.id().key(), "EMAIL_ALREADY_ASSOCIATED");
//! assert_eq!(m.to_string(), "ann@example.com is already associated with an account.");
//! assert_eq!(Msg::from_key("INVALID_PASSWORD"), Some(Msg::InvalidPassword));
//! ```

use std::fmt;

/// Flask-Security's flash categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// Something worked.
    Success,
    /// Something to know.
    Info,
    /// Something went wrong.
    Error,
}

macro_rules! messages {
    ($( $(#[doc = $doc:literal])* $variant:ident = $key:literal, $cat:ident, $text:literal; )*) => {
        /// A message id (see the module docs).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Msg {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl Msg {
            /// Every id, in declaration order (for catalogs and their completeness checks).
            pub const ALL: &'static [Msg] = &[$(Msg::$variant),*];

            /// The stable key (`INVALID_PASSWORD`).
            pub const fn key(self) -> &'static str {
                match self { $(Msg::$variant => $key),* }
            }

            /// Flask-Security's category (for flash messages).
            pub const fn category(self) -> Category {
                match self { $(Msg::$variant => Category::$cat),* }
            }

            /// The English text, with `{name}` placeholders for the arguments.
            pub const fn english(self) -> &'static str {
                match self { $(Msg::$variant => $text),* }
            }
        }
    };
}

messages! {
    /// Input of the wrong type for the endpoint.
    ApiError = "API_ERROR", Error, "Input not appropriate for requested API";
    /// Generic-response mode: one message for every sign-in failure.
    GenericAuthnFailed = "GENERIC_AUTHN_FAILED", Error,
        "Authentication failed - identity or password/passcode invalid";
    /// 403.
    Unauthorized = "UNAUTHORIZED", Error, "You do not have permission to view this resource.";
    /// 401.
    Unauthenticated = "UNAUTHENTICATED", Error, "You must sign in to view this resource.";
    /// Freshness.
    ReauthenticationRequired = "REAUTHENTICATION_REQUIRED", Error,
        "You must reauthenticate to access this endpoint";
    /// Anonymous-only endpoint.
    AnonymousUserRequired = "ANONYMOUS_USER_REQUIRED", Error,
        "You can only access this endpoint when not logged in.";
    /// Registered; a confirmation mail was sent.
    ConfirmRegistration = "CONFIRM_REGISTRATION", Success,
        "Thank you. To confirm your email address {email}, please click on the link in the email we have just sent to you.";
    /// Confirmed.
    EmailConfirmed = "EMAIL_CONFIRMED", Success, "Thank you. Your email has been confirmed.";
    /// Already confirmed.
    AlreadyConfirmed = "ALREADY_CONFIRMED", Info, "Your email has already been confirmed.";
    /// Bad confirmation link.
    InvalidConfirmationToken = "INVALID_CONFIRMATION_TOKEN", Error, "Invalid confirmation token.";
    /// Email taken.
    EmailAlreadyAssociated = "EMAIL_ALREADY_ASSOCIATED", Error,
        "{email} is already associated with an account.";
    /// Username taken.
    UsernameAlreadyAssociated = "USERNAME_ALREADY_ASSOCIATED", Error,
        "{username} is already associated with an account.";
    /// Another identity attribute (a sign-in phone number) taken.
    IdentityAlreadyAssociated = "IDENTITY_ALREADY_ASSOCIATED", Error,
        "Identity attribute '{attr}' with value '{value}' is already associated with an account.";
    /// Retyped password differs.
    RetypePasswordMismatch = "RETYPE_PASSWORD_MISMATCH", Error, "Passwords do not match";
    /// Open redirect refused.
    InvalidRedirect = "INVALID_REDIRECT", Error, "Redirections outside the domain are forbidden";
    /// Wrong recovery code.
    InvalidRecoveryCode = "INVALID_RECOVERY_CODE", Error, "Recovery code invalid";
    /// No recovery codes yet.
    NoRecoveryCodesSetup = "NO_RECOVERY_CODES_SETUP", Info, "No recovery codes generated yet";
    /// `/reset` mail sent.
    PasswordResetRequest = "PASSWORD_RESET_REQUEST", Info,
        "Instructions to reset your password have been sent.";
    /// Reset link too old.
    PasswordResetExpired = "PASSWORD_RESET_EXPIRED", Error,
        "You did not reset your password within {within}.";
    /// Bad reset link.
    InvalidResetPasswordToken = "INVALID_RESET_PASSWORD_TOKEN", Error,
        "Invalid reset password token.";
    /// Unconfirmed.
    ConfirmationRequired = "CONFIRMATION_REQUIRED", Error, "Email requires confirmation.";
    /// `/confirm` mail sent.
    ConfirmationRequest = "CONFIRMATION_REQUEST", Info, "Confirmation instructions have been sent.";
    /// Confirmation link too old.
    ConfirmationExpired = "CONFIRMATION_EXPIRED", Error,
        "You did not confirm your email within {within}.";
    /// Inactive.
    DisabledAccount = "DISABLED_ACCOUNT", Error, "Account is disabled.";
    /// Missing email.
    EmailNotProvided = "EMAIL_NOT_PROVIDED", Error, "Email not provided";
    /// Bad email.
    InvalidEmailAddress = "INVALID_EMAIL_ADDRESS", Error, "Invalid email address";
    /// Wrong, expired or reused code.
    InvalidCode = "INVALID_CODE", Error, "Invalid code";
    /// Missing password.
    PasswordNotProvided = "PASSWORD_NOT_PROVIDED", Error, "Password not provided";
    /// Too short.
    PasswordInvalidLength = "PASSWORD_INVALID_LENGTH", Error,
        "Password must be at least {length} characters";
    /// Too long (portcullis never truncates).
    PasswordTooLong = "PASSWORD_TOO_LONG", Error,
        "Password must be no more than {length} characters";
    /// zxcvbn score too low and no feedback.
    PasswordTooSimple = "PASSWORD_TOO_SIMPLE", Error, "Password not complex enough";
    /// zxcvbn's own feedback (a warning or a suggestion), passed through.
    PasswordComplexityFeedback = "PASSWORD_COMPLEXITY_FEEDBACK", Error, "{feedback}";
    /// The password is the email or username.
    PasswordIsIdentity = "PASSWORD_IS_IDENTITY", Error,
        "Password must not be the same as your email or username";
    /// On a breached list.
    PasswordBreached = "PASSWORD_BREACHED", Error, "Password on breached list";
    /// Strict breached check and the service is unreachable.
    PasswordBreachedSiteError = "PASSWORD_BREACHED_SITE_ERROR", Error,
        "Failed to contact breached passwords site";
    /// Bad phone number.
    PhoneInvalid = "PHONE_INVALID", Error, "Phone number not valid e.g. missing country code";
    /// Unknown identity.
    UserDoesNotExist = "USER_DOES_NOT_EXIST", Error, "Specified user does not exist";
    /// Wrong password.
    InvalidPassword = "INVALID_PASSWORD", Error, "Invalid password";
    /// Unified sign-in: neither the password nor a code.
    InvalidPasswordCode = "INVALID_PASSWORD_CODE", Error, "Password or code submitted is not valid";
    /// Signed in without a password.
    PasswordlessLoginSuccessful = "PASSWORDLESS_LOGIN_SUCCESSFUL", Success,
        "You have successfully logged in.";
    /// Reset and signed in.
    PasswordReset = "PASSWORD_RESET", Success,
        "You successfully reset your password and you have been logged in automatically.";
    /// Reset; sign in again.
    PasswordResetNoLogin = "PASSWORD_RESET_NO_LOGIN", Success,
        "You successfully reset your password. Please authenticate using your new password.";
    /// New password equals the old one.
    PasswordIsTheSame = "PASSWORD_IS_THE_SAME", Error,
        "Your new password must be different than your previous password.";
    /// Changed.
    PasswordChange = "PASSWORD_CHANGE", Success, "You successfully changed your password.";
    /// Sign in first (browser redirect).
    Login = "LOGIN", Info, "Please log in to access this page.";
    /// Reauthenticate first (browser redirect).
    Refresh = "REFRESH", Info, "Please reauthenticate to access this page.";
    /// `/verify` done.
    ReauthenticationSuccessful = "REAUTHENTICATION_SUCCESSFUL", Info, "Reauthentication successful";
    /// A code was sent.
    CodeHasBeenSent = "CODE_HAS_BEEN_SENT", Info, "Code has been sent.";
    /// A code could not be sent.
    FailedToSendCode = "FAILED_TO_SEND_CODE", Error, "Failed to send code. Please try again later";
    /// Second factor accepted.
    TwoFactorLoginSuccessful = "TWO_FACTOR_LOGIN_SUCCESSFUL", Success,
        "Your code has been confirmed";
    /// Two-factor method set up or changed.
    TwoFactorChangeMethodSuccessful = "TWO_FACTOR_CHANGE_METHOD_SUCCESSFUL", Success,
        "You successfully changed your two-factor method.";
    /// Unknown method.
    TwoFactorMethodNotAvailable = "TWO_FACTOR_METHOD_NOT_AVAILABLE", Error,
        "Marked method is not valid";
    /// Two-factor method removed.
    TwoFactorDisabled = "TWO_FACTOR_DISABLED", Success,
        "You successfully disabled two factor authorization.";
    /// Set-up took too long.
    TwoFactorSetupExpired = "TWO_FACTOR_SETUP_EXPIRED", Error,
        "Setup must be completed within {within}. Please start over.";
    /// Unified sign-in: method not enabled or not set up.
    UsMethodNotAvailable = "US_METHOD_NOT_AVAILABLE", Error, "Requested method is not valid";
    /// Unified sign-in set-up took too long.
    UsSetupExpired = "US_SETUP_EXPIRED", Error,
        "Setup must be completed within {within}. Please start over.";
    /// Unified sign-in set up.
    UsSetupSuccessful = "US_SETUP_SUCCESSFUL", Info, "Unified sign in setup successful";
    /// Unified sign-in: unknown identity.
    UsSpecifyIdentity = "US_SPECIFY_IDENTITY", Error, "You must specify a valid identity to sign in";
    /// Bad username length.
    UsernameInvalidLength = "USERNAME_INVALID_LENGTH", Error,
        "Username must be at least {min} characters and less than {max} characters";
    /// Bad username characters.
    UsernameIllegalCharacters = "USERNAME_ILLEGAL_CHARACTERS", Error,
        "Username contains illegal characters";
    /// Missing username.
    UsernameNotProvided = "USERNAME_NOT_PROVIDED", Error, "Username not provided";
    /// Change-email link too old.
    ChangeEmailExpired = "CHANGE_EMAIL_EXPIRED", Error,
        "Your confirmation link for your new email address has expired. Please request a new one.";
    /// Change-email done.
    ChangeEmailConfirmed = "CHANGE_EMAIL_CONFIRMED", Success, "Change of email address confirmed";
    /// `/change-email` mail sent.
    ChangeEmailSent = "CHANGE_EMAIL_SENT", Success,
        "Instructions to confirm your new email address have been sent.";
    /// CSRF.
    CsrfMissing = "CSRF_MISSING", Error, "The CSRF token is missing.";
    /// CSRF.
    CsrfInvalid = "CSRF_INVALID", Error, "The CSRF token is invalid.";
    /// CSRF.
    CsrfExpired = "CSRF_EXPIRED", Error, "The CSRF token has expired.";
    /// CSRF.
    CsrfSessionMissing = "CSRF_SESSION_MISSING", Error, "The CSRF session token is missing.";
    /// Not one of the offered choices (WTForms).
    NotAValidChoice = "NOT_A_VALID_CHOICE", Error, "Not a valid choice.";
    /// The account is locked (portcullis).
    AccountLocked = "ACCOUNT_LOCKED", Error,
        "Account locked after too many failed sign-ins. Try again in {duration}.";
    /// Too many failures from one address (portcullis).
    RateLimited = "RATE_LIMITED", Error, "Too many failed sign-in attempts. Please try again later.";
    /// A right code sent again (portcullis; codes are accepted once).
    CodeAlreadyUsed = "CODE_ALREADY_USED", Error,
        "This code has already been used. Request a new one.";
    /// No code (portcullis).
    CodeNotProvided = "CODE_NOT_PROVIDED", Error, "Code not provided";
    /// A two-factor endpoint reached without a pending sign-in (portcullis).
    TwoFactorNoState = "TWO_FACTOR_NO_STATE", Error,
        "Two-factor sign-in has not been started or has expired. Please sign in again.";
    /// Rescue mail sent (portcullis).
    TwoFactorRescueSent = "TWO_FACTOR_RESCUE_SENT", Info,
        "The code for authentication was sent to your email address";
    /// Help desk asked (portcullis).
    TwoFactorHelpSent = "TWO_FACTOR_HELP_SENT", Info,
        "A mail was sent to us in order to reset your application account";
    /// Passwordless accounts have no password to change (portcullis).
    NoPasswordToChange = "NO_PASSWORD_TO_CHANGE", Error,
        "This account has no password. Use the password reset to set one.";
    /// A sign-in code was sent (portcullis).
    UsCodeSent = "US_CODE_SENT", Info, "A code to sign in has been sent.";
    /// Mail could not be sent (portcullis).
    MailFailed = "MAIL_FAILED", Error, "The email could not be sent. Please try again later.";
    /// `/recover-username` mail sent (portcullis).
    UsernameRecoveryRequest = "USERNAME_RECOVERY_REQUEST", Info,
        "An email with your username has been sent.";
    /// The new username is the current one (portcullis).
    UsernameIsTheSame = "USERNAME_IS_THE_SAME", Error,
        "The new username is the same as the current one.";
    /// A username given while SECURITY_USERNAME_ENABLE is off (portcullis).
    UsernameNotEnabled = "USERNAME_NOT_ENABLED", Error, "Usernames are not enabled.";
    /// The body could not be read (portcullis).
    RequestBodyUnreadable = "REQUEST_BODY_UNREADABLE", Error,
        "Request body too large or unreadable.";
    /// The body is over the limit (portcullis).
    RequestBodyTooLarge = "REQUEST_BODY_TOO_LARGE", Error, "Request body too large.";
    /// `/auth/check` cannot put this identity in a header (portcullis).
    IdentityNotForwardable = "IDENTITY_NOT_FORWARDABLE", Error, "Identity cannot be forwarded.";
    /// A route without the auth layer (portcullis; a set-up mistake).
    AuthNotConfigured = "AUTH_NOT_CONFIGURED", Error,
        "Authentication is not configured on this route.";
    /// A backend is down (portcullis).
    ServiceUnavailable = "SERVICE_UNAVAILABLE", Error,
        "The service is temporarily unavailable. Please try again later.";
    /// An unexpected server error (portcullis).
    InternalError = "INTERNAL_ERROR", Error, "Something went wrong. Please try again later.";
    /// No such page (portcullis).
    NotFound = "NOT_FOUND", Error, "The requested URL was not found on the server.";
    /// Wrong method for the path (portcullis).
    MethodNotAllowed = "METHOD_NOT_ALLOWED", Error,
        "The method is not allowed for the requested URL.";
    /// A body type the endpoint does not read (portcullis).
    UnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE", Error,
        "Send the body as application/json or application/x-www-form-urlencoded.";
    /// Request line and headers over the limit (portcullis).
    HeadersTooLarge = "HEADERS_TOO_LARGE", Error, "Request headers too large.";
    /// The answer took longer than the request timeout (portcullis).
    RequestTimeout = "REQUEST_TIMEOUT", Error,
        "The request took too long. Please try again later.";
    /// The email's domain does not exist (email_validator's wording).
    EmailDomainNotFound = "EMAIL_DOMAIN_NOT_FOUND", Error,
        "The domain name {domain} does not exist.";
    /// The email's domain takes no mail (email_validator's wording).
    EmailDomainNoMail = "EMAIL_DOMAIN_NO_MAIL", Error,
        "The domain name {domain} does not accept email.";
    /// A WebAuthn ceremony took too long.
    WebauthnExpired = "WEBAUTHN_EXPIRED", Error,
        "Passkey operations must be completed within {within}. Please start over.";
    /// A credential needs a name.
    WebauthnNameRequired = "WEBAUTHN_NAME_REQUIRED", Error, "Nickname for new passkey is required.";
    /// The user has a credential of that name.
    WebauthnNameInuse = "WEBAUTHN_NAME_INUSE", Error, "{name} is already associated with a passkey.";
    /// No credential of that name.
    WebauthnNameNotFound = "WEBAUTHN_NAME_NOT_FOUND", Error, "{name} not registered with current user.";
    /// A credential was deleted.
    WebauthnCredentialDeleted = "WEBAUTHN_CREDENTIAL_DELETED", Info,
        "Successfully deleted the passkey with name: {name}";
    /// A credential was registered.
    WebauthnRegisterSuccessful = "WEBAUTHN_REGISTER_SUCCESSFUL", Info,
        "Successfully added the passkey with name: {name}";
    /// The credential is registered already.
    WebauthnCredentialIdInuse = "WEBAUTHN_CREDENTIAL_ID_INUSE", Error, "Passkey already registered.";
    /// No such credential.
    WebauthnUnknownCredentialId = "WEBAUTHN_UNKNOWN_CREDENTIAL_ID", Error, "Unregistered passkey.";
    /// The credential or assertion did not verify.
    WebauthnNoVerify = "WEBAUTHN_NO_VERIFY", Error, "Could not verify passkey: {cause}.";
    /// A passkey used for what it was not registered for.
    WebauthnCredentialWrongUsage = "WEBAUTHN_CREDENTIAL_WRONG_USAGE", Error,
        "Passkey not registered for this use (first or secondary)";
    /// The user handle is not the credential owner's.
    WebauthnMismatchUserHandle = "WEBAUTHN_MISMATCH_USER_HANDLE", Error,
        "Credential user handle didn't match";
    /// The name has characters that are not allowed, or is too long.
    WebauthnNameInvalid = "WEBAUTHN_NAME_INVALID", Error,
        "Passkey names may use letters, digits, spaces, dashes and underscores, up to {max} characters.";
    /// The last way to sign in cannot be deleted.
    WebauthnLastCredential = "WEBAUTHN_LAST_CREDENTIAL", Error,
        "This is your only way to sign in. Add a password or another passkey before deleting it.";
    /// A credential was renamed.
    WebauthnRenamed = "WEBAUTHN_RENAMED", Info, "The passkey is now called {name}.";
}

impl Msg {
    /// The id with this key.
    pub fn from_key(key: &str) -> Option<Msg> {
        Self::ALL.iter().copied().find(|m| m.key() == key)
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.english())
    }
}

/// Every argument name the messages use.
pub const ARGUMENTS: &[&str] = &[
    "email", "username", "attr", "value", "within", "length", "min", "max", "feedback", "domain",
    "minutes", "duration", "name", "cause",
];

/// A message id with its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    id: Msg,
    args: Vec<(&'static str, String)>,
}

impl Message {
    /// A message without arguments.
    pub fn new(id: Msg) -> Self {
        Self {
            id,
            args: Vec::new(),
        }
    }

    /// Add the argument `name` (`{name}` in the text).
    #[must_use]
    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    /// Add the argument `name` given as text (a message read back from storage); names that no
    /// message uses ([`ARGUMENTS`]) are dropped.
    #[must_use]
    pub fn arg_named(self, name: &str, value: impl Into<String>) -> Self {
        match ARGUMENTS.iter().find(|n| **n == name) {
            Some(n) => self.arg(n, value),
            None => self,
        }
    }

    /// The id.
    pub fn id(&self) -> Msg {
        self.id
    }

    /// The arguments, in the order given.
    pub fn args(&self) -> &[(&'static str, String)] {
        &self.args
    }

    /// The argument `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Fill `template`'s `{name}` placeholders from the arguments (unknown names stay as
    /// written). For catalogs whose texts use the same placeholders.
    pub fn fill(&self, template: &str) -> String {
        let mut out = String::with_capacity(template.len() + 16);
        let mut rest = template;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match self.get(name) {
                        Some(v) => out.push_str(v),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The English text.
    pub fn english(&self) -> String {
        if self.args.is_empty() {
            self.id.english().to_owned()
        } else {
            self.fill(self.id.english())
        }
    }
}

impl From<Msg> for Message {
    fn from(id: Msg) -> Self {
        Self::new(id)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.english())
    }
}

/// The English texts joined with `sep` (for command-line output and logs).
pub fn joined(messages: &[Message], sep: &str) -> String {
    messages
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// "5 minutes" / "1 minute", rounded up: the `{duration}` of [`Msg::AccountLocked`].
pub fn minutes(seconds: i64) -> String {
    let minutes = (seconds.max(0) + 59) / 60;
    let unit = if minutes == 1 { "minute" } else { "minutes" };
    format!("{minutes} {unit}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_round_trip() {
        let mut keys: Vec<&str> = Msg::ALL.iter().map(|m| m.key()).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate message keys");
        for m in Msg::ALL {
            assert_eq!(Msg::from_key(m.key()), Some(*m));
        }
        assert_eq!(Msg::from_key("NOT_A_KEY"), None);
    }

    #[test]
    fn placeholders_filled_and_unknown_kept() {
        let m = Message::new(Msg::UsernameInvalidLength)
            .arg("min", "4")
            .arg("max", "32");
        assert_eq!(
            m.to_string(),
            "Username must be at least 4 characters and less than 32 characters"
        );
        let m = Message::new(Msg::EmailAlreadyAssociated);
        assert_eq!(
            m.to_string(),
            "{email} is already associated with an account."
        );
        assert_eq!(Message::new(Msg::InvalidCode).fill("a {b"), "a {b");
    }

    #[test]
    fn every_placeholder_is_a_simple_name() {
        for m in Msg::ALL {
            let t = m.english();
            let opens = t.matches('{').count();
            assert_eq!(opens, t.matches('}').count(), "{}", m.key());
        }
    }

    #[test]
    fn lock_duration_rounds_up() {
        assert_eq!(minutes(1), "1 minute");
        assert_eq!(minutes(60), "1 minute");
        assert_eq!(minutes(61), "2 minutes");
    }
}
