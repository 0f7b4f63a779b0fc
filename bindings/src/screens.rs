//! `Screens`: the phone screens' states over `twitchwatch_app::screens::ScreenModel`, whose states
//! derive UniFFI in `twitchwatch-app` itself. Every label, order and notification choice is made there.
//!
//! Screens render; the other areas act. An action that changes data (forget the device, acknowledge
//! an alert, add a drink, record a check-in, evaluate the rules) is a call on its area
//! (`devices()`, `alerts()`, `journal()`), after which the shell reads the screen again. What exists
//! only as a form here (a journal field by key, a medication form, the scan list, the disclaimer) stays
//! here. `now_ms` is optional everywhere (None = the device clock), so `screens.today()` and
//! `screens.today(nowMs)` both work from Kotlin/Swift/Python.

use std::sync::Arc;

use twitchwatch_app::screens::Advertisement;
use twitchwatch_app::screens::{
    self as core, AlertRow, AlertsState, DayDetailState, Destination, EventRow, ExportFormat,
    HistoryRange, HistoryState, JournalState, NavigationTab, NotificationChannelSpec,
    NotificationContent, OnboardingState, OngoingNotification, PairingState, PlatformPermissions,
    ReportState, TasksState, TodayState,
};
use twitchwatch_model::ConnectionState;
use twitchwatch_tasks::Hand;

use crate::error::FfiResult;
use crate::twitchwatch::Shared;

/// `now_ms` as the app passed it, or the core's clock when it passed none.
fn at(now_ms: Option<i64>) -> i64 {
    now_ms.unwrap_or_else(core::ScreenModel::now_ms)
}

/// Every Android notification channel to create at start-up: one per severity, plus monitoring.
#[uniffi::export]
pub fn notification_channels() -> Vec<NotificationChannelSpec> {
    core::notification_channels()
}

/// Parses a `twitchwatch://` deep link (from a notification); unknown links open Today.
#[uniffi::export]
pub fn destination_from_deep_link(link: String) -> Destination {
    Destination::from_deep_link(&link)
}

#[uniffi::export]
pub fn destination_deep_link(destination: Destination) -> String {
    destination.deep_link()
}

/// The bottom bar's tabs in order, each with its destination and title.
#[uniffi::export]
pub fn navigation_tabs() -> Vec<NavigationTab> {
    core::navigation_tabs()
}

/// The tapping task's line while it runs ("Right hand: 12 s left · 40 taps").
#[uniffi::export]
pub fn tapping_progress_label(hand: Hand, seconds_left: u32, taps: u32) -> String {
    core::tapping_progress_label(hand, seconds_left, taps)
}

/// The grip hold's line while it runs ("Hold it… 12 s").
#[uniffi::export]
pub fn hold_progress_label(seconds_left: u32) -> String {
    core::hold_progress_label(seconds_left)
}

/// A tremor task's countdown ("12 s").
#[uniffi::export]
pub fn seconds_left_label(seconds_left: u32) -> String {
    core::seconds_left_label(seconds_left)
}

/// Screen states for the phone apps, following the sessions of the `TwitchWatch` they come from
/// (`TwitchWatch.screens()`). All methods are quick store reads unless said otherwise.
/// `now_ms` (ms since the Unix epoch) may be left out: the device clock is used; tests pass their own.
#[derive(uniffi::Object)]
pub struct Screens {
    shared: Arc<Shared>,
}

