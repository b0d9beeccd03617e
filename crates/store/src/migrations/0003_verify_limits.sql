-- Attempts at the applicant's proof (last six characters of the ID or credit code) are
-- counted per case, so the proof cannot be guessed by trying every combination.

ALTER TABLE cases ADD COLUMN verify_failures BIGINT NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN verify_locked_until TEXT;
