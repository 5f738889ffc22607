//! The front of the site: the one layer every request meets before routing. In order, it
//! refuses a bad Host header (`host.rs`) and a bad URL (`uri_limits.rs`), redirects a path
//! with a trailing slash to its one address (`uri_limits.rs` too), answers from the page
//! cache (`page_cache.rs`: a cached page, its 304, or the redirect that drops blank form
//! fields), and sends the rest on to routing; on the way out it writes the body of any error
//! answer, its own or the routes' (`web/error.rs`).
//!
//! Ours, and one layer rather than four of axum's `from_fn`: a cached page is the answer most
//! requests get, and serving one must cost little more than the lookup. Each `from_fn` layer
//! boxes its future and its next service on every request, and a layer added to the router
//! wraps every route on its own, so each request cloned the whole stack below it at every
//! layer (about 190 allocations and 87,000 instructions a hit, `bench/hit-instructions.sh`).
//! Here the checks are plain functions called in turn, a hit is answered without a box, and
//! only requests that go on to a route pay for one.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{BoxError, Layer, Service, ServiceExt};

use super::host::host_problem;
use super::page_cache::answer_from_cache;
use super::uploads::body_bytes_at_least;
use super::uri_limits::{trailing_slash_redirect, uri_problem};
use crate::AppState;
use crate::web::error::{AppError, Wants, render_error};

/// Puts [`Front`] before a service (the routes and the limits around them).
#[derive(Clone)]
pub struct FrontLayer {
    app: AppState,
    max_body_bytes: u64,
}

impl FrontLayer {
    /// The front of the site for `app`. A request whose body is (or says it is) longer than
    /// `max_body_bytes` is never answered from the cache: it goes on to routing, where the
    /// body limit refuses it (or an upload route takes it).
    pub fn new(app: AppState, max_body_bytes: u64) -> FrontLayer {
        FrontLayer {
            app,
            max_body_bytes,
        }
    }
}

impl<S> Layer<S> for FrontLayer {
    type Service = Front<S>;

    fn layer(&self, inner: S) -> Front<S> {
        Front {
            layer: self.clone(),
            inner,
        }
    }
}

/// The front of the site (see the module docs).
#[derive(Clone)]
pub struct Front<S> {
    layer: FrontLayer,
    inner: S,
}

impl<S, B> Service<Request> for Front<S>
where
    S: Service<Request, Response = axum::http::Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = FrontFuture;

    /// Always ready: most requests are answered here, and the rest wait for the inner
    /// service in their own future.
    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> FrontFuture {
        let wants = Wants::of(request.uri());
        let app = &self.layer.app;
        // The panic layer sits below, around the routes; a bug here gets the same 500 page.
        let early =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.answer_early(&request)))
                .unwrap_or_else(|_| {
                    Some(
                        AppError::Internal("the front of the site panicked".into()).into_response(),
                    )
                });
        if let Some(response) = early {
            return FrontFuture::Answered(std::future::ready(render_error(app, wants, response)));
        }
        let (app, inner) = (app.clone(), self.inner.clone());
        FrontFuture::Routed(Box::pin(async move {
            let Ok(response) = inner.oneshot(request).await;
            render_error(&app, wants, response.map(Body::new))
        }))
    }
}

impl<S> Front<S> {
    /// The answer this layer gives `request` itself, or `None` to send it on.
    fn answer_early(&self, request: &Request) -> Option<Response> {
        if let Some(problem) = host_problem(request).or_else(|| uri_problem(request)) {
            return Some(problem.into_response());
        }
        if let Some(redirect) = trailing_slash_redirect(request) {
            return Some(redirect);
        }
        // Refused with a 413 once routed (an upload route allows more), never served a page.
        if body_bytes_at_least(request) > self.layer.max_body_bytes {
            return None;
        }
        answer_from_cache(&self.layer.app, request)
    }
}

/// The answer of [`Front`]: given at once, or by the routes.
pub enum FrontFuture {
    Answered(std::future::Ready<Response>),
    Routed(Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl Future for FrontFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            FrontFuture::Answered(response) => Pin::new(response).poll(cx).map(Ok),
            FrontFuture::Routed(future) => future.as_mut().poll(cx).map(Ok),
        }
    }
}
