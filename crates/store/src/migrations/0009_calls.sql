-- 12345 intake channels and the switch's call records.
-- intake_keys: one key per outside channel (WeChat, email gateway, other); only an
-- SM3 hash of each key is kept. intake_refs: the external id an outside channel
-- gave a request, so the same request sent twice makes one work order.
-- calls: the switch's call log (话务记录), imported from its CSV export; the caller's
-- number is kept like work orders' phones (SM4 ciphertext, keyed digest, masked copy).

CREATE TABLE intake_keys (
    id {id},
    channel TEXT NOT NULL,
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    active BIGINT NOT NULL,
    deactivated_at TEXT
);

CREATE TABLE intake_refs (
    id {id},
    channel TEXT NOT NULL,
    external_id TEXT NOT NULL,
    order_id BIGINT NOT NULL REFERENCES work_orders(id),
    key_id BIGINT REFERENCES intake_keys(id),
    created_at TEXT NOT NULL,
    UNIQUE (channel, external_id)
);

CREATE TABLE calls (
    id {id},
    call_id TEXT NOT NULL UNIQUE,
    caller_enc TEXT,
    caller_masked TEXT,
    caller_digest TEXT,
    started_at TEXT NOT NULL,
    answered BIGINT NOT NULL,
    wait_seconds BIGINT NOT NULL,
    talk_seconds BIGINT NOT NULL,
    agent TEXT,
    imported_at TEXT NOT NULL,
    called_back_at TEXT,
    called_back_by TEXT
);
CREATE INDEX calls_started ON calls (started_at);
CREATE INDEX calls_caller ON calls (caller_digest, started_at);
