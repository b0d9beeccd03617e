-- The approval modes offices use. `mode`: standard, tolerance (容缺受理: accepted
-- with the non-essential materials in `deferred` to follow, before the decision) or
-- commitment (告知承诺制: approved on the signed commitment, verified by `verify_by`,
-- revoked on `revoked_on` when it proved untrue). An agent at the window (经办人/
-- 代理人) is kept like the applicant: ID number and phone encrypted, masked copies
-- for lists. `assistant` is the member of staff who handled it for the applicant
-- (帮办代办).
ALTER TABLE cases ADD COLUMN mode TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE cases ADD COLUMN deferred TEXT;
ALTER TABLE cases ADD COLUMN agent_name TEXT;
ALTER TABLE cases ADD COLUMN agent_id_enc TEXT;
ALTER TABLE cases ADD COLUMN agent_id_masked TEXT;
ALTER TABLE cases ADD COLUMN agent_phone_enc TEXT;
ALTER TABLE cases ADD COLUMN agent_phone_masked TEXT;
ALTER TABLE cases ADD COLUMN assistant TEXT;
ALTER TABLE cases ADD COLUMN verify_by TEXT;
ALTER TABLE cases ADD COLUMN verified_at TEXT;
ALTER TABLE cases ADD COLUMN revoked_on TEXT;
CREATE INDEX cases_unverified ON cases (verify_by) WHERE verified_at IS NULL;
INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 19')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
