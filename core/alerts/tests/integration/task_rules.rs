//! Active-task results as objective evidence for the coordination, weakness and tremor-progression red
//! flags, over 120-day histories in a real store: a sustained decline against the person's own baseline
//! fires, cited in the alert; a stable history, one bad day and an improvement do not.

use crate::rules_support::*;
use jiff::civil::{date, Date};
use rand::Rng;
use twitchwatch_alerts::{Alert, AlertCenter};
use twitchwatch_tasks::{
    GripInput, Hand, Metric, SensorQuality, Tap, TappingInput, TaskKind, TaskMeasures, TaskResult,
    TaskStore, TremorMetrics,
};

const TODAY: Date = date(2026, 6, 30);
const DAYS: i64 = 120;

/// A 20 s tapping session with `count` evenly spaced taps at 09:00 local on `day`.
fn tap_session(h: &History, day: Date, hour: i8, hand: Hand, count: u32) {
    let start = h.at(day, hour);
    let step = 20_000.0 / count as f64;
    let result = TappingInput {
        hand,
        started_at_ms: start,
        duration_ms: 20_000.0,
        targets: vec![],
        taps: (0..count)
            .map(|i| Tap {
                t_ms: i as f64 * step,
                x_pt: 0.0,
                y_pt: 0.0,
            })
            .collect(),
    }
    .into_result(h.now_ms())
    .expect("valid session");
    h.store.put_task_result(&result).expect("stored");
}

/// Daily tapping for 120 days (left hand); `count(i)` gives the taps on day `i`.
fn tapping_history(seed: u64, count: impl Fn(i64, u32) -> Vec<u32>) -> History {
    let mut h = History::new(TODAY, DAYS, seed);
    h.fill(|rng, _, _| plan(background(rng), None));
    for (i, day) in h.dates().into_iter().enumerate() {
        let usual = 95 + h.rng.gen_range(0..=8u32);
        for (k, c) in count(i as i64, usual).into_iter().enumerate() {
            tap_session(&h, day, 9 + k as i8, Hand::Left, c);
        }
    }
    h
}

fn coordination(alerts: &[Alert]) -> Option<&Alert> {
    alerts.iter().find(|a| a.id == "coordination_loss")
}

#[test]
fn stable_tapping_and_a_single_bad_day_raise_nothing() {
    let stable = tapping_history(21, |_, usual| vec![usual]);
    let center = AlertCenter::new(stable.store.clone());
    let raised = center.evaluate(&stable.store, stable.now_ms()).unwrap();
    assert!(raised.is_empty(), "{raised:#?}");

    // Three very slow sessions, all today.
    let bad_day = tapping_history(22, |i, usual| {
        if i == DAYS - 1 {
            vec![50, 48, 52]
        } else {
            vec![usual]
        }
    });
    let center = AlertCenter::new(bad_day.store.clone());
    let raised = center.evaluate(&bad_day.store, bad_day.now_ms()).unwrap();
    assert!(coordination(&raised).is_none(), "{raised:#?}");
    let evaluation = center.assess(&bad_day.store, bad_day.now_ms()).unwrap();
    let t = evaluation
        .task_trends
        .iter()
        .find(|t| t.kind == TaskKind::Tapping && t.metric == Metric::TapCount)
        .unwrap();
    assert!(t.decline.is_none() && t.points.len() == DAYS as usize + 2);
}

#[test]
fn a_sustained_tapping_decline_fires_coordination_loss_citing_the_measurements() {
    let h = tapping_history(23, |i, usual| {
        vec![if i >= DAYS - 10 { usual - 30 } else { usual }]
    });
    let center = AlertCenter::new(h.store.clone());
    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    let a = coordination(&raised).expect("coordination_loss fires");
    assert!(a.message.contains("finger-tapping"), "{}", a.message);
    let fact = a
        .evidence
        .facts
        .iter()
        .find(|f| f.starts_with("Measured: Finger tapping (left hand), taps in 20 s"))
        .unwrap_or_else(|| panic!("{:#?}", a.evidence.facts));
    assert!(
        fact.contains("10 consecutive sessions on 10 days"),
        "{fact}"
    );
    assert_eq!(a.evidence.task_declines.len(), 1);
    assert!(a.evidence.task_declines[0].change_percent < -20.0);
    assert!(a.evidence.checkins.is_empty());
    // The seed sentence the rule rests on is unchanged.
    assert_eq!(
        a.rule.info().seed_sentence,
        "A noticeable loss of coordination or difficulty with fine motor tasks."
    );
    // The same decline re-evaluated is not new evidence.
    assert!(coordination(&center.evaluate(&h.store, h.now_ms() + 60_000).unwrap()).is_none());
}

