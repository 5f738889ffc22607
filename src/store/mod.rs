//! SQLite, the system of record, and the in-memory catalogue that pages read from: every
//! feed's tables and run logs (`runs`, `providers`, `endpoints`, `official`), the change log
//! (`changes`), and, built once per load beside the catalogue, the official prices' view
//! (`official::view`) and their matching to our models (`matching`). Imports the domain
//! types, never the pricing maths or the web layer.

pub mod backup;
pub mod catalogue;
pub mod changes;
pub mod endpoints;
pub mod listing;
pub mod matching;
pub mod official;
pub mod providers;
pub mod schema;
pub mod stats;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

pub use catalogue::Catalogue;

use crate::model::Model;
use crate::model::price::Pricing;

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
    #[error(
        "another process is writing to this database (an ingest holds the write lock); \
         try again when it has finished"
    )]
    Busy,
    #[error(
        "the database file {0} was {1} while this process had it open; restart to open it again"
    )]
    FileGone(String, &'static str),
    #[error("the {} keeps no run log of this shape", .0.name())]
    NoRunLog(crate::feed::Feed),
    #[error(transparent)]
    Schema(#[from] schema::SchemaMismatch),
    #[error("no database at {0}; a read-only opening never creates one")]
    Missing(String),
    #[error("this process opened the database read-only; it never writes to it")]
    ReadOnly,
}

/// How a run's body reached us (stored in the run logs' `source_kind` column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Delivery {
    /// The snapshot compiled into the binary.
    Snapshot,
    /// A live fetch from the feed.
    Api,
    /// A saved response read from disk.
    File,
}

impl Delivery {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Snapshot => "snapshot",
            Delivery::Api => "api",
            Delivery::File => "file",
        }
    }

    pub(crate) fn parse(text: &str) -> Delivery {
        match text {
            "snapshot" => Delivery::Snapshot,
            "api" => Delivery::Api,
            _ => Delivery::File,
        }
    }
}

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Applied: its data is (or was) the stored catalogue.
    Success,
    /// Nothing applied; `error` says why.
    Failed,
    /// Readable but implausible: stored, not applied, until `tokenfare accept-run`.
    Quarantined,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failed => "failed",
            Outcome::Quarantined => "quarantined",
        }
    }

    fn parse(text: &str) -> Outcome {
        match text {
            "success" => Outcome::Success,
            "quarantined" => Outcome::Quarantined,
            _ => Outcome::Failed,
        }
    }
}

/// One ingest attempt as recorded.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunRecord {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    #[serde(rename = "source_kind")]
    pub delivery: Delivery,
    pub source: String,
    pub as_of: DateTime<Utc>,
    pub outcome: Outcome,
    /// `outcome == Success`.
    pub success: bool,
    pub models_seen: i64,
    /// The official feed's runs also count providers; `None` for the catalogue's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub providers_seen: Option<i64>,
    pub models_stored: i64,
    pub skipped: i64,
    pub added: i64,
    pub removed: i64,
    pub price_changes: i64,
    /// Why it failed, or what made it implausible.
    pub error: Option<String>,
    /// When a quarantined run was applied by `tokenfare accept-run`.
    pub accepted_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
impl RunRecord {
    /// An applied run for unit tests, started, finished and dated `as_of`, nothing counted.
    pub(crate) fn applied(id: i64, delivery: Delivery, as_of: DateTime<Utc>) -> RunRecord {
        RunRecord {
            id,
            started_at: as_of,
            finished_at: as_of,
            delivery,
            source: "test".into(),
            as_of,
            outcome: Outcome::Success,
            success: true,
            models_seen: 0,
            providers_seen: None,
            models_stored: 0,
            skipped: 0,
            added: 0,
            removed: 0,
            price_changes: 0,
            error: None,
            accepted_at: None,
        }
    }
}

/// The counts a successful catalogue write produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WriteCounts {
    pub stored: usize,
    pub added: usize,
    pub removed: usize,
    pub price_changes: usize,
    /// Listed models left as they were because their record could not be read.
    pub kept_unreadable: usize,
    /// Models missing from the catalogue but not delisted, because some record had no
    /// readable id and might have been theirs.
    pub removals_held: usize,
}

impl WriteCounts {
    /// The counts every run log keeps.
    pub fn totals(&self) -> Totals {
        Totals {
            stored: self.stored,
            added: self.added,
            removed: self.removed,
            price_changes: self.price_changes,
        }
    }
}

/// One stored model as the next write compares against it.
#[derive(Clone, Debug, Default)]
pub struct StoredState {
    /// Its newest price history row (canonical JSON).
    pub pricing: String,
    pub active: bool,
}

/// The stored state the shrink, plausibility and history rules compare against. Read only
/// through [`WriteTx::current_state`], under the write lock.
#[derive(Debug, Default)]
pub struct CurrentState {
    pub active_count: usize,
    pub models: HashMap<String, StoredState>,
    pub last_success: Option<RunRecord>,
}

/// See [`Store::fingerprint`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fingerprint {
    pub runs: i64,
    pub accepted: i64,
    pub endpoints: Option<String>,
    pub providers: i64,
    /// The latest official-feed run.
    pub official: i64,
}

mod runs;
mod write;
pub use runs::{NewRun, Totals};
pub use write::{KEEP_FAILED_BODIES, KEEP_FAILED_BODIES_DAYS, Unreadable, WriteTx};

/// How long a writer waits for another's write lock before giving up with
/// [`StoreError::Busy`]. A whole real catalogue writes in well under a second.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The database file as first opened, so a file deleted or swapped underneath is noticed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileIdentity {
    dev: u64,
    ino: u64,
}

