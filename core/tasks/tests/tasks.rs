//! The tasks' measures on synthetic inputs with known answers, the refusals, the baseline and change
//! criterion over generated 120-day histories, and the encrypted store round trip.

use std::path::{Path, PathBuf};

use twitchwatch_model::SensorBatch;
use twitchwatch_store::{DataKey, Store, StoreOptions};
use twitchwatch_tasks::*;

const NOW: i64 = 1_782_820_800_000; // 2026-06-30 12:00 UTC
const DAY: i64 = 86_400_000;

fn taps_at(times: impl IntoIterator<Item = f64>) -> Vec<Tap> {
    times
        .into_iter()
        .map(|t| Tap {
            t_ms: t,
            x_pt: 100.0,
            y_pt: 400.0,
        })
        .collect()
}

fn tapping(hand: Hand, taps: Vec<Tap>) -> TappingInput {
    TappingInput {
        hand,
        started_at_ms: NOW - 60_000,
        duration_ms: 20_000.0,
        targets: vec![],
        taps,
    }
}

#[test]
fn a_steady_five_per_second_stream_has_rate_interval_and_no_variability_or_fatigue() {
    let m = tapping(
        Hand::Left,
        taps_at((0..100).map(|i| 100.0 + i as f64 * 200.0)),
    )
    .measure(NOW)
    .unwrap();
    assert_eq!(m.tap_count, 100);
    assert!((m.taps_per_s - 5.0).abs() < 1e-9);
    assert!((m.interval_mean_ms.unwrap() - 200.0).abs() < 1e-9);
    assert!(m.interval_cv.unwrap() < 1e-9);
    assert!((m.fatigue_ratio.unwrap() - 1.0).abs() < 0.05, "{m:?}");
    assert_eq!(m.accuracy_mean_pt, None, "no targets, no accuracy");
}

#[test]
fn alternating_intervals_give_the_known_coefficient_of_variation() {
    // Intervals 150, 250, 150, … : mean 200, deviations ±50.
    let mut t = 0.0;
    let mut times = vec![t];
    for i in 0..40 {
        t += if i % 2 == 0 { 150.0 } else { 250.0 };
        times.push(t);
    }
    let m = tapping(Hand::Right, taps_at(times)).measure(NOW).unwrap();
    let n: f64 = 40.0;
    let expected = (n * 2500.0 / (n - 1.0)).sqrt() / 200.0;
    assert!((m.interval_mean_ms.unwrap() - 200.0).abs() < 1e-9);
    assert!((m.interval_cv.unwrap() - expected).abs() < 1e-9);
}

#[test]
fn slowing_down_shows_as_fatigue_and_taps_off_target_as_distance() {
    // 5 taps/s for the first third, 2.5 taps/s for the last.
    let third = 20_000.0 / 3.0;
    let mut times: Vec<f64> = (0..33).map(|i| i as f64 * 200.0).collect();
    times.extend((0..16).map(|i| third + 100.0 + i as f64 * 400.0));
    times.extend((0..16).map(|i| 2.0 * third + 100.0 + i as f64 * 400.0));
    let mut input = tapping(Hand::Left, taps_at(times));
    input.targets = vec![
        TapTarget {
            x_pt: 97.0,
            y_pt: 404.0,
        },
        TapTarget {
            x_pt: 300.0,
            y_pt: 400.0,
        },
    ];
    let m = input.measure(NOW).unwrap();
    assert_eq!((m.taps_first_third, m.taps_last_third), (33, 16));
    assert!((m.fatigue_ratio.unwrap() - 16.0 / 33.0).abs() < 1e-9);
    // Every tap is 3-4-5 away from the nearer target.
    assert!((m.accuracy_mean_pt.unwrap() - 5.0).abs() < 1e-9);
}

#[test]
fn asymmetry_says_which_hand_is_faster_by_how_much() {
    let left = tapping(Hand::Left, taps_at((0..100).map(|i| i as f64 * 199.0)))
        .measure(NOW)
        .unwrap();
    let right = tapping(Hand::Right, taps_at((0..80).map(|i| i as f64 * 249.0)))
        .measure(NOW)
        .unwrap();
    let a = asymmetry(&left, &right);
    assert!((a.tap_count_index - 20.0 / 90.0).abs() < 1e-9);
    assert!(asymmetry(&right, &left).tap_count_index < 0.0);
    assert!(a.interval_cv_difference.unwrap().abs() < 1e-9);
    assert_eq!(asymmetry(&left, &left).tap_count_index, 0.0);
}

