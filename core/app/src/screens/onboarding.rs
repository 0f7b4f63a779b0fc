//! Onboarding: the disclaimer the user must accept, the permissions step and the first pairing.
//! Acceptance is remembered in `onboarding.json` inside the store folder (schema-versioned, atomic write).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ScreenError, ScreenModel};
use twitchwatch_model::TimestampMs;

/// Bumped when the disclaimer's wording changes in substance: users then see and accept it again.
pub const DISCLAIMER_VERSION: u32 = 1;

const RECORD_FILE: &str = "onboarding.json";
const RECORD_SCHEMA: u8 = 1;

const DISCLAIMER_TITLE: &str = "Informational, not a medical device";
const DISCLAIMER_TEXT: &str = "TwitchWatch is informational, not a medical device. It counts twitches \
(fasciculations), tremor and spasms measured by your wearable and links them to your journal, but it \
does not diagnose anything and it can be wrong. Most muscle twitches are common and harmless. \
Talk to a doctor if twitching lasts for weeks without a clear lifestyle cause, spreads beyond your \
hands, or comes with weakness, clumsiness or visible muscle wasting. If twitching comes with \
difficulty swallowing or speaking, seek immediate medical attention: do not wait for an alert.";

/// What the platform has granted, as the shell knows it (the core cannot ask the OS).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PlatformPermissions {
    /// Scanning and connecting to the wearable (Android 12+: BLUETOOTH_SCAN + BLUETOOTH_CONNECT;
    /// older Android: location; iOS: Bluetooth authorization).
    pub bluetooth_granted: bool,
    /// Posting notifications (Android 13+ POST_NOTIFICATIONS; iOS alert authorization).
    pub notifications_granted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum OnboardingStep {
    Disclaimer,
    Permissions,
    Pairing,
    Done,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Disclaimer {
    pub title: String,
    pub text: String,
    pub version: u32,
    /// When the user accepted this version; `None` = not yet.
    pub accepted_at_ms: Option<TimestampMs>,
}

impl Disclaimer {
    pub fn current(accepted_at_ms: Option<TimestampMs>) -> Disclaimer {
        Disclaimer {
            title: DISCLAIMER_TITLE.into(),
            text: DISCLAIMER_TEXT.into(),
            version: DISCLAIMER_VERSION,
            accepted_at_ms,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct OnboardingState {
    pub step: OnboardingStep,
    /// 1-based position of `step` and the number of steps, for a progress indicator.
    pub step_number: u32,
    pub step_count: u32,
    pub title: String,
    pub body: String,
    pub disclaimer: Disclaimer,
    /// Human descriptions of what is still missing on the Permissions step.
    pub missing_permissions: Vec<String>,
    pub primary_action_label: String,
    /// E.g. "Try the demo without a sensor" on the Pairing step.
    pub secondary_action_label: Option<String>,
    /// The user chose the simulator instead of a wearable.
    pub demo_mode: bool,
    pub complete: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct OnboardingRecord {
    schema_version: u8,
    disclaimer_version: u32,
    accepted_at_ms: Option<TimestampMs>,
    #[serde(default)]
    demo_mode: bool,
}

fn record_path(store_dir: &Path) -> PathBuf {
    store_dir.join(RECORD_FILE)
}

fn load_record(store_dir: &Path) -> Result<OnboardingRecord, ScreenError> {
    let path = record_path(store_dir);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(OnboardingRecord::default())
        }
        Err(source) => {
            return Err(ScreenError::Io {
                action: "read the onboarding record",
                path,
                source,
            })
        }
    };
    match serde_json::from_slice::<OnboardingRecord>(&bytes) {
        Ok(r) if r.schema_version <= RECORD_SCHEMA => Ok(r),
        Ok(r) => Err(ScreenError::InvalidInput(format!(
            "{} was written by a newer TwitchWatch (schema {}); update the app",
            path.display(),
            r.schema_version
        ))),
        // A damaged record only costs the user one more tap on "I understand": start over rather than
        // lock them out of the app.
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "onboarding record unreadable; asking again");
            Ok(OnboardingRecord::default())
        }
    }
}

fn save_record(store_dir: &Path, record: &OnboardingRecord) -> Result<(), ScreenError> {
    let path = record_path(store_dir);
    let tmp = store_dir.join(format!("{RECORD_FILE}.tmp"));
    let io = |action: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| ScreenError::Io {
            action,
            path,
            source,
        }
    };
    let bytes = serde_json::to_vec_pretty(record).map_err(|e| {
        ScreenError::InvalidInput(format!("cannot encode the onboarding record: {e}"))
    })?;
    std::fs::write(&tmp, bytes).map_err(io("write the onboarding record", &tmp))?;
    // Rename is atomic: a crash leaves either the old record or the new one, never half of one.
    std::fs::rename(&tmp, &path).map_err(io("save the onboarding record", &path))?;
    Ok(())
}

