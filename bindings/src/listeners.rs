//! Listeners the app implements (Kotlin/Swift/Python), and the adapters that plug them into the core.
//! A listener that throws is logged (without health data) and skipped; it never panics Rust.

use std::sync::{Arc, Mutex};

use twitchwatch_alerts as core_alerts;
use twitchwatch_app::monitor as core_monitor;
use twitchwatch_model as core_model;

use twitchwatch_app::screens;

use crate::error::{FfiResult, TwitchWatchError};
use twitchwatch_alerts::Alert;
use twitchwatch_app::monitor::SessionSummary;
use twitchwatch_app::screens::NotificationContent;
use twitchwatch_model::{ConnectionState, MinuteSummary, MotorEvent, StreamStats};

/// Live data of a monitoring session. Called on a background thread, never while TwitchWatch holds a
/// lock; hop to the main thread yourself before touching UI. A slow listener slows only the session.
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
    /// failure, its reason is a sentence for the user).
    fn on_session_end(
        &self,
        summary: SessionSummary,
        error: Option<TwitchWatchError>,
    ) -> FfiResult<()>;
}

/// New and escalated alerts: one call per alert, with the alert (severity, title, message, evidence)
/// and the notification to post for it (text, lock-screen text, channel, importance / interruption
/// level, deep link). Called on a background thread, never while TwitchWatch holds a lock.
#[uniffi::export(with_foreign)]
pub trait AlertListener: Send + Sync {
    fn on_alert(&self, alert: Alert, notification: NotificationContent) -> FfiResult<()>;
}

/// Keeps a listener registered. Call `cancel()` or let it go (Kotlin `close()`, Swift deinit, Python
/// garbage collection) and the listener hears nothing more: hold it for as long as the listener should hear.
#[derive(uniffi::Object)]
pub struct ListenerHandle {
    unregister: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl ListenerHandle {
    pub(crate) fn new(unregister: impl FnOnce() + Send + 'static) -> Arc<Self> {
        Arc::new(Self {
            unregister: Mutex::new(Some(Box::new(unregister))),
        })
    }
}

#[uniffi::export]
impl ListenerHandle {
    /// Unregisters the listener now. A call already being delivered may finish; no later one starts.
    /// Calling it again does nothing.
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

pub(crate) struct MonitorListenerAdapter(pub Arc<dyn MonitorListener>);

impl core_monitor::MonitorListener for MonitorListenerAdapter {
    fn on_event(&self, event: &core_model::MotorEvent) {
        report("MonitorListener", "onEvent", self.0.on_event(event.clone()));
    }

    fn on_minute(&self, minute: &core_model::MinuteSummary) {
        report(
            "MonitorListener",
            "onMinute",
            self.0.on_minute(minute.clone()),
        );
    }

    fn on_connection(&self, state: &core_model::ConnectionState) {
        report(
            "MonitorListener",
            "onConnection",
            self.0.on_connection(state.clone()),
        );
    }

    fn on_battery(&self, percent: u8) {
        report("MonitorListener", "onBattery", self.0.on_battery(percent));
    }

    fn on_progress(&self, stats: &core_model::StreamStats, fraction_done: Option<f32>) {
        report(
            "MonitorListener",
            "onProgress",
            self.0.on_progress(*stats, fraction_done),
        );
    }

    fn on_session_end(
        &self,
        summary: &core_monitor::SessionSummary,
        error: Option<&core_monitor::MonitorError>,
    ) {
        report(
            "MonitorListener",
            "onSessionEnd",
            self.0
                .on_session_end(summary.clone(), error.map(TwitchWatchError::from)),
        );
    }
}

pub(crate) struct AlertListenerAdapter {
    pub listener: Arc<dyn AlertListener>,
    /// For the user's time zone and thresholds, which the notification text uses.
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
        self.listener
            .on_alert(alert.clone(), notification)
            .map_err(|e| core_alerts::ListenerError(e.to_string()))
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
        let adapter = MonitorListenerAdapter(ends.clone());
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
