//! Issue 14's wrong labels, one test each, on our own fixture catalogue (see the prices in
//! `tests/calculator_page.rs`) with small edits made here: a music model whose token prices
//! are zero, a batch listing dearer than on demand, a batch listing with a small window,
//! a context minimum below one request, no requests, and the summary under a quality floor.

mod common;

use axum::http::StatusCode;
use common::{FIXTURE, TestApp, TestResponse};

/// A music model as OpenRouter lists one: it makes audio, so its "0" token prices mean it
/// is billed per song, not that it is free.
const MUSIC: &str = r#"{"id": "tunes/song-1", "name": "Tunes: Song 1", "context_length": 32000,
   "architecture": {"input_modalities": ["text"], "output_modalities": ["text", "audio"]},
   "pricing": {"prompt": "0", "completion": "0"},
   "benchmarks": {"artificial_analysis": {"intelligence_index": 70}}},
  "#;

fn with_music() -> String {
    let catalogue = FIXTURE.replacen("\"data\": [\n", &format!("\"data\": [\n  {MUSIC}"), 1);
    assert_ne!(catalogue, FIXTURE, "the music model was added");
    catalogue
}

fn bill_ids(page: &TestResponse) -> Vec<String> {
    page.attrs("table.bills tbody.bill", "data-id")
}

fn notes(page: &TestResponse, id: &str) -> Vec<String> {
    page.texts(&format!("tbody.bill[data-id='{id}'] ul.notes li"))
}

fn monthly(page: &TestResponse, id: &str) -> String {
    page.texts(&format!("tbody.bill[data-id='{id}'] tr.main td.monthly"))
        .concat()
}

#[tokio::test]
async fn a_music_model_with_zero_token_prices_is_not_priced_per_token_and_never_free() {
    let app = TestApp::with_catalogue(&with_music(), "2026-08-08").await;

    let page = app
        .get("/calculator?requests=1000&input_tokens=1000&output_tokens=100")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!bill_ids(&page).contains(&"tunes/song-1".to_string()));
    let unpriced = page.texts("ul.unpriced li").join(" | ");
    assert!(
        unpriced.contains("Song 1 tunes/song-1 — not priced per token"),
        "{unpriced}"
    );
    // Only acme/alpha:free is free; the music model is not counted with it.
    let summary = page.texts("#summary p").join(" ");
    assert!(
        summary.contains("1 free listing costs nothing"),
        "{summary}"
    );

    let model = app.get("/models/tunes/song-1").await;
    assert_eq!(model.status, StatusCode::OK);
    let badges = model.texts(".model-id .badge");
    assert!(
        badges.contains(&"not priced per token".to_string()),
        "{badges:?}"
    );
    assert!(!badges.contains(&"free".to_string()), "{badges:?}");

    // Not free on /models either: "only free" leaves it out, and its cells say why.
    let rows = |page: &TestResponse| page.texts("table.prices tbody tr");
    let free_only = rows(&app.get("/models?free=only").await);
    assert!(!free_only.is_empty());
    assert!(
        free_only.iter().all(|r| !r.contains("tunes/song-1")),
        "{free_only:?}"
    );
    let all = rows(&app.get("/models").await);
    let song = all
        .iter()
        .find(|r| r.contains("tunes/song-1"))
        .expect("listed on /models");
    assert!(song.contains("not priced per token"), "{song}");
    assert!(!song.contains("$0"), "{song}");

    // The ranking lists it apart under its own heading, not as free.
    let ranking = app.get("/ranking?format=json").await;
    let json: serde_json::Value = serde_json::from_str(&ranking.body).unwrap();
    let excluded = json["excluded"].as_array().unwrap();
    let song = excluded
        .iter()
        .find(|e| e["id"] == "tunes/song-1")
        .expect("the music model is listed apart");
    assert_eq!(song["reason"], "not_per_token", "{song}");
}

#[tokio::test]
async fn home_counts_do_not_call_a_music_model_free() {
    let app = TestApp::fixture().await;
    let before = app.get("/").await.texts("p").join(" ");
    let app = TestApp::with_catalogue(&with_music(), "2026-08-08").await;
    let after = app.get("/").await.texts("p").join(" ");
    // The fixture has one free listing (acme/alpha:free); the music model adds none.
    assert!(before.contains(", 1 free."), "{before}");
    assert!(after.contains(", 1 free."), "{after}");
}

