//! Bad data never replaces good: unreadable records, implausible catalogues (quarantine and
//! `accept-run`), dates in the future, redirects off the API's host, retention of failed
//! bodies, and failures the database cannot take. Upstreams are fakes on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::common::upstream::serve;
use crate::common::{FIXTURE, TestApp, count, fixture_with};
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use serde_json::{Value, json};
use tokenfare::fetch::{ClientConfig, UpstreamClient};
use tokenfare::ingest::catalogue::{IngestError, accept_run, run_once};

/// Every price string of every record through `f` (overrides included).
fn every_price(models: &mut [Value], f: impl Fn(&str) -> String) {
    fn walk(value: &mut Value, f: &dyn Fn(&str) -> String) {
        if let Some(object) = value.as_object_mut() {
            for (key, v) in object.iter_mut() {
                match v {
                    Value::String(s) if key != "min_prompt_tokens" => *s = f(s),
                    Value::Array(items) => items.iter_mut().for_each(|i| walk(i, f)),
                    _ => {}
                }
            }
        }
    }
    for model in models {
        walk(&mut model["pricing"], &f);
    }
}

/// A fake OpenRouter answering `/api/v1/models` with `body`; returns its base URL.
async fn fake_serving(body: String) -> String {
    let origin = serve(Router::new().route(
        "/api/v1/models",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body) }
        }),
    ))
    .await;
    format!("{origin}/api/v1")
}

fn client(base_url: &str) -> UpstreamClient {
    let mut config = ClientConfig::new(base_url);
    config.total_timeout = Duration::from_secs(5);
    config.first_backoff = Duration::from_millis(10);
    UpstreamClient::new(config).unwrap()
}

fn prompt_of(app: &TestApp, id: &str) -> String {
    app.state
        .catalogue()
        .get(id)
        .unwrap()
        .model
        .pricing
        .base
        .prompt
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn an_unreadable_price_keeps_its_model_listed_and_unchanged() {
    let app = TestApp::fixture().await;
    // globex/gamma's per-search price arrives as an object instead of a decimal string.
    let body = fixture_with(|models| {
        assert_eq!(models[5]["id"], "globex/gamma");
        models[5]["pricing"]["web_search"] = json!({"usd": "0.01"});
        models[5]["pricing"]["prompt"] = json!("0.000001");
    });
    let summary = app.ingest(&body, "2026-08-09").await.unwrap();
    assert_eq!((summary.seen, summary.skipped), (12, 1));
    assert_eq!(summary.counts.removed, 0);
    assert_eq!(summary.counts.kept_unreadable, 1);
    let catalogue = app.state.catalogue();
    let gamma = catalogue.get("globex/gamma").unwrap();
    assert!(
        gamma.active,
        "a model whose record we could not read stays listed"
    );
    // Its stored prices are the ones we could read last time, not a half-read record's.
    assert_eq!(
        gamma.model.pricing.base.prompt.unwrap().to_string(),
        "0.000003"
    );
    assert_eq!(
        gamma
            .model
            .pricing
            .base
            .get("web_search")
            .unwrap()
            .to_string(),
        "0.01"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM model_events WHERE kind = 'removed'"
        )
        .await,
        0
    );
    assert_eq!(catalogue.history("globex/gamma").len(), 1);
}

#[tokio::test]
async fn a_catalogue_half_unreadable_delists_nothing() {
    let app = TestApp::fixture().await;
    // Six of the twelve records have an unreadable input price.
    let body = fixture_with(|models| {
        for model in models.iter_mut().step_by(2) {
            model["pricing"]["prompt"] = json!(["not", "a", "price"]);
        }
    });
    let summary = app.ingest(&body, "2026-08-09").await.unwrap();
    assert_eq!((summary.seen, summary.skipped), (12, 6));
    assert_eq!(summary.counts.removed, 0);
    assert_eq!(app.state.catalogue().active_count(), 12);
}

#[tokio::test]
async fn a_record_without_a_readable_id_holds_back_every_removal() {
    let app = TestApp::fixture().await;
    // globex/delta is gone, and one record has no id: it might be delta's.
    let body = fixture_with(|models| {
        models.retain(|m| m["id"] != "globex/delta");
        models.push(json!({"name": "Globex: Delta", "pricing": {"prompt": "0.000001"}}));
    });
    let summary = app.ingest(&body, "2026-08-09").await.unwrap();
    assert_eq!(summary.counts.removed, 0);
    assert_eq!(summary.counts.removals_held, 1);
    assert!(app.state.catalogue().get("globex/delta").unwrap().active);
    // Without the id-less record the removal goes through.
    let gone = fixture_with(|models| models.retain(|m| m["id"] != "globex/delta"));
    let summary = app.ingest(&gone, "2026-08-10").await.unwrap();
    assert_eq!(summary.counts.removed, 1);
}

