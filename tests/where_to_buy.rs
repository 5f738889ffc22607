//! Choosing where to buy beyond price: OpenRouter's provider list and the endpoint figures
//! behind the "where to buy" filters, against a fake OpenRouter on loopback serving a
//! provider list and endpoint listings of our own making (invented providers, our prices).

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use common::{FIXTURE, TestApp};
use serde_json::{Value, json};
use tokenfare::ingest::endpoints::{PassConfig, never_stop, run_pass};
use tokenfare::ingest::providers::{ProvidersError, run_once as refresh_providers};
use tokenfare::openrouter::{ClientConfig, OpenRouterClient};

/// What the fake answers for `/providers`.
#[derive(Clone)]
enum Reply {
    Json(String),
    Status(u16),
    Malformed,
}

struct Fake {
    providers: Mutex<Reply>,
    endpoints: Mutex<HashMap<String, String>>,
}

async fn fake_models() -> Response {
    ([("content-type", "application/json")], FIXTURE).into_response()
}

async fn fake_providers(State(fake): State<Arc<Fake>>) -> Response {
    let reply = fake.providers.lock().unwrap().clone();
    match reply {
        Reply::Json(body) => ([("content-type", "application/json")], body).into_response(),
        Reply::Status(code) => StatusCode::from_u16(code)
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            .into_response(),
        Reply::Malformed => (
            [("content-type", "application/json")],
            "{\"data\": [{\"slug\": ",
        )
            .into_response(),
    }
}

async fn fake_endpoints(State(fake): State<Arc<Fake>>, Path(rest): Path<String>) -> Response {
    let id = rest.strip_suffix("/endpoints").unwrap_or_default();
    match fake.endpoints.lock().unwrap().get(id) {
        Some(body) => ([("content-type", "application/json")], body.clone()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn start(fake: Arc<Fake>) -> String {
    let app = Router::new()
        .route("/api/v1/models", get(fake_models))
        .route("/api/v1/providers", get(fake_providers))
        .route("/api/v1/models/{*rest}", get(fake_endpoints))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}/api/v1")
}

fn client(base: &str) -> OpenRouterClient {
    let mut config = ClientConfig::new(base);
    config.total_timeout = Duration::from_millis(500);
    config.max_attempts = 2;
    config.first_backoff = Duration::from_millis(10);
    OpenRouterClient::new(config).unwrap()
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
    let mut pricing = json!({"prompt": prompt, "completion": completion, "discount": 0});
    if let Some(read) = cache_read {
        pricing["input_cache_read"] = json!(read);
    }
    json!({
        "name": format!("{provider} | acme/alpha"), "provider_name": provider, "tag": tag,
        "pricing": pricing, "quantization": quantization, "context_length": 200000,
        "max_completion_tokens": 32000, "max_prompt_tokens": null, "status": 0,
        "uptime_last_5m": uptime_1d, "uptime_last_30m": uptime_1d, "uptime_last_1d": uptime_1d,
        "supported_parameters": parameters, "supports_implicit_caching": tag == "harbor",
        "latency_last_30m": null, "throughput_last_30m": null, "supports_voice_cloning": false
    })
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
    client: OpenRouterClient,
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
    tokenfare::ingest::run_once(&app.store, &client)
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

/// The saved real provider list (`../shared/data`, never copied into the repository): it
/// must ingest whole. Run by `.ci/run` with `--ignored`.
#[tokio::test]
#[ignore = "reads ../shared/data"]
async fn the_real_provider_list_ingests_with_its_stated_places() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/openrouter/providers-2026-05-20.json");
    let body = std::fs::read(&path).expect("saved provider list");
    let raw: Value = serde_json::from_slice(&body).unwrap();
    let records = raw["data"].as_array().unwrap();
    let with = |key: &str| {
        records
            .iter()
            .filter(|r| match &r[key] {
                Value::String(s) => !s.is_empty(),
                Value::Array(a) => !a.is_empty(),
                _ => false,
            })
            .count()
    };
    let app = TestApp::fixture().await;
    let summary = tokenfare::ingest::providers::ingest_providers_body(&app.store, &body, "file")
        .await
        .expect("real list ingests");
    assert_eq!(summary.stored, records.len());
    assert_eq!(summary.skipped, 0);
    app.state.reload().await.unwrap();
    let catalogue = app.state.catalogue();
    let providers = &catalogue.provider_directory().providers;
    let count = |f: &dyn Fn(&tokenfare::store::providers::StoredProvider) -> bool| {
        providers.iter().filter(|p| f(p)).count()
    };
    assert_eq!(
        count(&|p| p.info.headquarters.is_some()),
        with("headquarters")
    );
    assert_eq!(
        count(&|p| !p.info.datacenters.is_empty()),
        with("datacenters")
    );
    assert_eq!(
        count(&|p| p.info.privacy_policy_url.is_some()),
        with("privacy_policy_url")
    );
    println!(
        "real provider list: {} providers, {} with a headquarters, {} with datacenters, {} with a privacy policy",
        providers.len(),
        with("headquarters"),
        with("datacenters"),
        with("privacy_policy_url")
    );
}
