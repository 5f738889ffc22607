//! What every request leaves behind: its count and latency in the metrics (by route
//! template and status), and, when the log asks for it (`tokenfare::request` at INFO), one log
//! line with its method, path, route template, status, latency and whether the page cache
//! answered it. Never the query string (a reader's own workload) nor a body.
//!
//! The outermost layer, so it sees every answer as the client gets it: errors rendered,
//! requests refused by the limits, pages answered from the cache before routing. It wraps the
//! site before routing, so it learns the route from below, through a task-local the request's
//! future carries: [`RouteLayer`] on every route notes the route axum matched, and a cached
//! page notes the route that rendered it. On the cached path its work is a few atomic
//! operations and nothing is allocated unless the log line is wanted. Ours, not tower-http's
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

/// What the layers below tell [`Observe`] about the request being answered.
#[derive(Clone, Copy)]
struct Observed {
    route: RouteId,
    cached: bool,
}

/// Until a layer below says otherwise: answered before routing, not from the cache.
const UNROUTED: Observed = Observed {
    route: RouteId::UNROUTED,
    cached: false,
};

tokio::task_local! {
    /// Set from below while a request is answered. A task-local rather than a response
    /// extension: inserting one would allocate a map on every cached answer.
    static OBSERVED: Cell<Observed>;
}

/// Notes that the page cache answered the request being served with a page `route` rendered
/// (a no-op outside [`Observe`], as in a render thread).
pub fn note_cache_answered(route: RouteId) {
    let _ = OBSERVED.try_with(|observed| {
        observed.set(Observed {
            route,
            cached: true,
        });
    });
}

/// Notes the route the request being served was routed to.
fn note_route(route: RouteId) {
    let _ = OBSERVED.try_with(|observed| {
        observed.set(Observed {
            route,
            ..observed.get()
        });
    });
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

/// The service [`ObserveLayer`] wraps the site in.
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
            // The front of the site answers cached pages within `call`, and notes so: the
            // note is read here and carried on into the future, which the routes note into.
            let (observed, future) = OBSERVED.sync_scope(Cell::new(UNROUTED), || {
                let future = self.inner.call(request);
                (OBSERVED.with(Cell::get), future)
            });
            OBSERVED.scope(Cell::new(observed), future)
        };
        ObserveFuture {
            inner,
            metrics: self.metrics.clone(),
            started,
            span,
        }
    }
}

pin_project_lite::pin_project! {
    /// A request being answered, counted when its response is ready.
    pub struct ObserveFuture<F> {
        #[pin]
        inner: TaskLocalFuture<Cell<Observed>, F>,
        metrics: Arc<Metrics>,
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
        let Observed { route, cached } = this.inner.take_value().map_or(UNROUTED, |o| o.get());
        if let Ok(response) = &result {
            this.metrics.record(route, response.status(), latency);
            if !this.span.is_none() {
                let _entered = this.span.enter();
                tracing::info!(
                    target: REQUEST_LOG,
                    route = this.metrics.label(route),
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

/// Notes, on every route, which route a request took (see the module docs). A plain service
/// rather than axum's `from_fn`, which would box a future for it.
#[derive(Clone)]
pub struct RouteLayer {
    metrics: Arc<Metrics>,
}

impl RouteLayer {
    pub fn new(metrics: Arc<Metrics>) -> RouteLayer {
        RouteLayer { metrics }
    }
}

impl<S> Layer<S> for RouteLayer {
    type Service = NoteRoute<S>;

    fn layer(&self, inner: S) -> NoteRoute<S> {
        NoteRoute {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`RouteLayer`] wraps a route in.
#[derive(Clone)]
pub struct NoteRoute<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> Service<Request> for NoteRoute<S>
where
    S: Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> S::Future {
        let matched = request.extensions().get::<MatchedPath>();
        note_route(self.metrics.route(matched.map(MatchedPath::as_str)));
        self.inner.call(request)
    }
}
