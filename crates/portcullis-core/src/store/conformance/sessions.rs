//! SessionStore: server-side sessions.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// `create_session` then `load_session` round trips the record; unknown ids are `None`.
pub async fn session_create_and_load(store: Arc<dyn Store>, prefix: &str) {
    let record = session(prefix, "s1", Some("uq-owner"), NOW_UNIX + 3600);
    assert!(ok(store.create_session(&record).await, "create_session"));
    let read = ok(
        store.load_session(&record.id_hash, NOW_UNIX).await,
        "load_session",
    );
    assert_eq!(read.as_ref(), Some(&record), "session round trip");

    // Anonymous session with default data.
    let anon = SessionRecord {
        user_uniquifier: None,
        data: SessionData::default(),
        ..session(prefix, "s2", None, NOW_UNIX + 60)
    };
    assert!(ok(store.create_session(&anon).await, "create_session"));
    let read = ok(
        store.load_session(&anon.id_hash, NOW_UNIX).await,
        "load_session",
    );
    assert_eq!(read.as_ref(), Some(&anon));

    assert!(
        ok(
            store
                .load_session(&format!("{prefix}-unknown"), NOW_UNIX)
                .await,
            "load_session"
        )
        .is_none()
    );
}

/// A second `create_session` with the same id returns false and leaves the original alone.
pub async fn session_duplicate_id(store: Arc<dyn Store>, prefix: &str) {
    let original = session(prefix, "dup", Some("uq-first"), NOW_UNIX + 3600);
    assert!(ok(store.create_session(&original).await, "create_session"));
    let intruder = SessionRecord {
        user_uniquifier: Some("uq-second".into()),
        data: SessionData::default(),
        expires_at: NOW_UNIX + 7200,
        ..original.clone()
    };
    assert!(
        !ok(store.create_session(&intruder).await, "create_session"),
        "create_session with an existing id reports false"
    );
    let read = ok(
        store.load_session(&original.id_hash, NOW_UNIX).await,
        "load_session",
    );
    assert_eq!(read.as_ref(), Some(&original), "the original is unchanged");
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX).await, "count_sessions"),
        1
    );
}

/// Sessions at or past `expires_at` are treated as absent.
pub async fn session_expiry(store: Arc<dyn Store>, prefix: &str) {
    let record = session(prefix, "exp", Some("uq-exp"), NOW_UNIX + 10);
    assert!(ok(store.create_session(&record).await, "create_session"));
    assert!(
        ok(
            store.load_session(&record.id_hash, NOW_UNIX + 9).await,
            "load_session"
        )
        .is_some(),
        "live one second before expiry"
    );
    assert!(
        ok(
            store.load_session(&record.id_hash, NOW_UNIX + 10).await,
            "load_session"
        )
        .is_none(),
        "dead at expires_at"
    );
    assert!(
        ok(
            store.load_session(&record.id_hash, NOW_UNIX + 1000).await,
            "load_session"
        )
        .is_none(),
        "dead after expires_at"
    );
    // An expired record with the same id still blocks create_session (the id is taken).
    assert!(!ok(store.create_session(&record).await, "create_session"));
}

/// `save_session` updates an existing record and never inserts an absent (deleted) one.
pub async fn session_save(store: Arc<dyn Store>, prefix: &str) {
    let record = session(prefix, "save", None, NOW_UNIX + 60);
    assert!(ok(store.create_session(&record).await, "create_session"));
    let updated = SessionRecord {
        user_uniquifier: Some("uq-saved".into()),
        data: SessionData {
            fs_paa: Some(1_767_323_100.25),
            fs_gexp: None,
            remember: false,
            tf: None,
            // A flash survives the store (the next page shows it).
            flashes: vec![crate::model::Flash {
                key: "CONFIRM_REGISTRATION".into(),
                args: vec![("email".into(), "ännie@example.com".into())],
            }],
        },
        expires_at: NOW_UNIX + 600,
        ..record.clone()
    };
    assert!(ok(store.save_session(&updated).await, "save_session"));
    let read = ok(
        store.load_session(&record.id_hash, NOW_UNIX).await,
        "load_session",
    );
    assert_eq!(
        read.as_ref(),
        Some(&updated),
        "save_session replaces the record"
    );

    // Saving an expired session extends it back to life.
    let revived = SessionRecord {
        expires_at: NOW_UNIX + 6000,
        ..updated.clone()
    };
    assert!(
        ok(
            store.load_session(&record.id_hash, NOW_UNIX + 601).await,
            "load_session"
        )
        .is_none()
    );
    assert!(ok(store.save_session(&revived).await, "save_session"));
    assert_eq!(
        ok(
            store.load_session(&record.id_hash, NOW_UNIX + 601).await,
            "load_session"
        ),
        Some(revived.clone())
    );

    // Never inserts: a session deleted meanwhile (logout, revocation) stays deleted.
    let fresh = session(prefix, "save-new", Some("uq-fresh"), NOW_UNIX + 60);
    assert!(!ok(
        store.save_session(&fresh).await,
        "save_session (absent)"
    ));
    assert_eq!(
        ok(
            store.load_session(&fresh.id_hash, NOW_UNIX).await,
            "load_session"
        ),
        None
    );
    ok(
        store.delete_session(&record.id_hash).await,
        "delete_session",
    );
    assert!(!ok(
        store.save_session(&revived).await,
        "save_session after delete"
    ));
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX).await, "count_sessions"),
        0
    );
}

