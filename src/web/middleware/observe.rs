//! What every request leaves behind: its count and latency in the metrics (by route
//! template and status), and, when the log asks for it (`tokenfare::request` at INFO), one log
//! line with its method, path, route template, status, latency and whether the page cache
//! answered it. Never the query string (a reader's own workload) nor a body.
//!
//! The outermost layer, so it sees every answer as the client gets it: errors rendered,
//! requests refused by the limits. Its work is a hash of the route template and a few atomic
//! operations; nothing is allocated unless the log line is wanted. Ours, not tower-http's
//! `TraceLayer` (which this replaces): that one logs but counts nothing, and knows neither the
//! route template nor the page cache.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::{MatchedPath, Request};
use axum::response::Response;
use tokio::task::futures::TaskLocalFuture;
use tokio::time::Instant;
use tower::{Layer, Service};
use tracing::Span;

use crate::web::metrics::{Metrics, RouteId};

/// The log target of the request lines: `RUST_LOG=tokenfare::request=info` turns them on.
pub const REQUEST_LOG: &str = "tokenfare::request";

tokio::task_local! {
    /// Set by the page cache when it answers a request from a cached page. A task-local rather
    /// than a response extension: inserting one would allocate a map on every cached answer.
    static CACHE_ANSWERED: Cell<bool>;
}

/// Notes that the page cache answered the request being served (a no-op outside
/// [`Observe`], as in a render thread).
pub fn note_cache_answered() {
    let _ = CACHE_ANSWERED.try_with(|answered| answered.set(true));
}

/// Counts and (when asked) logs every request; see the module docs.
#[derive(Clone)]
pub struct ObserveLayer {
    metrics: Arc<Metrics>,
}

impl ObserveLayer {
    pub fn new(metrics: Arc<Metrics>) -> ObserveLayer {
        ObserveLayer { metrics }
    }
}

impl<S> Layer<S> for ObserveLayer {
    type Service = Observe<S>;

    fn layer(&self, inner: S) -> Observe<S> {
        Observe {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`ObserveLayer`] wraps a route in.
#[derive(Clone)]
pub struct Observe<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for Observe<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ObserveFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> ObserveFuture<S::Future> {
        let started = Instant::now();
        let route = self.metrics.route(
            request
                .extensions()
                .get::<MatchedPath>()
                .map(MatchedPath::as_str),
        );
        // Method and path go into a span only when the line will be written: events logged
        // while the request is served (a render error) then say which request they were.
        let span = if tracing::enabled!(target: REQUEST_LOG, tracing::Level::INFO) {
            tracing::info_span!(
                target: REQUEST_LOG,
                "request",
                method = %request.method(),
                path = %request.uri().path(),
            )
        } else {
            Span::none()
        };
        let inner = {
            let _entered = span.enter();
            CACHE_ANSWERED.scope(Cell::new(false), self.inner.call(request))
        };
        ObserveFuture {
            inner,
            metrics: self.metrics.clone(),
            route,
            started,
            span,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request being answered, counted when its response is ready.
    pub struct ObserveFuture<F> {
        #[pin]
        inner: TaskLocalFuture<Cell<bool>, F>,
        metrics: Arc<Metrics>,
        route: RouteId,
        started: Instant,
        span: Span,
    }
}

impl<F, E> Future for ObserveFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = {
            let _entered = this.span.enter();
            ready!(this.inner.as_mut().poll(cx))
        };
        let latency = this.started.elapsed();
        let cached = this
            .inner
            .take_value()
            .is_some_and(|answered| answered.get());
        if let Ok(response) = &result {
            this.metrics.record(*this.route, response.status(), latency);
            if !this.span.is_none() {
                let _entered = this.span.enter();
                tracing::info!(
                    target: REQUEST_LOG,
                    route = this.metrics.label(*this.route),
                    status = response.status().as_u16(),
                    latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
                    cache = if cached { "hit" } else { "miss" },
                    "answered",
                );
            }
        }
        Poll::Ready(result)
    }
}
