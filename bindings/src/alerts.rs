//! `Alerts`: the alerts raised from the rules, the rules themselves and their thresholds. The text
//! (title, message, evidence facts) is written by the core.

use std::sync::Arc;

use twitchwatch_alerts::Alert;
use twitchwatch_app::monitor::now_ms;
use twitchwatch_rules::{RuleInfo, Threshold};

use crate::error::FfiResult;
use crate::listeners::{AlertListener, AlertListenerAdapter, ListenerHandle};
use crate::runtime::blocking;
use crate::twitchwatch::Shared;

/// Alerts and the rules behind them. From `TwitchWatch.alerts()`.
#[derive(uniffi::Object)]
pub struct Alerts {
    shared: Arc<Shared>,
}

impl Alerts {
    pub(crate) fn new(shared: Arc<Shared>) -> Arc<Self> {
        Arc::new(Self { shared })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Alerts {
    /// Every stored alert: live ones first, most important first, then newest.
    pub fn list(&self) -> FfiResult<Vec<Alert>> {
        Ok(self.shared.monitor()?.alerts().alerts()?)
    }

    pub fn get(&self, alert_id: String) -> FfiResult<Option<Alert>> {
        Ok(self.shared.monitor()?.alerts().alert(&alert_id)?)
    }

    /// The user has seen the alert; it stays quiet until new evidence or a higher severity.
    pub fn acknowledge(&self, alert_id: String) -> FfiResult<Alert> {
        Ok(self
            .shared
            .monitor()?
            .alerts()
            .acknowledge(&alert_id, now_ms())?)
    }

    /// Runs the rules over the history now (the daily background tick, and after journal edits);
    /// returns the new or escalated alerts, which the `AlertListener`s hear about too (on their own
    /// threads, possibly after this returns).
    pub async fn evaluate(&self) -> FfiResult<Vec<Alert>> {
        let monitor = self.shared.monitor()?;
        Ok(blocking(move || monitor.evaluate_rules(now_ms())).await??)
    }

    /// The rules with their severity and the sentence of the medical text each rests on.
    pub fn rules(&self) -> Vec<RuleInfo> {
        twitchwatch_rules::RULES.clone()
    }

    /// Every tunable threshold with its bounds and current value.
    pub fn thresholds(&self) -> FfiResult<Vec<Threshold>> {
        Ok(self.shared.monitor()?.alerts().thresholds()?)
    }

    /// Sets a threshold (`null` restores its default). Values outside the safe bounds are `InvalidInput`.
    pub fn set_threshold(&self, key: String, value: Option<f64>) -> FfiResult<()> {
        Ok(self.shared.monitor()?.alerts().set_param(&key, value)?)
    }

    /// Registers a listener for new and escalated alerts (post a notification from it) until the
    /// returned handle is cancelled or let go. At most 64 at once (`InvalidState` beyond).
    pub fn add_listener(&self, listener: Arc<dyn AlertListener>) -> FfiResult<Arc<ListenerHandle>> {
        let monitor = self.shared.monitor()?;
        let delivery = self.shared.registrations().alerts.register(listener)?;
        let adapter: Arc<dyn twitchwatch_alerts::AlertListener> = Arc::new(AlertListenerAdapter {
            delivery: delivery.clone(),
            store: monitor.store().clone(),
        });
        monitor.add_alert_listener(adapter.clone());
        let (shared, adapter) = (Arc::downgrade(&self.shared), Arc::downgrade(&adapter));
        Ok(ListenerHandle::new(delivery.dropped_counter(), move || {
            delivery.close();
            let monitor = shared.upgrade().and_then(|s| s.monitor().ok());
            if let (Some(monitor), Some(adapter)) = (monitor, adapter.upgrade()) {
                monitor.remove_alert_listener(&adapter);
            }
        }))
    }
}
