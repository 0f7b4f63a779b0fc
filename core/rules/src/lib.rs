//! Red-flag rules and lifestyle links: a pure evaluation over daily summaries, the journal,
//! check-ins and active-task results. Every rule cites its seed sentence (see [`RULES`] and docs/rules.md).

pub mod links;
pub mod params;

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
#[cfg(feature = "uniffi")]
use twitchwatch_store::CalendarDay;
#[cfg(feature = "uniffi")]
uniffi::use_remote_type!(twitchwatch_store::CalendarDay);

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

pub use links::{holm_adjust, mann_whitney_greater, Factor, LifestyleLink};
pub use params::{check_value, ParamSpec, RuleParams, Threshold, PARAMETERS};

use twitchwatch_journal::{CheckIn, JournalEntry, JournalError, Symptom};
use twitchwatch_model::{AlertSeverity, MotorEventKind, TimestampMs};
use twitchwatch_store::{local_date, DaySummary, StoreError};
use twitchwatch_tasks::{Metric, TaskKind, TaskResult, TaskTrend};

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("unknown rule threshold '{key}'")]
    UnknownParameter { key: String },
    #[error("{key} = {value} is outside its safe bounds {min}..={max} {unit}")]
    OutOfBounds {
        key: &'static str,
        value: f64,
        min: f64,
        max: f64,
        unit: &'static str,
    },
    #[error("{key} must be a whole number, got {value}")]
    NotWhole { key: &'static str, value: f64 },
    #[error("no alert with id '{0}'")]
    UnknownAlert(String),
}

/// The named rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::Display, strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum RuleId {
    Persistence,
    SpreadBeyondHands,
    CoordinationLoss,
    Weakness,
    WeaknessWithTwitching,
    MuscleWasting,
    SwallowingOrSpeaking,
    TremorProgression,
    LifestyleLink,
}

impl RuleId {
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn info(self) -> &'static RuleInfo {
        RULES
            .iter()
            .find(|r| r.id == self)
            .unwrap_or(&RULES[RULES.len() - 1])
    }

    fn rank_offset(self) -> u32 {
        match self {
            RuleId::Persistence => 10,
            RuleId::LifestyleLink => 10,
            RuleId::TremorProgression => 15,
            RuleId::SpreadBeyondHands => 20,
            RuleId::CoordinationLoss => 30,
            RuleId::Weakness => 40,
            RuleId::MuscleWasting => 50,
            RuleId::WeaknessWithTwitching => 60,
            RuleId::SwallowingOrSpeaking => 90,
        }
    }
}

/// A rule as documented: what it checks and the seed sentence it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct RuleInfo {
    pub id: RuleId,
    pub title: String,
    pub severity: AlertSeverity,
    /// What the rule checks, in one sentence.
    pub checks: String,
    pub seed_sentence: String,
}

/// Every rule, in the order docs/rules.md lists them.
pub static RULES: LazyLock<Vec<RuleInfo>> = LazyLock::new(|| {
    vec![
    RuleInfo {
        id: RuleId::SwallowingOrSpeaking,
        title: "Difficulty swallowing or speaking".into(),
        severity: AlertSeverity::Urgent,
        checks: "A check-in reports difficulty swallowing or speaking.".into(),
        seed_sentence: "If the twitching is associated with difficulty swallowing or speaking, immediate medical attention should be sought to rule out more serious neurological conditions.".into(),
    },
    RuleInfo {
        id: RuleId::WeaknessWithTwitching,
        title: "Weakness together with twitching".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "A check-in reports weakness or trouble gripping, or the grip task declines against the person's own baseline, while twitching is measured or reported; ranked above weakness or twitching alone.".into(),
        seed_sentence: "However, in these serious conditions, the twitches are always accompanied by clear muscle weakness.".into(),
    },
    RuleInfo {
        id: RuleId::MuscleWasting,
        title: "Visible muscle wasting".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "A check-in reports visible muscle wasting.".into(),
        seed_sentence: "Visible muscle wasting, known as atrophy, which indicates the issue is affecting the motor units significantly.".into(),
    },
    RuleInfo {
        id: RuleId::Weakness,
        title: "Muscle weakness".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "A check-in reports weakness or trouble gripping, or the grip task declines against the person's own baseline over several sessions on several days (without measured or reported twitching).".into(),
        seed_sentence: "The development of muscle weakness, such as struggling to grip objects.".into(),
    },
    RuleInfo {
        id: RuleId::CoordinationLoss,
        title: "Loss of coordination or fine-motor difficulty".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "A check-in reports trouble with coordination or fine motor tasks, or finger tapping declines against the person's own baseline over several sessions on several days.".into(),
        seed_sentence: "A noticeable loss of coordination or difficulty with fine motor tasks.".into(),
    },
    RuleInfo {
        id: RuleId::SpreadBeyondHands,
        title: "Twitching beyond the hands".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "Check-ins report twitching in body regions beyond the hands.".into(),
        seed_sentence: "Twitches that spread beyond the hands and become widespread also warrant a medical check-up.".into(),
    },
    RuleInfo {
        id: RuleId::TremorProgression,
        title: "Tremor growing over weeks".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "Tremor time per worn hour in the recent period is clearly larger than in the period before (Mann–Whitney, minimum growth and minimum amount), or a tremor task's time in tremor rises beyond the person's own baseline over several sessions on several days.".into(),
        seed_sentence: "Conditions like Essential Tremor, a common neurological cause of rhythmic shaking, should be evaluated when a twitch progresses into a noticeable, sustained movement.".into(),
    },
    RuleInfo {
        id: RuleId::Persistence,
        title: "Persistent twitching".into(),
        severity: AlertSeverity::SeeADoctor,
        checks: "Twitching on most monitored days over several weeks, on days that no linked lifestyle factor explains.".into(),
        seed_sentence: "The most important indicator is persistence, meaning the twitches last for several weeks or months without a clear link to lifestyle factors.".into(),
    },
    RuleInfo {
        id: RuleId::LifestyleLink,
        title: "Twitching linked to a lifestyle factor".into(),
        severity: AlertSeverity::Advice,
        checks: "Twitch rate on days with a factor is significantly and meaningfully higher than on days without it.".into(),
        seed_sentence: "Many instances of hand twitching are directly linked to daily habits and stressors that temporarily increase the excitability of the nervous system.".into(),
    },
    ]
});

