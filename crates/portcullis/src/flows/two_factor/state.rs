//! The pending two-factor state, in the server-side session; or, for clients without cookies,
//! in the session a signed `tf_state_token` names.

use portcullis_core::model::TwoFactorState;

use crate::Security;
use crate::flows::request::FlowRequest;
use crate::session;

/// Salt of the token that carries a pending sign-in's session for cookieless clients.
const STATE_SALT: &str = "tf-state-salt";

/// The pending state, unless it expired (`two_factor_setup_within`).
pub(super) fn current(req: &FlowRequest) -> Option<TwoFactorState> {
    let security = req.auth.security();
    let within = security.config().two_factor_setup_within.as_secs();
    let now = security.clock().unix();
    req.auth
        .with_session(|s| s.data.tf.clone())
        .filter(|st| now - st.started <= within && st.started <= now)
}

/// Store the state in the session (a fresh session id: no fixation of a half sign-in).
pub(super) fn put(req: &FlowRequest, st: TwoFactorState, rotate: bool) {
    req.auth.with_session(|s| {
        if rotate {
            s.rotate();
        }
        s.ensure_id();
        s.data.tf = Some(st);
        s.dirty = true;
    });
}

/// Forget the state.
pub(super) fn clear(req: &FlowRequest) {
    req.auth.with_session(|s| {
        if s.data.tf.take().is_some() {
            s.dirty = true;
        }
    });
}

/// A `tf_state_token` for the current session (cookieless clients send it back).
pub(super) fn token(req: &FlowRequest) -> String {
    let security = req.auth.security();
    let sid = req.auth.with_session(|s| s.ensure_id());
    let payload = serde_json::to_string(&std::collections::BTreeMap::from([("sid", sid)]))
        .unwrap_or_default();
    security
        .signer()
        .sign_timed_plain(STATE_SALT, &payload, security.clock().unix())
}

/// Whether this request came without a session cookie.
pub(super) fn cookieless(req: &FlowRequest) -> bool {
    req.auth.with_session(|s| s.id.is_none() || s.new_cookie)
}

/// A `tf_state_token` in the body: adopt the session it names (for this request and its
/// response). Returns whether one was adopted; a bad or expired token adopts nothing.
pub(super) async fn adopt(req: &FlowRequest) -> crate::error::Result<bool> {
    let Some(token) = req.text("tf_state_token") else {
        return Ok(false);
    };
    let security: &Security = req.auth.security();
    let c = security.config();
    let now = security.clock().unix();
    let Ok(p) = security.signer().unsign_timed(
        STATE_SALT,
        token,
        Some(c.two_factor_setup_within.as_secs()),
        now,
    ) else {
        return Ok(false);
    };
    let Some(sid) = p.value["sid"].as_str().map(str::to_owned) else {
        return Ok(false);
    };
    if !session::plausible_id(&sid) {
        return Ok(false);
    }
    let Some(record) = security
        .store()
        .load_session(&session::id_hash(&sid), now)
        .await?
    else {
        return Ok(false);
    };
    // Only a session that is waiting for a second factor can be taken over this way.
    if record.data.tf.is_none() || record.user_uniquifier.is_some() {
        return Ok(false);
    }
    req.auth.with_session(|s| {
        s.id = Some(sid);
        s.record_exists = true;
        s.new_cookie = false;
        s.user_uniquifier = None;
        s.expires_at = record.expires_at;
        s.data = record.data;
    });
    Ok(true)
}
