//! UserStore: creation, lookups, changes, identities, login tracking.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// `create_user` returns the stored row, and `user_by_id` reads the same row back.
pub async fn user_create_and_read(store: Arc<dyn Store>, prefix: &str) {
    let confirmed = datetime!(2026-01-01 10:11:12.654321 UTC);
    let new = NewUser {
        username: Some(format!("ann_{prefix}")),
        confirmed_at: Some(confirmed),
        ..new_user(prefix, "ann")
    };
    let user = create(&store, new.clone()).await;
    assert!(user.id > 0, "user ids are positive, got {}", user.id);
    assert_eq!(user.email, new.email);
    assert_eq!(user.username, new.username);
    assert_eq!(user.password, new.password);
    assert!(user.active);
    assert_eq!(user.fs_uniquifier, new.fs_uniquifier);
    assert_eq!(user.fs_token_uniquifier, None);
    assert_eq!(user.token_uniquifier(), new.fs_uniquifier);
    assert_eq!(user.confirmed_at, Some(confirmed));
    assert_eq!(user.last_login_at, None);
    assert_eq!(user.current_login_at, None);
    assert_eq!(user.last_login_ip, None);
    assert_eq!(user.current_login_ip, None);
    assert_eq!(user.login_count, None);
    assert_eq!(user.tf_primary_method, None);
    assert_eq!(user.tf_totp_secret, None);
    assert_eq!(user.tf_phone_number, None);
    assert_eq!(user.us_totp_secrets, None);
    assert_eq!(user.us_phone_number, None);
    assert_eq!(user.mf_recovery_codes, None);
    assert_eq!(user.create_datetime, T0);
    assert_eq!(user.update_datetime, T0);

    let read = reload(&store, user.id).await;
    assert_eq!(read, user, "user_by_id returns what create_user returned");

    // A second user gets another id; no password and inactive are kept as such.
    let bob = create(
        &store,
        NewUser {
            password: None,
            active: false,
            ..new_user(prefix, "bob")
        },
    )
    .await;
    assert_ne!(bob.id, user.id, "each user gets its own id");
    let bob = reload(&store, bob.id).await;
    assert_eq!(bob.password, None);
    assert!(!bob.active);
    assert_eq!(bob.username, None);
    assert_eq!(bob.confirmed_at, None);
}

/// Emails are unique case-insensitively: `Conflict("email")`, and nothing is inserted.
pub async fn user_list_pages(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "la")).await;
    let b = create(&store, new_user(prefix, "lb")).await;
    let c = create(&store, new_user(prefix, "lc")).await;
    // Other tests may add users to a shared store: look only at ours, from just before `a`.
    let page = ok(store.list_users(a.id - 1, 2).await, "list_users");
    assert_eq!(page.len(), 2, "a page holds at most `limit` users");
    assert_eq!(page[0].id, a.id, "pages are ordered by id");
    assert!(page[0].id < page[1].id);
    let rest = ok(store.list_users(b.id, 1000).await, "list_users");
    assert!(
        rest.iter().any(|u| u.id == c.id),
        "the next page starts after `after`"
    );
    assert!(rest.iter().all(|u| u.id > b.id));
    assert_eq!(
        rest.iter().find(|u| u.id == c.id).map(|u| &u.email),
        Some(&c.email)
    );
}

pub async fn user_duplicate_email_conflict(store: Arc<dyn Store>, prefix: &str) {
    let first = NewUser {
        email: format!("Ann-{prefix}@Example.com"),
        ..new_user(prefix, "a1")
    };
    create(&store, first).await;
    let before = ok(store.count_users().await, "count_users");

    for email in [
        format!("ann-{prefix}@example.com"),
        format!("Ann-{prefix}@Example.com"),
        format!("ANN-{prefix}@EXAMPLE.COM").to_uppercase(),
    ] {
        let dup = NewUser {
            email: email.clone(),
            ..new_user(prefix, "a2")
        };
        expect_conflict(
            store.create_user(dup).await,
            "email",
            &format!("create_user with taken email {email}"),
        );
    }
    assert_eq!(
        ok(store.count_users().await, "count_users"),
        before,
        "a conflicting create_user inserts nothing"
    );
    assert!(
        ok(
            store.user_by_uniquifier(&uniq(prefix, "a2")).await,
            "user_by_uniquifier"
        )
        .is_none(),
        "a conflicting create_user inserts nothing"
    );
}

/// Identities compare on the full Unicode case fold (not only ASCII): `ÄNNIE@x` is `ännie@x`,
/// `STRASSE` is `straße` — for creation, lookups and changes, on every backend.
pub async fn user_identity_unicode_case_fold(store: Arc<dyn Store>, prefix: &str) {
    let first = NewUser {
        email: format!("ännie-{prefix}@example.com"),
        username: Some(format!("straße{prefix}")),
        ..new_user(prefix, "f1")
    };
    let ann = create(&store, first).await;
    for (email, username, field) in [
        (format!("ÄNNIE-{prefix}@example.com"), None, "email"),
        (format!("Ännie-{prefix}@EXAMPLE.COM"), None, "email"),
        (
            format!("other-{prefix}@example.com"),
            Some(format!("STRASSE{prefix}")),
            "username",
        ),
    ] {
        let dup = NewUser {
            email: email.clone(),
            username,
            ..new_user(prefix, "f2")
        };
        expect_conflict(
            store.create_user(dup).await,
            field,
            &format!("create_user with {email} (a case variant of a taken identity)"),
        );
    }
    for email in [
        format!("ÄNNIE-{prefix}@example.com"),
        format!("a\u{308}nnie-{prefix}@example.com"),
    ] {
        let found = ok(store.user_by_email(&email).await, "user_by_email");
        assert_eq!(found.map(|u| u.id), Some(ann.id), "user_by_email({email})");
    }
    let found = ok(
        store.user_by_username(&format!("STRASSE{prefix}")).await,
        "user_by_username",
    );
    assert_eq!(
        found.map(|u| u.id),
        Some(ann.id),
        "user_by_username(STRASSE)"
    );

    // Another user cannot change to a case variant either; the owner can.
    let other = create(&store, new_user(prefix, "f3")).await;
    expect_conflict(
        store
            .set_email(other.id, &format!("ÄNNIE-{prefix}@example.com"), None, T0)
            .await,
        "email",
        "set_email to a case variant of another user's email",
    );
    expect_conflict(
        store
            .set_username(other.id, Some(&format!("Strasse{prefix}")), T0)
            .await,
        "username",
        "set_username to a case variant of another user's username",
    );
    ok(
        store
            .set_email(ann.id, &format!("ÄNNIE-{prefix}@example.com"), None, T0)
            .await,
        "set_email to a case variant of one's own email",
    );
    assert_eq!(
        reload(&store, ann.id).await.email,
        format!("ÄNNIE-{prefix}@example.com")
    );
}

/// One `update_user` writes any set of columns the model marks `set` — including one no
/// setter names (`fs_webauthn_user_handle`) — and only while its guard holds.
pub async fn user_update_change_set(store: Arc<dyn Store>, prefix: &str) {
    use crate::store::{Guard, UserChange};
    let user = create(&store, new_user(prefix, "u1")).await;
    let later = T0 + Duration::seconds(5);
    let change = UserChange {
        fs_webauthn_user_handle: Some(Some(format!("handle-{prefix}"))),
        tf_phone_number: Some(Some("+15550001111".into())),
        active: Some(false),
        ..UserChange::default()
    };
    let written = ok(
        store
            .update_user(
                user.id,
                &change,
                &Guard::Password("not the hash".into()),
                later,
            )
            .await,
        "update_user with a failing guard",
    );
    assert!(!written, "the guard did not hold");
    assert_eq!(
        reload(&store, user.id).await,
        user,
        "a failed guard writes nothing"
    );
    assert!(ok(
        store
            .update_user(user.id, &change, &Guard::Always, later)
            .await,
        "update_user"
    ));
    let after = reload(&store, user.id).await;
    assert_eq!(
        after.fs_webauthn_user_handle.as_deref(),
        Some(format!("handle-{prefix}").as_str())
    );
    assert_eq!(after.tf_phone_number.as_deref(), Some("+15550001111"));
    assert!(!after.active);
    assert_eq!(after.update_datetime, later);
    let mut expected = user.clone();
    change.apply_to(&mut expected);
    expected.update_datetime = later;
    assert_eq!(after, expected, "exactly the columns of the change");
    assert!(matches!(
        store
            .update_user(i64::MAX - 7, &change, &Guard::Always, later)
            .await,
        Err(StoreError::NotFound)
    ));
}

