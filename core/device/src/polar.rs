//! Polar Measurement Data (PMD): control-point requests and responses, and decoding of accelerometer
//! and gyroscope frames (uncompressed and delta-compressed) into `SensorBatch`es, plus an encoder for tests.

use thiserror::Error;
use twitchwatch_model::{SensorBatch, StreamStats};

/// PMD service; Polar sensors advertise heart rate (0x180D) instead, so scans match the name prefix.
/// Kept as numbers like the TwitchWatch UUIDs; `protocol::uuid_string` gives the text a shell needs.
pub const PMD_SERVICE_UUID: u128 = 0xfb005c80_02e7_f387_1cad_8acd2d8df0c8;
pub const PMD_CONTROL_POINT_UUID: u128 = 0xfb005c81_02e7_f387_1cad_8acd2d8df0c8;
pub const PMD_DATA_UUID: u128 = 0xfb005c82_02e7_f387_1cad_8acd2d8df0c8;
/// Standard heart-rate service, which is what Polar sensors put in their advertisement.
pub const HEART_RATE_SERVICE_UUID16: u16 = 0x180D;
/// Advertised name prefix of Polar sensors ("Polar Sense B5A1C2D3").
pub const POLAR_NAME_PREFIX: &str = "Polar";

/// Seconds between the Unix epoch and 2000-01-01T00:00:00Z, the PMD time base.
const PMD_EPOCH_OFFSET_S: i64 = 946_684_800;

const OP_GET_SETTINGS: u8 = 1;
const OP_START: u8 = 2;
const OP_STOP: u8 = 3;
const RESPONSE_CODE: u8 = 0xF0;

const SETTING_SAMPLE_RATE: u8 = 0;
const SETTING_RESOLUTION: u8 = 1;
const SETTING_RANGE: u8 = 2;
const SETTING_CHANNELS: u8 = 4;
const SETTING_FACTOR: u8 = 5;

/// Errors from the PMD control point and data decoder. Each control-point status is its own variant
/// so a shell can tell the user what to do.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PolarError {
    #[error(
        "Polar control point: invalid opcode {opcode} (the sensor does not know this request)"
    )]
    InvalidOpcode { opcode: u8 },
    #[error("Polar control point: measurement type {measurement} is invalid for this sensor")]
    InvalidMeasurementType { measurement: u8 },
    #[error("Polar control point: measurement type {measurement} is not supported by this sensor or firmware")]
    NotSupported { measurement: u8 },
    #[error("Polar control point: the request had an invalid length")]
    InvalidLength,
    #[error("Polar control point: a parameter of the request is invalid")]
    InvalidParameter,
    #[error("Polar control point: the measurement is already in the requested state (a previous session left it running: stop it, then start again)")]
    AlreadyInState,
    #[error("Polar control point: the requested resolution is not supported")]
    InvalidResolution,
    #[error("Polar control point: the requested sample rate is not supported (normal mode allows 52 Hz ACC; SDK mode unlocks 26-416 Hz)")]
    InvalidSampleRate,
    #[error("Polar control point: the requested range is not supported")]
    InvalidRange,
    #[error("Polar control point: the link MTU is too small for this stream")]
    InvalidMtu,
    #[error("Polar control point: the requested number of channels is not supported")]
    InvalidChannelCount,
    #[error("Polar control point: the sensor is in a state that does not allow this request")]
    InvalidState,
    #[error(
        "Polar control point: the sensor is on its charger; take it off the charger to stream"
    )]
    DeviceInCharger,
    #[error("Polar control point: unknown status code {status}")]
    UnknownStatus { status: u8 },
    #[error("Polar control-point response is malformed: {0}")]
    MalformedResponse(&'static str),
    #[error("Polar control-point request is malformed: {0}")]
    MalformedRequest(&'static str),
    #[error("Polar data frame is malformed: {0}")]
    MalformedFrame(&'static str),
    #[error("Polar data frame has measurement type {0}, which TwitchWatch does not decode (only ACC and GYRO)")]
    UnsupportedMeasurement(u8),
    #[error("Polar data frame type {0} is not supported for this measurement")]
    UnsupportedFrameType(u8),
    #[error("Polar data frame timestamp goes backwards (duplicate or reordered notification)")]
    StaleFrame,
}

impl PolarError {
    /// The error for a non-zero control-point status byte.
    pub fn from_status(status: u8, opcode: u8, measurement: u8) -> Self {
        match status {
            1 => Self::InvalidOpcode { opcode },
            2 => Self::InvalidMeasurementType { measurement },
            3 => Self::NotSupported { measurement },
            4 => Self::InvalidLength,
            5 => Self::InvalidParameter,
            6 => Self::AlreadyInState,
            7 => Self::InvalidResolution,
            8 => Self::InvalidSampleRate,
            9 => Self::InvalidRange,
            10 => Self::InvalidMtu,
            11 => Self::InvalidChannelCount,
            12 => Self::InvalidState,
            13 => Self::DeviceInCharger,
            other => Self::UnknownStatus { status: other },
        }
    }

    /// The status byte a sensor sends for this error (used by the emulator), if it is a status error.
    pub fn status_code(&self) -> Option<u8> {
        Some(match self {
            Self::InvalidOpcode { .. } => 1,
            Self::InvalidMeasurementType { .. } => 2,
            Self::NotSupported { .. } => 3,
            Self::InvalidLength => 4,
            Self::InvalidParameter => 5,
            Self::AlreadyInState => 6,
            Self::InvalidResolution => 7,
            Self::InvalidSampleRate => 8,
            Self::InvalidRange => 9,
            Self::InvalidMtu => 10,
            Self::InvalidChannelCount => 11,
            Self::InvalidState => 12,
            Self::DeviceInCharger => 13,
            Self::UnknownStatus { status } => *status,
            _ => return None,
        })
    }
}

/// PMD measurement types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum MeasurementType {
    Ecg = 0,
    Ppg = 1,
    Acc = 2,
    Ppi = 3,
    Gyro = 5,
    Mag = 6,
    /// Verity Sense SDK mode: unlocks higher sample rates.
    SdkMode = 9,
}

impl MeasurementType {
    pub fn from_u8(value: u8) -> Option<Self> {
        Some(match value {
            0 => Self::Ecg,
            1 => Self::Ppg,
            2 => Self::Acc,
            3 => Self::Ppi,
            5 => Self::Gyro,
            6 => Self::Mag,
            9 => Self::SdkMode,
            _ => return None,
        })
    }
}

/// Settings for one ACC or GYRO stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PmdSettings {
    pub sample_rate_hz: u16,
    pub resolution_bits: u16,
    /// ±g for ACC, ±dps for GYRO.
    pub range: u16,
    pub channels: u8,
}

