//! One refresh of OpenRouter's catalogue, from the API, a saved file, a directory of dated
//! files, or the bundled snapshot. Bad data never replaces good data: every failure is
//! recorded and leaves the stored catalogue as it was; an implausible catalogue is kept
//! aside (quarantined) until someone applies it with `tokenfare accept-run`.

use std::path::Path;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::plausibility::{self, Assessment, Summary as PlausibilitySummary};
use super::recorder::{self, MAX_FILE_BYTES, ReadError, RunFailure};
use crate::feed::Feed;
use crate::fetch::openrouter::catalogue::{BodyError, ParsedCatalogue, parse_models_body};
use crate::fetch::{FetchError, UpstreamClient};
use crate::model::price::Pricing;
use crate::store::{
    CurrentState, Delivery, NewRun, Outcome, Store, StoreError, Unreadable, WriteCounts, WriteTx,
    gunzip_limited,
};

/// The bundled snapshot: our own hand-written catalogue in OpenRouter's format.
pub const SNAPSHOT_JSON: &str = include_str!("../../data/snapshot.json");

/// A catalogue with more records than this is refused as implausible.
pub const MAX_MODELS: usize = 20_000;

/// How the saved catalogue files are named: `models-YYYY-MM-DD.json[.gz]`.
pub const FILE_PREFIX: &str = "models-";

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
    #[error("{}", recorder::future_message(*as_of, *now))]
    Future {
        as_of: DateTime<Utc>,
        now: DateTime<Utc>,
    },
    #[error(
        "run {run_id} was quarantined, not applied, because it looks implausible: {}. Nothing \
         changed. If the catalogue really is like that, apply it with `tokenfare accept-run {run_id}`",
        reasons.join("; ")
    )]
    Quarantined { run_id: i64, reasons: Vec<String> },
    #[error("there is no run {0}")]
    NoSuchRun(i64),
    #[error("run {0} was not quarantined ({1}); only a quarantined run can be accepted")]
    NotQuarantined(i64, &'static str),
    #[error(
        "run {0} was overtaken by run {1}, applied since; it can no longer be applied (ingest again instead)"
    )]
    Superseded(i64, i64),
    #[error("the raw response of run {0} is no longer kept, so it cannot be applied")]
    NoRawBody(i64),
    #[error("the refresh was cancelled by shutdown before its response arrived")]
    Cancelled,
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RunFailure for IngestError {
    fn is_busy(&self) -> bool {
        matches!(self, IngestError::Store(StoreError::Busy))
    }

    /// A quarantined run is written as such, with its body, by the ingest itself.
    fn is_recorded(&self) -> bool {
        matches!(self, IngestError::Quarantined { .. })
    }
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
    /// Applied, but flagged: single listings whose price moved 10x or more, or to zero.
    pub large_moves: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run {}: {} models stored from {} ({} skipped), {}, as of {}",
            self.run_id,
            self.counts.stored,
            self.source,
            self.skipped,
            self.counts.totals(),
            crate::format::utc_minute(self.as_of),
        )?;
        if self.counts.kept_unreadable > 0 {
            write!(
                f,
                "; {} unreadable listings kept as they were",
                self.counts.kept_unreadable
            )?;
        }
        if self.counts.removals_held > 0 {
            write!(
                f,
                "; {} removals held back (records without a readable id)",
                self.counts.removals_held
            )?;
        }
        if !self.large_moves.is_empty() {
            write!(
                f,
                "; flagged (10× or to zero): {}",
                self.large_moves.join(", ")
            )?;
        }
        Ok(())
    }
}

/// Refuses a date more than a day ahead of `now`: stored, it would make every later refresh
/// look older and be refused.
pub fn check_date(as_of: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), IngestError> {
    if recorder::too_far_ahead(as_of, now) {
        return Err(IngestError::Future { as_of, now });
    }
    Ok(())
}

/// Validates and stores one `/models` body; on any problem records a failed run and
/// leaves the stored catalogue untouched.
pub async fn ingest_body(
    store: &Store,
    body: &[u8],
    delivery: Delivery,
    source: &str,
    as_of: DateTime<Utc>,
) -> Result<Summary, IngestError> {
    // A mistyped date is the caller's mistake, not a run: refused before anything is written.
    check_date(as_of, Utc::now())?;
    let mut run = NewRun::new(
        Feed::OpenRouterCatalogue,
        delivery,
        source,
        as_of,
        Some(body),
    );
    let result = check_and_write(store, body, &mut run).await;
    recorder::recorded(store, &run, result).await
}