/// Usernames are unique case-insensitively; any number of users may have no username.
pub async fn user_duplicate_username_conflict(store: Arc<dyn Store>, prefix: &str) {
    create(
        &store,
        NewUser {
            username: Some(format!("Ann_{prefix}")),
            ..new_user(prefix, "u1")
        },
    )
    .await;
    let dup = NewUser {
        username: Some(format!("ann_{prefix}").to_uppercase()),
        ..new_user(prefix, "u2")
    };
    expect_conflict(
        store.create_user(dup).await,
        "username",
        "create_user with taken username (other case)",
    );
    let dup = NewUser {
        username: Some(format!("Ann_{prefix}")),
        ..new_user(prefix, "u3")
    };
    expect_conflict(
        store.create_user(dup).await,
        "username",
        "create_user with taken username (same case)",
    );

    // Users without a username do not collide with each other.
    create(&store, new_user(prefix, "u4")).await;
    create(&store, new_user(prefix, "u5")).await;
}

/// `fs_uniquifier` is unique: `Conflict("fs_uniquifier")`.
pub async fn user_duplicate_uniquifier_conflict(store: Arc<dyn Store>, prefix: &str) {
    create(&store, new_user(prefix, "q1")).await;
    let dup = NewUser {
        fs_uniquifier: uniq(prefix, "q1"),
        ..new_user(prefix, "q2")
    };
    expect_conflict(
        store.create_user(dup).await,
        "fs_uniquifier",
        "create_user with taken fs_uniquifier",
    );
}

/// Rotating to a uniquifier another user holds is `Conflict("fs_uniquifier")` and changes nothing.
pub async fn user_rotate_to_taken_uniquifier_conflict(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "rot-a")).await;
    let b = create(&store, new_user(prefix, "rot-b")).await;
    expect_conflict(
        store
            .set_password(a.id, Some("$x"), Some(&b.fs_uniquifier), a.create_datetime)
            .await,
        "fs_uniquifier",
        "set_password rotating to a taken uniquifier",
    );
    expect_conflict(
        store
            .set_uniquifier(a.id, &b.fs_uniquifier, a.create_datetime)
            .await,
        "fs_uniquifier",
        "set_uniquifier to a taken uniquifier",
    );
    let read = store.user_by_id(a.id).await.unwrap().unwrap();
    assert_eq!(
        read.fs_uniquifier, a.fs_uniquifier,
        "a failed rotation changes nothing"
    );
    assert_eq!(
        read.password, a.password,
        "a failed rotation changes nothing"
    );
}

/// Two registrations racing for `a@x.com` and `A@x.com`: exactly one wins, the other gets
/// `Conflict("email")`. Repeated a few times to give a race a chance to show.
pub async fn user_concurrent_registration_conflict(store: Arc<dyn Store>, prefix: &str) {
    for round in 0..10 {
        let lower = NewUser {
            email: format!("race{round}-{prefix}@x.com"),
            ..new_user(prefix, &format!("r{round}a"))
        };
        let upper = NewUser {
            email: format!("RACE{round}-{prefix}@X.COM").to_uppercase(),
            ..new_user(prefix, &format!("r{round}b"))
        };
        let (s1, s2) = (store.clone(), store.clone());
        let t1 = tokio::spawn(async move { s1.create_user(lower).await });
        let t2 = tokio::spawn(async move { s2.create_user(upper).await });
        let r1 = t1.await.expect("registration task panicked");
        let r2 = t2.await.expect("registration task panicked");
        let lost = match (r1, r2) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            (a, b) => panic!("round {round}: expected exactly one success, got {a:?} and {b:?}"),
        };
        assert!(
            matches!(lost, StoreError::Conflict("email")),
            "round {round}: the loser gets Conflict(\"email\"), got {lost:?}"
        );
    }
}

/// Email and username lookups ignore case; uniquifier lookups are exact; unknowns are `None`.
pub async fn user_lookups(store: Arc<dyn Store>, prefix: &str) {
    let user = create(
        &store,
        NewUser {
            email: format!("Ann-{prefix}@Example.com"),
            username: Some(format!("AnnDemo_{prefix}")),
            ..new_user(prefix, "look")
        },
    )
    .await;
    let other = create(&store, new_user(prefix, "other")).await;

    for email in [
        format!("Ann-{prefix}@Example.com"),
        format!("ann-{prefix}@example.com"),
        format!("ANN-{prefix}@EXAMPLE.COM").to_uppercase(),
    ] {
        let found = ok(store.user_by_email(&email).await, "user_by_email");
        assert_eq!(
            found.map(|u| u.id),
            Some(user.id),
            "user_by_email({email}) ignores case"
        );
    }
    for name in [
        format!("AnnDemo_{prefix}"),
        format!("anndemo_{prefix}").to_lowercase(),
        format!("ANNDEMO_{prefix}").to_uppercase(),
    ] {
        let found = ok(store.user_by_username(&name).await, "user_by_username");
        assert_eq!(
            found.map(|u| u.id),
            Some(user.id),
            "user_by_username({name}) ignores case"
        );
    }
    let found = ok(
        store.user_by_uniquifier(&user.fs_uniquifier).await,
        "user_by_uniquifier",
    );
    assert_eq!(found.as_ref(), Some(&user));
    let found = ok(
        store.user_by_uniquifier(&other.fs_uniquifier).await,
        "user_by_uniquifier",
    );
    assert_eq!(found.map(|u| u.id), Some(other.id));
    assert!(
        ok(
            store
                .user_by_uniquifier(&user.fs_uniquifier.to_uppercase())
                .await,
            "user_by_uniquifier"
        )
        .is_none(),
        "user_by_uniquifier is exact (case matters)"
    );
    assert!(
        ok(
            store
                .user_by_token_uniquifier(&user.fs_uniquifier.to_uppercase())
                .await,
            "user_by_token_uniquifier"
        )
        .is_none(),
        "user_by_token_uniquifier is exact (case matters)"
    );

    // Unknowns.
    assert!(
        ok(
            store.user_by_id(user.id + other.id + 1000).await,
            "user_by_id"
        )
        .is_none()
    );
    assert!(ok(store.user_by_id(-1).await, "user_by_id").is_none());
    assert!(
        ok(
            store
                .user_by_email(&format!("nobody-{prefix}@example.com"))
                .await,
            "user_by_email"
        )
        .is_none()
    );
    assert!(
        ok(
            store.user_by_username(&format!("nobody_{prefix}")).await,
            "user_by_username"
        )
        .is_none()
    );
    assert!(
        ok(
            store.user_by_uniquifier(&uniq(prefix, "nobody")).await,
            "user_by_uniquifier"
        )
        .is_none()
    );
    assert!(
        ok(
            store
                .user_by_token_uniquifier(&uniq(prefix, "nobody"))
                .await,
            "user_by_token_uniquifier"
        )
        .is_none()
    );
    assert!(ok(store.user_by_email("").await, "user_by_email").is_none());
    assert!(
        ok(store.user_by_username("").await, "user_by_username").is_none(),
        "an empty username matches nobody (users without a username included)"
    );
}

