//! The one tokio runtime of the bindings: the one UniFFI polls `async_runtime = "tokio"` exports on.
//! Blocking core work runs on its blocking pool, Bluetooth I/O on its reactor; nothing builds another.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::{pin, Pin};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll, Waker};
use std::thread::ThreadId;

use twitchwatch_store::sync::lock;

use uniffi::deps::async_compat::Compat;

use crate::error::{FfiResult, TwitchWatchError};

/// A handle to the shared runtime, for code that is not itself an async export (a Bluetooth session).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub(crate) fn shared() -> tokio::runtime::Handle {
    // `Compat` enters the runtime UniFFI uses while it polls; the inner future is ready at once.
    let mut current = pin!(Compat::new(async { tokio::runtime::Handle::current() }));
    match current
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(handle) => handle,
        Poll::Pending => unreachable!("reading the current runtime does not wait"),
    }
}

/// Runs blocking core work (store writes, joining a session, writing a file) on the shared runtime's
/// blocking pool: the caller's thread and the runtime's workers stay free. Call from an async export.
///
/// The result is handed over through `Handoff`, not tokio's `JoinHandle`: waking the caller calls the
/// foreign continuation on the worker thread (UniFFI does so inside `wake`), and the result only becomes
/// visible once that call has returned. Otherwise the caller could finish while the worker is still in
/// its code — and a Python host that exits right after `await` ends such a thread with `pthread_exit`
/// during its shutdown, whose forced unwind the worker's `catch_unwind` stops: the process aborts.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> FfiResult<T> {
    let handoff = Arc::new(Handoff::default());
    let worker = handoff.clone();
    // Detached: completion is signalled through the handoff alone.
    drop(tokio::task::spawn_blocking(move || {
        // `f` and what it captured are gone before the caller is woken.
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(f))
            .map_err(|_| TwitchWatchError::internal("a background task panicked"));
        worker.finish(outcome);
    }));
    Await(handoff).await
}

struct Handoff<T> {
    state: Mutex<State<T>>,
    published: Condvar,
}

struct State<T> {
    result: Option<FfiResult<T>>,
    waker: Option<Waker>,
    /// The worker is inside `wake`, on this thread.
    waking_on: Option<ThreadId>,
    published: bool,
}

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                result: None,
                waker: None,
                waking_on: None,
                published: false,
            }),
            published: Condvar::new(),
        }
    }
}

impl<T> Handoff<T> {
    fn finish(&self, result: FfiResult<T>) {
        let waker = {
            let mut state = lock(&self.state);
            state.result = Some(result);
            state.waking_on = Some(std::thread::current().id());
            state.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        let mut state = lock(&self.state);
        state.waking_on = None;
        state.published = true;
        self.published.notify_all();
    }
}

struct Await<T>(Arc<Handoff<T>>);

impl<T> Future for Await<T> {
    type Output = FfiResult<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = lock(&self.0.state);
        loop {
            // A caller that polls from inside the worker's `wake` (a foreign executor that resumes in
            // place) takes the result at once: waiting there would wait for itself.
            let in_wake = state.waking_on == Some(std::thread::current().id());
            if state.published || (in_wake && state.result.is_some()) {
                return match state.result.take() {
                    Some(result) => Poll::Ready(result),
                    None => Poll::Ready(Err(TwitchWatchError::internal(
                        "a background task's result was taken twice",
                    ))),
                };
            }
            if state.result.is_none() {
                state.waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
            // The result is there and the worker is waking the caller: it leaves the caller's code
            // within moments, then publishes.
            state = self
                .0
                .published
                .wait(state)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;
    use std::task::Wake;
    use std::time::Duration;

    /// A waker like a foreign continuation: it tells the caller to poll again, then stays in the
    /// caller's code a while longer (CPython's `call_soon_threadsafe` writing its self-pipe).
    struct SlowForeignWake {
        poll_again: Mutex<mpsc::Sender<()>>,
        returned: AtomicBool,
    }

    impl Wake for SlowForeignWake {
        fn wake(self: Arc<Self>) {
            let _ = lock(&self.poll_again).send(());
            std::thread::sleep(Duration::from_millis(200));
            self.returned.store(true, Ordering::SeqCst);
        }
    }

    #[test]
    fn the_caller_sees_the_result_only_after_the_wake_returned() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _inside = runtime.enter();
        let (poll_again, polls) = mpsc::channel();
        let foreign = Arc::new(SlowForeignWake {
            poll_again: Mutex::new(poll_again),
            returned: AtomicBool::new(false),
        });
        let waker = Waker::from(foreign.clone());
        let mut work = Box::pin(blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            7
        }));
        let mut cx = Context::from_waker(&waker);
        let result = loop {
            if let Poll::Ready(result) = work.as_mut().poll(&mut cx) {
                break result;
            }
            polls.recv_timeout(Duration::from_secs(10)).unwrap();
        };
        assert_eq!(result.unwrap(), 7);
        assert!(
            foreign.returned.load(Ordering::SeqCst),
            "the caller finished while the worker was still inside its wake"
        );
    }

    type Work = Pin<Box<dyn Future<Output = FfiResult<i32>> + Send>>;

    /// A foreign executor that resumes in place polls from inside `wake`: it gets the result.
    struct PollsInPlace(Mutex<Option<Work>>, mpsc::Sender<i32>);

    impl Wake for PollsInPlace {
        fn wake(self: Arc<Self>) {
            let waker = Waker::from(self.clone());
            let mut slot = lock(&self.0);
            if let Some(work) = slot.as_mut() {
                if let Poll::Ready(r) = work.as_mut().poll(&mut Context::from_waker(&waker)) {
                    let _ = self.1.send(r.unwrap());
                    *slot = None;
                }
            }
        }
    }

    #[test]
    fn a_caller_resumed_inside_the_wake_does_not_wait_for_itself() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _inside = runtime.enter();
        let (done, got) = mpsc::channel();
        let executor = Arc::new(PollsInPlace(Mutex::new(None), done));
        let work: Work = Box::pin(blocking(|| {
            std::thread::sleep(Duration::from_millis(50));
            9
        }));
        *lock(&executor.0) = Some(work);
        executor.clone().wake();
        assert_eq!(got.recv_timeout(Duration::from_secs(10)).unwrap(), 9);
    }
}
