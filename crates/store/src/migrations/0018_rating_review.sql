-- 好差评's closed loop: a bad rating is verified (属实/部分属实/不属实), rectified
-- and answered; the rater may appeal the answer, and the service management office
-- reviews the appeal (upheld, or rectify again). The rated staff member is kept with
-- the rating: the window clerk for a visit, the clerk who accepted for the service
-- (cases rated before this migration: the same, from the acceptance event). The
-- rectification counts as on time when answered by its due day.
ALTER TABLE ratings ADD COLUMN staff_id BIGINT;
UPDATE ratings SET staff_id = (SELECT MIN(e.actor_id) FROM case_events e
    WHERE e.case_id = ratings.case_id AND e.action = 'accept');
ALTER TABLE rating_followups ADD COLUMN finding TEXT;
ALTER TABLE rating_followups ADD COLUMN appeal TEXT;
ALTER TABLE rating_followups ADD COLUMN appealed_at TEXT;
ALTER TABLE rating_followups ADD COLUMN review TEXT;
ALTER TABLE rating_followups ADD COLUMN review_outcome TEXT;
ALTER TABLE rating_followups ADD COLUMN reviewed_at TEXT;
ALTER TABLE rating_followups ADD COLUMN reviewed_by BIGINT;
ALTER TABLE stat_ratings ADD COLUMN answered_on_time BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_ratings_m ADD COLUMN answered_on_time BIGINT NOT NULL DEFAULT 0;
INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 18')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