fn skipped_reasons(parsed: &ParsedCatalogue) -> Vec<String> {
    parsed.skipped.iter().map(ToString::to_string).collect()
}

/// The stored listings as the plausibility rules see them.
fn stored_summary(state: &CurrentState) -> PlausibilitySummary {
    let listings = state
        .models
        .iter()
        .filter(|(_, s)| s.active)
        .filter_map(|(id, s)| {
            let pricing: Pricing = serde_json::from_str(&s.pricing).ok()?;
            Some((id.clone(), plausibility::prices_of(&pricing)))
        })
        .collect();
    PlausibilitySummary {
        listings,
        records: state.active_count,
        unreadable: 0,
    }
}

/// A new catalogue as the rules see it, as it would be once applied: an unreadable listing
/// keeps its stored prices, so it counts neither as vanished nor as changed.
fn new_summary(parsed: &ParsedCatalogue, stored: &PlausibilitySummary) -> PlausibilitySummary {
    let mut listings: std::collections::HashMap<_, _> = parsed
        .models
        .iter()
        .map(|m| (m.id.clone(), plausibility::prices_of(&m.pricing)))
        .collect();
    for id in &parsed.unreadable_ids {
        if let Some(prices) = stored.listings.get(id) {
            listings.entry(id.clone()).or_insert_with(|| prices.clone());
        }
    }
    PlausibilitySummary {
        listings,
        records: parsed.seen,
        unreadable: parsed.skipped.len(),
    }
}

