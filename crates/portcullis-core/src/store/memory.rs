//! In-memory datastore: for tests, examples and embedding without a database.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    CounterStore, Guard, RoleStore, SessionStore, StoreError, StoreResult, UserChange, UserKey,
    UserStore, WebAuthnStore,
};
use crate::model::{
    NewUser, NewWebAuthn, Role, SessionRecord, User, WebAuthn, WebAuthnUse, asa_list,
};

#[derive(Debug, Default)]
struct Inner {
    users: Vec<User>,
    roles: Vec<Role>,
    user_roles: Vec<(i64, i64)>,
    sessions: HashMap<String, SessionRecord>,
    counters: HashMap<String, (u64, i64)>,
    webauthn: Vec<WebAuthn>,
    next_user_id: i64,
    next_role_id: i64,
    next_webauthn_id: i64,
}

/// A datastore held in process memory. Every operation takes one lock, so each is atomic.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> StoreResult<R> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| StoreError::Backend("memory store lock poisoned".into()))?;
        Ok(f(&mut guard))
    }
}

/// Identities (emails, usernames) compare on their full Unicode case fold.
fn same_identity(a: &str, b: &str) -> bool {
    crate::policy::identity_key(a) == crate::policy::identity_key(b)
}

impl Inner {
    fn user_mut(&mut self, id: i64) -> StoreResult<&mut User> {
        self.users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or(StoreError::NotFound)
    }
}

#[async_trait]
impl UserStore for MemoryStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        self.with(|s| {
            if s.users.iter().any(|u| same_identity(&u.email, &new.email)) {
                return Err(StoreError::Conflict("email"));
            }
            if let Some(name) = &new.username
                && s.users.iter().any(|u| {
                    u.username
                        .as_deref()
                        .is_some_and(|n| same_identity(n, name))
                })
            {
                return Err(StoreError::Conflict("username"));
            }
            if s.users.iter().any(|u| u.fs_uniquifier == new.fs_uniquifier) {
                return Err(StoreError::Conflict("fs_uniquifier"));
            }
            s.next_user_id += 1;
            let user = User {
                id: s.next_user_id,
                email: new.email,
                username: new.username,
                password: new.password,
                active: new.active,
                fs_uniquifier: new.fs_uniquifier,
                fs_token_uniquifier: None,
                confirmed_at: new.confirmed_at,
                last_login_at: None,
                current_login_at: None,
                last_login_ip: None,
                current_login_ip: None,
                login_count: None,
                tf_primary_method: None,
                tf_totp_secret: None,
                tf_phone_number: None,
                us_totp_secrets: None,
                us_phone_number: None,
                fs_webauthn_user_handle: None,
                mf_recovery_codes: None,
                create_datetime: new.now,
                update_datetime: new.now,
            };
            s.users.push(user.clone());
            Ok(user)
        })?
    }

    async fn find_user(&self, key: UserKey<'_>) -> StoreResult<Option<User>> {
        self.with(|s| {
            s.users
                .iter()
                .find(|u| match key {
                    UserKey::Id(id) => u.id == id,
                    UserKey::Uniquifier(q) => u.fs_uniquifier == q,
                    UserKey::TokenUniquifier(q) => u.token_uniquifier() == q,
                    UserKey::Email(e) => same_identity(&u.email, e),
                    UserKey::Username(n) => {
                        u.username.as_deref().is_some_and(|m| same_identity(m, n))
                    }
                    UserKey::Phone(p) => u.us_phone_number.as_deref() == Some(p),
                })
                .cloned()
        })
    }

    async fn update_user(
        &self,
        id: i64,
        change: &UserChange,
        guard: &Guard,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        if let Guard::RecoveryCodes(expected) = guard {
            asa_list(expected)?;
        }
        self.with(|s| {
            s.user_mut(id)?;
            let others = || s.users.iter().filter(|u| u.id != id);
            if let Some(email) = &change.email
                && others().any(|u| same_identity(&u.email, email))
            {
                return Err(StoreError::Conflict("email"));
            }
            if let Some(Some(name)) = &change.username
                && others().any(|u| {
                    u.username
                        .as_deref()
                        .is_some_and(|n| same_identity(n, name))
                })
            {
                return Err(StoreError::Conflict("username"));
            }
            if let Some(Some(phone)) = &change.us_phone_number
                && others().any(|u| u.us_phone_number.as_deref() == Some(phone))
            {
                return Err(StoreError::Conflict("us_phone_number"));
            }
            if let Some(q) = &change.fs_uniquifier
                && others().any(|u| &u.fs_uniquifier == q)
            {
                return Err(StoreError::Conflict("fs_uniquifier"));
            }
            let u = s.user_mut(id)?;
            let holds = match guard {
                Guard::Always => true,
                Guard::Password(expected) => u.password.as_deref() == Some(expected.as_str()),
                Guard::RecoveryCodes(expected) => u.recovery_codes() == *expected,
                Guard::ActiveChanges => change.active.is_some_and(|a| a != u.active),
            };
            if !holds {
                return Ok(false);
            }
            change.apply_to(u);
            if change.fs_uniquifier.is_some() && u.fs_token_uniquifier.is_some() {
                u.fs_token_uniquifier = Some(format!("{}t", u.fs_uniquifier));
            }
            u.update_datetime = now;
            Ok(true)
        })?
    }

    async fn record_login(
        &self,
        user_id: i64,
        at: OffsetDateTime,
        ip: Option<&str>,
    ) -> StoreResult<()> {
        self.with(|s| {
            let u = s.user_mut(user_id)?;
            u.last_login_at = u.current_login_at.or(Some(at));
            u.last_login_ip = u.current_login_ip.take().or_else(|| ip.map(str::to_owned));
            u.current_login_at = Some(at);
            u.current_login_ip = ip.map(str::to_owned);
            u.login_count = Some(u.login_count.unwrap_or(0) + 1);
            Ok(())
        })?
    }

    async fn count_users(&self) -> StoreResult<u64> {
        self.with(|s| s.users.len() as u64)
    }
    async fn list_users(&self, after: i64, limit: u32) -> StoreResult<Vec<User>> {
        self.with(|s| {
            let mut page: Vec<User> = s.users.iter().filter(|u| u.id > after).cloned().collect();
            page.sort_by_key(|u| u.id);
            page.truncate(limit as usize);
            page
        })
    }
}

