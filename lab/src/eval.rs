//! The evaluation harness: a fixed suite of labelled simulated recordings in splits that differ in
//! seeds, parameter values, twitch shapes and everyday tasks, scored against the simulator's labels.
//!
//! Splits (docs/accuracy.md says what was tuned on what):
//! - `Tuning`: seeds 1..; three of the four twitch shapes (no ring-down) and eight of the twelve
//!   everyday tasks. Every threshold in `ClassifierConfig::default()` was chosen on this split.
//! - `HeldOut`: seeds 1001..; all shapes and tasks, other tremor frequencies, amplitudes, spasm
//!   durations, noise levels and drifts. Reported as the product's accuracy.
//! - `Wide`: seeds 50001..; the sensors' own rates (52/104/208/416 Hz), wider floors, noise and
//!   tremor down to 2 mg. Never used to choose anything.
//! - `Ci`: a fast subset of `HeldOut` (same seeds and values, fewer cases, shorter), used by the
//!   regression-floor test.

use std::fmt::Write as _;

use rand::SeedableRng;

use crate::simulator::{
    EverydayTask, FloorLevels, Involuntary, Placement, Scenario, Segment, SimConfig, Simulator,
    TwitchShape,
};
use crate::spasm_diagnosis::Recording;
use twitchwatch_classify::{ClassifierConfig, ClassifierOutput, StreamingClassifier};
use twitchwatch_model::{Activity, LabelledEvent, MotorEvent, MotorEventKind, SensorBatch};

/// Which part of the suite to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    Tuning,
    HeldOut,
    Wide,
    Ci,
    /// HELD-OUT's ranges on another seed family with other spasm durations and amplitudes: read
    /// only after a choice that HELD-OUT itself had informed.
    Fresh,
}

impl std::str::FromStr for Split {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tuning" => Ok(Split::Tuning),
            "held-out" | "heldout" | "held_out" => Ok(Split::HeldOut),
            "wide" => Ok(Split::Wide),
            "ci" => Ok(Split::Ci),
            "fresh" => Ok(Split::Fresh),
            other => Err(format!(
                "unknown split '{other}': use held-out, wide, fresh, tuning or ci"
            )),
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Split::Tuning => "tuning",
            Split::HeldOut => "held-out",
            Split::Wide => "wide",
            Split::Ci => "ci",
            Split::Fresh => "fresh",
        })
    }
}

/// What a case is for: decides which tables it feeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseGroup {
    Twitch,
    Tremor,
    Spasm,
    /// Voluntary movement and rest only: every detection is a false event.
    VoluntaryOnly,
    /// An everyday task of a healthy hand: every detection is a false event.
    Everyday(EverydayTask),
    Mixed,
}

impl CaseGroup {
    /// Every detection in a case of this group is a false event.
    pub fn healthy_only(self) -> bool {
        matches!(self, CaseGroup::VoluntaryOnly | CaseGroup::Everyday(_))
    }
}

/// One labelled recording of the suite.
#[derive(Debug, Clone)]
pub struct EvalCase {
    pub name: String,
    pub group: CaseGroup,
    pub scenario: Scenario,
    pub sim: SimConfig,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum EvalError {
    #[error("simulator refused case {case}: {reason}")]
    Simulator { case: String, reason: String },
    #[error("classifier refused a batch in case {case}: {reason}")]
    Classifier { case: String, reason: String },
}

pub const RATES_HZ: [f32; 5] = [50.0, 100.0, 200.0, 400.0, 1000.0];
/// Twitch size bins (label amplitude at the sensor), mg, for the recall curve.
pub const TWITCH_BINS_MG: [(f32, f32); 6] = [
    (0.0, 2.0),
    (2.0, 3.5),
    (3.5, 5.0),
    (5.0, 10.0),
    (10.0, 20.0),
    (20.0, 60.0),
];

struct SplitParams {
    seed0: u64,
    rates: &'static [f32],
    shapes: &'static [TwitchShape],
    tasks: &'static [EverydayTask],
    tremor_freqs_hz: &'static [f32],
    tremor_amps_mg: &'static [f32],
    spasm_durations_s: &'static [f32],
    spasm_amps_g: &'static [f32],
    noise_g: &'static [f32],
    drift_deg: &'static [f32],
    /// Every level of the wearer's random resting floor is multiplied by this.
    floor_scale: f32,
    /// Length of each everyday-task recording, s.
    everyday_s: f32,
}

const TUNING_TASKS: [EverydayTask; 8] = [
    EverydayTask::Mouse,
    EverydayTask::PhoneScrolling,
    EverydayTask::PhoneTyping,
    EverydayTask::KeyboardTyping,
    EverydayTask::Reading,
    EverydayTask::Drinking,
    EverydayTask::Fidgeting,
    EverydayTask::Writing,
];
const TUNING_SHAPES: [TwitchShape; 3] = [
    TwitchShape::SinglePush,
    TwitchShape::PushRecoil,
    TwitchShape::Doublet,
];
/// Output data rates of real parts (Polar Verity Sense and common watch IMUs) plus 1 kHz.
const SENSOR_RATES_HZ: [f32; 5] = [52.0, 104.0, 208.0, 416.0, 1000.0];

fn params(split: Split) -> SplitParams {
    match split {
        Split::Tuning => SplitParams {
            seed0: 1,
            rates: &RATES_HZ,
            shapes: &TUNING_SHAPES,
            tasks: &TUNING_TASKS,
            tremor_freqs_hz: &[3.5, 5.0, 6.5, 8.0, 9.5, 11.5],
            tremor_amps_mg: &[4.0, 8.0, 25.0, 60.0, 150.0],
            spasm_durations_s: &[1.0, 2.0, 5.0, 15.0, 40.0],
            spasm_amps_g: &[0.25, 0.5, 0.9],
            noise_g: &[0.0006, 0.0008],
            drift_deg: &[3.0, 8.0],
            floor_scale: 1.0,
            everyday_s: 300.0,
        },
        Split::HeldOut | Split::Ci | Split::Fresh => SplitParams {
            seed0: if split == Split::Fresh { 700_001 } else { 1001 },
            rates: if split == Split::Ci {
                &[50.0, 200.0, 1000.0]
            } else {
                &RATES_HZ
            },
            shapes: &TwitchShape::ALL,
            tasks: &EverydayTask::ALL,
            tremor_freqs_hz: &[3.2, 4.3, 5.6, 7.2, 8.8, 10.4, 12.0],
            tremor_amps_mg: &[3.0, 5.0, 15.0, 40.0, 100.0, 200.0],
            spasm_durations_s: if split == Split::Fresh {
                &[2.5, 5.0, 12.0, 40.0, 120.0]
            } else {
                &[1.5, 3.0, 8.0, 25.0, 60.0]
            },
            spasm_amps_g: if split == Split::Fresh {
                &[0.2, 0.4, 0.75, 1.2]
            } else {
                &[0.3, 0.6, 1.0]
            },
            noise_g: &[0.0005, 0.0007, 0.001],
            drift_deg: &[2.0, 5.0, 15.0],
            floor_scale: 1.0,
            everyday_s: if split == Split::Ci { 60.0 } else { 600.0 },
        },
        Split::Wide => SplitParams {
            seed0: 50001,
            rates: &SENSOR_RATES_HZ,
            shapes: &TwitchShape::ALL,
            tasks: &EverydayTask::ALL,
            tremor_freqs_hz: &[3.0, 3.9, 4.7, 6.3, 7.9, 9.7, 11.1],
            tremor_amps_mg: &[2.0, 3.5, 7.0, 20.0, 70.0, 250.0],
            spasm_durations_s: &[1.2, 4.0, 12.0, 35.0, 90.0],
            spasm_amps_g: &[0.2, 0.45, 0.8, 1.4],
            noise_g: &[0.0005, 0.0009, 0.0013],
            drift_deg: &[1.0, 6.0, 20.0],
            floor_scale: 1.6,
            everyday_s: 300.0,
        },
    }
}

/// A simulated sensor on a simulated person: the person's floor and fidgets come from the seed.
fn sim(
    rate: f32,
    seed: u64,
    placement: Placement,
    noise_g: f32,
    drift_deg: f32,
    with_gyro: bool,
    floor_scale: f32,
) -> SimConfig {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5EED_F100_u64);
    let floor = FloorLevels::random(&mut rng).scaled(floor_scale);
    let fidgets = rand::Rng::gen_range(&mut rng, 0.5..4.0f32);
    SimConfig {
        seed,
        sample_rate_hz: rate,
        with_gyro,
        placement,
        accel_noise_g_rms: noise_g,
        orientation_drift_deg: drift_deg,
        floor,
        rest_fidgets_per_min: fidgets,
        ..SimConfig::default()
    }
}

