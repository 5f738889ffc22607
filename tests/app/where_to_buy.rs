//! Choosing where to buy beyond price: OpenRouter's provider list and the endpoint figures
//! behind the "where to buy" filters, against a fake OpenRouter on loopback serving a
//! provider list and endpoint listings of our own making (invented providers, our prices).

use std::collections::HashMap;
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
use tokenfare::ingest::endpoints::{PassConfig, run_pass};
use tokenfare::ingest::never_stop;
use tokenfare::ingest::providers::{ProvidersError, run_once as refresh_providers};

struct Fake {
    providers: Mutex<Reply>,
    endpoints: Mutex<HashMap<String, String>>,
}

async fn fake_models() -> Response {
    upstream::json(FIXTURE)
}

async fn fake_providers(State(fake): State<Arc<Fake>>) -> Response {
    let reply = fake.providers.lock().unwrap().clone();
    reply.respond("{\"data\": [{\"slug\": ").await
}

async fn fake_endpoints(State(fake): State<Arc<Fake>>, Path(rest): Path<String>) -> Response {
    let id = rest.strip_suffix("/endpoints").unwrap_or_default();
    match fake.endpoints.lock().unwrap().get(id) {
        Some(body) => upstream::json(body.clone()),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start(fake: Arc<Fake>) -> String {
    let providers = Some(get(fake_providers));
    upstream::start_openrouter(fake, get(fake_models), get(fake_endpoints), providers).await
}

fn client(base: &str) -> UpstreamClient {
    upstream::client(base, Duration::from_millis(500))
}

/// Five invented providers: one in the EU, one in the US, one based in the US that does
/// not say where it runs, one that states nothing, one running in Singapore and the
/// Netherlands. Unknown fields are there to be ignored.
fn provider_list() -> Value {
    json!({"data": [
        {"name": "Nordlys Cloud", "slug": "nordlys", "headquarters": "SE", "datacenters": ["FI", "SE"],
         "privacy_policy_url": "https://nordlys.example/privacy",
         "terms_of_service_url": "https://nordlys.example/terms",
         "status_page_url": "https://status.nordlys.example/", "brand_colour": "#123456"},
        {"name": "Harbor Inference", "slug": "harbor", "headquarters": "US", "datacenters": ["US"],
         "privacy_policy_url": "https://harbor.example/privacy", "terms_of_service_url": null,
         "status_page_url": null},
        {"name": "Tidewater AI", "slug": "tidewater", "headquarters": "US", "datacenters": null,
         "privacy_policy_url": null, "terms_of_service_url": null, "status_page_url": null},
        {"name": "Lumen Compute", "slug": "lumen", "headquarters": null, "datacenters": [],
         "privacy_policy_url": null, "terms_of_service_url": null, "status_page_url": null},
        {"name": "Kestrel", "slug": "kestrel", "headquarters": "SG", "datacenters": ["SG", "NL"],
         "privacy_policy_url": "https://kestrel.example/privacy", "terms_of_service_url": null,
         "status_page_url": "https://kestrel.example/status"}
    ]})
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    provider: &str,
    tag: &str,
    prompt: &str,
    completion: &str,
    cache_read: Option<&str>,
    quantization: &str,
    uptime_1d: Option<f64>,
    parameters: &[&str],
) -> Value {
    let mut endpoint =
        upstream::endpoint_json(provider, tag, prompt, completion, cache_read, quantization);
    let extra = json!({
        "name": format!("{provider} | acme/alpha"),
        "uptime_last_5m": uptime_1d, "uptime_last_30m": uptime_1d, "uptime_last_1d": uptime_1d,
        "supported_parameters": parameters, "supports_implicit_caching": tag == "harbor",
        "latency_last_30m": null, "throughput_last_30m": null, "supports_voice_cloning": false
    });
    for (key, value) in extra.as_object().into_iter().flatten() {
        endpoint[key] = value.clone();
    }
    endpoint
}

/// acme/alpha at five providers (routed: $1/M in, $4/M out, cache reads $0.10/M).
/// Blends (3·in + out) / 4: Lumen $1.225, Harbor $1.40, Tidewater $1.575, Kestrel $1.75,
/// Nordlys $2.10.
fn alpha_endpoints() -> String {
    let both = ["tools", "structured_outputs", "max_tokens"];
    json!({"data": {"id": "acme/alpha", "endpoints": [
        endpoint("Nordlys Cloud", "nordlys/bf16", "0.0000012", "0.0000048", None, "bf16", Some(99.5), &["tools"]),
        endpoint("Harbor Inference", "harbor", "0.0000008", "0.0000032", Some("0.00000008"), "fp8", Some(99.9), &both),
        endpoint("Tidewater AI", "tidewater", "0.0000009", "0.0000036", None, "unknown", Some(98.0), &both),
        endpoint("Lumen Compute", "lumen", "0.0000007", "0.0000028", None, "bf16", None, &[]),
        endpoint("Kestrel", "kestrel/fp16", "0.000001", "0.000004", None, "fp16", Some(99.99), &both),
    ]}})
    .to_string()
}

struct World {
    app: TestApp,
    fake: Arc<Fake>,
    client: UpstreamClient,
}

impl World {
    fn set_providers(&self, reply: Reply) {
        *self.fake.providers.lock().unwrap() = reply;
    }
}

/// The fixture catalogue, the five providers, and acme/alpha's endpoints, all ingested
/// through the fake the way `serve` does it.
async fn world() -> World {
    let fake = Arc::new(Fake {
        providers: Mutex::new(Reply::Json(provider_list().to_string())),
        endpoints: Mutex::new(HashMap::from([(
            "acme/alpha".to_string(),
            alpha_endpoints(),
        )])),
    });
    let base = start(Arc::clone(&fake)).await;
    let client = client(&base);
    let app = TestApp::empty().await;
    tokenfare::ingest::catalogue::run_once(&app.store, &client)
        .await
        .expect("catalogue ingests");
    refresh_providers(&app.store, &client)
        .await
        .expect("provider list ingests");
    let config = PassConfig {
        delay: Duration::ZERO,
        time_limit: Duration::from_secs(20),
        ..PassConfig::default()
    };
    run_pass(&app.store, &client, &config, never_stop())
        .await
        .expect("endpoints pass");
    app.state.reload().await.expect("reload");
    World { app, fake, client }
}

fn slugs(app: &TestApp) -> Vec<String> {
    app.state
        .catalogue()
        .provider_directory()
        .providers
        .iter()
        .filter(|p| p.active)
        .map(|p| p.info.slug.clone())
        .collect()
}

#[tokio::test]
async fn the_provider_list_is_stored_and_joined_to_endpoints_by_tag() {
    let w = world().await;
    let catalogue = w.app.state.catalogue();
    let directory = catalogue.provider_directory();
    assert_eq!(directory.providers.len(), 5);
    assert!(directory.last_success.is_some() && directory.last_failure.is_none());
    let nordlys = catalogue.provider("nordlys").expect("nordlys stored");
    assert_eq!(nordlys.info.headquarters.as_deref(), Some("SE"));
    assert_eq!(nordlys.info.datacenters, ["FI", "SE"]);
    assert_eq!(
        nordlys.info.status_page_url.as_deref(),
        Some("https://status.nordlys.example/")
    );
    // `nordlys/bf16` joins on the tag's first part; every endpoint finds its provider.
    let alpha = catalogue.endpoints("acme/alpha").expect("endpoints stored");
    let joined: Vec<Option<&str>> = alpha
        .endpoints
        .iter()
        .map(|e| catalogue.provider_of(e).map(|p| p.info.slug.as_str()))
        .collect();
    assert_eq!(
        joined,
        [
            Some("nordlys"),
            Some("harbor"),
            Some("tidewater"),
            Some("lumen"),
            Some("kestrel")
        ]
    );
}

#[tokio::test]
async fn endpoint_features_survive_the_store_and_unpublished_figures_stay_unknown() {
    let w = world().await;
    let catalogue = w.app.state.catalogue();
    let alpha = &catalogue.endpoints("acme/alpha").unwrap().endpoints;
    let harbor = alpha.iter().find(|e| e.tag == "harbor").unwrap();
    assert_eq!(
        harbor.supported_parameters,
        ["max_tokens", "structured_outputs", "tools"]
    );
    assert_eq!(harbor.supports_implicit_caching, Some(true));
    assert_eq!(harbor.uptime_last_1d, Some(99.9));
    // null latency and throughput are "not published", never 0.
    assert_eq!(harbor.latency_last_30m, None);
    assert_eq!(harbor.throughput_last_30m, None);
    let lumen = alpha.iter().find(|e| e.tag == "lumen").unwrap();
    assert!(lumen.supported_parameters.is_empty());
    assert_eq!(lumen.uptime_last_1d, None);
}

#[tokio::test]
async fn a_failed_providers_call_keeps_the_previous_list() {
    let w = world().await;
    let before = slugs(&w.app);
    let catalogue_version = w.app.state.catalogue().freshness.data_version;
    let shrunk = json!({"data": [{"name": "Harbor Inference", "slug": "harbor"}]}).to_string();
    let failures = [
        (Reply::Status(500), "HTTP 500"),
        (Reply::Malformed, "not JSON"),
        (
            Reply::Json(json!({"data": []}).to_string()),
            "no usable provider",
        ),
        (
            Reply::Json(json!({"providers": []}).to_string()),
            "no provider list",
        ),
        (Reply::Json(shrunk), "shrank from 5 to 1"),
    ];
    for (reply, expected) in failures {
        w.set_providers(reply);
        let err = refresh_providers(&w.app.store, &w.client)
            .await
            .expect_err("refused");
        assert!(err.to_string().contains(expected), "{err}");
        w.app.state.reload().await.unwrap();
        assert_eq!(slugs(&w.app), before, "after {expected}");
        let catalogue = w.app.state.catalogue();
        let failure = catalogue.provider_directory().last_failure.clone().unwrap();
        assert!(failure.error.unwrap().contains(expected));
        // The provider list's failure is not the catalogue's.
        assert_eq!(catalogue.freshness.data_version, catalogue_version);
        assert!(catalogue.freshness.last_failure.is_none());
    }
    let runs = w.app.store.provider_runs(100).await.unwrap();
    assert_eq!(runs.iter().filter(|r| !r.success).count(), 5);
    assert_eq!(runs.iter().filter(|r| r.success).count(), 1);
    // The methodology page says so, and the pages still show the previous list.
    let about = w.app.get("/about").await.texts("#provider-list-status");
    assert!(
        about[0].contains("It holds 5 providers") && about[0].contains("shrank from 5 to 1"),
        "{about:?}"
    );
    let page = w.app.get("/models/acme/alpha").await;
    assert_eq!(
        page.texts("#price-tags tr[data-tag=\"nordlys/bf16\"] small.places"),
        ["HQ SE · runs in FI, SE"]
    );
}

#[tokio::test]
async fn a_shutdown_abandons_a_stalled_provider_list_fetch_and_keeps_the_list() {
    let w = world().await;
    w.set_providers(Reply::Hang);
    let mut config = ClientConfig::new(w.client.base_url());
    config.total_timeout = Duration::from_secs(30);
    let patient = UpstreamClient::new(config).unwrap();
    let (stop, receiver) = tokio::sync::watch::channel(false);
    let started = std::time::Instant::now();
    let run = tokio::spawn({
        let store = w.app.store.clone();
        async move { tokenfare::ingest::providers::run_once_until(&store, &patient, receiver).await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(true).unwrap();
    let outcome = run.await.unwrap();
    assert!(
        matches!(
            outcome,
            Err(tokenfare::ingest::providers::ProvidersError::Cancelled)
        ),
        "abandoned, not recorded"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    w.app.state.reload().await.unwrap();
    assert_eq!(slugs(&w.app).len(), 5);
    assert!(
        w.app
            .state
            .catalogue()
            .provider_directory()
            .last_failure
            .is_none()
    );
}

#[tokio::test]
async fn a_provider_that_leaves_the_list_is_kept_as_inactive() {
    let w = world().await;
    let mut list = provider_list();
    list["data"].as_array_mut().unwrap().remove(4);
    // A record we cannot read is skipped and counted, not fatal.
    list["data"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "No slug"}));
    w.set_providers(Reply::Json(list.to_string()));
    let summary = refresh_providers(&w.app.store, &w.client).await.unwrap();
    assert_eq!((summary.stored, summary.skipped), (4, 1));
    assert_eq!((summary.added, summary.removed), (0, 1));
    w.app.state.reload().await.unwrap();
    let catalogue = w.app.state.catalogue();
    let kestrel = catalogue.provider("kestrel").expect("still known");
    assert!(!kestrel.active);
    assert_eq!(kestrel.info.datacenters, ["NL", "SG"]);
}

#[tokio::test]
async fn an_unreachable_provider_list_is_recorded_as_failed() {
    let app = TestApp::fixture().await;
    // Nothing listens on port 9 of loopback.
    let err = refresh_providers(&app.store, &client("http://127.0.0.1:9/api/v1"))
        .await
        .expect_err("unreachable");
    assert!(matches!(err, ProvidersError::Fetch(_)));
    app.state.reload().await.unwrap();
    let directory = app.state.catalogue().provider_directory().clone();
    assert!(directory.providers.is_empty() && directory.last_failure.is_some());
}

/// Migrations land from several branches: a database that applied 0005 before 0003 and
/// 0004 existed must still take them later (sqlx applies any unapplied version, in order).
#[tokio::test]
async fn a_database_migrated_without_0003_and_0004_takes_them_later() {
    use sqlx::migrate::Migrator;
    use sqlx::sqlite::SqliteConnectOptions;

    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(&source)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "sql"))
        .collect();
    files.sort();
    let version = |p: &std::path::Path| -> u32 {
        p.file_name().unwrap().to_str().unwrap()[..4]
            .parse()
            .unwrap()
    };
    // Everything but the migrations of other branches (0003, 0004) first, then all of them.
    let early: Vec<_> = files
        .iter()
        .filter(|p| ![3, 4].contains(&version(p)))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let subset = dir.path().join("subset");
    std::fs::create_dir(&subset).unwrap();
    for f in &early {
        std::fs::copy(f, subset.join(f.file_name().unwrap())).unwrap();
    }
    let db = dir.path().join("order.db");
    let pool = sqlx::SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true),
    )
    .await
    .unwrap();
    Migrator::new(subset.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .expect("without 0003 and 0004");
    pool.close().await;
    let store = tokenfare::store::Store::open(&db)
        .await
        .expect("the full set applies on top");
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(applied as usize, files.len());
    store.close().await;
}

/// The model page's one table of sellers: the endpoint tags of the provider rows that meet
/// the filters, in table order, of those left out, and of the rows marked cheapest.
fn rows(response: &common::TestResponse) -> (Vec<String>, Vec<String>, Vec<String>) {
    let providers = "#price-tags tr[data-kind=routed-provider]";
    let all = response.attrs(providers, "data-tag");
    let out = response.attrs(&format!("{providers}.left-out"), "data-tag");
    let kept = all.into_iter().filter(|t| !out.contains(t)).collect();
    let marked = response.attrs(&format!("{providers}.cheapest"), "data-tag");
    (kept, out, marked)
}

#[tokio::test]
async fn where_to_buy_shows_where_each_provider_is_based_and_runs_with_its_features_and_policies() {
    let w = world().await;
    let page = w.app.get("/models/acme/alpha").await;
    assert_eq!(page.status, 200);
    let row = |tag: &str, cell: &str| {
        page.texts(&format!("#price-tags tr[data-tag=\"{tag}\"] {cell}"))
            .join(" | ")
    };
    assert_eq!(
        row("nordlys/bf16", "small.places"),
        "HQ SE · runs in FI, SE"
    );
    assert_eq!(
        row("kestrel/fp16", "small.places"),
        "HQ SG · runs in NL, SG"
    );
    // Based in the US, silent on where it runs; and a provider that states nothing.
    assert_eq!(
        row("tidewater", "small.places"),
        "HQ US · datacenters not stated"
    );
    assert_eq!(
        row("lumen", "small.places"),
        "HQ not stated · datacenters not stated"
    );
    assert_eq!(
        row("harbor", "td.features"),
        "Tools: yes · Structured outputs: yes · Implicit caching: yes"
    );
    assert_eq!(
        row("nordlys/bf16", "td.features"),
        "Tools: yes · Structured outputs: no · Implicit caching: no"
    );
    assert_eq!(
        row("lumen", "td.features"),
        "Tools: not listed · Structured outputs: not listed · Implicit caching: no"
    );
    // OpenRouter sends null latency and throughput without a key: never shown as 0.
    for tag in ["harbor", "lumen", "kestrel/fp16"] {
        assert_eq!(row(tag, ".speed"), "not published");
    }
    assert_eq!(row("lumen", "td.uptime"), "not published");
    assert_eq!(
        row("kestrel/fp16", "td.uptime"),
        "99.9% 5 min 99.9% · 30 min 99.9%"
    );
    assert_eq!(row("nordlys/bf16", ".policies"), "Privacy · Terms · Status");
    assert_eq!(row("lumen", ".policies"), "none listed");
    let nordlys_links = page.attrs(
        "#price-tags tr[data-tag=\"nordlys/bf16\"] .policies a",
        "href",
    );
    assert_eq!(
        nordlys_links,
        [
            "https://nordlys.example/privacy",
            "https://nordlys.example/terms",
            "https://status.nordlys.example/"
        ]
    );
    // Every row links to its provider's page.
    assert_eq!(
        page.attrs("#price-tags tr[data-kind=routed-provider] th > a", "href"),
        [
            "/providers/lumen",
            "/providers/harbor",
            "/providers/tidewater",
            "/providers/kestrel",
            "/providers/nordlys"
        ]
    );
    // Without filters the cheapest blend is marked: Lumen at (3 × 0.70 + 2.80) / 4 = $1.225.
    let (kept, out, marked) = rows(&page);
    assert_eq!(kept.len(), 5);
    assert!(out.is_empty());
    assert_eq!(marked, ["lumen"]);
}

#[tokio::test]
async fn each_filter_keeps_the_right_providers_and_marks_the_cheapest_that_qualifies() {
    let w = world().await;
    // Blends: Lumen 1.225, Harbor 1.40, Tidewater 1.575, Kestrel 1.75, Nordlys 2.10; the
    // routed price (1.75) is a seller too: it states no place and no uptime, full precision
    // (no stated quantization), tool calling but not structured outputs.
    let cases: &[(&str, &[&str], &[&str], &str)] = &[
        // Only Nordlys (FI, SE) runs wholly in the EU; Kestrel runs in NL *and* SG.
        (
            "dc=EU",
            &["nordlys/bf16"],
            &["nordlys/bf16"],
            "5 sellers left out: 3 do not say where they run, 2 run outside the EU.",
        ),
        // Tidewater is based in the US but does not say where it runs: left out.
        (
            "dc=us",
            &["harbor"],
            &["harbor"],
            "5 sellers left out: 3 do not say where they run, 2 run outside US.",
        ),
        (
            "hq=US",
            &["harbor", "tidewater"],
            &["harbor"],
            "4 sellers left out: 2 do not state a headquarters, 2 are based outside US.",
        ),
        (
            "min_uptime=99.5",
            &["harbor", "kestrel/fp16", "nordlys/bf16"],
            &["harbor"],
            "3 sellers left out: 2 have no published uptime for the last day, 1 was up less than 99.5% of the last day.",
        ),
        // Harbor states fp8; Tidewater states nothing ("unknown") and is kept.
        (
            "full_precision=1",
            &["lumen", "tidewater", "kestrel/fp16", "nordlys/bf16"],
            &["lumen"],
            "1 seller left out: 1 runs at reduced precision.",
        ),
        (
            "tools=1",
            &["harbor", "tidewater", "kestrel/fp16", "nordlys/bf16"],
            &["harbor"],
            "1 seller left out: 1 does not list tool calling.",
        ),
        (
            "structured_outputs=1",
            &["harbor", "tidewater", "kestrel/fp16"],
            &["harbor"],
            "3 sellers left out: 3 do not list structured outputs.",
        ),
        // Together: the cheapest two fail, so the mark moves to Tidewater at $1.575.
        (
            "full_precision=1&tools=1",
            &["tidewater", "kestrel/fp16", "nordlys/bf16"],
            &["tidewater"],
            "2 sellers left out: 1 runs at reduced precision, 1 does not list tool calling.",
        ),
        (
            "dc=JP",
            &[],
            &[],
            "6 sellers left out: 3 do not say where they run, 3 run outside JP.",
        ),
    ];
    for (query, expect_kept, expect_marked, summary) in cases {
        let page = w.app.get(&format!("/models/acme/alpha?{query}")).await;
        assert_eq!(page.status, 200, "{query}");
        let (kept, out, marked) = rows(&page);
        assert_eq!(kept, *expect_kept, "kept for {query}");
        assert_eq!(kept.len() + out.len(), 5, "{query}");
        assert_eq!(marked, *expect_marked, "marked for {query}");
        let result = page.texts("p.filter-result").join(" ");
        assert!(result.contains(summary), "{query}: {result}");
        // Left-out rows say why, and are listed after those that qualify.
        assert_eq!(
            page.texts("tr[data-kind=routed-provider].left-out small.why-out")
                .len(),
            out.len(),
            "{query}"
        );
    }
    let none = w.app.get("/models/acme/alpha?dc=JP").await;
    assert!(none.texts("p.filter-result")[0].starts_with("No seller meets your filters."));
    let cheapest = w
        .app
        .get("/models/acme/alpha?full_precision=1&tools=1")
        .await;
    let result = &cheapest.texts("p.filter-result")[0];
    assert!(
        result.contains(
            "Cheapest that meets them: Tidewater AI via OpenRouter at $1.575 per million blended"
        ),
        "{result}"
    );
    assert_eq!(
        cheapest.texts("tr[data-tag=\"harbor\"] small.why-out"),
        ["Left out: runs at reduced precision"]
    );
}

#[tokio::test]
async fn the_filters_stay_in_the_form_and_travel_to_the_bill_at_every_seller() {
    let w = world().await;
    let page = w
        .app
        .get("/models/acme/alpha?dc=eu&min_uptime=99&tools=1")
        .await;
    assert_eq!(
        page.attrs(
            "form.provider-filters select[name=dc] option[selected]",
            "value"
        ),
        ["EU"]
    );
    assert_eq!(
        page.attrs(
            "form.provider-filters select[name=min_uptime] option[selected]",
            "value"
        ),
        ["99"]
    );
    assert_eq!(
        page.attrs("form.provider-filters input[name=tools][checked]", "value"),
        ["1"]
    );
    // Filters in force keep their form unfolded.
    assert_eq!(
        page.attrs(
            "details.seller-filters[open] > form.provider-filters",
            "method"
        ),
        ["get"]
    );
    let calculator: Vec<String> = page
        .attrs("#price-tags a", "href")
        .into_iter()
        .filter(|h| h.starts_with("/calculator"))
        .collect();
    assert_eq!(calculator.len(), 1);
    let link = &calculator[0];
    for part in [
        "/calculator/bill?",
        "ids=acme%2Falpha",
        "sellers=all",
        "dc=EU",
        "min_uptime=99",
        "tools=1",
        "id=acme%2Falpha",
    ] {
        assert!(link.contains(part), "{link} lacks {part}");
    }
    // It lands on a priced page (the default workload), not on a form asking for volumes:
    // Nordlys runs only in the EU, was up 99.5 % and lists tools; the routed price does not
    // say where it runs.
    let landed = w.app.get(link).await;
    assert_eq!(landed.status, 200, "{link}");
    assert_eq!(
        landed.attrs("table.sellers-bills tr.cheapest", "data-seller"),
        ["nordlys/bf16"]
    );
}

#[tokio::test]
async fn a_filter_that_cannot_be_read_is_a_400_with_the_message_by_its_field() {
    let w = world().await;
    let page = w
        .app
        .get("/models/acme/alpha?dc=Europe&min_uptime=101")
        .await;
    assert_eq!(page.status, 400);
    let dc_error = page.texts("form.provider-filters p.error[id$=-dc-error]");
    assert_eq!(dc_error.len(), 1);
    assert!(dc_error[0].contains("EU or EEA"), "{dc_error:?}");
    let uptime_error = page.texts("form.provider-filters p.error[id$=-uptime-error]");
    assert!(
        uptime_error[0].contains("between 0 and 100"),
        "{uptime_error:?}"
    );
    // The page is still the model page, with every provider listed unfiltered, and the
    // form with its messages unfolded although no filter is in force.
    assert_eq!(rows(&page).0.len(), 5);
    assert_eq!(
        page.attrs(
            "details.seller-filters[open] > form.provider-filters",
            "method"
        ),
        ["get"]
    );
}

#[tokio::test]
async fn the_seller_filters_fold_away_until_a_reader_sets_one() {
    let w = world().await;
    let page = w.app.get("/models/acme/alpha").await;
    assert_eq!(page.status, 200);
    // The form is there (a GET form, no script needed to open its <details>), folded.
    assert_eq!(
        page.attrs("details.seller-filters > form.provider-filters", "method"),
        ["get"]
    );
    assert!(page.attrs("details.seller-filters", "open").is_empty());
    let summary = page.texts("details.seller-filters > summary");
    assert!(summary[0].starts_with("Filter sellers"), "{summary:?}");
}

#[tokio::test]
async fn the_providers_page_lists_every_provider_with_its_places_and_counts() {
    let w = world().await;
    let page = w.app.get("/providers").await;
    assert_eq!(page.status, 200);
    let cell = |slug: &str, css: &str| {
        page.texts(&format!(
            "table.provider-index tr[data-slug=\"{slug}\"] {css}"
        ))
        .join(" | ")
    };
    assert_eq!(
        page.attrs("table.provider-index tbody tr", "data-slug"),
        ["harbor", "kestrel", "lumen", "nordlys", "tidewater"]
    );
    assert_eq!(cell("nordlys", "td.hq"), "SE");
    assert_eq!(cell("nordlys", "td.dcs"), "FI, SE");
    assert_eq!(cell("lumen", "td.hq"), "not stated");
    assert_eq!(cell("tidewater", "td.dcs"), "not stated");
    // Each serves acme/alpha only (the fake lists no other model's endpoints).
    for slug in ["harbor", "kestrel", "lumen", "nordlys", "tidewater"] {
        assert_eq!(cell(slug, "td.models"), "1", "{slug}");
    }
    // Lumen's blend, $1.225, is acme/alpha's lowest.
    assert_eq!(cell("lumen", "td.cheapest-for"), "1");
    assert_eq!(cell("harbor", "td.cheapest-for"), "0");
    let lead = page.texts("main p").join(" ");
    assert!(
        lead.contains("5 providers in OpenRouter's list")
            && lead.contains("4 state a headquarters")
            && lead.contains("3 say which countries they run in")
            && lead.contains("3 link a privacy policy"),
        "{lead}"
    );
}

#[tokio::test]
async fn the_sitemap_lists_the_providers_page_and_every_provider_page_and_each_answers() {
    let w = world().await;
    let sitemap = w.app.get("/sitemap.xml").await;
    assert_eq!(sitemap.status, 200);
    let doc = roxmltree::Document::parse(&sitemap.body).expect("sitemap parses");
    let paths: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .filter_map(|loc| loc.find("/providers").map(|at| loc[at..].to_string()))
        .collect();
    // The index, then the five providers of the fake list, in the list's order.
    assert_eq!(
        paths,
        [
            "/providers",
            "/providers/harbor",
            "/providers/kestrel",
            "/providers/lumen",
            "/providers/nordlys",
            "/providers/tidewater",
        ]
    );
    for path in &paths {
        assert_eq!(w.app.get(path).await.status, 200, "{path}");
    }
}

#[tokio::test]
async fn a_provider_page_shows_each_model_against_the_routed_price_and_the_cheapest_alternative() {
    let w = world().await;
    let page = w.app.get("/providers/harbor").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.texts("h1"), ["Harbor Inference"]);
    assert_eq!(page.texts("dd.hq"), ["US"]);
    assert_eq!(page.texts("dd.dcs"), ["US"]);
    assert_eq!(page.texts("dd.policies"), ["Privacy"]);
    let row = "table.provider-models tr[data-model=\"acme/alpha\"]";
    // Harbor: (3 × 0.80 + 3.20) / 4 = $1.40 against the routed (3 × 1 + 4) / 4 = $1.75,
    // (1.40 − 1.75) / 1.75 = −20%. The cheapest other provider is Lumen at $1.225.
    assert_eq!(page.texts(&format!("{row} td.blend")), ["$1.40"]);
    assert_eq!(page.texts(&format!("{row} td.routed")), ["$1.75"]);
    assert_eq!(page.texts(&format!("{row} td.vs")), ["−20%"]);
    assert_eq!(
        page.texts(&format!("{row} td.alternative")),
        ["Lumen Compute at $1.225"]
    );
    assert_eq!(
        page.attrs(&format!("{row} td.alternative a"), "href"),
        ["/providers/lumen"]
    );
    assert_eq!(page.texts(&format!("{row} td.uptime-1d")), ["99.9%"]);
    assert!(page.texts(&format!("{row} .badge.good")).is_empty());
    assert_eq!(
        page.attrs(&format!("{row} th a"), "href"),
        ["/models/acme/alpha"]
    );

    // Lumen is the cheapest: marked, and its alternative is Harbor; no uptime published.
    let lumen = w.app.get("/providers/lumen").await;
    assert_eq!(lumen.texts(&format!("{row} .badge.good")), ["cheapest"]);
    assert_eq!(
        lumen.texts(&format!("{row} td.alternative")),
        ["Harbor Inference at $1.40"]
    );
    assert_eq!(
        lumen.texts(&format!("{row} td.uptime-1d")),
        ["not published"]
    );
    assert_eq!(lumen.texts("dd.hq"), ["not stated"]);
    assert_eq!(
        lumen.texts("p.served-summary"),
        ["1 model through OpenRouter; the cheapest provider for it."]
    );
    assert_eq!(
        page.texts("p.served-summary"),
        ["1 model through OpenRouter; not the cheapest provider for it."]
    );
    assert_eq!(lumen.texts("dd.policies"), ["none listed"]);

    let missing = w.app.get("/providers/no-such-provider").await;
    assert_eq!(missing.status, 404);
}

