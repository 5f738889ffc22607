//! The web layer, laid out by role (as docs.rs lays out its own):
//!
//! - [`routes`]: the route table, every path with its handler and the query type it reads,
//!   and [`router`], which `main` and the tests both call;
//! - [`extractors`]: reading a request, one way for every route: each route family's typed
//!   query parses itself through the one extractor, [`extractors::Query`], and names the
//!   parameters it reads, which the page cache's key ([`canonical`]) keeps;
//! - [`handlers`]: one module per route family; each handler reads, calls, and returns one
//!   [`AppResult`];
//! - [`pages`]: the page structs (askama templates) that become responses through one path,
//!   and the sections several pages share (where to buy, price tags, history);
//! - [`exports`]: the answers that are data (CSV, JSON, Atom);
//! - [`error`] (the one error type, rendered in one place), [`middleware`] (limits, the
//!   page cache, security headers), [`cache_control`] (the header the answers that are not
//!   pages set themselves), [`layout`] (what every page shares: navigation, the stylesheet,
//!   the public URL), [`format`] (how numbers read) and [`svg`] (the charts);
//! - [`metrics`]: the Prometheus metrics, served on a listener of their own.

pub mod cache_control;
pub mod canonical;
pub mod error;
pub mod exports;
pub mod extractors;
pub mod format;
pub mod handlers;
pub mod layout;
pub mod metrics;
pub mod middleware;
pub mod pages;
pub mod routes;
pub mod svg;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::response::IntoResponse;
use chrono::{NaiveDate, Utc};
use tower::ServiceBuilder;

use crate::AppState;
use middleware::{PageCacheState, Uploads};

pub use error::{AppError, AppResult};

/// Requests served at once before new ones are turned away with a 503.
const MAX_IN_FLIGHT: usize = 512;

/// The whole site: every route, wrapped in limits, caching and security headers.
pub fn router(state: AppState) -> Router {
    with_layers(routes::router(state.clone()), state)
}

/// Today (UTC): the day whose official list prices every answer quotes.
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Wraps routes in the site's limits, page cache and security headers (public so tests can
/// check the layers against a route that misbehaves on purpose).
///
/// Two stacks: the layers that must know which route a request took (the body and time
/// limits, which set the upload routes apart; the limit on requests in flight, which it
/// keeps from cached pages; the page cache's miss half, which leaves the routes that are not
/// pages alone) are added to the routes, each route getting its own copy; everything else
/// wraps the routes once, as one service, so a request pays for each of those layers once
/// and a cached page is answered before routing (`middleware/front.rs`).
pub fn with_layers(routes: Router, state: AppState) -> Router {
    let page_cache = PageCacheState {
        app: state.clone(),
        policies: routes::cache_policies(),
    };
    let uploads = Uploads::new(routes::upload_routes());
    let routes = routes
        .layer(axum::middleware::from_fn_with_state(
            page_cache,
            middleware::cache_pages,
        ))
        // Counts every request but the cached pages, which are answered before it.
        .layer(
            ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    AppError::Busy.into_response()
                }))
                .layer(tower::load_shed::LoadShedLayer::new())
                .layer(tower::limit::ConcurrencyLimitLayer::new(MAX_IN_FLIGHT)),
        )
        // The methods, body and time each request may have: an upload's own, or the site's.
        .layer(axum::middleware::from_fn_with_state(
            uploads,
            middleware::limit_requests,
        ))
        // Tells the metrics and the request log which route a request took.
        .layer(middleware::RouteLayer::new(state.metrics.clone()));
    let site = ServiceBuilder::new()
        // Counts every request (by route template, never by path) and, when
        // `RUST_LOG=tokenfare::request=info` asks, logs it: method, path, route, status,
        // latency and whether the cache answered. The query string is left out: it can be
        // long, and it is the reader's own.
        .layer(middleware::ObserveLayer::new(state.metrics.clone()))
        .layer(middleware::security_headers())
        .layer(middleware::FrontLayer::new(state, middleware::BODY_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            |_: Box<dyn std::any::Any + Send>| {
                AppError::Internal("a handler panicked".into()).into_response()
            },
        ))
        .service(routes);
    Router::new().fallback_service(site)
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

    /// The routes the route table declares are not pages are found by the pattern they were
    /// routed by: while the only render slot is busy, a page waits and is turned away, but the
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
        let router = with_layers(routes::router(state.clone()).merge(slow), state);
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
