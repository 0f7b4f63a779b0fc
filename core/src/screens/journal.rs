//! Journal and check-in: the form for one local day (lifestyle factors from the seed text, and the
//! symptom check-in with its body map), its bounds, quick-add chips and the validation of each value.

use jiff::civil::Date;

use super::format::day_label;
use super::{ScreenError, ScreenModel};
use crate::model::TimestampMs;
use crate::store::local_date;

#[derive(Debug, Clone, PartialEq)]
pub enum JournalFieldKind {
    /// A number within `min..=max` in steps of `step`, with quick-add chips (label, amount).
    Number {
        unit: String,
        min: f64,
        max: f64,
        step: f64,
        quick_add: Vec<(String, f64)>,
    },
    /// A whole-number scale (stress 0–10).
    Scale {
        min: u32,
        max: u32,
        low_label: String,
        high_label: String,
    },
    Toggle,
    /// Pick any number of `choices`.
    MultiChoice {
        choices: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct JournalField {
    /// Stable key the shell sends back with a value ("caffeine_mg").
    pub key: String,
    pub label: String,
    pub kind: JournalFieldKind,
    pub help: Option<String>,
    /// Shown under the field when it is set: e.g. the "seek immediate attention" line.
    pub warning_when_set: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JournalState {
    pub date: String,
    pub date_label: String,
    pub is_today: bool,
    pub lifestyle: Vec<JournalField>,
    pub checkin: Vec<JournalField>,
    /// Always shown above the check-in.
    pub urgent_note: String,
    pub save_label: String,
}

const URGENT_LINE: &str =
    "If you have difficulty swallowing or speaking, seek immediate medical attention now.";

pub const BODY_MAP: [&str; 11] = [
    "Left hand",
    "Right hand",
    "Left forearm",
    "Right forearm",
    "Left upper arm",
    "Right upper arm",
    "Face",
    "Tongue",
    "Trunk",
    "Legs",
    "Feet",
];

pub const MEDICATION_CLASSES: [&str; 5] = [
    "Stimulant (incl. asthma or attention-deficit medicine)",
    "Antidepressant",
    "Diuretic",
    "Corticosteroid",
    "Other",
];

fn number(
    key: &str,
    label: &str,
    unit: &str,
    max: f64,
    step: f64,
    help: Option<&str>,
) -> JournalField {
    JournalField {
        key: key.into(),
        label: label.into(),
        kind: JournalFieldKind::Number {
            unit: unit.into(),
            min: 0.0,
            max,
            step,
            quick_add: Vec::new(),
        },
        help: help.map(str::to_string),
        warning_when_set: None,
    }
}

fn scale(key: &str, label: &str, min: u32, max: u32, low: &str, high: &str) -> JournalField {
    JournalField {
        key: key.into(),
        label: label.into(),
        kind: JournalFieldKind::Scale {
            min,
            max,
            low_label: low.into(),
            high_label: high.into(),
        },
        help: None,
        warning_when_set: None,
    }
}

fn toggle(key: &str, label: &str, warning: Option<&str>) -> JournalField {
    JournalField {
        key: key.into(),
        label: label.into(),
        kind: JournalFieldKind::Toggle,
        help: None,
        warning_when_set: warning.map(str::to_string),
    }
}

fn multi(key: &str, label: &str, choices: &[&str]) -> JournalField {
    JournalField {
        key: key.into(),
        label: label.into(),
        kind: JournalFieldKind::MultiChoice {
            choices: choices.iter().map(|c| c.to_string()).collect(),
        },
        help: None,
        warning_when_set: None,
    }
}

fn lifestyle_fields() -> Vec<JournalField> {
    let mut caffeine = number(
        "caffeine_mg",
        "Caffeine",
        "mg",
        2000.0,
        5.0,
        Some("More than 400 mg a day makes twitching more likely."),
    );
    if let JournalFieldKind::Number { quick_add, .. } = &mut caffeine.kind {
        // Typical amounts per serving; the user can correct the total.
        *quick_add = vec![
            ("Espresso".into(), 63.0),
            ("Filter coffee (240 ml)".into(), 95.0),
            ("Black tea (240 ml)".into(), 47.0),
            ("Cola (330 ml)".into(), 34.0),
            ("Energy drink (250 ml)".into(), 80.0),
        ];
    }
    vec![
        caffeine,
        number("sleep_hours", "Sleep last night", "h", 24.0, 0.5, None),
        scale("sleep_quality", "Sleep quality", 1, 5, "Poor", "Restful"),
        scale("stress", "Stress", 0, 10, "Calm", "Overwhelmed"),
        number("hydration_l", "Water and drinks", "l", 10.0, 0.25, None),
        scale(
            "exertion",
            "Physical strain",
            0,
            10,
            "Rest day",
            "Exhausting",
        ),
        toggle("nicotine", "Nicotine", None),
        multi("medications", "Medications taken", &MEDICATION_CLASSES),
        toggle("electrolytes", "Electrolyte or magnesium supplement", None),
    ]
}

fn checkin_fields() -> Vec<JournalField> {
    vec![
        multi(
            "twitch_locations",
            "Where did you feel twitching?",
            &BODY_MAP,
        ),
        toggle("weakness", "Weakness, or trouble gripping objects", None),
        toggle(
            "fine_motor",
            "Trouble with fine tasks (buttons, writing)",
            None,
        ),
        toggle(
            "muscle_wasting",
            "Visible muscle wasting (a muscle looks thinner)",
            None,
        ),
        toggle("swallowing", "Difficulty swallowing", Some(URGENT_LINE)),
        toggle("speaking", "Difficulty speaking", Some(URGENT_LINE)),
    ]
}

/// Checks one value the shell sends for `key`, as text (numbers with '.', toggles "true"/"false",
/// multi-choice as the chosen labels separated by '\n'). Returns the normalised value.
pub fn validate_journal_value(key: &str, value: &str) -> Result<String, ScreenError> {
    let field = lifestyle_fields()
        .into_iter()
        .chain(checkin_fields())
        .find(|f| f.key == key)
        .ok_or_else(|| ScreenError::NotFound(format!("'{key}' is not a journal field")))?;
    let value = value.trim();
    match &field.kind {
        JournalFieldKind::Number { unit, min, max, .. } => {
            let v: f64 = value.parse().map_err(|_| {
                ScreenError::InvalidInput(format!("{}: '{value}' is not a number", field.label))
            })?;
            if !v.is_finite() || v < *min || v > *max {
                return Err(ScreenError::InvalidInput(format!(
                    "{}: {value} {unit} is outside {min}–{max} {unit}",
                    field.label
                )));
            }
            Ok(v.to_string())
        }
        JournalFieldKind::Scale { min, max, .. } => match value.parse::<u32>() {
            Ok(v) if (*min..=*max).contains(&v) => Ok(v.to_string()),
            _ => Err(ScreenError::InvalidInput(format!(
                "{}: choose a whole number from {min} to {max}, not '{value}'",
                field.label
            ))),
        },
        JournalFieldKind::Toggle => match value {
            "true" | "false" => Ok(value.to_string()),
            _ => Err(ScreenError::InvalidInput(format!(
                "{}: expected true or false, not '{value}'",
                field.label
            ))),
        },
        JournalFieldKind::MultiChoice { choices } => {
            let mut picked = Vec::new();
            for item in value.lines().map(str::trim).filter(|s| !s.is_empty()) {
                if !choices.iter().any(|c| c == item) {
                    return Err(ScreenError::InvalidInput(format!(
                        "{}: '{item}' is not one of the choices",
                        field.label
                    )));
                }
                if !picked.contains(&item) {
                    picked.push(item);
                }
            }
            Ok(picked.join("\n"))
        }
    }
}

impl ScreenModel {
    /// The journal form for a local day (ISO date; `None` = today). Future days are refused.
    pub fn journal(
        &self,
        date: Option<&str>,
        now_ms: TimestampMs,
    ) -> Result<JournalState, ScreenError> {
        let tz = self.store().time_zone();
        let today = local_date(&tz, now_ms);
        let day: Date = match date {
            None => today,
            Some(d) => d.trim().parse().map_err(|e| {
                ScreenError::InvalidInput(format!("'{d}' is not a date like 2026-11-25: {e}"))
            })?,
        };
        if day > today {
            return Err(ScreenError::InvalidInput(format!(
                "{day} is in the future; the journal takes today or earlier days"
            )));
        }
        Ok(JournalState {
            date: day.to_string(),
            date_label: day_label(day),
            is_today: day == today,
            lifestyle: lifestyle_fields(),
            checkin: checkin_fields(),
            urgent_note: URGENT_LINE.into(),
            save_label: "Save".into(),
        })
    }

    /// Validates and stores one journal or check-in value.
    ///
    /// NOTE (issue 4): `core::journal` is not written yet, so after validation this returns
    /// `NotAvailable`. When it lands, store through it here and evaluate the rules (a swallowing
    /// check-in must raise the urgent alert in the same call).
    pub fn save_journal_value(
        &self,
        date: &str,
        key: &str,
        value: &str,
        now_ms: TimestampMs,
    ) -> Result<JournalState, ScreenError> {
        self.journal(Some(date), now_ms)?;
        validate_journal_value(key, value)?;
        Err(ScreenError::NotAvailable("saving the journal"))
    }
}
