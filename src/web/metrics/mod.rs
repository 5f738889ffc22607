//! Prometheus metrics (the OpenMetrics text format), served by [`router`] on a listener of
//! their own (`--metrics-addr`), never on the public port. Two kinds:
//!
//! - counted as requests are answered ([`Metrics`], through `middleware/observe.rs`): requests
//!   by route template and status, and latency by route template. The label is the route
//!   table's template (`/models/{*id}`), `unmatched` for a path no route takes, or `unrouted`
//!   for an answer given before routing (a bad Host or URL), so no URL a client makes up can
//!   add a label value. Each route's handles are made once, up front: a routed request costs a
//!   hash of its template, and a cached page (which carries its route) a few atomic
//!   operations, with nothing allocated.
//! - read at each scrape ([`scrape`]): the page cache and the render queue, each feed's run log
//!   (from the database, so a replica reports what the writer recorded), the catalogue being
//!   served, the database file, and the process.
//!
//! `prometheus-client` (the Prometheus project's own Rust client) rather than the `metrics`
//! facade: its registry is a value the app owns, not a process-wide recorder, so every app
//! state (and every test) counts on its own, and its counters are plain atomics we can hold.

mod process;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::AppState;

pub use process::ProcessStats;

/// The route label of a request no route took (the 404 page).
pub const UNMATCHED: &str = "unmatched";
/// The route label of a route missing from the route table (only tests build such routes).
pub const OTHER: &str = "other";
/// The route label of an answer given before routing other than a cached page: a bad Host
/// header or URL, or the redirect that drops a form's blank fields.
pub const UNROUTED: &str = "unrouted";

/// Latency buckets, in seconds: a cached page is answered in tens of microseconds, a render
/// in milliseconds, and nothing is allowed ten seconds.
const LATENCY_BUCKETS: [f64; 16] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0, 2.5, 10.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

/// One route's handles: its label, the two statuses nearly every answer has, and its latency.
#[derive(Debug)]
struct RouteMetrics {
    label: &'static str,
    ok: Counter,
    not_modified: Counter,
    latency: Histogram,
}

/// Which route a request was answered by, as [`Metrics::route`] found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RouteId(usize);

impl RouteId {
    const UNMATCHED: RouteId = RouteId(0);
    const OTHER: RouteId = RouteId(1);
    /// See [`UNROUTED`].
    pub const UNROUTED: RouteId = RouteId(2);
}

/// The metrics counted as requests are answered.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    /// [`UNMATCHED`], [`OTHER`] and [`UNROUTED`] first, in [`RouteId`]'s order, then every
    /// route of the table.
    routes: Vec<RouteMetrics>,
    by_template: HashMap<&'static str, RouteId, foldhash::fast::RandomState>,
    started: SystemTime,
}

