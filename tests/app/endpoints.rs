//! OpenRouter's per-model endpoints feed: the pass that fetches it (its concurrency and time
//! limits, failures that keep the old data, the scheduler) and the "where to buy" rows it
//! fills. A fake OpenRouter on loopback serves our fixture catalogue and hand-written
//! endpoint lists, so timeouts, 500s and malformed bodies are real.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::upstream::{self, Reply};
use crate::common::{self, FIXTURE, TestApp};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use tokenfare::fetch::{ClientConfig, UpstreamClient};
use tokenfare::ingest::endpoints::{PassConfig, PassSummary, run_pass};
use tokenfare::ingest::never_stop;

struct Fake {
    models: Mutex<String>,
    replies: Mutex<HashMap<String, Reply>>,
    /// How long each endpoints request is held, so concurrent requests overlap.
    hold: Duration,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    hits: Mutex<HashMap<String, usize>>,
}

impl Fake {
    fn new(models: &str, hold: Duration) -> Arc<Fake> {
        Arc::new(Fake {
            models: Mutex::new(models.to_string()),
            replies: Mutex::new(HashMap::new()),
            hold,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            hits: Mutex::new(HashMap::new()),
        })
    }

    fn set(&self, id: &str, reply: Reply) {
        self.replies.lock().unwrap().insert(id.to_string(), reply);
    }

    fn hits(&self, id: &str) -> usize {
        self.hits.lock().unwrap().get(id).copied().unwrap_or(0)
    }

    fn total_hits(&self) -> usize {
        self.hits.lock().unwrap().values().sum()
    }
}

/// Decrements the in-flight count however the request ends (a client timeout included).
struct InFlight<'a>(&'a AtomicUsize);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn fake_models(State(fake): State<Arc<Fake>>) -> Response {
    upstream::json(fake.models.lock().unwrap().clone())
}

async fn fake_endpoints(State(fake): State<Arc<Fake>>, Path(rest): Path<String>) -> Response {
    let Some(id) = rest.strip_suffix("/endpoints") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    *fake.hits.lock().unwrap().entry(id.to_string()).or_default() += 1;
    let now = fake.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    fake.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let _guard = InFlight(&fake.in_flight);
    tokio::time::sleep(fake.hold).await;
    let reply = fake.replies.lock().unwrap().get(id).cloned();
    match reply {
        Some(reply) => {
            reply
                .respond("{\"data\": {\"endpoints\": [{\"provider_name\": ")
                .await
        }
        None => upstream::json(endpoints_body(
            id,
            vec![endpoint(
                "Solo", "solo", "0.000001", "0.000002", None, None, "fp16",
            )],
        )),
    }
}

/// Starts the fake on an ephemeral loopback port; returns its API base URL.
async fn start(fake: Arc<Fake>) -> String {
    upstream::start_openrouter(fake, get(fake_models), get(fake_endpoints), None).await
}

fn client(base: &str) -> UpstreamClient {
    upstream::client(base, Duration::from_millis(400))
}

fn quick_pass() -> PassConfig {
    PassConfig {
        delay: Duration::from_millis(5),
        time_limit: Duration::from_secs(20),
        ..PassConfig::default()
    }
}

fn endpoint(
    provider: &str,
    tag: &str,
    prompt: &str,
    completion: &str,
    cache_read: Option<&str>,
    cache_write: Option<&str>,
    quantization: &str,
) -> Value {
    let mut endpoint =
        upstream::endpoint_json(provider, tag, prompt, completion, cache_read, quantization);
    if let Some(write) = cache_write {
        endpoint["pricing"]["input_cache_write"] = json!(write);
    }
    endpoint
}

fn endpoints_body(id: &str, endpoints: Vec<Value>) -> String {
    json!({"data": {"id": id, "name": id, "endpoints": endpoints}}).to_string()
}

