//! `Devices`: the paired wearable and the ones seen before.

use std::sync::Arc;

use twitchwatch_model::{DiscoveredDevice, PairedDevice};

use crate::error::{FfiResult, TwitchWatchError};
use crate::twitchwatch::Shared;

/// The paired wearable: only its data is accepted. From `TwitchWatch.devices()`.
#[derive(uniffi::Object)]
pub struct Devices {
    shared: Arc<Shared>,
}

impl Devices {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Devices {
    /// Pairs `device` (found by the app's own BLE scan); only its data is accepted from then on.
    pub fn pair(&self, device: PairedDevice) -> FfiResult<()> {
        Ok(self.shared.monitor()?.store().pair_device(&device)?)
    }

    pub fn paired(&self) -> FfiResult<Option<PairedDevice>> {
        Ok(self.shared.monitor()?.store().paired_device()?)
    }

    /// Forgets the paired device (its history stays) and returns it (`null` when none was paired).
    pub fn forget(&self) -> FfiResult<Option<PairedDevice>> {
        Ok(self.shared.monitor()?.store().forget_device()?)
    }

    /// Devices paired at some point, most recent first.
    pub fn known(&self) -> FfiResult<Vec<PairedDevice>> {
        Ok(self.shared.monitor()?.store().known_devices()?)
    }

    /// Removes a device from the known list. `NotFound` when there is no such device.
    pub fn remove_known(&self, device_id: String) -> FfiResult<()> {
        match self
            .shared
            .monitor()?
            .store()
            .remove_known_device(&device_id)?
        {
            true => Ok(()),
            false => Err(TwitchWatchError::not_found(format!(
                "no known device with id '{device_id}'; known() lists them"
            ))),
        }
    }

    /// Desktop Linux only (BlueZ): scans for TwitchWatch and Polar wearables for `timeout_ms`,
    /// strongest first. On phones the app scans with its own Bluetooth stack (`InvalidState` here).
    pub async fn scan(&self, timeout_ms: u32) -> FfiResult<Vec<DiscoveredDevice>> {
        // A closed TwitchWatch answers as every area does, before any Bluetooth work.
        self.shared.monitor()?;
        #[cfg(target_os = "linux")]
        {
            let duration = std::time::Duration::from_millis(u64::from(timeout_ms));
            let config = twitchwatch_device::link::LinkConfig::default();
            Ok(twitchwatch_device::link::scan(&config, duration).await?)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = timeout_ms;
            Err(crate::monitoring::no_builtin_ble())
        }
    }
}