fn scenario(name: String, segments: Vec<Segment>) -> Scenario {
    Scenario {
        description: name.clone(),
        name,
        segments,
    }
}

/// The fixed suite for a split. Deterministic: same split, same cases.
pub fn suite(split: Split) -> Vec<EvalCase> {
    let p = params(split);
    let ci = split == Split::Ci;
    let rates = p.rates;
    let mut cases = Vec::new();
    let mut seed = p.seed0;
    let mut next_seed = || {
        seed += 1;
        seed
    };
    let pick = |list: &'static [f32], i: usize| list[i % list.len()];
    let fs = p.floor_scale;

    // Twitches at rest, both placements, 2–50 mg log-uniform, one shape per case. The shape
    // rotates with rate, placement and repeat together, so that every shape meets both placements
    // (rotating over cases alone put every ring-down on the wrist, and its recall was the wrist's).
    let twitch_s = if ci { 120.0 } else { 300.0 };
    let mut case_i = 0usize;
    for (ri, &rate) in rates.iter().enumerate() {
        for (pi, placement) in [Placement::BackOfHand, Placement::Wrist]
            .into_iter()
            .enumerate()
        {
            for k in 0..if ci { 1 } else { 2 } {
                let shape = p.shapes[(ri + pi + 2 * k) % p.shapes.len()];
                case_i += 1;
                let s = next_seed();
                let mut cfg = sim(
                    rate,
                    s,
                    placement,
                    pick(p.noise_g, ri + case_i),
                    pick(p.drift_deg, ri),
                    (ri + case_i) % 2 == 0,
                    fs,
                );
                cfg.twitch_shape = Some(shape);
                // The twitch target is "at rest": the wearer's floor stays, but no voluntary
                // adjustments (those are in the everyday and rest-only cases, where every
                // detection is false).
                cfg.rest_fidgets_per_min = 0.0;
                cases.push(EvalCase {
                    name: format!("twitch-{shape:?}-{placement:?}-{rate}Hz"),
                    group: CaseGroup::Twitch,
                    scenario: scenario(
                        "twitches".into(),
                        vec![
                            Segment::new(twitch_s, Activity::Rest).with(Involuntary::Twitches {
                                rate_per_min: 10.0,
                                amplitude_mg: (2.0, 50.0),
                            }),
                        ],
                    ),
                    sim: cfg,
                });
            }
        }
    }

    // Tremor bouts at rest: every frequency at every rate, amplitudes rotated across rates.
    for (ri, &rate) in rates.iter().enumerate() {
        for (fi, &f) in p.tremor_freqs_hz.iter().enumerate() {
            if ci && (fi + ri) % 2 == 1 {
                continue;
            }
            // Every hand has a small physiological tremor at 8–12 Hz (signals.md), so a tremor
            // there is only pathological when it is larger than that.
            let amp = pick(p.tremor_amps_mg, fi + ri);
            let amp = if f >= 7.5 { amp.max(30.0) } else { amp };
            let placement = if (fi + ri) % 3 == 0 {
                Placement::Wrist
            } else {
                Placement::BackOfHand
            };
            cases.push(EvalCase {
                name: format!("tremor-{f}Hz-{amp}mg-{rate}Hz"),
                group: CaseGroup::Tremor,
                scenario: scenario(
                    "tremor".into(),
                    vec![
                        Segment::new(if ci { 70.0 } else { 120.0 }, Activity::Rest).with(
                            Involuntary::Tremor {
                                freq_hz: f,
                                amplitude_mg: amp,
                                bout_s: (8.0, 30.0),
                                gap_s: (8.0, 20.0),
                            },
                        ),
                    ],
                ),
                sim: sim(
                    rate,
                    next_seed(),
                    placement,
                    pick(p.noise_g, fi),
                    pick(p.drift_deg, fi),
                    fi % 2 == 0,
                    fs,
                ),
            });
        }
    }

    // Spasms of every duration at every rate (their kind and posture change drawn per spasm).
    for (ri, &rate) in rates.iter().enumerate() {
        for (di, &d) in p.spasm_durations_s.iter().enumerate() {
            if ci && d > 30.0 {
                continue;
            }
            let amp = pick(p.spasm_amps_g, di + ri);
            cases.push(EvalCase {
                name: format!("spasm-{d}s-{amp}g-{rate}Hz"),
                group: CaseGroup::Spasm,
                scenario: scenario(
                    "spasm".into(),
                    vec![
                        Segment::new(15.0, Activity::Rest),
                        Segment::new(d + 20.0, Activity::Rest).with(Involuntary::SpasmAt {
                            start_s: 10.0,
                            duration_s: d,
                            amplitude_g: amp,
                        }),
                        Segment::new(15.0, Activity::Rest),
                    ],
                ),
                sim: sim(
                    rate,
                    next_seed(),
                    if (di + ri) % 3 == 2 {
                        Placement::Wrist
                    } else {
                        Placement::BackOfHand
                    },
                    pick(p.noise_g, di),
                    pick(p.drift_deg, di),
                    (di + ri) % 4 != 3,
                    fs,
                ),
            });
        }
    }

    // Voluntary movement and rest only (false events per hour).
    let vol_s = if ci { 120.0 } else { 300.0 };
    let activities = [
        Activity::Typing,
        Activity::Writing,
        Activity::Walking,
        Activity::Reaching,
        Activity::Rest,
        Activity::NotWorn,
    ];
    for (ri, &rate) in rates.iter().enumerate() {
        for (ai, &act) in activities.iter().enumerate() {
            if ci && act == Activity::NotWorn {
                continue;
            }
            let placement = if (ai + ri) % 2 == 0 {
                Placement::BackOfHand
            } else {
                Placement::Wrist
            };
            let mut cfg = sim(
                rate,
                next_seed(),
                placement,
                pick(p.noise_g, ai + ri),
                pick(p.drift_deg, ai),
                // Every activity with and without a gyroscope, alternating across rates.
                (ai + ri) % 2 == 1,
                fs,
            );
            // Orientation changes and mounting faults belong to real life: some cases have them.
            cfg.upside_down = (ai + ri) % 4 == 1;
            if (ai + ri) % 3 == 2 {
                cfg.accel_offset_g = [0.02, -0.03, 0.05];
                cfg.rate_jitter = 0.02;
            }
            cases.push(EvalCase {
                name: format!("voluntary-{act:?}-{placement:?}-{rate}Hz"),
                group: CaseGroup::VoluntaryOnly,
                scenario: scenario(format!("{act:?}"), vec![Segment::new(vol_s, act)]),
                sim: cfg,
            });
        }
    }

    // Everyday tasks of healthy people, each at every rate, a watch on the wrist more often than
    // not (that is how most people would wear it), each starting and ending at rest.
    for (ri, &rate) in rates.iter().enumerate() {
        if ci && ri % 2 == 1 {
            continue;
        }
        for (ti, &task) in p.tasks.iter().enumerate() {
            let placement = if (ti + ri) % 3 == 0 {
                Placement::BackOfHand
            } else {
                Placement::Wrist
            };
            let mut cfg = sim(
                rate,
                next_seed(),
                placement,
                pick(p.noise_g, ti + ri),
                pick(p.drift_deg, ti),
                (ti + ri) % 4 != 1,
                fs,
            );
            cfg.rate_jitter = if (ti + ri) % 3 == 1 { 0.01 } else { 0.0 };
            cases.push(EvalCase {
                name: format!("everyday-{task:?}-{placement:?}-{rate}Hz"),
                group: CaseGroup::Everyday(task),
                scenario: scenario(
                    format!("{task:?}"),
                    vec![
                        Segment::new(15.0, Activity::Rest),
                        Segment::everyday(p.everyday_s, task),
                        Segment::new(15.0, Activity::Rest),
                    ],
                ),
                sim: cfg,
            });
        }
    }

    // Everything together, as in daily life, plus a tremor that continues through a reach.
    for (ri, &rate) in rates.iter().enumerate() {
        if ci && ri != 1 {
            continue;
        }
        let amp = pick(p.tremor_amps_mg, ri + 2).max(15.0);
        let f = pick(p.tremor_freqs_hz, ri + 1);
        let segments = vec![
            Segment::new(40.0, Activity::Rest).with(Involuntary::Twitches {
                rate_per_min: 8.0,
                amplitude_mg: (5.0, 40.0),
            }),
            Segment::new(30.0, Activity::Typing),
            Segment::new(45.0, Activity::Rest).with(Involuntary::Tremor {
                freq_hz: f,
                amplitude_mg: amp,
                bout_s: (12.0, 20.0),
                gap_s: (5.0, 10.0),
            }),
            Segment::new(30.0, Activity::Walking),
            Segment::everyday(30.0, p.tasks[ri % p.tasks.len()]),
            Segment::new(30.0, Activity::Rest).with(Involuntary::SpasmAt {
                start_s: 10.0,
                duration_s: 6.0,
                amplitude_g: 0.6,
            }),
            Segment::new(30.0, Activity::Writing),
            Segment::new(15.0, Activity::Rest).with(Involuntary::TremorContinuous {
                freq_hz: f,
                amplitude_mg: amp,
            }),
            Segment::new(5.0, Activity::Reaching).with(Involuntary::TremorContinuous {
                freq_hz: f,
                amplitude_mg: amp,
            }),
            Segment::new(15.0, Activity::Rest).with(Involuntary::TremorContinuous {
                freq_hz: f,
                amplitude_mg: amp,
            }),
            Segment::new(10.0, Activity::Rest),
        ];
        cases.push(EvalCase {
            name: format!("mixed-{rate}Hz"),
            group: CaseGroup::Mixed,
            scenario: scenario("mixed".into(), segments),
            sim: sim(
                rate,
                next_seed(),
                Placement::BackOfHand,
                pick(p.noise_g, ri),
                pick(p.drift_deg, ri),
                true,
                fs,
            ),
        });
    }

    // A voluntary day with its moves between activities: the hand goes from rest to the keyboard,
    // to the pen, out to reach, and back to rest, each time from stillness.
    if !ci {
        for (ri, &rate) in rates.iter().enumerate() {
            let segments = vec![
                Segment::new(40.0, Activity::Rest),
                Segment::new(45.0, Activity::Typing),
                Segment::new(30.0, Activity::Rest),
                Segment::new(45.0, Activity::Writing),
                Segment::new(30.0, Activity::Rest),
                Segment::new(30.0, Activity::Reaching),
                Segment::new(30.0, Activity::Rest),
                Segment::everyday(40.0, p.tasks[(ri + 3) % p.tasks.len()]),
                Segment::new(20.0, Activity::Rest),
                // Standing up and walking away: the arm drops from the table and swings.
                Segment::new(30.0, Activity::Walking),
                Segment::new(20.0, Activity::Rest),
            ];
            cases.push(EvalCase {
                name: format!("voluntary-transitions-{rate}Hz"),
                group: CaseGroup::VoluntaryOnly,
                scenario: scenario("transitions".into(), segments),
                sim: sim(
                    rate,
                    next_seed(),
                    if ri % 2 == 0 {
                        Placement::BackOfHand
                    } else {
                        Placement::Wrist
                    },
                    pick(p.noise_g, ri),
                    pick(p.drift_deg, ri),
                    ri % 2 == 1,
                    fs,
                ),
            });
        }
    }
    cases
}

