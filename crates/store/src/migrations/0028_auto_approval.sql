-- 秒批: the answers of an item's application form, and the automatic approvals
-- drawn for a person's check afterwards (事后核查), with its result and, where the
-- check disagreed, a supervisor's resolution.
CREATE TABLE case_forms (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    form TEXT NOT NULL
);

CREATE TABLE after_checks (
    case_id BIGINT PRIMARY KEY REFERENCES cases(id),
    queued_on TEXT NOT NULL,
    status TEXT NOT NULL,
    checked_by TEXT,
    checked_on TEXT,
    disputed BIGINT NOT NULL DEFAULT 0,
    note TEXT,
    resolved_by TEXT,
    resolved_on TEXT,
    resolution TEXT
);
CREATE INDEX after_checks_status ON after_checks (status, queued_on);

-- After-checks done per day, and those that disagreed.
CREATE TABLE stat_after_checks (
    day TEXT NOT NULL PRIMARY KEY,
    n BIGINT NOT NULL,
    disputed BIGINT NOT NULL
);
CREATE TABLE stat_after_checks_m (
    day TEXT NOT NULL PRIMARY KEY,
    n BIGINT NOT NULL,
    disputed BIGINT NOT NULL
);
