//! Classifier behaviour on small hand-made signals whose truth is known exactly: each class alone,
//! voluntary movement, bad input, gaps and duplicates, rate changes, and the minute summaries.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use twitchwatch_classify::{
    ClassifierConfig, ClassifierOutput, ClassifyError, StreamingClassifier,
};
use twitchwatch_model::{MotorEvent, MotorEventKind, SensorBatch};

const TAU: f32 = std::f32::consts::TAU;

/// A signal built sample by sample: gravity on z, white noise, plus whatever `extra(t)` adds.
struct Synth {
    fs: f32,
    rng: ChaCha8Rng,
    noise_g: f32,
}

impl Synth {
    fn new(fs: f32, seed: u64) -> Self {
        Self {
            fs,
            rng: ChaCha8Rng::seed_from_u64(seed),
            noise_g: 0.0007,
        }
    }

    fn gauss(&mut self) -> f32 {
        let u1: f32 = self.rng.gen_range(1e-7..1.0);
        let u2: f32 = self.rng.gen();
        (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
    }

    fn samples(
        &mut self,
        seconds: f32,
        extra: impl Fn(f32, &mut ChaCha8Rng) -> [f32; 3],
    ) -> Vec<[f32; 3]> {
        let n = (seconds * self.fs) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / self.fs;
                let e = extra(t, &mut self.rng);
                let nz = [self.gauss(), self.gauss(), self.gauss()];
                [
                    e[0] + self.noise_g * nz[0],
                    e[1] + self.noise_g * nz[1],
                    1.0 + e[2] + self.noise_g * nz[2],
                ]
            })
            .collect()
    }
}

fn batches(fs: f32, samples: &[[f32; 3]], per_batch: usize) -> Vec<SensorBatch> {
    samples
        .chunks(per_batch)
        .enumerate()
        .map(|(k, chunk)| SensorBatch {
            first_sample_us: (k as f64 * per_batch as f64 * 1e6 / fs as f64).round() as i64,
            sample_rate_hz: fs,
            accel_g: chunk.to_vec(),
            gyro_dps: Vec::new(),
            samples_lost_before: 0,
        })
        .collect()
}

fn run(fs: f32, samples: &[[f32; 3]]) -> ClassifierOutput {
    let mut c = StreamingClassifier::new(ClassifierConfig::default());
    let mut out = ClassifierOutput::new();
    for b in batches(fs, samples, (fs / 10.0) as usize) {
        c.push_batch(&b, &mut out).expect("valid batch");
    }
    c.finish(&mut out);
    out
}

fn of_kind(out: &ClassifierOutput, kind: MotorEventKind) -> Vec<&MotorEvent> {
    out.events.iter().filter(|e| e.kind == kind).collect()
}

fn count(out: &ClassifierOutput, kind: MotorEventKind) -> usize {
    of_kind(out, kind).len()
}

/// A twitch: a 25 Hz damped oscillation lasting ~40 ms, on x.
fn twitch(t: f32, t0: f32, amp: f32) -> f32 {
    let d = t - t0;
    if !(0.0..0.08).contains(&d) {
        return 0.0;
    }
    amp * (TAU * 25.0 * d).sin() * (-d / 0.015).exp()
}

#[test]
fn quiet_rest_gives_no_events_and_full_minutes() {
    for fs in [50.0, 200.0, 1000.0] {
        let s = Synth::new(fs, 1).samples(120.0, |_, _| [0.0; 3]);
        let out = run(fs, &s);
        assert!(out.events.is_empty(), "{fs} Hz: {:?}", out.events);
        assert_eq!(out.minutes.len(), 2, "{fs} Hz");
        for m in &out.minutes {
            assert!((m.tremor.total() - 1.0).abs() < 1e-3, "{m:?}");
            assert!(m.wear.at_rest > 0.9, "{fs} Hz {m:?}");
            assert_eq!(m.samples_received, (60.0 * fs) as u32);
        }
    }
}