/// Without `fs_token_uniquifier`, `user_by_token_uniquifier` falls back to `fs_uniquifier`.
pub async fn user_token_uniquifier_fallback(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "tok")).await;
    assert_eq!(user.fs_token_uniquifier, None);
    let found = ok(
        store.user_by_token_uniquifier(&user.fs_uniquifier).await,
        "user_by_token_uniquifier",
    );
    assert_eq!(found.as_ref(), Some(&user), "falls back to fs_uniquifier");

    // After a rotation the new value is found and the old one is not.
    let new_q = uniq(prefix, "tok-rotated");
    ok(
        store
            .set_uniquifier(user.id, &new_q, T0 + Duration::seconds(1))
            .await,
        "set_uniquifier",
    );
    let found = ok(
        store.user_by_token_uniquifier(&new_q).await,
        "user_by_token_uniquifier",
    );
    assert_eq!(found.map(|u| u.id), Some(user.id));
    assert!(
        ok(
            store.user_by_token_uniquifier(&user.fs_uniquifier).await,
            "user_by_token_uniquifier"
        )
        .is_none(),
        "the old uniquifier no longer finds the user"
    );
}

/// `set_password` without a new uniquifier changes only the hash (and `update_datetime`).
pub async fn user_set_password_keeps_uniquifier(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "pw")).await;
    let later = T0 + Duration::minutes(5);
    ok(
        store
            .set_password(user.id, Some("$argon2id$new-hash"), None, later)
            .await,
        "set_password",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.password.as_deref(), Some("$argon2id$new-hash"));
    assert_eq!(read.fs_uniquifier, user.fs_uniquifier, "uniquifier kept");
    assert_eq!(read.fs_token_uniquifier, None);
    assert_eq!(read.update_datetime, later, "update_datetime set to now");
    assert_eq!(
        read.create_datetime, user.create_datetime,
        "create_datetime kept"
    );
    assert_eq!(read.email, user.email);
    assert!(
        ok(
            store.user_by_uniquifier(&user.fs_uniquifier).await,
            "user_by_uniquifier"
        )
        .is_some()
    );

    // Clearing the password.
    ok(
        store.set_password(user.id, None, None, later).await,
        "set_password(None)",
    );
    assert_eq!(reload(&store, user.id).await.password, None);
}

/// `set_password` with a new uniquifier rotates it: the old one no longer finds the user.
pub async fn user_set_password_rotates_uniquifier(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "rot")).await;
    let bystander = create(&store, new_user(prefix, "bystander")).await;
    let new_q = uniq(prefix, "rot-new");
    let later = T0 + Duration::hours(1);
    ok(
        store
            .set_password(user.id, Some("$bcrypt$new"), Some(&new_q), later)
            .await,
        "set_password with rotation",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.password.as_deref(), Some("$bcrypt$new"));
    assert_eq!(read.fs_uniquifier, new_q);
    assert_eq!(
        read.fs_token_uniquifier, None,
        "fs_token_uniquifier stays unset when the user had none"
    );
    assert_eq!(read.update_datetime, later);
    assert!(
        ok(
            store.user_by_uniquifier(&user.fs_uniquifier).await,
            "user_by_uniquifier(old)"
        )
        .is_none(),
        "the old uniquifier no longer finds the user"
    );
    assert_eq!(
        ok(
            store.user_by_uniquifier(&new_q).await,
            "user_by_uniquifier(new)"
        )
        .map(|u| u.id),
        Some(user.id)
    );
    assert_eq!(
        reload(&store, bystander.id).await,
        bystander,
        "other users are untouched"
    );
}

/// `upgrade_password` replaces the hash only while it is still the expected one.
pub async fn user_upgrade_password_compare_and_set(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "up")).await;
    let old = user.password.clone().expect("new_user sets a password");
    let later = T0 + Duration::seconds(30);

    let replaced = ok(
        store
            .upgrade_password(user.id, &old, "$argon2id$upgraded", later)
            .await,
        "upgrade_password",
    );
    assert!(
        replaced,
        "upgrade_password with the current hash replaces it"
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.password.as_deref(), Some("$argon2id$upgraded"));
    assert_eq!(read.fs_uniquifier, user.fs_uniquifier, "uniquifier kept");
    assert_eq!(read.update_datetime, later);

    // The hash changed meanwhile: nothing happens.
    let replaced = ok(
        store
            .upgrade_password(user.id, &old, "$argon2id$stale", later)
            .await,
        "upgrade_password (stale)",
    );
    assert!(
        !replaced,
        "upgrade_password with a stale hash reports false"
    );
    assert_eq!(
        reload(&store, user.id).await.password.as_deref(),
        Some("$argon2id$upgraded"),
        "a stale upgrade changes nothing"
    );

    // A user without a password is never upgraded.
    ok(
        store.set_password(user.id, None, None, later).await,
        "set_password(None)",
    );
    let replaced = ok(
        store
            .upgrade_password(user.id, "", "$argon2id$from-nothing", later)
            .await,
        "upgrade_password (no password)",
    );
    assert!(!replaced, "a user without a password is not upgraded");
    assert_eq!(reload(&store, user.id).await.password, None);
}

/// `set_uniquifier` rotates `fs_uniquifier`; other fields stay.
pub async fn user_set_uniquifier(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "su")).await;
    let other = create(&store, new_user(prefix, "su-other")).await;
    let new_q = uniq(prefix, "su-new");
    let later = T0 + Duration::days(1);
    ok(
        store.set_uniquifier(user.id, &new_q, later).await,
        "set_uniquifier",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.fs_uniquifier, new_q);
    assert_eq!(read.fs_token_uniquifier, None);
    assert_eq!(read.password, user.password, "password kept");
    assert_eq!(read.update_datetime, later);
    assert!(
        ok(
            store.user_by_uniquifier(&user.fs_uniquifier).await,
            "user_by_uniquifier"
        )
        .is_none()
    );
    assert_eq!(
        reload(&store, other.id).await,
        other,
        "other users are untouched"
    );
}

/// `set_active` reports whether the value changed.
pub async fn user_set_active_reports_change(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "act")).await;
    let later = T0 + Duration::seconds(10);
    assert!(
        !ok(store.set_active(user.id, true, later).await, "set_active"),
        "active -> active is no change"
    );
    assert!(reload(&store, user.id).await.active);
    assert!(
        ok(store.set_active(user.id, false, later).await, "set_active"),
        "active -> inactive is a change"
    );
    let read = reload(&store, user.id).await;
    assert!(!read.active);
    assert_eq!(read.update_datetime, later);
    assert!(
        !ok(store.set_active(user.id, false, later).await, "set_active"),
        "inactive -> inactive is no change"
    );
    assert!(!reload(&store, user.id).await.active);
    assert!(
        ok(store.set_active(user.id, true, later).await, "set_active"),
        "inactive -> active is a change"
    );
    assert!(reload(&store, user.id).await.active);
}

/// `confirmed_at` is stored with (at least) microsecond precision and can be cleared.
pub async fn user_confirmed_at_round_trip(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "conf")).await;
    assert!(!user.is_confirmed());
    let at = datetime!(2026-03-04 05:06:07.890123 UTC);
    let later = T0 + Duration::seconds(2);
    ok(
        store.set_confirmed_at(user.id, Some(at), later).await,
        "set_confirmed_at",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.confirmed_at, Some(at), "confirmed_at round trip");
    assert!(read.is_confirmed());
    assert_eq!(read.update_datetime, later);

    // A whole second, and a time given in another offset (same instant).
    let whole = datetime!(2026-03-04 05:06:07 UTC);
    ok(
        store.set_confirmed_at(user.id, Some(whole), later).await,
        "set_confirmed_at",
    );
    assert_eq!(reload(&store, user.id).await.confirmed_at, Some(whole));
    let offset = datetime!(2026-03-04 07:06:07.5 +02:00);
    ok(
        store.set_confirmed_at(user.id, Some(offset), later).await,
        "set_confirmed_at",
    );
    assert_eq!(
        reload(&store, user.id).await.confirmed_at,
        Some(offset),
        "times are stored as the same instant"
    );

    ok(
        store.set_confirmed_at(user.id, None, later).await,
        "set_confirmed_at(None)",
    );
    assert_eq!(reload(&store, user.id).await.confirmed_at, None);
}

