//! Scenarios: what the simulated person does (voluntary activity per segment) and what their hand does
//! involuntarily, plus the built-in library used by the CLI demo, tests and the evaluation suite.

use serde::{Deserialize, Serialize};

use super::SimError;
use twitchwatch_model::Activity;

/// An involuntary movement injected during a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Involuntary {
    /// Fasciculations at Poisson-random times. Amplitude (as it would be on the back of the hand) is
    /// drawn log-uniformly from the range; a wrist sensor sees 3–5× less.
    Twitches {
        rate_per_min: f32,
        amplitude_mg: (f32, f32),
    },
    /// Tremor bouts separated by gaps; the segment starts with a gap. Frequency wanders ±0.2 Hz and
    /// amplitude ±25 % around the values given.
    Tremor {
        freq_hz: f32,
        amplitude_mg: f32,
        bout_s: (f32, f32),
        gap_s: (f32, f32),
    },
    /// Tremor through the whole segment. Consecutive segments with the same frequency and amplitude
    /// form ONE bout (one label): this is how a tremor continues while the hand moves.
    TremorContinuous { freq_hz: f32, amplitude_mg: f32 },
    /// One spasm at a random time inside the segment.
    Spasm { duration_s: f32, amplitude_g: f32 },
    /// One spasm starting `start_s` after the segment starts.
    SpasmAt {
        start_s: f32,
        duration_s: f32,
        amplitude_g: f32,
    },
}

/// The everyday hand activities that signals.md lists as things a healthy hand does all day and
/// that must never be flagged. Each is built from smooth movements, finger impacts and bursts of
/// voluntary rhythm at the rates and sizes the task implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EverydayTask {
    Mouse,
    Touchpad,
    PhoneScrolling,
    PhoneTyping,
    KeyboardTyping,
    Reading,
    Eating,
    Drinking,
    Scratching,
    Fidgeting,
    PhoneCall,
    Writing,
}

impl EverydayTask {
    pub const ALL: [EverydayTask; 12] = [
        EverydayTask::Mouse,
        EverydayTask::Touchpad,
        EverydayTask::PhoneScrolling,
        EverydayTask::PhoneTyping,
        EverydayTask::KeyboardTyping,
        EverydayTask::Reading,
        EverydayTask::Eating,
        EverydayTask::Drinking,
        EverydayTask::Scratching,
        EverydayTask::Fidgeting,
        EverydayTask::PhoneCall,
        EverydayTask::Writing,
    ];

    /// The coarse activity label the product knows for this task.
    pub fn activity(self) -> Activity {
        match self {
            EverydayTask::Mouse
            | EverydayTask::Touchpad
            | EverydayTask::PhoneScrolling
            | EverydayTask::PhoneTyping
            | EverydayTask::KeyboardTyping => Activity::Typing,
            EverydayTask::Writing => Activity::Writing,
            EverydayTask::Eating | EverydayTask::Drinking => Activity::Reaching,
            EverydayTask::Reading
            | EverydayTask::Scratching
            | EverydayTask::Fidgeting
            | EverydayTask::PhoneCall => Activity::Rest,
        }
    }
}

/// A stretch of time with one voluntary activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub duration_s: f32,
    pub activity: Activity,
    /// The everyday task in detail, when the segment is one (its `activity` is then the task's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task: Option<EverydayTask>,
    #[serde(default)]
    pub involuntary: Vec<Involuntary>,
}

impl Segment {
    pub fn new(duration_s: f32, activity: Activity) -> Segment {
        Segment {
            duration_s,
            activity,
            task: None,
            involuntary: Vec::new(),
        }
    }

    /// A segment of an everyday task.
    pub fn everyday(duration_s: f32, task: EverydayTask) -> Segment {
        Segment {
            task: Some(task),
            ..Segment::new(duration_s, task.activity())
        }
    }

    pub fn with(mut self, involuntary: Involuntary) -> Segment {
        self.involuntary.push(involuntary);
        self
    }
}

