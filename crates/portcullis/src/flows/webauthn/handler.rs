//! HTTP glue for `/wan-register`, `/wan-register/<state>`, `/wan-signin`,
//! `/wan-signin/<state>`, `/wan-delete`, `/wan-verify` and `/wan-verify/<state>`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::events::Event;
use portcullis_core::messages::Message;
use portcullis_core::model::WebAuthnUsage;

use super::service::{self, Ceremony, Refused};
use super::view;
use crate::Security;
use crate::accounts::{self, Failure};
use crate::flows::guard;
use crate::flows::reply::{Reply, finish, flash, login_user, reauthenticated, user_payload};
use crate::flows::request::FlowRequest;
use crate::flows::two_factor::{self, Entered};
use crate::flows::wire::{
    Empty, WanRegisterInfo, WanSignedIn, WanSigninInfo, WanSigninStarted, WanStarted, WithUser,
};
use crate::form::FieldErrors;
use crate::messages::Msg;
use crate::respond;

fn errors_on(field: &str, message: impl Into<Message>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    errors.add(field, message);
    errors
}

async fn register_info(security: &Security, user_id: i64) -> crate::error::Result<WanRegisterInfo> {
    let creds = security.store().webauthn_of_user(user_id).await?;
    Ok(view::register_info(&creds))
}

/// `GET /wan-register`: the user's credentials.
pub(in crate::flows) async fn register_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let identity = guard::require_fresh_user(&req).await?;
        let info = register_info(&security, identity.user.id).await?;
        Ok(Reply::Show {
            page: view::register(&req, &info),
            json: (&info).into(),
        })
    };
    finish(&req, shown.await)
}

/// `POST /wan-register {name, usage}`: start a registration.
pub(in crate::flows) async fn register(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let handled = async {
        let identity = guard::require_fresh_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let mut errors = FieldErrors::new();
        let name = req.string("name", &mut errors);
        let usage = req.string("usage", &mut errors);
        match service::start_registration(&req, &identity.user, name, usage, errors).await? {
            Ok((credential_options, wan_state)) => {
                let body = WanStarted {
                    credential_options,
                    wan_state,
                };
                Ok(Reply::Accepted {
                    page: view::register_ceremony(&req, &body),
                    json: (&body).into(),
                })
            }
            Err(errors) => {
                let info = register_info(&security, identity.user.id).await?;
                Ok(Reply::Invalid {
                    errors,
                    page: view::register(&req, &info),
                })
            }
        }
    };
    finish(&req, handled.await)
}

/// `POST /wan-register/<state> {credential}`: finish a registration.
pub(in crate::flows) async fn register_response(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    let handled = async {
        let identity = guard::require_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let c = security.config();
        let invalid = |errors: FieldErrors, info: WanRegisterInfo| Reply::Invalid {
            errors,
            page: view::register(&req, &info),
        };
        let state = match service::take_state(&security, &token, Ceremony::Register).await? {
            Ok(s) => s,
            Err(problem) => {
                let m = service::state_message(&security, &problem, Ceremony::Register);
                let info = register_info(&security, identity.user.id).await?;
                return Ok(invalid(errors_on("", m), info));
            }
        };
        let mut errors = FieldErrors::new();
        let credential = req.string("credential", &mut errors);
        match service::finish_registration(&req, &identity.user, state, credential).await? {
            Ok(added) => {
                flash(
                    &req,
                    Message::new(Msg::WebauthnRegisterSuccessful).arg("name", added.name),
                );
                // The first key of a user without recovery codes: offer them now, so that a
                // lost key does not lock the account.
                let first = security
                    .store()
                    .webauthn_of_user(identity.user.id)
                    .await
                    .map_err(crate::error::Error::from)?
                    .len()
                    == 1;
                let no_codes = identity
                    .user
                    .mf_recovery_codes
                    .as_deref()
                    .is_none_or(str::is_empty);
                let offer_codes =
                    first && no_codes && c.two_factor && c.multi_factor_recovery_codes;
                Ok(Reply::Done {
                    json: (&Empty {}).into(),
                    csrf: true,
                    redirect: if offer_codes {
                        c.multi_factor_recovery_codes_url.clone()
                    } else {
                        c.wan_post_register_view
                            .clone()
                            .unwrap_or_else(|| c.wan_register_url.clone())
                    },
                })
            }
            Err((field, message)) => {
                let info = register_info(&security, identity.user.id).await?;
                Ok(invalid(errors_on(field, message), info))
            }
        }
    };
    finish(&req, handled.await)
}

