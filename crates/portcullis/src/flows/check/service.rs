//! The requirements a forward-auth request asks for, from its query parameters.

use portcullis_core::Role;
use portcullis_core::authz::{Requirement, all_met, parse_list};

/// `roles_required`, `roles_accepted`, `permissions_required`, `permissions_accepted`
/// (comma-separated lists), in that order.
pub(super) fn requirements(query: impl Fn(&str) -> Option<String>) -> Vec<Requirement> {
    let mut out = Vec::new();
    type Make = fn(Vec<String>) -> Requirement;
    let kinds: [(&str, Make); 4] = [
        ("roles_required", Requirement::RolesRequired),
        ("roles_accepted", Requirement::RolesAccepted),
        ("permissions_required", Requirement::PermissionsRequired),
        ("permissions_accepted", Requirement::PermissionsAccepted),
    ];
    for (key, make) in kinds {
        if let Some(v) = query(key) {
            out.push(make(parse_list(&v)));
        }
    }
    out
}

/// Whether a user with `roles` meets them.
pub(super) fn allowed(requirements: &[Requirement], roles: &[Role]) -> bool {
    all_met(requirements, roles)
}