/// A motor event cited as evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EventRef {
    pub kind: MotorEventKind,
    pub start_ms: TimestampMs,
    pub end_ms: TimestampMs,
    #[serde(default)]
    pub dominant_freq_hz: Option<f32>,
}

/// What a rule saw: which days, which events, which check-ins, in plain statements.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Evidence {
    /// Local days the rule looked at.
    #[serde(default)]
    pub days: Vec<Date>,
    /// Check-in ids (their times).
    #[serde(default)]
    pub checkins: Vec<TimestampMs>,
    #[serde(default)]
    pub events: Vec<EventRef>,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub link: Option<LifestyleLink>,
    /// Sustained declines of active tasks against the person's baseline.
    #[serde(default)]
    pub task_declines: Vec<TaskDeclineRef>,
}

/// A measured decline cited as evidence: which task, hand and measure, and how far from the baseline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct TaskDeclineRef {
    pub kind: TaskKind,
    pub metric: Metric,
    pub hand: twitchwatch_tasks::Hand,
    pub first_ms: TimestampMs,
    pub last_ms: TimestampMs,
    pub sessions: u32,
    pub days: u32,
    pub baseline_median: f64,
    pub baseline_low: f64,
    pub baseline_high: f64,
    pub median_value: f64,
    pub change_percent: f64,
}

/// A rule firing in one evaluation (before de-duplication into an alert).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable alert id: the rule id, or `lifestyle:<factor>`.
    pub alert_id: String,
    pub rule: RuleId,
    pub severity: AlertSeverity,
    /// Orders alerts; higher is more important (severity first, then the rule).
    pub rank: u32,
    pub title: String,
    pub message: String,
    pub evidence: Evidence,
    /// Material pieces of evidence: an acknowledged alert re-fires only when a new one appears.
    pub tokens: BTreeSet<String>,
    pub escalated_from: Option<AlertSeverity>,
}

pub fn severity_rank(severity: AlertSeverity) -> u32 {
    match severity {
        AlertSeverity::Info => 100,
        AlertSeverity::Advice => 200,
        AlertSeverity::SeeADoctor => 300,
        AlertSeverity::Urgent => 400,
    }
}

/// What the rules see.
pub struct RuleInput<'a> {
    /// The user's local date "now".
    pub today: Date,
    pub tz: &'a jiff::tz::TimeZone,
    /// Daily summaries in date order (typically every day of the lookback up to `today`).
    pub days: &'a [DaySummary],
    pub journal: &'a [JournalEntry],
    pub checkins: &'a [CheckIn],
    /// Every active-task result (baselines are the first sessions ever), any order.
    pub task_results: &'a [TaskResult],
}

