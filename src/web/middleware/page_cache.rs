//! The page cache: rendered pages keyed by canonical URL and coding, valid for one data
//! version, so a page is rendered (and compressed) once per refresh, not once per request.
//! Its two halves sit either side of routing and the limit on requests in flight:
//! [`answer_from_cache`] answers hits (and redirects blank form fields away) in the front of
//! the site (`front.rs`), before both, so a cached page is never refused and costs no more
//! than a lookup; [`cache_pages`], a layer on every route, renders misses, one render per key
//! at a time, on the [`RenderPool`], and keeps what they produce. Only pages are ever kept, so
//! a hit needs no route; misses of routes the router declares not to be pages
//! ([`CachePolicy`]) pass through untouched.
//!
//! Ours, not tower-http's: `CompressionLayer` would compress every hit again, where this
//! keeps the stored brotli/gzip bytes per data version and serves a hit with no work beyond a
//! lookup and a few headers (the path the site's throughput rests on); tower-http has no
//! response cache, and `ServeDir` serves files from disk, not rendered pages.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;

use super::cache_policy::{CachePolicy, RouteCachePolicies};
use super::conditional::{Validators, not_modified};
use super::encoding::{Effort, Encoding};
use super::observe::note_cache_answered;
use super::render_pool::{RENDER_QUEUE_WAIT, RenderPool, render_slots};
use crate::AppState;
use crate::pricing::market::Market;
use crate::web::metrics::RouteId;
use crate::web::{AppError, canonical};

/// Bodies larger than this are served but not cached.
const MAX_CACHED_BODY: usize = 2 * 1024 * 1024;
/// What the cached pages may weigh together; the least recently used go first.
const MAX_CACHE_BYTES: u64 = 64 * 1024 * 1024;

/// What the page cache's two layers are given: the app (its catalogue and this cache) and
/// which routes are not pages.
#[derive(Clone)]
pub struct PageCacheState {
    pub app: AppState,
    pub policies: RouteCachePolicies,
}

struct CachedPage {
    version: String,
    /// The route that rendered it, for the metrics of the hits answered before routing.
    route: RouteId,
    content_type: HeaderValue,
    /// The coding the body is in: identity for pages too small to be worth compressing.
    encoding: Encoding,
    extra: Vec<(header::HeaderName, HeaderValue)>,
    body: Bytes,
}

/// Held while one key's page renders.
type RenderLock = Arc<tokio::sync::Mutex<()>>;

type Pages = moka::sync::Cache<(String, Encoding), Arc<CachedPage>>;

/// Rendered pages by (canonical URL, encoding), valid for one data version; least recently
/// used pages are evicted first once they weigh half of [`MAX_CACHE_BYTES`] (moka's TinyLFU
/// also declines to admit a page asked for once in place of one asked for often). Pages
/// with no query (`/models`, a model page: what links lead to, a set bounded by the data)
/// and pages with one (a workload, a search: without bound) are kept apart, so a flood of
/// new queries can evict only other queries, never the pages everyone opens.
pub struct PageCache {
    pages: Pages,
    plain: Pages,
    validators: RwLock<Option<Arc<Validators>>>,
    renders: RenderPool,
    /// One render at a time per cache key: identical misses (a popular page just after a
    /// refresh) wait for the first one's page instead of each taking a render slot.
    in_flight: std::sync::Mutex<std::collections::HashMap<(String, Encoding), RenderLock>>,
    /// The 503 page, by the version it was rendered for.
    busy: RwLock<Option<(String, String)>>,
    counts: Arc<Counts>,
}

/// What the cache has done, counted as it happens (relaxed atomics: figures, not locks).
#[derive(Debug, Default)]
struct Counts {
    hits: AtomicU64,
    misses: AtomicU64,
    /// Pages dropped (or not admitted) to keep the cache within its size.
    evictions: AtomicU64,
    /// Requests that gave up waiting for another request's render of the same page.
    refused_timed_out: AtomicU64,
}

/// The page cache's figures for the metrics, as of one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageCacheStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
    /// What the cached pages weigh: their keys and (compressed) bodies.
    pub bytes: u64,
    pub pages: u64,
    /// Requests waiting for a render slot.
    pub render_queue: u64,
    pub rendering: u64,
    /// Requests turned away because the render queue was full.
    pub refused_queue_full: u64,
    /// Requests turned away because their wait for a render ran out.
    pub refused_timed_out: u64,
}

