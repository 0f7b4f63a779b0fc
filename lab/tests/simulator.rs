//! The simulated wearable, checked against the physics it claims (signals.md) and its API promises:
//! determinism, labels, every sample rate, spectra, noise, quantisation, clipping, faults, frames.

use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
use twitchwatch_device::protocol::{decode_frame, StreamDecoder, MAX_FRAME_LEN};
use twitchwatch_lab::simulator::*;
use twitchwatch_model::{Activity, MotorEventKind, SensorBatch};

fn config(rate: f32) -> SimConfig {
    SimConfig {
        sample_rate_hz: rate,
        ..SimConfig::default()
    }
}

fn one_segment(name: &str, seconds: f32, activity: Activity, inv: Vec<Involuntary>) -> Scenario {
    Scenario {
        name: name.into(),
        description: String::new(),
        segments: vec![Segment {
            involuntary: inv,
            ..Segment::new(seconds, activity)
        }],
    }
}

fn run_all(sim: &mut Simulator) -> SensorBatch {
    let mut all: Option<SensorBatch> = None;
    while let Some(b) = sim.next_batch(777) {
        match &mut all {
            None => all = Some(b),
            Some(a) => {
                a.accel_g.extend(b.accel_g);
                a.gyro_dps.extend(b.gyro_dps);
            }
        }
    }
    all.expect("the scenario produced samples")
}

/// Accelerometer minus a centred moving mean of `window_s`: the dynamic part (gravity removed).
fn dynamic(accel: &[[f32; 3]], fs: f32, window_s: f32) -> Vec<[f64; 3]> {
    let w = ((fs * window_s) as usize).max(1);
    let n = accel.len();
    let mut prefix = vec![[0.0f64; 3]; n + 1];
    for i in 0..n {
        for k in 0..3 {
            prefix[i + 1][k] = prefix[i][k] + f64::from(accel[i][k]);
        }
    }
    (0..n)
        .map(|i| {
            let lo = i.saturating_sub(w / 2);
            let hi = (i + w / 2 + 1).min(n);
            let mut out = [0.0; 3];
            for k in 0..3 {
                let mean = (prefix[hi][k] - prefix[lo][k]) / (hi - lo) as f64;
                out[k] = f64::from(accel[i][k]) - mean;
            }
            out
        })
        .collect()
}

fn rms_per_axis(x: &[[f64; 3]]) -> f64 {
    let s: f64 = x
        .iter()
        .map(|v| v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
        .sum();
    (s / (3 * x.len()) as f64).sqrt()
}

/// Power spectrum (summed over the three axes) of a window, Hann-tapered; returns (freqs, power).
fn spectrum(x: &[[f64; 3]], fs: f64) -> (Vec<f64>, Vec<f64>) {
    let n = x.len();
    let fft = FftPlanner::<f64>::new().plan_fft_forward(n);
    let mut power = vec![0.0; n / 2 + 1];
    for k in 0..3 {
        let mean = x.iter().map(|v| v[k]).sum::<f64>() / n as f64;
        let mut buf: Vec<Complex<f64>> = x
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let w = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos();
                Complex::new((v[k] - mean) * w, 0.0)
            })
            .collect();
        fft.process(&mut buf);
        for (p, c) in power.iter_mut().zip(buf) {
            *p += c.norm_sqr();
        }
    }
    let freqs = (0..power.len()).map(|i| i as f64 * fs / n as f64).collect();
    (freqs, power)
}

fn band_power(freqs: &[f64], power: &[f64], lo: f64, hi: f64) -> f64 {
    freqs
        .iter()
        .zip(power)
        .filter(|(f, _)| **f >= lo && **f < hi)
        .map(|(_, p)| p)
        .sum()
}

#[test]
fn same_seed_same_samples_whatever_the_chunking_and_other_seeds_differ() {
    let scenario = builtin_scenario("mixed").unwrap().with_duration(60.0);
    let cfg = SimConfig {
        rate_jitter: 0.01,
        ..config(200.0)
    };
    let mut a = Simulator::new(&scenario, cfg.clone()).unwrap();
    let mut b = Simulator::new(&scenario, cfg.clone()).unwrap();
    assert_eq!(a.labels(), b.labels());
    let mut raw_a = Vec::new();
    while let Some(c) = a.next_raw(1) {
        raw_a.extend(c.accel_raw);
    }
    let mut raw_b = Vec::new();
    while let Some(c) = b.next_raw(4096) {
        raw_b.extend(c.accel_raw);
    }
    assert_eq!(raw_a.len() as u64, a.total_samples());
    assert_eq!(raw_a, raw_b);

    let mut c = Simulator::new(&scenario, SimConfig { seed: 2, ..cfg }).unwrap();
    let mut raw_c = Vec::new();
    while let Some(ch) = c.next_raw(4096) {
        raw_c.extend(ch.accel_raw);
    }
    assert_ne!(raw_a, raw_c);
    assert_ne!(a.labels(), c.labels());
}

