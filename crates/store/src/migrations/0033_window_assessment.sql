-- 窗口考核: the weights an administrator sets for a quarter's assessment parts
-- (patrols, mystery visits, 好差评, cases on time, complaints, commendations).
CREATE TABLE assessment_weights (
    quarter TEXT PRIMARY KEY,
    patrols BIGINT NOT NULL,
    visits BIGINT NOT NULL,
    ratings BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    complaints BIGINT NOT NULL,
    commendations BIGINT NOT NULL,
    set_at TEXT NOT NULL,
    set_by TEXT NOT NULL
);

-- The case counters now count cases closed after their promised day (the
-- assessment's 办件时效); they are refilled from the records at the next start.
INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 33')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