/// The four absurd catalogues of the issue and a phrase of the reason each must give.
fn absurd_catalogues() -> Vec<(&'static str, String, &'static str)> {
    let times_1000 = fixture_with(|models| {
        every_price(models, |p| match p.parse::<rust_decimal::Decimal>() {
            Ok(d) if d > rust_decimal::Decimal::ZERO => (d * rust_decimal::Decimal::from(1000))
                .normalize()
                .to_string(),
            _ => p.to_string(),
        })
    });
    let zero = fixture_with(|models| {
        every_price(models, |p| if p == "-1" { p.into() } else { "0".into() })
    });
    // Every other price key of every model dropped: 2 of 4 keys of acme/alpha, 1 of 2 of
    // acme/beta, and so on; at least a third of all keys overall.
    let half_keys = fixture_with(|models| {
        for model in models.iter_mut() {
            let pricing = model["pricing"].as_object_mut().unwrap();
            let keys: Vec<String> = pricing
                .keys()
                .filter(|k| *k != "overrides")
                .cloned()
                .collect();
            for key in keys.iter().skip(1).step_by(2) {
                pricing.remove(key);
            }
        }
    });
    let renamed = fixture_with(|models| {
        for model in models.iter_mut() {
            let id = model["id"].as_str().unwrap().replacen('/', "/renamed-", 1);
            model["id"] = json!(id);
        }
    });
    vec![
        (
            "every price x1000",
            times_1000,
            "changed a price by 10× or more",
        ),
        (
            "every price zero",
            zero,
            "changed a price by 10× or more or to zero",
        ),
        ("half the price keys missing", half_keys, "price components"),
        (
            "every id renamed",
            renamed,
            "of 12 listed ids (100%) vanished",
        ),
    ]
}

#[tokio::test]
async fn absurd_catalogues_are_quarantined_shown_and_not_applied() {
    for (label, body, reason) in absurd_catalogues() {
        let app = TestApp::fixture().await;
        let history_before = count(&app, "SELECT COUNT(*) FROM price_history").await;
        let base = fake_serving(body).await;
        let err = run_once(&app.store, &client(&base)).await.expect_err(label);
        app.state.reload().await.unwrap();
        let IngestError::Quarantined { run_id, reasons } = &err else {
            panic!("{label}: expected a quarantine, got {err}");
        };
        assert!(
            reasons.iter().any(|r| r.contains(reason)),
            "{label}: {reasons:?}"
        );
        assert!(
            err.to_string()
                .contains(&format!("tokenfare accept-run {run_id}"))
        );
        // Nothing applied.
        assert_eq!(prompt_of(&app, "acme/alpha"), "0.000001", "{label}");
        assert_eq!(app.state.catalogue().active_count(), 12, "{label}");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM price_history").await,
            history_before,
            "{label}"
        );
        // Stored, with its body, as quarantined.
        let run = app.store.run(*run_id).await.unwrap().unwrap();
        assert_eq!(
            run.outcome,
            tokenfare::store::Outcome::Quarantined,
            "{label}"
        );
        assert!(run.error.as_deref().unwrap_or_default().contains(reason));
        // Shown on /healthz...
        let health = app.get("/healthz").await.json();
        assert_eq!(
            health["quarantined"][0]["run_id"], *run_id,
            "{label}: {health}"
        );
        assert!(
            health["quarantined"][0]["reasons"]
                .as_str()
                .unwrap_or_default()
                .contains(reason),
            "{label}: {health}"
        );
        // ...and on /about, with the command that applies it.
        let about = app.get("/about").await;
        let rows = about.texts("#quarantined li");
        assert_eq!(rows.len(), 1, "{label}: {}", about.body);
        assert!(rows[0].contains(reason), "{label}: {rows:?}");
        assert!(rows[0].contains(&format!("tokenfare accept-run {run_id}")));
    }
}

#[tokio::test]
async fn accept_run_applies_a_quarantined_catalogue_once() {
    let app = TestApp::fixture().await;
    let (_, times_1000, _) = absurd_catalogues().remove(0);
    let base = fake_serving(times_1000).await;
    let Err(IngestError::Quarantined { run_id, .. }) = run_once(&app.store, &client(&base)).await
    else {
        panic!("expected a quarantine");
    };
    let summary = accept_run(&app.store, run_id).await.unwrap();
    app.state.reload().await.unwrap();
    assert_eq!(summary.run_id, run_id);
    // $1 per million times 1000: 0.000001 x 1000 = 0.001 per token.
    assert_eq!(prompt_of(&app, "acme/alpha"), "0.001");
    let run = app.store.run(run_id).await.unwrap().unwrap();
    assert!(run.success && run.accepted_at.is_some());
    let health = app.get("/healthz").await.json();
    assert_eq!(health["quarantined"], json!([]));
    assert_eq!(app.get("/about").await.texts("#quarantined li").len(), 0);
    // A second accept is refused: the run is no longer quarantined.
    let again = accept_run(&app.store, run_id).await.unwrap_err();
    assert!(again.to_string().contains("was not quarantined"), "{again}");
    let missing = accept_run(&app.store, 999).await.unwrap_err();
    assert!(missing.to_string().contains("no run 999"), "{missing}");
}

