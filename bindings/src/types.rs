//! Mirror records of the core's plain data types, with `From` impls; UniFFI derives live here, never in core.
//! Times are milliseconds since the Unix epoch (UTC) as `i64`, named `*_ms`.

use twitchwatch_model as core;

/// The three involuntary movements TwitchWatch tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MotorEventKind {
    /// A brief involuntary twitch of one motor unit.
    Fasciculation,
    /// Rhythmic, oscillating movement.
    Tremor,
    /// A larger, sustained muscle contraction.
    Spasm,
}

impl From<core::MotorEventKind> for MotorEventKind {
    fn from(k: core::MotorEventKind) -> Self {
        match k {
            core::MotorEventKind::Fasciculation => Self::Fasciculation,
            core::MotorEventKind::Tremor => Self::Tremor,
            core::MotorEventKind::Spasm => Self::Spasm,
        }
    }
}

impl From<MotorEventKind> for core::MotorEventKind {
    fn from(k: MotorEventKind) -> Self {
        match k {
            MotorEventKind::Fasciculation => Self::Fasciculation,
            MotorEventKind::Tremor => Self::Tremor,
            MotorEventKind::Spasm => Self::Spasm,
        }
    }
}

/// One detected involuntary movement.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MotorEvent {
    pub kind: MotorEventKind,
    pub start_ms: i64,
    pub end_ms: i64,
    pub duration_ms: i64,
    /// Peak dynamic acceleration (gravity removed), in g.
    pub peak_accel_g: f32,
    /// Dominant frequency; tremor only.
    pub dominant_freq_hz: Option<f32>,
    /// 0…1: how sure the classifier is.
    pub confidence: f32,
}

impl From<core::MotorEvent> for MotorEvent {
    fn from(e: core::MotorEvent) -> Self {
        Self {
            kind: e.kind.into(),
            duration_ms: e.duration_ms(),
            start_ms: e.start_ms,
            end_ms: e.end_ms,
            peak_accel_g: e.peak_accel_g,
            dominant_freq_hz: e.dominant_freq_hz,
            confidence: e.confidence,
        }
    }
}

/// Fraction of a minute in each tremor severity; the six fields sum to 1 for a minute with data.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct TremorFractions {
    pub unknown: f32,
    pub none: f32,
    pub slight: f32,
    pub mild: f32,
    pub moderate: f32,
    pub strong: f32,
}

impl From<core::TremorFractions> for TremorFractions {
    fn from(t: core::TremorFractions) -> Self {
        Self {
            unknown: t.unknown,
            none: t.none,
            slight: t.slight,
            mild: t.mild,
            moderate: t.moderate,
            strong: t.strong,
        }
    }
}

/// Fractions of a minute the sensor was worn and still, worn and moving, not worn, or silent.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct WearFractions {
    pub at_rest: f32,
    pub moving: f32,
    pub not_worn: f32,
    pub no_data: f32,
}

impl From<core::WearFractions> for WearFractions {
    fn from(w: core::WearFractions) -> Self {
        Self {
            at_rest: w.at_rest,
            moving: w.moving,
            not_worn: w.not_worn,
            no_data: w.no_data,
        }
    }
}

/// One minute of monitoring, summarised.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MinuteSummary {
    pub minute_start_ms: i64,
    pub tremor: TremorFractions,
    pub wear: WearFractions,
    pub twitch_count: u32,
    pub spasm_seconds: f32,
    pub tremor_events: u32,
    pub samples_received: u32,
    pub samples_lost: u32,
}

impl From<core::MinuteSummary> for MinuteSummary {
    fn from(m: core::MinuteSummary) -> Self {
        Self {
            minute_start_ms: m.minute_start_ms,
            tremor: m.tremor.into(),
            wear: m.wear.into(),
            twitch_count: m.twitch_count,
            spasm_seconds: m.spasm_seconds,
            tremor_events: m.tremor_events,
            samples_received: m.samples_received,
            samples_lost: m.samples_lost,
        }
    }
}

/// The wearable's connection state, as a shell shows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConnectionState {
    Disconnected,
    Scanning,
    Connecting,
    Connected,
    Streaming,
    /// Lost the link; trying again.
    Reconnecting {
        attempt: u32,
        retry_in_ms: u64,
    },
}