impl PmdSettings {
    /// ACC at `sample_rate_hz`, 16 bit, ±8 g, 3 channels.
    pub fn acc(sample_rate_hz: u16) -> Self {
        Self {
            sample_rate_hz,
            resolution_bits: 16,
            range: 8,
            channels: 3,
        }
    }

    /// GYRO at `sample_rate_hz`, 16 bit, ±2000 dps, 3 channels.
    pub fn gyro(sample_rate_hz: u16) -> Self {
        Self {
            sample_rate_hz,
            resolution_bits: 16,
            range: 2000,
            channels: 3,
        }
    }

    /// The factor a sensor reports when it sends none: full range over the signed integer span.
    /// ACC comes out in mg, GYRO in dps.
    pub fn default_factor(&self, measurement: MeasurementType) -> f32 {
        let span = 2f32.powi(i32::from(self.resolution_bits.clamp(1, 32)) - 1);
        match measurement {
            MeasurementType::Acc => f32::from(self.range) * 1000.0 / span,
            _ => f32::from(self.range) / span,
        }
    }
}

/// A request written to the PMD control point.
#[derive(Debug, Clone, PartialEq)]
pub enum ControlRequest {
    GetSettings(MeasurementType),
    Start {
        measurement: MeasurementType,
        settings: PmdSettings,
    },
    Stop(MeasurementType),
    /// Verity Sense SDK mode (`02 09`); stopped with `Stop(SdkMode)`.
    StartSdkMode,
}

impl ControlRequest {
    pub fn encode(&self) -> Vec<u8> {
        match self {
            Self::GetSettings(m) => vec![OP_GET_SETTINGS, *m as u8],
            Self::Stop(m) => vec![OP_STOP, *m as u8],
            Self::StartSdkMode => vec![OP_START, MeasurementType::SdkMode as u8],
            Self::Start {
                measurement,
                settings,
            } => {
                let mut out = vec![OP_START, *measurement as u8];
                out.extend_from_slice(&[SETTING_SAMPLE_RATE, 1]);
                out.extend_from_slice(&settings.sample_rate_hz.to_le_bytes());
                out.extend_from_slice(&[SETTING_RESOLUTION, 1]);
                out.extend_from_slice(&settings.resolution_bits.to_le_bytes());
                out.extend_from_slice(&[SETTING_RANGE, 1]);
                out.extend_from_slice(&settings.range.to_le_bytes());
                out.extend_from_slice(&[SETTING_CHANNELS, 1, settings.channels]);
                out
            }
        }
    }

    /// Parses a request as a sensor would (the emulator uses this).
    pub fn decode(bytes: &[u8]) -> Result<Self, PolarError> {
        let (&opcode, rest) = bytes
            .split_first()
            .ok_or(PolarError::MalformedRequest("empty request"))?;
        let (&mtype, rest) = rest.split_first().ok_or(PolarError::InvalidLength)?;
        let measurement = MeasurementType::from_u8(mtype)
            .ok_or(PolarError::InvalidMeasurementType { measurement: mtype })?;
        match opcode {
            OP_GET_SETTINGS => Ok(Self::GetSettings(measurement)),
            OP_STOP => Ok(Self::Stop(measurement)),
            OP_START if measurement == MeasurementType::SdkMode => Ok(Self::StartSdkMode),
            OP_START => {
                let parsed = parse_settings(rest).map_err(|_| PolarError::InvalidLength)?;
                let first = |v: &[u16]| v.first().copied();
                let settings = PmdSettings {
                    sample_rate_hz: first(&parsed.sample_rates_hz)
                        .ok_or(PolarError::InvalidSampleRate)?,
                    resolution_bits: first(&parsed.resolutions_bits).unwrap_or(16),
                    range: first(&parsed.ranges).unwrap_or(8),
                    channels: parsed.channels.first().copied().unwrap_or(3),
                };
                Ok(Self::Start {
                    measurement,
                    settings,
                })
            }
            other => Err(PolarError::InvalidOpcode { opcode: other }),
        }
    }
}

/// Settings listed in a control-point response (or a start request).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsList {
    pub sample_rates_hz: Vec<u16>,
    pub resolutions_bits: Vec<u16>,
    pub ranges: Vec<u16>,
    pub channels: Vec<u8>,
    pub factor: Option<f32>,
}

fn parse_settings(mut bytes: &[u8]) -> Result<SettingsList, PolarError> {
    let mut out = SettingsList::default();
    while let [kind, count, rest @ ..] = bytes {
        let count = usize::from(*count);
        let width = match *kind {
            SETTING_SAMPLE_RATE | SETTING_RESOLUTION | SETTING_RANGE => 2,
            SETTING_CHANNELS => 1,
            SETTING_FACTOR => 4,
            _ => return Err(PolarError::MalformedResponse("unknown setting type")),
        };
        let len = width * count;
        let values = rest
            .get(..len)
            .ok_or(PolarError::MalformedResponse("setting values cut short"))?;
        for chunk in values.chunks_exact(width) {
            match (*kind, chunk) {
                (SETTING_CHANNELS, [c]) => out.channels.push(*c),
                (SETTING_FACTOR, [a, b, c, d]) => {
                    let factor = f32::from_le_bytes([*a, *b, *c, *d]);
                    if !factor.is_finite() || factor <= 0.0 {
                        return Err(PolarError::MalformedResponse(
                            "conversion factor is not a positive number",
                        ));
                    }
                    out.factor = Some(factor);
                }
                (k, [lo, hi]) => {
                    let v = u16::from_le_bytes([*lo, *hi]);
                    match k {
                        SETTING_SAMPLE_RATE => out.sample_rates_hz.push(v),
                        SETTING_RESOLUTION => out.resolutions_bits.push(v),
                        _ => out.ranges.push(v),
                    }
                }
                _ => return Err(PolarError::MalformedResponse("setting value width")),
            }
        }
        bytes = rest.get(len..).unwrap_or_default();
    }
    if !bytes.is_empty() {
        return Err(PolarError::MalformedResponse(
            "trailing byte after settings",
        ));
    }
    Ok(out)
}

/// A successful control-point indication: `F0 <opcode> <type> 00 [more] [settings...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlResponse {
    pub opcode: u8,
    pub measurement: u8,
    pub settings: SettingsList,
}

