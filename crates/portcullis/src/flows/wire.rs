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
use utoipa::ToSchema;

/// `{}`.
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct Empty {}

/// `user`: Flask-Security's default is `{}`, plus the auth token when it was asked for.
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct UserBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) authentication_token: Option<String>,
}

/// `{"user": {...}}`: an account changed, or the user re-verified.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WithUser {
    pub(crate) user: UserBody,
}

/// A finished primary sign-in: `{"user": {...}, "tf_required": false}`.
#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SecondFactorPending {
    pub(crate) tf_required: bool,
    #[schema(value_type = String)]
    pub(crate) tf_state: TfState,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub(crate) tf_primary_method: Option<TwoFactorMethod>,
    /// The code method, or `webauthn` for a security key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_method: Option<&'static str>,
    /// For clients without cookies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_state_token: Option<String>,
    /// Several second factors: the client picks one at `/tf-select`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_select: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_setup_methods: Option<Vec<&'static str>>,
    /// A security key: where to sign with it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) tf_signin_url: Option<String>,
}

/// `/register` that signs in only after the second factor.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RegisteredPending {
    pub(crate) user: Empty,
    #[serde(flatten)]
    pub(crate) pending: SecondFactorPending,
}

/// `/register` answered without signing in: `{"user": {}}` with confirmation on, `{}` when a
/// generic answer has nothing to imitate.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct Registered {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<Empty>,
}

/// `GET /login`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct LoginInfo {
    #[schema(value_type = Vec<String>)]
    pub(crate) identity_attributes: Vec<IdentityAttribute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<UserBody>,
}

/// `GET /verify` (and the freshness fields of `GET /us-verify`).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VerifyInfo {
    pub(crate) user: UserBody,
    #[serde(flatten)]
    pub(crate) other_ways: NoOtherWays,
}

/// The other ways to verify: a WebAuthn credential of the user's (OAuth: not offered).
#[derive(Debug, Default, Serialize, ToSchema)]
pub(crate) struct NoOtherWays {
    pub(crate) has_webauthn_verify_credential: bool,
    pub(crate) oauth_enabled: bool,
    pub(crate) oauth_providers: Vec<String>,
}

/// `GET /change`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangeInfo {
    pub(crate) user: UserBody,
    pub(crate) active_password: bool,
}

/// `GET /change-email`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangeEmailInfo {
    pub(crate) user: UserBody,
    pub(crate) current_email: String,
}

/// `GET /change-username`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChangeUsernameInfo {
    pub(crate) user: UserBody,
    pub(crate) current_username: Option<String>,
}

/// `/auth/check`: who is signed in, for a proxy.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AuthCheck<'a> {
    pub(crate) email: &'a str,
    pub(crate) roles: Vec<&'a str>,
    pub(crate) via: &'a str,
}

/// `GET /tf-setup`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TfSetupInfo {
    pub(crate) tf_required: bool,
    #[schema(value_type = Option<String>)]
    pub(crate) tf_primary_method: Option<TwoFactorMethod>,
    #[schema(value_type = Option<String>)]
    pub(crate) tf_method: Option<TwoFactorMethod>,
    pub(crate) tf_phone_number: Option<String>,
    pub(crate) tf_available_methods: Vec<String>,
}

/// The `tf_authr_*` fields of an authenticator set-up.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AuthenticatorFields {
    pub(crate) tf_authr_key: String,
    pub(crate) tf_authr_b32key: String,
    pub(crate) tf_authr_username: String,
    pub(crate) tf_authr_issuer: Option<String>,
    pub(crate) tf_authr_uri: String,
}

/// `POST /tf-setup`: a new method waits for its first code.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TfSetupStarted {
    #[schema(value_type = String)]
    pub(crate) tf_state: TfState,
    #[schema(value_type = String)]
    pub(crate) tf_primary_method: TwoFactorMethod,
    #[schema(value_type = String)]
    pub(crate) tf_method: TwoFactorMethod,
    pub(crate) tf_state_token: Option<String>,
    #[serde(flatten)]
    pub(crate) authenticator: Option<AuthenticatorFields>,
}

/// `/tf-validate` of a set-up by a signed-in user: the method now in use.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TfMethodAdopted {
    #[schema(value_type = String)]
    pub(crate) tf_method: TwoFactorMethod,
    #[schema(value_type = String)]
    pub(crate) tf_primary_method: TwoFactorMethod,
    pub(crate) tf_phone: Option<String>,
}

