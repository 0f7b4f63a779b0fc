//! An emulated BlueZ: owns `org.bluez` on a (private) system bus and serves a TwitchWatch wearable and a
//! Polar sensor to btleplug's real Linux backend, with `org.twitchwatch.Emulator1` hooks to inject faults.

mod adapter;
pub mod control;
mod device;
mod gatt;
mod source;

use std::sync::Arc;
use zbus::Connection;

pub use control::{EmulatorControlProxy, CONTROL_PATH};
pub use device::{DeviceKind, DeviceSpec};

pub const ADAPTER_PATH: &str = "/org/bluez/hci0";
pub const WEARABLE_ADDRESS: &str = "C0:FF:EE:00:00:01";
pub const WEARABLE_NAME: &str = "TwitchWatch 0001";
pub const POLAR_ADDRESS: &str = "A0:9E:1A:B5:A1:C2";
pub const POLAR_NAME: &str = "Polar Sense B5A1C2D3";

/// A running emulator; dropping it does not stop it (the connection keeps serving), `shutdown` does.
pub struct Emulator {
    pub connection: Connection,
    pub devices: Vec<Arc<device::DeviceCtl>>,
}

/// The two peripherals every emulator serves.
pub fn default_devices() -> Vec<DeviceSpec> {
    vec![
        DeviceSpec {
            address: WEARABLE_ADDRESS.into(),
            name: WEARABLE_NAME.into(),
            kind: DeviceKind::TwitchWatch,
            rssi: -52,
        },
        DeviceSpec {
            address: POLAR_ADDRESS.into(),
            name: POLAR_NAME.into(),
            kind: DeviceKind::Polar,
            rssi: -61,
        },
    ]
}

impl Emulator {
    /// Connects to the system bus (`DBUS_SYSTEM_BUS_ADDRESS`), serves the adapter, the control hooks
    /// and the given devices, then claims `org.bluez` last so clients see a complete tree.
    pub async fn start(specs: Vec<DeviceSpec>) -> zbus::Result<Self> {
        let connection = zbus::connection::Builder::system()?
            .serve_at("/", zbus::fdo::ObjectManager)?
            .build()
            .await?;
        let devices: Vec<Arc<device::DeviceCtl>> = specs
            .into_iter()
            .map(|spec| device::DeviceCtl::new(spec, connection.clone()))
            .collect();
        let server = connection.object_server();
        server
            .at(ADAPTER_PATH, adapter::Adapter::new(devices.clone()))
            .await?;
        server
            .at(CONTROL_PATH, control::Control::new(devices.clone()))
            .await?;
        connection.request_name("org.bluez").await?;
        Ok(Self {
            connection,
            devices,
        })
    }

    /// The emulated peripheral with this address, for in-process control.
    pub fn device(&self, address: &str) -> Option<Arc<device::DeviceCtl>> {
        self.devices
            .iter()
            .find(|d| d.spec.address.eq_ignore_ascii_case(address))
            .cloned()
    }
}

pub use device::DeviceCtl;
