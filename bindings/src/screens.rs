//! The `Screens` object: a newtype around `twitchwatch_app::screens::ScreenModel`, whose screen states
//! derive UniFFI in `twitchwatch-app` itself. Every label, order and notification choice is made there.
//!
//! The phone apps (android/app, android/shell with JVM tests in tests/apps/run.sh, and ios/App) call
//! every method here, journal/check-in/report included. `now_ms` is optional everywhere (None = the
//! device clock), so `screens.today()` and `screens.today(nowMs)` both work from Kotlin/Swift/Python.

use std::sync::Arc;

use twitchwatch_app::screens::Advertisement;
use twitchwatch_app::screens::{
    self as core, AlertRow, AlertsState, CheckInOutcome, DayDetailState, Destination, EventRow,
    ExportFormat, HistoryRange, HistoryState, JournalState, NotificationChannelSpec,
    NotificationContent, OnboardingState, OngoingNotification, PairingState, PlatformPermissions,
    ReportState, TodayState,
};
use twitchwatch_model::ConnectionState;

use crate::error::FfiResult;
use crate::twitchwatch::TwitchWatch;

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

/// Screen states and their actions for the phone apps. Create one from the app's `TwitchWatch`; it
/// follows that object's sessions. All methods are quick store reads unless said otherwise.
/// `now_ms` (ms since the Unix epoch) may be left out: the device clock is used; tests pass their own.
#[derive(uniffi::Object)]
pub struct Screens(core::ScreenModel);

#[uniffi::export(async_runtime = "tokio")]
impl Screens {
    #[uniffi::constructor]
    pub fn new(twitchwatch: Arc<TwitchWatch>) -> Arc<Self> {
        Arc::new(Self(core::ScreenModel::new(twitchwatch.monitor().clone())))
    }

    pub fn start_destination(&self, permissions: PlatformPermissions) -> FfiResult<Destination> {
        Ok(self.0.start_destination(&permissions)?)
    }

