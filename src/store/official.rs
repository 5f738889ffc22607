//! SQLite for the official feed: its own run log, every entry ever seen, append-only price
//! history and added/removed events. A run writes in one transaction, and the state it compares
//! against is read inside that transaction (`BEGIN IMMEDIATE`), so two ingests cannot interleave.

pub mod view;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{NewRun, Outcome, RunRecord, Store, StoreError, Totals, parse_ts};
use crate::feed::Feed;
use crate::fetch::official::ParsedFeed;
use crate::model::official::{OfficialModel, PriceList, Provider};

/// One official ingest attempt as recorded: a run of the shared log shape, with
/// `providers_seen` filled in.
pub type OfficialRun = RunRecord;

/// What a successful write did: the counts every run log keeps.
pub type WriteCounts = Totals;

/// The stored state a run is checked against, read inside its transaction.
#[derive(Debug, Default)]
pub struct StoredState {
    pub active_count: usize,
    /// (provider, entry) -> (latest prices JSON, active)
    pub entries: HashMap<(String, String), (String, bool)>,
    /// The newest successful run.
    pub last_success: Option<RunRecord>,
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

async fn read_state(tx: &mut crate::store::WriteTx) -> Result<StoredState, StoreError> {
    let rows = sqlx::query(
        "SELECT m.provider_id, m.model_id, m.active, \
                (SELECT h.prices FROM official_price_history h \
                 WHERE h.provider_id = m.provider_id AND h.model_id = m.model_id ORDER BY h.id DESC LIMIT 1) AS prices \
         FROM official_models m",
    )
    .fetch_all(tx.conn())
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
    state.last_success = tx.last_run(Feed::Official, Outcome::Success).await?;
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
    let as_of = crate::store::ts(run.as_of);
    let mut tx = store.begin_write().await?;
    let state = read_state(&mut tx).await?;
    check(&state).map_err(WriteError::Refused)?;
    let run_id = tx.insert_run(run, Outcome::Success, None).await?;
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
    tx.finish_run(Feed::Official, run_id, Outcome::Success, counts)
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
    /// When each active entry was last carried by a feed we could read: an entry a later
    /// feed listed but we could not read keeps its price and this, its own date.
    pub last_seen: HashMap<(String, String), DateTime<Utc>>,
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
        "SELECT provider_id, model_id, last_seen, data FROM official_models WHERE active = 1 ORDER BY rowid",
    )
    .fetch_all(pool)
    .await?;
    let mut last_seen = HashMap::new();
    for row in rows {
        let provider_id: String = row.try_get("provider_id")?;
        let data: String = row.try_get("data")?;
        let model: OfficialModel = serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("official model: {e}")))?;
        last_seen.insert(
            (provider_id.clone(), row.try_get("model_id")?),
            parse_ts(&row.try_get::<String, _>("last_seen")?)?,
        );
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
        runs: store.runs_of(Feed::Official, i64::MAX).await?,
        last_seen,
    })
}
