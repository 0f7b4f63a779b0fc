//! Alerts: active and acknowledged alerts with their evidence, most urgent first, and what to do.
//! Reads the alerts API through [`AlertFacts`], the one adapter between `core::alerts` and the screens.

use jiff::tz::TimeZone;

use super::format::{day_label, duration_label, kind_label, moment_label};
use super::{ScreenError, ScreenModel};
use twitchwatch_alerts::{Alert, AlertStatus};
use twitchwatch_model::{AlertSeverity, TimestampMs};
use twitchwatch_rules::{Evidence, RuleParams, RulesError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum EvidenceKind {
    /// A plain statement from the rule ("twitching on 19 of the last 21 days").
    Fact,
    /// A day of measurements ("Tue 3 Nov: 41 twitches").
    Day,
    /// One detected movement.
    Event,
    /// A symptom check-in.
    CheckIn,
    /// A journal entry (caffeine, sleep…).
    Journal,
    /// A statistical link to a lifestyle factor.
    Link,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct EvidenceLine {
    pub kind: EvidenceKind,
    pub text: String,
    /// ISO date the line is about, when it is about one day (opens History's day detail).
    pub date: Option<String>,
}

/// Everything the screens need to know about one alert. Built from `core::alerts::Alert`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFacts {
    pub alert_id: String,
    pub rule_id: String,
    pub severity: AlertSeverity,
    /// Orders alerts of one severity (weakness with twitching outranks weakness alone).
    pub rank: u32,
    pub title: String,
    pub body: String,
    pub evidence: Vec<EvidenceLine>,
    pub raised_at_ms: TimestampMs,
    pub acknowledged_at_ms: Option<TimestampMs>,
    /// The rule stopped firing; kept as history.
    pub resolved_at_ms: Option<TimestampMs>,
    /// Set when the alert was raised at a lower severity and escalated since.
    pub escalated_from: Option<AlertSeverity>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AlertRow {
    pub alert_id: String,
    pub rule_id: String,
    pub severity: AlertSeverity,
    pub severity_label: String,
    pub title: String,
    pub body: String,
    /// The one sentence telling the user what to do now.
    pub what_to_do: String,
    pub raised_at_label: String,
    pub evidence: Vec<EvidenceLine>,
    pub escalated_label: Option<String>,
    pub acknowledged: bool,
    pub resolved: bool,
    pub can_acknowledge: bool,
    /// The button that acknowledges it ("Got it"); shown only while `can_acknowledge`.
    pub acknowledge_label: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct AlertsState {
    /// Not yet acknowledged, most severe first, then newest first.
    pub active: Vec<AlertRow>,
    /// Acknowledged but still firing, newest first.
    pub acknowledged: Vec<AlertRow>,
    /// Resolved (the rule no longer fires), newest first: history for the report.
    pub past: Vec<AlertRow>,
    pub highest_active: Option<AlertSeverity>,
    pub headline: String,
    pub empty_message: Option<String>,
    /// Repeated under the list: alerts are not a diagnosis.
    pub disclaimer_line: String,
}

pub(crate) fn severity_label(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Urgent => "Urgent",
        AlertSeverity::SeeADoctor => "See a doctor",
        AlertSeverity::Advice => "Advice",
        AlertSeverity::Info => "For your information",
    }
}

pub(crate) fn what_to_do(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Urgent => {
            "Seek immediate medical attention. Do not wait for this pattern to change."
        }
        AlertSeverity::SeeADoctor => {
            "Book an appointment with your doctor and bring the report from the Report tab."
        }
        AlertSeverity::Advice => {
            "Try the change suggested for a week or two; TwitchWatch will show whether twitching follows."
        }
        AlertSeverity::Info => "Nothing to do now.",
    }
}

impl AlertRow {
    pub(crate) fn of(tz: &TimeZone, a: &AlertFacts) -> AlertRow {
        AlertRow {
            alert_id: a.alert_id.clone(),
            rule_id: a.rule_id.clone(),
            severity: a.severity,
            severity_label: severity_label(a.severity).into(),
            title: a.title.clone(),
            body: a.body.clone(),
            what_to_do: what_to_do(a.severity).into(),
            raised_at_label: format!("Raised {}", moment_label(tz, a.raised_at_ms)),
            evidence: a.evidence.clone(),
            escalated_label: a
                .escalated_from
                .filter(|from| *from < a.severity)
                .map(|from| format!("Raised as “{}”, now more serious", severity_label(from))),
            acknowledged: a.acknowledged_at_ms.is_some(),
            resolved: a.resolved_at_ms.is_some(),
            can_acknowledge: a.acknowledged_at_ms.is_none() && a.resolved_at_ms.is_none(),
            acknowledge_label: "Got it".into(),
        }
    }
}

impl AlertsState {
    /// Orders and labels alerts; pure, so the same facts always give the same screen.
    pub fn build(tz: &TimeZone, facts: &[AlertFacts]) -> AlertsState {
        let live = |a: &&AlertFacts| a.resolved_at_ms.is_none();
        let mut active: Vec<&AlertFacts> = facts
            .iter()
            .filter(live)
            .filter(|a| a.acknowledged_at_ms.is_none())
            .collect();
        active.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.rank.cmp(&a.rank))
                .then(b.raised_at_ms.cmp(&a.raised_at_ms))
                .then(a.alert_id.cmp(&b.alert_id))
        });
        let newest_first = |a: &&AlertFacts, b: &&AlertFacts| {
            b.raised_at_ms
                .cmp(&a.raised_at_ms)
                .then(a.alert_id.cmp(&b.alert_id))
        };
        let mut seen: Vec<&AlertFacts> = facts
            .iter()
            .filter(live)
            .filter(|a| a.acknowledged_at_ms.is_some())
            .collect();
        seen.sort_by(newest_first);
        let mut past: Vec<&AlertFacts> = facts
            .iter()
            .filter(|a| a.resolved_at_ms.is_some())
            .collect();
        past.sort_by(newest_first);
        let highest_active = active.first().map(|a| a.severity);
        let headline = match highest_active {
            Some(AlertSeverity::Urgent) => "Seek medical attention now",
            Some(AlertSeverity::SeeADoctor) => "A pattern here warrants a doctor's visit",
            Some(AlertSeverity::Advice) => "Some advice based on your journal",
            Some(AlertSeverity::Info) => "Nothing that needs a doctor",
            None => "No active alerts",
        };
        AlertsState {
            active: active.iter().map(|a| AlertRow::of(tz, a)).collect(),
            acknowledged: seen.iter().map(|a| AlertRow::of(tz, a)).collect(),
            past: past.iter().map(|a| AlertRow::of(tz, a)).collect(),
            highest_active,
            headline: headline.into(),
            empty_message: facts.is_empty().then(|| {
                "No alerts. TwitchWatch tells you here (and with a notification) when a pattern warrants a doctor."
                    .to_string()
            }),
            disclaimer_line: "TwitchWatch is informational, not a medical device. Alerts are not a diagnosis."
                .into(),
        }
    }
}

