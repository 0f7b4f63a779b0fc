//! Delivery to the app's listeners (`MonitorListener`, `AlertListener`, `LogSink`): each one has a bounded
//! queue and a delivery thread of its own, so TwitchWatch's threads never wait for the app's code.
//!
//! What this buys and what it costs:
//! - A listener that blocks, even forever, stalls only itself: the session goes on, stores everything,
//!   and the other listeners hear everything in time. Its queue fills, and what does not fit is dropped
//!   and counted (`ListenerHandle.droppedNotifications()`), with a warning at the 1st, 2nd, 4th, 8th…
//!   drop that names the kind of listener and the count, never what was dropped (health data).
//! - One listener hears its calls in the order they were made, one at a time, on one thread at a time.
//! - Registrations are capped per kind and per `TwitchWatch`, and a delivery thread is started on the
//!   first notification and ends once its listener has nothing to do for a while, so neither memory nor
//!   threads grow with the number of registrations an app makes and cancels.
//! - Stopping and closing wait a bounded time for the queues to empty, then leave a stuck listener
//!   behind: its thread ends when the listener returns, and calls it nothing more once closed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use twitchwatch_store::sync::lock;

use crate::error::{FfiResult, TwitchWatchError};

/// Registrations of one kind of listener one `TwitchWatch` takes. An app has a handful (a screen, a
/// service, a notifier); far more means handles that are never cancelled, and each registration may
/// hold a queue and a thread. A cancelled listener whose call has not returned yet still holds its slot,
/// so listeners stuck in a call cannot pile up threads beyond this either.
pub const REGISTRATIONS_PER_KIND_MAX: usize = 64;

/// How long `stop()`, `waitUntilStopped()` and `closeStore()` wait for the listeners to hear everything
/// (the session's end above all) before they leave a stuck listener behind. A healthy listener empties
/// a full queue in far less; the caller may be a UI thread, and a stuck listener must not become a hang.
pub const DRAIN_WAIT: Duration = Duration::from_secs(2);

/// A delivery thread with nothing to deliver for this long ends; the next notification starts another.
/// Long enough that a running session (progress every 100 ms) keeps its threads, short enough that
/// listeners which hear rarely (alerts) hold no thread between alerts.
const IDLE_EXIT: Duration = Duration::from_secs(10);

/// Delivery threads the whole process may have at once. The per-kind cap bounds each `TwitchWatch`;
/// this bounds an app that opens and closes stores with listeners stuck in calls that never return.
/// Past it, notifications wait in their queue for a thread (and are dropped and counted once it is full).
const DELIVERY_THREADS_MAX: usize = 512;

static LIVE_DELIVERY_THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The delivery this thread works for, if it is a delivery thread.
    static DELIVERING: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// The delivery whose thread the caller runs on, when the caller is a listener: waiting for that
/// delivery to finish would wait for the caller itself.
pub(crate) fn current_delivery() -> Option<u64> {
    DELIVERING.with(|d| d.get())
}

/// One call to one kind of listener, as it waits in that listener's queue.
pub(crate) trait Notification: Send + Sized + 'static {
    type Listener: ?Sized + Send + Sync + 'static;
    /// The listener's name in log lines and thread names (`MonitorListener`).
    const KIND: &'static str;
    /// How many notifications may wait for one listener of this kind.
    const QUEUE_CAPACITY: usize;

    /// Makes the call. A listener's failure is logged here (without health data) and goes no further.
    fn deliver(self, listener: &Self::Listener);

    /// A notification the listener must hear even when it fell behind (how a session ended): a full
    /// queue makes room for it by dropping the oldest notification that is not one.
    fn must_arrive(&self) -> bool {
        false
    }

    /// How the listener learns of drops, when a warning through `tracing` cannot reach it (the log sink,
    /// which is where that warning would go): a notification queued beyond the capacity, at most one per
    /// power of two dropped, so at most 64 ever.
    fn drop_notice(_dropped: u64) -> Option<Self> {
        None
    }
}

/// A registered listener's queue and delivery thread. Cloning shares them.
pub(crate) struct Delivery<N: Notification> {
    inner: Arc<Inner<N>>,
}

impl<N: Notification> Clone for Delivery<N> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<N: Notification> {
    id: u64,
    state: Mutex<State<N>>,
    /// A notification was queued, or the delivery was closed.
    work: Condvar,
    /// The queue became empty with no call under way, or the delivery was closed.
    idle: Condvar,
    dropped: Arc<AtomicU64>,
}