#[test]
fn bad_tapping_input_is_a_typed_error_naming_what_to_fix() {
    let ok = tapping(Hand::Left, taps_at([10.0, 300.0, 600.0]));
    ok.validate(NOW).unwrap();
    let with = |f: &dyn Fn(&mut TappingInput)| {
        let mut i = ok.clone();
        f(&mut i);
        i.measure(NOW).unwrap_err()
    };
    assert!(matches!(
        with(&|i| i.taps[1].t_ms = f64::NAN),
        TaskError::NotFinite {
            field: "tap times",
            index: 1
        }
    ));
    assert!(matches!(
        with(&|i| i.taps[2].x_pt = f64::INFINITY),
        TaskError::NotFinite { .. }
    ));
    let e = with(&|i| i.taps[0].t_ms = -5.0);
    assert!(e.to_string().contains("before the task started"), "{e}");
    let e = with(&|i| i.taps[2].t_ms = 200.0);
    assert!(matches!(e, TaskError::OutOfOrder { index: 2, .. }), "{e}");
    assert!(e.to_string().contains("time order"));
    let e = with(&|i| i.started_at_ms = NOW + 3_600_000);
    assert!(matches!(e, TaskError::FutureDate { .. }), "{e}");
    assert!(e.to_string().contains("in the future"));
    let e = with(&|i| i.taps.clear());
    assert!(matches!(e, TaskError::EmptySession { .. }), "{e}");
    assert!(matches!(
        with(&|i| i.duration_ms = 0.0),
        TaskError::Invalid {
            field: "duration_ms",
            ..
        }
    ));
    assert!(matches!(
        with(&|i| i.targets = vec![TapTarget {
            x_pt: 1.0,
            y_pt: 1.0
        }]),
        TaskError::Invalid {
            field: "targets",
            ..
        }
    ));
    assert!(with(&|i| i.taps[2].t_ms = 40_000.0)
        .to_string()
        .contains("after the 20000 ms session ended"));
}

/// 100 Hz wearable batches of one second: a rhythm of `freq_hz` at `amp_g` / `amp_dps` on a still hand.
fn wearable(
    seconds: usize,
    freq_hz: f32,
    amp_g: f32,
    amp_dps: f32,
    skip: &[usize],
) -> Vec<SensorBatch> {
    let rate = 100.0f32;
    let start_us = (NOW - 120_000) * 1000;
    let mut seed = 12345u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    (0..seconds)
        .filter(|s| !skip.contains(s))
        .map(|s| {
            let mut accel = Vec::new();
            let mut gyro = Vec::new();
            for i in 0..100 {
                let t = (s * 100 + i) as f32 / rate;
                let w = (2.0 * std::f32::consts::PI * freq_hz * t).sin();
                accel.push([
                    amp_g * w + 0.0005 * noise(),
                    0.0005 * noise(),
                    1.0 + 0.0005 * noise(),
                ]);
                gyro.push([amp_dps * w + 0.05 * noise(), 0.05 * noise(), 0.05 * noise()]);
            }
            SensorBatch {
                first_sample_us: start_us + (s as i64) * 1_000_000,
                sample_rate_hz: rate,
                accel_g: accel,
                gyro_dps: gyro,
                samples_lost_before: 0,
            }
        })
        .collect()
}

fn tremor_task(batches: Vec<SensorBatch>) -> TremorInput {
    TremorInput {
        kind: TaskKind::TremorRest,
        hand: Hand::Right,
        started_at_ms: NOW - 120_000,
        batches,
    }
}

#[test]
fn a_rest_tremor_is_measured_through_the_classifier_and_a_still_hand_has_none() {
    let m = tremor_task(wearable(30, 5.0, 0.02, 6.0, &[]))
        .measure(NOW)
        .unwrap();
    assert!(m.tremor_fraction > 0.5, "{m:?}");
    assert!((m.dominant_freq_hz.unwrap() - 5.0).abs() < 0.3, "{m:?}");
    assert!(m.amplitude_g.unwrap() > 0.01, "{m:?}");
    assert!((m.quality.effective_rate_hz - 100.0).abs() < 1.0);
    assert_eq!((m.quality.gaps, m.quality.samples_lost), (0, 0));
    assert!(m.quality.has_gyro);

    let still = tremor_task(wearable(30, 5.0, 0.0, 0.0, &[]))
        .measure(NOW)
        .unwrap();
    assert_eq!(still.tremor_fraction, 0.0, "{still:?}");
    assert_eq!(still.dominant_freq_hz, None);
}