fn file_identity(path: &Path) -> std::io::Result<Option<FileIdentity>> {
    let meta = std::fs::metadata(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Ok(Some(FileIdentity {
            dev: meta.dev(),
            ino: meta.ino(),
        }))
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Ok(None)
    }
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
    identity: Option<FileIdentity>,
    /// Opened with [`Store::open_read_only`]: every write is refused before SQLite sees it.
    read_only: bool,
    /// The latest failure that could not be written to the database, kept in memory so
    /// `/healthz` and `/about` still show it.
    unrecorded: Arc<Mutex<Option<RunRecord>>>,
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
        Store::open_with_lock_timeout(path, LOCK_TIMEOUT).await
    }

    /// [`Store::open`] with its own wait for another writer's lock.
    pub async fn open_with_lock_timeout(
        path: &Path,
        lock_timeout: Duration,
    ) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(lock_timeout)
            .foreign_keys(true);
        // Switching a new file to WAL takes a lock SQLite cannot wait for, so a process
        // starting beside another one retries for a while instead of failing.
        let deadline = tokio::time::Instant::now() + lock_timeout;
        let pool = loop {
            match SqlitePoolOptions::new()
                .max_connections(4)
                .connect_with(options.clone())
                .await
            {
                Ok(pool) => break pool,
                Err(err) if write::is_busy(&err) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(err) => return Err(write::sql_error(err)),
            }
        };
        // Migrations run under the write lock: a second process waits, then finds them applied.
        let mut tx = pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(write::sql_error)?;
        sqlx::migrate!().run(&mut *tx).await?;
        tx.commit().await.map_err(write::sql_error)?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
            identity: file_identity(path)?,
            read_only: false,
            unrecorded: Arc::default(),
        })
    }

    /// Opens an existing database read-only, as it is: no migration, no change of journal
    /// mode, no file created but SQLite's shared-memory index (`-shm`) beside a WAL database,
    /// which every reader of one needs (so the directory must be writable, or a writer must
    /// have created it). Whether its schema is this binary's is [`Store::check_schema`]'s
    /// question. Commits made by another process are seen by the next query.
    pub async fn open_read_only(path: &Path) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing(path.display().to_string()));
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .busy_timeout(LOCK_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(write::sql_error)?;
        Ok(Store {
            pool,
            path: path.to_path_buf(),
            identity: file_identity(path)?,
            read_only: true,
            unrecorded: Arc::default(),
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether this store was opened with [`Store::open_read_only`].
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Fails when the database file was deleted or replaced since it was opened: SQLite
    /// would carry on with the unlinked file, and everything written would be lost.
    pub fn check_file(&self) -> Result<(), StoreError> {
        let Some(opened) = self.identity else {
            return Ok(());
        };
        let name = || self.path.display().to_string();
        match file_identity(&self.path) {
            Ok(Some(now)) if now == opened => Ok(()),
            Ok(_) => Err(StoreError::FileGone(name(), "replaced")),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                Err(StoreError::FileGone(name(), "deleted"))
            }
            Err(err) => Err(StoreError::Io(err)),
        }
    }

    /// Keeps a failed run that could not be written, so it can still be shown.
    pub fn note_unrecorded_failure(&self, run: &NewRun<'_>, error: &str, why: &StoreError) {
        let now = Utc::now();
        let record = RunRecord {
            // Never a stored id; unique enough to tell one unrecorded failure from the next.
            id: -now.timestamp_millis(),
            started_at: run.started_at,
            finished_at: now,
            delivery: run.delivery,
            source: run.source.to_string(),
            as_of: run.as_of,
            outcome: Outcome::Failed,
            success: false,
            models_seen: run.models_seen as i64,
            providers_seen: None,
            models_stored: 0,
            skipped: run.skipped_detail.len() as i64,
            added: 0,
            removed: 0,
            price_changes: 0,
            error: Some(format!(
                "{error} (this failure could not be written to the database: {why})"
            )),
            accepted_at: None,
        };
        if let Ok(mut slot) = self.unrecorded.lock() {
            *slot = Some(record);
        }
    }

    /// The latest failure that could not be written to the database, if any.
    pub fn unrecorded_failure(&self) -> Option<RunRecord> {
        self.unrecorded.lock().ok().and_then(|slot| slot.clone())
    }

    /// A cheap summary of everything the catalogue is built from: when it differs from the
    /// served catalogue's, another process (or connection) has committed and the catalogue
    /// is loaded again. A new source with its own tables adds its marker here.
    pub async fn fingerprint(&self) -> Result<Fingerprint, StoreError> {
        let row = sqlx::query(
            "SELECT (SELECT COALESCE(MAX(id), 0) FROM ingest_runs) AS runs, \
                    (SELECT COUNT(*) FROM ingest_runs WHERE accepted_at IS NOT NULL) AS accepted, \
                    (SELECT MAX(last_attempt) FROM endpoint_fetches) AS endpoints, \
                    (SELECT COALESCE(MAX(id), 0) FROM provider_runs) AS providers, \
                    (SELECT COALESCE(MAX(id), 0) FROM official_runs) AS official",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Fingerprint {
            runs: row.try_get("runs")?,
            accepted: row.try_get("accepted")?,
            endpoints: row.try_get("endpoints")?,
            providers: row.try_get("providers")?,
            official: row.try_get("official")?,
        })
    }

    /// True when no catalogue has ever been stored.
    pub async fn is_empty(&self) -> Result<bool, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM models")
            .fetch_one(&self.pool)
            .await?;
        Ok(count == 0)
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
