-- Additive only: indexes for portcullis' lookups and the server-side session table.

CREATE UNIQUE INDEX IF NOT EXISTS ix_user_fs_token_uniquifier ON "user" (fs_token_uniquifier);

-- Case-insensitive lookups (uniqueness ignoring case is enforced in the write transaction under
-- an advisory lock, so that an existing database holding `Ann@x` and `ann@x` still opens).
CREATE INDEX IF NOT EXISTS ix_user_lower_email ON "user" (lower(email));
CREATE INDEX IF NOT EXISTS ix_user_lower_username ON "user" (lower(username));

CREATE INDEX IF NOT EXISTS ix_roles_users_user_id ON roles_users (user_id);

CREATE TABLE IF NOT EXISTS portcullis_session (
	id_hash TEXT PRIMARY KEY,
	user_uniquifier TEXT,
	data TEXT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_portcullis_session_user_uniquifier ON portcullis_session (user_uniquifier);
CREATE INDEX IF NOT EXISTS ix_portcullis_session_expires_at ON portcullis_session (expires_at);
