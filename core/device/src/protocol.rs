//! The TwitchWatch wearable GATT protocol, version 1 (docs/protocol.md): UUIDs, control point, data frames.
//! Owns the strict frame decoder and the stream accounting (sequence gaps, duplicates, reordering).

use std::collections::VecDeque;
use thiserror::Error;
use twitchwatch_model::{SensorBatch, StreamStats};
use uuid::Uuid;

/// Primary service of the TwitchWatch wearable.
pub const SERVICE_UUID: u128 = 0x5457_0001_8f3c_4b1e_9a6d_2c5e_0f7a_1b00;
/// Control point: write commands, indications carry the response.
pub const CONTROL_POINT_UUID: u128 = 0x5457_0002_8f3c_4b1e_9a6d_2c5e_0f7a_1b00;
/// Data: notifications carrying `DataFrame`s.
pub const DATA_UUID: u128 = 0x5457_0003_8f3c_4b1e_9a6d_2c5e_0f7a_1b00;
/// Standard Battery service / Battery Level characteristic (Bluetooth SIG assigned numbers).
pub const BATTERY_SERVICE_UUID16: u16 = 0x180F;
pub const BATTERY_LEVEL_UUID16: u16 = 0x2A19;
/// Standard Device Information service and the characteristics we read from it.
pub const DEVICE_INFO_SERVICE_UUID16: u16 = 0x180A;
pub const MANUFACTURER_NAME_UUID16: u16 = 0x2A29;
pub const MODEL_NUMBER_UUID16: u16 = 0x2A24;
pub const FIRMWARE_REVISION_UUID16: u16 = 0x2A26;

/// Expands a 16-bit SIG-assigned UUID onto the Bluetooth base UUID.
pub const fn sig_uuid(short: u16) -> u128 {
    ((short as u128) << 96) | 0x0000_0000_0000_1000_8000_0080_5f9b_34fb
}

/// Formats a 128-bit UUID in the usual hyphenated lowercase form.
pub fn uuid_string(uuid: u128) -> String {
    Uuid::from_u128(uuid).hyphenated().to_string()
}

/// Parses a 128-bit UUID (hyphenated, plain, braced or URN, any case), or a 4-hex-digit SIG short
/// form, which is how CoreBluetooth spells the standard services.
pub fn parse_uuid(text: &str) -> Option<u128> {
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u16::from_str_radix(text, 16).ok().map(sig_uuid);
    }
    Uuid::try_parse(text).ok().map(|u| u.as_u128())
}

pub const PROTOCOL_VERSION: u8 = 1;
pub const MIN_RATE_HZ: u16 = 50;
pub const MAX_RATE_HZ: u16 = 1000;
/// version, flags, seq, device time, rate, two scales, sample count.
pub const HEADER_LEN: usize = 1 + 1 + 2 + 8 + 2 + 4 + 4 + 1;
pub const CRC_LEN: usize = 2;
/// The largest frame that fits one notification at the usual negotiated ATT MTU of 247.
pub const MAX_FRAME_LEN: usize = 244;

const FLAG_ACCEL: u8 = 0b01;
const FLAG_GYRO: u8 = 0b10;

/// Accelerometer scale: from ±1 g full scale in 16 bits up to ±64 g.
const ACCEL_SCALE_RANGE: (f32, f32) = (1.0 / 32768.0, 64.0 / 32768.0);
/// Gyroscope scale: from ±125 dps up to ±4000 dps full scale.
const GYRO_SCALE_RANGE: (f32, f32) = (125.0 / 32768.0, 4000.0 / 32768.0);

const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// Which sensors a stream carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelSet {
    pub accel: bool,
    pub gyro: bool,
}

impl ChannelSet {
    pub const ACCEL: ChannelSet = ChannelSet {
        accel: true,
        gyro: false,
    };
    pub const ACCEL_GYRO: ChannelSet = ChannelSet {
        accel: true,
        gyro: true,
    };

    fn bits(self) -> u8 {
        (if self.accel { FLAG_ACCEL } else { 0 }) | (if self.gyro { FLAG_GYRO } else { 0 })
    }
}

/// One data notification, with raw sensor counts.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFrame {
    pub seq: u16,
    /// Device clock (microseconds since the wearable booted) at the first sample of the frame.
    pub device_time_us: u64,
    pub sample_rate_hz: u16,
    pub accel_g_per_lsb: f32,
    /// Zero when the frame carries no gyroscope.
    pub gyro_dps_per_lsb: f32,
    pub accel_raw: Vec<[i16; 3]>,
    /// Empty, or as long as `accel_raw`.
    pub gyro_raw: Vec<[i16; 3]>,
}

impl DataFrame {
    pub fn sample_count(&self) -> usize {
        self.accel_raw.len()
    }

    pub fn channels(&self) -> ChannelSet {
        ChannelSet {
            accel: true,
            gyro: !self.gyro_raw.is_empty(),
        }
    }

