//! Robustness on real simulator signals: packet loss and duplication, clock jitter, clipping, offsets,
//! an upside-down sensor, and a hand that moves in the middle of a tremor bout. Nothing may crash or
//! produce a burst of false events.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_lab::simulator::{
    builtin_scenario, EverydayTask, FloorLevels, Involuntary, Placement, Scenario, Segment,
    SimConfig, Simulator,
};
use twitchwatch_model::{Activity, LabelledEvent, MotorEvent, MotorEventKind, SensorBatch};

fn simulate(scenario: &Scenario, config: SimConfig) -> (Vec<SensorBatch>, Vec<LabelledEvent>) {
    let per = (config.sample_rate_hz / 10.0) as usize;
    let mut sim = Simulator::new(scenario, config).expect("valid simulator config");
    let labels = sim.labels().to_vec();
    let mut batches = Vec::new();
    while let Some(b) = sim.next_batch(per) {
        batches.push(b);
    }
    (batches, labels)
}

fn classify<'a>(batches: impl IntoIterator<Item = &'a SensorBatch>) -> ClassifierOutput {
    classify_with(&ClassifierConfig::default(), batches)
}

fn classify_with<'a>(
    config: &ClassifierConfig,
    batches: impl IntoIterator<Item = &'a SensorBatch>,
) -> ClassifierOutput {
    let mut c = StreamingClassifier::new(config.clone());
    let mut out = ClassifierOutput::new();
    for b in batches {
        c.push_batch(b, &mut out)
            .expect("simulated batches are valid");
    }
    c.finish(&mut out);
    out
}

/// The default classifier without the gyroscope's tremble path (the envelope alone).
fn envelope_only() -> ClassifierConfig {
    ClassifierConfig {
        spasm_tremble_reversals_per_s: f32::INFINITY,
        ..ClassifierConfig::default()
    }
}

/// 20 s of rest, then a spasm 5 s into a rest segment that lasts `after_s` beyond the spasm.
fn spasm_scene(name: &str, duration_s: f32, amp_g: f32, after_s: f32) -> Scenario {
    Scenario {
        name: name.into(),
        description: String::new(),
        segments: vec![
            Segment::new(20.0, Activity::Rest),
            Segment::new(duration_s + after_s, Activity::Rest).with(Involuntary::SpasmAt {
                start_s: 5.0,
                duration_s,
                amplitude_g: amp_g,
            }),
        ],
    }
}

/// Detections that overlap no label (with 1.5 s of slack), by kind.
fn unlabelled<'a>(events: &'a [MotorEvent], labels: &[LabelledEvent]) -> Vec<&'a MotorEvent> {
    events
        .iter()
        .filter(|e| {
            !labels
                .iter()
                .any(|l| e.start_ms < l.end_ms + 1500 && e.end_ms + 1500 > l.start_ms)
        })
        .collect()
}

fn twitch_scene() -> Scenario {
    Scenario {
        name: "robust-twitch".into(),
        description: String::new(),
        segments: vec![
            // Sparse enough that most twitches stand alone: this scene is about mounting, not density.
            Segment::new(120.0, Activity::Rest).with(Involuntary::Twitches {
                rate_per_min: 6.0,
                amplitude_mg: (8.0, 40.0),
            }),
            Segment::new(40.0, Activity::Rest).with(Involuntary::TremorContinuous {
                freq_hz: 5.5,
                amplitude_mg: 80.0,
            }),
            Segment::new(30.0, Activity::Rest),
        ],
    }
}

fn found(events: &[MotorEvent], labels: &[LabelledEvent], kind: MotorEventKind) -> usize {
    labels
        .iter()
        .filter(|l| l.kind == kind)
        .filter(|l| {
            events.iter().any(|e| {
                e.kind == kind && e.start_ms < l.end_ms + 1500 && e.end_ms + 1500 > l.start_ms
            })
        })
        .count()
}