#[test]
fn an_improvement_does_not_fire_and_an_old_decline_stops_counting() {
    let better = tapping_history(24, |i, usual| {
        vec![if i >= DAYS - 10 { usual + 40 } else { usual }]
    });
    let center = AlertCenter::new(better.store.clone());
    assert!(coordination(&center.evaluate(&better.store, better.now_ms()).unwrap()).is_none());

    // A decline that went on until 40 days ago and then no more sessions: older than
    // task_change.recent_days (28), so it no longer counts.
    let old = tapping_history(25, |i, usual| {
        if i >= DAYS - 40 {
            vec![]
        } else if i >= DAYS - 50 {
            vec![usual - 30]
        } else {
            vec![usual]
        }
    });
    let center = AlertCenter::new(old.store.clone());
    assert!(coordination(&center.evaluate(&old.store, old.now_ms()).unwrap()).is_none());
}

#[test]
fn a_sustained_grip_decline_with_measured_twitching_is_weakness_with_twitching() {
    let mut h = History::new(TODAY, DAYS, 26);
    // Twitching every day of the last two weeks.
    h.fill(|rng, i, _| {
        plan(
            if i >= DAYS - 14 {
                twitchy(rng)
            } else {
                background(rng)
            },
            None,
        )
    });
    for (i, day) in h.dates().into_iter().enumerate().step_by(2) {
        let kg = if i as i64 >= DAYS - 12 {
            20.0
        } else {
            32.0 + h.rng.gen_range(-1.0..1.0)
        };
        let result = GripInput {
            hand: Hand::Right,
            started_at_ms: h.at(day, 10),
            held_ms: 0.0,
            samples: vec![],
            self_rated_grip_0_10: None,
            dynamometer_kg: Some(kg),
        }
        .into_result(h.now_ms())
        .unwrap();
        h.store.put_task_result(&result).unwrap();
    }
    let center = AlertCenter::new(h.store.clone());
    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    let a = raised
        .iter()
        .find(|a| a.id == "weakness_with_twitching")
        .unwrap_or_else(|| panic!("{raised:#?}"));
    assert!(
        a.message.starts_with("Your grip task has declined"),
        "{}",
        a.message
    );
    assert!(a
        .evidence
        .facts
        .iter()
        .any(|f| f.contains("grip force (kg, dynamometer)") && f.contains("right hand")));
    assert!(raised.iter().all(|a| a.id != "weakness"));
}

/// A 30 s tremor task at `hour` on `day` whose classifier found tremor `percent` % of the time.
/// Built as the measured result it stores (how batches become these numbers is core/tasks' test).
fn tremor_session(h: &History, day: Date, hour: i8, kind: TaskKind, percent: f64) {
    let started_at_ms = h.at(day, hour);
    let tremor = percent > 0.0;
    let result = TaskResult {
        started_at_ms,
        completed_at_ms: started_at_ms + 30_000,
        hand: Hand::Right,
        measures: TaskMeasures::Tremor {
            kind,
            metrics: TremorMetrics {
                duration_s: 30.0,
                tremor_fraction: percent / 100.0,
                dominant_freq_hz: tremor.then_some(6.0),
                amplitude_g: tremor.then_some(0.03),
                tremor_events: u32::from(tremor),
                judged_fraction: 1.0,
                quality: SensorQuality {
                    effective_rate_hz: 100.0,
                    nominal_rate_hz: 100.0,
                    samples_received: 3000,
                    samples_lost: 0,
                    gaps: 0,
                    has_gyro: true,
                },
            },
        },
    };
    h.store.put_task_result(&result).expect("stored");
}

/// 120 days of the arms-out tremor task every other day; `percent(i, usual)` gives the sessions of
/// day `i` (usually a little physiological tremor, 2–8 % of the time). No tremor in everyday wear, so
/// only the task can make the rule fire.
fn tremor_task_history(seed: u64, percent: impl Fn(i64, f64) -> Vec<f64>) -> History {
    let mut h = History::new(TODAY, DAYS, seed);
    h.fill(|rng, _, _| plan(background(rng), None));
    for (i, day) in h.dates().into_iter().enumerate() {
        let usual = h.rng.gen_range(2.0..8.0);
        for (k, p) in percent(i as i64, usual).into_iter().enumerate() {
            tremor_session(&h, day, 9 + k as i8, TaskKind::TremorOutstretched, p);
        }
    }
    h
}

