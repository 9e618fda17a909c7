//! WebAuthn logic (no axum): the relying party of a request, the signed one-time `wan_state`,
//! names, and the ceremonies over the store. Every assertion goes through the accounts core's
//! reservation ([`accounts::attempt`]): a failed one counts like a wrong password.

use portcullis_core::events::Event;
use portcullis_core::messages::Message;
use portcullis_core::model::{NewWebAuthn, User, UserChange, WebAuthn, WebAuthnUsage, WebAuthnUse};
use portcullis_core::store::{Guard, StoreError};
use portcullis_core::tokens::{TokenError, TokenPurpose};
use portcullis_core::webauthn::{
    Asserted, Assertion, AuthenticationState, RegisterOptions, RegistrationState, RelyingParty,
    Verification, WanError,
};
use serde::{Deserialize, Serialize};

use crate::Security;
use crate::accounts::{self, Attempt, Failure, Verdict};
use crate::error::{Error, Result};
use crate::flows::request::FlowRequest;
use crate::form::FieldErrors;
use crate::messages::Msg;

/// What a `wan_state` is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Ceremony {
    Register,
    Signin,
    Verify,
}

/// The signed `wan_state`: everything a ceremony needs between its two requests, so that
/// clients without cookies can run it.
#[derive(Serialize, Deserialize)]
pub(super) struct WanState {
    pub(super) ceremony: Ceremony,
    /// `fs_uniquifier` of the user it was started for (register, verify).
    pub(super) user: Option<String>,
    pub(super) name: Option<String>,
    pub(super) usage: Option<WebAuthnUsage>,
    pub(super) remember: bool,
    /// A security key as the second factor of a pending sign-in.
    #[serde(default)]
    pub(super) secondary: bool,
    registration: Option<RegistrationState>,
    authentication: Option<AuthenticationState>,
}

/// The relying party of this request: PORTCULLIS_EXTERNAL_URL's origin when set (behind a
/// proxy), else the origin the browser used (`Host`), as Flask-Security does.
pub(super) fn relying_party(req: &FlowRequest) -> std::result::Result<RelyingParty, WanError> {
    let c = req.auth.security().config();
    let origin = match &c.external_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => {
            let host = req
                .headers
                .get("host")
                .and_then(|h| h.to_str().ok())
                .or_else(|| req.uri.host())
                .ok_or_else(|| WanError::Config("the request names no host".into()))?;
            format!("http://{host}")
        }
    };
    let rp_id = url::Url::parse(&origin)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .ok_or_else(|| WanError::Config(format!("{origin} has no host")))?;
    RelyingParty::new(&rp_id, &c.wan_rp_name, &origin)
}

fn sign(security: &Security, state: &WanState) -> Result<String> {
    let payload = serde_json::to_string(state).map_err(|e| Error::Task(e.to_string()))?;
    Ok(security
        .signer()
        .sign_timed(TokenPurpose::Wan.salt(), &payload, security.clock().unix()))
}

/// Why a `wan_state` was not accepted.
pub(super) enum StateProblem {
    Expired,
    Invalid,
}

/// Read `token` for `ceremony`, and spend it: a state is accepted once (a second use, even
/// concurrent, is refused), so one assertion cannot be replayed against it.
pub(super) async fn take_state(
    security: &Security,
    token: &str,
    ceremony: Ceremony,
) -> Result<std::result::Result<WanState, StateProblem>> {
    let c = security.config();
    let within = match ceremony {
        Ceremony::Register => c.wan_register_within,
        Ceremony::Signin | Ceremony::Verify => c.wan_signin_within,
    }
    .as_secs();
    let now = security.clock().unix();
    let value =
        match security
            .signer()
            .unsign_timed(TokenPurpose::Wan.salt(), token, Some(within), now)
        {
            Ok(p) => p.value,
            Err(TokenError::Expired { .. }) => return Ok(Err(StateProblem::Expired)),
            Err(_) => return Ok(Err(StateProblem::Invalid)),
        };
    let Ok(state) = serde_json::from_value::<WanState>(value) else {
        return Ok(Err(StateProblem::Invalid));
    };
    if state.ceremony != ceremony {
        return Ok(Err(StateProblem::Invalid));
    }
    let key = format!("wan-state:{}", crate::session::id_hash(token));
    let (uses, _) = security
        .store()
        .incr_counter(&key, within.max(1), now)
        .await?;
    if uses > 1 {
        return Ok(Err(StateProblem::Expired));
    }
    Ok(Ok(state))
}

