//! The simulated wearable on the wire: samples packed into protocol v1 frames (one notification each),
//! with seeded link faults (drops, duplicates, reordering, corruption) for robustness tests.

use std::collections::VecDeque;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::{stream_rng, Scenario, SimConfig, SimError, Simulator};
use twitchwatch_device::protocol::{encode_frame, ChannelSet, DataFrame};
use twitchwatch_model::{LabelledEvent, TimestampMs};

const STREAM_FAULTS: u64 = 4;
/// The wearable booted this long before streaming started (device time does not start at zero).
const DEVICE_BOOT_US: u64 = 3_600_000_000;
/// Firmware checklist (docs/protocol.md): send a frame at least every 100 ms.
const MAX_FRAME_SPAN_S: f64 = 0.1;

/// Link faults to inject, each a per-frame probability in 0..=1 (seeded: the same seed gives the same
/// faults).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FrameFaults {
    /// The frame never arrives.
    pub drop_probability: f32,
    /// The frame arrives twice.
    pub duplicate_probability: f32,
    /// The frame arrives after the one that follows it.
    pub reorder_probability: f32,
    /// One bit of the frame is flipped (the checksum catches it).
    pub corrupt_probability: f32,
}

/// What the link did to the frames so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameFaultCounts {
    pub frames_encoded: u64,
    pub dropped: u64,
    pub duplicated: u64,
    pub reordered: u64,
    pub corrupted: u64,
    /// Samples inside dropped frames.
    pub samples_dropped: u64,
}

/// One notification as the phone receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SimFrame {
    pub seq: u16,
    /// The encoded frame (possibly corrupted).
    pub bytes: Vec<u8>,
    /// Wall-clock arrival, µs since the epoch: the end of the frame's last sample (later for a reordered
    /// frame).
    pub arrival_us: i64,
    /// Wall-clock time of the frame's first sample, µs.
    pub first_sample_us: i64,
    pub sample_count: usize,
}

/// A [`Simulator`] that yields encoded protocol frames (≤ 244 bytes, increasing `seq`), with faults.
#[derive(Debug, Clone)]
pub struct FrameSimulator {
    sim: Simulator,
    faults: FrameFaults,
    rng: ChaCha8Rng,
    seq: u16,
    rate_hz: u16,
    samples_per_frame: usize,
    samples_sent: u64,
    out: VecDeque<SimFrame>,
    held: Option<SimFrame>,
    counts: FrameFaultCounts,
}

impl FrameSimulator {
    /// Needs a whole-number sample rate (the protocol carries it as an integer).
    pub fn new(scenario: &Scenario, config: SimConfig) -> Result<Self, SimError> {
        let rate = config.sample_rate_hz;
        if rate.fract() != 0.0 {
            return Err(SimError::InvalidFrames(format!(
                "the protocol carries whole-number sample rates; {rate} Hz is not one"
            )));
        }
        let seed = config.seed;
        let with_gyro = config.with_gyro;
        let sim = Simulator::new(scenario, config)?;
        let channels = if with_gyro {
            ChannelSet::ACCEL_GYRO
        } else {
            ChannelSet::ACCEL
        };
        let samples_per_frame = DataFrame::max_samples(channels)
            .min((f64::from(rate) * MAX_FRAME_SPAN_S).ceil() as usize)
            .max(1);
        Ok(FrameSimulator {
            sim,
            faults: FrameFaults::default(),
            rng: stream_rng(seed, STREAM_FAULTS),
            seq: 0,
            rate_hz: rate as u16,
            samples_per_frame,
            samples_sent: 0,
            out: VecDeque::new(),
            held: None,
            counts: FrameFaultCounts::default(),
        })
    }

