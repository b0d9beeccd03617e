-- tongban schema, version 1. One source for SQLite and PostgreSQL: `{id}` becomes
-- each backend's auto-increment primary key. Times are UTC text
-- (YYYY-MM-DDTHH:MM:SS.mmmZ), legal days are local dates (YYYY-MM-DD).

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE departments (
    id {id},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    credit_code TEXT,
    stationed BIGINT NOT NULL,
    has_service_section BIGINT NOT NULL,
    member_unit BIGINT NOT NULL,
    sort BIGINT NOT NULL
);

CREATE TABLE points (
    id {id},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    division_code TEXT NOT NULL,
    address TEXT NOT NULL,
    sort BIGINT NOT NULL
);

CREATE TABLE windows (
    id {id},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    point_id BIGINT NOT NULL REFERENCES points(id),
    department_id BIGINT REFERENCES departments(id),
    comprehensive BIGINT NOT NULL
);

CREATE TABLE users (
    id {id},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    point_id BIGINT REFERENCES points(id),
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL,
    failed_logins BIGINT NOT NULL,
    first_failed_at TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE calendar_years (
    year BIGINT PRIMARY KEY,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL
);

CREATE TABLE calendar_days (
    day TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    festival TEXT NOT NULL
);

CREATE TABLE items (
    id {id},
    code TEXT NOT NULL UNIQUE,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    parent_id BIGINT REFERENCES items(id),
    created_at TEXT NOT NULL
);
CREATE INDEX items_department ON items (department_id);

CREATE TABLE item_versions (
    id {id},
    item_id BIGINT NOT NULL REFERENCES items(id),
    version BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    published_at TEXT,
    name TEXT NOT NULL,
    status TEXT NOT NULL,
    power_type TEXT NOT NULL,
    instant BIGINT NOT NULL,
    statutory_days BIGINT NOT NULL,
    statutory_unit TEXT NOT NULL,
    promised_days BIGINT NOT NULL,
    promised_unit TEXT NOT NULL,
    online_depth TEXT NOT NULL,
    content TEXT NOT NULL,
    change_note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (item_id, version)
);

CREATE TABLE cases (
    id {id},
    case_no TEXT NOT NULL UNIQUE,
    item_id BIGINT NOT NULL REFERENCES items(id),
    item_version BIGINT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    point_id BIGINT NOT NULL REFERENCES points(id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    instant BIGINT NOT NULL,
    applicant_kind TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    id_type TEXT,
    id_number_enc TEXT,
    id_number_digest TEXT,
    id_number_masked TEXT,
    credit_code TEXT,
    contact TEXT,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    verify_digest TEXT NOT NULL,
    materials TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    accepted_at TEXT,
    accepted_on TEXT,
    acceptance_no TEXT,
    decided_at TEXT,
    closed_at TEXT,
    closed_on TEXT,
    promised_days BIGINT NOT NULL,
    promised_unit TEXT NOT NULL,
    statutory_days BIGINT NOT NULL,
    statutory_unit TEXT NOT NULL,
    extension_days BIGINT NOT NULL,
    promised_deadline TEXT,
    legal_deadline TEXT,
    deadline_estimated BIGINT NOT NULL,
    result TEXT,
    document_no TEXT,
    reason TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX cases_department_status ON cases (department_id, status);
CREATE INDEX cases_point_day ON cases (point_id, submitted_on);
CREATE INDEX cases_status_deadline ON cases (status, promised_deadline);
CREATE INDEX cases_id_digest ON cases (id_number_digest);
CREATE INDEX cases_credit_code ON cases (credit_code);
CREATE INDEX cases_accepted_on ON cases (accepted_on);

CREATE TABLE case_seq (
    point_id BIGINT NOT NULL REFERENCES points(id),
    day TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (point_id, day)
);

CREATE TABLE case_pauses (
    id {id},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX case_pauses_case ON case_pauses (case_id);

CREATE TABLE case_events (
    id {id},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    actor_name TEXT NOT NULL,
    point_id BIGINT REFERENCES points(id),
    note TEXT
);
CREATE INDEX case_events_case ON case_events (case_id);

CREATE TABLE ratings (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    level BIGINT NOT NULL,
    comment TEXT NOT NULL,
    source TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    rated_on TEXT NOT NULL
);

CREATE TABLE rating_followups (
    id {id},
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    opened_at TEXT NOT NULL,
    due_on TEXT NOT NULL,
    answered_at TEXT,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id)
);
CREATE INDEX rating_followups_department ON rating_followups (department_id, answered_at);

CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    n BIGINT NOT NULL
);