/// Counts for one class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClassCounts {
    pub labels: u32,
    pub labels_found: u32,
    pub detections: u32,
    pub detections_matched: u32,
}

impl ClassCounts {
    pub fn recall(&self) -> f32 {
        ratio(self.labels_found, self.labels)
    }
    pub fn precision(&self) -> f32 {
        ratio(self.detections_matched, self.detections)
    }
    pub fn f1(&self) -> f32 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    fn add(&mut self, o: &ClassCounts) {
        self.labels += o.labels;
        self.labels_found += o.labels_found;
        self.detections += o.detections;
        self.detections_matched += o.detections_matched;
    }
}

fn ratio(a: u32, b: u32) -> f32 {
    if b == 0 {
        f32::NAN
    } else {
        a as f32 / b as f32
    }
}

/// Index of a class in the confusion matrix; 3 = none.
fn class_index(k: Option<MotorEventKind>) -> usize {
    match k {
        Some(MotorEventKind::Fasciculation) => 0,
        Some(MotorEventKind::Tremor) => 1,
        Some(MotorEventKind::Spasm) => 2,
        None => 3,
    }
}

/// Everything measured, summed over cases.
#[derive(Debug, Clone, Default)]
pub struct EvalReport {
    pub split: Option<Split>,
    pub cases: u32,
    pub samples: u64,
    /// Per class (fasciculation, tremor, spasm) and per sample rate (index into RATES_HZ).
    pub per_rate: [[ClassCounts; 3]; 5],
    /// Fasciculation counts with the hand at rest, back of the hand, rate ≥ 200 Hz, twitch ≥ 5 mg.
    pub twitch_target: ClassCounts,
    /// rows = truth (fasc, tremor, spasm, none), cols = detected (fasc, tremor, spasm, none).
    pub confusion: [[u32; 4]; 4],
    pub tremor_freq_errors_hz: Vec<f32>,
    /// Per class onset errors of matched labels, ms.
    pub onset_errors_ms: [Vec<f32>; 3],
    /// Hours of healthy-only recordings (voluntary movement, rest, everyday tasks) and the
    /// detections in them, all false.
    pub voluntary_hours: f64,
    pub voluntary_false_events: u32,
    /// The same false events by kind (fasciculation, tremor, spasm).
    pub healthy_false_by_kind: [u32; 3],
    /// Per everyday task (index into `EverydayTask::ALL`): hours and false events by kind.
    pub everyday: [(f64, [u32; 3]); EverydayTask::ALL.len()],
    /// Twitch cases, per shape (index into `TwitchShape::ALL`): (labels, found).
    pub twitch_by_shape: [(u32, u32); TwitchShape::ALL.len()],
    /// Twitch cases: labels at least 10× the sensor's noise, and every twitch detection.
    pub twitch_strong: ClassCounts,
    /// Tremor and spasm detections beyond the first on a label they match: one bout reported in
    /// pieces (counted as correct in the P / R / F1 table, shown here).
    pub fragments: [u32; 3],
    /// (placement index 0 hand / 1 wrist, rate index, size bin) -> (labels, found)
    pub twitch_curve: [[[(u32, u32); TWITCH_BINS_MG.len()]; 5]; 2],
    /// Names of voluntary cases with false events, for debugging.
    pub false_event_cases: Vec<(String, u32)>,
}