/// acme/alpha routes at $1/M in, $4/M out, cache $0.10 read / $1.25 write: a blend of $1.75.
/// Blends: Cheapo $1.40, Acme $1.75, Mid $1.75, Premium $2.625.
fn alpha_endpoints() -> String {
    let mut premium = endpoint(
        "Premium",
        "premium",
        "0.0000015",
        "0.000006",
        None,
        None,
        "fp16",
    );
    premium["status"] = json!(-2);
    premium["uptime_last_1d"] = json!(91.126);
    endpoints_body(
        "acme/alpha",
        vec![
            premium,
            endpoint("Mid", "mid", "0.000001", "0.000004", None, None, "bf16"),
            endpoint(
                "Cheapo",
                "cheapo/fp8",
                "0.0000008",
                "0.0000032",
                None,
                None,
                "fp8",
            ),
            endpoint(
                "Acme",
                "acme",
                "0.000001",
                "0.000004",
                Some("0.0000001"),
                Some("0.00000125"),
                "unknown",
            ),
        ],
    )
}

/// The fake serving the fixture catalogue and acme/alpha's four endpoints (every other
/// model: one "Solo" endpoint), holding each endpoints request `hold`; and its base URL.
async fn alpha_fake(hold: Duration) -> (Arc<Fake>, String) {
    let fake = Fake::new(FIXTURE, hold);
    fake.set("acme/alpha", Reply::Json(alpha_endpoints()));
    let base = start(fake.clone()).await;
    (fake, base)
}

/// The fixture catalogue plus one endpoints pass against the fake.
async fn app_with_endpoints(fake: &Arc<Fake>, base: &str) -> (TestApp, PassSummary) {
    let app = TestApp::empty().await;
    let client = client(base);
    tokenfare::ingest::catalogue::run_once(&app.store, &client)
        .await
        .expect("catalogue from the fake");
    let summary = run_pass(&app.store, &client, &quick_pass(), never_stop())
        .await
        .expect("pass runs");
    app.state.reload().await.unwrap();
    let _ = fake;
    (app, summary)
}

const PROVIDER_ROWS: &str = "#price-tags tr[data-kind=routed-provider]";