    /// Turns on link faults. Each probability must be in 0..=1.
    pub fn with_faults(mut self, faults: FrameFaults) -> Result<Self, SimError> {
        for (name, p) in [
            ("drop_probability", faults.drop_probability),
            ("duplicate_probability", faults.duplicate_probability),
            ("reorder_probability", faults.reorder_probability),
            ("corrupt_probability", faults.corrupt_probability),
        ] {
            if !(p.is_finite() && (0.0..=1.0).contains(&p)) {
                return Err(SimError::InvalidFrames(format!(
                    "{name} = {p}: a probability is a number from 0 to 1"
                )));
            }
        }
        self.faults = faults;
        Ok(self)
    }

    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    pub fn labels(&self) -> &[LabelledEvent] {
        self.sim.labels()
    }

    /// Wall-clock time of the first sample.
    pub fn start_ms(&self) -> TimestampMs {
        self.sim.config().start_ms
    }

    pub fn samples_per_frame(&self) -> usize {
        self.samples_per_frame
    }

    pub fn fault_counts(&self) -> FrameFaultCounts {
        self.counts
    }

    /// The next notification, or `None` when the scenario is over.
    pub fn next_frame(&mut self) -> Option<SimFrame> {
        loop {
            if let Some(f) = self.out.pop_front() {
                return Some(f);
            }
            let Some(frame) = self.encode_next() else {
                // End of stream: a frame held back for reordering still arrives.
                return self.held.take();
            };
            self.deliver(frame);
        }
    }

    fn encode_next(&mut self) -> Option<SimFrame> {
        let chunk = self.sim.next_raw(self.samples_per_frame)?;
        let k = self.samples_sent;
        let n = chunk.len() as u64;
        self.samples_sent += n;
        let rate = u64::from(self.rate_hz);
        let frame = DataFrame {
            seq: self.seq,
            device_time_us: DEVICE_BOOT_US + k * 1_000_000 / rate,
            sample_rate_hz: self.rate_hz,
            accel_g_per_lsb: chunk.accel_g_per_lsb,
            gyro_dps_per_lsb: if chunk.gyro_raw.is_empty() {
                0.0
            } else {
                chunk.gyro_dps_per_lsb
            },
            accel_raw: chunk.accel_raw,
            gyro_raw: chunk.gyro_raw,
        };
        self.seq = self.seq.wrapping_add(1);
        self.counts.frames_encoded += 1;
        let start_us = self.start_ms() * 1000;
        // The decoder maps device time to wall time from the arrival of the frame's end.
        let end_device = frame.next_device_time_us() - DEVICE_BOOT_US;
        let first_device = frame.device_time_us - DEVICE_BOOT_US;
        Some(SimFrame {
            seq: frame.seq,
            bytes: encode_frame(&frame),
            arrival_us: start_us + end_device as i64,
            first_sample_us: start_us + first_device as i64,
            sample_count: n as usize,
        })
    }

    fn chance(&mut self, p: f32) -> bool {
        p > 0.0 && self.rng.gen::<f32>() < p
    }

    fn deliver(&mut self, mut frame: SimFrame) {
        if self.chance(self.faults.drop_probability) {
            self.counts.dropped += 1;
            self.counts.samples_dropped += frame.sample_count as u64;
            return;
        }
        if self.chance(self.faults.corrupt_probability) && !frame.bytes.is_empty() {
            let bit = self.rng.gen_range(0..frame.bytes.len() * 8);
            if let Some(b) = frame.bytes.get_mut(bit / 8) {
                *b ^= 1 << (bit % 8);
            }
            self.counts.corrupted += 1;
        }
        let duplicate = self.chance(self.faults.duplicate_probability);
        if self.held.is_none() && self.chance(self.faults.reorder_probability) {
            self.counts.reordered += 1;
            self.held = Some(frame);
            return;
        }
        let arrival = frame.arrival_us;
        if duplicate {
            self.counts.duplicated += 1;
            self.out.push_back(frame.clone());
        }
        self.out.push_back(frame);
        if let Some(mut h) = self.held.take() {
            h.arrival_us = arrival;
            self.out.push_back(h);
        }
    }
}
