//! Today / live: the connection, battery and today's counts, the latest events and an hourly chart.
//! Live status is followed by a `MonitorListener`; counts always come from the store, so they survive restarts.

use std::collections::VecDeque;

use super::format::{clock_label, count_label, day_label, duration_label, kind_label, round1};
use super::history::{hour_buckets, HourBucket};
use super::{lock, AlertRow, ScreenError, ScreenModel};
use crate::monitor::{MonitorError, MonitorListener, SessionSummary};
use twitchwatch_device::replay::FrameSource;
use twitchwatch_model::{ConnectionState, MotorEvent, MotorEventKind, StreamStats, TimestampMs};
use twitchwatch_store::{local_date, start_of_day_ms};

/// Rows in "latest events".
pub const RECENT_EVENTS: usize = 10;
/// Below this the battery shows as low (the wearable may stop streaming soon).
pub const LOW_BATTERY_PERCENT: u8 = 15;
/// Twitches per worn hour are shown only after this much wear (fewer minutes say nothing).
const MIN_WORN_MINUTES_FOR_RATE: f32 = 30.0;

/// What the monitor (or the shell's own BLE code) last said about the session.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveStatus {
    pub connection: ConnectionState,
    pub battery_percent: Option<u8>,
    pub stream: StreamStats,
    /// 0..=1 for a simulated session of known length.
    pub progress: Option<f32>,
    pub session_running: bool,
    pub last_session: Option<SessionSummary>,
    pub last_error: Option<String>,
}

#[derive(Debug)]
struct LiveInner {
    connection: ConnectionState,
    battery_percent: Option<u8>,
    stream: StreamStats,
    progress: Option<f32>,
    recent: VecDeque<MotorEvent>,
    last_session: Option<SessionSummary>,
    last_error: Option<String>,
}

impl Default for LiveInner {
    fn default() -> Self {
        LiveInner {
            connection: ConnectionState::Disconnected,
            battery_percent: None,
            stream: StreamStats::default(),
            progress: None,
            recent: VecDeque::new(),
            last_session: None,
            last_error: None,
        }
    }
}

/// Follows a monitor's sessions. Registered by [`ScreenModel::new`].
#[derive(Debug, Default)]
pub(crate) struct LiveTracker {
    inner: std::sync::Mutex<LiveInner>,
}

impl LiveTracker {
    pub(crate) fn snapshot(&self, session_running: bool) -> LiveStatus {
        let g = lock(&self.inner);
        LiveStatus {
            connection: g.connection.clone(),
            battery_percent: g.battery_percent,
            stream: g.stream,
            progress: g.progress,
            session_running,
            last_session: g.last_session.clone(),
            last_error: g.last_error.clone(),
        }
    }

    fn set_connection(&self, state: &ConnectionState) {
        lock(&self.inner).connection = state.clone();
    }

    fn set_battery(&self, percent: u8) {
        lock(&self.inner).battery_percent = Some(percent.min(100));
    }
}

impl MonitorListener for LiveTracker {
    fn on_event(&self, event: &MotorEvent) {
        let mut g = lock(&self.inner);
        g.recent.push_back(event.clone());
        while g.recent.len() > RECENT_EVENTS {
            g.recent.pop_front();
        }
    }

    fn on_connection(&self, state: &ConnectionState) {
        self.set_connection(state);
    }

    fn on_battery(&self, percent: u8) {
        self.set_battery(percent);
    }

    fn on_progress(&self, stats: &StreamStats, fraction_done: Option<f32>) {
        let mut g = lock(&self.inner);
        g.stream = *stats;
        g.progress = fraction_done.filter(|f| f.is_finite());
    }