/// The outcome of one evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    pub links: Vec<LifestyleLink>,
    /// Persistence in the current window, whether or not it fired (for the report).
    pub persistence: PersistenceWindow,
    /// Every task, measure and hand against its baseline (for the report and the task screens).
    pub task_trends: Vec<TaskTrend>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PersistenceWindow {
    pub window_days: u32,
    pub monitored_days: u32,
    pub twitch_days: Vec<Date>,
    /// Twitch days on which a linked factor was present.
    pub explained_days: Vec<Date>,
    pub fires: bool,
}

/// How many days before the user's today the rules read (the caller loads this much history).
pub fn lookback_days(p: &RuleParams) -> i64 {
    let d = RuleParams::days;
    [
        d(p.link_lookback_days),
        2 * d(p.tremor_period_days),
        4 * d(p.persistence_window_days),
        d(p.symptom_window_days),
        d(p.spread_window_days),
        d(p.bulbar_window_days),
    ]
    .into_iter()
    .max()
    .unwrap_or(90)
}

pub fn days_before(date: Date, n: i64) -> Date {
    jiff::Span::new()
        .try_days(n)
        .ok()
        .and_then(|s| date.checked_sub(s).ok())
        .unwrap_or(Date::MIN)
}

fn ceil_frac(fraction: f64, n: u32) -> u32 {
    (fraction * n as f64 - 1e-9).ceil().max(0.0) as u32
}

/// Task measures whose sustained decline is evidence of a loss of coordination or fine-motor skill.
pub const COORDINATION_MEASURES: &[(TaskKind, Metric)] = &[
    (TaskKind::Tapping, Metric::TapCount),
    (TaskKind::Tapping, Metric::TapIntervalCv),
];
/// Task measures whose sustained decline is evidence of weakness: grip force where a dynamometer
/// measures it, and the proxy's hold (completed share, sag) otherwise. Self-rated grip is shown but
/// is not counted: it is a report, like a check-in, not a measurement.
pub const WEAKNESS_MEASURES: &[(TaskKind, Metric)] = &[
    (TaskKind::Grip, Metric::DynamometerKg),
    (TaskKind::Grip, Metric::HeldPercent),
    (TaskKind::Grip, Metric::HoldSagDeg),
];

struct Context<'a> {
    input: &'a RuleInput<'a>,
    trends: &'a [TaskTrend],
    p: &'a RuleParams,
    journal: BTreeMap<Date, &'a JournalEntry>,
    starts: links::MedicationStarts,
    linked: Vec<&'a LifestyleLink>,
}

impl Context<'_> {
    /// Days in `(today - n, today]`.
    fn last_days(&self, n: i64, end: Date) -> impl Iterator<Item = &DaySummary> {
        let start = days_before(end, n);
        self.input
            .days
            .iter()
            .filter(move |d| d.date > start && d.date <= end)
    }

    fn is_twitch_day(&self, d: &DaySummary) -> bool {
        d.worn_minutes as f64 >= self.p.min_worn_minutes
            && d.twitch_count as f64 >= self.p.persistence_min_twitches
    }

    fn linked_factors_on(&self, date: Date) -> Vec<Factor> {
        let entry = self.journal.get(&date).copied();
        self.linked
            .iter()
            .map(|l| l.factor)
            .filter(|&f| links::factor_present(f, entry, self.p, &self.starts) == Some(true))
            .collect()
    }

    fn persistence_window(&self, end: Date) -> PersistenceWindow {
        let w = RuleParams::days(self.p.persistence_window_days);
        let mut out = PersistenceWindow {
            window_days: w as u32,
            ..Default::default()
        };
        for d in self.last_days(w, end) {
            if (d.worn_minutes as f64) < self.p.min_worn_minutes {
                continue;
            }
            out.monitored_days += 1;
            if self.is_twitch_day(d) {
                out.twitch_days.push(d.date);
                if !self.linked_factors_on(d.date).is_empty() {
                    out.explained_days.push(d.date);
                }
            }
        }
        let unexplained = (out.twitch_days.len() - out.explained_days.len()) as u32;
        out.fires = out.monitored_days >= ceil_frac(self.p.persistence_min_monitored, w as u32)
            && unexplained > 0
            && unexplained >= ceil_frac(self.p.persistence_most_days, out.monitored_days);
        out
    }

    /// Sustained declines of `measures` whose latest session is within `task_change.recent_days`.
    fn task_declines(&self, measures: &[(TaskKind, Metric)]) -> Vec<TaskDeclineRef> {
        let since = days_before(self.input.today, RuleParams::days(self.p.task_recent_days));
        let tz = self.input.tz;
        self.trends
            .iter()
            .filter(|t| measures.contains(&(t.kind, t.metric)))
            .filter_map(|t| {
                let (d, b) = (t.decline.as_ref()?, t.baseline.as_ref()?);
                (local_date(tz, d.last_ms) > since).then_some(TaskDeclineRef {
                    kind: t.kind,
                    metric: t.metric,
                    hand: t.hand,
                    first_ms: d.first_ms,
                    last_ms: d.last_ms,
                    sessions: d.sessions,
                    days: d.days,
                    baseline_median: b.median,
                    baseline_low: b.low,
                    baseline_high: b.high,
                    median_value: d.median_value,
                    change_percent: d.change_percent,
                })
            })
            .collect()
    }

    fn decline_fact(&self, d: &TaskDeclineRef) -> String {
        let tz = self.input.tz;
        format!(
            "Measured: {} ({} hand), {}: {} consecutive sessions on {} days ({} – {}) beyond the personal baseline; median {:.2} against a baseline of {:.2} (usual range {:.2}–{:.2}), {:+.0} %.",
            d.kind.label(),
            d.hand.as_str(),
            d.metric.label(),
            d.sessions,
            d.days,
            local_date(tz, d.first_ms),
            local_date(tz, d.last_ms),
            d.median_value,
            d.baseline_median,
            // Every task measure is zero or more; a band reaching below zero is shown from zero.
            d.baseline_low.max(0.0),
            d.baseline_high,
            d.change_percent
        )
    }

    fn checkins_within(&self, days: f64) -> impl Iterator<Item = &CheckIn> {
        let start = days_before(self.input.today, RuleParams::days(days));
        let tz = self.input.tz;
        let today = self.input.today;
        self.input.checkins.iter().filter(move |c| {
            let d = local_date(tz, c.at_ms);
            d > start && d <= today
        })
    }
}

