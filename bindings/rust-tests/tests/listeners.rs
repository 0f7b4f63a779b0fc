//! The FFI crate under stress: listeners that fail (as a throwing Kotlin/Swift listener arrives in Rust)
//! called from many session threads at once, and objects dropped while a session is running.

mod support;
use support::now_ms;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};

use twitchwatch_alerts::Alert;
use twitchwatch_app::data::OpenOptions;
use twitchwatch_app::monitor::SessionSummary;
use twitchwatch_app::screens::NotificationContent;
use twitchwatch_ffi::{
    AlertListener, FfiResult, ListenerHandle, MonitorListener, TwitchWatch, TwitchWatchError,
};
use twitchwatch_journal::{CheckIn, Symptom};
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, MotorEventKind, StreamStats};

/// What the generated code hands Rust when a foreign listener throws.
fn thrown() -> TwitchWatchError {
    uniffi::UnexpectedUniFFICallbackError::new("java.lang.IllegalStateException: listener bug")
        .into()
}

#[derive(Default)]
struct Throwing {
    calls: AtomicU32,
}

impl Throwing {
    fn boom(&self) -> FfiResult<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(thrown())
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

impl AlertListener for Throwing {
    fn on_alert(&self, _: Alert, _: NotificationContent) -> FfiResult<()> {
        self.boom()
    }
}

/// A well-behaved listener: counts every call and reports minutes and the session end.
struct Counting {
    calls: AtomicU32,
    twitches: AtomicU32,
    minutes: Mutex<Option<Sender<()>>>,
    ended: Mutex<Sender<(SessionSummary, Option<TwitchWatchError>)>>,
}

impl Counting {
    fn new(ended: Sender<(SessionSummary, Option<TwitchWatchError>)>) -> Self {
        Self {
            calls: AtomicU32::new(0),
            twitches: AtomicU32::new(0),
            minutes: Mutex::new(None),
            ended: Mutex::new(ended),
        }
    }
    fn tick(&self) -> FfiResult<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl MonitorListener for Counting {
    fn on_event(&self, e: MotorEvent) -> FfiResult<()> {
        if e.kind == MotorEventKind::Fasciculation {
            self.twitches.fetch_add(1, Ordering::SeqCst);
        }
        self.tick()
    }
    fn on_minute(&self, _: MinuteSummary) -> FfiResult<()> {
        if let Some(tx) = self.minutes.lock().unwrap().as_ref() {
            let _ = tx.send(());
        }
        self.tick()
    }
    fn on_connection(&self, _: ConnectionState) -> FfiResult<()> {
        self.tick()
    }
    fn on_battery(&self, _: u8) -> FfiResult<()> {
        self.tick()
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        self.tick()
    }
    fn on_session_end(&self, s: SessionSummary, e: Option<TwitchWatchError>) -> FfiResult<()> {
        self.tick()?;
        let _ = self.ended.lock().unwrap().send((s, e));
        Ok(())
    }
}

#[derive(Default)]
struct CountingAlerts {
    alerts: AtomicU32,
}

impl AlertListener for CountingAlerts {
    fn on_alert(&self, alert: Alert, notification: NotificationContent) -> FfiResult<()> {
        assert_eq!(notification.alert_id, alert.id);
        assert_eq!(notification.severity, alert.severity);
        assert!(!notification.title.is_empty() && notification.deep_link.contains(&alert.id));
        self.alerts.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[test]
fn a_thrown_exception_becomes_a_callback_error_with_its_text() {
    match thrown() {
        TwitchWatchError::Callback { reason } => {
            assert!(reason.contains("listener bug"), "{reason}")
        }
        other => panic!("expected Callback, got {other:?}"),
    }
}

#[test]
fn throwing_listeners_called_from_many_threads_at_once_break_nothing() {
    const SESSIONS: usize = 4;
    const CHECKIN_THREADS: usize = 4;
    const CHECKINS_EACH: usize = 5;

    let dirs: Vec<_> = (0..SESSIONS)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    let apps: Vec<Arc<TwitchWatch>> = dirs
        .iter()
        .map(|d| TwitchWatch::open(d.path().display().to_string(), OpenOptions::default()).unwrap())
        .collect();
    // One throwing listener shared by every session: it is called from all session threads at once.
    let throwing = Arc::new(Throwing::default());
    let (ended_tx, ended_rx) = channel();
    let mut counting = Vec::new();
    let mut registered = Vec::new();
    for app in &apps {
        let c = Arc::new(Counting::new(ended_tx.clone()));
        registered.push(app.monitoring().add_listener(throwing.clone()).unwrap());
        registered.push(app.monitoring().add_listener(c.clone()).unwrap());
        counting.push(c);
    }
    let throwing_alerts = Arc::new(Throwing::default());
    let counting_alerts = Arc::new(CountingAlerts::default());
    registered.push(
        apps[0]
            .alerts()
            .add_listener(throwing_alerts.clone())
            .unwrap(),
    );
    registered.push(
        apps[0]
            .alerts()
            .add_listener(counting_alerts.clone())
            .unwrap(),
    );

    for app in &apps {
        app.monitoring()
            .start_simulated("twitches".into(), Some(120.0), 0.0)
            .unwrap();
    }
    // Meanwhile, check-ins (each one evaluates the rules and calls the alert listeners) from many threads.
    std::thread::scope(|s| {
        for t in 0..CHECKIN_THREADS {
            let app = apps[0].clone();
            s.spawn(move || {
                for i in 0..CHECKINS_EACH {
                    let symptoms = if i % 2 == 0 {
                        [Symptom::Weakness].into()
                    } else {
                        Default::default()
                    };
                    let c = CheckIn {
                        at_ms: now_ms() - (t * 1000 + i) as i64,
                        twitch_sites: Default::default(),
                        symptoms,
                        // A check-in must hold something; the odd ones have no symptom.
                        note: "from a test thread".into(),
                    };
                    app.journal().record_checkin(c).unwrap();
                }
            });
        }
    });

    for _ in 0..SESSIONS {
        let (summary, error) = ended_rx
            .recv_timeout(std::time::Duration::from_secs(600))
            .expect("a session never ended");
        assert_eq!(error, None, "a throwing listener must not fail the session");
        assert!(summary.fasciculations > 0, "no twitches: {summary:?}");
    }
    // Each listener hears on its own thread: wait until all of them heard everything.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for app in &apps {
        runtime
            .block_on(app.monitoring().wait_until_stopped())
            .unwrap();
    }
    let good_calls: u32 = counting
        .iter()
        .map(|c| c.calls.load(Ordering::SeqCst))
        .sum();
    assert!(good_calls > 0);
    // Every call reached both listeners: the throwing one (registered first) never starved the other.
    assert_eq!(throwing.calls.load(Ordering::SeqCst), good_calls);
    for (app, c) in apps.iter().zip(&counting) {
        let stored = app.history().events(0, now_ms() + 60_000).unwrap();
        let twitches = stored
            .iter()
            .filter(|e| e.kind == MotorEventKind::Fasciculation)
            .count();
        assert_eq!(twitches as u32, c.twitches.load(Ordering::SeqCst));
    }
    let checkins = apps[0].journal().checkins(0, now_ms() + 60_000).unwrap();
    assert_eq!(checkins.len(), CHECKIN_THREADS * CHECKINS_EACH);
    let delivered = counting_alerts.alerts.load(Ordering::SeqCst);
    assert!(delivered > 0, "weakness check-ins raised no alert");
    assert_eq!(throwing_alerts.calls.load(Ordering::SeqCst), delivered);
}

#[test]
fn dropping_the_object_while_monitoring_stops_the_session_and_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    let (ended_tx, _ended_rx) = channel();
    let (minute_tx, minute_rx) = channel();
    let listener = Arc::new(Counting::new(ended_tx));
    *listener.minutes.lock().unwrap() = Some(minute_tx);
    {
        let app = TwitchWatch::open(path.clone(), OpenOptions::default()).unwrap();
        let _registered = app.monitoring().add_listener(listener.clone()).unwrap();
        // An hour of data as fast as possible: still running when we drop it.
        app.monitoring()
            .start_simulated("mixed".into(), Some(3600.0), 0.0)
            .unwrap();
        for _ in 0..2 {
            minute_rx
                .recv_timeout(std::time::Duration::from_secs(600))
                .expect("no minute arrived");
        }
        assert!(app.monitoring().is_running().unwrap());
        drop(app); // the last handle: must stop the session thread and release the store
    }
    let calls_after_drop = listener.calls.load(Ordering::SeqCst);
    // The store's lock is released and what was stored survived.
    let again =
        TwitchWatch::open(path, OpenOptions::default()).expect("store still locked after drop");
    assert!(!again.monitoring().is_running().unwrap());
    let minutes = again.history().minutes(0, now_ms() + 60_000).unwrap();
    assert!(minutes.len() >= 2, "minutes lost: {}", minutes.len());
    std::thread::sleep(std::time::Duration::from_millis(50));
    assert_eq!(
        listener.calls.load(Ordering::SeqCst),
        calls_after_drop,
        "a dropped session kept calling listeners"
    );
}

#[test]
fn dropping_a_real_time_session_mid_sleep_returns() {
    let dir = tempfile::tempdir().unwrap();
    let app = TwitchWatch::open(dir.path().display().to_string(), OpenOptions::default()).unwrap();
    let (ended_tx, _rx) = channel();
    let _registered = app
        .monitoring()
        .add_listener(Arc::new(Counting::new(ended_tx)))
        .unwrap();
    // Speed 1: the session thread mostly sleeps between frames; dropping must interrupt it.
    app.monitoring()
        .start_simulated("rest".into(), None, 1.0)
        .unwrap();
    assert!(app.monitoring().is_running().unwrap());
    drop(app);
    TwitchWatch::open(dir.path().display().to_string(), OpenOptions::default())
        .expect("store still locked after dropping a live session");
}

/// Cancels its own registration on the first minute, from inside the call (on its delivery thread,
/// so no other delivery to it can be under way).
#[derive(Default)]
struct CancelsOnFirstMinute {
    handle: Mutex<Option<Arc<ListenerHandle>>>,
    calls: AtomicU32,
    calls_at_cancel: AtomicU32,
}

impl CancelsOnFirstMinute {
    fn tick(&self) -> FfiResult<()> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

impl MonitorListener for CancelsOnFirstMinute {
    fn on_event(&self, _: MotorEvent) -> FfiResult<()> {
        self.tick()
    }
    fn on_minute(&self, _: MinuteSummary) -> FfiResult<()> {
        self.tick()?;
        if let Some(handle) = self.handle.lock().unwrap().take() {
            handle.cancel();
            handle.cancel(); // a second cancel does nothing
            self.calls_at_cancel
                .store(self.calls.load(Ordering::SeqCst), Ordering::SeqCst);
        }
        Ok(())
    }
    fn on_connection(&self, _: ConnectionState) -> FfiResult<()> {
        self.tick()
    }
    fn on_battery(&self, _: u8) -> FfiResult<()> {
        self.tick()
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        self.tick()
    }
    fn on_session_end(&self, _: SessionSummary, _: Option<TwitchWatchError>) -> FfiResult<()> {
        self.tick()
    }
}

#[test]
fn a_cancelled_listener_hears_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let app = TwitchWatch::open(dir.path().display().to_string(), OpenOptions::default()).unwrap();
    let (ended_tx, ended_rx) = channel();
    let kept = Arc::new(Counting::new(ended_tx));
    let cancelled = Arc::new(CancelsOnFirstMinute::default());
    let _kept_handle = app.monitoring().add_listener(kept.clone()).unwrap();
    let handle = app.monitoring().add_listener(cancelled.clone()).unwrap();
    *cancelled.handle.lock().unwrap() = Some(handle);
    let dropped_alerts = Arc::new(CountingAlerts::default());
    drop(app.alerts().add_listener(dropped_alerts.clone()).unwrap());

    app.monitoring()
        .start_simulated("mixed".into(), Some(600.0), 0.0)
        .unwrap();
    let (summary, error) = ended_rx
        .recv_timeout(std::time::Duration::from_secs(600))
        .expect("the session never ended");
    assert_eq!(error, None);
    assert!(summary.minutes > 1, "{summary:?}");
    let at_cancel = cancelled.calls_at_cancel.load(Ordering::SeqCst);
    assert!(at_cancel > 0, "the first minute never reached the listener");
    assert_eq!(
        cancelled.calls.load(Ordering::SeqCst),
        at_cancel,
        "a cancelled listener was called again"
    );
    assert!(kept.calls.load(Ordering::SeqCst) > at_cancel);

    // An urgent check-in raises an alert; the listener whose handle was let go is not told.
    let outcome = app
        .journal()
        .record_checkin(CheckIn {
            at_ms: now_ms(),
            twitch_sites: Default::default(),
            symptoms: [Symptom::DifficultySwallowing].into(),
            note: String::new(),
        })
        .unwrap();
    assert!(!outcome.alerts.is_empty());
    assert_eq!(dropped_alerts.alerts.load(Ordering::SeqCst), 0);
}
