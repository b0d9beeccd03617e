-- Joint completion acceptance (联合验收) of construction projects: the owner's request
-- (the part and its floor area, in hundredths of ㎡), the day and the departments the
-- lead department fixed, each department's result per visit (a failed one is
-- inspected again), and when every department has passed, the certificate and the
-- working days from request to certificate.
CREATE TABLE acceptances (
    id {id},
    acceptance_no TEXT NOT NULL UNIQUE,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    part TEXT,
    area_cm2 BIGINT NOT NULL,
    status TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    requested_on TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    inspect_on TEXT,
    certified_at TEXT,
    certified_on TEXT,
    working_days BIGINT,
    first_pass BIGINT,
    license_no TEXT
);
CREATE INDEX acceptances_project ON acceptances (project_id, id);
CREATE INDEX acceptances_status ON acceptances (status, id);
CREATE INDEX acceptances_certified ON acceptances (certified_on);

CREATE TABLE acceptance_checks (
    acceptance_id BIGINT NOT NULL REFERENCES acceptances(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    visit BIGINT NOT NULL,
    inspect_on TEXT NOT NULL,
    result TEXT,
    findings TEXT,
    recorded_at TEXT,
    recorded_by TEXT,
    PRIMARY KEY (acceptance_id, department_id, visit)
);
CREATE INDEX acceptance_checks_department ON acceptance_checks (department_id, result);

-- Kept figures: per day of certificate, the acceptances closed (department 0: count,
-- area, working days, first-visit all-pass) and each department's first visits and
-- passes among them.
CREATE TABLE stat_acceptances (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    area_cm2 BIGINT NOT NULL,
    working_days BIGINT NOT NULL,
    first_pass BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);
CREATE TABLE stat_acceptances_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    area_cm2 BIGINT NOT NULL,
    working_days BIGINT NOT NULL,
    first_pass BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);

-- A joint acceptance certificate is an electronic license without a case: the
-- registry is rebuilt with either a case or an acceptance.
CREATE TABLE licenses_new (
    id {id},
    license_no TEXT NOT NULL UNIQUE,
    case_id BIGINT UNIQUE REFERENCES cases(id),
    acceptance_id BIGINT UNIQUE REFERENCES acceptances(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    item_name TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_id_masked TEXT,
    issued_at TEXT NOT NULL,
    valid_until TEXT,
    status TEXT NOT NULL,
    revoked_at TEXT,
    revoke_reason TEXT,
    document TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES department_keys(key_id),
    check_token TEXT,
    CHECK (case_id IS NOT NULL OR acceptance_id IS NOT NULL)
);
INSERT INTO licenses_new (id, license_no, case_id, department_id, item_name, holder_name, holder_id_masked,
    issued_at, valid_until, status, revoked_at, revoke_reason, document, signature, key_id, check_token)
    SELECT id, license_no, case_id, department_id, item_name, holder_name, holder_id_masked,
    issued_at, valid_until, status, revoked_at, revoke_reason, document, signature, key_id, check_token
    FROM licenses;
DROP TABLE licenses;
ALTER TABLE licenses_new RENAME TO licenses;
CREATE INDEX licenses_department ON licenses (department_id, status);
{reset_id:licenses};