/// The nearest of `RATES_HZ` on a log scale (52 Hz reports as 50, 416 Hz as 400).
fn rate_index(rate: f32) -> usize {
    let mut best = 0;
    for (i, r) in RATES_HZ.iter().enumerate() {
        if (r / rate).ln().abs() < (RATES_HZ[best] / rate).ln().abs() {
            best = i;
        }
    }
    best
}

/// Tolerance around a label within which a detection counts as the same event, ms.
fn tolerance_ms(kind: MotorEventKind) -> i64 {
    match kind {
        MotorEventKind::Fasciculation => 120,
        MotorEventKind::Tremor => 1500,
        MotorEventKind::Spasm => 1000,
    }
}

fn overlaps(d: &MotorEvent, l: &LabelledEvent, tol_ms: i64) -> bool {
    if l.kind == MotorEventKind::Fasciculation && d.kind == MotorEventKind::Fasciculation {
        return (d.start_ms - l.start_ms).abs() <= tol_ms;
    }
    d.start_ms < l.end_ms + tol_ms && d.end_ms + tol_ms > l.start_ms
}

/// Score one case's detections against its labels into `report`.
pub fn score_case(
    case: &EvalCase,
    labels: &[LabelledEvent],
    detections: &[MotorEvent],
    duration_s: f64,
    report: &mut EvalReport,
) {
    let ri = rate_index(case.sim.sample_rate_hz);
    let mut counts = [ClassCounts::default(); 3];
    // Twitches: one-to-one nearest matching (two twitches can be close together).
    let mut used = vec![false; detections.len()];
    for l in labels {
        let ci = class_index(Some(l.kind));
        counts[ci].labels += 1;
        let tol = tolerance_ms(l.kind);
        let same: Option<usize> = if l.kind == MotorEventKind::Fasciculation {
            detections
                .iter()
                .enumerate()
                .filter(|(i, d)| d.kind == l.kind && !used[*i] && overlaps(d, l, tol))
                .min_by_key(|(_, d)| (d.start_ms - l.start_ms).abs())
                .map(|(i, _)| i)
        } else {
            detections
                .iter()
                .enumerate()
                .filter(|(_, d)| d.kind == l.kind && overlaps(d, l, tol))
                .min_by_key(|(_, d)| (d.start_ms - l.start_ms).abs())
                .map(|(i, _)| i)
        };
        let predicted = match same {
            Some(i) => {
                used[i] = true;
                counts[ci].labels_found += 1;
                let d = &detections[i];
                report.onset_errors_ms[ci].push((d.start_ms - l.start_ms) as f32);
                if l.kind == MotorEventKind::Tremor {
                    if let (Some(df), Some(lf)) = (d.dominant_freq_hz, l.freq_hz) {
                        report.tremor_freq_errors_hz.push(df - lf);
                    }
                }
                Some(l.kind)
            }
            None => detections
                .iter()
                .filter(|d| overlaps(d, l, tolerance_ms(d.kind).min(tol)))
                .max_by_key(|d| d.end_ms.min(l.end_ms) - d.start_ms.max(l.start_ms))
                .map(|d| d.kind),
        };
        report.confusion[ci][class_index(predicted)] += 1;
        if l.kind == MotorEventKind::Fasciculation {
            let pi = usize::from(case.sim.placement == Placement::Wrist);
            let mg = l.amplitude_g * 1000.0;
            if let Some(bi) = TWITCH_BINS_MG.iter().position(|&(a, b)| mg >= a && mg < b) {
                let cell = &mut report.twitch_curve[pi][ri][bi];
                cell.0 += 1;
                cell.1 += u32::from(same.is_some());
            }
            if case.group == CaseGroup::Twitch {
                if let Some(si) = case
                    .sim
                    .twitch_shape
                    .and_then(|sh| TwitchShape::ALL.iter().position(|&x| x == sh))
                {
                    report.twitch_by_shape[si].0 += 1;
                    report.twitch_by_shape[si].1 += u32::from(same.is_some());
                }
                if l.amplitude_g >= 10.0 * case.sim.accel_noise_g_rms {
                    report.twitch_strong.labels += 1;
                    report.twitch_strong.labels_found += u32::from(same.is_some());
                }
            }
            if case.group == CaseGroup::Twitch
                && pi == 0
                && case.sim.sample_rate_hz >= 200.0
                && mg >= 5.0
            {
                report.twitch_target.labels += 1;
                report.twitch_target.labels_found += u32::from(same.is_some());
            }
        }
    }
    for (i, d) in detections.iter().enumerate() {
        let ci = class_index(Some(d.kind));
        counts[ci].detections += 1;
        let matched = used[i]
            || labels.iter().any(|l| {
                l.kind == d.kind
                    && l.kind != MotorEventKind::Fasciculation
                    && overlaps(d, l, tolerance_ms(d.kind))
            });
        if matched {
            counts[ci].detections_matched += 1;
        } else if !labels.iter().any(|l| overlaps(d, l, tolerance_ms(l.kind))) {
            report.confusion[3][ci] += 1;
        }
        if d.kind == MotorEventKind::Fasciculation && case.group == CaseGroup::Twitch {
            report.twitch_strong.detections += 1;
            report.twitch_strong.detections_matched += u32::from(matched);
        }
        if d.kind == MotorEventKind::Fasciculation
            && case.group == CaseGroup::Twitch
            && case.sim.placement == Placement::BackOfHand
            && case.sim.sample_rate_hz >= 200.0
        {
            // A twitch detection counts against precision unless it matches a label (of any size:
            // finding a 4 mg twitch is not a false alarm).
            report.twitch_target.detections += 1;
            report.twitch_target.detections_matched += u32::from(matched);
        }
    }
    for k in [1usize, 2] {
        report.fragments[k] += counts[k]
            .detections_matched
            .saturating_sub(counts[k].labels_found);
    }
    for (k, c) in counts.iter().enumerate() {
        report.per_rate[ri][k].add(c);
    }
    if case.group.healthy_only() {
        report.voluntary_hours += duration_s / 3600.0;
        report.voluntary_false_events += detections.len() as u32;
        let task = match case.group {
            CaseGroup::Everyday(t) => EverydayTask::ALL.iter().position(|&x| x == t),
            _ => None,
        };
        if let Some(ti) = task {
            report.everyday[ti].0 += duration_s / 3600.0;
        }
        for d in detections {
            let k = class_index(Some(d.kind));
            report.healthy_false_by_kind[k] += 1;
            if let Some(ti) = task {
                report.everyday[ti].1[k] += 1;
            }
        }
        if !detections.is_empty() {
            report
                .false_event_cases
                .push((case.name.clone(), detections.len() as u32));
        }
    }
    report.cases += 1;
}