/// Parses a control-point indication; a non-zero status becomes its own `PolarError`.
pub fn parse_control_response(bytes: &[u8]) -> Result<ControlResponse, PolarError> {
    let [code, opcode, measurement, status, rest @ ..] = bytes else {
        return Err(PolarError::MalformedResponse(
            "shorter than the 4-byte header F0 <opcode> <type> <status>",
        ));
    };
    if *code != RESPONSE_CODE {
        return Err(PolarError::MalformedResponse("does not start with F0"));
    }
    if *status != 0 {
        return Err(PolarError::from_status(*status, *opcode, *measurement));
    }
    // Byte 4, when present, says whether more response frames follow; settings come after it.
    let settings = match rest {
        [] | [_] => SettingsList::default(),
        [_more, list @ ..] => parse_settings(list)?,
    };
    Ok(ControlResponse {
        opcode: *opcode,
        measurement: *measurement,
        settings,
    })
}

/// Builds a control-point indication (the emulator answers with this).
pub fn encode_control_response(
    opcode: u8,
    measurement: u8,
    status: u8,
    factor: Option<f32>,
) -> Vec<u8> {
    let mut out = vec![RESPONSE_CODE, opcode, measurement, status];
    if let Some(f) = factor {
        out.push(0);
        out.extend_from_slice(&[SETTING_FACTOR, 1]);
        out.extend_from_slice(&f.to_le_bytes());
    }
    out
}

/// How a frame's sample values are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleEncoding {
    /// Signed integer counts, scaled by the conversion factor.
    Integer,
    /// IEEE-754 float32 bit patterns (the gyroscope's type-1 frames), already in dps.
    Float32,
}

/// One decoded data notification, in raw sensor units.
#[derive(Debug, Clone, PartialEq)]
pub struct PmdFrame {
    pub measurement: MeasurementType,
    /// Nanoseconds since 2000-01-01T00:00:00Z of the last sample.
    pub last_sample_ns: u64,
    pub samples: Vec<[i32; 3]>,
    pub encoding: SampleEncoding,
    /// Byte 9 as sent: bit 7 compressed, the low bits the type (it decides ACC's unit).
    pub frame_type: u8,
}

impl PmdFrame {
    /// A sample as numbers: integer counts, or the float the bit pattern stands for.
    pub fn value(&self, index: usize) -> Option<[f32; 3]> {
        let s = self.samples.get(index)?;
        Some(match self.encoding {
            SampleEncoding::Integer => [s[0] as f32, s[1] as f32, s[2] as f32],
            SampleEncoding::Float32 => s.map(|v| f32::from_bits(v as u32)),
        })
    }
}

/// What the sensor says it can measure, read from the control point before any request:
/// `0F <bitmap>`, one bit per measurement type (bit 2 ACC, bit 5 GYRO, bit 9 SDK mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PmdFeatures {
    bits: u32,
}

const FEATURE_READ_CODE: u8 = 0x0F;

impl PmdFeatures {
    pub fn new(supported: &[MeasurementType]) -> Self {
        Self {
            bits: supported.iter().fold(0, |b, m| b | (1u32 << (*m as u8))),
        }
    }

    pub fn parse(bytes: &[u8]) -> Result<Self, PolarError> {
        let [code, map @ ..] = bytes else {
            return Err(PolarError::MalformedResponse("the feature read is empty"));
        };
        if *code != FEATURE_READ_CODE || map.is_empty() {
            return Err(PolarError::MalformedResponse(
                "the feature read does not start with 0F and a bitmap",
            ));
        }
        let bits = map
            .iter()
            .take(4)
            .enumerate()
            .fold(0u32, |b, (i, byte)| b | (u32::from(*byte) << (8 * i)));
        Ok(Self { bits })
    }

    /// The bytes a sensor answers a read of the control point with (the emulator uses this).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![FEATURE_READ_CODE];
        out.extend_from_slice(&self.bits.to_le_bytes()[..2]);
        out
    }

    pub fn supports(&self, m: MeasurementType) -> bool {
        self.bits & (1u32 << (m as u8)) != 0
    }
}

fn sign_extend(value: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((value << shift) as i32) >> shift
}

fn read_signed_le(bytes: &[u8]) -> i32 {
    let mut v: u32 = 0;
    for (i, b) in bytes.iter().enumerate() {
        v |= u32::from(*b) << (8 * i);
    }
    sign_extend(v, (bytes.len() as u32 * 8).clamp(1, 32))
}

/// Decodes a data notification. `resolution_bits` is the configured resolution (16 for ACC/GYRO),
/// needed for the reference sample of delta-compressed frames.
pub fn decode_data_frame(bytes: &[u8], resolution_bits: u16) -> Result<PmdFrame, PolarError> {
    let header = bytes.get(..10).ok_or(PolarError::MalformedFrame(
        "shorter than the 10-byte header",
    ))?;
    let payload = bytes.get(10..).unwrap_or_default();
    let mtype = header[0];
    let measurement = match MeasurementType::from_u8(mtype) {
        Some(m @ (MeasurementType::Acc | MeasurementType::Gyro)) => m,
        _ => return Err(PolarError::UnsupportedMeasurement(mtype)),
    };
    let mut ts = [0u8; 8];
    ts.copy_from_slice(&header[1..9]);
    let last_sample_ns = u64::from_le_bytes(ts);
    let frame_type = header[9];
    let kind = frame_type & 0x7F;
    let compressed = frame_type & 0x80 != 0;
    let channels = 3usize;
    // Frame types as Polar's SDK reads them: ACC 0/1/2 are 8/16/24-bit integers uncompressed, and
    // compressed 0/1 (2 is accepted too) take their reference width from the configured resolution;
    // GYRO type 0 is 16-bit integers and type 1 float32 (dps), compressed or not.
    let (encoding, width) = match (measurement, compressed, kind) {
        (MeasurementType::Acc, true, 0..=2) => (SampleEncoding::Integer, None),
        (MeasurementType::Acc, false, 0..=2) => (SampleEncoding::Integer, Some(kind as usize + 1)),
        (MeasurementType::Gyro, true, 0) => (SampleEncoding::Integer, None),
        (MeasurementType::Gyro, false, 0) => (SampleEncoding::Integer, Some(2)),
        (MeasurementType::Gyro, _, 1) => (SampleEncoding::Float32, Some(4)),
        _ => return Err(PolarError::UnsupportedFrameType(frame_type)),
    };
    let samples = if compressed {
        // A float frame's reference and running sums are 32-bit patterns whatever was configured.
        let resolution = match encoding {
            SampleEncoding::Float32 => 32,
            SampleEncoding::Integer => resolution_bits,
        };
        decode_delta(payload, resolution, channels)?
    } else {
        let width = width.unwrap_or(2);
        if payload.is_empty() || payload.len() % (width * channels) != 0 {
            return Err(PolarError::MalformedFrame(
                "payload is not a whole number of x,y,z samples",
            ));
        }
        payload
            .chunks_exact(width * channels)
            .map(|s| {
                let mut out = [0i32; 3];
                for (o, v) in out.iter_mut().zip(s.chunks_exact(width)) {
                    *o = read_signed_le(v);
                }
                out
            })
            .collect()
    };
    if encoding == SampleEncoding::Float32 {
        let frame = PmdFrame {
            measurement,
            last_sample_ns,
            samples,
            encoding,
            frame_type,
        };
        let finite = (0..frame.samples.len())
            .filter_map(|i| frame.value(i))
            .all(|v| v.iter().all(|x| x.is_finite()));
        if !finite {
            return Err(PolarError::MalformedFrame(
                "a float gyroscope sample is not a finite number",
            ));
        }
        return Ok(frame);
    }
    Ok(PmdFrame {
        measurement,
        last_sample_ns,
        samples,
        encoding,
        frame_type,
    })
}

