//! The provider list's daily refresh: `GET {base}/providers`, with the catalogue's rules. A
//! failed fetch, an unreadable or empty body, or a list that suddenly shrinks by more than half
//! keeps the previous list and records why; one unreadable record is skipped and counted.
//! The list has its own run log, so its failures never touch the catalogue or its freshness.

use chrono::Utc;
use tokio::sync::watch;

use super::recorder::{self, RunFailure};
use crate::feed::Feed;
use crate::fetch::openrouter::providers::{ProvidersBodyError, parse_providers_body};
use crate::fetch::{FetchError, UpstreamClient};
use crate::store::providers::ProvidersWrite;
use crate::store::{Delivery, NewRun, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ProvidersError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Body(#[from] ProvidersBodyError),
    #[error(
        "the provider list shrank from {before} to {after} (more than half); keeping the previous list"
    )]
    Shrunk { before: usize, after: usize },
    #[error("the refresh was cancelled by shutdown before its response arrived")]
    Cancelled,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl RunFailure for ProvidersError {
    fn is_busy(&self) -> bool {
        matches!(self, ProvidersError::Store(StoreError::Busy))
    }
}

/// What one successful refresh did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ProvidersSummary {
    pub run_id: i64,
    pub seen: usize,
    pub stored: usize,
    pub skipped: usize,
    pub added: usize,
    pub removed: usize,
}

impl std::fmt::Display for ProvidersSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "provider list run {}: {} providers stored ({} skipped), {} added, {} no longer listed",
            self.run_id, self.stored, self.skipped, self.added, self.removed
        )
    }
}

/// Validates and stores one `/providers` body; on any problem records a failed run and
/// leaves the stored list untouched.
pub async fn ingest_providers_body(
    store: &Store,
    body: &[u8],
    source: &str,
) -> Result<ProvidersSummary, ProvidersError> {
    let feed = Feed::OpenRouterProviders;
    let mut run = NewRun::new(feed, Delivery::Api, source, Utc::now(), Some(body));
    let mut skipped = Vec::new();
    let result = check_and_write(store, body, &mut run, &mut skipped).await;
    recorder::recorded_with(store, run, &skipped, result).await
}

async fn check_and_write(
    store: &Store,
    body: &[u8],
    run: &mut NewRun<'_>,
    skipped: &mut Vec<String>,
) -> Result<ProvidersSummary, ProvidersError> {
    let parsed = parse_providers_body(body)?;
    *skipped = parsed.skipped;
    for reason in skipped.iter().take(10) {
        tracing::warn!(source = run.source, %reason, "provider record skipped");
    }
    run.providers_seen = parsed.seen;
    let write_run = NewRun {
        skipped_detail: skipped,
        ..*run
    };
    match store.write_providers(&write_run, &parsed.providers).await? {
        ProvidersWrite::Written {
            run_id,
            stored,
            added,
            removed,
        } => Ok(ProvidersSummary {
            run_id,
            seen: parsed.seen,
            stored,
            skipped: skipped.len(),
            added,
            removed,
        }),
        ProvidersWrite::Shrunk { before, after } => Err(ProvidersError::Shrunk { before, after }),
    }
}

/// One refresh of the provider list from the API.
pub async fn run_once(
    store: &Store,
    client: &UpstreamClient,
) -> Result<ProvidersSummary, ProvidersError> {
    run_once_until(store, client, super::never_stop()).await
}

/// [`run_once`], abandoning the fetch (and recording nothing: [`ProvidersError::Cancelled`])
/// if `stop` turns true while the response is awaited: a stalled upstream never holds up a
/// shutdown. Once the body has arrived it is stored whole.
pub async fn run_once_until(
    store: &Store,
    client: &UpstreamClient,
    stop: watch::Receiver<bool>,
) -> Result<ProvidersSummary, ProvidersError> {
    let source = format!("{}/providers", client.base_url());
    let fetched = super::unless_stopped(client.fetch_providers(), stop).await;
    match fetched.ok_or(ProvidersError::Cancelled)? {
        Ok(fetched) => ingest_providers_body(store, &fetched.body, &source).await,
        Err(err) => {
            Err(recorder::fetch_failed(store, Feed::OpenRouterProviders, &source, err).await)
        }
    }
}
