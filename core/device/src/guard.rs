//! Where a stream's samples meet real time: a batch may not hold samples later than the moment it
//! arrived, long before it, at times the stream already delivered, or more than the sensor's rate allows.
//!
//! Every decoder's output passes one `TimeGuard` before it reaches the classifier and the store, so a
//! peripheral that floods, a clock that jumps (the wearable's or the phone's), or a frame stamped in the
//! future or the far past ends in dropped samples that are counted, never in history outside the span
//! of time the recording really took, and never in two copies of the same stretch of time.

use std::borrow::Cow;

use twitchwatch_model::{SensorBatch, StreamStats};

/// Limits a `TimeGuard` applies. The defaults suit a live BLE stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeGuardConfig {
    /// How far a sample may lie ahead of its notification's arrival. A sample is measured before it
    /// is sent, but the decoders keep a fixed device-to-wall offset until the two clocks drift 2 s
    /// apart, so a well-behaved stream can run up to that far ahead.
    pub max_lead_us: i64,
    /// How far a sample may lie behind its notification's arrival: frames held for reordering, a long
    /// Polar frame, a reconnect, a phone that delivers notifications late.
    pub max_lag_us: i64,
    /// Samples per second allowed over time, as a multiple of the configured rate (sensor clocks run
    /// a few per cent fast; reordered frames arrive in bursts).
    pub rate_allowance: f64,
    /// Seconds of samples at the configured rate that may arrive at once (the first frames, a burst
    /// after a stall).
    pub burst_s: f64,
}

impl Default for TimeGuardConfig {
    fn default() -> Self {
        Self {
            max_lead_us: 3_000_000,
            max_lag_us: 30_000_000,
            rate_allowance: 1.25,
            burst_s: 5.0,
        }
    }
}

impl TimeGuardConfig {
    /// No limit on how far behind arrival samples may be, nor on the rate: only what would reach the
    /// future or repeat time already delivered is dropped. For sources whose batches are already
    /// guarded against their own arrival times (the monitor's last check on every batch).
    pub fn ordering_only() -> Self {
        Self {
            max_lag_us: i64::MAX,
            rate_allowance: f64::INFINITY,
            ..Self::default()
        }
    }
}

/// Samples a `TimeGuard` dropped, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuardCounts {
    /// Ahead of their arrival, too far behind it, or at times the stream had already delivered.
    pub out_of_time: u64,
    /// Beyond what the configured rate allows over the time that really passed.
    pub over_rate: u64,
}

impl GuardCounts {
    /// Adds these counts to a stream's statistics.
    pub fn add_to(self, stats: &mut StreamStats) {
        stats.samples_dropped_time = stats.samples_dropped_time.saturating_add(self.out_of_time);
        stats.samples_dropped_rate = stats.samples_dropped_rate.saturating_add(self.over_rate);
    }
}

/// One stream's guard. Holds no samples: its memory is a few numbers whatever comes in.
#[derive(Debug, Clone)]
pub struct TimeGuard {
    config: TimeGuardConfig,
    /// The rate the sensor was asked for; `None` takes each batch's own.
    configured_rate_hz: Option<f32>,
    /// Time of the last sample let through.
    last_sample_us: Option<i64>,
    /// Arrival time of the last batch (for the rate budget).
    last_arrival_us: Option<i64>,
    /// Samples that may still be let through now.
    budget: f64,
    counts: GuardCounts,
}

impl TimeGuard {
    pub fn new(config: TimeGuardConfig, configured_rate_hz: Option<f32>) -> Self {
        Self {
            config,
            configured_rate_hz: configured_rate_hz.filter(|r| r.is_finite() && *r > 0.0),
            last_sample_us: None,
            last_arrival_us: None,
            budget: 0.0,
            counts: GuardCounts::default(),
        }
    }

    pub fn counts(&self) -> GuardCounts {
        self.counts
    }

    /// Time of the last sample let through.
    pub fn last_sample_us(&self) -> Option<i64> {
        self.last_sample_us
    }

    /// Starts this guard where another stream left off, so a new stream cannot deliver time again
    /// that an earlier one already did.
    pub fn resume_after(&mut self, last_sample_us: Option<i64>) {
        self.last_sample_us = self.last_sample_us.max(last_sample_us);
    }

