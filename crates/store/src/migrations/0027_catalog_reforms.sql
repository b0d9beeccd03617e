-- The catalog's reform decisions (文号, kind, dates) and the items each changed, with
-- the published version that carries the change.
CREATE TABLE catalog_reforms (
    id {id},
    kind TEXT NOT NULL,
    document_no TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    merge_into_item_id BIGINT REFERENCES items(id),
    points TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX catalog_reforms_effective ON catalog_reforms (effective_from);

CREATE TABLE catalog_reform_items (
    reform_id BIGINT NOT NULL REFERENCES catalog_reforms(id),
    item_id BIGINT NOT NULL REFERENCES items(id),
    version BIGINT NOT NULL,
    PRIMARY KEY (reform_id, item_id)
);
CREATE INDEX catalog_reform_items_item ON catalog_reform_items (item_id);

-- The working days a case took from the day after its acceptance to the day it
-- closed with approval (set when it closes), and those days summed per day closed
-- and item: each item's actual handling time against its promise (提速).
ALTER TABLE cases ADD COLUMN handled_days BIGINT;
CREATE TABLE stat_item_speed (
    day TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    promised BIGINT NOT NULL,
    handled BIGINT NOT NULL,
    PRIMARY KEY (day, item_id)
);
CREATE TABLE stat_item_speed_m (
    day TEXT NOT NULL,
    item_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    promised BIGINT NOT NULL,
    handled BIGINT NOT NULL,
    PRIMARY KEY (day, item_id)
);

-- The counters are refilled from the records at the next start: the item speed-up of
-- cases closed before handled days were kept is filled in from the calendar then.
INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 27')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