#[async_trait]
impl RoleStore for MemoryStore {
    async fn create_role(
        &self,
        name: &str,
        description: Option<&str>,
        permissions: &[String],
        _now: OffsetDateTime,
    ) -> StoreResult<Role> {
        self.with(|s| {
            if s.roles.iter().any(|r| r.name == name) {
                return Err(StoreError::Conflict("name"));
            }
            s.next_role_id += 1;
            let role = Role {
                id: s.next_role_id,
                name: name.to_owned(),
                description: description.map(str::to_owned),
                permissions: permissions.to_vec(),
            };
            s.roles.push(role.clone());
            Ok(role)
        })?
    }

    async fn role_by_name(&self, name: &str) -> StoreResult<Option<Role>> {
        self.with(|s| s.roles.iter().find(|r| r.name == name).cloned())
    }

    async fn list_roles(&self) -> StoreResult<Vec<Role>> {
        self.with(|s| {
            let mut roles = s.roles.clone();
            roles.sort_by(|a, b| a.name.cmp(&b.name));
            roles
        })
    }

    async fn set_role_permissions(
        &self,
        role_id: i64,
        permissions: &[String],
        _now: OffsetDateTime,
    ) -> StoreResult<()> {
        self.with(|s| {
            let r = s
                .roles
                .iter_mut()
                .find(|r| r.id == role_id)
                .ok_or(StoreError::NotFound)?;
            r.permissions = permissions.to_vec();
            Ok(())
        })?
    }

