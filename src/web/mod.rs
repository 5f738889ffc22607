//! The web layer: one module per page (handler + template struct), the shared layout,
//! errors, and the router that `main` and the tests both call.

pub mod about;
pub mod calculator;
pub mod canonical;
pub mod changes;
pub mod compare;
pub mod csv;
pub mod description;
pub mod error;
pub mod form;
pub mod format;
pub mod guide;
pub mod health;
pub mod history;
pub mod home;
pub mod layout;
pub mod middleware;
pub mod model;
pub mod models;
pub mod params;
pub mod price_tags;
pub mod provider_filters;
pub mod provider_pages;
pub mod providers;
pub mod ranking;
pub mod sitemap;
pub mod sort;
pub mod svg;

use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::LatencyUnit;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::AppState;
use middleware::{CachePolicy, PageCacheState, RouteCachePolicies};

pub use error::{AppError, AppResult};

/// Requests served at once before new ones are turned away with a 503.
const MAX_IN_FLIGHT: usize = 512;
/// No page takes anywhere near this; a request that does is cut off.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the health check answers.
const HEALTH_CHECK: &str = "/healthz";
/// Where the compiled-in assets are served.
const STATIC_FILES: &str = "/static/{*path}";

/// The routes whose answers are not pages, by the pattern [`routes`] declares them with: the
/// page cache, its validators and its render threads leave them alone. Every other route is
/// a page.
const ROUTE_CACHE_POLICIES: RouteCachePolicies = RouteCachePolicies(&[
    // It must tell what is true now, and answer even when every render slot is taken.
    (HEALTH_CHECK, CachePolicy::Never),
    (STATIC_FILES, CachePolicy::StaticAsset),
]);

/// The whole site: every route, wrapped in limits, caching and security headers.
pub fn router(state: AppState) -> Router {
    with_layers(routes(state.clone()), state)
}

/// Wraps routes in the site's limits, page cache and security headers (public so tests can
/// check the layers against a route that misbehaves on purpose).
pub fn with_layers(routes: Router, state: AppState) -> Router {
    let page_cache = PageCacheState {
        app: state.clone(),
        policies: ROUTE_CACHE_POLICIES,
    };
    routes
        .layer(axum::middleware::from_fn_with_state(
            page_cache.clone(),
            middleware::cache_pages,
        ))
        // Counts every request but the cached pages, which are answered outside it.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    AppError::Busy.into_response()
                }))
                .layer(tower::load_shed::LoadShedLayer::new())
                .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_IN_FLIGHT)),
        )
        .layer(axum::middleware::from_fn_with_state(
            page_cache,
            middleware::serve_cached,
        ))
        .layer(axum::middleware::from_fn(middleware::limit_uri))
        .layer(axum::middleware::from_fn(middleware::check_host))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(16 * 1024))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                AppError::Internal("a handler panicked".into()).into_response()
            },
        ))
        .layer(axum::middleware::from_fn_with_state(
            state,
            error::render_errors,
        ))
        .layer(middleware::security_headers())
        // One log line per request (method, path, status, latency) at INFO under
        // `tower_http`, so `RUST_LOG=tower_http=info` turns it on. The query string is left
        // out: it can be long, and it is the reader's own.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &axum::http::Request<axum::body::Body>| {
                    tracing::info_span!(
                        target: "tower_http::trace",
                        "request",
                        method = %request.method(),
                        path = %request.uri().path(),
                    )
                })
                .on_request(())
                .on_response(
                    DefaultOnResponse::new()
                        .level(tracing::Level::INFO)
                        .latency_unit(LatencyUnit::Micros),
                ),
        )
}

fn routes(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/models", get(models::catalogue))
        .route("/models/{*id}", get(model::model_page))
        .route("/compare", get(compare::compare))
        .route("/providers", get(provider_pages::index))
        .route("/providers/{slug}", get(provider_pages::provider))
        .route("/calculator", get(calculator::calculator))
        .route("/calculator/bill", get(calculator::bill))
        .route("/api/models.json", get(models::export_json))
        .route("/api/models.csv", get(models::export_csv))
        .route("/api/price-tags.json", get(price_tags::api_json))
        .route("/api/price-tags.csv", get(price_tags::api_csv))
        .route("/discrepancies", get(price_tags::page))
        .route(
            "/api/discrepancies.json",
            get(price_tags::api_discrepancies),
        )
        .route("/ranking", get(ranking::ranking))
        .route("/about", get(about::about))
        .route("/guide/why-prices-differ", get(guide::why_prices_differ))
        .route("/changes", get(changes::page))
        .route("/changes.atom", get(changes::feed))
        .route("/api/changes.json", get(changes::api))
        .route("/feeds/models/{*id}", get(changes::model_feed))
        .route(HEALTH_CHECK, get(health::healthz))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/robots.txt", get(sitemap::robots))
        .route(STATIC_FILES, get(layout::static_file))
        .fallback(error::not_found)
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::{Request, StatusCode, header};
    use tower::ServiceExt;

    use super::*;
    use crate::store::Store;

    fn get(uri: &str) -> Request<Body> {
        Request::get(uri)
            .header(header::HOST, "localhost")
            .body(Body::empty())
            .unwrap()
    }

    /// The routes [`ROUTE_CACHE_POLICIES`] declares are found by the pattern they were routed
    /// by: while the only render slot is busy, a page waits and is turned away, but the
    /// stylesheet and the health check answer as they always do.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_health_check_and_static_files_never_wait_for_a_render_slot() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("site.db")).await.unwrap();
        let mut state = AppState::load(store).await.unwrap();
        state.pages = Arc::new(middleware::PageCache::new(1 << 20, 1));
        let slow = Router::new().route(
            "/slow",
            axum::routing::get(|| async {
                std::thread::sleep(Duration::from_millis(1500));
                "slow"
            }),
        );
        let router = with_layers(routes(state.clone()).merge(slow), state);
        let hog = tokio::spawn(router.clone().oneshot(get("/slow")));
        tokio::time::sleep(Duration::from_millis(200)).await;

        let page = router.clone().oneshot(get("/about")).await.unwrap();
        assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
        let css = router
            .clone()
            .oneshot(get("/static/style.css"))
            .await
            .unwrap();
        assert_eq!(css.status(), StatusCode::OK);
        assert_eq!(css.headers()[header::CACHE_CONTROL], "public, max-age=300");
        let health = router.clone().oneshot(get("/healthz")).await.unwrap();
        // An empty store: the health check's own 503, in JSON, not the busy page.
        assert_eq!(health.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(!health.headers().contains_key(header::RETRY_AFTER));
        let body = axum::body::to_bytes(health.into_body(), 1 << 20)
            .await
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["status"], "no data");
        assert_eq!(hog.await.unwrap().unwrap().status(), StatusCode::OK);
    }
}