impl Screens {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }

    fn model(&self) -> FfiResult<Arc<core::ScreenModel>> {
        self.shared.screens()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Screens {
    pub fn start_destination(&self, permissions: PlatformPermissions) -> FfiResult<Destination> {
        Ok(self.model()?.start_destination(&permissions)?)
    }

    // onboarding
    pub fn onboarding(&self, permissions: PlatformPermissions) -> FfiResult<OnboardingState> {
        Ok(self.model()?.onboarding(&permissions)?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn accept_disclaimer(
        &self,
        permissions: PlatformPermissions,
        now_ms: Option<i64>,
    ) -> FfiResult<OnboardingState> {
        Ok(self.model()?.accept_disclaimer(&permissions, at(now_ms))?)
    }
    pub fn set_demo_mode(
        &self,
        enabled: bool,
        permissions: PlatformPermissions,
    ) -> FfiResult<OnboardingState> {
        Ok(self.model()?.set_demo_mode(enabled, &permissions)?)
    }

    // pairing
    #[uniffi::method(default(now_ms = None))]
    pub fn pairing(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.model()?.pairing(at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn start_scan(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.model()?.start_scan(at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn stop_scan(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.model()?.stop_scan(at(now_ms))?)
    }
    pub fn on_advertisement(&self, advertisement: Advertisement) -> FfiResult<PairingState> {
        Ok(self.model()?.on_advertisement(advertisement)?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn pair(&self, device_id: String, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.model()?.pair(&device_id, at(now_ms))?)
    }

    // today
    #[uniffi::method(default(now_ms = None))]
    pub fn today(&self, now_ms: Option<i64>) -> FfiResult<TodayState> {
        Ok(self.model()?.today(at(now_ms))?)
    }
    /// Demo mode: starts the simulated wearable and returns at once (`speed` 1 = real time); a build
    /// without demo mode answers `InvalidState`.
    #[uniffi::method(default(now_ms = None))]
    pub fn start_demo_session(
        &self,
        scenario: Option<String>,
        speed: f32,
        now_ms: Option<i64>,
    ) -> FfiResult<TodayState> {
        // A closed TwitchWatch answers InvalidState whatever the arguments, as every area does.
        let model = self.model()?;
        let now_ms = at(now_ms);
        let scenario = scenario.unwrap_or_else(|| "mixed".into());
        let wearable = crate::demo::simulated_wearable(scenario, None, speed, now_ms)?;
        Ok(model.start_replay_session(wearable, speed, now_ms)?)
    }
    /// Stops a simulated session; stores everything first (call off the main thread).
    #[uniffi::method(default(now_ms = None))]
    pub fn stop_session(&self, now_ms: Option<i64>) -> FfiResult<TodayState> {
        Ok(self.model()?.stop_session(at(now_ms))?)
    }
    /// The app's own BLE stack reports a connection change.
    pub fn report_connection(&self, state: ConnectionState) -> FfiResult<()> {
        self.model()?.report_connection(state);
        Ok(())
    }
    pub fn report_battery(&self, percent: u8) -> FfiResult<()> {
        self.model()?.report_battery(percent);
        Ok(())
    }
    pub fn live_events(&self) -> FfiResult<Vec<EventRow>> {
        Ok(self.model()?.live_events())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn monitoring_notification(&self, now_ms: Option<i64>) -> FfiResult<OngoingNotification> {
        Ok(self.model()?.monitoring_notification(at(now_ms))?)
    }

    // history
    #[uniffi::method(default(now_ms = None))]
    pub fn history(&self, range: HistoryRange, now_ms: Option<i64>) -> FfiResult<HistoryState> {
        Ok(self.model()?.history(range, at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn day_detail(&self, date: String, now_ms: Option<i64>) -> FfiResult<DayDetailState> {
        Ok(self.model()?.day_detail(&date, at(now_ms))?)
    }

    // alerts
    pub fn alerts(&self) -> FfiResult<AlertsState> {
        Ok(self.model()?.alerts()?)
    }
    pub fn alert_detail(&self, alert_id: String) -> FfiResult<AlertRow> {
        Ok(self.model()?.alert_detail(&alert_id)?)
    }
    /// What to post for a stored alert (e.g. the one an `AlertListener` just heard about).
    pub fn notification_for(&self, alert_id: String) -> FfiResult<NotificationContent> {
        Ok(self.model()?.notification_for(&alert_id)?)
    }

    // journal
    #[uniffi::method(default(now_ms = None))]
    pub fn journal(&self, date: Option<String>, now_ms: Option<i64>) -> FfiResult<JournalState> {
        Ok(self.model()?.journal(date.as_deref(), at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn set_journal_value(
        &self,
        date: String,
        key: String,
        value: String,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self
            .model()?
            .set_journal_value(&date, &key, &value, at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn add_medication(
        &self,
        date: String,
        name: String,
        class_key: String,
        started_on: Option<String>,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.model()?.add_medication(
            &date,
            &name,
            &class_key,
            started_on.as_deref(),
            at(now_ms),
        )?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn remove_medication(
        &self,
        date: String,
        index: u32,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.model()?.remove_medication(&date, index, at(now_ms))?)
    }

    // active tasks
    /// The tasks screen: each task with its instructions, each hand's latest result against its
    /// baseline, and what the grip proxy can and cannot tell.
    pub fn tasks(&self) -> FfiResult<TasksState> {
        Ok(self.model()?.tasks()?)
    }

    // report
    #[uniffi::method(default(now_ms = None))]
    pub fn report(&self, now_ms: Option<i64>) -> FfiResult<ReportState> {
        Ok(self.model()?.report(at(now_ms))?)
    }
    /// Writes the report/export file on the shared runtime's blocking pool; the caller never blocks.
    #[uniffi::method(default(now_ms = None))]
    pub async fn export_report(
        &self,
        format: ExportFormat,
        period_days: u32,
        path: String,
        now_ms: Option<i64>,
    ) -> FfiResult<ReportState> {
        let model = self.model()?;
        let result = crate::runtime::blocking(move || {
            model.export_report(format, period_days, &path, at(now_ms))
        })
        .await?;
        Ok(result?)
    }
}