/// `GET /wan-signin`.
pub(in crate::flows) async fn signin_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        let is_secondary = secondary_pending(&req).await?.is_some();
        if !is_secondary && !security.config().wan_allow_as_first_factor {
            return Ok(Reply::Response(StatusCode::NOT_FOUND.into_response()));
        }
        let info = WanSigninInfo { is_secondary };
        Ok(Reply::Show {
            page: view::signin(&req, is_secondary),
            json: (&info).into(),
        })
    };
    finish(&req, shown.await)
}

/// `POST /wan-signin {identity?, remember?}`: start a passkey sign-in.
pub(in crate::flows) async fn signin(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let c = security.config();
    let handled = async {
        if let Some((user, st)) = secondary_pending(&req).await? {
            // The second factor of a pending sign-in: the user's security keys.
            step_csrf(&req)?;
            let allowed =
                service::credentials_for(&security, &user, &[WebAuthnUsage::Secondary]).await?;
            let (credential_options, wan_state) = service::start_assertion(
                &req,
                Ceremony::Signin,
                Some(&user),
                &allowed,
                st.remember,
                true,
            )?;
            let body = WanSigninStarted {
                credential_options,
                wan_state,
                remember: st.remember,
                is_secondary: true,
            };
            return Ok(Reply::Accepted {
                page: view::signin_ceremony(&req, &body),
                json: (&body).into(),
            });
        }
        if !c.wan_allow_as_first_factor {
            return Ok(Reply::Response(StatusCode::NOT_FOUND.into_response()));
        }
        guard::unauth_csrf(&req)?;
        guard::anonymous_required(&req)?;
        let mut errors = FieldErrors::new();
        let identity = req.string("identity", &mut errors);
        let remember = req.boolean("remember").unwrap_or(c.default_remember_me);
        // A hint only: an unknown or disabled identity is ignored (no discovery of accounts).
        let mut allowed = Vec::new();
        let mut hinted = None;
        if c.wan_allow_user_hints
            && let Some(identity) = identity.as_deref().filter(|i| !i.trim().is_empty())
            && let Some(user) = accounts::lookup_identity(&security, identity).await?
            && user.active
        {
            allowed = service::credentials_for(&security, &user, &[WebAuthnUsage::First]).await?;
            if !allowed.is_empty() {
                hinted = Some(user);
            }
        }
        let (credential_options, wan_state) = service::start_assertion(
            &req,
            Ceremony::Signin,
            hinted.as_ref(),
            &allowed,
            remember,
            false,
        )?;
        let body = WanSigninStarted {
            credential_options,
            wan_state,
            remember,
            is_secondary: false,
        };
        Ok(Reply::Accepted {
            page: view::signin_ceremony(&req, &body),
            json: (&body).into(),
        })
    };
    finish(&req, handled.await)
}

/// A sign-in waiting for a security key, if this request carries one.
async fn secondary_pending(
    req: &FlowRequest,
) -> Result<
    Option<(
        Box<portcullis_core::User>,
        portcullis_core::model::TwoFactorState,
    )>,
    Reply,
> {
    if req.auth.identity_cheap().is_some() {
        return Ok(None);
    }
    Ok(two_factor::pending_sign_in(req)
        .await?
        .filter(|(_, st)| st.webauthn))
}

/// CSRF for the steps of a pending sign-in: none when it is named by a `tf_state_token` (no
/// cookie, nothing ambient to forge).
fn step_csrf(req: &FlowRequest) -> Result<(), Reply> {
    if req.text("tf_state_token").is_some() {
        return Ok(());
    }
    guard::unauth_csrf(req).map_err(Reply::Response)
}

