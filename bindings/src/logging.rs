//! Forwards TwitchWatch's own `tracing` events to a `LogSink` the app provides (logcat, os_log).
//! Other crates' events are dropped; health values are logged at debug only, so the default level hides them.

use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

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
/// Called from background threads; must not block for long.
#[uniffi::export(with_foreign)]
pub trait LogSink: Send + Sync {
    /// `target` is the Rust module path (e.g. `twitchwatch_app::monitor`).
    fn log(&self, level: LogLevel, target: String, message: String) -> FfiResult<()>;
}

struct SinkSlot {
    sink: Arc<dyn LogSink>,
    max_level: LogLevel,
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
        // Clone the sink out of the lock: the app's code never runs while we hold it.
        let sink = match slot().read() {
            Ok(guard) => match guard.as_ref() {
                Some(s) if level <= s.max_level => s.sink.clone(),
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
        // A failing sink has nowhere to report to; dropping the line is the only safe choice.
        let _ = sink.log(level, meta.target().to_owned(), line);
    }
}

/// Clears the re-entrancy flag even if a sink panics.
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
    {
        let mut guard = slot()
            .write()
            .map_err(|_| TwitchWatchError::internal("log sink lock poisoned"))?;
        *guard = Some(SinkSlot { sink, max_level });
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

/// Stops forwarding log lines (the sink is released).
#[uniffi::export]
pub fn clear_log_sink() {
    if let Ok(mut guard) = slot().write() {
        *guard = None;
    }
}
