-- 公共资源交易: the announcements the three trading systems send, each the source's
-- own (its id and version; a newer version amends, the same one changes nothing),
-- grouped into projects by the source's project id, each project an OCDS ocid.
-- Each source system pushes with a key of its own (only its digest kept).
CREATE TABLE trading_sources (
    code TEXT PRIMARY KEY,
    key_hash TEXT UNIQUE,
    key_set_at TEXT
);

CREATE TABLE trading_notices (
    id {id},
    source TEXT NOT NULL,
    source_id TEXT NOT NULL,
    version BIGINT NOT NULL,
    ocid TEXT NOT NULL,
    project_ref TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    title TEXT NOT NULL,
    buyer_name TEXT NOT NULL,
    buyer_code TEXT,
    agent_name TEXT,
    agent_code TEXT,
    town TEXT,
    published_on TEXT NOT NULL,
    amount_fen BIGINT,
    awarded_fen BIGINT NOT NULL,
    suppliers TEXT NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    amended_at TEXT,
    UNIQUE (source, source_id)
);
CREATE INDEX trading_notices_published ON trading_notices (published_on, id);
CREATE INDEX trading_notices_ocid ON trading_notices (ocid, published_on, id);
CREATE INDEX trading_notices_kind ON trading_notices (kind, published_on, id);
CREATE INDEX trading_notices_buyer ON trading_notices (buyer_name, published_on);

-- Transactions (result announcements) per day published, kind and source: how many
-- and their amount in fen.
CREATE TABLE stat_trading (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (day, kind, source)
);
CREATE TABLE stat_trading_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    n BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (day, kind, source)
);
