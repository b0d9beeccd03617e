-- A case's seal kept in a narrow table of its own: renewing it on every audited
-- change rewrote the whole case row (PostgreSQL wrote a new row version and an entry
-- in each of the table's indexes; an acceptance sealed its new case that way), where
-- an upsert here touches one small row and its key. No foreign key: a seal is only
-- ever read beside its case, and the key check would lock the case row once more.
CREATE TABLE case_seals (
    case_id {id},
    seal TEXT NOT NULL
);
INSERT INTO case_seals (case_id, seal) SELECT id, seal FROM cases WHERE seal IS NOT NULL;
ALTER TABLE cases DROP COLUMN seal;
