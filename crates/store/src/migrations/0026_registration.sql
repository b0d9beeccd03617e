-- Business registration (三证合一、一照一码): the market entities registered, each
-- with the unified social credit code generated when its establishment was approved
-- and kept through every change; and every registration application (设立, 变更,
-- 注销), linked to the ordinary case that decides it. ID numbers are kept encrypted
-- (the application's JSON holds them encrypted too) with a masked copy for lists.
CREATE TABLE entities (
    id {id},
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    point_id BIGINT NOT NULL REFERENCES points(id),
    address TEXT NOT NULL,
    legal_rep_name TEXT NOT NULL,
    legal_rep_id_enc TEXT NOT NULL,
    legal_rep_id_masked TEXT NOT NULL,
    registered_capital_fen BIGINT NOT NULL,
    business_scope TEXT NOT NULL,
    investors TEXT NOT NULL,
    status TEXT NOT NULL,
    registered_on TEXT NOT NULL,
    deregistered_on TEXT,
    license_no TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX entities_registered ON entities (registered_on, id);
CREATE INDEX entities_name ON entities (name, status);

CREATE TABLE registrations (
    id {id},
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    kind TEXT NOT NULL,
    entity_id BIGINT REFERENCES entities(id),
    name TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    application TEXT NOT NULL,
    closed_on TEXT,
    licensed BIGINT NOT NULL DEFAULT 0,
    license_no TEXT
);
CREATE INDEX registrations_entity ON registrations (entity_id);
CREATE INDEX registrations_closed ON registrations (closed_on);

-- Registrations settled (the case closed with approval) per day and kind, and the
-- business licenses they issued.
CREATE TABLE stat_registrations (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    licenses BIGINT NOT NULL,
    PRIMARY KEY (day, kind)
);
CREATE TABLE stat_registrations_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    n BIGINT NOT NULL,
    licenses BIGINT NOT NULL,
    PRIMARY KEY (day, kind)
);
