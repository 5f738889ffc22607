//! Request logs: one line per request (method, path, route template, status, latency and
//! whether the page cache answered; never the query string), written by the observing layer
//! under the target `tokenfare::request`, as text or as JSON (`--log-format json`), filtered
//! by RUST_LOG. The subscribers are the ones `main` installs (`LogFormat::subscriber`).
//!
//! The subscriber that captures the log is set for this test's thread only
//! (`tracing::subscriber::set_default`; a current-thread runtime keeps every request of the
//! test on that thread), so it neither sees the other tests' requests nor changes them.
//!
//! What it has to be guarded against is tracing's process-wide cache of each call site's
//! interest. While this subscriber is the only one set, a call site first reached on another
//! test's thread (which has no subscriber) is cached as "never", and its span or event would
//! then be missing here. So the test first sends requests that reach the same call sites
//! (the request span, and the response event at INFO) under a subscriber of its own thread
//! that discards what it gets: every one of them is registered by then. Setting the
//! capturing subscriber rebuilds the cached interest of every registered call site, and
//! `rebuild_interest_cache` does it again in case another thread was still registering one.

use std::sync::Arc;

use tokenfare::cli::LogFormat;

use crate::common::TestApp;

/// Captures what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `format`'s subscriber at `filter` (RUST_LOG's syntax), writing into `into`.
fn subscriber(
    format: LogFormat,
    filter: &str,
    into: Captured,
) -> Box<dyn tracing::Subscriber + Send + Sync> {
    format.subscriber(
        tracing_subscriber::EnvFilter::new(filter),
        move || into.clone(),
        false,
    )
}

/// Reaches the request span and event under a subscriber that wants them (see the module
/// docs), with addresses none of the tests below asks for, so nothing they ask is cached.
async fn register_call_sites(app: &TestApp) {
    let warm_up = tracing::subscriber::set_default(subscriber(
        LogFormat::Text,
        "tokenfare::request=info",
        Captured::default(),
    ));
    app.get("/models?q=warming-up").await;
    app.get("/no/such/warm-up").await;
    drop(warm_up);
}

#[tokio::test(flavor = "current_thread")]
async fn json_logs_hold_one_object_per_request_with_its_route_and_never_the_query_string() {
    let app = TestApp::fixture().await;
    register_call_sites(&app).await;

    let captured = Captured::default();
    let guard = tracing::subscriber::set_default(subscriber(
        LogFormat::Json,
        LogFormat::Json.default_filter(),
        captured.clone(),
    ));
    tracing::callsite::rebuild_interest_cache();
    app.get("/models?q=secret-words").await;
    app.get("/models?q=secret-words").await;
    app.get("/models/acme/alpha?tab=secret-tab").await;
    app.get("/no/such/page?secret=words").await;
    drop(guard);

    let log = captured.text();
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let requests: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["target"] == "tokenfare::request")
        .collect();
    assert_eq!(requests.len(), 4, "{log}");
    let fields = |l: &serde_json::Value| {
        (
            l["span"]["method"].as_str().unwrap_or_default().to_string(),
            l["span"]["path"].as_str().unwrap_or_default().to_string(),
            l["route"].as_str().unwrap_or_default().to_string(),
            l["status"].as_u64().unwrap_or_default(),
            l["cache"].as_str().unwrap_or_default().to_string(),
        )
    };
    let expected = [
        ("GET", "/models", "/models", 200, "miss"),
        ("GET", "/models", "/models", 200, "hit"),
        ("GET", "/models/acme/alpha", "/models/{*id}", 200, "miss"),
        ("GET", "/no/such/page", "unmatched", 404, "miss"),
    ];
    for (line, (method, path, route, status, cache)) in requests.iter().zip(expected) {
        assert_eq!(
            fields(line),
            (
                method.to_string(),
                path.to_string(),
                route.to_string(),
                status,
                cache.to_string()
            ),
            "{line}"
        );
        assert!(line["latency_us"].is_u64(), "{line}");
        assert_eq!(line["level"], "INFO");
    }
    // Neither the query strings nor anything of them.
    assert!(!log.contains("secret") && !log.contains('?'), "{log}");
}

#[tokio::test(flavor = "current_thread")]
async fn text_logs_name_each_request_only_when_rust_log_asks() {
    let app = TestApp::fixture().await;
    register_call_sites(&app).await;

    let captured = Captured::default();
    let guard = tracing::subscriber::set_default(subscriber(
        LogFormat::Text,
        "tokenfare::request=info",
        captured.clone(),
    ));
    tracing::callsite::rebuild_interest_cache();
    app.get("/models?q=secret-words").await;
    app.get("/no/such/page").await;
    drop(guard);
    let log = captured.text();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("method=GET") && lines[0].contains("path=/models"),
        "{log}"
    );
    assert!(
        lines[0].contains("route=\"/models\"")
            && lines[0].contains("status=200")
            && lines[0].contains("latency_us="),
        "{log}"
    );
    assert!(lines[1].contains("path=/no/such/page") && lines[1].contains("status=404"));
    assert!(!log.contains("secret-words"), "{log}");

    // The text format's default filter leaves request lines out: nothing at all.
    let quiet = Captured::default();
    let guard = tracing::subscriber::set_default(subscriber(
        LogFormat::Text,
        LogFormat::Text.default_filter(),
        quiet.clone(),
    ));
    app.get("/models").await;
    drop(guard);
    assert!(quiet.text().is_empty(), "{}", quiet.text());
}
