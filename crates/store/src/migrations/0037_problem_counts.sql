-- Coordination problems on construction projects counted per day, kind (raised,
-- resolved) and department: the problems the enterprise complaint center
-- coordinated. Filled from the records at the next start.
CREATE TABLE stat_problems (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);
CREATE TABLE stat_problems_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id)
);

INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 37')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
