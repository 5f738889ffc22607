//! The one way to write to the store: a transaction that takes SQLite's write lock first
//! (`BEGIN IMMEDIATE`), so whatever it reads is the state it writes over. Every ingest (of any
//! source) reads what it compares against through [`WriteTx`], never through the pool.
//!
//! A second writer, in this process or another, waits for the lock up to the store's lock
//! timeout and then gets [`StoreError::Busy`], whose message says what to do.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, SqliteConnection, Transaction};

use super::{CurrentState, Outcome, Store, StoreError, StoredState, pricing_json, ts};
use crate::feed::Feed;
use crate::model::Model;

/// Raw bodies of failed and quarantined runs are kept for the most recent this many...
pub const KEEP_FAILED_BODIES: i64 = 10;
/// ...or for this many days, whichever keeps more. Successful runs keep theirs for good: they
/// are the history a parser fix re-ingests.
pub const KEEP_FAILED_BODIES_DAYS: i64 = 7;

/// True for SQLite's "database is locked" family (`SQLITE_BUSY`, `SQLITE_LOCKED` and their
/// extended codes).
pub(crate) fn is_busy(err: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = err else {
        return false;
    };
    db.code()
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}

/// Turns a lock timeout into [`StoreError::Busy`], anything else into [`StoreError::Sql`].
pub(crate) fn sql_error(err: sqlx::Error) -> StoreError {
    if is_busy(&err) {
        StoreError::Busy
    } else {
        StoreError::Sql(err)
    }
}

/// Which stored models a run must leave exactly as they are, because one of its records
/// could not be read.
#[derive(Debug, Default)]
pub struct Unreadable {
    /// Ids of records that named a model but could not be read otherwise.
    pub ids: HashSet<String>,
    /// Records without a readable id: any missing model could be one of them, so a run with
    /// any of these delists nothing.
    pub without_id: usize,
}

/// A write transaction holding SQLite's write lock.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
}

impl Store {
    /// Starts a write transaction, waiting for the write lock up to the store's lock timeout.
    pub async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly);
        }
        self.check_file()?;
        let tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(sql_error)?;
        Ok(WriteTx { tx })
    }
}

impl WriteTx {
    /// The connection, for a source's own tables.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(sql_error)
    }

    /// What the next catalogue write compares against, read under the write lock.
    pub async fn current_state(&mut self) -> Result<CurrentState, StoreError> {
        let rows = sqlx::query(
            "SELECT m.id, m.active, \
                    (SELECT h.pricing FROM price_history h WHERE h.model_id = m.id ORDER BY h.id DESC LIMIT 1) AS pricing \
             FROM models m",
        )
        .fetch_all(&mut *self.tx)
        .await?;
        let mut state = CurrentState::default();
        for row in rows {
            let id: String = row.try_get("id")?;
            let active: bool = row.try_get("active")?;
            let pricing: Option<String> = row.try_get("pricing")?;
            if active {
                state.active_count += 1;
            }
            state.models.insert(
                id,
                StoredState {
                    pricing: pricing.unwrap_or_default(),
                    active,
                },
            );
        }
        state.last_success = self
            .last_run(Feed::OpenRouterCatalogue, Outcome::Success)
            .await?;
        Ok(state)
    }

    /// A run's kept raw body (gzip), if it still has one.
    pub async fn raw_body(&mut self, id: i64) -> Result<Option<Vec<u8>>, StoreError> {
        let raw: Option<Option<Vec<u8>>> =
            sqlx::query_scalar("SELECT raw_gzip FROM ingest_runs WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(raw.flatten())
    }

    /// Writes a whole catalogue as run `run_id`: every readable model, a new price row for
    /// changed prices, and inactive marks (with events) for vanished models. Models named in
    /// `unreadable` keep their stored state; with any record lacking an id, nothing is delisted.
    pub async fn apply_catalogue(
        &mut self,
        run_id: i64,
        as_of: DateTime<Utc>,
        models: &[Model],
        unreadable: &Unreadable,
        state: &CurrentState,
    ) -> Result<super::WriteCounts, StoreError> {
        let as_of = ts(as_of);
        let mut counts = super::WriteCounts::default();
        let mut present = HashSet::with_capacity(models.len());
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
            .execute(&mut *self.tx)
            .await?;
            if previous.is_none_or(|old| old.pricing != pricing) {
                sqlx::query(
                    "INSERT INTO price_history (model_id, as_of, run_id, pricing) VALUES (?, ?, ?, ?)",
                )
                .bind(&model.id)
                .bind(&as_of)
                .bind(run_id)
                .bind(&pricing)
                .execute(&mut *self.tx)
                .await?;
                if previous.is_some() {
                    counts.price_changes += 1;
                }
            }
            if previous.is_none_or(|old| !old.active) {
                self.insert_event(&model.id, &as_of, run_id, "added")
                    .await?;
                counts.added += 1;
            }
            counts.stored += 1;
        }
        let mut vanished: Vec<&String> = state
            .models
            .iter()
            .filter(|(id, old)| old.active && !present.contains(id.as_str()))
            .map(|(id, _)| id)
            .collect();
        vanished.sort();
        for id in vanished {
            if unreadable.ids.contains(id) {
                counts.kept_unreadable += 1;
                continue;
            }
            if unreadable.without_id > 0 {
                counts.removals_held += 1;
                continue;
            }
            sqlx::query("UPDATE models SET active = 0, run_id = ? WHERE id = ?")
                .bind(run_id)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            self.insert_event(id, &as_of, run_id, "removed").await?;
            counts.removed += 1;
        }
        Ok(counts)
    }

    /// Marks a quarantined run as deliberately accepted (its outcome becomes success).
    pub async fn mark_accepted(&mut self, run_id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE ingest_runs SET accepted_at = ? WHERE id = ?")
            .bind(ts(Utc::now()))
            .bind(run_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn insert_event(
        &mut self,
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
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
