//! WebAuthn ceremonies (passkeys and security keys) on webauthn-rs-core, in Flask-Security's
//! shapes: `credential_options` as the browser's `PublicKeyCredential*OptionsJSON`, credentials
//! arriving as the JSON text the browser produced, and stored as rows of Flask-Security's
//! `web_authn` table (raw credential id, COSE public key, counter, transports, backup state,
//! device type) with the user handle the UTF-8 bytes of `fs_webauthn_user_handle` — so that
//! credentials registered under Flask-Security keep working and the other way round.
//!
//! The webauthn-rs wrapper crate would want a UUID user handle and its own credential
//! serialisation; neither matches what Flask-Security stores, so this module uses the core
//! crate and upholds the wrapper's invariants itself: a fresh 32-byte challenge per ceremony,
//! the origin and RP id checked, the credential looked up by id before its signature is checked,
//! the user handle compared with the owner's, counters checked (a counter that does not advance
//! is the clone signal and refuses the assertion), and user verification required where the
//! ceremony asked for it.

use serde_json::{Map, Value};
use url::Url;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AttestationFormat, AuthenticatorAttachment,
    AuthenticatorTransport, COSEKey, Credential, CredentialID, ParsedAttestation,
    PublicKeyCredential, RegisterPublicKeyCredential, RegisteredExtensions,
    RequestRegistrationExtensions, UserVerificationPolicy,
};

use crate::model::{WebAuthn, WebAuthnUsage};

/// The ceremony states a `wan_state` carries between a ceremony's two requests.
pub use webauthn_rs_core::proto::{AuthenticationState, RegistrationState};

/// Why a ceremony failed. The variants are what the flows decide on; `cause` texts are for
/// Flask-Security's `WEBAUTHN_NO_VERIFY` message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WanError {
    /// The credential JSON is not a credential (Flask-Security: `API_ERROR`).
    #[error("the credential is not valid JSON of a WebAuthn credential")]
    Malformed,
    /// The signature, challenge, origin, RP id or flags did not verify (`WEBAUTHN_NO_VERIFY`).
    #[error("{0}")]
    NoVerify(String),
    /// User verification was required and not performed.
    #[error("user verification was required")]
    UserNotVerified,
    /// The counter did not advance: the authenticator may be cloned.
    #[error("the signature counter did not advance: possible cloned authenticator")]
    PossibleClone,
    /// The relying party could not be set up (bad RP id or origin).
    #[error("WebAuthn relying party: {0}")]
    Config(String),
    /// A stored credential cannot be read (its public key is not a COSE key).
    #[error("stored credential unreadable: {0}")]
    Stored(String),
}

fn cause(e: &WebauthnError) -> WanError {
    match e {
        WebauthnError::UserNotVerified => WanError::UserNotVerified,
        WebauthnError::CredentialPossibleCompromise => WanError::PossibleClone,
        WebauthnError::ParseNOMFailure
        | WebauthnError::ParseCBORFailure(_)
        | WebauthnError::ParseBase64Failure(_)
        | WebauthnError::ParseJSONFailure(_) => WanError::Malformed,
        other => WanError::NoVerify(other.to_string()),
    }
}

/// The relying party of one request: its id (the host, without port) and the origin the
/// browser must have used.
pub struct RelyingParty {
    core: WebauthnCore,
    rp_id: String,
}

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty")
            .field("rp_id", &self.rp_id)
            .finish_non_exhaustive()
    }
}

/// What a registration produced: the row to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    /// Raw credential id.
    pub credential_id: Vec<u8>,
    /// The COSE public key, as the authenticator encoded it.
    pub public_key: Vec<u8>,
    /// The counter at registration.
    pub sign_count: i64,
    /// Transport hints the browser reported.
    pub transports: Vec<String>,
    /// Backed up now.
    pub backup_state: bool,
    /// `multi_device` when backup eligible, else `single_device`.
    pub device_type: String,
    /// Whether the user was verified (PIN, biometrics).
    pub user_verified: bool,
    /// Whether the authenticator says the credential is discoverable (`credProps.rk`), when it
    /// says.
    pub discoverable: Option<bool>,
    /// The client extension results as the browser sent them (JSON text).
    pub extensions: Option<String>,
}

/// What an assertion proved, for the caller to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asserted {
    /// The user was verified: the assertion counts as two factors.
    pub user_verified: bool,
    /// The new counter.
    pub sign_count: i64,
    /// Backed up now.
    pub backup_state: bool,
    /// Backup eligible now.
    pub backup_eligible: bool,
}

/// A credential as the browser sent it, parsed enough to look it up before verifying it.
pub struct Assertion {
    credential: PublicKeyCredential,
}

impl std::fmt::Debug for Assertion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Assertion").finish_non_exhaustive()
    }
}

