//! `Monitoring`: the live session — the desktop's own Bluetooth, bytes a phone's Bluetooth pushes in,
//! or the demo mode's simulated wearable — and the listeners that hear it.

use std::sync::Arc;

use twitchwatch_app::monitor::{self as core_monitor};
use twitchwatch_model::StreamStats;

use crate::delivery::current_delivery;
use crate::error::FfiResult;
#[cfg(not(target_os = "linux"))]
use crate::error::TwitchWatchError;
use crate::listeners::{ListenerHandle, MonitorListener, MonitorListenerAdapter};
use crate::runtime::blocking;
use crate::twitchwatch::Shared;

/// One session at a time: start, push, stop, listen. From `TwitchWatch.monitoring()`.
#[derive(uniffi::Object)]
pub struct Monitoring {
    shared: Arc<Shared>,
}

impl Monitoring {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn no_builtin_ble() -> TwitchWatchError {
    TwitchWatchError::state(
        "this build has no built-in Bluetooth: scan and connect with the platform's Bluetooth and hand \
         each notification to monitoring().pushNotification",
    )
}

#[uniffi::export(async_runtime = "tokio")]
impl Monitoring {
    /// Desktop Linux only: streams from the paired wearable over BlueZ in the background, reconnecting
    /// as needed; data arrives through `MonitorListener`. On phones use `pushNotification`.
    pub fn start_paired(&self) -> FfiResult<()> {
        #[cfg(target_os = "linux")]
        {
            let config = twitchwatch_device::link::LinkConfig::default();
            Ok(self
                .shared
                .monitor()?
                .start_paired_on(config, crate::runtime::shared())?)
        }
        #[cfg(not(target_os = "linux"))]
        {
            Err(no_builtin_ble())
        }
    }

    /// Starts the demo mode: a simulated wearable running `scenario` (see `simulatorScenarios()`).
    /// `speed` = simulated seconds per real second (0 = as fast as possible); `duration_s` cuts or
    /// repeats the scenario. Returns at once; data arrives through `MonitorListener`. A build without
    /// demo mode answers `InvalidState`.
    pub fn start_simulated(
        &self,
        scenario: String,
        duration_s: Option<f32>,
        speed: f32,
    ) -> FfiResult<()> {
        let monitor = self.shared.monitor()?;
        let wearable =
            crate::demo::simulated_wearable(scenario, duration_s, speed, core_monitor::now_ms())?;
        Ok(monitor.start_replay(wearable, speed)?)
    }

    /// Stops the running session (if any) once everything is stored, then waits up to 2 s for the
    /// listeners to hear the rest of it (`onSessionEnd` last); a listener stuck longer is left behind and
    /// hears the rest when it returns. Safe to await from inside a listener.
    pub async fn stop(&self) -> FfiResult<()> {
        let monitor = self.shared.monitor()?;
        let registrations = self.shared.registrations();
        // Read here, before the first await, on the caller's thread: inside a listener that is its
        // delivery thread, and waiting for that listener to finish would wait for the caller.
        let caller = current_delivery();
        blocking(move || {
            monitor.stop();
            registrations.wait_until_delivered(caller);
        })
        .await
    }

    /// Waits until the running session ends by itself (e.g. a simulated scenario finished), then up to
    /// 2 s for the listeners to hear the rest of it, as `stop()` does.
    pub async fn wait_until_stopped(&self) -> FfiResult<()> {
        let monitor = self.shared.monitor()?;
        let registrations = self.shared.registrations();
        let caller = current_delivery();
        blocking(move || {
            monitor.wait();
            registrations.wait_until_delivered(caller);
        })
        .await
    }

    pub fn is_running(&self) -> FfiResult<bool> {
        Ok(self.shared.monitor()?.is_running())
    }

    /// Shell-managed BLE: hands over one notification the app's own Bluetooth stack received from the
    /// paired wearable (`characteristic_uuid`: 128-bit hyphenated or 16-bit hex, as the platform gives
    /// it; data, battery level or control point). `receive_time_us`: wall clock, µs since the Unix epoch.
    /// A malformed frame is `InvalidInput` (counted; the stream goes on); another device's data is
    /// `NotFound`; nothing paired is `InvalidState`. Results go to the listeners.
    pub fn push_notification(
        &self,
        device_id: String,
        characteristic_uuid: String,
        bytes: Vec<u8>,
        receive_time_us: i64,
    ) -> FfiResult<()> {
        self.shared.monitor()?.push_notification(
            &device_id,
            &characteristic_uuid,
            &bytes,
            receive_time_us,
        )?;
        Ok(())
    }

    /// Frame and sample counters of the current stream.
    pub fn stream_stats(&self) -> FfiResult<StreamStats> {
        Ok(self.shared.monitor()?.stream_stats())
    }

    /// Registers a listener for live data until the returned handle is cancelled or let go. At most 64
    /// at once (`InvalidState` beyond). Do not capture the `TwitchWatch` strongly in the listener (that
    /// would be a reference cycle).
    pub fn add_listener(
        &self,
        listener: Arc<dyn MonitorListener>,
    ) -> FfiResult<Arc<ListenerHandle>> {
        let monitor = self.shared.monitor()?;
        let delivery = self.shared.registrations().monitor.register(listener)?;
        let adapter: Arc<dyn core_monitor::MonitorListener> =
            Arc::new(MonitorListenerAdapter(delivery.clone()));
        monitor.add_listener(adapter.clone());
        // Weak both: a handle the app keeps must not keep the store open after the app let it go.
        let (shared, adapter) = (Arc::downgrade(&self.shared), Arc::downgrade(&adapter));
        Ok(ListenerHandle::new(delivery.dropped_counter(), move || {
            // Closed first: from here on no call starts, whatever the session is doing.
            delivery.close();
            let monitor = shared.upgrade().and_then(|s| s.monitor().ok());
            if let (Some(monitor), Some(adapter)) = (monitor, adapter.upgrade()) {
                monitor.remove_listener(&adapter);
            }
        }))
    }
}
