-- 12345 work-order rules: time limits by category configured by administrators
-- (working days; 'extension' is what an approved extension adds), emergencies
-- transferred to 110/119/120/122, how often an order was returned (dispute review
-- of returns), and co-handling units (协办单位) as rows, so a unit's scope is a
-- query and not a text search.

CREATE TABLE hotline_deadlines (
    category TEXT PRIMARY KEY,
    days BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL
);
INSERT INTO hotline_deadlines (category, days, updated_at, updated_by) VALUES
    ('consultation', 3, '1970-01-01T00:00:00Z', 'migration'),
    ('help', 3, '1970-01-01T00:00:00Z', 'migration'),
    ('complaint', 13, '1970-01-01T00:00:00Z', 'migration'),
    ('report', 13, '1970-01-01T00:00:00Z', 'migration'),
    ('suggestion', 13, '1970-01-01T00:00:00Z', 'migration'),
    ('praise', 3, '1970-01-01T00:00:00Z', 'migration'),
    ('extension', 5, '1970-01-01T00:00:00Z', 'migration');

-- The number an emergency was passed to (110, 119, 120, 122), or NULL.
ALTER TABLE work_orders ADD COLUMN emergency TEXT;
ALTER TABLE work_orders ADD COLUMN return_count BIGINT NOT NULL DEFAULT 0;
CREATE INDEX work_orders_emergency ON work_orders (emergency);

CREATE TABLE work_order_co_units (
    order_id BIGINT NOT NULL REFERENCES work_orders(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (order_id, department_id)
);
CREATE INDEX work_order_co_units_unit ON work_order_co_units (department_id, order_id);

-- Orders registered before this migration kept their co-units as a list of codes.
INSERT INTO work_order_co_units (order_id, department_id)
    SELECT o.id, d.id FROM work_orders o JOIN departments d
        ON (',' || o.co_units || ',') LIKE ('%,' || d.code || ',%')
    WHERE o.co_units <> '';

-- Returns recorded before this migration.
UPDATE work_orders SET return_count = (
    SELECT CAST(COUNT(*) AS BIGINT) FROM work_order_events e
    WHERE e.order_id = work_orders.id AND e.action = 'return');