#[test]
fn gaps_in_the_recording_are_counted_and_empty_or_short_ones_refused() {
    let m = tremor_task(wearable(30, 5.0, 0.02, 6.0, &[10, 11]))
        .measure(NOW)
        .unwrap();
    assert_eq!(m.quality.gaps, 1);
    assert_eq!(m.quality.samples_lost, 200);
    assert!(matches!(
        tremor_task(vec![]).measure(NOW).unwrap_err(),
        TaskError::EmptySession { .. }
    ));
    let short = tremor_task(wearable(5, 5.0, 0.02, 6.0, &[]))
        .measure(NOW)
        .unwrap_err();
    assert!(short.to_string().contains("at least 15 s"), "{short}");
    let mut nan = wearable(30, 5.0, 0.02, 6.0, &[]);
    nan[3].accel_g[7][0] = f32::NAN;
    assert!(matches!(
        tremor_task(nan).measure(NOW).unwrap_err(),
        TaskError::Sensor(_)
    ));
    let mut wrong = tremor_task(wearable(30, 5.0, 0.02, 6.0, &[]));
    wrong.kind = TaskKind::Tapping;
    assert!(wrong.measure(NOW).is_err());
}

fn hold(shake_g: f64, sag_deg_total: f64) -> Vec<PhoneMotionSample> {
    // 50 Hz for 20 s; the phone tilts steadily by `sag_deg_total`; a 6 Hz shake on x.
    (0..1000)
        .map(|i| {
            let t = i as f64 * 20.0;
            let tilt = (sag_deg_total * t / 20_000.0).to_radians();
            let shake = shake_g * (2.0 * std::f64::consts::PI * 6.0 * t / 1000.0).sin();
            PhoneMotionSample {
                t_ms: t,
                x_g: shake,
                y_g: tilt.sin(),
                z_g: tilt.cos(),
            }
        })
        .collect()
}

#[test]
fn the_hold_measures_shake_and_sag_and_the_record_takes_a_dynamometer_value() {
    let input = GripInput {
        hand: Hand::Left,
        started_at_ms: NOW - 60_000,
        held_ms: 20_000.0,
        samples: hold(0.01, 20.0),
        self_rated_grip_0_10: Some(7),
        dynamometer_kg: None,
    };
    let g = input.measure(NOW).unwrap();
    let s = g.steadiness.as_ref().unwrap();
    // A sine of 10 mg peak has 7.07 mg RMS.
    assert!((s.shake_rms_mg - 7.07).abs() < 0.5, "{s:?}");
    // Posture averaged over the first and last 2 s: 20° − 2 × 1° apart.
    assert!((s.sag_deg - 18.0).abs() < 0.3, "{s:?}");
    assert_eq!(s.held_fraction, 1.0);
    let mut with_force = input.clone();
    with_force.dynamometer_kg = Some(31.5);
    with_force.samples.clear();
    let r = with_force.into_result(NOW).unwrap();
    assert_eq!(r.value(Metric::DynamometerKg), Some(31.5));
    assert_eq!(r.value(Metric::HoldShakeMg), None);
    let mut bad = input.clone();
    bad.dynamometer_kg = Some(f64::NAN);
    assert!(matches!(
        bad.measure(NOW).unwrap_err(),
        TaskError::NotFinite { .. }
    ));
    bad.dynamometer_kg = Some(400.0);
    assert!(bad.measure(NOW).is_err());
    let empty = GripInput {
        samples: vec![],
        self_rated_grip_0_10: None,
        dynamometer_kg: None,
        ..input.clone()
    };
    assert!(matches!(
        empty.measure(NOW).unwrap_err(),
        TaskError::EmptySession { .. }
    ));
    let mut shuffled = input.clone();
    shuffled.samples.swap(3, 4);
    assert!(shuffled
        .measure(NOW)
        .unwrap_err()
        .to_string()
        .contains("time order"));
}

// ---- baseline and change criterion over 120-day histories ----

fn criterion() -> ChangeCriterion {
    ChangeCriterion {
        spread_multiplier: 2.5,
        min_relative_spread: 0.08,
        sustained_sessions: 3,
        sustained_days: 3,
    }
}

fn utc() -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::UTC
}

