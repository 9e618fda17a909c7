//! Role and permission requirements, evaluated against a user's roles.

use crate::model::Role;

/// A requirement on the roles or permissions of the signed-in user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// The user must have every one of these roles.
    RolesRequired(Vec<String>),
    /// The user must have at least one of these roles.
    RolesAccepted(Vec<String>),
    /// The user must have every one of these permissions (through any role).
    PermissionsRequired(Vec<String>),
    /// The user must have at least one of these permissions.
    PermissionsAccepted(Vec<String>),
}

impl Requirement {
    /// Whether a user holding `roles` meets the requirement. An empty list is always met.
    pub fn is_met(&self, roles: &[Role]) -> bool {
        let has_role = |name: &String| roles.iter().any(|r| &r.name == name);
        let has_perm = |p: &String| roles.iter().any(|r| r.permissions.iter().any(|q| q == p));
        match self {
            Self::RolesRequired(names) => names.iter().all(has_role),
            Self::RolesAccepted(names) => names.is_empty() || names.iter().any(has_role),
            Self::PermissionsRequired(perms) => perms.iter().all(has_perm),
            Self::PermissionsAccepted(perms) => perms.is_empty() || perms.iter().any(has_perm),
        }
    }
}

/// Whether every requirement is met.
pub fn all_met(requirements: &[Requirement], roles: &[Role]) -> bool {
    requirements.iter().all(|r| r.is_met(roles))
}

/// Parse a comma-separated list (`"a, b,,c"` → `["a","b","c"]`).
pub fn parse_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(name: &str, perms: &[&str]) -> Role {
        Role {
            id: 1,
            name: name.into(),
            description: None,
            permissions: perms.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    #[test]
    fn requirements() {
        let roles = vec![role("admin", &["read", "write"]), role("editor", &["edit"])];
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        assert!(Requirement::RolesRequired(s(&["admin", "editor"])).is_met(&roles));
        assert!(!Requirement::RolesRequired(s(&["admin", "root"])).is_met(&roles));
        assert!(Requirement::RolesAccepted(s(&["root", "editor"])).is_met(&roles));
        assert!(!Requirement::RolesAccepted(s(&["root"])).is_met(&roles));
        assert!(Requirement::PermissionsRequired(s(&["read", "edit"])).is_met(&roles));
        assert!(!Requirement::PermissionsRequired(s(&["read", "delete"])).is_met(&roles));
        assert!(Requirement::PermissionsAccepted(s(&["delete", "write"])).is_met(&roles));
        assert!(!Requirement::PermissionsAccepted(s(&["delete"])).is_met(&[]));
        assert!(Requirement::RolesRequired(vec![]).is_met(&[]));
        assert_eq!(parse_list(" a, b,,c "), s(&["a", "b", "c"]));
    }
}
