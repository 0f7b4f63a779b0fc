//! The active-task screens: the list of tasks with each hand's standing against its own baseline, the
//! instructions a shell shows before a task, what the grip proxy can and cannot tell, and recording a
//! finished task (the core measures it; the rules run at once).

use super::format::{day_label, moment_label};
use super::{ScreenError, ScreenModel};
use crate::monitor::TaskRecordError;
use twitchwatch_model::TimestampMs;
use twitchwatch_store::local_date;
use twitchwatch_tasks::{
    grip, GripInput, Hand, Metric, SessionStatus, TappingInput, TaskError, TaskKind, TaskMeasures,
    TaskResult, TaskStore, TaskTrend, TremorInput, WorseWhen,
};

/// One hand's standing on one task, on the task's headline measure.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HandTaskView {
    pub hand: Hand,
    /// "Left", "Right".
    pub hand_label: String,
    pub metric: Metric,
    pub sessions: u32,
    /// Sessions still needed before a baseline exists (0 once it does).
    pub baseline_sessions_needed: u32,
    pub latest_value: Option<f64>,
    /// "Thu 2 Jul, 09:00".
    pub latest_at: Option<String>,
    pub latest_status: Option<SessionStatus>,
    /// A sustained decline against the baseline is going on.
    pub declining: bool,
    /// One sentence: "Baseline after 2 more sessions", "Within your usual range (78–118)", …
    pub summary: String,
}

/// One task as the list shows it.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaskCard {
    pub kind: TaskKind,
    pub title: String,
    pub instructions: String,
    pub duration_s: u32,
    /// Needs the wearable (tremor tasks) rather than the phone alone.
    pub needs_wearable: bool,
    pub hands: Vec<HandTaskView>,
    /// The card's button: "Start (20 s)".
    pub start_label: String,
    /// Why the task cannot run yet (a tremor task while the wearable is not streaming); `None` when it can.
    pub not_ready_note: Option<String>,
}

/// A hand as the task screens offer it, in the order they offer them (right first).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HandOption {
    pub hand: Hand,
    /// "Right".
    pub label: String,
    /// "Start: Right hand" (tapping, tremor tasks).
    pub start_label: String,
    /// "Start the hold: Right hand" (grip).
    pub hold_start_label: String,
}

/// The grip task's self-rating question and its scale.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct GripQuestion {
    pub question: String,
    pub lowest: u8,
    pub highest: u8,
    /// Preselected before the person moves the slider.
    pub initial: u8,
    /// "0 = cannot grip"
    pub lowest_label: String,
    /// "10 = as strong as ever"
    pub highest_label: String,
}

/// The running task screens' fixed texts; counting ones come from [`tapping_progress_label`],
/// [`hold_progress_label`] and [`seconds_left_label`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaskRunTexts {
    pub hands: Vec<HandOption>,
    /// The hand picker's accessibility label.
    pub hand_picker_label: String,
    pub saving_label: String,
    pub both_hands_done: String,
    pub lowered_label: String,
    pub save_label: String,
    pub cancel_label: String,
    pub no_accelerometer_note: String,
    pub grip_question: GripQuestion,
    /// Shown when a task's screen is asked for a kind the list does not have.
    pub unknown_task: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TasksState {
    pub cards: Vec<TaskCard>,
    /// "Latest finger tapping: the left hand made 12 % fewer taps than the right."
    pub tapping_asymmetry: Option<String>,
    /// Shown on the grip task and beside its results.
    pub grip_proxy_limits: String,
    /// How the change criterion works, in one paragraph.
    pub baseline_explanation: String,
    pub texts: TaskRunTexts,
}

/// What a shell shows when a task is done.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaskOutcome {
    pub result: TaskResult,
    /// "92 taps in 20 s", "rhythm variability 0.08", …
    pub lines: Vec<String>,
    /// Red-flag alerts raised by this result (the shell's alert listener has them too).
    pub alerts_raised: u32,
    pub standing: HandTaskView,
    /// The result's hand, as its card's heading: "Right".
    pub hand_label: String,
}

fn hand_label(hand: Hand) -> &'static str {
    match hand {
        Hand::Left => "Left",
        Hand::Right => "Right",
    }
}