#[test]
fn mounting_faults_do_not_change_what_is_found() {
    let base = SimConfig {
        seed: 31,
        sample_rate_hz: 400.0,
        ..SimConfig::default()
    };
    let (clean_b, clean_l) = simulate(&twitch_scene(), base.clone());
    let clean = classify(&clean_b);
    let clean_twitches = found(&clean.events, &clean_l, MotorEventKind::Fasciculation);
    assert!(
        clean_twitches >= 5,
        "baseline should find twitches: {clean_twitches}"
    );
    let faulty = SimConfig {
        upside_down: true,
        accel_offset_g: [0.05, -0.04, 0.08],
        gyro_offset_dps: [3.0, -2.0, 1.0],
        rate_jitter: 0.05,
        ..base
    };
    let (b, l) = simulate(&twitch_scene(), faulty);
    let out = classify(&b);
    let twitches = found(&out.events, &l, MotorEventKind::Fasciculation);
    assert!(
        twitches * 10 >= clean_twitches * 8,
        "faults lost twitches: {twitches} vs {clean_twitches}"
    );
    assert_eq!(
        found(&out.events, &l, MotorEventKind::Tremor),
        1,
        "{:?}",
        out.events
    );
    assert!(
        unlabelled(&out.events, &l).len() <= 1,
        "{:?}",
        unlabelled(&out.events, &l)
    );
}

#[test]
fn lost_duplicated_and_reordered_packets_make_no_bursts() {
    let (batches, labels) = simulate(
        &twitch_scene(),
        SimConfig {
            seed: 32,
            sample_rate_hz: 200.0,
            ..SimConfig::default()
        },
    );
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let mut stream: Vec<SensorBatch> = Vec::new();
    let mut lost = 0u32;
    let mut i = 0;
    while i < batches.len() {
        let r: f32 = rng.gen();
        if r < 0.05 {
            lost += batches[i].len() as u32; // dropped packet
        } else if r < 0.08 && i + 1 < batches.len() {
            // swapped pair: the late one arrives after its successor
            let mut a = batches[i + 1].clone();
            a.samples_lost_before = std::mem::take(&mut lost);
            stream.push(a);
            stream.push(batches[i].clone());
            i += 1;
        } else {
            let mut b = batches[i].clone();
            b.samples_lost_before = std::mem::take(&mut lost);
            stream.push(b.clone());
            if r > 0.95 {
                stream.push(b); // duplicate
            }
        }
        i += 1;
    }
    let out = classify(&stream);
    assert!(
        unlabelled(&out.events, &labels).len() <= 2,
        "{:?}",
        unlabelled(&out.events, &labels)
    );
    assert_eq!(found(&out.events, &labels, MotorEventKind::Tremor), 1);
    let lost: u32 = out.minutes.iter().map(|m| m.samples_lost).sum();
    assert!(lost > 0, "loss must be reported in the minutes");
}

#[test]
fn clipping_at_the_sensor_range_is_survived() {
    let scene = Scenario {
        name: "clip".into(),
        description: String::new(),
        segments: vec![
            Segment::new(20.0, Activity::Rest),
            Segment::new(30.0, Activity::Rest).with(Involuntary::SpasmAt {
                start_s: 5.0,
                duration_s: 10.0,
                amplitude_g: 1.5,
            }),
            Segment::new(30.0, Activity::Rest).with(Involuntary::TremorContinuous {
                freq_hz: 6.0,
                amplitude_mg: 200.0,
            }),
            Segment::new(20.0, Activity::Walking),
        ],
    };
    let (b, l) = simulate(
        &scene,
        SimConfig {
            seed: 33,
            sample_rate_hz: 100.0,
            accel_range_g: 1.0,
            ..SimConfig::default()
        },
    );
    let out = classify(&b);
    assert!(out.events.len() <= 6, "{:?}", out.events);
    assert_eq!(
        found(&out.events, &l, MotorEventKind::Tremor),
        1,
        "{:?}",
        out.events
    );
    for m in &out.minutes {
        assert!((m.tremor.total() - 1.0).abs() < 1e-3, "{m:?}");
    }
}

