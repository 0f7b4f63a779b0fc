//! Listeners the app implements (Kotlin/Swift/Python), and the adapters that plug them into the core:
//! each queues what the core tells it for the listener's own delivery thread (`crate::delivery`).
//! A listener that throws is logged (without health data) and skipped; it never panics Rust.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use twitchwatch_alerts as core_alerts;
use twitchwatch_app::monitor as core_monitor;
use twitchwatch_model as core_model;

use twitchwatch_app::screens;

use crate::delivery::{Delivery, Notification, Registry, DRAIN_WAIT};
use crate::error::{FfiResult, TwitchWatchError};
use twitchwatch_alerts::Alert;
use twitchwatch_app::monitor::SessionSummary;
use twitchwatch_app::screens::NotificationContent;
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, StreamStats};

/// Live data of a monitoring session.
///
/// Calls arrive asynchronously, on a TwitchWatch delivery thread of this listener's own (never the main
/// thread, never while TwitchWatch holds a lock: hop to the main thread yourself before touching UI),
/// one at a time and in the order they happened: a session's events, minutes and progress, then its
/// `onConnection(Disconnected)` and `onSessionEnd`. A listener that blocks delays only itself: the
/// session goes on and stores everything. One that falls behind by 1,024 calls loses the calls that do
/// not fit (counted by `ListenerHandle.droppedNotifications()`, with a warning in the log); a change of
/// connection and the session's end make room by dropping the oldest other call instead. `stop()` and
/// `waitUntilStopped()` wait up to 2 s for the listener to hear everything before they return.
#[uniffi::export(with_foreign)]
pub trait MonitorListener: Send + Sync {
    /// A movement was detected (also stored).
    fn on_event(&self, event: MotorEvent) -> FfiResult<()>;
    /// A minute completed (also stored).
    fn on_minute(&self, minute: MinuteSummary) -> FfiResult<()>;
    fn on_connection(&self, state: ConnectionState) -> FfiResult<()>;
    fn on_battery(&self, percent: u8) -> FfiResult<()>;
    /// Stream counters and how far a session with a known length has got (0…1).
    fn on_progress(&self, stats: StreamStats, fraction_done: Option<f32>) -> FfiResult<()>;
    /// The session ended: stopped, finished, or failed with `error` (its variant says what kind of
    /// failure, its reason is a sentence for the user). Arrives after everything else the session sent.
    fn on_session_end(
        &self,
        summary: SessionSummary,
        error: Option<TwitchWatchError>,
    ) -> FfiResult<()>;
}

/// New and escalated alerts: one call per alert, with the alert (severity, title, message, evidence)
/// and the notification to post for it (text, lock-screen text, channel, importance / interruption
/// level, deep link).
///
/// Calls arrive asynchronously, on a TwitchWatch delivery thread of this listener's own, one at a time
/// and in the order the alerts were raised, never while TwitchWatch holds a lock: the call that raised
/// an alert (a check-in, `evaluate()`) may return before the listener hears of it. A listener that
/// falls behind by 64 alerts loses the ones that do not fit (counted by
/// `ListenerHandle.droppedNotifications()`); they stay in `alerts().list()`.
#[uniffi::export(with_foreign)]
pub trait AlertListener: Send + Sync {
    fn on_alert(&self, alert: Alert, notification: NotificationContent) -> FfiResult<()>;
}

/// Keeps a listener registered. Call `cancel()` or let it go (Kotlin `close()`, Swift deinit, Python
/// garbage collection) and the listener hears nothing more: hold it for as long as the listener should
/// hear. Each `TwitchWatch` takes 64 registrations of each kind at once; a handle that was let go holds
/// its slot until the platform releases it, so cancel the ones you are done with.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    unregister: Mutex<Option<Box<dyn FnOnce() + Send>>>,
    dropped: Arc<AtomicU64>,
}

impl ListenerHandle {
    pub(crate) fn new(
        dropped: Arc<AtomicU64>,
        unregister: impl FnOnce() + Send + 'static,
    ) -> Arc<Self> {
        Arc::new(Self {
            unregister: Mutex::new(Some(Box::new(unregister))),
            dropped,
        })
    }
}

