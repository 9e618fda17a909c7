//! Two instances on one server database (two stores, two pools, as two processes would have):
//! registrations of one email racing, login tracking and role changes stay exact — the
//! database's constraints, locks and atomic updates decide, not read-modify-write. Needs
//! PORTCULLIS_TEST_POSTGRES_URL / PORTCULLIS_TEST_MYSQL_URL; skipped by name without them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::sync::Arc;

use portcullis_core::{NewUser, Store, StoreError};
use portcullis_sqlx::{MySqlStore, PgStore, TemporaryDatabase};
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

fn new_user(email: &str, uniquifier: &str) -> NewUser {
    NewUser {
        email: email.to_owned(),
        username: None,
        password: Some("hash".to_owned()),
        active: true,
        confirmed_at: None,
        fs_uniquifier: uniquifier.to_owned(),
        now: NOW,
    }
}

async fn two_instances<F, Fut>(
    env: &str,
    test: &str,
    connect: F,
) -> Option<(TemporaryDatabase, [Arc<dyn Store>; 2])>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let Ok(admin) = std::env::var(env) else {
        eprintln!("SKIPPED shared_database::{test}: {env} is not set");
        return None;
    };
    let db = TemporaryDatabase::create(&admin).await.unwrap();
    let a = connect(db.url().to_owned()).await;
    let b = connect(db.url().to_owned()).await;
    Some((db, [a, b]))
}

async fn races(stores: [Arc<dyn Store>; 2]) {
    let [a, b] = stores;
    // 1. The same address, in different case, registered 10 times through each instance at
    // once: exactly one account.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let email = if i % 3 == 0 {
            "Ann@Example.com"
        } else {
            "ann@example.com"
        };
        tasks.push(tokio::spawn(async move {
            store.create_user(new_user(email, &format!("u{i}"))).await
        }));
    }
    let mut created = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => created += 1,
            Err(StoreError::Conflict("email")) => {}
            Err(e) => panic!("unexpected: {e:?}"),
        }
    }
    assert_eq!(created, 1, "one account for one address");
    assert_eq!(a.count_users().await.unwrap(), 1);
    let ann = b.user_by_email("ann@example.com").await.unwrap().unwrap();

    // 2. 40 sign-ins recorded through both instances at once: counted exactly.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let id = ann.id;
        tasks.push(tokio::spawn(async move {
            store.record_login(id, NOW, Some("192.0.2.1")).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let ann2 = a.user_by_id(ann.id).await.unwrap().unwrap();
    assert_eq!(ann2.login_count, Some(40));

    // 3. One role granted through both instances at once: one assignment, one "added".
    let role = a.create_role("editor", None, &[], NOW).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let (uid, rid) = (ann.id, role.id);
        tasks.push(tokio::spawn(async move {
            store.add_role_to_user(uid, rid).await
        }));
    }
    let mut added = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            added += 1;
        }
    }
    assert_eq!(added, 1, "granted once");
    assert_eq!(b.roles_of_user(ann.id).await.unwrap().len(), 1);
    assert!(a.remove_role_from_user(ann.id, role.id).await.unwrap());
    assert!(b.roles_of_user(ann.id).await.unwrap().is_empty());

    // 4. Failed-sign-in counters from both instances: none lost.
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        tasks.push(tokio::spawn(async move {
            store.incr_counter("fail:ann", 600, 1_767_323_045).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        a.get_counter("fail:ann", 1_767_323_045)
            .await
            .unwrap()
            .map(|c| c.0),
        Some(40)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_two_instances_race_correctly() {
    let Some((_db, stores)) = two_instances(
        "PORTCULLIS_TEST_POSTGRES_URL",
        "postgres_two_instances_race_correctly",
        |url| async move { Arc::new(PgStore::connect(&url).await.unwrap()) as Arc<dyn Store> },
    )
    .await
    else {
        return;
    };
    races(stores).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mysql_two_instances_race_correctly() {
    let Some((_db, stores)) = two_instances(
        "PORTCULLIS_TEST_MYSQL_URL",
        "mysql_two_instances_race_correctly",
        |url| async move { Arc::new(MySqlStore::connect(&url).await.unwrap()) as Arc<dyn Store> },
    )
    .await
    else {
        return;
    };
    races(stores).await;
}
