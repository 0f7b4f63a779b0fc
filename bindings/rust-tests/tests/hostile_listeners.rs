//! Listeners as a careless or hostile app writes them: one that blocks forever, one that is slow, one
//! that throws, and more registrations than an app could need. The session must run to its end and
//! store everything, `stop()` and `closeStore()` must return within a bound, and what a listener lost
//! must be counted, not silent.

mod support;
use support::{now_ms, open_with_wearable_paired};

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use twitchwatch_alerts::Alert;
use twitchwatch_app::data::OpenOptions;
use twitchwatch_app::monitor::SessionSummary;
use twitchwatch_app::screens::NotificationContent;
use twitchwatch_ffi::delivery::{DRAIN_WAIT, REGISTRATIONS_PER_KIND_MAX};
use twitchwatch_ffi::{AlertListener, FfiResult, MonitorListener, TwitchWatch, TwitchWatchError};
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, MotorEventKind, StreamStats};

/// Battery levels `0, 1, … 100, 0, 1, …` as the phone's Bluetooth hands them over: one listener call
/// each, far more than a listener's queue holds (a simulated session sends a few hundred calls).
fn push_battery_levels(app: &TwitchWatch, count: u32) {
    for i in 0..count {
        app.monitoring()
            .push_notification(
                "11:22".into(),
                "2A19".into(),
                vec![(i % 101) as u8],
                now_ms() * 1000,
            )
            .unwrap();
    }
}

/// Runs an async export to its end, as a shell's executor would, on a thread of its own, and gives up
/// after `limit`: a call that hangs fails the test instead of hanging it.
fn within<F>(limit: Duration, call: F) -> Duration
where
    F: Future<Output = FfiResult<()>> + Send + 'static,
{
    let (done_tx, done) = channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _ = done_tx.send(runtime.block_on(call));
    });
    let outcome = done
        .recv_timeout(limit)
        .unwrap_or_else(|_| panic!("no answer within {limit:?}"));
    outcome.expect("the call failed");
    start.elapsed()
}

/// Does the same as `within` for a plain call.
fn within_sync(limit: Duration, call: impl FnOnce() + Send + 'static) -> Duration {
    let (done_tx, done) = channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        call();
        let _ = done_tx.send(());
    });
    done.recv_timeout(limit)
        .unwrap_or_else(|_| panic!("no answer within {limit:?}"));
    start.elapsed()
}

/// A gate a listener waits at until the test opens it (at its very end, so the thread can finish).
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

/// Blocks in its first call until the gate opens: for the test, forever. Counts calls and keeps the
/// order of what it hears once released.
#[derive(Default)]
struct BlockedForever {
    gate: Gate,
    entered: AtomicU32,
    heard: Mutex<Vec<&'static str>>,
}

impl BlockedForever {
    fn hear(&self, what: &'static str) -> FfiResult<()> {
        if self.entered.fetch_add(1, Ordering::SeqCst) == 0 {
            self.gate.wait();
        }
        self.heard.lock().unwrap().push(what);
        Ok(())
    }
}

impl MonitorListener for BlockedForever {
    fn on_event(&self, _: MotorEvent) -> FfiResult<()> {
        self.hear("event")
    }
    fn on_minute(&self, _: MinuteSummary) -> FfiResult<()> {
        self.hear("minute")
    }
    fn on_connection(&self, _: ConnectionState) -> FfiResult<()> {
        self.hear("connection")
    }
    fn on_battery(&self, _: u8) -> FfiResult<()> {
        self.hear("battery")
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        self.hear("progress")
    }
    fn on_session_end(&self, _: SessionSummary, _: Option<TwitchWatchError>) -> FfiResult<()> {
        self.hear("end")
    }
}

impl AlertListener for BlockedForever {
    fn on_alert(&self, _: Alert, _: NotificationContent) -> FfiResult<()> {
        self.hear("alert")
    }
}

/// How a session ended, as a listener heard it.
type SessionEnd = (SessionSummary, Option<TwitchWatchError>);

/// Hears everything, optionally slowly, and reports the session's end.
struct Recording {
    delay: Duration,
    calls: AtomicU32,
    twitches: AtomicU32,
    /// Event start times, in the order heard.
    event_starts: Mutex<Vec<i64>>,
    /// Battery levels, in the order heard.
    battery: Mutex<Vec<u8>>,
    last: Mutex<&'static str>,
    ended: Mutex<Option<Sender<SessionEnd>>>,
}

impl Recording {
    fn new(
        delay: Duration,
    ) -> (
        Arc<Self>,
        Receiver<(SessionSummary, Option<TwitchWatchError>)>,
    ) {
        let (tx, rx) = channel();
        let me = Arc::new(Self {
            delay,
            calls: AtomicU32::new(0),
            twitches: AtomicU32::new(0),
            event_starts: Mutex::new(Vec::new()),
            battery: Mutex::new(Vec::new()),
            last: Mutex::new(""),
            ended: Mutex::new(Some(tx)),
        });
        (me, rx)
    }
    fn hear(&self, what: &'static str) -> FfiResult<()> {
        if !self.delay.is_zero() {
            std::thread::sleep(self.delay);
        }
        self.calls.fetch_add(1, Ordering::SeqCst);
        *self.last.lock().unwrap() = what;
        Ok(())
    }
}

