//! Shared helpers for the BLE integration tests: the emulator's control proxy and session helpers.
//! They need `DBUS_SYSTEM_BUS_ADDRESS` and a running emulator (tests/ble/run.sh provides both).

#![allow(dead_code)]

use std::time::{Duration, Instant};
use twitchwatch_bluez_emulator::EmulatorControlProxy;
use twitchwatch_device::link::{LinkConfig, LinkError, LinkEvent, LinkSession};
use twitchwatch_model::{ConnectionState, DeviceProtocol, PairedDevice, SensorBatch, StreamStats};

pub use twitchwatch_bluez_emulator::{POLAR_ADDRESS, POLAR_NAME, WEARABLE_ADDRESS, WEARABLE_NAME};

pub async fn control() -> EmulatorControlProxy<'static> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_test_writer()
        .try_init();
    let conn = zbus::Connection::system()
        .await
        .expect("system bus: run these tests through tests/ble/run.sh");
    let proxy = EmulatorControlProxy::new(&conn)
        .await
        .expect("emulator control proxy");
    proxy
        .reset()
        .await
        .expect("emulator not running: run these tests through tests/ble/run.sh");
    proxy
}

pub fn fast_config() -> LinkConfig {
    LinkConfig {
        scan_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(5),
        response_timeout: Duration::from_secs(2),
        data_timeout: Duration::from_secs(3),
        backoff_initial: Duration::from_millis(100),
        backoff_max: Duration::from_millis(1000),
        ..LinkConfig::default()
    }
}

pub fn wearable(rate_hz: u16, with_gyro: bool) -> PairedDevice {
    PairedDevice {
        id: WEARABLE_ADDRESS.into(),
        name: WEARABLE_NAME.into(),
        protocol: DeviceProtocol::TwitchWatchV1,
        sample_rate_hz: rate_hz,
        with_gyro,
        paired_at_ms: 0,
    }
}

pub fn polar_sensor(rate_hz: u16) -> PairedDevice {
    polar_sensor_with(rate_hz, false)
}

pub fn polar_sensor_with(rate_hz: u16, with_gyro: bool) -> PairedDevice {
    PairedDevice {
        id: POLAR_ADDRESS.into(),
        name: POLAR_NAME.into(),
        protocol: DeviceProtocol::PolarPmd,
        sample_rate_hz: rate_hz,
        with_gyro,
        paired_at_ms: 0,
    }
}

/// Everything a session reported until `until` said stop (or the deadline passed).
#[derive(Default, Debug)]
pub struct Collected {
    pub batches: Vec<SensorBatch>,
    pub states: Vec<(Instant, ConnectionState)>,
    pub battery: Vec<u8>,
    pub rejected: Vec<String>,
    pub failed: Option<LinkError>,
    pub samples: usize,
    pub stats: Option<StreamStats>,
}

pub async fn collect_until(
    session: &mut LinkSession,
    deadline: Duration,
    mut until: impl FnMut(&Collected) -> bool,
) -> Collected {
    let mut c = Collected::default();
    let end = tokio::time::Instant::now() + deadline;
    while !until(&c) {
        let Ok(Some(ev)) = tokio::time::timeout_at(end, session.next_event()).await else {
            break;
        };
        match ev {
            LinkEvent::Batch(b) => {
                c.samples += b.len();
                c.batches.push(b);
            }
            LinkEvent::State(s) => c.states.push((Instant::now(), s)),
            LinkEvent::Battery(b) => c.battery.push(b),
            LinkEvent::Rejected(r) => c.rejected.push(r),
            LinkEvent::Failed(f) => {
                c.failed = Some(f);
                break;
            }
            LinkEvent::Stats(s) => c.stats = Some(s),
            LinkEvent::DeviceInfo(_) => {}
        }
    }
    c
}

pub fn start(device: PairedDevice) -> LinkSession {
    LinkSession::start(device, fast_config())
}

/// Batches never overlap in time (no sample delivered twice) and come in order.
pub fn assert_no_overlap(batches: &[SensorBatch]) {
    for w in batches.windows(2) {
        let period_us = 1e6 / f64::from(w[0].sample_rate_hz);
        let end_us = w[0].first_sample_us + (w[0].len() as f64 * period_us) as i64;
        // Half a sample of slack for clock rounding.
        assert!(
            w[1].first_sample_us as f64 >= end_us as f64 - period_us / 2.0,
            "batch at {} overlaps the previous one ending at {end_us}",
            w[1].first_sample_us
        );
    }
}
