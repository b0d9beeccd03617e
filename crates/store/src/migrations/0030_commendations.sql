-- Window supervision's registers: the banners (锦旗) given to a window or a unit,
-- and the innovation measures (创新举措) departments introduce, each on its day;
-- counted per day, kind and department (0: none, a comprehensive window's).
CREATE TABLE commendations (
    id {id},
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    window_id BIGINT REFERENCES windows(id),
    title TEXT NOT NULL,
    giver TEXT,
    effect TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX commendations_kind_day ON commendations (kind, day, id);

CREATE TABLE stat_commendations (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);
CREATE TABLE stat_commendations_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);

-- The 12345's praise calls (表扬 work orders) and complaints (投诉, the window
-- assessment's) are counted with its other orders.
ALTER TABLE stat_orders ADD COLUMN praise BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders_m ADD COLUMN praise BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders ADD COLUMN complaint BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders_m ADD COLUMN complaint BIGINT NOT NULL DEFAULT 0;

-- The order counters are refilled from the records at the next start, praise included.
INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 30')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