/// `set_email` replaces the address and `confirmed_at`: lookups by the old address miss, by the
/// new one hit in any case; another user's address (in any case) is `Conflict("email")` and
/// changes nothing; one's own address in another case is fine; an unknown id is `NotFound`.
pub async fn user_set_email(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "se-a")).await;
    let b = create(
        &store,
        NewUser {
            confirmed_at: Some(T0),
            ..new_user(prefix, "se-b")
        },
    )
    .await;
    let new = format!("New-{prefix}@Example.com");
    let proven = datetime!(2026-02-03 04:05:06.789012 UTC);
    let later = T0 + Duration::seconds(5);
    // Looked up first, so that a caching store has the user cached when it changes.
    let cached = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(cached.map(|u| u.email.clone()), Some(a.email.clone()));

    ok(
        store.set_email(a.id, &new, Some(proven), later).await,
        "set_email",
    );
    let read = reload(&store, a.id).await;
    let expected = User {
        email: new.clone(),
        confirmed_at: Some(proven),
        update_datetime: later,
        ..a.clone()
    };
    assert_eq!(
        read, expected,
        "set_email changes email, confirmed_at, update_datetime only"
    );
    assert!(read.is_confirmed());
    assert_eq!(
        ok(store.user_by_email(&a.email).await, "user_by_email(old)"),
        None,
        "the old address finds nobody"
    );
    for spelling in [new.clone(), new.to_lowercase(), new.to_uppercase()] {
        let found = ok(store.user_by_email(&spelling).await, "user_by_email(new)");
        assert_eq!(found.map(|u| u.id), Some(a.id), "user_by_email({spelling})");
    }
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| (u.email.clone(), u.confirmed_at)),
        Some((new.clone(), Some(proven))),
        "a uniquifier lookup sees the new address at once"
    );
    assert_eq!(reload(&store, b.id).await, b, "other users untouched");

    // Another user's address, in another case and in the same case.
    for taken in [new.to_uppercase(), new.to_lowercase(), new.clone()] {
        expect_conflict(
            store.set_email(b.id, &taken, Some(later), later).await,
            "email",
            &format!("set_email to another user's address {taken}"),
        );
    }
    assert_eq!(
        reload(&store, b.id).await,
        b,
        "a conflicting set_email changes nothing"
    );
    assert_eq!(reload(&store, a.id).await, expected);

    // One's own address in another case; `confirmed_at` is set as given (here: cleared).
    let even_later = later + Duration::seconds(1);
    ok(
        store
            .set_email(a.id, &new.to_lowercase(), None, even_later)
            .await,
        "set_email to own address in another case",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(read.email, new.to_lowercase());
    assert_eq!(read.confirmed_at, None);
    assert_eq!(read.update_datetime, even_later);
    // Same address again, same case: fine too.
    ok(
        store
            .set_email(a.id, &new.to_lowercase(), Some(proven), even_later)
            .await,
        "set_email to own address unchanged",
    );
    assert_eq!(reload(&store, a.id).await.confirmed_at, Some(proven));

    // The address `a` gave up is free again, in any case.
    ok(
        store
            .set_email(b.id, &a.email.to_uppercase(), Some(later), later)
            .await,
        "set_email to a released address",
    );
    let found = ok(store.user_by_email(&a.email).await, "user_by_email");
    assert_eq!(found.map(|u| u.id), Some(b.id));

    // Unknown ids: `NotFound`, whatever the address (free or taken), and nothing is created.
    let missing = a.id.max(b.id) + 10_000;
    let fresh = format!("fresh-{prefix}@example.com");
    let before = ok(store.count_users().await, "count_users");
    expect_not_found(
        store.set_email(missing, &fresh, Some(T0), T0).await,
        "set_email unknown id",
    );
    expect_not_found(
        store.set_email(missing, &new, Some(T0), T0).await,
        "set_email unknown id, taken address",
    );
    expect_not_found(
        store.set_email(i64::MAX, &fresh, None, T0).await,
        "set_email id i64::MAX",
    );
    assert_eq!(ok(store.user_by_email(&fresh).await, "user_by_email"), None);
    assert_eq!(ok(store.count_users().await, "count_users"), before);

    // A registration cannot take the new address either.
    let dup = NewUser {
        email: new.to_uppercase(),
        ..new_user(prefix, "se-c")
    };
    expect_conflict(
        store.create_user(dup).await,
        "email",
        "create_user with an address taken by set_email",
    );
}

/// `set_username` sets, changes and clears the username; another user's (in any case) is
/// `Conflict("username")`; one's own in another case is fine; an unknown id is `NotFound`.
pub async fn user_set_username(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "su-a")).await;
    let bob = format!("Bob_{prefix}");
    let b = create(
        &store,
        NewUser {
            username: Some(bob.clone()),
            ..new_user(prefix, "su-b")
        },
    )
    .await;
    let t1 = T0 + Duration::seconds(1);
    let t2 = T0 + Duration::seconds(2);
    // Looked up first, so that a caching store has the user cached when it changes.
    let cached = ok(
        store
            .user_by_token_uniquifier_shared(&a.fs_uniquifier)
            .await,
        "user_by_token_uniquifier_shared",
    );
    assert_eq!(cached.map(|u| u.username.clone()), Some(None));

    // Set.
    let ann = format!("Ann_{prefix}");
    ok(
        store.set_username(a.id, Some(&ann), t1).await,
        "set_username",
    );
    let read = reload(&store, a.id).await;
    let expected = User {
        username: Some(ann.clone()),
        update_datetime: t1,
        ..a.clone()
    };
    assert_eq!(
        read, expected,
        "set_username changes username and update_datetime only"
    );
    let found = ok(
        store.user_by_username(&ann.to_lowercase()).await,
        "user_by_username",
    );
    assert_eq!(found.map(|u| u.id), Some(a.id));

    // Change.
    let anna = format!("Anna_{prefix}");
    ok(
        store.set_username(a.id, Some(&anna), t2).await,
        "set_username change",
    );
    assert_eq!(
        ok(store.user_by_username(&ann).await, "user_by_username(old)"),
        None,
        "the old username finds nobody"
    );
    let found = ok(
        store.user_by_username(&anna.to_uppercase()).await,
        "user_by_username(new)",
    );
    assert_eq!(found.map(|u| u.id), Some(a.id));
    let by_uniquifier = ok(
        store
            .user_by_token_uniquifier_shared(&a.fs_uniquifier)
            .await,
        "user_by_token_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.and_then(|u| u.username.clone()),
        Some(anna.clone()),
        "a token uniquifier lookup sees the new username at once"
    );

    // One's own username in another case.
    ok(
        store
            .set_username(a.id, Some(&anna.to_uppercase()), t2)
            .await,
        "set_username to own username in another case",
    );
    assert_eq!(
        reload(&store, a.id).await.username,
        Some(anna.to_uppercase())
    );

    // Another user's, in another case and in the same case.
    for taken in [bob.to_lowercase(), bob.to_uppercase(), bob.clone()] {
        expect_conflict(
            store.set_username(a.id, Some(&taken), t2).await,
            "username",
            &format!("set_username to another user's username {taken}"),
        );
    }
    assert_eq!(
        reload(&store, a.id).await.username,
        Some(anna.to_uppercase()),
        "a conflicting set_username changes nothing"
    );
    assert_eq!(reload(&store, b.id).await, b, "other users untouched");

    // Clear; several users without a username are fine.
    ok(
        store.set_username(a.id, None, t2).await,
        "set_username(None)",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(read.username, None);
    assert_eq!(
        ok(store.user_by_username(&anna).await, "user_by_username"),
        None
    );
    ok(
        store.set_username(b.id, None, t2).await,
        "set_username(None)",
    );
    ok(
        store.set_username(a.id, None, t2).await,
        "set_username(None) again",
    );
    assert_eq!(reload(&store, b.id).await.username, None);

    // A released username is free again.
    ok(
        store
            .set_username(a.id, Some(&bob.to_uppercase()), t2)
            .await,
        "set_username to a released username",
    );
    let found = ok(store.user_by_username(&bob).await, "user_by_username");
    assert_eq!(found.map(|u| u.id), Some(a.id));
    let dup = NewUser {
        username: Some(bob.to_lowercase()),
        ..new_user(prefix, "su-c")
    };
    expect_conflict(
        store.create_user(dup).await,
        "username",
        "create_user with a username taken by set_username",
    );

    // Unknown ids.
    let missing = a.id.max(b.id) + 10_000;
    expect_not_found(
        store
            .set_username(missing, Some(&format!("fresh_{prefix}")), T0)
            .await,
        "set_username unknown id",
    );
    expect_not_found(
        store.set_username(missing, Some(&bob), T0).await,
        "set_username unknown id, taken username",
    );
    expect_not_found(
        store.set_username(missing, None, T0).await,
        "set_username(None) unknown id",
    );
    expect_not_found(
        store.set_username(i64::MAX, None, T0).await,
        "set_username id i64::MAX",
    );
}

