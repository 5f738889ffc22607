//! The official feed's refresh loop: beside the catalogue's, on the same interval, and on its
//! own, so a failing official feed never delays the catalogue and the reverse.

use std::time::Duration;

use tokio::sync::watch;

use crate::AppState;
use crate::fetch::UpstreamClient;

/// First retry delay after a failure; doubles up to the refresh interval.
const FIRST_RETRY: Duration = Duration::from_secs(60);

/// Runs until `shutdown` turns true; a run in progress is finished first.
pub async fn run(
    state: AppState,
    client: UpstreamClient,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut retry = FIRST_RETRY;
    loop {
        let wait = match super::ingest::run_once(&state.store, &client).await {
            Ok(summary) => {
                tracing::info!(%summary, "official prices refreshed");
                retry = FIRST_RETRY;
                every
            }
            Err(err) => {
                tracing::warn!(error = %err, retry_in = ?retry, "official price refresh failed");
                let wait = retry.min(every);
                retry = retry.saturating_mul(2).min(every);
                wait
            }
        };
        // A failure is shown too (on /about), so reload either way.
        if let Err(err) = state.reload().await {
            tracing::error!(error = %err, "could not reload after the official refresh");
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.wait_for(|stop| *stop) => return,
        }
    }
}
