-- Electronic licenses (电子证照): each department signs the licenses it issues with its
-- own SM2 key. The private key is kept encrypted under the master key (SM4-GCM, the
-- `v1:` format of protect.rs), never in plain; the public key is published.

CREATE TABLE department_keys (
    id {id},
    department_id BIGINT NOT NULL REFERENCES departments(id),
    key_id TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    private_key_enc TEXT NOT NULL,
    created_at TEXT NOT NULL,
    active BIGINT NOT NULL
);
-- One signing key in use per department; retired keys stay to verify old licenses.
CREATE UNIQUE INDEX department_keys_active ON department_keys (department_id) WHERE active = 1;

CREATE TABLE licenses (
    id {id},
    license_no TEXT NOT NULL UNIQUE,
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    department_id BIGINT NOT NULL REFERENCES departments(id),
    item_name TEXT NOT NULL,
    holder_name TEXT NOT NULL,
    holder_id_masked TEXT,
    issued_at TEXT NOT NULL,
    valid_until TEXT,
    status TEXT NOT NULL,
    revoked_at TEXT,
    revoke_reason TEXT,
    document TEXT NOT NULL,
    signature TEXT NOT NULL,
    key_id TEXT NOT NULL REFERENCES department_keys(key_id)
);
CREATE INDEX licenses_department ON licenses (department_id, status);
