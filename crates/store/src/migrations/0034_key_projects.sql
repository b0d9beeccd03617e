-- 挂钩项目: construction projects hooked to the enterprise complaint center, each
-- with its responsible staff, and their weekly progress (one entry a week, kept
-- under the week's Monday), counted per week and project.
CREATE TABLE hooked_projects (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id),
    hooked_on TEXT NOT NULL,
    responsible TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE project_progress (
    id {id},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    week_of TEXT NOT NULL,
    progress TEXT NOT NULL,
    problems TEXT NOT NULL,
    entered_at TEXT NOT NULL,
    entered_by TEXT NOT NULL,
    UNIQUE (project_id, week_of)
);
CREATE INDEX project_progress_week ON project_progress (week_of, project_id);

CREATE TABLE stat_tracking (
    day TEXT NOT NULL,
    project_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, project_id)
);
CREATE TABLE stat_tracking_m (
    day TEXT NOT NULL,
    project_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, project_id)
);
