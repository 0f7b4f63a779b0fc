//! Mirrors of alerts and rules (`core::alerts`, `core::rules`): what a notification and the alerts
//! screen need. The text (title, message, evidence facts) is written by the core.

use twitchwatch_alerts::{self as core_alerts, AlertStatus};
use twitchwatch_rules::{self as core_rules, RuleId};

use crate::dates::format_date;
use twitchwatch_model::{AlertSeverity, MotorEventKind};

/// A movement cited as evidence.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct EvidenceEvent {
    pub kind: MotorEventKind,
    pub start_ms: i64,
    pub end_ms: i64,
    pub dominant_freq_hz: Option<f32>,
}

/// What an alert rests on.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Evidence {
    /// Sentences a person can read, written by the rule ("41 twitches on Tue 3 Nov").
    pub facts: Vec<String>,
    /// Local days (YYYY-MM-DD) the rule looked at.
    pub days: Vec<String>,
    /// Ids (`at_ms`) of the check-ins that triggered it.
    pub checkin_ids: Vec<i64>,
    pub events: Vec<EvidenceEvent>,
    /// For lifestyle links: the factor's key (`caffeine`, `short_sleep`…).
    pub linked_factor: Option<String>,
}

impl From<core_rules::Evidence> for Evidence {
    fn from(e: core_rules::Evidence) -> Self {
        Self {
            facts: e.facts,
            days: e.days.into_iter().map(format_date).collect(),
            checkin_ids: e.checkins,
            events: e
                .events
                .into_iter()
                .map(|r| EvidenceEvent {
                    kind: r.kind,
                    start_ms: r.start_ms,
                    end_ms: r.end_ms,
                    dominant_freq_hz: r.dominant_freq_hz,
                })
                .collect(),
            linked_factor: e.link.map(|l| l.factor.as_str().to_owned()),
        }
    }
}

/// An alert as the user sees it; delivered to `AlertListener` when new or escalated.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Alert {
    /// Stable id: acknowledge with it, open it from a notification.
    pub id: String,
    pub rule: RuleId,
    pub severity: AlertSeverity,
    /// Higher is more important; sort by it.
    pub rank: u32,
    pub title: String,
    /// The notification body / alert text.
    pub message: String,
    pub evidence: Evidence,
    pub status: AlertStatus,
    /// Set when the alert was raised at a lower severity and escalated since.
    pub escalated_from: Option<AlertSeverity>,
    pub first_raised_ms: i64,
    pub last_notified_ms: i64,
    pub last_seen_ms: i64,
    pub acknowledged_ms: Option<i64>,
    pub resolved_ms: Option<i64>,
    pub times_notified: u32,
}

impl From<core_alerts::Alert> for Alert {
    fn from(a: core_alerts::Alert) -> Self {
        Self {
            id: a.id,
            rule: a.rule,
            severity: a.severity,
            rank: a.rank,
            title: a.title,
            message: a.message,
            evidence: a.evidence.into(),
            status: a.status,
            escalated_from: a.escalated_from,
            first_raised_ms: a.first_raised_ms,
            last_notified_ms: a.last_notified_ms,
            last_seen_ms: a.last_seen_ms,
            acknowledged_ms: a.acknowledged_ms,
            resolved_ms: a.resolved_ms,
            times_notified: a.times_notified,
        }
    }
}

/// A rule, its severity and the sentence of the medical text it rests on.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RuleInfo {
    pub id: RuleId,
    pub title: String,
    pub severity: AlertSeverity,
    /// What the rule checks, in one sentence.
    pub checks: String,
    pub seed_sentence: String,
}

impl From<&core_rules::RuleInfo> for RuleInfo {
    fn from(r: &core_rules::RuleInfo) -> Self {
        Self {
            id: r.id,
            title: r.title.to_owned(),
            severity: r.severity,
            checks: r.checks.to_owned(),
            seed_sentence: r.seed_sentence.to_owned(),
        }
    }
}

/// A tunable rule threshold, its safe bounds and its current value.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct RuleThreshold {
    pub key: String,
    /// The rule it belongs to (rule id string).
    pub rule: String,
    pub value: f64,
    pub default_value: f64,
    pub min: f64,
    pub max: f64,
    pub unit: String,
    /// Only whole numbers are accepted.
    pub integer: bool,
    pub description: String,
}

impl RuleThreshold {
    pub(crate) fn of(spec: &core_rules::params::ParamSpec, value: f64) -> Self {
        Self {
            key: spec.key.to_owned(),
            rule: spec.rule.to_owned(),
            value,
            default_value: spec.default,
            min: spec.min,
            max: spec.max,
            unit: spec.unit.to_owned(),
            integer: spec.integer,
            description: spec.description.to_owned(),
        }
    }
}

/// What recording a check-in returned: the stored check-in (its `at_ms` is its id) and the alerts it
/// raised or escalated at once (an urgent symptom is raised in the same call).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CheckInOutcome {
    pub checkin: twitchwatch_journal::CheckIn,
    pub alerts: Vec<Alert>,
}