#[tokio::test]
async fn one_model_moving_tenfold_is_applied_and_flagged() {
    let app = TestApp::fixture().await;
    // acme/beta's input price from $0.20 to $2.00 per million: exactly 10x.
    let body = fixture_with(|models| {
        assert_eq!(models[3]["id"], "acme/beta");
        models[3]["pricing"]["prompt"] = json!("0.000002");
    });
    let summary = app.ingest(&body, "2026-08-09").await.unwrap();
    assert_eq!(prompt_of(&app, "acme/beta"), "0.000002");
    assert_eq!(summary.large_moves.len(), 1, "{summary}");
    assert!(summary.large_moves[0].starts_with("acme/beta prompt"));
    let changes = app.get("/changes").await;
    let flagged = changes.attrs("tr:has(.large-move)", "data-model");
    assert_eq!(flagged, vec!["acme/beta".to_string()], "{}", changes.body);
    let page = app.get("/models/acme/beta").await;
    assert_eq!(page.texts(".history-changes .large-move").len(), 1);
    let feed = app.get("/changes.atom").await;
    assert!(feed.body.contains("10×"), "{}", feed.body);
}

#[tokio::test]
async fn a_date_more_than_a_day_ahead_is_refused_and_writes_nothing() {
    let app = TestApp::fixture().await;
    let runs_before = count(&app, "SELECT COUNT(*) FROM ingest_runs").await;
    let err = app.ingest(FIXTURE, "2099-08-08").await.unwrap_err();
    assert!(matches!(err, IngestError::Future { .. }), "{err}");
    assert!(
        err.to_string().contains("more than a day in the future"),
        "{err}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM ingest_runs").await,
        runs_before
    );
    // A live refresh afterwards applies as usual (before, every one was refused as older).
    let base = fake_serving(FIXTURE.to_string()).await;
    run_once(&app.store, &client(&base)).await.unwrap();
    // Tomorrow's date (midnight UTC, under a day ahead) is within the tolerance.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    app.ingest(FIXTURE, &tomorrow).await.unwrap();
}

