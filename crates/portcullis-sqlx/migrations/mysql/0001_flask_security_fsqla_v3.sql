-- Flask-Security-Too fsqla_v3 tables as SQLAlchemy creates them for MySQL/MariaDB, so that a
-- database made by Flask-Security works unchanged (and one made here works with
-- Flask-Security). IF NOT EXISTS: on an existing Flask-Security database this changes nothing.
--
-- Two differences for databases made here: DATETIME(6) instead of DATETIME (SQLAlchemy's
-- default keeps whole seconds; Flask-Security reads both), and an explicit InnoDB/utf8mb4 table
-- definition with a case-insensitive collation, so that the UNIQUE(email)/UNIQUE(username)
-- indexes are case-insensitive as portcullis expects.
--
-- MySQL DDL is not transactional: every statement here is idempotent, so an interrupted run is
-- simply repeated.

CREATE TABLE IF NOT EXISTS `role` (
	id INTEGER NOT NULL AUTO_INCREMENT,
	name VARCHAR(80) NOT NULL,
	description VARCHAR(255),
	permissions TEXT,
	update_datetime DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	PRIMARY KEY (id),
	UNIQUE (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS `user` (
	fs_webauthn_user_handle VARCHAR(64),
	mf_recovery_codes TEXT,
	password VARCHAR(255),
	us_phone_number VARCHAR(128),
	username VARCHAR(255),
	us_totp_secrets TEXT,
	id INTEGER NOT NULL AUTO_INCREMENT,
	email VARCHAR(255) NOT NULL,
	active BOOL NOT NULL,
	fs_uniquifier VARCHAR(64) NOT NULL,
	confirmed_at DATETIME(6),
	last_login_at DATETIME(6),
	current_login_at DATETIME(6),
	last_login_ip VARCHAR(64),
	current_login_ip VARCHAR(64),
	login_count INTEGER,
	tf_primary_method VARCHAR(64),
	tf_totp_secret VARCHAR(255),
	tf_phone_number VARCHAR(128),
	create_datetime DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	update_datetime DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	PRIMARY KEY (id),
	UNIQUE (fs_webauthn_user_handle),
	UNIQUE (us_phone_number),
	UNIQUE (username),
	UNIQUE (email),
	UNIQUE (fs_uniquifier)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS roles_users (
	user_id INTEGER,
	role_id INTEGER,
	FOREIGN KEY(user_id) REFERENCES `user` (id),
	FOREIGN KEY(role_id) REFERENCES `role` (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

CREATE TABLE IF NOT EXISTS web_authn (
	id INTEGER NOT NULL AUTO_INCREMENT,
	credential_id BLOB(1024) NOT NULL,
	public_key BLOB NOT NULL,
	sign_count INTEGER,
	transports TEXT,
	backup_state BOOL NOT NULL,
	device_type VARCHAR(64) NOT NULL,
	extensions VARCHAR(255),
	create_datetime DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
	lastuse_datetime DATETIME(6) NOT NULL,
	name VARCHAR(64) NOT NULL,
	`usage` VARCHAR(64) NOT NULL,
	user_id INTEGER NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES `user` (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;

-- A unique index on a BLOB without a prefix length: MariaDB (10.4+) enforces it with a hash.
CREATE UNIQUE INDEX IF NOT EXISTS ix_web_authn_credential_id ON web_authn (credential_id);