impl MonitorListener for Recording {
    fn on_event(&self, e: MotorEvent) -> FfiResult<()> {
        if e.kind == MotorEventKind::Fasciculation {
            self.twitches.fetch_add(1, Ordering::SeqCst);
        }
        self.event_starts.lock().unwrap().push(e.start_ms);
        self.hear("event")
    }
    fn on_minute(&self, _: MinuteSummary) -> FfiResult<()> {
        self.hear("minute")
    }
    fn on_connection(&self, _: ConnectionState) -> FfiResult<()> {
        self.hear("connection")
    }
    fn on_battery(&self, percent: u8) -> FfiResult<()> {
        self.battery.lock().unwrap().push(percent);
        self.hear("battery")
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        self.hear("progress")
    }
    fn on_session_end(&self, s: SessionSummary, e: Option<TwitchWatchError>) -> FfiResult<()> {
        self.hear("end")?;
        if let Some(tx) = self.ended.lock().unwrap().as_ref() {
            let _ = tx.send((s, e));
        }
        Ok(())
    }
}

/// Throws on every call, as a buggy Kotlin listener arrives in Rust.
#[derive(Default)]
struct Throwing {
    calls: AtomicU32,
}

impl Throwing {
    fn boom(&self) -> FfiResult<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(
            uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: bug")
                .into(),
        )
    }
}

impl MonitorListener for Throwing {
    fn on_event(&self, _: MotorEvent) -> FfiResult<()> {
        self.boom()
    }
    fn on_minute(&self, _: MinuteSummary) -> FfiResult<()> {
        self.boom()
    }
    fn on_connection(&self, _: ConnectionState) -> FfiResult<()> {
        self.boom()
    }
    fn on_battery(&self, _: u8) -> FfiResult<()> {
        self.boom()
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        self.boom()
    }
    fn on_session_end(&self, _: SessionSummary, _: Option<TwitchWatchError>) -> FfiResult<()> {
        self.boom()
    }
}

#[derive(Default)]
struct NoAlerts;

impl AlertListener for NoAlerts {
    fn on_alert(&self, _: Alert, _: NotificationContent) -> FfiResult<()> {
        Ok(())
    }
}

/// What `stop()` and `closeStore()` may take with a stuck listener: the drain wait, and room for a
/// loaded shared machine to store the session's end.
fn stop_bound() -> Duration {
    DRAIN_WAIT + Duration::from_secs(8)
}

