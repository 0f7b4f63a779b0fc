//! The `LogSink` hears through a bounded queue of its own: a sink that blocks never blocks the code
//! that logs, what does not fit is counted and announced in the sink itself, and a listener that falls
//! behind is reported there without a word of what it missed. Own test binary: the log sink and the
//! tracing subscriber are global to the process.

mod support;
use support::{now_ms, open_with_wearable_paired};

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use twitchwatch_app::monitor::SessionSummary;
use twitchwatch_ffi::logging::{clear_log_sink, dropped_log_lines, set_log_sink};
use twitchwatch_ffi::{FfiResult, LogLevel, LogSink, MonitorListener, TwitchWatchError};
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, StreamStats};

/// Keeps every line; blocks in its first one until opened, when `blocking`.
struct Sink {
    lines: Mutex<Vec<(LogLevel, String, String)>>,
    blocking: bool,
    open: Mutex<bool>,
    opened: Condvar,
    calls: AtomicU32,
}

impl Sink {
    fn new(blocking: bool) -> Arc<Self> {
        Arc::new(Self {
            lines: Mutex::new(Vec::new()),
            blocking,
            open: Mutex::new(false),
            opened: Condvar::new(),
            calls: AtomicU32::new(0),
        })
    }
    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
    fn lines_from(&self, target: &str) -> Vec<String> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, t, _)| t == target)
            .map(|(_, _, m)| m.clone())
            .collect()
    }
}

impl LogSink for Sink {
    fn log(&self, level: LogLevel, target: String, message: String) -> FfiResult<()> {
        if self.blocking && self.calls.fetch_add(1, Ordering::SeqCst) == 0 {
            let mut open = self.open.lock().unwrap();
            while !*open {
                open = self.opened.wait(open).unwrap();
            }
        }
        self.lines.lock().unwrap().push((level, target, message));
        Ok(())
    }
}

/// Blocks in every call until the test ends.
struct Stuck(Arc<Sink>);

impl MonitorListener for Stuck {
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
        let mut open = self.0.open.lock().unwrap();
        while !*open {
            open = self.0.opened.wait(open).unwrap();
        }
        Ok(())
    }
    fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
        Ok(())
    }
    fn on_session_end(&self, _: SessionSummary, _: Option<TwitchWatchError>) -> FfiResult<()> {
        Ok(())
    }
}

fn eventually(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

const FLOOD: u32 = 3_000;

fn a_blocked_sink_never_blocks_the_code_that_logs_and_is_told_what_it_lost() {
    let sink = Sink::new(true);
    set_log_sink(sink.clone(), LogLevel::Debug).unwrap();
    // On a thread of its own, with a bound: a sink called in place would hold it forever.
    let (done_tx, done) = channel();
    std::thread::spawn(move || {
        for i in 0..FLOOD {
            tracing::debug!(target: "twitchwatch_test::flood", "line {i}");
        }
        let _ = done_tx.send(());
    });
    done.recv_timeout(Duration::from_secs(30))
        .expect("logging waited for a blocked sink");
    let dropped = dropped_log_lines();
    // 1,024 wait for the sink, and it may have taken the first before the queue filled.
    let kept = FLOOD as u64 - dropped;
    assert!(kept == 1024 || kept == 1025, "{dropped} lines dropped");
    sink.open();
    let notices = (0..u64::BITS).filter(|b| 1u64 << b <= dropped).count();
    eventually("the sink never caught up", || {
        sink.lines.lock().unwrap().len() == kept as usize + notices
    });
    // Every line reached the sink or was counted; it heard the first ones, in the order logged.
    let heard = sink.lines_from("twitchwatch_test::flood");
    let expected: Vec<_> = (0..kept).map(|i| format!("line {i}")).collect();
    assert_eq!(heard, expected);
    let told = sink.lines_from("twitchwatch_ffi::delivery");
    let expected: Vec<_> = (0..notices)
        .map(|b| {
            format!(
                "the log sink fell behind: {} log lines dropped so far (at most 1024 wait for it)",
                1u64 << b
            )
        })
        .collect();
    assert_eq!(told, expected);
    clear_log_sink();
    assert_eq!(dropped_log_lines(), 0);
}

fn a_listener_that_falls_behind_is_reported_without_what_it_missed() {
    let sink = Sink::new(false);
    set_log_sink(sink.clone(), LogLevel::Info).unwrap();
    let (_dir, app) = open_with_wearable_paired();
    let handle = app
        .monitoring()
        .add_listener(Arc::new(Stuck(sink.clone())))
        .unwrap();
    const PUSHED: u64 = 2_000;
    for i in 0..PUSHED {
        app.monitoring()
            .push_notification(
                "11:22".into(),
                "2A19".into(),
                vec![(i % 100) as u8],
                now_ms() * 1000,
            )
            .unwrap();
    }
    let dropped = handle.dropped_notifications();
    let kept = PUSHED - dropped;
    assert!(kept == 1024 || kept == 1025, "{dropped} dropped");
    let warnings = (0..u64::BITS).filter(|b| 1u64 << b <= dropped).count();
    eventually("the warnings never reached the sink", || {
        sink.lines_from("twitchwatch_ffi::delivery").len() == warnings
    });
    let told = sink.lines_from("twitchwatch_ffi::delivery");
    let expected: Vec<_> = (0..warnings)
        .map(|b| {
            format!(
                "a MonitorListener fell behind: {} notifications dropped so far (at most 1024 wait for it)",
                1u64 << b
            )
        })
        .collect();
    assert_eq!(told, expected);
    assert!(sink
        .lines
        .lock()
        .unwrap()
        .iter()
        .all(|(level, _, _)| *level <= LogLevel::Info));
    sink.open();
    drop(handle);
    app.close_store();
    clear_log_sink();
}

#[test]
fn the_log_sink_and_the_warnings_of_listeners_that_fall_behind() {
    // One test: the sink is global to the process.
    a_blocked_sink_never_blocks_the_code_that_logs_and_is_told_what_it_lost();
    a_listener_that_falls_behind_is_reported_without_what_it_missed();
}