/// A named sequence of segments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub segments: Vec<Segment>,
}

impl Scenario {
    pub fn duration_s(&self) -> f64 {
        self.segments.iter().map(|s| f64::from(s.duration_s)).sum()
    }

    /// Name, description and length, for a picker.
    pub fn info(&self) -> twitchwatch_model::ScenarioInfo {
        twitchwatch_model::ScenarioInfo {
            name: self.name.clone(),
            description: self.description.clone(),
            duration_s: self.duration_s(),
        }
    }

    /// The same scenario cut (or repeated from the start) to `duration_s` seconds. Spasms that no
    /// longer fit the cut segment are left out. A non-positive or non-finite duration leaves the
    /// scenario as it is (the simulator would reject it anyway).
    pub fn with_duration(mut self, duration_s: f32) -> Scenario {
        let total = self.duration_s() as f32;
        let segments_ok = self
            .segments
            .iter()
            .all(|s| s.duration_s.is_finite() && s.duration_s >= 1.0);
        if !(duration_s.is_finite() && duration_s > 0.0 && total > 0.0 && segments_ok) {
            return self;
        }
        if f64::from(duration_s) > super::MAX_SCENARIO_S {
            // Too long to simulate: keep it that long so that the simulator says so.
            if let Some(first) = self.segments.first_mut() {
                first.duration_s = duration_s;
            }
            self.segments.truncate(1);
            return self;
        }
        let original = std::mem::take(&mut self.segments);
        let mut left = duration_s;
        'outer: loop {
            for seg in &original {
                if left <= 0.0 {
                    break 'outer;
                }
                // A segment shorter than 1 s is not allowed: give the remainder to the previous one.
                if left < 1.0 {
                    if let Some(last) = self.segments.last_mut() {
                        last.duration_s += left;
                        break 'outer;
                    }
                }
                let mut s = seg.clone();
                if s.duration_s > left {
                    s.duration_s = left.max(1.0);
                    let d = s.duration_s;
                    s.involuntary.retain(|inv| match *inv {
                        Involuntary::Spasm { duration_s, .. } => duration_s <= d,
                        Involuntary::SpasmAt {
                            start_s,
                            duration_s,
                            ..
                        } => start_s + duration_s <= d,
                        _ => true,
                    });
                }
                left -= s.duration_s;
                self.segments.push(s);
            }
        }
        self
    }
}

/// Names accepted by [`builtin_scenario`].
pub const BUILTIN_SCENARIO_NAMES: [&str; 11] = [
    "rest",
    "typing",
    "writing",
    "walking",
    "reaching",
    "twitches",
    "tremor",
    "spasm",
    "mixed",
    "tremor-with-movement",
    "not-worn",
];

fn scenario(name: &str, description: &str, segments: Vec<Segment>) -> Scenario {
    Scenario {
        name: name.to_string(),
        description: description.to_string(),
        segments,
    }
}

fn twitches(rate_per_min: f32, lo_mg: f32, hi_mg: f32) -> Involuntary {
    Involuntary::Twitches {
        rate_per_min,
        amplitude_mg: (lo_mg, hi_mg),
    }
}