#[test]
fn isolated_twitches_at_rest_are_found() {
    let fs = 400.0;
    let times: Vec<f32> = (0..20).map(|k| 6.0 + 5.3 * k as f32).collect();
    let tt = times.clone();
    let s = Synth::new(fs, 2).samples(120.0, move |t, _| {
        [tt.iter().map(|&t0| twitch(t, t0, 0.02)).sum(), 0.0, 0.0]
    });
    let out = run(fs, &s);
    let found: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind == MotorEventKind::Fasciculation)
        .collect();
    let hits = times
        .iter()
        .filter(|&&t0| {
            found
                .iter()
                .any(|e| (e.start_ms as f32 / 1000.0 - t0).abs() < 0.1)
        })
        .count();
    assert!(hits >= 18, "found {hits}/20: {found:?}");
    assert!(found.len() <= 21, "false twitches: {}", found.len());
    let per_minute: u32 = out.minutes.iter().map(|m| m.twitch_count).sum();
    assert_eq!(per_minute as usize, found.len());
}

#[test]
fn twitch_sized_taps_during_voluntary_movement_are_not_twitches() {
    let fs = 400.0;
    let s = Synth::new(fs, 3).samples(90.0, |t, _| {
        let swing = 0.25 * (TAU * 1.0 * t).sin();
        let taps: f32 = (0..90)
            .map(|k| twitch(t, 1.0 + k as f32 * 0.97, 0.03))
            .sum();
        [swing + taps, 0.1 * (TAU * 0.9 * t).cos(), 0.0]
    });
    let out = run(fs, &s);
    assert_eq!(
        count(&out, MotorEventKind::Fasciculation),
        0,
        "{:?}",
        out.events
    );
    assert_eq!(count(&out, MotorEventKind::Tremor), 0, "{:?}", out.events);
    assert!(out.minutes[0].wear.moving > 0.8, "{:?}", out.minutes[0]);
}

#[test]
fn tremor_bout_found_with_frequency_at_each_rate() {
    for (fs, f0) in [
        (50.0, 5.3f32),
        (100.0, 4.1),
        (200.0, 8.7),
        (400.0, 11.2),
        (1000.0, 3.4),
    ] {
        let s = Synth::new(fs, 4).samples(60.0, move |t, _| {
            let on = (20.0..40.0).contains(&t);
            let a = if on { 0.04 * (TAU * f0 * t).sin() } else { 0.0 };
            [a, 0.6 * a, 0.0]
        });
        let out = run(fs, &s);
        let tremors = of_kind(&out, MotorEventKind::Tremor);
        assert_eq!(tremors.len(), 1, "{fs} Hz: {:?}", out.events);
        let e = tremors[0];
        let f = e.dominant_freq_hz.unwrap_or(0.0);
        assert!((f - f0).abs() < 0.3, "{fs} Hz: {f} vs {f0}");
        assert!(
            (e.start_ms - 20_000).abs() < 1_000,
            "{fs} Hz onset {}",
            e.start_ms
        );
        assert!(
            (e.end_ms - 40_000).abs() < 1_000,
            "{fs} Hz end {}",
            e.end_ms
        );
        assert!(
            count(&out, MotorEventKind::Spasm) == 0
                && count(&out, MotorEventKind::Fasciculation) <= 1,
            "{fs}: {:?}",
            out.events
        );
        let m = &out.minutes[0];
        assert!((m.tremor.any_tremor() - 20.0 / 60.0).abs() < 0.05, "{m:?}");
        assert_eq!(m.tremor_events, 1);
    }
}

