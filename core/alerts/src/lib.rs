//! Alerts raised by the rules: persisted (one record per alert id), de-duplicated, cooled down,
//! escalated, acknowledged, and delivered to registered listeners (shell notifications, CLI).
//!
//! Lifecycle: a finding with no live record raises an alert (Active) and notifies. While the rule
//! keeps firing the record is updated in place; listeners hear again only when the severity rises
//! (always, at once) or new evidence appears after the cool-down. Acknowledged alerts stay quiet
//! until a piece of evidence appears that was not there when they were acknowledged. When a rule
//! stops firing its alert becomes Resolved (kept as history for the report).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use twitchwatch_journal::JournalStore;
use twitchwatch_tasks::TaskStore;

use serde::{Deserialize, Serialize};

use twitchwatch_journal::CheckIn;
use twitchwatch_model::{AlertSeverity, MotorEventKind, TimestampMs};
use twitchwatch_rules::{
    self as rules, lookback_days, Evaluation, EventRef, Evidence, Finding, RuleId, RuleInput,
    RuleParams, RulesError,
};
use twitchwatch_store::{
    local_date, start_of_day_ms, sync, Collection, Settings, Store, StoreError,
};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();

/// The pieces of evidence an alert has told the user about; ordered so the stored record is stable.
pub type EvidenceTokens = BTreeSet<String>;
#[cfg(feature = "uniffi")]
uniffi::custom_type!(EvidenceTokens, Vec<String>, {
    remote,
    lower: |tokens| tokens.into_iter().collect(),
    try_lift: |tokens| Ok(tokens.into_iter().collect()),
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AlertStatus {
    Active,
    Acknowledged,
    /// The rule no longer fires.
    Resolved,
}

impl AlertStatus {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What recording a check-in returned: the stored check-in (its `at_ms` is its id) and the alerts it
/// raised or escalated at once (an urgent symptom is raised in the same call).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckInOutcome {
    pub checkin: CheckIn,
    pub alerts: Vec<Alert>,
}

/// An alert as the user sees it; delivered to listeners when new or escalated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Alert {
    /// Stable id: the rule id, or `lifestyle:<factor>`.
    pub id: String,
    pub rule: RuleId,
    pub severity: AlertSeverity,
    pub rank: u32,
    pub title: String,
    pub message: String,
    pub evidence: Evidence,
    pub status: AlertStatus,
    /// Set when the alert was raised to urgent by an urgent symptom.
    #[serde(default)]
    pub escalated_from: Option<AlertSeverity>,
    pub first_raised_ms: TimestampMs,
    /// Last time listeners were told about it.
    pub last_notified_ms: TimestampMs,
    /// Last evaluation that saw the rule fire.
    pub last_seen_ms: TimestampMs,
    #[serde(default)]
    pub acknowledged_ms: Option<TimestampMs>,
    #[serde(default)]
    pub resolved_ms: Option<TimestampMs>,
    /// How many times listeners were notified.
    pub times_notified: u32,
    /// Material evidence the user has been told about in this episode, and at acknowledgement.
    #[serde(default)]
    pub tokens: EvidenceTokens,
    #[serde(default)]
    pub acknowledged_tokens: EvidenceTokens,
}

impl Alert {
    pub fn is_live(&self) -> bool {
        self.status != AlertStatus::Resolved
    }
}

#[derive(Debug, thiserror::Error)]
#[error("alert listener failed: {0}")]
pub struct ListenerError(pub String);

/// Receives alerts; implemented by shells (notifications) and the CLI. Called outside any lock,
/// on the thread that ran the evaluation.
pub trait AlertListener: Send + Sync {
    fn on_alert(&self, alert: &Alert) -> Result<(), ListenerError>;
}

/// Minimum time between two notifications of the same alert for new evidence (a rise in
/// severity always notifies at once).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertPolicy {
    pub cooldown_info_ms: i64,
    pub cooldown_advice_ms: i64,
    pub cooldown_see_a_doctor_ms: i64,
    pub cooldown_urgent_ms: i64,
}

const HOUR_MS: i64 = 3_600_000;
/// An alert that only was "seen again" is rewritten at most this often.
const LAST_SEEN_WRITE_MS: i64 = HOUR_MS;

impl Default for AlertPolicy {
    fn default() -> Self {
        AlertPolicy {
            cooldown_info_ms: 7 * 24 * HOUR_MS,
            cooldown_advice_ms: 7 * 24 * HOUR_MS,
            cooldown_see_a_doctor_ms: 3 * 24 * HOUR_MS,
            cooldown_urgent_ms: 0,
        }
    }
}

