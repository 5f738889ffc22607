//! Ingest against a fake OpenRouter on 127.0.0.1: retries, timeouts, broken bodies, and the
//! "nothing lost" rules.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::{FIXTURE, TestApp, count, fixture_with, upstream};
use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use tokenfare::fetch::{ClientConfig, UpstreamClient};
use tokenfare::ingest::catalogue::{IngestError, run_once};

/// One scripted answer of the fake.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: String,
    delay: Duration,
}

fn ok(body: impl Into<String>) -> Reply {
    Reply {
        status: 200,
        body: body.into(),
        delay: Duration::ZERO,
    }
}

/// A fake OpenRouter serving scripted replies to `/api/v1/models`; the last reply repeats.
struct FakeOpenRouter {
    base_url: String,
    hits: Arc<AtomicUsize>,
}

async fn fake(replies: Vec<Reply>) -> FakeOpenRouter {
    let replies = Arc::new(Mutex::new(replies));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new().route(
        "/api/v1/models",
        get(move || {
            let replies = replies.clone();
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                let reply = {
                    let mut list = replies.lock().unwrap();
                    if list.len() > 1 {
                        list.remove(0)
                    } else {
                        list[0].clone()
                    }
                };
                tokio::time::sleep(reply.delay).await;
                (
                    StatusCode::from_u16(reply.status).unwrap(),
                    [("content-type", "application/json")],
                    reply.body,
                )
                    .into_response()
            }
        }),
    );
    FakeOpenRouter {
        base_url: upstream::start(app).await,
        hits,
    }
}

fn client(base_url: &str) -> UpstreamClient {
    let mut config = ClientConfig::new(base_url);
    config.total_timeout = Duration::from_millis(800);
    config.connect_timeout = Duration::from_millis(500);
    config.first_backoff = Duration::from_millis(10);
    config.max_body_bytes = 1024 * 1024;
    UpstreamClient::new(config).unwrap()
}

/// The fixture with one model's price changed.
async fn refresh(
    app: &TestApp,
    fake: &FakeOpenRouter,
) -> Result<tokenfare::ingest::catalogue::Summary, IngestError> {
    let result = run_once(&app.store, &client(&fake.base_url)).await;
    app.state.reload().await.unwrap();
    result
}

async fn last_error(app: &TestApp) -> String {
    app.store
        .last_run(false)
        .await
        .unwrap()
        .and_then(|r| r.error)
        .unwrap_or_default()
}

#[tokio::test]
async fn successful_refresh_stores_every_model_and_the_run() {
    let app = TestApp::empty().await;
    let fake = fake(vec![ok(FIXTURE)]).await;
    let summary = refresh(&app, &fake).await.unwrap();
    assert_eq!(summary.counts.stored, 12);
    assert_eq!(summary.counts.added, 12);
    assert_eq!(app.state.catalogue().active_count(), 12);
    let run = app.store.last_run(true).await.unwrap().unwrap();
    assert_eq!(run.models_stored, 12);
    assert!(run.source.ends_with("/api/v1/models"));
    // The raw body is kept, compressed, and decompresses to what was served.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT raw_gzip FROM ingest_runs WHERE id = ?")
        .bind(run.id)
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert!(raw.len() < FIXTURE.len());
    assert_eq!(
        tokenfare::store::gunzip_limited(&raw, 1 << 20).unwrap(),
        FIXTURE.as_bytes()
    );
}

