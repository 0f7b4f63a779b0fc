//! Notification content for alerts and for the monitoring foreground service: text, channel,
//! Android importance, iOS interruption level, lock-screen wording and the alert a tap opens.

use super::alerts::{severity_label, what_to_do, AlertFacts};
use super::format::count_label;
use super::today::ConnectionView;
use super::{Destination, ScreenError, ScreenModel};
use twitchwatch_model::{AlertSeverity, TimestampMs};

/// Channel of the ongoing "monitoring" notification of Android's foreground service.
pub const MONITORING_CHANNEL_ID: &str = "twitchwatch.monitoring";
/// Notifications of alerts are grouped under this key (Android group, iOS thread identifier).
pub const ALERT_GROUP: &str = "twitchwatch.alerts";

/// Android `NotificationManager.IMPORTANCE_*`; `value()` is the platform constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum AndroidImportance {
    Min,
    Low,
    Default,
    High,
}

impl AndroidImportance {
    pub fn value(self) -> i32 {
        match self {
            AndroidImportance::Min => 1,
            AndroidImportance::Low => 2,
            AndroidImportance::Default => 3,
            AndroidImportance::High => 4,
        }
    }
}

/// iOS `UNNotificationInterruptionLevel`. `critical` needs an Apple entitlement; we never ask for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum InterruptionLevel {
    Passive,
    Active,
    TimeSensitive,
}

/// One Android notification channel, created by the shell at start-up exactly as listed.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NotificationChannelSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    pub importance: AndroidImportance,
    /// `NotificationManager.IMPORTANCE_*` value of `importance`.
    pub importance_value: i32,
    pub vibrate: bool,
    pub show_badge: bool,
    /// The severity whose alerts go here; `None` for the monitoring channel.
    pub severity: Option<AlertSeverity>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct NotificationContent {
    pub alert_id: String,
    /// Stable per alert, so an escalation replaces the earlier notification instead of adding one.
    pub notification_id: i32,
    pub title: String,
    pub body: String,
    /// Lock-screen wording: health details stay private until the phone is unlocked.
    pub public_title: String,
    pub public_body: String,
    pub severity: AlertSeverity,
    pub channel_id: String,
    pub android_importance: AndroidImportance,
    pub interruption_level: InterruptionLevel,
    /// Android: show as heads-up (full-screen intent is never used).
    pub heads_up: bool,
    /// iOS `relevanceScore`, 0..=1, so the summary shows the most serious alert first.
    pub relevance_score: f64,
    pub group_key: String,
    /// `twitchwatch://alerts/<id>`: what a tap opens.
    pub deep_link: String,
}

/// The foreground service's ongoing notification (Android) / the live status line (iOS).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OngoingNotification {
    pub channel_id: String,
    pub title: String,
    pub body: String,
    pub public_body: String,
    pub deep_link: String,
    pub stop_action_label: String,
}

fn channel_id(s: AlertSeverity) -> String {
    format!("twitchwatch.alerts.{}", s.as_str())
}

fn importance(s: AlertSeverity) -> AndroidImportance {
    match s {
        AlertSeverity::Urgent => AndroidImportance::High,
        AlertSeverity::SeeADoctor => AndroidImportance::Default,
        AlertSeverity::Advice => AndroidImportance::Low,
        AlertSeverity::Info => AndroidImportance::Min,
    }
}

fn interruption(s: AlertSeverity) -> InterruptionLevel {
    match s {
        AlertSeverity::Urgent => InterruptionLevel::TimeSensitive,
        AlertSeverity::SeeADoctor => InterruptionLevel::Active,
        AlertSeverity::Advice | AlertSeverity::Info => InterruptionLevel::Passive,
    }
}

