//! Request logs: one line per request (method, path, status, latency, never the query
//! string) through tower-http's TraceLayer, filtered by RUST_LOG.
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

use crate::common::TestApp;

/// Captures what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Plain-text log lines at `filter` (RUST_LOG's syntax), written into `into`.
fn subscriber(filter: &str, into: Captured) -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
        .with_writer(move || into.clone())
        .with_ansi(false)
        .finish()
}

#[tokio::test(flavor = "current_thread")]
async fn each_request_is_logged_with_method_path_status_and_latency_when_rust_log_asks() {
    let app = TestApp::fixture().await;
    // Other addresses than the ones logged below, so nothing is served from the page cache.
    let warm_up =
        tracing::subscriber::set_default(subscriber("tower_http=info", Captured::default()));
    app.get("/models?q=warming-up").await;
    app.get("/no/such/warm-up").await;
    drop(warm_up);

    let captured = Captured::default();
    let guard = tracing::subscriber::set_default(subscriber("tower_http=info", captured.clone()));
    tracing::callsite::rebuild_interest_cache();
    app.get("/models?q=secret-words").await;
    app.get("/no/such/page").await;
    drop(guard);
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains("method=GET") && lines[0].contains("path=/models"),
        "{log}"
    );
    assert!(lines[0].contains("status=200") && lines[0].contains("latency="));
    assert!(lines[1].contains("path=/no/such/page") && lines[1].contains("status=404"));
    // The query string stays out of the log.
    assert!(!log.contains("secret-words"), "{log}");

    // Filtered out by RUST_LOG's default level for tower_http: nothing at all.
    let quiet = Captured::default();
    let guard = tracing::subscriber::set_default(subscriber("tower_http=warn", quiet.clone()));
    app.get("/models").await;
    drop(guard);
    assert!(quiet.0.lock().unwrap().is_empty());
}