/// The default classifier config with some values changed, from `name=value,name=value` (the
/// `TW_CFG` variable the evaluation and real-recording tests read while a setting is tried).
pub fn config_with_overrides(spec: &str) -> Result<ClassifierConfig, String> {
    let mut c = ClassifierConfig::default();
    for kv in spec.split(',').filter(|s| !s.is_empty()) {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| format!("'{kv}' is not name=value"))?;
        let v: f32 = v.parse().map_err(|_| format!("'{v}' is not a number"))?;
        match k {
            "twitch_threshold_mads" => c.twitch_threshold_mads = v,
            "twitch_min_peak_g" => c.twitch_min_peak_g = v,
            "twitch_burst_limit" => c.twitch_burst_limit = v as u32,
            "tremor_min_concentration" => c.tremor_min_concentration = v,
            "tremor_min_periodicity" => c.tremor_min_periodicity = v,
            "tremor_min_prominence" => c.tremor_min_prominence = v,
            "tremor_min_hops" => c.tremor_min_hops = v as u32,
            "tremor_min_amplitude_g" => c.tremor_min_amplitude_g = v,
            "tremor_min_gyro_dps" => c.tremor_min_gyro_dps = v,
            "tremor_physiological_hz" => c.tremor_physiological_hz = v,
            "tremor_physiological_min_g" => c.tremor_physiological_min_g = v,
            "tremor_physiological_min_dps" => c.tremor_physiological_min_dps = v,
            "tremor_max_gap_hops" => c.tremor_max_gap_hops = v as u32,
            "tremor_merge_gap_s" => c.tremor_merge_gap_s = v,
            "tremor_merge_max_freq_diff_hz" => c.tremor_merge_max_freq_diff_hz = v,
            "tremor_large_g" => c.tremor_large_g = v,
            "tremor_large_min_hops" => c.tremor_large_min_hops = v as u32,
            "twitch_max_duration_ms" => c.twitch_max_duration_ms = v,
            "twitch_band_lo" => c.twitch_band_hz.0 = v,
            "twitch_smooth_ms" => c.twitch_smooth_ms = v,
            "twitch_min_probability" => c.twitch_min_probability = v,
            "twitch_max_activity_ratio" => c.twitch_max_activity_ratio = v,
            "twitch_band_hi" => c.twitch_band_hz.1 = v,
            "twitch_refractory_ms" => c.twitch_refractory_ms = v,
            "voluntary_accel_rms_g" => c.voluntary_accel_rms_g = v,
            "voluntary_gyro_rms_dps" => c.voluntary_gyro_rms_dps = v,
            "spasm_min_rms_g" => c.spasm_min_rms_g = v,
            "spasm_band_low_hz" => c.spasm_band_low_hz = v,
            "spasm_max_gap_ms" => c.spasm_max_gap_ms = v,
            "spasm_max_high_fraction" => c.spasm_max_high_fraction = v,
            "spasm_min_slow_rms_g" => c.spasm_min_slow_rms_g = v,
            "spasm_min_duty" => c.spasm_min_duty = v,
            "spasm_posture_shift_g" => c.spasm_posture_shift_g = v,
            "spasm_posture_share" => c.spasm_posture_share = v,
            "spasm_min_duration_ms" => c.spasm_min_duration_ms = v,
            "spasm_min_high_fraction" => c.spasm_min_high_fraction = v,
            "spasm_block_ms" => c.spasm_block_ms = v,
            "spasm_max_periodicity" => c.spasm_max_periodicity = v,
            "spasm_tremble_lobe_dps" => c.spasm_tremble_lobe_dps = v,
            "spasm_tremble_reversal_ms" => c.spasm_tremble_reversal_ms = v,
            "spasm_tremble_lobe_ratio" => c.spasm_tremble_lobe_ratio = v,
            "spasm_tremble_active_dps" => c.spasm_tremble_active_dps = v,
            "spasm_tremble_reversals_per_s" => c.spasm_tremble_reversals_per_s = v,
            "spasm_tremble_reversing_share" => c.spasm_tremble_reversing_share = v,
            "spasm_tremble_min_duration_ms" => c.spasm_tremble_min_duration_ms = v,
            other => return Err(format!("unknown config field {other}")),
        }
    }
    Ok(c)
}

/// One twitch candidate of a labelled case, for the acceptance model's trainer
/// (`lab/train/train_twitch_model.py`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TwitchCandidateRow {
    pub case: String,
    /// 1 when the candidate matches a labelled fasciculation (as the scorer matches events).
    pub is_twitch: u8,
    /// 1 when it passed the hard gates; only those are judged by the model (and fitted on).
    pub gated: u8,
    /// Peak of the matched label at the sensor, g (0 when unmatched).
    pub label_amplitude_g: f32,
    pub log10_margin: f32,
    pub bumps_wide: f32,
    pub bumps_near: f32,
    pub busy_hops: f32,
    pub duration_100ms: f32,
    pub bumps_around: f32,
    pub probability: f32,
}

