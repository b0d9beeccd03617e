-- 第三方暗访: the third party's results as imported from its workbook — the window,
-- the day, the items checked, the score (in tenths) and remarks — counted per day
-- and department with the score summed.
CREATE TABLE mystery_visits (
    id {id},
    window_id BIGINT NOT NULL REFERENCES windows(id),
    department_id BIGINT REFERENCES departments(id),
    day TEXT NOT NULL,
    items TEXT NOT NULL,
    score_tenths BIGINT NOT NULL,
    remarks TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL
);
CREATE INDEX mystery_visits_day ON mystery_visits (day, id);

CREATE TABLE stat_visits (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    score_tenths BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
CREATE TABLE stat_visits_m (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    score_tenths BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
