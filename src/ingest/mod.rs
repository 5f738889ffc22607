//! Ingest: one path for every feed. Each feed's `run_once` fetches one refresh (through
//! `crate::fetch`), reads and checks it, and stores it; bad data never replaces good data:
//! every failure is recorded by the one run recorder ([`recorder`]) and leaves the stored data
//! as it was. One scheduler loop ([`scheduler`]) refreshes every feed chain in the background.
//!
//! - [`catalogue`]: OpenRouter's catalogue, from the API, a saved file, dated files or the
//!   bundled snapshot; an implausible one is quarantined ([`plausibility`]) until
//!   `tokenfare accept-run`.
//! - [`providers`]: OpenRouter's provider list; [`endpoints`]: every model's provider endpoints.
//! - [`official`]: the makers' and clouds' own list prices.

pub mod catalogue;
pub mod endpoints;
pub mod official;
pub mod plausibility;
pub mod providers;
pub mod recorder;
pub mod scheduler;

use tokio::sync::watch;

/// Resolves when `stop` turns true; never, if its sender is gone.
pub(crate) async fn stopped(mut stop: watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// `fetch`, or `None` when `stop` turns true first: a fetch still waiting on a stalled upstream
/// is abandoned and nothing is recorded (nothing was learnt, and the process is on its way
/// out). Once the response has arrived, the run that stores it finishes whatever happens.
pub(crate) async fn unless_stopped<T>(
    fetch: impl Future<Output = T>,
    stop: watch::Receiver<bool>,
) -> Option<T> {
    tokio::select! {
        fetched = fetch => Some(fetched),
        () = stopped(stop) => None,
    }
}

/// A stop signal that never fires, for callers with no shutdown to honour.
pub fn never_stop() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    // Dropping the sender makes `stopped` wait forever.
    drop(tx);
    rx
}
