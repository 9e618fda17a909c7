-- Flask-Security's optional fs_token_uniquifier column (not part of the fsqla models).
ALTER TABLE `user` ADD COLUMN IF NOT EXISTS fs_token_uniquifier VARCHAR(64);