/// One tapping session with `count` taps, evenly spaced.
fn tapping_result(at_ms: i64, hand: Hand, count: u32) -> TaskResult {
    let step = 20_000.0 / count as f64;
    let mut input = tapping(hand, taps_at((0..count).map(|i| i as f64 * step)));
    input.started_at_ms = at_ms;
    input.into_result(at_ms + DAY).unwrap()
}

/// A session every `every` days for 120 days ending yesterday; `count(day)` taps.
fn history(every: i64, count: impl Fn(i64, &mut u32) -> Vec<u32>) -> Vec<TaskResult> {
    let first = NOW - 120 * DAY;
    let mut noise = 7u32;
    let mut out = Vec::new();
    for d in (0..120).step_by(every as usize) {
        for (i, c) in count(d, &mut noise).into_iter().enumerate() {
            out.push(tapping_result(
                first + d * DAY + i as i64 * 3_600_000,
                Hand::Left,
                c,
            ));
        }
    }
    out
}

fn jitter(n: &mut u32) -> u32 {
    *n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
    (*n >> 16) % 9 // 0..=8 taps of day-to-day variation
}

fn tap_trend(results: &[TaskResult]) -> TaskTrend {
    trend(
        results,
        TaskKind::Tapping,
        Metric::TapCount,
        Hand::Left,
        &criterion(),
        &utc(),
    )
}

#[test]
fn a_stable_history_stays_within_its_baseline() {
    let h = history(1, |_, n| vec![96 + jitter(n)]);
    let t = tap_trend(&h);
    let b = t.baseline.as_ref().unwrap();
    assert_eq!(b.sessions_ms.len(), 3);
    assert!(b.low < 96.0 && b.high > 104.0, "{b:?}");
    assert_eq!(t.decline, None);
    assert_eq!(t.improvement, None);
    assert!(t.points.iter().all(|p| p.status != SessionStatus::Worse));
    assert_eq!(t.points.len(), 120);
}

#[test]
fn one_bad_day_even_with_several_bad_sessions_is_not_a_sustained_change() {
    let h = history(1, |d, n| {
        if d == 119 {
            vec![55, 52, 50]
        } else {
            vec![96 + jitter(n)]
        }
    });
    let t = tap_trend(&h);
    let worse = t
        .points
        .iter()
        .filter(|p| p.status == SessionStatus::Worse)
        .count();
    assert_eq!(worse, 3, "the bad sessions are seen as worse");
    assert_eq!(t.decline, None, "but one day is not sustained");
    // The same three sessions spread over three days are.
    let spread = history(1, |d, n| {
        if d >= 117 {
            vec![55]
        } else {
            vec![96 + jitter(n)]
        }
    });
    let d = tap_trend(&spread).decline.expect("three days in a row");
    assert_eq!((d.sessions, d.days), (3, 3));
}

#[test]
fn a_sustained_decline_is_found_with_its_size_and_a_recovery_ends_it() {
    // The last 14 days the person taps ~30 % slower.
    let h = history(1, |d, n| {
        vec![if d >= 106 {
            66 + jitter(n)
        } else {
            96 + jitter(n)
        }]
    });
    let t = tap_trend(&h);
    let d = t.decline.clone().expect("sustained decline");
    assert_eq!(d.sessions, 14);
    assert!(
        d.change_percent < -20.0 && d.change_percent > -40.0,
        "{d:?}"
    );
    assert_eq!(t.improvement, None);
    // Sessions every third day: fewer sessions, the same finding.
    let sparse = history(3, |d, n| {
        vec![if d >= 100 {
            66 + jitter(n)
        } else {
            96 + jitter(n)
        }]
    });
    assert!(tap_trend(&sparse).decline.is_some());
    // One good session at the end ends the run.
    let mut recovered = h.clone();
    recovered.push(tapping_result(NOW - 3_600_000, Hand::Left, 97));
    assert_eq!(tap_trend(&recovered).decline, None);
    // The other hand is its own series.
    assert!(trend(
        &h,
        TaskKind::Tapping,
        Metric::TapCount,
        Hand::Right,
        &criterion(),
        &utc()
    )
    .baseline
    .is_none());
}

#[test]
fn an_improvement_is_not_a_decline_and_the_direction_follows_the_measure() {
    let h = history(1, |d, n| {
        vec![if d >= 100 {
            130 + jitter(n)
        } else {
            90 + jitter(n)
        }]
    });
    let t = tap_trend(&h);
    assert!(t.decline.is_none());
    assert!(t.improvement.is_some());
    // For rhythm variability higher is worse: a steadier rhythm is an improvement, not a decline.
    assert_eq!(Metric::TapIntervalCv.worse_when(), WorseWhen::Higher);
    assert_eq!(Metric::TapCount.worse_when(), WorseWhen::Lower);
}

