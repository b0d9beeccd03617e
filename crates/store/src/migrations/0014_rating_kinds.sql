-- 好差评 keeps the window's device rating of a visit (一次一评) apart from the
-- applicant's rating of the whole service (一事一评): a case may have one of each,
-- and each bad one its own follow-up. Both tables are rebuilt with the kind in their
-- key; existing ratings keep their kind by their source (`device:…` is the window's
-- device), a follow-up the kind of the bad rating that opened it.
CREATE TABLE ratings_kinds (
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    level BIGINT NOT NULL,
    comment TEXT NOT NULL,
    source TEXT NOT NULL,
    rated_at TEXT NOT NULL,
    rated_on TEXT NOT NULL,
    PRIMARY KEY (case_id, kind)
);
INSERT INTO ratings_kinds (case_id, kind, level, comment, source, rated_at, rated_on)
    SELECT case_id, CASE WHEN source LIKE 'device:%' THEN 'visit' ELSE 'service' END,
           level, comment, source, rated_at, rated_on
    FROM ratings;
DROP TABLE ratings;
ALTER TABLE ratings_kinds RENAME TO ratings;
CREATE INDEX ratings_rated_on ON ratings (rated_on);

CREATE TABLE rating_followups_kinds (
    id {id},
    case_id BIGINT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL REFERENCES departments(id),
    opened_at TEXT NOT NULL,
    due_on TEXT NOT NULL,
    answered_at TEXT,
    answer TEXT,
    answered_by BIGINT REFERENCES users(id),
    UNIQUE (case_id, kind)
);
INSERT INTO rating_followups_kinds (id, case_id, kind, department_id, opened_at, due_on, answered_at, answer, answered_by)
    SELECT f.id, f.case_id,
           COALESCE((SELECT MIN(r.kind) FROM ratings r WHERE r.case_id = f.case_id AND r.level >= 4), 'service'),
           f.department_id, f.opened_at, f.due_on, f.answered_at, f.answer, f.answered_by
    FROM rating_followups f;
DROP TABLE rating_followups;
ALTER TABLE rating_followups_kinds RENAME TO rating_followups;
CREATE INDEX rating_followups_department ON rating_followups (department_id, answered_at);
{reset_id:rating_followups};
