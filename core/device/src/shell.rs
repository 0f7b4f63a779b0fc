//! Shell-managed BLE: a shell that runs the platform's own BLE stack pushes raw notification bytes with
//! the device and characteristic ids; this router picks our decoder or Polar's and applies the same
//! validation and accounting as the btleplug path (which uses it too). Works without the `ble` feature.

use crate::guard::{TimeGuard, TimeGuardConfig};
use crate::polar::{self, PmdSettings, PolarDecoder, PolarError};
use crate::protocol::{self, parse_uuid, sig_uuid, FrameError, StreamDecoder, StreamDecoderConfig};
use thiserror::Error;
use twitchwatch_model::{DeviceProtocol, PairedDevice, SensorBatch, StreamStats};

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ShellError {
    #[error("data from device '{got}' ignored: only the paired device '{paired}' is accepted (pair it first)")]
    NotPairedDevice { got: String, paired: String },
    #[error("'{0}' is not a characteristic UUID (expected 128-bit hyphenated or 16-bit hex)")]
    BadUuid(String),
    #[error("notification from characteristic {uuid}, which the {protocol} protocol does not use")]
    UnknownCharacteristic {
        uuid: String,
        protocol: &'static str,
    },
    #[error("battery level notification must be 1 byte of 0..=100, got {0:?}")]
    BadBattery(Vec<u8>),
    #[error("rejected frame: {0}")]
    Frame(#[from] FrameError),
    #[error("rejected Polar data: {0}")]
    Polar(#[from] PolarError),
}

/// What one notification turned into.
#[derive(Debug, Clone, PartialEq)]
pub enum Routed {
    /// Decoded samples, in time order (possibly none: held for reordering, duplicate, gyro held).
    Batches(Vec<SensorBatch>),
    Battery(u8),
    /// A control-point indication, for whoever waits on the command.
    ControlResponse(Vec<u8>),
}

#[derive(Debug)]
enum Decoder {
    TwitchWatch(Box<StreamDecoder>),
    Polar(Box<PolarDecoder>),
}

/// Routes notifications from the paired device to the right decoder.
#[derive(Debug)]
pub struct ShellRouter {
    paired_id: String,
    protocol: DeviceProtocol,
    control_uuid: u128,
    data_uuid: u128,
    decoder: Decoder,
    /// Every batch passes it before it leaves: real time and the paired rate bound what a peer sends.
    guard: TimeGuard,
    /// Arrival time of the last data notification (for batches released at the end of a stream).
    last_rx_us: Option<i64>,
}

/// Polar sensors stream ACC at 52 Hz in normal mode; other rates need SDK mode.
pub fn polar_settings(device: &PairedDevice) -> (PmdSettings, Option<PmdSettings>) {
    let rate = device.sample_rate_hz;
    (
        PmdSettings::acc(rate),
        device.with_gyro.then(|| PmdSettings::gyro(rate)),
    )
}

impl ShellRouter {
    pub fn new(device: &PairedDevice) -> Self {
        let (control_uuid, data_uuid, decoder) = match device.protocol {
            DeviceProtocol::TwitchWatchV1 => (
                protocol::CONTROL_POINT_UUID,
                protocol::DATA_UUID,
                Decoder::TwitchWatch(Box::new(StreamDecoder::new(StreamDecoderConfig::default()))),
            ),
            DeviceProtocol::PolarPmd => {
                let (acc, gyro) = polar_settings(device);
                (
                    polar::PMD_CONTROL_POINT_UUID,
                    polar::PMD_DATA_UUID,
                    Decoder::Polar(Box::new(PolarDecoder::new(acc, gyro))),
                )
            }
        };
        Self {
            paired_id: device.id.clone(),
            protocol: device.protocol,
            control_uuid,
            data_uuid,
            decoder,
            guard: TimeGuard::new(
                TimeGuardConfig::default(),
                Some(f32::from(device.sample_rate_hz)),
            ),
            last_rx_us: None,
        }
    }

    pub fn protocol(&self) -> DeviceProtocol {
        self.protocol
    }

    /// The decoder's counters, and the samples the time guard dropped.
    pub fn stats(&self) -> StreamStats {
        let mut stats = match &self.decoder {
            Decoder::TwitchWatch(d) => d.stats(),
            Decoder::Polar(d) => d.stats(),
        };
        self.guard.counts().add_to(&mut stats);
        stats
    }

    /// The link came back: the next frame re-anchors sequence and time, the gap counts as lost.
    pub fn note_reconnect(&mut self) {
        match &mut self.decoder {
            Decoder::TwitchWatch(d) => d.note_reconnect(),
            Decoder::Polar(d) => d.note_reconnect(),
        }
    }

    /// Uses the conversion factor a Polar sensor sent in its start response.
    pub fn set_polar_factor(&mut self, measurement: polar::MeasurementType, factor: f32) {
        if let Decoder::Polar(d) = &mut self.decoder {
            d.set_factor(measurement, factor);
        }
    }

    /// Frames still held for reordering (end of stream).
    pub fn flush(&mut self) -> Vec<SensorBatch> {
        let mut out = Vec::new();
        if let Decoder::TwitchWatch(d) = &mut self.decoder {
            d.flush(&mut out);
        }
        match self.last_rx_us {
            Some(rx) => self.guarded(out, rx),
            None => out,
        }
    }

    fn guarded(&mut self, batches: Vec<SensorBatch>, rx: i64) -> Vec<SensorBatch> {
        batches
            .into_iter()
            .filter_map(|b| self.guard.admit(b, rx))
            .collect()
    }

    /// Feeds one notification from `device_id`'s characteristic `characteristic_uuid`, received at
    /// `receive_time_us` (wall clock, µs since the Unix epoch).
    pub fn push(
        &mut self,
        device_id: &str,
        characteristic_uuid: &str,
        bytes: &[u8],
        receive_time_us: i64,
    ) -> Result<Routed, ShellError> {
        if !device_id.eq_ignore_ascii_case(&self.paired_id) {
            return Err(ShellError::NotPairedDevice {
                got: device_id.to_string(),
                paired: self.paired_id.clone(),
            });
        }
        let uuid = parse_uuid(characteristic_uuid)
            .ok_or_else(|| ShellError::BadUuid(characteristic_uuid.to_string()))?;
        self.push_uuid(uuid, bytes, receive_time_us)
    }

    /// `push` for a caller that already checked the device and parsed the UUID (the btleplug link).
    pub fn push_uuid(
        &mut self,
        uuid: u128,
        bytes: &[u8],
        receive_time_us: i64,
    ) -> Result<Routed, ShellError> {
        if uuid == self.control_uuid {
            return Ok(Routed::ControlResponse(bytes.to_vec()));
        }
        if uuid == sig_uuid(protocol::BATTERY_LEVEL_UUID16) {
            return match bytes {
                [level] if *level <= 100 => Ok(Routed::Battery(*level)),
                _ => Err(ShellError::BadBattery(bytes.to_vec())),
            };
        }
        if uuid != self.data_uuid {
            return Err(ShellError::UnknownCharacteristic {
                uuid: protocol::uuid_string(uuid),
                protocol: self.protocol.as_str(),
            });
        }
        let batches = match &mut self.decoder {
            Decoder::TwitchWatch(d) => {
                let mut out = Vec::new();
                d.push(bytes, receive_time_us, &mut out)?;
                out
            }
            Decoder::Polar(d) => match d.push_received(bytes, receive_time_us) {
                Ok(batch) => batch.into_iter().collect(),
                // A duplicate is accounted for in the stats, like our protocol's duplicates.
                Err(PolarError::StaleFrame) => Vec::new(),
                Err(e) => return Err(e.into()),
            },
        };
        self.last_rx_us = Some(receive_time_us);
        Ok(Routed::Batches(self.guarded(batches, receive_time_us)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{encode_frame, uuid_string, DataFrame};

    fn device(protocol: DeviceProtocol) -> PairedDevice {
        PairedDevice {
            id: "C0:FF:EE:00:00:01".into(),
            name: "test".into(),
            protocol,
            sample_rate_hz: 100,
            with_gyro: false,
            paired_at_ms: 0,
        }
    }

    fn frame(seq: u16) -> Vec<u8> {
        encode_frame(&DataFrame {
            seq,
            device_time_us: u64::from(seq) * 100_000,
            sample_rate_hz: 100,
            accel_g_per_lsb: 8.0 / 32768.0,
            gyro_dps_per_lsb: 0.0,
            accel_raw: vec![[0, 0, 4096]; 10],
            gyro_raw: Vec::new(),
        })
    }

    #[test]
    fn our_frames_route_to_our_decoder_with_accounting() {
        let mut r = ShellRouter::new(&device(DeviceProtocol::TwitchWatchV1));
        let data = uuid_string(protocol::DATA_UUID);
        let id = "c0:ff:ee:00:00:01";
        let mut samples = 0;
        for seq in [0u16, 1, 3, 2, 2, 5] {
            let t = 1_700_000_000_000_000 + i64::from(seq) * 100_000;
            if let Routed::Batches(b) = r.push(id, &data, &frame(seq), t).unwrap() {
                samples += b.iter().map(|b| b.len()).sum::<usize>();
            }
        }
        samples += r.flush().iter().map(|b| b.len()).sum::<usize>();
        let stats = r.stats();
        assert_eq!(samples, 50, "0,1,2,3,5 delivered once each");
        assert_eq!(stats.frames_duplicate, 1);
        assert_eq!(stats.frames_reordered, 1);
        assert_eq!(stats.frames_missing, 1);
        let mut bad = frame(6);
        bad[10] ^= 0xFF;
        assert!(matches!(
            r.push(id, &data, &bad, 0),
            Err(ShellError::Frame(FrameError::ChecksumMismatch { .. }))
        ));
        assert_eq!(r.stats().frames_rejected, 1);
    }

    #[test]
    fn only_the_paired_device_is_accepted() {
        let mut r = ShellRouter::new(&device(DeviceProtocol::TwitchWatchV1));
        let data = uuid_string(protocol::DATA_UUID);
        let err = r.push("AA:BB:CC:DD:EE:FF", &data, &frame(0), 0);
        assert!(matches!(err, Err(ShellError::NotPairedDevice { .. })));
        assert_eq!(r.stats().frames_ok, 0);
        assert!(matches!(
            r.push("C0:FF:EE:00:00:01", "not-a-uuid", &frame(0), 0),
            Err(ShellError::BadUuid(_))
        ));
        let polar_data = uuid_string(polar::PMD_DATA_UUID);
        assert!(matches!(
            r.push("C0:FF:EE:00:00:01", &polar_data, &frame(0), 0),
            Err(ShellError::UnknownCharacteristic { .. })
        ));
    }

    #[test]
    fn a_polar_clock_that_jumps_ahead_and_back_neither_stops_the_stream_nor_moves_its_times() {
        let mut dev = device(DeviceProtocol::PolarPmd);
        dev.sample_rate_hz = 52;
        let mut r = ShellRouter::new(&dev);
        let data = uuid_string(polar::PMD_DATA_UUID);
        let t0 = 1_780_000_000_000_000i64;
        let period_ns = 1e9 / 52.0;
        // A never-set clock (2001), one frame stamped in 2090, then the 2001 clock again.
        let sensor = [1_000_000_000, 3_800_000_000, 1_000_000_002];
        let mut times = Vec::new();
        for (k, s) in sensor.iter().enumerate() {
            let last_ns = polar::unix_us_to_pmd_ns(s * 1_000_000) + (25.0 * period_ns) as u64;
            let f = polar::encode_delta(polar::MeasurementType::Acc, last_ns, &[[0, 0, 4096]; 26]);
            let rx = t0 + (k as i64 + 1) * 500_000;
            let Routed::Batches(b) = r.push(&dev.id, &data, &f, rx).unwrap() else {
                panic!("expected batches")
            };
            assert_eq!(b.len(), 1, "frame {k} delivered");
            assert!(
                (rx - 1_000_000..=rx).contains(&b[0].first_sample_us),
                "frame {k}"
            );
            times.push(b[0].first_sample_us);
        }
        assert!(times.windows(2).all(|w| w[0] < w[1]), "{times:?}");
        assert_eq!(r.stats().frames_duplicate, 0);
    }

    #[test]
    fn a_flood_through_the_router_is_cut_to_the_paired_rate_and_counted() {
        let mut r = ShellRouter::new(&device(DeviceProtocol::TwitchWatchV1));
        let data = uuid_string(protocol::DATA_UUID);
        let t0 = 1_780_000_000_000_000i64;
        let mut delivered = 0;
        // 10-sample frames at 100 Hz, sent every 10 ms instead of every 100 ms, for 30 s.
        for seq in 0..3000u16 {
            let rx = t0 + i64::from(seq + 1) * 10_000;
            if let Routed::Batches(b) = r.push(&dev_id(), &data, &frame(seq), rx).unwrap() {
                delivered += b.iter().map(SensorBatch::len).sum::<usize>();
            }
        }
        let stats = r.stats();
        assert_eq!(stats.samples_ok, 30_000);
        // 30 s of real time at 100 Hz, the 3 s lead and the 5 s burst at most.
        assert!(delivered <= 100 * 38 * 5 / 4, "{delivered}");
        assert_eq!(
            (stats.samples_dropped_time + stats.samples_dropped_rate) as usize,
            30_000 - delivered
        );
    }

    fn dev_id() -> String {
        "C0:FF:EE:00:00:01".into()
    }

    #[test]
    fn polar_frames_route_to_the_polar_decoder() {
        let mut dev = device(DeviceProtocol::PolarPmd);
        dev.sample_rate_hz = 52;
        let mut r = ShellRouter::new(&dev);
        let t0 = polar::unix_us_to_pmd_ns(1_700_000_000_000_000);
        let f1 = polar::encode_delta(polar::MeasurementType::Acc, t0, &[[0, 0, 4096]; 20]);
        let routed = r
            .push(
                &dev.id,
                &uuid_string(polar::PMD_DATA_UUID).to_uppercase(),
                &f1,
                0,
            )
            .unwrap();
        let Routed::Batches(b) = routed else {
            panic!("expected batches")
        };
        assert_eq!(b[0].len(), 20);
        assert!((b[0].accel_g[0][2] - 1.0).abs() < 0.01);
        // The same frame again is a duplicate, counted, not an error.
        assert_eq!(
            r.push(&dev.id, &uuid_string(polar::PMD_DATA_UUID), &f1, 0),
            Ok(Routed::Batches(vec![]))
        );
        assert_eq!(r.stats().frames_duplicate, 1);
        assert!(matches!(
            r.push(&dev.id, &uuid_string(polar::PMD_DATA_UUID), &f1[..12], 0),
            Err(ShellError::Polar(_))
        ));
        assert_eq!(r.push(&dev.id, "2a19", &[55], 0), Ok(Routed::Battery(55)));
        assert!(r.push(&dev.id, "2a19", &[155], 0).is_err());
        assert_eq!(
            r.push(
                &dev.id,
                &uuid_string(polar::PMD_CONTROL_POINT_UUID),
                &[0xF0, 2, 2, 0],
                0
            ),
            Ok(Routed::ControlResponse(vec![0xF0, 2, 2, 0]))
        );
    }
}
