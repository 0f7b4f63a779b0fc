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
    spasm_s: f64,
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
            spasm_seconds: self.spasm_s.min(60.0) as f32,
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

    /// Spread `[start, end)` over the minutes it touches, calling `f` with each part in seconds.
    fn spread(
        &mut self,
        start_ms: TimestampMs,
        end_ms: TimestampMs,
        mut f: impl FnMut(&mut MinuteAcc, f64),
    ) {
        let mut t = start_ms;
        while t < end_ms {
            let idx = t.div_euclid(MINUTE_MS);
            let next = ((idx + 1) * MINUTE_MS).min(end_ms);
            if let Some(m) = self.slot(idx) {
                f(m, (next - t) as f64 / 1000.0);
            }
            t = next;
        }
    }

    pub fn add_spasm_time(&mut self, start_ms: TimestampMs, end_ms: TimestampMs) {
        self.spread(start_ms, end_ms, |m, s| m.spasm_s += s);
    }

    pub fn add_tick(&mut self, start_ms: TimestampMs, end_ms: TimestampMs, class: TickClass) {
        self.spread(start_ms, end_ms, |m, s| match class {
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
