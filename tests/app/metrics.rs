//! The metrics: every family answered on the metrics listener's router and none on the public
//! one, the counts they carry, and a flood of unique URLs that adds no label value. The
//! listener itself, over real sockets, is checked in `.ci/faults_ops.py`.

use std::collections::{BTreeMap, BTreeSet};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::common::TestApp;

/// One sample line: its metric name, its labels, its value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// The families (`# TYPE name kind`) and samples of an OpenMetrics text.
fn parse(text: &str) -> (BTreeMap<String, String>, Vec<Sample>) {
    let mut families = BTreeMap::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            families.insert(name.to_string(), kind.to_string());
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap();
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, labels.trim_end_matches('}')),
            None => (series, ""),
        };
        let labels = labels
            .split("\",")
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (key, value) = pair.split_once("=\"").unwrap();
                (key.to_string(), value.trim_end_matches('"').to_string())
            })
            .collect();
        samples.push(Sample {
            name: name.to_string(),
            labels,
            value: value.parse().unwrap(),
        });
    }
    (families, samples)
}

/// The value of the sample `name` whose labels include every one of `labels`.
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|s| s.value)
}

async fn scrape(app: &TestApp) -> (StatusCode, String, String) {
    let response = tokenfare::web::metrics::router(app.state.clone())
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(body.to_vec()).unwrap(),
    )
}

