-- The 12345 rates as offices compute them, and one satisfaction scale.
--
-- 好差评 joins the 12345 callback's scale: 5 = 非常满意 … 1 = 非常不满意 (it was the
-- other way round), so every stored rating turns over.
UPDATE ratings SET level = 6 - level;

-- An order an agent marks invalid (骚扰、无声、打错) is no 有效工单; the caller's
-- answer at the callback (resolved or not) gives 解决率; `due_on` is the time limit of
-- the first dispatch, moved only by approved extensions (a return, a re-dispatch or a
-- rework does not reset it), and `replied_at` the unit's first reply: 按时办结率
-- measures the one against the other, over the orders due in the period.
ALTER TABLE work_orders ADD COLUMN invalid_kind TEXT;
ALTER TABLE work_orders ADD COLUMN resolved BIGINT;
ALTER TABLE work_orders ADD COLUMN due_on TEXT;
ALTER TABLE work_orders ADD COLUMN replied_at TEXT;
UPDATE work_orders SET due_on = deadline WHERE dispatched_on IS NOT NULL;
UPDATE work_orders SET replied_at = (SELECT MIN(e.at) FROM work_order_events e
    WHERE e.order_id = work_orders.id AND e.action = 'reply');
CREATE INDEX work_orders_due ON work_orders (due_on);

ALTER TABLE stat_orders ADD COLUMN resolved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders ADD COLUMN resolved_asked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders ADD COLUMN basic BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders_m ADD COLUMN resolved BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders_m ADD COLUMN resolved_asked BIGINT NOT NULL DEFAULT 0;
ALTER TABLE stat_orders_m ADD COLUMN basic BIGINT NOT NULL DEFAULT 0;

-- Dispatched orders by the day they were due and their lead unit: how many, and how
-- many the unit answered by then.
CREATE TABLE stat_order_dues (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    due BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
CREATE TABLE stat_order_dues_m (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    due BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);

INSERT INTO settings (key, value) VALUES ('counters_stale', 'migration 17')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