/// A refused assertion as field errors on `credential` (generic when so configured), or the
/// 429 of a rate-limited client.
fn refused(security: &Security, req: &FlowRequest, refusal: Refused) -> Result<FieldErrors, Reply> {
    Ok(match refusal {
        Refused::Field(m) => errors_on("credential", m),
        Refused::Failure(Failure::RateLimited { retry_after }) => {
            return Err(Reply::Response(respond::too_many_requests(
                &req.headers,
                retry_after,
            )));
        }
        Refused::Failure(f) => {
            let field = f.field(security, "credential", "credential");
            errors_on(field, f.shown(security))
        }
    })
}

/// `POST /wan-signin/<state> {credential, remember?}`: finish a passkey sign-in.
pub(in crate::flows) async fn signin_response(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    let c = security.config();
    let handled = async {
        let pending = secondary_pending(&req).await?;
        if pending.is_none() && !c.wan_allow_as_first_factor {
            return Ok(Reply::Response(StatusCode::NOT_FOUND.into_response()));
        }
        let is_secondary = pending.is_some();
        if is_secondary {
            step_csrf(&req)?;
        } else {
            guard::unauth_csrf(&req)?;
            guard::anonymous_required(&req)?;
        }
        let state = match service::take_state(&security, &token, Ceremony::Signin).await? {
            Ok(s) => s,
            Err(problem) => {
                let m = service::state_message(&security, &problem, Ceremony::Signin);
                return Ok(Reply::Invalid {
                    errors: errors_on("", m),
                    page: view::signin(&req, is_secondary),
                });
            }
        };
        if let Some((user, st)) = pending {
            // A security key after the first factor: this pending user's, for that use.
            if !state.secondary || state.user.as_deref() != Some(user.fs_uniquifier.as_str()) {
                return Ok(Reply::Invalid {
                    errors: errors_on("", Msg::ApiError),
                    page: view::signin(&req, true),
                });
            }
            let mut errors = FieldErrors::new();
            let credential = req.string("credential", &mut errors);
            return match service::check_assertion(
                &req,
                &state,
                credential,
                &[WebAuthnUsage::Secondary],
                Some(&user),
            )
            .await?
            {
                Ok(_) => two_factor::complete_with_key(&req, &user, &st).await,
                Err(refusal) => Ok(Reply::Invalid {
                    errors: refused(&security, &req, refusal)?,
                    page: view::signin(&req, true),
                }),
            };
        }
        if state.secondary {
            return Ok(Reply::Invalid {
                errors: errors_on("", Msg::TwoFactorNoState),
                page: view::signin(&req, false),
            });
        }
        let mut errors = FieldErrors::new();
        let credential = req.string("credential", &mut errors);
        let remember = req.boolean("remember").unwrap_or(state.remember);
        let verified =
            match service::check_assertion(&req, &state, credential, &[WebAuthnUsage::First], None)
                .await?
            {
                Ok(v) => v,
                Err(refusal) => {
                    let errors = refused(&security, &req, refusal)?;
                    return Ok(Reply::Invalid {
                        errors,
                        page: view::signin(&req, false),
                    });
                }
            };
        let user = verified.user;
        if let Err(failure) = accounts::admit(&security, &user) {
            let field = failure.field(&security, "credential", "credential");
            return Ok(Reply::Invalid {
                errors: errors_on(field, failure.shown(&security)),
                page: view::signin(&req, false),
            });
        }
        // A passkey with user verification is two factors on its own; without, the second
        // factor follows (Flask-Security's mf_check).
        if !(verified.asserted.user_verified && c.wan_allow_as_multi_factor)
            && let Entered::Pending(pending, next) =
                two_factor::enter(&req, &user, remember, "passkey").await?
        {
            return Ok(Reply::Done {
                json: (&pending).into(),
                csrf: true,
                redirect: next,
            });
        }
        let fs_paa = login_user(&req, &user, remember, "passkey").await?;
        let post_login_url = req.safe_next().unwrap_or_else(|| c.post_login_view.clone());
        let body = WanSignedIn {
            user: user_payload(&req, &user, Some(fs_paa)),
            post_login_url: post_login_url.clone(),
            tf_required: false,
        };
        Ok(Reply::Done {
            json: (&body).into(),
            csrf: true,
            redirect: post_login_url,
        })
    };
    finish(&req, handled.await)
}

