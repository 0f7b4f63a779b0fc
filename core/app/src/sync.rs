//! Locking that survives a panic elsewhere.

use std::sync::{Mutex, MutexGuard};

/// Takes the lock even if a thread panicked while holding it.
///
/// Every value the app layer keeps behind a mutex (listeners, the pipeline between batches, scan
/// results, live counters, a CLI's completion sender) is updated in single steps, so a panic in a
/// listener or a shell callback leaves it consistent; refusing the lock would turn one failed callback
/// into a monitor that can never be used again. A plain function over `std::sync::Mutex` rather than
/// `parking_lot` (whose locks do not poison): one policy in one place needs no new dependency in the
/// phone library, and the types stay std's, which the bindings already share.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
