-- Fewer index entries for each new case. `cases_point_day` served no query (lists
-- by point are served by `cases_point_due` and `cases_point_accepted`);
-- `cases_unverified` is covered by `cases_commitment_due`, which the list of
-- commitments due reads; and the undelivered index now holds only cases with a
-- delivery deadline (the list asks `deliver_by < day`, which implies it), not every
-- new case.
DROP INDEX cases_point_day;
DROP INDEX cases_unverified;
DROP INDEX cases_undelivered;
CREATE INDEX cases_undelivered ON cases (deliver_by) WHERE delivered_on IS NULL AND deliver_by IS NOT NULL;
