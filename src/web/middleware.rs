//! What wraps every route: security headers, request limits, Host checks, conditional GETs,
//! and a cache of rendered (and compressed) pages keyed by canonical URL and data version, so
//! a page is rendered once per refresh, not once per request. Pages that are not cached yet are
//! rendered a few at a time on blocking threads, so a flood of them cannot slow cached pages
//! down; the overflow is told to come back (503 with `Retry-After`).

use std::io::Write;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, Version, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AppError;
use super::extractors::params::MAX_QUERY_BYTES;
use crate::AppState;
use crate::store::Catalogue;
use crate::store::catalogue::STALE_AFTER_HOURS;

/// Bodies larger than this are served but not cached.
const MAX_CACHED_BODY: usize = 2 * 1024 * 1024;
/// What the cached pages may weigh together; the least recently used go first.
const MAX_CACHE_BYTES: u64 = 64 * 1024 * 1024;
/// Longest path any page has (model ids are short).
const MAX_PATH_BYTES: usize = 2048;
/// Below this size compression is not worth a header.
const MIN_COMPRESS: usize = 1024;
/// Requests that may wait for a render slot, per slot; more are turned away. Enough for a
/// whole flood of clients to wait (which costs a timer each) rather than come straight back
/// for another 503 (which costs the async workers a request each).
const RENDER_QUEUE_PER_SLOT: usize = 128;
/// A request turned away because the queue is full still waits this long for its 503, so a
/// client that retries at once makes a bounded number of requests a second.
const REFUSE_AFTER: Duration = Duration::from_millis(100);
/// How much less the render threads are given the CPU than the async workers that answer
/// cached pages (a nice value: 10 weighs about a tenth of 0 with Linux's scheduler).
const RENDER_NICE: i32 = 10;
/// How long a request waits for a render slot before it is turned away.
const RENDER_QUEUE_WAIT: Duration = Duration::from_millis(500);

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the security headers to every response, errors included.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let set = |headers: &mut HeaderMap, name, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(
        headers,
        header::REFERRER_POLICY,
        "strict-origin-when-cross-origin",
    );
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    headers.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    response
}

/// Refuses absurdly long URLs, paths that do not decode to text, and anything but GET/HEAD
/// before any handler parses them.
pub async fn limit_uri(request: Request, next: Next) -> Response {
    let uri = request.uri();
    let (path_len, query_len) = (uri.path().len(), uri.query().map_or(0, str::len));
    let too_long = if path_len > MAX_PATH_BYTES {
        Some(("path", path_len, MAX_PATH_BYTES))
    } else if query_len > MAX_QUERY_BYTES {
        Some(("query string", query_len, MAX_QUERY_BYTES))
    } else {
        None
    };
    if let Some((part, bytes, limit)) = too_long {
        return AppError::UriTooLong { part, bytes, limit }.into_response();
    }
    // Every route decodes its path parameters as UTF-8 (model ids, slugs, files); refused
    // here, the reader gets our error page rather than the extractor's plain-text rejection.
    if std::str::from_utf8(&percent_decode(uri.path())).is_err() {
        return AppError::invalid(
            "path",
            "This address holds percent-escapes that are not UTF-8 text (such as %FF), \
             so it cannot name any page here. Check the link it came from.",
        )
        .into_response();
    }
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return AppError::MethodNotAllowed.into_response();
    }
    next.run(request).await
}

/// The bytes a percent-encoded path stands for (a `%` not followed by two hex digits is
/// itself, as axum reads it).
fn percent_decode(path: &str) -> Vec<u8> {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    out
}

/// RFC 9112 §3.2: an HTTP/1.1 request without a Host header, any request with more than one,
/// or one whose Host is not a host (and optional port) gets a 400.
pub async fn check_host(request: Request, next: Next) -> Response {
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let problem = match (hosts.next(), hosts.next()) {
        (Some(_), Some(_)) => {
            Some("This request names the site in more than one Host header. Send exactly one.")
        }
        (None, None) if request.version() == Version::HTTP_11 => {
            Some("HTTP/1.1 requests must name the site in a Host header.")
        }
        (Some(host), None) if !is_valid_host(host) => {
            Some("The Host header is not a host name with an optional port.")
        }
        _ => None,
    };
    match problem {
        Some(message) => AppError::invalid("Host", message).into_response(),
        None => next.run(request).await,
    }
}

fn is_valid_host(value: &HeaderValue) -> bool {
    value.to_str().ok().is_some_and(|text| {
        !text.is_empty()
            && !text.contains('@')
            && text.parse::<axum::http::uri::Authority>().is_ok()
    })
}

