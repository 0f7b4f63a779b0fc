//! Forwards TwitchWatch's own `tracing` events to a `LogSink` the app provides (logcat, os_log), through
//! the sink's own queue and delivery thread. Other crates' events are dropped; health values are logged
//! at debug only, so the default level hides them.

use std::sync::{Arc, OnceLock, RwLock};
use std::time::Instant;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

use crate::delivery::{Delivery, Notification};
use crate::error::{FfiResult, TwitchWatchError};

/// Severity of a log line, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<&Level> for LogLevel {
    fn from(level: &Level) -> Self {
        match *level {
            Level::ERROR => Self::Error,
            Level::WARN => Self::Warn,
            Level::INFO => Self::Info,
            Level::DEBUG => Self::Debug,
            Level::TRACE => Self::Trace,
        }
    }
}

/// Receives TwitchWatch's log lines. Implement it with logcat (`android.util.Log`) or `os_log`.
///
/// Calls arrive asynchronously, on a TwitchWatch delivery thread of the sink's own, one at a time and
/// in the order the lines were logged; TwitchWatch never waits for the sink. A sink that falls behind
/// by 1,024 lines loses the lines that do not fit (`droppedLogLines()` counts them), and is told so
/// with a warning line in their place at the 1st, 2nd, 4th, 8th… line lost. A line the sink itself
/// logs through TwitchWatch while it is being called is not sent back to it.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// `target` is the Rust module path (e.g. `twitchwatch_app::monitor`).
    fn log(&self, level: LogLevel, target: String, message: String) -> FfiResult<()>;
}

struct SinkSlot {
    delivery: Delivery<LogLine>,
    max_level: LogLevel,
}

/// One call to the `LogSink`, waiting in its queue.
pub(crate) struct LogLine {
    level: LogLevel,
    target: String,
    message: String,
}

impl Notification for LogLine {
    type Listener = dyn LogSink;
    const KIND: &'static str = "LogSink";
    // A session logs a few lines a minute at info, bursts of a few hundred at debug (a store opened,
    // a link reconnecting); lines are short (under 200 bytes), so a full queue is about 200 KB.
    const QUEUE_CAPACITY: usize = 1024;

    fn deliver(self, sink: &dyn LogSink) {
        // The sink may log through tracing itself; those lines must not come back to it.
        IN_SINK.with(|f| f.set(true));
        let _reset = ResetOnDrop;
        // A failing sink has nowhere to report to; dropping the line is the only safe choice.
        let _ = sink.log(self.level, self.target, self.message);
    }

    fn drop_notice(dropped: u64) -> Option<Self> {
        Some(Self {
            level: LogLevel::Warn,
            target: "twitchwatch_ffi::delivery".to_owned(),
            message: format!(
                "the log sink fell behind: {dropped} log lines dropped so far (at most {} wait for it)",
                Self::QUEUE_CAPACITY
            ),
        })
    }
}

fn slot() -> &'static RwLock<Option<SinkSlot>> {
    static SLOT: OnceLock<RwLock<Option<SinkSlot>>> = OnceLock::new();
    SLOT.get_or_init(|| RwLock::new(None))
}

thread_local! {
    // A sink that logs through tracing itself must not recurse into itself.
    static IN_SINK: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Our crates only: every `twitchwatch_*` crate and the `twitchwatch` CLI.
fn is_ours(target: &str) -> bool {
    target.starts_with("twitchwatch")
}

struct ForwardLayer;

#[derive(Default)]
struct MessageVisitor {
    message: String,
    fields: String,
}

impl Visit for MessageVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            if !self.fields.is_empty() {
                self.fields.push(' ');
            }
            self.fields.push_str(&format!("{}={value:?}", field.name()));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_owned();
        } else {
            self.record_debug(field, &value);
        }
    }
}

impl<S: Subscriber> Layer<S> for ForwardLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !is_ours(meta.target()) {
            return;
        }
        let level = LogLevel::from(meta.level());
        // Cloned out of the lock: queuing a line may log itself (a warning that lines were dropped).
        let delivery = match slot().read() {
            Ok(guard) => match guard.as_ref() {
                Some(s) if level <= s.max_level => s.delivery.clone(),
                _ => return,
            },
            Err(_) => return,
        };
        if IN_SINK.with(|f| f.replace(true)) {
            return;
        }
        let _reset = ResetOnDrop;
        let mut visitor = MessageVisitor::default();
        event.record(&mut visitor);
        let line = if visitor.fields.is_empty() {
            visitor.message
        } else {
            format!("{} {}", visitor.message, visitor.fields)
        };
        delivery.push(LogLine {
            level,
            target: meta.target().to_owned(),
            message: line,
        });
    }
}

/// Clears the re-entrancy flag even if formatting a line or a sink panics.
struct ResetOnDrop;

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        IN_SINK.with(|f| f.set(false));
    }
}

/// Sends TwitchWatch's log lines at `max_level` and above to `sink`, replacing any earlier sink.
/// Health values are only logged at `Debug`, so `Info` is the level to use in release builds.
#[uniffi::export]
pub fn set_log_sink(sink: Arc<dyn LogSink>, max_level: LogLevel) -> FfiResult<()> {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let replaced = {
        let mut guard = slot()
            .write()
            .map_err(|_| TwitchWatchError::internal("log sink lock poisoned"))?;
        guard.replace(SinkSlot {
            delivery: Delivery::new(sink),
            max_level,
        })
    };
    // Outside the lock: releasing the earlier sink calls into the app.
    if let Some(earlier) = replaced {
        earlier.delivery.close();
    }
    // The host app (or a test) may already own the global subscriber; then we just don't forward.
    let installed = *INSTALLED.get_or_init(|| {
        tracing_subscriber::registry()
            .with(ForwardLayer)
            .try_init()
            .is_ok()
    });
    if installed {
        Ok(())
    } else {
        Err(TwitchWatchError::state(
            "another tracing subscriber is already installed in this process; log lines cannot be forwarded",
        ))
    }
}

/// Stops forwarding log lines (the sink is released; lines still waiting for it are dropped).
#[uniffi::export]
pub fn clear_log_sink() {
    let cleared = slot().write().ok().and_then(|mut guard| guard.take());
    if let Some(cleared) = cleared {
        cleared.delivery.close();
    }
}

/// How many log lines the current sink lost because it fell behind, since it was set (0 without one).
#[uniffi::export]
pub fn dropped_log_lines() -> u64 {
    slot()
        .read()
        .ok()
        .and_then(|guard| {
            guard.as_ref().map(|s| {
                s.delivery
                    .dropped_counter()
                    .load(std::sync::atomic::Ordering::Relaxed)
            })
        })
        .unwrap_or(0)
}

/// Waits until the sink heard every line logged so far, or `deadline` passes (unless the caller is
/// the sink itself, `except`): a host that exits after stopping a session must not find the sink
/// still being called.
pub(crate) fn wait_until_delivered(deadline: Instant, except: Option<u64>) {
    let delivery = slot()
        .read()
        .ok()
        .and_then(|guard| guard.as_ref().map(|s| s.delivery.clone()));
    if let Some(delivery) = delivery {
        if Some(delivery.id()) != except {
            delivery.wait_until_delivered(deadline);
        }
    }
}
