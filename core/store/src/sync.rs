//! Locking that survives a panic elsewhere, for every crate above the store.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

// Why a poisoned lock is taken rather than refused: every value the core keeps behind a lock is
// replaced or updated in one step (the time zone, the flush generation, listener lists, the monitor's
// pipeline between batches, scan results, live counters), and the `()` locks only order work (one
// roll-up, one rule evaluation at a time) and guard no data. So a panic in a listener or a shell
// callback leaves nothing half-written, and refusing the lock would turn one failed callback into a
// store or monitor that can never be used again.
//
// Why plain functions over std's locks rather than `parking_lot` (whose locks do not poison): one
// policy in one place needs no new dependency in the phone library, and the types stay std's. They
// live here because the store is the lowest crate that locks anything.

/// Locks `m`, even if a thread panicked while holding it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Read-locks `l`, even if a thread panicked while holding it.
pub fn read<T>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Write-locks `l`, even if a thread panicked while holding it.
pub fn write<T>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|poisoned| poisoned.into_inner())
}