/// `GET /tf-select`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TfSelectInfo {
    pub(crate) tf_select: bool,
    pub(crate) tf_setup_methods: Vec<&'static str>,
}

/// Where a user who lost their second factor can turn.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TfRescueInfo {
    pub(crate) user: Empty,
    pub(crate) recovery_options: RecoveryOptions,
}

/// `POST /tf-rescue`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TfRescueSent {
    pub(crate) recovery_options: RecoveryOptions,
}

/// `/mf-recovery-codes`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RecoveryCodes {
    pub(crate) recovery_codes: Vec<String>,
}

/// `GET /us-signin`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UsSigninInfo {
    pub(crate) available_methods: Vec<String>,
    pub(crate) code_methods: Vec<String>,
    #[schema(value_type = Vec<String>)]
    pub(crate) identity_attributes: Vec<IdentityAttribute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<UserBody>,
}

/// `GET /us-verify`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UsVerifyInfo {
    pub(crate) available_methods: Vec<String>,
    pub(crate) code_methods: Vec<String>,
    #[serde(flatten)]
    pub(crate) other_ways: NoOtherWays,
}

/// `GET /us-setup`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UsSetupInfo {
    #[schema(value_type = Vec<String>)]
    pub(crate) identity_attributes: Vec<IdentityAttribute>,
    pub(crate) available_methods: Vec<String>,
    pub(crate) active_methods: Vec<String>,
    pub(crate) setup_methods: Vec<String>,
    pub(crate) phone: Option<String>,
}

/// The authenticator fields of `/us-setup`: the `tf_authr_*` names without `tf_`.
#[derive(Debug, Serialize, ToSchema)]
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
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UsSetupStarted {
    pub(crate) chosen_method: String,
    pub(crate) phone: Option<String>,
    pub(crate) state: String,
    #[serde(flatten)]
    pub(crate) authenticator: Option<UsAuthenticatorFields>,
}

/// `POST /us-setup/<state>`: the method is set up.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UsSetupDone {
    pub(crate) chosen_method: String,
    pub(crate) phone: Option<String>,
}

/// The request bodies (JSON, or the same fields as a form), for `/openapi.json`. The flows read
/// them field by field (`form.rs`), so that a wrong type is a field error and not a rejection.
#[allow(dead_code)]
pub(crate) mod requests {
    use utoipa::ToSchema;

    /// `POST /login`: `email` or `username` (as SECURITY_USER_IDENTITY_ATTRIBUTES allow).
    #[derive(Debug, ToSchema)]
    pub(crate) struct LoginRequest {
        pub(crate) email: Option<String>,
        pub(crate) username: Option<String>,
        pub(crate) password: String,
        pub(crate) remember: Option<bool>,
        pub(crate) next: Option<String>,
    }

