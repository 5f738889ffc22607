//! Ingest: one refresh of the catalogue, from the API, a saved file, a directory of dated
//! files, or the bundled snapshot. Bad data never replaces good data: every failure is
//! recorded and leaves the stored catalogue as it was.

pub mod endpoints;
pub mod scheduler;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::openrouter::schema::{BodyError, parse_models_body};
use crate::openrouter::{FetchError, OpenRouterClient};
use crate::store::{
    Catalogue, NewRun, SourceKind, Store, StoreError, WriteCounts, catalogue::Freshness,
    gunzip_limited,
};

/// The bundled snapshot: our own hand-written catalogue in OpenRouter's format.
pub const SNAPSHOT_JSON: &str = include_str!("../../data/snapshot.json");

/// A catalogue with more records than this is refused as implausible.
pub const MAX_MODELS: usize = 20_000;

/// Largest body accepted from a file or after decompression.
const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Body(#[from] BodyError),
    #[error("the catalogue is empty ({skipped} records skipped)")]
    Empty { skipped: usize },
    #[error(
        "the catalogue shrank from {before} to {after} models (more than half); keeping the previous data"
    )]
    Shrunk { before: usize, after: usize },
    #[error("the catalogue has {0} records, more than the {MAX_MODELS} we accept")]
    TooMany(usize),
    #[error(
        "the data is as of {new}, older than the stored data ({current}); keeping the newer data"
    )]
    Older {
        new: DateTime<Utc>,
        current: DateTime<Utc>,
    },
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one successful run did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Summary {
    pub run_id: i64,
    pub source: String,
    pub as_of: DateTime<Utc>,
    pub seen: usize,
    pub skipped: usize,
    #[serde(flatten)]
    pub counts: WriteCounts,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {}: {} models stored from {} ({} skipped), {} added, {} removed, {} price changes, as of {}",
            self.run_id,
            self.counts.stored,
            self.source,
            self.skipped,
            self.counts.added,
            self.counts.removed,
            self.counts.price_changes,
            self.as_of.format("%Y-%m-%d %H:%M UTC"),
        )
    }
}

/// Validates and stores one `/models` body; on any problem records a failed run and
/// leaves the stored catalogue untouched.
pub async fn ingest_body(
    store: &Store,
    body: &[u8],
    source_kind: SourceKind,
    source: &str,
    as_of: DateTime<Utc>,
) -> Result<Summary, IngestError> {
    let started_at = Utc::now();
    let mut run = NewRun {
        started_at,
        source_kind,
        source,
        as_of,
        raw_body: Some(body),
        models_seen: 0,
        skipped_detail: &[],
    };
    let outcome = check_and_write(store, body, &mut run).await;
    match outcome {
        Ok(summary) => Ok(summary),
        Err(err) => {
            tracing::warn!(source, error = %err, "ingest failed; previous data kept");
            if let Err(record_err) = store.record_failure(&run, &err.to_string()).await {
                tracing::error!(error = %record_err, "could not record the failed run");
            }
            Err(err)
        }
    }
}

async fn check_and_write(
    store: &Store,
    body: &[u8],
    run: &mut NewRun<'_>,
) -> Result<Summary, IngestError> {
    let parsed = parse_models_body(body)?;
    run.models_seen = parsed.seen;
    if parsed.seen > MAX_MODELS {
        return Err(IngestError::TooMany(parsed.seen));
    }
    let skipped: Vec<String> = parsed.skipped.iter().map(ToString::to_string).collect();
    for reason in skipped.iter().take(20) {
        tracing::warn!(source = run.source, %reason, "record skipped");
    }
    if parsed.models.is_empty() {
        return Err(IngestError::Empty {
            skipped: skipped.len(),
        });
    }
    let state = store.current_state().await?;
    if parsed.models.len() * 2 < state.active_count {
        return Err(IngestError::Shrunk {
            before: state.active_count,
            after: parsed.models.len(),
        });
    }
    if let Some(last) = &state.last_success {
        // The snapshot is a stand-in: any real data may replace it, whatever its date.
        if last.source_kind != SourceKind::Snapshot && run.as_of < last.as_of {
            return Err(IngestError::Older {
                new: run.as_of,
                current: last.as_of,
            });
        }
    }
    let skipped_detail = skipped;
    let write_run = NewRun {
        skipped_detail: &skipped_detail,
        ..*run
    };
    let (run_id, counts) = store
        .write_catalogue(&write_run, &parsed.models, &state)
        .await?;
    Ok(Summary {
        run_id,
        source: run.source.to_string(),
        as_of: run.as_of,
        seen: parsed.seen,
        skipped: skipped_detail.len(),
        counts,
    })
}

