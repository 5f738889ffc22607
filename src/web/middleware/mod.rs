//! What wraps every route, one concern per file. [`super::with_layers`] stacks them, outermost
//! first, among tower-http's request log and panic catcher, tower's limit on requests in
//! flight, and the error pages of `web/error.rs`:
//!
//! - `security_headers.rs`: the CSP and its companions on every response (tower-http's
//!   `SetResponseHeaderLayer`).
//! - `host.rs`: exactly one valid Host header.
//! - `uploads.rs`: bounded bodies and time, with the routes that take a POSTed upload set
//!   apart (their own size, time and slots, and answers nothing may store).
//! - `uri_limits.rs`: bounded paths and query strings, UTF-8 paths, GET and HEAD only (and
//!   POST for uploads), and one address per page (a trailing slash redirects to the path
//!   without it).
//! - `page_cache.rs`: pages rendered once per data version and kept compressed; its hit layer
//!   sits outside the limit on requests in flight, its miss layer inside. It answers with
//!   the coding `encoding.rs` negotiates and the validators and 304s of `conditional.rs`,
//!   renders on the threads of `render_pool.rs`, and leaves alone the routes
//!   `cache_policy.rs` says are not pages.
//!
//! Each file's opening comment says why it is ours where tower-http has something near.

mod cache_policy;
mod conditional;
mod encoding;
mod host;
mod page_cache;
mod render_pool;
mod security_headers;
mod uploads;
mod uri_limits;

pub use cache_policy::{CachePolicy, RouteCachePolicies};
pub use host::check_host;
pub use page_cache::{PageCache, PageCacheState, cache_pages, serve_cached};
pub use render_pool::lower_priority;
pub use security_headers::security_headers;
pub use uploads::{
    BODY_BYTES, REQUEST_TIME, UPLOAD_BYTES, UPLOAD_SLOTS, UPLOAD_TIME, Uploads, limit_requests,
};
pub use uri_limits::limit_uri;