#[test]
fn a_reach_in_the_middle_of_a_tremor_bout_is_unknown_not_false_events() {
    let scene = builtin_scenario("tremor-with-movement").expect("built-in");
    for rate in [50.0, 400.0] {
        let (b, l) = simulate(
            &scene,
            SimConfig {
                seed: 34,
                sample_rate_hz: rate,
                ..SimConfig::default()
            },
        );
        let out = classify(&b);
        assert_eq!(
            found(&out.events, &l, MotorEventKind::Tremor),
            1,
            "{rate}: {:?}",
            out.events
        );
        assert!(
            out.events.iter().all(|e| e.kind == MotorEventKind::Tremor),
            "{rate}: {:?}",
            out.events
        );
        assert!(
            out.events.len() <= 2,
            "the bout may split at the reach, no more: {:?}",
            out.events
        );
        let moving: f32 = out.minutes.iter().map(|m| m.wear.moving).sum();
        assert!(moving > 0.0, "{rate}: the reach should read as movement");
    }
}

/// A small spasm that holds the hand away from its resting posture is found even though its
/// envelope is hot only now and then, and a long strong spasm whose envelope goes quiet for
/// seconds at a time is still reported as one event covering it.
#[test]
fn small_held_spasms_are_found_and_long_ones_reported_once() {
    for (rate, duration_s, amp_g, seed) in [
        (100.0f32, 6.0f32, 0.3f32, 31u64),
        (400.0, 10.0, 0.3, 32),
        (200.0, 40.0, 0.5, 33),
    ] {
        let scenario = spasm_scene("robust-spasm", duration_s, amp_g, 20.0);
        let config = SimConfig {
            seed,
            sample_rate_hz: rate,
            ..SimConfig::default()
        };
        let (batches, labels) = simulate(&scenario, config);
        let out = classify(&batches);
        let label = labels
            .iter()
            .find(|l| l.kind == MotorEventKind::Spasm)
            .expect("a labelled spasm");
        let spasms: Vec<_> = out
            .events
            .iter()
            .filter(|e| e.kind == MotorEventKind::Spasm)
            .collect();
        assert_eq!(
            spasms.len(),
            1,
            "{rate} Hz {duration_s} s {amp_g} g: {spasms:?}"
        );
        let s = spasms[0];
        assert!(
            s.start_ms < label.end_ms && s.end_ms > label.start_ms,
            "{rate} Hz: {s:?} vs {label:?}"
        );
        if amp_g >= 0.5 {
            // The strong one is covered nearly end to end.
            let covered = (s.end_ms.min(label.end_ms) - s.start_ms.max(label.start_ms)) as f32;
            assert!(
                covered > 0.9 * (label.end_ms - label.start_ms) as f32,
                "{s:?} vs {label:?}"
            );
        }
        assert!(
            unlabelled(&out.events, &labels).is_empty(),
            "{:?}",
            out.events
        );
    }
}

/// Typing that starts from a still hand makes no spasm: neither the move to the keyboard (a quick
/// lift and turn from stillness: about one session in ten was a 1–2 s spasm until a spasm had to move
/// the hand, `spasm_min_slow_rms_g`) nor the typing after it (a burst from still used to extend the
/// "a spasm is continuing" window, and each keystroke burst inside it extended it again, so a whole
/// typing session counted as continuing from still and a hand shift deep inside it became a spasm).
#[test]
fn typing_that_starts_from_rest_makes_no_spasm() {
    let scene = Scenario {
        name: "rest-then-typing".into(),
        description: "rest with twitches, typing, rest".into(),
        segments: vec![
            Segment::new(30.0, Activity::Rest).with(Involuntary::Twitches {
                rate_per_min: 8.0,
                amplitude_mg: (5.0, 40.0),
            }),
            Segment::new(40.0, Activity::Typing),
            Segment::new(15.0, Activity::Rest),
        ],
    };
    let typing_ms = 30_000;
    let (mut late, mut at_move) = (Vec::new(), Vec::new());
    for rate in [100.0, 200.0, 400.0] {
        for seed in 0..40u64 {
            let config = SimConfig {
                seed: 9100 + seed,
                sample_rate_hz: rate,
                with_gyro: seed % 2 == 0,
                ..SimConfig::default()
            };
            let (batches, labels) = simulate(&scene, config);
            let out = classify(&batches);
            for e in unlabelled(&out.events, &labels) {
                if e.kind != MotorEventKind::Spasm {
                    continue;
                }
                if e.start_ms > typing_ms + 5_000 {
                    late.push((rate, seed, e.start_ms, e.end_ms));
                } else {
                    at_move.push((rate, seed, e.start_ms, e.end_ms));
                }
            }
        }
    }
    assert!(late.is_empty(), "typing called a spasm: {late:?}");
    assert!(
        at_move.is_empty(),
        "the move to the keyboard called a spasm: {at_move:?}"
    );
}