impl Assertion {
    /// Parse `navigator.credentials.get()`'s result as JSON text (`toJSON()`, or
    /// Flask-Security's script's shape with `extensions` as a JSON string).
    pub fn parse(json: &str) -> Result<Self, WanError> {
        let value = normalised(json)?;
        let credential: PublicKeyCredential = serde_json::from_value(value.0).map_err(|e| {
            tracing::warn!(error = %e, "an assertion could not be read");
            WanError::Malformed
        })?;
        Ok(Self { credential })
    }

    /// The raw credential id the browser used.
    pub fn credential_id(&self) -> &[u8] {
        self.credential.raw_id.as_slice()
    }

    /// The user handle the authenticator returned, if it did (discoverable credentials do).
    pub fn user_handle(&self) -> Option<&[u8]> {
        self.credential.response.user_handle.as_deref()
    }
}

/// The JSON value of a credential with `extensions` as an object, and the extension text as
/// the browser sent it. Flask-Security's script sends `extensions` as a JSON string; `toJSON()`
/// sends `clientExtensionResults` as an object.
fn normalised(json: &str) -> Result<(Value, Option<String>), WanError> {
    let mut value: Value = serde_json::from_str(json).map_err(|_| WanError::Malformed)?;
    let object = value.as_object_mut().ok_or(WanError::Malformed)?;
    // One of the two names only (webauthn-rs reads `clientExtensionResults` as an alias).
    let results = object.remove("clientExtensionResults");
    let text = match object.remove("extensions") {
        Some(Value::String(s)) => Some(s),
        Some(Value::Null) | None => results
            .filter(|v| v.as_object().is_some_and(|m| !m.is_empty()))
            .map(|v| v.to_string()),
        Some(other) => Some(other.to_string()),
    };
    let parsed = text
        .as_deref()
        .and_then(|t| serde_json::from_str::<Value>(t).ok())
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Map::new()));
    object.insert("extensions".into(), parsed);
    Ok((value, text))
}

