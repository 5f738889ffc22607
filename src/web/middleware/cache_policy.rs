//! Which routes are pages. The route table declares, by route pattern, the few routes whose
//! answers are not pages (see `Route::not_a_page` in `web/routes.rs`); the page cache asks
//! here and so never needs to know a path. Every other route, including any a test builds, is
//! a page.
//!
//! The policy is read from the route axum matched (`MatchedPath`, which the router sets
//! before any layer runs), because the page cache must decide before the handler: a response
//! extension would come too late to keep a health check out of the render queue.

use axum::extract::{MatchedPath, Request};

/// What the page cache does with a route's answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Rendered once per data version on a render thread, kept compressed, and served with
    /// validators, `Cache-Control` and 304s: every page, feed and export.
    Page,
    /// Answered afresh every time and never cached (the health check must say what is true now).
    Never,
    /// A compiled-in file that sets its own `Cache-Control` (fingerprinted, so immutable).
    StaticAsset,
}

/// The routes that are not pages, by the pattern they are declared with.
#[derive(Clone, Copy, Debug)]
pub struct RouteCachePolicies(pub &'static [(&'static str, CachePolicy)]);

impl RouteCachePolicies {
    /// The policy of the route `request` was routed to; a page unless declared otherwise.
    pub fn of(&self, request: &Request) -> CachePolicy {
        let Some(matched) = request.extensions().get::<MatchedPath>() else {
            return CachePolicy::Page;
        };
        self.0
            .iter()
            .find(|(pattern, _)| *pattern == matched.as_str())
            .map_or(CachePolicy::Page, |(_, policy)| *policy)
    }
}