/// Every twitch candidate in the twitch, everyday and voluntary cases of a split. Candidates in tremor, spasm and mixed cases are left
/// out: there a label of another kind may sit under them.
pub fn twitch_candidate_rows(
    split: Split,
    config: &ClassifierConfig,
) -> Result<Vec<TwitchCandidateRow>, EvalError> {
    let config = ClassifierConfig {
        record_twitch_candidates: true,
        ..config.clone()
    };
    let mut rows = Vec::new();
    for case in suite(split) {
        if !matches!(
            case.group,
            CaseGroup::Twitch | CaseGroup::VoluntaryOnly | CaseGroup::Everyday(_)
        ) {
            continue;
        }
        let (labels, out, _) = run_case(&case, &config)?;
        let tol = tolerance_ms(MotorEventKind::Fasciculation);
        for c in &out.twitch_candidates {
            let as_event = MotorEvent {
                kind: MotorEventKind::Fasciculation,
                start_ms: c.start_ms,
                end_ms: c.end_ms,
                peak_accel_g: c.peak_g,
                dominant_freq_hz: None,
                confidence: 0.0,
            };
            let matched = labels
                .iter()
                .filter(|l| l.kind == MotorEventKind::Fasciculation)
                .find(|l| overlaps(&as_event, l, tol));
            let f = c.features;
            rows.push(TwitchCandidateRow {
                case: case.name.clone(),
                is_twitch: u8::from(matched.is_some()),
                gated: u8::from(c.gated),
                label_amplitude_g: matched.map_or(0.0, |l| l.amplitude_g),
                log10_margin: f.log10_margin,
                bumps_wide: f.bumps_wide,
                bumps_near: f.bumps_near,
                busy_hops: f.busy_hops,
                duration_100ms: f.duration_100ms,
                bumps_around: f.bumps_around,
                probability: c.probability,
            });
        }
    }
    Ok(rows)
}

/// Simulate and classify one case.
pub fn run_case(
    case: &EvalCase,
    config: &ClassifierConfig,
) -> Result<(Vec<LabelledEvent>, ClassifierOutput, u64), EvalError> {
    let (sim, out, samples) = run_case_observed(case, config, |_| {})?;
    Ok((sim.labels().to_vec(), out, samples))
}

/// [`run_case`], showing each simulated batch to `on_batch` before it is classified (a diagnosis
/// that needs the samples themselves); the simulator is returned for its labels and plans.
pub fn run_case_observed(
    case: &EvalCase,
    config: &ClassifierConfig,
    mut on_batch: impl FnMut(&SensorBatch),
) -> Result<(Simulator, ClassifierOutput, u64), EvalError> {
    let mut sim =
        Simulator::new(&case.scenario, case.sim.clone()).map_err(|e| EvalError::Simulator {
            case: case.name.clone(),
            reason: e.to_string(),
        })?;
    let mut classifier = StreamingClassifier::new(config.clone());
    let mut out = ClassifierOutput::new();
    let mut events = Vec::new();
    let mut minutes = Vec::new();
    let mut twitch_candidates = Vec::new();
    let per_batch = ((case.sim.sample_rate_hz / 10.0) as usize).max(1);
    let mut samples = 0u64;
    while let Some(batch) = sim.next_batch(per_batch) {
        samples += batch.len() as u64;
        on_batch(&batch);
        classifier
            .push_batch(&batch, &mut out)
            .map_err(|e| EvalError::Classifier {
                case: case.name.clone(),
                reason: e.to_string(),
            })?;
        events.append(&mut out.events);
        minutes.append(&mut out.minutes);
        twitch_candidates.append(&mut out.twitch_candidates);
    }
    classifier.finish(&mut out);
    events.append(&mut out.events);
    minutes.append(&mut out.minutes);
    twitch_candidates.append(&mut out.twitch_candidates);
    events.sort_by_key(|e| e.start_ms);
    Ok((
        sim,
        ClassifierOutput {
            events,
            minutes,
            twitch_candidates,
        },
        samples,
    ))
}

/// The split named by a lab tool's first argument (TUNING when there is none) and the default
/// classifier config with the `TW_CFG` overrides, or the message to print.
pub fn split_and_config_from_env() -> Result<(Split, ClassifierConfig), String> {
    let split: Split = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "tuning".into())
        .parse()?;
    let config = config_with_overrides(&std::env::var("TW_CFG").unwrap_or_default())
        .map_err(|e| format!("TW_CFG: {e}"))?;
    Ok((split, config))
}

/// Run a whole split.
pub fn evaluate(split: Split, config: &ClassifierConfig) -> Result<EvalReport, EvalError> {
    let mut report = EvalReport {
        split: Some(split),
        ..EvalReport::default()
    };
    for case in suite(split) {
        let (labels, out, samples) = run_case(&case, config)?;
        report.samples += samples;
        score_case(
            &case,
            &labels,
            &out.events,
            case.scenario.duration_s(),
            &mut report,
        );
    }
    Ok(report)
}

fn percentile(v: &[f32], p: f32) -> f32 {
    if v.is_empty() {
        return f32::NAN;
    }
    let mut s: Vec<f32> = v.iter().map(|x| x.abs()).collect();
    s.sort_by(f32::total_cmp);
    let i = ((s.len() - 1) as f32 * p).round() as usize;
    s[i.min(s.len() - 1)]
}

impl EvalReport {
    /// All rates together, per class.
    pub fn totals(&self) -> [ClassCounts; 3] {
        let mut t = [ClassCounts::default(); 3];
        for rate in &self.per_rate {
            for (k, c) in rate.iter().enumerate() {
                t[k].add(c);
            }
        }
        t
    }

    /// Fraction of matched tremor events whose frequency is within ±0.3 Hz of the label.
    pub fn tremor_freq_within_0_3(&self) -> f32 {
        let n = self.tremor_freq_errors_hz.len() as u32;
        ratio(
            self.tremor_freq_errors_hz
                .iter()
                .filter(|e| e.abs() <= 0.3)
                .count() as u32,
            n,
        )
    }

    pub fn false_events_per_hour(&self) -> f64 {
        if self.voluntary_hours == 0.0 {
            0.0
        } else {
            f64::from(self.voluntary_false_events) / self.voluntary_hours
        }
    }

    /// Precision of class `k` (0 twitch, 1 tremor, 2 spasm) when further pieces of a bout already
    /// found count as false: one bout reported as three is two false reports to the user.
    pub fn precision_counting_fragments(&self, k: usize) -> f32 {
        let c = &self.totals()[k];
        ratio(
            c.detections_matched.saturating_sub(self.fragments[k]),
            c.detections,
        )
    }

    /// Lowest F1 of a class over the rates that have labels of it.
    pub fn min_f1_over_rates(&self, kind: MotorEventKind) -> f32 {
        let k = class_index(Some(kind));
        self.per_rate
            .iter()
            .filter(|r| r[k].labels > 0)
            .map(|r| r[k].f1())
            .fold(f32::INFINITY, f32::min)
    }