/// Ten users race to change to one address (alternating its case) while a registration races
/// for it too: exactly one wins, the others get `Conflict("email")`, and exactly one user has
/// the address afterwards. Repeated for a few addresses to give a race a chance to show.
pub async fn user_set_email_concurrent(store: Arc<dyn Store>, prefix: &str) {
    const USERS: usize = 10;
    let mut users = Vec::new();
    for i in 0..USERS {
        users.push(create(&store, new_user(prefix, &format!("sec{i}"))).await);
    }
    for round in 0..3 {
        let address = format!("Race{round}-{prefix}@Example.com");
        let mut tasks = Vec::new();
        for (i, user) in users.iter().enumerate() {
            let store = store.clone();
            let id = user.id;
            let email = if i % 2 == 0 {
                address.to_uppercase()
            } else {
                address.to_lowercase()
            };
            let at = T0 + Duration::seconds(round + 1);
            tasks.push(tokio::spawn(async move {
                store.set_email(id, &email, Some(at), at).await.map(|()| id)
            }));
        }
        let registration = NewUser {
            email: address.clone(),
            ..new_user(prefix, &format!("sec-new{round}"))
        };
        let registering = {
            let store = store.clone();
            tokio::spawn(async move { store.create_user(registration).await.map(|u| u.id) })
        };
        tasks.push(registering);

        let mut winners = Vec::new();
        for task in tasks {
            match task.await.expect("set_email task panicked") {
                Ok(id) => winners.push(id),
                Err(StoreError::Conflict("email")) => {}
                Err(other) => {
                    panic!("round {round}: the losers get Conflict(\"email\"), got {other:?}")
                }
            }
        }
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one success, got {winners:?}"
        );
        let winner = winners[0];
        let found = ok(store.user_by_email(&address).await, "user_by_email");
        assert_eq!(
            found.map(|u| u.id),
            Some(winner),
            "round {round}: the winner has the address"
        );
        let mut holders = 0;
        for user in &mut users {
            let read = reload(&store, user.id).await;
            if read.email.to_lowercase() == address.to_lowercase() {
                holders += 1;
                assert_eq!(read.id, winner, "round {round}: only the winner has it");
            } else {
                assert_eq!(
                    read.email, user.email,
                    "round {round}: a loser keeps its address"
                );
            }
            *user = read;
        }
        if users.iter().all(|u| u.id != winner) {
            // The registration won.
            holders += 1;
            let created = reload(&store, winner).await;
            assert_eq!(created.email, address);
        }
        assert_eq!(
            holders, 1,
            "round {round}: exactly one user has the address"
        );
    }
}

/// `set_two_factor` sets, changes and clears the three two-factor fields together and touches
/// nothing else (not the unified sign-in phone); a two-factor phone is no identity (two users
/// may share one); caching stores show the change at once; an unknown id is `NotFound`.
pub async fn user_set_two_factor(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "tf-a")).await;
    let b = create(&store, new_user(prefix, "tf-b")).await;
    let t1 = T0 + Duration::seconds(1);
    let t2 = T0 + Duration::seconds(2);
    let t3 = T0 + Duration::seconds(3);
    // Passlib-encrypted JSON, as Flask-Security stores it: case matters.
    let secret = format!(r#"{{"enc": "gAAAAABmXyZ-{prefix}-QwErTy==", "v": 1}}"#);
    let phone = "+15551234567";
    // Looked up first, so that a caching store has the user cached when it changes.
    let cached = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        cached.map(|u| u.tf_primary_method.clone()),
        Some(None),
        "a new user has no two-factor method"
    );

    // Set all three.
    ok(
        store
            .set_two_factor(a.id, Some("authenticator"), Some(&secret), Some(phone), t1)
            .await,
        "set_two_factor",
    );
    let read = reload(&store, a.id).await;
    let expected = User {
        tf_primary_method: Some("authenticator".into()),
        tf_totp_secret: Some(secret.clone()),
        tf_phone_number: Some(phone.into()),
        update_datetime: t1,
        ..a.clone()
    };
    assert_eq!(
        read, expected,
        "set_two_factor changes the two-factor fields and update_datetime only"
    );
    assert_eq!(read.us_phone_number, None, "not the unified sign-in phone");
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| (
            u.tf_primary_method.clone(),
            u.tf_totp_secret.clone(),
            u.tf_phone_number.clone()
        )),
        Some((
            Some("authenticator".to_owned()),
            Some(secret.clone()),
            Some(phone.to_owned())
        )),
        "a uniquifier lookup sees the two-factor fields at once"
    );

    // Change the method (the secret stays as given).
    ok(
        store
            .set_two_factor(a.id, Some("sms"), Some(&secret), Some(phone), t2)
            .await,
        "set_two_factor change method",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(read.tf_primary_method.as_deref(), Some("sms"));
    assert_eq!(read.tf_totp_secret.as_deref(), Some(secret.as_str()));
    assert_eq!(read.tf_phone_number.as_deref(), Some(phone));
    assert_eq!(read.update_datetime, t2);
    let by_token = ok(
        store
            .user_by_token_uniquifier_shared(&a.fs_uniquifier)
            .await,
        "user_by_token_uniquifier_shared",
    );
    assert_eq!(
        by_token
            .and_then(|u| u.tf_primary_method.clone())
            .as_deref(),
        Some("sms"),
        "a token uniquifier lookup sees the new method at once"
    );

    // Another user may have the same two-factor phone.
    ok(
        store
            .set_two_factor(b.id, Some("sms"), Some("other-secret"), Some(phone), t2)
            .await,
        "set_two_factor with another user's two-factor phone",
    );
    assert_eq!(
        reload(&store, a.id).await.tf_phone_number.as_deref(),
        Some(phone)
    );
    assert_eq!(
        reload(&store, b.id).await.tf_phone_number.as_deref(),
        Some(phone)
    );

    // Clear all with None.
    ok(
        store.set_two_factor(a.id, None, None, None, t3).await,
        "set_two_factor(None, None, None)",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(
        read,
        User {
            update_datetime: t3,
            ..a.clone()
        },
        "clearing the two-factor fields leaves the user as created"
    );
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| u.tf_primary_method.clone()),
        Some(None),
        "a uniquifier lookup sees the cleared method at once"
    );
    // Twice is fine.
    ok(
        store.set_two_factor(a.id, None, None, None, t3).await,
        "set_two_factor(None, None, None) again",
    );
    let b_read = reload(&store, b.id).await;
    assert_eq!(b_read.tf_totp_secret.as_deref(), Some("other-secret"));
    assert_eq!(b_read.email, b.email, "other users otherwise untouched");

    // Unknown ids.
    let missing = a.id.max(b.id) + 10_000;
    expect_not_found(
        store
            .set_two_factor(missing, Some("authenticator"), Some(&secret), None, T0)
            .await,
        "set_two_factor unknown id",
    );
    expect_not_found(
        store.set_two_factor(missing, None, None, None, T0).await,
        "set_two_factor(None) unknown id",
    );
    expect_not_found(
        store.set_two_factor(i64::MAX, None, None, None, T0).await,
        "set_two_factor id i64::MAX",
    );
}

