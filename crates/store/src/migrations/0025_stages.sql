-- The stages of parallel approval: for each kind of project (funding and category)
-- and stage, the catalog items handled in parallel and the stage's limit in working
-- days, kept by administrators in versions that take effect on a day; and each stage
-- application the comprehensive window accepted once, with one set of materials,
-- linked to the ordinary cases it opened (one per item, each department's own).
CREATE TABLE stage_rules (
    id {id},
    funding TEXT NOT NULL,
    category TEXT NOT NULL,
    stage TEXT NOT NULL,
    version BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    limit_days BIGINT NOT NULL,
    items TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (funding, category, stage, version)
);

CREATE TABLE stage_applications (
    id {id},
    application_no TEXT NOT NULL UNIQUE,
    project_id BIGINT NOT NULL REFERENCES projects(id),
    stage TEXT NOT NULL,
    rule_id BIGINT NOT NULL REFERENCES stage_rules(id),
    limit_days BIGINT NOT NULL,
    accepted_at TEXT NOT NULL,
    accepted_on TEXT NOT NULL,
    deadline TEXT NOT NULL,
    accepted_by TEXT NOT NULL,
    materials TEXT NOT NULL,
    materials_separate BIGINT NOT NULL,
    statutory_days BIGINT NOT NULL,
    fees_fen BIGINT NOT NULL,
    intermediaries TEXT NOT NULL
);
CREATE INDEX stage_applications_project ON stage_applications (project_id, stage);

CREATE TABLE stage_cases (
    application_id BIGINT NOT NULL REFERENCES stage_applications(id),
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    PRIMARY KEY (application_id, case_id)
);

-- 问题协调: problems raised on a project, the department that must act, by when,
-- and the result.
CREATE TABLE project_problems (
    id {id},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    description TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    raised_by TEXT NOT NULL,
    result TEXT,
    resolved_at TEXT,
    resolved_by TEXT
);
CREATE INDEX project_problems_open ON project_problems (status, due_on);
CREATE INDEX project_problems_project ON project_problems (project_id, id);
