//! btleplug's real Linux backend against the emulated BlueZ: scan, pair, stream both protocols into
//! the store. Run through tests/ble/run.sh (private system bus + emulator).

use crate::common::*;
use std::time::Duration;
use twitchwatch_app::monitor::{Monitor, MonitorSettings};
use twitchwatch_device::link::{scan, LinkConfig};
use twitchwatch_model::{ConnectionState, DeviceProtocol};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scan_reports_both_protocols_with_rssi_and_battery() {
    let _ctl = control().await;
    let found = scan(&LinkConfig::default(), Duration::from_millis(800))
        .await
        .expect("scan");
    let wearable = found
        .iter()
        .find(|r| r.id == WEARABLE_ADDRESS)
        .expect("wearable found");
    assert_eq!(wearable.name, WEARABLE_NAME);
    assert_eq!(wearable.protocol, DeviceProtocol::TwitchWatchV1);
    assert_eq!(wearable.rssi, Some(-52));
    assert_eq!(wearable.battery_percent, Some(87));
    let polar = found
        .iter()
        .find(|r| r.id == POLAR_ADDRESS)
        .expect("polar found by its name, though it advertises heart rate only");
    assert_eq!(polar.protocol, DeviceProtocol::PolarPmd);
    // Strongest first.
    assert_eq!(found[0].id, WEARABLE_ADDRESS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adapter_is_chosen_by_name() {
    let _ctl = control().await;
    let config = LinkConfig {
        adapter: Some("hci0".into()),
        ..LinkConfig::default()
    };
    assert!(scan(&config, Duration::from_millis(200)).await.is_ok());
    let config = LinkConfig {
        adapter: Some("hci7".into()),
        ..LinkConfig::default()
    };
    let err = scan(&config, Duration::from_millis(200)).await.unwrap_err();
    assert!(err.to_string().contains("hci7"), "{err}");
    assert!(err.to_string().contains("hci0"), "lists what exists: {err}");
}

async fn stream_into_store(
    device: twitchwatch_model::PairedDevice,
    want_samples: usize,
    expect_events: bool,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let monitor = Monitor::open(dir.path(), MonitorSettings::default()).expect("monitor");
    monitor.store().pair_device(&device).expect("pair");
    let paired = monitor
        .store()
        .paired_device()
        .expect("read")
        .expect("paired");
    let mut session = start(paired.clone());
    let got = collect_until(&mut session, Duration::from_secs(40), |c| {
        c.samples >= want_samples || c.failed.is_some()
    })
    .await;
    session.stop().await;
    assert!(got.failed.is_none(), "{:?}", got.failed);
    assert!(got.samples >= want_samples, "only {} samples", got.samples);
    assert!(got
        .states
        .iter()
        .any(|(_, s)| *s == ConnectionState::Streaming));
    assert!(got.battery.contains(&87));
    assert!(got.rejected.is_empty(), "{:?}", got.rejected);
    let rate = f32::from(paired.sample_rate_hz);
    for b in &got.batches {
        assert_eq!(b.sample_rate_hz, rate);
        assert_eq!(b.has_gyro(), paired.with_gyro);
        // Gravity: the hand rests, so |a| is about 1 g.
        let a = b.accel_g[0];
        let norm = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        assert!((0.8..1.2).contains(&norm), "|a| = {norm}");
    }
    for w in got.batches.windows(2) {
        assert!(w[1].first_sample_us > w[0].first_sample_us, "time order");
    }
    let mut events = 0;
    for b in &got.batches {
        events += monitor.ingest(b).expect("ingest").events.len();
    }
    let stored = monitor
        .store()
        .events_in_range(0, i64::MAX)
        .expect("events");
    if expect_events {
        assert!(events > 0, "the twitch scenario produced no events");
    }
    assert_eq!(stored.len(), events, "every event reaches the store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wearable_scan_pair_stream_events_in_store() {
    let _ctl = control().await;
    stream_into_store(wearable(200, true), 200 * 8, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polar_sdk_mode_stream_events_in_store() {
    let _ctl = control().await;
    // 208 Hz needs SDK mode; frames alternate uncompressed and delta-compressed.
    stream_into_store(polar_sensor(208), 208 * 8, true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polar_normal_mode_with_gyroscope() {
    let _ctl = control().await;
    // 52 Hz is the normal-mode rate (no SDK mode); GYRO frames join the ACC batches. Twitches are
    // too brief to judge at 52 Hz (signals.md), so only the data path is checked here.
    stream_into_store(polar_sensor_with(52, true), 52 * 8, false).await;
}