#[tokio::test]
async fn server_error_is_retried_then_succeeds() {
    let app = TestApp::empty().await;
    let fake = fake(vec![
        Reply {
            status: 500,
            body: "oops".into(),
            delay: Duration::ZERO,
        },
        Reply {
            status: 429,
            body: "slow down".into(),
            delay: Duration::ZERO,
        },
        ok(FIXTURE),
    ])
    .await;
    let summary = refresh(&app, &fake).await.unwrap();
    assert_eq!(summary.counts.stored, 12);
    assert_eq!(fake.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn timeout_fails_cleanly_and_keeps_previous_prices() {
    let app = TestApp::fixture().await;
    let fake = fake(vec![Reply {
        status: 200,
        body: "{}".into(),
        delay: Duration::from_secs(3),
    }])
    .await;
    let err = refresh(&app, &fake).await.unwrap_err();
    assert!(matches!(err, IngestError::Fetch(_)), "{err}");
    assert_eq!(fake.hits.load(Ordering::SeqCst), 3, "bounded retries");
    assert_eq!(app.state.catalogue().active_count(), 12);
    assert!(last_error(&app).await.contains("failed"));
}

#[tokio::test]
async fn broken_bodies_fail_cleanly_and_keep_previous_prices() {
    let truncated = &FIXTURE[..FIXTURE.len() / 2];
    let shrunk = fixture_with(|models| models.truncate(5));
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated JSON", truncated.to_string(), "not JSON"),
        (
            "HTML error page with status 200",
            "<!doctype html><h1>Bad gateway</h1>".into(),
            "not JSON",
        ),
        ("empty list", r#"{"data": []}"#.into(), "empty"),
        (
            "object without a list",
            r#"{"error": {"code": 401}}"#.into(),
            "no model list",
        ),
        (
            "catalogue shrinking by more than half",
            shrunk,
            "shrank from 12 to 5",
        ),
    ];
    for (label, body, expected) in cases {
        let app = TestApp::fixture().await;
        let before = count(&app, "SELECT COUNT(*) FROM price_history").await;
        let fake = fake(vec![ok(body)]).await;
        let err = refresh(&app, &fake).await.expect_err(label);
        assert!(err.to_string().contains(expected), "{label}: {err}");
        assert_eq!(app.state.catalogue().active_count(), 12, "{label}");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM price_history").await,
            before,
            "{label}"
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM models WHERE active = 1").await,
            12,
            "{label}"
        );
        assert!(last_error(&app).await.contains(expected), "{label}");
        // The failed body is kept for a later re-ingest.
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'failed' AND raw_gzip IS NOT NULL"
            )
            .await,
            1,
            "{label}"
        );
    }
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let app = TestApp::fixture().await;
    let huge = format!(
        r#"{{"data": [], "padding": "{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let fake = fake(vec![ok(huge)]).await;
    let err = refresh(&app, &fake).await.unwrap_err();
    assert!(err.to_string().contains("more than"), "{err}");
    assert_eq!(app.state.catalogue().active_count(), 12);
}

#[tokio::test]
async fn one_malformed_record_is_skipped_and_counted() {
    let app = TestApp::empty().await;
    let body = fixture_with(|models| {
        models.push(json!({"id": "bad/price", "pricing": {"prompt": "lots", "completion": "0"}}));
        models.push(json!({"name": "no id at all", "pricing": {}}));
    });
    let fake = fake(vec![ok(body)]).await;
    let summary = refresh(&app, &fake).await.unwrap();
    assert_eq!(summary.seen, 14);
    assert_eq!(summary.skipped, 2);
    assert_eq!(summary.counts.stored, 12);
    let run = app.store.last_run(true).await.unwrap().unwrap();
    assert_eq!(run.skipped, 2);
}

#[tokio::test]
async fn price_change_adds_exactly_one_history_row_and_no_change_adds_none() {
    let app = TestApp::fixture().await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM price_history").await, 12);
    app.ingest(FIXTURE, "2026-08-09").await.unwrap();
    assert_eq!(count(&app, "SELECT COUNT(*) FROM price_history").await, 12);
    let changed = fixture_with(|models| models[3]["pricing"]["prompt"] = json!("0.00000015"));
    let summary = app.ingest(&changed, "2026-08-10").await.unwrap();
    assert_eq!(summary.counts.price_changes, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM price_history").await, 13);
    let history = app.state.catalogue().history("acme/beta").to_vec();
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[1].pricing.base.prompt.unwrap().to_string(),
        "0.00000015"
    );
}

#[tokio::test]
async fn vanished_model_becomes_inactive_and_is_never_deleted() {
    let app = TestApp::fixture().await;
    let without = fixture_with(|models| models.retain(|m| m["id"] != "globex/delta"));
    let summary = app.ingest(&without, "2026-08-09").await.unwrap();
    assert_eq!(summary.counts.removed, 1);
    let catalogue = app.state.catalogue();
    let delta = catalogue.get("globex/delta").expect("still stored");
    assert!(!delta.active);
    assert_eq!(catalogue.active_count(), 11);
    // And it comes back as active when listed again.
    let summary = app.ingest(FIXTURE, "2026-08-10").await.unwrap();
    assert_eq!(summary.counts.added, 1);
    assert!(app.state.catalogue().get("globex/delta").unwrap().active);
}

#[tokio::test]
async fn older_data_never_replaces_newer_data() {
    let app = TestApp::fixture().await;
    let changed = fixture_with(|models| models[0]["pricing"]["prompt"] = json!("0.000009"));
    let err = app.ingest(&changed, "2026-08-01").await.unwrap_err();
    assert!(matches!(err, IngestError::Older { .. }), "{err}");
    let alpha = app
        .state
        .catalogue()
        .get("acme/alpha")
        .unwrap()
        .model
        .pricing
        .base
        .prompt;
    assert_eq!(alpha.unwrap().to_string(), "0.000001");
}

