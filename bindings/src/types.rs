//! Records that exist only at the FFI: what a call returns that no core type holds as is.
//! Times are milliseconds since the Unix epoch (UTC) as `i64`, named `*_ms`.

use twitchwatch_model::DeviceProtocol;

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
    /// The 32-byte data key the store is encrypted under, from the shell's keystore (Android:
    /// wrapped by an Android Keystore key; iOS: the Keychain, this device only, after first unlock).
    /// Make one with `generateDataKey()` on first start. `null` opens an unencrypted store: tests and
    /// demo builds only, never a shipped app. A plaintext store opened with a key is encrypted once.
    #[uniffi(default = None)]
    pub data_key: Option<Vec<u8>>,
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