fn finding(
    rule: RuleId,
    alert_id: String,
    severity: AlertSeverity,
    message: String,
    evidence: Evidence,
    tokens: BTreeSet<String>,
) -> Finding {
    Finding {
        alert_id,
        rule,
        severity,
        rank: severity_rank(severity) + rule.rank_offset(),
        title: rule.info().title.to_string(),
        message,
        evidence,
        tokens,
        escalated_from: None,
    }
}

fn fmt_ms_local(tz: &jiff::tz::TimeZone, ms: TimestampMs) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(tz.clone())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| ms.to_string())
}

/// Runs every rule. Pure: the same input gives the same findings.
pub fn evaluate(input: &RuleInput<'_>, p: &RuleParams) -> Evaluation {
    let journal: BTreeMap<Date, &JournalEntry> =
        input.journal.iter().map(|e| (e.date, e)).collect();
    let starts = links::medication_starts(input.journal.iter());
    let link_start = days_before(input.today, RuleParams::days(p.link_lookback_days));
    let link_days: Vec<DaySummary> = input
        .days
        .iter()
        .filter(|d| d.date > link_start && d.date <= input.today)
        .cloned()
        .collect();
    let all_links = links::lifestyle_links(&link_days, &journal, &starts, p);
    let mut findings = Vec::new();
    let persistence;
    let task_trends =
        twitchwatch_tasks::trends(input.task_results, &p.task_change_criterion(), input.tz);
    {
        let ctx = Context {
            input,
            trends: &task_trends,
            p,
            journal,
            starts,
            linked: all_links.iter().filter(|l| l.linked).collect(),
        };
        for link in &ctx.linked {
            findings.push(lifestyle_finding(&ctx, link));
        }
        persistence = ctx.persistence_window(input.today);
        if persistence.fires {
            findings.push(persistence_finding(&ctx, &persistence));
        }
        symptom_findings(&ctx, &mut findings);
        if let Some(f) = tremor_progression(&ctx) {
            findings.push(f);
        }
    }
    escalate(&mut findings);
    findings.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.alert_id.cmp(&b.alert_id)));
    Evaluation {
        findings,
        links: all_links,
        persistence,
        task_trends,
    }
}

