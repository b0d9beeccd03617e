-- 12345 咨询知识库: articles, the queue of questions nobody could answer yet.
-- `rev` is a global change sequence (counter `kb_rev`, taken inside each writing
-- transaction): every node's search index catches up on the rows whose rev it has
-- not seen, so a change made through any node is found on every node.

CREATE TABLE kb_articles (
    id {id},
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    department_id BIGINT REFERENCES departments(id),
    tags TEXT NOT NULL,
    valid_until TEXT,
    faq BIGINT NOT NULL,
    status TEXT NOT NULL,
    rev BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX kb_articles_rev ON kb_articles (rev);
CREATE INDEX kb_articles_faq ON kb_articles (faq, status, updated_at);

CREATE TABLE kb_questions (
    id {id},
    question TEXT NOT NULL,
    norm TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    asked BIGINT NOT NULL,
    first_asked_at TEXT NOT NULL,
    last_asked_at TEXT NOT NULL,
    status TEXT NOT NULL,
    article_id BIGINT REFERENCES kb_articles(id),
    closed_at TEXT
);
CREATE INDEX kb_questions_open ON kb_questions (status, last_asked_at);