    async fn add_role_to_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        self.with(|s| {
            if !s.users.iter().any(|u| u.id == user_id) || !s.roles.iter().any(|r| r.id == role_id)
            {
                return Err(StoreError::NotFound);
            }
            if s.user_roles.contains(&(user_id, role_id)) {
                return Ok(false);
            }
            s.user_roles.push((user_id, role_id));
            Ok(true)
        })?
    }

    async fn remove_role_from_user(&self, user_id: i64, role_id: i64) -> StoreResult<bool> {
        self.with(|s| {
            let before = s.user_roles.len();
            s.user_roles.retain(|p| *p != (user_id, role_id));
            before != s.user_roles.len()
        })
    }

    async fn roles_of_user(&self, user_id: i64) -> StoreResult<Vec<Role>> {
        self.with(|s| {
            let mut roles: Vec<Role> = s
                .user_roles
                .iter()
                .filter(|(u, _)| *u == user_id)
                .filter_map(|(_, r)| s.roles.iter().find(|role| role.id == *r).cloned())
                .collect();
            roles.sort_by(|a, b| a.name.cmp(&b.name));
            roles
        })
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn create_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        self.with(|s| {
            if s.sessions.contains_key(&record.id_hash) {
                return false;
            }
            s.sessions.insert(record.id_hash.clone(), record.clone());
            true
        })
    }

    async fn load_session(
        &self,
        id_hash: &str,
        now_unix: i64,
    ) -> StoreResult<Option<SessionRecord>> {
        self.with(|s| {
            s.sessions
                .get(id_hash)
                .filter(|r| r.expires_at > now_unix)
                .cloned()
        })
    }

    async fn save_session(&self, record: &SessionRecord) -> StoreResult<bool> {
        self.with(|s| match s.sessions.get_mut(&record.id_hash) {
            Some(existing) => {
                *existing = record.clone();
                true
            }
            None => false,
        })
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.with(|s| {
            s.sessions.remove(id_hash);
        })
    }

    async fn delete_user_sessions(&self, user_uniquifier: &str) -> StoreResult<u64> {
        self.with(|s| {
            let before = s.sessions.len();
            s.sessions
                .retain(|_, r| r.user_uniquifier.as_deref() != Some(user_uniquifier));
            (before - s.sessions.len()) as u64
        })
    }

    async fn delete_expired_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        self.with(|s| {
            let before = s.sessions.len();
            s.sessions.retain(|_, r| r.expires_at > now_unix);
            (before - s.sessions.len()) as u64
        })
    }

    async fn count_sessions(&self, now_unix: i64) -> StoreResult<u64> {
        self.with(|s| {
            s.sessions
                .values()
                .filter(|r| r.expires_at > now_unix)
                .count() as u64
        })
    }
}

#[async_trait]
impl CounterStore for MemoryStore {
    async fn incr_counter(
        &self,
        key: &str,
        ttl_secs: i64,
        now_unix: i64,
    ) -> StoreResult<(u64, i64)> {
        self.with(|s| {
            if s.counters.len() > 100_000 {
                s.counters.retain(|_, (_, exp)| *exp > now_unix);
            }
            let entry = s
                .counters
                .entry(key.to_owned())
                .or_insert((0, now_unix + ttl_secs));
            if entry.1 <= now_unix {
                *entry = (0, now_unix + ttl_secs);
            }
            entry.0 += 1;
            *entry
        })
    }

    async fn release_counter(&self, key: &str, now_unix: i64) -> StoreResult<()> {
        self.with(|s| {
            if let Some(entry) = s.counters.get_mut(key)
                && entry.1 > now_unix
            {
                entry.0 = entry.0.saturating_sub(1);
            }
        })
    }

    async fn get_counter(&self, key: &str, now_unix: i64) -> StoreResult<Option<(u64, i64)>> {
        self.with(|s| {
            s.counters
                .get(key)
                .copied()
                .filter(|(_, exp)| *exp > now_unix)
        })
    }