/// 1,000 requests of 10,000 input and 1,000 output tokens, half the input from the cache:
/// 10 M input tokens (5 M uncached, 5 M cache reads) and 1 M output tokens a month, at every
/// seller of acme/alpha.
const WORKLOAD: &str =
    "requests=1000&input_tokens=10000&output_tokens=1000&cache_hit=50&ids=acme/alpha&sellers=all";

/// acme/alpha's bill page for [`WORKLOAD`] with `extra` parameters.
fn bill_url(extra: &str) -> String {
    format!("/calculator/bill?{WORKLOAD}{extra}&id=acme/alpha")
}

#[tokio::test]
async fn the_bill_at_every_seller_prices_each_provider_at_its_own_prices() {
    let w = world().await;
    let page = w.app.get(&bill_url("")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Routed: 5 M × $1 + 5 M × $0.10 (cache reads) + 1 M × $4 = $9.50.
    // Harbor: 5 M × $0.80 + 5 M × $0.08 + 1 M × $3.20 = $7.60.
    // Lumen, no cache price so all 10 M at $0.70: $7.00 + 1 M × $2.80 = $9.80.
    // Tidewater: 10 M × $0.90 + 1 M × $3.60 = $12.60. Kestrel: $10 + $4 = $14.00.
    // Nordlys: 10 M × $1.20 + 1 M × $4.80 = $16.80.
    assert_eq!(
        page.attrs("table.sellers-bills tbody tr", "data-seller"),
        [
            "harbor",
            "openrouter",
            "lumen",
            "tidewater",
            "kestrel/fp16",
            "nordlys/bf16"
        ]
    );
    assert_eq!(
        page.texts("table.sellers-bills tbody td.monthly"),
        ["$7.60", "$9.50", "$9.80", "$12.60", "$14.00", "$16.80"]
    );
    // Against the cheapest: (9.50 − 7.60) / 7.60 = +25%; (9.80 − 7.60) / 7.60 = +28.9%.
    let vs = page.texts("table.sellers-bills tbody td.vs");
    assert_eq!(&vs[..3], ["", "+25%", "+28.9%"]);
    assert_eq!(
        page.attrs("table.sellers-bills tbody tr.cheapest", "data-seller"),
        ["harbor"]
    );
    // The bill itself is Harbor's, which serves the model at fp8, and says so.
    assert_eq!(page.texts("#bill-monthly"), ["$7.60"]);
    let seller = page.texts("#bill-seller").join(" ");
    assert!(
        seller.starts_with("Priced at Harbor Inference via OpenRouter")
            && seller.contains("at fp8, below the 16-bit original"),
        "{seller}"
    );
    // The calculator's answer names the seller and the cheapest at full precision: the
    // routed price ($9.50) is cheaper than Lumen's bf16 ($9.80).
    let calculator = w.app.get(&format!("/calculator?{WORKLOAD}")).await;
    let answer = calculator.texts("#summary p").join(" ");
    assert!(
        answer.starts_with(
            "Cheapest for this workload: Alpha at Harbor Inference via OpenRouter (fp8), \
             $7.60 a month · at full precision: Alpha at OpenRouter (routed), $9.50 a month."
        ),
        "{answer}"
    );
    assert!(
        answer.contains(
            "That price is for an endpoint serving the model at fp8, below the 16-bit \
             original: its answers can differ."
        ),
        "{answer}"
    );
}

#[tokio::test]
async fn the_bill_at_every_seller_honours_the_filters_and_marks_the_cheapest_that_qualifies() {
    let w = world().await;
    let page = w.app.get(&bill_url("&full_precision=1&tools=1")).await;
    assert_eq!(page.status, 200);
    // Harbor (fp8) and Lumen (no tools) are cheaper than most but fail: they go last. The
    // routed listing lists tools and states no reduced precision.
    assert_eq!(
        page.attrs("table.sellers-bills tbody tr", "data-seller"),
        [
            "openrouter",
            "tidewater",
            "kestrel/fp16",
            "nordlys/bf16",
            "harbor",
            "lumen"
        ]
    );
    assert_eq!(
        page.attrs("table.sellers-bills tbody tr.cheapest", "data-seller"),
        ["openrouter"]
    );
    assert_eq!(
        page.attrs("table.sellers-bills tbody tr.left-out", "data-seller"),
        ["harbor", "lumen"]
    );
    let why = page.texts("table.sellers-bills tbody tr.left-out small.why-out");
    assert_eq!(
        why,
        [
            "Left out: runs at reduced precision",
            "Left out: does not list tool calling"
        ]
    );
    assert_eq!(page.texts("#bill-monthly"), ["$9.50"]);
    let words = page.texts("section.every-seller p.muted").join(" ");
    assert!(
        words.contains("limited to sellers at full precision and listing tool calling"),
        "{words}"
    );
    // The way back to the calculator keeps the filters, the workload and the model.
    let back = page.attrs(".crumbs a", "href");
    assert!(
        back[0].contains("full_precision=1")
            && back[0].contains("tools=1")
            && back[0].contains("ids=acme%2Falpha"),
        "{back:?}"
    );
}

#[tokio::test]
async fn every_seller_comes_as_csv_and_json_too() {
    let w = world().await;
    let csv = w
        .app
        .get(&format!("/calculator?{WORKLOAD}&dc=EU&format=csv"))
        .await;
    assert_eq!(csv.status, 200);
    let lines: Vec<&str> = csv.body.lines().collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = lines[1].split(',').collect();
    // Nordlys, the one EU provider, bills it: $16.80 of the two sellers priced… of one.
    assert_eq!(row[at("id")], "acme/alpha");
    assert_eq!(row[at("monthly_cost_usd")], "16.8");
    assert_eq!(row[at("seller_key")], "nordlys/bf16");
    assert_eq!(row[at("seller_kind")], "routed-provider");
    assert_eq!(row[at("sellers_priced")], "1");

    let json = w
        .app
        .get(&format!("/calculator?{WORKLOAD}&dc=EU&format=json"))
        .await
        .json();
    let alpha = &json["bills"][0];
    assert_eq!(alpha["id"], "acme/alpha");
    assert_eq!(alpha["seller_key"], "nordlys/bf16");
    assert_eq!(alpha["seller_kind"], "routed-provider");
    // bf16 is full precision: no quantization to warn of.
    assert_eq!(alpha["quantization"], serde_json::Value::Null);
    assert_eq!(alpha["monthly_cost"], "16.8");
    assert_eq!(
        alpha["sellers"],
        json!([{"seller": "Nordlys Cloud via OpenRouter", "seller_kind": "routed-provider",
                "seller_key": "nordlys/bf16", "quantization": null, "monthly_cost": "16.8",
                "cheapest": true}])
    );
    // Without the filter Harbor's fp8 bills it, and says so.
    let all = w
        .app
        .get(&format!("/calculator?{WORKLOAD}&format=json"))
        .await
        .json();
    assert_eq!(all["bills"][0]["seller_key"], "harbor");
    assert_eq!(all["bills"][0]["quantization"], "fp8");
    assert_eq!(all["bills"][0]["sellers"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn the_per_provider_addresses_redirect_and_bad_filters_are_a_400() {
    let w = world().await;
    let old = "requests=1000&input_tokens=10&output_tokens=10";
    // Written back in the canonical (sorted) order the page reads its parameters in.
    let sorted = "input_tokens=10&output_tokens=10&requests=1000";
    // One model at each provider is now its bill at every seller, filters kept.
    let one = w
        .app
        .get(&format!(
            "/calculator?{old}&ids=acme/alpha&by_provider=1&dc=EU"
        ))
        .await;
    assert_eq!(one.status, 308);
    assert_eq!(
        one.headers["location"],
        format!("/calculator/bill?dc=EU&ids=acme%2Falpha&{sorted}&sellers=all&id=acme%2Falpha")
    );
    // Naming no model, or two, it is the calculator at every seller.
    let none = w.app.get(&format!("/calculator?{old}&by_provider=1")).await;
    assert_eq!(none.status, 308);
    assert_eq!(
        none.headers["location"],
        format!("/calculator?{sorted}&sellers=all")
    );
    let landed = w.app.get(none.headers["location"].to_str().unwrap()).await;
    assert_eq!(landed.status, 200);
    let bad = w
        .app
        .get(&format!("/calculator?{WORKLOAD}&dc=Mars&format=json"))
        .await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]["fields"]["dc"]
            .as_str()
            .unwrap()
            .contains("EU or EEA")
    );
}

#[tokio::test]
async fn the_guide_works_the_residency_step_on_todays_providers_and_links_the_filters() {
    let w = world().await;
    let guide = w.app.get("/guide/why-prices-differ").await;
    assert_eq!(guide.status, 200);
    assert_eq!(guide.texts("#worked-residency").len(), 1);
    let live = guide.texts("#live-residency").join(" ");
    // acme/alpha is the only model with providers here: 5 of them; only Nordlys runs wholly
    // in the EU and lists tools, at (3 × 1.20 + 4.80) / 4 = $2.10 blended.
    assert!(
        live.contains("has the most providers we track, 5"),
        "{live}"
    );
    assert!(live.contains("leaves one"), "{live}");
    assert!(
        live.contains("Nordlys Cloud at $2.10 per million blended"),
        "{live}"
    );
    let links = guide.attrs("#live-residency a", "href");
    assert!(
        links.contains(&"/models/acme/alpha?dc=EU&tools=1#where-to-buy-acme-alpha".to_string()),
        "{links:?}"
    );
    for link in links.iter().chain(&guide.attrs("#where-to-buy a", "href")) {
        let page = w.app.get(link.split('#').next().unwrap()).await;
        assert_eq!(page.status, 200, "{link}");
    }
    let filtered = w.app.get("/models/acme/alpha?dc=EU&tools=1").await;
    assert_eq!(rows(&filtered).2, ["nordlys/bf16"]);
}
