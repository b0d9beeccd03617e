-- Staff lists at a Kunshan-sized year: each list's sort served by an index, so a page
-- (and the next, by keyset) reads its rows in order instead of sorting the table.
-- Cases sort by promised deadline (none last), newest first within a day: over all
-- cases, a department's, a point's.
CREATE INDEX cases_due ON cases (COALESCE(promised_deadline, '9999-12-31'), id DESC);
CREATE INDEX cases_department_due ON cases (department_id, COALESCE(promised_deadline, '9999-12-31'), id DESC);
CREATE INDEX cases_point_due ON cases (point_id, COALESCE(promised_deadline, '9999-12-31'), id DESC);
-- The cases behind a dashboard bar: accepted in a period, of a department or a
-- point, newest first.
CREATE INDEX cases_accepted ON cases (accepted_on, id);
CREATE INDEX cases_department_accepted ON cases (department_id, accepted_on, id);
CREATE INDEX cases_point_accepted ON cases (point_id, accepted_on, id);
DROP INDEX cases_accepted_on;
-- The ratings behind a dashboard figure: of a level in a period, newest first.
CREATE INDEX ratings_level_day ON ratings (level, rated_on, rated_at, case_id);
CREATE INDEX ratings_day_time ON ratings (rated_on, rated_at, case_id);
DROP INDEX ratings_rated_on;
-- The supervision page's lists: cases withdrawn after their promised date, and
-- commitments not yet verified, each a partial index of the few rows it lists.
CREATE INDEX cases_withdrawn_late ON cases (promised_deadline) WHERE status = 'withdrawn' AND promised_deadline IS NOT NULL AND promised_deadline < closed_on;
CREATE INDEX cases_commitment_due ON cases (verify_by) WHERE mode = 'commitment' AND verified_at IS NULL AND revoked_on IS NULL;
