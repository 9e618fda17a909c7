//! RoleStore: roles and their assignment to users.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// `create_role` and `role_by_name` round trip name, description and permissions (in order).
pub async fn role_create_and_read(store: Arc<dyn Store>, prefix: &str) {
    let name = format!("admin-{prefix}");
    let permissions = perms(&["write", "read", "admin", "user:delete"]);
    let role = ok(
        store
            .create_role(&name, Some("administrators"), &permissions, T0)
            .await,
        "create_role",
    );
    assert!(role.id > 0);
    assert_eq!(role.name, name);
    assert_eq!(role.description.as_deref(), Some("administrators"));
    assert_eq!(role.permissions, permissions, "permission order preserved");
    let read = ok(store.role_by_name(&name).await, "role_by_name");
    assert_eq!(read.as_ref(), Some(&role));

    // No description, no permissions.
    let bare_name = format!("bare-{prefix}");
    let bare = ok(
        store.create_role(&bare_name, None, &[], T0).await,
        "create_role",
    );
    assert_ne!(bare.id, role.id);
    assert_eq!(bare.description, None);
    assert!(bare.permissions.is_empty());
    let read = ok(store.role_by_name(&bare_name).await, "role_by_name");
    assert_eq!(
        read.as_ref(),
        Some(&bare),
        "empty permissions read back as []"
    );

    // One permission.
    let one_name = format!("one-{prefix}");
    ok(
        store
            .create_role(&one_name, None, &perms(&["read"]), T0)
            .await,
        "create_role",
    );
    let read = ok(store.role_by_name(&one_name).await, "role_by_name").expect("role exists");
    assert_eq!(read.permissions, perms(&["read"]));

    // Names are exact.
    assert!(
        ok(
            store.role_by_name(&name.to_uppercase()).await,
            "role_by_name"
        )
        .is_none(),
        "role_by_name is exact"
    );
    assert!(
        ok(
            store.role_by_name(&format!("nope-{prefix}")).await,
            "role_by_name"
        )
        .is_none()
    );
}

/// A second role with the same name is `Conflict("name")`.
pub async fn role_duplicate_name_conflict(store: Arc<dyn Store>, prefix: &str) {
    let name = format!("dup-{prefix}");
    ok(
        store.create_role(&name, None, &perms(&["a"]), T0).await,
        "create_role",
    );
    expect_conflict(
        store
            .create_role(&name, Some("again"), &perms(&["b"]), T0)
            .await,
        "name",
        "create_role with a taken name",
    );
    let read = ok(store.role_by_name(&name).await, "role_by_name").expect("role exists");
    assert_eq!(read.permissions, perms(&["a"]), "the original is unchanged");
    assert_eq!(read.description, None);
}

/// `list_roles` returns every role ordered by name.
pub async fn role_list_sorted(store: Arc<dyn Store>, prefix: &str) {
    for n in ["zeta", "alpha", "mu", "beta"] {
        ok(
            store
                .create_role(&format!("{prefix}-{n}"), None, &[], T0)
                .await,
            "create_role",
        );
    }
    let all = ok(store.list_roles().await, "list_roles");
    let ours: Vec<&str> = names(&all)
        .into_iter()
        .filter(|n| n.starts_with(prefix))
        .collect();
    let expected: Vec<String> = ["alpha", "beta", "mu", "zeta"]
        .iter()
        .map(|n| format!("{prefix}-{n}"))
        .collect();
    assert_eq!(ours, expected, "list_roles is ordered by name");
    let all_names = names(&all);
    let mut sorted = all_names.clone();
    sorted.sort_unstable();
    assert_eq!(all_names, sorted, "list_roles is ordered by name");
}

/// `set_role_permissions` replaces the list (order kept); unknown role is `NotFound`.
pub async fn role_set_permissions(store: Arc<dyn Store>, prefix: &str) {
    let name = format!("editor-{prefix}");
    let role = ok(
        store
            .create_role(&name, Some("edits"), &perms(&["read"]), T0)
            .await,
        "create_role",
    );
    let later = T0 + Duration::seconds(5);
    let new_perms = perms(&["write", "read", "publish"]);
    ok(
        store.set_role_permissions(role.id, &new_perms, later).await,
        "set_role_permissions",
    );
    let read = ok(store.role_by_name(&name).await, "role_by_name").expect("role exists");
    assert_eq!(read.permissions, new_perms);
    assert_eq!(
        read.description.as_deref(),
        Some("edits"),
        "description kept"
    );
    assert_eq!(read.id, role.id);

    ok(
        store.set_role_permissions(role.id, &[], later).await,
        "set_role_permissions([])",
    );
    let read = ok(store.role_by_name(&name).await, "role_by_name").expect("role exists");
    assert!(read.permissions.is_empty());

    expect_not_found(
        store
            .set_role_permissions(role.id + 10_000, &new_perms, later)
            .await,
        "set_role_permissions on an unknown role",
    );
}

