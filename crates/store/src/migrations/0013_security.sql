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

-- Account lifecycle and the second factor (等保 2.0 level 3): a TOTP secret (RFC 6238,
-- kept encrypted like ID numbers; enabled once its first code is confirmed), the last
-- time step used (a code is accepted once), single-use recovery codes (digests only),
-- a password an administrator reset (to be changed at the next sign-in), and how far a
-- web session has got through the sign-in (password, second factor, enrolment, new
-- password).
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
CREATE TABLE recovery_codes (
    id {id},
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_digest TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);
ALTER TABLE web_sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';

-- 封存: a keyed digest of each case's and account's audited state (with the count and
-- last id of a case's events), renewed in the transaction of every audited change, so
-- `audit verify` finds rows changed in the database behind the platform's back.
ALTER TABLE cases ADD COLUMN seal TEXT;
ALTER TABLE users ADD COLUMN seal TEXT;
