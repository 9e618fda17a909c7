//! One folder per flow: `handler.rs` (HTTP glue), `form.rs` (parse and validate input),
//! `service.rs` (the logic: store, hashing, clock, events — never names axum), `view.rs` (what is
//! shown). JSON bodies are typed (`wire.rs`, one type per shape). Outcomes are rendered by one
//! [`reply::Reply`] type as the JSON envelope, an HTML page or a redirect, decided in one place.

mod account;
mod change;
mod change_email;
mod check;
mod confirm;
mod guard;
mod login;
mod logout;
mod notify;
mod pace;
mod register;
mod reply;
mod request;
mod reset;
pub(crate) mod two_factor;
mod unified;
mod username;
mod verify;
pub(crate) mod webauthn;
pub(crate) mod wire;

use axum::Router;
use axum::routing::{MethodRouter, get, post};

use crate::openapi::{Api, Body, Op};

use crate::Security;

/// Largest request body a flow accepts.
const MAX_BODY: usize = 64 * 1024;

/// The routes of the enabled flows and their description, built together (a route is mounted
/// and described by the same call).
pub(crate) struct Mount {
    router: Router<Security>,
    pub(crate) api: Api,
}

impl Mount {
    fn route(mut self, path: &str, methods: MethodRouter<Security>, ops: &[Op]) -> Self {
        self.router = self.router.route(path, methods);
        self.api.add(path, ops);
        self
    }
}

/// Build the router of every enabled flow. Disabled flows are not mounted.
pub(crate) fn router<S: Clone + Send + Sync + 'static>(security: Security) -> Router<S> {
    // Bodies are read by `FlowRequest`, which enforces MAX_BODY itself: no body-limit layer
    // (each layer is one more boxed service cloned on every request).
    mount(&security).router.with_state(security)
}

fn body<T: utoipa::ToSchema>() -> Option<Body> {
    Some(Body::of::<T>())
}

