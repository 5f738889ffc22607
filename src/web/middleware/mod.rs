//! What wraps every route, one concern per file. [`super::with_layers`] stacks them, outermost
//! first, between tower-http's request log, error pages, panic catcher, timeout and body limit:
//!
//! - [`security_headers`]: the CSP and its companions on every response (tower-http's
//!   `SetResponseHeaderLayer`).
//! - [`host`]: exactly one valid Host header.
//! - [`uri_limits`]: bounded paths and query strings, UTF-8 paths, GET and HEAD only.
//! - [`page_cache`]: pages rendered once per data version and kept compressed; its hit layer
//!   sits outside the limit on requests in flight, its miss layer inside. It answers with the
//!   coding [`encoding`] negotiates and the validators and 304s of [`conditional`], renders on
//!   the [`render_pool`], and leaves alone the routes [`cache_policy`] says are not pages.
//!
//! Each file's opening comment says why it is ours where tower-http has something near.

mod cache_policy;
mod conditional;
mod encoding;
mod host;
mod page_cache;
mod render_pool;
mod security_headers;
mod uri_limits;

pub use cache_policy::{CachePolicy, RouteCachePolicies};
pub use host::check_host;
pub use page_cache::{PageCache, PageCacheLayer, cache_pages, serve_cached};
pub use security_headers::security_headers;
pub use uri_limits::limit_uri;
