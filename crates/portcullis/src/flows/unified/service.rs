//! Unified sign-in logic (no axum).

use portcullis_core::User;
use portcullis_core::events::Event;
use portcullis_core::policy::account_key;
use portcullis_core::tokens::{TokenError, TokenPurpose};
use serde_json::Value;

use crate::Security;
use crate::accounts::{self, Attempt, Failure, Verdict};
use crate::error::{Error, Result};
use crate::flows::notify;
use crate::flows::two_factor::otp::{self, CodeCheck};
use crate::flows::wire::{UsSetupDone, UsSetupInfo, UsSetupStarted, UsSigninInfo, UserBody};
use crate::form::FieldErrors;
use crate::links;
use crate::messages::{Message, Msg};
use crate::sms::SmsMessage;

/// Enabled methods that send a code.
pub(crate) fn code_methods(security: &Security) -> Vec<String> {
    security
        .config()
        .us_enabled_methods
        .iter()
        .filter(|m| m.as_str() == "email" || m.as_str() == "sms")
        .cloned()
        .collect()
}

/// Enabled methods that can be set up.
pub(crate) fn setup_methods(security: &Security) -> Vec<String> {
    security
        .config()
        .us_enabled_methods
        .iter()
        .filter(|m| m.as_str() != "password")
        .cloned()
        .collect()
}

/// The user's methods: enabled and set up (plus `password` when they have one).
pub(crate) fn active_methods(security: &Security, user: &User) -> Vec<String> {
    let secrets = user.us_secrets();
    security
        .config()
        .us_enabled_methods
        .iter()
        .filter(|m| {
            if m.as_str() == "password" {
                user.password.is_some()
            } else {
                secrets.contains_key(m.as_str())
            }
        })
        .cloned()
        .collect()
}

/// The payload of the `/us-setup/<state>` token (Flask-Security's shape).
#[derive(serde::Serialize, serde::Deserialize)]
struct SetupState {
    totp_secret: String,
    chosen_method: String,
    phone_number: Option<String>,
}

/// The answer of `GET /us-signin`.
pub(crate) fn signin_info(security: &Security, user: Option<UserBody>) -> UsSigninInfo {
    UsSigninInfo {
        available_methods: security.config().us_enabled_methods.clone(),
        code_methods: code_methods(security),
        identity_attributes: security.config().identity_attributes(),
        user,
    }
}

pub(crate) enum Signin {
    /// First factor passed by `method` (`password`, `email`, …).
    Passed(Box<User>, String),
    Invalid(FieldErrors),
    RateLimited(i64),
}

/// Check `passcode` for `user`: a password, or a code of one of the user's code methods
/// (accepted once). Returns the method that matched, or why none did.
async fn match_passcode(
    security: &Security,
    user: &User,
    passcode: &str,
) -> Result<Verdict<String>> {
    let c = security.config();
    let mut failure = Failure::InvalidPasscode;
    for method in active_methods(security, user) {
        if method == "password" {
            if user.password.is_some()
                && accounts::check_password(security, user, passcode.to_owned(), "passcode").await?
            {
                return Ok(Verdict::Pass(method));
            }
            continue;
        }
        if portcullis_core::totp::normalize_code(passcode).is_none() {
            continue;
        }
        match accept_code(security, user, &method, passcode, c.us_token_validity).await? {
            CodeCheck::Accepted => return Ok(Verdict::Pass(method)),
            CodeCheck::Spent => failure = Failure::CodeUsed,
            CodeCheck::Wrong => {}
        }
    }
    Ok(Verdict::Fail(failure))
}

/// Where the last accepted time step of a user's unified sign-in `method` is remembered.
fn used_key(user: &User, method: &str) -> String {
    format!("us-used:{}:{method}", user.id)
}