fn lifestyle_finding(ctx: &Context<'_>, link: &LifestyleLink) -> Finding {
    let p = ctx.p;
    let sentence = link.sentence(p);
    let mut first = sentence.chars();
    let capitalised = match first.next() {
        Some(c) => c.to_uppercase().collect::<String>() + first.as_str(),
        None => String::new(),
    };
    let message = format!(
        "{capitalised} ({} days with it, {} without; p = {:.3} after correction). {}",
        link.days_with,
        link.days_without,
        link.p_adjusted,
        link.factor.advice()
    );
    let days: Vec<Date> = ctx
        .last_days(RuleParams::days(p.link_lookback_days), ctx.input.today)
        .filter(|d| ctx.is_twitch_day(d))
        .filter(|d| {
            links::factor_present(
                link.factor,
                ctx.journal.get(&d.date).copied(),
                p,
                &ctx.starts,
            ) == Some(true)
        })
        .map(|d| d.date)
        .collect();
    let bucket = match link.rate_ratio {
        Some(r) => format!("ratio_at_least:{}", r.floor() as i64),
        None => "ratio:only_with".to_string(),
    };
    finding(
        RuleId::LifestyleLink,
        format!("lifestyle:{}", link.factor.as_str()),
        AlertSeverity::Advice,
        message,
        Evidence {
            days,
            facts: vec![format!(
                "Mean {:.1} twitches per worn hour with it, {:.1} without (Mann–Whitney U, one-sided, Holm-corrected over {} tested factors).",
                link.mean_rate_with,
                link.mean_rate_without,
                Factor::ALL.len()
            )],
            link: Some(link.clone()),
            ..Evidence::default()
        },
        [bucket].into_iter().collect(),
    )
}

fn persistence_finding(ctx: &Context<'_>, w: &PersistenceWindow) -> Finding {
    // Consecutive windows (today, today - W, …) that each show persistence: a longer run is new evidence.
    let window = RuleParams::days(ctx.p.persistence_window_days);
    let mut streak = 1;
    while streak < 12 {
        let end = days_before(ctx.input.today, window * streak);
        if !ctx.persistence_window(end).fires {
            break;
        }
        streak += 1;
    }
    let unexplained: Vec<Date> = w
        .twitch_days
        .iter()
        .filter(|d| !w.explained_days.contains(d))
        .copied()
        .collect();
    let weeks = (window * streak) / 7;
    let mut facts = vec![format!(
        "Twitching (at least {} a day) on {} of {} monitored days in the last {} days.",
        ctx.p.persistence_min_twitches,
        w.twitch_days.len(),
        w.monitored_days,
        window
    )];
    if w.explained_days.is_empty() {
        facts.push("No lifestyle factor in the journal is linked to the twitching.".into());
    } else {
        facts.push(format!(
            "{} of those days had a linked lifestyle factor; {} did not.",
            w.explained_days.len(),
            unexplained.len()
        ));
    }
    if streak > 1 {
        facts.push(format!("The pattern has held for about {weeks} weeks."));
    }
    finding(
        RuleId::Persistence,
        RuleId::Persistence.as_str().into(),
        AlertSeverity::SeeADoctor,
        format!(
            "Twitching has persisted on most days for {} without a clear link to lifestyle factors. Persistent twitching warrants a medical evaluation: please see a doctor.",
            if streak > 1 { format!("about {weeks} weeks") } else { format!("{window} days") }
        ),
        Evidence {
            days: unexplained,
            facts,
            ..Evidence::default()
        },
        [format!("windows:{streak}")].into_iter().collect(),
    )
}

