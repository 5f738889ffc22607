//! SQLite for the official feed: its own run log, every entry ever seen, append-only price
//! history and added/removed events. A run writes in one transaction, and the state it compares
//! against is read inside that transaction (`BEGIN IMMEDIATE`), so two ingests cannot interleave.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::schema::ParsedFeed;
use super::{OfficialModel, PriceList, Provider};
use crate::store::{SourceKind, Store, StoreError, gzip, parse_ts, ts};

use crate::store::{KEEP_FAILED_BODIES, KEEP_FAILED_BODIES_DAYS};

/// One official ingest attempt as recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OfficialRun {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub source_kind: SourceKind,
    pub source: String,
    pub as_of: DateTime<Utc>,
    pub success: bool,
    pub providers_seen: i64,
    pub models_seen: i64,
    pub models_stored: i64,
    pub skipped: i64,
    pub added: i64,
    pub removed: i64,
    pub price_changes: i64,
    pub error: Option<String>,
}

/// What an official ingest wants recorded.
pub struct NewRun<'a> {
    pub started_at: DateTime<Utc>,
    pub source_kind: SourceKind,
    pub source: &'a str,
    pub as_of: DateTime<Utc>,
    pub raw_body: Option<&'a [u8]>,
    pub providers_seen: usize,
    pub models_seen: usize,
    pub skipped_detail: &'a [String],
}

/// What a successful write did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteCounts {
    pub stored: usize,
    pub added: usize,
    pub removed: usize,
    pub price_changes: usize,
}

/// The stored state a run is checked against, read inside its transaction.
#[derive(Debug, Default)]
pub struct StoredState {
    pub active_count: usize,
    /// (provider, entry) -> (latest prices JSON, active)
    pub entries: HashMap<(String, String), (String, bool)>,
    /// The newest successful run's data time and kind.
    pub last_success: Option<(DateTime<Utc>, SourceKind)>,
}

/// Why a write was refused after reading the stored state; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for WriteError {
    fn from(err: sqlx::Error) -> Self {
        WriteError::Store(StoreError::Sql(err))
    }
}

macro_rules! run_select {
    ($tail:literal) => {
        concat!(
            "SELECT id, started_at, finished_at, source_kind, source, as_of, outcome, providers_seen, \
             models_seen, models_stored, skipped, added, removed, price_changes, error FROM official_runs",
            $tail
        )
    };
}

/// Records a failed run; stored prices are untouched. Older failures lose their raw bodies.
pub async fn record_failure(
    store: &Store,
    run: &NewRun<'_>,
    error: &str,
) -> Result<i64, StoreError> {
    let raw = run.raw_body.map(gzip).transpose()?;
    let skipped_detail = serde_json::to_string(run.skipped_detail).unwrap_or_default();
    let mut tx = store.begin_write().await?;
    let id = sqlx::query(
        "INSERT INTO official_runs (started_at, finished_at, source_kind, source, as_of, outcome, \
         providers_seen, models_seen, skipped, skipped_detail, error, raw_gzip) \
         VALUES (?, ?, ?, ?, ?, 'failed', ?, ?, ?, ?, ?, ?)",
    )
    .bind(ts(run.started_at))
    .bind(ts(Utc::now()))
    .bind(run.source_kind.as_str())
    .bind(run.source)
    .bind(ts(run.as_of))
    .bind(run.providers_seen as i64)
    .bind(run.models_seen as i64)
    .bind(run.skipped_detail.len() as i64)
    .bind(skipped_detail)
    .bind(error)
    .bind(raw)
    .execute(tx.conn())
    .await?
    .last_insert_rowid();
    // Failed bodies are kept as the catalogue keeps its own: the latest few, or a week's.
    let cutoff = ts(Utc::now() - chrono::Duration::days(KEEP_FAILED_BODIES_DAYS));
    sqlx::query(
        "UPDATE official_runs SET raw_gzip = NULL WHERE outcome = 'failed' AND raw_gzip IS NOT NULL \
         AND started_at < ? \
         AND id NOT IN (SELECT id FROM official_runs WHERE outcome = 'failed' ORDER BY id DESC LIMIT ?)",
    )
    .bind(cutoff)
    .bind(KEEP_FAILED_BODIES)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(id)
}