/// How a response body is encoded for a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// Chooses by `Accept-Encoding` as RFC 9110 §12.5.3 reads: codings and parameter names are
    /// case-insensitive, the highest q-value wins (brotli, then gzip, then identity on a tie),
    /// `*` stands for every coding not named, `q=0` refuses, and identity is acceptable unless
    /// refused. No header, or nothing acceptable, means identity.
    pub fn negotiate(headers: &HeaderMap) -> Encoding {
        let mut named = Vec::new();
        let mut any_header = false;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            any_header = true;
            let Ok(text) = value.to_str() else {
                return Encoding::Identity;
            };
            for element in text.split(',') {
                let mut pieces = element.split(';');
                let coding = pieces
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                if coding.is_empty() {
                    continue;
                }
                let mut weight = Some(1000);
                for parameter in pieces {
                    if let Some((name, value)) = parameter.split_once('=')
                        && name.trim().eq_ignore_ascii_case("q")
                    {
                        weight = qvalue(value.trim());
                    }
                }
                // An element with a malformed weight is ignored, as if it were not sent.
                if let Some(weight) = weight {
                    named.push((coding, weight));
                }
            }
        }
        if !any_header {
            return Encoding::Identity;
        }
        let weight_of = |names: &[&str]| {
            named
                .iter()
                .find(|(c, _)| names.contains(&c.as_str()))
                .or_else(|| named.iter().find(|(c, _)| c == "*"))
                .map(|(_, w)| *w)
        };
        let candidates = [
            (Encoding::Brotli, weight_of(&["br"]).unwrap_or(0)),
            // RFC 9110 §8.4.1.3: x-gzip is gzip.
            (Encoding::Gzip, weight_of(&["gzip", "x-gzip"]).unwrap_or(0)),
            // Identity is always acceptable unless refused, and never preferred unless named.
            (Encoding::Identity, weight_of(&["identity"]).unwrap_or(1)),
        ];
        candidates
            .iter()
            .filter(|(_, w)| *w > 0)
            // `max_by_key` keeps the last of equals; iterate in reverse so brotli wins ties.
            .rev()
            .max_by_key(|(_, w)| *w)
            .map_or(Encoding::Identity, |(e, _)| *e)
    }

    fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    fn compress(self, body: &[u8], effort: Effort) -> std::io::Result<Vec<u8>> {
        let (gzip_level, brotli_quality) = match effort {
            Effort::Small => (6, 6),
            Effort::Fast => (1, 0),
        };
        match self {
            Encoding::Identity => Ok(body.to_vec()),
            Encoding::Gzip => {
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(gzip_level));
                encoder.write_all(body)?;
                encoder.finish()
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                {
                    let mut writer =
                        brotli::CompressorWriter::new(&mut out, 4096, brotli_quality, 22);
                    writer.write_all(body)?;
                }
                Ok(out)
            }
        }
    }
}

/// How hard a page is compressed (issue 14). A page reached without a query string (the
/// site's own pages, asked for again and again) is compressed hard, once per data version.
/// One with a query (a reader's own workload or filters, mostly asked for once) is
/// compressed at a fast level, as its render is paid by the request that asks: on the
/// calculator's 40 KB page brotli 0 takes 104 µs against 133 µs at brotli 1 and 650 µs at
/// brotli 6, for 9.2 KB instead of 8.8 KB and 7.2 KB (`examples/calculator_stages.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Effort {
    Small,
    Fast,
}

impl Effort {
    fn for_uri(uri: &Uri) -> Effort {
        if uri.query().is_some_and(|q| !q.is_empty()) {
            Effort::Fast
        } else {
            Effort::Small
        }
    }
}

/// A q-value in thousandths: `0`, `0.5`, `1`, `1.000` (at most three decimals, at most 1).
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

struct CachedPage {
    version: String,
    content_type: HeaderValue,
    /// The coding the body is in: identity for pages too small to be worth compressing.
    encoding: Encoding,
    extra: Vec<(header::HeaderName, HeaderValue)>,
    body: Bytes,
}

/// The validators of one catalogue, worked out once rather than on every request.
struct Validators {
    catalogue: Weak<Catalogue>,
    /// (version, ETag per encoding) while fresh and once stale.
    fresh: (String, [HeaderValue; 3]),
    stale: (String, [HeaderValue; 3]),
    stale_after: Option<DateTime<Utc>>,
    last_modified: Option<(HeaderValue, SystemTime)>,
}