    /// The one table `twitchwatch evaluate` prints.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let split = self.split.map(|s| s.to_string()).unwrap_or_default();
        let _ = writeln!(
            s,
            "TwitchWatch classifier evaluation — split: {split}, {} cases, {} samples",
            self.cases, self.samples
        );
        let _ = writeln!(s, "\nEvent detection (P / R / F1, labels) per sample rate");
        let _ = writeln!(
            s,
            "{:<14}{:>26}{:>26}{:>26}",
            "rate", "fasciculation", "tremor", "spasm"
        );
        let cell = |c: &ClassCounts| {
            if c.labels == 0 && c.detections == 0 {
                "-".to_string()
            } else {
                format!(
                    "{:.2} / {:.2} / {:.2} ({})",
                    c.precision(),
                    c.recall(),
                    c.f1(),
                    c.labels
                )
            }
        };
        for (ri, rate) in RATES_HZ.iter().enumerate() {
            let r = &self.per_rate[ri];
            if r.iter().all(|c| c.labels == 0 && c.detections == 0) {
                continue;
            }
            let _ = writeln!(
                s,
                "{:<14}{:>26}{:>26}{:>26}",
                format!("{rate} Hz"),
                cell(&r[0]),
                cell(&r[1]),
                cell(&r[2])
            );
        }
        let t = self.totals();
        let _ = writeln!(
            s,
            "{:<14}{:>26}{:>26}{:>26}",
            "all",
            cell(&t[0]),
            cell(&t[1]),
            cell(&t[2])
        );
        for (k, name) in [(1usize, "tremor"), (2, "spasm")] {
            let strict = self.precision_counting_fragments(k);
            let _ = writeln!(
                s,
                "{name}: {} fragments (further pieces of a bout already found); precision counting them as false {strict:.2}",
                self.fragments[k]
            );
        }
        let _ = writeln!(
            s,
            "fasciculation target set (back of hand, rest, >=200 Hz, >=5 mg): P {:.2} R {:.2} F1 {:.2} ({} labels)",
            self.twitch_target.precision(),
            self.twitch_target.recall(),
            self.twitch_target.f1(),
            self.twitch_target.labels
        );

        let _ = writeln!(
            s,
            "\nConfusion (rows truth, columns detected; 'none' row = detections with no label)"
        );
        let names = ["fasciculation", "tremor", "spasm", "none"];
        let _ = writeln!(
            s,
            "{:<16}{:>14}{:>10}{:>10}{:>10}",
            "", names[0], names[1], names[2], names[3]
        );
        for (i, row) in self.confusion.iter().enumerate() {
            let _ = writeln!(
                s,
                "{:<16}{:>14}{:>10}{:>10}{:>10}",
                names[i], row[0], row[1], row[2], row[3]
            );
        }

        let fe = &self.tremor_freq_errors_hz;
        let _ = writeln!(
            s,
            "\nTremor frequency error: median {:.2} Hz, p95 {:.2} Hz, within ±0.3 Hz {:.1}% ({} events)",
            percentile(fe, 0.5),
            percentile(fe, 0.95),
            100.0 * self.tremor_freq_within_0_3(),
            fe.len()
        );
        for (k, name) in names.iter().take(3).enumerate() {
            let o = &self.onset_errors_ms[k];
            let _ = writeln!(
                s,
                "Onset error {name:<14} median {:>6.0} ms, p95 {:>6.0} ms ({} events)",
                percentile(o, 0.5),
                percentile(o, 0.95),
                o.len()
            );
        }
        let _ = writeln!(
            s,
            "False events in voluntary-movement/rest-only recordings: {} in {:.2} h = {:.2} per hour",
            self.voluntary_false_events,
            self.voluntary_hours,
            self.false_events_per_hour()
        );
        let [ft, fr, fsp] = self.healthy_false_by_kind;
        let per_h = |n: u32| {
            if self.voluntary_hours > 0.0 {
                f64::from(n) / self.voluntary_hours
            } else {
                0.0
            }
        };
        let _ = writeln!(
            s,
            "  by kind: {:.2} twitches/h, {:.2} tremor/h, {:.2} spasms/h (tremor or spasm {:.2}/h)",
            per_h(ft),
            per_h(fr),
            per_h(fsp),
            per_h(fr + fsp)
        );
        if self.everyday.iter().any(|e| e.0 > 0.0) {
            let _ = writeln!(
                s,
                "\nEveryday tasks of healthy hands: false events per hour (twitch / tremor / spasm)"
            );
            for (ti, (hours, k)) in self.everyday.iter().enumerate() {
                if *hours <= 0.0 {
                    continue;
                }
                let _ = writeln!(
                    s,
                    "{:<18}{:>6.2} h {:>8.2} {:>8.2} {:>8.2}",
                    format!("{:?}", EverydayTask::ALL[ti]),
                    hours,
                    f64::from(k[0]) / hours,
                    f64::from(k[1]) / hours,
                    f64::from(k[2]) / hours
                );
            }
        }
        for (name, n) in &self.false_event_cases {
            let _ = writeln!(s, "    {name}: {n}");
        }
        let ts = &self.twitch_strong;
        let _ = writeln!(
            s,
            "\nTwitches at rest, >= 10x sensor noise: P {:.2} R {:.2} F1 {:.2} ({} labels)",
            ts.precision(),
            ts.recall(),
            ts.f1(),
            ts.labels
        );
        let mut line = String::from("Twitch recall by shape:");
        for (si, &(n, found)) in self.twitch_by_shape.iter().enumerate() {
            if n > 0 {
                line += &format!(
                    " {:?} {:.2} ({n})",
                    TwitchShape::ALL[si],
                    found as f32 / n as f32
                );
            }
        }
        let _ = writeln!(s, "{line}");

        let _ = writeln!(
            s,
            "\nFasciculation recall by twitch size (label amplitude at the sensor) and rate"
        );
        for (pi, place) in ["back of hand", "wrist"].iter().enumerate() {
            let mut header = format!("{place:<14}");
            for (a, b) in TWITCH_BINS_MG {
                header += &format!("{:>12}", format!("{a}-{b} mg"));
            }
            let _ = writeln!(s, "{header}");
            for (ri, rate) in RATES_HZ.iter().enumerate() {
                let row = &self.twitch_curve[pi][ri];
                if row.iter().all(|c| c.0 == 0) {
                    continue;
                }
                let mut line = format!("{:<14}", format!("{rate} Hz"));
                for &(n, found) in row {
                    line += &format!(
                        "{:>12}",
                        if n == 0 {
                            "-".to_string()
                        } else {
                            format!("{:.2} ({n})", found as f32 / n as f32)
                        }
                    );
                }
                let _ = writeln!(s, "{line}");
            }
        }
        s
    }
}

/// What became of one labelled twitch: the diagnosis behind the recall figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TwitchLabelOutcome {
    pub case: String,
    pub rate_hz: f32,
    pub wrist: bool,
    pub shape: String,
    pub amplitude_mg: f32,
    /// The label is at least ten times the sensor's white noise (the target's population).
    pub strong: bool,
    /// `no_candidate`, the refusing gate (`hop_not_at_rest`, `spasm_near`, `burst`,
    /// `moved_before`), `model` (weighed and rejected) or `found`.
    pub outcome: &'static str,
    pub probability: f32,
    pub log10_margin: f32,
    pub bumps_wide: f32,
    pub bumps_near: f32,
    pub busy_hops: f32,
    pub duration_100ms: f32,
    pub bumps_around: f32,
    /// Seconds to the nearest other twitch label.
    pub neighbour_s: f32,
    /// Onset of the nearest candidate within ±1 s, relative to the label's, ms (empty if none).
    pub nearest_candidate_ms: Option<i64>,
    /// Peak of the 3–30 Hz band-passed acceleration vector in the 400 ms from the label's onset, mg:
    /// what is left of the twitch in the band the detector watches.
    pub band_peak_mg: f32,
    /// RMS of the same band over 2.5 s–0.3 s before the onset, mg: the wearer's floor there.
    pub floor_rms_mg: f32,
    /// Highest value of the same band over that stretch, mg: the floor's own largest peak.
    pub floor_peak_mg: f32,
}

