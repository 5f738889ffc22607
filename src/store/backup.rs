//! `tokenfare backup PATH`: a consistent copy of the database, taken while it serves and
//! ingests. SQLite's `VACUUM INTO` writes the copy from one read transaction, so it holds
//! exactly the transactions committed when it began (a WAL reader neither waits for a writer
//! nor blocks one); the copy is then flushed to disk and checked before it is reported.
//!
//! `VACUUM INTO` rather than the online backup API: sqlx exposes no backup handle, and
//! `VACUUM INTO` is one statement on an ordinary read connection, writes a compact file, and
//! restarts nothing when a writer commits mid-copy (the backup API's step loop restarts).

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

use super::{Store, StoreError, parse_ts, ts};
use crate::feed::Feed;

/// What a backup holds, as read back from the copy itself.
#[derive(Debug)]
pub struct Backup {
    pub path: PathBuf,
    pub bytes: u64,
    /// The newest run of each feed with a run log, in [`Feed::ALL`]'s order.
    pub newest_runs: Vec<NewestRun>,
}

/// The newest run one feed's log holds.
#[derive(Debug)]
pub struct NewestRun {
    pub feed: Feed,
    pub id: i64,
    pub outcome: String,
    pub finished_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; a backup never overwrites a file: choose a new name")]
    Exists(PathBuf),
    #[error("cannot create {0}: {1}")]
    Create(PathBuf, std::io::Error),
    #[error("{0} is not valid UTF-8, which SQLite needs for the copy's name")]
    NotUtf8(PathBuf),
    #[error("copying the database into {0} failed: {1}")]
    Copy(PathBuf, StoreError),
    #[error(
        "the copy at {0} failed SQLite's integrity check ({1}); it is left there for inspection: \
         check the source database too (`PRAGMA integrity_check`)"
    )]
    Corrupt(PathBuf, String),
    #[error("reading the copy at {0} back failed: {1}")]
    ReadBack(PathBuf, StoreError),
}

impl Store {
    /// Writes a consistent copy of the database to `target`, which must not exist yet, flushes
    /// it to disk, checks it (`PRAGMA integrity_check`), and reports its size and the newest
    /// run of each feed it holds.
    pub async fn backup_to(&self, target: &Path) -> Result<Backup, BackupError> {
        let name = target
            .to_str()
            .ok_or_else(|| BackupError::NotUtf8(target.to_path_buf()))?;
        // Created empty here, atomically, so two backups never race for one name (and the
        // refusal to overwrite is the file system's); `VACUUM INTO` accepts an empty file.
        match OpenOptions::new().write(true).create_new(true).open(target) {
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(BackupError::Exists(target.to_path_buf()));
            }
            Err(err) => return Err(BackupError::Create(target.to_path_buf(), err)),
        }
        let copied = sqlx::query("VACUUM INTO ?")
            .bind(name)
            .execute(self.pool())
            .await;
        if let Err(err) = copied {
            // Ours, and incomplete: nobody should mistake it for a backup. A copy that ran out
            // of room also leaves SQLite's rollback journal of the new file beside it.
            let _ = std::fs::remove_file(target);
            let _ = std::fs::remove_file(format!("{name}-journal"));
            return Err(BackupError::Copy(target.to_path_buf(), err.into()));
        }
        sync_to_disk(target).map_err(|e| BackupError::Copy(target.to_path_buf(), e.into()))?;
        read_back(target).await
    }
}

/// `VACUUM INTO` does not sync what it writes: the file and its directory entry are flushed
/// here, so a backup reported done survives a power cut.
fn sync_to_disk(target: &Path) -> std::io::Result<()> {
    std::fs::File::open(target)?.sync_all()?;
    #[cfg(unix)]
    if let Some(dir) = target.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Opens the copy as immutable (nobody else has it yet: no locks, no `-shm` or `-wal` left
/// beside it), checks its integrity and reads its newest runs.
async fn read_back(target: &Path) -> Result<Backup, BackupError> {
    let failed = |err: StoreError| BackupError::ReadBack(target.to_path_buf(), err);
    let options = SqliteConnectOptions::new()
        .filename(target)
        .read_only(true)
        .immutable(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| failed(e.into()))?;
    let result = check_and_describe(&pool, target).await;
    pool.close().await;
    let newest_runs = result?;
    let bytes = std::fs::metadata(target)
        .map_err(|e| failed(e.into()))?
        .len();
    Ok(Backup {
        path: target.to_path_buf(),
        bytes,
        newest_runs,
    })
}

async fn check_and_describe(
    pool: &sqlx::SqlitePool,
    target: &Path,
) -> Result<Vec<NewestRun>, BackupError> {
    let failed = |err: sqlx::Error| BackupError::ReadBack(target.to_path_buf(), err.into());
    let verdict: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_all(pool)
        .await
        .map_err(failed)?;
    if verdict != ["ok"] {
        return Err(BackupError::Corrupt(
            target.to_path_buf(),
            verdict.join("; "),
        ));
    }
    let mut newest = Vec::new();
    for feed in Feed::ALL {
        if feed == Feed::OpenRouterEndpoints {
            // Logged per model, not per run.
            continue;
        }
        // Only our own static table names go into the statement.
        let sql = format!(
            "SELECT id, outcome, finished_at FROM {} ORDER BY id DESC LIMIT 1",
            feed.log_table()
        );
        let row = match sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_optional(pool)
            .await
        {
            Ok(row) => row,
            // An older schema without this feed's log.
            Err(sqlx::Error::Database(db)) if db.message().contains("no such table") => None,
            Err(err) => return Err(failed(err)),
        };
        if let Some(row) = row {
            newest.push(NewestRun {
                feed,
                id: row.try_get("id").map_err(failed)?,
                outcome: row.try_get("outcome").map_err(failed)?,
                finished_at: parse_ts(&row.try_get::<String, _>("finished_at").map_err(failed)?)
                    .map_err(|e| BackupError::ReadBack(target.to_path_buf(), e))?,
            });
        }
    }
    Ok(newest)
}

impl std::fmt::Display for Backup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "backup written to {}: {} bytes ({:.1} MB), integrity check ok",
            self.path.display(),
            self.bytes,
            self.bytes as f64 / 1_000_000.0
        )?;
        if self.newest_runs.is_empty() {
            return write!(f, "; it holds no run yet");
        }
        for run in &self.newest_runs {
            write!(
                f,
                "\n  newest {} run: #{} ({}, finished {})",
                run.feed.name(),
                run.id,
                run.outcome,
                ts(run.finished_at)
            )?;
        }
        Ok(())
    }
}
