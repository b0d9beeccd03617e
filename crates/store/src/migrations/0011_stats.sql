-- Figures kept as records are written: cases accepted and closed per day and
-- dimension (department, point, channel, instant), updated in the writing
-- transaction, so a year's report sums a few thousand rows instead of scanning the
-- cases. `tongban stats rebuild` recomputes them from the records, `stats check`
-- proves they equal a recomputation.

CREATE TABLE stat_cases (
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    department_id BIGINT NOT NULL,
    point_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    instant BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (day, kind, department_id, point_id, channel, instant)
);

INSERT INTO stat_cases (day, kind, department_id, point_id, channel, instant, n)
SELECT accepted_on, 'accepted', department_id, point_id, channel, instant, CAST(COUNT(*) AS BIGINT)
FROM cases WHERE accepted_on IS NOT NULL
GROUP BY accepted_on, department_id, point_id, channel, instant;

INSERT INTO stat_cases (day, kind, department_id, point_id, channel, instant, n)
SELECT closed_on, 'closed', department_id, point_id, channel, instant, CAST(COUNT(*) AS BIGINT)
FROM cases WHERE closed_on IS NOT NULL
GROUP BY closed_on, department_id, point_id, channel, instant;
