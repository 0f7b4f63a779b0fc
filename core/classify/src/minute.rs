//! Per-minute accounting: time in each wear state and tremor severity, event counts and sample
//! counts, folded into `MinuteSummary` once the classifier can no longer change the minute.

use std::collections::VecDeque;

use twitchwatch_model::{MinuteSummary, TimestampMs, TremorFractions, WearFractions};

pub const MINUTE_MS: i64 = 60_000;

/// What a decided stretch of time was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TickClass {
    Rest,
    Moving,
    NotWorn,
    /// Tremor with a severity index 0..4 (slight, mild, moderate, strong).
    Tremor(u8),
    Spasm,
}

/// Most separate spasm spans one minute keeps apart; a further one joins its nearest neighbour,
/// so the gap between them counts as spasm (only with spasms every few seconds all minute).
const SPASM_SPANS_PER_MINUTE: usize = 8;

/// A minute's spasm time as a union of spans (ms), so that overlapping reports count once.
#[derive(Debug, Clone, Copy, Default)]
struct SpasmSpans {
    spans: [(TimestampMs, TimestampMs); SPASM_SPANS_PER_MINUTE],
    len: usize,
}

impl SpasmSpans {
    fn insert(&mut self, mut start: TimestampMs, mut end: TimestampMs) {
        if end <= start {
            return;
        }
        // Absorb every span that overlaps or touches the new one.
        let mut i = 0;
        while i < self.len {
            let (a, b) = self.spans[i];
            if a <= end && start <= b {
                (start, end) = (start.min(a), end.max(b));
                self.remove(i);
            } else {
                i += 1;
            }
        }
        if self.len == SPASM_SPANS_PER_MINUTE {
            let gap = |&(a, b): &(TimestampMs, TimestampMs)| (a - end).max(start - b);
            if let Some(j) = (0..self.len).min_by_key(|&j| gap(&self.spans[j])) {
                let (a, b) = self.spans[j];
                self.remove(j);
                // The joined span may now reach others; there is room for it once they merge.
                self.insert(start.min(a), end.max(b));
            }
            return;
        }
        self.spans[self.len] = (start, end);
        self.len += 1;
    }

    fn remove(&mut self, i: usize) {
        self.spans[i] = self.spans[self.len - 1];
        self.len -= 1;
    }

    fn seconds(&self) -> f64 {
        let ms: TimestampMs = self.spans[..self.len].iter().map(|(a, b)| b - a).sum();
        ms as f64 / 1000.0
    }
}

#[derive(Debug, Clone, Default)]
struct MinuteAcc {
    index: i64,
    at_rest_s: f64,
    moving_s: f64,
    not_worn_s: f64,
    unknown_s: f64,
    none_s: f64,
    severity_s: [f64; 4],
    twitches: u32,
    tremor_events: u32,
    spasm: SpasmSpans,
    received: u32,
    lost: u32,
}

impl MinuteAcc {
    fn new(index: i64) -> Self {
        Self {
            index,
            ..Default::default()
        }
    }

    fn summary(&self) -> MinuteSummary {
        let covered = self.at_rest_s + self.moving_s + self.not_worn_s;
        // Jittery clocks can give a little more than 60 s; scale down rather than exceed 1.
        let scale = if covered > 60.0 { 60.0 / covered } else { 1.0 };
        let no_data_s = (60.0 - covered * scale).max(0.0);
        let f = |s: f64| (s * scale / 60.0) as f32;
        let mut tremor = TremorFractions {
            unknown: f(self.unknown_s) + (no_data_s / 60.0) as f32,
            none: f(self.none_s),
            slight: f(self.severity_s[0]),
            mild: f(self.severity_s[1]),
            moderate: f(self.severity_s[2]),
            strong: f(self.severity_s[3]),
        };
        // Rounding must not leave the sum off 1 by more than float noise.
        let total = tremor.total();
        if total > 0.0 {
            tremor.unknown += 1.0 - total;
            tremor.unknown = tremor.unknown.max(0.0);
        }
        MinuteSummary {
            minute_start_ms: self.index * MINUTE_MS,
            tremor,
            wear: WearFractions {
                at_rest: f(self.at_rest_s),
                moving: f(self.moving_s),
                not_worn: f(self.not_worn_s),
                no_data: (no_data_s / 60.0) as f32,
            },
            twitch_count: self.twitches,
            spasm_seconds: self.spasm.seconds().min(60.0) as f32,
            tremor_events: self.tremor_events,
            samples_received: self.received,
            samples_lost: self.lost,
        }
    }
}

/// Open minutes, oldest first. Bounded: minutes are closed as soon as the decided clock passes them.
pub struct MinuteBook {
    open: VecDeque<MinuteAcc>,
    /// Minutes at or before this index were emitted; late contributions to them are dropped.
    emitted_through: Option<i64>,
}

impl MinuteBook {
    pub fn new() -> Self {
        Self {
            open: VecDeque::with_capacity(8),
            emitted_through: None,
        }
    }

