-- OpenRouter's list of upstream providers (`GET /providers`) and the endpoint figures the
-- "where to buy" filters need. Independent of migrations 0003 and 0004, so it applies
-- whichever of them a database has already seen.

-- Every attempt to refresh the provider list, kept apart from `ingest_runs` so the
-- catalogue's freshness and data version are not moved by it.
CREATE TABLE provider_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at        TEXT    NOT NULL,
    finished_at       TEXT    NOT NULL,
    source            TEXT    NOT NULL,
    -- 'success' or 'failed'
    outcome           TEXT    NOT NULL,
    providers_seen    INTEGER NOT NULL DEFAULT 0,
    providers_stored  INTEGER NOT NULL DEFAULT 0,
    skipped           INTEGER NOT NULL DEFAULT 0,
    skipped_detail    TEXT,
    error             TEXT,
    raw_gzip          BLOB
);

-- Every provider ever listed. Providers are never deleted: one that leaves the list is
-- marked inactive and keeps what we knew of it.
CREATE TABLE providers (
    slug                  TEXT    PRIMARY KEY,
    name                  TEXT    NOT NULL,
    -- ISO 3166-1 alpha-2, NULL when not stated
    headquarters          TEXT,
    -- JSON array of country codes, '[]' when not stated
    datacenters           TEXT    NOT NULL DEFAULT '[]',
    privacy_policy_url    TEXT,
    terms_of_service_url  TEXT,
    status_page_url       TEXT,
    active                INTEGER NOT NULL,
    first_seen            TEXT    NOT NULL,
    last_seen             TEXT    NOT NULL,
    run_id                INTEGER NOT NULL REFERENCES provider_runs (id)
);

-- Rows stored before this migration have none of these: NULL / '[]' read as "not published".
ALTER TABLE endpoints ADD COLUMN supported_parameters TEXT NOT NULL DEFAULT '[]';
ALTER TABLE endpoints ADD COLUMN supports_implicit_caching INTEGER;
ALTER TABLE endpoints ADD COLUMN latency_last_30m REAL;
ALTER TABLE endpoints ADD COLUMN throughput_last_30m REAL;
