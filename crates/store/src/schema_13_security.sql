-- Security (issue 10): the real-name binding of an ID number to a name and a phone,
-- attempt throttles shared by every node, the unguessable token of each license's
-- public check, and the audited digests of case and account rows.

-- 实名绑定: the name and phone proven for an ID number, by a window clerk who saw the
-- person and their ID card, or by the identity verifier. Only digests and the
-- encrypted phone are kept.
CREATE TABLE applicant_identities (
    id_digest TEXT PRIMARY KEY,
    name_digest TEXT NOT NULL,
    phone_digest TEXT NOT NULL,
    phone_enc TEXT NOT NULL,
    bound_by TEXT NOT NULL,
    bound_at TEXT NOT NULL
);

-- Failed attempts by key (an address, an account, a case's progress query) in the
-- current window; a key over its limit waits, it is never locked out for good.
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TEXT NOT NULL,
    blocked_until TEXT
);

-- 核验码: the unguessable part of a license's QR link; the number alone shows only
-- whether a license is valid, the token also whose it is.
ALTER TABLE licenses ADD COLUMN check_token TEXT;
UPDATE licenses SET check_token = {random_token};