/// `GET /wan-delete`: the registration page (where the delete form is).
pub(in crate::flows) async fn delete_page(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    register_page(State(security), req).await
}

/// `POST /wan-delete {name}`: delete one of the user's credentials (never the last way in).
pub(in crate::flows) async fn delete(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let handled = async {
        let identity = guard::require_fresh_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let user = &identity.user;
        let mut errors = FieldErrors::new();
        let raw = req.string("name", &mut errors);
        let all = security
            .store()
            .webauthn_of_user(user.id)
            .await
            .map_err(crate::error::Error::from)?;
        let problem = match raw.as_deref().map(|n| service::clean_name(&security, n)) {
            None => Some(Message::from(Msg::WebauthnNameRequired)),
            Some(Err(m)) => Some(m),
            Some(Ok(name)) => match all.iter().find(|w| w.name == name) {
                None => Some(Message::new(Msg::WebauthnNameNotFound).arg("name", name)),
                Some(doomed) if service::is_last_way_in(user, &all, doomed) => {
                    Some(Msg::WebauthnLastCredential.into())
                }
                Some(doomed) => {
                    security
                        .store()
                        .delete_webauthn(user.id, doomed.id)
                        .await
                        .map_err(crate::error::Error::from)?;
                    security.emit(Event::WebAuthnDeleted {
                        user_id: user.id,
                        name: doomed.name.clone(),
                    });
                    flash(
                        &req,
                        Message::new(Msg::WebauthnCredentialDeleted).arg("name", name),
                    );
                    None
                }
            },
        };
        match problem {
            None => Ok(Reply::Done {
                json: (&Empty {}).into(),
                csrf: true,
                redirect: security.config().wan_register_url.clone(),
            }),
            Some(m) => {
                let info = register_info(&security, user.id).await?;
                Ok(Reply::Invalid {
                    errors: errors_on("name", m),
                    page: view::register(&req, &info),
                })
            }
        }
    };
    finish(&req, handled.await)
}

/// `GET /wan-verify`.
pub(in crate::flows) async fn verify_page(
    State(_security): State<Security>,
    req: FlowRequest,
) -> Response {
    let shown = async {
        guard::require_user(&req).await?;
        Ok(Reply::Show {
            json: (&Empty {}).into(),
            page: view::verify(&req),
        })
    };
    finish(&req, shown.await)
}

/// `POST /wan-verify`: start re-authenticating with one of the user's credentials.
pub(in crate::flows) async fn verify(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let handled = async {
        let identity = guard::require_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let usages = service::verify_usages(&security);
        let allowed = service::credentials_for(&security, &identity.user, &usages).await?;
        let (credential_options, wan_state) = service::start_assertion(
            &req,
            Ceremony::Verify,
            Some(&identity.user),
            &allowed,
            false,
            false,
        )?;
        let body = WanStarted {
            credential_options,
            wan_state,
        };
        Ok(Reply::Accepted {
            page: view::verify_ceremony(&req, &body),
            json: (&body).into(),
        })
    };
    finish(&req, handled.await)
}

