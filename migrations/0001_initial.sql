-- Every ingest attempt, successful or not, with its raw response (gzip) so a parser fix
-- can re-ingest history.
CREATE TABLE ingest_runs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at      TEXT    NOT NULL,
    finished_at     TEXT    NOT NULL,
    -- 'snapshot', 'api', 'file'
    source_kind     TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    -- the moment the data describes (RFC 3339, UTC)
    as_of           TEXT    NOT NULL,
    -- 'success' or 'failed'
    outcome         TEXT    NOT NULL,
    models_seen     INTEGER NOT NULL DEFAULT 0,
    models_stored   INTEGER NOT NULL DEFAULT 0,
    skipped         INTEGER NOT NULL DEFAULT 0,
    skipped_detail  TEXT,
    added           INTEGER NOT NULL DEFAULT 0,
    removed         INTEGER NOT NULL DEFAULT 0,
    price_changes   INTEGER NOT NULL DEFAULT 0,
    error           TEXT,
    raw_gzip        BLOB
);
CREATE INDEX ingest_runs_outcome ON ingest_runs (outcome, id);

-- The current state of every model ever seen. Models are never deleted.
CREATE TABLE models (
    id                 TEXT    PRIMARY KEY,
    base_id            TEXT    NOT NULL,
    author             TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    active             INTEGER NOT NULL,
    first_seen         TEXT    NOT NULL,
    last_seen          TEXT    NOT NULL,
    intelligence_index REAL,
    coding_index       REAL,
    agentic_index      REAL,
    -- the normalised record (crate::model::Model) as JSON; prices are exact decimal strings
    data               TEXT    NOT NULL,
    run_id             INTEGER NOT NULL REFERENCES ingest_runs (id)
);

-- Append-only: a row only when a model's prices differ from its previous row.
CREATE TABLE price_history (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id  TEXT    NOT NULL REFERENCES models (id),
    as_of     TEXT    NOT NULL,
    run_id    INTEGER NOT NULL REFERENCES ingest_runs (id),
    -- crate::pricing::price::Pricing as canonical JSON
    pricing   TEXT    NOT NULL
);
CREATE INDEX price_history_model ON price_history (model_id, id);

-- Models appearing, disappearing and returning.
CREATE TABLE model_events (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id  TEXT    NOT NULL REFERENCES models (id),
    as_of     TEXT    NOT NULL,
    run_id    INTEGER NOT NULL REFERENCES ingest_runs (id),
    -- 'added' or 'removed'
    kind      TEXT    NOT NULL
);
CREATE INDEX model_events_as_of ON model_events (as_of);
