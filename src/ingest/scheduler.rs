//! The background refresh: one loop ([`run`]) for every feed, spawned once per independent
//! [`Chain`] of feeds, so a failing official feed never delays the catalogue and the reverse.
//! Each chain refreshes right after start, then every interval; a failed refresh is logged and
//! retried with backoff ([`Backoff`]), and never stops the server.
//!
//! OpenRouter's chain: the catalogue; after a successful refresh, the provider list (at most
//! hourly, see [`PROVIDER_LIST_MIN_INTERVAL`]) and then the new catalogue is served at once;
//! then every model's provider endpoints (see `ingest::endpoints`), served when that pass
//! ends. The official chain: the official list, served at once.
//!
//! On shutdown a fetch still waiting for its response is abandoned; a run whose response has
//! arrived is finished first, so a shutdown never cuts an ingest transaction in half.

use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::AppState;
use crate::feed::Feed;
use crate::fetch::UpstreamClient;
use crate::ingest::endpoints::PassConfig;
use crate::ingest::{catalogue, endpoints, official, providers};

/// First retry delay after a failure; doubles up to the refresh interval.
const FIRST_RETRY: Duration = Duration::from_secs(60);

/// The provider list changes rarely: it is fetched with a catalogue refresh at most this
/// often, however short the refresh interval (tests and load checks refresh every second).
pub const PROVIDER_LIST_MIN_INTERVAL: Duration = Duration::from_secs(3600);

/// How long to wait before the next refresh: the interval after a success; after failures,
/// [`FIRST_RETRY`] doubling each time, never more than the interval.
#[derive(Clone, Debug)]
pub struct Backoff {
    every: Duration,
    retry: Duration,
}

impl Backoff {
    pub fn new(every: Duration) -> Backoff {
        Backoff {
            every,
            retry: FIRST_RETRY,
        }
    }

    /// After a success: a whole interval, and the next failure starts the backoff afresh.
    pub fn succeeded(&mut self) -> Duration {
        self.retry = FIRST_RETRY;
        self.every
    }

    /// After a failure: the current delay, and twice that after the next one.
    pub fn failed(&mut self) -> Duration {
        let wait = self.retry.min(self.every);
        self.retry = self.retry.saturating_mul(2).min(self.every);
        wait
    }
}

/// Feeds refreshed one after the other on one schedule.
pub enum Chain {
    /// OpenRouter's catalogue, then its provider list and every model's provider endpoints;
    /// `endpoints` is `None` when the endpoints pass is off.
    OpenRouter {
        client: UpstreamClient,
        endpoints: Option<PassConfig>,
        providers_fetched: Option<Instant>,
    },
    /// The makers' and clouds' own list prices; `client` is built on the feed's URL.
    Official { client: UpstreamClient },
}

/// How one refresh of a chain went, as its first feed decides.
enum Attempt {
    Refreshed(String),
    Failed(String),
    /// Shutdown came while a fetch was still waiting.
    Cancelled,
}

impl Chain {
    /// OpenRouter's chain, its provider list not fetched yet.
    pub fn openrouter(client: UpstreamClient, endpoints: Option<PassConfig>) -> Chain {
        Chain::OpenRouter {
            client,
            endpoints,
            providers_fetched: None,
        }
    }

    /// The feed whose refresh decides the chain's schedule.
    pub fn head(&self) -> Feed {
        match self {
            Chain::OpenRouter { .. } => Feed::OpenRouterCatalogue,
            Chain::Official { .. } => Feed::Official,
        }
    }

    /// One refresh of every feed of the chain, each new state served as soon as it is stored.
    async fn refresh(
        &mut self,
        state: &AppState,
        every: Duration,
        shutdown: &watch::Receiver<bool>,
    ) -> Attempt {
        match self {
            Chain::OpenRouter {
                client,
                endpoints,
                providers_fetched,
            } => {
                let attempt =
                    match catalogue::run_once_until(&state.store, client, shutdown.clone()).await {
                        Err(catalogue::IngestError::Cancelled) => return Attempt::Cancelled,
                        Ok(summary) => Attempt::Refreshed(summary.to_string()),
                        Err(err) => Attempt::Failed(err.to_string()),
                    };
                let refreshed = matches!(attempt, Attempt::Refreshed(_));
                let providers_due = providers_fetched
                    .is_none_or(|t| t.elapsed() >= every.max(PROVIDER_LIST_MIN_INTERVAL));
                if refreshed && providers_due {
                    *providers_fetched = Some(Instant::now());
                    // The provider list rides on the catalogue's schedule; its failure keeps
                    // the previous list and changes nothing else.
                    match providers::run_once_until(&state.store, client, shutdown.clone()).await {
                        Err(providers::ProvidersError::Cancelled) => return Attempt::Cancelled,
                        Ok(summary) => tracing::info!(%summary, "provider list refreshed"),
                        Err(_) => {}
                    }
                }
                serve(state).await;
                if let Some(config) = endpoints.as_ref().filter(|_| refreshed) {
                    // The pass stops starting fetches on shutdown; the model being stored
                    // finishes.
                    match endpoints::run_pass(&state.store, client, config, shutdown.clone()).await
                    {
                        Ok(_) => serve(state).await,
                        Err(err) => tracing::warn!(error = %err, "endpoints pass could not start"),
                    }
                }
                attempt
            }
            Chain::Official { client } => {
                let attempt =
                    match official::run_once_until(&state.store, client, shutdown.clone()).await {
                        Err(official::OfficialError::Cancelled) => return Attempt::Cancelled,
                        Ok(summary) => Attempt::Refreshed(summary.to_string()),
                        Err(err) => Attempt::Failed(err.to_string()),
                    };
                // A failure is shown too (on /about), so the store is served again either way.
                serve(state).await;
                attempt
            }
        }
    }
}

/// Serves what the store now holds.
async fn serve(state: &AppState) {
    if let Err(err) = state.reload().await {
        tracing::error!(error = %err, "could not reload the catalogue");
    }
}

/// Refreshes `chain` every `every` until `shutdown` turns true (see the module docs).
pub async fn run(
    state: AppState,
    mut chain: Chain,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let feed = chain.head().name();
    let mut backoff = Backoff::new(every);
    loop {
        let wait = match chain.refresh(&state, every, &shutdown).await {
            Attempt::Cancelled => {
                tracing::info!(feed, "refresh cancelled by shutdown");
                return;
            }
            Attempt::Refreshed(summary) => {
                tracing::info!(feed, %summary, "refreshed");
                backoff.succeeded()
            }
            Attempt::Failed(error) => {
                let wait = backoff.failed();
                tracing::warn!(feed, %error, retry_in = ?wait, "refresh failed");
                wait
            }
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_from_a_minute_doubling_up_to_the_interval_and_a_success_resets() {
        let hour = Duration::from_secs(3600);
        let mut backoff = Backoff::new(hour);
        // 60 s, 120 s, 240 s, … 1920 s, then the hour caps it.
        let waits: Vec<u64> = (0..8).map(|_| backoff.failed().as_secs()).collect();
        assert_eq!(waits, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff.succeeded(), hour);
        assert_eq!(backoff.failed(), Duration::from_secs(60));
        // An interval shorter than a minute is never exceeded.
        let mut quick = Backoff::new(Duration::from_secs(1));
        assert_eq!(quick.failed(), Duration::from_secs(1));
        assert_eq!(quick.failed(), Duration::from_secs(1));
    }
}