#[tokio::test]
async fn variable_missing_and_long_decimal_prices_survive_a_round_trip_exactly() {
    let app = TestApp::fixture().await;
    // Through SQLite and back into a fresh in-memory catalogue.
    let fresh = tokenfare::AppState::load(app.store.clone()).await.unwrap();
    let catalogue = fresh.catalogue();
    let zeta = &catalogue.get("initech/zeta").unwrap().model.pricing.base;
    assert_eq!(zeta.prompt.unwrap().to_string(), "0.0000000833333333333333");
    assert_eq!(zeta.input_cache_read, None);
    let auto = &catalogue.get("router/auto").unwrap().model.pricing.base;
    assert_eq!(auto.prompt.unwrap().to_string(), "-1");
    assert!(auto.prompt.unwrap().is_variable());
    // And out through the data export, per token, as OpenRouter wrote it.
    let json = app.get("/api/models.json?q=zeta").await.json();
    assert_eq!(
        json["models"][0]["prompt_per_token"],
        "0.0000000833333333333333"
    );
    let json = app.get("/api/models.json?q=router").await.json();
    assert_eq!(json["models"][0]["prompt_per_token"], "-1");
    assert_eq!(json["models"][0]["input_per_million_usd"], "variable");
    assert_eq!(json["models"][0]["cache_read_per_million_usd"], "");
}

#[tokio::test]
async fn import_history_replays_dated_files_oldest_first() {
    let app = TestApp::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let day2 = fixture_with(|models| models[0]["pricing"]["completion"] = json!("0.000005"));
    let day3 = fixture_with(|models| {
        models[0]["pricing"]["completion"] = json!("0.000005");
        models.retain(|m| m["id"] != "initech/zeta");
    });
    std::fs::write(dir.path().join("models-2026-07-01.json"), FIXTURE).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(day2.as_bytes()).unwrap();
    std::fs::write(
        dir.path().join("models-2026-07-02.json.gz"),
        gz.finish().unwrap(),
    )
    .unwrap();
    std::fs::write(dir.path().join("models-2026-07-03.json"), &day3).unwrap();
    std::fs::write(dir.path().join("models-2026-07-04.json"), "{broken").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    tokenfare::cli::import_history(&app.store, dir.path())
        .await
        .unwrap();
    app.state.reload().await.unwrap();
    let runs = app.store.recent_runs(10).await.unwrap();
    let outcomes: Vec<(String, bool)> = runs
        .iter()
        .rev()
        .map(|r| (r.as_of.format("%Y-%m-%d").to_string(), r.success))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            ("2026-07-01".into(), true),
            ("2026-07-02".into(), true),
            ("2026-07-03".into(), true),
            ("2026-07-04".into(), false),
        ]
    );
    let catalogue = app.state.catalogue();
    let alpha = catalogue.history("acme/alpha");
    assert_eq!(alpha.len(), 2);
    assert_eq!(alpha[1].as_of.format("%Y-%m-%d").to_string(), "2026-07-02");
    assert!(!catalogue.get("initech/zeta").unwrap().active);
    assert_eq!(
        catalogue
            .freshness
            .as_of()
            .unwrap()
            .format("%Y-%m-%d")
            .to_string(),
        "2026-07-03"
    );
}

#[tokio::test]
async fn snapshot_loads_into_an_empty_database_only() {
    let app = TestApp::empty().await;
    let summary = tokenfare::ingest::catalogue::load_snapshot_if_empty(&app.store)
        .await
        .unwrap()
        .unwrap();
    assert!(summary.counts.stored >= 40);
    assert!(
        tokenfare::ingest::catalogue::load_snapshot_if_empty(&app.store)
            .await
            .unwrap()
            .is_none()
    );
    app.state.reload().await.unwrap();
    let catalogue = app.state.catalogue();
    assert!(catalogue.freshness.is_snapshot());
    let opus = &catalogue
        .get("anthropic/claude-opus-4.8")
        .unwrap()
        .model
        .pricing
        .base;
    assert_eq!(opus.prompt.unwrap().to_string(), "0.000005");
    assert_eq!(opus.completion.unwrap().to_string(), "0.000025");
    assert_eq!(opus.input_cache_read.unwrap().to_string(), "0.0000005");
    let batch = &catalogue
        .batch_listing("anthropic/claude-opus-4.8")
        .unwrap()
        .pricing
        .base;
    assert_eq!(batch.prompt.unwrap().to_string(), "0.0000025");
    assert_eq!(
        catalogue
            .get("openai/gpt-5.4")
            .unwrap()
            .model
            .pricing
            .tiers()[0]
            .0,
        272_000
    );
    assert!(catalogue.authors().len() >= 10);
    let page = app.get("/models").await;
    assert!(
        page.texts(".freshness")
            .iter()
            .any(|t| t.contains("bundled snapshot dated 2026-08-08"))
    );
    // Real data then replaces the snapshot, whatever its date (the shrink rule still holds).
    app.ingest(tokenfare::ingest::catalogue::SNAPSHOT_JSON, "2026-01-01")
        .await
        .unwrap();
    assert!(!app.state.catalogue().freshness.is_snapshot());
}