/// `set_us_totp_secrets` sets, replaces and clears `us_totp_secrets`, kept exactly as given
/// (Flask-Security's JSON text), and touches nothing else; [`User::us_secrets`] reads it as a
/// map (NULL, empty or unparsable text as an empty one); caching stores show the change at
/// once; an unknown id is `NotFound`.
pub async fn user_us_totp_secrets(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "us-a")).await;
    let b = create(&store, new_user(prefix, "us-b")).await;
    let t1 = T0 + Duration::seconds(1);
    let t2 = T0 + Duration::seconds(2);
    let t3 = T0 + Duration::seconds(3);
    assert!(a.us_secrets().is_empty(), "a new user has no secrets");
    // Looked up first, so that a caching store has the user cached when it changes.
    let cached = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        cached.map(|u| u.us_totp_secrets.clone()),
        Some(None),
        "a new user has no unified sign-in secrets"
    );

    // Set: the text is kept byte for byte (spacing, key order, case, non-ASCII).
    let email_secret = format!("gAAAAABmXyZ-{prefix}-QwErTy==");
    let text = format!(r#"{{"email": "{email_secret}", "authenticator": "AbC+/é="}}"#);
    ok(
        store.set_us_totp_secrets(a.id, Some(&text), t1).await,
        "set_us_totp_secrets",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(
        read,
        User {
            us_totp_secrets: Some(text.clone()),
            update_datetime: t1,
            ..a.clone()
        },
        "set_us_totp_secrets changes us_totp_secrets and update_datetime only"
    );
    let secrets = read.us_secrets();
    assert_eq!(secrets.len(), 2);
    assert_eq!(
        secrets.get("email").and_then(|v| v.as_str()),
        Some(email_secret.as_str())
    );
    assert_eq!(
        secrets.get("authenticator").and_then(|v| v.as_str()),
        Some("AbC+/é=")
    );
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| u.us_totp_secrets.clone()),
        Some(Some(text.clone())),
        "a uniquifier lookup sees the secrets at once"
    );

    // Replace.
    let replaced = format!(r#"{{"sms": "{email_secret}-sms"}}"#);
    ok(
        store.set_us_totp_secrets(a.id, Some(&replaced), t2).await,
        "set_us_totp_secrets replace",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(read.us_totp_secrets.as_deref(), Some(replaced.as_str()));
    assert_eq!(read.update_datetime, t2);
    let secrets = read.us_secrets();
    assert_eq!(secrets.len(), 1);
    assert_eq!(
        secrets.get("sms").and_then(|v| v.as_str()),
        Some(format!("{email_secret}-sms").as_str())
    );
    let by_token = ok(
        store
            .user_by_token_uniquifier_shared(&a.fs_uniquifier)
            .await,
        "user_by_token_uniquifier_shared",
    );
    assert_eq!(
        by_token.and_then(|u| u.us_totp_secrets.clone()),
        Some(replaced.clone()),
        "a token uniquifier lookup sees the replaced secrets at once"
    );

    // Another user may have the same text; theirs is independent.
    ok(
        store.set_us_totp_secrets(b.id, Some(&replaced), t2).await,
        "set_us_totp_secrets other user",
    );

    // Whatever is stored is kept; what is no JSON object reads as no secrets.
    for odd in ["", "   ", "not json", "[1, 2]", r#""email""#, "{"] {
        ok(
            store.set_us_totp_secrets(a.id, Some(odd), t2).await,
            "set_us_totp_secrets odd text",
        );
        let read = reload(&store, a.id).await;
        assert_eq!(read.us_totp_secrets.as_deref(), Some(odd), "{odd:?} kept");
        assert!(read.us_secrets().is_empty(), "{odd:?} reads as no secrets");
    }

    // Clear with None.
    ok(
        store.set_us_totp_secrets(a.id, None, t3).await,
        "set_us_totp_secrets(None)",
    );
    let read = reload(&store, a.id).await;
    assert_eq!(
        read,
        User {
            update_datetime: t3,
            ..a.clone()
        },
        "clearing the secrets leaves the user as created"
    );
    assert!(read.us_secrets().is_empty());
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&a.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| u.us_totp_secrets.clone()),
        Some(None),
        "a uniquifier lookup sees the cleared secrets at once"
    );
    // Twice is fine.
    ok(
        store.set_us_totp_secrets(a.id, None, t3).await,
        "set_us_totp_secrets(None) again",
    );
    let b_read = reload(&store, b.id).await;
    assert_eq!(b_read.us_totp_secrets.as_deref(), Some(replaced.as_str()));
    assert_eq!(b_read.email, b.email, "other users otherwise untouched");

    // Unknown ids.
    let missing = a.id.max(b.id) + 10_000;
    expect_not_found(
        store.set_us_totp_secrets(missing, Some(&text), T0).await,
        "set_us_totp_secrets unknown id",
    );
    expect_not_found(
        store.set_us_totp_secrets(missing, None, T0).await,
        "set_us_totp_secrets(None) unknown id",
    );
    expect_not_found(
        store.set_us_totp_secrets(i64::MAX, None, T0).await,
        "set_us_totp_secrets id i64::MAX",
    );
}