    /// Lets through the part of `batch` that real time allows, given that it arrived at
    /// `arrival_us` (µs since the Unix epoch, the clock the batch's times are on). `None` when
    /// nothing is left. What is cut is counted; the order of samples is never changed.
    pub fn admit(&mut self, mut batch: SensorBatch, arrival_us: i64) -> Option<SensorBatch> {
        match self.assess(&batch, arrival_us) {
            Verdict::Nothing => None,
            Verdict::Whole { lost } => {
                batch.samples_lost_before = lost;
                Some(batch)
            }
            Verdict::Part { start, len, lost } => Some(part(&batch, start, len, lost)),
        }
    }

    /// `admit` for a borrowed batch: the batch itself when all of it passes unchanged (the usual
    /// case, without a copy), a trimmed copy otherwise.
    pub fn admit_ref<'a>(
        &mut self,
        batch: &'a SensorBatch,
        arrival_us: i64,
    ) -> Option<Cow<'a, SensorBatch>> {
        match self.assess(batch, arrival_us) {
            Verdict::Nothing => None,
            Verdict::Whole { lost } if lost == batch.samples_lost_before => {
                Some(Cow::Borrowed(batch))
            }
            Verdict::Whole { lost } => {
                let mut copy = batch.clone();
                copy.samples_lost_before = lost;
                Some(Cow::Owned(copy))
            }
            Verdict::Part { start, len, lost } => Some(Cow::Owned(part(batch, start, len, lost))),
        }
    }

    /// Decides what of `batch` passes, and counts the rest.
    fn assess(&mut self, batch: &SensorBatch, arrival_us: i64) -> Verdict {
        let n = batch.len();
        let rate = batch.sample_rate_hz;
        if n == 0 || !(rate.is_finite() && rate > 0.0) {
            // Nothing to place in time; the classifier refuses a bad rate with a typed error.
            return Verdict::Whole {
                lost: batch.samples_lost_before,
            };
        }
        let dt_us = 1e6 / f64::from(rate);
        // A sample time of i64::MAX is one that saturated (`sample_time_us`): its real time is unknown,
        // and it could not be told from a repeat of the last one, so it is never in time.
        let latest = arrival_us
            .saturating_add(self.config.max_lead_us)
            .min(i64::MAX - 1);
        let earliest = arrival_us.saturating_sub(self.config.max_lag_us);
        // Half a sample of slack: batch times are rounded to whole microseconds.
        let after = self
            .last_sample_us
            .map(|t| t.saturating_add((dt_us / 2.0).ceil() as i64));
        let first_ok = (0..n)
            .find(|&i| {
                let t = batch.sample_time_us(i);
                t >= earliest && after.is_none_or(|a| t >= a)
            })
            .unwrap_or(n);
        let end_ok = (first_ok..n)
            .rev()
            .find(|&i| batch.sample_time_us(i) <= latest)
            .map_or(first_ok, |i| i + 1);
        // Times in a batch only grow, so what lies outside the window is at its two ends.
        let in_time = end_ok - first_ok;
        self.counts.out_of_time += (n - in_time) as u64;

        let keep = if self.config.rate_allowance.is_finite() {
            let configured = f64::from(self.configured_rate_hz.unwrap_or(rate));
            let capacity = configured * self.config.burst_s;
            match self.last_arrival_us {
                None => self.budget = capacity,
                Some(prev) => {
                    // A phone clock set back gives no new budget until it passes its old reading.
                    let elapsed_s = arrival_us.saturating_sub(prev).max(0) as f64 / 1e6;
                    let refill = elapsed_s * configured * self.config.rate_allowance;
                    self.budget = (self.budget + refill).min(capacity);
                }
            }
            let keep = in_time.min(self.budget.max(0.0).floor() as usize);
            self.budget -= keep as f64;
            keep
        } else {
            in_time
        };
        self.last_arrival_us = Some(
            self.last_arrival_us
                .map_or(arrival_us, |prev| prev.max(arrival_us)),
        );
        self.counts.over_rate += (in_time - keep) as u64;
        if keep == 0 {
            return Verdict::Nothing;
        }
        let first_us = batch.sample_time_us(first_ok);
        let mut lost = batch.samples_lost_before;
        // A batch can only report as lost the samples that fit in the time since the last one.
        if let Some(prev) = self.last_sample_us {
            let room = (first_us.saturating_sub(prev) as f64 / dt_us - 1.0)
                .round()
                .max(0.0);
            lost = lost.min(room.min(f64::from(u32::MAX)) as u32);
        }
        self.last_sample_us = Some(batch.sample_time_us(first_ok + keep - 1));
        if first_ok == 0 && keep == n {
            Verdict::Whole { lost }
        } else {
            Verdict::Part {
                start: first_ok,
                len: keep,
                lost,
            }
        }
    }
}

