//! Pairing: the shell scans with its own Bluetooth stack and hands every advertisement to the core,
//! which decides what is a supported wearable, how to list it, and at which rate to pair it. Once paired,
//! the shell drives the device's GATT session (`paired_gatt_session`), which knows the dialogue.

use std::collections::BTreeMap;

use super::format::moment_label;
use super::{lock, ScreenError, ScreenModel};
use twitchwatch_device::polar::{HEART_RATE_SERVICE_UUID16, PMD_SERVICE_UUID, POLAR_NAME_PREFIX};
use twitchwatch_device::protocol::{parse_uuid, sig_uuid, uuid_string, SERVICE_UUID};
use twitchwatch_device::session::{GattSession, SessionConfig};
use twitchwatch_model::{DeviceProtocol, PairedDevice, TimestampMs};

/// A scan stops by itself after this long (saves battery; the user can search again).
pub const SCAN_TIMEOUT_MS: i64 = 30_000;
/// A device not heard from for this long drops off the list (switched off, out of range).
pub const CANDIDATE_STALE_MS: i64 = 15_000;
/// What we ask our wearable for: the classifier is tuned for 200 Hz with the gyroscope.
pub const V1_SAMPLE_RATE_HZ: u16 = 200;
/// What we ask a Polar sensor for: the Verity Sense rate nearest the classifier's 200 Hz. It is an SDK
/// mode rate (normal mode streams 52 Hz only), so the session starts SDK mode before the measurements.
pub const POLAR_SAMPLE_RATE_HZ: u16 = 208;
/// CoreBluetooth state restoration identifier (the iOS shell passes it to CBCentralManager).
pub const IOS_RESTORE_IDENTIFIER: &str = "org.twitchwatch.central";

/// One advertisement as the platform reported it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Advertisement {
    /// Platform id: Android MAC address, CoreBluetooth peripheral UUID.
    pub id: String,
    pub name: Option<String>,
    pub rssi_dbm: Option<i16>,
    /// Advertised service UUIDs, in any form the platform prints (full or 16-bit).
    pub service_uuids: Vec<String>,
    pub seen_at_ms: TimestampMs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SignalStrength {
    Strong,
    Fair,
    Weak,
    Unknown,
}

impl SignalStrength {
    fn from_rssi(rssi: Option<i16>) -> SignalStrength {
        match rssi {
            Some(r) if r >= -60 => SignalStrength::Strong,
            Some(r) if r >= -75 => SignalStrength::Fair,
            Some(_) => SignalStrength::Weak,
            None => SignalStrength::Unknown,
        }
    }

