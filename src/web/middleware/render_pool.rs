//! Where pages the cache does not hold yet are rendered: a few at a time (one per core), on
//! threads of their own at a lower scheduling priority than the async workers, behind a
//! bounded queue that waits a bounded time. A flood of uncached pages therefore cannot slow
//! cached pages down; the overflow is told to come back (503 with `Retry-After`).
//!
//! Ours: tower's `ConcurrencyLimit` (used in `with_layers` for requests in flight) queues
//! without bound and runs the work on the async workers themselves, which is exactly what a
//! render must not do.

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Requests that may wait for a render slot, per slot; more are turned away. Enough for a
/// whole flood of clients to wait (which costs a timer each) rather than come straight back
/// for another 503 (which costs the async workers a request each).
const RENDER_QUEUE_PER_SLOT: usize = 128;
/// A request turned away because the queue is full still waits this long for its 503, so a
/// client that retries at once makes a bounded number of requests a second.
const REFUSE_AFTER: Duration = Duration::from_millis(100);
/// How much less the render threads are given the CPU than the async workers that answer
/// cached pages (a nice value: 10 weighs about a tenth of 0 with Linux's scheduler).
const RENDER_NICE: i32 = 10;
/// How long a request waits for a render slot before it is turned away.
pub const RENDER_QUEUE_WAIT: Duration = Duration::from_millis(500);

/// Render slots, their queue, and the threads renders run on.
pub struct RenderPool {
    gate: RenderGate,
    threads: RenderThreads,
}

impl RenderPool {
    /// A pool rendering at most `slots` pages at once (at least one).
    pub fn new(slots: usize) -> RenderPool {
        RenderPool {
            gate: RenderGate::new(slots.max(1)),
            threads: RenderThreads::new(),
        }
    }

    /// A slot, or `None` when the queue is full or the wait ran out.
    pub async fn enter(&self) -> Option<OwnedSemaphorePermit> {
        self.gate.enter().await
    }

    /// Runs `job` on a render thread, holding `slot` until it is done.
    pub fn run(&self, slot: OwnedSemaphorePermit, job: Box<dyn FnOnce() + Send>) {
        self.threads.run(slot, job);
    }

    /// Requests waiting for a slot now.
    pub fn waiting(&self) -> usize {
        self.gate.waiting.load(Ordering::Relaxed)
    }

    /// Renders running now.
    pub fn rendering(&self) -> usize {
        self.gate.slot_count
            - self
                .gate
                .slots
                .available_permits()
                .min(self.gate.slot_count)
    }

    /// Requests turned away so far: (queue full, wait ran out).
    pub fn refusals(&self) -> (u64, u64) {
        (
            self.gate.refused_queue_full.load(Ordering::Relaxed),
            self.gate.refused_timed_out.load(Ordering::Relaxed),
        )
    }
}

/// At most one render per slot at a time, each on a render thread; a bounded queue waits
/// for a slot for a bounded time.
struct RenderGate {
    slots: Arc<Semaphore>,
    slot_count: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
    refused_queue_full: AtomicU64,
    refused_timed_out: AtomicU64,
}

/// Counts a request as waiting for a render slot while it exists.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl RenderGate {
    fn new(slots: usize) -> RenderGate {
        RenderGate {
            slots: Arc::new(Semaphore::new(slots)),
            slot_count: slots,
            waiting: AtomicUsize::new(0),
            max_waiting: slots * RENDER_QUEUE_PER_SLOT,
            refused_queue_full: AtomicU64::new(0),
            refused_timed_out: AtomicU64::new(0),
        }
    }

    async fn enter(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(slot) = self.slots.clone().try_acquire_owned() {
            return Some(slot);
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            self.refused_queue_full.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(REFUSE_AFTER).await;
            return None;
        }
        let _waiting = Waiting(&self.waiting);
        let slot = tokio::time::timeout(RENDER_QUEUE_WAIT, self.slots.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok);
        if slot.is_none() {
            self.refused_timed_out.fetch_add(1, Ordering::Relaxed);
        }
        slot
    }
}

/// Renders at once: one per core.
pub fn render_slots() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// A render to run, and the slot it holds until it is done.
type RenderJob = (Box<dyn FnOnce() + Send>, OwnedSemaphorePermit);

/// The threads pages are rendered on, started as they are needed (never more than there are
/// render slots) and run at a lower scheduling priority than the async workers, so that when
/// renders and cached pages both want a core, the cached pages get it. They end when their
/// pool (and so its page cache) is dropped.
struct RenderThreads {
    jobs: std::sync::mpsc::Sender<RenderJob>,
    queue: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<RenderJob>>>,
    /// Threads waiting for a job.
    idle: Arc<AtomicUsize>,
}

impl RenderThreads {
    fn new() -> RenderThreads {
        let (jobs, queue) = std::sync::mpsc::channel();
        RenderThreads {
            jobs,
            queue: Arc::new(std::sync::Mutex::new(queue)),
            idle: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Runs `job` on an idle render thread, or on a new one if none is idle. A thread counts
    /// itself idle before it gives up its slot, so the next holder of the slot finds it.
    fn run(&self, slot: OwnedSemaphorePermit, job: Box<dyn FnOnce() + Send>) {
        let claimed = self
            .idle
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
            .is_ok();
        let job = if claimed {
            match self.jobs.send((job, slot)) {
                Ok(()) => return,
                // Cannot happen while `self` holds the receiver; run it on a new thread.
                Err(std::sync::mpsc::SendError(job)) => job,
            }
        } else {
            (job, slot)
        };
        let (queue, idle) = (self.queue.clone(), self.idle.clone());
        let spawned = std::thread::Builder::new()
            .name("render".into())
            .spawn(move || {
                lower_priority();
                let mut next = Some(job);
                while let Some((job, slot)) = next.take() {
                    job();
                    idle.fetch_add(1, Ordering::AcqRel);
                    drop(slot);
                    next = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .recv()
                        .ok();
                }
            });
        if let Err(err) = spawned {
            // The job is dropped with its reply channel: its request answers 500.
            tracing::error!(error = %err, "could not start a render thread");
        }
    }
}

/// Gives the calling thread a nice value of [`RENDER_NICE`] (Linux: nice is per thread), for
/// work that must not slow the cached pages down: renders, and reading uploads.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(err) =
        rustix::process::setpriority_process(Some(rustix::thread::gettid()), RENDER_NICE)
    {
        tracing::debug!(error = %err, "could not lower a thread's priority");
    }
}