    /// `POST /register`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct RegisterRequest {
        pub(crate) email: String,
        pub(crate) username: Option<String>,
        pub(crate) password: Option<String>,
        pub(crate) password_confirm: Option<String>,
        pub(crate) next: Option<String>,
    }

    /// `POST /change`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct ChangeRequest {
        pub(crate) password: String,
        pub(crate) new_password: String,
        pub(crate) new_password_confirm: String,
    }

    /// `POST /verify`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct VerifyRequest {
        pub(crate) password: String,
    }

    /// `POST /confirm`, `/reset`, `/recover-username`, `/change-email`: an address.
    #[derive(Debug, ToSchema)]
    pub(crate) struct EmailRequest {
        pub(crate) email: String,
    }

    /// `POST /reset/<token>`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct ResetRequest {
        pub(crate) password: String,
        pub(crate) password_confirm: String,
    }

    /// `POST /change-username`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct UsernameRequest {
        pub(crate) username: String,
    }

    /// `POST /wan-register`: the new credential's name and what it is for.
    #[derive(Debug, ToSchema)]
    pub(crate) struct WanRegisterRequest {
        pub(crate) name: String,
        /// `first` (a passkey) or `secondary` (the default: a security key).
        pub(crate) usage: Option<String>,
    }

    /// `POST /wan-*/<state>`: the browser's credential as JSON text.
    #[derive(Debug, ToSchema)]
    pub(crate) struct WanCredentialRequest {
        pub(crate) credential: String,
        pub(crate) remember: Option<bool>,
    }

    /// `POST /wan-signin`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct WanSigninRequest {
        pub(crate) identity: Option<String>,
        pub(crate) remember: Option<bool>,
    }

    /// `POST /wan-delete`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct WanDeleteRequest {
        pub(crate) name: String,
    }

    /// `POST /wan-rename`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct WanRenameRequest {
        pub(crate) name: String,
        pub(crate) new_name: String,
    }

    /// `POST /tf-setup`: `setup` is a method (`email`, `authenticator`, `sms`) or `disable`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct TfSetupRequest {
        pub(crate) setup: String,
        pub(crate) phone: Option<String>,
    }

    /// A one-time code (`/tf-validate`, `/tf-setup/<token>`, `/mf-recovery`).
    #[derive(Debug, ToSchema)]
    pub(crate) struct CodeRequest {
        pub(crate) code: String,
        /// For clients without cookies: the `tf_state_token` of the previous answer.
        pub(crate) tf_state_token: Option<String>,
    }

    /// `POST /tf-select`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct TfSelectRequest {
        pub(crate) which: String,
    }

    /// `POST /tf-rescue`: `help_setup` is `email`, `help` or `recovery_code`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct TfRescueRequest {
        pub(crate) help_setup: String,
    }

    /// `POST /us-signin`: an email, username or phone number, and a password or a code.
    #[derive(Debug, ToSchema)]
    pub(crate) struct UsSigninRequest {
        pub(crate) identity: String,
        pub(crate) passcode: String,
        pub(crate) remember: Option<bool>,
    }

    /// `POST /us-signin/send-code`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct UsSendCodeRequest {
        pub(crate) identity: String,
        pub(crate) chosen_method: String,
    }

    /// `POST /us-setup`: add `chosen_method` (with `phone` for sms) or remove `delete_method`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct UsSetupRequest {
        pub(crate) chosen_method: Option<String>,
        pub(crate) phone: Option<String>,
        pub(crate) delete_method: Option<Vec<String>>,
    }

    /// `POST /us-setup/<state>`, `POST /us-verify`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct PasscodeRequest {
        pub(crate) passcode: String,
    }

    /// `POST /us-verify/send-code`.
    #[derive(Debug, ToSchema)]
    pub(crate) struct UsVerifySendCodeRequest {
        pub(crate) chosen_method: String,
    }
}

/// `GET /account`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AccountInfo {
    pub(crate) user: UserBody,
    pub(crate) email: String,
    pub(crate) username: Option<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) two_factor_method: Option<String>,
    pub(crate) has_password: bool,
}

/// One registered WebAuthn credential, as `GET /wan-register` lists them.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WanCredentialInfo {
    pub(crate) name: String,
    /// base64url of the raw credential id.
    pub(crate) credential_id: String,
    pub(crate) transports: Vec<String>,
    /// ISO 8601 (UTC).
    pub(crate) lastuse: String,
    /// ISO 8601 (UTC); ours (Flask-Security lists no creation time).
    pub(crate) created: String,
    /// `first` or `secondary`.
    pub(crate) usage: String,
    pub(crate) backup_state: bool,
    pub(crate) device_type: String,
    /// `true`/`false` when the authenticator said (`credProps.rk`), else `"Unknown"`.
    #[schema(value_type = Object)]
    pub(crate) discoverable: serde_json::Value,
}

/// `GET /wan-register`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WanRegisterInfo {
    pub(crate) registered_credentials: Vec<WanCredentialInfo>,
}

/// A ceremony started: the options for `navigator.credentials.create()/get()` and the state
/// to send back.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WanStarted {
    #[schema(value_type = Object)]
    pub(crate) credential_options: serde_json::Value,
    pub(crate) wan_state: String,
}

/// `GET /wan-signin`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WanSigninInfo {
    pub(crate) is_secondary: bool,
}

/// `POST /wan-signin`.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WanSigninStarted {
    #[schema(value_type = Object)]
    pub(crate) credential_options: serde_json::Value,
    pub(crate) wan_state: String,
    pub(crate) remember: bool,
    pub(crate) is_secondary: bool,
}

/// `POST /wan-signin/<state>`: signed in.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct WanSignedIn {
    pub(crate) user: UserBody,
    pub(crate) post_login_url: String,
    pub(crate) tf_required: bool,
}
