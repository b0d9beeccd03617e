-- 涉审中介 and the 中介超市: agencies registered to provide the services approvals
-- require (their qualifications with validity and fee standards, any tie to a
-- government body and the day it was cut), penalties against them, the services
-- catalog items need, the service requests owners publish, agencies' quotes, the
-- selection, delivery and the owner's rating.
CREATE TABLE agencies (
    id {id},
    credit_code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    phone_masked TEXT NOT NULL,
    gov_body TEXT,
    decoupled_on TEXT,
    suspended_at TEXT,
    rated BIGINT NOT NULL DEFAULT 0,
    rating_points BIGINT NOT NULL DEFAULT 0,
    registered_on TEXT NOT NULL,
    registered_by TEXT NOT NULL
);
CREATE INDEX agencies_name ON agencies (name);

CREATE TABLE agency_qualifications (
    id {id},
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    service TEXT NOT NULL,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    cert_no TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    fee_standard TEXT NOT NULL,
    UNIQUE (agency_id, service, cert_no)
);
CREATE INDEX agency_qualifications_service ON agency_qualifications (service, valid_until, agency_id);

CREATE TABLE agency_penalties (
    id {id},
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    reason TEXT NOT NULL,
    authority TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    points BIGINT NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX agency_penalties_agency ON agency_penalties (agency_id, valid_until);

-- The intermediary services a catalog item needs (by the item's code).
CREATE TABLE item_intermediary_services (
    item_code TEXT NOT NULL,
    service TEXT NOT NULL,
    PRIMARY KEY (item_code, service)
);
CREATE INDEX item_intermediary_services_service ON item_intermediary_services (service);

CREATE TABLE service_requests (
    id {id},
    request_no TEXT NOT NULL UNIQUE,
    owner_code TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    project_id BIGINT REFERENCES projects(id),
    service TEXT NOT NULL,
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    budget_fen BIGINT NOT NULL,
    rule TEXT NOT NULL,
    reason TEXT,
    deadline TEXT NOT NULL,
    published_on TEXT NOT NULL,
    published_by TEXT NOT NULL,
    selected_quote_id BIGINT,
    selected_on TEXT,
    -- A random draw's seed, kept unshown until the draw, and its SM3 published with
    -- the request.
    draw_seed TEXT,
    draw_commitment TEXT,
    draw TEXT,
    delivered_on TEXT,
    delivery_note TEXT,
    rated_on TEXT,
    quality BIGINT,
    timeliness BIGINT,
    attitude BIGINT,
    fees BIGINT,
    rating_note TEXT,
    cancelled_on TEXT
);
CREATE INDEX service_requests_published ON service_requests (published_on, id);
CREATE INDEX service_requests_owner ON service_requests (owner_code, id);
CREATE INDEX service_requests_project ON service_requests (project_id);
CREATE INDEX service_requests_service ON service_requests (service, deadline);

CREATE TABLE service_quotes (
    id {id},
    request_id BIGINT NOT NULL REFERENCES service_requests(id),
    agency_id BIGINT NOT NULL REFERENCES agencies(id),
    amount_fen BIGINT NOT NULL,
    days BIGINT NOT NULL,
    note TEXT NOT NULL,
    quoted_at TEXT NOT NULL,
    UNIQUE (request_id, agency_id)
);
CREATE INDEX service_quotes_agency ON service_quotes (agency_id, id);

-- Agencies selected per day selected and service: how many, the amounts agreed,
-- how many were rated and their marks summed (four marks of 1..5 each).
CREATE TABLE stat_intermediary (
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rating_points BIGINT NOT NULL,
    PRIMARY KEY (day, service)
);
CREATE TABLE stat_intermediary_m (
    day TEXT NOT NULL,
    service TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    rating_points BIGINT NOT NULL,
    PRIMARY KEY (day, service)
);
