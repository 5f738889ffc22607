//! The endpoints pass: after a successful catalogue refresh, fetch every upstream
//! provider's endpoint for each active model, a few at a time and politely, within a time
//! limit. Each model is stored in its own small transaction: a model whose fetch fails keeps
//! its previous rows and records why, and nothing here can touch the catalogue itself.
//!
//! Which listings are fetched: base models and `-fast` listings (OpenRouter lists those as
//! models of their own, with their own providers). Not fetched: `:free` and `:batch`
//! listings and other `:suffix` variants (OpenRouter's own listings of the base model's
//! providers under special terms), `~…-latest` aliases (the same model as their target,
//! which is fetched under its own id), and variable-priced routers such as `openrouter/auto`
//! (they route to other models and have no providers of their own).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;
use tokio::time::Instant;

use super::stopped;
use crate::fetch::openrouter::endpoints::parse_endpoints_body;
use crate::fetch::{FetchError, UpstreamClient};
use crate::model::{Model, Variant};
use crate::store::{Store, StoreError};

/// OpenRouter is never asked for more than this many endpoint lists at once.
pub const MAX_IN_FLIGHT: usize = 4;

/// How a pass runs.
#[derive(Clone, Debug)]
pub struct PassConfig {
    /// Fetches in flight at once; clamped to `1..=MAX_IN_FLIGHT`.
    pub concurrency: usize,
    /// Each worker's pause after each fetch, so the pass stays a polite trickle.
    pub delay: Duration,
    /// After this long no fetch is started and unfinished ones are abandoned.
    pub time_limit: Duration,
}

impl Default for PassConfig {
    fn default() -> Self {
        PassConfig {
            concurrency: MAX_IN_FLIGHT,
            delay: Duration::from_millis(500),
            time_limit: Duration::from_secs(600),
        }
    }
}

impl PassConfig {
    /// The default pass with another time limit.
    pub fn with_time_limit(time_limit: Duration) -> PassConfig {
        PassConfig {
            time_limit,
            ..PassConfig::default()
        }
    }
}

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PassSummary {
    /// Models chosen for this pass.
    pub models: usize,
    pub updated: usize,
    pub failed: usize,
    /// Models not fetched because the time limit or a shutdown came first.
    pub not_reached: usize,
    pub endpoints: usize,
    pub price_changes: usize,
    /// Endpoint records skipped as unusable inside otherwise good lists.
    pub skipped_endpoints: usize,
    pub elapsed_ms: u128,
}

impl PassSummary {
    fn absorb(&mut self, other: &PassSummary) {
        self.updated += other.updated;
        self.failed += other.failed;
        self.not_reached += other.not_reached;
        self.endpoints += other.endpoints;
        self.price_changes += other.price_changes;
        self.skipped_endpoints += other.skipped_endpoints;
    }
}

impl std::fmt::Display for PassSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "provider endpoints of {} models: {} updated ({} endpoints, {} price changes, {} skipped), \
             {} failed, {} not reached, in {:.1} s",
            self.models,
            self.updated,
            self.endpoints,
            self.price_changes,
            self.skipped_endpoints,
            self.failed,
            self.not_reached,
            self.elapsed_ms as f64 / 1000.0,
        )
    }
}

/// True for the listings whose providers the pass fetches (see the module docs).
pub fn wants_endpoints(model: &Model) -> bool {
    matches!(model.variant, Variant::Base | Variant::Fast) && !model.is_variable()
}

/// The ids of this pass, least recently attempted first, so a pass cut short by its time
/// limit is followed by one that starts where it stopped.
pub async fn models_to_fetch(store: &Store) -> Result<Vec<String>, StoreError> {
    let statuses = store.load_endpoint_statuses().await?;
    let mut ids: Vec<(Option<chrono::DateTime<Utc>>, String)> = store
        .load_models()
        .await?
        .into_iter()
        .filter(|m| m.active && wants_endpoints(&m.model))
        .map(|m| {
            let attempted = statuses.get(&m.model.id).and_then(|s| s.last_attempt);
            (attempted, m.model.id)
        })
        .collect();
    ids.sort();
    Ok(ids.into_iter().map(|(_, id)| id).collect())
}

/// A reader-safe reason for a failed fetch; the full error goes to the log and the store.
fn fetch_reason(err: &FetchError) -> String {
    match err {
        FetchError::Transport { source, .. } if source.is_timeout() => {
            "the request timed out".into()
        }
        FetchError::Transport { .. } => "OpenRouter could not be reached".into(),
        FetchError::Status { status, .. } => {
            format!("OpenRouter answered HTTP {}", status.as_u16())
        }
        FetchError::TooLarge { .. } => "the response was too large".into(),
        FetchError::Redirect { .. } => "OpenRouter redirected us elsewhere".into(),
        FetchError::Build(_) => "the HTTP client could not be built".into(),
    }
}

enum Outcome {
    Updated {
        endpoints: usize,
        price_changes: usize,
        skipped: usize,
    },
    Failed,
    NotReached,
}

