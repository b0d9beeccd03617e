-- 好差评 keeps the window's device rating of a visit (一次一评) apart from the
-- applicant's rating of the whole service (一事一评): a case may have one of each.
-- The table is rebuilt with the kind in its key; existing ratings keep their kind by
-- their source (`device:…` is the window's device).
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