/// Drop `null` members: the browser's `parse*OptionsFromJSON` rejects them.
fn without_nulls(value: Value) -> Value {
    match value {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// A stored row as webauthn-rs-core's credential. Flask-Security keeps no registration policy
/// or UV flag, so none is enforced from history: each ceremony says what it requires.
fn credential_of(row: &WebAuthn) -> Result<Credential, WanError> {
    let value: serde_cbor_2::Value = serde_cbor_2::from_slice(&row.public_key)
        .map_err(|e| WanError::Stored(format!("public key is not CBOR: {e}")))?;
    let key = COSEKey::try_from(&value)
        .map_err(|e| WanError::Stored(format!("public key is not a COSE key: {e:?}")))?;
    Ok(Credential {
        cred_id: CredentialID::from(row.credential_id.clone()),
        cred: key,
        counter: u32::try_from(row.sign_count.max(0)).unwrap_or(u32::MAX),
        transports: None,
        user_verified: false,
        backup_eligible: row.device_type == "multi_device",
        backup_state: row.backup_state,
        registration_policy: UserVerificationPolicy::Discouraged_DO_NOT_USE,
        extensions: RegisteredExtensions::none(),
        attestation: ParsedAttestation::default(),
        attestation_format: AttestationFormat::None,
    })
}

/// The credential public key exactly as the authenticator encoded it, from the attestation
/// object (Flask-Security stores these bytes; py_webauthn reads them back).
fn cose_key_bytes(
    attestation_object: &[u8],
    credential_id_len: usize,
) -> Result<Vec<u8>, WanError> {
    let object: serde_cbor_2::Value =
        serde_cbor_2::from_slice(attestation_object).map_err(|_| WanError::Malformed)?;
    let serde_cbor_2::Value::Map(map) = object else {
        return Err(WanError::Malformed);
    };
    let auth_data = map
        .iter()
        .find_map(|(k, v)| match (k, v) {
            (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Bytes(b)) if k == "authData" => {
                Some(b)
            }
            _ => None,
        })
        .ok_or(WanError::Malformed)?;
    // rpIdHash (32) flags (1) signCount (4) aaguid (16) credentialIdLength (2) credentialId.
    let start = 32 + 1 + 4 + 16 + 2 + credential_id_len;
    let rest = auth_data.get(start..).ok_or(WanError::Malformed)?;
    let mut de = serde_cbor_2::Deserializer::from_slice(rest);
    let _: serde_cbor_2::Value =
        serde::Deserialize::deserialize(&mut de).map_err(|_| WanError::Malformed)?;
    let len = de.byte_offset();
    Ok(rest[..len].to_vec())
}

/// How a registration is asked for.
#[derive(Debug, Clone, Copy)]
pub struct RegisterOptions {
    /// First factor (passkey) or second (security key).
    pub usage: WebAuthnUsage,
    /// SECURITY_WAN_ALLOW_USER_HINTS: a passkey may be non-discoverable (resident key
    /// preferred rather than required).
    pub allow_user_hints: bool,
    /// Milliseconds the browser waits.
    pub timeout_ms: u32,
}

/// How an authentication is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Ask for user verification and require it (a passkey on its own is two factors).
    Required,
    /// Ask for it; accept without (the caller reads [`Asserted::user_verified`]).
    Preferred,
    /// Do not ask (a security key after a password).
    Discouraged,
}

impl Verification {
    fn policy(self) -> UserVerificationPolicy {
        match self {
            Self::Required => UserVerificationPolicy::Required,
            Self::Preferred => UserVerificationPolicy::Preferred,
            Self::Discouraged => UserVerificationPolicy::Discouraged_DO_NOT_USE,
        }
    }
}

impl RelyingParty {
    /// The relying party `rp_id` (a host name) named `rp_name`, accepting ceremonies made on
    /// `origin` (scheme, host and port the browser shows).
    pub fn new(rp_id: &str, rp_name: &str, origin: &str) -> Result<Self, WanError> {
        let origin = Url::parse(origin).map_err(|e| WanError::Config(format!("{origin}: {e}")))?;
        if rp_id.is_empty() {
            return Err(WanError::Config("empty RP id".into()));
        }
        let core = WebauthnCore::new_unsafe_experts_only(
            rp_name,
            rp_id,
            vec![origin],
            std::time::Duration::from_secs(300),
            Some(false),
            Some(false),
        );
        Ok(Self {
            core,
            rp_id: rp_id.to_owned(),
        })
    }

    /// The RP id.
    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// Start registering a credential for the user with `user_handle` (the bytes of
    /// `fs_webauthn_user_handle`) named `user_name`, excluding the credentials it has:
    /// Flask-Security's `credential_options` and the state to keep (in the signed `wan_state`).
    pub fn start_registration(
        &self,
        user_handle: &[u8],
        user_name: &str,
        existing: &[WebAuthn],
        options: RegisterOptions,
    ) -> Result<(Value, RegistrationState), WanError> {
        let exclude: Vec<CredentialID> = existing
            .iter()
            .map(|c| CredentialID::from(c.credential_id.clone()))
            .collect();
        let first = options.usage == WebAuthnUsage::First;
        let builder = self
            .core
            .new_challenge_register_builder(user_handle, user_name, user_name)
            .map_err(|e| WanError::Config(e.to_string()))?
            .attestation(AttestationConveyancePreference::None)
            .user_verification_policy(if first {
                UserVerificationPolicy::Preferred
            } else {
                UserVerificationPolicy::Discouraged_DO_NOT_USE
            })
            .exclude_credentials(Some(exclude))
            .extensions(Some(RequestRegistrationExtensions {
                cred_protect: None,
                uvm: None,
                cred_props: Some(true),
                min_pin_length: None,
                hmac_create_secret: None,
            }))
            .require_resident_key(first && !options.allow_user_hints)
            .authenticator_attachment(None::<AuthenticatorAttachment>);
        let (challenge, state) = self
            .core
            .generate_challenge_register(builder)
            .map_err(|e| WanError::Config(e.to_string()))?;
        let mut json = serde_json::to_value(&challenge.public_key)
            .map_err(|e| WanError::Config(e.to_string()))?;
        if let Some(o) = json.as_object_mut() {
            o.insert("timeout".into(), Value::from(options.timeout_ms));
            if first
                && let Some(sel) = o
                    .get_mut("authenticatorSelection")
                    .and_then(Value::as_object_mut)
            {
                sel.insert(
                    "residentKey".into(),
                    Value::from(if options.allow_user_hints {
                        "preferred"
                    } else {
                        "required"
                    }),
                );
            }
        }
        Ok((without_nulls(json), state))
    }

    /// Finish a registration with the browser's credential (JSON text).
    pub fn finish_registration(
        &self,
        credential_json: &str,
        state: &RegistrationState,
    ) -> Result<Registered, WanError> {
        let (value, extensions) = normalised(credential_json)?;
        let reg: RegisterPublicKeyCredential = serde_json::from_value(value).map_err(|e| {
            tracing::warn!(error = %e, "a registration credential could not be read");
            WanError::Malformed
        })?;
        let credential = self
            .core
            .register_credential(&reg, state, None)
            .map_err(|e| cause(&e))?;
        let public_key = cose_key_bytes(
            reg.response.attestation_object.as_slice(),
            credential.cred_id.as_slice().len(),
        )?;
        let transports = reg
            .response
            .transports
            .as_ref()
            .map(|ts| ts.iter().map(transport_name).collect())
            .unwrap_or_default();
        let discoverable = extensions
            .as_deref()
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| v.pointer("/credProps/rk").and_then(Value::as_bool));
        Ok(Registered {
            credential_id: credential.cred_id.as_slice().to_vec(),
            public_key,
            sign_count: i64::from(credential.counter),
            transports,
            backup_state: credential.backup_state,
            device_type: if credential.backup_eligible {
                "multi_device".into()
            } else {
                "single_device".into()
            },
            user_verified: credential.user_verified,
            discoverable,
            extensions,
        })
    }

    /// Start an authentication allowing `allowed` (empty: any discoverable credential — the
    /// usernameless passkey sign-in).
    pub fn start_authentication(
        &self,
        allowed: &[WebAuthn],
        verification: Verification,
        timeout_ms: u32,
    ) -> Result<(Value, AuthenticationState), WanError> {
        let creds: Vec<Credential> = allowed
            .iter()
            .map(credential_of)
            .collect::<Result<_, _>>()?;
        let builder = self
            .core
            .new_challenge_authenticate_builder(creds, Some(verification.policy()))
            .map_err(|e| WanError::Config(e.to_string()))?;
        let (challenge, state) = self
            .core
            .generate_challenge_authenticate(builder)
            .map_err(|e| WanError::Config(e.to_string()))?;
        let mut json = serde_json::to_value(&challenge.public_key)
            .map_err(|e| WanError::Config(e.to_string()))?;
        if let Some(o) = json.as_object_mut() {
            o.insert("timeout".into(), Value::from(timeout_ms));
            // Transports help the browser pick the authenticator.
            if let Some(list) = o.get_mut("allowCredentials").and_then(Value::as_array_mut) {
                for (entry, row) in list.iter_mut().zip(allowed) {
                    if !row.transports.is_empty()
                        && let Some(e) = entry.as_object_mut()
                    {
                        e.insert("transports".into(), Value::from(row.transports.clone()));
                    }
                }
            }
        }
        Ok((without_nulls(json), state))
    }

    /// Verify `assertion` against the stored credential `row` (looked up by the assertion's
    /// id, its owner's user handle already compared).
    pub fn finish_authentication(
        &self,
        assertion: &Assertion,
        state: &AuthenticationState,
        row: &WebAuthn,
    ) -> Result<Asserted, WanError> {
        let credential = credential_of(row)?;
        let result = self
            .core
            .authenticate_single_credential(&assertion.credential, state, &credential)
            .map_err(|e| cause(&e))?;
        Ok(Asserted {
            user_verified: result.user_verified(),
            sign_count: i64::from(result.counter()),
            backup_state: result.backup_state(),
            backup_eligible: result.backup_eligible(),
        })
    }
}