#[tokio::test]
async fn the_command_line_refuses_a_date_in_the_future() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("catalogue.json");
    std::fs::write(&file, FIXTURE).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tokenfare"))
        .arg("--database")
        .arg(dir.path().join("t.db"))
        .args(["ingest", "--file"])
        .arg(&file)
        .args(["--as-of", "2099-08-08"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("2099-08-08") && stderr.contains("future"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_fails_the_run_and_that_host_is_never_asked() {
    let app = TestApp::fixture().await;
    let other_hits = Arc::new(AtomicUsize::new(0));
    let hits = other_hits.clone();
    let other = serve(Router::new().route(
        "/api/v1/models",
        get(move || {
            hits.fetch_add(1, Ordering::SeqCst);
            async {
                (
                    [(header::CONTENT_TYPE, "application/json")],
                    r#"{"data": []}"#,
                )
            }
        }),
    ))
    .await;
    let target = format!("{other}/api/v1/models");
    let origin = serve(Router::new().route(
        "/api/v1/models",
        get(move || {
            let target = target.clone();
            async move { (StatusCode::FOUND, [(header::LOCATION, target)]).into_response() }
        }),
    ))
    .await;
    let err = run_once(&app.store, &client(&format!("{origin}/api/v1")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("redirect"), "{err}");
    assert_eq!(other_hits.load(Ordering::SeqCst), 0);
    assert_eq!(app.state.catalogue().active_count(), 12);
    let failed = app.store.last_run(false).await.unwrap().unwrap();
    assert!(failed.error.unwrap_or_default().contains("redirect"));
}

#[tokio::test]
async fn a_redirect_on_the_same_host_is_followed_and_a_loop_fails() {
    let app = TestApp::empty().await;
    let origin = serve(
        Router::new()
            .route(
                "/api/v1/models",
                get(|| async {
                    (
                        StatusCode::MOVED_PERMANENTLY,
                        [(header::LOCATION, "/v2/models")],
                    )
                }),
            )
            .route(
                "/v2/models",
                get(|| async { ([(header::CONTENT_TYPE, "application/json")], FIXTURE) }),
            )
            .route(
                "/loop/models",
                get(|| async { (StatusCode::FOUND, [(header::LOCATION, "/loop/models")]) }),
            ),
    )
    .await;
    let summary = run_once(&app.store, &client(&format!("{origin}/api/v1")))
        .await
        .unwrap();
    assert_eq!(summary.counts.stored, 12);
    let err = run_once(&app.store, &client(&format!("{origin}/loop")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("redirect"), "{err}");
    assert!(app.store.last_run(false).await.unwrap().is_some());
}

#[tokio::test]
async fn failed_runs_keep_their_bodies_only_for_the_last_ten_or_seven_days() {
    let app = TestApp::fixture().await;
    for _ in 0..12 {
        app.ingest("{broken", "2026-08-09").await.unwrap_err();
    }
    let kept = "SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'failed' AND raw_gzip IS NOT NULL";
    // All twelve are younger than seven days: all kept.
    assert_eq!(count(&app, kept).await, 12);
    // Age every run, the successful one too, past the seven days.
    sqlx::query("UPDATE ingest_runs SET finished_at = '2026-01-01T00:00:00Z'")
        .execute(app.store.pool())
        .await
        .unwrap();
    app.ingest("{broken", "2026-08-09").await.unwrap_err();
    // 13 failures, none but the newest under seven days old: the newest 10 keep theirs.
    assert_eq!(count(&app, kept).await, 10);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'failed'"
        )
        .await,
        13
    );
    // The successful run's body is history and stays.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM ingest_runs WHERE outcome = 'success' AND raw_gzip IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_failure_the_database_cannot_take_is_still_shown() {
    let app = TestApp::fixture().await;
    let base = fake_serving("<html>upstream error page</html>".into()).await;
    // The database stops taking writes (here: its pool is closed under the running app).
    app.store.close().await;
    let err = run_once(&app.store, &client(&base)).await.unwrap_err();
    assert!(err.to_string().contains("not JSON"), "{err}");
    // Reloading fails too; the failure is shown all the same.
    assert!(app.state.reload().await.is_err());
    let health = app.get("/healthz").await.json();
    let error = health["last_failure"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("not JSON"), "{health}");
    assert!(
        error.contains("could not be written to the database"),
        "{health}"
    );
    let about = app.get("/about").await;
    let failure = about.texts("#last-failure td").join(" ");
    assert!(
        failure.contains("could not be written to the database"),
        "{failure}"
    );
}

#[tokio::test]
async fn a_deleted_or_replaced_database_file_makes_healthz_answer_503() {
    let app = TestApp::fixture().await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let path = app.dir.path().join("test.db");
    std::fs::remove_file(&path).unwrap();
    let health = app.get("/healthz").await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    let json = health.json();
    assert_eq!(json["status"], "database missing", "{json}");
    assert!(
        json["error"]
            .as_str()
            .unwrap_or_default()
            .contains("deleted")
    );
    // An ingest now refuses to write into the unlinked file. (Called directly, not through
    // `app.ingest`, whose reload afterwards may get a new pool connection that opens a fresh
    // empty file at the path and fails on the missing tables: a flaky test, not the point.)
    let as_of = tokenfare::store::parse_as_of("2026-08-09").unwrap();
    let err = tokenfare::ingest::catalogue::ingest_body(
        &app.store,
        FIXTURE.as_bytes(),
        tokenfare::store::Delivery::File,
        "test fixture",
        as_of,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("deleted"), "{err}");
    // A different file in its place is noticed too.
    std::fs::write(&path, b"").unwrap();
    let json = app.get("/healthz").await.json();
    assert!(
        json["error"]
            .as_str()
            .unwrap_or_default()
            .contains("replaced"),
        "{json}"
    );
}

#[tokio::test]
async fn the_command_line_accepts_a_quarantined_run_by_its_number() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let (_, renamed, _) = absurd_catalogues().remove(3);
    let tokenfare = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tokenfare"))
            .arg("--database")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let first = dir.path().join("models-2026-08-08.json");
    let second = dir.path().join("models-2026-08-09.json");
    std::fs::write(&first, FIXTURE).unwrap();
    std::fs::write(&second, renamed).unwrap();
    assert!(
        tokenfare(&["ingest", "--file", first.to_str().unwrap()])
            .status
            .success()
    );
    let quarantined = tokenfare(&["ingest", "--file", second.to_str().unwrap()]);
    assert!(!quarantined.status.success());
    let stderr = String::from_utf8_lossy(&quarantined.stderr);
    // Run 1 was the first day; the quarantined one is run 2.
    assert!(stderr.contains("tokenfare accept-run 2"), "{stderr}");
    let accepted = tokenfare(&["accept-run", "2"]);
    assert!(accepted.status.success(), "{accepted:?}");
    assert!(
        String::from_utf8_lossy(&accepted.stdout).contains("accepted: run 2: 12 models stored")
    );
    let again = tokenfare(&["accept-run", "2"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("was not quarantined"));
}