impl Metrics {
    /// Handles for every route template (the route table's paths) made up front.
    pub fn new(templates: impl IntoIterator<Item = &'static str>) -> Metrics {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "tokenfare_http_requests",
            "HTTP requests answered, by route template and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(LATENCY_BUCKETS)) as fn() -> Histogram,
        );
        registry.register_with_unit(
            "tokenfare_http_request_duration",
            "Time to answer a request (until its response head is ready), by route template",
            Unit::Seconds,
            latency.clone(),
        );
        let mut routes = Vec::new();
        let mut by_template = HashMap::default();
        for label in [UNMATCHED, OTHER, UNROUTED].into_iter().chain(templates) {
            if by_template.contains_key(label) {
                continue;
            }
            by_template.insert(label, RouteId(routes.len()));
            let status = |status: StatusCode| {
                requests
                    .get_or_create(&RequestLabels {
                        route: label,
                        status: status.as_u16(),
                    })
                    .clone()
            };
            routes.push(RouteMetrics {
                label,
                ok: status(StatusCode::OK),
                not_modified: status(StatusCode::NOT_MODIFIED),
                latency: latency.get_or_create(&RouteLabels { route: label }).clone(),
            });
        }
        Metrics {
            registry,
            requests,
            routes,
            by_template,
            started: SystemTime::now(),
        }
    }

    /// The route a request was answered by, from the template axum matched it with
    /// (`MatchedPath`): `None` is a path no route takes.
    pub fn route(&self, template: Option<&str>) -> RouteId {
        match template {
            None => RouteId::UNMATCHED,
            Some(template) => self
                .by_template
                .get(template)
                .copied()
                .unwrap_or(RouteId::OTHER),
        }
    }

    /// The label of `route`.
    pub fn label(&self, route: RouteId) -> &'static str {
        self.routes.get(route.0).map_or(OTHER, |r| r.label)
    }

    /// Counts one answer.
    pub fn record(&self, route: RouteId, status: StatusCode, latency: Duration) {
        let Some(metrics) = self.routes.get(route.0) else {
            return;
        };
        match status {
            StatusCode::OK => {
                metrics.ok.inc();
            }
            StatusCode::NOT_MODIFIED => {
                metrics.not_modified.inc();
            }
            other => {
                // The statuses the site answers with are a handful, all of its own choosing.
                self.requests
                    .get_or_create(&RequestLabels {
                        route: metrics.label,
                        status: other.as_u16(),
                    })
                    .inc();
            }
        }
        metrics.latency.observe(latency.as_secs_f64());
    }
}

/// The metrics listener's routes: `GET /metrics`, and a 404 for anything else.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .with_state(state)
}

