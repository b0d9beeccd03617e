-- Display links for the hall's wall screen: shown without a staff login, each with
-- its own token (kept only as a keyed digest) that its issuer can revoke.
CREATE TABLE display_links (
    id {id},
    name TEXT NOT NULL,
    token_digest TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT
);