impl ScreenModel {
    fn onboarding_record(&self) -> Result<OnboardingRecord, ScreenError> {
        load_record(self.store().path())
    }

    /// Whether the user chose the simulator (demo mode) during onboarding.
    pub fn demo_mode(&self) -> Result<bool, ScreenError> {
        Ok(self.onboarding_record()?.demo_mode)
    }

    pub fn onboarding(
        &self,
        permissions: &PlatformPermissions,
    ) -> Result<OnboardingState, ScreenError> {
        let record = self.onboarding_record()?;
        let accepted =
            record.disclaimer_version >= DISCLAIMER_VERSION && record.accepted_at_ms.is_some();
        let paired = self.store().paired_device()?.is_some();
        let demo = record.demo_mode;
        let step = if !accepted {
            OnboardingStep::Disclaimer
        } else if !demo && !permissions.bluetooth_granted {
            OnboardingStep::Permissions
        } else if !demo && !paired {
            OnboardingStep::Pairing
        } else {
            OnboardingStep::Done
        };
        let mut missing = Vec::new();
        if !permissions.bluetooth_granted {
            missing.push("Bluetooth: to find and connect to your wearable".to_string());
        }
        if !permissions.notifications_granted {
            missing.push("Notifications: to tell you when a pattern warrants a doctor".to_string());
        }
        let (title, body, primary, secondary) = match step {
            OnboardingStep::Disclaimer => (
                "Before you start".to_string(),
                "Please read this once. You can find it again under Report.".to_string(),
                "I understand".to_string(),
                None,
            ),
            OnboardingStep::Permissions => (
                "Allow Bluetooth and notifications".to_string(),
                "TwitchWatch needs Bluetooth to receive your wearable's measurements in the background, \
                 and notifications to tell you when a pattern warrants a doctor. It never uses your location."
                    .to_string(),
                "Allow".to_string(),
                Some("Try the demo without a sensor".to_string()),
            ),
            OnboardingStep::Pairing => (
                "Pair your wearable".to_string(),
                "Switch the wearable on and keep it close to the phone.".to_string(),
                "Search for wearables".to_string(),
                Some("Try the demo without a sensor".to_string()),
            ),
            OnboardingStep::Done => (
                "You're set".to_string(),
                if demo {
                    "Demo mode: TwitchWatch will show simulated measurements.".to_string()
                } else {
                    "Wear the sensor on the back of your hand or wrist; TwitchWatch monitors in the background."
                        .to_string()
                },
                "Go to Today".to_string(),
                None,
            ),
        };
        let step_number = match step {
            OnboardingStep::Disclaimer => 1,
            OnboardingStep::Permissions => 2,
            OnboardingStep::Pairing => 3,
            OnboardingStep::Done => 4,
        };
        Ok(OnboardingState {
            step,
            step_number,
            step_count: 4,
            title,
            body,
            disclaimer: Disclaimer::current(accepted.then_some(record.accepted_at_ms).flatten()),
            missing_permissions: missing,
            primary_action_label: primary,
            secondary_action_label: secondary,
            demo_mode: demo,
            complete: step == OnboardingStep::Done,
        })
    }

    /// The user tapped "I understand" on the current disclaimer.
    pub fn accept_disclaimer(
        &self,
        permissions: &PlatformPermissions,
        now_ms: TimestampMs,
    ) -> Result<OnboardingState, ScreenError> {
        let mut record = self.onboarding_record()?;
        record.schema_version = RECORD_SCHEMA;
        record.disclaimer_version = DISCLAIMER_VERSION;
        record.accepted_at_ms = Some(now_ms);
        save_record(self.store().path(), &record)?;
        self.onboarding(permissions)
    }

    /// Demo mode on or off (the simulator instead of a wearable). Requires the disclaimer first.
    pub fn set_demo_mode(
        &self,
        enabled: bool,
        permissions: &PlatformPermissions,
    ) -> Result<OnboardingState, ScreenError> {
        let mut record = self.onboarding_record()?;
        if record.accepted_at_ms.is_none() {
            return Err(ScreenError::InvalidInput(
                "accept the disclaimer first (\"I understand\")".into(),
            ));
        }
        record.schema_version = RECORD_SCHEMA;
        record.demo_mode = enabled;
        save_record(self.store().path(), &record)?;
        self.onboarding(permissions)
    }
}