#[test]
fn every_builtin_scenario_has_labels_inside_the_recording_of_the_right_kinds() {
    assert_eq!(builtin_scenarios().len(), BUILTIN_SCENARIO_NAMES.len());
    for scenario in builtin_scenarios() {
        let start_ms = 1_700_000_000_000;
        let sim = Simulator::new(
            &scenario,
            SimConfig {
                start_ms,
                ..config(100.0)
            },
        )
        .unwrap();
        let end_ms = start_ms + (scenario.duration_s() * 1000.0).round() as i64;
        let timeline = sim.activity_timeline();
        assert_eq!(timeline.len(), scenario.segments.len());
        assert_eq!(timeline.first().unwrap().0, start_ms);
        assert_eq!(timeline.last().unwrap().1, end_ms);
        for l in sim.labels() {
            assert!(
                l.start_ms >= start_ms && l.end_ms <= end_ms && l.start_ms < l.end_ms,
                "{}: {l:?}",
                scenario.name
            );
            assert!(l.amplitude_g.is_finite() && l.amplitude_g > 0.0);
            assert_eq!(l.freq_hz.is_some(), l.kind == MotorEventKind::Tremor);
        }
        assert!(sim
            .labels()
            .windows(2)
            .all(|w| w[0].start_ms <= w[1].start_ms));
        let count = |k| sim.labels().iter().filter(|l| l.kind == k).count();
        let (tw, tr, sp) = (
            count(MotorEventKind::Fasciculation),
            count(MotorEventKind::Tremor),
            count(MotorEventKind::Spasm),
        );
        match scenario.name.as_str() {
            "rest" | "typing" | "writing" | "walking" | "reaching" | "not-worn" => {
                assert_eq!(sim.labels().len(), 0, "{}", scenario.name)
            }
            "twitches" => assert!(tw >= 15 && tr == 0 && sp == 0, "{tw} {tr} {sp}"),
            "tremor" => assert!(tw == 0 && tr >= 3 && sp == 0, "{tw} {tr} {sp}"),
            "spasm" => assert!(tw == 0 && tr == 0 && sp == 2, "{tw} {tr} {sp}"),
            "mixed" => assert!(tw >= 3 && tr >= 2 && sp == 1, "{tw} {tr} {sp}"),
            "tremor-with-movement" => assert!(tw == 0 && tr == 1 && sp == 0),
            other => panic!("a new built-in scenario '{other}' needs a line here"),
        }
    }
}

#[test]
fn any_rate_from_50_to_1000_hz_gives_the_right_number_of_finite_samples() {
    let scenario = builtin_scenario("mixed").unwrap().with_duration(12.0);
    for rate in [
        50.0, 62.5, 100.0, 128.0, 200.0, 250.0, 333.0, 400.0, 500.0, 800.0, 1000.0,
    ] {
        let mut sim = Simulator::new(&scenario, config(rate)).unwrap();
        let expected = (12.0 * rate as f64).round() as u64;
        assert_eq!(sim.total_samples(), expected, "{rate} Hz");
        let mut n = 0u64;
        let mut next_us = 0i64;
        while let Some(b) = sim.next_batch(100) {
            // Chunks continue each other on the nominal clock.
            assert!((b.first_sample_us - next_us).abs() <= 1, "{rate} Hz");
            assert_eq!(b.sample_rate_hz, rate);
            assert_eq!(b.accel_g.len(), b.gyro_dps.len());
            assert!(b.accel_g.iter().flatten().all(|v| v.is_finite()));
            n += b.len() as u64;
            next_us = (n as f64 * 1e6 / rate as f64).round() as i64;
        }
        assert_eq!(n, expected);
        assert!(sim.next_raw(10).is_none());
    }
}

#[test]
fn tremor_label_frequency_is_the_spectral_peak_at_every_rate() {
    for (rate, freq) in [
        (50.0, 3.2),
        (50.0, 11.5),
        (100.0, 5.0),
        (200.0, 8.7),
        (400.0, 4.1),
    ] {
        let scenario = one_segment(
            "t",
            60.0,
            Activity::Rest,
            vec![Involuntary::Tremor {
                freq_hz: freq,
                amplitude_mg: 30.0,
                bout_s: (20.0, 30.0),
                gap_s: (2.0, 4.0),
            }],
        );
        let mut sim = Simulator::new(&scenario, config(rate)).unwrap();
        let data = run_all(&mut sim);
        let dynamic = dynamic(&data.accel_g, rate, 1.0);
        let labels: Vec<_> = sim.labels().to_vec();
        assert!(!labels.is_empty());
        for l in labels {
            assert_eq!(l.freq_hz, Some(freq));
            // 8 s from the middle of the bout: 0.125 Hz resolution.
            let mid_s = (l.start_ms + l.end_ms) as f64 / 2000.0;
            let i0 = ((mid_s - 4.0) * rate as f64) as usize;
            let i1 = ((mid_s + 4.0) * rate as f64) as usize;
            let (f, p) = spectrum(&dynamic[i0..i1], rate as f64);
            let (peak_f, _) = f
                .iter()
                .zip(&p)
                .filter(|(f, _)| **f > 2.0)
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap();
            assert!(
                (peak_f - f64::from(freq)).abs() <= 0.3,
                "{rate} Hz: label {freq} Hz, spectrum peak {peak_f} Hz"
            );
            // And the tremor dominates: the label amplitude is what the sensor shows (±50 %).
            let seg = &dynamic[i0..i1];
            let peak_mag = seg
                .iter()
                .map(|v| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt())
                .fold(0.0, f64::max);
            let ratio = peak_mag / f64::from(l.amplitude_g);
            assert!((0.6..1.6).contains(&ratio), "{rate} Hz {freq} Hz: {ratio}");
        }
    }
}

