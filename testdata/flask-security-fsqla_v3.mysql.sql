-- What SQLAlchemy creates for Flask-Security-Too's fsqla_v3 models on MySQL/MariaDB, verbatim
-- (plain DATETIME: seconds). Tests build a "Flask-Security-made" MySQL database from it.
CREATE TABLE `role` (
	id INTEGER NOT NULL AUTO_INCREMENT,
	name VARCHAR(80) NOT NULL,
	description VARCHAR(255),
	permissions TEXT,
	update_datetime DATETIME NOT NULL DEFAULT (now()),
	PRIMARY KEY (id),
	UNIQUE (name)
);
CREATE TABLE user (
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
	confirmed_at DATETIME,
	last_login_at DATETIME,
	current_login_at DATETIME,
	last_login_ip VARCHAR(64),
	current_login_ip VARCHAR(64),
	login_count INTEGER,
	tf_primary_method VARCHAR(64),
	tf_totp_secret VARCHAR(255),
	tf_phone_number VARCHAR(128),
	create_datetime DATETIME NOT NULL DEFAULT (now()),
	update_datetime DATETIME NOT NULL DEFAULT (now()),
	PRIMARY KEY (id),
	UNIQUE (fs_webauthn_user_handle),
	UNIQUE (us_phone_number),
	UNIQUE (username),
	UNIQUE (email),
	UNIQUE (fs_uniquifier)
);
CREATE TABLE roles_users (
	user_id INTEGER,
	role_id INTEGER,
	FOREIGN KEY(user_id) REFERENCES user (id),
	FOREIGN KEY(role_id) REFERENCES `role` (id)
);
CREATE TABLE web_authn (
	id INTEGER NOT NULL AUTO_INCREMENT,
	credential_id BLOB(1024) NOT NULL,
	public_key BLOB NOT NULL,
	sign_count INTEGER,
	transports TEXT,
	backup_state BOOL NOT NULL,
	device_type VARCHAR(64) NOT NULL,
	extensions VARCHAR(255),
	create_datetime DATETIME NOT NULL DEFAULT (now()),
	lastuse_datetime DATETIME NOT NULL,
	name VARCHAR(64) NOT NULL,
	`usage` VARCHAR(64) NOT NULL,
	user_id INTEGER NOT NULL,
	PRIMARY KEY (id),
	FOREIGN KEY(user_id) REFERENCES user (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX ix_web_authn_credential_id ON web_authn (credential_id);