/// Up to this many days are listed one by one in an alert's evidence; the rest are summarised.
const EVIDENCE_DAYS_LISTED: usize = 7;
const EVIDENCE_EVENTS_LISTED: usize = 5;

/// Turns the rules' evidence into lines a person reads: facts first, then the link, then days,
/// check-ins and events (newest first, capped, with "and N more").
pub(crate) fn evidence_lines(
    tz: &TimeZone,
    evidence: &Evidence,
    params: &RuleParams,
) -> Vec<EvidenceLine> {
    let mut out: Vec<EvidenceLine> = evidence
        .facts
        .iter()
        .map(|f| EvidenceLine {
            kind: EvidenceKind::Fact,
            text: f.clone(),
            date: None,
        })
        .collect();
    if let Some(link) = &evidence.link {
        out.push(EvidenceLine {
            kind: EvidenceKind::Link,
            text: link.sentence(params),
            date: None,
        });
    }
    let mut days = evidence.days.clone();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    for d in days.iter().take(EVIDENCE_DAYS_LISTED) {
        out.push(EvidenceLine {
            kind: EvidenceKind::Day,
            text: day_label(*d),
            date: Some(d.to_string()),
        });
    }
    if days.len() > EVIDENCE_DAYS_LISTED {
        out.push(EvidenceLine {
            kind: EvidenceKind::Day,
            text: format!("and {} earlier days", days.len() - EVIDENCE_DAYS_LISTED),
            date: None,
        });
    }
    let mut checkins = evidence.checkins.clone();
    checkins.sort_unstable_by(|a, b| b.cmp(a));
    for c in &checkins {
        out.push(EvidenceLine {
            kind: EvidenceKind::CheckIn,
            text: format!("Check-in {}", moment_label(tz, *c)),
            date: None,
        });
    }
    let mut events = evidence.events.clone();
    events.sort_unstable_by_key(|e| std::cmp::Reverse(e.start_ms));
    for e in events.iter().take(EVIDENCE_EVENTS_LISTED) {
        let secs = (e.end_ms - e.start_ms).max(0) as f64 / 1000.0;
        let freq = e
            .dominant_freq_hz
            .filter(|f| f.is_finite())
            .map(|f| format!(", {f:.1} Hz"))
            .unwrap_or_default();
        out.push(EvidenceLine {
            kind: EvidenceKind::Event,
            text: format!(
                "{} {}, {}{freq}",
                kind_label(e.kind),
                moment_label(tz, e.start_ms),
                duration_label(secs)
            ),
            date: None,
        });
    }
    if events.len() > EVIDENCE_EVENTS_LISTED {
        out.push(EvidenceLine {
            kind: EvidenceKind::Event,
            text: format!(
                "and {} more episodes",
                events.len() - EVIDENCE_EVENTS_LISTED
            ),
            date: None,
        });
    }
    out
}

