//! Internal errors. Each maps to a generic message for the client and is logged in full.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use portcullis_core::StoreError;
use portcullis_core::crypto::CryptoError;

use crate::messages::Msg;
use crate::respond;

/// Something went wrong that is not the client's fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The datastore failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// A blocking task died.
    #[error("background task failed: {0}")]
    Task(String),
    /// Template rendering failed.
    #[error("template error: {0}")]
    Template(String),
    /// A credential was tried on an app served without connection info, so the per-address
    /// limit could not count it.
    #[error(
        "the client address is unknown: serve the app with portcullis::serve (or \
         into_make_service_with_connect_info::<SocketAddr>()), or state \
         SecurityBuilder::client_addresses(ClientAddresses::Untracked)"
    )]
    ClientAddressUnknown,
    /// A reply body could not be serialised (a programming error).
    #[error("reply body: {0}")]
    Reply(String),
    /// A mail a code-send endpoint promised could not be sent (already logged).
    #[error("mail could not be sent")]
    Mail,
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, message) = match &self {
            Error::Store(StoreError::Unavailable(_)) => {
                (StatusCode::SERVICE_UNAVAILABLE, Msg::ServiceUnavailable)
            }
            Error::Mail => (StatusCode::INTERNAL_SERVER_ERROR, Msg::MailFailed),
            _ => (StatusCode::INTERNAL_SERVER_ERROR, Msg::InternalError),
        };
        tracing::error!(error = %self, "request failed");
        respond::errors(status, &[message.into()])
    }
}

/// Result alias for handlers.
pub type Result<T, E = Error> = std::result::Result<T, E>;