fn transport_name(t: &AuthenticatorTransport) -> String {
    serde_json::to_value(t)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{t:?}").to_lowercase())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn extensions_as_text_or_object() {
        let (v, text) =
            normalised(r#"{"id":"x","extensions":"{\"credProps\":{\"rk\":true}}"}"#).unwrap();
        assert_eq!(text.as_deref(), Some(r#"{"credProps":{"rk":true}}"#));
        assert_eq!(v["extensions"]["credProps"]["rk"], Value::Bool(true));
        let (v, text) =
            normalised(r#"{"id":"x","clientExtensionResults":{"credProps":{"rk":false}}}"#)
                .unwrap();
        assert_eq!(text.as_deref(), Some(r#"{"credProps":{"rk":false}}"#));
        assert!(v["extensions"].is_object());
        assert_eq!(normalised("[]").unwrap_err(), WanError::Malformed);
        assert_eq!(normalised("not json").unwrap_err(), WanError::Malformed);
    }

    #[test]
    fn nulls_are_dropped_for_the_browser() {
        let v = without_nulls(
            serde_json::json!({"a": null, "b": {"c": null, "d": 1}, "e": [{"f": null}]}),
        );
        assert_eq!(v, serde_json::json!({"b": {"d": 1}, "e": [{}]}));
    }

    #[test]
    fn a_stored_key_that_is_not_cose_is_an_error() {
        let row = WebAuthn {
            id: 1,
            user_id: 1,
            credential_id: vec![1, 2, 3],
            public_key: vec![0xff, 0x00],
            sign_count: 0,
            transports: Vec::new(),
            backup_state: false,
            device_type: "single_device".into(),
            extensions: None,
            create_datetime: time::OffsetDateTime::UNIX_EPOCH,
            lastuse_datetime: time::OffsetDateTime::UNIX_EPOCH,
            name: "k".into(),
            usage: WebAuthnUsage::First,
        };
        assert!(matches!(credential_of(&row), Err(WanError::Stored(_))));
    }
}