impl Default for PageCache {
    fn default() -> PageCache {
        PageCache::new(MAX_CACHE_BYTES, render_slots())
    }
}

impl PageCache {
    /// A cache of at most `max_bytes` of pages, rendering at most `render_slots` at once.
    pub fn new(max_bytes: u64, render_slots: usize) -> PageCache {
        let counts = Arc::new(Counts::default());
        let pages = || {
            let counts = counts.clone();
            moka::sync::Cache::builder()
                .max_capacity(max_bytes / 2)
                .weigher(|(url, _): &(String, Encoding), page: &Arc<CachedPage>| {
                    u32::try_from(url.len() + page.body.len()).unwrap_or(u32::MAX)
                })
                .eviction_listener(move |_key, _page, cause| {
                    // Not the pages dropped because the data changed (`clear`), nor one
                    // replaced by its next version.
                    if cause == moka::notification::RemovalCause::Size {
                        counts.evictions.fetch_add(1, Ordering::Relaxed);
                    }
                })
                .build()
        };
        PageCache {
            pages: pages(),
            plain: pages(),
            validators: RwLock::default(),
            renders: RenderPool::new(render_slots),
            in_flight: std::sync::Mutex::default(),
            busy: RwLock::default(),
            counts,
        }
    }

    /// Its figures now, for the metrics (after the cache's pending housekeeping).
    pub fn stats(&self) -> PageCacheStats {
        let count = |n: &AtomicU64| n.load(Ordering::Relaxed);
        let pages = self.page_count();
        let (refused_queue_full, refused_timed_out) = self.renders.refusals();
        PageCacheStats {
            hits: count(&self.counts.hits),
            misses: count(&self.counts.misses),
            evictions: count(&self.counts.evictions),
            bytes: self.pages.weighted_size() + self.plain.weighted_size(),
            pages,
            render_queue: self.renders.waiting() as u64,
            rendering: self.renders.rendering() as u64,
            refused_queue_full,
            refused_timed_out: refused_timed_out + count(&self.counts.refused_timed_out),
        }
    }

    /// Counts a request answered from the cache, and tells the request's metrics and log
    /// line which route's page answered it.
    fn answered_from_cache(&self, page: &CachedPage) {
        self.counts.hits.fetch_add(1, Ordering::Relaxed);
        note_cache_answered(page.route);
    }

    /// How many pages are cached (after pending evictions), for tests and diagnostics.
    pub fn page_count(&self) -> u64 {
        self.pages.run_pending_tasks();
        self.plain.run_pending_tasks();
        self.pages.entry_count() + self.plain.entry_count()
    }

    /// Where a key's page is kept.
    fn shelf(&self, key: &(String, Encoding)) -> &Pages {
        if key.0.contains('?') {
            &self.pages
        } else {
            &self.plain
        }
    }

    fn insert(&self, key: (String, Encoding), page: Arc<CachedPage>) {
        if page.body.len() <= MAX_CACHED_BODY {
            self.shelf(&key).insert(key, page);
        }
    }

    fn validators(&self, catalogue: &Arc<Market>) -> Arc<Validators> {
        if let Ok(current) = self.validators.read()
            && let Some(v) = current.as_ref()
            && v.are_for(catalogue)
        {
            return v.clone();
        }
        let fresh = Arc::new(Validators::new(catalogue));
        if let Ok(mut slot) = self.validators.write() {
            *slot = Some(fresh.clone());
        }
        fresh
    }

    /// The "busy" page for the current version of `catalogue`, rendered by `render` only
    /// when the version changed; `None` if rendering failed.
    pub fn busy_page(
        &self,
        catalogue: &Arc<Market>,
        render: impl FnOnce() -> askama::Result<String>,
    ) -> Option<String> {
        let validators = self.validators(catalogue);
        let version = &validators.current(Utc::now()).tag;
        if let Ok(busy) = self.busy.read()
            && let Some((rendered_for, page)) = busy.as_ref()
            && rendered_for == version
        {
            return Some(page.clone());
        }
        match render() {
            Ok(page) => {
                if let Ok(mut busy) = self.busy.write() {
                    *busy = Some((version.clone(), page.clone()));
                }
                Some(page)
            }
            Err(err) => {
                tracing::error!(error = %err, "the busy page failed to render");
                None
            }
        }
    }

    fn get(&self, key: &(String, Encoding), version: &str) -> Option<Arc<CachedPage>> {
        self.shelf(key).get(key).filter(|p| p.version == version)
    }

