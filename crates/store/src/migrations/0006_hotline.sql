-- 12345 hotline: work orders with their events, the Open311 service list and the
-- API keys of outside systems (only an SM3 hash of each key is kept).

CREATE TABLE open311_services (
    id {id},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    grp TEXT NOT NULL,
    keywords TEXT NOT NULL,
    category TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    sort BIGINT NOT NULL
);

CREATE TABLE open311_keys (
    id {id},
    name TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    active BIGINT NOT NULL
);

CREATE TABLE work_orders (
    id {id},
    order_no TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    caller_name TEXT NOT NULL,
    phone_enc TEXT,
    phone_masked TEXT,
    phone_digest TEXT,
    email TEXT,
    address TEXT,
    lat TEXT,
    lon TEXT,
    content TEXT NOT NULL,
    service_code TEXT,
    department_id BIGINT REFERENCES departments(id),
    co_units TEXT NOT NULL,
    status TEXT NOT NULL,
    dispatched_on TEXT,
    deadline TEXT,
    deadline_estimated BIGINT NOT NULL,
    extension_pending BIGINT NOT NULL,
    direct_answer BIGINT NOT NULL,
    answer TEXT,
    reply TEXT,
    callback_level BIGINT,
    faulty BIGINT NOT NULL,
    merged_into TEXT,
    public BIGINT NOT NULL,
    api_key_id BIGINT REFERENCES open311_keys(id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX work_orders_created ON work_orders (created_at);
CREATE INDEX work_orders_unit ON work_orders (department_id, status);
CREATE INDEX work_orders_phone ON work_orders (phone_digest);

CREATE TABLE work_order_events (
    id {id},
    order_id BIGINT NOT NULL REFERENCES work_orders(id),
    at TEXT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    note TEXT
);
CREATE INDEX work_order_events_order ON work_order_events (order_id, id);
