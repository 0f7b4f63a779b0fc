//! Screen states for the phone apps: mirrors of the app crate's screen records and the `Screens` object,
//! a newtype around `twitchwatch_app::screens::ScreenModel`. Every label, order and notification choice
//! is made in the core.
//!
//! The phone apps (android/app, android/shell with JVM tests in tests/apps/run.sh, and ios/App) call
//! every method here, journal/check-in/report included. `now_ms` is optional everywhere (None = the
//! device clock), so `screens.today()` and `screens.today(nowMs)` both work from Kotlin/Swift/Python.

use std::sync::Arc;

use twitchwatch_app::screens as core;

use crate::error::{FfiResult, TwitchWatchError};
use crate::twitchwatch::TwitchWatch;
use twitchwatch_model::{AlertSeverity, ConnectionState, DeviceProtocol, MotorEventKind};

impl From<core::ScreenError> for TwitchWatchError {
    fn from(e: core::ScreenError) -> Self {
        use core::ScreenError as E;
        match e {
            E::Store(e) => e.into(),
            E::Monitor(e) => e.into(),
            E::Rules(e) => e.into(),
            E::Journal(e) => e.into(),
            E::Report(e) => e.into(),
            E::InvalidInput(reason) => TwitchWatchError::InvalidInput { reason },
            E::NotFound(reason) => TwitchWatchError::NotFound { reason },
            e @ E::Io { .. } => TwitchWatchError::Io {
                reason: e.to_string(),
            },
        }
    }
}

/// `now_ms` as the app passed it, or the core's clock when it passed none.
fn at(now_ms: Option<i64>) -> i64 {
    now_ms.unwrap_or_else(core::ScreenModel::now_ms)
}