#[uniffi::export]
impl ListenerHandle {
    /// Unregisters the listener now. A call already being delivered may finish; no later one starts,
    /// and what was waiting for the listener is dropped. Calling it again does nothing.
    pub fn cancel(&self) {
        let unregister = self
            .unregister
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(unregister) = unregister {
            unregister();
        }
    }

    /// How many calls the listener lost because it fell behind (its queue was full), since it was
    /// registered. Zero for a listener that keeps up.
    pub fn dropped_notifications(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

fn report(listener: &str, method: &str, result: FfiResult<()>) {
    if let Err(e) = result {
        // The reason is the app's exception text; it carries no health values from us.
        tracing::warn!(target: "twitchwatch_ffi::listeners", "{listener}.{method} failed: {e}");
    }
}

/// One call to a `MonitorListener`, waiting in its queue.
pub(crate) enum MonitorNotification {
    Event(MotorEvent),
    Minute(MinuteSummary),
    Connection(ConnectionState),
    Battery(u8),
    Progress(StreamStats, Option<f32>),
    // Boxed: the largest by far, and one per session, so the queue's slots stay small.
    SessionEnd(Box<(SessionSummary, Option<TwitchWatchError>)>),
}

impl Notification for MonitorNotification {
    type Listener = dyn MonitorListener;
    const KIND: &'static str = "MonitorListener";
    // A live session sends about ten calls a second (progress, events; a minute a minute), so 1,024 is
    // some 100 s of backlog: a listener that far behind is stuck rather than slow. A demo session at full
    // speed sends bursts of a few hundred, which fit. At about 120 bytes a call, a full queue is 120 KB.
    const QUEUE_CAPACITY: usize = 1024;

    fn deliver(self, listener: &dyn MonitorListener) {
        let (method, result) = match self {
            Self::Event(e) => ("onEvent", listener.on_event(e)),
            Self::Minute(m) => ("onMinute", listener.on_minute(m)),
            Self::Connection(s) => ("onConnection", listener.on_connection(s)),
            Self::Battery(p) => ("onBattery", listener.on_battery(p)),
            Self::Progress(s, f) => ("onProgress", listener.on_progress(s, f)),
            Self::SessionEnd(end) => {
                let (summary, error) = *end;
                ("onSessionEnd", listener.on_session_end(summary, error))
            }
        };
        report(Self::KIND, method, result);
    }

    /// What a listener shows as the state of the session: a stale count is harmless, a stale
    /// "streaming" after the session ended is not.
    fn must_arrive(&self) -> bool {
        matches!(self, Self::Connection(_) | Self::SessionEnd(_))
    }
}

/// The core's listener for one registered `MonitorListener`: queues each call and returns at once.
pub(crate) struct MonitorListenerAdapter(pub Delivery<MonitorNotification>);

impl core_monitor::MonitorListener for MonitorListenerAdapter {
    fn on_event(&self, event: &core_model::MotorEvent) {
        self.0.push(MonitorNotification::Event(event.clone()));
    }

    fn on_minute(&self, minute: &core_model::MinuteSummary) {
        self.0.push(MonitorNotification::Minute(minute.clone()));
    }

    fn on_connection(&self, state: &core_model::ConnectionState) {
        self.0.push(MonitorNotification::Connection(state.clone()));
    }

    fn on_battery(&self, percent: u8) {
        self.0.push(MonitorNotification::Battery(percent));
    }

    fn on_progress(&self, stats: &core_model::StreamStats, fraction_done: Option<f32>) {
        self.0
            .push(MonitorNotification::Progress(*stats, fraction_done));
    }

    fn on_session_end(
        &self,
        summary: &core_monitor::SessionSummary,
        error: Option<&core_monitor::MonitorError>,
    ) {
        self.0.push(MonitorNotification::SessionEnd(Box::new((
            summary.clone(),
            error.map(TwitchWatchError::from),
        ))));
    }
}

/// One call to an `AlertListener`, waiting in its queue.
pub(crate) struct AlertNotification {
    alert: Alert,
    notification: NotificationContent,
}

impl Notification for AlertNotification {
    type Listener = dyn AlertListener;
    const KIND: &'static str = "AlertListener";
    // Alerts are deduplicated and cooled down: a few a day, a burst of a handful after a check-in. 64
    // waiting means a stuck listener; each carries its texts (about 2 KB), so a full queue is ~128 KB.
    const QUEUE_CAPACITY: usize = 64;

    fn deliver(self, listener: &dyn AlertListener) {
        report(
            Self::KIND,
            "onAlert",
            listener.on_alert(self.alert, self.notification),
        );
    }
}

pub(crate) struct AlertListenerAdapter {
    pub delivery: Delivery<AlertNotification>,
    /// For the user's time zone and thresholds, which the notification text uses. Read on the thread
    /// that raised the alert, so a delivery thread left behind by a stuck listener holds no store.
    pub store: twitchwatch_store::Store,
}

impl core_alerts::AlertListener for AlertListenerAdapter {
    fn on_alert(&self, alert: &core_alerts::Alert) -> Result<(), core_alerts::ListenerError> {
        let params = self
            .store
            .settings()
            .map(|s| twitchwatch_rules::RuleParams::resolve(&s.rule_params))
            .unwrap_or_default();
        let facts = screens::AlertFacts::from_alert(&self.store.time_zone(), alert, &params);
        let notification = screens::notification_for_alert(&facts);
        self.delivery.push(AlertNotification {
            alert: alert.clone(),
            notification,
        });
        Ok(())
    }
}

/// The listeners registered on one `TwitchWatch`, by kind.
#[derive(Default)]
pub(crate) struct Registrations {
    pub monitor: Registry<MonitorNotification>,
    pub alerts: Registry<AlertNotification>,
}

impl Registrations {
    /// Waits up to `DRAIN_WAIT` for every listener, and the log sink, to hear what was queued for it
    /// (a session's end above all), except the listener the caller runs in (`current_delivery`).
    pub(crate) fn wait_until_delivered(&self, except: Option<u64>) {
        let deadline = Instant::now() + DRAIN_WAIT;
        self.monitor.wait_until_delivered(deadline, except);
        self.alerts.wait_until_delivered(deadline, except);
        crate::logging::wait_until_delivered(deadline, except);
    }

    /// No listener of this `TwitchWatch` is called again, and each is released.
    pub(crate) fn close_all(&self) {
        self.monitor.close_all();
        self.alerts.close_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Ends(Mutex<Vec<Option<TwitchWatchError>>>);

    impl MonitorListener for Ends {
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
            Ok(())
        }
        fn on_progress(&self, _: StreamStats, _: Option<f32>) -> FfiResult<()> {
            Ok(())
        }
        fn on_session_end(
            &self,
            _: SessionSummary,
            error: Option<TwitchWatchError>,
        ) -> FfiResult<()> {
            self.0.lock().unwrap().push(error);
            Ok(())
        }
    }

    #[test]
    fn a_session_error_reaches_the_app_with_its_variant() {
        use core_monitor::{MonitorError, MonitorListener as _, SessionSummary as Summary};
        let ends = Arc::new(Ends::default());
        let delivery = Delivery::<MonitorNotification>::new(ends.clone());
        let adapter = MonitorListenerAdapter(delivery.clone());
        let summary = Summary::default();
        adapter.on_session_end(&summary, None);
        let spawn = MonitorError::Spawn {
            what: "Bluetooth runtime",
            source: std::io::Error::other("no threads left"),
        };
        adapter.on_session_end(&summary, Some(&spawn));
        let store = MonitorError::Store(twitchwatch_store::StoreError::NotFound {
            path: "/nowhere".into(),
        });
        adapter.on_session_end(&summary, Some(&store));
        #[cfg(target_os = "linux")]
        adapter.on_session_end(
            &summary,
            Some(&MonitorError::Device(
                twitchwatch_device::link::LinkError::LinkLost,
            )),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        assert!(delivery.wait_until_delivered(deadline));
        let got = ends.0.lock().unwrap().clone();
        assert_eq!(got[0], None);
        assert_eq!(
            got[1],
            Some(TwitchWatchError::Internal {
                reason: "cannot start the Bluetooth runtime: no threads left".into()
            })
        );
        assert!(
            matches!(got[2], Some(TwitchWatchError::NotFound { .. })),
            "{got:?}"
        );
        #[cfg(target_os = "linux")]
        assert_eq!(
            got[3],
            Some(TwitchWatchError::Device {
                reason: "the link was lost".into()
            })
        );
    }
}