fn symptom_findings(ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let tz = ctx.input.tz;
    let with_symptom = |window: f64, symptoms: &[Symptom]| -> Vec<&CheckIn> {
        ctx.checkins_within(window)
            .filter(|c| symptoms.iter().any(|s| c.has(*s)))
            .collect()
    };
    let ids = |cs: &[&CheckIn]| cs.iter().map(|c| c.at_ms).collect::<Vec<_>>();
    let tokens = |cs: &[&CheckIn]| {
        cs.iter()
            .map(|c| format!("checkin:{}", c.at_ms))
            .collect::<BTreeSet<_>>()
    };
    let dates = |cs: &[&CheckIn]| {
        let mut d: Vec<Date> = cs.iter().map(|c| local_date(tz, c.at_ms)).collect();
        d.dedup();
        d
    };
    let reported = |cs: &[&CheckIn], what: &str| -> Vec<String> {
        cs.iter()
            .map(|c| format!("{what} reported on {}.", fmt_ms_local(tz, c.at_ms)))
            .collect()
    };

    let bulbar = with_symptom(
        ctx.p.bulbar_window_days,
        &[Symptom::DifficultySwallowing, Symptom::DifficultySpeaking],
    );
    if !bulbar.is_empty() {
        let mut which = BTreeSet::new();
        for c in &bulbar {
            for s in [Symptom::DifficultySwallowing, Symptom::DifficultySpeaking] {
                if c.has(s) {
                    which.insert(s.label());
                }
            }
        }
        let which: Vec<&str> = which.into_iter().collect();
        out.push(finding(
            RuleId::SwallowingOrSpeaking,
            RuleId::SwallowingOrSpeaking.as_str().into(),
            AlertSeverity::Urgent,
            format!(
                "You reported {} together with twitching. Seek immediate medical attention.",
                which.join(" and ")
            ),
            Evidence {
                days: dates(&bulbar),
                checkins: ids(&bulbar),
                facts: reported(&bulbar, &which.join(" / ")),
                ..Evidence::default()
            },
            tokens(&bulbar),
        ));
    }

    let decline_days = |ds: &[TaskDeclineRef]| -> Vec<Date> {
        ds.iter()
            .flat_map(|d| [local_date(tz, d.first_ms), local_date(tz, d.last_ms)])
            .collect()
    };
    let decline_tokens = |ds: &[TaskDeclineRef]| -> BTreeSet<String> {
        ds.iter()
            .map(|d| {
                format!(
                    "task:{}:{}:{}:{}",
                    d.kind.as_str(),
                    d.metric.as_str(),
                    d.hand.as_str(),
                    d.first_ms
                )
            })
            .collect()
    };

    let window = ctx.p.symptom_window_days;
    let weakness = with_symptom(window, &[Symptom::Weakness]);
    let grip = ctx.task_declines(WEAKNESS_MEASURES);
    if !weakness.is_empty() || !grip.is_empty() {
        let twitch_days: Vec<Date> = ctx
            .last_days(14, ctx.input.today)
            .filter(|d| ctx.is_twitch_day(d))
            .map(|d| d.date)
            .collect();
        let reported_twitching: Vec<&CheckIn> = ctx
            .checkins_within(window)
            .filter(|c| !c.twitch_sites.is_empty())
            .collect();
        let measured = twitch_days.len() as f64 >= ctx.p.weakness_twitch_days;
        let mut facts = reported(&weakness, "Weakness or trouble gripping");
        facts.extend(grip.iter().map(|d| ctx.decline_fact(d)));
        let mut weakness_tokens = tokens(&weakness);
        weakness_tokens.extend(decline_tokens(&grip));
        let mut weakness_days = dates(&weakness);
        weakness_days.extend(decline_days(&grip));
        weakness_days.sort();
        weakness_days.dedup();
        let (said, measured_only) = if weakness.is_empty() {
            ("Your grip task has declined against your own baseline over several sessions on different days", true)
        } else {
            ("You reported muscle weakness", false)
        };
        if measured || !reported_twitching.is_empty() {
            if measured {
                facts.push(format!(
                    "Twitching measured on {} of the last 14 days.",
                    twitch_days.len()
                ));
            }
            if !reported_twitching.is_empty() {
                facts.push(format!(
                    "Twitching reported in {} check-in(s).",
                    reported_twitching.len()
                ));
            }
            let mut days = weakness_days.clone();
            days.extend(twitch_days);
            days.sort();
            days.dedup();
            let mut checkins = ids(&weakness);
            checkins.extend(reported_twitching.iter().map(|c| c.at_ms));
            checkins.sort();
            checkins.dedup();
            out.push(finding(
                RuleId::WeaknessWithTwitching,
                RuleId::WeaknessWithTwitching.as_str().into(),
                AlertSeverity::SeeADoctor,
                format!("{said} and twitching is present. Twitching with clear weakness needs a prompt medical evaluation: please see a doctor soon."),
                Evidence {
                    days,
                    checkins,
                    facts,
                    task_declines: grip.clone(),
                    ..Evidence::default()
                },
                weakness_tokens,
            ));
        } else {
            out.push(finding(
                RuleId::Weakness,
                RuleId::Weakness.as_str().into(),
                AlertSeverity::SeeADoctor,
                if measured_only {
                    format!("{said}. Muscle weakness, such as struggling to grip objects, warrants a medical consultation: please see a doctor.")
                } else {
                    "You reported muscle weakness, such as trouble gripping. That warrants a medical consultation: please see a doctor.".into()
                },
                Evidence {
                    days: weakness_days,
                    checkins: ids(&weakness),
                    facts,
                    task_declines: grip.clone(),
                    ..Evidence::default()
                },
                weakness_tokens,
            ));
        }
    }

    let simple = [
        (
            Symptom::FineMotorDifficulty,
            RuleId::CoordinationLoss,
            "You reported trouble with coordination or fine motor tasks. That warrants a medical consultation: please see a doctor.",
        ),
        (
            Symptom::MuscleWasting,
            RuleId::MuscleWasting,
            "You reported visible muscle wasting. That warrants a medical consultation: please see a doctor.",
        ),
    ];
    for (symptom, rule, message) in simple {
        let cs = with_symptom(window, &[symptom]);
        let declines = if rule == RuleId::CoordinationLoss {
            ctx.task_declines(COORDINATION_MEASURES)
        } else {
            Vec::new()
        };
        if cs.is_empty() && declines.is_empty() {
            continue;
        }
        let mut label = symptom.label().to_string();
        if let Some(first) = label.get(..1) {
            label = first.to_uppercase() + label.get(1..).unwrap_or("");
        }
        let mut facts = reported(&cs, &label);
        facts.extend(declines.iter().map(|d| ctx.decline_fact(d)));
        let mut days = dates(&cs);
        days.extend(decline_days(&declines));
        days.sort();
        days.dedup();
        let mut all_tokens = tokens(&cs);
        all_tokens.extend(decline_tokens(&declines));
        let message = if cs.is_empty() {
            "Your finger-tapping results have declined against your own baseline over several sessions on different days. A loss of coordination or difficulty with fine motor tasks warrants a medical consultation: please see a doctor.".to_string()
        } else {
            message.to_string()
        };
        out.push(finding(
            rule,
            rule.as_str().into(),
            AlertSeverity::SeeADoctor,
            message,
            Evidence {
                days,
                checkins: ids(&cs),
                facts,
                task_declines: declines,
                ..Evidence::default()
            },
            all_tokens,
        ));
    }

    let spread: Vec<&CheckIn> = ctx
        .checkins_within(ctx.p.spread_window_days)
        .filter(|c| c.sites_beyond_hands().next().is_some())
        .collect();
    let regions: BTreeSet<_> = spread.iter().flat_map(|c| c.sites_beyond_hands()).collect();
    if !regions.is_empty() && regions.len() as f64 >= ctx.p.spread_min_regions {
        let names: Vec<&str> = regions.iter().map(|r| r.label()).collect();
        out.push(finding(
            RuleId::SpreadBeyondHands,
            RuleId::SpreadBeyondHands.as_str().into(),
            AlertSeverity::SeeADoctor,
            format!(
                "Twitching was reported beyond the hands ({}). Twitching that spreads warrants a medical check-up: please see a doctor.",
                names.join(", ")
            ),
            Evidence {
                days: dates(&spread),
                checkins: ids(&spread),
                facts: vec![format!("Regions beyond the hands: {}.", names.join(", "))],
                ..Evidence::default()
            },
            regions.iter().map(|r| format!("region:{}", r.as_str())).collect(),
        ));
    }
}

