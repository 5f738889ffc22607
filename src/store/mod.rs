//! SQLite, the system of record, and the in-memory catalogue that pages read from.

pub mod catalogue;
pub mod changes;
pub mod endpoints;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

pub use catalogue::Catalogue;

use crate::model::Model;
use crate::pricing::price::Pricing;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored record is corrupt: {0}")]
    Corrupt(String),
    #[error("compression failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Where a run's data came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The snapshot compiled into the binary.
    Snapshot,
    /// A live fetch from the API.
    Api,
    /// A saved response read from disk.
    File,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Snapshot => "snapshot",
            SourceKind::Api => "api",
            SourceKind::File => "file",
        }
    }

    pub(crate) fn parse(text: &str) -> SourceKind {
        match text {
            "snapshot" => SourceKind::Snapshot,
            "api" => SourceKind::Api,
            _ => SourceKind::File,
        }
    }
}

/// One ingest attempt as recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub source_kind: SourceKind,
    pub source: String,
    pub as_of: DateTime<Utc>,
    pub success: bool,
    pub models_seen: i64,
    pub models_stored: i64,
    pub skipped: i64,
    pub added: i64,
    pub removed: i64,
    pub price_changes: i64,
    pub error: Option<String>,
}

/// What an ingest wants written; the store writes it all in one transaction or not at all.
pub struct NewRun<'a> {
    pub started_at: DateTime<Utc>,
    pub source_kind: SourceKind,
    pub source: &'a str,
    pub as_of: DateTime<Utc>,
    pub raw_body: Option<&'a [u8]>,
    pub models_seen: usize,
    pub skipped_detail: &'a [String],
}

/// The counts a successful catalogue write produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteCounts {
    pub stored: usize,
    pub added: usize,
    pub removed: usize,
    pub price_changes: usize,
}

/// The stored state the shrink and history rules compare against.
#[derive(Debug, Default)]
pub struct CurrentState {
    pub active_count: usize,
    /// Latest stored pricing JSON per model id, and whether the model is active.
    pub models: HashMap<String, (String, bool)>,
    pub last_success: Option<RunRecord>,
}

/// `SELECT <every run column> FROM ingest_runs` followed by `$tail`, as one static string.
macro_rules! run_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, started_at, finished_at, source_kind, source, as_of, outcome, \
             models_seen, models_stored, skipped, added, removed, price_changes, error FROM ingest_runs",
            $tail
        )
    };
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

pub(crate) fn ts(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub(crate) fn parse_ts(text: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {text:?}: {e}")))
}

pub(crate) fn gzip(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

/// Decompresses a gzip body, refusing to inflate beyond `limit` bytes.
pub fn gunzip_limited(bytes: &[u8], limit: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "decompressed body exceeds {limit} bytes"
        )));
    }
    Ok(out)
}

/// Canonical JSON of a pricing, used both for storage and for change detection.
pub fn pricing_json(pricing: &Pricing) -> String {
    serde_json::to_string(pricing).unwrap_or_default()
}

impl Store {
    /// Opens (creating if missing) and migrates the database at `path`.
    pub async fn open(path: &Path) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!().run(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// True when no catalogue has ever been stored.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM models")
            .fetch_one(&self.pool)
            .await?;
        Ok(count == 0)
    }

