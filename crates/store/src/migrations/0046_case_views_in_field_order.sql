-- The kept case views are written again: their keys now follow the view's own field
-- order (the live parts last) instead of being sorted, so a kept view is written
-- without building a JSON tree first. The next `tongban migrate`, `serve`,
-- `seed-demo` or `stats rebuild` writes them anew; until then lookups read the
-- cases' records, as for any case without a kept view.
DELETE FROM case_views;