fn run_texts() -> TaskRunTexts {
    TaskRunTexts {
        hands: [Hand::Right, Hand::Left]
            .into_iter()
            .map(|hand| HandOption {
                hand,
                label: hand_label(hand).into(),
                start_label: format!("Start: {} hand", hand_label(hand)),
                hold_start_label: format!("Start the hold: {} hand", hand_label(hand)),
            })
            .collect(),
        hand_picker_label: "Hand".into(),
        saving_label: "Saving…".into(),
        both_hands_done: "Both hands done.".into(),
        lowered_label: "I lowered it".into(),
        save_label: "Save".into(),
        cancel_label: "Cancel".into(),
        no_accelerometer_note: "This phone has no accelerometer: answer the grip question only."
            .into(),
        grip_question: GripQuestion {
            question: "How strong is your grip in this hand today?".into(),
            lowest: 0,
            highest: grip::SELF_RATED_GRIP_MAX,
            initial: grip::SELF_RATED_GRIP_MAX / 2,
            lowest_label: "0 = cannot grip".into(),
            highest_label: format!("{} = as strong as ever", grip::SELF_RATED_GRIP_MAX),
        },
        unknown_task: "This task is not available.".into(),
    }
}

/// The tapping task's line while it runs: "Right hand: 12 s left · 40 taps".
pub fn tapping_progress_label(hand: Hand, seconds_left: u32, taps: u32) -> String {
    format!(
        "{} hand: {seconds_left} s left · {taps} tap{}",
        hand_label(hand),
        if taps == 1 { "" } else { "s" }
    )
}

/// The grip hold's line while it runs: "Hold it… 12 s".
pub fn hold_progress_label(seconds_left: u32) -> String {
    format!("Hold it… {seconds_left} s")
}

/// A tremor task's countdown: "12 s".
pub fn seconds_left_label(seconds_left: u32) -> String {
    format!("{seconds_left} s")
}

fn instructions(kind: TaskKind) -> &'static str {
    match kind {
        TaskKind::Tapping => "Put the phone on a table. With the index finger of one hand, tap the two targets in turn as fast and as accurately as you can for 20 seconds. Then the other hand.",
        TaskKind::TremorRest => "Wear the sensor. Sit, rest both hands in your lap, relaxed, and keep them still for 30 seconds.",
        TaskKind::TremorOutstretched => "Wear the sensor. Hold both arms straight out in front of you, palms down, for 30 seconds.",
        TaskKind::TremorFingerToNose => "Wear the sensor. Touch your nose with the index finger, then stretch the arm out; repeat at an easy pace for 20 seconds. The sensor cannot judge tremor while the arm moves, so this task mostly shows how much of it was judged.",
        TaskKind::Grip => "Hold the phone in one hand at arm's length, arm straight, for 20 seconds (lower it earlier if you must), then say how strong your grip feels today. With a paired hand dynamometer, squeeze it as hard as you can.",
    }
}

/// The measure a card shows for a task. Grip: the dynamometer where one measured, else the hold,
/// else the self-rating, whichever this hand's sessions have.
fn headline(kind: TaskKind, results: &[TaskResult], hand: Hand) -> Metric {
    match kind {
        TaskKind::Tapping => Metric::TapCount,
        TaskKind::Grip => {
            let has = |m: Metric| {
                results
                    .iter()
                    .any(|r| r.hand == hand && r.kind() == TaskKind::Grip && r.value(m).is_some())
            };
            [Metric::DynamometerKg, Metric::HeldPercent]
                .into_iter()
                .find(|&m| has(m))
                .unwrap_or(Metric::SelfRatedGrip)
        }
        _ => Metric::TremorPercent,
    }
}

