//! Per-local-day rollup of minutes and events, kept in the `days` tree so that rules and reports
//! read one record per day instead of every minute. Derived data: it can always be rebuilt.

use serde::{Deserialize, Serialize};

use twitchwatch_model::{MinuteSummary, MotorEvent, MotorEventKind, TimestampMs};

/// What one local calendar day of monitoring amounted to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DaySummary {
    pub date: jiff::civil::Date,
    /// Fasciculations counted by the classifier's minute summaries.
    pub twitch_count: u32,
    /// Minutes with tremor of any severity (sum of the minute fractions).
    pub tremor_minutes: f32,
    /// Tremor events that started this day, their total and longest duration.
    pub tremor_episodes: u32,
    pub tremor_episode_seconds: f32,
    pub longest_tremor_seconds: f32,
    /// Seconds covered by spasm, and spasm events that started this day.
    pub spasm_seconds: f32,
    pub spasm_events: u32,
    /// Minutes the sensor was worn (at rest or moving).
    pub worn_minutes: f32,
    /// Minutes with a stored summary (worn or not).
    pub minutes_recorded: u32,
    pub samples_received: u64,
    pub samples_lost: u64,
}

impl DaySummary {
    pub fn empty(date: jiff::civil::Date) -> DaySummary {
        DayRollup::default().to_summary(date)
    }

    /// Twitches per hour of wear; `None` without enough wear to say anything.
    pub fn twitches_per_worn_hour(&self, min_worn_minutes: f32) -> Option<f64> {
        (self.worn_minutes >= min_worn_minutes.max(1.0))
            .then(|| self.twitch_count as f64 / (self.worn_minutes as f64 / 60.0))
    }

    pub fn tremor_minutes_per_worn_hour(&self, min_worn_minutes: f32) -> Option<f64> {
        (self.worn_minutes >= min_worn_minutes.max(1.0))
            .then(|| self.tremor_minutes as f64 / (self.worn_minutes as f64 / 60.0))
    }
}

/// Integer sums so that replacing a minute (subtract old, add new) is exact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct DayRollup {
    minutes_recorded: u32,
    twitch_count: u64,
    tremor_ms: u64,
    spasm_ms: u64,
    worn_ms: u64,
    samples_received: u64,
    samples_lost: u64,
    fasciculation_events: u32,
    tremor_episodes: u32,
    tremor_episode_ms: u64,
    longest_tremor_ms: u64,
    spasm_events: u32,
}

fn fraction_ms(f: f32) -> u64 {
    if f.is_finite() {
        (f.clamp(0.0, 1.0) as f64 * 60_000.0).round() as u64
    } else {
        0
    }
}

fn seconds_ms(s: f32) -> u64 {
    if s.is_finite() {
        (s.clamp(0.0, 60.0) as f64 * 1000.0).round() as u64
    } else {
        0
    }
}

struct MinuteParts {
    twitches: u64,
    tremor_ms: u64,
    spasm_ms: u64,
    worn_ms: u64,
    received: u64,
    lost: u64,
}

fn minute_parts(m: &MinuteSummary) -> MinuteParts {
    MinuteParts {
        twitches: m.twitch_count as u64,
        tremor_ms: fraction_ms(m.tremor.any_tremor()),
        spasm_ms: seconds_ms(m.spasm_seconds),
        worn_ms: fraction_ms(m.wear.at_rest + m.wear.moving),
        received: m.samples_received as u64,
        lost: m.samples_lost as u64,
    }
}

fn event_ms(e: &MotorEvent) -> u64 {
    e.end_ms.saturating_sub(e.start_ms).max(0) as u64
}

impl DayRollup {
    pub(crate) fn add_minute(&mut self, m: &MinuteSummary) {
        let p = minute_parts(m);
        self.minutes_recorded = self.minutes_recorded.saturating_add(1);
        self.twitch_count = self.twitch_count.saturating_add(p.twitches);
        self.tremor_ms = self.tremor_ms.saturating_add(p.tremor_ms);
        self.spasm_ms = self.spasm_ms.saturating_add(p.spasm_ms);
        self.worn_ms = self.worn_ms.saturating_add(p.worn_ms);
        self.samples_received = self.samples_received.saturating_add(p.received);
        self.samples_lost = self.samples_lost.saturating_add(p.lost);
    }

