//! Messages in the client's language: every id in every shipped catalog, `Accept-Language`
//! negotiation, English for clients that ask for nothing (Flask-Security's texts, which SPAs
//! match on), and catalogs an app adds or overrides.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::http::Method;
use portcullis::core::messages::{Message, Msg};
use portcullis::i18n::{Catalogs, SHIPPED};
use serde_json::json;

use crate::common::{Payload, TestApp};

fn all() -> Vec<String> {
    SHIPPED.iter().map(|(l, _)| (*l).to_owned()).collect()
}

#[test]
fn every_message_has_a_text_in_every_shipped_catalog() {
    let c = Catalogs::load(&all(), "en", None).unwrap();
    for i in 0..c.len() {
        assert!(c.missing(i).is_empty(), "{}: {:?}", c.tag(i), c.missing(i));
    }
    // English is the reference: exactly the built-in texts, arguments filled.
    let en = c.negotiate(Some("en"));
    for m in Msg::ALL {
        let mut message = Message::new(*m);
        for name in portcullis::core::messages::ARGUMENTS {
            message = match *name {
                "minutes" => message.arg(name, "5"),
                "duration" => message.arg(name, "5 minutes"),
                _ => message.arg(name, "X"),
            };
        }
        assert_eq!(c.text(en, &message), message.english(), "{}", m.key());
    }
    // Plurals follow each language's rules.
    let locked = |n: &str| {
        Message::new(Msg::AccountLocked)
            .arg("minutes", n)
            .arg("duration", "")
    };
    let de = c.negotiate(Some("de"));
    assert!(c.text(de, &locked("1")).contains("einer Minute"));
    assert!(c.text(de, &locked("15")).contains("15 Minuten"));
    assert!(c.text(en, &locked("1")).ends_with("1 minute."));
}

#[test]
fn accept_language_is_negotiated() {
    let c = Catalogs::load(&all(), "en", None).unwrap();
    let tag = |h: Option<&str>| c.tag(c.negotiate(h));
    assert_eq!(tag(None), "en");
    assert_eq!(tag(Some("de-CH, de;q=0.9, en;q=0.5")), "de");
    assert_eq!(tag(Some("pt-BR, es;q=0.8, fr;q=0.9")), "fr");
    assert_eq!(tag(Some("ja")), "en");
    assert_eq!(tag(Some("*")), "en");
    assert_eq!(tag(Some("de;q=0, es")), "es");
    assert_eq!(tag(Some(";;,,q=x")), "en");
}

#[test]
fn an_app_adds_a_language_and_overrides_a_text() {
    let dir = std::env::temp_dir().join(format!("portcullis-i18n-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("nl.ftl"),
        "INVALID_PASSWORD = Onjuist wachtwoord\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("de.ftl"),
        "INVALID_PASSWORD = Passwort stimmt nicht\n",
    )
    .unwrap();
    let langs = vec!["en".to_owned(), "de".to_owned(), "nl".to_owned()];
    let c = Catalogs::load(&langs, "en", Some(&dir)).unwrap();
    let m = Message::new(Msg::InvalidPassword);
    assert_eq!(c.text(c.negotiate(Some("nl")), &m), "Onjuist wachtwoord");
    assert_eq!(c.text(c.negotiate(Some("de")), &m), "Passwort stimmt nicht");
    // What a partial catalog lacks falls back to English.
    assert_eq!(
        c.text(c.negotiate(Some("nl")), &Message::new(Msg::InvalidCode)),
        "Invalid code"
    );
    // A language with no catalog anywhere is refused at start-up, naming the fix.
    let e = Catalogs::load(&["en".to_owned(), "pl".to_owned()], "en", Some(&dir)).unwrap_err();
    assert!(
        e.contains("pl") && e.contains("SECURITY_I18N_DIRNAME"),
        "{e}"
    );
    std::fs::write(dir.join("xx.ftl"), "INVALID_PASSWORD = {\n").unwrap();
    let e = Catalogs::load(&["xx".to_owned()], "xx", Some(&dir)).unwrap_err();
    assert!(e.contains("syntax"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn json_errors_come_in_the_clients_language() {
    let t = TestApp::new(|_| {}).await;
    t.user("ann@example.com", "ann password 1").await;
    let mut c = t.client();
    c.get_json("/login").await;
    let wrong = json!({"email": "ann@example.com", "password": "not the password"});
    // No Accept-Language: Flask-Security's English, as SPAs expect.
    let r = c.post_json("/login", wrong.clone()).await;
    assert_eq!(
        r.json["response"]["field_errors"]["password"],
        json!(["Invalid password"])
    );
    for (lang, text) in [
        ("de-DE,de;q=0.9", "Falsches Passwort"),
        ("fr", "Mot de passe incorrect"),
        ("es-MX", "Contraseña incorrecta"),
    ] {
        let r = c
            .send(
                Method::POST,
                "/login",
                &[
                    ("accept-language", lang),
                    ("x-csrf-token", &c.csrf.clone().unwrap()),
                ],
                Payload::Json(wrong.clone()),
            )
            .await;
        assert_eq!(r.status.as_u16(), 400);
        assert_eq!(
            r.json["response"]["field_errors"]["password"],
            json!([text]),
            "{lang}"
        );
        assert!(
            r.headers
                .get_all("vary")
                .iter()
                .any(|v| v.to_str().unwrap().contains("Accept-Language"))
        );
    }
    // Decorator errors too (401 for a protected route).
    let r = t
        .client()
        .send(
            Method::GET,
            "/api/protected",
            &[("accept", "application/json"), ("accept-language", "de")],
            Payload::None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 401);
    assert_eq!(
        r.json["response"]["errors"],
        json!(["Bitte melden Sie sich an, um diese Seite zu sehen."])
    );
}