async fn read_state(tx: &mut sqlx::SqliteConnection) -> Result<StoredState, StoreError> {
    let rows = sqlx::query(
        "SELECT m.provider_id, m.model_id, m.active, \
                (SELECT h.prices FROM official_price_history h \
                 WHERE h.provider_id = m.provider_id AND h.model_id = m.model_id ORDER BY h.id DESC LIMIT 1) AS prices \
         FROM official_models m",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut state = StoredState::default();
    for row in rows {
        let active: bool = row.try_get("active")?;
        if active {
            state.active_count += 1;
        }
        let prices: Option<String> = row.try_get("prices")?;
        state.entries.insert(
            (row.try_get("provider_id")?, row.try_get("model_id")?),
            (prices.unwrap_or_default(), active),
        );
    }
    let last = sqlx::query(
        "SELECT as_of, source_kind FROM official_runs WHERE outcome = 'success' ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(row) = last {
        state.last_success = Some((
            parse_ts(&row.try_get::<String, _>("as_of")?)?,
            SourceKind::parse(&row.try_get::<String, _>("source_kind")?),
        ));
    }
    Ok(state)
}

/// Writes a whole feed in one transaction, after `check` has accepted the stored state it read
/// inside that transaction. Entries the feed no longer lists become inactive; entries it listed
/// but we could not read (`unreadable`) keep what we knew of them.
pub async fn write_feed(
    store: &Store,
    run: &NewRun<'_>,
    feed: &ParsedFeed,
    unreadable: &HashSet<(String, String)>,
    check: impl FnOnce(&StoredState) -> Result<(), String>,
) -> Result<(i64, WriteCounts), WriteError> {
    let raw = run.raw_body.map(gzip).transpose()?;
    let skipped_detail = serde_json::to_string(run.skipped_detail).unwrap_or_default();
    let as_of = ts(run.as_of);
    let mut tx = store.begin_write().await?;
    let state = read_state(tx.conn()).await?;
    check(&state).map_err(WriteError::Refused)?;

    let run_id = sqlx::query(
        "INSERT INTO official_runs (started_at, finished_at, source_kind, source, as_of, outcome, \
         providers_seen, models_seen, skipped, skipped_detail, raw_gzip) \
         VALUES (?, ?, ?, ?, ?, 'success', ?, ?, ?, ?, ?)",
    )
    .bind(ts(run.started_at))
    .bind(ts(run.started_at))
    .bind(run.source_kind.as_str())
    .bind(run.source)
    .bind(&as_of)
    .bind(run.providers_seen as i64)
    .bind(run.models_seen as i64)
    .bind(run.skipped_detail.len() as i64)
    .bind(skipped_detail)
    .bind(raw)
    .execute(tx.conn())
    .await?
    .last_insert_rowid();

    let mut counts = WriteCounts::default();
    let mut present: HashSet<(&str, &str)> = HashSet::new();
    for provider in &feed.providers {
        let header = Provider {
            models: Vec::new(),
            ..provider.clone()
        };
        sqlx::query(
            "INSERT INTO official_providers (id, data, run_id) VALUES (?1, ?2, ?3) \
             ON CONFLICT (id) DO UPDATE SET data = ?2, run_id = ?3",
        )
        .bind(&provider.id)
        .bind(serde_json::to_string(&header).unwrap_or_default())
        .bind(run_id)
        .execute(tx.conn())
        .await?;
        for model in &provider.models {
            present.insert((provider.id.as_str(), model.id.as_str()));
            let data = serde_json::to_string(model)
                .map_err(|e| StoreError::Corrupt(format!("official model {}: {e}", model.id)))?;
            sqlx::query(
                "INSERT INTO official_models (provider_id, model_id, active, first_seen, last_seen, data, run_id) \
                 VALUES (?1, ?2, 1, ?3, ?3, ?4, ?5) \
                 ON CONFLICT (provider_id, model_id) DO UPDATE SET active = 1, last_seen = ?3, data = ?4, run_id = ?5",
            )
            .bind(&provider.id)
            .bind(&model.id)
            .bind(&as_of)
            .bind(data)
            .bind(run_id)
            .execute(tx.conn())
            .await?;
            let prices = model.prices_json();
            let previous = state.entries.get(&(provider.id.clone(), model.id.clone()));
            if previous.is_none_or(|(old, _)| *old != prices) {
                sqlx::query(
                    "INSERT INTO official_price_history (provider_id, model_id, as_of, run_id, prices) \
                     VALUES (?, ?, ?, ?, ?)",
                )
                .bind(&provider.id)
                .bind(&model.id)
                .bind(&as_of)
                .bind(run_id)
                .bind(&prices)
                .execute(tx.conn())
                .await?;
                if previous.is_some() {
                    counts.price_changes += 1;
                }
            }
            if previous.is_none_or(|(_, active)| !active) {
                insert_event(tx.conn(), &provider.id, &model.id, &as_of, run_id, "added").await?;
                counts.added += 1;
            }
            counts.stored += 1;
        }
    }
    for ((provider_id, model_id), (_, active)) in &state.entries {
        let key = (provider_id.as_str(), model_id.as_str());
        if *active
            && !present.contains(&key)
            && !unreadable.contains(&(provider_id.clone(), model_id.clone()))
        {
            sqlx::query("UPDATE official_models SET active = 0, run_id = ? WHERE provider_id = ? AND model_id = ?")
                .bind(run_id)
                .bind(provider_id)
                .bind(model_id)
                .execute(tx.conn())
                .await?;
            insert_event(tx.conn(), provider_id, model_id, &as_of, run_id, "removed").await?;
            counts.removed += 1;
        }
    }
    sqlx::query(
        "UPDATE official_runs SET finished_at = ?, models_stored = ?, added = ?, removed = ?, \
         price_changes = ? WHERE id = ?",
    )
    .bind(ts(Utc::now()))
    .bind(counts.stored as i64)
    .bind(counts.added as i64)
    .bind(counts.removed as i64)
    .bind(counts.price_changes as i64)
    .bind(run_id)
    .execute(tx.conn())
    .await?;
    tx.commit().await?;
    Ok((run_id, counts))
}

async fn insert_event(
    tx: &mut sqlx::SqliteConnection,
    provider_id: &str,
    model_id: &str,
    as_of: &str,
    run_id: i64,
    kind: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO official_events (provider_id, model_id, as_of, run_id, kind) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(provider_id)
    .bind(model_id)
    .bind(as_of)
    .bind(run_id)
    .bind(kind)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

fn run_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<OfficialRun, StoreError> {
    Ok(OfficialRun {
        id: row.try_get("id")?,
        started_at: parse_ts(&row.try_get::<String, _>("started_at")?)?,
        finished_at: parse_ts(&row.try_get::<String, _>("finished_at")?)?,
        source_kind: SourceKind::parse(&row.try_get::<String, _>("source_kind")?),
        source: row.try_get("source")?,
        as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
        success: row.try_get::<String, _>("outcome")? == "success",
        providers_seen: row.try_get("providers_seen")?,
        models_seen: row.try_get("models_seen")?,
        models_stored: row.try_get("models_stored")?,
        skipped: row.try_get("skipped")?,
        added: row.try_get("added")?,
        removed: row.try_get("removed")?,
        price_changes: row.try_get("price_changes")?,
        error: row.try_get("error")?,
    })
}

/// Recent runs, newest first.
pub async fn recent_runs(store: &Store, limit: i64) -> Result<Vec<OfficialRun>, StoreError> {
    let rows = sqlx::query(run_select!(" ORDER BY id DESC LIMIT ?"))
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(run_from_row).collect()
}

/// One price history row of one entry.
#[derive(Clone, Debug)]
pub struct HistoryRow {
    pub provider_id: String,
    pub model_id: String,
    pub as_of: DateTime<Utc>,
    pub run_id: i64,
    pub prices: PriceList,
}

/// One added/removed event.
#[derive(Clone, Debug)]
pub struct EventRow {
    pub provider_id: String,
    pub model_id: String,
    pub as_of: DateTime<Utc>,
    pub run_id: i64,
    pub added: bool,
}

/// Everything stored about the official feed, for the in-memory view.
#[derive(Clone, Debug, Default)]
pub struct StoredOfficial {
    /// Providers with their active entries.
    pub providers: Vec<Provider>,
    pub history: Vec<HistoryRow>,
    pub events: Vec<EventRow>,
    pub runs: Vec<OfficialRun>,
}

/// Loads the stored feed: providers with their active entries, history, events and runs.
pub async fn load(store: &Store) -> Result<StoredOfficial, StoreError> {
    let pool = store.pool();
    let mut providers: Vec<Provider> = Vec::new();
    for row in sqlx::query("SELECT data FROM official_providers ORDER BY id")
        .fetch_all(pool)
        .await?
    {
        let data: String = row.try_get("data")?;
        providers.push(
            serde_json::from_str(&data)
                .map_err(|e| StoreError::Corrupt(format!("official provider: {e}")))?,
        );
    }
    let index: HashMap<String, usize> = providers
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    let rows = sqlx::query(
        "SELECT provider_id, data FROM official_models WHERE active = 1 ORDER BY rowid",
    )
    .fetch_all(pool)
    .await?;
    for row in rows {
        let provider_id: String = row.try_get("provider_id")?;
        let data: String = row.try_get("data")?;
        let model: OfficialModel = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("official model: {e}")))?;
        if let Some(&i) = index.get(&provider_id) {
            providers[i].models.push(model);
        }
    }
    let history = sqlx::query(
        "SELECT provider_id, model_id, as_of, run_id, prices FROM official_price_history ORDER BY id",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        let prices: String = row.try_get("prices")?;
        Ok(HistoryRow {
            provider_id: row.try_get("provider_id")?,
            model_id: row.try_get("model_id")?,
            as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
            run_id: row.try_get("run_id")?,
            prices: serde_json::from_str(&prices)
                .map_err(|e| StoreError::Corrupt(format!("official prices: {e}")))?,
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    let events = sqlx::query(
        "SELECT provider_id, model_id, as_of, run_id, kind FROM official_events ORDER BY id",
    )
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(EventRow {
            provider_id: row.try_get("provider_id")?,
            model_id: row.try_get("model_id")?,
            as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
            run_id: row.try_get("run_id")?,
            added: row.try_get::<String, _>("kind")? == "added",
        })
    })
    .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(StoredOfficial {
        providers,
        history,
        events,
        runs: recent_runs(store, i64::MAX).await?,
    })
}