#[test]
fn a_listener_blocked_forever_stalls_neither_the_session_nor_stop_nor_close() {
    let (_dir, app) = open_with_wearable_paired();
    let blocked = Arc::new(BlockedForever::default());
    let throwing = Arc::new(Throwing::default());
    let (good, ended) = Recording::new(Duration::ZERO);
    // The blocked one first: on the old delivery, in turn on the session's thread, it held up everyone.
    let blocked_handle = app.monitoring().add_listener(blocked.clone()).unwrap();
    let _throwing_handle = app.monitoring().add_listener(throwing.clone()).unwrap();
    let good_handle = app.monitoring().add_listener(good.clone()).unwrap();

    app.monitoring()
        .start_simulated("twitches".into(), Some(600.0), 0.0)
        .unwrap();
    let (summary, error) = ended
        .recv_timeout(Duration::from_secs(300))
        .expect("the session never ended while a listener was blocked");
    assert_eq!(error, None);
    assert!(blocked.entered.load(Ordering::SeqCst) >= 1, "never blocked");
    assert!(blocked.heard.lock().unwrap().is_empty(), "the gate leaked");

    // Everything was stored, and the listener that keeps up heard all of it, its end last.
    let stored = app.history().events(0, now_ms() + 60_000).unwrap();
    let stored_twitches = stored
        .iter()
        .filter(|e| e.kind == MotorEventKind::Fasciculation)
        .count() as u32;
    assert!(stored_twitches > 0);
    assert_eq!(summary.fasciculations, stored_twitches);
    assert_eq!(good.twitches.load(Ordering::SeqCst), stored_twitches);
    assert_eq!(*good.last.lock().unwrap(), "end");
    assert_eq!(good_handle.dropped_notifications(), 0);
    // The throwing one, on its own thread, is called for everything too and costs nothing.
    let sent = good.calls.load(Ordering::SeqCst);
    let deadline = Instant::now() + Duration::from_secs(30);
    while throwing.calls.load(Ordering::SeqCst) < sent {
        assert!(
            Instant::now() < deadline,
            "the throwing listener fell behind"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(throwing.calls.load(Ordering::SeqCst), sent);

    // The stuck listener's queue is full by now, or is after this: the rest is dropped and counted.
    push_battery_levels(&app, 2_000);
    assert!(blocked_handle.dropped_notifications() >= 2_000 - 1_024);
    assert_eq!(good_handle.dropped_notifications(), 0);

    // A second session with the listener still stuck: stop() returns within the bound.
    app.monitoring()
        .start_simulated("mixed".into(), Some(3600.0), 0.0)
        .unwrap();
    let monitoring = app.monitoring();
    let took = within(stop_bound(), async move { monitoring.stop().await });
    println!("stop() with a listener blocked forever: {took:?}");
    let monitoring = app.monitoring();
    within(stop_bound(), async move {
        monitoring.wait_until_stopped().await
    });
    assert!(!app.monitoring().is_running().unwrap());

    // Closing the store with the listener still stuck returns too, and the folder is free again.
    let path = app.data_dir().unwrap();
    let closing = app.clone();
    let took = within_sync(stop_bound(), move || closing.close_store());
    println!("closeStore() with a listener blocked forever: {took:?}");
    let again = TwitchWatch::open(path, OpenOptions::default()).expect("the store is still held");
    assert!(again.counts().unwrap().events >= stored.len() as u64);

    // Released at last, the abandoned listener finishes its one call and hears nothing more.
    blocked.gate.open();
    let deadline = Instant::now() + Duration::from_secs(10);
    while blocked.heard.lock().unwrap().is_empty() {
        assert!(
            Instant::now() < deadline,
            "the released call never returned"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(*blocked.heard.lock().unwrap(), vec!["connection"]);
}

#[test]
fn a_slow_listener_loses_what_does_not_fit_counted_and_still_hears_the_end_last() {
    let (_dir, app) = open_with_wearable_paired();
    let (fast, fast_ended) = Recording::new(Duration::ZERO);
    let (slow, slow_ended) = Recording::new(Duration::from_millis(2));
    let fast_handle = app.monitoring().add_listener(fast.clone()).unwrap();
    let slow_handle = app.monitoring().add_listener(slow.clone()).unwrap();
    // 5,000 calls in well under a second, then a session to end it all.
    push_battery_levels(&app, 5_000);
    app.monitoring()
        .start_simulated("twitches".into(), Some(120.0), 0.0)
        .unwrap();
    fast_ended
        .recv_timeout(Duration::from_secs(600))
        .expect("the session never ended");
    slow_ended
        .recv_timeout(Duration::from_secs(120))
        .expect("the slow listener never heard the end");
    let sent = fast.calls.load(Ordering::SeqCst) as u64;
    let heard = slow.calls.load(Ordering::SeqCst) as u64;
    let dropped = slow_handle.dropped_notifications();
    println!("sent {sent}, the slow listener heard {heard} and lost {dropped}");
    assert_eq!(
        fast_handle.dropped_notifications(),
        0,
        "the fast one fell behind"
    );
    assert!(dropped > 0, "the slow listener lost nothing: {sent} calls");
    // Every call either reached it or was counted.
    assert_eq!(heard + dropped, sent);
    assert_eq!(*slow.last.lock().unwrap(), "end");
    // What it heard, it heard in order.
    let starts = slow.event_starts.lock().unwrap().clone();
    assert!(
        starts.windows(2).all(|w| w[0] <= w[1]),
        "events out of order"
    );
}

#[test]
fn the_65th_registration_of_a_kind_is_invalid_state_and_a_cancel_frees_a_slot() {
    let (_dir, app) = open_with_wearable_paired();
    let listener = Arc::new(Throwing::default());
    let alerts = Arc::new(NoAlerts);
    let mut monitor_handles: Vec<_> = (0..REGISTRATIONS_PER_KIND_MAX)
        .map(|_| app.monitoring().add_listener(listener.clone()).unwrap())
        .collect();
    let alert_handles: Vec<_> = (0..REGISTRATIONS_PER_KIND_MAX)
        .map(|_| app.alerts().add_listener(alerts.clone()).unwrap())
        .collect();
    match app.monitoring().add_listener(listener.clone()) {
        Err(TwitchWatchError::InvalidState { reason }) => {
            assert!(reason.contains("64 MonitorListeners"), "{reason}")
        }
        other => panic!(
            "the 65th MonitorListener: {:?}",
            other.map(|_| "registered")
        ),
    }
    match app.alerts().add_listener(alerts.clone()) {
        Err(TwitchWatchError::InvalidState { reason }) => {
            assert!(reason.contains("64 AlertListeners"), "{reason}")
        }
        other => panic!("the 65th AlertListener: {:?}", other.map(|_| "registered")),
    }
    // A cancelled handle and one let go both free their slot at once.
    monitor_handles.pop().unwrap().cancel();
    monitor_handles.remove(0);
    app.monitoring()
        .add_listener(listener.clone())
        .unwrap()
        .cancel();
    let _again = app.monitoring().add_listener(listener.clone()).unwrap();
    drop(alert_handles);
    app.alerts().add_listener(alerts).unwrap();
}
