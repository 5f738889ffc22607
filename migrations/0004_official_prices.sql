-- The second source: the makers' and clouds' own list prices (the genai-prices feed). It has its
-- own run log, so a failed or stale official feed never touches the catalogue's, and the reverse.
CREATE TABLE official_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at      TEXT    NOT NULL,
    finished_at     TEXT    NOT NULL,
    -- 'api' or 'file'
    source_kind     TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    -- the moment the data describes (RFC 3339, UTC)
    as_of           TEXT    NOT NULL,
    -- 'success' or 'failed'
    outcome         TEXT    NOT NULL,
    providers_seen  INTEGER NOT NULL DEFAULT 0,
    models_seen     INTEGER NOT NULL DEFAULT 0,
    models_stored   INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    -- JSON list of "provider/model: reason"
    skipped_detail  TEXT,
    added           INTEGER NOT NULL DEFAULT 0,
    removed         INTEGER NOT NULL DEFAULT 0,
    price_changes   INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    -- the raw body (gzip), so a reader fix can re-ingest history
    raw_gzip        BLOB
);
CREATE INDEX official_runs_outcome ON official_runs (outcome, id);

-- Each provider as last seen (name, pricing page, fallbacks), without its models.
CREATE TABLE official_providers (
    id      TEXT    PRIMARY KEY,
    data    TEXT    NOT NULL,
    run_id  INTEGER NOT NULL REFERENCES official_runs (id)
);

-- Every model entry ever seen, by (provider, entry id). Never deleted; vanished ones are inactive.
CREATE TABLE official_models (
    provider_id TEXT    NOT NULL,
    model_id    TEXT    NOT NULL,
    active      INTEGER NOT NULL,
    first_seen  TEXT    NOT NULL,
    last_seen   TEXT    NOT NULL,
    -- crate::official::OfficialModel as JSON; prices are exact decimal strings per unit
    data        TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES official_runs (id),
    PRIMARY KEY (provider_id, model_id)
);

-- Append-only: a row only when an entry's prices (its dated schedule and batch prices) change.
CREATE TABLE official_price_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id TEXT    NOT NULL,
    model_id    TEXT    NOT NULL,
    as_of       TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES official_runs (id),
    prices      TEXT    NOT NULL
);
CREATE INDEX official_price_history_key ON official_price_history (provider_id, model_id, id);

-- Entries appearing, disappearing and returning.
CREATE TABLE official_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id TEXT    NOT NULL,
    model_id    TEXT    NOT NULL,
    as_of       TEXT    NOT NULL,
    run_id      INTEGER NOT NULL REFERENCES official_runs (id),
    -- 'added' or 'removed'
    kind        TEXT    NOT NULL
);
CREATE INDEX official_events_as_of ON official_events (as_of);