#[test]
fn rest_dynamic_noise_matches_the_configured_noise() {
    for noise in [0.0005f32, 0.0007, 0.002] {
        let cfg = SimConfig {
            accel_noise_g_rms: noise,
            ..config(200.0)
        };
        let mut sim =
            Simulator::new(&builtin_scenario("rest").unwrap().with_duration(60.0), cfg).unwrap();
        let data = run_all(&mut sim);
        let rms = rms_per_axis(&dynamic(&data.accel_g, 200.0, 1.0));
        let ratio = rms / f64::from(noise);
        assert!((0.9..1.25).contains(&ratio), "noise {noise}: rms {rms}");
        // Gravity is there: about 1 g in all.
        let m = data.accel_g[1000];
        let g = (m[0] * m[0] + m[1] * m[1] + m[2] * m[2]).sqrt();
        assert!((g - 1.0).abs() < 0.02, "{g}");
    }
}

#[test]
fn walking_has_large_low_frequency_power_and_rotation() {
    let fs = 100.0;
    let mut walk = Simulator::new(
        &builtin_scenario("walking").unwrap().with_duration(60.0),
        config(fs),
    )
    .unwrap();
    let mut rest = Simulator::new(
        &builtin_scenario("rest").unwrap().with_duration(60.0),
        config(fs),
    )
    .unwrap();
    let w = run_all(&mut walk);
    let r = run_all(&mut rest);
    // Gravity removed with a long window so the ~1 Hz swing stays in.
    let dw = dynamic(&w.accel_g, fs, 4.0);
    let dr = dynamic(&r.accel_g, fs, 4.0);
    let middle = |d: &[[f64; 3]]| d[1000..5000].to_vec();
    let (f, pw) = spectrum(&middle(&dw), f64::from(fs));
    let (_, pr) = spectrum(&middle(&dr), f64::from(fs));
    let low_w = band_power(&f, &pw, 0.5, 3.0);
    let low_r = band_power(&f, &pr, 0.5, 3.0);
    assert!(low_w > 1e4 * low_r, "walking {low_w} vs rest {low_r}");
    // Most of walking's dynamic power is below 3 Hz.
    assert!(low_w > 0.7 * band_power(&f, &pw, 0.0, 50.0));
    let peak = middle(&dw)
        .iter()
        .map(|v| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt())
        .fold(0.0, f64::max);
    assert!(
        (0.2..1.2).contains(&peak),
        "walking peak dynamic accel {peak} g"
    );
    let gyro_rms = (w.gyro_dps[1000..5000]
        .iter()
        .map(|g| f64::from(g[0] * g[0] + g[1] * g[1] + g[2] * g[2]))
        .sum::<f64>()
        / 4000.0)
        .sqrt();
    assert!(gyro_rms > 30.0, "arm swing gyro rms {gyro_rms} dps");
}

#[test]
fn voluntary_activities_sit_in_their_bands() {
    let fs = 200.0;
    for (name, lo, hi, min_peak_g, max_peak_g) in [
        ("typing", 1.5, 9.0, 0.01, 0.6),
        // Handwriting: 3–6 Hz stroke cycles (strokes of ~100 ms) and their harmonics, line shifts.
        ("writing", 0.8, 10.0, 0.01, 0.5),
        ("reaching", 0.2, 3.0, 0.1, 2.0),
    ] {
        let mut sim = Simulator::new(
            &builtin_scenario(name).unwrap().with_duration(60.0),
            config(fs),
        )
        .unwrap();
        let data = run_all(&mut sim);
        let d = dynamic(&data.accel_g, fs, 4.0);
        let (f, p) = spectrum(&d[2000..10000], f64::from(fs));
        let total = band_power(&f, &p, 0.1, 100.0);
        let inside = band_power(&f, &p, lo, hi);
        assert!(inside > 0.6 * total, "{name}: {inside} of {total}");
        let peak = d[2000..10000]
            .iter()
            .map(|v| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt())
            .fold(0.0, f64::max);
        assert!(
            (min_peak_g..max_peak_g).contains(&peak),
            "{name}: peak {peak} g"
        );
    }
}

