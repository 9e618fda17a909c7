//! WebAuthnStore: credentials in Flask-Security's `web_authn` table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use crate::model::{NewWebAuthn, WebAuthnUsage, WebAuthnUse};

fn credential(user_id: i64, prefix: &str, tag: &str, usage: WebAuthnUsage) -> NewWebAuthn {
    NewWebAuthn {
        user_id,
        // Bytes that are not text: 0x00 and 0xff survive the round trip.
        credential_id: [&[0u8, 0xff, 0x80][..], prefix.as_bytes(), tag.as_bytes()].concat(),
        public_key: vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x00, 0xff],
        sign_count: 0,
        transports: vec!["usb".into(), "nfc".into()],
        backup_state: false,
        device_type: "single_device".into(),
        extensions: Some(r#"{"credProps":{"rk":true}}"#.into()),
        name: format!("key {tag}"),
        usage,
        now: T0,
    }
}

/// `add_webauthn` stores every column as given and reads back by credential id and by user,
/// oldest first; bytes, the transports list and the usage round trip.
pub async fn webauthn_add_and_read(store: Arc<dyn Store>, prefix: &str) {
    let ann = create(&store, new_user(prefix, "ann")).await;
    let bob = create(&store, new_user(prefix, "bob")).await;
    let new = credential(ann.id, prefix, "a", WebAuthnUsage::First);
    let added = ok(store.add_webauthn(new.clone()).await, "add_webauthn");
    assert!(added.id > 0);
    assert_eq!(added.credential_id, new.credential_id);
    assert_eq!(added.create_datetime, T0);
    assert_eq!(added.lastuse_datetime, T0);
    let read = ok(
        store.webauthn_by_credential_id(&new.credential_id).await,
        "webauthn_by_credential_id",
    );
    assert_eq!(read.as_ref(), Some(&added));
    let second = ok(
        store
            .add_webauthn(credential(ann.id, prefix, "b", WebAuthnUsage::Secondary))
            .await,
        "add_webauthn",
    );
    assert_eq!(second.usage, WebAuthnUsage::Secondary);
    let mine = ok(store.webauthn_of_user(ann.id).await, "webauthn_of_user");
    assert_eq!(mine, vec![added.clone(), second], "oldest first");
    assert!(ok(store.webauthn_of_user(bob.id).await, "webauthn_of_user").is_empty());
    assert_eq!(
        ok(store.webauthn_by_credential_id(b"unknown").await, "lookup"),
        None
    );
    // No transports and no extensions read back as such.
    let mut bare = credential(bob.id, prefix, "bare", WebAuthnUsage::First);
    bare.transports = Vec::new();
    bare.extensions = None;
    let bare = ok(store.add_webauthn(bare).await, "add_webauthn");
    let read = ok(store.webauthn_of_user(bob.id).await, "webauthn_of_user");
    assert_eq!(read, vec![bare]);
    // An unknown owner.
    expect_not_found(
        store
            .add_webauthn(credential(
                i64::MAX - 7,
                prefix,
                "ghost",
                WebAuthnUsage::First,
            ))
            .await,
        "add_webauthn for an unknown user",
    );
}

/// A credential id is registered once among all users; a name once per user (exactly: another
/// user, or another case, is another name), also when two registrations race.
pub async fn webauthn_conflicts(store: Arc<dyn Store>, prefix: &str) {
    let ann = create(&store, new_user(prefix, "ann")).await;
    let bob = create(&store, new_user(prefix, "bob")).await;
    let first = credential(ann.id, prefix, "a", WebAuthnUsage::First);
    ok(store.add_webauthn(first.clone()).await, "add_webauthn");
    let mut same_id = credential(bob.id, prefix, "other", WebAuthnUsage::First);
    same_id.credential_id = first.credential_id.clone();
    expect_conflict(
        store.add_webauthn(same_id).await,
        "credential_id",
        "same id",
    );
    let mut same_name = credential(ann.id, prefix, "a2", WebAuthnUsage::First);
    same_name.name = first.name.clone();
    expect_conflict(store.add_webauthn(same_name).await, "name", "same name");
    let mut bobs = credential(bob.id, prefix, "b", WebAuthnUsage::First);
    bobs.name = first.name.clone();
    ok(
        store.add_webauthn(bobs).await,
        "another user's name is free",
    );
    let mut upper = credential(ann.id, prefix, "upper", WebAuthnUsage::First);
    upper.name = first.name.to_uppercase();
    ok(store.add_webauthn(upper).await, "names compare exactly");

    // Eight registrations under one name at once: exactly one is stored.
    let carl = create(&store, new_user(prefix, "carl")).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let mut new = credential(carl.id, prefix, &format!("race{i}"), WebAuthnUsage::First);
        new.name = "laptop".into();
        tasks.push(tokio::spawn(async move { store.add_webauthn(new).await }));
    }
    let mut stored = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => stored += 1,
            Err(StoreError::Conflict("name")) => {}
            Err(e) => panic!("racing registration: {e:?}"),
        }
    }
    assert_eq!(stored, 1, "one of the racing registrations wins");
    assert_eq!(
        ok(store.webauthn_of_user(carl.id).await, "webauthn_of_user").len(),
        1
    );
}