/// The 3–30 Hz band (30 Hz or 0.45 × the rate, whichever is lower) of an accelerometer stream,
/// as the vector magnitude per sample; computed here, not by the classifier, so that a recall
/// diagnosis says what the sensor saw.
fn twitch_band_magnitude(accel: &[[f32; 3]], fs: f32) -> Vec<f32> {
    use biquad::{Biquad, Coefficients, DirectForm2Transposed, ToHertz, Type, Q_BUTTERWORTH_F32};
    let design = |kind, hz: f32| {
        Coefficients::<f32>::from_params(kind, fs.hz(), hz.hz(), Q_BUTTERWORTH_F32)
            .expect("corners below Nyquist at every simulated rate")
    };
    let high = design(Type::HighPass, 3.0);
    let low = design(Type::LowPass, 30f32.min(0.45 * fs));
    let mut filters = [(
        DirectForm2Transposed::<f32>::new(high),
        DirectForm2Transposed::<f32>::new(low),
    ); 3];
    accel
        .iter()
        .map(|a| {
            let mut ss = 0.0;
            for (v, (h, l)) in a.iter().zip(filters.iter_mut()) {
                ss += l.run(h.run(*v)).powi(2);
            }
            ss.sqrt()
        })
        .collect()
}

fn rms(s: &[f32]) -> f32 {
    (s.iter().map(|v| v * v).sum::<f32>() / s.len().max(1) as f32).sqrt()
}

/// Every twitch label of a split's twitch cases with what the classifier (`config`) did with it.
pub fn twitch_label_outcomes(
    split: Split,
    config: &ClassifierConfig,
) -> Result<Vec<TwitchLabelOutcome>, EvalError> {
    use twitchwatch_classify::TwitchGate;
    let config = ClassifierConfig {
        record_twitch_candidates: true,
        ..config.clone()
    };
    let mut rows = Vec::new();
    let tol = tolerance_ms(MotorEventKind::Fasciculation);
    for case in suite(split) {
        if case.group != CaseGroup::Twitch {
            continue;
        }
        let mut rec = Recording::new(case.sim.sample_rate_hz);
        let (sim, out, _) = run_case_observed(&case, &config, |batch| rec.observe(batch))?;
        let labels = sim.labels();
        let band = twitch_band_magnitude(&rec.accel, rec.fs);
        let span = |from_ms: i64, to_ms: i64| &band[rec.index(from_ms)..rec.index(to_ms)];
        let peak = |s: &[f32]| s.iter().fold(0.0f32, |m, v| m.max(*v));
        let twitches: Vec<&LabelledEvent> = labels
            .iter()
            .filter(|l| l.kind == MotorEventKind::Fasciculation)
            .collect();
        for l in &twitches {
            let floor = span(l.start_ms - 2500, l.start_ms - 300);
            let cand = out
                .twitch_candidates
                .iter()
                .filter(|c| (c.start_ms - l.start_ms).abs() <= tol)
                .min_by_key(|c| (c.start_ms - l.start_ms).abs());
            let outcome = match cand {
                None => "no_candidate",
                Some(c) if c.accepted => "found",
                Some(c) => match c.refused_by {
                    Some(TwitchGate::HopNotAtRest) => "hop_not_at_rest",
                    Some(TwitchGate::SpasmNear) => "spasm_near",
                    Some(TwitchGate::Burst) => "burst",
                    Some(TwitchGate::MovedBefore) => "moved_before",
                    None => "model",
                },
            };
            let neighbour_s = twitches
                .iter()
                .filter(|o| o.start_ms != l.start_ms)
                .map(|o| (o.start_ms - l.start_ms).abs())
                .min()
                .map_or(f32::INFINITY, |d| d as f32 / 1000.0);
            let f = cand.map(|c| c.features).unwrap_or_default();
            let nearest_candidate_ms = out
                .twitch_candidates
                .iter()
                .map(|c| c.start_ms - l.start_ms)
                .filter(|d| d.abs() <= 1000)
                .min_by_key(|d| d.abs());
            rows.push(TwitchLabelOutcome {
                case: case.name.clone(),
                rate_hz: case.sim.sample_rate_hz,
                wrist: case.sim.placement == Placement::Wrist,
                shape: case
                    .sim
                    .twitch_shape
                    .map_or("random".into(), |s| format!("{s:?}")),
                amplitude_mg: l.amplitude_g * 1000.0,
                strong: l.amplitude_g >= 10.0 * case.sim.accel_noise_g_rms,
                outcome,
                probability: cand.map_or(0.0, |c| c.probability),
                log10_margin: f.log10_margin,
                bumps_wide: f.bumps_wide,
                bumps_near: f.bumps_near,
                busy_hops: f.busy_hops,
                duration_100ms: f.duration_100ms,
                bumps_around: f.bumps_around,
                neighbour_s,
                nearest_candidate_ms,
                band_peak_mg: 1000.0 * peak(span(l.start_ms, l.start_ms + 400)),
                floor_rms_mg: 1000.0 * rms(floor),
                floor_peak_mg: 1000.0 * peak(floor),
            });
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::twitch_band_magnitude;

    /// The twitch-band magnitude of a 0.5 s stretch, after a 4 s settling run, for a sine of
    /// `amplitude_g` at `hz` on one axis.
    fn settled_peak(fs: f32, hz: f32, amplitude_g: f32) -> f32 {
        let n = (4.5 * fs) as usize;
        let accel: Vec<[f32; 3]> = (0..n)
            .map(|i| {
                let t = i as f32 / fs;
                [
                    amplitude_g * (std::f32::consts::TAU * hz * t).sin(),
                    0.0,
                    1.0,
                ]
            })
            .collect();
        let band = twitch_band_magnitude(&accel, fs);
        band[(4.0 * fs) as usize..]
            .iter()
            .fold(0.0, |m, v| m.max(*v))
    }

    #[test]
    fn the_twitch_band_keeps_10_hz_and_drops_gravity_and_slow_movement() {
        for fs in [50.0, 100.0, 1000.0] {
            let in_band = settled_peak(fs, 10.0, 0.010);
            assert!(
                (0.008..0.0105).contains(&in_band),
                "{fs} Hz: 10 Hz kept as {in_band}"
            );
            let slow = settled_peak(fs, 0.5, 0.010);
            assert!(slow < 0.0005, "{fs} Hz: 0.5 Hz and gravity left {slow}");
        }
    }
}
