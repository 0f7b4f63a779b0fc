//! GATT objects (`GattService1`, `GattCharacteristic1`, `GattDescriptor1`) exported on connect and
//! removed on disconnect; writes and notify requests are handed to the owning `DeviceCtl`.

use crate::device::{DeviceCtl, DeviceKind};
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use twitchwatch_device::polar;
use twitchwatch_device::protocol::{self, sig_uuid, uuid_string};
use zbus::zvariant::{OwnedObjectPath, OwnedValue};
use zbus::{fdo, interface};

/// What a characteristic does in the emulated peripheral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CharRole {
    Control,
    Data,
    Battery,
    Manufacturer,
    Model,
    Firmware,
    HeartRate,
}

pub struct CharDef {
    pub handle: u16,
    pub uuid: u128,
    pub flags: &'static [&'static str],
    pub role: CharRole,
}

pub struct ServiceDef {
    pub handle: u16,
    pub uuid: u128,
    pub chars: Vec<CharDef>,
}

pub fn layout(kind: DeviceKind) -> Vec<ServiceDef> {
    let (main_service, control, data) = match kind {
        DeviceKind::TwitchWatch => (
            protocol::SERVICE_UUID,
            protocol::CONTROL_POINT_UUID,
            protocol::DATA_UUID,
        ),
        DeviceKind::Polar => (
            polar::PMD_SERVICE_UUID,
            polar::PMD_CONTROL_POINT_UUID,
            polar::PMD_DATA_UUID,
        ),
    };
    let mut services = vec![
        ServiceDef {
            handle: 0x0010,
            uuid: main_service,
            chars: vec![
                CharDef {
                    handle: 0x0011,
                    uuid: control,
                    flags: &["read", "write", "indicate"],
                    role: CharRole::Control,
                },
                CharDef {
                    handle: 0x0014,
                    uuid: data,
                    flags: &["notify"],
                    role: CharRole::Data,
                },
            ],
        },
        ServiceDef {
            handle: 0x0020,
            uuid: sig_uuid(protocol::BATTERY_SERVICE_UUID16),
            chars: vec![CharDef {
                handle: 0x0021,
                uuid: sig_uuid(protocol::BATTERY_LEVEL_UUID16),
                flags: &["read", "notify"],
                role: CharRole::Battery,
            }],
        },
        ServiceDef {
            handle: 0x0030,
            uuid: sig_uuid(protocol::DEVICE_INFO_SERVICE_UUID16),
            chars: vec![
                CharDef {
                    handle: 0x0031,
                    uuid: sig_uuid(protocol::MANUFACTURER_NAME_UUID16),
                    flags: &["read"],
                    role: CharRole::Manufacturer,
                },
                CharDef {
                    handle: 0x0033,
                    uuid: sig_uuid(protocol::MODEL_NUMBER_UUID16),
                    flags: &["read"],
                    role: CharRole::Model,
                },
                CharDef {
                    handle: 0x0035,
                    uuid: sig_uuid(protocol::FIRMWARE_REVISION_UUID16),
                    flags: &["read"],
                    role: CharRole::Firmware,
                },
            ],
        },
    ];
    if kind == DeviceKind::Polar {
        services.push(ServiceDef {
            handle: 0x0040,
            uuid: sig_uuid(twitchwatch_device::polar::HEART_RATE_SERVICE_UUID16),
            chars: vec![CharDef {
                handle: 0x0041,
                uuid: sig_uuid(0x2A37),
                flags: &["notify"],
                role: CharRole::HeartRate,
            }],
        });
    }
    services
}

pub fn service_path(device_path: &str, s: &ServiceDef) -> String {
    format!("{device_path}/service{:04x}", s.handle)
}

pub fn char_path(service_path: &str, c: &CharDef) -> String {
    format!("{service_path}/char{:04x}", c.handle)
}

pub fn desc_path(char_path: &str, c: &CharDef) -> String {
    format!("{char_path}/desc{:04x}", c.handle + 1)
}

pub fn has_cccd(c: &CharDef) -> bool {
    c.flags.iter().any(|f| *f == "notify" || *f == "indicate")
}

fn owned_path(p: &str) -> OwnedObjectPath {
    OwnedObjectPath::try_from(p.to_string()).unwrap_or_default()
}

pub struct GattService {
    pub uuid: u128,
    pub device: String,
}

#[interface(name = "org.bluez.GattService1")]
impl GattService {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        uuid_string(self.uuid)
    }

    #[zbus(property)]
    fn primary(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn device(&self) -> OwnedObjectPath {
        owned_path(&self.device)
    }
}

pub struct GattCharacteristic {
    pub uuid: u128,
    pub service: String,
    pub flags: &'static [&'static str],
    pub role: CharRole,
    pub device: Weak<DeviceCtl>,
}

impl GattCharacteristic {
    fn ctl(&self) -> fdo::Result<Arc<DeviceCtl>> {
        self.device
            .upgrade()
            .ok_or_else(|| fdo::Error::Failed("device gone".into()))
    }
}

#[interface(name = "org.bluez.GattCharacteristic1")]
impl GattCharacteristic {
    async fn read_value(&self, _options: HashMap<String, OwnedValue>) -> fdo::Result<Vec<u8>> {
        self.ctl()?.read(self.role).await
    }

    async fn write_value(
        &self,
        value: Vec<u8>,
        _options: HashMap<String, OwnedValue>,
    ) -> fdo::Result<()> {
        self.ctl()?.write(self.role, value).await
    }

    async fn start_notify(&self) -> fdo::Result<()> {
        self.ctl()?.set_notifying(self.role, true);
        Ok(())
    }

    async fn stop_notify(&self) -> fdo::Result<()> {
        self.ctl()?.set_notifying(self.role, false);
        Ok(())
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        uuid_string(self.uuid)
    }

    #[zbus(property)]
    fn service(&self) -> OwnedObjectPath {
        owned_path(&self.service)
    }

    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        self.flags.iter().map(|f| f.to_string()).collect()
    }

    #[zbus(property, name = "MTU")]
    fn mtu(&self) -> u16 {
        247
    }

    #[zbus(property)]
    fn notifying(&self) -> bool {
        self.device
            .upgrade()
            .map(|d| d.is_notifying(self.role))
            .unwrap_or(false)
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        Vec::new()
    }
}

pub struct GattDescriptor {
    pub characteristic: String,
}

#[interface(name = "org.bluez.GattDescriptor1")]
impl GattDescriptor {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        uuid_string(sig_uuid(0x2902))
    }

    #[zbus(property)]
    fn characteristic(&self) -> OwnedObjectPath {
        owned_path(&self.characteristic)
    }

    fn read_value(&self, _options: HashMap<String, OwnedValue>) -> Vec<u8> {
        vec![0, 0]
    }
}