    fn on_session_end(&self, summary: &SessionSummary, error: Option<&MonitorError>) {
        let mut g = lock(&self.inner);
        g.last_session = Some(summary.clone());
        g.last_error = error.map(MonitorError::to_string);
        g.progress = None;
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ConnectionView {
    pub state: ConnectionState,
    pub label: String,
    /// E.g. "Retrying in 4 s (attempt 3)".
    pub detail: Option<String>,
    /// Data is flowing right now.
    pub is_live: bool,
}

impl ConnectionView {
    pub(crate) fn of(state: &ConnectionState) -> ConnectionView {
        let (label, detail) = match state {
            ConnectionState::Disconnected => ("Not connected", None),
            ConnectionState::Scanning => ("Looking for your wearable", None),
            ConnectionState::Connecting => ("Connecting", None),
            ConnectionState::Connected => ("Connected", None),
            ConnectionState::Streaming => ("Monitoring", None),
            ConnectionState::Reconnecting {
                attempt,
                retry_in_ms,
            } => (
                "Connection lost",
                Some(format!(
                    "Retrying in {} s (attempt {attempt})",
                    retry_in_ms.div_ceil(1000)
                )),
            ),
        };
        ConnectionView {
            state: state.clone(),
            label: label.into(),
            detail,
            is_live: *state == ConnectionState::Streaming,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TodayCounts {
    pub twitches: u32,
    pub tremor_minutes: f64,
    pub spasm_seconds: f64,
    pub worn_minutes: f64,
    /// `None` until the sensor has been worn long enough for a rate to mean something.
    pub twitches_per_worn_hour: Option<f64>,
    pub twitches_label: String,
    pub tremor_label: String,
    pub spasm_label: String,
    pub worn_label: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EventRow {
    pub kind: MotorEventKind,
    pub kind_label: String,
    pub time_label: String,
    pub start_ms: TimestampMs,
    pub duration_label: String,
    /// "Peak 12 mg", "5.1 Hz, peak 40 mg".
    pub detail: String,
}

impl EventRow {
    pub(crate) fn of(tz: &jiff::tz::TimeZone, e: &MotorEvent) -> EventRow {
        let peak_mg = f64::from(e.peak_accel_g) * 1000.0;
        let detail = match e.dominant_freq_hz {
            Some(f) if f.is_finite() => format!("{f:.1} Hz, peak {peak_mg:.0} mg"),
            _ => format!("Peak {peak_mg:.0} mg"),
        };
        EventRow {
            kind: e.kind,
            kind_label: kind_label(e.kind).into(),
            time_label: clock_label(tz, e.start_ms),
            start_ms: e.start_ms,
            duration_label: duration_label(e.duration_ms().max(0) as f64 / 1000.0),
            detail,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TodayState {
    pub date_label: String,
    pub connection: ConnectionView,
    pub device_name: Option<String>,
    pub demo_mode: bool,
    /// A session runs (simulated, or the shell reports a live connection).
    pub monitoring: bool,
    pub battery_percent: Option<u8>,
    pub battery_low: bool,
    pub counts: TodayCounts,
    /// 24 buckets, local hours of today.
    pub hourly: Vec<HourBucket>,
    /// Newest first.
    pub recent_events: Vec<EventRow>,
    /// "99.7% of samples received" once data has arrived today.
    pub data_quality_label: Option<String>,
    /// The most severe unacknowledged alert, as a banner.
    pub top_alert: Option<AlertRow>,
    /// "Start monitoring" / "Stop monitoring" / "Pair a wearable".
    pub primary_action_label: String,
    /// What the primary button does; the shell acts on this, never on the label.
    pub primary_action: TodayAction,
    /// "TW-1 · Streaming · Battery 80%": the device, its connection and battery in one line.
    pub status_line: String,
    /// The headline tiles in the order shown: twitches, tremor, spasm, wear.
    pub tiles: Vec<TodayTile>,
    /// The hourly chart's heading and its axes.
    pub hourly_title: String,
    pub hour_axis_label: String,
    pub twitch_axis_label: String,
    /// The heading over `recent_events`.
    pub recent_title: String,
    pub last_error: Option<String>,
}

/// One headline number of Today.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TodayTile {
    /// "Twitches"
    pub title: String,
    /// "12 twitches"
    pub value: String,
}

/// What Today's primary button does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum TodayAction {
    /// A session runs: end it.
    StopMonitoring,
    /// Connect to the paired wearable and monitor.
    StartMonitoring,
    /// Demo mode without a paired wearable: start the simulated one.
    StartDemo,
    /// Nothing to monitor with yet: open pairing.
    PairWearable,
}

impl ScreenModel {
    /// A wearable's stream reaches the core now (a session of the core's own, or the shell's
    /// connection streaming): what a tremor task needs.
    pub(crate) fn wearable_streaming(&self) -> bool {
        let live = self.live_status();
        live.session_running || live.connection == ConnectionState::Streaming
    }

    pub fn today(&self, now_ms: TimestampMs) -> Result<TodayState, ScreenError> {
        let store = self.store();
        let tz = store.time_zone();
        let date = local_date(&tz, now_ms);
        let start = start_of_day_ms(&tz, date);
        let end = date
            .tomorrow()
            .map(|d| start_of_day_ms(&tz, d))
            .unwrap_or(i64::MAX);
        let day = store
            .daily_summaries(date, date, &tz)?
            .into_iter()
            .next()
            .unwrap_or_else(|| twitchwatch_store::DaySummary::empty(date));
        let minutes = store.minutes_in_range(start, end)?;
        let events = store.events_in_range(start, end)?;
        let live = self.live_status();
        let paired = store.paired_device()?;
        let demo_mode = self.demo_mode()?;

        let recent_events = events
            .iter()
            .rev()
            .take(RECENT_EVENTS)
            .map(|e| EventRow::of(&tz, e))
            .collect();
        let received = day.samples_received;
        let lost = day.samples_lost;
        let data_quality_label = (received + lost > 0).then(|| {
            format!(
                "{:.1}% of samples received",
                received as f64 * 100.0 / (received + lost) as f64
            )
        });
        let counts = TodayCounts {
            twitches: day.twitch_count,
            tremor_minutes: round1(f64::from(day.tremor_minutes)),
            spasm_seconds: round1(f64::from(day.spasm_seconds)),
            worn_minutes: round1(f64::from(day.worn_minutes)),
            twitches_per_worn_hour: day
                .twitches_per_worn_hour(MIN_WORN_MINUTES_FOR_RATE)
                .map(round1),
            twitches_label: count_label(u64::from(day.twitch_count), "twitch", "twitches"),
            tremor_label: format!(
                "{} of tremor",
                duration_label(f64::from(day.tremor_minutes) * 60.0)
            ),
            spasm_label: format!("{} of spasm", duration_label(f64::from(day.spasm_seconds))),
            worn_label: format!(
                "Worn {}",
                duration_label(f64::from(day.worn_minutes) * 60.0)
            ),
        };
        let monitoring = live.session_running
            || matches!(
                live.connection,
                ConnectionState::Streaming
                    | ConnectionState::Connected
                    | ConnectionState::Connecting
                    | ConnectionState::Reconnecting { .. }
            );
        let primary_action = if monitoring {
            TodayAction::StopMonitoring
        } else if paired.is_some() {
            TodayAction::StartMonitoring
        } else if demo_mode {
            TodayAction::StartDemo
        } else {
            TodayAction::PairWearable
        };
        let primary_action_label = match primary_action {
            TodayAction::StopMonitoring => "Stop monitoring",
            TodayAction::StartMonitoring | TodayAction::StartDemo => "Start monitoring",
            TodayAction::PairWearable => "Pair a wearable",
        };
        let connection = ConnectionView::of(&live.connection);
        let device_name = if demo_mode && paired.is_none() {
            Some("Simulated sensor (demo)".to_string())
        } else {
            paired.map(|p| p.name)
        };
        let status_line = [
            device_name.clone(),
            Some(connection.label.clone()),
            connection.detail.clone(),
            live.battery_percent.map(|b| format!("Battery {b}%")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
        let tiles = [
            ("Twitches", &counts.twitches_label),
            ("Tremor", &counts.tremor_label),
            ("Spasm", &counts.spasm_label),
            ("Wear", &counts.worn_label),
        ]
        .into_iter()
        .map(|(title, value)| TodayTile {
            title: title.into(),
            value: value.clone(),
        })
        .collect();
        Ok(TodayState {
            date_label: day_label(date),
            connection,
            device_name,
            demo_mode,
            monitoring,
            battery_percent: live.battery_percent,
            battery_low: live
                .battery_percent
                .is_some_and(|b| b < LOW_BATTERY_PERCENT),
            counts,
            hourly: hour_buckets(&tz, date, &minutes),
            recent_events,
            data_quality_label,
            top_alert: self.top_alert()?,
            primary_action_label: primary_action_label.into(),
            primary_action,
            status_line,
            tiles,
            hourly_title: "By hour".into(),
            hour_axis_label: "Hour".into(),
            twitch_axis_label: "Twitches".into(),
            recent_title: "Latest".into(),
            last_error: live.last_error,
        })
    }

    /// Demo mode and replays: streams `source` (the shell builds it, e.g. the lab's simulated
    /// wearable) at `speed` source seconds per second (1 = real time, 0 = as fast as possible).
    pub fn start_replay_session(
        &self,
        source: Box<dyn FrameSource>,
        speed: f32,
        now_ms: TimestampMs,
    ) -> Result<TodayState, ScreenError> {
        lock(&self.live.inner).last_error = None;
        self.monitor.start_replay(source, speed)?;
        self.today(now_ms)
    }

    /// Stops a running replayed or simulated session (stores everything first).
    pub fn stop_session(&self, now_ms: TimestampMs) -> Result<TodayState, ScreenError> {
        self.monitor.stop();
        self.today(now_ms)
    }

    /// Shell-managed BLE: the platform's connection changed (the core's own sessions report themselves).
    pub fn report_connection(&self, state: ConnectionState) {
        self.live.set_connection(&state);
    }

    /// Shell-managed BLE: the Battery Level characteristic's value.
    pub fn report_battery(&self, percent: u8) {
        self.live.set_battery(percent);
    }

    /// Live events of the running session, newest first (the core's sessions only).
    pub fn live_events(&self) -> Vec<EventRow> {
        let tz = self.store().time_zone();
        lock(&self.live.inner)
            .recent
            .iter()
            .rev()
            .map(|e| EventRow::of(&tz, e))
            .collect()
    }
}