#[test]
fn twitches_stand_out_on_the_hand_and_are_smaller_on_the_wrist() {
    let scenario = one_segment(
        "tw",
        120.0,
        Activity::Rest,
        vec![Involuntary::Twitches {
            rate_per_min: 20.0,
            amplitude_mg: (10.0, 40.0),
        }],
    );
    let fs = 400.0;
    let mut hand = Simulator::new(&scenario, config(fs)).unwrap();
    let data = run_all(&mut hand);
    let d = dynamic(&data.accel_g, fs, 0.2);
    let labels = hand.labels().to_vec();
    assert!(labels.len() > 20);
    for l in &labels {
        // signals.md: contraction 35–100 ms, half-relaxation 25–110 ms; a doublet's second
        // discharge comes up to 40 ms later. The label runs to twice the half-relaxation.
        let duration_s = (l.end_ms - l.start_ms) as f64 / 1000.0;
        assert!((0.08..=0.40).contains(&duration_s), "{l:?}");
        let i0 = (l.start_ms as f64 / 1000.0 * fs as f64) as usize;
        let i1 = (l.end_ms as f64 / 1000.0 * fs as f64) as usize;
        let peak = d[i0..=i1]
            .iter()
            .map(|v| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt())
            .fold(0.0, f64::max);
        // At 400 Hz the sampled peak is close to the true one, far above 0.7 mg noise.
        assert!(
            peak > 0.6 * f64::from(l.amplitude_g) && peak < 1.5 * f64::from(l.amplitude_g) + 0.004,
            "{l:?}: sampled peak {peak}"
        );
    }
    let wrist = Simulator::new(
        &scenario,
        SimConfig {
            placement: Placement::Wrist,
            ..config(fs)
        },
    )
    .unwrap();
    let mean = |ls: &[twitchwatch_model::LabelledEvent]| {
        ls.iter().map(|l| f64::from(l.amplitude_g)).sum::<f64>() / ls.len() as f64
    };
    let ratio = mean(&labels) / mean(wrist.labels());
    assert!(
        (2.5..6.0).contains(&ratio),
        "hand/wrist twitch size {ratio}"
    );
}

#[test]
fn spasm_is_large_sustained_and_labelled_with_its_peak() {
    let fs = 100.0;
    let mut sim = Simulator::new(&builtin_scenario("spasm").unwrap(), config(fs)).unwrap();
    let data = run_all(&mut sim);
    let labels = sim.labels().to_vec();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[0].end_ms - labels[0].start_ms, 10_000);
    assert!((labels[0].amplitude_g - 0.8).abs() < 1e-3);
    for l in &labels {
        let i0 = (l.start_ms as f64 / 1000.0 * fs as f64) as usize;
        let i1 = (l.end_ms as f64 / 1000.0 * fs as f64) as usize;
        // Relative to the posture before the spasm (gravity included: the hand turns).
        let before = data.accel_g[i0 - 50];
        let dev: Vec<f64> = data.accel_g[i0..i1]
            .iter()
            .map(|a| {
                ((a[0] - before[0]).powi(2)
                    + (a[1] - before[1]).powi(2)
                    + (a[2] - before[2]).powi(2))
                .sqrt() as f64
            })
            .collect();
        let peak = dev.iter().cloned().fold(0.0, f64::max);
        assert!(peak > 0.5 * f64::from(l.amplitude_g), "{l:?}: {peak}");
        // Sustained: most of the spasm is far from rest.
        let busy = dev.iter().filter(|d| **d > 0.1).count() as f64 / dev.len() as f64;
        assert!(busy > 0.6, "{l:?}: only {busy} of the spasm is above 0.1 g");
    }
}