/// What the daily summaries say about tremor growing: the recent period against the one before.
struct DailyTremorGrowth {
    recent_days: Vec<Date>,
    facts: Vec<String>,
    /// "2.1× more tremor time per worn hour"
    growth: String,
    token: String,
}

fn daily_tremor_growth(ctx: &Context<'_>) -> Option<DailyTremorGrowth> {
    let p = ctx.p;
    let period = RuleParams::days(p.tremor_period_days);
    let today = ctx.input.today;
    let min_worn = p.min_worn_minutes as f32;
    let recent: Vec<&DaySummary> = ctx
        .last_days(period, today)
        .filter(|d| d.worn_minutes >= min_worn)
        .collect();
    let before: Vec<&DaySummary> = ctx
        .last_days(period, days_before(today, period))
        .filter(|d| d.worn_minutes >= min_worn)
        .collect();
    let min_days = RuleParams::days(p.tremor_min_days) as usize;
    if recent.len() < min_days || before.len() < min_days {
        return None;
    }
    let rates = |ds: &[&DaySummary]| -> Vec<f64> {
        ds.iter()
            .filter_map(|d| d.tremor_minutes_per_worn_hour(min_worn))
            .collect()
    };
    let (r_recent, r_before) = (rates(&recent), rates(&before));
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let (m_recent, m_before) = (mean(&r_recent), mean(&r_before));
    let minutes_per_day =
        recent.iter().map(|d| d.tremor_minutes as f64).sum::<f64>() / recent.len() as f64;
    let ratio = (m_before > 0.0).then(|| m_recent / m_before);
    let grows = match ratio {
        Some(r) => r >= p.tremor_min_ratio,
        None => m_recent > 0.0,
    };
    if !grows || minutes_per_day < p.tremor_min_minutes {
        return None;
    }
    let p_value = mann_whitney_greater(&r_recent, &r_before);
    if p_value >= p.link_alpha {
        return None;
    }
    let episodes = |ds: &[&DaySummary]| {
        let n: u32 = ds.iter().map(|d| d.tremor_episodes).sum();
        let secs: f64 = ds.iter().map(|d| d.tremor_episode_seconds as f64).sum();
        (
            n as f64 / ds.len().max(1) as f64,
            if n > 0 { secs / n as f64 } else { 0.0 },
        )
    };
    let (ep_recent, len_recent) = episodes(&recent);
    let (ep_before, len_before) = episodes(&before);
    Some(DailyTremorGrowth {
        recent_days: recent
            .iter()
            .filter(|d| d.tremor_minutes > 0.0)
            .map(|d| d.date)
            .collect(),
        facts: vec![
            format!(
                "Recent {period} days: {:.1} tremor minutes per worn hour, {ep_recent:.1} episodes a day averaging {len_recent:.0} s.",
                m_recent
            ),
            format!(
                "Previous {period} days: {:.1} tremor minutes per worn hour, {ep_before:.1} episodes a day averaging {len_before:.0} s.",
                m_before
            ),
            format!("Mann–Whitney U one-sided p = {p_value:.4}."),
        ],
        growth: match ratio {
            Some(r) => format!("{r:.1}× more tremor time per worn hour"),
            None => "tremor where there was none".into(),
        },
        token: match ratio {
            Some(r) => format!("growth_at_least:{}", r.floor() as i64),
            None => "growth:new".into(),
        },
    })
}

