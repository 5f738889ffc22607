//! What the run logs and the database file say about the feeds, for the metrics: each feed's
//! last success, its runs by outcome and the records they skipped, and the file's size. Read
//! from the database on each scrape, so a replica reports what the writer recorded, and runs
//! made by other processes (a command-line ingest) count too.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Store, StoreError, parse_ts};
use crate::feed::Feed;

/// One feed's record, as its log keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedStats {
    /// When its last successful refresh finished.
    pub last_success: Option<DateTime<Utc>>,
    /// Runs recorded, by outcome (`success`, `failed`, `quarantined`); empty for a feed logged
    /// per model rather than per run (the providers' endpoints).
    pub runs: BTreeMap<String, u64>,
    /// Records skipped as unreadable, over every run.
    pub skipped: u64,
    /// Records the newest run skipped.
    pub skipped_last_run: u64,
}

/// The database file and its write-ahead log, in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FileSizes {
    pub database: u64,
    pub wal: u64,
}

impl Store {
    /// Every feed's record, in [`Feed::ALL`]'s order.
    pub async fn feed_stats(&self) -> Result<Vec<(Feed, FeedStats)>, StoreError> {
        let mut all = Vec::with_capacity(Feed::ALL.len());
        for feed in Feed::ALL {
            let stats = match feed {
                Feed::OpenRouterEndpoints => self.endpoint_stats().await?,
                _ => self.run_log_stats(feed).await?,
            };
            all.push((feed, stats));
        }
        Ok(all)
    }

    async fn run_log_stats(&self, feed: Feed) -> Result<FeedStats, StoreError> {
        let table = feed.log_table();
        // Only our own static table names go into these statements.
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT outcome, COUNT(*) AS runs, COALESCE(SUM(skipped), 0) AS skipped, \
                    MAX(finished_at) AS last_finished \
             FROM {table} GROUP BY outcome"
        )))
        .fetch_all(self.pool())
        .await?;
        let mut stats = FeedStats::default();
        for row in rows {
            let outcome: String = row.try_get("outcome")?;
            let runs: i64 = row.try_get("runs")?;
            let skipped: i64 = row.try_get("skipped")?;
            if outcome == super::Outcome::Success.as_str() {
                let last: Option<String> = row.try_get("last_finished")?;
                stats.last_success = last.as_deref().map(parse_ts).transpose()?;
            }
            stats.skipped += u64::try_from(skipped).unwrap_or(0);
            stats.runs.insert(outcome, u64::try_from(runs).unwrap_or(0));
        }
        let last: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT skipped FROM {table} ORDER BY id DESC LIMIT 1"
        )))
        .fetch_optional(self.pool())
        .await?;
        stats.skipped_last_run = last.and_then(|n| u64::try_from(n).ok()).unwrap_or(0);
        Ok(stats)
    }

    /// The providers' endpoints are fetched and logged per model: their last success is the
    /// newest of any model's.
    async fn endpoint_stats(&self) -> Result<FeedStats, StoreError> {
        let last: Option<String> =
            sqlx::query_scalar("SELECT MAX(last_success) FROM endpoint_fetches")
                .fetch_one(self.pool())
                .await?;
        Ok(FeedStats {
            last_success: last.as_deref().map(parse_ts).transpose()?,
            ..FeedStats::default()
        })
    }

    /// The sizes of the database file and its write-ahead log (0 when there is none).
    pub fn file_sizes(&self) -> FileSizes {
        let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        FileSizes {
            database: size(&self.path),
            wal: size(std::path::Path::new(&wal)),
        }
    }
}
