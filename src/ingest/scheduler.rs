//! The background refresh loop: refresh right after start, then every interval; a failed
//! refresh is logged and retried with backoff, and never stops the server. After each
//! successful refresh the provider list is refreshed too (see `ingest::providers`) and the
//! new catalogue is served at once, then the providers' endpoints are fetched (see
//! `ingest::endpoints`) and served when that pass ends.

use std::time::Duration;

use tokio::sync::watch;

use crate::AppState;
use crate::fetch::UpstreamClient;
use crate::ingest::endpoints::PassConfig;

/// First retry delay after a failure; doubles up to the refresh interval.
const FIRST_RETRY: Duration = Duration::from_secs(60);

/// The provider list changes rarely: it is fetched with a catalogue refresh at most this
/// often, however short the refresh interval (tests and load checks refresh every second).
const PROVIDER_LIST_MIN_INTERVAL: Duration = Duration::from_secs(3600);

/// Runs until `shutdown` turns true. A fetch still waiting for its response is abandoned;
/// a run whose response has arrived is finished before returning, so a shutdown never cuts
/// an ingest transaction in half.
pub async fn run(
    state: AppState,
    client: UpstreamClient,
    every: Duration,
    endpoints: Option<PassConfig>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut retry = FIRST_RETRY;
    let mut providers_fetched: Option<tokio::time::Instant> = None;
    loop {
        let result = crate::ingest::run_once_until(&state.store, &client, shutdown.clone()).await;
        let (wait, refreshed) = match result {
            Err(crate::ingest::IngestError::Cancelled) => return,
            Ok(summary) => {
                tracing::info!(%summary, "catalogue refreshed");
                retry = FIRST_RETRY;
                (every, true)
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in = ?retry, "catalogue refresh failed");
                let wait = retry.min(every);
                retry = retry.saturating_mul(2).min(every);
                (wait, false)
            }
        };
        let providers_due =
            providers_fetched.is_none_or(|t| t.elapsed() >= every.max(PROVIDER_LIST_MIN_INTERVAL));
        if refreshed && providers_due {
            providers_fetched = Some(tokio::time::Instant::now());
            // The provider list rides on the catalogue's schedule; its failure keeps the
            // previous list and changes nothing else.
            // A fetch still waiting on a stalled upstream is abandoned on shutdown.
            match crate::ingest::providers::run_once_until(&state.store, &client, shutdown.clone())
                .await
            {
                None => return,
                Some(Ok(summary)) => tracing::info!(%summary, "provider list refreshed"),
                Some(Err(_)) => {}
            }
        }
        if let Err(err) = state.reload().await {
            tracing::error!(error = %err, "could not reload the catalogue");
        }
        if let Some(config) = endpoints.as_ref().filter(|_| refreshed) {
            // The pass stops starting fetches on shutdown; the model being stored finishes.
            match crate::ingest::endpoints::run_pass(
                &state.store,
                &client,
                config,
                shutdown.clone(),
            )
            .await
            {
                Ok(_) => {
                    if let Err(err) = state.reload().await {
                        tracing::error!(error = %err, "could not reload the catalogue");
                    }
                }
                Err(err) => tracing::warn!(error = %err, "endpoints pass could not start"),
            }
            if *shutdown.borrow() {
                return;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}

/// How often `serve` checks the store for commits made by another process.
pub const WATCH_EVERY: Duration = Duration::from_secs(2);

/// Runs until `shutdown`: every `every`, loads the catalogue again if the store changed under
/// it (a command-line ingest or `accept-run` in another process), so what is served is never
/// more than one interval behind what is committed.
pub async fn watch_store(state: AppState, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let mut failing = false;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
        match state.reload_if_changed().await {
            Ok(reloaded) => {
                if reloaded {
                    tracing::info!("catalogue reloaded after a commit by another process");
                }
                failing = false;
            }
            // Logged once per spell of failures, not every tick.
            Err(err) if !failing => {
                tracing::error!(error = %err, "could not check the store for changes");
                failing = true;
            }
            Err(_) => {}
        }
    }
}