async fn metrics(State(state): State<AppState>) -> Response {
    let text = scrape(&state).await;
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabels {
    feed: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RunLabels {
    feed: &'static str,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FileLabels {
    file: &'static str,
}

/// Every metric, as text: the request counts, then what is read now.
pub async fn scrape(state: &AppState) -> String {
    let mut now = Registry::default();
    register_pages(&mut now, state);
    register_catalogue(&mut now, state);
    match state.store.feed_stats().await {
        Ok(feeds) => register_feeds(&mut now, &feeds),
        Err(err) => tracing::warn!(error = %err, "metrics: could not read the run logs"),
    }
    let files = state.store.file_sizes();
    let sizes = Family::<FileLabels, Gauge>::default();
    for (file, bytes) in [("database", files.database), ("wal", files.wal)] {
        sizes
            .get_or_create(&FileLabels { file })
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }
    now.register_with_unit(
        "tokenfare_database_size",
        "Size of the SQLite database file and of its write-ahead log",
        Unit::Bytes,
        sizes,
    );
    register_process(&mut now, &state.metrics);

    let mut text = String::new();
    // Writing into a String cannot fail.
    let _ = encode_registry(&mut text, &state.metrics.registry);
    let _ = encode_registry(&mut text, &now);
    let _ = encode_eof(&mut text);
    text
}

fn gauge(value: u64) -> ConstGauge {
    ConstGauge::new(i64::try_from(value).unwrap_or(i64::MAX))
}

fn register_pages(registry: &mut Registry, state: &AppState) {
    let pages = state.pages.stats();
    registry.register(
        "tokenfare_page_cache_hits",
        "Page requests answered from the page cache",
        ConstCounter::new(pages.hits),
    );
    registry.register(
        "tokenfare_page_cache_misses",
        "Page requests the page cache could not answer, rendered instead",
        ConstCounter::new(pages.misses),
    );
    registry.register(
        "tokenfare_page_cache_evictions",
        "Pages dropped from the page cache to keep it within its size (not those dropped when the data changed)",
        ConstCounter::new(pages.evictions),
    );
    registry.register_with_unit(
        "tokenfare_page_cache_size",
        "What the cached pages weigh (their keys and compressed bodies)",
        Unit::Bytes,
        gauge(pages.bytes),
    );
    registry.register(
        "tokenfare_page_cache_pages",
        "Pages in the page cache",
        gauge(pages.pages),
    );
    registry.register(
        "tokenfare_render_queue_depth",
        "Requests waiting for a render slot",
        gauge(pages.render_queue),
    );
    registry.register(
        "tokenfare_renders_in_progress",
        "Pages being rendered now",
        gauge(pages.rendering),
    );
    let refusals = Family::<ReasonLabels, Counter>::default();
    for (reason, count) in [
        ("queue_full", pages.refused_queue_full),
        ("timed_out", pages.refused_timed_out),
    ] {
        refusals
            .get_or_create(&ReasonLabels { reason })
            .inc_by(count);
    }
    registry.register(
        "tokenfare_render_refusals",
        "Page requests turned away with a 503 because the render queue was full or the wait ran out",
        refusals,
    );
}

fn register_catalogue(registry: &mut Registry, state: &AppState) {
    let catalogue = state.catalogue();
    let freshness = &catalogue.freshness;
    registry.register(
        "tokenfare_models_listed",
        "Models listed in the catalogue being served",
        gauge(catalogue.active_count() as u64),
    );
    if let Some(as_of) = freshness.as_of() {
        let age = (Utc::now() - as_of).num_milliseconds() as f64 / 1000.0;
        registry.register_with_unit(
            "tokenfare_data_age",
            "How old the prices being served are (now minus the moment they describe)",
            Unit::Seconds,
            ConstGauge::new(age),
        );
    }
    registry.register(
        "tokenfare_quarantined_runs",
        "Catalogue runs held back as implausible that `tokenfare accept-run` could still apply",
        gauge(freshness.quarantined.len() as u64),
    );
}

fn register_feeds(
    registry: &mut Registry,
    feeds: &[(crate::feed::Feed, crate::store::stats::FeedStats)],
) {
    let last_success = Family::<FeedLabels, Gauge>::default();
    let runs = Family::<RunLabels, Counter>::default();
    let skipped = Family::<FeedLabels, Counter>::default();
    let skipped_last = Family::<FeedLabels, Gauge>::default();
    for (feed, stats) in feeds {
        let labels = FeedLabels { feed: feed.name() };
        if let Some(at) = stats.last_success {
            last_success.get_or_create(&labels).set(at.timestamp());
        }
        for (outcome, count) in &stats.runs {
            runs.get_or_create(&RunLabels {
                feed: feed.name(),
                outcome: outcome.clone(),
            })
            .inc_by(*count);
        }
        if !stats.runs.is_empty() {
            skipped.get_or_create(&labels).inc_by(stats.skipped);
            skipped_last
                .get_or_create(&labels)
                .set(i64::try_from(stats.skipped_last_run).unwrap_or(i64::MAX));
        }
    }
    registry.register_with_unit(
        "tokenfare_feed_last_success_timestamp",
        "When each feed's last successful refresh finished (Unix time)",
        Unit::Seconds,
        last_success,
    );
    registry.register(
        "tokenfare_feed_runs",
        "Refresh runs recorded in each feed's log, by outcome",
        runs,
    );
    registry.register(
        "tokenfare_feed_records_skipped",
        "Records skipped as unreadable, over every run of each feed",
        skipped,
    );
    registry.register(
        "tokenfare_feed_records_skipped_last_run",
        "Records skipped as unreadable by each feed's newest run",
        skipped_last,
    );
}

fn register_process(registry: &mut Registry, metrics: &Metrics) {
    let process = ProcessStats::read();
    if let Some(bytes) = process.resident_bytes {
        registry.register_with_unit(
            "process_resident_memory",
            "Resident memory size",
            Unit::Bytes,
            gauge(bytes),
        );
    }
    if let Some(open) = process.open_fds {
        registry.register("process_open_fds", "Open file descriptors", gauge(open));
    }
    if let Some(max) = process.max_fds {
        registry.register(
            "process_max_fds",
            "The limit on open file descriptors",
            gauge(max),
        );
    }
    if let Ok(started) = metrics.started.duration_since(SystemTime::UNIX_EPOCH) {
        registry.register_with_unit(
            "process_start_time",
            "When the process started (Unix time)",
            Unit::Seconds,
            ConstGauge::new(started.as_secs_f64()),
        );
    }
}