fn fmt(v: f64) -> String {
    if v.abs() >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

fn hand_view(t: &TaskTrend, tz: &jiff::tz::TimeZone) -> HandTaskView {
    let latest = t.points.last();
    let sessions = t.points.len() as u32;
    let needed = (twitchwatch_tasks::baseline::BASELINE_SESSIONS as u32).saturating_sub(sessions);
    let summary = match (&t.baseline, &t.decline, &t.improvement) {
        (None, _, _) => format!("Your baseline forms after {needed} more session(s)."),
        (Some(b), Some(d), _) => format!(
            "{} than your baseline in {} sessions on {} days since {} ({:+.0} %; usual range {}–{}). If this goes on, mention it to a doctor.",
            match t.metric.worse_when() {
                WorseWhen::Lower => "Lower",
                WorseWhen::Higher => "Higher",
            },
            d.sessions,
            d.days,
            day_label(local_date(tz, d.first_ms)),
            d.change_percent,
            fmt(b.low.max(0.0)),
            fmt(b.high)
        ),
        (Some(b), None, Some(_)) => format!(
            "Better than your baseline lately (usual range {}–{}).",
            fmt(b.low.max(0.0)),
            fmt(b.high)
        ),
        (Some(b), None, None) => format!(
            "Within your usual range ({}–{}).",
            fmt(b.low.max(0.0)),
            fmt(b.high)
        ),
    };
    HandTaskView {
        hand: t.hand,
        hand_label: hand_label(t.hand).into(),
        metric: t.metric,
        sessions,
        baseline_sessions_needed: needed,
        latest_value: latest.map(|p| p.value),
        latest_at: latest.map(|p| moment_label(tz, p.at_ms)),
        latest_status: latest.map(|p| p.status),
        declining: t.decline.is_some(),
        summary,
    }
}

fn outcome_lines(r: &TaskResult) -> Vec<String> {
    match &r.measures {
        TaskMeasures::Tapping { metrics: m } => {
            let mut v = vec![format!(
                "{} taps in {:.0} s",
                m.tap_count,
                m.duration_ms / 1000.0
            )];
            if let Some(cv) = m.interval_cv {
                v.push(format!("rhythm variability (CV) {cv:.2}"));
            }
            if let Some(a) = m.accuracy_mean_pt {
                v.push(format!("{a:.0} pt from the targets on average"));
            }
            if let Some(f) = m.fatigue_ratio {
                v.push(format!(
                    "last third {:.0} % of the first third's pace",
                    f * 100.0
                ));
            }
            v
        }
        TaskMeasures::Tremor { metrics: m, .. } => {
            let mut v = vec![format!(
                "tremor {:.0} % of the time",
                m.tremor_fraction * 100.0
            )];
            if let Some(f) = m.dominant_freq_hz {
                v.push(format!("at {f:.1} Hz"));
            }
            if let Some(a) = m.amplitude_g {
                v.push(format!("amplitude {:.0} mg", a * 1000.0));
            }
            v.push(format!(
                "sensor: {:.0} Hz, {} gap(s), {} samples lost; {:.0} % of the task judged",
                m.quality.effective_rate_hz,
                m.quality.gaps,
                m.quality.samples_lost,
                m.judged_fraction * 100.0
            ));
            v
        }
        TaskMeasures::Grip { measures: g } => {
            let mut v = Vec::new();
            if let Some(s) = &g.steadiness {
                v.push(format!(
                    "held {:.0} s, shake {:.0} mg, arm sag {:.0}°",
                    s.held_ms / 1000.0,
                    s.shake_rms_mg,
                    s.sag_deg
                ));
            }
            if let Some(r) = g.self_rated_grip_0_10 {
                v.push(format!("your grip today: {r}/10"));
            }
            if let Some(kg) = g.dynamometer_kg {
                v.push(format!("grip force {kg:.1} kg"));
            }
            v
        }
    }
}

/// A task error as the screens report it: refused input is the user's to fix, the store's own errors
/// stay typed.
fn screen_error(e: TaskRecordError) -> ScreenError {
    match e {
        TaskRecordError::Task(TaskError::Store(e)) => ScreenError::Store(e),
        TaskRecordError::Task(e) => ScreenError::InvalidInput(e.to_string()),
        TaskRecordError::Monitor(e) => ScreenError::Monitor(e),
    }
}

impl ScreenModel {
    fn task_trends(&self) -> Result<(Vec<TaskResult>, Vec<TaskTrend>), ScreenError> {
        let results = self.store().all_task_results()?;
        let params = self.monitor().alerts().params(self.store())?;
        let trends = twitchwatch_tasks::trends(
            &results,
            &params.task_change_criterion(),
            &self.store().time_zone(),
        );
        Ok((results, trends))
    }

    /// The task list with each hand's standing.
    pub fn tasks(&self) -> Result<TasksState, ScreenError> {
        let (results, trends) = self.task_trends()?;
        let tz = self.store().time_zone();
        // A tremor task records the wearable's stream, so the wearable must be streaming first.
        let streaming = self.wearable_streaming();
        let cards = TaskKind::ALL
            .iter()
            .map(|&kind| TaskCard {
                kind,
                title: kind.label().into(),
                instructions: instructions(kind).into(),
                duration_s: (kind.duration_ms() / 1000) as u32,
                needs_wearable: kind.is_tremor(),
                start_label: format!("Start ({} s)", kind.duration_ms() / 1000),
                not_ready_note: (kind.is_tremor() && !streaming).then(|| {
                    "Start monitoring with the sensor on (Today) before this task: it records the sensor's stream.".into()
                }),
                hands: Hand::ALL
                    .iter()
                    .filter_map(|&hand| {
                        let metric = headline(kind, &results, hand);
                        trends
                            .iter()
                            .find(|t| t.kind == kind && t.hand == hand && t.metric == metric)
                            .map(|t| hand_view(t, &tz))
                    })
                    .collect(),
            })
            .collect();
        let latest_taps = |hand: Hand| {
            results.iter().rev().find_map(|r| match &r.measures {
                TaskMeasures::Tapping { metrics } if r.hand == hand => Some(metrics),
                _ => None,
            })
        };
        let tapping_asymmetry = latest_taps(Hand::Left)
            .zip(latest_taps(Hand::Right))
            .map(|(l, r)| {
                let a = twitchwatch_tasks::asymmetry(l, r);
                format!(
                    "Latest finger tapping: left {} taps, right {} taps (asymmetry {:+.0} % of their mean).",
                    l.tap_count,
                    r.tap_count,
                    a.tap_count_index * 100.0
                )
            });
        Ok(TasksState {
            cards,
            tapping_asymmetry,
            grip_proxy_limits: grip::PROXY_LIMITS.into(),
            baseline_explanation: "Your first three sessions of each task and hand are your baseline. A later result counts as a change only when several sessions in a row, on different days, are clearly outside your usual range; one bad day never does.".into(),
            texts: run_texts(),
        })
    }

    /// Stores a task's result (or refuses the input that failed to become one) and runs the rules.
    fn record(
        &self,
        result: Result<TaskResult, TaskError>,
        now_ms: TimestampMs,
    ) -> Result<TaskOutcome, ScreenError> {
        let result = result.map_err(|e| screen_error(e.into()))?;
        let (stored, alerts) = self
            .monitor()
            .record_task_result(&result, now_ms)
            .map_err(screen_error)?;
        let (results, trends) = self.task_trends()?;
        let metric = headline(stored.kind(), &results, stored.hand);
        let tz = self.store().time_zone();
        let standing = trends
            .iter()
            .find(|t| t.kind == stored.kind() && t.hand == stored.hand && t.metric == metric)
            .map(|t| hand_view(t, &tz))
            .ok_or_else(|| ScreenError::NotFound("the task result just stored".into()))?;
        Ok(TaskOutcome {
            hand_label: hand_label(stored.hand).into(),
            lines: outcome_lines(&stored),
            result: stored,
            alerts_raised: alerts.len() as u32,
            standing,
        })
    }

    /// Records one hand's tapping session (taps as the screen saw them).
    pub fn record_tapping(
        &self,
        input: TappingInput,
        now_ms: TimestampMs,
    ) -> Result<TaskOutcome, ScreenError> {
        self.record(input.into_result(now_ms), now_ms)
    }

    /// Records a grip session: the hold, the self-rating, a dynamometer value (any of them).
    pub fn record_grip(
        &self,
        input: GripInput,
        now_ms: TimestampMs,
    ) -> Result<TaskOutcome, ScreenError> {
        self.record(input.into_result(now_ms), now_ms)
    }

    /// Records a tremor task from the wearable's batches of the task's interval.
    pub fn record_tremor_task(
        &self,
        input: TremorInput,
        now_ms: TimestampMs,
    ) -> Result<TaskOutcome, ScreenError> {
        self.record(input.into_result(now_ms), now_ms)
    }
}