impl Validators {
    fn new(catalogue: &Arc<Catalogue>) -> Validators {
        let freshness = &catalogue.freshness;
        let versions = |stale: bool| {
            let version = format!(
                "{}-{}",
                super::layout::BUILD_ID.as_str(),
                freshness.version_tag_with(stale)
            );
            let etag = |suffix: &str| {
                HeaderValue::from_str(&format!("\"{version}{suffix}\""))
                    .unwrap_or(HeaderValue::from_static("\"unversioned\""))
            };
            let etags = [etag(""), etag("-gzip"), etag("-br")];
            (version, etags)
        };
        Validators {
            catalogue: Arc::downgrade(catalogue),
            fresh: versions(false),
            stale: versions(true),
            stale_after: freshness
                .as_of()
                .map(|t| t + chrono::Duration::hours(STALE_AFTER_HOURS)),
            last_modified: freshness.last_success.as_ref().and_then(|r| {
                // Whole seconds, as the header carries them, so If-Modified-Since compares equal.
                let seconds = u64::try_from(r.finished_at.timestamp()).ok()?;
                let time = SystemTime::UNIX_EPOCH + Duration::from_secs(seconds);
                let value = HeaderValue::from_str(&httpdate::fmt_http_date(time)).ok()?;
                Some((value, time))
            }),
        }
    }

    fn current(&self, now: DateTime<Utc>) -> &(String, [HeaderValue; 3]) {
        if self.stale_after.is_none_or(|t| now > t) {
            &self.stale
        } else {
            &self.fresh
        }
    }
}

/// Held while one key's page renders.
type RenderLock = Arc<tokio::sync::Mutex<()>>;

/// At most one render per slot at a time, each on a blocking thread; a bounded queue waits
/// for a slot for a bounded time.
struct RenderGate {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Counts a request as waiting for a render slot while it exists.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl RenderGate {
    fn new(slots: usize) -> RenderGate {
        RenderGate {
            slots: Arc::new(Semaphore::new(slots)),
            waiting: AtomicUsize::new(0),
            max_waiting: slots * RENDER_QUEUE_PER_SLOT,
        }
    }

