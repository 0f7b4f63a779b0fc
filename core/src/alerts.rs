//! Alerts raised by the rules: persisted, de-duplicated, cooled down, escalated, acknowledged,
//! and delivered to registered listeners (shell notifications, CLI output).

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::model::TimestampMs;
use crate::rules::RulesError;
use crate::store::Store;

/// An alert as the user sees it (full version lands with the rules engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub rule_id: String,
    pub raised_at_ms: TimestampMs,
}

#[derive(Debug, thiserror::Error)]
#[error("alert listener failed: {0}")]
pub struct ListenerError(pub String);

/// Receives alerts; implemented by shells. Called outside any lock.
pub trait AlertListener: Send + Sync {
    fn on_alert(&self, alert: &Alert) -> Result<(), ListenerError>;
}

pub struct AlertCenter {
    #[allow(dead_code)]
    store: Store,
    listeners: Mutex<Vec<Arc<dyn AlertListener>>>,
}

impl AlertCenter {
    pub fn new(store: Store) -> AlertCenter {
        AlertCenter {
            store,
            listeners: Mutex::new(Vec::new()),
        }
    }

    pub fn add_listener(&self, listener: Arc<dyn AlertListener>) {
        self.listeners
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(listener);
    }

    pub fn evaluate(&self, _store: &Store, _now_ms: TimestampMs) -> Result<Vec<Alert>, RulesError> {
        Ok(Vec::new())
    }
}
