//! Two-factor logic: entering the second step after a first factor, checking codes (once each,
//! under the lockout), setting methods up, rescue and recovery codes. No axum here.

use portcullis_core::User;
use portcullis_core::events::Event;
use portcullis_core::model::{TfState, TwoFactorMethod, TwoFactorState};
use serde_json::Value;

use super::otp::{self, CodeCheck};
use super::state;
use crate::Security;
use crate::accounts::{self, Attempt, Failure, Verdict};
use crate::error::{Error, Result};
use crate::flows::notify;
use crate::flows::request::FlowRequest;
use crate::flows::wire::{SecondFactorPending, TfSetupInfo, TfSetupStarted};
use crate::form::FieldErrors;
use crate::links;
use crate::messages::Msg;
use crate::sms::SmsMessage;

/// The method stored on a user, with Flask-Security's legacy names mapped.
pub(crate) fn user_method(user: &User) -> Option<TwoFactorMethod> {
    user.tf_totp_secret.as_ref()?;
    TwoFactorMethod::from_stored(user.tf_primary_method.as_deref()?)
}

/// Whether the user has a security key (a WebAuthn credential registered as a second factor).
pub(crate) async fn has_security_key(security: &Security, user: &User) -> Result<bool> {
    if !security.config().webauthn {
        return Ok(false);
    }
    Ok(security
        .store()
        .webauthn_of_user(user.id)
        .await?
        .iter()
        .any(|w| w.usage == portcullis_core::model::WebAuthnUsage::Secondary))
}

/// Whether a password alone must not sign this user in (HTTP Basic refuses such users): a
/// code method set up (or required), or a security key.
pub(crate) async fn needs_second_factor(security: &Security, user: &User) -> Result<bool> {
    let c = security.config();
    if c.two_factor && (c.two_factor_required || user_method(user).is_some()) {
        return Ok(true);
    }
    has_security_key(security, user).await
}

/// The validity window of a method, in seconds.
fn window(security: &Security, method: TwoFactorMethod) -> i64 {
    let c = security.config();
    match method {
        TwoFactorMethod::Email => c.two_factor_mail_validity,
        TwoFactorMethod::Sms => c.two_factor_sms_validity,
        TwoFactorMethod::Authenticator => c.two_factor_authenticator_validity,
    }
}

/// What a first factor leads to.
pub(crate) enum Entered {
    /// No second factor needed: sign in now.
    NotRequired,
    /// The sign-in waits: the JSON body to answer (`tf_required`, `tf_state`, …) and the page
    /// a browser goes to.
    Pending(SecondFactorPending, String),
}

/// Flask-Security's `tf_enter`: after a first factor, decide whether a second one is needed and,
/// if so, park the sign-in in the session (sending the code for email and SMS).
pub(crate) async fn enter(
    req: &FlowRequest,
    user: &User,
    remember: bool,
    via: &str,
) -> Result<Entered> {
    let security = req.auth.security();
    let c = security.config();
    if !needs_second_factor(security, user).await? {
        return Ok(Entered::NotRequired);
    }
    if !c.two_factor_always_validate && remembered_browser(req, user) {
        return Ok(Entered::NotRequired);
    }
    let cookieless = state::cookieless(req);
    let now = security.clock().unix();
    let mut st = TwoFactorState {
        uniquifier: user.fs_uniquifier.clone(),
        state: TfState::SetupFromLogin,
        method: None,
        remember,
        pending_secret: None,
        pending_phone: None,
        signing_in: true,
        via: via.to_owned(),
        started: now,
        webauthn: false,
    };
    let method = if c.two_factor {
        user_method(user)
    } else {
        None
    };
    let key = has_security_key(security, user).await?;
    let mut body = SecondFactorPending {
        tf_required: true,
        tf_state: TfState::SetupFromLogin,
        tf_primary_method: method,
        tf_method: method.map(TwoFactorMethod::as_str),
        tf_state_token: None,
        tf_select: None,
        tf_setup_methods: None,
        tf_signin_url: None,
    };
    let next = match (method, key) {
        // Several second factors: the user picks one (Flask-Security's tf-select).
        (Some(m), true) => {
            st.state = TfState::Select;
            body.tf_select = Some(true);
            body.tf_setup_methods = Some(vec![m.as_str(), "webauthn"]);
            body.tf_method = None;
            c.two_factor_select_url.clone()
        }
        (None, true) => {
            st.state = TfState::Ready;
            st.webauthn = true;
            body.tf_method = Some("webauthn");
            body.tf_signin_url = Some(c.wan_signin_url.clone());
            c.wan_signin_url.clone()
        }
        (None, false) => c.two_factor_setup_url.clone(),
        (Some(m), false) => {
            st.state = TfState::Ready;
            st.method = Some(m);
            send_code(security, user, m, None, None).await?;
            c.two_factor_token_validation_url.clone()
        }
    };
    body.tf_state = st.state;
    state::put(req, st, true);
    body.tf_state_token = cookieless.then(|| state::token(req));
    Ok(Entered::Pending(body, next))
}