#[tokio::test]
async fn the_metrics_listener_names_every_family_and_the_public_port_has_no_metrics() {
    let app = TestApp::fixture().await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::NOT_FOUND);
    app.get("/models").await;
    app.get("/models").await;
    app.get("/models/acme/alpha").await;
    app.get("/no/such/page").await;
    // A cached page's 304, answered before routing: counted under the route that rendered it.
    let etag = app.get("/models").await.headers["etag"].clone();
    let revalidated = app
        .get_with("/models", "if-none-match", etag.to_str().unwrap())
        .await;
    assert_eq!(revalidated.status, StatusCode::NOT_MODIFIED);
    // A bad Host header, refused before routing.
    let refused = app
        .request(
            Request::get("/models")
                .header("host", "not a host")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);

    let (status, content_type, text) = scrape(&app).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    assert!(text.ends_with("# EOF\n"));
    let (families, samples) = parse(&text);
    for (family, kind) in [
        ("tokenfare_http_requests", "counter"),
        ("tokenfare_http_request_duration_seconds", "histogram"),
        ("tokenfare_page_cache_hits", "counter"),
        ("tokenfare_page_cache_misses", "counter"),
        ("tokenfare_page_cache_evictions", "counter"),
        ("tokenfare_page_cache_size_bytes", "gauge"),
        ("tokenfare_render_queue_depth", "gauge"),
        ("tokenfare_render_refusals", "counter"),
        ("tokenfare_feed_last_success_timestamp_seconds", "gauge"),
        ("tokenfare_feed_runs", "counter"),
        ("tokenfare_quarantined_runs", "gauge"),
        ("tokenfare_feed_records_skipped", "counter"),
        ("tokenfare_models_listed", "gauge"),
        ("tokenfare_data_age_seconds", "gauge"),
        ("tokenfare_database_size_bytes", "gauge"),
        ("process_resident_memory_bytes", "gauge"),
        ("process_open_fds", "gauge"),
    ] {
        assert_eq!(
            families.get(family).map(String::as_str),
            Some(kind),
            "{family} in\n{text}"
        );
    }

    // Three 200s for /models: the first rendered, the others from the cache; then a 304.
    let requests = "tokenfare_http_requests_total";
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "/models"), ("status", "200")]
        ),
        Some(3.0)
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "/models"), ("status", "304")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "unrouted"), ("status", "400")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "/models/{*id}"), ("status", "200")]
        ),
        Some(1.0)
    );
    // /no/such/page, and /metrics asked of the public port.
    assert_eq!(
        value(
            &samples,
            requests,
            &[("route", "unmatched"), ("status", "404")]
        ),
        Some(2.0)
    );
    assert_eq!(
        value(
            &samples,
            "tokenfare_http_request_duration_seconds_count",
            &[("route", "/models")]
        ),
        Some(4.0)
    );
    assert_eq!(
        value(&samples, "tokenfare_page_cache_hits_total", &[]),
        Some(3.0)
    );
    // /models, the model page and the 404 page (rendered through the cache's miss path).
    assert!(value(&samples, "tokenfare_page_cache_misses_total", &[]) >= Some(2.0));
    assert!(value(&samples, "tokenfare_page_cache_size_bytes", &[]) > Some(0.0));

    let catalogue = app.state.catalogue();
    assert_eq!(
        value(&samples, "tokenfare_models_listed", &[]),
        Some(catalogue.active_count() as f64)
    );
    let run = catalogue.freshness.last_success.clone().unwrap();
    assert_eq!(
        value(
            &samples,
            "tokenfare_feed_last_success_timestamp_seconds",
            &[("feed", "catalogue")]
        ),
        Some(run.finished_at.timestamp() as f64)
    );
    assert_eq!(
        value(
            &samples,
            "tokenfare_feed_runs_total",
            &[("feed", "catalogue"), ("outcome", "success")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(&samples, "tokenfare_quarantined_runs", &[]),
        Some(0.0)
    );
    // The fixture is as of 2026-08-08: months old by any clock running these tests.
    assert!(value(&samples, "tokenfare_data_age_seconds", &[]) > Some(86_400.0));
    let file = std::fs::metadata(app.dir.path().join("test.db"))
        .unwrap()
        .len();
    assert_eq!(
        value(
            &samples,
            "tokenfare_database_size_bytes",
            &[("file", "database")]
        ),
        Some(file as f64)
    );
    assert!(value(&samples, "process_resident_memory_bytes", &[]) > Some(1e6));
}

/// A flood of made-up URLs of every kind a client controls (unknown paths, unknown model
/// ids, search queries, provider slugs) leaves the set of series exactly as one request of
/// each kind made it.
#[tokio::test]
async fn five_thousand_unique_urls_add_no_label_values() {
    let app = TestApp::fixture().await;
    let kinds = |n: usize| {
        [
            format!("/no/such/page-{n}"),
            format!("/models/flood/model-{n}"),
            format!("/models?q=flood-{n}"),
            format!("/providers/flood-{n}"),
            format!("/calculator?requests=1{n}"),
        ]
    };
    for url in kinds(0) {
        app.get(&url).await;
    }
    let series = |text: &str| -> BTreeSet<(String, BTreeMap<String, String>)> {
        parse(text)
            .1
            .into_iter()
            .map(|s| (s.name, s.labels))
            .collect()
    };
    let before = series(&scrape(&app).await.2);
    for n in 1..=1000 {
        for url in kinds(n) {
            app.get(&url).await;
        }
    }
    let text = scrape(&app).await.2;
    let after = series(&text);
    assert_eq!(after, before, "series added or lost by 5,000 unique URLs");
    assert!(!text.contains("flood"));
    let (_, samples) = parse(&text);
    let requests: f64 = samples
        .iter()
        .filter(|s| s.name == "tokenfare_http_requests_total")
        .map(|s| s.value)
        .sum();
    assert_eq!(requests, 5_005.0);
}

/// Pages dropped to keep the cache within its size are counted as evictions; pages dropped
/// because the data changed are not.
#[tokio::test]
async fn evictions_count_pages_dropped_for_room_only() {
    let mut app = TestApp::fixture().await;
    // 20 KB for the pages without a query: a few of the site's pages at most.
    app.state.pages = std::sync::Arc::new(tokenfare::web::middleware::PageCache::new(40_000, 2));
    let pages = [
        "/",
        "/models",
        "/providers",
        "/about",
        "/ranking",
        "/calculator",
        "/changes",
        "/compare",
        "/guide/why-prices-differ",
        "/discrepancies",
    ];
    for page in pages {
        assert_eq!(app.get(page).await.status, StatusCode::OK, "{page}");
    }
    let (_, samples) = parse(&scrape(&app).await.2);
    let evicted = value(&samples, "tokenfare_page_cache_evictions_total", &[]).unwrap();
    assert!(evicted >= 1.0, "{evicted}");
    assert!(value(&samples, "tokenfare_page_cache_size_bytes", &[]) <= Some(20_000.0));

    // A new catalogue drops every page: not an eviction.
    let cached = app.state.pages.stats().pages;
    assert!(cached >= 1);
    app.ingest(
        &crate::common::FIXTURE.replace("0.000003", "0.000004"),
        "2026-08-09",
    )
    .await
    .unwrap();
    let stats = app.state.pages.stats();
    assert_eq!((stats.pages, stats.evictions as f64), (0, evicted));
}