impl From<core::ConnectionState> for ConnectionState {
    fn from(s: core::ConnectionState) -> Self {
        match s {
            core::ConnectionState::Disconnected => Self::Disconnected,
            core::ConnectionState::Scanning => Self::Scanning,
            core::ConnectionState::Connecting => Self::Connecting,
            core::ConnectionState::Connected => Self::Connected,
            core::ConnectionState::Streaming => Self::Streaming,
            core::ConnectionState::Reconnecting {
                attempt,
                retry_in_ms,
            } => Self::Reconnecting {
                attempt,
                retry_in_ms,
            },
        }
    }
}

impl From<ConnectionState> for core::ConnectionState {
    fn from(s: ConnectionState) -> Self {
        match s {
            ConnectionState::Disconnected => Self::Disconnected,
            ConnectionState::Scanning => Self::Scanning,
            ConnectionState::Connecting => Self::Connecting,
            ConnectionState::Connected => Self::Connected,
            ConnectionState::Streaming => Self::Streaming,
            ConnectionState::Reconnecting {
                attempt,
                retry_in_ms,
            } => Self::Reconnecting {
                attempt,
                retry_in_ms,
            },
        }
    }
}

/// Counters a stream keeps so that a user can see what was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct StreamStats {
    pub frames_ok: u64,
    pub frames_rejected: u64,
    pub frames_duplicate: u64,
    pub frames_reordered: u64,
    pub frames_missing: u64,
    pub samples_ok: u64,
    pub samples_lost: u64,
    pub reconnects: u64,
}

impl From<core::StreamStats> for StreamStats {
    fn from(s: core::StreamStats) -> Self {
        Self {
            frames_ok: s.frames_ok,
            frames_rejected: s.frames_rejected,
            frames_duplicate: s.frames_duplicate,
            frames_reordered: s.frames_reordered,
            frames_missing: s.frames_missing,
            samples_ok: s.samples_ok,
            samples_lost: s.samples_lost,
            reconnects: s.reconnects,
        }
    }
}

/// Which wire protocol a wearable speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DeviceProtocol {
    /// TwitchWatch's own open protocol.
    TwitchWatchV1,
    /// Polar Measurement Data (Verity Sense, OH1, H10).
    PolarPmd,
}

impl From<core::DeviceProtocol> for DeviceProtocol {
    fn from(p: core::DeviceProtocol) -> Self {
        match p {
            core::DeviceProtocol::TwitchWatchV1 => Self::TwitchWatchV1,
            core::DeviceProtocol::PolarPmd => Self::PolarPmd,
        }
    }
}

impl From<DeviceProtocol> for core::DeviceProtocol {
    fn from(p: DeviceProtocol) -> Self {
        match p {
            DeviceProtocol::TwitchWatchV1 => Self::TwitchWatchV1,
            DeviceProtocol::PolarPmd => Self::PolarPmd,
        }
    }
}

/// The one wearable the user chose; data is accepted only from it.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PairedDevice {
    /// Platform id (Android MAC, CoreBluetooth UUID, BlueZ address).
    pub id: String,
    pub name: String,
    pub protocol: DeviceProtocol,
    pub sample_rate_hz: u16,
    pub with_gyro: bool,
    pub paired_at_ms: i64,
}

impl From<core::PairedDevice> for PairedDevice {
    fn from(d: core::PairedDevice) -> Self {
        Self {
            id: d.id,
            name: d.name,
            protocol: d.protocol.into(),
            sample_rate_hz: d.sample_rate_hz,
            with_gyro: d.with_gyro,
            paired_at_ms: d.paired_at_ms,
        }
    }
}

impl From<PairedDevice> for core::PairedDevice {
    fn from(d: PairedDevice) -> Self {
        Self {
            id: d.id,
            name: d.name,
            protocol: d.protocol.into(),
            sample_rate_hz: d.sample_rate_hz,
            with_gyro: d.with_gyro,
            paired_at_ms: d.paired_at_ms,
        }
    }
}

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
            stream: s.stream.into(),
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
            protocol: r.protocol.into(),
        }
    }
}