struct State<N: Notification> {
    /// `None` once closed. The delivery thread borrows a clone for each call only, so an idle delivery
    /// holds the app's object in one place, and closing releases it on the closing thread: releasing a
    /// foreign object calls into the app, which a delivery thread must not do once it is closed (a
    /// Python interpreter shutting down aborts on a call from a thread it does not expect).
    listener: Option<Arc<N::Listener>>,
    queue: VecDeque<N>,
    thread_running: bool,
    in_call: bool,
}

impl<N: Notification> Delivery<N> {
    pub(crate) fn new(listener: Arc<N::Listener>) -> Self {
        static NEXT_ID: AtomicU64 = AtomicU64::new(1);
        Self {
            inner: Arc::new(Inner {
                id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
                state: Mutex::new(State {
                    listener: Some(listener),
                    queue: VecDeque::new(),
                    thread_running: false,
                    in_call: false,
                }),
                work: Condvar::new(),
                idle: Condvar::new(),
                dropped: Arc::new(AtomicU64::new(0)),
            }),
        }
    }

    pub(crate) fn id(&self) -> u64 {
        self.inner.id
    }

    /// Notifications dropped because the queue was full, since registration.
    pub(crate) fn dropped_counter(&self) -> Arc<AtomicU64> {
        self.inner.dropped.clone()
    }

    /// Queues `notification` for the listener and returns at once. Nothing happens once closed.
    pub(crate) fn push(&self, notification: N) {
        let mut state = lock(&self.inner.state);
        if state.listener.is_none() {
            return;
        }
        let mut dropped_now = false;
        if state.queue.len() < N::QUEUE_CAPACITY {
            state.queue.push_back(notification);
        } else if notification.must_arrive() {
            // Dropping the oldest keeps the order of what remains.
            let oldest = state
                .queue
                .iter()
                .position(|queued| !queued.must_arrive())
                .unwrap_or(0);
            state.queue.remove(oldest);
            state.queue.push_back(notification);
            dropped_now = true;
        } else {
            dropped_now = true;
        }
        let mut warn_of = None;
        if dropped_now {
            let dropped = self.inner.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                match N::drop_notice(dropped) {
                    Some(notice) => state.queue.push_back(notice),
                    None => warn_of = Some(dropped),
                }
            }
        }
        let start_failed = !state.thread_running && !self.start_thread(&mut state);
        if !state.queue.is_empty() {
            self.inner.work.notify_one();
        }
        drop(state);
        // Logged outside the lock: the warning goes to the log sink's own delivery.
        if let Some(dropped) = warn_of {
            tracing::warn!(
                target: "twitchwatch_ffi::delivery",
                "a {} fell behind: {dropped} notifications dropped so far (at most {} wait for it)",
                N::KIND,
                N::QUEUE_CAPACITY,
            );
        }
        if start_failed {
            tracing::debug!(
                target: "twitchwatch_ffi::delivery",
                "no delivery thread for a {} yet; its notifications wait in its queue",
                N::KIND,
            );
        }
    }

    /// Starts the delivery thread; `false` when the operating system or the process-wide cap refuses one
    /// (the queue keeps what it holds, and the next notification tries again).
    fn start_thread(&self, state: &mut MutexGuard<'_, State<N>>) -> bool {
        if LIVE_DELIVERY_THREADS.fetch_add(1, Ordering::SeqCst) >= DELIVERY_THREADS_MAX {
            LIVE_DELIVERY_THREADS.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        let inner = self.inner.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("twitchwatch-{}", N::KIND))
            .spawn(move || deliver_until_idle(inner));
        match spawned {
            Ok(_) => {
                state.thread_running = true;
                true
            }
            Err(_) => {
                LIVE_DELIVERY_THREADS.fetch_sub(1, Ordering::SeqCst);
                false
            }
        }
    }

    /// Closes the delivery: what is queued is dropped, no later call starts (one under way finishes),
    /// and the listener is released here, on the caller's thread. Closing twice does nothing.
    pub(crate) fn close(&self) {
        let (listener, queue) = {
            let mut state = lock(&self.inner.state);
            (state.listener.take(), std::mem::take(&mut state.queue))
        };
        self.inner.work.notify_all();
        self.inner.idle.notify_all();
        // Outside the lock: releasing a foreign listener calls into the app.
        drop(queue);
        drop(listener);
    }

    /// Waits until everything queued so far was delivered (or the delivery was closed) or `deadline`
    /// passed. Returns whether it was delivered.
    pub(crate) fn wait_until_delivered(&self, deadline: Instant) -> bool {
        let mut state = lock(&self.inner.state);
        while state.listener.is_some() && (state.in_call || !state.queue.is_empty()) {
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return false;
            };
            state = self
                .inner
                .idle
                .wait_timeout(state, left)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0;
        }
        true
    }

    /// Closed, and no call to the listener under way: it holds neither a registration slot nor a thread.
    fn is_finished(&self) -> bool {
        let state = lock(&self.inner.state);
        state.listener.is_none() && !state.in_call
    }
}

