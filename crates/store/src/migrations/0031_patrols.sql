-- 月度巡查: each patrol of a window with the checklist's items found wanting, what
-- was found, and a photo taken at the window; counted per day and department.
CREATE TABLE patrols (
    id {id},
    window_id BIGINT NOT NULL REFERENCES windows(id),
    department_id BIGINT REFERENCES departments(id),
    day TEXT NOT NULL,
    failed TEXT NOT NULL,
    problems BIGINT NOT NULL,
    note TEXT NOT NULL,
    photo_key TEXT,
    photo_type TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX patrols_day ON patrols (day, id);
CREATE INDEX patrols_window ON patrols (window_id, day);

CREATE TABLE stat_patrols (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    problems BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
CREATE TABLE stat_patrols_m (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    problems BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
