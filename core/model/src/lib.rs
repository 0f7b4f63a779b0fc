//! Plain data types that flow between the stages (device → classify → store → rules → alerts).
//! A stage knows the one before it only through these types, never through its internals.

use serde::{Deserialize, Serialize};

pub mod names;
#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

/// Milliseconds since the Unix epoch (UTC). Offline recordings start at 0.
pub type TimestampMs = i64;

/// A run of evenly spaced samples from one sensor, already decoded and scaled to physical units.
///
/// Every source (our wearable's frames, Polar PMD, the simulator, a CSV file) produces this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SensorBatch {
    /// Time of the first sample, microseconds since the Unix epoch (or since the start of a recording).
    pub first_sample_us: i64,
    /// Nominal sample rate of this batch.
    pub sample_rate_hz: f32,
    /// Accelerometer samples (x, y, z) in g, gravity included.
    pub accel_g: Vec<[f32; 3]>,
    /// Gyroscope samples (x, y, z) in degrees per second; empty when the sensor sends none,
    /// otherwise the same length as `accel_g`.
    pub gyro_dps: Vec<[f32; 3]>,
    /// Samples known to be missing immediately before this batch (sequence gaps, link loss).
    pub samples_lost_before: u32,
}

impl SensorBatch {
    pub fn len(&self) -> usize {
        self.accel_g.len()
    }

    pub fn is_empty(&self) -> bool {
        self.accel_g.is_empty()
    }

    pub fn has_gyro(&self) -> bool {
        !self.gyro_dps.is_empty()
    }

    /// Time of sample `i` in microseconds. Saturates at the ends of `i64`: a batch stamped near them
    /// comes from a broken or hostile peer, and the time guard drops it as out of time rather than
    /// anything panicking on the way there.
    pub fn sample_time_us(&self, i: usize) -> i64 {
        self.first_sample_us
            .saturating_add((i as f64 * 1e6 / self.sample_rate_hz as f64).round() as i64)
    }
}

/// The three involuntary movements the product tells apart (seed: "This flutter should be
/// distinguished from a tremor … or a spasm").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::Display, strum::EnumString, strum::IntoStaticStr, strum::VariantArray)]
#[strum(
    serialize_all = "snake_case",
    parse_err_ty = String,
    parse_err_fn = unknown_event_kind
)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MotorEventKind {
    /// A brief involuntary twitch of one motor unit.
    #[strum(to_string = "fasciculation", serialize = "twitch")]
    Fasciculation,
    /// Rhythmic, oscillating movement.
    Tremor,
    /// A larger, sustained muscle contraction.
    Spasm,
}

impl MotorEventKind {
    pub const ALL: &'static [MotorEventKind] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn unknown_event_kind(given: &str) -> String {
    format!("unknown event kind '{given}': use fasciculation, tremor or spasm")
}

/// One detected involuntary movement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MotorEvent {
    pub kind: MotorEventKind,
    pub start_ms: TimestampMs,
    pub end_ms: TimestampMs,
    /// Peak dynamic acceleration (gravity removed) during the event, in g.
    pub peak_accel_g: f32,
    /// Dominant frequency; set for tremor only.
    pub dominant_freq_hz: Option<f32>,
    /// 0..=1: how sure the classifier is (see docs/classifier.md).
    pub confidence: f32,
}

impl MotorEvent {
    pub fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }
}

/// Fraction of a minute in each tremor severity, in the style of Apple's Movement Disorder API.
/// The six fields sum to 1 for a minute with data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TremorFractions {
    /// The arm moved, the sensor was off, or the signal was too weak to judge.
    pub unknown: f32,
    pub none: f32,
    pub slight: f32,
    pub mild: f32,
    pub moderate: f32,
    pub strong: f32,
}

impl TremorFractions {
    /// Fraction of the minute with tremor of any severity.
    pub fn any_tremor(&self) -> f32 {
        self.slight + self.mild + self.moderate + self.strong
    }

    pub fn total(&self) -> f32 {
        self.unknown + self.none + self.any_tremor()
    }
}

/// Fractions of a minute the sensor was worn and still, worn and moving, or not worn / no data.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct WearFractions {
    pub at_rest: f32,
    pub moving: f32,
    pub not_worn: f32,
    /// No samples arrived (link loss, gaps).
    pub no_data: f32,
}

