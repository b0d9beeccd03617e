-- Construction projects (工程建设项目) under parallel approval: each registered once at
-- the comprehensive window with the code the national investment platform gave it.
-- Areas are kept in hundredths of a square metre, money in fen.
CREATE TABLE projects (
    id {id},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    owner_credit_code TEXT NOT NULL,
    owner_name TEXT NOT NULL,
    point_id BIGINT NOT NULL REFERENCES points(id),
    address TEXT NOT NULL,
    investment_fen BIGINT NOT NULL,
    land_area_cm2 BIGINT NOT NULL,
    floor_area_cm2 BIGINT NOT NULL,
    funding TEXT NOT NULL,
    category TEXT NOT NULL,
    lead_department_id BIGINT NOT NULL REFERENCES departments(id),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);
CREATE INDEX projects_owner ON projects (owner_credit_code);
CREATE INDEX projects_lead ON projects (lead_department_id, id);
