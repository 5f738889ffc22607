//! tokenfare: where an LLM is cheapest for your workload, and which gives the most
//! quality per dollar. Data: OpenRouter's public catalogue and the makers' and clouds' own
//! list prices, refreshed daily into SQLite.
//!
//! Every feed passes through the same layers: `fetch` (the HTTP client and each feed's wire
//! reader), `ingest` (one refresh per feed, the run recorder, the scheduler), `store` (SQLite
//! and the in-memory catalogue, with the matching of official prices), `pricing` (every
//! pricing decision) and `web`. The vocabulary they share: `feed::Feed` (where a price is
//! fetched) and `seller::Seller` (who bills it); the domain types are in `model`. Beside them,
//! `usage` reads a reader's own usage export (pure: bytes in, sums out).

pub mod cli;
pub mod feed;
pub mod fetch;
pub mod format;
pub mod ingest;
pub mod model;
pub mod pricing;
pub mod search;
pub mod seller;
pub mod server;
pub mod store;
pub mod usage;
pub mod web;

use std::sync::Arc;

use arc_swap::ArcSwap;

use pricing::market::Market;
use store::{Catalogue, Store, StoreError};

pub use web::router;

/// Shared by every handler: the store and the current catalogue, with every listing's sellers
/// indexed beside it (a [`Market`], built once per load).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    catalogue: Arc<ArcSwap<Market>>,
    /// Rendered pages for the current data version.
    pub pages: Arc<web::middleware::PageCache>,
    /// Requests counted by route template, for the metrics listener.
    pub metrics: Arc<web::metrics::Metrics>,
}

impl AppState {
    /// Loads the catalogue from the store.
    pub async fn load(store: Store) -> Result<AppState, StoreError> {
        let catalogue = Market::new(Catalogue::load(&store).await?);
        Ok(AppState {
            store,
            catalogue: Arc::new(ArcSwap::from_pointee(catalogue)),
            pages: Arc::default(),
            metrics: Arc::new(web::metrics::Metrics::new(web::routes::templates())),
        })
    }

    /// The catalogue as of now, with its sellers; cheap, and consistent for the whole
    /// request. It reads as a [`Catalogue`].
    pub fn catalogue(&self) -> Arc<Market> {
        self.catalogue.load_full()
    }

    /// Rebuilds the catalogue from the store and swaps it in. When the store cannot be
    /// read, the catalogue served stays, but a failure the store could not record is still
    /// put in front of readers.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let fresh = match Catalogue::load(&self.store).await {
            Ok(fresh) => fresh,
            Err(err) => {
                self.show_unrecorded_failure();
                return Err(err);
            }
        };
        self.catalogue.store(Arc::new(Market::new(fresh)));
        // Pages are keyed by data version, so stale ones can never be served; this only frees them.
        self.pages.clear();
        Ok(())
    }

    fn show_unrecorded_failure(&self) {
        let Some(failure) = self.store.unrecorded_failure() else {
            return;
        };
        let current = self.catalogue();
        if current
            .freshness
            .last_failure
            .as_ref()
            .is_some_and(|f| f.id == failure.id)
        {
            return;
        }
        let mut copy = current.catalogue().clone();
        copy.freshness.note_unrecorded(failure);
        self.catalogue.store(Arc::new(current.with_catalogue(copy)));
        self.pages.clear();
    }

    /// Loads the catalogue again when the store has changed under it (a commit by another
    /// process, such as a command-line ingest). Returns whether it did.
    pub async fn reload_if_changed(&self) -> Result<bool, StoreError> {
        let fingerprint = self.store.fingerprint().await?;
        if fingerprint == self.catalogue().freshness.fingerprint {
            return Ok(false);
        }
        self.reload().await.map(|()| true)
    }
}
