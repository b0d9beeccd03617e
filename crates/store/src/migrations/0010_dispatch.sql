-- 12345 派单目录: which member unit takes a kind of request at a place. A rule names
-- any of a service (诉求分类), a category and a place word of the address; the most
-- specific rule that matches an order wins, and a service's own unit is the fallback.

CREATE TABLE dispatch_rules (
    id {id},
    service_code TEXT,
    category TEXT,
    place TEXT,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
