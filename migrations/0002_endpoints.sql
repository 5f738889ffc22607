-- Each upstream provider's endpoint for a model, as of its model's last successful fetch of
-- `GET /models/{id}/endpoints`. A model's rows are replaced together, in one transaction, only
-- when a fetch succeeds; a failed fetch leaves them as they were.
CREATE TABLE endpoints (
    model_id              TEXT    NOT NULL REFERENCES models (id),
    -- the order OpenRouter listed them in
    position              INTEGER NOT NULL,
    provider_name         TEXT    NOT NULL,
    -- OpenRouter's endpoint tag, e.g. 'deepinfra/fp8'; the provider name when absent
    tag                   TEXT    NOT NULL,
    -- OpenRouter's display name for the endpoint
    name                  TEXT,
    -- crate::pricing::price::Pricing as canonical JSON (exact decimal strings)
    pricing               TEXT    NOT NULL,
    context_length        INTEGER,
    max_completion_tokens INTEGER,
    max_prompt_tokens     INTEGER,
    -- 'fp16', 'bf16', 'fp8', 'int4', 'unknown', ... as OpenRouter states it
    quantization          TEXT,
    -- 0 normal; negative values are OpenRouter's flags for a degraded endpoint
    status                INTEGER,
    -- percentages, as OpenRouter reports them
    uptime_last_5m        REAL,
    uptime_last_30m       REAL,
    uptime_last_1d        REAL,
    fetched_at            TEXT    NOT NULL,
    PRIMARY KEY (model_id, position)
);

-- Append-only: a row when an endpoint's prices differ from its previous row.
CREATE TABLE endpoint_price_history (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id  TEXT    NOT NULL REFERENCES models (id),
    tag       TEXT    NOT NULL,
    as_of     TEXT    NOT NULL,
    pricing   TEXT    NOT NULL
);
CREATE INDEX endpoint_price_history_key ON endpoint_price_history (model_id, tag, id);

-- The latest endpoint fetch of each model, so a page can say how old its rows are and why
-- the last refresh failed.
CREATE TABLE endpoint_fetches (
    model_id          TEXT    PRIMARY KEY REFERENCES models (id),
    last_attempt      TEXT    NOT NULL,
    last_success      TEXT,
    -- a short reason fit for readers, NULL when the last attempt succeeded
    last_error        TEXT,
    -- the full error chain, for operators
    last_error_detail TEXT,
    endpoint_count    INTEGER NOT NULL DEFAULT 0
);