/// Parkinsonian tremor waxes and wanes, and pauses for seconds after a change of posture before it
/// re-emerges: a pause of a few seconds at the same frequency is one bout. A long pause, or a
/// different frequency, is another.
#[test]
fn intermittent_tremor_is_one_bout_and_a_new_tremor_another() {
    let fs = 100.0;
    // (start s, end s, frequency Hz)
    let pieces = [
        (10.0, 30.0, 4.5),
        (36.0, 56.0, 4.5),
        (96.0, 116.0, 4.5),
        (119.0, 139.0, 7.0),
    ];
    let s = Synth::new(fs, 9).samples(160.0, move |t, _| {
        let a = pieces
            .iter()
            .find(|(a, b, _)| (*a..*b).contains(&t))
            .map_or(0.0, |(_, _, f)| 0.025 * (TAU * f * t).sin());
        [a, 0.5 * a, 0.0]
    });
    let out = run(fs, &s);
    let tremors = of_kind(&out, MotorEventKind::Tremor);
    assert_eq!(tremors.len(), 3, "{tremors:?}");
    for (e, (start_s, end_s, f0)) in
        tremors
            .iter()
            .zip([(10, 56, 4.5f32), (96, 116, 4.5), (119, 139, 7.0)])
    {
        assert!((e.start_ms - start_s * 1000).abs() < 1_500, "{e:?}");
        assert!((e.end_ms - end_s * 1000).abs() < 1_500, "{e:?}");
        let f = e.dominant_freq_hz.unwrap_or(0.0);
        assert!((f - f0).abs() < 0.3, "{e:?}");
    }
    // The minute book counts each bout once, in the minute it began.
    let per_minute: Vec<u32> = out.minutes.iter().map(|m| m.tremor_events).collect();
    assert_eq!(per_minute, [1, 2, 0], "{:?}", out.minutes);
}

#[test]
fn spasm_found_and_not_called_tremor() {
    let fs = 200.0;
    // A contraction: broadband trembling on a large, slow, irregular heave of the hand
    // (signals.md: "large low-frequency displacement"; white noise alone moves nothing).
    let s = Synth::new(fs, 5).samples(60.0, |t, rng| {
        if (25.0..31.0).contains(&t) {
            let mut v = [0.0; 3];
            for (k, x) in v.iter_mut().enumerate() {
                let ph = k as f32;
                let heave =
                    0.2 * (TAU * 0.7 * t + ph).sin() + 0.15 * (TAU * 1.3 * t + 2.0 * ph).sin();
                *x = heave + rng.gen_range(-0.15..0.15);
            }
            v
        } else {
            [0.0; 3]
        }
    });
    let out = run(fs, &s);
    let spasms: Vec<_> = out
        .events
        .iter()
        .filter(|e| e.kind == MotorEventKind::Spasm)
        .collect();
    assert_eq!(spasms.len(), 1, "{:?}", out.events);
    assert!((spasms[0].start_ms - 25_000).abs() < 300, "{:?}", spasms[0]);
    assert!((spasms[0].end_ms - 31_000).abs() < 300, "{:?}", spasms[0]);
    assert_eq!(count(&out, MotorEventKind::Tremor), 0, "{:?}", out.events);
    assert!(
        (out.minutes[0].spasm_seconds - 6.0).abs() < 1.0,
        "{:?}",
        out.minutes[0]
    );
}

#[test]
fn bad_batches_are_typed_errors_and_the_stream_continues() {
    let fs = 100.0;
    let mut c = StreamingClassifier::new(ClassifierConfig::default());
    let mut out = ClassifierOutput::new();
    let good = Synth::new(fs, 6).samples(70.0, |_, _| [0.0; 3]);
    let mut bs = batches(fs, &good, 50);
    let mut nan = bs[10].clone();
    nan.accel_g[3][1] = f32::NAN;
    assert!(matches!(
        c.push_batch(&nan, &mut out),
        Err(ClassifyError::NonFiniteSample { index: 3, .. })
    ));
    let mut slow = bs[10].clone();
    slow.sample_rate_hz = 10.0;
    assert!(matches!(
        c.push_batch(&slow, &mut out),
        Err(ClassifyError::UnsupportedRate { .. })
    ));
    let mut fast = bs[10].clone();
    fast.sample_rate_hz = 2000.0;
    assert!(c.push_batch(&fast, &mut out).is_err());
    let mut gyro = bs[10].clone();
    gyro.gyro_dps = vec![[0.0; 3]; 7];
    let err = c.push_batch(&gyro, &mut out).unwrap_err();
    assert!(err.to_string().contains("gyroscope"), "{err}");
    for b in bs.drain(..) {
        c.push_batch(&b, &mut out)
            .expect("good batch after bad ones");
    }
    c.finish(&mut out);
    assert!(out.events.is_empty(), "{:?}", out.events);
    let lost: u32 = out.minutes.iter().map(|m| m.samples_lost).sum();
    assert_eq!(lost, 200, "each refused 50-sample batch counts as lost");
}

