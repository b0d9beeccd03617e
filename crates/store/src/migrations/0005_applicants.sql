-- Applicants signing in with their real name (ID number, name, phone and a one-time
-- code), the SMS outbox the default sender writes to, and the files they upload.

CREATE TABLE sms_outbox (
    id {id},
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    body TEXT NOT NULL,
    purpose TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE applicant_codes (
    id {id},
    phone_digest TEXT NOT NULL,
    id_digest TEXT NOT NULL,
    code_digest TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    used BIGINT NOT NULL
);
CREATE INDEX applicant_codes_phone ON applicant_codes (phone_digest, created_at);

CREATE TABLE applicant_sessions (
    id_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    id_number_enc TEXT NOT NULL,
    id_digest TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE uploads (
    id {id},
    draft TEXT NOT NULL,
    owner_digest TEXT NOT NULL,
    case_id BIGINT REFERENCES cases(id),
    material TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    storage_key TEXT NOT NULL,
    digest TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX uploads_draft ON uploads (draft);
CREATE INDEX uploads_case ON uploads (case_id);

ALTER TABLE cases ADD COLUMN submitter_digest TEXT;
CREATE INDEX cases_submitter ON cases (submitter_digest);