/// A valid `tf_validity` cookie for this user (a browser remembered after a second factor).
fn remembered_browser(req: &FlowRequest, user: &User) -> bool {
    let security = req.auth.security();
    let c = security.config();
    let Some(value) = crate::layer::cookie_value(&req.headers, &c.two_factor_validity_cookie_name)
    else {
        return false;
    };
    security
        .signer()
        .unsign_timed(
            portcullis_core::tokens::TokenPurpose::TwoFactorValidity.salt(),
            &value,
            Some(c.two_factor_login_validity.as_secs()),
            security.clock().unix(),
        )
        .is_ok_and(|p| p.value.as_str() == Some(user.fs_uniquifier.as_str()))
}

/// The `tf_validity` cookie value for a user.
pub(super) fn validity_token(security: &Security, user: &User) -> String {
    let payload = Value::String(user.fs_uniquifier.clone()).to_string();
    security.signer().sign_timed(
        portcullis_core::tokens::TokenPurpose::TwoFactorValidity.salt(),
        &payload,
        security.clock().unix(),
    )
}

/// Send the current code of `method` (email to the account's address, SMS to the phone). A
/// pending secret or phone (during setup) replaces the stored ones.
pub(super) async fn send_code(
    security: &Security,
    user: &User,
    method: TwoFactorMethod,
    pending_secret: Option<&str>,
    pending_phone: Option<&str>,
) -> Result<()> {
    if method == TwoFactorMethod::Authenticator {
        return Ok(());
    }
    let stored = pending_secret
        .or(user.tf_totp_secret.as_deref())
        .ok_or(Error::Mail)?;
    let key = otp::key(security, stored).await?.ok_or_else(|| {
        Error::Task(
            "the stored two-factor secret cannot be decrypted with SECURITY_TOTP_SECRETS".into(),
        )
    })?;
    let code = otp::issue(security, &used_key(user, method), &key).await?;
    let within = links::humanize(window(security, method));
    if method == TwoFactorMethod::Email {
        let c = security.config();
        notify::send(
            security,
            &user.email,
            &c.email_subject_two_factor,
            "two_factor_instructions",
            notify::MailContext {
                token: Some(code),
                within: Some(within),
                ..notify::MailContext::to(user)
            },
        )
        .await
        .map_err(|_| Error::Mail)?;
    } else {
        let to = pending_phone
            .or(user.tf_phone_number.as_deref())
            .ok_or(Error::Mail)?;
        security
            .send_sms(SmsMessage {
                to: to.to_owned(),
                body: format!("Use this code to sign in: {code}"),
            })
            .await
            .map_err(|_| Error::Mail)?;
    }
    Ok(())
}

/// How a code check ended.
pub(super) enum Checked {
    /// Accepted (and now used up).
    Ok,
    /// Wrong, expired or reused: the field error.
    Invalid(FieldErrors),
    /// Too many failures from this address.
    RateLimited(i64),
}