    pub(crate) fn remove_minute(&mut self, m: &MinuteSummary) {
        let p = minute_parts(m);
        self.minutes_recorded = self.minutes_recorded.saturating_sub(1);
        self.twitch_count = self.twitch_count.saturating_sub(p.twitches);
        self.tremor_ms = self.tremor_ms.saturating_sub(p.tremor_ms);
        self.spasm_ms = self.spasm_ms.saturating_sub(p.spasm_ms);
        self.worn_ms = self.worn_ms.saturating_sub(p.worn_ms);
        self.samples_received = self.samples_received.saturating_sub(p.received);
        self.samples_lost = self.samples_lost.saturating_sub(p.lost);
    }

    pub(crate) fn add_event(&mut self, e: &MotorEvent) {
        match e.kind {
            MotorEventKind::Fasciculation => {
                self.fasciculation_events = self.fasciculation_events.saturating_add(1)
            }
            MotorEventKind::Tremor => {
                let ms = event_ms(e);
                self.tremor_episodes = self.tremor_episodes.saturating_add(1);
                self.tremor_episode_ms = self.tremor_episode_ms.saturating_add(ms);
                self.longest_tremor_ms = self.longest_tremor_ms.max(ms);
            }
            MotorEventKind::Spasm => self.spasm_events = self.spasm_events.saturating_add(1),
        }
    }

    /// The longest-episode maximum is not reversible; a re-sent event that got shorter keeps the
    /// older, longer maximum until the rollup is rebuilt. Counts and totals stay exact.
    pub(crate) fn remove_event(&mut self, e: &MotorEvent) {
        match e.kind {
            MotorEventKind::Fasciculation => {
                self.fasciculation_events = self.fasciculation_events.saturating_sub(1)
            }
            MotorEventKind::Tremor => {
                self.tremor_episodes = self.tremor_episodes.saturating_sub(1);
                self.tremor_episode_ms = self.tremor_episode_ms.saturating_sub(event_ms(e));
            }
            MotorEventKind::Spasm => self.spasm_events = self.spasm_events.saturating_sub(1),
        }
    }

    pub(crate) fn to_summary(&self, date: jiff::civil::Date) -> DaySummary {
        DaySummary {
            date,
            twitch_count: u32::try_from(self.twitch_count).unwrap_or(u32::MAX),
            tremor_minutes: (self.tremor_ms as f64 / 60_000.0) as f32,
            tremor_episodes: self.tremor_episodes,
            tremor_episode_seconds: (self.tremor_episode_ms as f64 / 1000.0) as f32,
            longest_tremor_seconds: (self.longest_tremor_ms as f64 / 1000.0) as f32,
            spasm_seconds: (self.spasm_ms as f64 / 1000.0) as f32,
            spasm_events: self.spasm_events,
            worn_minutes: (self.worn_ms as f64 / 60_000.0) as f32,
            minutes_recorded: self.minutes_recorded,
            samples_received: self.samples_received,
            samples_lost: self.samples_lost,
        }
    }
}

/// The local calendar day a timestamp falls on. Timestamps outside jiff's range (far beyond any
/// real recording) fall back to the Unix epoch day rather than failing a whole batch.
pub fn local_date(tz: &jiff::tz::TimeZone, ms: TimestampMs) -> jiff::civil::Date {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| tz.to_datetime(t).date())
        .unwrap_or(jiff::civil::date(1970, 1, 1))
}

/// First millisecond of a local calendar day (handles days whose midnight a DST change skips).
pub fn start_of_day_ms(tz: &jiff::tz::TimeZone, date: jiff::civil::Date) -> TimestampMs {
    date.to_zoned(tz.clone())
        .and_then(|z| z.start_of_day())
        .map(|z| z.timestamp().as_millisecond())
        .unwrap_or_else(|_| {
            if date < jiff::civil::date(1970, 1, 1) {
                i64::MIN
            } else {
                i64::MAX
            }
        })
}
