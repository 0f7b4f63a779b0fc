//! Rule evaluation over a year of history (target: under 50 ms).
//! `cargo bench -p twitchwatch-alerts --bench rules`

#[path = "../tests/integration/rules_support/mod.rs"]
mod rules_support;

use criterion::{criterion_group, criterion_main, Criterion};
use rand::Rng;
use rules_support::{calm_journal, plan, twitchy, History};
use twitchwatch_alerts::AlertCenter;
use twitchwatch_journal::JournalStore;
use twitchwatch_rules::{self as rules, RuleInput, RuleParams};

fn year_of_history() -> History {
    let mut h = History::new(jiff::civil::date(2026, 12, 31), 365, 42);
    h.fill(|rng, i, d| {
        let mut j = calm_journal(d, rng);
        if i % 3 == 0 {
            j.caffeine_mg = Some(rng.gen_range(420.0..700.0));
        }
        if i % 5 == 0 {
            j.stress_0_10 = Some(8);
        }
        let t = if i % 3 == 0 || i > 300 {
            twitchy(rng)
        } else {
            rng.gen_range(0..4)
        };
        let mut p = plan(t, Some(j));
        p.tremor_minutes = rng.gen_range(0..4);
        p.tremor_episodes = 1;
        p
    });
    h
}

fn bench(c: &mut Criterion) {
    let h = year_of_history();
    let center = AlertCenter::new(h.store.clone());
    // Links over the whole year, so every rule reads 365 days.
    center
        .set_param("lifestyle.lookback_days", Some(365.0))
        .expect("param");
    let now = h.now_ms();
    let p = center.params(&h.store).expect("params");
    assert_eq!(rules::lookback_days(&p), 365);

    let tz = h.store.time_zone();
    let days = h
        .store
        .daily_summaries(h.first, h.today, &tz)
        .expect("days");
    let journal = h.store.journal_entries(h.first, h.today).expect("journal");
    let checkins = Vec::new();
    c.bench_function("rules::evaluate, 365 days in memory", |b| {
        b.iter(|| {
            let input = RuleInput {
                today: h.today,
                tz: &tz,
                days: &days,
                journal: &journal,
                checkins: &checkins,
                task_results: &[],
            };
            rules::evaluate(&input, &p)
        })
    });
    c.bench_function("AlertCenter::assess, 365 days read from sled", |b| {
        b.iter(|| center.assess(&h.store, now).expect("assess"))
    });
    c.bench_function("AlertCenter::evaluate, 365 days, persists alerts", |b| {
        b.iter(|| center.evaluate(&h.store, now).expect("evaluate"))
    });
    let _ = RuleParams::default();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