/// Whether `code` is the current code of the user's `method` secret; once only.
pub(crate) async fn accept_code(
    security: &Security,
    user: &User,
    method: &str,
    code: &str,
    window: i64,
) -> Result<CodeCheck> {
    let secrets = user.us_secrets();
    let Some(stored) = secrets.get(method).and_then(Value::as_str) else {
        return Ok(CodeCheck::Wrong);
    };
    let Some(key) = otp::key(security, stored).await? else {
        return Ok(CodeCheck::Wrong);
    };
    otp::check_once(security, &used_key(user, method), &key, code, window).await
}

/// `POST /us-signin`.
pub(crate) async fn signin(
    security: &Security,
    identity: Option<String>,
    passcode: Option<String>,
    mut errors: FieldErrors,
    address: Option<&str>,
) -> Result<Signin> {
    let Some(identity) = identity else {
        errors.add("identity", Msg::UsSpecifyIdentity);
        return Ok(Signin::Invalid(errors));
    };
    let Some(passcode) = passcode else {
        errors.add("passcode", Msg::InvalidPasswordCode);
        return Ok(Signin::Invalid(errors));
    };
    let user = accounts::lookup_identity(security, &identity).await?;
    let reserved = Attempt {
        account: account_key(user.as_ref().map(|u| u.id), &identity),
        address,
        decoy: Some(passcode.clone()),
        mechanism: "us_signin",
    };
    let checked = accounts::attempt(security, reserved, async || {
        let Some(user) = user else {
            security.hash_pool().dummy_verify(passcode).await?;
            return Ok(Verdict::Fail(Failure::UnknownIdentity));
        };
        match match_passcode(security, &user, &passcode).await? {
            Verdict::Pass(method) => Ok(Verdict::Pass((user, method))),
            Verdict::Fail(failure) => {
                security.emit(Event::FailedAuthentication {
                    user_id: user.id,
                    auth_type: "passcode".into(),
                });
                Ok(Verdict::Fail(failure))
            }
        }
    })
    .await?;
    let failure = match checked {
        Ok((user, method)) => match accounts::admit(security, &user) {
            Ok(()) => return Ok(Signin::Passed(Box::new(user), method)),
            Err(failure) => failure,
        },
        Err(Failure::RateLimited { retry_after }) => return Ok(Signin::RateLimited(retry_after)),
        Err(failure) => failure,
    };
    match failure {
        Failure::UnknownIdentity => errors.add("identity", Msg::UsSpecifyIdentity),
        Failure::InvalidPasscode | Failure::CodeUsed => errors.add("passcode", failure.message()),
        _ => errors.add("identity", failure.message()),
    }
    Ok(Signin::Invalid(errors))
}

/// At most this many codes per identity, and ten times as many per client address, per window.
const SEND_LIMIT: u64 = 5;
const SEND_WINDOW: i64 = 600;

/// Rate limit of the code-sending endpoints: `Some(retry_after)` when over.
async fn send_limited(
    security: &Security,
    identity: &str,
    address: Option<&str>,
) -> Result<Option<i64>> {
    let store = security.store();
    let now = security.clock().unix();
    let (n, expires) = store
        .incr_counter(
            &format!("us-send:id:{}", identity.trim().to_lowercase()),
            SEND_WINDOW,
            now,
        )
        .await?;
    if n > SEND_LIMIT {
        return Ok(Some(expires - now));
    }
    if let Some(a) = address {
        let (n, expires) = store
            .incr_counter(&format!("us-send:ip:{a}"), SEND_WINDOW, now)
            .await?;
        if n > SEND_LIMIT * 10 {
            return Ok(Some(expires - now));
        }
    }
    Ok(None)
}

pub(crate) enum Sent {
    Delivered,
    Invalid(FieldErrors),
    RateLimited(i64),
}

