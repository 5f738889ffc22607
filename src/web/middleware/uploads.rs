//! Methods, request bodies and time, with the few routes that take a POSTed upload (the route
//! table marks them; today `/usage`) set apart. Every other request is a GET or a HEAD (any
//! other method gets a 405), with a body of at most
//! [`BODY_BYTES`] and [`REQUEST_TIME`]. An upload may send up to [`UPLOAD_BYTES`]: a larger
//! one is refused by its declared length before any of it is read, or as soon as its stream
//! runs past the limit. It may take [`UPLOAD_TIME`], since the file arrives over the
//! reader's own connection, but must send [`UPLOAD_IDLE_BYTES`] in every [`UPLOAD_IDLE`] until it ends; at most [`UPLOAD_SLOTS`] are read at once, and another gets the
//! busy page with `Retry-After` at once. Its answer, errors included, carries
//! `Cache-Control: no-store`: it quotes the reader's own data.
//!
//! Ours where tower-http has `RequestBodyLimitLayer` and `TimeoutLayer`: each applies one
//! limit to every route, and a route's own layer, inside them, cannot raise it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};

use crate::web::AppError;

/// The largest body a request that is not an upload may have.
pub const BODY_BYTES: u64 = 16 * 1024;
/// No page takes anywhere near this; a request that does is cut off.
pub const REQUEST_TIME: Duration = Duration::from_secs(10);
/// The largest upload read (gzip counts as sent: a `.gz` of this size may inflate further,
/// to `usage::intake::MAX_INFLATED_BYTES`).
pub const UPLOAD_BYTES: u64 = 64 * 1024 * 1024;
/// How long an upload may take, its transfer included.
pub const UPLOAD_TIME: Duration = Duration::from_secs(120);
/// Uploads read at once: each keeps a core busy.
pub const UPLOAD_SLOTS: usize = 2;
/// The longest an upload may send less than [`UPLOAD_IDLE_BYTES`]. A client that stalls
/// mid-file, or trickles a byte at a time, is cut off then, so two such connections cannot
/// hold both slots for the whole [`UPLOAD_TIME`].
pub const UPLOAD_IDLE: Duration = Duration::from_secs(10);
/// What an upload must send in every [`UPLOAD_IDLE`] until it ends (6.4 KB/s: a phone on a
/// poor connection sends more).
pub const UPLOAD_IDLE_BYTES: usize = 64 * 1024;

/// The routes that take uploads, by the pattern they are routed by, and the slots of the
/// uploads being read.
#[derive(Clone)]
pub struct Uploads {
    routes: &'static [&'static str],
    slots: Arc<Semaphore>,
}

impl Uploads {
    pub fn new(routes: &'static [&'static str]) -> Uploads {
        Uploads {
            routes,
            slots: Arc::new(Semaphore::new(UPLOAD_SLOTS)),
        }
    }

    /// Whether `request` posts to a route that takes uploads.
    pub fn takes(&self, request: &Request) -> bool {
        request.method() == Method::POST
            && request
                .extensions()
                .get::<MatchedPath>()
                .is_some_and(|matched| self.routes.contains(&matched.as_str()))
    }
}

/// Bounds the method, the body and the time of every request, by whether it is an upload.
/// A layer on every route, since whether a request is an upload is known once it is routed.
pub async fn limit_requests(
    State(uploads): State<Uploads>,
    request: Request,
    next: Next,
) -> Response {
    if !uploads.takes(&request) {
        if !matches!(*request.method(), Method::GET | Method::HEAD) {
            return AppError::MethodNotAllowed.into_response();
        }
        return bounded(
            request,
            next,
            BODY_BYTES,
            REQUEST_TIME,
            "This request's body",
        )
        .await;
    }
    let mut response = match uploads.slots.clone().try_acquire_owned() {
        Ok(_slot) => {
            let request =
                request.map(|body| Body::new(Stalling::new(body, UPLOAD_IDLE, UPLOAD_IDLE_BYTES)));
            bounded(request, next, UPLOAD_BYTES, UPLOAD_TIME, "This upload").await
        }
        Err(_) => AppError::Busy.into_response(),
    };
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn bounded(
    request: Request,
    next: Next,
    max_bytes: u64,
    time: Duration,
    what: &'static str,
) -> Response {
    if body_bytes_at_least(&request) > max_bytes {
        return AppError::TooLarge {
            what,
            limit: max_bytes,
            advice: if max_bytes == UPLOAD_BYTES {
                "Export a shorter period, or compress the file with gzip: a .gz upload of up \
                 to that size is read, inflated to at most 512 MB."
            } else {
                "Pages here are asked for with GET and take no body."
            },
        }
        .into_response();
    }
    let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
    match tokio::time::timeout(time, next.run(request)).await {
        Ok(response) => response,
        // As tower-http's timeout answers: the status alone.
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// The fewest bytes `request`'s body can have, by its declared length or by what the body
/// itself knows, before any of it is read.
pub fn body_bytes_at_least(request: &Request) -> u64 {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let at_least = http_body::Body::size_hint(request.body()).lower();
    declared.unwrap_or(0).max(at_least)
}

/// A request body that fails when fewer than `least` bytes arrive in `idle` before it ends:
/// the reader of an upload then sees it break off, answers, and gives its slot back.
struct Stalling {
    inner: Body,
    idle: Duration,
    least: usize,
    /// Bytes since the deadline was last moved on.
    sent: usize,
    deadline: Pin<Box<Sleep>>,
}

impl Stalling {
    fn new(inner: Body, idle: Duration, least: usize) -> Stalling {
        Stalling {
            inner,
            idle,
            least,
            sent: 0,
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

/// Why a [`Stalling`] body ended early.
#[derive(Debug, thiserror::Error)]
#[error("the upload sent less than {least} bytes in {idle:?}")]
struct Stalled {
    idle: Duration,
    least: usize,
}

impl http_body::Body for Stalling {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = &mut *self;
        let stalled = |this: &Stalling| {
            Poll::Ready(Some(Err(axum::Error::new(Stalled {
                idle: this.idle,
                least: this.least,
            }))))
        };
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                this.sent += frame.data_ref().map_or(0, Bytes::len);
                if this.sent >= this.least {
                    this.sent = 0;
                    this.deadline.as_mut().reset(Instant::now() + this.idle);
                } else if this.deadline.is_elapsed() {
                    // A trickle: bytes keep coming, too few of them.
                    return stalled(this);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(other) => Poll::Ready(other),
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => stalled(this),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