async fn record_failure(
    store: &Store,
    id: &str,
    attempted: chrono::DateTime<Utc>,
    reason: &str,
    detail: &str,
) {
    tracing::warn!(model = id, %detail, "endpoint fetch failed; previous endpoints kept");
    if let Err(err) = store
        .record_endpoints_failure(id, attempted, reason, detail)
        .await
    {
        tracing::error!(model = id, error = %err, "could not record the failed endpoint fetch");
    }
}

async fn fetch_one(
    store: &Store,
    client: &UpstreamClient,
    id: &str,
    deadline: Instant,
    stop: watch::Receiver<bool>,
) -> Outcome {
    let attempted = Utc::now();
    let fetch = tokio::time::timeout_at(deadline, client.fetch_endpoints(id));
    let Some(fetched) = super::unless_stopped(fetch, stop).await else {
        return Outcome::NotReached;
    };
    let body = match fetched {
        Ok(Ok(fetched)) => fetched.body,
        Ok(Err(err)) => {
            record_failure(store, id, attempted, &fetch_reason(&err), &err.to_string()).await;
            return Outcome::Failed;
        }
        Err(_) => {
            let reason = "the refresh pass reached its time limit before this list arrived";
            record_failure(store, id, attempted, reason, reason).await;
            return Outcome::Failed;
        }
    };
    let parsed = match parse_endpoints_body(id, &body) {
        Ok(parsed) => parsed,
        Err(err) => {
            record_failure(
                store,
                id,
                attempted,
                "the response was not a usable endpoint list",
                &err.to_string(),
            )
            .await;
            return Outcome::Failed;
        }
    };
    for reason in parsed.skipped.iter().take(5) {
        tracing::warn!(model = id, %reason, "endpoint skipped");
    }
    match store
        .write_endpoints(id, &parsed.endpoints, Utc::now())
        .await
    {
        Ok(write) => Outcome::Updated {
            endpoints: write.stored,
            price_changes: write.price_changes,
            skipped: parsed.skipped.len(),
        },
        Err(err) => {
            record_failure(
                store,
                id,
                attempted,
                "the endpoints could not be stored",
                &err.to_string(),
            )
            .await;
            Outcome::Failed
        }
    }
}

/// Fetches and stores the endpoints of `ids`, at most `MAX_IN_FLIGHT` at once, until done,
/// the time limit, or `stop` turning true. Per-model failures are recorded and counted,
/// never returned.
pub async fn fetch_all(
    store: &Store,
    client: &UpstreamClient,
    ids: Vec<String>,
    config: &PassConfig,
    stop: watch::Receiver<bool>,
) -> PassSummary {
    let started = Instant::now();
    let deadline = started + config.time_limit;
    let total = ids.len();
    let ids = Arc::new(ids);
    let next = Arc::new(AtomicUsize::new(0));
    let workers = config.concurrency.clamp(1, MAX_IN_FLIGHT).min(total.max(1));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (store, client, ids, next, stop) = (
            store.clone(),
            client.clone(),
            Arc::clone(&ids),
            Arc::clone(&next),
            stop.clone(),
        );
        let delay = config.delay;
        // Each worker takes the next id until none is left: with a fixed number of
        // workers, the number of requests in flight can never exceed it.
        tasks.spawn(async move {
            let mut tally = PassSummary::default();
            loop {
                if *stop.borrow() || Instant::now() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(id) = ids.get(i) else { break };
                match fetch_one(&store, &client, id, deadline, stop.clone()).await {
                    Outcome::Updated {
                        endpoints,
                        price_changes,
                        skipped,
                    } => {
                        tally.updated += 1;
                        tally.endpoints += endpoints;
                        tally.price_changes += price_changes;
                        tally.skipped_endpoints += skipped;
                    }
                    Outcome::Failed => tally.failed += 1,
                    Outcome::NotReached => tally.not_reached += 1,
                }
                if !delay.is_zero() {
                    tokio::select! {
                        () = tokio::time::sleep_until((Instant::now() + delay).min(deadline)) => {}
                        () = stopped(stop.clone()) => break,
                    }
                }
            }
            tally
        });
    }
    let mut summary = PassSummary {
        models: total,
        ..PassSummary::default()
    };
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(tally) => summary.absorb(&tally),
            Err(err) => tracing::error!(error = %err, "an endpoint worker failed"),
        }
    }
    // Whatever no worker reached (time limit, shutdown, or a failed worker) is not reached.
    summary.not_reached = total.saturating_sub(summary.updated + summary.failed);
    summary.elapsed_ms = started.elapsed().as_millis();
    summary
}

/// One endpoints pass over every active model that has providers (see the module docs).
/// Fails only if the store cannot say which models to fetch.
pub async fn run_pass(
    store: &Store,
    client: &UpstreamClient,
    config: &PassConfig,
    stop: watch::Receiver<bool>,
) -> Result<PassSummary, StoreError> {
    let ids = models_to_fetch(store).await?;
    let summary = fetch_all(store, client, ids, config, stop).await;
    tracing::info!(%summary, "endpoints pass finished");
    Ok(summary)
}