/// `POST /wan-verify/<state> {credential}`: re-authenticated.
pub(in crate::flows) async fn verify_response(
    State(security): State<Security>,
    Path(token): Path<String>,
    req: FlowRequest,
) -> Response {
    let handled = async {
        let identity = guard::require_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let state = match service::take_state(&security, &token, Ceremony::Verify).await? {
            Ok(s) => s,
            Err(problem) => {
                let m = service::state_message(&security, &problem, Ceremony::Verify);
                return Ok(Reply::Invalid {
                    errors: errors_on("", m),
                    page: view::verify(&req),
                });
            }
        };
        if state.user.as_deref() != Some(identity.user.fs_uniquifier.as_str()) {
            return Ok(Reply::Invalid {
                errors: errors_on("", Msg::WebauthnMismatchUserHandle),
                page: view::verify(&req),
            });
        }
        let mut errors = FieldErrors::new();
        let credential = req.string("credential", &mut errors);
        let usages = service::verify_usages(&security);
        let verified =
            match service::check_assertion(&req, &state, credential, &usages, Some(&identity.user))
                .await?
            {
                Ok(v) => v,
                Err(Refused::Field(m)) if m.id() == Msg::WebauthnMismatchUserHandle => {
                    // Another user's credential: a form-level error, as Flask-Security 5.9.
                    return Ok(Reply::Invalid {
                        errors: errors_on("", m),
                        page: view::verify(&req),
                    });
                }
                Err(refusal) => {
                    let errors = refused(&security, &req, refusal)?;
                    return Ok(Reply::Invalid {
                        errors,
                        page: view::verify(&req),
                    });
                }
            };
        let fs_paa = reauthenticated(&req, &verified.user, identity.via);
        let c = security.config();
        Ok(Reply::Done {
            json: (&WithUser {
                user: user_payload(&req, &identity.user, Some(fs_paa)),
            })
                .into(),
            csrf: true,
            redirect: req.safe_next().unwrap_or_else(|| {
                c.post_verify_view
                    .clone()
                    .unwrap_or_else(|| c.post_login_view.clone())
            }),
        })
    };
    finish(&req, handled.await)
}

/// `POST /wan-rename {name, new_name}`: rename one of the user's credentials (ours; not in
/// Flask-Security).
pub(in crate::flows) async fn rename(
    State(security): State<Security>,
    req: FlowRequest,
) -> Response {
    let handled = async {
        let identity = guard::require_fresh_user(&req).await?;
        guard::authed_csrf(&req, identity.via)?;
        let user = &identity.user;
        let mut errors = FieldErrors::new();
        let current = req.string("name", &mut errors);
        let wanted = req.string("new_name", &mut errors);
        let all = security
            .store()
            .webauthn_of_user(user.id)
            .await
            .map_err(crate::error::Error::from)?;
        let target = match current
            .as_deref()
            .map(|n| service::clean_name(&security, n))
        {
            Some(Ok(n)) => all.iter().find(|w| w.name == n),
            _ => None,
        };
        let problem: Option<(&str, Message)> = match (target, wanted.as_deref()) {
            (None, _) => Some((
                "name",
                Message::new(Msg::WebauthnNameNotFound)
                    .arg("name", current.clone().unwrap_or_default()),
            )),
            (Some(_), None) => Some(("new_name", Msg::WebauthnNameRequired.into())),
            (Some(w), Some(raw)) => match service::clean_name(&security, raw) {
                Err(m) => Some(("new_name", m)),
                Ok(new_name) => {
                    match security
                        .store()
                        .rename_webauthn(user.id, w.id, &new_name)
                        .await
                    {
                        Ok(_) => {
                            flash(
                                &req,
                                Message::new(Msg::WebauthnRenamed).arg("name", new_name),
                            );
                            None
                        }
                        Err(portcullis_core::StoreError::Conflict("name")) => Some((
                            "new_name",
                            Message::new(Msg::WebauthnNameInuse).arg("name", new_name),
                        )),
                        Err(e) => return Err(crate::error::Error::from(e).into()),
                    }
                }
            },
        };
        match problem {
            None => Ok(Reply::Done {
                json: (&Empty {}).into(),
                csrf: true,
                redirect: security.config().wan_register_url.clone(),
            }),
            Some((field, m)) => {
                let info = register_info(&security, user.id).await?;
                Ok(Reply::Invalid {
                    errors: errors_on(field, m),
                    page: view::register(&req, &info),
                })
            }
        }
    };
    finish(&req, handled.await)
}
