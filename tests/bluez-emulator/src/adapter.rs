//! `org.bluez.Adapter1` at /org/bluez/hci0: discovery exports the devices, RemoveDevice forgets them.

use crate::device::DeviceCtl;
use std::collections::HashMap;
use std::sync::Arc;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{ObjectPath, OwnedValue};
use zbus::{fdo, interface};

pub struct Adapter {
    devices: Vec<Arc<DeviceCtl>>,
    powered: bool,
    discovering: bool,
}

impl Adapter {
    pub fn new(devices: Vec<Arc<DeviceCtl>>) -> Self {
        Self {
            devices,
            powered: true,
            discovering: false,
        }
    }
}

#[interface(name = "org.bluez.Adapter1")]
impl Adapter {
    async fn start_discovery(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> fdo::Result<()> {
        for device in &self.devices {
            device.advertise().await?;
        }
        self.discovering = true;
        self.discovering_changed(&emitter).await?;
        Ok(())
    }

    async fn stop_discovery(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
    ) -> fdo::Result<()> {
        self.discovering = false;
        self.discovering_changed(&emitter).await?;
        Ok(())
    }

    fn set_discovery_filter(&self, _filter: HashMap<String, OwnedValue>) {}

    fn get_discovery_filters(&self) -> Vec<String> {
        ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData"]
            .map(String::from)
            .to_vec()
    }

    async fn remove_device(&self, device: ObjectPath<'_>) -> fdo::Result<()> {
        let found = self.devices.iter().find(|d| d.path == device.as_str());
        match found {
            Some(d) => d.remove().await,
            None => Err(fdo::Error::InvalidArgs(format!(
                "no device at {}",
                device.as_str()
            ))),
        }
    }

    #[zbus(property)]
    fn address(&self) -> String {
        "00:1A:7D:DA:71:13".into()
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        "public".into()
    }

    #[zbus(property)]
    fn name(&self) -> String {
        "twitchwatch-emulator".into()
    }

    #[zbus(property)]
    fn alias(&self) -> String {
        "twitchwatch-emulator".into()
    }

    #[zbus(property)]
    fn modalias(&self) -> String {
        "usb:v1D6Bp0246d0541".into()
    }

    #[zbus(property)]
    fn powered(&self) -> bool {
        self.powered
    }

    #[zbus(property)]
    fn set_powered(&mut self, value: bool) {
        self.powered = value;
    }

    #[zbus(property)]
    fn discovering(&self) -> bool {
        self.discovering
    }

    #[zbus(property)]
    fn discoverable(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn pairable(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn class(&self) -> u32 {
        0
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        Vec::new()
    }
}