    fn slot(&mut self, index: i64) -> Option<&mut MinuteAcc> {
        if self.emitted_through.is_some_and(|e| index <= e) {
            return None;
        }
        let pos = match self.open.iter().position(|m| m.index >= index) {
            Some(p) if self.open[p].index == index => p,
            Some(p) => {
                self.open.insert(p, MinuteAcc::new(index));
                p
            }
            None => {
                self.open.push_back(MinuteAcc::new(index));
                self.open.len() - 1
            }
        };
        self.open.get_mut(pos)
    }

    pub fn add_samples(&mut self, t_ms: TimestampMs, received: u32, lost: u32) {
        if let Some(m) = self.slot(t_ms.div_euclid(MINUTE_MS)) {
            m.received = m.received.saturating_add(received);
            m.lost = m.lost.saturating_add(lost);
        }
    }

    pub fn add_twitch(&mut self, t_ms: TimestampMs) {
        if let Some(m) = self.slot(t_ms.div_euclid(MINUTE_MS)) {
            m.twitches += 1;
        }
    }

    pub fn add_tremor_event(&mut self, t_ms: TimestampMs) {
        if let Some(m) = self.slot(t_ms.div_euclid(MINUTE_MS)) {
            m.tremor_events += 1;
        }
    }

    /// Spread `[start, end)` over the minutes it touches, calling `f` with each minute's part.
    fn spread(
        &mut self,
        start_ms: TimestampMs,
        end_ms: TimestampMs,
        mut f: impl FnMut(&mut MinuteAcc, TimestampMs, TimestampMs),
    ) {
        let mut t = start_ms;
        while t < end_ms {
            let idx = t.div_euclid(MINUTE_MS);
            let next = ((idx + 1) * MINUTE_MS).min(end_ms);
            if let Some(m) = self.slot(idx) {
                f(m, t, next);
            }
            t = next;
        }
    }

    /// Spasm time over `[start, end)`. Time already counted is not counted again: the
    /// accelerometer's envelope and the gyroscope's tremble can both report the same seconds.
    pub fn add_spasm_time(&mut self, start_ms: TimestampMs, end_ms: TimestampMs) {
        self.spread(start_ms, end_ms, |m, from, to| m.spasm.insert(from, to));
    }

    pub fn add_tick(&mut self, start_ms: TimestampMs, end_ms: TimestampMs, class: TickClass) {
        self.spread(start_ms, end_ms, |m, from, to| {
            let s = (to - from) as f64 / 1000.0;
            match class {
                TickClass::Rest => {
                    m.at_rest_s += s;
                    m.none_s += s;
                }
                TickClass::Moving | TickClass::Spasm => {
                    m.moving_s += s;
                    m.unknown_s += s;
                }
                TickClass::NotWorn => {
                    m.not_worn_s += s;
                    m.unknown_s += s;
                }
                TickClass::Tremor(sev) => {
                    m.at_rest_s += s;
                    m.severity_s[usize::from(sev.min(3))] += s;
                }
            }
        });
    }

    /// Emit every minute that ends at or before `decided_ms`.
    pub fn close_through(&mut self, decided_ms: TimestampMs, out: &mut Vec<MinuteSummary>) {
        while let Some(front) = self.open.front() {
            if (front.index + 1) * MINUTE_MS > decided_ms {
                break;
            }
            if let Some(m) = self.open.pop_front() {
                self.emitted_through = Some(m.index);
                out.push(m.summary());
            }
        }
    }

    pub fn close_all(&mut self, out: &mut Vec<MinuteSummary>) {
        while let Some(m) = self.open.pop_front() {
            self.emitted_through = Some(m.index);
            out.push(m.summary());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SpasmSpans;

    #[test]
    fn spasm_spans_count_overlapping_and_touching_time_once() {
        let mut s = SpasmSpans::default();
        s.insert(1_000, 3_000);
        s.insert(2_000, 4_000);
        s.insert(4_000, 4_500);
        s.insert(10_000, 11_000);
        s.insert(3_000, 2_000);
        assert_eq!(s.len, 2);
        assert!((s.seconds() - 4.5).abs() < 1e-9, "{}", s.seconds());
        // A span covering both joins them.
        s.insert(0, 20_000);
        assert_eq!(s.len, 1);
        assert!((s.seconds() - 20.0).abs() < 1e-9);
        s.insert(30_000, 30_000);
        assert!(
            (s.seconds() - 20.0).abs() < 1e-9,
            "an empty or reversed span adds nothing"
        );
    }

    #[test]
    fn a_full_minute_of_spans_joins_the_nearest_and_stays_bounded() {
        let mut s = SpasmSpans::default();
        // Nine 1 s spans 5 s apart; the ninth joins the eighth across its 4 s gap.
        for k in 0..9 {
            s.insert(k * 5_000, k * 5_000 + 1_000);
        }
        assert_eq!(s.len, super::SPASM_SPANS_PER_MINUTE);
        assert!((s.seconds() - 13.0).abs() < 1e-9, "{}", s.seconds());
        // Every later span fits or joins; the count never grows past the bound.
        for k in 0..100 {
            s.insert(k * 600 + 50_000, k * 600 + 50_100);
            assert!(s.len <= super::SPASM_SPANS_PER_MINUTE);
        }
    }
}