/// `delete_session` removes one record; deleting an unknown id is fine.
pub async fn session_delete(store: Arc<dyn Store>, prefix: &str) {
    let a = session(prefix, "del-a", Some("uq-del"), NOW_UNIX + 60);
    let b = session(prefix, "del-b", Some("uq-del"), NOW_UNIX + 60);
    assert!(ok(store.create_session(&a).await, "create_session"));
    assert!(ok(store.create_session(&b).await, "create_session"));
    ok(store.delete_session(&a.id_hash).await, "delete_session");
    assert!(
        ok(
            store.load_session(&a.id_hash, NOW_UNIX).await,
            "load_session"
        )
        .is_none(),
        "deleted"
    );
    assert!(
        ok(
            store.load_session(&b.id_hash, NOW_UNIX).await,
            "load_session"
        )
        .is_some(),
        "only the one asked for"
    );
    ok(
        store.delete_session(&a.id_hash).await,
        "delete_session again",
    );
    ok(
        store.delete_session(&format!("{prefix}-never")).await,
        "delete_session (unknown)",
    );
    // After deletion the id can be created again.
    assert!(ok(store.create_session(&a).await, "create_session"));
}

/// `delete_user_sessions` removes every session of one user (expired ones included).
pub async fn session_delete_user_sessions(store: Arc<dyn Store>, prefix: &str) {
    let victim = format!("uq-victim-{prefix}");
    let bystander = format!("uq-bystander-{prefix}");
    let records = [
        session(prefix, "v1", Some(&victim), NOW_UNIX + 60),
        session(prefix, "v2", Some(&victim), NOW_UNIX + 600),
        session(prefix, "v3", Some(&victim), NOW_UNIX - 5),
        session(prefix, "b1", Some(&bystander), NOW_UNIX + 60),
        session(prefix, "anon", None, NOW_UNIX + 60),
    ];
    for r in &records {
        assert!(ok(store.create_session(r).await, "create_session"));
    }
    assert_eq!(
        ok(
            store.delete_user_sessions(&victim).await,
            "delete_user_sessions"
        ),
        3,
        "all of the user's sessions, expired included"
    );
    for r in &records[..3] {
        assert!(
            ok(
                store.load_session(&r.id_hash, NOW_UNIX - 100).await,
                "load_session"
            )
            .is_none()
        );
    }
    for r in &records[3..] {
        assert_eq!(
            ok(
                store.load_session(&r.id_hash, NOW_UNIX).await,
                "load_session"
            )
            .as_ref(),
            Some(r),
            "other sessions are kept"
        );
    }
    assert_eq!(
        ok(
            store.delete_user_sessions(&victim).await,
            "delete_user_sessions"
        ),
        0,
        "nothing left to delete"
    );
    assert_eq!(
        ok(
            store.delete_user_sessions("uq-nobody").await,
            "delete_user_sessions"
        ),
        0
    );
}

/// `delete_expired_sessions` removes exactly the dead records and says how many.
pub async fn session_delete_expired(store: Arc<dyn Store>, prefix: &str) {
    let records = [
        session(prefix, "e1", Some("uq-e"), NOW_UNIX - 100),
        session(prefix, "e2", None, NOW_UNIX),
        session(prefix, "l1", Some("uq-e"), NOW_UNIX + 1),
        session(prefix, "l2", None, NOW_UNIX + 100),
    ];
    for r in &records {
        assert!(ok(store.create_session(r).await, "create_session"));
    }
    assert_eq!(
        ok(
            store.delete_expired_sessions(NOW_UNIX).await,
            "delete_expired_sessions"
        ),
        2
    );
    assert_eq!(
        ok(
            store.delete_expired_sessions(NOW_UNIX).await,
            "delete_expired_sessions"
        ),
        0,
        "nothing left to delete"
    );
    // The expired ones are gone for good, even for a reader with an older clock.
    for r in &records[..2] {
        assert!(
            ok(
                store.load_session(&r.id_hash, NOW_UNIX - 1000).await,
                "load_session"
            )
            .is_none()
        );
    }
    for r in &records[2..] {
        assert_eq!(
            ok(
                store.load_session(&r.id_hash, NOW_UNIX).await,
                "load_session"
            )
            .as_ref(),
            Some(r)
        );
    }
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX).await, "count_sessions"),
        2
    );
}

/// `count_sessions` counts live records only.
pub async fn session_count(store: Arc<dyn Store>, prefix: &str) {
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX).await, "count_sessions"),
        0,
        "a fresh store has no sessions"
    );
    let records = [
        session(prefix, "c1", Some("uq-c"), NOW_UNIX - 1),
        session(prefix, "c2", Some("uq-c"), NOW_UNIX + 10),
        session(prefix, "c3", None, NOW_UNIX + 20),
    ];
    for r in &records {
        assert!(ok(store.create_session(r).await, "create_session"));
    }
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX).await, "count_sessions"),
        2
    );
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX - 10).await, "count_sessions"),
        3
    );
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX + 10).await, "count_sessions"),
        1
    );
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX + 20).await, "count_sessions"),
        0
    );
    ok(
        store.delete_session(&records[1].id_hash).await,
        "delete_session",
    );
    assert_eq!(
        ok(store.count_sessions(NOW_UNIX).await, "count_sessions"),
        1
    );
}