/// Tremor task measures whose sustained increase against the person's baseline is evidence of a
/// twitch progressing into sustained rhythmic movement. Finger to nose is left out: the classifier
/// judges tremor only while the arm is otherwise still, so that task mostly measures how much of it
/// was judged (docs/tasks.md, "Limit").
pub const TREMOR_MEASURES: &[(TaskKind, Metric)] = &[
    (TaskKind::TremorRest, Metric::TremorPercent),
    (TaskKind::TremorOutstretched, Metric::TremorPercent),
];

/// Fires on either kind of evidence, and cites both when both are there: tremor time in everyday
/// wear growing over weeks (daily summaries), or a tremor task's time in tremor beyond the person's
/// own baseline over several sessions on several days (the same change criterion as tapping and grip).
fn tremor_progression(ctx: &Context<'_>) -> Option<Finding> {
    let period = RuleParams::days(ctx.p.tremor_period_days);
    let daily = daily_tremor_growth(ctx);
    // A run that rises from no tremor to a trace is beyond a baseline of zero but is not yet a
    // noticeable, sustained movement.
    let tasks: Vec<TaskDeclineRef> = ctx
        .task_declines(TREMOR_MEASURES)
        .into_iter()
        .filter(|d| d.median_value >= ctx.p.tremor_task_min_percent)
        .collect();
    if daily.is_none() && tasks.is_empty() {
        return None;
    }
    let tz = ctx.input.tz;
    let mut days = Vec::new();
    let mut facts = Vec::new();
    let mut tokens = BTreeSet::new();
    if let Some(d) = &daily {
        days.extend(d.recent_days.iter().copied());
        facts.extend(d.facts.iter().cloned());
        tokens.insert(d.token.clone());
    }
    for d in &tasks {
        days.extend([local_date(tz, d.first_ms), local_date(tz, d.last_ms)]);
        facts.push(ctx.decline_fact(d));
        tokens.insert(format!(
            "task:{}:{}:{}:{}",
            d.kind.as_str(),
            d.metric.as_str(),
            d.hand.as_str(),
            d.first_ms
        ));
    }
    days.sort();
    days.dedup();
    let advice = "A twitch that progresses into sustained rhythmic movement should be evaluated, for example for essential tremor: please see a doctor.";
    let message = match &daily {
        Some(d) => format!(
            "Rhythmic movement (tremor) has grown over the last {} weeks: {} than the {} weeks before.{} {advice}",
            period / 7,
            d.growth,
            period / 7,
            if tasks.is_empty() {
                ""
            } else {
                " Your tremor tasks show it too, against your own baseline."
            }
        ),
        None => format!(
            "Your tremor tasks show more time in tremor than your own baseline, over several sessions on different days. {advice}"
        ),
    };
    Some(finding(
        RuleId::TremorProgression,
        RuleId::TremorProgression.as_str().into(),
        AlertSeverity::SeeADoctor,
        message,
        Evidence {
            days,
            facts,
            task_declines: tasks,
            ..Evidence::default()
        },
        tokens,
    ))
}

/// A see-a-doctor finding becomes urgent when an urgent symptom is present at the same time.
fn escalate(findings: &mut [Finding]) {
    if !findings
        .iter()
        .any(|f| f.severity == AlertSeverity::Urgent && f.escalated_from.is_none())
    {
        return;
    }
    for f in findings.iter_mut() {
        if f.severity == AlertSeverity::SeeADoctor {
            f.escalated_from = Some(f.severity);
            f.severity = AlertSeverity::Urgent;
            f.rank = severity_rank(AlertSeverity::Urgent) + f.rule.rank_offset();
            f.evidence.facts.push(
                "Escalated to urgent because difficulty swallowing or speaking was reported."
                    .into(),
            );
            f.tokens.insert("escalated:urgent".into());
        }
    }
}
