//! WebAuthn (passkeys and security keys), Flask-Security's `/wan-*` endpoints:
//! `GET/POST /wan-register`, `POST /wan-register/<state>`, `GET/POST /wan-signin`,
//! `POST /wan-signin/<state>`, `GET/POST /wan-delete`, `GET/POST /wan-verify`,
//! `POST /wan-verify/<state>`. Ceremonies on `portcullis_core::webauthn`; credentials in
//! Flask-Security's `web_authn` table.

mod handler;
mod service;
mod view;

pub(super) use handler::{
    delete, delete_page, register, register_page, register_response, rename, signin, signin_page,
    signin_response, verify, verify_page, verify_response,
};

/// Whether `/wan-verify` can re-authenticate this user (the `has_webauthn_verify_credential` of
/// `/verify` and `/us-verify`).
pub(crate) async fn has_verify_credential(
    security: &crate::Security,
    user: &portcullis_core::User,
) -> crate::error::Result<bool> {
    let c = security.config();
    if !c.webauthn || c.freshness.as_secs() < 0 {
        return Ok(false);
    }
    let usages = service::verify_usages(security);
    Ok(!service::credentials_for(security, user, &usages)
        .await?
        .is_empty())
}