    /// The lock that serialises renders of one key.
    fn render_lock(&self, key: &(String, Encoding)) -> RenderLock {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        in_flight.entry(key.clone()).or_default().clone()
    }

    /// Forgets a key's render lock once its render is done (later waiters hold their own Arc).
    fn release_render_lock(&self, key: &(String, Encoding)) {
        let mut in_flight = self
            .in_flight
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        in_flight.remove(key);
    }

    /// Drops every page; called when the data changes.
    pub fn clear(&self) {
        self.pages.invalidate_all();
        self.plain.invalidate_all();
    }
}

fn cacheable_type(content_type: &str) -> bool {
    [
        "text/html",
        "application/json",
        "text/csv",
        "application/atom+xml",
        "image/svg+xml",
    ]
    .iter()
    .any(|t| content_type.starts_with(t))
}

/// What a miss produced: a page worth caching, or a response to pass on as it is.
enum Rendered {
    Page(Arc<CachedPage>),
    Other(Response),
}

/// The answer to `request` from the page cache, if it has one: a cached page (or its 304), or
/// the redirect that drops a submitted form's blank fields. `None` sends the request on to
/// routing and [`cache_pages`]. Called on every request before routing and any limit, so it
/// allocates only the key it looks up.
pub fn answer_from_cache(app: &AppState, request: &Request) -> Option<Response> {
    let method = request.method();
    if !matches!(*method, Method::GET | Method::HEAD) {
        return None;
    }
    let (path, query) = (request.uri().path(), request.uri().query());
    let (key, blank_field) = canonical::canonical_noting_blanks(path, query);
    // A submitted form's blank fields are left out of the URL a reader shares: 303 (See
    // Other, the answer to a form submission; not cached as permanent, unlike 301 or 308).
    if blank_field && let Some(location) = canonical::without_blanks(path, query) {
        return Some(axum::response::Redirect::to(&location).into_response());
    }
    let catalogue = app.catalogue();
    let validators = app.pages.validators(&catalogue);
    let version = validators.current(Utc::now());
    let encoding = Encoding::negotiate(request.headers());
    let page = app.pages.get(&(key, encoding), &version.tag)?;
    app.pages.answered_from_cache(&page);
    Some(cached_response(
        &page,
        request.headers(),
        &validators,
        version.etag(encoding),
        *method == Method::HEAD,
    ))
}

/// A cached page as the answer to a request with these headers: the page, or 304 when the
/// request's validators match (RFC 9110 §13.2.2), with the validators and caching headers.
fn cached_response(
    page: &CachedPage,
    request_headers: &HeaderMap,
    validators: &Validators,
    etag: &HeaderValue,
    head: bool,
) -> Response {
    let not_modified = not_modified(request_headers, etag, validators.last_modified.as_ref());
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        page_response(page, head)
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, etag.clone());
    if let Some((value, _)) = &validators.last_modified {
        headers.insert(header::LAST_MODIFIED, value.clone());
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300, stale-while-revalidate=86400"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    response
}

