-- A case's events read from one index range. A lookup reads the case's events in
-- order with the case; with an index of `case_id` alone each event was a seek into
-- the events table, whose rows interleave the events of every case (a page read
-- each for a case not looked at lately). On SQLite the index now holds the events'
-- columns in their order, so they come from a leaf or two. PostgreSQL keeps its
-- index: a B-tree entry there is limited to a third of a page, and an event's note
-- may be longer.
{sqlite_only:CREATE INDEX case_events_by_case ON case_events (case_id, id, at, action, from_status, to_status, actor_name, point_id, note)};
{sqlite_only:DROP INDEX case_events_case};