/// Send the current code of `method` for `user`; with `link`, the mail carries the magic link.
pub(crate) async fn deliver_code(
    security: &Security,
    user: &User,
    method: &str,
    link: bool,
) -> Result<()> {
    let c = security.config();
    let secrets = user.us_secrets();
    let stored = secrets
        .get(method)
        .and_then(Value::as_str)
        .ok_or(Error::Mail)?;
    let key = otp::key(security, stored).await?.ok_or(Error::Mail)?;
    let code = otp::issue(security, &used_key(user, method), &key).await?;
    let within = links::humanize(c.us_token_validity);
    if method == "email" {
        let magic = link.then(|| {
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("id", &user.fs_uniquifier)
                .append_pair("code", &code)
                .finish();
            links::absolute(c, &format!("{}?{q}", c.us_verify_link_url))
        });
        notify::send(
            security,
            &user.email,
            &c.us_email_subject,
            "us_instructions",
            notify::MailContext {
                code: Some(code),
                login_link: magic,
                within: Some(within),
                ..notify::MailContext::to(user)
            },
        )
        .await
        .map_err(|_| Error::Mail)
    } else {
        let to = user.us_phone_number.clone().ok_or(Error::Mail)?;
        security
            .send_sms(SmsMessage {
                to,
                body: format!("Use this code to sign in: {code}"),
            })
            .await
            .map_err(|_| Error::Mail)
    }
}

/// `POST /us-signin/send-code`.
pub(crate) async fn send_code(
    security: &Security,
    identity: Option<String>,
    chosen: Option<String>,
    mut errors: FieldErrors,
    address: Option<&str>,
) -> Result<Sent> {
    let generic = security.config().return_generic_responses;
    let Some(identity) = identity else {
        errors.add("identity", Msg::UsSpecifyIdentity);
        return Ok(Sent::Invalid(errors));
    };
    if let Some(retry) = send_limited(security, &identity, address).await? {
        return Ok(Sent::RateLimited(retry));
    }
    let user = accounts::lookup_identity(security, &identity).await?;
    let chosen = chosen.filter(|m| code_methods(security).contains(m));
    let usable = match (&user, &chosen) {
        (Some(u), Some(m)) => u.active && u.us_secrets().contains_key(m.as_str()),
        _ => false,
    };
    let (Some(user), Some(method), true) = (user.clone(), chosen, usable) else {
        if generic {
            return Ok(Sent::Delivered);
        }
        if user.is_none() {
            errors.add("identity", Msg::UsSpecifyIdentity);
        } else {
            errors.add("chosen_method", Msg::UsMethodNotAvailable);
        }
        return Ok(Sent::Invalid(errors));
    };
    deliver_code(security, &user, &method, true).await?;
    Ok(Sent::Delivered)
}

pub(crate) enum Link {
    Passed(Box<User>),
    Invalid(Message),
}

/// `GET /us-verify-link?id=&code=`.
pub(crate) async fn verify_link(
    security: &Security,
    id: Option<String>,
    code: Option<String>,
    address: Option<&str>,
) -> Result<Link> {
    let (Some(id), Some(code)) = (id, code) else {
        return Ok(Link::Invalid(Msg::ApiError.into()));
    };
    let generic = security.config().return_generic_responses;
    let Some(user) = security.store().user_by_uniquifier(&id).await? else {
        let m = if generic {
            Msg::GenericAuthnFailed
        } else {
            Msg::UserDoesNotExist
        };
        return Ok(Link::Invalid(m.into()));
    };
    if !user.active {
        let m = if generic {
            Msg::GenericAuthnFailed
        } else {
            Msg::DisabledAccount
        };
        return Ok(Link::Invalid(m.into()));
    }
    let window = security.config().us_token_validity;
    let checked = accounts::attempt(
        security,
        Attempt::on(&user, address, "magic_link"),
        async || {
            Ok(
                match accept_code(security, &user, "email", &code, window).await? {
                    CodeCheck::Accepted => Verdict::Pass(()),
                    CodeCheck::Spent => Verdict::Fail(Failure::CodeUsed),
                    CodeCheck::Wrong => Verdict::Fail(Failure::InvalidCode),
                },
            )
        },
    )
    .await?;
    match checked {
        Ok(()) => Ok(Link::Passed(Box::new(user))),
        Err(failure) => {
            let m = match failure {
                Failure::InvalidCode | Failure::CodeUsed if !generic => failure.message(),
                _ => Msg::GenericAuthnFailed.into(),
            };
            Ok(Link::Invalid(m))
        }
    }
}