#[test]
fn fewer_than_three_sessions_have_no_baseline_and_the_spread_has_a_floor() {
    let h = history(60, |_, _| vec![100]);
    assert_eq!(h.len(), 2);
    let t = tap_trend(&h);
    assert!(t.baseline.is_none() && t.decline.is_none());
    // Three identical sessions: the spread is the floor (8 % of 100), not zero.
    let same = history(30, |_, _| vec![100]);
    let b = tap_trend(&same).baseline.unwrap();
    assert!((b.spread - 8.0).abs() < 1e-9, "{b:?}");
    assert!((b.low - 80.0).abs() < 1e-9, "{b:?}");
    assert!(trends(&same, &criterion(), &utc())
        .iter()
        .any(|t| t.metric == Metric::TapIntervalCv));
}

// ---- the store ----

fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                pending.push(entry.path());
            } else if std::fs::read(entry.path())
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
            {
                out.push(entry.path());
            }
        }
    }
    out
}

fn results_to_store() -> Vec<TaskResult> {
    let grip = GripInput {
        hand: Hand::Right,
        started_at_ms: NOW - 10 * 60_000,
        held_ms: 20_000.0,
        samples: hold(0.01, 5.0),
        self_rated_grip_0_10: Some(6),
        dynamometer_kg: Some(27.25),
    }
    .into_result(NOW)
    .unwrap();
    vec![
        tapping_result(NOW - 2 * DAY, Hand::Left, 91),
        tapping_result(NOW - DAY, Hand::Left, 93),
        tremor_task(wearable(30, 5.0, 0.02, 6.0, &[]))
            .into_result(NOW)
            .unwrap(),
        grip,
    ]
}

#[test]
fn results_round_trip_through_an_encrypted_store_and_no_file_holds_them_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let needles: [&[u8]; 3] = [b"tremor_rest", b"dynamometer_kg", b"taps_first_third"];
    // The same search finds them in a plaintext store, so it works.
    let plain = dir.path().join("plain");
    {
        let store = Store::open(&plain, StoreOptions::default()).unwrap();
        for r in results_to_store() {
            store.put_task_result(&r).unwrap();
        }
    }
    for n in needles {
        assert!(!files_containing(&plain, n).is_empty());
    }
    let sealed = dir.path().join("sealed");
    let options = StoreOptions {
        data_key: Some(DataKey::from_bytes([9; 32])),
        flush_every_ms: 0,
        ..StoreOptions::default()
    };
    let written = results_to_store();
    {
        let store = Store::open(&sealed, options.clone()).unwrap();
        for r in &written {
            store.put_task_result(r).unwrap();
        }
        // Same millisecond: a distinct id, nothing overwritten.
        let again = store.put_task_result(&written[0]).unwrap();
        assert_eq!(again.completed_at_ms, written[0].completed_at_ms + 1);
        assert!(store.delete_task_result(again.completed_at_ms).unwrap());
        assert!(store.check_integrity().unwrap().is_empty());
    }
    for n in needles {
        assert_eq!(files_containing(&sealed, n), Vec::<PathBuf>::new());
    }
    let store = Store::open(&sealed, options).unwrap();
    let mut expected = written.clone();
    expected.sort_by_key(|r| r.completed_at_ms);
    let read = store.all_task_results().unwrap();
    assert_eq!(read.len(), expected.len());
    for (r, e) in read.iter().zip(&expected) {
        assert_eq!(
            (r.completed_at_ms, r.kind(), r.hand),
            (e.completed_at_ms, e.kind(), e.hand)
        );
        // JSON keeps every value to the last bit or one unit in the last place.
        for ((m1, v1), (m2, v2)) in r.metric_values().into_iter().zip(e.metric_values()) {
            assert_eq!(m1, m2);
            assert!(
                (v1 - v2).abs() <= 1e-12 * v2.abs().max(1.0),
                "{m1:?}: {v1} vs {v2}"
            );
        }
    }
    assert_eq!(store.counts().task_results, 4);
    let last_day = store
        .task_results_in_range(NOW - DAY - 1, NOW + DAY)
        .unwrap();
    assert_eq!(last_day.len(), 3);
    drop(store);
    Store::delete_all(&sealed).unwrap();
    assert!(
        !sealed.exists(),
        "delete-all leaves no file of the task results"
    );
}
