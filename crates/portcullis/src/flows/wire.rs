//! The JSON `response` objects of the flows, one type per shape: the wire contract with
//! Flask-Security's SPAs (keys, types and `null`s as in ../shared/fs-transcripts). Handlers
//! and services build these; only [`super::reply::Reply`] turns them into an envelope, and it
//! adds `csrf_token` itself.
//!
//! `Option` fields without `skip_serializing_if` are sent as `null` (Flask-Security sends the
//! key); with it, the key is left out.

use portcullis_core::config::IdentityAttribute;
use portcullis_core::model::{TfState, TwoFactorMethod};
use serde::Serialize;

/// `{}`.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Empty {}

/// `user`: Flask-Security's default is `{}`, plus the auth token when it was asked for.
#[derive(Debug, Default, Serialize)]
pub(crate) struct UserBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) authentication_token: Option<String>,
}

/// `{"user": {...}}`: an account changed, or the user re-verified.
#[derive(Debug, Serialize)]
pub(crate) struct WithUser {
    pub(crate) user: UserBody,
}

/// A finished primary sign-in: `{"user": {...}, "tf_required": false}`.
#[derive(Debug, Serialize)]
pub(crate) struct SignedIn {
    pub(crate) user: UserBody,
    pub(crate) tf_required: bool,
}

impl SignedIn {
    pub(crate) fn new(user: UserBody) -> Self {
        Self {
            user,
            tf_required: false,
        }
    }
}

/// A sign-in that waits for its second factor.
#[derive(Debug, Serialize)]
pub(crate) struct SecondFactorPending {
    pub(crate) tf_required: bool,
    pub(crate) tf_state: TfState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_primary_method: Option<TwoFactorMethod>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_method: Option<TwoFactorMethod>,
    /// For clients without cookies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_state_token: Option<String>,
}

/// `/register` that signs in only after the second factor.
#[derive(Debug, Serialize)]
pub(crate) struct RegisteredPending {
    pub(crate) user: Empty,
    #[serde(flatten)]
    pub(crate) pending: SecondFactorPending,
}

/// `/register` answered without signing in: `{"user": {}}` with confirmation on, `{}` when a
/// generic answer has nothing to imitate.
#[derive(Debug, Serialize)]
pub(crate) struct Registered {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<Empty>,
}

/// `GET /login`.
#[derive(Debug, Serialize)]
pub(crate) struct LoginInfo {
    pub(crate) identity_attributes: Vec<IdentityAttribute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<UserBody>,
}

/// `GET /verify` (and the freshness fields of `GET /us-verify`).
#[derive(Debug, Serialize)]
pub(crate) struct VerifyInfo {
    pub(crate) user: UserBody,
    #[serde(flatten)]
    pub(crate) other_ways: NoOtherWays,
}

/// The ways to verify that portcullis does not offer (yet): WebAuthn and OAuth.
#[derive(Debug, Default, Serialize)]
pub(crate) struct NoOtherWays {
    pub(crate) has_webauthn_verify_credential: bool,
    pub(crate) oauth_enabled: bool,
    pub(crate) oauth_providers: Vec<String>,
}

/// `GET /change`.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeInfo {
    pub(crate) user: UserBody,
    pub(crate) active_password: bool,
}

/// `GET /change-email`.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeEmailInfo {
    pub(crate) user: UserBody,
    pub(crate) current_email: String,
}

/// `GET /change-username`.
#[derive(Debug, Serialize)]
pub(crate) struct ChangeUsernameInfo {
    pub(crate) user: UserBody,
    pub(crate) current_username: Option<String>,
}

/// `/auth/check`: who is signed in, for a proxy.
#[derive(Debug, Serialize)]
pub(crate) struct AuthCheck<'a> {
    pub(crate) email: &'a str,
    pub(crate) roles: Vec<&'a str>,
    pub(crate) via: &'a str,
}

/// `GET /tf-setup`.
#[derive(Debug, Serialize)]
pub(crate) struct TfSetupInfo {
    pub(crate) tf_required: bool,
    pub(crate) tf_primary_method: Option<TwoFactorMethod>,
    pub(crate) tf_method: Option<TwoFactorMethod>,
    pub(crate) tf_phone_number: Option<String>,
    pub(crate) tf_available_methods: Vec<String>,
}

/// The `tf_authr_*` fields of an authenticator set-up.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuthenticatorFields {
    pub(crate) tf_authr_key: String,
    pub(crate) tf_authr_b32key: String,
    pub(crate) tf_authr_username: String,
    pub(crate) tf_authr_issuer: Option<String>,
    pub(crate) tf_authr_uri: String,
}

