//! The email deliverability check against a real DNS server on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use portcullis_core::config::Config;
use portcullis_core::messages::{Message, Msg};
use portcullis_core::policy::{Deliverability, DeliverabilityCheck};
use portcullis_core::testing::{ZoneRecord, ZoneServer};

async fn zone() -> ZoneServer {
    ZoneServer::start(
        &[
            ("mail.example", vec![ZoneRecord::Mx(10, "mx.mail.example")]),
            (
                "backup.example",
                vec![
                    ZoneRecord::Mx(0, "."),
                    ZoneRecord::Mx(20, "mx.backup.example"),
                ],
            ),
            ("nullmx.example", vec![ZoneRecord::Mx(0, ".")]),
            ("webonly.example", vec![ZoneRecord::A([192, 0, 2, 7])]),
            ("parked.example", vec![ZoneRecord::A([0, 0, 0, 0])]),
            ("empty.example", vec![]),
            (
                "xn--bcher-kva.example",
                vec![ZoneRecord::Mx(5, "mx.xn--bcher-kva.example")],
            ),
        ],
        &["slow.example"],
    )
    .await
    .unwrap()
}

async fn check(server: &ZoneServer, domain: &str) -> Deliverability {
    DeliverabilityCheck::with_nameservers(&[server.addr()], Duration::from_millis(300))
        .unwrap()
        .check(domain)
        .await
}

#[tokio::test]
async fn an_mx_record_is_deliverable() {
    let z = zone().await;
    assert_eq!(check(&z, "mail.example").await, Deliverability::Deliverable);
    // A trailing dot is the same name.
    assert_eq!(
        check(&z, "mail.example.").await,
        Deliverability::Deliverable
    );
    // IDNA-encoded domains are asked as they are stored.
    assert_eq!(
        check(&z, "xn--bcher-kva.example").await,
        Deliverability::Deliverable
    );
}

#[tokio::test]
async fn a_null_mx_refuses_mail() {
    let z = zone().await;
    assert_eq!(check(&z, "nullmx.example").await, no_mail("nullmx.example"));
    // A null MX next to a real one: the real one wins.
    assert_eq!(
        check(&z, "backup.example").await,
        Deliverability::Deliverable
    );
}

#[tokio::test]
async fn without_mx_an_address_record_is_the_implicit_mx() {
    let z = zone().await;
    assert_eq!(
        check(&z, "webonly.example").await,
        Deliverability::Deliverable
    );
    assert_eq!(check(&z, "parked.example").await, no_mail("parked.example"));
    assert_eq!(check(&z, "empty.example").await, no_mail("empty.example"));
}

#[tokio::test]
async fn a_domain_that_does_not_exist() {
    let z = zone().await;
    assert_eq!(
        check(&z, "nowhere.example").await,
        not_found("nowhere.example")
    );
}

#[tokio::test]
async fn a_silent_or_absent_resolver_is_unknown_and_bounded() {
    let z = zone().await;
    let started = std::time::Instant::now();
    assert!(matches!(
        check(&z, "slow.example").await,
        Deliverability::Unknown(_)
    ));
    // Bounded by the configured timeout (3 × 300 ms at most), not the resolver's defaults.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // A port nobody listens on.
    let closed = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    let d = DeliverabilityCheck::with_nameservers(&[closed], Duration::from_millis(300))
        .unwrap()
        .check("mail.example")
        .await;
    assert!(matches!(d, Deliverability::Unknown(_)), "{d:?}");
}

#[test]
fn config_turns_it_on_and_refuses_nonsense() {
    let mut c = Config::default();
    assert!(
        c.deliverability_check().unwrap().is_none(),
        "off by default"
    );
    c.email_validator_args = serde_json::from_str(
        r#"{"check_deliverability": true, "timeout": 2, "nameservers": ["127.0.0.1:5353", "::1"]}"#,
    )
    .unwrap();
    let args = c.email_validator().unwrap();
    assert!(args.check_deliverability);
    assert_eq!(args.timeout, Duration::from_secs(2));
    assert_eq!(args.nameservers.len(), 2);
    assert_eq!(args.nameservers[1].port(), 53);
    for bad in [
        r#"{"check_deliverability": "yes"}"#,
        r#"{"timeout": 0}"#,
        r#"{"nameservers": ["not an address"]}"#,
        r#"{"allow_smtputf8": false}"#,
    ] {
        c.email_validator_args = serde_json::from_str(bad).unwrap();
        let e = c.email_validator().unwrap_err().to_string();
        assert!(e.contains("email_validator_args"), "{bad}: {e}");
    }
}

fn no_mail(domain: &str) -> Deliverability {
    Deliverability::Undeliverable(Message::new(Msg::EmailDomainNoMail).arg("domain", domain))
}

fn not_found(domain: &str) -> Deliverability {
    Deliverability::Undeliverable(Message::new(Msg::EmailDomainNotFound).arg("domain", domain))
}

#[test]
fn undeliverable_texts_are_email_validators() {
    assert_eq!(
        Message::new(Msg::EmailDomainNoMail)
            .arg("domain", "a.example")
            .to_string(),
        "The domain name a.example does not accept email."
    );
    assert_eq!(
        Message::new(Msg::EmailDomainNotFound)
            .arg("domain", "a.example")
            .to_string(),
        "The domain name a.example does not exist."
    );
}
