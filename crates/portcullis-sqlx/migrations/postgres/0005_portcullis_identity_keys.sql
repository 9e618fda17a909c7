-- Additive only: the identity keys (the full Unicode case fold of email and username,
-- policy::identity_key), unique, so that `ÄNNIE@x` and `ännie@x` are one account whatever the
-- database's locale. Rows written without them (by Flask-Security) are filled in when the
-- store opens, and matched by lower() meanwhile.
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS portcullis_email_key VARCHAR(320);
ALTER TABLE "user" ADD COLUMN IF NOT EXISTS portcullis_username_key VARCHAR(320);
CREATE UNIQUE INDEX IF NOT EXISTS ix_user_portcullis_email_key ON "user" (portcullis_email_key);
CREATE UNIQUE INDEX IF NOT EXISTS ix_user_portcullis_username_key ON "user" (portcullis_username_key);