/// `POST /tf-setup`: a new method waits for its first code.
#[derive(Debug, Serialize)]
pub(crate) struct TfSetupStarted {
    pub(crate) tf_state: TfState,
    pub(crate) tf_primary_method: TwoFactorMethod,
    pub(crate) tf_method: TwoFactorMethod,
    pub(crate) tf_state_token: Option<String>,
    #[serde(flatten)]
    pub(crate) authenticator: Option<AuthenticatorFields>,
}

/// `/tf-validate` of a set-up by a signed-in user: the method now in use.
#[derive(Debug, Serialize)]
pub(crate) struct TfMethodAdopted {
    pub(crate) tf_method: TwoFactorMethod,
    pub(crate) tf_primary_method: TwoFactorMethod,
    pub(crate) tf_phone: Option<String>,
}

/// `GET /tf-select`.
#[derive(Debug, Serialize)]
pub(crate) struct TfSelectInfo {
    pub(crate) tf_select: bool,
    pub(crate) tf_setup_methods: Vec<&'static str>,
}

/// Where a user who lost their second factor can turn.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RecoveryOptions {
    pub(crate) help: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) recovery_code: Option<String>,
}

impl RecoveryOptions {
    /// Whether `choice` (`help`, `email`, `recovery_code`) is one of the options.
    pub(crate) fn offers(&self, choice: &str) -> bool {
        match choice {
            "help" => true,
            "email" => self.email.is_some(),
            "recovery_code" => self.recovery_code.is_some(),
            _ => false,
        }
    }
}

/// `GET /tf-rescue`.
#[derive(Debug, Serialize)]
pub(crate) struct TfRescueInfo {
    pub(crate) user: Empty,
    pub(crate) recovery_options: RecoveryOptions,
}

/// `POST /tf-rescue`.
#[derive(Debug, Serialize)]
pub(crate) struct TfRescueSent {
    pub(crate) recovery_options: RecoveryOptions,
}

/// `/mf-recovery-codes`.
#[derive(Debug, Serialize)]
pub(crate) struct RecoveryCodes {
    pub(crate) recovery_codes: Vec<String>,
}

/// `GET /us-signin`.
#[derive(Debug, Serialize)]
pub(crate) struct UsSigninInfo {
    pub(crate) available_methods: Vec<String>,
    pub(crate) code_methods: Vec<String>,
    pub(crate) identity_attributes: Vec<IdentityAttribute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<UserBody>,
}

/// `GET /us-verify`.
#[derive(Debug, Serialize)]
pub(crate) struct UsVerifyInfo {
    pub(crate) available_methods: Vec<String>,
    pub(crate) code_methods: Vec<String>,
    #[serde(flatten)]
    pub(crate) other_ways: NoOtherWays,
}

/// `GET /us-setup`.
#[derive(Debug, Serialize)]
pub(crate) struct UsSetupInfo {
    pub(crate) identity_attributes: Vec<IdentityAttribute>,
    pub(crate) available_methods: Vec<String>,
    pub(crate) active_methods: Vec<String>,
    pub(crate) setup_methods: Vec<String>,
    pub(crate) phone: Option<String>,
}

/// The authenticator fields of `/us-setup`: the `tf_authr_*` names without `tf_`.
#[derive(Debug, Serialize)]
pub(crate) struct UsAuthenticatorFields {
    pub(crate) authr_key: String,
    pub(crate) authr_b32key: String,
    pub(crate) authr_username: String,
    pub(crate) authr_issuer: Option<String>,
    pub(crate) authr_uri: String,
}

impl From<AuthenticatorFields> for UsAuthenticatorFields {
    fn from(f: AuthenticatorFields) -> Self {
        Self {
            authr_key: f.tf_authr_key,
            authr_b32key: f.tf_authr_b32key,
            authr_username: f.tf_authr_username,
            authr_issuer: f.tf_authr_issuer,
            authr_uri: f.tf_authr_uri,
        }
    }
}

/// `POST /us-setup`: a method waits for its first code.
#[derive(Debug, Serialize)]
pub(crate) struct UsSetupStarted {
    pub(crate) chosen_method: String,
    pub(crate) phone: Option<String>,
    pub(crate) state: String,
    #[serde(flatten)]
    pub(crate) authenticator: Option<UsAuthenticatorFields>,
}

/// `POST /us-setup/<state>`: the method is set up.
#[derive(Debug, Serialize)]
pub(crate) struct UsSetupDone {
    pub(crate) chosen_method: String,
    pub(crate) phone: Option<String>,
}