/// Adding and removing roles: results report change; `roles_of_user` is ordered by name.
pub async fn role_assignment(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "roles")).await;
    let other = create(&store, new_user(prefix, "roles-other")).await;
    let writer = ok(
        store
            .create_role(
                &format!("writer-{prefix}"),
                None,
                &perms(&["write", "read"]),
                T0,
            )
            .await,
        "create_role",
    );
    let admin = ok(
        store
            .create_role(
                &format!("admin-{prefix}"),
                Some("all"),
                &perms(&["admin"]),
                T0,
            )
            .await,
        "create_role",
    );
    let reader = ok(
        store
            .create_role(&format!("reader-{prefix}"), None, &perms(&["read"]), T0)
            .await,
        "create_role",
    );

    assert!(
        ok(store.roles_of_user(user.id).await, "roles_of_user").is_empty(),
        "a new user has no roles"
    );
    assert!(ok(
        store.add_role_to_user(user.id, writer.id).await,
        "add_role_to_user"
    ));
    assert!(ok(
        store.add_role_to_user(user.id, admin.id).await,
        "add_role_to_user"
    ));
    assert!(
        !ok(
            store.add_role_to_user(user.id, admin.id).await,
            "add_role_to_user"
        ),
        "adding a role twice reports false"
    );
    assert!(ok(
        store.add_role_to_user(other.id, reader.id).await,
        "add_role_to_user"
    ));

    let roles = ok(store.roles_of_user(user.id).await, "roles_of_user");
    assert_eq!(
        roles,
        vec![admin.clone(), writer.clone()],
        "roles_of_user: full roles, ordered by name, no duplicates"
    );
    assert_eq!(roles[1].permissions, perms(&["write", "read"]));
    assert_eq!(
        ok(store.roles_of_user(other.id).await, "roles_of_user"),
        vec![reader.clone()]
    );

    assert!(ok(
        store.remove_role_from_user(user.id, admin.id).await,
        "remove_role_from_user"
    ));
    assert!(
        !ok(
            store.remove_role_from_user(user.id, admin.id).await,
            "remove_role_from_user"
        ),
        "removing a role the user does not have reports false"
    );
    assert!(
        !ok(
            store.remove_role_from_user(user.id, reader.id).await,
            "remove_role_from_user"
        ),
        "removing another user's role reports false"
    );
    assert_eq!(
        ok(store.roles_of_user(user.id).await, "roles_of_user"),
        vec![writer.clone()]
    );
    assert_eq!(
        ok(store.roles_of_user(other.id).await, "roles_of_user"),
        vec![reader],
        "other users keep their roles"
    );

    // Permission changes show through roles_of_user.
    ok(
        store
            .set_role_permissions(writer.id, &perms(&["write"]), T0)
            .await,
        "set_role_permissions",
    );
    let roles = ok(store.roles_of_user(user.id).await, "roles_of_user");
    assert_eq!(roles.len(), 1);
    assert_eq!(roles[0].permissions, perms(&["write"]));

    // Re-adding after removal works.
    assert!(ok(
        store.add_role_to_user(user.id, admin.id).await,
        "add_role_to_user"
    ));
    assert_eq!(
        names(&ok(store.roles_of_user(user.id).await, "roles_of_user")),
        vec![admin.name.as_str(), writer.name.as_str()]
    );
}

/// Unknown user or role ids: `add_role_to_user` is `NotFound`, the rest report nothing.
pub async fn role_unknown_ids(store: Arc<dyn Store>, prefix: &str) {
    let user = create(&store, new_user(prefix, "ru")).await;
    let role = ok(
        store
            .create_role(&format!("r-{prefix}"), None, &[], T0)
            .await,
        "create_role",
    );
    let missing_user = user.id + 10_000;
    let missing_role = role.id + 10_000;
    expect_not_found(
        store.add_role_to_user(missing_user, role.id).await,
        "add_role_to_user with an unknown user",
    );
    expect_not_found(
        store.add_role_to_user(user.id, missing_role).await,
        "add_role_to_user with an unknown role",
    );
    assert!(
        ok(store.roles_of_user(user.id).await, "roles_of_user").is_empty(),
        "a failed add adds nothing"
    );
    assert!(!ok(
        store.remove_role_from_user(missing_user, role.id).await,
        "remove_role_from_user"
    ));
    assert!(!ok(
        store.remove_role_from_user(user.id, missing_role).await,
        "remove_role_from_user"
    ));
    assert!(ok(store.roles_of_user(missing_user).await, "roles_of_user").is_empty());
}