/// Mirrors a fieldless core enum (one direction or both).
macro_rules! mirror {
    ($(#[$m:meta])* $name:ident <=> $core:path { $($v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($v),+ }
        impl From<$core> for $name {
            fn from(v: $core) -> Self { type C = $core; match v { $(C::$v => Self::$v),+ } }
        }
        impl From<$name> for $core {
            fn from(v: $name) -> Self { type C = $core; match v { $($name::$v => C::$v),+ } }
        }
    };
}

/// Copies a record field by field, converting each with `Into`.
macro_rules! record {
    ($(#[$m:meta])* $name:ident <= $core:path { $($(#[$fm:meta])* $f:ident : $t:ty),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, PartialEq, uniffi::Record)]
        pub struct $name { $($(#[$fm])* pub $f: $t),+ }
        impl From<$core> for $name {
            fn from(v: $core) -> Self { Self { $($f: v.$f.into()),+ } }
        }
    };
}

fn vec<A: Into<B>, B>(v: Vec<A>) -> Vec<B> {
    v.into_iter().map(Into::into).collect()
}

// ---- navigation and onboarding ----

/// Where the app navigates; also what tapping a notification opens.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Destination {
    Onboarding,
    Pairing,
    Today,
    Journal,
    History,
    Alerts,
    Alert { alert_id: String },
    Report,
}

impl From<core::Destination> for Destination {
    fn from(d: core::Destination) -> Self {
        use core::Destination as D;
        match d {
            D::Onboarding => Self::Onboarding,
            D::Pairing => Self::Pairing,
            D::Today => Self::Today,
            D::Journal => Self::Journal,
            D::History => Self::History,
            D::Alerts => Self::Alerts,
            D::Alert { alert_id } => Self::Alert { alert_id },
            D::Report => Self::Report,
        }
    }
}

impl From<Destination> for core::Destination {
    fn from(d: Destination) -> Self {
        use core::Destination as D;
        match d {
            Destination::Onboarding => D::Onboarding,
            Destination::Pairing => D::Pairing,
            Destination::Today => D::Today,
            Destination::Journal => D::Journal,
            Destination::History => D::History,
            Destination::Alerts => D::Alerts,
            Destination::Alert { alert_id } => D::Alert { alert_id },
            Destination::Report => D::Report,
        }
    }
}

/// What the platform has granted, as the app knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PlatformPermissions {
    pub bluetooth_granted: bool,
    pub notifications_granted: bool,
}

impl From<PlatformPermissions> for core::PlatformPermissions {
    fn from(p: PlatformPermissions) -> Self {
        Self {
            bluetooth_granted: p.bluetooth_granted,
            notifications_granted: p.notifications_granted,
        }
    }
}

mirror! { OnboardingStep <=> core::OnboardingStep { Disclaimer, Permissions, Pairing, Done } }

record! {
    /// "Informational, not a medical device": shown until accepted, and again under Report.
    Disclaimer <= core::Disclaimer { title: String, text: String, version: u32, accepted_at_ms: Option<i64> }
}

record! {
    OnboardingState <= core::OnboardingState {
        step: OnboardingStep, step_number: u32, step_count: u32, title: String, body: String,
        disclaimer: Disclaimer, missing_permissions: Vec<String>, primary_action_label: String,
        secondary_action_label: Option<String>, demo_mode: bool, complete: bool,
    }
}

// ---- pairing ----

/// One advertisement as the platform's BLE scan reported it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Advertisement {
    pub id: String,
    pub name: Option<String>,
    pub rssi_dbm: Option<i16>,
    pub service_uuids: Vec<String>,
    pub seen_at_ms: i64,
}

impl From<Advertisement> for core::Advertisement {
    fn from(a: Advertisement) -> Self {
        Self {
            id: a.id,
            name: a.name,
            rssi_dbm: a.rssi_dbm,
            service_uuids: a.service_uuids,
            seen_at_ms: a.seen_at_ms,
        }
    }
}

mirror! { SignalStrength <=> core::SignalStrength { Strong, Fair, Weak, Unknown } }
mirror! { PairingPhase <=> core::PairingPhase { Idle, Scanning, Paired } }

record! {
    DeviceCandidate <= core::DeviceCandidate {
        id: String, name: String, protocol: DeviceProtocol, protocol_label: String, signal: SignalStrength,
        signal_label: String, rssi_dbm: Option<i16>, can_pair: bool, note: Option<String>, is_paired: bool,
    }
}

record! {
    /// What the app's BLE code does with the paired wearable: UUIDs and the exact bytes to write.
    GattPlan <= core::GattPlan {
        service_uuid: String, data_characteristic_uuid: String, control_point_uuid: String,
        start_command: Vec<u8>, stop_command: Vec<u8>, battery_service_uuid: String,
        battery_level_uuid: String, ios_restore_identifier: String,
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PairedDeviceView {
    pub id: String,
    pub name: String,
    pub protocol_label: String,
    pub paired_since_label: String,
    /// `null` when the phone cannot stream from this device.
    pub gatt: Option<GattPlan>,
}

impl From<core::PairedDeviceView> for PairedDeviceView {
    fn from(p: core::PairedDeviceView) -> Self {
        Self {
            id: p.id,
            name: p.name,
            protocol_label: p.protocol_label,
            paired_since_label: p.paired_since_label,
            gatt: p.gatt.map(Into::into),
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PairingState {
    pub phase: PairingPhase,
    pub candidates: Vec<DeviceCandidate>,
    pub paired: Option<PairedDeviceView>,
    pub other_devices_nearby: u32,
    pub message: String,
    pub scan_service_uuids: Vec<String>,
    pub scan_timeout_ms: i64,
}

impl From<core::PairingState> for PairingState {
    fn from(s: core::PairingState) -> Self {
        Self {
            phase: s.phase.into(),
            candidates: vec(s.candidates),
            paired: s.paired.map(Into::into),
            other_devices_nearby: s.other_devices_nearby,
            message: s.message,
            scan_service_uuids: s.scan_service_uuids,
            scan_timeout_ms: s.scan_timeout_ms,
        }
    }
}

// ---- today ----

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ConnectionView {
    pub state: ConnectionState,
    pub label: String,
    pub detail: Option<String>,
    pub is_live: bool,
}

impl From<core::ConnectionView> for ConnectionView {
    fn from(c: core::ConnectionView) -> Self {
        Self {
            state: c.state,
            label: c.label,
            detail: c.detail,
            is_live: c.is_live,
        }
    }
}

record! {
    TodayCounts <= core::TodayCounts {
        twitches: u32, tremor_minutes: f64, spasm_seconds: f64, worn_minutes: f64,
        twitches_per_worn_hour: Option<f64>, twitches_label: String, tremor_label: String,
        spasm_label: String, worn_label: String,
    }
}

record! {
    HourBucket <= core::HourBucket {
        hour: u8, label: String, twitches: u32, tremor_minutes: f64, spasm_seconds: f64, worn_minutes: f64,
    }
}

record! {
    EventRow <= core::EventRow {
        kind: MotorEventKind, kind_label: String, time_label: String, start_ms: i64,
        duration_label: String, detail: String,
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct TodayState {
    pub date_label: String,
    pub connection: ConnectionView,
    pub device_name: Option<String>,
    pub demo_mode: bool,
    pub monitoring: bool,
    pub battery_percent: Option<u8>,
    pub battery_low: bool,
    pub counts: TodayCounts,
    pub hourly: Vec<HourBucket>,
    pub recent_events: Vec<EventRow>,
    pub data_quality_label: Option<String>,
    pub top_alert: Option<AlertRow>,
    pub primary_action_label: String,
    pub last_error: Option<String>,
}

impl From<core::TodayState> for TodayState {
    fn from(s: core::TodayState) -> Self {
        Self {
            date_label: s.date_label,
            connection: s.connection.into(),
            device_name: s.device_name,
            demo_mode: s.demo_mode,
            monitoring: s.monitoring,
            battery_percent: s.battery_percent,
            battery_low: s.battery_low,
            counts: s.counts.into(),
            hourly: vec(s.hourly),
            recent_events: vec(s.recent_events),
            data_quality_label: s.data_quality_label,
            top_alert: s.top_alert.map(Into::into),
            primary_action_label: s.primary_action_label,
            last_error: s.last_error,
        }
    }
}

// ---- history ----

mirror! { HistoryRange <=> core::HistoryRange { Week, Month, Quarter } }
mirror! { ChartMetric <=> core::ChartMetric { Twitches, TwitchesPerWornHour, TremorMinutes, SpasmSeconds, WornHours } }

record! { ChartPoint <= core::ChartPoint { date: String, label: String, value: Option<f64> } }

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ChartSeries {
    pub metric: ChartMetric,
    pub title: String,
    pub unit: String,
    pub points: Vec<ChartPoint>,
    pub y_max: f64,
    pub average: Option<f64>,
    pub average_label: String,
}

impl From<core::ChartSeries> for ChartSeries {
    fn from(c: core::ChartSeries) -> Self {
        Self {
            metric: c.metric.into(),
            title: c.title,
            unit: c.unit,
            points: vec(c.points),
            y_max: c.y_max,
            average: c.average,
            average_label: c.average_label,
        }
    }
}

record! {
    HistoryDayRow <= core::HistoryDayRow {
        date: String, label: String, twitches_label: String, tremor_label: String, spasm_label: String,
        worn_label: String, has_data: bool,
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct HistoryState {
    pub range: HistoryRange,
    pub range_label: String,
    pub from_date: String,
    pub to_date: String,
    pub charts: Vec<ChartSeries>,
    pub days: Vec<HistoryDayRow>,
    pub days_with_data: u32,
    pub empty_message: Option<String>,
}

impl From<core::HistoryState> for HistoryState {
    fn from(h: core::HistoryState) -> Self {
        Self {
            range: h.range.into(),
            range_label: h.range_label,
            from_date: h.from_date,
            to_date: h.to_date,
            charts: vec(h.charts),
            days: vec(h.days),
            days_with_data: h.days_with_data,
            empty_message: h.empty_message,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DayDetailState {
    pub date: String,
    pub label: String,
    pub hourly: Vec<HourBucket>,
    pub events: Vec<EventRow>,
    pub events_total: u32,
}

impl From<core::DayDetailState> for DayDetailState {
    fn from(d: core::DayDetailState) -> Self {
        Self {
            date: d.date,
            label: d.label,
            hourly: vec(d.hourly),
            events: vec(d.events),
            events_total: d.events_total,
        }
    }
}

// ---- alerts and notifications ----

mirror! { EvidenceKind <=> core::EvidenceKind { Fact, Day, Event, CheckIn, Journal, Link } }

record! { EvidenceLine <= core::EvidenceLine { kind: EvidenceKind, text: String, date: Option<String> } }

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AlertRow {
    pub alert_id: String,
    pub rule_id: String,
    pub severity: AlertSeverity,
    pub severity_label: String,
    pub title: String,
    pub body: String,
    pub what_to_do: String,
    pub raised_at_label: String,
    pub evidence: Vec<EvidenceLine>,
    pub escalated_label: Option<String>,
    pub acknowledged: bool,
    pub resolved: bool,
    pub can_acknowledge: bool,
}

impl From<core::AlertRow> for AlertRow {
    fn from(a: core::AlertRow) -> Self {
        Self {
            alert_id: a.alert_id,
            rule_id: a.rule_id,
            severity: a.severity,
            severity_label: a.severity_label,
            title: a.title,
            body: a.body,
            what_to_do: a.what_to_do,
            raised_at_label: a.raised_at_label,
            evidence: vec(a.evidence),
            escalated_label: a.escalated_label,
            acknowledged: a.acknowledged,
            resolved: a.resolved,
            can_acknowledge: a.can_acknowledge,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct AlertsState {
    pub active: Vec<AlertRow>,
    pub acknowledged: Vec<AlertRow>,
    pub past: Vec<AlertRow>,
    pub highest_active: Option<AlertSeverity>,
    pub headline: String,
    pub empty_message: Option<String>,
    pub disclaimer_line: String,
}

impl From<core::AlertsState> for AlertsState {
    fn from(s: core::AlertsState) -> Self {
        Self {
            active: vec(s.active),
            acknowledged: vec(s.acknowledged),
            past: vec(s.past),
            highest_active: s.highest_active,
            headline: s.headline,
            empty_message: s.empty_message,
            disclaimer_line: s.disclaimer_line,
        }
    }
}

mirror! { AndroidImportance <=> core::AndroidImportance { Min, Low, Default, High } }
mirror! { InterruptionLevel <=> core::InterruptionLevel { Passive, Active, TimeSensitive } }

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NotificationChannelSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub importance: AndroidImportance,
    /// `NotificationManager.IMPORTANCE_*` value of `importance`.
    pub importance_value: i32,
    pub vibrate: bool,
    pub show_badge: bool,
    pub severity: Option<AlertSeverity>,
}

impl From<core::NotificationChannelSpec> for NotificationChannelSpec {
    fn from(c: core::NotificationChannelSpec) -> Self {
        Self {
            id: c.id,
            name: c.name,
            description: c.description,
            importance_value: c.importance.value(),
            importance: c.importance.into(),
            vibrate: c.vibrate,
            show_badge: c.show_badge,
            severity: c.severity,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct NotificationContent {
    pub alert_id: String,
    pub notification_id: i32,
    pub title: String,
    pub body: String,
    pub public_title: String,
    pub public_body: String,
    pub severity: AlertSeverity,
    pub channel_id: String,
    pub android_importance: AndroidImportance,
    pub interruption_level: InterruptionLevel,
    pub heads_up: bool,
    pub relevance_score: f64,
    pub group_key: String,
    pub deep_link: String,
}

impl From<core::NotificationContent> for NotificationContent {
    fn from(n: core::NotificationContent) -> Self {
        Self {
            alert_id: n.alert_id,
            notification_id: n.notification_id,
            title: n.title,
            body: n.body,
            public_title: n.public_title,
            public_body: n.public_body,
            severity: n.severity,
            channel_id: n.channel_id,
            android_importance: n.android_importance.into(),
            interruption_level: n.interruption_level.into(),
            heads_up: n.heads_up,
            relevance_score: n.relevance_score,
            group_key: n.group_key,
            deep_link: n.deep_link,
        }
    }
}

record! {
    OngoingNotification <= core::OngoingNotification {
        channel_id: String, title: String, body: String, public_body: String, deep_link: String,
        stop_action_label: String,
    }
}

// ---- journal and check-in ----

record! { ChoiceOption <= core::ChoiceOption { key: String, label: String } }

#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum JournalFieldKind {
    Number {
        unit: String,
        min: f64,
        max: f64,
        step: f64,
    },
    Scale {
        min: u32,
        max: u32,
        low_label: String,
        high_label: String,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    MultiChoice {
        options: Vec<ChoiceOption>,
    },
    Text {
        max_chars: u32,
    },
}

impl From<core::JournalFieldKind> for JournalFieldKind {
    fn from(k: core::JournalFieldKind) -> Self {
        use core::JournalFieldKind as K;
        match k {
            K::Number {
                unit,
                min,
                max,
                step,
            } => Self::Number {
                unit,
                min,
                max,
                step,
            },
            K::Scale {
                min,
                max,
                low_label,
                high_label,
            } => Self::Scale {
                min,
                max,
                low_label,
                high_label,
            },
            K::SingleChoice { options } => Self::SingleChoice {
                options: vec(options),
            },
            K::MultiChoice { options } => Self::MultiChoice {
                options: vec(options),
            },
            K::Text { max_chars } => Self::Text { max_chars },
        }
    }
}

record! {
    JournalField <= core::JournalField {
        key: String, label: String, kind: JournalFieldKind, value: Option<String>, help: Option<String>,
    }
}
record! { DrinkChip <= core::DrinkChip { key: String, label: String, caffeine_mg: f64, servings: u32 } }
record! {
    MedicationRow <= core::MedicationRow { index: u32, name: String, class_label: String, started_label: Option<String> }
}
record! { SymptomOption <= core::SymptomOption { key: String, label: String, urgent: bool } }
record! {
    CheckInRow <= core::CheckInRow {
        id: i64, time_label: String, sites_label: String, symptoms_label: String, has_red_flag: bool,
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct JournalState {
    pub date: String,
    pub date_label: String,
    pub is_today: bool,
    pub has_entry: bool,
    pub lifestyle: Vec<JournalField>,
    pub drinks: Vec<DrinkChip>,
    pub medications: Vec<MedicationRow>,
    pub medication_classes: Vec<ChoiceOption>,
    pub body_sites: Vec<ChoiceOption>,
    pub symptoms: Vec<SymptomOption>,
    pub checkins: Vec<CheckInRow>,
    pub caffeine_hint: Option<String>,
    pub urgent_note: String,
}

impl From<core::JournalState> for JournalState {
    fn from(j: core::JournalState) -> Self {
        Self {
            date: j.date,
            date_label: j.date_label,
            is_today: j.is_today,
            has_entry: j.has_entry,
            lifestyle: vec(j.lifestyle),
            drinks: vec(j.drinks),
            medications: vec(j.medications),
            medication_classes: vec(j.medication_classes),
            body_sites: vec(j.body_sites),
            symptoms: vec(j.symptoms),
            checkins: vec(j.checkins),
            caffeine_hint: j.caffeine_hint,
            urgent_note: j.urgent_note,
        }
    }
}

/// A check-in's result: the refreshed journal and what to post for the alerts it raised.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CheckInScreenOutcome {
    pub journal: JournalState,
    pub notifications: Vec<NotificationContent>,
}

impl From<core::CheckInOutcome> for CheckInScreenOutcome {
    fn from(o: core::CheckInOutcome) -> Self {
        Self {
            journal: o.journal.into(),
            notifications: vec(o.notifications),
        }
    }
}

// ---- report ----

mirror! { ScreenExportFormat <=> core::ExportFormat { Html, Csv, Json } }

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ExportFormatOption {
    pub format: ScreenExportFormat,
    pub label: String,
    pub description: String,
    pub suggested_file_name: String,
    pub mime_type: String,
}

impl From<core::ExportFormatOption> for ExportFormatOption {
    fn from(o: core::ExportFormatOption) -> Self {
        Self {
            format: o.format.into(),
            label: o.label,
            description: o.description,
            suggested_file_name: o.suggested_file_name,
            mime_type: o.mime_type,
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum ExportOutcome {
    Written { path: String, bytes: u64 },
    Failed { message: String },
}

impl From<core::ExportOutcome> for ExportOutcome {
    fn from(o: core::ExportOutcome) -> Self {
        match o {
            core::ExportOutcome::Written { path, bytes } => Self::Written { path, bytes },
            core::ExportOutcome::Failed { message } => Self::Failed { message },
        }
    }
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ReportState {
    pub period_days_options: Vec<u32>,
    pub default_period_days: u32,
    pub formats: Vec<ExportFormatOption>,
    pub disclaimer: Disclaimer,
    pub last_export: Option<ExportOutcome>,
    pub days_with_data: u32,
}

impl From<core::ReportState> for ReportState {
    fn from(r: core::ReportState) -> Self {
        Self {
            period_days_options: r.period_days_options,
            default_period_days: r.default_period_days,
            formats: vec(r.formats),
            disclaimer: r.disclaimer.into(),
            last_export: r.last_export.map(Into::into),
            days_with_data: r.days_with_data,
        }
    }
}

// ---- free functions ----

/// Every Android notification channel to create at start-up: one per severity, plus monitoring.
#[uniffi::export]
pub fn notification_channels() -> Vec<NotificationChannelSpec> {
    vec(core::notification_channels())
}

/// Parses a `twitchwatch://` deep link (from a notification); unknown links open Today.
#[uniffi::export]
pub fn destination_from_deep_link(link: String) -> Destination {
    core::Destination::from_deep_link(&link).into()
}

#[uniffi::export]
pub fn destination_deep_link(destination: Destination) -> String {
    core::Destination::from(destination).deep_link()
}

// ---- the object ----

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
        Ok(self.0.start_destination(&permissions.into())?.into())
    }

    // onboarding
    pub fn onboarding(&self, permissions: PlatformPermissions) -> FfiResult<OnboardingState> {
        Ok(self.0.onboarding(&permissions.into())?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn accept_disclaimer(
        &self,
        permissions: PlatformPermissions,
        now_ms: Option<i64>,
    ) -> FfiResult<OnboardingState> {
        Ok(self
            .0
            .accept_disclaimer(&permissions.into(), at(now_ms))?
            .into())
    }
    pub fn set_demo_mode(
        &self,
        enabled: bool,
        permissions: PlatformPermissions,
    ) -> FfiResult<OnboardingState> {
        Ok(self.0.set_demo_mode(enabled, &permissions.into())?.into())
    }

    // pairing
    #[uniffi::method(default(now_ms = None))]
    pub fn pairing(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.pairing(at(now_ms))?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn start_scan(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.start_scan(at(now_ms))?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn stop_scan(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.stop_scan(at(now_ms))?.into())
    }
    pub fn on_advertisement(&self, advertisement: Advertisement) -> FfiResult<PairingState> {
        Ok(self.0.on_advertisement(advertisement.into())?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn pair(&self, device_id: String, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.pair(&device_id, at(now_ms))?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn forget_device(&self, now_ms: Option<i64>) -> FfiResult<PairingState> {
        Ok(self.0.forget_device(at(now_ms))?.into())
    }
    pub fn paired_gatt_plan(&self) -> FfiResult<Option<GattPlan>> {
        Ok(self.0.paired_gatt_plan()?.map(Into::into))
    }

    // today
    #[uniffi::method(default(now_ms = None))]
    pub fn today(&self, now_ms: Option<i64>) -> FfiResult<TodayState> {
        Ok(self.0.today(at(now_ms))?.into())
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
        Ok(self.0.start_replay_session(wearable, speed, now_ms)?.into())
    }
    /// Stops a simulated session; stores everything first (call off the main thread).
    #[uniffi::method(default(now_ms = None))]
    pub fn stop_session(&self, now_ms: Option<i64>) -> FfiResult<TodayState> {
        Ok(self.0.stop_session(at(now_ms))?.into())
    }
    /// The app's own BLE stack reports a connection change.
    pub fn report_connection(&self, state: ConnectionState) {
        self.0.report_connection(state);
    }
    pub fn report_battery(&self, percent: u8) {
        self.0.report_battery(percent);
    }
    pub fn live_events(&self) -> Vec<EventRow> {
        vec(self.0.live_events())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn monitoring_notification(&self, now_ms: Option<i64>) -> FfiResult<OngoingNotification> {
        Ok(self.0.monitoring_notification(at(now_ms))?.into())
    }

    // history
    #[uniffi::method(default(now_ms = None))]
    pub fn history(&self, range: HistoryRange, now_ms: Option<i64>) -> FfiResult<HistoryState> {
        Ok(self.0.history(range.into(), at(now_ms))?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn day_detail(&self, date: String, now_ms: Option<i64>) -> FfiResult<DayDetailState> {
        Ok(self.0.day_detail(&date, at(now_ms))?.into())
    }

    // alerts
    pub fn alerts(&self) -> FfiResult<AlertsState> {
        Ok(self.0.alerts()?.into())
    }
    pub fn alert_detail(&self, alert_id: String) -> FfiResult<AlertRow> {
        Ok(self.0.alert_detail(&alert_id)?.into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn acknowledge_alert(
        &self,
        alert_id: String,
        now_ms: Option<i64>,
    ) -> FfiResult<AlertsState> {
        Ok(self.0.acknowledge_alert(&alert_id, at(now_ms))?.into())
    }
    /// What to post for a stored alert (e.g. the one an `AlertListener` just heard about).
    pub fn notification_for(&self, alert_id: String) -> FfiResult<NotificationContent> {
        Ok(self.0.notification_for(&alert_id)?.into())
    }
    /// The daily background tick: runs the rules and returns what to post.
    #[uniffi::method(default(now_ms = None))]
    pub fn evaluate_alerts(&self, now_ms: Option<i64>) -> FfiResult<Vec<NotificationContent>> {
        Ok(vec(self.0.evaluate_alerts(at(now_ms))?))
    }

    // journal
    #[uniffi::method(default(now_ms = None))]
    pub fn journal(&self, date: Option<String>, now_ms: Option<i64>) -> FfiResult<JournalState> {
        Ok(self.0.journal(date.as_deref(), at(now_ms))?.into())
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
            .0
            .set_journal_value(&date, &key, &value, at(now_ms))?
            .into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn add_drink(
        &self,
        date: String,
        drink_key: String,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.0.add_drink(&date, &drink_key, at(now_ms))?.into())
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
            .add_medication(&date, &name, &class_key, started_on.as_deref(), at(now_ms))?
            .into())
    }
    #[uniffi::method(default(now_ms = None))]
    pub fn remove_medication(
        &self,
        date: String,
        index: u32,
        now_ms: Option<i64>,
    ) -> FfiResult<JournalState> {
        Ok(self.0.remove_medication(&date, index, at(now_ms))?.into())
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
    ) -> FfiResult<CheckInScreenOutcome> {
        Ok(self
            .0
            .record_checkin(&body_sites, &symptoms, &note, at(now_ms))?
            .into())
    }

    // report
    #[uniffi::method(default(now_ms = None))]
    pub fn report(&self, now_ms: Option<i64>) -> FfiResult<ReportState> {
        Ok(self.0.report(at(now_ms))?.into())
    }
    /// Writes the report/export file on the shared runtime's blocking pool; the caller never blocks.
    #[uniffi::method(default(now_ms = None))]
    pub async fn export_report(
        self: Arc<Self>,
        format: ScreenExportFormat,
        period_days: u32,
        path: String,
        now_ms: Option<i64>,
    ) -> FfiResult<ReportState> {
        let this = self.clone();
        let result = crate::runtime::blocking(move || {
            this.0
                .export_report(format.into(), period_days, &path, at(now_ms))
        })
        .await?;
        Ok(result?.into())
    }
}
