//! The run log every ingesting feed keeps: the catalogue's (`ingest_runs`), the official
//! feed's (`official_runs`) and the provider list's (`provider_runs`). One way to record a run,
//! finish it, read it back and drop old raw bodies; a run states only which [`Feed`] it
//! refreshed, and each log's columns beyond the shared ones are stated once (`columns`).
//!
//! Every write here goes through a [`WriteTx`], under the write lock.

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::write::{KEEP_FAILED_BODIES, KEEP_FAILED_BODIES_DAYS};
use super::{Delivery, Outcome, RunRecord, Store, StoreError, WriteTx, gzip, parse_ts, ts};
use crate::feed::Feed;

/// The columns a feed's run log has beyond those every log has (`started_at`, `finished_at`,
/// `source`, `outcome`, `skipped`, `skipped_detail`, `error`, `raw_gzip`).
struct Columns {
    /// How the body reached us (`source_kind`), the moment the data describes (`as_of`), and
    /// the models seen, stored, added, removed and repriced: the catalogue's and the official
    /// feed's logs, which [`RunRecord`] reads back.
    dated: bool,
    /// The official feed and the provider list count providers.
    providers_seen: bool,
    /// The catalogue's quarantined runs can be accepted later.
    accepted_at: bool,
}

/// The run log of `feed`, or why it has none.
fn columns(feed: Feed) -> Result<Columns, StoreError> {
    match feed {
        Feed::OpenRouterCatalogue => Ok(Columns {
            dated: true,
            providers_seen: false,
            accepted_at: true,
        }),
        Feed::Official => Ok(Columns {
            dated: true,
            providers_seen: true,
            accepted_at: false,
        }),
        // Read back as `store::providers::ProviderRun`, with its `providers_stored`.
        Feed::OpenRouterProviders => Ok(Columns {
            dated: false,
            providers_seen: true,
            accepted_at: false,
        }),
        // Logged per model (`endpoint_fetches`), not per run.
        Feed::OpenRouterEndpoints => Err(StoreError::NoRunLog(feed)),
    }
}

/// The run log of `feed` when it keeps the dated shape [`RunRecord`] reads.
fn dated_columns(feed: Feed) -> Result<Columns, StoreError> {
    let columns = columns(feed)?;
    if columns.dated {
        Ok(columns)
    } else {
        Err(StoreError::NoRunLog(feed))
    }
}

/// `SELECT <every run column> FROM <table><tail>`; a column one log lacks reads as NULL.
/// Only our own static text goes into it (the table name and `tail`).
fn select(feed: Feed, tail: &'static str) -> Result<AssertSqlSafe<String>, StoreError> {
    let columns = dated_columns(feed)?;
    let providers_seen = if columns.providers_seen {
        "providers_seen"
    } else {
        "NULL AS providers_seen"
    };
    let accepted_at = if columns.accepted_at {
        "accepted_at"
    } else {
        "NULL AS accepted_at"
    };
    Ok(AssertSqlSafe(format!(
        "SELECT id, started_at, finished_at, source_kind, source, as_of, outcome, \
         models_seen, models_stored, skipped, added, removed, price_changes, error, \
         {providers_seen}, {accepted_at} FROM {}{tail}",
        feed.log_table()
    )))
}

/// What an ingest wants recorded of one run; the store writes it in one transaction or not at
/// all.
#[derive(Clone, Copy)]
pub struct NewRun<'a> {
    pub feed: Feed,
    pub started_at: DateTime<Utc>,
    pub delivery: Delivery,
    pub source: &'a str,
    pub as_of: DateTime<Utc>,
    pub raw_body: Option<&'a [u8]>,
    pub models_seen: usize,
    /// Only the official feed's and the provider list's logs have this column; the
    /// catalogue's ignores it.
    pub providers_seen: usize,
    pub skipped_detail: &'a [String],
}

impl<'a> NewRun<'a> {
    /// A run starting now, nothing counted yet.
    pub fn new(
        feed: Feed,
        delivery: Delivery,
        source: &'a str,
        as_of: DateTime<Utc>,
        raw_body: Option<&'a [u8]>,
    ) -> NewRun<'a> {
        NewRun {
            feed,
            started_at: Utc::now(),
            delivery,
            source,
            as_of,
            raw_body,
            models_seen: 0,
            providers_seen: 0,
            skipped_detail: &[],
        }
    }
}

/// The counts every run log keeps of a successful write (all the official feed counts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub stored: usize,
    pub added: usize,
    pub removed: usize,
    pub price_changes: usize,
}

/// How a run's changes read in a summary line: "3 added, 1 removed, 12 price changes".
impl std::fmt::Display for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} added, {} removed, {} price changes",
            self.added, self.removed, self.price_changes
        )
    }
}

pub(crate) fn run_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<RunRecord, StoreError> {
    let outcome = Outcome::parse(&row.try_get::<String, _>("outcome")?);
    let accepted_at: Option<String> = row.try_get("accepted_at")?;
    Ok(RunRecord {
        id: row.try_get("id")?,
        started_at: parse_ts(&row.try_get::<String, _>("started_at")?)?,
        finished_at: parse_ts(&row.try_get::<String, _>("finished_at")?)?,
        delivery: Delivery::parse(&row.try_get::<String, _>("source_kind")?),
        source: row.try_get("source")?,
        as_of: parse_ts(&row.try_get::<String, _>("as_of")?)?,
        outcome,
        success: outcome == Outcome::Success,
        models_seen: row.try_get("models_seen")?,
        providers_seen: row.try_get("providers_seen")?,
        models_stored: row.try_get("models_stored")?,
        skipped: row.try_get("skipped")?,
        added: row.try_get("added")?,
        removed: row.try_get("removed")?,
        price_changes: row.try_get("price_changes")?,
        error: row.try_get("error")?,
        accepted_at: accepted_at.as_deref().map(parse_ts).transpose()?,
    })
}