impl AlertPolicy {
    pub fn cooldown_ms(&self, severity: AlertSeverity) -> i64 {
        match severity {
            AlertSeverity::Info => self.cooldown_info_ms,
            AlertSeverity::Advice => self.cooldown_advice_ms,
            AlertSeverity::SeeADoctor => self.cooldown_see_a_doctor_ms,
            AlertSeverity::Urgent => self.cooldown_urgent_ms,
        }
    }
}

/// Runs the rules over the store and turns findings into alerts. One per store; share it.
pub struct AlertCenter {
    store: Store,
    policy: AlertPolicy,
    listeners: Mutex<Vec<Arc<dyn AlertListener>>>,
    /// Serialises evaluations so two threads never reconcile the same alert records at once.
    evaluating: Mutex<()>,
}

fn alert_key(id: &str) -> Vec<u8> {
    id.as_bytes().to_vec()
}

impl AlertCenter {
    pub fn new(store: Store) -> AlertCenter {
        AlertCenter::with_policy(store, AlertPolicy::default())
    }

    pub fn with_policy(store: Store, policy: AlertPolicy) -> AlertCenter {
        AlertCenter {
            store,
            policy,
            listeners: Mutex::new(Vec::new()),
            evaluating: Mutex::new(()),
        }
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn add_listener(&self, listener: Arc<dyn AlertListener>) {
        sync::lock(&self.listeners).push(listener);
    }

    /// Unregisters `listener` (the same `Arc` that was added); it hears of no alert raised after this.
    pub fn remove_listener(&self, listener: &Arc<dyn AlertListener>) {
        sync::lock(&self.listeners).retain(|l| !Arc::ptr_eq(l, listener));
    }

    pub fn clear_listeners(&self) {
        sync::lock(&self.listeners).clear();
    }

    /// The rule thresholds in force (defaults overridden by settings). Unreadable settings fall
    /// back to the defaults: a damaged record must never stop red flags from being raised.
    pub fn params(&self, store: &Store) -> Result<RuleParams, RulesError> {
        Ok(RuleParams::resolve(&readable_settings(store)?.rule_params))
    }

    /// Changes one threshold after checking it against its safe bounds; `None` restores the default.
    pub fn set_param(&self, key: &str, value: Option<f64>) -> Result<(), RulesError> {
        let mut settings = readable_settings(&self.store)?;
        match value {
            Some(v) => {
                let spec = rules::check_value(key, v)?;
                settings.rule_params.insert(spec.key.to_string(), v);
            }
            None => {
                if rules::params::spec(key).is_none() {
                    return Err(RulesError::UnknownParameter {
                        key: key.to_string(),
                    });
                }
                settings.rule_params.remove(key);
            }
        }
        self.store.set_settings(&settings)?;
        Ok(())
    }

    /// Saves every setting at once; a rule threshold outside its safe bounds is refused like
    /// [`AlertCenter::set_param`] refuses it, and nothing is changed.
    pub fn set_settings(&self, settings: &Settings) -> Result<(), RulesError> {
        for (key, &value) in &settings.rule_params {
            rules::check_value(key, value)?;
        }
        self.store.set_settings(settings)?;
        Ok(())
    }

    /// Every rule threshold with the value in force.
    pub fn thresholds(&self) -> Result<Vec<rules::Threshold>, RulesError> {
        Ok(self.params(&self.store)?.thresholds())
    }

    /// Runs the rules without touching alerts (for the report and `rules` screens).
    pub fn assess(&self, store: &Store, now_ms: TimestampMs) -> Result<Evaluation, RulesError> {
        let p = self.params(store)?;
        let tz = store.time_zone();
        let today = local_date(&tz, now_ms);
        let from = rules::days_before(today, lookback_days(&p) - 1);
        let days = store.daily_summaries(from, today, &tz)?;
        let journal = store.journal_entries(from, today)?;
        let checkins =
            store.checkins_in_range(start_of_day_ms(&tz, from), now_ms.saturating_add(60_001))?;
        let task_results = store.all_task_results()?;
        let input = RuleInput {
            today,
            tz: &tz,
            days: &days,
            journal: &journal,
            checkins: &checkins,
            task_results: &task_results,
        };
        let mut evaluation = rules::evaluate(&input, &p);
        attach_tremor_events(store, &tz, today, &p, &mut evaluation)?;
        Ok(evaluation)
    }

    /// The one entry point: call when a minute or day completes, after a check-in, and on a daily
    /// tick. Persists alert changes and returns (and delivers to listeners) the alerts that were
    /// raised, escalated or re-raised with new evidence by this call.
    pub fn evaluate(&self, store: &Store, now_ms: TimestampMs) -> Result<Vec<Alert>, RulesError> {
        // Listeners run after the lock is released: they may call back (e.g. acknowledge).
        let notify = {
            let _one_at_a_time = sync::lock(&self.evaluating);
            let evaluation = self.assess(store, now_ms)?;
            let mut notify = Vec::new();
            let mut seen = BTreeSet::new();
            let mut wrote = false;
            for f in &evaluation.findings {
                seen.insert(f.alert_id.clone());
                let existing = read_alert(store, &f.alert_id)?;
                let unchanged_before = existing.clone();
                let (alert, tell) = self.reconcile(existing, f, now_ms);
                // Only the last-seen time moving is not worth a write (evaluate runs every minute).
                let same = unchanged_before.as_ref().is_some_and(|old| {
                    Alert {
                        last_seen_ms: old.last_seen_ms,
                        ..alert.clone()
                    } == *old
                        && now_ms.saturating_sub(old.last_seen_ms) < LAST_SEEN_WRITE_MS
                });
                if !same {
                    store.put_json(Collection::Alerts, &alert_key(&alert.id), &alert)?;
                    wrote = true;
                }
                if tell {
                    notify.push(alert);
                }
            }
            for (key, mut alert) in store.scan_json::<Alert>(Collection::Alerts, None, None)? {
                if alert.is_live() && !seen.contains(&alert.id) {
                    alert.status = AlertStatus::Resolved;
                    alert.resolved_ms = Some(now_ms);
                    store.put_json(Collection::Alerts, &key, &alert)?;
                    wrote = true;
                }
            }
            if wrote {
                store.flush()?;
            }
            notify.sort_by_key(|a| std::cmp::Reverse(a.rank));
            notify
        };
        self.deliver(&notify);
        Ok(notify)
    }

    fn reconcile(
        &self,
        existing: Option<Alert>,
        f: &Finding,
        now_ms: TimestampMs,
    ) -> (Alert, bool) {
        let fresh = || Alert {
            id: f.alert_id.clone(),
            rule: f.rule,
            severity: f.severity,
            rank: f.rank,
            title: f.title.clone(),
            message: f.message.clone(),
            evidence: f.evidence.clone(),
            status: AlertStatus::Active,
            escalated_from: f.escalated_from,
            first_raised_ms: now_ms,
            last_notified_ms: now_ms,
            last_seen_ms: now_ms,
            acknowledged_ms: None,
            resolved_ms: None,
            times_notified: 1,
            tokens: f.tokens.clone(),
            acknowledged_tokens: BTreeSet::new(),
        };
        let Some(mut a) = existing else {
            return (fresh(), true);
        };
        let cooled =
            now_ms.saturating_sub(a.last_notified_ms) >= self.policy.cooldown_ms(f.severity);
        let rose = f.severity > a.severity;
        let acked = a.acknowledged_ms.is_some();
        let reference = if acked {
            &a.acknowledged_tokens
        } else {
            &a.tokens
        };
        let has_new = f.tokens.iter().any(|t| !reference.contains(t));
        let tell = if rose {
            true
        } else if acked {
            has_new && cooled
        } else if a.status == AlertStatus::Resolved {
            // It stopped and came back: a new episode, unless it flaps within the cool-down.
            cooled
        } else {
            has_new && cooled
        };
        a.severity = f.severity;
        a.rank = f.rank;
        a.title = f.title.clone();
        a.message = f.message.clone();
        a.evidence = f.evidence.clone();
        a.escalated_from = f.escalated_from;
        a.last_seen_ms = now_ms;
        a.resolved_ms = None;
        if tell {
            a.status = AlertStatus::Active;
            a.acknowledged_ms = None;
            a.acknowledged_tokens.clear();
            a.tokens.extend(f.tokens.iter().cloned());
            a.last_notified_ms = now_ms;
            a.times_notified += 1;
        } else if acked {
            a.status = AlertStatus::Acknowledged;
        } else {
            a.status = AlertStatus::Active;
        }
        (a, tell)
    }

    fn deliver(&self, alerts: &[Alert]) {
        if alerts.is_empty() {
            return;
        }
        // Cloned out of the lock: a listener may call back into the core (e.g. acknowledge).
        let listeners: Vec<Arc<dyn AlertListener>> = sync::lock(&self.listeners).clone();
        for alert in alerts {
            for l in &listeners {
                if let Err(e) = l.on_alert(alert) {
                    // Which alert it was is health data: debug only.
                    tracing::warn!("an alert listener failed: {e}");
                    tracing::debug!(alert = %alert.id, "the failed delivery was this alert");
                }
            }
        }
    }

    /// The once-a-day housekeeping a shell schedules (also fine to call more often): applies the
    /// retention setting, then evaluates the rules, so alerts follow the calendar even without new
    /// data. Returns the records removed and the alerts raised.
    pub fn daily_tick(&self, now_ms: TimestampMs) -> Result<(usize, Vec<Alert>), RulesError> {
        let removed = self.store.apply_retention(now_ms)?;
        let alerts = self.evaluate(&self.store, now_ms)?;
        Ok((removed, alerts))
    }

    /// Stores a check-in and evaluates at once, so an urgent symptom is raised in the same call.
    pub fn record_checkin(
        &self,
        checkin: &CheckIn,
        now_ms: TimestampMs,
    ) -> Result<CheckInOutcome, RulesError> {
        let checkin = self.store.add_checkin(checkin, now_ms)?;
        let alerts = self.evaluate(&self.store, now_ms)?;
        Ok(CheckInOutcome { checkin, alerts })
    }

    /// Marks an alert as seen by the user; it stays quiet until new evidence or a higher severity.
    pub fn acknowledge(&self, id: &str, now_ms: TimestampMs) -> Result<Alert, RulesError> {
        let _one_at_a_time = sync::lock(&self.evaluating);
        let mut alert: Alert = self
            .store
            .get_json(Collection::Alerts, &alert_key(id))?
            .ok_or_else(|| RulesError::UnknownAlert(id.to_string()))?;
        if alert.status == AlertStatus::Active {
            alert.status = AlertStatus::Acknowledged;
            alert.acknowledged_ms = Some(now_ms);
            alert.acknowledged_tokens = alert.tokens.clone();
            self.store
                .put_json(Collection::Alerts, &alert_key(id), &alert)?;
            self.store.flush()?;
        }
        Ok(alert)
    }

    /// Every stored alert: live ones first, then by rank (most important first), then newest.
    pub fn alerts(&self) -> Result<Vec<Alert>, RulesError> {
        let mut all: Vec<Alert> = self
            .store
            .scan_json::<Alert>(Collection::Alerts, None, None)?
            .into_iter()
            .map(|(_, a)| a)
            .collect();
        all.sort_by(|a, b| {
            b.is_live()
                .cmp(&a.is_live())
                .then(b.rank.cmp(&a.rank))
                .then(b.last_seen_ms.cmp(&a.last_seen_ms))
        });
        Ok(all)
    }

    pub fn alert(&self, id: &str) -> Result<Option<Alert>, RulesError> {
        Ok(self.store.get_json(Collection::Alerts, &alert_key(id))?)
    }
}

fn readable_settings(store: &Store) -> Result<twitchwatch_store::Settings, RulesError> {
    unless_damaged(
        store.settings(),
        twitchwatch_store::Settings::default(),
        "settings unreadable, using default thresholds",
    )
}

/// A damaged alert record is replaced rather than allowed to block every later alert.
fn read_alert(store: &Store, id: &str) -> Result<Option<Alert>, RulesError> {
    unless_damaged(
        store.get_json(Collection::Alerts, &alert_key(id)),
        None,
        "alert record unreadable, replacing it",
    )
}

/// A corrupt or newer-version record reads as `fallback` (with a warning): a damaged record must
/// never stop red flags from being raised. Any other store error is passed on.
fn unless_damaged<T>(
    read: Result<T, StoreError>,
    fallback: T,
    what: &str,
) -> Result<T, RulesError> {
    match read {
        Ok(v) => Ok(v),
        Err(e @ (StoreError::CorruptRecord { .. } | StoreError::NewerRecord { .. })) => {
            tracing::warn!("{what}: {e}");
            Ok(fallback)
        }
        Err(e) => Err(e.into()),
    }
}

/// Tremor-progression evidence names the longest recent tremor episodes.
fn attach_tremor_events(
    store: &Store,
    tz: &jiff::tz::TimeZone,
    today: jiff::civil::Date,
    p: &RuleParams,
    evaluation: &mut Evaluation,
) -> Result<(), RulesError> {
    let Some(f) = evaluation
        .findings
        .iter_mut()
        .find(|f| f.rule == RuleId::TremorProgression)
    else {
        return Ok(());
    };
    let from = rules::days_before(today, RuleParams::days(p.tremor_period_days) - 1);
    let to = today
        .tomorrow()
        .map(|d| start_of_day_ms(tz, d))
        .unwrap_or(i64::MAX);
    let mut tremors: Vec<EventRef> = store
        .events_in_range(start_of_day_ms(tz, from), to)?
        .into_iter()
        .filter(|e| e.kind == MotorEventKind::Tremor)
        .map(|e| EventRef {
            kind: e.kind,
            start_ms: e.start_ms,
            end_ms: e.end_ms,
            dominant_freq_hz: e.dominant_freq_hz,
        })
        .collect();
    tremors.sort_by_key(|e| std::cmp::Reverse(e.end_ms - e.start_ms));
    tremors.truncate(5);
    f.evidence.events = tremors;
    Ok(())
}