    fn label(self) -> &'static str {
        match self {
            SignalStrength::Strong => "Strong signal",
            SignalStrength::Fair => "Fair signal",
            SignalStrength::Weak => "Weak signal: move closer",
            SignalStrength::Unknown => "Signal unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DeviceCandidate {
    pub id: String,
    pub name: String,
    pub protocol: DeviceProtocol,
    pub protocol_label: String,
    pub signal: SignalStrength,
    pub signal_label: String,
    pub rssi_dbm: Option<i16>,
    /// Whether the phone apps can stream from it.
    pub can_pair: bool,
    /// Why not, when `can_pair` is false.
    pub note: Option<String>,
    pub is_paired: bool,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairedDeviceView {
    pub id: String,
    pub name: String,
    pub protocol_label: String,
    pub paired_since_label: String,
    /// The rate the session asks the sensor for.
    pub sample_rate_hz: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum PairingPhase {
    /// Not scanning; nothing paired.
    Idle,
    Scanning,
    /// Not scanning; a wearable is paired.
    Paired,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PairingState {
    pub phase: PairingPhase,
    /// Supported wearables heard recently, strongest signal first.
    pub candidates: Vec<DeviceCandidate>,
    pub paired: Option<PairedDeviceView>,
    /// Bluetooth devices heard that are not wearables we know (shown as a count, not a list).
    pub other_devices_nearby: u32,
    pub message: String,
    /// Scan filter for the shell (Android ScanFilter / iOS scanForPeripherals(withServices:)): any
    /// one of these services lists a device. Empty: scan unfiltered.
    pub scan_service_uuids: Vec<String>,
    pub scan_timeout_ms: i64,
}

struct Seen {
    adv: Advertisement,
    protocol: DeviceProtocol,
}

#[derive(Default)]
pub(crate) struct ScanBook {
    started_at_ms: Option<TimestampMs>,
    stopped: bool,
    seen: BTreeMap<String, Seen>,
    others: BTreeMap<String, TimestampMs>,
}

impl ScanBook {
    fn scanning(&self, now_ms: TimestampMs) -> bool {
        !self.stopped
            && self
                .started_at_ms
                .is_some_and(|t| now_ms.saturating_sub(t) < SCAN_TIMEOUT_MS)
    }
}

fn recognise(adv: &Advertisement) -> Option<DeviceProtocol> {
    let services: Vec<u128> = adv
        .service_uuids
        .iter()
        .filter_map(|u| parse_uuid(u.trim()))
        .collect();
    if services.contains(&SERVICE_UUID) {
        return Some(DeviceProtocol::TwitchWatchV1);
    }
    let polar_name = adv
        .name
        .as_deref()
        .is_some_and(|n| n.trim_start().starts_with(POLAR_NAME_PREFIX));
    if services.contains(&PMD_SERVICE_UUID) || polar_name {
        return Some(DeviceProtocol::PolarPmd);
    }
    None
}

fn protocol_label(p: DeviceProtocol) -> &'static str {
    match p {
        DeviceProtocol::TwitchWatchV1 => "TwitchWatch sensor",
        DeviceProtocol::PolarPmd => "Polar sensor",
    }
}

/// The rate a new pairing asks `protocol`'s sensors for.
fn pairing_rate_hz(protocol: DeviceProtocol) -> u16 {
    match protocol {
        DeviceProtocol::TwitchWatchV1 => V1_SAMPLE_RATE_HZ,
        DeviceProtocol::PolarPmd => POLAR_SAMPLE_RATE_HZ,
    }
}

impl ScreenModel {
    pub fn pairing(&self, now_ms: TimestampMs) -> Result<PairingState, ScreenError> {
        let paired = self.store().paired_device()?;
        let tz = self.store().time_zone();
        let book = lock(&self.scan);
        let scanning = book.scanning(now_ms);
        let mut candidates: Vec<DeviceCandidate> = book
            .seen
            .values()
            .filter(|s| now_ms.saturating_sub(s.adv.seen_at_ms) < CANDIDATE_STALE_MS)
            .map(|s| {
                let signal = SignalStrength::from_rssi(s.adv.rssi_dbm);
                DeviceCandidate {
                    id: s.adv.id.clone(),
                    name: s
                        .adv
                        .name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| protocol_label(s.protocol).to_string()),
                    protocol: s.protocol,
                    protocol_label: protocol_label(s.protocol).into(),
                    signal,
                    signal_label: signal.label().into(),
                    rssi_dbm: s.adv.rssi_dbm,
                    can_pair: true,
                    note: None,
                    is_paired: paired.as_ref().is_some_and(|p| p.id == s.adv.id),
                }
            })
            .collect();
        // Pairable first, then strongest signal, then name: the device in the user's hand is on top.
        candidates.sort_by(|a, b| {
            b.can_pair
                .cmp(&a.can_pair)
                .then(
                    b.rssi_dbm
                        .unwrap_or(i16::MIN)
                        .cmp(&a.rssi_dbm.unwrap_or(i16::MIN)),
                )
                .then(a.name.cmp(&b.name))
        });
        let others = book
            .others
            .values()
            .filter(|t| now_ms.saturating_sub(**t) < CANDIDATE_STALE_MS)
            .count() as u32;
        drop(book);
        let phase = if scanning {
            PairingPhase::Scanning
        } else if paired.is_some() {
            PairingPhase::Paired
        } else {
            PairingPhase::Idle
        };
        let message = match (phase, candidates.iter().any(|c| c.can_pair)) {
            (PairingPhase::Scanning, false) => {
                "Searching… switch the wearable on and hold it next to the phone.".to_string()
            }
            (PairingPhase::Scanning, true) => "Tap your wearable to pair it.".to_string(),
            (PairingPhase::Paired, _) => {
                "Your wearable is paired. TwitchWatch accepts data only from it.".to_string()
            }
            (PairingPhase::Idle, _) if !candidates.is_empty() => {
                "Search stopped. Tap your wearable, or search again.".to_string()
            }
            (PairingPhase::Idle, _) => "No wearable paired yet.".to_string(),
        };
        Ok(PairingState {
            phase,
            candidates,
            paired: paired.map(|p| PairedDeviceView {
                sample_rate_hz: p.sample_rate_hz,
                id: p.id,
                name: p.name,
                protocol_label: protocol_label(p.protocol).into(),
                paired_since_label: format!("Paired {}", moment_label(&tz, p.paired_at_ms)),
            }),
            other_devices_nearby: others,
            message,
            // Polar sensors advertise heart rate, not PMD: a scan filtered on PMD would hide them.
            // Our wearable always advertises its own service.
            scan_service_uuids: vec![
                uuid_string(SERVICE_UUID),
                uuid_string(sig_uuid(HEART_RATE_SERVICE_UUID16)),
            ],
            scan_timeout_ms: SCAN_TIMEOUT_MS,
        })
    }

    /// The user tapped "Search": forget the previous results and start a fresh scan.
    pub fn start_scan(&self, now_ms: TimestampMs) -> Result<PairingState, ScreenError> {
        {
            let mut book = lock(&self.scan);
            *book = ScanBook {
                started_at_ms: Some(now_ms),
                ..ScanBook::default()
            };
        }
        self.pairing(now_ms)
    }

    pub fn stop_scan(&self, now_ms: TimestampMs) -> Result<PairingState, ScreenError> {
        lock(&self.scan).stopped = true;
        self.pairing(now_ms)
    }

    /// The shell heard an advertisement. Unknown devices are counted, never listed.
    pub fn on_advertisement(&self, adv: Advertisement) -> Result<PairingState, ScreenError> {
        if adv.id.trim().is_empty() {
            return Err(ScreenError::InvalidInput(
                "an advertisement without a device id cannot be listed".into(),
            ));
        }
        let now = adv.seen_at_ms;
        {
            let mut book = lock(&self.scan);
            match recognise(&adv) {
                Some(protocol) => {
                    book.seen.insert(adv.id.clone(), Seen { adv, protocol });
                }
                None => {
                    book.others.insert(adv.id, now);
                }
            }
        }
        self.pairing(now)
    }

    /// Pairs a wearable from the current scan's list. Data is then accepted only from it.
    pub fn pair(&self, device_id: &str, now_ms: TimestampMs) -> Result<PairingState, ScreenError> {
        let (adv, protocol) = {
            let book = lock(&self.scan);
            match book.seen.get(device_id) {
                Some(s) => (s.adv.clone(), s.protocol),
                None => {
                    return Err(ScreenError::NotFound(format!(
                        "no wearable with id '{device_id}' was found in this search; search again and tap it in the list"
                    )))
                }
            }
        };
        let device = PairedDevice {
            id: adv.id.clone(),
            name: adv
                .name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| protocol_label(protocol).to_string()),
            protocol,
            sample_rate_hz: pairing_rate_hz(protocol),
            with_gyro: true,
            paired_at_ms: now_ms,
        };
        self.store().pair_device(&device)?;
        lock(&self.scan).stopped = true;
        self.pairing(now_ms)
    }

    /// A GATT session for the paired wearable, of either protocol: the shell connects when told to,
    /// feeds every platform callback in as a `GattEvent`, and performs the actions it gets back.
    /// `None` when nothing is paired.
    pub fn paired_gatt_session(
        &self,
        config: SessionConfig,
    ) -> Result<Option<GattSession>, ScreenError> {
        Ok(self
            .store()
            .paired_device()?
            .map(|device| GattSession::new(&device, config)))
    }
}