/// The providers' rows of the model page's one table of sellers, by the first word of their
/// names, in table order.
fn provider_names(page: &common::TestResponse) -> Vec<String> {
    page.texts(&format!("{PROVIDER_ROWS} th"))
        .into_iter()
        .map(|t| t.split_whitespace().next().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn where_to_buy_rows_run_cheapest_first_with_the_cheapest_marked() {
    let (fake, base) = alpha_fake(Duration::ZERO).await;
    let (app, summary) = app_with_endpoints(&fake, &base).await;
    // Base and -fast listings with fixed prices: alpha, beta, beta-fast, gamma, delta, epsilon, zeta.
    assert_eq!(summary.models, 7, "{summary}");
    assert_eq!(summary.updated, 7, "{summary}");
    assert_eq!(fake.hits("acme/alpha:free"), 0);
    assert_eq!(fake.hits("router/auto"), 0);

    let page = app.get("/models/acme/alpha").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        provider_names(&page),
        vec!["Cheapo", "Acme", "Mid", "Premium"]
    );
    let rows = PROVIDER_ROWS;
    let cheapest = page.texts("#price-tags tr.cheapest th");
    assert_eq!(cheapest.len(), 1);
    assert!(
        cheapest[0].starts_with("Cheapo via OpenRouter cheapest"),
        "{cheapest:?}"
    );
    assert_eq!(
        page.texts(&format!("{rows} td.vs-routed .blend")),
        vec!["$1.40", "$1.75", "$1.75", "$2.625"]
    );
    assert_eq!(
        page.texts(&format!("{rows} td.vs-routed .vs")),
        vec![
            "−20%",
            "same",
            "same blend; cache read, cache write differ",
            "+50%"
        ]
    );
    // The routed price is a row of the same table, with its own blend.
    let routed = |css: &str| page.texts(&format!("#price-tags tr[data-kind=routed] {css}"));
    let headline = [
        routed("td.input"),
        routed("td.output"),
        routed(".cache-read"),
        routed(".cache-write"),
        routed(".blend"),
    ]
    .concat();
    assert_eq!(headline, ["$1.00", "$4.00", "$0.10", "$1.25", "$1.75"]);
    let summary_text = page.texts("#price-tags p.providers-summary").join(" ");
    assert!(
        summary_text.contains("20% below the routed price"),
        "{summary_text}"
    );
    assert!(summary_text.contains("87.5% more"), "{summary_text}");
    // Only the 8-bit endpoint is flagged as low precision; the degraded one shows its status.
    let quant = page.texts(&format!("{rows} td.quant"));
    assert!(quant[0].starts_with("fp8 low precision 8-bit"), "{quant:?}");
    assert!(
        quant[1..].iter().all(|q| !q.contains("low precision")),
        "{quant:?}"
    );
    assert_eq!(quant[1], "not stated");
    let premium = page.texts(&format!("{rows}[data-tag=premium] th"));
    assert!(premium[0].contains("status −2"), "{premium:?}");
    // The table grew columns after uptime (issue 17); the day's figure is its own element.
    let uptimes = page.texts(&format!("{rows} td.uptime .day"));
    assert_eq!(uptimes, vec!["99.9%", "99.9%", "99.9%", "91.1%"]);
}

#[tokio::test]
async fn the_section_reports_spread_and_cheapest_as_data() {
    let (fake, base) = alpha_fake(Duration::ZERO).await;
    let (app, _) = app_with_endpoints(&fake, &base).await;
    let catalogue = app.state.catalogue();
    let section = tokenfare::web::pages::sections::where_to_buy::section(
        &catalogue,
        "acme/alpha",
        &Default::default(),
    );
    assert_eq!(section.cheapest, vec!["Cheapo"]);
    assert_eq!(section.spread_percent.as_deref(), Some("87.5%"));
    assert_eq!(section.flagged_quantization, 1);
    assert!(section.failure.is_none() && !section.stale);
    // A lone provider is not marked "cheapest" and has no spread.
    let beta = tokenfare::web::pages::sections::where_to_buy::section(
        &catalogue,
        "acme/beta",
        &Default::default(),
    );
    assert_eq!(beta.cheapest, vec!["Solo"]);
    assert!(!beta.rows[0].cheapest);
    assert!(beta.spread.is_none() && !beta.all_same_price);
    // Solo's $1/M in, $2/M out blends to $1.25 against beta's routed $0.35.
    assert_eq!(beta.rows[0].vs_headline, "+257.1%");
    // An alias shows its target's providers; a batch listing points to its base.
    let alias = tokenfare::web::pages::sections::where_to_buy::section(
        &catalogue,
        "~globex/gamma-latest",
        &Default::default(),
    );
    assert_eq!(alias.rows.len(), 1);
    let batch = tokenfare::web::pages::sections::where_to_buy::section(
        &catalogue,
        "acme/alpha:batch",
        &Default::default(),
    );
    assert!(!batch.has_data());
    assert_eq!(batch.see_base.as_deref(), Some("acme/alpha"));
}

#[tokio::test]
async fn a_failing_model_keeps_its_old_endpoints_while_others_update() {
    let (fake, base) = alpha_fake(Duration::ZERO).await;
    let (app, first) = app_with_endpoints(&fake, &base).await;
    assert_eq!(first.failed, 0);
    let before = app.state.catalogue();
    let old = |id: &str| before.endpoints(id).unwrap().endpoints.clone();
    let (alpha_v1, beta_v1, gamma_v1) = (old("acme/alpha"), old("acme/beta"), old("globex/gamma"));

    // Second pass: three kinds of failure, and one model whose prices change.
    fake.set("acme/alpha", Reply::Status(500));
    fake.set("acme/beta", Reply::Malformed);
    fake.set("globex/gamma", Reply::Hang);
    fake.set(
        "globex/delta",
        Reply::Json(endpoints_body(
            "globex/delta",
            vec![endpoint(
                "Solo",
                "solo",
                "0.0000009",
                "0.000002",
                None,
                None,
                "fp16",
            )],
        )),
    );
    let client = client(&base);
    let second = run_pass(&app.store, &client, &quick_pass(), never_stop())
        .await
        .unwrap();
    app.state.reload().await.unwrap();
    assert_eq!(second.failed, 3, "{second}");
    assert_eq!(second.updated, 4, "{second}");
    assert_eq!(second.price_changes, 1, "{second}");
    // The 500 was retried under the client's usual rules before giving up.
    assert_eq!(fake.hits("acme/alpha"), 1 + 2);

    let after = app.state.catalogue();
    for (id, v1, reason) in [
        ("acme/alpha", &alpha_v1, "HTTP 500"),
        ("acme/beta", &beta_v1, "not a usable endpoint list"),
        ("globex/gamma", &gamma_v1, "timed out"),
    ] {
        let data = after.endpoints(id).unwrap();
        assert_eq!(&data.endpoints, v1, "{id} lost its rows");
        let error = data.status.last_error.as_deref().unwrap_or_default();
        assert!(error.contains(reason), "{id}: {error}");
        // The success time still dates the old rows.
        assert_eq!(
            data.status.last_success,
            before.endpoints(id).unwrap().status.last_success,
            "{id}"
        );
        assert!(data.status.last_attempt >= data.status.last_success, "{id}");
    }
    let delta = after.endpoints("globex/delta").unwrap();
    assert!(delta.status.last_error.is_none());
    assert_eq!(
        delta.endpoints[0].pricing.base.prompt,
        tokenfare::model::price::Price::parse("0.0000009").ok()
    );
    // The catalogue itself is untouched by the pass.
    assert_eq!(after.active_count(), before.active_count());

    // The page keeps the old rows and says the latest refresh failed.
    let page = app.get("/models/acme/alpha").await;
    let notice = page.texts("#price-tags p.notice").join(" ");
    assert!(
        notice.contains("failed: OpenRouter answered HTTP 500"),
        "{notice}"
    );
    assert!(notice.contains("last successful refresh"), "{notice}");
    assert_eq!(
        provider_names(&page),
        vec!["Cheapo", "Acme", "Mid", "Premium"]
    );
    let delta = app.get("/models/globex/delta").await;
    assert!(delta.texts("#price-tags p.notice").is_empty());
}

fn generated_catalogue(count: usize) -> String {
    let models: Vec<Value> = (0..count)
        .map(|i| {
            json!({"id": format!("load/model-{i:02}"), "name": format!("Load: Model {i}"),
                   "pricing": {"prompt": "0.000001", "completion": "0.000002"}})
        })
        .collect();
    json!({"data": models}).to_string()
}

#[tokio::test]
async fn the_pass_never_has_more_than_four_requests_in_flight() {
    let fake = Fake::new(&generated_catalogue(20), Duration::from_millis(60));
    let base = start(fake.clone()).await;
    let (app, summary) = app_with_endpoints(&fake, &base).await;
    assert_eq!(summary.updated, 20, "{summary}");
    assert_eq!(fake.total_hits(), 20);
    let max = fake.max_in_flight.load(Ordering::SeqCst);
    assert!(max <= 4, "{max} requests were in flight at once");
    // And the pass does overlap requests rather than trickling them one by one.
    assert!(max >= 2, "only {max} in flight");
    assert_eq!(
        app.state
            .catalogue()
            .endpoints("load/model-07")
            .map(|e| e.endpoints.len()),
        Some(1)
    );
}

#[tokio::test]
async fn a_pass_stops_at_its_time_limit_and_leaves_the_catalogue_alone() {
    let fake = Fake::new(&generated_catalogue(12), Duration::ZERO);
    for i in 0..12 {
        fake.set(&format!("load/model-{i:02}"), Reply::Hang);
    }
    let base = start(fake.clone()).await;
    let app = TestApp::empty().await;
    let mut config = ClientConfig::new(&base);
    config.total_timeout = Duration::from_secs(30);
    let client = UpstreamClient::new(config).unwrap();
    tokenfare::ingest::catalogue::run_once(&app.store, &client)
        .await
        .unwrap();
    let pass = PassConfig {
        time_limit: Duration::from_millis(300),
        ..quick_pass()
    };
    let started = std::time::Instant::now();
    let summary = run_pass(&app.store, &client, &pass, never_stop())
        .await
        .unwrap();
    // Generous: the point is that a 30 s request cannot hold the pass past its limit.
    assert!(started.elapsed() < Duration::from_secs(5), "{summary}");
    assert_eq!(summary.updated, 0);
    assert_eq!(
        summary.failed, 4,
        "the four in flight at the limit: {summary}"
    );
    assert_eq!(summary.not_reached, 8, "{summary}");
    app.state.reload().await.unwrap();
    assert_eq!(app.state.catalogue().active_count(), 12);
    assert_eq!(app.get("/models").await.status, StatusCode::OK);
}

#[tokio::test]
async fn ingest_endpoints_only_refreshes_just_the_endpoints() {
    use clap::Parser;
    let (fake, base) = alpha_fake(Duration::ZERO).await;
    let app = TestApp::fixture().await;
    let runs_before = app.store.recent_runs(100).await.unwrap().len();
    let db = app.dir.path().join("test.db");
    // `tokenfare --database DB --openrouter-url BASE ingest [extra]`.
    let ingest = |extra: Option<&str>| {
        let mut args = vec![
            "tokenfare",
            "--database",
            db.to_str().unwrap(),
            "--openrouter-url",
            &base,
            "ingest",
        ];
        args.extend(extra);
        tokenfare::cli::Cli::parse_from(args)
    };
    tokenfare::cli::run(ingest(Some("--endpoints-only")))
        .await
        .expect("endpoints-only ingest");
    // No catalogue run was made, and the fake's /models was never needed.
    assert_eq!(app.store.recent_runs(100).await.unwrap().len(), runs_before);
    app.state.reload().await.unwrap();
    let catalogue = app.state.catalogue();
    assert_eq!(
        catalogue.endpoints("acme/alpha").unwrap().endpoints.len(),
        4
    );
    assert!(catalogue.endpoints("globex/delta").is_some());
    // A plain API ingest refreshes the catalogue and then the endpoints.
    fake.set(
        "acme/alpha",
        Reply::Json(endpoints_body(
            "acme/alpha",
            vec![endpoint(
                "Acme", "acme", "0.000001", "0.000004", None, None, "fp16",
            )],
        )),
    );
    tokenfare::cli::run(ingest(None)).await.expect("API ingest");
    assert_eq!(
        app.store.recent_runs(100).await.unwrap().len(),
        runs_before + 1
    );
    app.state.reload().await.unwrap();
    assert_eq!(
        app.state
            .catalogue()
            .endpoints("acme/alpha")
            .unwrap()
            .endpoints
            .len(),
        1
    );
    // --endpoints-only reads nothing from a file.
    assert!(
        tokenfare::cli::Cli::try_parse_from([
            "tokenfare",
            "ingest",
            "--endpoints-only",
            "--file",
            "x.json"
        ])
        .is_err()
    );
}

#[tokio::test]
async fn an_endpoints_pass_changes_page_validators_so_no_stale_copy_is_served() {
    let (_fake, base) = alpha_fake(Duration::ZERO).await;
    let app = TestApp::empty().await;
    let client = client(&base);
    tokenfare::ingest::catalogue::run_once(&app.store, &client)
        .await
        .unwrap();
    app.state.reload().await.unwrap();
    let url = "/models/acme/alpha";
    let before = app.get(url).await;
    assert_eq!(before.texts("#price-tags #no-endpoints").len(), 1);
    let etag = before.headers.get("etag").cloned().expect("an ETag");

    run_pass(&app.store, &client, &quick_pass(), never_stop())
        .await
        .unwrap();
    app.state.reload().await.unwrap();
    let after = app
        .get_with(url, "if-none-match", etag.to_str().unwrap())
        .await;
    assert_eq!(after.status, StatusCode::OK);
    assert_ne!(after.headers.get("etag"), Some(&etag));
    assert_eq!(
        provider_names(&after),
        vec!["Cheapo", "Acme", "Mid", "Premium"]
    );
}

#[tokio::test]
async fn the_scheduler_serves_the_catalogue_then_the_endpoints_and_stops_on_shutdown() {
    // Each endpoints request takes 300 ms, so the pass outlasts the catalogue reload.
    let (_fake, base) = alpha_fake(Duration::from_millis(300)).await;
    let app = TestApp::empty().await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(tokenfare::ingest::scheduler::run(
        app.state.clone(),
        tokenfare::ingest::scheduler::Chain::openrouter(client(&base), Some(quick_pass())),
        Duration::from_secs(3600),
        stop_rx,
    ));
    // The new catalogue is served while the endpoints pass is still running.
    for _ in 0..400 {
        if app.state.catalogue().active_count() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(app.state.catalogue().active_count(), 12);
    assert!(app.state.catalogue().endpoints("acme/alpha").is_none());
    let mut served = false;
    for _ in 0..200 {
        let catalogue = app.state.catalogue();
        if catalogue.endpoints("acme/alpha").is_some() {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(served, "endpoints never reached the served catalogue");
    assert_eq!(app.state.catalogue().active_count(), 12);
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the scheduler stops on shutdown")
        .unwrap();
}
