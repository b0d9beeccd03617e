-- A case's view kept beside it, written in the transaction of every write that
-- changes what the view shows (`cases::stored`): a lookup reads this one row instead
-- of the case with its item, department, point, rating, follow-up, license and
-- events. `fixed` is the view's JSON without the parts that depend on the day or the
-- node's settings (urgency, the days left to answer, late delivery, the license's
-- check link); the columns after it are what those parts are worked out from when the
-- view is read. A case without a row here (an office's records from before this
-- migration, a bulk load) is read as before, and its row is filled in by the next
-- `serve`, `seed-demo` or `stats rebuild`.
CREATE TABLE case_views (
    case_id {id},
    fixed TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_on TEXT,
    notices BIGINT NOT NULL,
    promised_deadline TEXT,
    deliver_by TEXT,
    delivered_on TEXT,
    license_no TEXT,
    license_token TEXT
);
