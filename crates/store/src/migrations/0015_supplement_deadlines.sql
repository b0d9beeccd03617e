-- A supplement notice gives the applicant a deadline to supply what it lists
-- (补正期限); when it passes the case ends (视为撤回 before acceptance, 终止 after).
-- The platform finds the lapsed ones by the open notices' deadlines.
ALTER TABLE case_pauses ADD COLUMN due_day TEXT;
CREATE INDEX case_pauses_open_due ON case_pauses (due_day) WHERE to_day IS NULL;