#[test]
fn duplicated_and_dropped_batches_do_not_make_events() {
    let fs = 200.0;
    let s = Synth::new(fs, 7).samples(180.0, |t, _| [0.002 * (TAU * 0.05 * t).sin(), 0.0, 0.0]);
    let bs = batches(fs, &s, 20);
    let mut c = StreamingClassifier::new(ClassifierConfig::default());
    let mut out = ClassifierOutput::new();
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let mut lost = 0;
    for b in &bs {
        let r: f32 = rng.gen();
        if r < 0.05 {
            lost += b.len() as u32;
            continue; // dropped
        }
        let mut b = b.clone();
        b.samples_lost_before = std::mem::take(&mut lost);
        c.push_batch(&b, &mut out).unwrap();
        if r > 0.95 {
            c.push_batch(&b, &mut out).unwrap(); // duplicated
        }
    }
    c.finish(&mut out);
    assert!(out.events.len() <= 1, "{:?}", out.events);
    let received: u32 = out.minutes.iter().map(|m| m.samples_received).sum();
    let lost: u32 = out.minutes.iter().map(|m| m.samples_lost).sum();
    assert_eq!(received + lost, s.len() as u32);
}

#[test]
fn rate_change_mid_stream_reinitialises() {
    let mut c = StreamingClassifier::new(ClassifierConfig::default());
    let mut out = ClassifierOutput::new();
    let a = Synth::new(100.0, 9).samples(30.0, |_, _| [0.0; 3]);
    for b in batches(100.0, &a, 25) {
        c.push_batch(&b, &mut out).unwrap();
    }
    let b2 = Synth::new(400.0, 10).samples(40.0, |t, _| [0.05 * (TAU * 6.0 * t).sin(), 0.0, 0.0]);
    for mut b in batches(400.0, &b2, 100) {
        b.first_sample_us += 30_000_000;
        c.push_batch(&b, &mut out).unwrap();
    }
    c.finish(&mut out);
    let tremors = of_kind(&out, MotorEventKind::Tremor);
    assert_eq!(tremors.len(), 1, "{:?}", out.events);
    assert!(tremors[0].start_ms >= 29_000, "{:?}", tremors[0]);
    let received: u32 = out.minutes.iter().map(|m| m.samples_received).sum();
    assert_eq!(received, 3000 + 16000);
}

/// The gyroscope alone can say the arm is turning: a slow 40 deg/s rotation with a still-looking
/// accelerometer makes the minutes "moving" at every rate (the gyro context runs at the decimated
/// rate on block means), and a gyro that reads only its bias leaves them "at rest".
#[test]
fn gyroscope_rotation_alone_marks_movement_at_every_rate() {
    for fs in [50.0f32, 100.0, 400.0, 1000.0] {
        let s = Synth::new(fs, 9).samples(120.0, |_, _| [0.0; 3]);
        for (rate_dps, want_moving) in [(40.0f32, true), (0.0, false)] {
            let mut c = StreamingClassifier::new(ClassifierConfig::default());
            let mut out = ClassifierOutput::new();
            for mut b in batches(fs, &s, (fs / 10.0) as usize) {
                let t0 = b.first_sample_us as f32 / 1e6;
                b.gyro_dps = (0..b.accel_g.len())
                    .map(|i| {
                        let t = t0 + i as f32 / fs;
                        // A 2 deg/s bias the high-pass must remove, plus the rotation.
                        [2.0, rate_dps * (TAU * 0.4 * t).sin(), -1.0]
                    })
                    .collect();
                c.push_batch(&b, &mut out).expect("valid batch");
            }
            c.finish(&mut out);
            assert_eq!(out.minutes.len(), 2, "{fs} Hz");
            for m in &out.minutes {
                if want_moving {
                    assert!(m.wear.moving > 0.8, "{fs} Hz rotating: {m:?}");
                } else {
                    assert!(m.wear.at_rest > 0.9, "{fs} Hz bias only: {m:?}");
                }
            }
        }
    }
}