    /// Device time just after the last sample of this frame: where the next frame should start.
    pub fn next_device_time_us(&self) -> u64 {
        self.device_time_us.saturating_add(samples_to_us(
            self.sample_count() as u64,
            self.sample_rate_hz,
        ))
    }

    /// How many samples fit one frame of at most `MAX_FRAME_LEN` bytes.
    pub fn max_samples(channels: ChannelSet) -> usize {
        (MAX_FRAME_LEN - HEADER_LEN - CRC_LEN) / bytes_per_sample(channels)
    }
}

fn bytes_per_sample(channels: ChannelSet) -> usize {
    6 * (channels.accel as usize + channels.gyro as usize)
}

fn samples_to_us(samples: u64, rate_hz: u16) -> u64 {
    samples * 1_000_000 / u64::from(rate_hz.max(1))
}

/// Why a frame was rejected. The stream goes on after any of these.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum FrameError {
    #[error("frame too short: {len} bytes, a frame needs at least {min}")]
    TooShort { len: usize, min: usize },
    #[error("frame too long: {len} bytes, at most {max} fit one notification")]
    TooLong { len: usize, max: usize },
    #[error("unsupported protocol version {found}; this app speaks version {PROTOCOL_VERSION} (update the app or the wearable's firmware)")]
    UnsupportedVersion { found: u8 },
    #[error("invalid channel flags 0b{flags:08b}: the accelerometer bit must be set and no reserved bit may be")]
    InvalidChannels { flags: u8 },
    #[error("sample rate {rate_hz} Hz is outside {MIN_RATE_HZ}..={MAX_RATE_HZ} Hz")]
    InvalidRate { rate_hz: u16 },
    #[error("{sensor} scale {value} per count is not a plausible sensor range")]
    InvalidScale { sensor: &'static str, value: f32 },
    #[error("frame carries no samples")]
    NoSamples,
    #[error("frame length {len} does not match its header: {count} samples need {expected} bytes")]
    LengthMismatch {
        len: usize,
        count: usize,
        expected: usize,
    },
    #[error("checksum mismatch (frame says {stated:#06x}, bytes give {computed:#06x}): the frame was corrupted")]
    ChecksumMismatch { stated: u16, computed: u16 },
    #[error("frame has {accel} accelerometer samples but {gyro} gyroscope samples")]
    ChannelLengthMismatch { accel: usize, gyro: usize },
}