    /// A slot, or `None` when the queue is full or the wait ran out.
    async fn enter(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(slot) = self.slots.clone().try_acquire_owned() {
            return Some(slot);
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            tokio::time::sleep(REFUSE_AFTER).await;
            return None;
        }
        let _waiting = Waiting(&self.waiting);
        tokio::time::timeout(RENDER_QUEUE_WAIT, self.slots.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

/// Renders at once: one per core.
fn render_slots() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// A render to run, and the slot it holds until it is done.
type RenderJob = (Box<dyn FnOnce() + Send>, OwnedSemaphorePermit);

/// The threads pages are rendered on, started as they are needed (never more than there are
/// render slots) and run at a lower scheduling priority than the async workers, so that when
/// renders and cached pages both want a core, the cached pages get it. They end when their
/// [`PageCache`] is dropped.
struct RenderThreads {
    jobs: std::sync::mpsc::Sender<RenderJob>,
    queue: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<RenderJob>>>,
    /// Threads waiting for a job.
    idle: Arc<AtomicUsize>,
}

impl RenderThreads {
    fn new() -> RenderThreads {
        let (jobs, queue) = std::sync::mpsc::channel();
        RenderThreads {
            jobs,
            queue: Arc::new(std::sync::Mutex::new(queue)),
            idle: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Runs `job` on an idle render thread, or on a new one if none is idle. A thread counts
    /// itself idle before it gives up its slot, so the next holder of the slot finds it.
    fn run(&self, slot: OwnedSemaphorePermit, job: Box<dyn FnOnce() + Send>) {
        let claimed = self
            .idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        let job = if claimed {
            match self.jobs.send((job, slot)) {
                Ok(()) => return,
                // Cannot happen while `self` holds the receiver; run it on a new thread.
                Err(std::sync::mpsc::SendError(job)) => job,
            }
        } else {
            (job, slot)
        };
        let (queue, idle) = (self.queue.clone(), self.idle.clone());
        let spawned = std::thread::Builder::new()
            .name("render".into())
            .spawn(move || {
                lower_priority();
                let mut next = Some(job);
                while let Some((job, slot)) = next.take() {
                    job();
                    idle.fetch_add(1, Ordering::AcqRel);
                    drop(slot);
                    next = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv()
                        .ok();
                }
            });
        if let Err(err) = spawned {
            // The job is dropped with its reply channel: its request answers 500.
            tracing::error!(error = %err, "could not start a render thread");
        }
    }
}

/// Gives the calling thread a nice value of [`RENDER_NICE`] (Linux: nice is per thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(err) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), RENDER_NICE)
    {
        tracing::debug!(error = %err, "could not lower a render thread's priority");
    }
}

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
    renders: RenderGate,
    threads: RenderThreads,
    /// One render at a time per cache key: identical misses (a popular page just after a
    /// refresh) wait for the first one's page instead of each taking a render slot.
    in_flight: std::sync::Mutex<std::collections::HashMap<(String, Encoding), RenderLock>>,
    /// The 503 page, by the version it was rendered for.
    busy: RwLock<Option<(String, String)>>,
}

impl Default for PageCache {
    fn default() -> PageCache {
        PageCache::new(MAX_CACHE_BYTES, render_slots())
    }
}

impl PageCache {
    /// A cache of at most `max_bytes` of pages, rendering at most `render_slots` at once.
    pub fn new(max_bytes: u64, render_slots: usize) -> PageCache {
        let pages = || {
            moka::sync::Cache::builder()
                .max_capacity(max_bytes / 2)
                .weigher(|(url, _): &(String, Encoding), page: &Arc<CachedPage>| {
                    u32::try_from(url.len() + page.body.len()).unwrap_or(u32::MAX)
                })
                .build()
        };
        PageCache {
            pages: pages(),
            plain: pages(),
            validators: RwLock::default(),
            renders: RenderGate::new(render_slots.max(1)),
            threads: RenderThreads::new(),
            in_flight: std::sync::Mutex::default(),
            busy: RwLock::default(),
        }
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

    fn validators(&self, catalogue: &Arc<Catalogue>) -> Arc<Validators> {
        if let Ok(current) = self.validators.read()
            && let Some(v) = current.as_ref()
            && std::ptr::eq(v.catalogue.as_ptr(), Arc::as_ptr(catalogue))
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
        catalogue: &Arc<Catalogue>,
        render: impl FnOnce() -> askama::Result<String>,
    ) -> Option<String> {
        let validators = self.validators(catalogue);
        let version = &validators.current(Utc::now()).0;
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

/// Whether a GET or HEAD that would answer 200 with these validators answers 304 instead
/// (RFC 9110 §13.2.2): `If-None-Match` by weak comparison, `*` matching any current
/// representation; without it, `If-Modified-Since` against `Last-Modified`.
fn not_modified(
    headers: &HeaderMap,
    etag: &HeaderValue,
    last_modified: Option<&(HeaderValue, SystemTime)>,
) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    let ours = opaque(etag.to_str().unwrap_or_default());
    let mut if_none_match = headers.get_all(header::IF_NONE_MATCH).iter().peekable();
    if if_none_match.peek().is_some() {
        return if_none_match
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|tag| tag.trim() == "*" || opaque(tag) == ours);
    }
    let since = headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok());
    matches!((since, last_modified), (Some(since), Some((_, modified))) if *modified <= since)
}

/// What a miss produced: a page worth caching, or a response to pass on as it is.
enum Rendered {
    Page(Arc<CachedPage>),
    Other(Response),
}

/// Answers from the page cache, and redirects blank form fields away, before any limit on
/// requests in flight: it sits outside them, so a cached page is never refused. Misses go on
/// to the limits and then [`cache_pages`].
pub async fn serve_cached(state: State<AppState>, request: Request, next: Next) -> Response {
    pages(state, request, next, Stage::Hits).await
}

/// Conditional GETs, validators, compression and the page cache, for GET and HEAD pages:
/// renders what [`serve_cached`] did not find, one render per key at a time, a few at a time
/// on render threads, and caches it.
pub async fn cache_pages(state: State<AppState>, request: Request, next: Next) -> Response {
    pages(state, request, next, Stage::Misses).await
}

/// Which half of the page cache's work a layer does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Hits,
    Misses,
}

async fn pages(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
    stage: Stage,
) -> Response {
    let method = request.method().clone();
    let path = request.uri().path();
    if !matches!(method, Method::GET | Method::HEAD)
        || path == "/healthz"
        || path.starts_with("/static/")
    {
        return next.run(request).await;
    }
    // A submitted form's blank fields are left out of the URL a reader shares: 303 (See
    // Other, the answer to a form submission; not cached as permanent, unlike 301 or 308).
    if let Some(location) = super::canonical::without_blanks(path, request.uri().query()) {
        return axum::response::Redirect::to(&location).into_response();
    }
    let key = super::canonical::canonical(path, request.uri().query());
    if let Some(canonical) = &key
        && request.uri().path_and_query().map(|pq| pq.as_str()) != Some(canonical.as_str())
        && let Ok(uri) = canonical.parse::<Uri>()
    {
        // Handlers see what the cache key says, so a key always means one page.
        *request.uri_mut() = uri;
    }
    let catalogue = state.catalogue();
    let validators_memo = state.pages.validators(&catalogue);
    let (version, etags) = validators_memo.current(Utc::now());
    let encoding = Encoding::negotiate(request.headers());
    let etag = &etags[match encoding {
        Encoding::Identity => 0,
        Encoding::Gzip => 1,
        Encoding::Brotli => 2,
    }];
    let conditional = request.headers().clone();
    let respond = |page: Arc<CachedPage>| {
        let not_modified = not_modified(&conditional, etag, validators_memo.last_modified.as_ref());
        let mut response = if not_modified {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            page_response(&page, method == Method::HEAD)
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag.clone());
        if let Some((value, _)) = &validators_memo.last_modified {
            headers.insert(header::LAST_MODIFIED, value.clone());
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300, stale-while-revalidate=86400"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
        response
    };

    // No key (a parameter the page does not read): rendered every time, never cached.
    let key = key.map(|url| (url, encoding));
    if let Some(page) = key.as_ref().and_then(|key| state.pages.get(key, version)) {
        return respond(page);
    }
    if stage == Stage::Hits {
        return next.run(request).await;
    }
    // Identical misses queue behind the first render of their key, then find its page.
    let render_lock = key.as_ref().map(|key| state.pages.render_lock(key));
    let _rendering = match &render_lock {
        Some(lock) => {
            match tokio::time::timeout(2 * RENDER_QUEUE_WAIT, lock.clone().lock_owned()).await {
                Ok(guard) => Some(guard),
                Err(_) => return AppError::Busy.into_response(),
            }
        }
        None => None,
    };
    if let Some(page) = key.as_ref().and_then(|key| state.pages.get(key, version)) {
        return respond(page);
    }
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
    state.pages.threads.run(
        slot,
        Box::new(move || {
            let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runtime.block_on(render(next, request, encoding, page_version))
            }));
            if let (Ok(Rendered::Page(page)), Some(key)) = (&rendered, job_key) {
                pages.insert(key, page.clone());
            }
            let _ = reply.send(rendered);
        }),
    );
    let rendered = rendered.await;
    if let Some(key) = &key {
        state.pages.release_render_lock(key);
    }
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
/// runs on a blocking thread).
async fn render(next: Next, request: Request, encoding: Encoding, version: String) -> Rendered {
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
    let encoding = if bytes.len() < MIN_COMPRESS {
        Encoding::Identity
    } else {
        encoding
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    fn with_accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    fn negotiated(value: &str) -> Encoding {
        Encoding::negotiate(&with_accept(value))
    }

    #[test]
    fn encoding_prefers_brotli_then_gzip_and_honours_q_zero() {
        assert_eq!(negotiated("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(negotiated("gzip"), Encoding::Gzip);
        assert_eq!(negotiated("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(negotiated("identity"), Encoding::Identity);
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn accept_encoding_follows_rfc_9110() {
        // Parameter names and codings are case-insensitive.
        assert_eq!(negotiated("br;Q=0, gzip"), Encoding::Gzip);
        assert_eq!(negotiated("BR"), Encoding::Brotli);
        // The q-value orders the choice; server preference only breaks ties.
        assert_eq!(negotiated("gzip;q=1, br;q=0.1"), Encoding::Gzip);
        assert_eq!(negotiated("gzip;q=0.5, br;q=0.5"), Encoding::Brotli);
        assert_eq!(negotiated("identity;q=1, br;q=0.5"), Encoding::Identity);
        // `*` covers what is not named.
        assert_eq!(negotiated("*"), Encoding::Brotli);
        assert_eq!(negotiated("br;q=0, *;q=0.5"), Encoding::Gzip);
        assert_eq!(negotiated("*;q=0"), Encoding::Identity);
        assert_eq!(negotiated("x-gzip"), Encoding::Gzip);
        // An empty value asks for no coding; a malformed weight drops its element.
        assert_eq!(negotiated(""), Encoding::Identity);
        assert_eq!(negotiated("br;q=2, gzip;q=0.9"), Encoding::Gzip);
        assert_eq!(negotiated("br;q=0.0001"), Encoding::Identity);
    }

    #[test]
    fn q_values_are_read_in_thousandths() {
        assert_eq!(qvalue("1"), Some(1000));
        assert_eq!(qvalue("1.000"), Some(1000));
        assert_eq!(qvalue("0.5"), Some(500));
        assert_eq!(qvalue("0.05"), Some(50));
        assert_eq!(qvalue("0"), Some(0));
        assert_eq!(qvalue("1.5"), None);
        assert_eq!(qvalue(".5"), None);
        assert_eq!(qvalue("0.5000"), None);
    }
}
