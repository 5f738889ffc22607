//! The HTTP server around the router: connections accepted under a cap below the open-files
//! limit, a deadline on every connection, and a shutdown that ends in bounded time.
//!
//! Rules a connection lives by (each one closes it; see [`Limits`]):
//! - with no request in flight, the next request head must arrive within `head_timeout` of the
//!   connection opening or of the previous response ending. This covers a silent socket, a
//!   request head sent a byte at a time, and an idle keep-alive connection alike, for HTTP/1
//!   and HTTP/2 (hyper's own header timeout only starts once HTTP/1 has been detected);
//! - with a request in flight, bytes must move one way or the other at least every
//!   `stall_timeout` (a handler is cut off well before that, so only a client that stopped
//!   reading trips it);
//! - on shutdown, connections with no request in flight are closed at once; the others finish
//!   their responses, and those still open after `shutdown_grace` are dropped.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt;

/// File descriptors kept back from connections: the database and its journal files, the
/// HTTP client's connections to OpenRouter, the listener, logs and the runtime's own.
const RESERVED_FDS: u64 = 128;
/// More open connections than this would cost more memory than the site is worth serving
/// them, whatever the open-files limit allows.
const MAX_CONNECTIONS: u64 = 10_000;

/// How long connections may take, how many there may be, and how long shutdown waits.
#[derive(Clone, Debug)]
pub struct Limits {
    pub head_timeout: Duration,
    pub stall_timeout: Duration,
    /// Request line and headers of one HTTP/1 request, or one HTTP/2 header list.
    pub max_header_bytes: usize,
    pub max_connections: usize,
    pub shutdown_grace: Duration,
}

impl Limits {
    /// The site's limits, with the connection cap worked out from this process's open-files
    /// limit (raised to the hard limit first, as far as the system allows).
    pub fn for_this_process() -> Limits {
        let open_files = match rlimit::increase_nofile_limit(u64::MAX) {
            Ok(limit) => limit,
            Err(err) => {
                tracing::warn!(error = %err, "could not read the open-files limit; assuming 1024");
                1024
            }
        };
        let max_connections = connection_cap(open_files);
        tracing::info!(open_files, max_connections, "connection cap");
        Limits {
            max_connections,
            ..Limits::default()
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            head_timeout: Duration::from_secs(10),
            stall_timeout: Duration::from_secs(30),
            max_header_bytes: 64 * 1024,
            max_connections: connection_cap(1024),
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Connections allowed open at once under an open-files limit: what is left after
/// [`RESERVED_FDS`] (or half the limit, if that is smaller), at most [`MAX_CONNECTIONS`].
pub fn connection_cap(open_files: u64) -> usize {
    let left = open_files
        .saturating_sub(RESERVED_FDS)
        .max(open_files / 2)
        .clamp(1, MAX_CONNECTIONS);
    usize::try_from(left).unwrap_or(1)
}

/// Serves `app` on `listener` until `stop` turns true, then drains: no new connections,
/// requests in flight finish, and after [`Limits::shutdown_grace`] whatever is left is closed.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let limits = Arc::new(limits);
    let builder = Arc::new(builder(&limits));
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    let mut backoff = AcceptBackoff::default();
    let mut last_cap_warning: Option<Instant> = None;
    loop {
        while connections.try_join_next().is_some() {}
        let slot = match slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                // The rest wait in the kernel's backlog until a connection closes.
                if last_cap_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10)) {
                    tracing::warn!(
                        max_connections = limits.max_connections,
                        "connection cap reached; new connections wait for one to close"
                    );
                    last_cap_warning = Some(Instant::now());
                }
                tokio::select! {
                    slot = slots.clone().acquire_owned() => match slot {
                        Ok(slot) => slot,
                        Err(_) => break,
                    },
                    _ = stop.wait_for(|s| *s) => break,
                }
            }
        };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|s| *s) => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => {
                backoff.reset();
                stream
            }
            Err(err) => {
                if let Some(pause) = backoff.after(&err) {
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = stop.wait_for(|s| *s) => break,
                    }
                }
                continue;
            }
        };
        if let Err(err) = stream.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY");
        }
        let (builder, app, limits, stop) =
            (builder.clone(), app.clone(), limits.clone(), stop.clone());
        connections.spawn(async move {
            serve_connection(stream, &builder, app, &limits, stop).await;
            drop(slot);
        });
    }
    drop(listener);
    let open = connections.len();
    tracing::info!(open, "no longer accepting; draining connections");
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            left = connections.len(),
            grace = ?limits.shutdown_grace,
            "connections still open after the grace period; closing them"
        );
        connections.shutdown().await;
    }
    Ok(())
}

fn builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.head_timeout)
        // hyper answers 431 when a head does not fit in its read buffer.
        .max_buf_size(limits.max_header_bytes.max(8192));
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(u32::try_from(limits.max_header_bytes).unwrap_or(u32::MAX))
        .max_concurrent_streams(64);
    builder
}