/// One refresh from the API, as of now.
pub async fn run_once(store: &Store, client: &OpenRouterClient) -> Result<Summary, IngestError> {
    let source = format!("{}/models", client.base_url());
    match client.fetch_models().await {
        Ok(fetched) => {
            ingest_body(store, &fetched.body, SourceKind::Api, &source, Utc::now()).await
        }
        Err(err) => {
            let run = NewRun {
                started_at: Utc::now(),
                source_kind: SourceKind::Api,
                source: &source,
                as_of: Utc::now(),
                raw_body: None,
                models_seen: 0,
                skipped_detail: &[],
            };
            tracing::warn!(error = %err, "catalogue fetch failed; previous data kept");
            store.record_failure(&run, &err.to_string()).await?;
            Err(err.into())
        }
    }
}

/// Reads a saved response, gunzipping `.gz` files.
pub fn read_body(path: &Path) -> Result<Vec<u8>, IngestError> {
    let read_err = |source| IngestError::Read {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(read_err)?;
    if path.extension().is_some_and(|e| e == "gz") {
        gunzip_limited(&bytes, MAX_FILE_BYTES).map_err(read_err)
    } else {
        Ok(bytes)
    }
}

/// One refresh from a saved `/models` response.
pub async fn ingest_file(
    store: &Store,
    path: &Path,
    as_of: Option<DateTime<Utc>>,
) -> Result<Summary, IngestError> {
    let body = read_body(path)?;
    let as_of = as_of
        .or_else(|| date_from_file_name(path))
        .unwrap_or_else(Utc::now);
    ingest_body(
        store,
        &body,
        SourceKind::File,
        &format!("file:{}", path.display()),
        as_of,
    )
    .await
}

/// `models-YYYY-MM-DD.json[.gz]` -> that date at 00:00 UTC.
pub fn date_from_file_name(path: &Path) -> Option<DateTime<Utc>> {
    let name = path.file_name()?.to_str()?;
    let rest = name.strip_prefix("models-")?;
    let date = rest.get(..10)?;
    let tail = &rest[10..];
    if tail != ".json" && tail != ".json.gz" {
        return None;
    }
    crate::store::parse_as_of(date)
}

/// The dated files of a directory, oldest first.
pub fn dated_files(dir: &Path) -> Result<Vec<(DateTime<Utc>, PathBuf)>, IngestError> {
    let read_err = |source| IngestError::Read {
        path: dir.to_path_buf(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        if let Some(date) = date_from_file_name(&path) {
            files.push((date, path));
        }
    }
    files.sort();
    Ok(files)
}

/// Loads the bundled snapshot when the store has no catalogue yet.
pub async fn load_snapshot_if_empty(store: &Store) -> Result<Option<Summary>, IngestError> {
    if !store.is_empty().await? {
        return Ok(None);
    }
    let as_of = snapshot_as_of().unwrap_or_else(Utc::now);
    ingest_body(
        store,
        SNAPSHOT_JSON.as_bytes(),
        SourceKind::Snapshot,
        "bundled snapshot",
        as_of,
    )
    .await
    .map(Some)
}

/// The date the bundled snapshot's prices were taken.
pub fn snapshot_as_of() -> Option<DateTime<Utc>> {
    let value: serde_json::Value = serde_json::from_str(SNAPSHOT_JSON).ok()?;
    crate::store::parse_as_of(value.get("as_of")?.as_str()?)
}

/// Builds the in-memory catalogue from the store.
pub async fn load_catalogue(store: &Store) -> Result<Catalogue, StoreError> {
    // Newest first; freshness and the methodology page's run table are derived from it.
    let runs = store.recent_runs(i64::MAX).await?;
    let freshness = Freshness::from_runs(&runs);
    Ok(Catalogue::build(
        store.load_models().await?,
        store.load_history().await?,
        store.load_events().await?,
        freshness,
    )
    .with_endpoints(store.load_endpoints().await?)
    .with_runs(&runs)
    .with_official(crate::official::store::load(store).await?))
}