#[tokio::test]
async fn a_batch_listing_dearer_than_on_demand_is_not_used_and_the_bill_says_why() {
    // acme/alpha:batch at $1.50 in and $5 out, against alpha's $1 and $4 on demand.
    let dearer = FIXTURE.replace(
        "\"pricing\": {\"prompt\": \"0.0000005\", \"completion\": \"0.000002\", \"input_cache_read\": \"0.00000005\"}",
        "\"pricing\": {\"prompt\": \"0.0000015\", \"completion\": \"0.000005\", \"input_cache_read\": \"0.00000005\"}",
    );
    assert_ne!(dearer, FIXTURE);
    let app = TestApp::with_catalogue(&dearer, "2026-08-08").await;
    let page = app
        .get(
            "/calculator?requests=1000&input_tokens=1000&output_tokens=100&batch=30&ids=acme/alpha",
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // All on demand: 1M × $1 + 0.1M × $4 = $1.40 (on the batch listing the 30 % would
    // have cost 0.3M × $1.50 + 0.03M × $5 = $0.60 against $0.42 on demand).
    assert_eq!(monthly(&page, "acme/alpha"), "$1.40");
    let notes = notes(&page, "acme/alpha").join(" | ");
    assert!(
        notes.contains("the batch listing costs no less than on demand for this workload"),
        "{notes}"
    );
    let summary = page.texts("#summary p").join(" ");
    assert!(!summary.contains("batching adds"), "{summary}");
    assert!(
        summary.contains("batching saves nothing: its batch listing is no cheaper"),
        "{summary}"
    );
    let lines =
        page.texts("tbody.bill[data-id='acme/alpha'] table.itemised tbody tr td:nth-child(2)");
    assert!(lines.iter().all(|part| part == "on demand"), "{lines:?}");

    // The model page no longer says "for work that can wait" of a dearer listing.
    let note = app
        .get("/models/acme/alpha")
        .await
        .texts(".batch-note")
        .join("");
    assert!(!note.contains("can wait"), "{note}");
    assert!(note.contains("does not save"), "{note}");
}

#[tokio::test]
async fn a_batch_listing_whose_window_cannot_hold_the_request_is_not_used() {
    // Give acme/alpha:batch an 8,000-token window; alpha itself keeps 200,000.
    let small = FIXTURE.replacen(
        "{\"id\": \"acme/alpha:batch\", \"name\": \"Acme: Alpha (batch)\", \"context_length\": 200000,",
        "{\"id\": \"acme/alpha:batch\", \"name\": \"Acme: Alpha (batch)\", \"context_length\": 8000,",
        1,
    );
    assert_ne!(small, FIXTURE);
    let app = TestApp::with_catalogue(&small, "2026-08-08").await;
    let page = app
        .get("/calculator?requests=100&input_tokens=10000&output_tokens=1000&batch=50&ids=acme/alpha")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // One request is 11,000 tokens, over the batch window: all on demand,
    // 1M × $1 + 0.1M × $4 = $1.40.
    assert_eq!(monthly(&page, "acme/alpha"), "$1.40");
    let notes = notes(&page, "acme/alpha").join(" | ");
    assert!(
        notes.contains(
            "the batch listing's context window (8,000 tokens) cannot hold one request \
             (11,000 tokens)"
        ),
        "{notes}"
    );
    // With requests that fit, the batch listing takes its share: 8,000-token window,
    // 5,000 + 1,000 per request. Half on demand: 0.25M × $1 + 0.05M × $4 = $0.45;
    // half batch: 0.25M × $0.50 + 0.05M × $2 = $0.225. Total $0.675.
    let page = app
        .get(
            "/calculator?requests=100&input_tokens=5000&output_tokens=1000&batch=50&ids=acme/alpha",
        )
        .await;
    assert_eq!(monthly(&page, "acme/alpha"), "$0.675");
}

#[tokio::test]
async fn a_context_minimum_below_one_request_does_not_lower_the_floor() {
    let app = TestApp::fixture().await;
    // One request: 300,000 + 1,000 tokens. Only gamma (1,000,000) and the router
    // (2,000,000, unpriceable) have room; min_context=1000 must not let alpha
    // (200,000) or beta (128,000) in.
    let page = app
        .get("/calculator?requests=10&input_tokens=300000&output_tokens=1000&min_context=1000")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(bill_ids(&page), vec!["globex/gamma"]);
    let left_out = page.texts("details.left-out li").join(" | ");
    assert!(
        left_out
            .contains("Alpha acme/alpha — context window 200,000 tokens, under the 301,000 needed"),
        "{left_out}"
    );
}

#[tokio::test]
async fn no_requests_or_a_whole_discount_is_refused_rather_than_called_free() {
    let app = TestApp::fixture().await;
    let page = app
        .get("/calculator?requests=0&input_tokens=1000&output_tokens=100")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        page.texts("#requests-error"),
        vec!["Requests per month must be at least 1."]
    );
    assert!(page.texts("td.times").is_empty());

    let page = app
        .get("/calculator?requests=10&input_tokens=1000&output_tokens=100&discount=100")
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    let error = page.texts("#discount-error").concat();
    assert!(error.contains("enter less than 100 %"), "{error}");

    // The exports refuse them in the one error shape too.
    let csv = app
        .get("/calculator?requests=0&input_tokens=1000&output_tokens=100&format=csv")
        .await;
    assert_eq!(csv.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_summary_under_a_quality_floor_names_only_rows_above_it() {
    let app = TestApp::fixture().await;
    // Floor 55: only gamma (60) is kept; alpha:free (50) and delta (no index) are not.
    let page = app
        .get("/calculator?requests=1000&input_tokens=1000&output_tokens=100&min_quality=55")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(bill_ids(&page), vec!["globex/gamma"]);
    let summary = page.texts("#summary p").join(" ");
    // Gamma: 1M × $3 + 0.1M × $15 = $4.50.
    assert!(
        summary.contains(
            "With an intelligence index of at least 55, the cheapest paid model for this \
             workload is Gamma (globex/gamma) at $4.50 a month"
        ),
        "{summary}"
    );
    assert!(!summary.contains("free listing"), "{summary}");
    assert!(!summary.contains("Delta"), "{summary}");
    assert!(!summary.contains("the cheapest."), "{summary}");
}
