-- A run's outcome may now also be 'quarantined': read, found implausible, stored with its raw
-- body and the reasons (in `error`), and not applied. `tokenfare accept-run` applies it
-- deliberately; it then becomes 'success' and this records when.
ALTER TABLE ingest_runs ADD COLUMN accepted_at TEXT;