/// A use is recorded only against the counter it was checked with: of eight concurrent uses
/// of one assertion one wins; later uses see the new counter.
pub async fn webauthn_record_use(store: Arc<dyn Store>, prefix: &str) {
    let ann = create(&store, new_user(prefix, "ann")).await;
    let cred = ok(
        store
            .add_webauthn(credential(ann.id, prefix, "a", WebAuthnUsage::First))
            .await,
        "add_webauthn",
    );
    let used = WebAuthnUse {
        sign_count: 5,
        backup_state: true,
        device_type: "multi_device".into(),
        at: T0 + Duration::minutes(3),
    };
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let used = used.clone();
        tasks.push(tokio::spawn(async move {
            store.record_webauthn_use(cred.id, 0, &used).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        if ok(t.await.unwrap(), "record_webauthn_use") {
            won += 1;
        }
    }
    assert_eq!(won, 1, "one use of one assertion is recorded");
    let read = ok(
        store.webauthn_by_credential_id(&cred.credential_id).await,
        "lookup",
    )
    .unwrap();
    assert_eq!(read.sign_count, 5);
    assert!(read.backup_state);
    assert_eq!(read.device_type, "multi_device");
    assert_eq!(read.lastuse_datetime, used.at);
    assert_eq!(read.create_datetime, T0, "creation time unchanged");
    assert!(!ok(
        store.record_webauthn_use(cred.id, 0, &used).await,
        "stale counter"
    ));
    assert!(!ok(
        store.record_webauthn_use(i64::MAX - 3, 5, &used).await,
        "unknown id"
    ));
}

/// Rename and delete act on the owner's credentials only; `delete_user_webauthn` removes all
/// of a user's and no one else's.
pub async fn webauthn_rename_and_delete(store: Arc<dyn Store>, prefix: &str) {
    let ann = create(&store, new_user(prefix, "ann")).await;
    let bob = create(&store, new_user(prefix, "bob")).await;
    let a = ok(
        store
            .add_webauthn(credential(ann.id, prefix, "a", WebAuthnUsage::First))
            .await,
        "add",
    );
    let b = ok(
        store
            .add_webauthn(credential(ann.id, prefix, "b", WebAuthnUsage::Secondary))
            .await,
        "add",
    );
    let bobs = ok(
        store
            .add_webauthn(credential(bob.id, prefix, "c", WebAuthnUsage::First))
            .await,
        "add",
    );
    assert!(ok(
        store.rename_webauthn(ann.id, a.id, "phone").await,
        "rename"
    ));
    assert!(ok(
        store.rename_webauthn(ann.id, a.id, "phone").await,
        "rename to its own name"
    ));
    expect_conflict(
        store.rename_webauthn(ann.id, b.id, "phone").await,
        "name",
        "taken",
    );
    assert!(!ok(
        store.rename_webauthn(ann.id, bobs.id, "mine").await,
        "not the owner"
    ));
    let read = ok(store.webauthn_of_user(ann.id).await, "list");
    assert_eq!(read[0].name, "phone");
    assert!(!ok(
        store.delete_webauthn(ann.id, bobs.id).await,
        "not the owner"
    ));
    assert!(ok(store.delete_webauthn(ann.id, a.id).await, "delete"));
    assert!(!ok(
        store.delete_webauthn(ann.id, a.id).await,
        "already gone"
    ));
    assert_eq!(ok(store.webauthn_of_user(ann.id).await, "list"), vec![b]);
    ok(
        store
            .add_webauthn(credential(ann.id, prefix, "d", WebAuthnUsage::First))
            .await,
        "add",
    );
    assert_eq!(
        ok(store.delete_user_webauthn(ann.id).await, "delete all"),
        2
    );
    assert!(ok(store.webauthn_of_user(ann.id).await, "list").is_empty());
    assert_eq!(ok(store.webauthn_of_user(bob.id).await, "list"), vec![bobs]);
}