/// Pauses accepting after a failure that is about this process (out of file descriptors or
/// memory), doubling from 10 ms to 1 s; failures of one incoming connection are skipped.
#[derive(Default)]
struct AcceptBackoff {
    next: Option<Duration>,
    last_warning: Option<Instant>,
}

impl AcceptBackoff {
    fn reset(&mut self) {
        self.next = None;
    }

    fn after(&mut self, err: &io::Error) -> Option<Duration> {
        if matches!(
            err.kind(),
            io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::Interrupted
        ) {
            tracing::debug!(error = %err, "an incoming connection failed before it was accepted");
            return None;
        }
        let pause = self.next.unwrap_or(Duration::from_millis(10));
        self.next = Some((pause * 2).min(Duration::from_secs(1)));
        // One line per second at most: a flood of EMFILE would otherwise flood the log.
        if self
            .last_warning
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            tracing::warn!(error = %err, ?pause, "accepting connections failed; pausing");
            self.last_warning = Some(Instant::now());
        }
        Some(pause)
    }
}

/// What one connection is doing, shared by its socket, its requests and its supervisor.
struct Activity {
    started: Instant,
    /// Milliseconds since `started` at the last byte read or written.
    last_progress: AtomicU64,
    /// Milliseconds since `started` when the connection last had no request in flight.
    idle_since: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            started: Instant::now(),
            last_progress: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn progressed(&self) {
        self.last_progress.store(self.now_ms(), Ordering::Relaxed);
    }

    /// When the connection has to be closed unless something happens first.
    fn deadline(&self, limits: &Limits) -> Instant {
        let (since, allowed) = if self.in_flight.load(Ordering::Relaxed) == 0 {
            (self.idle_since.load(Ordering::Relaxed), limits.head_timeout)
        } else {
            (
                self.last_progress.load(Ordering::Relaxed),
                limits.stall_timeout,
            )
        };
        self.started + Duration::from_millis(since) + allowed
    }
}

/// Marks a request in flight on its connection until its response body is done or dropped.
struct InFlight(Arc<Activity>);

impl InFlight {
    fn start(activity: Arc<Activity>) -> InFlight {
        activity.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.progressed();
        InFlight(activity)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let now = self.0.now_ms();
        // Set before the count drops, so the supervisor never sees "idle since long ago".
        self.0.idle_since.store(now, Ordering::Relaxed);
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that keeps its request counted as in flight until it ends.
struct TrackedBody {
    inner: Body,
    in_flight: Option<InFlight>,
}

impl hyper::body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.in_flight = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        self.inner.size_hint()
    }
}

/// The socket, noting every byte that moves.
struct TrackedStream {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for TrackedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.progressed();
        }
        polled
    }
}

impl AsyncWrite for TrackedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progressed();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.progressed();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves one connection until it ends, breaks a rule of [`Limits`], or shutdown closes it.
async fn serve_connection(
    stream: TcpStream,
    builder: &auto::Builder<TokioExecutor>,
    app: Router,
    limits: &Limits,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(TrackedStream {
        inner: stream,
        activity: activity.clone(),
    });
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let in_flight = InFlight::start(requests.clone());
        let response = app.clone().oneshot(request.map(Body::new));
        async move {
            let response = response.await?;
            Ok::<_, std::convert::Infallible>(response.map(|inner| TrackedBody {
                inner,
                in_flight: Some(in_flight),
            }))
        }
    });
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    let mut stopping = false;
    loop {
        let deadline = activity.deadline(limits);
        tokio::select! {
            result = connection.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(error = %err, "connection ended with an error");
                }
                return;
            }
            _ = tokio::time::sleep_until(deadline) => {
                // The deadline may have moved while we slept.
                if activity.deadline(limits) <= Instant::now() {
                    tracing::debug!(
                        in_flight = activity.in_flight.load(Ordering::Relaxed),
                        "closing a connection that sent no request head in time, or stalled"
                    );
                    return;
                }
            }
            _ = stop.wait_for(|s| *s), if !stopping => {
                // Nothing to finish on a connection between requests (or halfway through a
                // request head): close it now rather than wait for the client.
                if activity.in_flight.load(Ordering::Relaxed) == 0 {
                    return;
                }
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_file_descriptors_for_the_rest_of_the_process() {
        // systemd's default soft limit: 1024 - 128 reserved = 896.
        assert_eq!(connection_cap(1024), 896);
        // A small limit keeps half for everything else: 200 - 128 = 72 < 100 = 200 / 2.
        assert_eq!(connection_cap(200), 100);
        assert_eq!(connection_cap(0), 1);
        // A huge hard limit is still capped by memory, not by descriptors.
        assert_eq!(connection_cap(1 << 20), 10_000);
    }
}
