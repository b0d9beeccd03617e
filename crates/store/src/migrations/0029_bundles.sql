-- 一件事一次办: bundles of catalog items for one event of life or business, kept by
-- administrators in versions that take effect on a day (like the catalog); and
-- each bundle application taken once — one form, one set of materials, one number
-- for the applicant — linked to the ordinary cases it opened, one per item, each
-- its department's own with its own clock.
CREATE TABLE bundle_versions (
    id {id},
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    effective_from TEXT NOT NULL,
    name TEXT NOT NULL,
    event TEXT NOT NULL,
    theme TEXT NOT NULL,
    description TEXT NOT NULL,
    items TEXT NOT NULL,
    in_use BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (code, version)
);

CREATE TABLE bundle_applications (
    id {id},
    application_no TEXT NOT NULL UNIQUE,
    bundle_code TEXT NOT NULL,
    bundle_version BIGINT NOT NULL,
    name TEXT NOT NULL,
    channel TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    created_by TEXT NOT NULL,
    materials TEXT NOT NULL,
    materials_separate BIGINT NOT NULL
);
CREATE INDEX bundle_applications_code ON bundle_applications (bundle_code, id);

CREATE TABLE bundle_cases (
    application_id BIGINT NOT NULL REFERENCES bundle_applications(id),
    case_id BIGINT NOT NULL UNIQUE REFERENCES cases(id),
    PRIMARY KEY (application_id, case_id)
);