/// The rules every catalogue must pass against the stored state, checked under the write
/// lock: not empty, not shrunk by half (counting every record, readable or not), not older
/// than the stored data. The snapshot is a stand-in: any real data may replace it.
fn check_against(
    parsed: &ParsedCatalogue,
    state: &CurrentState,
    as_of: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<Assessment>, IngestError> {
    if recorder::shrinks_by_half(state.active_count, parsed.seen) {
        return Err(IngestError::Shrunk {
            before: state.active_count,
            after: parsed.seen,
        });
    }
    let Some(last) = recorder::last_real(state.last_success.as_ref()) else {
        return Ok(None);
    };
    if recorder::is_older(as_of, last.as_of, now) {
        return Err(IngestError::Older {
            new: as_of,
            current: last.as_of,
        });
    }
    let stored = stored_summary(state);
    Ok(Some(plausibility::assess(
        &stored,
        &new_summary(parsed, &stored),
    )))
}

/// Writes a readable catalogue as run `run_id` and records the run as applied, with its counts.
async fn apply(
    tx: &mut WriteTx,
    run_id: i64,
    as_of: DateTime<Utc>,
    parsed: &ParsedCatalogue,
    state: &CurrentState,
) -> Result<WriteCounts, StoreError> {
    let unreadable = Unreadable {
        ids: parsed.unreadable_ids.clone(),
        without_id: parsed.unidentified,
    };
    let counts = tx
        .apply_catalogue(run_id, as_of, &parsed.models, &unreadable, state)
        .await?;
    tx.finish_run(
        Feed::OpenRouterCatalogue,
        run_id,
        Outcome::Success,
        counts.totals(),
    )
    .await?;
    Ok(counts)
}

async fn check_and_write(
    store: &Store,
    body: &[u8],
    run: &mut NewRun<'_>,
) -> Result<Summary, IngestError> {
    let parsed = parse_models_body(body, MAX_MODELS)?;
    run.models_seen = parsed.seen;
    if parsed.seen > MAX_MODELS {
        return Err(IngestError::TooMany(parsed.seen));
    }
    let skipped = skipped_reasons(&parsed);
    for reason in skipped.iter().take(20) {
        tracing::warn!(source = run.source, %reason, "record skipped");
    }
    if parsed.models.is_empty() {
        return Err(IngestError::Empty {
            skipped: skipped.len(),
        });
    }
    let write_run = NewRun {
        skipped_detail: &skipped,
        ..*run
    };
    let mut tx = store.begin_write().await?;
    let state = tx.current_state().await?;
    fault_pause_before_write().await;
    let assessment = check_against(&parsed, &state, run.as_of, Utc::now())?.unwrap_or_default();
    if !assessment.is_plausible() {
        let reasons = assessment.reasons;
        let run_id = tx
            .insert_run(&write_run, Outcome::Quarantined, Some(&reasons.join("; ")))
            .await?;
        tx.prune_raw_bodies(Feed::OpenRouterCatalogue, Utc::now())
            .await?;
        tx.commit().await?;
        tracing::warn!(source = run.source, run_id, reasons = %reasons.join("; "), "catalogue quarantined; previous data kept");
        return Err(IngestError::Quarantined { run_id, reasons });
    }
    let run_id = tx.insert_run(&write_run, Outcome::Success, None).await?;
    let counts = apply(&mut tx, run_id, run.as_of, &parsed, &state).await?;
    tx.commit().await?;
    let large_moves: Vec<String> = assessment
        .large_moves
        .iter()
        .map(ToString::to_string)
        .collect();
    for large in &large_moves {
        tracing::warn!(source = run.source, run_id, %large, "price moved 10x or more; applied and flagged");
    }
    Ok(Summary {
        run_id,
        source: run.source.to_string(),
        as_of: run.as_of,
        seen: parsed.seen,
        skipped: skipped.len(),
        counts,
        large_moves,
    })
}

/// Applies a quarantined run deliberately (`tokenfare accept-run`): the plausibility rules
/// are waived, every other rule still holds (it must not be older than the data served, nor
/// shrink the catalogue by half).
pub async fn accept_run(store: &Store, run_id: i64) -> Result<Summary, IngestError> {
    let mut tx = store.begin_write().await?;
    let run = tx
        .run(run_id)
        .await?
        .ok_or(IngestError::NoSuchRun(run_id))?;
    match run.outcome {
        Outcome::Quarantined => {}
        Outcome::Success => return Err(IngestError::NotQuarantined(run_id, "it was applied")),
        Outcome::Failed => return Err(IngestError::NotQuarantined(run_id, "it failed")),
    }
    let raw = tx
        .raw_body(run_id)
        .await?
        .ok_or(IngestError::NoRawBody(run_id))?;
    let body = gunzip_limited(&raw, MAX_FILE_BYTES).map_err(StoreError::Io)?;
    let parsed = parse_models_body(&body, MAX_MODELS)?;
    let state = tx.current_state().await?;
    if let Some(newer) = state.last_success.as_ref().filter(|r| r.id > run_id) {
        return Err(IngestError::Superseded(run_id, newer.id));
    }
    check_against(&parsed, &state, run.as_of, Utc::now())?;
    let counts = apply(&mut tx, run_id, run.as_of, &parsed, &state).await?;
    tx.mark_accepted(run_id).await?;
    tx.commit().await?;
    Ok(Summary {
        run_id,
        source: run.source,
        as_of: run.as_of,
        seen: parsed.seen,
        skipped: parsed.skipped.len(),
        counts,
        large_moves: Vec::new(),
    })
}

/// One refresh from the API, as of now.
pub async fn run_once(store: &Store, client: &UpstreamClient) -> Result<Summary, IngestError> {
    run_once_until(store, client, super::never_stop()).await
}

/// [`run_once`], giving up the fetch when `shutdown` turns true. Once the response has
/// arrived the run is finished whatever happens, so a shutdown never cuts a write in half.
pub async fn run_once_until(
    store: &Store,
    client: &UpstreamClient,
    shutdown: watch::Receiver<bool>,
) -> Result<Summary, IngestError> {
    let source = format!("{}/models", client.base_url());
    let fetched = super::unless_stopped(client.fetch_models(), shutdown).await;
    match fetched.ok_or(IngestError::Cancelled)? {
        Ok(fetched) => ingest_body(store, &fetched.body, Delivery::Api, &source, Utc::now()).await,
        Err(err) => {
            Err(recorder::fetch_failed(store, Feed::OpenRouterCatalogue, &source, err).await)
        }
    }
}

/// One refresh from a saved `/models` response.
pub async fn ingest_file(
    store: &Store,
    path: &Path,
    as_of: Option<DateTime<Utc>>,
) -> Result<Summary, IngestError> {
    let (body, source, as_of) = recorder::saved_response(path, FILE_PREFIX, as_of)?;
    ingest_body(store, &body, Delivery::File, &source, as_of).await
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
        Delivery::Snapshot,
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

/// Fault injection for the concurrency tests: `TOKENFARE_FAULT_PAUSE_BEFORE_WRITE_MS` makes an
/// ingest wait that long between reading the stored state and writing, so a second process can
/// be started inside that window. Unset (always, outside tests) it costs one env lookup.
async fn fault_pause_before_write() {
    if let Some(ms) = std::env::var("TOKENFARE_FAULT_PAUSE_BEFORE_WRITE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}