/// Every enabled flow's routes, each with its operations.
pub(crate) fn mount(security: &Security) -> Mount {
    use requests::*;
    use wire::*;
    let c = security.config().clone();
    let mut m = Mount {
        router: Router::new(),
        api: Api::default(),
    };
    // The pages' stylesheet: a static asset, not part of the API description.
    m.router = m.router.route(
        &format!(
            "{}/portcullis.css",
            c.static_folder_url.trim_end_matches('/')
        ),
        get(crate::view::stylesheet),
    );
    m.router = m.router.route(
        &format!("{}/webauthn.js", c.static_folder_url.trim_end_matches('/')),
        get(crate::view::webauthn_script),
    );
    m = m.route(
        "/auth/check",
        get(check::check),
        &[Op::get(
            "Who is signed in, for a forward-auth proxy (200, 401 or 403)",
            body::<AuthCheck<'static>>(),
        )
        .query(&[
            "roles_required",
            "roles_accepted",
            "permissions_required",
            "permissions_accepted",
        ])],
    );
    let us_signin_ops = [
        Op::get(
            "Unified sign-in: the methods and identity attributes",
            body::<UsSigninInfo>(),
        ),
        Op::post(
            "Unified sign-in with a password or a one-time code",
            body::<UsSigninRequest>(),
            body::<SignedIn>(),
        )
        .query(&["include_auth_token", "next"]),
    ];
    if c.unified_signin && c.us_signin_replaces_login {
        m = m.route(
            &c.login_url,
            get(unified::signin_page).post(unified::signin),
            &us_signin_ops,
        );
    } else {
        m = m.route(
            &c.login_url,
            get(login::get).post(login::post),
            &[
                Op::get(
                    "The sign-in form: identity attributes (and the user when signed in)",
                    body::<LoginInfo>(),
                ),
                Op::post(
                    "Sign in with a password",
                    body::<LoginRequest>(),
                    body::<SignedIn>(),
                )
                .query(&["include_auth_token", "next"]),
            ],
        );
    }
    if c.unified_signin {
        m = m
            .route(
                &c.us_signin_url,
                get(unified::signin_page).post(unified::signin),
                &us_signin_ops,
            )
            .route(
                &c.us_signin_send_code_url,
                post(unified::send_code),
                &[Op::post(
                    "Send a sign-in code",
                    body::<UsSendCodeRequest>(),
                    body::<Empty>(),
                )],
            )
            .route(
                &c.us_verify_link_url,
                get(unified::verify_link),
                &[
                    Op::get("The magic link of a mailed code", body::<SignedIn>())
                        .query(&["id", "code"]),
                ],
            )
            .route(
                &c.us_setup_url,
                get(unified::setup_page).post(unified::setup),
                &[
                    Op::get("Sign-in methods of the user", body::<UsSetupInfo>()),
                    Op::post(
                        "Add or remove a sign-in method",
                        body::<UsSetupRequest>(),
                        body::<UsSetupStarted>(),
                    ),
                ],
            )
            .route(
                &format!("{}/{{state}}", c.us_setup_url),
                post(unified::setup_validate),
                &[Op::post(
                    "Confirm a new sign-in method with a code",
                    body::<PasscodeRequest>(),
                    body::<UsSetupDone>(),
                )],
            );
        if c.freshness.as_secs() >= 0 {
            m = m
                .route(
                    &c.us_verify_url,
                    get(unified::verify_page).post(unified::verify),
                    &[
                        Op::get("Re-authentication methods", body::<UsVerifyInfo>()),
                        Op::post(
                            "Re-authenticate with a password or a code",
                            body::<PasscodeRequest>(),
                            body::<WithUser>(),
                        ),
                    ],
                )
                .route(
                    &c.us_verify_send_code_url,
                    post(unified::verify_send_code),
                    &[Op::post(
                        "Send a re-authentication code",
                        body::<UsVerifySendCodeRequest>(),
                        body::<Empty>(),
                    )],
                );
        }
    }
    let logout_get = c.logout_methods.iter().any(|m| m == "GET");
    let logout_post = c.logout_methods.iter().any(|m| m == "POST");
    let logout_doc = |method_get: bool| {
        if method_get {
            Op::get("Sign out", body::<Empty>())
        } else {
            Op::post("Sign out", None, body::<Empty>())
        }
    };
    match (logout_get, logout_post) {
        (true, true) => {
            m = m.route(
                &c.logout_url,
                get(logout::logout).post(logout::logout),
                &[logout_doc(true), logout_doc(false)],
            );
        }
        (true, false) => m = m.route(&c.logout_url, get(logout::logout), &[logout_doc(true)]),
        (false, true) => m = m.route(&c.logout_url, post(logout::logout), &[logout_doc(false)]),
        (false, false) => {}
    }
    m = m.route(
        &c.account_url,
        get(account::get),
        &[Op::get(
            "The signed-in user's account page",
            body::<AccountInfo>(),
        )],
    );
    if c.freshness.as_secs() >= 0 {
        m = m.route(
            &c.verify_url,
            get(verify::get).post(verify::post),
            &[
                Op::get("The re-authentication form", body::<VerifyInfo>()),
                Op::post(
                    "Re-authenticate with the password",
                    body::<VerifyRequest>(),
                    body::<WithUser>(),
                ),
            ],
        );
    }
    if c.registerable {
        m = m.route(
            &c.register_url,
            get(register::get).post(register::post),
            &[
                Op::get("The registration form", body::<Empty>()),
                Op::post("Register", body::<RegisterRequest>(), body::<SignedIn>())
                    .query(&["include_auth_token", "next"]),
            ],
        );
    }
    if c.changeable {
        m = m.route(
            &c.change_url,
            get(change::get).post(change::post),
            &[
                Op::get("The change-password form", body::<ChangeInfo>()),
                Op::post(
                    "Change the password",
                    body::<ChangeRequest>(),
                    body::<WithUser>(),
                ),
            ],
        );
    }
    if c.confirmable {
        m = m
            .route(
                &c.confirm_url,
                get(confirm::get).post(confirm::post),
                &[
                    Op::get("The resend-confirmation form", body::<Empty>()),
                    Op::post(
                        "Send the confirmation link again",
                        body::<EmailRequest>(),
                        body::<Empty>(),
                    ),
                ],
            )
            .route(
                &format!("{}/{{token}}", c.confirm_url),
                get(confirm::link).post(confirm::link),
                &[
                    Op::get("The mailed confirmation link", body::<Empty>()),
                    Op::post("The mailed confirmation link", None, body::<Empty>()),
                ],
            );
    }
    if c.change_email {
        m = m
            .route(
                &c.change_email_url,
                get(change_email::get).post(change_email::post),
                &[
                    Op::get("The change-email form", body::<ChangeEmailInfo>()),
                    Op::post(
                        "Mail a link to the new address",
                        body::<EmailRequest>(),
                        body::<ChangeEmailInfo>(),
                    ),
                ],
            )
            .route(
                &format!("{}/{{token}}", c.change_email_url),
                get(change_email::link),
                &[Op::get("The mailed change-email link", body::<Empty>())],
            );
    }
    if c.username_recovery {
        m = m.route(
            &c.username_recovery_url,
            get(username::recover_page).post(username::recover),
            &[
                Op::get("The username-reminder form", body::<Empty>()),
                Op::post("Mail the username", body::<EmailRequest>(), body::<Empty>()),
            ],
        );
    }
    if c.change_username {
        m = m.route(
            &c.change_username_url,
            get(username::change_page).post(username::change),
            &[
                Op::get("The change-username form", body::<ChangeUsernameInfo>()),
                Op::post(
                    "Change the username",
                    body::<UsernameRequest>(),
                    body::<WithUser>(),
                ),
            ],
        );
    }
    if c.two_factor {
        m = m
            .route(
                &c.two_factor_setup_url,
                get(two_factor::setup_page).post(two_factor::setup),
                &[
                    Op::get("Two-factor methods", body::<TfSetupInfo>()),
                    Op::post(
                        "Set up (or disable) a second factor",
                        body::<TfSetupRequest>(),
                        body::<TfSetupStarted>(),
                    ),
                ],
            )
            .route(
                &format!("{}/{{token}}", c.two_factor_setup_url),
                post(two_factor::setup_token),
                &[Op::post(
                    "Finish a change of method without a session",
                    body::<CodeRequest>(),
                    body::<TfMethodAdopted>(),
                )],
            )
            .route(
                &c.two_factor_token_validation_url,
                get(two_factor::validate_page).post(two_factor::validate),
                &[
                    Op::get("The second step of a sign-in", body::<TfRescueInfo>()),
                    Op::post(
                        "Send the second factor's code",
                        body::<CodeRequest>(),
                        body::<WithUser>(),
                    ),
                ],
            )
            .route(
                &c.two_factor_select_url,
                get(two_factor::select_page).post(two_factor::select),
                &[
                    Op::get("The methods to choose from", body::<TfSelectInfo>()),
                    Op::post(
                        "Choose a method",
                        body::<TfSelectRequest>(),
                        body::<SecondFactorPending>(),
                    ),
                ],
            )
            .route(
                &c.two_factor_rescue_url,
                get(two_factor::rescue_page).post(two_factor::rescue),
                &[
                    Op::get(
                        "Ways back in without the second factor",
                        body::<TfRescueSent>(),
                    ),
                    Op::post(
                        "Ask for one",
                        body::<TfRescueRequest>(),
                        body::<TfRescueSent>(),
                    ),
                ],
            );
        if c.multi_factor_recovery_codes {
            m = m
                .route(
                    &c.multi_factor_recovery_codes_url,
                    get(two_factor::recovery_codes_page).post(two_factor::recovery_codes),
                    &[
                        Op::get(
                            "Recovery codes that can be shown again",
                            body::<RecoveryCodes>(),
                        ),
                        Op::post("Make new recovery codes", None, body::<RecoveryCodes>()),
                    ],
                )
                .route(
                    &c.multi_factor_recovery_url,
                    get(two_factor::recovery_page).post(two_factor::recovery),
                    &[
                        Op::get("The recovery-code form", body::<Empty>()),
                        Op::post(
                            "Sign in with a recovery code",
                            body::<CodeRequest>(),
                            body::<WithUser>(),
                        ),
                    ],
                );
        }
    }
    if c.webauthn {
        let started = || body::<WanStarted>();
        m = m
            .route(
                &c.wan_register_url,
                get(webauthn::register_page).post(webauthn::register),
                &[
                    Op::get(
                        "The user's passkeys and security keys",
                        body::<WanRegisterInfo>(),
                    ),
                    Op::post(
                        "Start registering a passkey or security key",
                        body::<WanRegisterRequest>(),
                        started(),
                    ),
                ],
            )
            .route(
                &format!("{}/{{state}}", c.wan_register_url),
                post(webauthn::register_response),
                &[Op::post(
                    "Finish a registration with the browser's credential",
                    body::<WanCredentialRequest>(),
                    body::<Empty>(),
                )],
            )
            .route(
                &c.wan_signin_url,
                get(webauthn::signin_page).post(webauthn::signin),
                &[
                    Op::get("Passkey sign-in", body::<WanSigninInfo>()),
                    Op::post(
                        "Start a passkey sign-in (identity: a hint)",
                        body::<WanSigninRequest>(),
                        body::<WanSigninStarted>(),
                    ),
                ],
            )
            .route(
                &format!("{}/{{state}}", c.wan_signin_url),
                post(webauthn::signin_response),
                &[Op::post(
                    "Finish a passkey sign-in",
                    body::<WanCredentialRequest>(),
                    body::<WanSignedIn>(),
                )
                .query(&["include_auth_token", "next"])],
            )
            .route(
                &c.wan_delete_url,
                get(webauthn::delete_page).post(webauthn::delete),
                &[
                    Op::get(
                        "The user's passkeys and security keys",
                        body::<WanRegisterInfo>(),
                    ),
                    Op::post(
                        "Delete a passkey by name",
                        body::<WanDeleteRequest>(),
                        body::<Empty>(),
                    ),
                ],
            )
            .route(
                &c.wan_rename_url,
                post(webauthn::rename),
                &[Op::post(
                    "Rename a passkey",
                    body::<WanRenameRequest>(),
                    body::<Empty>(),
                )],
            );
        if c.freshness.as_secs() >= 0 && !c.wan_allow_as_verify.is_empty() {
            m = m
                .route(
                    &c.wan_verify_url,
                    get(webauthn::verify_page).post(webauthn::verify),
                    &[
                        Op::get("Re-authenticate with a passkey", body::<Empty>()),
                        Op::post("Start re-authenticating", body::<Empty>(), started()),
                    ],
                )
                .route(
                    &format!("{}/{{state}}", c.wan_verify_url),
                    post(webauthn::verify_response),
                    &[Op::post(
                        "Finish re-authenticating",
                        body::<WanCredentialRequest>(),
                        body::<WithUser>(),
                    )],
                );
        }
    }
    if c.recoverable {
        m = m
            .route(
                &c.reset_url,
                get(reset::forgot_page).post(reset::forgot),
                &[
                    Op::get("The forgot-password form", body::<Empty>()),
                    Op::post("Mail a reset link", body::<EmailRequest>(), body::<Empty>()),
                ],
            )
            .route(
                &format!("{}/{{token}}", c.reset_url),
                get(reset::link).post(reset::link),
                &[
                    Op::get("The mailed reset link", body::<Empty>()),
                    Op::post(
                        "Set a new password",
                        body::<ResetRequest>(),
                        body::<Empty>(),
                    ),
                ],
            );
    }
    m
}