/// Every built-in scenario, in the order of [`BUILTIN_SCENARIO_NAMES`].
pub fn builtin_scenarios() -> Vec<Scenario> {
    use Activity::*;
    vec![
        scenario(
            "rest",
            "Hand resting in the lap for 5 minutes: sensor noise and slow drift only.",
            vec![Segment::new(300.0, Rest)],
        ),
        scenario(
            "typing",
            "5 minutes of typing: irregular finger taps and hand shifts, no involuntary movement.",
            vec![Segment::new(300.0, Typing)],
        ),
        scenario(
            "writing",
            "5 minutes of handwriting: small 1–5 Hz pen strokes, no involuntary movement.",
            vec![Segment::new(300.0, Writing)],
        ),
        scenario(
            "walking",
            "5 minutes of walking with arm swing, no involuntary movement.",
            vec![Segment::new(300.0, Walking)],
        ),
        scenario(
            "reaching",
            "3 minutes of reaching for things, resting between reaches; no involuntary movement.",
            vec![Segment::new(180.0, Reaching)],
        ),
        scenario(
            "twitches",
            "5 minutes at rest with fasciculations (about 6 a minute, 3–30 mg).",
            vec![Segment::new(300.0, Rest).with(twitches(6.0, 3.0, 30.0))],
        ),
        scenario(
            "tremor",
            "5 minutes at rest with 5 Hz rest tremor bouts (60 mg, 10–40 s bouts).",
            vec![Segment::new(300.0, Rest).with(Involuntary::Tremor {
                freq_hz: 5.0,
                amplitude_mg: 60.0,
                bout_s: (10.0, 40.0),
                gap_s: (10.0, 30.0),
            })],
        ),
        scenario(
            "spasm",
            "Rest, then a 10 s spasm (0.8 g), rest, then a 6 s spasm (0.4 g).",
            vec![
                Segment::new(30.0, Rest),
                Segment::new(30.0, Rest).with(Involuntary::SpasmAt {
                    start_s: 10.0,
                    duration_s: 10.0,
                    amplitude_g: 0.8,
                }),
                Segment::new(30.0, Rest).with(Involuntary::SpasmAt {
                    start_s: 15.0,
                    duration_s: 6.0,
                    amplitude_g: 0.4,
                }),
                Segment::new(15.0, Rest),
            ],
        ),
        scenario(
            "mixed",
            "The demo: about 5 minutes of everything — twitches at rest, typing, tremor, walking, \
             reaching, a spasm, writing.",
            vec![
                Segment::new(40.0, Rest).with(twitches(8.0, 5.0, 40.0)),
                Segment::new(35.0, Typing),
                Segment::new(45.0, Rest).with(Involuntary::Tremor {
                    freq_hz: 5.5,
                    amplitude_mg: 80.0,
                    bout_s: (15.0, 25.0),
                    gap_s: (5.0, 10.0),
                }),
                Segment::new(30.0, Walking),
                Segment::new(25.0, Reaching),
                Segment::new(30.0, Rest).with(Involuntary::SpasmAt {
                    start_s: 10.0,
                    duration_s: 6.0,
                    amplitude_g: 0.7,
                }),
                Segment::new(30.0, Writing),
                Segment::new(45.0, Rest)
                    .with(twitches(6.0, 5.0, 30.0))
                    .with(Involuntary::Tremor {
                        freq_hz: 9.0,
                        amplitude_mg: 25.0,
                        bout_s: (10.0, 15.0),
                        gap_s: (15.0, 20.0),
                    }),
            ],
        ),
        scenario(
            "tremor-with-movement",
            "A 4.5 Hz tremor bout that goes on while the hand reaches for something in the middle of it \
             (one label across the movement).",
            vec![
                Segment::new(10.0, Rest),
                Segment::new(20.0, Rest).with(Involuntary::TremorContinuous {
                    freq_hz: 4.5,
                    amplitude_mg: 70.0,
                }),
                Segment::new(6.0, Reaching).with(Involuntary::TremorContinuous {
                    freq_hz: 4.5,
                    amplitude_mg: 70.0,
                }),
                Segment::new(20.0, Rest).with(Involuntary::TremorContinuous {
                    freq_hz: 4.5,
                    amplitude_mg: 70.0,
                }),
                Segment::new(14.0, Rest),
            ],
        ),
        scenario(
            "not-worn",
            "The sensor lies flat on a table for 2 minutes.",
            vec![Segment::new(120.0, NotWorn)],
        ),
    ]
}

/// One built-in scenario by name.
pub fn builtin_scenario(name: &str) -> Result<Scenario, SimError> {
    builtin_scenarios()
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| SimError::UnknownScenario {
            name: name.to_string(),
            valid: BUILTIN_SCENARIO_NAMES.join(", "),
        })
}
