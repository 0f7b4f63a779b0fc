//! The one tokio runtime of the bindings: the one UniFFI polls `async_runtime = "tokio"` exports on.
//! Blocking core work runs on its blocking pool, Bluetooth I/O on its reactor; nothing builds another.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

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
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> FfiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| TwitchWatchError::internal(format!("a background task failed: {e}")))
}
