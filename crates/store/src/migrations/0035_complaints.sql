-- 企业投诉: enterprises sign in by their unified social credit code and a contact's
-- phone proven by a one-time code (kept in applicant_codes, its id_digest the
-- digest of the credit code); the contacts an enterprise has are bound to it.
CREATE TABLE enterprise_contacts (
    credit_code TEXT NOT NULL,
    phone_digest TEXT NOT NULL,
    name TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    bound_by TEXT NOT NULL,
    bound_at TEXT NOT NULL,
    PRIMARY KEY (credit_code, phone_digest)
);

CREATE TABLE enterprise_sessions (
    id_hash TEXT PRIMARY KEY,
    credit_code TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

-- A complaint from its receipt (web, phone or visit) through its assignment to a
-- department with a deadline in working days, the department's answer, the
-- enterprise's rating, an escalation when overdue, and a coordination problem on
-- a construction project when it was turned into one.
CREATE TABLE complaints (
    id {id},
    complaint_no TEXT NOT NULL UNIQUE,
    credit_code TEXT NOT NULL,
    enterprise_name TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    content TEXT NOT NULL,
    project_id BIGINT REFERENCES projects(id),
    received_on TEXT NOT NULL,
    received_at TEXT NOT NULL,
    received_by TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    limit_days BIGINT,
    due_on TEXT,
    assigned_at TEXT,
    assigned_by TEXT,
    answer TEXT,
    answered_on TEXT,
    answered_at TEXT,
    answered_by TEXT,
    on_time BIGINT,
    escalated_at TEXT,
    rating BIGINT,
    rating_note TEXT,
    rated_on TEXT,
    problem_id BIGINT REFERENCES project_problems(id)
);
CREATE INDEX complaints_enterprise ON complaints (credit_code, id);
CREATE INDEX complaints_department ON complaints (department_id, id);
CREATE INDEX complaints_due ON complaints (answered_on, due_on);
CREATE INDEX complaints_received ON complaints (received_on, id);

-- Counted per day, kind (received, answered, rated) and department (0: not yet
-- assigned): how many, answered by their due day, the ratings' sum and those
-- satisfied (4 or 5).
CREATE TABLE stat_complaints (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);
CREATE TABLE stat_complaints_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    rating_sum BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);