#[tokio::test]
async fn healthz_reports_503_without_data_and_200_with_it() {
    let app = TestApp::empty().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    let app = TestApp::fixture().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let json = health.json();
    assert_eq!(json["models"], 12);
    assert!(json["last_success"].as_str().is_some());
}

fn default_client(base_url: &str) -> UpstreamClient {
    let mut config = ClientConfig::new(base_url);
    config.first_backoff = Duration::from_millis(10);
    UpstreamClient::new(config).unwrap()
}

#[tokio::test]
async fn hostile_payloads_fail_cleanly_and_keep_previous_data() {
    let nested = format!(
        "{{\"data\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let many: Vec<Value> = (0..100_000)
        .map(|i| json!({"id": format!("bulk/m{i}"), "pricing": {"prompt": "0.000001", "completion": "0.000002"}}))
        .collect();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "50 MB body",
            format!(
                "{{\"data\": [], \"pad\": \"{}\"}}",
                "x".repeat(50 * 1024 * 1024)
            ),
            "more than",
        ),
        ("deeply nested JSON", nested, "not JSON"),
        (
            "100,000 models",
            json!({ "data": many }).to_string(),
            "more than the 20000",
        ),
    ];
    for (label, body, expected) in cases {
        let app = TestApp::fixture().await;
        let fake = fake(vec![ok(body)]).await;
        let err = run_once(&app.store, &default_client(&fake.base_url))
            .await
            .expect_err(label);
        app.state.reload().await.unwrap();
        assert!(err.to_string().contains(expected), "{label}: {err}");
        assert_eq!(app.state.catalogue().active_count(), 12, "{label}");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM models").await,
            12,
            "{label}"
        );
    }
}

#[tokio::test]
async fn hostile_records_are_skipped_one_by_one_and_good_ones_kept() {
    let app = TestApp::fixture().await;
    let body = fixture_with(|models| {
        for (id, prompt) in [
            ("bad/nan", json!("NaN")),
            ("bad/huge", json!("1e999")),
            ("bad/negative", json!("-5")),
            ("bad/object", json!({"usd": 1})),
        ] {
            models.push(json!({"id": id, "pricing": {"prompt": prompt, "completion": "0.000001"}}));
        }
        models.push(json!({"id": "../../etc/passwd", "pricing": {"prompt": "0"}}));
        models.push(json!({"id": "evil/\u{1b}[31mred", "pricing": {"prompt": "0"}}));
        models.push(json!({"id": "acme/alpha", "name": "Duplicate", "pricing": {"prompt": "0.5"}}));
        models.push(json!({"id": "good/number-price", "name": "<b>Bold</b> & co", "pricing": {"prompt": 0.0000025, "completion": 1e-5}}));
    });
    let summary = app.ingest(&body, "2026-08-09").await.unwrap();
    // NaN and 1e999 fail to parse, -5 is negative, an object is no price; two bad ids, one duplicate.
    assert_eq!(summary.skipped, 7, "{summary:?}");
    let catalogue = app.state.catalogue();
    assert_eq!(
        catalogue.get("acme/alpha").unwrap().model.name,
        "Acme: Alpha"
    );
    for id in ["bad/nan", "bad/huge", "bad/negative", "bad/object"] {
        assert!(catalogue.get(id).is_none(), "{id}");
    }
    let number = &catalogue.get("good/number-price").unwrap().model;
    assert_eq!(number.pricing.base.prompt.unwrap().to_string(), "0.0000025");
    assert_eq!(
        number.pricing.base.completion.unwrap().to_string(),
        "0.00001"
    );
    let page = app.get("/models/good/number-price").await;
    assert!(page.body.contains("&lt;b&gt;Bold&lt;/b&gt;") || page.body.contains("&#60;b&#62;Bold"));
    assert!(page.texts("b").iter().all(|t| t != "Bold"));
}

#[tokio::test]
async fn catalogue_load_builds_models_history_endpoints_and_the_change_log_in_one_call() {
    let app = TestApp::fixture().await;
    let changed = fixture_with(|models| models[3]["pricing"]["prompt"] = json!("0.00000015"));
    app.ingest(&changed, "2026-08-09").await.unwrap();
    let catalogue = tokenfare::store::Catalogue::load(&app.store).await.unwrap();
    assert_eq!(catalogue.active_count(), 12);
    assert_eq!(catalogue.history("acme/beta").len(), 2);
    // Two days: the baseline of 2026-08-08 and one price change on 2026-08-09.
    let days = catalogue.changes().days();
    assert_eq!(days.len(), 2);
    assert_eq!(catalogue.changes().changes_of("acme/beta").count(), 1);
    assert_eq!(catalogue.freshness.recent_runs.len(), 2);
}