/// The delivery thread: one notification at a time, in order, until closed or idle for `IDLE_EXIT`.
fn deliver_until_idle<N: Notification>(inner: Arc<Inner<N>>) {
    struct Counted;
    impl Drop for Counted {
        fn drop(&mut self) {
            LIVE_DELIVERY_THREADS.fetch_sub(1, Ordering::SeqCst);
        }
    }
    let _counted = Counted;
    DELIVERING.with(|d| d.set(Some(inner.id)));
    let mut state = lock(&inner.state);
    loop {
        let Some(listener) = state.listener.clone() else {
            break;
        };
        if let Some(notification) = state.queue.pop_front() {
            state.in_call = true;
            drop(state);
            let call = std::panic::AssertUnwindSafe(|| notification.deliver(&listener));
            if std::panic::catch_unwind(call).is_err() {
                tracing::warn!(
                    target: "twitchwatch_ffi::delivery",
                    "a {} panicked; the call was skipped",
                    N::KIND,
                );
            }
            // The last reference only when the delivery was closed during the call: the app's code
            // was running on this thread anyway.
            drop(listener);
            state = lock(&inner.state);
            state.in_call = false;
            if state.queue.is_empty() {
                inner.idle.notify_all();
            }
            continue;
        }
        drop(listener);
        inner.idle.notify_all();
        let (next, waited) = inner
            .work
            .wait_timeout(state, IDLE_EXIT)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state = next;
        if waited.timed_out() && state.queue.is_empty() {
            break;
        }
    }
    state.thread_running = false;
    drop(state);
    inner.idle.notify_all();
}

/// The listeners of one kind registered on one `TwitchWatch`, at most `REGISTRATIONS_PER_KIND_MAX`.
pub(crate) struct Registry<N: Notification> {
    deliveries: Mutex<Vec<Delivery<N>>>,
}

impl<N: Notification> Default for Registry<N> {
    fn default() -> Self {
        Self {
            deliveries: Mutex::new(Vec::new()),
        }
    }
}

impl<N: Notification> Registry<N> {
    /// A delivery for `listener`, or `InvalidState` when the kind's slots are all taken.
    pub(crate) fn register(&self, listener: Arc<N::Listener>) -> FfiResult<Delivery<N>> {
        let mut deliveries = lock(&self.deliveries);
        deliveries.retain(|d| !d.is_finished());
        if deliveries.len() >= REGISTRATIONS_PER_KIND_MAX {
            return Err(TwitchWatchError::state(format!(
                "{REGISTRATIONS_PER_KIND_MAX} {}s are registered on this TwitchWatch, the most it takes; \
                 cancel the handle of one no longer needed (a handle that was let go counts until it \
                 is released, and a cancelled listener until its current call returns)",
                N::KIND
            )));
        }
        let delivery = Delivery::new(listener);
        deliveries.push(delivery.clone());
        Ok(delivery)
    }

    fn snapshot(&self) -> Vec<Delivery<N>> {
        lock(&self.deliveries).clone()
    }

    /// Waits until every listener heard everything queued so far, except the one the caller is
    /// delivering to (`except`), or until `deadline`.
    pub(crate) fn wait_until_delivered(&self, deadline: Instant, except: Option<u64>) {
        for delivery in self.snapshot() {
            if Some(delivery.id()) != except {
                delivery.wait_until_delivered(deadline);
            }
        }
    }