impl Store {
    /// Records a failed run in a transaction of its own; stored data is untouched. Old raw
    /// bodies of failed runs are dropped in the same transaction (see [`KEEP_FAILED_BODIES`]).
    pub async fn record_failure(&self, run: &NewRun<'_>, error: &str) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = tx.insert_run(run, Outcome::Failed, Some(error)).await?;
        tx.prune_raw_bodies(run.feed, Utc::now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One catalogue run by id.
    pub async fn run(&self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(select(Feed::OpenRouterCatalogue, " WHERE id = ?")?)
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// The most recent successful (or failed) catalogue run.
    pub async fn last_run(&self, success: bool) -> Result<Option<RunRecord>, StoreError> {
        let outcome = if success {
            Outcome::Success
        } else {
            Outcome::Failed
        };
        let row = sqlx::query(select(
            Feed::OpenRouterCatalogue,
            " WHERE outcome = ? ORDER BY id DESC LIMIT 1",
        )?)
        .bind(outcome.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// Recent catalogue runs, newest first.
    pub async fn recent_runs(&self, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        self.runs_of(Feed::OpenRouterCatalogue, limit).await
    }

    /// A feed's recent runs, newest first.
    pub async fn runs_of(&self, feed: Feed, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(select(feed, " ORDER BY id DESC LIMIT ?")?)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(run_from_row).collect()
    }
}

impl WriteTx {
    /// Inserts a run record; its counts are filled in by [`WriteTx::finish_run`].
    pub async fn insert_run(
        &mut self,
        run: &NewRun<'_>,
        outcome: Outcome,
        error: Option<&str>,
    ) -> Result<i64, StoreError> {
        let raw = run.raw_body.map(gzip).transpose()?;
        let skipped_detail = serde_json::to_string(run.skipped_detail).unwrap_or_default();
        let shape = columns(run.feed)?;
        let mut names = String::from(
            "started_at, finished_at, source, outcome, skipped, skipped_detail, error, raw_gzip",
        );
        if shape.dated {
            names.push_str(", source_kind, as_of, models_seen");
        }
        if shape.providers_seen {
            names.push_str(", providers_seen");
        }
        let values = vec!["?"; names.split(',').count()].join(", ");
        let sql = format!(
            "INSERT INTO {} ({names}) VALUES ({values})",
            run.feed.log_table()
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(ts(run.started_at))
            .bind(ts(Utc::now()))
            .bind(run.source)
            .bind(outcome.as_str())
            .bind(run.skipped_detail.len() as i64)
            .bind(skipped_detail)
            .bind(error)
            .bind(raw);
        if shape.dated {
            query = query
                .bind(run.delivery.as_str())
                .bind(ts(run.as_of))
                .bind(run.models_seen as i64);
        }
        if shape.providers_seen {
            query = query.bind(run.providers_seen as i64);
        }
        Ok(query.execute(self.conn()).await?.last_insert_rowid())
    }

    /// Fills in a run's counts and outcome once its writes are done.
    pub async fn finish_run(
        &mut self,
        feed: Feed,
        run_id: i64,
        outcome: Outcome,
        totals: Totals,
    ) -> Result<(), StoreError> {
        dated_columns(feed)?;
        let sql = format!(
            "UPDATE {} SET finished_at = ?, outcome = ?, models_stored = ?, added = ?, \
             removed = ?, price_changes = ? WHERE id = ?",
            feed.log_table()
        );
        sqlx::query(AssertSqlSafe(sql))
            .bind(ts(Utc::now()))
            .bind(outcome.as_str())
            .bind(totals.stored as i64)
            .bind(totals.added as i64)
            .bind(totals.removed as i64)
            .bind(totals.price_changes as i64)
            .bind(run_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// The most recent run of a feed with this outcome.
    pub async fn last_run(
        &mut self,
        feed: Feed,
        outcome: Outcome,
    ) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(select(feed, " WHERE outcome = ? ORDER BY id DESC LIMIT 1")?)
            .bind(outcome.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// One catalogue run by id.
    pub async fn run(&mut self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(select(Feed::OpenRouterCatalogue, " WHERE id = ?")?)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// Drops the raw bodies of failed and quarantined runs that are neither among the
    /// [`KEEP_FAILED_BODIES`] most recent such runs of the feed nor younger than
    /// [`KEEP_FAILED_BODIES_DAYS`] days. Successful runs keep theirs.
    pub async fn prune_raw_bodies(
        &mut self,
        feed: Feed,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        columns(feed)?;
        let cutoff = ts(now - chrono::Duration::days(KEEP_FAILED_BODIES_DAYS));
        let table = feed.log_table();
        let sql = format!(
            "UPDATE {table} SET raw_gzip = NULL \
             WHERE outcome IN ('failed', 'quarantined') AND raw_gzip IS NOT NULL \
               AND finished_at < ? \
               AND id NOT IN (SELECT id FROM {table} WHERE outcome IN ('failed', 'quarantined') \
                              ORDER BY id DESC LIMIT ?)"
        );
        let pruned = sqlx::query(AssertSqlSafe(sql))
            .bind(cutoff)
            .bind(KEEP_FAILED_BODIES)
            .execute(self.conn())
            .await?
            .rows_affected();
        Ok(pruned)
    }
}
