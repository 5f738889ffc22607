//! Issue 12 item 9: request logs through tower-http's TraceLayer, filtered by RUST_LOG.
//!
//! This test has a test binary of its own. Tracing caches each callsite's interest
//! process-wide: run beside other tests that send requests with no subscriber set (as it was
//! in tests/web_shape.rs), its thread-local subscriber could miss the request span now and
//! then. Alone in its process nothing else touches those callsites.

mod common;

use std::sync::Arc;

use common::TestApp;

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

#[tokio::test]
async fn each_request_is_logged_with_method_path_status_and_latency_when_rust_log_asks() {
    let app = TestApp::fixture().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("tower_http=info"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
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
    let writer = quiet.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("tower_http=warn"))
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    app.get("/models").await;
    drop(guard);
    assert!(quiet.0.lock().unwrap().is_empty());
}