/// The message for a state that was not accepted.
pub(super) fn state_message(
    security: &Security,
    problem: &StateProblem,
    ceremony: Ceremony,
) -> Message {
    match problem {
        StateProblem::Invalid => Msg::ApiError.into(),
        StateProblem::Expired => {
            let c = security.config();
            let within = match ceremony {
                Ceremony::Register => c.wan_register_within,
                _ => c.wan_signin_within,
            };
            crate::messages::within(
                Msg::WebauthnExpired,
                &crate::links::humanize(within.as_secs()),
            )
        }
    }
}

/// A credential name as Flask-Security cleans it: NFKD, letters, digits, spaces, dashes and
/// underscores only, at most `wan_name_max_length` characters.
pub(super) fn clean_name(security: &Security, raw: &str) -> std::result::Result<String, Message> {
    use unicode_normalization::UnicodeNormalization;
    let max = security.config().wan_name_max_length;
    let name: String = raw.trim().nfkd().collect();
    if name.is_empty() {
        return Err(Msg::WebauthnNameRequired.into());
    }
    let allowed = |c: char| {
        c.is_alphanumeric()
            || c == ' '
            || c == '_'
            || c == '-'
            || ('\u{2010}'..='\u{2015}').contains(&c)
            || c == '\u{203f}'
            || c == '\u{2040}'
    };
    if name.chars().count() > max || !name.chars().all(allowed) {
        return Err(Message::new(Msg::WebauthnNameInvalid).arg("max", max.to_string()));
    }
    Ok(name)
}

/// The user's WebAuthn user handle, made (and stored) at the first registration.
async fn user_handle(security: &Security, user: &User) -> Result<String> {
    if let Some(h) = &user.fs_webauthn_user_handle {
        return Ok(h.clone());
    }
    let handle = crate::accounts::new_uniquifier();
    let change = UserChange {
        fs_webauthn_user_handle: Some(Some(handle.clone())),
        ..UserChange::default()
    };
    security
        .store()
        .update_user(user.id, &change, &Guard::Always, security.clock().now())
        .await?;
    Ok(handle)
}

/// `POST /wan-register {name, usage}`: the options and state, or field errors.
pub(super) async fn start_registration(
    req: &FlowRequest,
    user: &User,
    name: Option<String>,
    usage: Option<String>,
    mut errors: FieldErrors,
) -> Result<std::result::Result<(serde_json::Value, String), FieldErrors>> {
    let security = req.auth.security();
    let c = security.config();
    let name = match name.as_deref().map(|n| clean_name(security, n)) {
        None => {
            errors.add("name", Msg::WebauthnNameRequired);
            None
        }
        Some(Err(m)) => {
            errors.add("name", m);
            None
        }
        Some(Ok(n)) => Some(n),
    };
    let usage = match usage.as_deref() {
        None | Some("") => WebAuthnUsage::Secondary,
        Some(u) => match WebAuthnUsage::parse(u) {
            Some(u) => u,
            None => {
                errors.add("usage", Msg::NotAValidChoice);
                WebAuthnUsage::Secondary
            }
        },
    };
    let usage = if c.wan_allow_as_first_factor {
        usage
    } else {
        WebAuthnUsage::Secondary
    };
    let existing = security.store().webauthn_of_user(user.id).await?;
    if let Some(n) = &name
        && existing.iter().any(|w| &w.name == n)
    {
        errors.add(
            "name",
            Message::new(Msg::WebauthnNameInuse).arg("name", n.clone()),
        );
    }
    let Some(name) = name else {
        return Ok(Err(errors));
    };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let rp = relying_party(req).map_err(|e| Error::Task(e.to_string()))?;
    let handle = user_handle(security, user).await?;
    let user_name = user.username.clone().unwrap_or_else(|| user.email.clone());
    let (options, registration) = rp
        .start_registration(
            handle.as_bytes(),
            &user_name,
            &existing,
            RegisterOptions {
                usage,
                allow_user_hints: c.wan_allow_user_hints,
                timeout_ms: u32::try_from(c.wan_register_timeout).unwrap_or(u32::MAX),
            },
        )
        .map_err(|e| Error::Task(e.to_string()))?;
    let state = sign(
        security,
        &WanState {
            ceremony: Ceremony::Register,
            user: Some(user.fs_uniquifier.clone()),
            name: Some(name),
            usage: Some(usage),
            remember: false,
            secondary: false,
            registration: Some(registration),
            authentication: None,
        },
    )?;
    Ok(Ok((options, state)))
}