#[test]
fn tremor_goes_on_through_a_reach_as_one_bout() {
    let mut sim = Simulator::new(
        &builtin_scenario("tremor-with-movement").unwrap(),
        config(100.0),
    )
    .unwrap();
    let labels = sim.labels().to_vec();
    assert_eq!(labels.len(), 1);
    let reach = sim
        .activity_timeline()
        .iter()
        .find(|s| s.2 == Activity::Reaching)
        .copied()
        .unwrap();
    assert!(labels[0].start_ms < reach.0 && labels[0].end_ms > reach.1);
    let data = run_all(&mut sim);
    // The hand really moves during the reach: large gyro.
    let i0 = (reach.0 / 10) as usize;
    let i1 = (reach.1 / 10) as usize;
    let gmax = data.gyro_dps[i0..i1]
        .iter()
        .map(|g| (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt())
        .fold(0.0, f32::max);
    assert!(gmax > 30.0, "{gmax}");
}

#[test]
fn quantisation_and_clipping_are_visible() {
    // Noise-free rest with a coarse range: few distinct counts, each value a multiple of the LSB.
    let scenario = builtin_scenario("not-worn").unwrap().with_duration(5.0);
    let cfg = SimConfig {
        accel_noise_g_rms: 0.0,
        flicker_noise_fraction: 0.0,
        accel_range_g: 16.0,
        ..config(100.0)
    };
    let mut sim = Simulator::new(&scenario, cfg).unwrap();
    let lsb = sim.accel_g_per_lsb();
    assert_eq!(lsb, 16.0 / 32768.0);
    let mut zs = std::collections::BTreeSet::new();
    while let Some(c) = sim.next_raw(100) {
        assert_eq!(c.accel_g_per_lsb, lsb);
        zs.extend(c.accel_raw.iter().map(|r| r[2]));
    }
    assert!(zs.len() <= 2, "{zs:?}");
    let z = *zs.iter().next().unwrap();
    assert!((f32::from(z) * lsb - 1.0).abs() < 0.001);

    // A 1.2 g spasm on a ±1 g sensor clips at full scale and never wraps around.
    let spasm = one_segment(
        "clip",
        20.0,
        Activity::Rest,
        vec![Involuntary::SpasmAt {
            start_s: 5.0,
            duration_s: 8.0,
            amplitude_g: 1.2,
        }],
    );
    let mut sim = Simulator::new(
        &spasm,
        SimConfig {
            accel_range_g: 1.0,
            ..config(100.0)
        },
    )
    .unwrap();
    let mut clipped = 0;
    let mut prev: Option<[i16; 3]> = None;
    while let Some(c) = sim.next_raw(100) {
        for r in c.accel_raw {
            clipped += r
                .iter()
                .filter(|v| **v == i16::MAX || **v == i16::MIN)
                .count();
            if let Some(p) = prev {
                for k in 0..3 {
                    // Wrapping would show as a jump of nearly the whole range.
                    assert!((i32::from(r[k]) - i32::from(p[k])).abs() < 30_000);
                }
            }
            prev = Some(r);
        }
    }
    assert!(clipped > 10, "{clipped}");
}

#[test]
fn mounting_faults_show_up_as_expected() {
    let scenario = builtin_scenario("not-worn").unwrap().with_duration(10.0);
    let mean_of = |cfg: SimConfig| {
        let mut sim = Simulator::new(&scenario, cfg).unwrap();
        let d = run_all(&mut sim);
        let n = d.accel_g.len() as f32;
        let mut m = [0.0f32; 3];
        for a in &d.accel_g {
            for k in 0..3 {
                m[k] += a[k] / n;
            }
        }
        m
    };
    let normal = mean_of(config(100.0));
    assert!((normal[2] - 1.0).abs() < 0.01, "{normal:?}");
    let flipped = mean_of(SimConfig {
        upside_down: true,
        ..config(100.0)
    });
    assert!((flipped[2] + 1.0).abs() < 0.01, "{flipped:?}");
    let offset = mean_of(SimConfig {
        accel_offset_g: [0.05, -0.03, 0.02],
        ..config(100.0)
    });
    for (k, o) in [0.05, -0.03, 0.02].into_iter().enumerate() {
        assert!((offset[k] - normal[k] - o).abs() < 0.002, "{offset:?}");
    }
}

#[test]
fn rate_jitter_changes_the_samples_but_not_the_timestamps() {
    let scenario = builtin_scenario("tremor").unwrap().with_duration(30.0);
    let mut a = Simulator::new(&scenario, config(100.0)).unwrap();
    let mut b = Simulator::new(
        &scenario,
        SimConfig {
            rate_jitter: 0.05,
            ..config(100.0)
        },
    )
    .unwrap();
    let (ra, rb) = (run_all(&mut a), run_all(&mut b));
    assert_eq!(ra.len(), rb.len());
    assert_ne!(ra.accel_g, rb.accel_g);
}

#[test]
fn invalid_settings_are_errors_that_say_what_to_do() {
    let rest = builtin_scenario("rest").unwrap();
    let bad_configs = [
        SimConfig {
            sample_rate_hz: f32::NAN,
            ..SimConfig::default()
        },
        config(49.0),
        config(1001.0),
        SimConfig {
            accel_noise_g_rms: -0.001,
            ..SimConfig::default()
        },
        SimConfig {
            accel_range_g: 0.5,
            ..SimConfig::default()
        },
        SimConfig {
            accel_offset_g: [0.0, f32::INFINITY, 0.0],
            ..SimConfig::default()
        },
        SimConfig {
            rate_jitter: 0.5,
            ..SimConfig::default()
        },
        SimConfig {
            gyro_range_dps: 10.0,
            ..SimConfig::default()
        },
    ];
    for cfg in bad_configs {
        let err = Simulator::new(&rest, cfg.clone()).expect_err("must be rejected");
        assert!(
            matches!(err, SimError::InvalidConfig { .. }),
            "{cfg:?}: {err}"
        );
        assert!(err.to_string().contains("from"), "{err}");
    }

    let seg = |d: f32, a: Activity, inv: Vec<Involuntary>| Segment {
        involuntary: inv,
        ..Segment::new(d, a)
    };
    let bad_scenarios = [
        vec![],
        vec![seg(0.0, Activity::Rest, vec![])],
        vec![seg(f32::NAN, Activity::Rest, vec![])],
        vec![seg(
            10.0,
            Activity::Rest,
            vec![Involuntary::SpasmAt {
                start_s: 5.0,
                duration_s: 6.0,
                amplitude_g: 1.0,
            }],
        )],
        vec![seg(
            10.0,
            Activity::NotWorn,
            vec![Involuntary::Twitches {
                rate_per_min: 5.0,
                amplitude_mg: (5.0, 10.0),
            }],
        )],
        vec![seg(
            10.0,
            Activity::Rest,
            vec![Involuntary::Twitches {
                rate_per_min: 5.0,
                amplitude_mg: (10.0, 5.0),
            }],
        )],
        vec![seg(
            10.0,
            Activity::Rest,
            vec![Involuntary::TremorContinuous {
                freq_hz: f32::NAN,
                amplitude_mg: 10.0,
            }],
        )],
        vec![seg(1e9, Activity::Rest, vec![])],
        // A month of 60 twitches a minute: too many labels to plan ahead.
        vec![seg(
            30.0 * 86_400.0,
            Activity::Rest,
            vec![Involuntary::Twitches {
                rate_per_min: 60.0,
                amplitude_mg: (5.0, 10.0),
            }],
        )],
    ];
    for segments in bad_scenarios {
        let s = Scenario {
            name: "bad".into(),
            description: String::new(),
            segments: segments.clone(),
        };
        let err = Simulator::new(&s, SimConfig::default()).expect_err("must be rejected");
        assert!(
            matches!(err, SimError::InvalidScenario { .. }),
            "{segments:?}: {err}"
        );
    }
    // A tremor faster than the sample rate can carry.
    let fast = one_segment(
        "fast",
        10.0,
        Activity::Rest,
        vec![Involuntary::TremorContinuous {
            freq_hz: 12.0,
            amplitude_mg: 50.0,
        }],
    );
    assert!(Simulator::new(&fast, config(50.0)).is_ok());
    let faster = one_segment(
        "faster",
        10.0,
        Activity::Rest,
        vec![Involuntary::TremorContinuous {
            freq_hz: 19.9,
            amplitude_mg: 50.0,
        }],
    );
    assert!(Simulator::new(&faster, config(40.0)).is_err());
    assert!(Simulator::new(&faster, config(50.0)).is_err());

    let err = builtin_scenario("dancing").unwrap_err();
    let msg = err.to_string();
    for name in BUILTIN_SCENARIO_NAMES {
        assert!(msg.contains(name), "{msg}");
    }

    assert!(FrameSimulator::new(&rest, config(62.5)).is_err());
    let frames = FrameSimulator::new(&rest, config(100.0)).unwrap();
    assert!(frames
        .with_faults(FrameFaults {
            drop_probability: 1.5,
            ..FrameFaults::default()
        })
        .is_err());
}

#[test]
fn frames_decode_back_to_the_same_samples() {
    let scenario = builtin_scenario("mixed").unwrap().with_duration(20.0);
    for (rate, gyro) in [(50.0, true), (200.0, true), (1000.0, false)] {
        let cfg = SimConfig {
            with_gyro: gyro,
            start_ms: 1_700_000_000_000,
            ..config(rate)
        };
        let mut frames = FrameSimulator::new(&scenario, cfg.clone()).unwrap();
        let mut direct = Simulator::new(&scenario, cfg).unwrap();
        let mut decoder = StreamDecoder::default();
        let mut batches = Vec::new();
        let mut expected_seq = 0u16;
        while let Some(f) = frames.next_frame() {
            assert!(f.bytes.len() <= MAX_FRAME_LEN);
            assert_eq!(f.seq, expected_seq);
            expected_seq = expected_seq.wrapping_add(1);
            // At most 100 ms per frame (firmware checklist).
            assert!(f.sample_count as f32 / rate <= 0.1 + 1e-6);
            let frame = decode_frame(&f.bytes).unwrap();
            assert_eq!(frame.sample_count(), f.sample_count);
            decoder.push(&f.bytes, f.arrival_us, &mut batches).unwrap();
        }
        decoder.flush(&mut batches);
        let stats = decoder.stats();
        assert_eq!(stats.samples_lost, 0);
        assert_eq!(stats.frames_rejected, 0);
        let got: Vec<[f32; 3]> = batches.iter().flat_map(|b| b.accel_g.clone()).collect();
        let want = run_all(&mut direct);
        assert_eq!(got, want.accel_g);
        // Wall-clock timestamps line up with the simulator's (and so with the labels).
        assert!((batches[0].first_sample_us - 1_700_000_000_000_000).abs() <= 1);
        let last = batches.last().unwrap();
        let want_last_us =
            1_700_000_000_000_000 + ((got.len() - last.len()) as f64 * 1e6 / rate as f64) as i64;
        assert!(
            (last.first_sample_us - want_last_us).abs() <= 2,
            "{rate} Hz"
        );
    }
}

#[test]
fn link_faults_are_injected_and_accounted_for() {
    let scenario = builtin_scenario("rest").unwrap().with_duration(120.0);
    let faults = FrameFaults {
        drop_probability: 0.02,
        duplicate_probability: 0.02,
        reorder_probability: 0.02,
        corrupt_probability: 0.02,
    };
    let mut frames = FrameSimulator::new(&scenario, config(200.0))
        .unwrap()
        .with_faults(faults)
        .unwrap();
    let mut decoder = StreamDecoder::default();
    let mut batches = Vec::new();
    let mut arrivals = 0u64;
    while let Some(f) = frames.next_frame() {
        arrivals += 1;
        let _ = decoder.push(&f.bytes, f.arrival_us, &mut batches);
    }
    decoder.flush(&mut batches);
    let c = frames.fault_counts();
    for (what, n) in [
        ("dropped", c.dropped),
        ("duplicated", c.duplicated),
        ("reordered", c.reordered),
        ("corrupted", c.corrupted),
    ] {
        // 2 % of ~2400 frames.
        assert!((15..110).contains(&n), "{what}: {n}");
    }
    assert_eq!(arrivals, c.frames_encoded - c.dropped + c.duplicated);
    let s = decoder.stats();
    assert_eq!(s.frames_rejected, c.corrupted);
    assert!(s.frames_duplicate >= c.duplicated * 9 / 10, "{s:?} {c:?}");
    assert!(s.samples_lost >= c.samples_dropped, "{s:?} {c:?}");

    // Same seed, same faults.
    let mut again = FrameSimulator::new(&scenario, config(200.0))
        .unwrap()
        .with_faults(faults)
        .unwrap();
    while again.next_frame().is_some() {}
    assert_eq!(again.fault_counts(), c);
}

#[test]
fn with_duration_cuts_and_repeats() {
    let mixed = builtin_scenario("mixed").unwrap();
    let cut = mixed.clone().with_duration(50.5);
    assert!((cut.duration_s() - 50.5).abs() < 1e-3);
    assert!(Simulator::new(&cut, SimConfig::default()).is_ok());
    let long = mixed.clone().with_duration(1000.0);
    assert!((long.duration_s() - 1000.0).abs() < 1e-2);
    assert!(long.segments.len() > mixed.segments.len());
    assert!(Simulator::new(&long, SimConfig::default()).is_ok());
    // Absurd lengths come back as errors from the simulator, not hangs.
    let huge = mixed.clone().with_duration(1e30);
    assert!(Simulator::new(&huge, SimConfig::default()).is_err());
    let mut broken = mixed.clone();
    broken.segments[0].duration_s = -5.0;
    assert!(Simulator::new(&broken.with_duration(1e6), SimConfig::default()).is_err());
    // A cut through a spasm drops the spasm rather than making an invalid scenario.
    let spasm = builtin_scenario("spasm").unwrap().with_duration(45.0);
    let sim = Simulator::new(&spasm, SimConfig::default()).unwrap();
    assert!(sim.labels().is_empty());
}

#[test]
fn not_worn_is_still_and_flat() {
    let mut sim = Simulator::new(
        &builtin_scenario("not-worn").unwrap().with_duration(30.0),
        config(100.0),
    )
    .unwrap();
    let d = run_all(&mut sim);
    let gmax = d
        .gyro_dps
        .iter()
        .map(|g| (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt())
        .fold(0.0, f32::max);
    assert!(gmax < 1.0, "{gmax}");
    let rms = rms_per_axis(&dynamic(&d.accel_g, 100.0, 1.0));
    assert!(rms < 0.001, "{rms}");
}

/// Rotates `v` (body frame at the start) by integrating body rates `w` (rad/s) over `dt`; returns the
/// start-frame vector seen in the end frame.
fn carry_through_rotation(mut v: [f64; 3], rates: &[[f64; 3]], dt: f64) -> [f64; 3] {
    for w in rates {
        // A fixed world vector seen from a body turning at w: dv/dt = -w × v.
        let c = [
            w[1] * v[2] - w[2] * v[1],
            w[2] * v[0] - w[0] * v[2],
            w[0] * v[1] - w[1] * v[0],
        ];
        for k in 0..3 {
            v[k] -= c[k] * dt;
        }
        let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
        v = [v[0] / n, v[1] / n, v[2] / n];
    }
    v
}

#[test]
fn gyroscope_agrees_with_the_change_of_gravity_direction() {
    // Noise-free: between two moments when the hand is still (during a reach's hold and at rest),
    // integrating the gyroscope must turn one gravity reading into the other.
    let fs = 1000.0;
    let cfg = SimConfig {
        accel_noise_g_rms: 0.0,
        gyro_noise_dps_rms: 0.0,
        flicker_noise_fraction: 0.0,
        orientation_drift_deg: 0.0,
        gyro_range_dps: 250.0,
        ..config(fs)
    };
    let mut sim = Simulator::new(
        &builtin_scenario("reaching").unwrap().with_duration(40.0),
        cfg,
    )
    .unwrap();
    let d = run_all(&mut sim);
    let still: Vec<usize> = (0..d.len())
        .filter(|&i| {
            let g = d.gyro_dps[i];
            let a = d.accel_g[i];
            let mag = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
            (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt() < 0.05 && (mag - 1.0).abs() < 0.001
        })
        .collect();
    let rates: Vec<[f64; 3]> = d
        .gyro_dps
        .iter()
        .map(|g| g.map(|v| f64::from(v).to_radians()))
        .collect();
    let unit = |a: [f32; 3]| {
        let n = (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt();
        [
            f64::from(a[0] / n),
            f64::from(a[1] / n),
            f64::from(a[2] / n),
        ]
    };
    let mut checked = 0;
    let mut largest_turn: f64 = 0.0;
    let mut i0 = still[0];
    for &i1 in &still {
        if i1 < i0 + 1000 {
            continue;
        }
        let predicted =
            carry_through_rotation(unit(d.accel_g[i0]), &rates[i0..i1], 1.0 / f64::from(fs));
        let measured = unit(d.accel_g[i1]);
        let before = unit(d.accel_g[i0]);
        let dot =
            |a: [f64; 3], b: [f64; 3]| (a[0] * b[0] + a[1] * b[1] + a[2] * b[2]).clamp(-1.0, 1.0);
        let err_deg = dot(predicted, measured).acos().to_degrees();
        largest_turn = largest_turn.max(dot(before, measured).acos().to_degrees());
        assert!(
            err_deg < 1.5,
            "samples {i0}..{i1}: gyro and gravity disagree by {err_deg}°"
        );
        checked += 1;
        i0 = i1;
    }
    assert!(checked >= 5, "{checked}");
    assert!(
        largest_turn > 10.0,
        "the hand hardly turned: {largest_turn}°"
    );
}

#[test]
fn fidgets_move_a_resting_hand_without_labels() {
    let scenario = builtin_scenario("rest").unwrap().with_duration(120.0);
    let gyro_peak = |fidgets: f32| {
        let mut sim = Simulator::new(
            &scenario,
            SimConfig {
                rest_fidgets_per_min: fidgets,
                ..config(100.0)
            },
        )
        .unwrap();
        assert!(sim.labels().is_empty());
        let d = run_all(&mut sim);
        d.gyro_dps
            .iter()
            .map(|g| (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt())
            .fold(0.0, f32::max)
    };
    assert!(gyro_peak(0.0) < 1.0);
    assert!(gyro_peak(3.0) > 3.0);
}

#[test]
fn spasm_plateau_has_no_rhythm_unlike_tremor() {
    let fs = 100.0;
    // Share of the 2–12 Hz power in the strongest 0.25 Hz band.
    let peak_share = |inv: Involuntary, seed: u64| {
        let scenario = one_segment("s", 40.0, Activity::Rest, vec![inv]);
        let mut sim = Simulator::new(&scenario, SimConfig { seed, ..config(fs) }).unwrap();
        let l = sim.labels()[0].clone();
        let d = run_all(&mut sim);
        let dy = dynamic(&d.accel_g, fs, 2.0);
        let mid = (l.start_ms + l.end_ms) as usize / 20; // sample index of the middle
        let (f, p) = spectrum(&dy[mid - 400..mid + 400], f64::from(fs));
        let total = band_power(&f, &p, 2.0, 12.0);
        let _ = total;
        // Prominence as a rhythm detector sees it: a 0.375 Hz band against its neighbourhood
        // (0.75–2 Hz away on both sides); the largest over 3–10 Hz.
        let band = |lo: f64| band_power(&f, &p, lo, lo + 0.375);
        (0..28)
            .map(|k| {
                let lo = 3.0 + 0.25 * f64::from(k);
                let around =
                    (band(lo - 2.0) + band(lo - 1.375) + band(lo + 0.75) + band(lo + 1.375)) / 4.0;
                band(lo) / around
            })
            .fold(0.0, f64::max)
    };
    for seed in 1..11 {
        let spasm = peak_share(
            Involuntary::SpasmAt {
                start_s: 10.0,
                duration_s: 20.0,
                amplitude_g: 0.8,
            },
            seed,
        );
        let tremor = peak_share(
            Involuntary::TremorContinuous {
                freq_hz: 5.0,
                amplitude_mg: 100.0,
            },
            seed,
        );
        eprintln!("seed {seed}: spasm {spasm} tremor {tremor}");
        assert!(spasm < 5.0, "seed {seed}: spasm looks rhythmic ({spasm})");
        assert!(
            tremor > 1000.0,
            "seed {seed}: tremor is not a clear peak ({tremor})"
        );
    }
}