/// `set_recovery_codes` stores the codes comma joined (`[]` as NULL), [`User::recovery_codes`]
/// reads them back; with `expected` it replaces them only while the stored list is exactly
/// that (case included) and says whether it did; caching stores show the change at once; an
/// unknown id is `NotFound`.
pub async fn user_recovery_codes(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "rc")).await;
    let other = create(&store, new_user(prefix, "rc-other")).await;
    assert_eq!(user.recovery_codes(), Vec::<String>::new());
    let t1 = T0 + Duration::seconds(1);
    let t2 = T0 + Duration::seconds(2);
    let t3 = T0 + Duration::seconds(3);
    let t4 = T0 + Duration::seconds(4);
    // Mixed case (Fernet tokens, when Flask-Security encrypts the codes): compared exactly.
    let codes = perms(&["gAAAAAB-Abc1=", "gAAAAAB-dEf2=", "gAAAAAB-GhI3="]);
    // Looked up first, so that a caching store has the user cached when it changes.
    let cached = ok(
        store.user_by_uniquifier_shared(&user.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(cached.map(|u| u.recovery_codes()), Some(Vec::new()));

    // Set three codes.
    let replaced = ok(
        store.set_recovery_codes(user.id, None, &codes, t1).await,
        "set_recovery_codes",
    );
    assert!(replaced, "set_recovery_codes without `expected` replaces");
    let read = reload(&store, user.id).await;
    assert_eq!(read.recovery_codes(), codes);
    assert_eq!(
        read.mf_recovery_codes.as_deref(),
        Some("gAAAAAB-Abc1=,gAAAAAB-dEf2=,gAAAAAB-GhI3="),
        "stored comma joined, as Flask-Security's AsaList"
    );
    assert_eq!(
        read,
        User {
            mf_recovery_codes: read.mf_recovery_codes.clone(),
            update_datetime: t1,
            ..user.clone()
        },
        "set_recovery_codes changes mf_recovery_codes and update_datetime only"
    );
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&user.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| u.recovery_codes()),
        Some(codes.clone()),
        "a uniquifier lookup sees the codes at once"
    );

    // Compare-and-set with the stored list: one code used.
    let fewer = vec![codes[0].clone(), codes[2].clone()];
    let replaced = ok(
        store
            .set_recovery_codes(user.id, Some(&codes), &fewer, t2)
            .await,
        "set_recovery_codes (current expected)",
    );
    assert!(
        replaced,
        "a compare-and-set with the stored list replaces it"
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.recovery_codes(), fewer);
    assert_eq!(read.update_datetime, t2);
    let by_uniquifier = ok(
        store.user_by_uniquifier_shared(&user.fs_uniquifier).await,
        "user_by_uniquifier_shared",
    );
    assert_eq!(
        by_uniquifier.map(|u| u.recovery_codes()),
        Some(fewer.clone()),
        "a uniquifier lookup sees the used code gone at once"
    );

    // Stale expectations change nothing: the old list, another case, a part, a superset, none.
    let upper: Vec<String> = fewer.iter().map(|c| c.to_uppercase()).collect();
    let lower: Vec<String> = fewer.iter().map(|c| c.to_lowercase()).collect();
    let part = vec![codes[0].clone()];
    let reversed = vec![codes[2].clone(), codes[0].clone()];
    let superset = vec![
        codes[0].clone(),
        codes[2].clone(),
        "gAAAAAB-JkL4=".to_owned(),
    ];
    let stale: [(&str, &[String]); 7] = [
        ("the previous list", &codes),
        ("upper case", &upper),
        ("lower case", &lower),
        ("a part", &part),
        ("another order", &reversed),
        ("a superset", &superset),
        ("the empty list", &[]),
    ];
    for (what, expected) in stale {
        let replaced = ok(
            store
                .set_recovery_codes(user.id, Some(expected), &part, t3)
                .await,
            &format!("set_recovery_codes (stale: {what})"),
        );
        assert!(
            !replaced,
            "a compare-and-set expecting {what} reports false"
        );
    }
    let read = reload(&store, user.id).await;
    assert_eq!(
        read.recovery_codes(),
        fewer,
        "a stale compare-and-set changes nothing"
    );
    assert_eq!(
        read.update_datetime, t2,
        "a stale compare-and-set changes nothing"
    );

    // Writing the same list back is a success.
    let replaced = ok(
        store
            .set_recovery_codes(user.id, Some(&fewer), &fewer, t2)
            .await,
        "set_recovery_codes (same list)",
    );
    assert!(
        replaced,
        "a compare-and-set writing the same list reports true"
    );

    // The last codes used: `[]` is stored as NULL.
    let replaced = ok(
        store
            .set_recovery_codes(user.id, Some(&fewer), &[], t3)
            .await,
        "set_recovery_codes to []",
    );
    assert!(replaced);
    let read = reload(&store, user.id).await;
    assert_eq!(
        read.mf_recovery_codes, None,
        "an empty list is stored as NULL"
    );
    assert_eq!(read.recovery_codes(), Vec::<String>::new());
    assert_eq!(read.update_datetime, t3);
    // An empty list is expected as such.
    let replaced = ok(
        store
            .set_recovery_codes(user.id, Some(&codes), &codes, t4)
            .await,
        "set_recovery_codes (stale, none stored)",
    );
    assert!(
        !replaced,
        "no codes stored: a non-empty expectation is stale"
    );
    let replaced = ok(
        store
            .set_recovery_codes(user.id, Some(&[]), &codes, t4)
            .await,
        "set_recovery_codes (expecting none)",
    );
    assert!(replaced, "no codes stored: expecting [] replaces");
    assert_eq!(reload(&store, user.id).await.recovery_codes(), codes);
    // Without `expected`, clearing always works.
    let replaced = ok(
        store.set_recovery_codes(user.id, None, &[], t4).await,
        "set_recovery_codes(None, [])",
    );
    assert!(replaced);
    assert_eq!(reload(&store, user.id).await.mf_recovery_codes, None);

    assert_eq!(
        reload(&store, other.id).await,
        other,
        "other users untouched"
    );

    // Unknown ids.
    let missing = user.id.max(other.id) + 10_000;
    expect_not_found(
        store.set_recovery_codes(missing, None, &codes, T0).await,
        "set_recovery_codes unknown id",
    );
    expect_not_found(
        store
            .set_recovery_codes(missing, Some(&codes), &[], T0)
            .await,
        "set_recovery_codes unknown id, expected",
    );
    expect_not_found(
        store.set_recovery_codes(missing, Some(&[]), &[], T0).await,
        "set_recovery_codes unknown id, expected []",
    );
    expect_not_found(
        store.set_recovery_codes(i64::MAX, None, &[], T0).await,
        "set_recovery_codes id i64::MAX",
    );
}

/// Ten requests use the same recovery code at once, each replacing the list it read with that
/// list less the code: exactly one succeeds, the others are told `false`, and exactly that one
/// code is gone. Repeated for a few codes to give a race a chance to show.
pub async fn user_recovery_codes_concurrent(store: Arc<dyn Store>, prefix: &str) {
    const TASKS: usize = 10;
    let user = create(&store, new_user(prefix, "rcc")).await;
    let codes: Vec<String> = (1..=5).map(|i| format!("code{i}-{prefix}")).collect();
    assert!(ok(
        store.set_recovery_codes(user.id, None, &codes, T0).await,
        "set_recovery_codes",
    ));
    for (round, used) in [2usize, 0, 2].into_iter().enumerate() {
        let snapshot = reload(&store, user.id).await.recovery_codes();
        assert_eq!(snapshot.len(), codes.len() - round);
        let mut remaining = snapshot.clone();
        let code = remaining.remove(used);
        let remaining = Arc::new(remaining);
        let snapshot = Arc::new(snapshot);
        let mut tasks = Vec::new();
        for i in 0..TASKS {
            let store = store.clone();
            let (snapshot, remaining) = (snapshot.clone(), remaining.clone());
            let at = T0 + Duration::seconds(i64::try_from(round * TASKS + i + 1).unwrap());
            tasks.push(tokio::spawn(async move {
                store
                    .set_recovery_codes(user.id, Some(&snapshot), &remaining, at)
                    .await
            }));
        }
        let mut accepted = 0;
        for task in tasks {
            if ok(
                task.await.expect("set_recovery_codes task panicked"),
                "concurrent set_recovery_codes",
            ) {
                accepted += 1;
            }
        }
        assert_eq!(
            accepted, 1,
            "round {round}: code {code} is accepted exactly once"
        );
        let read = reload(&store, user.id).await;
        assert_eq!(
            read.recovery_codes(),
            *remaining,
            "round {round}: exactly the used code is gone"
        );
        if round == 0 {
            assert_eq!(read.recovery_codes().len(), 4, "four codes remain");
        }
    }
}

/// Login tracking: last := current (or the new value the first time), count += 1.
pub async fn user_record_login_tracking(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "login")).await;
    let other = create(&store, new_user(prefix, "login-other")).await;
    let t1 = T0 + Duration::minutes(1);
    let t2 = T0 + Duration::minutes(2);
    let t3 = T0 + Duration::minutes(3);

    ok(
        store.record_login(user.id, t1, Some("10.0.0.1")).await,
        "record_login",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.login_count, Some(1));
    assert_eq!(read.current_login_at, Some(t1));
    assert_eq!(read.current_login_ip.as_deref(), Some("10.0.0.1"));
    assert_eq!(read.last_login_at, Some(t1), "first login: last = new");
    assert_eq!(read.last_login_ip.as_deref(), Some("10.0.0.1"));

    ok(
        store.record_login(user.id, t2, Some("10.0.0.2")).await,
        "record_login",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.login_count, Some(2));
    assert_eq!(read.current_login_at, Some(t2));
    assert_eq!(read.current_login_ip.as_deref(), Some("10.0.0.2"));
    assert_eq!(read.last_login_at, Some(t1), "last = previous current");
    assert_eq!(read.last_login_ip.as_deref(), Some("10.0.0.1"));

    // No address known.
    ok(store.record_login(user.id, t3, None).await, "record_login");
    let read = reload(&store, user.id).await;
    assert_eq!(read.login_count, Some(3));
    assert_eq!(read.current_login_at, Some(t3));
    assert_eq!(read.current_login_ip, None);
    assert_eq!(read.last_login_at, Some(t2));
    assert_eq!(read.last_login_ip.as_deref(), Some("10.0.0.2"));

    ok(
        store.record_login(user.id, t3, Some("10.0.0.4")).await,
        "record_login",
    );
    let read = reload(&store, user.id).await;
    assert_eq!(read.login_count, Some(4));
    assert_eq!(read.current_login_ip.as_deref(), Some("10.0.0.4"));
    assert_eq!(
        read.last_login_ip.as_deref(),
        Some("10.0.0.4"),
        "no previous address: last = new"
    );
    assert_eq!(read.password, user.password, "other fields untouched");
    assert_eq!(read.fs_uniquifier, user.fs_uniquifier);

    assert_eq!(
        reload(&store, other.id).await.login_count,
        None,
        "other users untouched"
    );
}

