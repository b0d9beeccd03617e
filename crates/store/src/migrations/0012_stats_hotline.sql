-- More figures kept as records are written (see `stats.rs`): 12345 work orders per
-- day registered, channel and lead unit; 好差评 ratings per day, department, point,
-- source and level; the switch's calls per day. Each also per month (`_m`, `day` is
-- YYYY-MM), so a year's report sums twelve months of rows. The migration fills them
-- all from the records (in Rust: the response rate needs the official calendar).

CREATE TABLE stat_orders (
    day TEXT NOT NULL,
    channel TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    received BIGINT NOT NULL,
    direct BIGINT NOT NULL,
    dispatched BIGINT NOT NULL,
    closed_dispatched BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    level_sum BIGINT NOT NULL,
    level_count BIGINT NOT NULL,
    valid BIGINT NOT NULL,
    faulty BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    dispatched_valid BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    PRIMARY KEY (day, channel, department_id)
);

CREATE TABLE stat_ratings (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    point_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    level BIGINT NOT NULL,
    n BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    PRIMARY KEY (day, department_id, point_id, source, level)
);

CREATE TABLE stat_calls (
    day TEXT NOT NULL PRIMARY KEY,
    n BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    answered_15s BIGINT NOT NULL,
    wait_sum BIGINT NOT NULL,
    called_back BIGINT NOT NULL
);

CREATE TABLE stat_cases_m (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    point_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    instant BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id, point_id, channel, instant)
);

CREATE TABLE stat_orders_m (
    day TEXT NOT NULL,
    channel TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    received BIGINT NOT NULL,
    direct BIGINT NOT NULL,
    dispatched BIGINT NOT NULL,
    closed_dispatched BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    level_sum BIGINT NOT NULL,
    level_count BIGINT NOT NULL,
    valid BIGINT NOT NULL,
    faulty BIGINT NOT NULL,
    closed BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    dispatched_valid BIGINT NOT NULL,
    responded BIGINT NOT NULL,
    PRIMARY KEY (day, channel, department_id)
);

CREATE TABLE stat_ratings_m (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    point_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    level BIGINT NOT NULL,
    n BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    PRIMARY KEY (day, department_id, point_id, source, level)
);

CREATE TABLE stat_calls_m (
    day TEXT NOT NULL PRIMARY KEY,
    n BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    answered_15s BIGINT NOT NULL,
    wait_sum BIGINT NOT NULL,
    called_back BIGINT NOT NULL
);

-- The public's new unanswered questions are capped per hour (kb::record_question).
CREATE INDEX kb_questions_recent ON kb_questions (source, first_asked_at);

-- The new counters (and the case counters' months) start from the records already
-- there: the store refills every counter after the migrations while this is set
-- (stats::refill_if_stale), so no migration runs the live counting code.
INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 12');