    // onboarding
    pub fn onboarding(&self, permissions: PlatformPermissions) -> FfiResult<OnboardingState> {
        Ok(self.0.onboarding(&permissions)?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn accept_disclaimer(
        &self,
        permissions: PlatformPermissions,
        now_ms: Option<i64>,
    ) -> FfiResult<OnboardingState> {
        Ok(self.0.accept_disclaimer(&permissions, at(now_ms))?)
    }
    pub fn set_demo_mode(
        &self,
        enabled: bool,
        permissions: PlatformPermissions,
    ) -> FfiResult<OnboardingState> {
        Ok(self.0.set_demo_mode(enabled, &permissions)?)
    }

    // pairing
    #[uniffi::method(default(now_ms = None))]
    pub fn pairing(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.pairing(at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn start_scan(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.start_scan(at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn stop_scan(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.stop_scan(at(now_ms))?)
    }
    pub fn on_advertisement(&self, advertisement: Advertisement) -> FfiResult<PairingState> {
        Ok(self.0.on_advertisement(advertisement)?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn pair(&self, device_id: String, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.pair(&device_id, at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn forget_device(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.forget_device(at(now_ms))?)
    }

    // today
    #[uniffi::method(default(now_ms = None))]
    pub fn today(&self, now_ms: Option<i64>) -> FfiResult<TodayState> {
        Ok(self.0.today(at(now_ms))?)
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
        let now_ms = at(now_ms);
        let scenario = scenario.unwrap_or_else(|| "mixed".into());
        let wearable = crate::demo::simulated_wearable(scenario, None, speed, now_ms)?;
        Ok(self.0.start_replay_session(wearable, speed, now_ms)?)
    }
    /// Stops a simulated session; stores everything first (call off the main thread).
    #[uniffi::method(default(now_ms = None))]
    pub fn stop_session(&self, now_ms: Option<i64>) -> FfiResult<TodayState> {
        Ok(self.0.stop_session(at(now_ms))?)
    }
    /// The app's own BLE stack reports a connection change.
    pub fn report_connection(&self, state: ConnectionState) {
        self.0.report_connection(state);
    }
    pub fn report_battery(&self, percent: u8) {
        self.0.report_battery(percent);
    }
    pub fn live_events(&self) -> Vec<EventRow> {
        self.0.live_events()
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn monitoring_notification(&self, now_ms: Option<i64>) -> FfiResult<OngoingNotification> {
        Ok(self.0.monitoring_notification(at(now_ms))?)
    }

    // history
    #[uniffi::method(default(now_ms = None))]
    pub fn history(&self, range: HistoryRange, now_ms: Option<i64>) -> FfiResult<HistoryState> {
        Ok(self.0.history(range, at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn day_detail(&self, date: String, now_ms: Option<i64>) -> FfiResult<DayDetailState> {
        Ok(self.0.day_detail(&date, at(now_ms))?)
    }

    // alerts
    pub fn alerts(&self) -> FfiResult<AlertsState> {
        Ok(self.0.alerts()?)
    }
    pub fn alert_detail(&self, alert_id: String) -> FfiResult<AlertRow> {
        Ok(self.0.alert_detail(&alert_id)?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn acknowledge_alert(
        &self,
        alert_id: String,
        now_ms: Option<i64>,
    ) -> FfiResult<AlertsState> {
        Ok(self.0.acknowledge_alert(&alert_id, at(now_ms))?)
    }
    /// What to post for a stored alert (e.g. the one an `AlertListener` just heard about).
    pub fn notification_for(&self, alert_id: String) -> FfiResult<NotificationContent> {
        Ok(self.0.notification_for(&alert_id)?)
    }
    /// The daily background tick: runs the rules and returns what to post.
    #[uniffi::method(default(now_ms = None))]
    pub fn evaluate_alerts(&self, now_ms: Option<i64>) -> FfiResult<Vec<NotificationContent>> {
        Ok(self.0.evaluate_alerts(at(now_ms))?)
    }

    // journal
    #[uniffi::method(default(now_ms = None))]
    pub fn journal(&self, date: Option<String>, now_ms: Option<i64>) -> FfiResult<JournalState> {
        Ok(self.0.journal(date.as_deref(), at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn set_journal_value(
        &self,
        date: String,
        key: String,
        value: String,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.0.set_journal_value(&date, &key, &value, at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn add_drink(
        &self,
        date: String,
        drink_key: String,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.0.add_drink(&date, &drink_key, at(now_ms))?)
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
        Ok(self
            .0
            .add_medication(&date, &name, &class_key, started_on.as_deref(), at(now_ms))?)
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn remove_medication(
        &self,
        date: String,
        index: u32,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.0.remove_medication(&date, index, at(now_ms))?)
    }
    /// Saves a check-in and evaluates the rules in the same call (an urgent symptom's notification is
    /// in the result).
    #[uniffi::method(default(now_ms = None))]
    pub fn record_checkin(
        &self,
        body_sites: Vec<String>,
        symptoms: Vec<String>,
        note: String,
        now_ms: Option<i64>,
    ) -> FfiResult<CheckInOutcome> {
        Ok(self
            .0
            .record_checkin(&body_sites, &symptoms, &note, at(now_ms))?)
    }

    // report
    #[uniffi::method(default(now_ms = None))]
    pub fn report(&self, now_ms: Option<i64>) -> FfiResult<ReportState> {
        Ok(self.0.report(at(now_ms))?)
    }
    /// Writes the report/export file on the shared runtime's blocking pool; the caller never blocks.
    #[uniffi::method(default(now_ms = None))]
    pub async fn export_report(
        self: Arc<Self>,
        format: ExportFormat,
        period_days: u32,
        path: String,
        now_ms: Option<i64>,
    ) -> FfiResult<ReportState> {
        let this = self.clone();
        let result = crate::runtime::blocking(move || {
            this.0.export_report(format, period_days, &path, at(now_ms))
        })
        .await?;
        Ok(result?)
    }
}