/// LSB-first bit reader over a byte slice.
struct BitReader<'a> {
    bytes: &'a [u8],
    bit_pos: usize,
}

impl BitReader<'_> {
    fn read(&mut self, bits: u32) -> Option<u32> {
        let mut value: u32 = 0;
        for i in 0..bits {
            let byte = *self.bytes.get(self.bit_pos / 8)?;
            let bit = (byte >> (self.bit_pos % 8)) & 1;
            value |= u32::from(bit) << i;
            self.bit_pos += 1;
        }
        Some(value)
    }
}

fn decode_delta(
    payload: &[u8],
    resolution_bits: u16,
    channels: usize,
) -> Result<Vec<[i32; 3]>, PolarError> {
    let width = usize::from(resolution_bits).div_ceil(8);
    if !(1..=4).contains(&width) {
        return Err(PolarError::MalformedFrame(
            "resolution must be 1 to 32 bits for a delta frame",
        ));
    }
    let reference = payload
        .get(..width * channels)
        .ok_or(PolarError::MalformedFrame("reference sample cut short"))?;
    let mut current = [0i32; 3];
    for (c, v) in current.iter_mut().zip(reference.chunks_exact(width)) {
        *c = read_signed_le(v);
    }
    let mut samples = vec![current];
    let mut rest = payload.get(width * channels..).unwrap_or_default();
    while !rest.is_empty() {
        let [bit_width, count, body @ ..] = rest else {
            return Err(PolarError::MalformedFrame("delta block header cut short"));
        };
        let bit_width = u32::from(*bit_width);
        if !(1..=32).contains(&bit_width) {
            return Err(PolarError::MalformedFrame(
                "delta bit width must be 1 to 32",
            ));
        }
        let count = usize::from(*count);
        let block_len = (bit_width as usize * channels * count).div_ceil(8);
        let block = body
            .get(..block_len)
            .ok_or(PolarError::MalformedFrame("delta block cut short"))?;
        let mut reader = BitReader {
            bytes: block,
            bit_pos: 0,
        };
        for _ in 0..count {
            for c in current.iter_mut().take(channels) {
                let raw = reader
                    .read(bit_width)
                    .ok_or(PolarError::MalformedFrame("delta block cut short"))?;
                *c = c.wrapping_add(sign_extend(raw, bit_width));
            }
            samples.push(current);
        }
        rest = body.get(block_len..).unwrap_or_default();
    }
    Ok(samples)
}