/// Small spasms (0.25–0.35 g) put most of their energy below 3 Hz, so the envelope above 3 Hz that
/// finds the large ones stays under its threshold for most of the spasm. With a gyroscope the
/// contraction's tremble gives it away: the hand, held turned away from where it was, keeps
/// reversing its rotation. Each spasm is reported once and covers most of its label.
#[test]
fn small_spasms_are_found_by_their_tremble_when_there_is_a_gyroscope() {
    let envelope_only = envelope_only();
    let (mut found, mut found_without, mut total) = (0, 0, 0);
    let mut problems = Vec::new();
    for (i, rate) in [50.0f32, 100.0, 200.0, 400.0].into_iter().enumerate() {
        for k in 0..6u64 {
            let duration_s = [4.0f32, 12.0, 30.0][k as usize % 3];
            let amp_g = [0.25f32, 0.3, 0.35][(k as usize + i) % 3];
            let scenario = spasm_scene("small-spasm", duration_s, amp_g, 15.0);
            let config = SimConfig {
                seed: 7700 + 10 * i as u64 + k,
                sample_rate_hz: rate,
                with_gyro: true,
                ..SimConfig::default()
            };
            let (batches, labels) = simulate(&scenario, config);
            let label = labels
                .iter()
                .find(|l| l.kind == MotorEventKind::Spasm)
                .expect("a labelled spasm")
                .clone();
            let overlaps = |e: &&MotorEvent| {
                e.kind == MotorEventKind::Spasm
                    && e.start_ms < label.end_ms
                    && e.end_ms > label.start_ms
            };
            total += 1;
            let out = classify(&batches);
            let spasms: Vec<_> = out.events.iter().filter(overlaps).collect();
            if let [s] = spasms[..] {
                found += 1;
                let covered = (s.end_ms.min(label.end_ms) - s.start_ms.max(label.start_ms)) as f32;
                if covered < 0.7 * (label.end_ms - label.start_ms) as f32 {
                    problems.push(format!(
                        "{rate} Hz {duration_s} s {amp_g} g: {s:?} covers <70 %"
                    ));
                }
            } else if spasms.len() > 1 {
                problems.push(format!(
                    "{rate} Hz {duration_s} s: reported {} times",
                    spasms.len()
                ));
            }
            if !unlabelled(&out.events, &labels).is_empty() {
                problems.push(format!("{rate} Hz: false events {:?}", out.events));
            }
            let without = classify_with(&envelope_only, &batches);

            found_without += usize::from(without.events.iter().any(|e| overlaps(&e)));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
    // The simulator's spasms are of three kinds, a third of them without a change of posture;
    // a slow tonic contraction that holds the hand where it was barely moves the sensor, so not
    // every one of these small ones can be found (docs/accuracy.md).
    assert!(
        found * 3 >= total * 2,
        "found {found} of {total} small spasms"
    );
    // The test is about the tremble: the envelope alone misses a good share of these.
    assert!(
        found_without + 4 <= found,
        "the envelope alone found {found_without} of {total}, with the tremble {found}"
    );
}

/// The tremble path must not turn voluntary movement from rest into spasms: reaches (a turn, a
/// hold, a turn back), walking away from the table, writing and typing, with a gyroscope, each
/// starting from a still hand. It adds no spasm event to any session. (The envelope path alone
/// calls 2 of these 32 sessions' reaches from rest a 1–2 s spasm: a known gap, docs/accuracy.md;
/// this test keeps it from growing.)
#[test]
fn moves_from_rest_with_a_gyroscope_make_no_spasm() {
    let envelope_only = envelope_only();
    let spans = |out: &ClassifierOutput| -> Vec<(i64, i64)> {
        out.events
            .iter()
            .filter(|e| e.kind == MotorEventKind::Spasm)
            .map(|e| (e.start_ms, e.end_ms))
            .collect()
    };
    let (mut added, mut envelope_false) = (Vec::new(), Vec::new());
    for (i, act) in [
        Activity::Reaching,
        Activity::Walking,
        Activity::Writing,
        Activity::Typing,
    ]
    .into_iter()
    .enumerate()
    {
        for seed in 0..8u64 {
            let scenario = Scenario {
                name: "rest-then-move".into(),
                description: String::new(),
                segments: vec![
                    Segment::new(15.0, Activity::Rest),
                    Segment::new(40.0, act),
                    Segment::new(10.0, Activity::Rest),
                    Segment::new(20.0, act),
                    Segment::new(10.0, Activity::Rest),
                ],
            };
            let config = SimConfig {
                seed: 8800 + 100 * i as u64 + seed,
                sample_rate_hz: [50.0, 100.0, 200.0, 400.0][seed as usize % 4],
                with_gyro: true,
                ..SimConfig::default()
            };
            let (batches, _) = simulate(&scenario, config);
            let with = spans(&classify(&batches));
            let without = spans(&classify_with(&envelope_only, &batches));
            if with != without {
                added.push((act, seed, with.clone(), without.clone()));
            }
            envelope_false.extend(without.into_iter().map(|s| (act, seed, s)));
        }
    }
    assert!(
        added.is_empty(),
        "the tremble path changed spasms: {added:?}"
    );
    assert!(
        envelope_false.len() <= 2,
        "voluntary moves called spasms: {envelope_false:?}"
    );
}

/// Bringing food or a cup to the mouth from a still hand (a lift and turn, a hold, a return: a few
/// seconds in all) is mostly not a spasm, whatever the rate, placement and sensor: at most a third
/// of the false spasms the same recordings give with the envelope's minimum at 2 s.
#[test]
fn eating_and_drinking_from_rest_make_few_spasms() {
    let short_minimum = ClassifierConfig {
        spasm_min_duration_ms: 2000.0,
        ..ClassifierConfig::default()
    };
    let (mut false_spasms, mut with_short_minimum) = (Vec::new(), 0);
    for (i, task) in [EverydayTask::Eating, EverydayTask::Drinking]
        .into_iter()
        .enumerate()
    {
        for (k, rate) in [50.0f32, 100.0, 200.0, 400.0].into_iter().enumerate() {
            let scene = Scenario {
                name: format!("{task:?}"),
                description: String::new(),
                segments: vec![
                    Segment::new(15.0, Activity::Rest),
                    Segment::everyday(300.0, task),
                    Segment::new(15.0, Activity::Rest),
                ],
            };
            let config = SimConfig {
                seed: 8300 + 10 * i as u64 + k as u64,
                sample_rate_hz: rate,
                with_gyro: k % 2 == 0,
                placement: if k % 3 == 0 {
                    Placement::BackOfHand
                } else {
                    Placement::Wrist
                },
                ..SimConfig::default()
            };
            let (batches, _) = simulate(&scene, config);
            let spasms = |out: &ClassifierOutput| {
                out.events
                    .iter()
                    .filter(|e| e.kind == MotorEventKind::Spasm)
                    .map(|e| (e.start_ms, e.end_ms))
                    .collect::<Vec<_>>()
            };
            for s in spasms(&classify(&batches)) {
                false_spasms.push((task, rate, s));
            }
            with_short_minimum += spasms(&classify_with(&short_minimum, &batches)).len();
        }
    }
    eprintln!(
        "{} false spasms in 40 min of eating and drinking, {with_short_minimum} with a 2 s minimum: {false_spasms:?}",
        false_spasms.len()
    );
    assert!(
        with_short_minimum >= 6,
        "the old 2 s minimum found only {with_short_minimum} false spasms here"
    );
    // Not yet none: a long bite or sip that keeps turning the hand can still outlast the minimum
    // (docs/accuracy.md gives the rate).
    assert!(
        false_spasms.len() * 3 <= with_short_minimum,
        "{false_spasms:?} vs {with_short_minimum} with a 2 s minimum"
    );
}

/// The minutes' spasm seconds are the time of the spasms reported: a recording whose spasms were
/// all refused has (nearly) none, and one with spasm events has about their length, the first
/// seconds of each included (decided before the spasm was known to last long enough), and the
/// seconds both the accelerometer's envelope and the gyroscope's tremble saw counted once.
#[test]
fn minute_spasm_seconds_follow_the_spasm_events_without_a_gyroscope() {
    minute_spasm_seconds_follow_the_spasm_events(false);
}

#[test]
fn minute_spasm_seconds_follow_the_spasm_events_with_a_gyroscope() {
    minute_spasm_seconds_follow_the_spasm_events(true);
}

fn minute_spasm_seconds_follow_the_spasm_events(with_gyro: bool) {
    let (mut disagreements, mut total_event_s, mut total_minute_s) = (Vec::new(), 0.0f32, 0.0f32);
    for (i, rate) in [50.0f32, 100.0, 200.0].into_iter().enumerate() {
        for k in 0..12u64 {
            let duration_s = [3.0f32, 6.0, 12.0, 25.0][k as usize % 4];
            let amp_g = [0.3f32, 0.6, 1.0][(k as usize + i) % 3];
            let scenario = spasm_scene("spasm-minutes", duration_s, amp_g, 15.0);
            let config = SimConfig {
                seed: 6100 + 20 * i as u64 + k,
                sample_rate_hz: rate,
                with_gyro,
                ..SimConfig::default()
            };
            let (batches, _) = simulate(&scenario, config);
            let out = classify(&batches);
            let event_s: f32 = out
                .events
                .iter()
                .filter(|e| e.kind == MotorEventKind::Spasm)
                .map(|e| (e.end_ms - e.start_ms) as f32 / 1000.0)
                .sum();
            let minute_s: f32 = out.minutes.iter().map(|m| m.spasm_seconds).sum();
            total_event_s += event_s;
            total_minute_s += minute_s;
            if (minute_s - event_s).abs() > 1.5 {
                disagreements.push(format!(
                    "{rate} Hz {duration_s} s {amp_g} g seed {k}: events {event_s:.1} s, minutes {minute_s:.1} s"
                ));
            }
        }
    }
    eprintln!(
        "spasm events {total_event_s:.1} s, minutes {total_minute_s:.1} s: {disagreements:#?}"
    );
    // Two known ways they still part (docs/classifier.md): a run called a spasm while it lasted
    // and refused at its end keeps its minutes, and a run that qualifies at a hop judged periodic
    // gets no backfill.
    assert!(disagreements.len() <= 2, "{disagreements:#?}");
    assert!(
        (total_minute_s - total_event_s).abs() <= 0.1 * total_event_s,
        "events {total_event_s} s, minutes {total_minute_s} s"
    );
}

/// A tremor lasts seconds to minutes (signals.md); a rhythm of a couple of seconds is a voluntary
/// burst (drumming, a shake of the hand) and is not reported, while the same rhythm lasting 6 s is.
#[test]
fn a_rhythm_shorter_than_three_seconds_is_not_a_tremor_bout() {
    let scene = |bout_s: f32| Scenario {
        name: "short-rhythms".into(),
        description: String::new(),
        segments: vec![
            Segment::new(10.0, Activity::Rest),
            Segment::new(90.0, Activity::Rest).with(Involuntary::Tremor {
                freq_hz: 5.0,
                amplitude_mg: 15.0,
                bout_s: (bout_s, bout_s),
                gap_s: (10.0, 14.0),
            }),
        ],
    };
    for rate in [50.0, 200.0] {
        let config = SimConfig {
            seed: 11,
            sample_rate_hz: rate,
            ..SimConfig::default()
        };
        let (b, l) = simulate(&scene(2.2), config.clone());
        let out = classify(&b);
        assert!(
            l.iter().any(|l| l.kind == MotorEventKind::Tremor),
            "the scene has short bouts"
        );
        assert!(
            out.events.iter().all(|e| e.kind != MotorEventKind::Tremor),
            "{rate} Hz, 2.2 s rhythms: {:?}",
            out.events
        );
        let (b, l) = simulate(&scene(6.0), config);
        let out = classify(&b);
        let bouts = l
            .iter()
            .filter(|l| l.kind == MotorEventKind::Tremor)
            .count();
        assert!(
            found(&out.events, &l, MotorEventKind::Tremor) * 2 >= bouts,
            "{rate} Hz, 6 s rhythms: most of {bouts} found: {:?}",
            out.events
        );
    }
}

/// 15 s of rest, a 40 s rest tremor (5 Hz, `amplitude_mg`), 15 s of rest.
fn rest_tremor_scene(amplitude_mg: f32) -> Scenario {
    Scenario {
        name: "rest-tremor".into(),
        description: String::new(),
        segments: vec![
            Segment::new(15.0, Activity::Rest),
            Segment::new(40.0, Activity::Rest).with(Involuntary::TremorContinuous {
                freq_hz: 5.0,
                amplitude_mg,
            }),
            Segment::new(15.0, Activity::Rest),
        ],
    }
}

/// Share of the recording called moving, from the minute summaries (weighted by their samples).
fn moving_share(out: &ClassifierOutput) -> f32 {
    let samples: f32 = out.minutes.iter().map(|m| m.samples_received as f32).sum();
    let moving: f32 = out
        .minutes
        .iter()
        .map(|m| m.wear.moving * m.samples_received as f32)
        .sum();
    moving / samples.max(1.0)
}

/// An idle hand turns by a few degrees a second (signals.md: 0.5–10 °/s), which tilts gravity by
/// 15–30 mg in the slow band. With a gyroscope the tilt that its turning explains is not movement,
/// and the rest tremor is found; with the accelerometer alone the same hand reads as moving most
/// of the time (checked, so the scene really has more slow acceleration than the limit).
#[test]
fn a_rest_tremor_on_a_gently_swaying_hand_is_found_with_a_gyroscope() {
    let floor = FloorLevels {
        sway_dps: 6.0,
        breathing_tilt_deg: 0.2,
        ..FloorLevels::none()
    };
    let config = SimConfig {
        seed: 7,
        sample_rate_hz: 100.0,
        orientation_drift_deg: 0.0,
        floor,
        ..SimConfig::default()
    };
    let (b, l) = simulate(&rest_tremor_scene(15.0), config.clone());
    let out = classify(&b);
    assert_eq!(
        found(&out.events, &l, MotorEventKind::Tremor),
        1,
        "{:?}",
        out.events
    );
    assert!(
        unlabelled(&out.events, &l).is_empty(),
        "nothing else on a resting hand: {:?}",
        out.events
    );
    let seconds: f32 = out
        .events
        .iter()
        .filter(|e| e.kind == MotorEventKind::Tremor)
        .map(|e| (e.end_ms - e.start_ms) as f32 / 1000.0)
        .sum();
    assert!(
        seconds > 25.0,
        "tremor events cover {seconds:.1} s of the 40 s bout"
    );

    let (b, _) = simulate(
        &rest_tremor_scene(15.0),
        SimConfig {
            with_gyro: false,
            ..config
        },
    );
    let moving = moving_share(&classify(&b));
    assert!(
        moving > 0.5,
        "without a gyroscope the sway should read as movement (moving {moving:.2})"
    );
}