/// One minute of monitoring, summarised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MinuteSummary {
    /// Start of the minute (a multiple of 60 000 ms).
    pub minute_start_ms: TimestampMs,
    pub tremor: TremorFractions,
    pub wear: WearFractions,
    /// Fasciculations that started in this minute.
    pub twitch_count: u32,
    /// Seconds of this minute covered by spasm events.
    pub spasm_seconds: f32,
    /// Tremor events that started in this minute.
    pub tremor_events: u32,
    /// Samples received and samples known to be lost in this minute.
    pub samples_received: u32,
    pub samples_lost: u32,
}

/// A ground-truth label from the simulator, used by tests and the evaluation harness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelledEvent {
    pub kind: MotorEventKind,
    pub start_ms: TimestampMs,
    pub end_ms: TimestampMs,
    /// Peak amplitude the simulator injected, in g.
    pub amplitude_g: f32,
    /// For tremor, the injected frequency.
    pub freq_hz: Option<f32>,
}

/// What the arm was doing voluntarily, as labelled by the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Rest,
    Typing,
    Writing,
    Walking,
    Reaching,
    NotWorn,
}

/// The connection state of a wearable, as a shell shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ConnectionState {
    Disconnected,
    Scanning,
    Connecting,
    Connected,
    Streaming,
    /// Lost the link; trying again (attempt number, next try in ms).
    Reconnecting {
        attempt: u32,
        retry_in_ms: u64,
    },
}

/// Counters a stream keeps so that a user can see what was lost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct StreamStats {
    pub frames_ok: u64,
    pub frames_rejected: u64,
    pub frames_duplicate: u64,
    pub frames_reordered: u64,
    pub frames_missing: u64,
    pub samples_ok: u64,
    pub samples_lost: u64,
    pub reconnects: u64,
    /// Samples dropped because their times were impossible: later than their notification arrived,
    /// far earlier, or at times the stream had already delivered (a clock that jumped, a peer that
    /// stamps its frames wrongly). None of them reached the history.
    #[serde(default)]
    pub samples_dropped_time: u64,
    /// Samples dropped beyond what the configured rate allows over the time that really passed (a
    /// peripheral sending faster than it was asked to).
    #[serde(default)]
    pub samples_dropped_rate: u64,
    /// Samples dropped because the app fell behind the stream and its queue of batches was full
    /// (they are also counted as lost before the next batch delivered).
    #[serde(default)]
    pub samples_dropped_backlog: u64,
}

/// Which wire protocol a wearable speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum DeviceProtocol {
    /// Our own open protocol (docs/protocol.md).
    #[strum(to_string = "twitchwatch-v1")]
    TwitchWatchV1,
    /// Polar Measurement Data (Verity Sense, OH1, H10).
    #[strum(to_string = "polar-pmd")]
    PolarPmd,
}

impl DeviceProtocol {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// A simulated wearable's built-in scenario, as a demo-mode picker lists it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ScenarioInfo {
    pub name: String,
    pub description: String,
    pub duration_s: f64,
}

/// A wearable seen by a Bluetooth scan.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DiscoveredDevice {
    pub id: String,
    pub name: String,
    pub rssi: Option<i16>,
    /// From advertised 0x180F service data, when the device sends it.
    pub battery_percent: Option<u8>,
    pub protocol: DeviceProtocol,
}

/// The one wearable the user chose; the core accepts data only from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairedDevice {
    /// Platform id (BlueZ address, CoreBluetooth UUID, Android MAC) as a string.
    pub id: String,
    pub name: String,
    pub protocol: DeviceProtocol,
    pub sample_rate_hz: u16,
    pub with_gyro: bool,
    pub paired_at_ms: TimestampMs,
}

/// How strongly an alert asks the user to act: info, advice, see-a-doctor, urgent.
/// Shared by rules, alerts, the screens' notification content and the bindings; ordered by urgency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlertSeverity {
    Info,
    Advice,
    SeeADoctor,
    Urgent,
}

impl AlertSeverity {
    pub const ALL: &'static [AlertSeverity] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}
