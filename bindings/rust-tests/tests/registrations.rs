//! A million listener registrations, each cancelled or let go, leave neither heap nor threads behind,
//! nor a slot taken. Own test binary: a counting global allocator measures live heap bytes and the
//! test counts the process's threads, so nothing else may run beside it.

#[path = "support/counting_allocator.rs"]
mod counting_allocator;
mod support;
use counting_allocator::live_heap_bytes;
use support::{now_ms, open_with_wearable_paired};

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use twitchwatch_alerts::Alert;
use twitchwatch_app::monitor::SessionSummary;
use twitchwatch_app::screens::NotificationContent;
use twitchwatch_ffi::delivery::REGISTRATIONS_PER_KIND_MAX;
use twitchwatch_ffi::{AlertListener, FfiResult, MonitorListener, TwitchWatchError};
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, StreamStats};

/// Hears battery levels; nothing else happens in this test.
#[derive(Default)]
struct Listener {
    calls: AtomicU32,
}

impl MonitorListener for Listener {
    fn on_event(&self, _: MotorEvent) -> FfiResult<()> {
        Ok(())
    }
    fn on_minute(&self, _: MinuteSummary) -> FfiResult<()> {
        Ok(())
    }
    fn on_connection(&self, _: ConnectionState) -> FfiResult<()> {
        Ok(())
    }
    fn on_battery(&self, _: u8) -> FfiResult<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        Ok(())
    }
    fn on_session_end(&self, _: SessionSummary, _: Option<TwitchWatchError>) -> FfiResult<()> {
        Ok(())
    }
}

impl AlertListener for Listener {
    fn on_alert(&self, _: Alert, _: NotificationContent) -> FfiResult<()> {
        Ok(())
    }
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Waits for the process to have at most `bound` threads (delivery threads end just after their
/// cancel, on their own).
fn threads_settle_to(bound: usize) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while threads() > bound {
        assert!(
            Instant::now() < deadline,
            "{} threads, expected at most {bound}",
            threads()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_million_registrations_cancelled_or_let_go_leave_no_heap_thread_or_slot_behind() {
    let (_dir, app) = open_with_wearable_paired();
    let listener = Arc::new(Listener::default());
    let (monitoring, alerts) = (app.monitoring(), app.alerts());
    let cycle = || {
        monitoring.add_listener(listener.clone()).unwrap().cancel();
        // Let go at once, as Python's reference counting and Swift's deinit do.
        drop(alerts.add_listener(listener.clone()).unwrap());
    };
    // Warm-up: lazily built statics, the vectors' capacities.
    for _ in 0..10_000 {
        cycle();
    }
    let heap_before = live_heap_bytes();
    let start = Instant::now();
    for _ in 0..500_000 {
        cycle();
    }
    let heap_after = live_heap_bytes();
    println!(
        "10^6 registrations in {:?}, heap {heap_before} → {heap_after} bytes",
        start.elapsed()
    );
    // One byte per registration kept would be 1 MB; sled's flusher may hold a few transient buffers.
    assert!(
        heap_after - heap_before < 64 * 1024,
        "the heap grew by {} bytes over 10^6 registrations",
        heap_after - heap_before
    );

    // With something to hear, each registration starts a delivery thread; cancelling ends it.
    let threads_before = threads();
    for _ in 0..2_000 {
        let handle = monitoring.add_listener(listener.clone()).unwrap();
        monitoring
            .push_notification("11:22".into(), "2A19".into(), vec![40], now_ms() * 1000)
            .unwrap();
        handle.cancel();
    }
    assert!(
        listener.calls.load(Ordering::SeqCst) > 0,
        "no registration heard its battery level"
    );
    // A leak would leave up to 2,000; the store's own threads may come and go.
    threads_settle_to(threads_before + 2);

    // Every slot is free again: 64 of each kind register, the 65th does not.
    let monitor_handles: Vec<_> = (0..REGISTRATIONS_PER_KIND_MAX)
        .map(|_| monitoring.add_listener(listener.clone()).unwrap())
        .collect();
    let alert_handles: Vec<_> = (0..REGISTRATIONS_PER_KIND_MAX)
        .map(|_| alerts.add_listener(listener.clone()).unwrap())
        .collect();
    assert!(monitoring.add_listener(listener.clone()).is_err());
    assert!(alerts.add_listener(listener.clone()).is_err());
    // 64 listeners hearing at once: 64 threads, all gone once cancelled.
    let threads_idle = threads();
    monitoring
        .push_notification("11:22".into(), "2A19".into(), vec![41], now_ms() * 1000)
        .unwrap();
    assert!(threads() <= threads_idle + REGISTRATIONS_PER_KIND_MAX);
    drop(monitor_handles);
    drop(alert_handles);
    threads_settle_to(threads_idle + 2);
}