/// Encodes an uncompressed 16-bit ACC frame (frame type 1).
pub fn encode_uncompressed_acc(last_sample_ns: u64, samples: &[[i16; 3]]) -> Vec<u8> {
    let mut out = header(MeasurementType::Acc, last_sample_ns, 1);
    for s in samples {
        for v in s {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Encodes an uncompressed 16-bit GYRO frame (frame type 0).
pub fn encode_uncompressed_gyro(last_sample_ns: u64, samples: &[[i16; 3]]) -> Vec<u8> {
    let mut out = header(MeasurementType::Gyro, last_sample_ns, 0);
    for s in samples {
        for v in s {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// Encodes an uncompressed float32 GYRO frame (frame type 1), samples in dps.
pub fn encode_float_gyro(last_sample_ns: u64, samples_dps: &[[f32; 3]]) -> Vec<u8> {
    let mut out = header(MeasurementType::Gyro, last_sample_ns, 1);
    for s in samples_dps {
        for v in s {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn header(measurement: MeasurementType, last_sample_ns: u64, frame_type: u8) -> Vec<u8> {
    let mut out = vec![measurement as u8];
    out.extend_from_slice(&last_sample_ns.to_le_bytes());
    out.push(frame_type);
    out
}

/// Encodes a delta-compressed 16-bit frame with one block whose width fits the largest delta: ACC as
/// compressed type 1 (counts × factor in mg), GYRO as compressed type 0 (integer counts × factor in dps).
pub fn encode_delta(
    measurement: MeasurementType,
    last_sample_ns: u64,
    samples: &[[i16; 3]],
) -> Vec<u8> {
    let frame_type = match measurement {
        MeasurementType::Acc => 0x81,
        _ => 0x80,
    };
    let mut out = header(measurement, last_sample_ns, frame_type);
    let Some((first, rest)) = samples.split_first() else {
        return out;
    };
    for v in first {
        out.extend_from_slice(&v.to_le_bytes());
    }
    for chunk_start in (0..rest.len()).step_by(255) {
        let block = &rest[chunk_start..rest.len().min(chunk_start + 255)];
        let mut prev = if chunk_start == 0 {
            *first
        } else {
            rest[chunk_start - 1]
        };
        let mut deltas = Vec::with_capacity(block.len() * 3);
        for s in block {
            for c in 0..3 {
                deltas.push(i32::from(s[c]) - i32::from(prev[c]));
            }
            prev = *s;
        }
        let bits = deltas
            .iter()
            .map(|d| {
                33 - if *d < 0 {
                    d.leading_ones()
                } else {
                    d.leading_zeros()
                }
            })
            .max()
            .unwrap_or(1)
            .max(1);
        out.push(bits as u8);
        out.push(block.len() as u8);
        let mut acc: u64 = 0;
        let mut acc_bits = 0;
        for d in deltas {
            acc |= (u64::from(d as u32) & ((1u64 << bits) - 1)) << acc_bits;
            acc_bits += bits;
            while acc_bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                acc_bits -= 8;
            }
        }
        if acc_bits > 0 {
            out.push(acc as u8);
        }
    }
    out
}

/// Converts a Unix-epoch time in microseconds to PMD nanoseconds since 2000.
pub fn unix_us_to_pmd_ns(unix_us: i64) -> u64 {
    ((unix_us - PMD_EPOCH_OFFSET_S * 1_000_000).max(0) as u64) * 1000
}

fn pmd_ns_to_unix_us(pmd_ns: u64) -> i64 {
    (pmd_ns / 1000) as i64 + PMD_EPOCH_OFFSET_S * 1_000_000
}

/// Turns PMD notifications into `SensorBatch`es in g and dps, accounting for lost and stale frames
/// from the frame timestamps (PMD has no sequence numbers).
#[derive(Debug, Clone)]
pub struct PolarDecoder {
    acc: PmdSettings,
    acc_factor: f32,
    /// The factor the sensor sent for ACC; compressed type 0 frames read it in g, not mg.
    acc_factor_reported: Option<f32>,
    gyro_factor: f32,
    /// The factor the sensor sent for GYRO; float frames are already in dps, so without one they
    /// are taken as they are.
    gyro_factor_reported: Option<f32>,
    gyro_resolution_bits: u16,
    last_acc_ns: Option<u64>,
    last_gyro_ns: Option<u64>,
    pending_gyro: std::collections::VecDeque<[f32; 3]>,
    /// Wall-clock µs minus the sensor's clock in µs, fixed by the first ACC frame that arrived
    /// with a receive time.
    clock_offset_us: Option<i64>,
    /// Arrival time of the last ACC frame.
    last_rx_us: Option<i64>,
    stats: StreamStats,
}

/// The sensor's clock and the phone's may drift this far apart before the mapping between them is
/// set again (the same allowance as our protocol's decoder).
const MAX_CLOCK_SKEW_US: i64 = 2_000_000;
/// A frame stamped this much before the last one is not a late duplicate: the sensor's clock was
/// set back (a reboot, or the time set by another app).
const CLOCK_RESET_NS: u64 = 1_000_000_000;

impl PolarDecoder {
    pub fn new(acc: PmdSettings, gyro: Option<PmdSettings>) -> Self {
        let gyro_settings = gyro.unwrap_or(PmdSettings::gyro(acc.sample_rate_hz));
        Self {
            acc,
            acc_factor: acc.default_factor(MeasurementType::Acc),
            acc_factor_reported: None,
            gyro_factor: gyro_settings.default_factor(MeasurementType::Gyro),
            gyro_factor_reported: None,
            gyro_resolution_bits: gyro_settings.resolution_bits,
            last_acc_ns: None,
            last_gyro_ns: None,
            pending_gyro: Default::default(),
            clock_offset_us: None,
            last_rx_us: None,
            stats: StreamStats::default(),
        }
    }

    /// Uses the conversion factor the sensor sent in its start response.
    pub fn set_factor(&mut self, measurement: MeasurementType, factor: f32) {
        match measurement {
            MeasurementType::Acc => {
                self.acc_factor = factor;
                self.acc_factor_reported = Some(factor);
            }
            MeasurementType::Gyro => {
                self.gyro_factor = factor;
                self.gyro_factor_reported = Some(factor);
            }
            _ => {}
        }
    }

    pub fn stats(&self) -> StreamStats {
        self.stats
    }

    /// Counts a reconnect; the next frame's timestamp gap then accounts for the samples lost.
    pub fn note_reconnect(&mut self) {
        self.stats.reconnects += 1;
    }

    /// Decodes one notification, its samples on the sensor's own clock. ACC frames yield a batch
    /// (with the gyro samples that arrived for the same span, when there are enough); GYRO frames are
    /// held until the matching ACC frame.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Option<SensorBatch>, PolarError> {
        self.push_inner(bytes, None)
    }

    /// As `push`, for a notification received at `receive_time_us` (wall clock, µs since the Unix
    /// epoch): sample times are moved onto the wall clock. A Polar sensor's clock is whatever was last
    /// set on it (often nothing since its battery ran out), so its own times can be years off.
    pub fn push_received(
        &mut self,
        bytes: &[u8],
        receive_time_us: i64,
    ) -> Result<Option<SensorBatch>, PolarError> {
        self.push_inner(bytes, Some(receive_time_us))
    }

    fn push_inner(
        &mut self,
        bytes: &[u8],
        rx: Option<i64>,
    ) -> Result<Option<SensorBatch>, PolarError> {
        let resolution = match bytes.first() {
            Some(5) => self.gyro_resolution_bits,
            _ => self.acc.resolution_bits,
        };
        let frame = match decode_data_frame(bytes, resolution) {
            Ok(f) => f,
            Err(e) => {
                self.stats.frames_rejected += 1;
                return Err(e);
            }
        };
        let n = frame.samples.len() as u64;
        let period_ns = 1e9 / f64::from(self.acc.sample_rate_hz.max(1));
        let last = match frame.measurement {
            MeasurementType::Gyro => &mut self.last_gyro_ns,
            _ => &mut self.last_acc_ns,
        };
        let mut lost = 0u64;
        let mut clock_reset = false;
        if let Some(prev) = *last {
            if frame.last_sample_ns <= prev {
                if rx.is_some() && prev - frame.last_sample_ns > CLOCK_RESET_NS {
                    // Stale forever otherwise: every later frame would be "older" than one
                    // stamped in the future. The wall clock decides where its samples go.
                    clock_reset = true;
                } else {
                    self.stats.frames_duplicate += 1;
                    return Err(PolarError::StaleFrame);
                }
            } else {
                let span = (frame.last_sample_ns - prev) as f64 / period_ns;
                lost = (span.round() as u64).saturating_sub(n);
            }
        }
        *last = Some(frame.last_sample_ns);
        if frame.measurement == MeasurementType::Gyro {
            let factor = match frame.encoding {
                SampleEncoding::Integer => self.gyro_factor,
                SampleEncoding::Float32 => self.gyro_factor_reported.unwrap_or(1.0),
            };
            if lost > 0 {
                self.pending_gyro.clear();
            }
            self.pending_gyro.extend(
                (0..frame.samples.len())
                    .filter_map(|i| frame.value(i))
                    .map(|v| v.map(|x| x * factor)),
            );
            // Bound memory when ACC frames stop coming.
            let cap = usize::from(self.acc.sample_rate_hz.max(1)) * 2;
            while self.pending_gyro.len() > cap {
                self.pending_gyro.pop_front();
            }
            return Ok(None);
        }
        let sensor_last_us = pmd_ns_to_unix_us(frame.last_sample_ns);
        let last_us = match rx {
            Some(rx) => {
                if clock_reset {
                    self.clock_offset_us = None;
                }
                if let Some(prev_rx) = self.last_rx_us {
                    // A sensor clock that jumps ahead is not hours of loss in a second.
                    lost = crate::guard::plausible_loss(
                        lost,
                        rx.saturating_sub(prev_rx),
                        f64::from(self.acc.sample_rate_hz),
                        MAX_CLOCK_SKEW_US,
                    );
                }
                self.last_rx_us = Some(self.last_rx_us.map_or(rx, |p| p.max(rx)));
                // The frame is sent just after its last sample.
                let observed = rx.saturating_sub(sensor_last_us);
                let offset = match self.clock_offset_us {
                    Some(off)
                        if observed.saturating_sub(off).saturating_abs() <= MAX_CLOCK_SKEW_US =>
                    {
                        off
                    }
                    _ => {
                        self.clock_offset_us = Some(observed);
                        observed
                    }
                };
                sensor_last_us.saturating_add(offset)
            }
            None => sensor_last_us,
        };
        self.stats.frames_ok += 1;
        self.stats.samples_ok += n;
        self.stats.samples_lost += lost;
        if lost > 0 {
            self.stats.frames_missing += 1;
        }
        // Compressed type 0 ACC is in g once multiplied by the sensor's factor (Polar's SDK multiplies
        // it by 1000 for mg); every other ACC type is in mg. Without a reported factor the default,
        // full range over the integer span, is in mg for all of them.
        let to_g = match (frame.frame_type, self.acc_factor_reported) {
            (0x80, Some(factor)) => factor,
            _ => self.acc_factor / 1000.0,
        };
        let accel_g: Vec<[f32; 3]> = frame.samples.iter().map(|s| scale(s, to_g)).collect();
        let gyro_dps = if self.pending_gyro.len() >= accel_g.len() {
            self.pending_gyro.drain(..accel_g.len()).collect()
        } else {
            Vec::new()
        };
        let span_us = (n.saturating_sub(1) as f64 * period_ns / 1000.0).round() as i64;
        Ok(Some(SensorBatch {
            first_sample_us: last_us.saturating_sub(span_us),
            sample_rate_hz: f32::from(self.acc.sample_rate_hz),
            accel_g,
            gyro_dps,
            samples_lost_before: lost.min(u64::from(u32::MAX)) as u32,
        }))
    }
}

fn scale(s: &[i32; 3], factor: f32) -> [f32; 3] {
    [
        s[0] as f32 * factor,
        s[1] as f32 * factor,
        s[2] as f32 * factor,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_request_matches_the_specification_example() {
        let req = ControlRequest::Start {
            measurement: MeasurementType::Acc,
            settings: PmdSettings::acc(52),
        };
        let expected = [
            0x02, 0x02, 0x00, 0x01, 0x34, 0x00, 0x01, 0x01, 0x10, 0x00, 0x02, 0x01, 0x08, 0x00,
            0x04, 0x01, 0x03,
        ];
        assert_eq!(req.encode(), expected);
        assert_eq!(ControlRequest::decode(&expected), Ok(req));
    }

    #[test]
    fn gyro_start_uses_type_5_and_dps_range() {
        let bytes = ControlRequest::Start {
            measurement: MeasurementType::Gyro,
            settings: PmdSettings::gyro(52),
        }
        .encode();
        assert_eq!(&bytes[..2], &[0x02, 0x05]);
        assert_eq!(&bytes[10..14], &[0x02, 0x01, 0xD0, 0x07]);
        assert_eq!(ControlRequest::StartSdkMode.encode(), vec![0x02, 0x09]);
        assert_eq!(
            ControlRequest::Stop(MeasurementType::SdkMode).encode(),
            vec![0x03, 0x09]
        );
    }

    #[test]
    fn every_status_code_is_a_distinct_readable_error() {
        let mut messages = std::collections::HashSet::new();
        for status in 1u8..=13 {
            let err = parse_control_response(&[0xF0, 0x02, 0x02, status]).unwrap_err();
            assert_eq!(err.status_code(), Some(status));
            let msg = err.to_string();
            assert!(msg.starts_with("Polar control point"), "{msg}");
            assert!(messages.insert(msg), "status {status} shares a message");
        }
        assert!(matches!(
            parse_control_response(&[0xF0, 2, 2, 6]),
            Err(PolarError::AlreadyInState)
        ));
        assert!(matches!(
            parse_control_response(&[0xF0, 2, 2, 13]),
            Err(PolarError::DeviceInCharger)
        ));
        assert!(matches!(
            parse_control_response(&[0xF0, 2, 2, 99]),
            Err(PolarError::UnknownStatus { status: 99 })
        ));
    }

    #[test]
    fn success_response_carries_the_conversion_factor() {
        let bytes = encode_control_response(2, 2, 0, Some(0.244));
        let resp = parse_control_response(&bytes).unwrap();
        assert_eq!(resp.opcode, 2);
        assert_eq!(resp.settings.factor, Some(0.244));
        assert!(parse_control_response(&[0xF0, 2]).is_err());
        assert!(parse_control_response(&[0xF1, 2, 2, 0]).is_err());
    }

    #[test]
    fn settings_response_lists_choices() {
        // F0 01 02 00 00 | rates 52, 104 | resolution 16 | ranges 2, 8 | channels 3
        let bytes = [
            0xF0, 0x01, 0x02, 0x00, 0x00, 0x00, 0x02, 0x34, 0x00, 0x68, 0x00, 0x01, 0x01, 0x10,
            0x00, 0x02, 0x02, 0x02, 0x00, 0x08, 0x00, 0x04, 0x01, 0x03,
        ];
        let resp = parse_control_response(&bytes).unwrap();
        assert_eq!(resp.settings.sample_rates_hz, vec![52, 104]);
        assert_eq!(resp.settings.resolutions_bits, vec![16]);
        assert_eq!(resp.settings.ranges, vec![2, 8]);
        assert_eq!(resp.settings.channels, vec![3]);
        // A list cut short is an error, not a panic.
        assert!(parse_control_response(&bytes[..bytes.len() - 2]).is_err());
    }

    /// The worked example of the notes: Verity Sense ACC, 16-bit reference, 8-bit deltas, 29 samples.
    #[test]
    fn worked_delta_example_decodes() {
        let mut frame = vec![0x02];
        frame.extend_from_slice(&123_456_789u64.to_le_bytes());
        frame.push(0x80);
        frame.extend_from_slice(&[0xD0, 0xFF, 0x65, 0x01, 0xE4, 0x0F]);
        frame.extend_from_slice(&[0x08, 0x1D]);
        let mut deltas = vec![0xFC, 0x07, 0xFF, 0x0C, 0x13, 0xF2];
        deltas.resize(29 * 3, 0);
        frame.extend_from_slice(&deltas);
        let decoded = decode_data_frame(&frame, 16).unwrap();
        assert_eq!(decoded.measurement, MeasurementType::Acc);
        assert_eq!(decoded.last_sample_ns, 123_456_789);
        assert_eq!(decoded.samples.len(), 30);
        assert_eq!(decoded.samples[0], [-48, 357, 4068]);
        assert_eq!(decoded.samples[1], [-52, 364, 4067]);
        assert_eq!(decoded.samples[2], [-40, 383, 4053]);
        assert_eq!(decoded.samples[29], [-40, 383, 4053]);
        // One byte fewer: the block is cut short.
        assert!(decode_data_frame(&frame[..frame.len() - 1], 16).is_err());
    }

    #[test]
    fn uncompressed_frames_of_each_width_decode() {
        let mut f8 = vec![2];
        f8.extend_from_slice(&0u64.to_le_bytes());
        f8.extend_from_slice(&[0, 0xFF, 0x01, 0x80]);
        assert_eq!(
            decode_data_frame(&f8, 16).unwrap().samples,
            vec![[-1, 1, -128]]
        );
        let mut f24 = vec![2];
        f24.extend_from_slice(&0u64.to_le_bytes());
        f24.extend_from_slice(&[2, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x80, 0x01, 0x00, 0x00]);
        assert_eq!(
            decode_data_frame(&f24, 16).unwrap().samples,
            vec![[-1, -8_388_608, 1]]
        );
        let samples = [[1000i16, -2000, 4096], [-32768, 32767, 0]];
        let f16 = encode_uncompressed_acc(5, &samples);
        let decoded = decode_data_frame(&f16, 16).unwrap();
        assert_eq!(
            decoded.samples,
            vec![[1000, -2000, 4096], [-32768, 32767, 0]]
        );
        assert!(decode_data_frame(&f16[..f16.len() - 1], 16).is_err());
    }

    #[test]
    fn unsupported_measurements_and_frame_types_are_rejected() {
        let mut ecg = vec![0];
        ecg.extend_from_slice(&[0; 9]);
        assert_eq!(
            decode_data_frame(&ecg, 16),
            Err(PolarError::UnsupportedMeasurement(0))
        );
        let mut acc = vec![2];
        acc.extend_from_slice(&[0; 8]);
        acc.push(7);
        assert_eq!(
            decode_data_frame(&acc, 16),
            Err(PolarError::UnsupportedFrameType(7))
        );
        assert!(decode_data_frame(&[2, 0, 0], 16).is_err());
        // GYRO knows types 0 and 1 only; ACC has no float type.
        let mut gyro2 = vec![MeasurementType::Gyro as u8];
        gyro2.extend_from_slice(&[0; 8]);
        gyro2.push(2);
        gyro2.extend_from_slice(&[0; 9]);
        assert_eq!(
            decode_data_frame(&gyro2, 16),
            Err(PolarError::UnsupportedFrameType(2))
        );
        let mut gyro_c2 = gyro2.clone();
        gyro_c2[9] = 0x82;
        assert_eq!(
            decode_data_frame(&gyro_c2, 16),
            Err(PolarError::UnsupportedFrameType(0x82))
        );
    }

    fn frame_bytes(measurement: u8, last_ns: u64, frame_type: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![measurement];
        out.extend_from_slice(&last_ns.to_le_bytes());
        out.push(frame_type);
        out.extend_from_slice(payload);
        out
    }

    #[test]
    fn uncompressed_gyro_frames_decode() {
        // Type 0: 16-bit x,y,z: (1, -1, 1000) then (-32768, 32767, 0).
        let bytes = frame_bytes(
            5,
            77,
            0x00,
            &[
                0x01, 0x00, 0xFF, 0xFF, 0xE8, 0x03, 0x00, 0x80, 0xFF, 0x7F, 0x00, 0x00,
            ],
        );
        let f = decode_data_frame(&bytes, 16).unwrap();
        assert_eq!(f.measurement, MeasurementType::Gyro);
        assert_eq!(f.encoding, SampleEncoding::Integer);
        assert_eq!(f.samples, vec![[1, -1, 1000], [-32768, 32767, 0]]);
        assert_eq!(
            bytes,
            encode_uncompressed_gyro(77, &[[1, -1, 1000], [-32768, 32767, 0]])
        );
        assert!(decode_data_frame(&bytes[..bytes.len() - 1], 16).is_err());

        // Type 1: float32 x,y,z in dps: (1.5, -2.0, 250.25).
        let bytes = frame_bytes(
            5,
            78,
            0x01,
            &[
                0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x40, 0x7A, 0x43,
            ],
        );
        let f = decode_data_frame(&bytes, 16).unwrap();
        assert_eq!(f.encoding, SampleEncoding::Float32);
        assert_eq!(f.value(0), Some([1.5, -2.0, 250.25]));
        assert_eq!(bytes, encode_float_gyro(78, &[[1.5, -2.0, 250.25]]));
        // A NaN is not a rate.
        let nan = frame_bytes(
            5,
            79,
            0x01,
            &[0x00, 0x00, 0xC0, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0],
        );
        assert!(matches!(
            decode_data_frame(&nan, 16),
            Err(PolarError::MalformedFrame(_))
        ));
    }

    #[test]
    fn compressed_float_gyro_frames_decode_over_bit_patterns() {
        // Reference (1.0, -1.0, 0.5); one block of 32-bit deltas, one sample, taking it to
        // (2.0, -1.0, 0.25): each delta is the difference of the bit patterns.
        let reference = [1.0f32, -1.0, 0.5];
        let next = [2.0f32, -1.0, 0.25];
        let mut payload = Vec::new();
        for v in reference {
            payload.extend_from_slice(&v.to_bits().to_le_bytes());
        }
        payload.extend_from_slice(&[32, 1]);
        for (a, b) in reference.iter().zip(next) {
            payload.extend_from_slice(&b.to_bits().wrapping_sub(a.to_bits()).to_le_bytes());
        }
        let bytes = frame_bytes(5, 1_000, 0x81, &payload);
        // The configured 16-bit resolution does not apply: float frames are 32-bit.
        let f = decode_data_frame(&bytes, 16).unwrap();
        assert_eq!(f.encoding, SampleEncoding::Float32);
        assert_eq!(f.value(0), Some(reference));
        assert_eq!(f.value(1), Some(next));

        // Through the decoder: float samples are dps already, unless the sensor sent a factor.
        let mut dec = PolarDecoder::new(PmdSettings::acc(52), Some(PmdSettings::gyro(52)));
        assert_eq!(dec.push(&bytes), Ok(None));
        let acc = encode_delta(MeasurementType::Acc, 1_000, &[[0, 0, 4096]; 2]);
        let batch = dec.push(&acc).unwrap().unwrap();
        assert_eq!(batch.gyro_dps, vec![reference, next]);
    }

    #[test]
    fn compressed_acc_type_0_is_in_g_and_type_1_in_mg() {
        let samples = [[0i16, -2048, 4096]; 3];
        let type1 = encode_delta(MeasurementType::Acc, 1_000_000, &samples);
        assert_eq!(type1[9], 0x81);
        let mut type0 = type1.clone();
        type0[9] = 0x80;
        type0[1..9].copy_from_slice(&2_000_000u64.to_le_bytes());

        // The same counts: type 1 with a factor in mg, type 0 with the same scale in g.
        let mut dec = PolarDecoder::new(PmdSettings::acc(52), None);
        dec.set_factor(MeasurementType::Acc, 0.244);
        let mg = dec.push(&type1).unwrap().unwrap();
        let mut dec = PolarDecoder::new(PmdSettings::acc(52), None);
        dec.set_factor(MeasurementType::Acc, 0.000_244);
        let g = dec.push(&type0).unwrap().unwrap();
        for batch in [&mg, &g] {
            let [x, y, z] = batch.accel_g[0];
            assert!(x.abs() < 1e-6 && (y + 0.4997).abs() < 1e-3 && (z - 0.9994).abs() < 1e-3);
        }

        // Without a reported factor both take the default in mg (±8 g over 16 bits).
        let mut dec = PolarDecoder::new(PmdSettings::acc(52), None);
        let z = dec.push(&type0).unwrap().unwrap().accel_g[0][2];
        assert!((z - 4096.0 * 8.0 / 32768.0).abs() < 1e-4, "{z}");
    }

    #[test]
    fn feature_read_says_what_the_sensor_measures() {
        // A Verity Sense: PPG, ACC, PPI, GYRO, MAG and SDK mode.
        let f = PmdFeatures::parse(&[0x0F, 0x6E, 0x02]).unwrap();
        assert!(f.supports(MeasurementType::Acc));
        assert!(f.supports(MeasurementType::Gyro));
        assert!(f.supports(MeasurementType::SdkMode));
        assert!(!f.supports(MeasurementType::Ecg));
        let h10 = PmdFeatures::parse(&[0x0F, 0x05, 0x00]).unwrap();
        assert!(h10.supports(MeasurementType::Acc) && !h10.supports(MeasurementType::Gyro));
        let encoded = PmdFeatures::new(&[
            MeasurementType::Ppg,
            MeasurementType::Acc,
            MeasurementType::Ppi,
            MeasurementType::Gyro,
            MeasurementType::Mag,
            MeasurementType::SdkMode,
        ])
        .encode();
        assert_eq!(encoded, vec![0x0F, 0x6E, 0x02]);
        assert!(PmdFeatures::parse(&[]).is_err());
        assert!(PmdFeatures::parse(&[0xF0, 1]).is_err());
    }

    #[test]
    fn delta_encoder_round_trips() {
        let samples: Vec<[i16; 3]> = (0i32..300)
            .map(|i| {
                [
                    (i * 37 - 500) as i16,
                    (4000 - i * i / 8) as i16,
                    ((i * 977) % 3000 - 1500) as i16,
                ]
            })
            .collect();
        let frame = encode_delta(MeasurementType::Gyro, 42, &samples);
        let decoded = decode_data_frame(&frame, 16).unwrap();
        let expected: Vec<[i32; 3]> = samples
            .iter()
            .map(|s| [s[0].into(), s[1].into(), s[2].into()])
            .collect();
        assert_eq!(decoded.samples, expected);
        assert_eq!(decoded.measurement, MeasurementType::Gyro);
    }

    #[test]
    fn decoder_scales_times_and_counts_lost_and_stale_frames() {
        let settings = PmdSettings::acc(52);
        let mut dec = PolarDecoder::new(settings, None);
        let factor = settings.default_factor(MeasurementType::Acc);
        let one_g = (1000.0 / factor).round() as i16;
        let period_ns = 1e9 / 52.0;
        let t0 = unix_us_to_pmd_ns(1_700_000_000_000_000);
        let frame_at = |k: u64| {
            let last = t0 + ((k * 10 + 9) as f64 * period_ns) as u64;
            encode_delta(MeasurementType::Acc, last, &[[0, 0, one_g]; 10])
        };
        let b0 = dec.push(&frame_at(0)).unwrap().unwrap();
        assert_eq!(b0.len(), 10);
        assert!((b0.accel_g[0][2] - 1.0).abs() < 0.001);
        assert_eq!(b0.samples_lost_before, 0);
        // Frame 1 sent twice: the second is stale; frames 2 and 3 lost.
        assert!(dec.push(&frame_at(1)).unwrap().is_some());
        assert_eq!(dec.push(&frame_at(1)), Err(PolarError::StaleFrame));
        let b4 = dec.push(&frame_at(4)).unwrap().unwrap();
        assert_eq!(b4.samples_lost_before, 20);
        let stats = dec.stats();
        assert_eq!(stats.frames_ok, 3);
        assert_eq!(stats.frames_duplicate, 1);
        assert_eq!(stats.samples_lost, 20);
        assert!(b4.first_sample_us > b0.first_sample_us);
        let b0_last = b0.sample_time_us(9);
        assert!((b0_last - 1_700_000_000_000_000 - (9.0 * 1e6 / 52.0) as i64).abs() <= 1);
        assert!(dec.push(&[1, 2, 3]).is_err());
        assert_eq!(dec.stats().frames_rejected, 1);
    }

    #[test]
    fn gyro_frames_join_the_matching_acc_batch() {
        let mut dec = PolarDecoder::new(PmdSettings::acc(52), Some(PmdSettings::gyro(52)));
        let gyro = encode_delta(MeasurementType::Gyro, 1_000, &[[100, 0, -100]; 5]);
        assert_eq!(dec.push(&gyro), Ok(None));
        let acc = encode_delta(MeasurementType::Acc, 1_000, &[[0, 0, 4096]; 5]);
        let batch = dec.push(&acc).unwrap().unwrap();
        assert_eq!(batch.gyro_dps.len(), 5);
        assert!((batch.gyro_dps[0][0] - 100.0 * 2000.0 / 32768.0).abs() < 1e-3);
    }
}