/// Every channel the Android shell creates: one per severity, plus monitoring.
pub fn notification_channels() -> Vec<NotificationChannelSpec> {
    let mut out: Vec<NotificationChannelSpec> = AlertSeverity::ALL
        .iter()
        .rev()
        .map(|&s| NotificationChannelSpec {
            id: channel_id(s),
            name: format!("Alerts: {}", severity_label(s)),
            description: match s {
                AlertSeverity::Urgent => {
                    "Symptoms that need medical attention at once. Shown on top of other apps."
                }
                AlertSeverity::SeeADoctor => "Patterns that warrant a doctor's visit.",
                AlertSeverity::Advice => "Lifestyle links found in your journal.",
                AlertSeverity::Info => "Background information about your measurements.",
            }
            .into(),
            importance: importance(s),
            importance_value: importance(s).value(),
            vibrate: s >= AlertSeverity::SeeADoctor,
            show_badge: s >= AlertSeverity::Advice,
            severity: Some(s),
        })
        .collect();
    out.push(NotificationChannelSpec {
        id: MONITORING_CHANNEL_ID.into(),
        name: "Monitoring".into(),
        description: "Shown while TwitchWatch receives data from your wearable.".into(),
        importance: AndroidImportance::Low,
        importance_value: AndroidImportance::Low.value(),
        vibrate: false,
        show_badge: false,
        severity: None,
    });
    out
}

/// FNV-1a of the alert id folded into a positive `i32` (Android notification ids are ints).
fn stable_notification_id(alert_id: &str) -> i32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in alert_id.as_bytes() {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    // Stay positive and keep 0 and 1 free: 1 is the foreground service's ongoing notification.
    ((h & 0x7fff_ffff) as i32).max(2)
}

/// What to post for a new or escalated alert.
pub fn notification_for_alert(alert: &AlertFacts) -> NotificationContent {
    let s = alert.severity;
    let title = match s {
        AlertSeverity::Urgent => format!("Urgent: {}", alert.title),
        _ => alert.title.clone(),
    };
    let body = if alert.body.trim().is_empty() {
        what_to_do(s).to_string()
    } else if s >= AlertSeverity::SeeADoctor {
        format!("{} {}", alert.body.trim(), what_to_do(s))
    } else {
        alert.body.trim().to_string()
    };
    NotificationContent {
        alert_id: alert.alert_id.clone(),
        notification_id: stable_notification_id(&alert.alert_id),
        title,
        body,
        public_title: "TwitchWatch".into(),
        public_body: match s {
            AlertSeverity::Urgent => "Urgent alert: unlock to read".into(),
            _ => format!(
                "New alert ({}): unlock to read",
                severity_label(s).to_lowercase()
            ),
        },
        severity: s,
        channel_id: channel_id(s),
        android_importance: importance(s),
        interruption_level: interruption(s),
        heads_up: s == AlertSeverity::Urgent,
        relevance_score: match s {
            AlertSeverity::Urgent => 1.0,
            AlertSeverity::SeeADoctor => 0.75,
            AlertSeverity::Advice => 0.4,
            AlertSeverity::Info => 0.1,
        },
        group_key: ALERT_GROUP.into(),
        deep_link: Destination::Alert {
            alert_id: alert.alert_id.clone(),
        }
        .deep_link(),
    }
}

impl ScreenModel {
    /// Content of the foreground service's ongoing notification, refreshed on connection changes.
    pub fn monitoring_notification(
        &self,
        now_ms: TimestampMs,
    ) -> Result<OngoingNotification, ScreenError> {
        let today = self.today(now_ms)?;
        let device = today.device_name.unwrap_or_else(|| "your wearable".into());
        let connection = ConnectionView::of(&today.connection.state);
        let mut body = match &connection.detail {
            Some(d) => format!("{}. {d}", connection.label),
            None => connection.label.clone(),
        };
        body.push_str(&format!(
            " · {} today",
            count_label(u64::from(today.counts.twitches), "twitch", "twitches")
        ));
        Ok(OngoingNotification {
            channel_id: MONITORING_CHANNEL_ID.into(),
            title: format!("TwitchWatch: {device}"),
            body,
            public_body: connection.label,
            deep_link: Destination::Today.deep_link(),
            stop_action_label: "Stop".into(),
        })
    }

    /// Notification content for a stored alert (e.g. re-posting after a reboot).
    pub fn notification_for(&self, alert_id: &str) -> Result<NotificationContent, ScreenError> {
        self.alert_facts()?
            .iter()
            .find(|a| a.alert_id == alert_id)
            .map(notification_for_alert)
            .ok_or_else(|| ScreenError::NotFound(format!("alert '{alert_id}' does not exist")))
    }
}