/// 50 concurrent `record_login` calls on one user: `login_count` is exactly 50.
pub async fn user_record_login_concurrent(store: Arc<dyn Store>, prefix: &str) {
    const N: i64 = 50;
    let user = create(&store, new_user(prefix, "many")).await;
    let other = create(&store, new_user(prefix, "many-other")).await;
    let times: Vec<OffsetDateTime> = (0..N).map(|i| T0 + Duration::seconds(i + 1)).collect();
    let ips: Vec<String> = (0..N).map(|i| format!("192.0.2.{}", i + 1)).collect();

    let mut tasks = Vec::new();
    for i in 0..N as usize {
        let store = store.clone();
        let (at, ip) = (times[i], ips[i].clone());
        tasks.push(tokio::spawn(async move {
            store.record_login(user.id, at, Some(&ip)).await
        }));
    }
    for task in tasks {
        ok(
            task.await.expect("record_login task panicked"),
            "concurrent record_login",
        );
    }

    let read = reload(&store, user.id).await;
    assert_eq!(read.login_count, Some(N), "no login is lost");
    let current = read.current_login_at.expect("current_login_at set");
    let last = read.last_login_at.expect("last_login_at set");
    assert!(times.contains(&current), "current_login_at is one of ours");
    assert!(times.contains(&last), "last_login_at is one of ours");
    let ip_set: HashSet<&str> = ips.iter().map(String::as_str).collect();
    let current_ip = read.current_login_ip.expect("current_login_ip set");
    let last_ip = read.last_login_ip.expect("last_login_ip set");
    assert!(ip_set.contains(current_ip.as_str()));
    assert!(ip_set.contains(last_ip.as_str()));
    assert_ne!(
        current_ip, last_ip,
        "last is the login before the current one"
    );
    assert_eq!(reload(&store, other.id).await.login_count, None);
}

/// `clear_mfa` clears second-factor state and keeps the rest.
pub async fn user_clear_mfa(store: Arc<dyn Store>, prefix: &str) {
    // Clearing keeps everything else, and is harmless on a user without any.
    let user = create(
        &store,
        NewUser {
            username: Some(format!("mfa_{prefix}")),
            confirmed_at: Some(T0),
            ..new_user(prefix, "mfa")
        },
    )
    .await;
    ok(
        store.record_login(user.id, T0, Some("10.1.1.1")).await,
        "record_login",
    );
    let before = reload(&store, user.id).await;
    let set_at = T0 + Duration::hours(1);
    ok(
        store
            .set_two_factor(
                user.id,
                Some("sms"),
                Some("secret"),
                Some("+15550001111"),
                set_at,
            )
            .await,
        "set_two_factor",
    );
    ok(
        store
            .set_us_totp_secrets(user.id, Some(r#"{"email": "secret"}"#), set_at)
            .await,
        "set_us_totp_secrets",
    );
    assert!(ok(
        store
            .set_recovery_codes(user.id, None, &perms(&["one", "two"]), set_at)
            .await,
        "set_recovery_codes",
    ));
    let set = reload(&store, user.id).await;
    assert_eq!(set.tf_primary_method.as_deref(), Some("sms"));
    assert_eq!(set.recovery_codes(), perms(&["one", "two"]));
    assert_eq!(
        set.us_secrets().get("email").and_then(|v| v.as_str()),
        Some("secret")
    );
    let later = T0 + Duration::hours(2);
    ok(store.clear_mfa(user.id, later).await, "clear_mfa");
    let read = reload(&store, user.id).await;
    assert_eq!(read.tf_primary_method, None);
    assert_eq!(read.tf_totp_secret, None);
    assert_eq!(read.tf_phone_number, None);
    assert_eq!(read.us_totp_secrets, None);
    assert_eq!(read.us_phone_number, None);
    assert_eq!(read.mf_recovery_codes, None);
    assert_eq!(read.update_datetime, later);
    let expected = User {
        update_datetime: later,
        ..before
    };
    assert_eq!(read, expected, "clear_mfa changes nothing else");
    // Twice is fine.
    ok(store.clear_mfa(user.id, later).await, "clear_mfa again");
}

/// `count_users` counts users; a conflicting insert adds none.
pub async fn user_count(store: Arc<dyn Store>, prefix: &str) {
    let before = ok(store.count_users().await, "count_users");
    create(&store, new_user(prefix, "c1")).await;
    assert_eq!(ok(store.count_users().await, "count_users"), before + 1);
    create(&store, new_user(prefix, "c2")).await;
    assert_eq!(ok(store.count_users().await, "count_users"), before + 2);
    let dup = NewUser {
        email: format!("c1-{prefix}@example.com"),
        ..new_user(prefix, "c3")
    };
    assert!(store.create_user(dup).await.is_err());
    assert_eq!(ok(store.count_users().await, "count_users"), before + 2);
}

/// Every update of an unknown user id is `NotFound`.
pub async fn user_updates_unknown_id_not_found(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "known")).await;
    let missing = user.id + 10_000;
    expect_not_found(
        store.set_password(missing, Some("$x"), None, T0).await,
        "set_password",
    );
    expect_not_found(
        store
            .set_password(missing, Some("$x"), Some(&uniq(prefix, "m1")), T0)
            .await,
        "set_password with rotation",
    );
    expect_not_found(
        store.upgrade_password(missing, "$a", "$b", T0).await,
        "upgrade_password",
    );
    expect_not_found(
        store.set_uniquifier(missing, &uniq(prefix, "m2"), T0).await,
        "set_uniquifier",
    );
    expect_not_found(store.set_active(missing, false, T0).await, "set_active");
    expect_not_found(
        store.set_confirmed_at(missing, Some(T0), T0).await,
        "set_confirmed_at",
    );
    expect_not_found(
        store.record_login(missing, T0, Some("10.0.0.1")).await,
        "record_login",
    );
    expect_not_found(store.clear_mfa(missing, T0).await, "clear_mfa");
    expect_not_found(
        store
            .set_email(missing, &format!("m3-{prefix}@example.com"), Some(T0), T0)
            .await,
        "set_email",
    );
    expect_not_found(
        store
            .set_username(missing, Some(&format!("m4_{prefix}")), T0)
            .await,
        "set_username",
    );
    expect_not_found(
        store
            .set_two_factor(missing, Some("authenticator"), Some("s"), None, T0)
            .await,
        "set_two_factor",
    );
    expect_not_found(
        store
            .set_us_totp_secrets(missing, Some(r#"{"email": "s"}"#), T0)
            .await,
        "set_us_totp_secrets",
    );
    expect_not_found(
        store
            .set_recovery_codes(missing, None, &perms(&["c1"]), T0)
            .await,
        "set_recovery_codes",
    );
    expect_not_found(
        store
            .set_recovery_codes(missing, Some(&perms(&["c1"])), &[], T0)
            .await,
        "set_recovery_codes with expected",
    );
    assert_eq!(
        reload(&store, user.id).await,
        user,
        "the known user is untouched"
    );
}

/// The unified sign-in phone number: set, found (exact), unique, cleared.
pub async fn user_phone_identity(store: Arc<dyn Store>, prefix: &str) {
    let a = create(&store, new_user(prefix, "ph-a")).await;
    let b = create(&store, new_user(prefix, "ph-b")).await;
    let now = a.create_datetime;
    assert_eq!(
        ok(store.user_by_phone("+16502530000").await, "user_by_phone"),
        None
    );
    ok(
        store.set_phone(a.id, Some("+16502530000"), now).await,
        "set_phone",
    );
    let found = ok(store.user_by_phone("+16502530000").await, "user_by_phone");
    assert_eq!(found.map(|u| u.id), Some(a.id));
    expect_conflict(
        store.set_phone(b.id, Some("+16502530000"), now).await,
        "us_phone_number",
        "set_phone with a taken number",
    );
    ok(store.set_phone(a.id, None, now).await, "set_phone(None)");
    assert_eq!(
        ok(store.user_by_phone("+16502530000").await, "user_by_phone"),
        None
    );
    ok(
        store.set_phone(b.id, Some("+16502530000"), now).await,
        "set_phone after release",
    );
    expect_not_found(
        store.set_phone(i64::MAX, None, now).await,
        "set_phone unknown id",
    );
}