/// `GET /us-setup`'s answer.
pub(crate) fn setup_info(security: &Security, user: &User) -> UsSetupInfo {
    UsSetupInfo {
        identity_attributes: security.config().identity_attributes(),
        available_methods: security.config().us_enabled_methods.clone(),
        active_methods: active_methods(security, user),
        setup_methods: setup_methods(security),
        phone: user.us_phone_number.clone(),
    }
}

pub(crate) enum SetupOutcome {
    Started(UsSetupStarted, Option<String>),
    Deleted,
    Invalid(FieldErrors),
}

/// Remove methods from the stored secrets.
async fn delete_methods(security: &Security, user: &User, methods: &[String]) -> Result<()> {
    let mut secrets = user.us_secrets();
    for m in methods {
        secrets.remove(m.as_str());
    }
    let now = security.clock().now();
    let text = (!secrets.is_empty()).then(|| Value::Object(secrets.clone()).to_string());
    security
        .store()
        .set_us_totp_secrets(user.id, text.as_deref(), now)
        .await?;
    if methods.iter().any(|m| m == "sms") {
        security.store().set_phone(user.id, None, now).await?;
    }
    Ok(())
}

/// `POST /us-setup {chosen_method?, delete_method?, phone?}`.
pub(crate) async fn setup(
    security: &Security,
    user: &User,
    chosen: Option<String>,
    delete: Vec<String>,
    phone: Option<String>,
    mut errors: FieldErrors,
) -> Result<SetupOutcome> {
    let c = security.config();
    if chosen.is_none() && delete.is_empty() {
        errors.add("", Msg::ApiError);
        return Ok(SetupOutcome::Invalid(errors));
    }
    let methods = setup_methods(security);
    if delete.iter().any(|m| !methods.contains(m)) {
        errors.add("delete_method", Msg::UsMethodNotAvailable);
        return Ok(SetupOutcome::Invalid(errors));
    }
    if let Some(m) = &chosen
        && !methods.contains(m)
    {
        errors.add("chosen_method", Msg::UsMethodNotAvailable);
        return Ok(SetupOutcome::Invalid(errors));
    }
    if !delete.is_empty() {
        delete_methods(security, user, &delete).await?;
    }
    let Some(method) = chosen else {
        return Ok(SetupOutcome::Deleted);
    };
    let phone = if method == "sms" {
        let Some(p) = phone
            .and_then(|p| portcullis_core::policy::normalize_phone(&p, &c.phone_region_default))
        else {
            errors.add("phone", Msg::PhoneInvalid);
            return Ok(SetupOutcome::Invalid(errors));
        };
        if let Some(owner) = security.store().user_by_phone(&p).await?
            && owner.id != user.id
        {
            errors.add(
                "phone",
                crate::messages::already_associated("us_phone_number", &p),
            );
            return Ok(SetupOutcome::Invalid(errors));
        }
        Some(p)
    } else {
        None
    };
    let (key, stored) = otp::new_secret(security).await?;
    let payload = serde_json::to_string(&SetupState {
        totp_secret: stored.clone(),
        chosen_method: method.clone(),
        phone_number: phone.clone(),
    })
    .map_err(|e| Error::Task(e.to_string()))?;
    let state = security.signer().sign_timed(
        TokenPurpose::UsSetup.salt(),
        &payload,
        security.clock().unix(),
    );
    let mut qr = None;
    let mut authenticator = None;
    if method == "authenticator" {
        let username = user.username.clone().unwrap_or_else(|| user.email.clone());
        let fields = otp::authenticator_fields(security, &key, &username);
        qr = Some(otp::qr(&fields.tf_authr_uri));
        authenticator = Some(fields.into());
    } else {
        // The code of the new secret, to where it will be used.
        let code = otp::code(&key, security.clock().unix());
        if method == "email" {
            notify::send(
                security,
                &user.email,
                &c.us_email_subject,
                "us_instructions",
                notify::MailContext {
                    code: Some(code),
                    within: Some(links::humanize(c.us_token_validity)),
                    ..notify::MailContext::to(user)
                },
            )
            .await
            .map_err(|_| Error::Mail)?;
        } else if let Some(to) = &phone {
            security
                .send_sms(SmsMessage {
                    to: to.clone(),
                    body: format!("Use this code to sign in: {code}"),
                })
                .await
                .map_err(|_| Error::Mail)?;
        }
    }
    let started = UsSetupStarted {
        chosen_method: method,
        phone,
        state,
        authenticator,
    };
    Ok(SetupOutcome::Started(started, qr))
}