/// What of a batch passes a guard.
enum Verdict {
    Nothing,
    Whole { lost: u32 },
    Part { start: usize, len: usize, lost: u32 },
}

/// Samples `start..start + len` of `batch` as a batch of their own.
fn part(batch: &SensorBatch, start: usize, len: usize, lost: u32) -> SensorBatch {
    let range = start..start.saturating_add(len);
    let slice = |v: &[[f32; 3]]| v.get(range.clone()).map(<[_]>::to_vec).unwrap_or_default();
    SensorBatch {
        first_sample_us: batch.sample_time_us(start),
        sample_rate_hz: batch.sample_rate_hz,
        accel_g: slice(&batch.accel_g),
        gyro_dps: if batch.gyro_dps.is_empty() {
            Vec::new()
        } else {
            slice(&batch.gyro_dps)
        },
        samples_lost_before: lost,
    }
}

/// Caps a decoder's count of samples lost in a gap by the time that really passed between two
/// notifications: a sensor clock that jumps ahead must not report hours of loss in one second.
pub fn plausible_loss(claimed: u64, wall_gap_us: i64, rate_hz: f64, max_skew_us: i64) -> u64 {
    let room_us = wall_gap_us.max(0).saturating_add(max_skew_us.max(0));
    let room = (room_us as f64 * rate_hz / 1e6).round();
    claimed.min(if room.is_finite() {
        room as u64
    } else {
        claimed
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(first_us: i64, n: usize, rate: f32) -> SensorBatch {
        SensorBatch {
            first_sample_us: first_us,
            sample_rate_hz: rate,
            accel_g: (0..n).map(|i| [i as f32, 0.0, 1.0]).collect(),
            gyro_dps: (0..n).map(|i| [0.0, i as f32, 0.0]).collect(),
            samples_lost_before: 0,
        }
    }

    const T0: i64 = 1_780_000_000_000_000;

    #[test]
    fn a_well_behaved_stream_passes_untouched() {
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        for k in 0..1000i64 {
            let b = batch(T0 + k * 100_000, 10, 100.0);
            let arrival = T0 + (k + 1) * 100_000 + 20_000;
            assert_eq!(g.admit(b.clone(), arrival), Some(b));
        }
        assert_eq!(g.counts(), GuardCounts::default());
        // Borrowed, the same: no copy of a batch that passes whole.
        let mut g = TimeGuard::new(TimeGuardConfig::ordering_only(), None);
        let b = batch(T0, 10, 100.0);
        assert!(matches!(g.admit_ref(&b, T0), Some(Cow::Borrowed(_))));
        let again = g.admit_ref(&b, T0);
        assert!(again.is_none(), "nor twice");
    }

    #[test]
    fn samples_ahead_of_arrival_or_far_behind_it_are_cut_and_counted() {
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        // Stamped an hour ahead of its arrival: nothing of it is real.
        assert_eq!(g.admit(batch(T0 + 3_600_000_000, 10, 100.0), T0), None);
        // Stamped a year before it: the same.
        assert_eq!(g.admit(batch(T0 - 31_536_000_000_000, 10, 100.0), T0), None);
        assert_eq!(g.counts().out_of_time, 20);
        // Straddling the lead limit: the part within it is kept.
        let b = g.admit(batch(T0 + 2_950_000, 10, 100.0), T0).unwrap();
        assert_eq!(b.len(), 6);
        assert_eq!(b.gyro_dps.len(), 6);
        assert_eq!(b.first_sample_us, T0 + 2_950_000);
        assert_eq!(g.counts().out_of_time, 24);
    }

    #[test]
    fn a_batch_stamped_at_the_end_of_time_is_dropped_not_a_panic() {
        // The libFuzzer run found this: sample times past i64::MAX overflowed on the way to the check.
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        assert_eq!(g.admit(batch(i64::MAX - 5, 10, 100.0), T0), None);
        assert_eq!(g.counts().out_of_time, 10);
        let mut g = TimeGuard::new(TimeGuardConfig::ordering_only(), None);
        // No lead limit: the samples before the end are kept, those whose time saturated are not.
        let kept = g.admit(batch(i64::MAX - 5_000_000, 10, 1.0), i64::MAX);
        assert_eq!(kept.map(|b| b.len()), Some(5));
        assert_eq!(g.counts().out_of_time, 5);
        let again = g.admit(batch(i64::MAX - 5_000_000, 10, 1.0), i64::MAX);
        assert_eq!(again, None, "nor twice");
    }

    #[test]
    fn time_already_delivered_is_not_delivered_again() {
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        g.admit(batch(T0, 10, 100.0), T0 + 100_000).unwrap();
        // The same stretch again, then one overlapping by half.
        assert_eq!(g.admit(batch(T0, 10, 100.0), T0 + 200_000), None);
        let b = g
            .admit(batch(T0 + 50_000, 10, 100.0), T0 + 200_000)
            .unwrap();
        assert_eq!(b.first_sample_us, T0 + 100_000);
        assert_eq!(b.len(), 5);
        assert_eq!(
            b.accel_g[0][0], 5.0,
            "the new samples, not the repeated ones"
        );
        assert_eq!(g.counts().out_of_time, 15);
    }

    #[test]
    fn a_flood_is_held_to_the_configured_rate_over_real_time() {
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        // Ten times the configured rate, in consistent time: 1000 samples a second for 60 s.
        let mut kept = 0;
        for k in 0..6000i64 {
            let b = batch(T0 + k * 10_000, 10, 1000.0);
            if let Some(b) = g.admit(b, T0 + (k + 1) * 10_000) {
                kept += b.len();
            }
        }
        // 100 Hz × 1.25 for 60 s, plus the 5 s burst.
        assert!((7000..=8000).contains(&kept), "{kept}");
        assert_eq!(g.counts().over_rate, 60_000 - kept as u64);
    }

    #[test]
    fn a_reported_loss_is_capped_by_the_time_between_batches() {
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        g.admit(batch(T0, 10, 100.0), T0 + 100_000).unwrap();
        let mut b = batch(T0 + 300_000, 10, 100.0);
        b.samples_lost_before = 4_000_000;
        let b = g.admit(b, T0 + 400_000).unwrap();
        assert_eq!(b.samples_lost_before, 20);
    }

    #[test]
    fn a_wall_clock_set_back_gives_no_new_budget() {
        let mut g = TimeGuard::new(TimeGuardConfig::default(), Some(100.0));
        g.admit(batch(T0, 500, 100.0), T0 + 5_000_000).unwrap();
        let back = T0 - 3_600_000_000;
        assert_eq!(g.admit(batch(back, 100, 100.0), back + 1_000_000), None);
        assert_eq!(g.counts().out_of_time, 100, "behind what was delivered");
    }

    #[test]
    fn ordering_only_keeps_any_amount_from_the_past_but_nothing_twice() {
        let mut g = TimeGuard::new(TimeGuardConfig::ordering_only(), None);
        let old = T0 - 31_536_000_000_000;
        assert_eq!(
            g.admit(batch(old, 60_000, 100.0), T0).unwrap().len(),
            60_000
        );
        assert_eq!(g.admit(batch(old, 10, 100.0), T0), None);
        assert_eq!(g.admit(batch(T0 + 10_000_000, 10, 100.0), T0), None);
        assert_eq!(g.counts().over_rate, 0);
        assert_eq!(g.counts().out_of_time, 20);
    }

    #[test]
    fn loss_is_capped_by_wall_time() {
        assert_eq!(plausible_loss(360_000, 1_000_000, 100.0, 2_000_000), 300);
        assert_eq!(plausible_loss(20, 1_000_000, 100.0, 2_000_000), 20);
        assert_eq!(plausible_loss(20, -5, 100.0, 0), 0);
    }
}
