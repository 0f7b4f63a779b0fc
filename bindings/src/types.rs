//! Records that exist only at the FFI: what a call returns that no core type holds as is.
//! Times are milliseconds since the Unix epoch (UTC) as `i64`, named `*_ms`.

use twitchwatch_model::{DeviceProtocol, StreamStats};

/// One local calendar day of history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DaySummary {
    /// YYYY-MM-DD in the store's time zone.
    pub date: String,
    pub twitch_count: u32,
    /// Minutes with tremor of any severity.
    pub tremor_minutes: f32,
    pub tremor_episodes: u32,
    pub tremor_episode_seconds: f32,
    pub longest_tremor_seconds: f32,
    pub spasm_seconds: f32,
    pub spasm_events: u32,
    /// Minutes the sensor was worn.
    pub worn_minutes: f32,
    pub minutes_recorded: u32,
    pub samples_received: u64,
    pub samples_lost: u64,
}

impl From<twitchwatch_store::DaySummary> for DaySummary {
    fn from(d: twitchwatch_store::DaySummary) -> Self {
        Self {
            date: crate::dates::format_date(d.date),
            twitch_count: d.twitch_count,
            tremor_minutes: d.tremor_minutes,
            tremor_episodes: d.tremor_episodes,
            tremor_episode_seconds: d.tremor_episode_seconds,
            longest_tremor_seconds: d.longest_tremor_seconds,
            spasm_seconds: d.spasm_seconds,
            spasm_events: d.spasm_events,
            worn_minutes: d.worn_minutes,
            minutes_recorded: d.minutes_recorded,
            samples_received: d.samples_received,
            samples_lost: d.samples_lost,
        }
    }
}

/// The first and last local day with data.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DateSpan {
    pub first: String,
    pub last: String,
}

/// How many records the store holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct StoreCounts {
    pub events: u64,
    pub minutes: u64,
    pub days: u64,
    pub journal_days: u64,
    pub checkins: u64,
    pub alerts: u64,
    pub raw_batches: u64,
}

impl From<twitchwatch_store::StoreCounts> for StoreCounts {
    fn from(c: twitchwatch_store::StoreCounts) -> Self {
        Self {
            events: c.events as u64,
            minutes: c.minutes as u64,
            days: c.days as u64,
            journal_days: c.journal_days as u64,
            checkins: c.checkins as u64,
            alerts: c.alerts as u64,
            raw_batches: c.raw_batches as u64,
        }
    }
}

/// User settings, stored with the history.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Settings {
    /// Days of history to keep (7…3650); `null` keeps everything.
    #[uniffi(default = None)]
    pub retention_days: Option<u32>,
    /// IANA time zone defining the user's calendar days (e.g. `Europe/Berlin`); `null` follows the system.
    #[uniffi(default = None)]
    pub time_zone: Option<String>,
}

/// How to open the store; every field has a sensible default.
#[derive(Debug, Clone, Default, PartialEq, uniffi::Record)]
pub struct OpenOptions {
    /// Keep raw sensor samples (large: ~2 MB per hour at 100 Hz).
    #[uniffi(default = false)]
    pub keep_raw_samples: bool,
    /// Default retention when the user has not chosen one.
    #[uniffi(default = None)]
    pub retention_days: Option<u32>,
}

/// Totals of one monitoring session, given when it ends.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct SessionSummary {
    pub started_ms: i64,
    pub ended_ms: i64,
    pub samples: u64,
    pub minutes: u32,
    pub fasciculations: u32,
    pub tremor_events: u32,
    pub tremor_seconds: f32,
    pub spasm_events: u32,
    pub spasm_seconds: f32,
    pub stream: StreamStats,
    /// Alerts raised or escalated during the session.
    pub alerts: u32,
}

impl From<&twitchwatch_app::monitor::SessionSummary> for SessionSummary {
    fn from(s: &twitchwatch_app::monitor::SessionSummary) -> Self {
        Self {
            started_ms: s.started_ms,
            ended_ms: s.ended_ms,
            samples: s.samples,
            minutes: s.minutes,
            fasciculations: s.fasciculations,
            tremor_events: s.tremor_events,
            tremor_seconds: s.tremor_seconds,
            spasm_events: s.spasm_events,
            spasm_seconds: s.spasm_seconds,
            stream: s.stream,
            alerts: s.alerts,
        }
    }
}

/// A built-in simulator scenario (demo mode).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    pub duration_s: f64,
}

/// A wearable seen by a desktop scan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DiscoveredDevice {
    pub id: String,
    pub name: String,
    pub rssi: Option<i16>,
    pub battery_percent: Option<u8>,
    pub protocol: DeviceProtocol,
}

#[cfg(target_os = "linux")]
impl From<twitchwatch_device::link::ScanResult> for DiscoveredDevice {
    fn from(r: twitchwatch_device::link::ScanResult) -> Self {
        Self {
            id: r.id,
            name: r.name,
            rssi: r.rssi,
            battery_percent: r.battery_percent,
            protocol: r.protocol,
        }
    }
}
