-- Additive only: indexes for portcullis' lookups and the server-side session table.
-- Idempotent (MySQL DDL is not transactional).

CREATE UNIQUE INDEX IF NOT EXISTS ix_user_fs_token_uniquifier ON `user` (fs_token_uniquifier);

-- No lower(email)/lower(username) indexes (MariaDB has no expression indexes): with the
-- case-insensitive collation of the tables above, UNIQUE(email) and UNIQUE(username) already
-- serve (and enforce) case-insensitive lookups. No roles_users(user_id) index either: InnoDB
-- already made one for the foreign key.

-- Keys compare exactly (binary collation), as in the other dialects.
CREATE TABLE IF NOT EXISTS portcullis_session (
	id_hash VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
	user_uniquifier VARCHAR(64) COLLATE utf8mb4_bin,
	data TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (id_hash),
	INDEX ix_portcullis_session_user_uniquifier (user_uniquifier),
	INDEX ix_portcullis_session_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
