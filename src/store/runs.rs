//! The run log every ingesting source keeps, in one shape: the catalogue's (`ingest_runs`) and
//! the official feed's (`official_runs`). One way to record a run, finish it, read it back and
//! drop old raw bodies; a source states only which log it writes ([`RunLog`]) and what it
//! counts beyond the shared columns (the official feed also counts providers).
//!
//! Every write here goes through a [`WriteTx`], under the write lock.

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, Row};

use super::write::{KEEP_FAILED_BODIES, KEEP_FAILED_BODIES_DAYS};
use super::{Outcome, RunRecord, SourceKind, Store, StoreError, WriteTx, gzip, parse_ts, ts};

/// Which source's run log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunLog {
    /// OpenRouter's catalogue: `ingest_runs`, with quarantine and `accept-run`.
    Catalogue,
    /// The official price feed: `official_runs`, which also counts providers.
    Official,
}

impl RunLog {
    fn table(self) -> &'static str {
        match self {
            RunLog::Catalogue => "ingest_runs",
            RunLog::Official => "official_runs",
        }
    }

    /// What the log's own messages call it.
    pub fn name(self) -> &'static str {
        match self {
            RunLog::Catalogue => "catalogue",
            RunLog::Official => "official feed",
        }
    }

    /// `SELECT <every run column> FROM <table><tail>`; a column one log lacks reads as NULL.
    /// Only our own static text goes into it (the table name and `tail`).
    fn select(self, tail: &'static str) -> AssertSqlSafe<String> {
        let own = match self {
            RunLog::Catalogue => "NULL AS providers_seen, accepted_at",
            RunLog::Official => "providers_seen, NULL AS accepted_at",
        };
        AssertSqlSafe(format!(
            "SELECT id, started_at, finished_at, source_kind, source, as_of, outcome, \
             models_seen, models_stored, skipped, added, removed, price_changes, error, {own} \
             FROM {}{tail}",
            self.table()
        ))
    }
}

/// What an ingest wants recorded of one run; the store writes it in one transaction or not at
/// all.
#[derive(Clone, Copy)]
pub struct NewRun<'a> {
    pub log: RunLog,
    pub started_at: DateTime<Utc>,
    pub source_kind: SourceKind,
    pub source: &'a str,
    pub as_of: DateTime<Utc>,
    pub raw_body: Option<&'a [u8]>,
    pub models_seen: usize,
    /// Only the official feed's log has this column; the catalogue's ignores it.
    pub providers_seen: usize,
    pub skipped_detail: &'a [String],
}

impl<'a> NewRun<'a> {
    /// A run starting now, nothing counted yet.
    pub fn new(
        log: RunLog,
        source_kind: SourceKind,
        source: &'a str,
        as_of: DateTime<Utc>,
        raw_body: Option<&'a [u8]>,
    ) -> NewRun<'a> {
        NewRun {
            log,
            started_at: Utc::now(),
            source_kind,
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
        source_kind: SourceKind::parse(&row.try_get::<String, _>("source_kind")?),
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
        tx.prune_raw_bodies(run.log, Utc::now()).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// One catalogue run by id.
    pub async fn run(&self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(RunLog::Catalogue.select(" WHERE id = ?"))
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
        let row =
            sqlx::query(RunLog::Catalogue.select(" WHERE outcome = ? ORDER BY id DESC LIMIT 1"))
                .bind(outcome.as_str())
                .fetch_optional(self.pool())
                .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// Recent catalogue runs, newest first.
    pub async fn recent_runs(&self, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        self.runs_of(RunLog::Catalogue, limit).await
    }

    /// A log's recent runs, newest first.
    pub async fn runs_of(&self, log: RunLog, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query(log.select(" ORDER BY id DESC LIMIT ?"))
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
        let (own_column, own_value) = match run.log {
            RunLog::Catalogue => ("", ""),
            RunLog::Official => (", providers_seen", ", ?"),
        };
        let sql = format!(
            "INSERT INTO {} (started_at, finished_at, source_kind, source, as_of, outcome, \
             models_seen, skipped, skipped_detail, error, raw_gzip{own_column}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?{own_value})",
            run.log.table()
        );
        let mut query = sqlx::query(AssertSqlSafe(sql))
            .bind(ts(run.started_at))
            .bind(ts(Utc::now()))
            .bind(run.source_kind.as_str())
            .bind(run.source)
            .bind(ts(run.as_of))
            .bind(outcome.as_str())
            .bind(run.models_seen as i64)
            .bind(run.skipped_detail.len() as i64)
            .bind(skipped_detail)
            .bind(error)
            .bind(raw);
        if run.log == RunLog::Official {
            query = query.bind(run.providers_seen as i64);
        }
        Ok(query.execute(self.conn()).await?.last_insert_rowid())
    }

    /// Fills in a run's counts and outcome once its writes are done.
    pub async fn finish_run(
        &mut self,
        log: RunLog,
        run_id: i64,
        outcome: Outcome,
        totals: Totals,
    ) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET finished_at = ?, outcome = ?, models_stored = ?, added = ?, \
             removed = ?, price_changes = ? WHERE id = ?",
            log.table()
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

    /// The most recent run of a log with this outcome.
    pub async fn last_run(
        &mut self,
        log: RunLog,
        outcome: Outcome,
    ) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(log.select(" WHERE outcome = ? ORDER BY id DESC LIMIT 1"))
            .bind(outcome.as_str())
            .fetch_optional(self.conn())
            .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// One catalogue run by id.
    pub async fn run(&mut self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        let row = sqlx::query(RunLog::Catalogue.select(" WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        row.map(|r| run_from_row(&r)).transpose()
    }

    /// Drops the raw bodies of failed and quarantined runs that are neither among the
    /// [`KEEP_FAILED_BODIES`] most recent such runs of the log nor younger than
    /// [`KEEP_FAILED_BODIES_DAYS`] days. Successful runs keep theirs.
    pub async fn prune_raw_bodies(
        &mut self,
        log: RunLog,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let cutoff = ts(now - chrono::Duration::days(KEEP_FAILED_BODIES_DAYS));
        let table = log.table();
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