    async fn set_counter(&self, key: &str, value: u64, expires_at: i64) -> StoreResult<()> {
        self.with(|s| {
            s.counters.insert(key.to_owned(), (value, expires_at));
        })
    }

    async fn delete_counters(&self, keys: &[&str]) -> StoreResult<()> {
        self.with(|s| {
            for k in keys {
                s.counters.remove(*k);
            }
        })
    }
}

#[async_trait]
impl WebAuthnStore for MemoryStore {
    async fn add_webauthn(&self, new: NewWebAuthn) -> StoreResult<WebAuthn> {
        self.with(|s| {
            if s.webauthn
                .iter()
                .any(|w| w.credential_id == new.credential_id)
            {
                return Err(StoreError::Conflict("credential_id"));
            }
            if s.webauthn
                .iter()
                .any(|w| w.user_id == new.user_id && w.name == new.name)
            {
                return Err(StoreError::Conflict("name"));
            }
            if !s.users.iter().any(|u| u.id == new.user_id) {
                return Err(StoreError::NotFound);
            }
            s.next_webauthn_id += 1;
            let w = WebAuthn {
                id: s.next_webauthn_id,
                user_id: new.user_id,
                credential_id: new.credential_id,
                public_key: new.public_key,
                sign_count: new.sign_count,
                transports: new.transports,
                backup_state: new.backup_state,
                device_type: new.device_type,
                extensions: new.extensions,
                create_datetime: new.now,
                lastuse_datetime: new.now,
                name: new.name,
                usage: new.usage,
            };
            s.webauthn.push(w.clone());
            Ok(w)
        })?
    }

    async fn webauthn_by_credential_id(
        &self,
        credential_id: &[u8],
    ) -> StoreResult<Option<WebAuthn>> {
        self.with(|s| {
            s.webauthn
                .iter()
                .find(|w| w.credential_id == credential_id)
                .cloned()
        })
    }

    async fn webauthn_of_user(&self, user_id: i64) -> StoreResult<Vec<WebAuthn>> {
        self.with(|s| {
            s.webauthn
                .iter()
                .filter(|w| w.user_id == user_id)
                .cloned()
                .collect()
        })
    }

    async fn record_webauthn_use(
        &self,
        id: i64,
        seen_sign_count: i64,
        used: &WebAuthnUse,
    ) -> StoreResult<bool> {
        self.with(|s| {
            match s
                .webauthn
                .iter_mut()
                .find(|w| w.id == id && w.sign_count == seen_sign_count)
            {
                Some(w) => {
                    w.sign_count = used.sign_count;
                    w.backup_state = used.backup_state;
                    w.device_type.clone_from(&used.device_type);
                    w.lastuse_datetime = used.at;
                    true
                }
                None => false,
            }
        })
    }

    async fn rename_webauthn(&self, user_id: i64, id: i64, name: &str) -> StoreResult<bool> {
        self.with(|s| {
            if s.webauthn
                .iter()
                .any(|w| w.user_id == user_id && w.name == name && w.id != id)
            {
                return Err(StoreError::Conflict("name"));
            }
            Ok(
                match s
                    .webauthn
                    .iter_mut()
                    .find(|w| w.id == id && w.user_id == user_id)
                {
                    Some(w) => {
                        name.clone_into(&mut w.name);
                        true
                    }
                    None => false,
                },
            )
        })?
    }

    async fn delete_webauthn(&self, user_id: i64, id: i64) -> StoreResult<bool> {
        self.with(|s| {
            let before = s.webauthn.len();
            s.webauthn.retain(|w| !(w.id == id && w.user_id == user_id));
            s.webauthn.len() != before
        })
    }

    async fn delete_user_webauthn(&self, user_id: i64) -> StoreResult<u64> {
        self.with(|s| {
            let before = s.webauthn.len();
            s.webauthn.retain(|w| w.user_id != user_id);
            (before - s.webauthn.len()) as u64
        })
    }
}
