//! tokenfare: where an LLM is cheapest for your workload, and which gives the most
//! quality per dollar. Data: OpenRouter's public catalogue, refreshed daily into SQLite.

pub mod cli;
pub mod ingest;
pub mod model;
pub mod openrouter;
pub mod pricing;
pub mod search;
pub mod store;
pub mod web;

use std::sync::Arc;

use arc_swap::ArcSwap;

use store::{Catalogue, Store, StoreError};

pub use web::router;

/// Shared by every handler: the store and the current catalogue.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    catalogue: Arc<ArcSwap<Catalogue>>,
    /// Rendered pages for the current data version.
    pub pages: Arc<web::middleware::PageCache>,
}

impl AppState {
    /// Loads the catalogue from the store.
    pub async fn load(store: Store) -> Result<AppState, StoreError> {
        let catalogue = Catalogue::load(&store).await?;
        Ok(AppState {
            store,
            catalogue: Arc::new(ArcSwap::from_pointee(catalogue)),
            pages: Arc::default(),
        })
    }

    /// The catalogue as of now; cheap, and consistent for the whole request.
    pub fn catalogue(&self) -> Arc<Catalogue> {
        self.catalogue.load_full()
    }

    /// Rebuilds the catalogue from the store and swaps it in.
    pub async fn reload(&self) -> Result<(), StoreError> {
        let fresh = Catalogue::load(&self.store).await?;
        self.catalogue.store(Arc::new(fresh));
        // Pages are keyed by data version, so stale ones can never be served; this only frees them.
        self.pages.clear();
        Ok(())
    }
}
