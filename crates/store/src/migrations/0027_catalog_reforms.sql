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

-- The cases closed with approval that were not instant, by the day closed: each
-- item's actual handling time against its promised limit (提速).
CREATE INDEX cases_closed_speed ON cases (closed_on, item_id, accepted_on, promised_days, promised_unit)
    WHERE status = 'closed' AND instant = 0;
