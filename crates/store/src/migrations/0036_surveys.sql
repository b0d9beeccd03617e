-- 政府满意度测评: a questionnaire per quarter (questions scored 1 to 5, a free text
-- per department), opened and closed by an administrator; distributors hand out
-- batches of one-time links (only their digests kept) and see their response rate
-- by a key of their own; each link answers once.
CREATE TABLE survey_quarters (
    quarter TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    questions TEXT NOT NULL,
    status TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT
);

CREATE TABLE survey_departments (
    quarter TEXT NOT NULL REFERENCES survey_quarters(quarter),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    PRIMARY KEY (quarter, department_id)
);

CREATE TABLE survey_distributors (
    id {id},
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE survey_links (
    id {id},
    quarter TEXT NOT NULL REFERENCES survey_quarters(quarter),
    token_hash TEXT NOT NULL UNIQUE,
    distributor_id BIGINT REFERENCES survey_distributors(id),
    enterprise_name TEXT,
    issued_on TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    answered_on TEXT,
    answered_at TEXT
);
CREATE INDEX survey_links_quarter ON survey_links (quarter, distributor_id);

CREATE TABLE survey_scores (
    link_id BIGINT NOT NULL REFERENCES survey_links(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    question BIGINT NOT NULL,
    score BIGINT NOT NULL,
    PRIMARY KEY (link_id, department_id, question)
);
CREATE INDEX survey_scores_department ON survey_scores (department_id, link_id);

CREATE TABLE survey_comments (
    id {id},
    link_id BIGINT NOT NULL REFERENCES survey_links(id),
    quarter TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    body TEXT NOT NULL
);
CREATE INDEX survey_comments_quarter ON survey_comments (quarter, department_id);

-- What each department answers to the issues raised about it in a quarter.
CREATE TABLE survey_replies (
    quarter TEXT NOT NULL REFERENCES survey_quarters(quarter),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    reply TEXT NOT NULL,
    replied_at TEXT NOT NULL,
    replied_by TEXT NOT NULL,
    PRIMARY KEY (quarter, department_id)
);

-- Scores per day answered and department (how many, their sum), and links per day
-- issued (how many, how many answered).
CREATE TABLE stat_survey (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    score_sum BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
CREATE TABLE stat_survey_m (
    day TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    n BIGINT NOT NULL,
    score_sum BIGINT NOT NULL,
    PRIMARY KEY (day, department_id)
);
CREATE TABLE stat_survey_links (
    day TEXT NOT NULL,
    issued BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    PRIMARY KEY (day)
);
CREATE TABLE stat_survey_links_m (
    day TEXT NOT NULL,
    issued BIGINT NOT NULL,
    answered BIGINT NOT NULL,
    PRIMARY KEY (day)
);
