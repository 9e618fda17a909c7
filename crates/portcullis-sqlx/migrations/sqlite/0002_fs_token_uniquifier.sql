-- Flask-Security's optional fs_token_uniquifier column (not part of the fsqla models).
-- The migrator skips this statement when the column already exists.
ALTER TABLE user ADD COLUMN fs_token_uniquifier VARCHAR(64);