    /// Reads what the next ingest compares against.
    pub async fn current_state(&self) -> Result<CurrentState, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.active, \
                    (SELECT h.pricing FROM price_history h WHERE h.model_id = m.id ORDER BY h.id DESC LIMIT 1) AS pricing \
             FROM models m",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut state = CurrentState::default();
        for row in rows {
            let id: String = row.try_get("id")?;
            let active: bool = row.try_get("active")?;
            let pricing: Option<String> = row.try_get("pricing")?;
            if active {
                state.active_count += 1;
            }
            state
                .models
                .insert(id, (pricing.unwrap_or_default(), active));
        }
        state.last_success = self.last_run(true).await?;
        Ok(state)
    }

    /// Records a failed run; stored models are untouched.
    pub async fn record_failure(&self, run: &NewRun<'_>, error: &str) -> Result<i64, StoreError> {
        let raw = run.raw_body.map(gzip).transpose()?;
        let skipped_detail = serde_json::to_string(run.skipped_detail).unwrap_or_default();
        let id = sqlx::query(
            "INSERT INTO ingest_runs (started_at, finished_at, source_kind, source, as_of, outcome, \
             models_seen, skipped, skipped_detail, error, raw_gzip) \
             VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?, ?)",
        )
        .bind(ts(run.started_at))
        .bind(ts(Utc::now()))
        .bind(run.source_kind.as_str())
        .bind(run.source)
        .bind(ts(run.as_of))
        .bind(run.models_seen as i64)
        .bind(run.skipped_detail.len() as i64)
        .bind(skipped_detail)
        .bind(error)
        .bind(raw)
        .execute(&self.pool)
        .await?
        .last_insert_rowid();
        Ok(id)
    }

    /// Writes a whole catalogue in one transaction: the run, every model, new price rows
    /// for changed prices, and inactive marks (with events) for vanished models.
    pub async fn write_catalogue(
        &self,
        run: &NewRun<'_>,
        models: &[Model],
        state: &CurrentState,
    ) -> Result<(i64, WriteCounts), StoreError> {
        let raw = run.raw_body.map(gzip).transpose()?;
        let skipped_detail = serde_json::to_string(run.skipped_detail).unwrap_or_default();
        let as_of = ts(run.as_of);
        let mut tx = self.pool.begin().await?;
        let run_id = sqlx::query(
            "INSERT INTO ingest_runs (started_at, finished_at, source_kind, source, as_of, outcome, \
             models_seen, skipped, skipped_detail, raw_gzip) VALUES (?, ?, ?, ?, ?, 'success', ?, ?, ?, ?)",
        )
        .bind(ts(run.started_at))
        .bind(ts(run.started_at))
        .bind(run.source_kind.as_str())
        .bind(run.source)
        .bind(&as_of)
        .bind(run.models_seen as i64)
        .bind(run.skipped_detail.len() as i64)
        .bind(skipped_detail)
        .bind(raw)
        .execute(&mut *tx)
        .await?
        .last_insert_rowid();

        let mut counts = WriteCounts::default();
        let mut present = std::collections::HashSet::with_capacity(models.len());
        for model in models {
            present.insert(model.id.as_str());
            let data = serde_json::to_string(model)
                .map_err(|e| StoreError::Corrupt(format!("model {}: {e}", model.id)))?;
            let pricing = pricing_json(&model.pricing);
            let previous = state.models.get(&model.id);
            sqlx::query(
                "INSERT INTO models (id, base_id, author, name, active, first_seen, last_seen, \
                 intelligence_index, coding_index, agentic_index, data, run_id) \
                 VALUES (?1, ?2, ?3, ?4, 1, ?5, ?5, ?6, ?7, ?8, ?9, ?10) \
                 ON CONFLICT (id) DO UPDATE SET base_id = ?2, author = ?3, name = ?4, active = 1, \
                 last_seen = ?5, intelligence_index = ?6, coding_index = ?7, agentic_index = ?8, \
                 data = ?9, run_id = ?10",
            )
            .bind(&model.id)
            .bind(&model.base_id)
            .bind(&model.author)
            .bind(&model.name)
            .bind(&as_of)
            .bind(model.quality.intelligence)
            .bind(model.quality.coding)
            .bind(model.quality.agentic)
            .bind(data)
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
            let price_changed = previous.is_none_or(|(old, _)| *old != pricing);
            if price_changed {
                sqlx::query(
                    "INSERT INTO price_history (model_id, as_of, run_id, pricing) VALUES (?, ?, ?, ?)",
                )
                .bind(&model.id)
                .bind(&as_of)
                .bind(run_id)
                .bind(&pricing)
                .execute(&mut *tx)
                .await?;
                if previous.is_some() {
                    counts.price_changes += 1;
                }
            }
            if previous.is_none_or(|(_, active)| !active) {
                insert_event(&mut tx, &model.id, &as_of, run_id, "added").await?;
                counts.added += 1;
            }
            counts.stored += 1;
        }
        for (id, (_, active)) in &state.models {
            if *active && !present.contains(id.as_str()) {
                sqlx::query("UPDATE models SET active = 0, run_id = ? WHERE id = ?")
                    .bind(run_id)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                insert_event(&mut tx, id, &as_of, run_id, "removed").await?;
                counts.removed += 1;
            }
        }
        sqlx::query(
            "UPDATE ingest_runs SET finished_at = ?, models_stored = ?, added = ?, removed = ?, \
             price_changes = ? WHERE id = ?",
        )
        .bind(ts(Utc::now()))
        .bind(counts.stored as i64)
        .bind(counts.added as i64)
        .bind(counts.removed as i64)
        .bind(counts.price_changes as i64)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok((run_id, counts))
    }

    /// The most recent successful (or failed) run.
    pub async fn last_run(&self, success: bool) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(run_select!(" WHERE outcome = ? ORDER BY id DESC LIMIT 1"))
            .bind(if success { "success" } else { "failed" })
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// Recent runs, newest first.
    pub async fn recent_runs(&self, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(run_select!(" ORDER BY id DESC LIMIT ?"))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// Every stored model with its active flag and first-seen time.
    pub async fn load_models(&self) -> Result<Vec<StoredModel>, StoreError> {
        let rows = sqlx::query("SELECT data, active, first_seen FROM models ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let data: String = row.try_get("data")?;
                let model: Model = serde_json::from_str(&data)
                    .map_err(|e| StoreError::Corrupt(format!("model data: {e}")))?;
                Ok(StoredModel {
                    model,
                    active: row.try_get("active")?,
                    first_seen: parse_ts(&row.try_get::<String, _>("first_seen")?)?,
                })
            })
            .collect()
    }

    /// Every price history row, oldest first.
    pub async fn load_history(&self) -> Result<Vec<HistoryRow>, StoreError> {
        let rows =
            sqlx::query("SELECT model_id, as_of, run_id, pricing FROM price_history ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                let pricing: String = row.try_get("pricing")?;
                Ok(HistoryRow {
                    model_id: row.try_get("model_id")?,
                    as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
                    run_id: row.try_get("run_id")?,
                    pricing: serde_json::from_str(&pricing)
                        .map_err(|e| StoreError::Corrupt(format!("history pricing: {e}")))?,
                })
            })
            .collect()
    }

    /// Every added/removed event, oldest first.
    pub async fn load_events(&self) -> Result<Vec<EventRow>, StoreError> {
        let rows =
            sqlx::query("SELECT model_id, as_of, run_id, kind FROM model_events ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|row| {
                Ok(EventRow {
                    model_id: row.try_get("model_id")?,
                    as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
                    run_id: row.try_get("run_id")?,
                    added: row.try_get::<String, _>("kind")? == "added",
                })
            })
            .collect()
    }
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    model_id: &str,
    as_of: &str,
    run_id: i64,
    kind: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO model_events (model_id, as_of, run_id, kind) VALUES (?, ?, ?, ?)")
        .bind(model_id)
        .bind(as_of)
        .bind(run_id)
        .bind(kind)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn run_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<RunRecord, StoreError> {
    Ok(RunRecord {
        id: row.try_get("id")?,
        started_at: parse_ts(&row.try_get::<String, _>("started_at")?)?,
        finished_at: parse_ts(&row.try_get::<String, _>("finished_at")?)?,
        source_kind: SourceKind::parse(&row.try_get::<String, _>("source_kind")?),
        source: row.try_get("source")?,
        as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
        success: row.try_get::<String, _>("outcome")? == "success",
        models_seen: row.try_get("models_seen")?,
        models_stored: row.try_get("models_stored")?,
        skipped: row.try_get("skipped")?,
        added: row.try_get("added")?,
        removed: row.try_get("removed")?,
        price_changes: row.try_get("price_changes")?,
        error: row.try_get("error")?,
    })
}

/// A model as loaded from the store.
#[derive(Clone, Debug)]
pub struct StoredModel {
    pub model: Model,
    pub active: bool,
    pub first_seen: DateTime<Utc>,
}

/// One price history row.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub model_id: String,
    pub as_of: DateTime<Utc>,
    pub run_id: i64,
    pub pricing: Pricing,
}

/// One added/removed event.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub model_id: String,
    pub as_of: DateTime<Utc>,
    pub run_id: i64,
    pub added: bool,
}

/// Parses an RFC 3339 time or a bare `YYYY-MM-DD` date (as midnight UTC).
pub fn parse_as_of(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = chrono::NaiveDate::from_str(text) {
        return date.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}
