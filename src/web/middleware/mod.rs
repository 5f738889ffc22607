//! What wraps every route, one concern per file. [`super::with_layers`] stacks them, outermost
//! first, among tower-http's panic catcher and tower's limit on requests in flight:
//!
//! - `observe.rs`, first of all: each request's count and latency in the metrics, by route
//!   template, and its log line; its `RouteLayer`, on every route, says which route that was.
//! - `security_headers.rs`: the CSP and its companions on every response (tower-http's
//!   `SetResponseHeaderLayer`).
//! - `front.rs`: the one layer before routing, which calls, in order:
//!   - `host.rs`: exactly one valid Host header;
//!   - `uri_limits.rs`: bounded paths and query strings, UTF-8 paths, and one address per
//!     page (a trailing slash redirects to the path without it);
//!   - `page_cache.rs`'s hit half, which answers cached pages before routing and before the
//!     limit on requests in flight, so a cached page is never refused;
//!
//!   and writes the body of every error answer (`web/error.rs`) on the way out.
//! - `uploads.rs`, on every route: GET and HEAD only, bounded bodies and time, with the
//!   routes that take a POSTed upload set apart (their own size, time and slots, and answers
//!   nothing may store).
//! - `page_cache.rs`'s miss half, on every route (it must know which routes are pages):
//!   pages rendered once per data version and kept compressed. It answers with the coding
//!   `encoding.rs` negotiates and the validators and 304s of `conditional.rs`, renders on
//!   the threads of `render_pool.rs`, and leaves alone the routes `cache_policy.rs` says
//!   are not pages.
//!
//! Each file's opening comment says why it is ours where tower-http has something near.

mod cache_policy;
mod conditional;
mod encoding;
mod front;
mod host;
mod observe;
mod page_cache;
mod render_pool;
mod security_headers;
mod uploads;
mod uri_limits;

pub use cache_policy::{CachePolicy, RouteCachePolicies};
pub use front::{Front, FrontFuture, FrontLayer};
pub use observe::{ObserveLayer, REQUEST_LOG, RouteLayer};
pub use page_cache::{PageCache, PageCacheState, PageCacheStats, answer_from_cache, cache_pages};
pub use render_pool::lower_priority;
pub use security_headers::security_headers;
pub use uploads::{
    BODY_BYTES, REQUEST_TIME, UPLOAD_BYTES, UPLOAD_SLOTS, UPLOAD_TIME, Uploads, limit_requests,
};