pub(crate) enum SetupDone {
    Done(UsSetupDone),
    Invalid(FieldErrors),
}

/// `POST /us-setup/<state> {passcode}`.
pub(crate) async fn setup_validate(
    security: &Security,
    user: &User,
    state: &str,
    passcode: Option<String>,
    mut errors: FieldErrors,
) -> Result<SetupDone> {
    let c = security.config();
    let now = security.clock().unix();
    let read = security.signer().unsign_timed(
        TokenPurpose::UsSetup.salt(),
        state,
        Some(c.us_setup_within.as_secs()),
        now,
    );
    let value = match read {
        Ok(p) => p.value,
        Err(TokenError::Expired { .. }) => {
            errors.add("", crate::messages::us_setup_expired(security));
            return Ok(SetupDone::Invalid(errors));
        }
        Err(_) => {
            errors.add("", Msg::ApiError);
            return Ok(SetupDone::Invalid(errors));
        }
    };
    let Ok(SetupState {
        totp_secret: stored,
        chosen_method: method,
        phone_number: phone,
    }) = serde_json::from_value::<SetupState>(value)
    else {
        errors.add("", Msg::ApiError);
        return Ok(SetupDone::Invalid(errors));
    };
    let key = otp::key(security, &stored).await?.ok_or(Error::Mail)?;
    let accepted = passcode
        .as_deref()
        .and_then(|p| otp::check(&key, p, now, c.us_token_validity, None));
    if accepted.is_none() {
        errors.add("passcode", Msg::InvalidPasswordCode);
        return Ok(SetupDone::Invalid(errors));
    }
    let store = security.store();
    let when = security.clock().now();
    if method == "sms" {
        match store.set_phone(user.id, phone.as_deref(), when).await {
            Ok(()) => {}
            Err(portcullis_core::StoreError::Conflict(_)) => {
                errors.add("phone", Msg::ApiError);
                return Ok(SetupDone::Invalid(errors));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut secrets = user.us_secrets();
    secrets.insert(method.clone(), Value::String(stored));
    store
        .set_us_totp_secrets(user.id, Some(&Value::Object(secrets).to_string()), when)
        .await?;
    security.emit(Event::TwoFactorChanged {
        user_id: user.id,
        method: format!("us:{method}"),
    });
    let phone = if method == "sms" {
        phone
    } else {
        user.us_phone_number.clone()
    };
    Ok(SetupDone::Done(UsSetupDone {
        chosen_method: method,
        phone,
    }))
}

/// A passwordless account's first method: email, set up at registration.
pub(crate) async fn email_method_for_new_user(security: &Security, user: &User) -> Result<()> {
    let (_, stored) = otp::new_secret(security).await?;
    let text = serde_json::to_string(&std::collections::BTreeMap::from([("email", stored)]))
        .map_err(|e| Error::Task(e.to_string()))?;
    security
        .store()
        .set_us_totp_secrets(user.id, Some(&text), security.clock().now())
        .await?;
    Ok(())
}