/// Check a code against `stored` (an encrypted secret) for `user` and `method`: once only (the
/// time step is remembered), under the account lockout and the address rate limit.
pub(super) async fn check_code(
    security: &Security,
    user: &User,
    method: TwoFactorMethod,
    stored: &str,
    code: Option<String>,
    address: Option<&str>,
) -> Result<Checked> {
    let mut errors = FieldErrors::new();
    let Some(code) = code else {
        errors.add("code", Msg::CodeNotProvided);
        return Ok(Checked::Invalid(errors));
    };
    let checked = accounts::attempt(security, Attempt::on(user, address, "code"), async || {
        let key = otp::key(security, stored).await?.ok_or_else(|| {
            Error::Task(
                "the two-factor secret cannot be decrypted with SECURITY_TOTP_SECRETS".into(),
            )
        })?;
        let window = window(security, method);
        let used_key = used_key(user, method);
        let failure = match otp::check_once(security, &used_key, &key, &code, window).await? {
            CodeCheck::Accepted => return Ok(Verdict::Pass(())),
            CodeCheck::Spent => Failure::CodeUsed,
            CodeCheck::Wrong => Failure::InvalidCode,
        };
        security.emit(Event::FailedAuthentication {
            user_id: user.id,
            auth_type: "code".into(),
        });
        Ok(Verdict::Fail(failure))
    })
    .await?;
    settle(errors, checked, || {
        security.emit(Event::TwoFactorCodeConfirmed {
            user_id: user.id,
            method: method.as_str().to_owned(),
        });
    })
}

/// Where the last accepted time step of a user's two-factor `method` is remembered.
fn used_key(user: &User, method: TwoFactorMethod) -> String {
    format!("tf-used:{}:{method}", user.id)
}

/// A checked code as the flow's outcome.
fn settle(
    mut errors: FieldErrors,
    checked: std::result::Result<(), Failure>,
    on_success: impl FnOnce(),
) -> Result<Checked> {
    match checked {
        Ok(()) => {
            on_success();
            Ok(Checked::Ok)
        }
        Err(Failure::RateLimited { retry_after }) => Ok(Checked::RateLimited(retry_after)),
        Err(failure) => {
            errors.add("code", failure.message());
            Ok(Checked::Invalid(errors))
        }
    }
}

/// The user a pending state belongs to (active), or `None`.
pub(super) async fn state_user(security: &Security, st: &TwoFactorState) -> Result<Option<User>> {
    Ok(security
        .store()
        .user_by_uniquifier(&st.uniquifier)
        .await?
        .filter(|u| u.active))
}

/// `GET /tf-setup`'s body.
pub(super) fn setup_info(security: &Security, user: &User) -> TfSetupInfo {
    let c = security.config();
    let method = user_method(user);
    let mut available: Vec<String> = Vec::new();
    if !c.two_factor_required && method.is_some() {
        available.push("disable".into());
    }
    available.extend(c.two_factor_enabled_methods.iter().cloned());
    TfSetupInfo {
        tf_required: c.two_factor_required,
        tf_primary_method: method,
        tf_method: method,
        tf_phone_number: user.tf_phone_number.clone(),
        tf_available_methods: available,
    }
}

/// What `POST /tf-setup` decided.
pub(super) enum Setup {
    /// A new secret waits for its first code: the JSON body (and the QR code for the page).
    Validating(TfSetupStarted, Option<String>),
    /// The method was removed.
    Disabled,
    Invalid(FieldErrors),
}