/// Encodes a frame for the wire. Used by the simulator, the BlueZ emulator and firmware tests.
///
/// Panics are impossible; an invalid frame (e.g. too many samples) encodes to bytes the decoder rejects,
/// which is exactly what fault-injection tests want.
pub fn encode_frame(frame: &DataFrame) -> Vec<u8> {
    let channels = frame.channels();
    let count = frame.accel_raw.len().min(u8::MAX as usize);
    let mut out = Vec::with_capacity(HEADER_LEN + count * bytes_per_sample(channels) + CRC_LEN);
    out.push(PROTOCOL_VERSION);
    out.push(channels.bits());
    out.extend_from_slice(&frame.seq.to_le_bytes());
    out.extend_from_slice(&frame.device_time_us.to_le_bytes());
    out.extend_from_slice(&frame.sample_rate_hz.to_le_bytes());
    out.extend_from_slice(&frame.accel_g_per_lsb.to_le_bytes());
    let gyro_scale = if channels.gyro {
        frame.gyro_dps_per_lsb
    } else {
        0.0
    };
    out.extend_from_slice(&gyro_scale.to_le_bytes());
    out.push(count as u8);
    for i in 0..count {
        for v in frame.accel_raw[i] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        if channels.gyro {
            let g = frame.gyro_raw.get(i).copied().unwrap_or_default();
            for v in g {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    let crc = CRC16.checksum(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn le_u16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn le_i16(b: &[u8], at: usize) -> i16 {
    i16::from_le_bytes([b[at], b[at + 1]])
}

fn le_f32(b: &[u8], at: usize) -> f32 {
    f32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn check_scale(sensor: &'static str, value: f32, (lo, hi): (f32, f32)) -> Result<(), FrameError> {
    // A little slack around the nominal ranges: vendors round their scale factors.
    if value.is_finite() && value >= lo * 0.9 && value <= hi * 1.1 {
        Ok(())
    } else {
        Err(FrameError::InvalidScale { sensor, value })
    }
}

/// Decodes and validates one frame. Every length, version, rate and scale is checked.
pub fn decode_frame(bytes: &[u8]) -> Result<DataFrame, FrameError> {
    let min = HEADER_LEN + CRC_LEN;
    if bytes.len() < min {
        return Err(FrameError::TooShort {
            len: bytes.len(),
            min,
        });
    }
    if bytes.len() > MAX_FRAME_LEN {
        return Err(FrameError::TooLong {
            len: bytes.len(),
            max: MAX_FRAME_LEN,
        });
    }
    if bytes[0] != PROTOCOL_VERSION {
        return Err(FrameError::UnsupportedVersion { found: bytes[0] });
    }
    let (body, crc_bytes) = bytes.split_at(bytes.len() - CRC_LEN);
    let stated = u16::from_le_bytes([crc_bytes[0], crc_bytes[1]]);
    let computed = CRC16.checksum(body);
    if stated != computed {
        return Err(FrameError::ChecksumMismatch { stated, computed });
    }
    let flags = bytes[1];
    if flags & FLAG_ACCEL == 0 || flags & !(FLAG_ACCEL | FLAG_GYRO) != 0 {
        return Err(FrameError::InvalidChannels { flags });
    }
    let channels = ChannelSet {
        accel: true,
        gyro: flags & FLAG_GYRO != 0,
    };
    let seq = le_u16(bytes, 2);
    let mut time = [0u8; 8];
    time.copy_from_slice(&bytes[4..12]);
    let device_time_us = u64::from_le_bytes(time);
    let sample_rate_hz = le_u16(bytes, 12);
    if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&sample_rate_hz) {
        return Err(FrameError::InvalidRate {
            rate_hz: sample_rate_hz,
        });
    }
    let accel_g_per_lsb = le_f32(bytes, 14);
    check_scale("accelerometer", accel_g_per_lsb, ACCEL_SCALE_RANGE)?;
    let gyro_dps_per_lsb = le_f32(bytes, 18);
    if channels.gyro {
        check_scale("gyroscope", gyro_dps_per_lsb, GYRO_SCALE_RANGE)?;
    } else if gyro_dps_per_lsb.to_bits() != 0 {
        // Exactly zero bytes: -0.0 compares equal to 0.0 but would not re-encode to the same frame.
        return Err(FrameError::InvalidScale {
            sensor: "gyroscope (absent)",
            value: gyro_dps_per_lsb,
        });
    }
    let count = bytes[22] as usize;
    if count == 0 {
        return Err(FrameError::NoSamples);
    }
    let per_sample = bytes_per_sample(channels);
    let expected = HEADER_LEN + count * per_sample + CRC_LEN;
    if bytes.len() != expected {
        return Err(FrameError::LengthMismatch {
            len: bytes.len(),
            count,
            expected,
        });
    }
    let mut accel_raw = Vec::with_capacity(count);
    let mut gyro_raw = Vec::with_capacity(if channels.gyro { count } else { 0 });
    for i in 0..count {
        let at = HEADER_LEN + i * per_sample;
        accel_raw.push([
            le_i16(bytes, at),
            le_i16(bytes, at + 2),
            le_i16(bytes, at + 4),
        ]);
        if channels.gyro {
            gyro_raw.push([
                le_i16(bytes, at + 6),
                le_i16(bytes, at + 8),
                le_i16(bytes, at + 10),
            ]);
        }
    }
    Ok(DataFrame {
        seq,
        device_time_us,
        sample_rate_hz,
        accel_g_per_lsb,
        gyro_dps_per_lsb: if channels.gyro { gyro_dps_per_lsb } else { 0.0 },
        accel_raw,
        gyro_raw,
    })
}

/// Scales a frame's raw counts into a `SensorBatch` whose first sample is at `first_sample_us`.
pub fn frame_to_batch(
    frame: &DataFrame,
    first_sample_us: i64,
    samples_lost_before: u32,
) -> SensorBatch {
    let scale = |raw: &[i16; 3], k: f32| [raw[0] as f32 * k, raw[1] as f32 * k, raw[2] as f32 * k];
    SensorBatch {
        first_sample_us,
        sample_rate_hz: f32::from(frame.sample_rate_hz),
        accel_g: frame
            .accel_raw
            .iter()
            .map(|r| scale(r, frame.accel_g_per_lsb))
            .collect(),
        gyro_dps: frame
            .gyro_raw
            .iter()
            .map(|r| scale(r, frame.gyro_dps_per_lsb))
            .collect(),
        samples_lost_before,
    }
}

// ---------------------------------------------------------------------------------------------
// Control point
// ---------------------------------------------------------------------------------------------

const OP_START: u8 = 0x01;
const OP_STOP: u8 = 0x02;
const OP_RESPONSE: u8 = 0xF0;

/// A command written to the control point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlCommand {
    Start {
        sample_rate_hz: u16,
        channels: ChannelSet,
    },
    Stop,
}

/// The wearable's answer to a command, indicated on the control point as `F0 <opcode> <status>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlStatus {
    Success,
    UnknownOpcode,
    InvalidLength,
    InvalidRate,
    InvalidChannels,
    AlreadyInState,
    LowBattery,
    SensorFault,
    /// A code this app does not know (a newer firmware).
    Other(u8),
}

impl ControlStatus {
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::UnknownOpcode => 1,
            Self::InvalidLength => 2,
            Self::InvalidRate => 3,
            Self::InvalidChannels => 4,
            Self::AlreadyInState => 5,
            Self::LowBattery => 6,
            Self::SensorFault => 7,
            Self::Other(c) => c,
        }
    }

    pub fn from_code(code: u8) -> Self {
        match code {
            0 => Self::Success,
            1 => Self::UnknownOpcode,
            2 => Self::InvalidLength,
            3 => Self::InvalidRate,
            4 => Self::InvalidChannels,
            5 => Self::AlreadyInState,
            6 => Self::LowBattery,
            7 => Self::SensorFault,
            c => Self::Other(c),
        }
    }

    /// What a person should read when the wearable refuses a command.
    pub fn describe(self) -> String {
        match self {
            Self::Success => "success".into(),
            Self::UnknownOpcode => {
                "the wearable does not know this command (update its firmware)".into()
            }
            Self::InvalidLength => "the command was malformed".into(),
            Self::InvalidRate => "the wearable does not support this sample rate".into(),
            Self::InvalidChannels => "the wearable does not have the requested sensors".into(),
            Self::AlreadyInState => "the wearable was already in that state".into(),
            Self::LowBattery => "the wearable's battery is too low to stream; charge it".into(),
            Self::SensorFault => "the wearable reports a sensor fault; restart it".into(),
            Self::Other(c) => format!("the wearable answered with unknown status {c}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Error)]
pub enum ControlError {
    #[error("control point message is empty")]
    Empty,
    #[error("unknown control opcode {0:#04x}")]
    UnknownOpcode(u8),
    #[error("control message for opcode {opcode:#04x} has {len} bytes, expected {expected}")]
    BadLength {
        opcode: u8,
        len: usize,
        expected: usize,
    },
    #[error("sample rate {0} Hz is outside 50..=1000 Hz")]
    InvalidRate(u16),
    #[error("invalid channel set {0:#04x}: the accelerometer is required")]
    InvalidChannels(u8),
}

impl ControlCommand {
    pub fn encode(&self) -> Vec<u8> {
        match *self {
            Self::Start {
                sample_rate_hz,
                channels,
            } => {
                let r = sample_rate_hz.to_le_bytes();
                vec![OP_START, r[0], r[1], channels.bits()]
            }
            Self::Stop => vec![OP_STOP],
        }
    }

    /// The wearable side (emulator, firmware tests): parse and validate a written command.
    pub fn decode(bytes: &[u8]) -> Result<Self, ControlError> {
        let (&op, rest) = bytes.split_first().ok_or(ControlError::Empty)?;
        match op {
            OP_START => {
                if rest.len() != 3 {
                    return Err(ControlError::BadLength {
                        opcode: op,
                        len: bytes.len(),
                        expected: 4,
                    });
                }
                let rate = u16::from_le_bytes([rest[0], rest[1]]);
                if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&rate) {
                    return Err(ControlError::InvalidRate(rate));
                }
                let bits = rest[2];
                if bits & FLAG_ACCEL == 0 || bits & !(FLAG_ACCEL | FLAG_GYRO) != 0 {
                    return Err(ControlError::InvalidChannels(bits));
                }
                Ok(Self::Start {
                    sample_rate_hz: rate,
                    channels: ChannelSet {
                        accel: true,
                        gyro: bits & FLAG_GYRO != 0,
                    },
                })
            }
            OP_STOP if rest.is_empty() => Ok(Self::Stop),
            OP_STOP => Err(ControlError::BadLength {
                opcode: op,
                len: bytes.len(),
                expected: 1,
            }),
            other => Err(ControlError::UnknownOpcode(other)),
        }
    }

    fn opcode(&self) -> u8 {
        match self {
            Self::Start { .. } => OP_START,
            Self::Stop => OP_STOP,
        }
    }

    /// The indication a wearable sends back for this command.
    pub fn encode_response(&self, status: ControlStatus) -> Vec<u8> {
        vec![OP_RESPONSE, self.opcode(), status.code()]
    }
}

/// Parses a control-point indication into (opcode it answers, status).
pub fn decode_control_response(bytes: &[u8]) -> Result<(u8, ControlStatus), ControlError> {
    match bytes {
        [OP_RESPONSE, op, status] => Ok((*op, ControlStatus::from_code(*status))),
        [] => Err(ControlError::Empty),
        [OP_RESPONSE, ..] => Err(ControlError::BadLength {
            opcode: OP_RESPONSE,
            len: bytes.len(),
            expected: 3,
        }),
        [op, ..] => Err(ControlError::UnknownOpcode(*op)),
    }
}

// ---------------------------------------------------------------------------------------------
// Stream accounting
// ---------------------------------------------------------------------------------------------

/// Settings for `StreamDecoder`.
#[derive(Debug, Clone, Copy)]
pub struct StreamDecoderConfig {
    /// Frames held back waiting for a missing one before the gap is declared.
    pub reorder_window: usize,
    /// Re-anchor device time to wall time when they disagree by more than this.
    pub max_clock_skew_us: i64,
}

impl Default for StreamDecoderConfig {
    fn default() -> Self {
        StreamDecoderConfig {
            reorder_window: 4,
            max_clock_skew_us: 2_000_000,
        }
    }
}

/// Turns a sequence of notifications into time-ordered `SensorBatch`es with gap, duplicate and
/// reorder accounting. A bad frame is counted and skipped; the stream never stops because of one.
#[derive(Debug)]
pub struct StreamDecoder {
    config: StreamDecoderConfig,
    stats: StreamStats,
    /// Next sequence number expected, once the stream has started.
    expected_seq: Option<u16>,
    /// Device time where the next in-order frame should start.
    expected_device_time_us: Option<u64>,
    /// Wall-clock microseconds minus device microseconds.
    clock_offset_us: Option<i64>,
    /// Arrival time of the last frame delivered.
    last_rx_us: Option<i64>,
    /// Frames that arrived ahead of a missing one, ordered by seq distance.
    pending: VecDeque<(DataFrame, i64)>,
    last_error: Option<FrameError>,
}

/// Serial-number distance from `from` to `to` modulo 2^16, as a signed value.
fn seq_distance(from: u16, to: u16) -> i32 {
    to.wrapping_sub(from) as i16 as i32
}

impl StreamDecoder {
    pub fn new(config: StreamDecoderConfig) -> Self {
        StreamDecoder {
            config,
            stats: StreamStats::default(),
            expected_seq: None,
            expected_device_time_us: None,
            clock_offset_us: None,
            last_rx_us: None,
            pending: VecDeque::new(),
            last_error: None,
        }
    }

    pub fn stats(&self) -> StreamStats {
        self.stats
    }

    pub fn last_error(&self) -> Option<&FrameError> {
        self.last_error.as_ref()
    }

    /// Marks a reconnect: the next frame re-establishes sequence and clock without being taken as a
    /// reorder, and the time between is accounted as lost samples.
    pub fn note_reconnect(&mut self) {
        self.stats.reconnects += 1;
        self.expected_seq = None;
        // Frames held for reordering will never be completed now: deliver them on the next push.
    }

    /// Feeds one notification received at `receive_time_us` (wall clock, microseconds since the
    /// epoch). Completed batches are appended to `out` in time order.
    pub fn push(
        &mut self,
        bytes: &[u8],
        receive_time_us: i64,
        out: &mut Vec<SensorBatch>,
    ) -> Result<(), FrameError> {
        let frame = match decode_frame(bytes) {
            Ok(f) => f,
            Err(e) => {
                self.stats.frames_rejected += 1;
                tracing::debug!(error = %e, "rejected frame");
                self.last_error = Some(e.clone());
                return Err(e);
            }
        };
        self.accept(frame, receive_time_us, out);
        Ok(())
    }

    /// Delivers any frames still held for reordering (end of stream).
    pub fn flush(&mut self, out: &mut Vec<SensorBatch>) {
        while let Some((frame, rx)) = self.pending.pop_front() {
            self.emit(frame, rx, out);
        }
    }

    fn accept(&mut self, frame: DataFrame, rx: i64, out: &mut Vec<SensorBatch>) {
        let Some(expected) = self.expected_seq else {
            // First frame, or first after a reconnect: anything held is older, deliver it first.
            self.flush(out);
            self.emit(frame, rx, out);
            return;
        };
        let d = seq_distance(expected, frame.seq);
        if d < 0 {
            // Behind what we already delivered: a duplicate (or a frame so late it can't be placed).
            self.stats.frames_duplicate += 1;
            return;
        }
        if d == 0 {
            self.emit(frame, rx, out);
            self.drain_pending(out);
            return;
        }
        // Ahead of a missing frame: hold it, unless it duplicates one already held.
        if self.pending.iter().any(|(f, _)| f.seq == frame.seq) {
            self.stats.frames_duplicate += 1;
            return;
        }
        let pos = self
            .pending
            .iter()
            .position(|(f, _)| seq_distance(expected, f.seq) > d)
            .unwrap_or(self.pending.len());
        self.pending.insert(pos, (frame, rx));
        if self.pending.len() > self.config.reorder_window {
            // The missing frame is not coming: declare the gap and move on.
            if let Some((f, r)) = self.pending.pop_front() {
                self.emit(f, r, out);
            }
            self.drain_pending(out);
        }
    }

    fn drain_pending(&mut self, out: &mut Vec<SensorBatch>) {
        while let Some(expected) = self.expected_seq {
            match self.pending.front() {
                Some((f, _)) if f.seq == expected => {
                    if let Some((f, r)) = self.pending.pop_front() {
                        self.stats.frames_reordered += 1;
                        self.emit(f, r, out);
                    }
                }
                _ => break,
            }
        }
    }

    fn emit(&mut self, frame: DataFrame, rx: i64, out: &mut Vec<SensorBatch>) {
        let rate = frame.sample_rate_hz;
        let mut lost_samples: u64 = 0;
        if let Some(expected) = self.expected_seq {
            let missing = seq_distance(expected, frame.seq);
            if missing > 0 {
                self.stats.frames_missing += missing as u64;
            }
        }
        if let Some(expected_t) = self.expected_device_time_us {
            if frame.device_time_us > expected_t {
                let gap_us = frame.device_time_us - expected_t;
                // Under half a sample of difference is clock rounding, not loss.
                lost_samples = gap_us
                    .saturating_mul(u64::from(rate))
                    .saturating_add(500_000)
                    / 1_000_000;
                // A device clock that jumps ahead is not hours of loss in a second of real time.
                if let Some(prev_rx) = self.last_rx_us {
                    lost_samples = crate::guard::plausible_loss(
                        lost_samples,
                        rx.saturating_sub(prev_rx),
                        f64::from(rate),
                        self.config.max_clock_skew_us,
                    );
                }
            } else if frame.device_time_us.saturating_add(1_000_000) < expected_t {
                // The device clock went backwards by more than a second: it rebooted.
                self.clock_offset_us = None;
            }
        }
        let offset = self.anchor(&frame, rx);
        let first_sample_us = offset.saturating_add(frame.device_time_us as i64);
        self.stats.frames_ok += 1;
        self.stats.samples_ok += frame.sample_count() as u64;
        self.stats.samples_lost += lost_samples;
        self.expected_seq = Some(frame.seq.wrapping_add(1));
        self.expected_device_time_us = Some(frame.next_device_time_us());
        self.last_rx_us = Some(self.last_rx_us.map_or(rx, |prev| prev.max(rx)));
        out.push(frame_to_batch(
            &frame,
            first_sample_us,
            lost_samples.min(u64::from(u32::MAX)) as u32,
        ));
    }

    /// Maps device time to wall time. The first frame fixes the offset; it is only moved when the
    /// two clocks disagree by more than the allowed skew, so batches stay evenly spaced.
    fn anchor(&mut self, frame: &DataFrame, rx: i64) -> i64 {
        // The frame was sent just after its last sample.
        let frame_end_device = frame.next_device_time_us() as i64;
        let observed = rx.saturating_sub(frame_end_device);
        match self.clock_offset_us {
            Some(off)
                if observed.saturating_sub(off).saturating_abs()
                    <= self.config.max_clock_skew_us =>
            {
                off
            }
            _ => {
                self.clock_offset_us = Some(observed);
                observed
            }
        }
    }
}

impl Default for StreamDecoder {
    fn default() -> Self {
        Self::new(StreamDecoderConfig::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(seq: u16, t_us: u64, n: usize, gyro: bool) -> DataFrame {
        DataFrame {
            seq,
            device_time_us: t_us,
            sample_rate_hz: 200,
            accel_g_per_lsb: 8.0 / 32768.0,
            gyro_dps_per_lsb: if gyro { 2000.0 / 32768.0 } else { 0.0 },
            accel_raw: (0..n).map(|i| [i as i16, -(i as i16), 4096]).collect(),
            gyro_raw: if gyro {
                (0..n).map(|i| [1, 2, i as i16 * 3]).collect()
            } else {
                vec![]
            },
        }
    }

    /// Frames of 10 samples at 200 Hz: 50 ms apart.
    fn stream_frame(seq: u16) -> Vec<u8> {
        encode_frame(&frame(seq, u64::from(seq) * 50_000, 10, true))
    }

    #[test]
    fn round_trip_with_and_without_gyro() {
        for gyro in [false, true] {
            let f = frame(
                65535,
                123_456_789,
                DataFrame::max_samples(ChannelSet { accel: true, gyro }),
                gyro,
            );
            let bytes = encode_frame(&f);
            assert!(bytes.len() <= MAX_FRAME_LEN);
            assert_eq!(decode_frame(&bytes).unwrap(), f);
        }
    }

    /// Found by the fuzzer: an accelerometer-only frame whose absent gyroscope scale was -0.0 decoded
    /// (it equals 0.0) but re-encoded with +0.0, so one frame had two byte forms.
    #[test]
    fn an_absent_gyroscope_scale_must_be_zero_bytes_not_negative_zero() {
        let mut b = encode_frame(&frame(7, 0, 3, false));
        b[18..22].copy_from_slice(&(-0.0f32).to_le_bytes());
        let n = b.len() - CRC_LEN;
        let c = CRC16.checksum(&b[..n]).to_le_bytes();
        b[n..].copy_from_slice(&c);
        assert!(matches!(
            decode_frame(&b),
            Err(FrameError::InvalidScale { .. })
        ));
    }

    #[test]
    fn every_rejection_path_is_a_typed_error() {
        let good = encode_frame(&frame(1, 0, 5, true));
        let recrc = |mut b: Vec<u8>| {
            let n = b.len() - CRC_LEN;
            let c = CRC16.checksum(&b[..n]).to_le_bytes();
            b[n] = c[0];
            b[n + 1] = c[1];
            b
        };
        assert!(matches!(
            decode_frame(&good[..10]),
            Err(FrameError::TooShort { .. })
        ));
        assert!(matches!(
            decode_frame(&vec![1u8; 300]),
            Err(FrameError::TooLong { .. })
        ));
        let mut b = good.clone();
        b[0] = 2;
        assert_eq!(
            decode_frame(&b),
            Err(FrameError::UnsupportedVersion { found: 2 })
        );
        let mut b = good.clone();
        b[30] ^= 0x40;
        assert!(matches!(
            decode_frame(&b),
            Err(FrameError::ChecksumMismatch { .. })
        ));
        let mut b = good.clone();
        b[1] = 0b10;
        assert!(matches!(
            decode_frame(&recrc(b)),
            Err(FrameError::InvalidChannels { .. })
        ));
        let mut b = good.clone();
        b[1] = 0b111;
        assert!(matches!(
            decode_frame(&recrc(b)),
            Err(FrameError::InvalidChannels { .. })
        ));
        for rate in [0u16, 49, 1001, 65535] {
            let mut b = good.clone();
            b[12..14].copy_from_slice(&rate.to_le_bytes());
            assert_eq!(
                decode_frame(&recrc(b)),
                Err(FrameError::InvalidRate { rate_hz: rate })
            );
        }
        for scale in [0.0f32, -1.0, f32::NAN, f32::INFINITY, 1.0] {
            let mut b = good.clone();
            b[14..18].copy_from_slice(&scale.to_le_bytes());
            assert!(matches!(
                decode_frame(&recrc(b)),
                Err(FrameError::InvalidScale {
                    sensor: "accelerometer",
                    ..
                })
            ));
            let mut b = good.clone();
            b[18..22].copy_from_slice(&scale.to_le_bytes());
            assert!(matches!(
                decode_frame(&recrc(b)),
                Err(FrameError::InvalidScale {
                    sensor: "gyroscope",
                    ..
                })
            ));
        }
        let no_gyro = encode_frame(&frame(1, 0, 5, false));
        let mut b = no_gyro.clone();
        b[18..22].copy_from_slice(&1.0f32.to_le_bytes());
        assert!(matches!(
            decode_frame(&recrc(b)),
            Err(FrameError::InvalidScale { .. })
        ));
        let mut b = good.clone();
        b[22] = 0;
        assert_eq!(decode_frame(&recrc(b)), Err(FrameError::NoSamples));
        let mut b = good.clone();
        b[22] = 6;
        assert!(matches!(
            decode_frame(&recrc(b)),
            Err(FrameError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn decoder_survives_bad_frames_and_counts_them() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        d.push(&stream_frame(0), 1_000_000, &mut out).unwrap();
        assert!(d.push(&[0xde, 0xad], 1_000_000, &mut out).is_err());
        d.push(&stream_frame(1), 1_050_000, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(d.stats().frames_rejected, 1);
        assert_eq!(d.stats().frames_ok, 2);
        assert!(matches!(d.last_error(), Some(FrameError::TooShort { .. })));
        // Evenly spaced in wall time.
        assert_eq!(out[1].first_sample_us - out[0].first_sample_us, 50_000);
    }

    #[test]
    fn gaps_are_counted_in_frames_and_samples() {
        let mut d = StreamDecoder::new(StreamDecoderConfig {
            reorder_window: 0,
            ..Default::default()
        });
        let mut out = Vec::new();
        for seq in [0u16, 1, 4, 5] {
            d.push(&stream_frame(seq), 0, &mut out).unwrap();
        }
        assert_eq!(out.len(), 4);
        assert_eq!(out[2].samples_lost_before, 20);
        assert_eq!(d.stats().frames_missing, 2);
        assert_eq!(d.stats().samples_lost, 20);
        assert_eq!(out[2].first_sample_us - out[1].first_sample_us, 150_000);
    }

    #[test]
    fn duplicates_are_dropped() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        for seq in [0u16, 1, 1, 2, 0, 2] {
            d.push(&stream_frame(seq), 0, &mut out).unwrap();
        }
        assert_eq!(out.len(), 3);
        assert_eq!(d.stats().frames_duplicate, 3);
        assert_eq!(d.stats().samples_lost, 0);
    }

    #[test]
    fn reordered_frames_are_put_back_in_order() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        for seq in [0u16, 2, 3, 1, 4, 6, 5] {
            d.push(&stream_frame(seq), 0, &mut out).unwrap();
        }
        d.flush(&mut out);
        let times: Vec<i64> = out.iter().map(|b| b.first_sample_us).collect();
        assert_eq!(out.len(), 7);
        assert!(times.windows(2).all(|w| w[1] - w[0] == 50_000), "{times:?}");
        assert_eq!(d.stats().frames_missing, 0);
        assert_eq!(d.stats().samples_lost, 0);
        assert!(d.stats().frames_reordered >= 2);
    }

    #[test]
    fn a_frame_that_never_comes_is_declared_lost_after_the_window() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        for seq in 0u16..12 {
            if seq != 3 {
                d.push(&stream_frame(seq), 0, &mut out).unwrap();
            }
        }
        assert_eq!(out.len(), 11);
        assert_eq!(d.stats().frames_missing, 1);
        assert_eq!(d.stats().samples_lost, 10);
        // Late arrival of the lost frame is not delivered out of order.
        d.push(&stream_frame(3), 0, &mut out).unwrap();
        assert_eq!(d.stats().frames_duplicate, 1);
    }

    #[test]
    fn sequence_wraps_around() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        for seq in [65534u16, 65535, 0, 1] {
            d.push(
                &encode_frame(&frame(
                    seq,
                    u64::from(seq.wrapping_sub(65534)) * 50_000,
                    10,
                    false,
                )),
                0,
                &mut out,
            )
            .unwrap();
        }
        assert_eq!(out.len(), 4);
        assert_eq!(d.stats().frames_missing, 0);
    }

    /// Found by replaying the fuzz corpus with overflow checks on: a device time near the end of
    /// `u64` overflowed the loss arithmetic (the fuzz runs are optimised builds, which wrap).
    #[test]
    fn a_device_clock_that_jumps_ahead_reports_only_the_loss_real_time_allows() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        d.push(&stream_frame(0), 1_000_000, &mut out).unwrap();
        let far = encode_frame(&frame(1, u64::MAX - 10, 10, true));
        d.push(&far, 1_050_000, &mut out).unwrap();
        let hour = encode_frame(&frame(2, 3_600_000_000, 10, true));
        d.push(&hour, 1_100_000, &mut out).unwrap();
        // 50 ms between notifications and 2 s of allowed skew: at most 410 samples at 200 Hz each.
        assert!(d.stats().samples_lost <= 2 * 410, "{:?}", d.stats());
        assert_eq!(out.len(), 3);
    }

    #[test]
    fn reconnect_accounts_the_time_in_between_as_lost() {
        let mut d = StreamDecoder::default();
        let mut out = Vec::new();
        d.push(&stream_frame(0), 1_000_000, &mut out).unwrap();
        d.note_reconnect();
        // The device kept its clock and sequence; 2 s later it resumes at seq 40.
        d.push(&stream_frame(40), 3_000_000, &mut out).unwrap();
        assert_eq!(out[1].samples_lost_before, 390);
        assert_eq!(d.stats().reconnects, 1);
    }

    #[test]
    fn control_commands_round_trip_and_validate() {
        let start = ControlCommand::Start {
            sample_rate_hz: 400,
            channels: ChannelSet::ACCEL_GYRO,
        };
        assert_eq!(ControlCommand::decode(&start.encode()), Ok(start));
        assert_eq!(
            ControlCommand::decode(&ControlCommand::Stop.encode()),
            Ok(ControlCommand::Stop)
        );
        assert_eq!(ControlCommand::decode(&[]), Err(ControlError::Empty));
        assert_eq!(
            ControlCommand::decode(&[9]),
            Err(ControlError::UnknownOpcode(9))
        );
        assert_eq!(
            ControlCommand::decode(&[1, 20, 0, 1]),
            Err(ControlError::InvalidRate(20))
        );
        assert_eq!(
            ControlCommand::decode(&[1, 200, 0, 2]),
            Err(ControlError::InvalidChannels(2))
        );
        assert!(matches!(
            ControlCommand::decode(&[1, 200]),
            Err(ControlError::BadLength { .. })
        ));
        let resp = start.encode_response(ControlStatus::LowBattery);
        assert_eq!(
            decode_control_response(&resp),
            Ok((1, ControlStatus::LowBattery))
        );
        assert!(ControlStatus::LowBattery.describe().contains("charge"));
        assert_eq!(ControlStatus::from_code(200), ControlStatus::Other(200));
    }

    #[test]
    fn uuids_format_and_parse() {
        assert_eq!(
            uuid_string(SERVICE_UUID),
            "54570001-8f3c-4b1e-9a6d-2c5e0f7a1b00"
        );
        assert_eq!(
            parse_uuid("54570001-8f3c-4b1e-9a6d-2c5e0f7a1b00"),
            Some(SERVICE_UUID)
        );
        assert_eq!(
            uuid_string(sig_uuid(0x180F)),
            "0000180f-0000-1000-8000-00805f9b34fb"
        );
        assert_eq!(parse_uuid("180f"), Some(sig_uuid(BATTERY_SERVICE_UUID16)));
        assert_eq!(parse_uuid("nope"), None);
    }

    proptest::proptest! {
        #[test]
        fn decoder_never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = decode_frame(&bytes);
            let mut d = StreamDecoder::default();
            let mut out = Vec::new();
            let _ = d.push(&bytes, 0, &mut out);
        }

        #[test]
        fn any_valid_frame_round_trips(seq: u16, t: u64, rate in 50u16..=1000, n in 1usize..=18, gyro: bool, seed: i16) {
            let f = DataFrame {
                seq, device_time_us: t, sample_rate_hz: rate,
                accel_g_per_lsb: 4.0 / 32768.0,
                gyro_dps_per_lsb: if gyro { 1000.0 / 32768.0 } else { 0.0 },
                accel_raw: (0..n).map(|i| [seed.wrapping_mul(i as i16), seed, seed.wrapping_neg()]).collect(),
                gyro_raw: if gyro { (0..n).map(|i| [i as i16, seed, 7]).collect() } else { vec![] },
            };
            proptest::prop_assert_eq!(decode_frame(&encode_frame(&f)).unwrap(), f);
        }
    }
}
