//! The Lua scripts behind every multi-step operation. Redis runs a script atomically, so each
//! one is a single step for every instance sharing the server: no client ever reads a value,
//! changes it and writes it back.
//!
//! Conventions shared by the scripts:
//! - A session is a hash with the fields `exp` (unix seconds, the application's clock), `data`
//!   (JSON) and `user` (`fs_uniquifier`; absent for an anonymous session).
//! - The expiry index is a sorted set of session ids scored by `exp`; each signed-in user has a
//!   set of session ids. Keys of other sessions or users are built inside a script from the
//!   key prefixes passed as arguments, so the Rust side and the scripts cannot disagree.
//! - A counter is a hash with the fields `n` (the value) and `exp`.
//! - Redis TTLs (whole seconds, relative) only let Redis collect garbage by itself; whether a
//!   record is live is always decided by comparing `exp` with the caller's `now`.
//! - `extend(key, ttl)` raises a key's TTL to `ttl` but never lowers it (shared keys: the
//!   index and the per-user sets live as long as their longest-lived member).

use std::sync::LazyLock;

use redis::Script;

/// Lua helper prepended to scripts that touch shared keys.
macro_rules! with_extend {
    ($body:literal) => {
        concat!(
            r"
local function extend(key, ttl)
  local current = redis.call('TTL', key)
  if current < tonumber(ttl) then
    redis.call('EXPIRE', key, ttl)
  end
end
",
            $body
        )
    };
}

/// Insert a session unless its id exists (expired or not).
///
/// KEYS: session, expiry index, and the user's session set (signed-in sessions only).
/// ARGV: id, exp, data, Redis TTL, user-set key prefix (unused here; the arguments are those
/// of [`SAVE_SESSION`]), and the user (signed-in sessions only).
/// Returns 1 when inserted, 0 when the id was taken.
pub(crate) static CREATE_SESSION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(with_extend!(
        r"
if redis.call('EXISTS', KEYS[1]) == 1 then
  return 0
end
redis.call('HSET', KEYS[1], 'exp', ARGV[2], 'data', ARGV[3])
if KEYS[3] then
  redis.call('HSET', KEYS[1], 'user', ARGV[6])
  redis.call('SADD', KEYS[3], ARGV[1])
  extend(KEYS[3], ARGV[4])
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
extend(KEYS[2], ARGV[4])
return 1
"
    ))
});

/// Replace an existing session; never inserts. Moves the id between per-user sets when the
/// owner changes (an anonymous session signing in, or a different user).
///
/// KEYS: session, expiry index, and the new user's session set (signed-in sessions only).
/// ARGV: id, exp, data, Redis TTL, user-set key prefix, and the user (signed-in only).
/// Returns 1 when saved, 0 when the session is gone.
pub(crate) static SAVE_SESSION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(with_extend!(
        r"
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
local previous = redis.call('HGET', KEYS[1], 'user')
if previous and previous ~= ARGV[6] then
  redis.call('SREM', ARGV[5] .. previous, ARGV[1])
end
redis.call('HSET', KEYS[1], 'exp', ARGV[2], 'data', ARGV[3])
if KEYS[3] then
  redis.call('HSET', KEYS[1], 'user', ARGV[6])
  redis.call('SADD', KEYS[3], ARGV[1])
  extend(KEYS[3], ARGV[4])
else
  redis.call('HDEL', KEYS[1], 'user')
end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
extend(KEYS[2], ARGV[4])
return 1
"
    ))
});

/// Delete one session and its index entries.
///
/// KEYS: session, expiry index. ARGV: id, user-set key prefix.
pub(crate) static DELETE_SESSION: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local owner = redis.call('HGET', KEYS[1], 'user')
if owner then
  redis.call('SREM', ARGV[2] .. owner, ARGV[1])
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
",
    )
});

/// Delete every session of one user, expired ones included.
///
/// KEYS: the user's session set, expiry index. ARGV: user, session key prefix.
/// Returns how many sessions were deleted. An id whose session belongs to someone else now
/// (only possible after Redis dropped the old record and the id was reused) is left alone;
/// ids whose session is gone are dropped from the index.
pub(crate) static DELETE_USER_SESSIONS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local deleted = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. id
  local owner = redis.call('HGET', key, 'user')
  if owner == ARGV[1] then
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[2], id)
    deleted = deleted + 1
  elseif redis.call('EXISTS', key) == 0 then
    redis.call('ZREM', KEYS[2], id)
  end
end
redis.call('DEL', KEYS[1])
return deleted
",
    )
});

/// Delete up to `limit` sessions with `exp <= now` (one batch; the caller loops).
///
/// KEYS: expiry index. ARGV: now, session key prefix, user-set key prefix, limit.
/// Returns `{deleted, examined}`: the caller stops when fewer than `limit` were examined.
/// Index entries whose session Redis already dropped are removed without being counted.
pub(crate) static DELETE_EXPIRED_SESSIONS: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[4])
local deleted = 0
for _, id in ipairs(ids) do
  local key = ARGV[2] .. id
  local record = redis.call('HMGET', key, 'exp', 'user')
  local exp = record[1]
  if exp and tonumber(exp) > now then
    -- The index is behind the record (never expected): re-score instead of deleting.
    redis.call('ZADD', KEYS[1], exp, id)
  else
    if exp then
      redis.call('DEL', key)
      deleted = deleted + 1
      if record[2] then
        redis.call('SREM', ARGV[3] .. record[2], id)
      end
    end
    redis.call('ZREM', KEYS[1], id)
  end
end
return {deleted, #ids}
",
    )
});

/// Add one to a counter, restarting an absent or expired one at 1.
///
/// KEYS: counter. ARGV: now, the expiry for a restarted counter, its Redis TTL.
/// Returns `{value, exp}` (`exp` as the stored string, so it round-trips exactly).
pub(crate) static INCR_COUNTER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local exp = redis.call('HGET', KEYS[1], 'exp')
if exp and redis.call('HEXISTS', KEYS[1], 'n') == 1 and tonumber(exp) > tonumber(ARGV[1]) then
  return {redis.call('HINCRBY', KEYS[1], 'n', 1), exp}
end
redis.call('HSET', KEYS[1], 'n', 1, 'exp', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, ARGV[2]}
",
    )
});

/// Subtract one from a live counter, never below zero; an absent or expired one stays so.
///
/// KEYS: counter. ARGV: now. Returns the value after (0 when absent).
pub(crate) static RELEASE_COUNTER: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local exp = redis.call('HGET', KEYS[1], 'exp')
local n = tonumber(redis.call('HGET', KEYS[1], 'n'))
if exp and n and tonumber(exp) > tonumber(ARGV[1]) and n > 0 then
  return redis.call('HINCRBY', KEYS[1], 'n', -1)
end
return 0
",
    )
});