    /// Closes every delivery: no listener of this kind is called again (one stuck in a call finishes
    /// it on its own thread), and each is released.
    pub(crate) fn close_all(&self) {
        let deliveries = std::mem::take(&mut *lock(&self.deliveries));
        for delivery in deliveries {
            delivery.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A test listener: records the numbers it hears, and blocks while `gate` is closed.
    struct Recorder {
        heard: Mutex<Vec<u32>>,
        gate: Mutex<bool>,
        opened: Condvar,
        entered: Mutex<Option<mpsc::Sender<u32>>>,
    }

    impl Recorder {
        fn new(open: bool) -> Arc<Self> {
            Arc::new(Self {
                heard: Mutex::new(Vec::new()),
                gate: Mutex::new(open),
                opened: Condvar::new(),
                entered: Mutex::new(None),
            })
        }
        fn open(&self) {
            *lock(&self.gate) = true;
            self.opened.notify_all();
        }
        fn heard(&self) -> Vec<u32> {
            lock(&self.heard).clone()
        }
    }

    enum Numbered {
        Plain(u32),
        Last(u32),
        Panics,
    }

    impl Notification for Numbered {
        type Listener = Recorder;
        const KIND: &'static str = "TestListener";
        const QUEUE_CAPACITY: usize = 8;

        fn deliver(self, listener: &Recorder) {
            let n = match self {
                Numbered::Plain(n) | Numbered::Last(n) => n,
                Numbered::Panics => panic!("a listener bug"),
            };
            if let Some(tx) = lock(&listener.entered).as_ref() {
                let _ = tx.send(n);
            }
            let mut open = lock(&listener.gate);
            while !*open {
                open = listener
                    .opened
                    .wait(open)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            drop(open);
            lock(&listener.heard).push(n);
        }

        fn must_arrive(&self) -> bool {
            matches!(self, Numbered::Last(_))
        }
    }

    fn soon() -> Instant {
        Instant::now() + Duration::from_secs(10)
    }

    #[test]
    fn notifications_arrive_in_order_and_a_panic_skips_only_its_call() {
        let recorder = Recorder::new(true);
        let delivery = Delivery::<Numbered>::new(recorder.clone());
        delivery.push(Numbered::Plain(1));
        delivery.push(Numbered::Panics);
        for n in 2..=5 {
            delivery.push(Numbered::Plain(n));
        }
        assert!(delivery.wait_until_delivered(soon()));
        assert_eq!(recorder.heard(), vec![1, 2, 3, 4, 5]);
        assert_eq!(delivery.dropped_counter().load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_blocked_listener_never_blocks_the_caller_and_loses_only_what_does_not_fit() {
        let recorder = Recorder::new(false);
        let (entered_tx, entered) = mpsc::channel();
        *lock(&recorder.entered) = Some(entered_tx);
        let delivery = Delivery::<Numbered>::new(recorder.clone());
        delivery.push(Numbered::Plain(0));
        // The thread took 0 and blocks in it; the queue then holds 8 and drops the rest.
        assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), 0);
        for n in 1..=100 {
            delivery.push(Numbered::Plain(n));
        }
        delivery.push(Numbered::Last(999));
        assert!(!delivery.wait_until_delivered(Instant::now() + Duration::from_millis(50)));
        // 92 plain ones did not fit, and the last one pushed out the oldest queued.
        assert_eq!(delivery.dropped_counter().load(Ordering::Relaxed), 93);
        recorder.open();
        assert!(delivery.wait_until_delivered(soon()));
        assert_eq!(recorder.heard(), vec![0, 2, 3, 4, 5, 6, 7, 8, 999]);
    }

    #[test]
    fn closing_during_a_call_lets_it_finish_and_starts_no_other() {
        let recorder = Recorder::new(false);
        let (entered_tx, entered) = mpsc::channel();
        *lock(&recorder.entered) = Some(entered_tx);
        let registry = Registry::<Numbered>::default();
        let delivery = registry.register(recorder.clone()).unwrap();
        delivery.push(Numbered::Plain(1));
        delivery.push(Numbered::Plain(2));
        assert_eq!(entered.recv_timeout(Duration::from_secs(10)).unwrap(), 1);
        registry.close_all();
        // Closed at once, though the call is still under way.
        assert!(delivery.wait_until_delivered(Instant::now()));
        // Stuck in its call, the cancelled listener still holds its slot.
        assert!(!delivery.is_finished());
        recorder.open();
        let deadline = soon();
        while !delivery.is_finished() {
            assert!(Instant::now() < deadline, "the call never returned");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(recorder.heard(), vec![1]);
        delivery.push(Numbered::Plain(3));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(recorder.heard(), vec![1]);
    }

    #[test]
    fn the_cap_counts_live_registrations_and_cancelling_frees_a_slot() {
        let registry = Registry::<Numbered>::default();
        let recorder = Recorder::new(true);
        let kept: Vec<_> = (0..REGISTRATIONS_PER_KIND_MAX)
            .map(|_| registry.register(recorder.clone()).unwrap())
            .collect();
        let refused = registry.register(recorder.clone()).err();
        assert!(
            matches!(&refused, Some(TwitchWatchError::InvalidState { reason }) if reason.contains("64 TestListeners")),
            "{refused:?}"
        );
        kept[7].close();
        let again = registry.register(recorder.clone()).unwrap();
        again.push(Numbered::Plain(42));
        assert!(again.wait_until_delivered(soon()));
        assert_eq!(recorder.heard(), vec![42]);
    }
}
