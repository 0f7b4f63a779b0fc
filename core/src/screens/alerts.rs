//! Alerts: active and acknowledged alerts with their evidence, most urgent first, and what to do.
//! Reads the alerts API through [`AlertFacts`], the one adapter between `core::alerts` and the screens.

use jiff::tz::TimeZone;

use super::format::moment_label;
use super::{ScreenError, ScreenModel};
use crate::model::{AlertSeverity, TimestampMs};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceKind {
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
    pub title: String,
    pub body: String,
    pub evidence: Vec<EvidenceLine>,
    pub raised_at_ms: TimestampMs,
    pub acknowledged_at_ms: Option<TimestampMs>,
    /// Set when the alert was raised at a lower severity and escalated since.
    pub escalated_from: Option<AlertSeverity>,
}

#[derive(Debug, Clone, PartialEq)]
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
    pub can_acknowledge: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertsState {
    /// Not yet acknowledged, most severe first, then newest first.
    pub active: Vec<AlertRow>,
    /// Acknowledged, newest first.
    pub acknowledged: Vec<AlertRow>,
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
            can_acknowledge: a.acknowledged_at_ms.is_none(),
        }
    }
}

impl AlertsState {
    /// Orders and labels alerts; pure, so the same facts always give the same screen.
    pub fn build(tz: &TimeZone, facts: &[AlertFacts]) -> AlertsState {
        let mut active: Vec<&AlertFacts> = facts
            .iter()
            .filter(|a| a.acknowledged_at_ms.is_none())
            .collect();
        active.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then(b.raised_at_ms.cmp(&a.raised_at_ms))
                .then(a.alert_id.cmp(&b.alert_id))
        });
        let mut done: Vec<&AlertFacts> = facts
            .iter()
            .filter(|a| a.acknowledged_at_ms.is_some())
            .collect();
        done.sort_by(|a, b| {
            b.raised_at_ms
                .cmp(&a.raised_at_ms)
                .then(a.alert_id.cmp(&b.alert_id))
        });
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
            acknowledged: done.iter().map(|a| AlertRow::of(tz, a)).collect(),
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

impl ScreenModel {
    /// Every stored alert, as the screens see it.
    ///
    /// NOTE (issue 4): `core::alerts::AlertCenter` has no list/acknowledge API yet and `Alert` carries
    /// only `rule_id` and `raised_at_ms`. When it lands, map each `Alert` to [`AlertFacts`] here (id,
    /// severity, title, body, evidence, acknowledged) — nothing else in the screens changes.
    pub(crate) fn alert_facts(&self) -> Result<Vec<AlertFacts>, ScreenError> {
        Ok(Vec::new())
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

    /// The user read an alert and tapped "Got it".
    pub fn acknowledge_alert(
        &self,
        alert_id: &str,
        _now_ms: TimestampMs,
    ) -> Result<AlertsState, ScreenError> {
        // Fails with NotFound for unknown ids today; persisting the acknowledgement waits for issue 4's
        // AlertCenter::acknowledge.
        self.alert_detail(alert_id)?;
        Err(ScreenError::NotAvailable("acknowledging alerts"))
    }

    pub(crate) fn top_alert(&self) -> Result<Option<AlertRow>, ScreenError> {
        Ok(self.alerts()?.active.into_iter().next())
    }
}
