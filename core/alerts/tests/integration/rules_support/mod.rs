//! Simulated multi-month histories written straight into a real on-disk store: per-day plans of
//! twitches, tremor and wear become MinuteSummaries and MotorEvents, plus journal entries.
#![allow(dead_code)]

use jiff::civil::Date;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use twitchwatch_journal::JournalEntry;
use twitchwatch_journal::JournalStore;
use twitchwatch_model::{
    MinuteSummary, MotorEvent, MotorEventKind, TimestampMs, TremorFractions, WearFractions,
};
use twitchwatch_store::{Settings, Store, StoreOptions};

pub const ZONE: &str = "Europe/Berlin";

/// What one simulated day holds.
#[derive(Debug, Clone, Default)]
pub struct DayPlan {
    pub twitches: u32,
    /// Whole minutes of tremor, split into `tremor_episodes` events.
    pub tremor_minutes: u32,
    pub tremor_episodes: u32,
    pub spasm_seconds: u32,
    pub worn_minutes: u32,
    pub journal: Option<JournalEntry>,
}

pub struct History {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub tz: jiff::tz::TimeZone,
    /// The last simulated day; "now" is 20:00 local on it.
    pub today: Date,
    pub first: Date,
    pub rng: ChaCha8Rng,
}

pub fn date_ms(tz: &jiff::tz::TimeZone, date: Date, hour: i8, minute: i8) -> TimestampMs {
    date.at(hour, minute, 0, 0)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp().as_millisecond())
        .expect("valid local time")
}

impl History {
    /// An empty store whose "today" is `today`, holding `days` days ending today once filled.
    pub fn new(today: Date, days: i64, seed: u64) -> History {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store"), StoreOptions::default()).expect("open");
        store
            .set_settings(&Settings {
                time_zone: Some(ZONE.into()),
                ..Settings::default()
            })
            .expect("settings");
        let tz = jiff::tz::TimeZone::get(ZONE).expect("zone");
        let first = today
            .checked_sub(jiff::Span::new().days(days - 1))
            .expect("date");
        History {
            dir,
            store,
            tz,
            today,
            first,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    pub fn now_ms(&self) -> TimestampMs {
        date_ms(&self.tz, self.today, 20, 0)
    }

    pub fn at(&self, date: Date, hour: i8) -> TimestampMs {
        date_ms(&self.tz, date, hour, 0)
    }

    pub fn dates(&self) -> Vec<Date> {
        let mut out = Vec::new();
        let mut d = self.first;
        while d <= self.today {
            out.push(d);
            d = d.tomorrow().expect("date");
        }
        out
    }

    /// Index of `date` from the first day (0-based); negative before it.
    pub fn index(&self, date: Date) -> i64 {
        self.first.until(date).expect("span").get_days() as i64
    }

    /// Writes one day: worn from 09:00 local for `worn_minutes`, twitches spread over it,
    /// tremor in the first minutes as `tremor_episodes` events.
    pub fn write_day(&mut self, date: Date, plan: &DayPlan) {
        let start = date_ms(&self.tz, date, 9, 0);
        let worn = plan.worn_minutes.max(1);
        let mut minutes = Vec::with_capacity(worn as usize);
        let mut events = Vec::new();
        for m in 0..worn {
            let twitches = plan.twitches / worn + u32::from(m < plan.twitches % worn);
            let tremor = if m < plan.tremor_minutes { 1.0 } else { 0.0 };
            let minute_start = start + m as i64 * 60_000;
            let spasm = if m == 0 {
                plan.spasm_seconds.min(60) as f32
            } else {
                0.0
            };
            minutes.push(MinuteSummary {
                minute_start_ms: minute_start,
                tremor: TremorFractions {
                    none: 1.0 - tremor,
                    mild: tremor,
                    ..Default::default()
                },
                wear: WearFractions {
                    at_rest: if plan.worn_minutes == 0 { 0.0 } else { 0.8 },
                    moving: if plan.worn_minutes == 0 { 0.0 } else { 0.2 },
                    not_worn: if plan.worn_minutes == 0 { 1.0 } else { 0.0 },
                    no_data: 0.0,
                },
                twitch_count: twitches,
                spasm_seconds: spasm,
                tremor_events: 0,
                samples_received: 24_000,
                samples_lost: 0,
            });
            for k in 0..twitches {
                events.push(MotorEvent {
                    kind: MotorEventKind::Fasciculation,
                    start_ms: minute_start + 1_000 + k as i64 * 700,
                    end_ms: minute_start + 1_040 + k as i64 * 700,
                    peak_accel_g: 0.01,
                    dominant_freq_hz: None,
                    confidence: 0.8,
                });
            }
        }
        if plan.tremor_episodes > 0 && plan.tremor_minutes > 0 {
            let total_ms = plan.tremor_minutes as i64 * 60_000;
            let each = total_ms / plan.tremor_episodes as i64;
            for k in 0..plan.tremor_episodes as i64 {
                events.push(MotorEvent {
                    kind: MotorEventKind::Tremor,
                    start_ms: start + k * each,
                    end_ms: start + (k + 1) * each - 1,
                    peak_accel_g: 0.08,
                    dominant_freq_hz: Some(6.0),
                    confidence: 0.9,
                });
            }
        }
        self.store.put_minutes(&minutes).expect("minutes");
        self.store.put_events(&events).expect("events");
        if let Some(entry) = &plan.journal {
            self.store
                .put_journal_entry(entry, self.now_ms())
                .expect("journal");
        }
    }

    /// Fills every day with `plan(history, index, date)`.
    pub fn fill(&mut self, mut plan: impl FnMut(&mut ChaCha8Rng, i64, Date) -> DayPlan) {
        for date in self.dates() {
            let i = self.index(date);
            let p = plan(&mut self.rng, i, date);
            self.write_day(date, &p);
        }
        self.store.flush().expect("flush");
    }

    /// Moves "today" forward (for tests that continue a history).
    pub fn extend_to(&mut self, today: Date) {
        self.today = today;
    }
}

/// Background twitching anyone has: a couple a day.
pub fn background(rng: &mut ChaCha8Rng) -> u32 {
    rng.gen_range(0..=2)
}

/// A day of twitching: well above the 5-a-day threshold.
pub fn twitchy(rng: &mut ChaCha8Rng) -> u32 {
    rng.gen_range(15..=40)
}

/// A plain journal entry with no lifestyle factor present.
pub fn calm_journal(date: Date, rng: &mut ChaCha8Rng) -> JournalEntry {
    let mut e = JournalEntry::new(date);
    e.caffeine_mg = Some(rng.gen_range(50.0..250.0));
    e.sleep_hours = Some(rng.gen_range(7.0..8.5));
    e.sleep_quality_1_5 = Some(4);
    e.stress_0_10 = Some(rng.gen_range(1..=4));
    e.exertion_0_10 = Some(rng.gen_range(1..=4));
    e.water_ml = Some(2000);
    e.nicotine_mg = Some(0.0);
    e
}

pub fn plan(twitches: u32, journal: Option<JournalEntry>) -> DayPlan {
    DayPlan {
        twitches,
        worn_minutes: 120,
        journal,
        ..DayPlan::default()
    }
}