/// Conditional GETs, validators, compression and the page cache, for GET and HEAD pages:
/// renders what [`answer_from_cache`] did not find, one render per key at a time, a few at a
/// time on render threads, and caches it. A layer on every route, since whether a route's
/// answers are pages is known once it is routed.
pub async fn cache_pages(
    State(PageCacheState {
        app: state,
        policies,
    }): State<PageCacheState>,
    mut request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    if !matches!(method, Method::GET | Method::HEAD) || policies.of(&request) != CachePolicy::Page {
        return next.run(request).await;
    }
    let route = state.metrics.route(
        request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str),
    );
    let path = request.uri().path();
    let canonical = canonical::canonical(path, request.uri().query());
    if request.uri().path_and_query().map(|pq| pq.as_str()) != Some(canonical.as_str())
        && let Ok(uri) = canonical.parse::<Uri>()
    {
        // Handlers see what the cache key says, so a key always means one page.
        *request.uri_mut() = uri;
    }
    let catalogue = state.catalogue();
    let validators = state.pages.validators(&catalogue);
    let current = validators.current(Utc::now());
    let version = &current.tag;
    let encoding = Encoding::negotiate(request.headers());
    let etag = current.etag(encoding);
    let conditional = request.headers().clone();
    let respond = |page: Arc<CachedPage>| {
        cached_response(
            &page,
            &conditional,
            &validators,
            etag,
            method == Method::HEAD,
        )
    };

    let key = (canonical, encoding);
    if let Some(page) = state.pages.get(&key, version) {
        // Cached after the front of the site looked (or asked for through a URL it does not
        // look up, such as one with a body).
        state.pages.answered_from_cache(&page);
        return respond(page);
    }
    // Identical misses queue behind the first render of their key, then find its page.
    let render_lock = state.pages.render_lock(&key).lock_owned();
    let Ok(_rendering) = tokio::time::timeout(2 * RENDER_QUEUE_WAIT, render_lock).await else {
        state
            .pages
            .counts
            .refused_timed_out
            .fetch_add(1, Ordering::Relaxed);
        return AppError::Busy.into_response();
    };
    if let Some(page) = state.pages.get(&key, version) {
        // Rendered by the request this one queued behind.
        state.pages.answered_from_cache(&page);
        return respond(page);
    }
    state.pages.counts.misses.fetch_add(1, Ordering::Relaxed);
    let Some(slot) = state.pages.renders.enter().await else {
        return AppError::Busy.into_response();
    };
    // HEAD renders the GET page (and caches it for both); the body is left off on the way out.
    *request.method_mut() = Method::GET;
    // Rendered, compressed and cached on a render thread: none of that CPU work (nor the
    // cache's housekeeping an insert may do) is left to the async workers.
    let runtime = tokio::runtime::Handle::current();
    let page_version = version.clone();
    let (reply, rendered) = tokio::sync::oneshot::channel();
    let pages = state.pages.clone();
    let job_key = key.clone();
    state.pages.renders.run(
        slot,
        Box::new(move || {
            let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runtime.block_on(render(next, request, encoding, page_version, route))
            }));
            if let Ok(Rendered::Page(page)) = &rendered {
                pages.insert(job_key, page.clone());
            }
            let _ = reply.send(rendered);
        }),
    );
    let rendered = rendered.await;
    state.pages.release_render_lock(&key);
    match rendered {
        Ok(Ok(Rendered::Page(page))) => respond(page),
        Ok(Ok(Rendered::Other(response))) if method == Method::HEAD => without_body(response),
        Ok(Ok(Rendered::Other(response))) => response,
        // Re-raised so the panic layer answers with its 500 page.
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(_) => AppError::internal("a render thread went away").into_response(),
    }
}

/// Runs the handler and, for a cacheable 200, reads and compresses its body (CPU work: this
/// runs on a render thread).
async fn render(
    next: Next,
    request: Request,
    encoding: Encoding,
    version: String,
    route: RouteId,
) -> Rendered {
    let effort = Effort::for_uri(request.uri());
    let response = next.run(request).await;
    let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
    let Some(content_type) = content_type
        .filter(|ct| response.status() == StatusCode::OK && ct.to_str().is_ok_and(cacheable_type))
    else {
        return Rendered::Other(response);
    };
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, 64 * 1024 * 1024).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "could not read a rendered body");
            return Rendered::Other(StatusCode::INTERNAL_SERVER_ERROR.into_response());
        }
    };
    let encoding = encoding.for_length(bytes.len());
    let body = match encoding {
        Encoding::Identity => bytes,
        _ => match encoding.compress(&bytes, effort) {
            Ok(compressed) => Bytes::from(compressed),
            Err(err) => {
                tracing::error!(error = %err, "compression failed");
                return Rendered::Other(StatusCode::INTERNAL_SERVER_ERROR.into_response());
            }
        },
    };
    let extra = parts
        .headers
        .iter()
        .filter(|(name, _)| **name == header::CONTENT_DISPOSITION)
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    Rendered::Page(Arc::new(CachedPage {
        version,
        route,
        content_type,
        encoding,
        extra,
        body,
    }))
}

fn page_response(page: &CachedPage, head: bool) -> Response {
    let body = if head {
        Body::empty()
    } else {
        Body::from(page.body.clone())
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    for (name, value) in &page.extra {
        headers.insert(name.clone(), value.clone());
    }
    if let Some(coding) = page.encoding.header() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    // A HEAD answer says how long the GET body is.
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(page.body.len()));
    response
}

/// The response to a HEAD: the GET response's headers, its length, no body.
fn without_body(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    if let Some(length) = http_body::Body::size_hint(&body).exact() {
        parts
            .headers
            .insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    Response::from_parts(parts, Body::empty())
}
