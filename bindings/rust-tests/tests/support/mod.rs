//! What several of these test binaries need: the wall clock in the API's unit, and a store with the
//! project's own wearable paired (a session can then be started or fed bytes).
#![allow(dead_code)] // each binary uses its own part of it

use std::sync::Arc;

use twitchwatch_app::data::OpenOptions;
use twitchwatch_ffi::TwitchWatch;
use twitchwatch_model::{DeviceProtocol, PairedDevice};

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A fresh store in a temporary folder with a TwitchWatch V1 wearable (100 Hz, gyroscope) paired.
pub fn open_with_wearable_paired() -> (tempfile::TempDir, Arc<TwitchWatch>) {
    let dir = tempfile::tempdir().unwrap();
    let app = TwitchWatch::open(dir.path().display().to_string(), OpenOptions::default()).unwrap();
    app.devices()
        .pair(PairedDevice {
            id: "11:22".into(),
            name: "TW-1".into(),
            protocol: DeviceProtocol::TwitchWatchV1,
            sample_rate_hz: 100,
            with_gyro: true,
            paired_at_ms: now_ms(),
        })
        .unwrap();
    (dir, app)
}