/// `POST /tf-setup {setup, phone}`: make a new secret for the chosen method; it becomes the
/// user's once a code from it is validated. `signing_in`: set up during a sign-in.
pub(super) async fn setup(
    req: &FlowRequest,
    user: &User,
    signing_in: bool,
    remember: bool,
) -> Result<Setup> {
    let security = req.auth.security();
    let c = security.config();
    let mut errors = FieldErrors::new();
    let Some(choice) = req.string("setup", &mut errors) else {
        if !errors.has("setup") {
            errors.add("setup", Msg::TwoFactorMethodNotAvailable);
        }
        return Ok(Setup::Invalid(errors));
    };
    if choice == "disable" {
        if c.two_factor_required || signing_in || user_method(user).is_none() {
            errors.add("setup", Msg::TwoFactorMethodNotAvailable);
            return Ok(Setup::Invalid(errors));
        }
        let now = security.clock().now();
        security
            .store()
            .set_two_factor(user.id, None, None, None, now)
            .await?;
        security.emit(Event::TwoFactorDisabled { user_id: user.id });
        return Ok(Setup::Disabled);
    }
    let Some(choice) = TwoFactorMethod::from_stored(&choice)
        .filter(|m| c.two_factor_enabled_methods.iter().any(|e| e == m.as_str()))
    else {
        errors.add("setup", Msg::TwoFactorMethodNotAvailable);
        return Ok(Setup::Invalid(errors));
    };
    let phone = if choice == TwoFactorMethod::Sms {
        let raw = req.string("phone", &mut errors);
        match raw
            .and_then(|p| portcullis_core::policy::normalize_phone(&p, &c.phone_region_default))
        {
            Some(p) => Some(p),
            None => {
                errors.add("phone", Msg::PhoneInvalid);
                return Ok(Setup::Invalid(errors));
            }
        }
    } else {
        None
    };
    let (key, stored) = otp::new_secret(security).await?;
    let st = TwoFactorState {
        webauthn: false,
        uniquifier: user.fs_uniquifier.clone(),
        state: TfState::ValidatingProfile,
        method: Some(choice),
        remember,
        pending_secret: Some(stored.clone()),
        pending_phone: phone.clone(),
        signing_in,
        via: if signing_in {
            "password".into()
        } else {
            String::new()
        },
        started: security.clock().unix(),
    };
    send_code(security, user, choice, Some(&stored), phone.as_deref()).await?;
    let cookieless = state::cookieless(req);
    state::put(req, st, false);
    // Flask-Security's setup token (a signed-in user changing method can finish at
    // `/tf-setup/<token>` without a session); during a sign-in, the session-state token for
    // clients without cookies.
    let token = if signing_in {
        cookieless.then(|| state::token(req))
    } else {
        Some(otp::setup_token(
            security,
            &stored,
            choice,
            phone.as_deref(),
        ))
    };
    let mut qr = None;
    let mut authenticator = None;
    if choice == TwoFactorMethod::Authenticator {
        let username = user.username.clone().unwrap_or_else(|| user.email.clone());
        let fields = otp::authenticator_fields(security, &key, &username);
        qr = Some(otp::qr(&fields.tf_authr_uri));
        authenticator = Some(fields);
    }
    let body = TfSetupStarted {
        tf_state: TfState::ValidatingProfile,
        tf_primary_method: choice,
        tf_method: choice,
        tf_state_token: token,
        authenticator,
    };
    Ok(Setup::Validating(body, qr))
}

/// Store a validated method on the user.
pub(super) async fn adopt_method(
    security: &Security,
    user: &User,
    method: TwoFactorMethod,
    stored: &str,
    phone: Option<&str>,
) -> Result<()> {
    let now = security.clock().now();
    security
        .store()
        .set_two_factor(user.id, Some(method.as_str()), Some(stored), phone, now)
        .await?;
    security.emit(Event::TwoFactorChanged {
        user_id: user.id,
        method: method.as_str().to_owned(),
    });
    Ok(())
}

/// `POST /mf-recovery-codes`: new codes replace the old; returns them in plain text, once.
pub(super) async fn new_recovery_codes(security: &Security, user: &User) -> Result<Vec<String>> {
    let n = usize::try_from(security.config().multi_factor_recovery_codes_n).unwrap_or(5);
    let (plain, stored) = otp::new_codes(security, n).await?;
    security
        .store()
        .set_recovery_codes(user.id, None, &stored, security.clock().now())
        .await?;
    security.emit(Event::RecoveryCodesGenerated { user_id: user.id });
    Ok(plain)
}

/// `POST /mf-recovery`: use up a recovery code (once, even with concurrent requests).
pub(super) async fn use_recovery_code(
    security: &Security,
    user: &User,
    code: Option<String>,
    address: Option<&str>,
) -> Result<Checked> {
    let mut errors = FieldErrors::new();
    let Some(code) = code else {
        errors.add("code", Msg::CodeNotProvided);
        return Ok(Checked::Invalid(errors));
    };
    let checked = accounts::attempt(
        security,
        Attempt::on(user, address, "recovery_code"),
        async || {
            let stored = user.recovery_codes();
            let found = otp::find_code(security, &stored, &code).await?;
            let taken = match found {
                Some(i) => {
                    let mut left = stored.clone();
                    left.remove(i);
                    security
                        .store()
                        .set_recovery_codes(user.id, Some(&stored), &left, security.clock().now())
                        .await?
                }
                None => false,
            };
            if taken {
                return Ok(Verdict::Pass(()));
            }
            security.emit(Event::FailedAuthentication {
                user_id: user.id,
                auth_type: "recovery_code".into(),
            });
            Ok(Verdict::Fail(Failure::InvalidRecoveryCode))
        },
    )
    .await?;
    settle(errors, checked, || {})
}
