-- portcullis: expiring counters for brute-force protection (failed sign-ins per account and per
-- client address). Additive. Keys compare exactly (binary collation); longer keys than the
-- column holds are shortened by the store.
CREATE TABLE IF NOT EXISTS portcullis_counter (
	`key` VARCHAR(255) COLLATE utf8mb4_bin NOT NULL,
	value BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	PRIMARY KEY (`key`),
	INDEX ix_portcullis_counter_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
