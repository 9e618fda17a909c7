//! Passkeys and security keys through `/wan-*`, with webauthn-authenticator-rs' `SoftPasskey`
//! as the authenticator: register, sign in, verify, delete; and the attacks — a replayed
//! assertion or state, another origin, another user's credential or handle, an expired state,
//! a credential used for what it was not registered for, the last way in deleted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::{Method, StatusCode};
use portcullis::core::model::WebAuthnUsage;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url,
};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::common::{Client, Payload, TestApp};

const ORIGIN: &str = "https://auth.example.com";
const PW: &str = "ann password 1";

async fn app() -> TestApp {
    TestApp::new(|c| {
        c.webauthn = true;
        c.external_url = Some(ORIGIN.into());
        c.wan_rp_name = "Example".into();
    })
    .await
}

fn origin() -> Url {
    Url::parse(ORIGIN).unwrap()
}

/// Sign in with the password; the client keeps the session (and its CSRF token).
async fn signed_in(t: &TestApp, email: &str) -> Client {
    t.user(email, PW).await;
    let mut c = t.client();
    let r = c.login(email, PW).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    c
}

/// Register a credential named `name` for `usage` with `key`; the finishing answer.
async fn register(
    c: &mut Client,
    key: &mut SoftPasskey,
    name: &str,
    usage: &str,
) -> crate::common::Resp {
    let r = c
        .post_json("/wan-register", json!({"name": name, "usage": usage}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let options = r.response()["credential_options"].clone();
    let state = r.response()["wan_state"].as_str().unwrap().to_owned();
    let challenge: CreationChallengeResponse =
        serde_json::from_value(json!({"publicKey": options})).unwrap();
    let credential = key.do_registration(origin(), challenge).unwrap();
    c.post_json(
        &format!("/wan-register/{state}"),
        json!({"credential": serde_json::to_string(&credential).unwrap()}),
    )
    .await
}

/// Start a sign-in (with `identity` as the hint): the options and the state.
async fn start_signin(c: &mut Client, identity: Option<&str>) -> (Value, String) {
    c.get_json("/wan-signin").await;
    let body = identity.map_or_else(|| json!({}), |i| json!({"identity": i}));
    let r = c.post_json("/wan-signin", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (
        r.response()["credential_options"].clone(),
        r.response()["wan_state"].as_str().unwrap().to_owned(),
    )
}

fn assertion(key: &mut SoftPasskey, at: &str, options: &Value) -> String {
    let challenge: RequestChallengeResponse =
        serde_json::from_value(json!({"publicKey": options})).unwrap();
    let credential = key
        .do_authentication(Url::parse(at).unwrap(), challenge)
        .unwrap();
    serde_json::to_string(&credential).unwrap()
}

fn credential_error(r: &crate::common::Resp) -> String {
    r.response()["field_errors"]["credential"][0]
        .as_str()
        .or_else(|| r.response()["errors"][0].as_str())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn register_list_sign_in_and_verify_with_a_passkey() {
    let t = app().await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    let r = ann.get_json("/wan-register").await;
    assert_eq!(r.response()["registered_credentials"], json!([]));

    // Options in Flask-Security's shape, for the browser's parseCreationOptionsFromJSON.
    let r = ann
        .post_json("/wan-register", json!({"name": "laptop", "usage": "first"}))
        .await;
    let options = &r.response()["credential_options"];
    assert_eq!(
        options["rp"],
        json!({"id": "auth.example.com", "name": "Example"})
    );
    assert_eq!(options["user"]["name"], json!("ann@example.com"));
    assert_eq!(options["timeout"], json!(60000));
    assert_eq!(options["extensions"]["credProps"], json!(true));
    assert_eq!(
        options["authenticatorSelection"]["residentKey"],
        json!("preferred")
    );
    assert!(!options.to_string().contains("null"), "no nulls: {options}");

    let mut key = SoftPasskey::new(true);
    let r = register(&mut ann, &mut key, "laptop", "first").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let listed = ann.get_json("/wan-register").await;
    let creds = listed.response()["registered_credentials"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["name"], json!("laptop"));
    assert_eq!(creds[0]["usage"], json!("first"));
    assert!(creds[0]["credential_id"].as_str().unwrap().len() > 10);
    assert!(
        creds[0]["lastuse"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-01T")
    );
    let user = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    let handle = user
        .fs_webauthn_user_handle
        .clone()
        .expect("a user handle was made");
    assert_eq!(handle.len(), 32, "uuid4 hex, as Flask-Security");

    // The same name again is refused; so is the same authenticator again.
    let r = ann
        .post_json("/wan-register", json!({"name": "laptop", "usage": "first"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["name"],
        json!(["laptop is already associated with a passkey."])
    );

    // Sign in with it (the identity as a hint), in a new browser.
    let mut browser = t.client();
    let (options, state) = start_signin(&mut browser, Some("ann@example.com")).await;
    assert_eq!(options["rpId"], json!("auth.example.com"));
    assert_eq!(options["allowCredentials"].as_array().unwrap().len(), 1);
    let signed = assertion(&mut key, ORIGIN, &options);
    let r = browser
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["post_login_url"], json!("/account"));
    assert_eq!(r.response()["tf_required"], json!(false));
    let me = browser.get_json("/api/protected").await;
    assert_eq!(me.json["email"], json!("ann@example.com"));
    assert!(t.events.events().iter().any(|e| matches!(
        e,
        portcullis::core::events::Event::WebAuthnRegistered { name, usage: "first", .. } if name == "laptop"
    )));

    // The counter moved and the use was recorded.
    let row = t.store.webauthn_of_user(user.id).await.unwrap().remove(0);
    assert!(row.sign_count > 0);

    // Re-authenticate (freshness) with it: /verify says it can.
    let r = browser.get_json("/verify").await;
    assert_eq!(r.response()["has_webauthn_verify_credential"], json!(true));
    let r = browser.post_json("/wan-verify", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let options = r.response()["credential_options"].clone();
    let state = r.response()["wan_state"].as_str().unwrap().to_owned();
    let signed = assertion(&mut key, ORIGIN, &options);
    let r = browser
        .post_json(
            &format!("/wan-verify/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

#[tokio::test]
async fn replayed_assertions_and_states_are_refused() {
    let t = app().await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    let mut key = SoftPasskey::new(true);
    assert_eq!(
        register(&mut ann, &mut key, "phone", "first").await.status,
        StatusCode::OK
    );
    let mut attacker = t.client();
    let (options, state) = start_signin(&mut attacker, Some("ann@example.com")).await;
    let signed = assertion(&mut key, ORIGIN, &options);
    let r = attacker
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // The same state and assertion again: the state was spent.
    let mut again = t.client();
    again.get_json("/wan-signin").await;
    let r = again
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.text.contains("Please start over"), "{}", r.text);
    // The old assertion against a new state: its challenge is not this one.
    let (_, state) = start_signin(&mut again, Some("ann@example.com")).await;
    let r = again
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        credential_error(&r).starts_with("Could not verify passkey"),
        "{}",
        r.text
    );
    // Not a credential at all.
    let (_, state) = start_signin(&mut again, None).await;
    let r = again
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": "{not json"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.response()["field_errors"]["credential"],
        json!(["Input not appropriate for requested API"])
    );
    // A forged state.
    let r = again
        .post_json("/wan-signin/not-a-state", json!({"credential": signed}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn another_origin_an_expired_state_and_another_users_credential() {
    let t = app().await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    let mut anns_key = SoftPasskey::new(true);
    register(&mut ann, &mut anns_key, "anns", "first").await;
    let mut bob = signed_in(&t, "bob@example.com").await;
    let mut bobs_key = SoftPasskey::new(true);
    register(&mut bob, &mut bobs_key, "bobs", "first").await;

    // Signed on a sub-domain (a phishing look-alike the authenticator accepts): refused.
    let mut c = t.client();
    let (options, state) = start_signin(&mut c, Some("ann@example.com")).await;
    let signed = assertion(&mut anns_key, "https://login.auth.example.com", &options);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(credential_error(&r).starts_with("Could not verify passkey"));

    // Ann named, Bob's passkey presented: not accepted for Ann's ceremony.
    let (options, state) = start_signin(&mut c, Some("ann@example.com")).await;
    let mut bob_options = options.clone();
    let (bobs, _) = start_signin(&mut t.client(), Some("bob@example.com")).await;
    bob_options["allowCredentials"] = bobs["allowCredentials"].clone();
    let signed = assertion(&mut bobs_key, ORIGIN, &bob_options);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(credential_error(&r), "Credential user handle didn't match");

    // Bob's passkey on Ann's /wan-verify (GHSA-f66q-9rf6-8795): refused, form-level.
    let r = ann.post_json("/wan-verify", json!({})).await;
    let mut options = r.response()["credential_options"].clone();
    let state = r.response()["wan_state"].as_str().unwrap().to_owned();
    options["allowCredentials"] = bobs["allowCredentials"].clone();
    let signed = assertion(&mut bobs_key, ORIGIN, &options);
    let r = ann
        .post_json(
            &format!("/wan-verify/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text.contains("Credential user handle didn't match"),
        "{}",
        r.text
    );

    // A state older than WAN_SIGNIN_WITHIN (1 minute).
    let (options, state) = start_signin(&mut c, Some("ann@example.com")).await;
    let signed = assertion(&mut anns_key, ORIGIN, &options);
    t.clock.advance(61);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.text
            .contains("Passkey operations must be completed within 1 minute"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn usage_user_verification_and_the_last_way_in() {
    let t = app().await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    // A security key (second factor) cannot sign in on its own.
    let mut security_key = SoftPasskey::new(false);
    assert_eq!(
        register(&mut ann, &mut security_key, "yubikey", "secondary")
            .await
            .status,
        StatusCode::OK
    );
    let mut c = t.client();
    let (mut options, state) = start_signin(&mut c, None).await;
    let user = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    let row = t.store.webauthn_of_user(user.id).await.unwrap().remove(0);
    assert_eq!(row.usage, WebAuthnUsage::Secondary);
    options["allowCredentials"] = json!([{
        "type": "public-key",
        "id": base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &row.credential_id)
    }]);
    let signed = assertion(&mut security_key, ORIGIN, &options);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // No user handle and no user named: refused before the usage is even looked at.
    assert!(
        [
            "Credential user handle didn't match",
            "Passkey not registered for this use (first or secondary)"
        ]
        .contains(&credential_error(&r).as_str()),
        "{}",
        r.text
    );

    // Deleting: an unknown name, then the key.
    let r = ann
        .post_json("/wan-delete", json!({"name": "nothing"}))
        .await;
    assert_eq!(
        r.response()["field_errors"]["name"],
        json!(["nothing not registered with current user."])
    );
    let r = ann
        .post_json("/wan-delete", json!({"name": "yubikey"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(t.store.webauthn_of_user(user.id).await.unwrap().is_empty());

    // A passwordless account cannot delete its only passkey.
    let mut passkey = SoftPasskey::new(true);
    register(&mut ann, &mut passkey, "only", "first").await;
    t.store
        .update_user(
            user.id,
            &portcullis::core::model::UserChange {
                password: Some(None),
                ..Default::default()
            },
            &portcullis::core::store::Guard::Always,
            portcullis::core::Clock::now(&t.clock),
        )
        .await
        .unwrap();
    let r = ann.post_json("/wan-delete", json!({"name": "only"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(r.text.contains("only way to sign in"), "{}", r.text);
    assert_eq!(t.store.webauthn_of_user(user.id).await.unwrap().len(), 1);

    // reset-access removes every credential, as Flask-Security's reset_user_access.
    t.security
        .accounts()
        .reset_access(&user, "ann@example.com")
        .await
        .unwrap();
    assert!(t.store.webauthn_of_user(user.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn bad_names_and_usages_are_field_errors() {
    let t = app().await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    for (body, field, text) in [
        (
            json!({"usage": "first"}),
            "name",
            "Nickname for new passkey is required.",
        ),
        (
            json!({"name": "<script>", "usage": "first"}),
            "name",
            "Passkey names may use",
        ),
        (
            json!({"name": "x".repeat(65)}),
            "name",
            "up to 64 characters",
        ),
        (
            json!({"name": "ok", "usage": "always"}),
            "usage",
            "Not a valid choice",
        ),
        (json!({"name": 7}), "name", ""),
    ] {
        let r = ann.post_json("/wan-register", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        let got = r.response()["field_errors"][field][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(got.contains(text), "{body}: {}", r.text);
    }
    // Not signed in: 401 for JSON clients.
    let r = t
        .client()
        .send(
            Method::POST,
            "/wan-register",
            &[("accept", "application/json")],
            Payload::Json(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}

/// A credential row written the way Flask-Security writes it (raw id and COSE key as BLOBs,
/// transports an AsaList, SQLAlchemy's datetimes), for a user of Flask-Security's own database
/// whose handle Flask-Security made: portcullis lists it and signs in with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_stored_by_flask_security_signs_in() {
    use portcullis::core::webauthn::{RegisterOptions, RelyingParty};
    use sqlx::Connection;

    let copy = std::env::temp_dir().join(format!(
        "portcullis-fswan-{}.db",
        portcullis::core::crypto::random::token_hex(8)
    ));
    let source =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/flask-security.db");
    std::fs::write(&copy, std::fs::read(source).unwrap()).unwrap();
    let url = format!("sqlite://{}", copy.display());

    // Bob's handle, as Flask-Security set it; the authenticator gets its UTF-8 bytes.
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let handle: String = sqlx::query_scalar(
        "SELECT fs_webauthn_user_handle FROM user WHERE email = 'bob-demo@example.com'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    let rp = RelyingParty::new("auth.example.com", "Example", ORIGIN).unwrap();
    let (options, state) = rp
        .start_registration(
            handle.as_bytes(),
            "bob-demo@example.com",
            &[],
            RegisterOptions {
                usage: WebAuthnUsage::First,
                allow_user_hints: true,
                timeout_ms: 60_000,
            },
        )
        .unwrap();
    let mut key = SoftPasskey::new(true);
    let made = key
        .do_registration(
            origin(),
            serde_json::from_value(json!({"publicKey": options})).unwrap(),
        )
        .unwrap();
    let registered = rp
        .finish_registration(&serde_json::to_string(&made).unwrap(), &state)
        .unwrap();
    sqlx::query(
        "INSERT INTO web_authn (credential_id, public_key, sign_count, transports, backup_state, \
         device_type, extensions, create_datetime, lastuse_datetime, name, usage, user_id) \
         VALUES (?, ?, 0, 'usb,nfc', 0, 'single_device', NULL, '2026-11-28 16:17:00.000000', \
         '2026-11-28 16:17:00.000000', 'fs key', 'first', \
         (SELECT id FROM user WHERE email = 'bob-demo@example.com'))",
    )
    .bind(registered.credential_id.clone())
    .bind(registered.public_key.clone())
    .execute(&mut db)
    .await
    .unwrap();
    db.close().await.unwrap();

    let store = portcullis_sqlx::SqliteStore::connect(&url).await.unwrap();
    let t = TestApp::with_store(std::sync::Arc::new(store.clone()), |c| {
        c.webauthn = true;
        c.external_url = Some(ORIGIN.into());
        c.wan_rp_name = "Example".into();
    })
    .await;
    let mut browser = t.client();
    let (options, state) = start_signin(&mut browser, Some("bob-demo@example.com")).await;
    let signed = assertion(&mut key, ORIGIN, &options);
    let r = browser
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let listed = browser.get_json("/wan-register").await;
    let creds = &listed.response()["registered_credentials"];
    assert_eq!(creds[0]["name"], json!("fs key"));
    assert_eq!(creds[0]["transports"], json!(["usb", "nfc"]));
    assert_eq!(creds[0]["discoverable"], json!("Unknown"));
    store.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
}

/// A security key as the second factor: the password sign-in answers `tf_method: webauthn`,
/// `/wan-signin` is the second step, HTTP Basic (a password alone) is refused; with a code
/// method too, `/tf-select` offers both.
#[tokio::test]
async fn a_security_key_as_the_second_factor() {
    let t = TestApp::new(|c| {
        c.webauthn = true;
        c.external_url = Some(ORIGIN.into());
        c.two_factor = true;
        c.multi_factor_recovery_codes = true;
        c.totp_secrets = json!({"1": "webauthn-tests-totp-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
    })
    .await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    let mut key = SoftPasskey::new(false);
    assert_eq!(
        register(&mut ann, &mut key, "yubikey", "secondary")
            .await
            .status,
        StatusCode::OK
    );

    // The password alone no longer signs in.
    let mut c = t.client();
    let r = c.login("ann@example.com", PW).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_required"], json!(true));
    assert_eq!(r.response()["tf_method"], json!("webauthn"));
    assert_eq!(r.response()["tf_signin_url"], json!("/wan-signin"));
    assert_eq!(
        c.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    let basic = t
        .client()
        .send(
            Method::GET,
            "/api/basic",
            &[(
                "authorization",
                &format!(
                    "Basic {}",
                    crate::common::b64(&format!("ann@example.com:{PW}"))
                ),
            )],
            Payload::None,
        )
        .await;
    assert_eq!(
        basic.status,
        StatusCode::UNAUTHORIZED,
        "a password alone: {}",
        basic.text
    );
    // A code does not stand in for the key.
    let r = c.post_json("/tf-validate", json!({"code": "123456"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The key finishes the sign-in.
    let r = c.get_json("/wan-signin").await;
    assert_eq!(r.response()["is_secondary"], json!(true));
    let r = c.post_json("/wan-signin", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["is_secondary"], json!(true));
    let options = r.response()["credential_options"].clone();
    assert_eq!(options["allowCredentials"].as_array().unwrap().len(), 1);
    let state = r.response()["wan_state"].as_str().unwrap().to_owned();
    let signed = assertion(&mut key, ORIGIN, &options);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(c.get_json("/api/protected").await.status, StatusCode::OK);

    // A lost key: a recovery code finishes the sign-in instead.
    let r = c.post_json("/mf-recovery-codes", json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let codes: Vec<String> =
        serde_json::from_value(r.response()["recovery_codes"].clone()).unwrap();
    let mut lost = t.client();
    let r = lost.login("ann@example.com", PW).await;
    assert_eq!(r.response()["tf_method"], json!("webauthn"));
    let r = lost
        .post_json("/mf-recovery", json!({"code": codes[0]}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(lost.get_json("/api/protected").await.status, StatusCode::OK);

    // With an authenticator app as well, the user chooses.
    let user = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    let secrets =
        portcullis::core::totp::TotpSecrets::from_config(t.security.config().totp_secrets.expose())
            .unwrap();
    let stored = secrets.encrypt(&portcullis::core::totp::generate_key());
    t.store
        .set_two_factor(
            user.id,
            Some("authenticator"),
            Some(&stored),
            None,
            portcullis::core::Clock::now(&t.clock),
        )
        .await
        .unwrap();
    let mut c = t.client();
    let r = c.login("ann@example.com", PW).await;
    assert_eq!(r.response()["tf_select"], json!(true), "{}", r.text);
    assert_eq!(
        r.response()["tf_setup_methods"],
        json!(["authenticator", "webauthn"])
    );
    let r = c
        .post_json("/tf-select", json!({"which": "webauthn"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_method"], json!("webauthn"));
    let r = c.post_json("/wan-signin", json!({})).await;
    assert_eq!(r.response()["is_secondary"], json!(true));
}

/// A counter that goes backwards is the clone signal: the sign-in is refused and reported.
/// A passkey without user verification is one factor: a user with a second factor set up is
/// asked for it.
#[tokio::test]
async fn a_cloned_authenticator_and_a_passkey_without_user_verification() {
    let t = TestApp::new(|c| {
        c.webauthn = true;
        c.external_url = Some(ORIGIN.into());
        c.two_factor = true;
        c.totp_secrets = json!({"1": "webauthn-tests-totp-secret"})
            .as_object()
            .cloned()
            .unwrap()
            .into();
    })
    .await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    let mut key = SoftPasskey::new(true);
    register(&mut ann, &mut key, "phone", "first").await;
    let user = t
        .store
        .user_by_email("ann@example.com")
        .await
        .unwrap()
        .unwrap();
    // Another copy of the key has signed more often than this one.
    let row = t.store.webauthn_of_user(user.id).await.unwrap().remove(0);
    let ahead = portcullis::core::model::WebAuthnUse {
        sign_count: 1000,
        backup_state: row.backup_state,
        device_type: row.device_type.clone(),
        at: portcullis::core::Clock::now(&t.clock),
    };
    assert!(
        t.store
            .record_webauthn_use(row.id, row.sign_count, &ahead)
            .await
            .unwrap()
    );
    let mut c = t.client();
    let (options, state) = start_signin(&mut c, Some("ann@example.com")).await;
    let signed = assertion(&mut key, ORIGIN, &options);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(credential_error(&r).contains("counter"), "{}", r.text);
    assert_eq!(
        c.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(t.events.events().iter().any(|e| matches!(
        e,
        portcullis::core::events::Event::WebAuthnCloneSuspected { name, .. } if name == "phone"
    )));

    // A passkey without user verification, for a user with an authenticator app: the app's
    // code is still asked for.
    let mut bob = signed_in(&t, "bob@example.com").await;
    let mut plain = SoftPasskey::new(false);
    register(&mut bob, &mut plain, "plain", "first").await;
    let bob_user = t
        .store
        .user_by_email("bob@example.com")
        .await
        .unwrap()
        .unwrap();
    let secrets =
        portcullis::core::totp::TotpSecrets::from_config(t.security.config().totp_secrets.expose())
            .unwrap();
    t.store
        .set_two_factor(
            bob_user.id,
            Some("authenticator"),
            Some(&secrets.encrypt(&portcullis::core::totp::generate_key())),
            None,
            portcullis::core::Clock::now(&t.clock),
        )
        .await
        .unwrap();
    let mut c = t.client();
    let (options, state) = start_signin(&mut c, Some("bob@example.com")).await;
    let signed = assertion(&mut plain, ORIGIN, &options);
    let r = c
        .post_json(
            &format!("/wan-signin/{state}"),
            json!({"credential": signed}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.response()["tf_required"], json!(true), "{}", r.text);
    assert_eq!(r.response()["tf_method"], json!("authenticator"));
    assert_eq!(
        c.get_json("/api/protected").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Renaming (ours): a free name, not a taken one, not an unknown credential, not a bad name.
#[tokio::test]
async fn rename_a_credential() {
    let t = app().await;
    let mut ann = signed_in(&t, "ann@example.com").await;
    register(&mut ann, &mut SoftPasskey::new(true), "phone", "first").await;
    register(&mut ann, &mut SoftPasskey::new(true), "laptop", "first").await;
    let r = ann
        .post_json(
            "/wan-rename",
            json!({"name": "phone", "new_name": "work phone"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let names: Vec<String> =
        ann.get_json("/wan-register").await.response()["registered_credentials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(names, ["work phone", "laptop"]);
    for (body, field, text) in [
        (
            json!({"name": "work phone", "new_name": "laptop"}),
            "new_name",
            "laptop is already associated with a passkey.",
        ),
        (
            json!({"name": "tablet", "new_name": "x"}),
            "name",
            "tablet not registered with current user.",
        ),
        (
            json!({"name": "laptop", "new_name": "<b>"}),
            "new_name",
            "Passkey names may use",
        ),
        (
            json!({"name": "laptop"}),
            "new_name",
            "Nickname for new passkey is required.",
        ),
    ] {
        let r = ann.post_json("/wan-rename", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        let got = r.response()["field_errors"][field][0]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(got.starts_with(text), "{body}: {}", r.text);
    }
}
