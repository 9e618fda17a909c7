//! WebAuthn (passkeys and security keys), Flask-Security's `/wan-*` endpoints:
//! `GET/POST /wan-register`, `POST /wan-register/<state>`, `GET/POST /wan-signin`,
//! `POST /wan-signin/<state>`, `GET/POST /wan-delete`, `GET/POST /wan-verify`,
//! `POST /wan-verify/<state>`. Ceremonies on `portcullis_core::webauthn`; credentials in
//! Flask-Security's `web_authn` table.

mod handler;
mod service;
mod view;

pub(super) use handler::{
    delete, delete_page, register, register_page, register_response, signin, signin_page,
    signin_response, verify, verify_page, verify_response,
};