fn tremor_progression(alerts: &[Alert]) -> Option<&Alert> {
    alerts.iter().find(|a| a.id == "tremor_progression")
}

#[test]
fn a_sustained_rise_in_a_tremor_task_fires_tremor_progression_citing_the_measurements() {
    // Every other day as usual, then daily sessions with tremor half the time over the last 8 days.
    let h = tremor_task_history(31, |i, usual| {
        if i >= DAYS - 8 {
            vec![50.0 + (i % 3) as f64]
        } else if i % 2 == 0 {
            vec![usual]
        } else {
            vec![]
        }
    });
    let center = AlertCenter::new(h.store.clone());
    let raised = center.evaluate(&h.store, h.now_ms()).unwrap();
    let a = tremor_progression(&raised).unwrap_or_else(|| panic!("{raised:#?}"));
    assert!(
        a.message
            .starts_with("Your tremor tasks show more time in tremor"),
        "{}",
        a.message
    );
    let fact = a
        .evidence
        .facts
        .iter()
        .find(|f| f.starts_with("Measured: Arms held out (right hand), time in tremor (%)"))
        .unwrap_or_else(|| panic!("{:#?}", a.evidence.facts));
    assert!(fact.contains("8 consecutive sessions on 8 days"), "{fact}");
    assert_eq!(a.evidence.task_declines.len(), 1);
    let d = &a.evidence.task_declines[0];
    assert_eq!(
        (d.kind, d.metric),
        (TaskKind::TremorOutstretched, Metric::TremorPercent)
    );
    assert!(d.median_value >= 50.0 && d.change_percent > 100.0, "{d:?}");
    // The seed sentence the rule rests on.
    assert_eq!(
        a.rule.info().seed_sentence,
        "Conditions like Essential Tremor, a common neurological cause of rhythmic shaking, should be evaluated when a twitch progresses into a noticeable, sustained movement."
    );
    // The same run re-evaluated is not new evidence.
    assert!(tremor_progression(&center.evaluate(&h.store, h.now_ms() + 60_000).unwrap()).is_none());
}

#[test]
fn one_bad_tremor_day_a_trace_of_tremor_and_finger_to_nose_do_not_fire() {
    // Three sessions full of tremor, all today (a cold, shaky morning).
    let bad_day = tremor_task_history(32, |i, usual| {
        if i == DAYS - 1 {
            vec![60.0, 55.0, 58.0]
        } else if i % 2 == 0 {
            vec![usual]
        } else {
            vec![]
        }
    });
    let center = AlertCenter::new(bad_day.store.clone());
    let raised = center.evaluate(&bad_day.store, bad_day.now_ms()).unwrap();
    assert!(tremor_progression(&raised).is_none(), "{raised:#?}");

    // From no tremor at all to a trace: beyond a baseline of zero on many days, but under
    // tremor_progression.task_min_percent (15 %), so not yet a sustained movement.
    let trace = tremor_task_history(33, |i, _| {
        if i >= DAYS - 10 {
            vec![13.0]
        } else if i % 2 == 0 {
            vec![0.0]
        } else {
            vec![]
        }
    });
    let center = AlertCenter::new(trace.store.clone());
    let evaluation = center.assess(&trace.store, trace.now_ms()).unwrap();
    let t = evaluation
        .task_trends
        .iter()
        .find(|t| t.kind == TaskKind::TremorOutstretched && t.metric == Metric::TremorPercent)
        .unwrap();
    assert!(t.decline.is_some(), "the change criterion sees the rise");
    assert!(tremor_progression(&center.evaluate(&trace.store, trace.now_ms()).unwrap()).is_none());

    // Finger to nose mostly measures how much of the movement could be judged: never evidence.
    let mut h = History::new(TODAY, DAYS, 34);
    h.fill(|rng, _, _| plan(background(rng), None));
    for (i, day) in h.dates().into_iter().enumerate() {
        let p = if i as i64 >= DAYS - 10 {
            60.0
        } else {
            h.rng.gen_range(2.0..8.0)
        };
        tremor_session(&h, day, 9, TaskKind::TremorFingerToNose, p);
    }
    let center = AlertCenter::new(h.store.clone());
    assert!(tremor_progression(&center.evaluate(&h.store, h.now_ms()).unwrap()).is_none());
}
