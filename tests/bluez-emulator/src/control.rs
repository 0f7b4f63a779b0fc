//! Test-control hooks: `org.twitchwatch.Emulator1` at /org/twitchwatch/emulator on the emulator's own
//! connection, plus the client proxy tests use to inject link loss and frame faults.

use crate::device::DeviceCtl;
use std::sync::Arc;
use zbus::{fdo, interface, proxy};

pub const CONTROL_PATH: &str = "/org/twitchwatch/emulator";

pub struct Control {
    devices: Vec<Arc<DeviceCtl>>,
}

impl Control {
    pub fn new(devices: Vec<Arc<DeviceCtl>>) -> Self {
        Self { devices }
    }

    fn device(&self, address: &str) -> fdo::Result<&Arc<DeviceCtl>> {
        self.devices
            .iter()
            .find(|d| d.spec.address.eq_ignore_ascii_case(address))
            .ok_or_else(|| fdo::Error::InvalidArgs(format!("no emulated device {address}")))
    }
}

#[interface(name = "org.twitchwatch.Emulator1")]
impl Control {
    /// Back to the power-on state: every device disconnected, faults cleared, counters zeroed.
    async fn reset(&self) {
        for d in &self.devices {
            d.reset().await;
        }
    }

    /// Drops the link now; the peripheral refuses connections for `down_ms`.
    async fn link_loss(&self, address: &str, down_ms: u32) -> fdo::Result<()> {
        self.device(address)?.link_loss(down_ms).await;
        Ok(())
    }

    /// `kind`: drop | duplicate | reorder | malformed (next `value` frames), silent (0/1),
    /// slow (delay in ms), control-error (status code for the next start), flood (the device's
    /// clock runs `value` times fast; 0 or 1 ends it), scenario is separate.
    async fn set_fault(&self, address: &str, kind: &str, value: u32) -> fdo::Result<()> {
        let device = self.device(address)?;
        let mut unknown = false;
        device.set_faults(|f| match kind {
            "drop" => f.drop = value,
            "duplicate" => f.duplicate = value,
            "reorder" => f.reorder = value,
            "malformed" => f.malformed = value,
            "flood" => f.flood = value,
            "silent" => f.silent = value != 0,
            "slow" => f.slow_ms = value,
            "control-error" => f.control_error = u8::try_from(value).ok().filter(|c| *c != 0),
            _ => unknown = true,
        });
        if unknown {
            return Err(fdo::Error::InvalidArgs(format!("unknown fault '{kind}'")));
        }
        Ok(())
    }

    /// Simulator scenario streamed from the next start on.
    async fn set_scenario(&self, address: &str, name: &str) -> fdo::Result<()> {
        self.device(address)?.set_scenario(name);
        Ok(())
    }

    async fn set_battery(&self, address: &str, level: u8) -> fdo::Result<()> {
        self.device(address)?.set_battery(level).await;
        Ok(())
    }

    /// Starts (and clears) or stops the log of data-frame send times.
    async fn log_sends(&self, address: &str, on: bool) -> fdo::Result<()> {
        self.device(address)?.log_sends(on);
        Ok(())
    }

    /// (first sample's device time µs, wall-clock send time ns since the Unix epoch) of every data
    /// notification since `LogSends(true)`; reading empties the log.
    async fn sent_log(&self, address: &str) -> fdo::Result<Vec<(u64, u64)>> {
        Ok(self.device(address)?.take_sent_log())
    }

    /// (frames sent, samples generated, frames dropped, link losses, connects, streaming now).
    async fn stats(&self, address: &str) -> fdo::Result<(u64, u64, u64, u32, u32, bool)> {
        let d = self.device(address)?;
        let s = d.stats();
        Ok((
            s.frames_sent,
            s.samples_sent,
            s.frames_dropped,
            s.link_losses,
            s.connects,
            d.is_streaming(),
        ))
    }
}

#[proxy(
    interface = "org.twitchwatch.Emulator1",
    default_service = "org.bluez",
    default_path = "/org/twitchwatch/emulator"
)]
pub trait EmulatorControl {
    fn reset(&self) -> zbus::Result<()>;
    fn link_loss(&self, address: &str, down_ms: u32) -> zbus::Result<()>;
    fn set_fault(&self, address: &str, kind: &str, value: u32) -> zbus::Result<()>;
    fn set_scenario(&self, address: &str, name: &str) -> zbus::Result<()>;
    fn set_battery(&self, address: &str, level: u8) -> zbus::Result<()>;
    fn stats(&self, address: &str) -> zbus::Result<(u64, u64, u64, u32, u32, bool)>;
    fn log_sends(&self, address: &str, on: bool) -> zbus::Result<()>;
    fn sent_log(&self, address: &str) -> zbus::Result<Vec<(u64, u64)>>;
}