impl AlertFacts {
    /// The screens' view of a stored alert.
    pub fn from_alert(tz: &TimeZone, alert: &Alert, params: &RuleParams) -> AlertFacts {
        AlertFacts {
            alert_id: alert.id.clone(),
            rule_id: alert.rule.as_str().to_string(),
            severity: alert.severity,
            rank: alert.rank,
            title: alert.title.clone(),
            body: alert.message.clone(),
            evidence: evidence_lines(tz, &alert.evidence, params),
            raised_at_ms: alert.first_raised_ms,
            acknowledged_at_ms: match alert.status {
                AlertStatus::Acknowledged => {
                    Some(alert.acknowledged_ms.unwrap_or(alert.last_seen_ms))
                }
                _ => None,
            },
            resolved_at_ms: match alert.status {
                AlertStatus::Resolved => Some(alert.resolved_ms.unwrap_or(alert.last_seen_ms)),
                _ => None,
            },
            escalated_from: alert.escalated_from,
        }
    }
}

fn rules_error(e: RulesError) -> ScreenError {
    match e {
        RulesError::UnknownAlert(id) => ScreenError::NotFound(format!(
            "alert '{id}' no longer exists (it may have been removed with old data); open the Alerts list"
        )),
        other => ScreenError::Rules(other),
    }
}

impl ScreenModel {
    /// Every stored alert, as the screens see it.
    pub(crate) fn alert_facts(&self) -> Result<Vec<AlertFacts>, ScreenError> {
        let center = self.monitor.alerts();
        let params = center.params(self.store()).map_err(rules_error)?;
        let tz = self.store().time_zone();
        Ok(center
            .alerts()
            .map_err(rules_error)?
            .iter()
            .map(|a| AlertFacts::from_alert(&tz, a, &params))
            .collect())
    }

    pub fn alerts(&self) -> Result<AlertsState, ScreenError> {
        let tz = self.store().time_zone();
        Ok(AlertsState::build(&tz, &self.alert_facts()?))
    }

    /// One alert with its evidence (what a notification tap opens).
    pub fn alert_detail(&self, alert_id: &str) -> Result<AlertRow, ScreenError> {
        let tz = self.store().time_zone();
        self.alert_facts()?
            .iter()
            .find(|a| a.alert_id == alert_id)
            .map(|a| AlertRow::of(&tz, a))
            .ok_or_else(|| {
                ScreenError::NotFound(format!(
                    "alert '{alert_id}' no longer exists (it may have been removed with old data); open the Alerts list"
                ))
            })
    }

    pub(crate) fn top_alert(&self) -> Result<Option<AlertRow>, ScreenError> {
        Ok(self.alerts()?.active.into_iter().next())
    }
}
