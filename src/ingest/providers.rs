//! The provider list's daily refresh: `GET {base}/providers`, with the catalogue's rules. A
//! failed fetch, an unreadable or empty body, or a list that suddenly shrinks by more than half
//! keeps the previous list and records why; one unreadable record is skipped and counted.
//! The list has its own run log, so its failures never touch the catalogue or its freshness.

use chrono::Utc;
use tokio::sync::watch;

use crate::fetch::openrouter::providers::{ProvidersBodyError, parse_providers_body};
use crate::fetch::{FetchError, UpstreamClient};
use crate::store::providers::{NewProviderRun, ProvidersWrite};
use crate::store::{Store, StoreError};

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
    #[error(transparent)]
    Store(#[from] StoreError),
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
    let mut run = NewProviderRun {
        started_at: Utc::now(),
        source,
        raw_body: Some(body),
        seen: 0,
        skipped_detail: &[],
    };
    let skipped: Vec<String>;
    let outcome = match parse_providers_body(body) {
        Err(err) => Err(ProvidersError::from(err)),
        Ok(parsed) => {
            skipped = parsed.skipped;
            for reason in skipped.iter().take(10) {
                tracing::warn!(source, %reason, "provider record skipped");
            }
            run.seen = parsed.seen;
            run.skipped_detail = &skipped;
            match store.write_providers(&run, &parsed.providers).await {
                Ok(ProvidersWrite::Written {
                    run_id,
                    stored,
                    added,
                    removed,
                }) => Ok(ProvidersSummary {
                    run_id,
                    seen: parsed.seen,
                    stored,
                    skipped: skipped.len(),
                    added,
                    removed,
                }),
                Ok(ProvidersWrite::Shrunk { before, after }) => {
                    Err(ProvidersError::Shrunk { before, after })
                }
                Err(err) => Err(err.into()),
            }
        }
    };
    if let Err(err) = &outcome {
        tracing::warn!(source, error = %err, "provider list refresh failed; previous list kept");
        if let Err(record_err) = store.record_providers_failure(&run, &err.to_string()).await {
            tracing::error!(error = %record_err, "could not record the failed provider list run");
        }
    }
    outcome
}

/// One refresh of the provider list from the API.
pub async fn run_once(
    store: &Store,
    client: &UpstreamClient,
) -> Result<ProvidersSummary, ProvidersError> {
    let source = format!("{}/providers", client.base_url());
    let fetched = client.fetch_providers().await;
    store_fetched(store, &source, fetched).await
}

/// [`run_once`], abandoning the fetch (and recording nothing) if `stop` turns true while the
/// response is awaited: a stalled upstream never holds up a shutdown. Once the body has
/// arrived it is stored whole. `None` when abandoned.
pub async fn run_once_until(
    store: &Store,
    client: &UpstreamClient,
    mut stop: watch::Receiver<bool>,
) -> Option<Result<ProvidersSummary, ProvidersError>> {
    let source = format!("{}/providers", client.base_url());
    let stopped = async {
        // A stop signal whose sender is gone never fires.
        if stop.wait_for(|s| *s).await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let fetched = tokio::select! {
        fetched = client.fetch_providers() => fetched,
        () = stopped => return None,
    };
    Some(store_fetched(store, &source, fetched).await)
}

async fn store_fetched(
    store: &Store,
    source: &str,
    fetched: Result<crate::fetch::Fetched, FetchError>,
) -> Result<ProvidersSummary, ProvidersError> {
    match fetched {
        Ok(fetched) => ingest_providers_body(store, &fetched.body, source).await,
        Err(err) => {
            let run = NewProviderRun {
                started_at: Utc::now(),
                source,
                raw_body: None,
                seen: 0,
                skipped_detail: &[],
            };
            tracing::warn!(error = %err, "provider list fetch failed; previous list kept");
            store
                .record_providers_failure(&run, &err.to_string())
                .await?;
            Err(err.into())
        }
    }
}
