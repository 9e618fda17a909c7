-- portcullis: expiring counters for brute-force protection (failed sign-ins per account and per
-- client address). Additive.
CREATE TABLE IF NOT EXISTS portcullis_counter (
	key TEXT PRIMARY KEY,
	value BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_portcullis_counter_expires_at ON portcullis_counter (expires_at);