/// `POST /wan-register/<state> {credential}`: the stored credential, or the error for the
/// `credential` field (or the form, `""`).
pub(super) async fn finish_registration(
    req: &FlowRequest,
    user: &User,
    state: WanState,
    credential: Option<String>,
) -> Result<std::result::Result<WebAuthn, (&'static str, Message)>> {
    let security = req.auth.security();
    let (Some(registration), Some(name), Some(usage)) =
        (state.registration.as_ref(), state.name.clone(), state.usage)
    else {
        return Ok(Err(("", Msg::ApiError.into())));
    };
    if state.user.as_deref() != Some(user.fs_uniquifier.as_str()) {
        return Ok(Err(("", Msg::ApiError.into())));
    }
    let Some(credential) = credential.filter(|c| !c.is_empty()) else {
        return Ok(Err(("credential", Msg::ApiError.into())));
    };
    let rp = relying_party(req).map_err(|e| Error::Task(e.to_string()))?;
    let registered = match rp.finish_registration(&credential, registration) {
        Ok(r) => r,
        Err(WanError::Malformed) => return Ok(Err(("credential", Msg::ApiError.into()))),
        Err(e) => {
            return Ok(Err((
                "credential",
                Message::new(Msg::WebauthnNoVerify).arg("cause", e.to_string()),
            )));
        }
    };
    let added = security
        .store()
        .add_webauthn(NewWebAuthn {
            user_id: user.id,
            credential_id: registered.credential_id,
            public_key: registered.public_key,
            sign_count: registered.sign_count,
            transports: registered.transports,
            backup_state: registered.backup_state,
            device_type: registered.device_type,
            extensions: registered.extensions,
            name: name.clone(),
            usage,
            now: security.clock().now(),
        })
        .await;
    match added {
        Ok(w) => {
            security.emit(Event::WebAuthnRegistered {
                user_id: user.id,
                name,
                usage: usage.name(),
            });
            Ok(Ok(w))
        }
        Err(StoreError::Conflict("credential_id")) => {
            Ok(Err(("credential", Msg::WebauthnCredentialIdInuse.into())))
        }
        Err(StoreError::Conflict("name")) => Ok(Err((
            "credential",
            Message::new(Msg::WebauthnNameInuse).arg("name", name),
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Start a sign-in (`allowed` empty: any discoverable passkey) or a verify.
pub(super) fn start_assertion(
    req: &FlowRequest,
    ceremony: Ceremony,
    user: Option<&User>,
    allowed: &[WebAuthn],
    remember: bool,
    secondary: bool,
) -> Result<(serde_json::Value, String)> {
    let security = req.auth.security();
    let c = security.config();
    let rp = relying_party(req).map_err(|e| Error::Task(e.to_string()))?;
    let (options, authentication) = rp
        .start_authentication(
            allowed,
            Verification::Preferred,
            u32::try_from(c.wan_signin_timeout).unwrap_or(u32::MAX),
        )
        .map_err(|e| Error::Task(e.to_string()))?;
    let state = sign(
        security,
        &WanState {
            ceremony,
            user: user.map(|u| u.fs_uniquifier.clone()),
            name: None,
            usage: None,
            remember,
            secondary,
            registration: None,
            authentication: Some(authentication),
        },
    )?;
    Ok((options, state))
}

/// Why an assertion was refused before or after its signature was checked.
pub(super) enum Refused {
    /// Not a credential (`API_ERROR`), unknown, another user's, or for another use: not
    /// counted (nothing was guessed).
    Field(Message),
    /// Checked and failed, or not evaluated (locked, rate limited).
    Failure(Failure),
}

/// What a verified assertion found.
pub(super) struct Verified {
    pub(super) user: User,
    pub(super) asserted: Asserted,
}

/// Check an assertion: the credential known, its owner's user handle, its usage allowed,
/// `owner` (verify: the signed-in user) its owner; then the signature, through the accounts
/// core's reservation; the new counter recorded once.
pub(super) async fn check_assertion(
    req: &FlowRequest,
    state: &WanState,
    credential: Option<String>,
    usages: &[WebAuthnUsage],
    owner: Option<&User>,
) -> Result<std::result::Result<Verified, Refused>> {
    let security = req.auth.security();
    let Some(authentication) = state.authentication.as_ref() else {
        return Ok(Err(Refused::Field(Msg::ApiError.into())));
    };
    let Some(credential) = credential.filter(|c| !c.is_empty()) else {
        return Ok(Err(Refused::Field(Msg::ApiError.into())));
    };
    let Ok(assertion) = Assertion::parse(&credential) else {
        return Ok(Err(Refused::Field(Msg::ApiError.into())));
    };
    let store = security.store();
    let Some(row) = store
        .webauthn_by_credential_id(assertion.credential_id())
        .await?
    else {
        return Ok(Err(Refused::Field(Msg::WebauthnUnknownCredentialId.into())));
    };
    let Some(user) = store.user_by_id(row.user_id).await? else {
        return Ok(Err(Refused::Field(Msg::WebauthnUnknownCredentialId.into())));
    };
    // The user handle (present for discoverable credentials, required when no user was named
    // beforehand) must be the owner's; on /wan-verify the owner must be who is signed in
    // (GHSA-f66q-9rf6-8795).
    // A ceremony started for a named user (a hint, or the signed-in user) accepts only that
    // user's credentials: the browser's choice is not trusted.
    let handle_ok = match assertion.user_handle() {
        Some(h) => user.fs_webauthn_user_handle.as_deref().map(str::as_bytes) == Some(h),
        None => state.user.is_some(),
    };
    let named_ok = state
        .user
        .as_deref()
        .is_none_or(|u| u == user.fs_uniquifier);
    if !handle_ok || !named_ok || owner.is_some_and(|o| o.id != user.id) {
        return Ok(Err(Refused::Field(Msg::WebauthnMismatchUserHandle.into())));
    }
    if !usages.contains(&row.usage) {
        return Ok(Err(Refused::Field(
            Msg::WebauthnCredentialWrongUsage.into(),
        )));
    }
    let rp = relying_party(req).map_err(|e| Error::Task(e.to_string()))?;
    let address = req.auth.limit_address()?;
    let checked = accounts::attempt(
        security,
        Attempt::on(&user, address, "passkey"),
        async || {
            let asserted = match rp.finish_authentication(&assertion, authentication, &row) {
                Ok(a) => a,
                Err(WanError::PossibleClone) => {
                    security.emit(Event::WebAuthnCloneSuspected {
                        user_id: user.id,
                        name: row.name.clone(),
                    });
                    return Ok(Verdict::Fail(Failure::PasskeyCloned));
                }
                Err(WanError::Stored(e)) => return Err(Error::Task(e)),
                Err(_) => {
                    security.emit(Event::FailedAuthentication {
                        user_id: user.id,
                        auth_type: "passkey".into(),
                    });
                    return Ok(Verdict::Fail(Failure::PasskeyNotVerified));
                }
            };
            let used = WebAuthnUse {
                sign_count: asserted.sign_count,
                backup_state: asserted.backup_state,
                device_type: if asserted.backup_eligible {
                    "multi_device".into()
                } else {
                    "single_device".into()
                },
                at: security.clock().now(),
            };
            // Recorded against the counter it was checked with: of two concurrent uses of one
            // assertion, one is recorded and the other refused as a replay.
            if !store
                .record_webauthn_use(row.id, row.sign_count, &used)
                .await?
            {
                return Ok(Verdict::Fail(Failure::PasskeyCloned));
            }
            Ok(Verdict::Pass(asserted))
        },
    )
    .await?;
    match checked {
        Ok(asserted) => Ok(Ok(Verified { user, asserted })),
        Err(failure) => Ok(Err(Refused::Failure(failure))),
    }
}

/// The user's credentials usable for `usages`.
pub(super) async fn credentials_for(
    security: &Security,
    user: &User,
    usages: &[WebAuthnUsage],
) -> Result<Vec<WebAuthn>> {
    Ok(security
        .store()
        .webauthn_of_user(user.id)
        .await?
        .into_iter()
        .filter(|w| usages.contains(&w.usage))
        .collect())
}

/// Whether deleting `doomed` would leave the user no way to sign in: no password, no unified
/// sign-in code method, and no other passkey.
pub(super) fn is_last_way_in(user: &User, all: &[WebAuthn], doomed: &WebAuthn) -> bool {
    let other_passkeys = all
        .iter()
        .any(|w| w.id != doomed.id && w.usage == WebAuthnUsage::First);
    let us_codes = user.us_totp_secrets.as_deref().is_some_and(|s| s.len() > 2);
    doomed.usage == WebAuthnUsage::First && user.password.is_none() && !other_passkeys && !us_codes
}

/// The usages `/wan-verify` accepts.
pub(super) fn verify_usages(security: &Security) -> Vec<WebAuthnUsage> {
    security
        .config()
        .wan_allow_as_verify
        .iter()
        .filter_map(|u| WebAuthnUsage::parse(u))
        .collect()
}
