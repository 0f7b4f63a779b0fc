//! Journal and check-in: the form for one local day with its stored values (lifestyle factors from the
//! seed text), quick-add drinks, medications, and the symptom check-in that raises alerts at once.

use std::collections::BTreeSet;
use twitchwatch_journal::JournalStore;

use jiff::civil::Date;

use super::format::{clock_label, day_label};
use super::{ScreenError, ScreenModel};
use twitchwatch_journal::{
    BodySite, Drink, Hydration, JournalEntry, Medication, MedicationClass, Supplement,
    SupplementKind, Symptom, CAFFEINE_MG_MAX, NICOTINE_MG_MAX, NOTE_CHARS_MAX, WATER_ML_MAX,
};
use twitchwatch_model::TimestampMs;
use twitchwatch_store::{local_date, start_of_day_ms};

/// The seed's threshold: "more than 400 milligrams of caffeine a day".
const CAFFEINE_HINT_MG: f32 = 400.0;

const URGENT_LINE: &str =
    "If you have difficulty swallowing or speaking, seek immediate medical attention now.";

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChoiceOption {
    /// What the shell sends back.
    pub key: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum JournalFieldKind {
    /// A number within `min..=max`; the stepper moves by `step`.
    Number {
        unit: String,
        min: f64,
        max: f64,
        step: f64,
    },
    /// A whole-number scale (stress 0–10).
    Scale {
        min: u32,
        max: u32,
        low_label: String,
        high_label: String,
    },
    SingleChoice {
        options: Vec<ChoiceOption>,
    },
    /// Values travel as keys separated by ','.
    MultiChoice {
        options: Vec<ChoiceOption>,
    },
    Text {
        max_chars: u32,
    },
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct JournalField {
    /// Stable key the shell sends back with a value ("caffeine_mg").
    pub key: String,
    pub label: String,
    pub kind: JournalFieldKind,
    /// The stored value as text, `None` when not recorded (never shown as 0).
    pub value: Option<String>,
    pub help: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DrinkChip {
    /// What the chip adds (one serving, through the journal).
    pub drink: Drink,
    pub label: String,
    pub caffeine_mg: f64,
    /// Servings recorded for the day.
    pub servings: u32,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct MedicationRow {
    /// Position in the day's list (for removing it).
    pub index: u32,
    pub name: String,
    pub class_label: String,
    pub started_label: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SymptomOption {
    pub symptom: Symptom,
    pub label: String,
    /// Swallowing or speaking: the form shows the urgent line next to it.
    pub urgent: bool,
}

/// A place on the check-in's body map.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct BodySiteOption {
    pub site: BodySite,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckInRow {
    /// The check-in's id (its time in ms).
    pub id: TimestampMs,
    pub time_label: String,
    pub sites_label: String,
    pub symptoms_label: String,
    pub has_red_flag: bool,
}

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct JournalState {
    pub date: String,
    pub date_label: String,
    pub is_today: bool,
    pub has_entry: bool,
    pub lifestyle: Vec<JournalField>,
    pub drinks: Vec<DrinkChip>,
    pub medications: Vec<MedicationRow>,
    pub medication_classes: Vec<ChoiceOption>,
    /// The check-in body map and the red-flag symptoms.
    pub body_sites: Vec<BodySiteOption>,
    pub symptoms: Vec<SymptomOption>,
    /// The day's check-ins, newest first.
    pub checkins: Vec<CheckInRow>,
    /// Shown when the day's caffeine is above 400 mg.
    pub caffeine_hint: Option<String>,
    /// Always shown above the check-in.
    pub urgent_note: String,
}

fn drink_label(d: Drink) -> &'static str {
    match d {
        Drink::Espresso => "Espresso",
        Drink::BrewedCoffee => "Coffee (240 ml)",
        Drink::InstantCoffee => "Instant coffee",
        Drink::BlackTea => "Black tea",
        Drink::GreenTea => "Green tea",
        Drink::Cola => "Cola (355 ml)",
        Drink::EnergyDrink => "Energy drink",
        Drink::CaffeineTablet => "Caffeine tablet",
    }
}

fn medication_label(c: MedicationClass) -> &'static str {
    match c {
        MedicationClass::Stimulant => "Stimulant (incl. asthma or attention-deficit medicine)",
        MedicationClass::Antidepressant => "Antidepressant",
        MedicationClass::Diuretic => "Diuretic",
        MedicationClass::Corticosteroid => "Corticosteroid",
        MedicationClass::Other => "Other",
    }
}

fn supplement_label(k: SupplementKind) -> &'static str {
    match k {
        SupplementKind::Magnesium => "Magnesium",
        SupplementKind::Potassium => "Potassium",
        SupplementKind::Calcium => "Calcium",
        SupplementKind::Electrolytes => "Electrolytes",
        SupplementKind::Other => "Other supplement",
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn opt_num<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|x| x.to_string())
}

fn lifestyle_fields(e: &JournalEntry) -> Vec<JournalField> {
    let number = |key: &str,
                  label: &str,
                  unit: &str,
                  max: f64,
                  step: f64,
                  value: Option<String>,
                  help: Option<&str>| {
        JournalField {
            key: key.into(),
            label: label.into(),
            kind: JournalFieldKind::Number {
                unit: unit.into(),
                min: 0.0,
                max,
                step,
            },
            value,
            help: help.map(str::to_string),
        }
    };
    let scale =
        |key: &str, label: &str, min: u32, max: u32, low: &str, high: &str, value: Option<u8>| {
            JournalField {
                key: key.into(),
                label: label.into(),
                kind: JournalFieldKind::Scale {
                    min,
                    max,
                    low_label: low.into(),
                    high_label: high.into(),
                },
                value: opt_num(value),
                help: None,
            }
        };
    let supplements: Vec<String> = e
        .supplements
        .iter()
        .map(|s| s.kind.as_str().to_string())
        .collect();
    vec![
        number(
            "caffeine_mg",
            "Caffeine",
            "mg",
            f64::from(CAFFEINE_MG_MAX),
            5.0,
            opt_num(e.caffeine_mg),
            Some(
                "More than 400 mg a day makes twitching more likely. Tap a drink below to add it.",
            ),
        ),
        number(
            "sleep_hours",
            "Sleep last night",
            "h",
            24.0,
            0.5,
            opt_num(e.sleep_hours),
            None,
        ),
        scale(
            "sleep_quality",
            "Sleep quality",
            1,
            5,
            "Very poor",
            "Very good",
            e.sleep_quality_1_5,
        ),
        scale(
            "stress",
            "Stress",
            0,
            10,
            "Calm",
            "Overwhelmed",
            e.stress_0_10,
        ),
        scale(
            "exertion",
            "Physical strain",
            0,
            10,
            "Rest day",
            "Exhausting",
            e.exertion_0_10,
        ),
        number(
            "water_ml",
            "Water and drinks",
            "ml",
            f64::from(WATER_ML_MAX),
            250.0,
            opt_num(e.water_ml),
            None,
        ),
        JournalField {
            key: "hydration".into(),
            label: "How hydrated did you feel?".into(),
            kind: JournalFieldKind::SingleChoice {
                options: [Hydration::Poor, Hydration::Fair, Hydration::Good]
                    .into_iter()
                    .map(|h| ChoiceOption {
                        key: hydration_key(h).into(),
                        label: capitalised(hydration_key(h)),
                    })
                    .collect(),
            },
            value: e.hydration.map(|h| hydration_key(h).to_string()),
            help: None,
        },
        number(
            "nicotine_mg",
            "Nicotine",
            "mg",
            f64::from(NICOTINE_MG_MAX),
            1.0,
            opt_num(e.nicotine_mg),
            None,
        ),
        JournalField {
            key: "supplements".into(),
            label: "Electrolyte or magnesium supplements".into(),
            kind: JournalFieldKind::MultiChoice {
                options: SupplementKind::ALL
                    .iter()
                    .copied()
                    .map(|k| ChoiceOption {
                        key: k.as_str().into(),
                        label: supplement_label(k).into(),
                    })
                    .collect(),
            },
            value: (!supplements.is_empty()).then(|| supplements.join(",")),
            help: None,
        },
        JournalField {
            key: "notes".into(),
            label: "Notes".into(),
            kind: JournalFieldKind::Text {
                max_chars: NOTE_CHARS_MAX as u32,
            },
            value: (!e.notes.is_empty()).then(|| e.notes.clone()),
            help: None,
        },
    ]
}

fn hydration_key(h: Hydration) -> &'static str {
    match h {
        Hydration::Poor => "poor",
        Hydration::Fair => "fair",
        Hydration::Good => "good",
    }
}

fn parse_opt<T: std::str::FromStr>(field: &str, value: &str) -> Result<Option<T>, ScreenError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<T>()
        .map(Some)
        .map_err(|_| ScreenError::InvalidInput(format!("{field}: '{v}' is not a number")))
}

/// Applies one form value to the entry; the journal validates the result before it is stored.
fn apply_value(e: &mut JournalEntry, key: &str, value: &str) -> Result<(), ScreenError> {
    match key {
        "caffeine_mg" => e.caffeine_mg = parse_opt("Caffeine", value)?,
        "sleep_hours" => e.sleep_hours = parse_opt("Sleep", value)?,
        "sleep_quality" => e.sleep_quality_1_5 = parse_opt("Sleep quality", value)?,
        "stress" => e.stress_0_10 = parse_opt("Stress", value)?,
        "exertion" => e.exertion_0_10 = parse_opt("Physical strain", value)?,
        "water_ml" => e.water_ml = parse_opt("Water", value)?,
        "nicotine_mg" => e.nicotine_mg = parse_opt("Nicotine", value)?,
        "hydration" => {
            e.hydration = match value.trim() {
                "" => None,
                v => Some(v.parse::<Hydration>()?),
            }
        }
        "supplements" => {
            let mut kinds = BTreeSet::new();
            for k in value.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                kinds.insert(k.parse::<SupplementKind>()?);
            }
            // Keep doses the user entered elsewhere (CLI) for kinds that stay selected.
            e.supplements.retain(|s| kinds.contains(&s.kind));
            for k in kinds {
                if !e.supplements.iter().any(|s| s.kind == k) {
                    e.supplements.push(Supplement { kind: k, dose_mg: None });
                }
            }
        }
        "notes" => e.notes = value.to_string(),
        other => {
            return Err(ScreenError::NotFound(format!(
                "'{other}' is not a journal field; use one of caffeine_mg, sleep_hours, sleep_quality, stress, exertion, water_ml, hydration, nicotine_mg, supplements, notes"
            )))
        }
    }
    Ok(())
}

fn parse_date(date: Option<&str>, today: Date) -> Result<Date, ScreenError> {
    let day = match date {
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
    Ok(day)
}

impl ScreenModel {
    fn today_date(&self, now_ms: TimestampMs) -> Date {
        local_date(&self.store().time_zone(), now_ms)
    }

    /// The journal for a local day (ISO date; `None` = today) with its stored values and check-ins.
    pub fn journal(
        &self,
        date: Option<&str>,
        now_ms: TimestampMs,
    ) -> Result<JournalState, ScreenError> {
        let store = self.store();
        let tz = store.time_zone();
        let today = self.today_date(now_ms);
        let day = parse_date(date, today)?;
        let stored = store.journal_entry(day)?;
        let has_entry = stored.is_some();
        let entry = stored.unwrap_or_else(|| JournalEntry::new(day));
        let start = start_of_day_ms(&tz, day);
        let end = day
            .tomorrow()
            .map(|d| start_of_day_ms(&tz, d))
            .unwrap_or(i64::MAX);
        let mut checkins = store.checkins_in_range(start, end)?;
        checkins.reverse();
        Ok(JournalState {
            date: day.to_string(),
            date_label: day_label(day),
            is_today: day == today,
            has_entry,
            lifestyle: lifestyle_fields(&entry),
            drinks: Drink::ALL
                .iter()
                .copied()
                .map(|d| DrinkChip {
                    drink: d,
                    label: drink_label(d).into(),
                    caffeine_mg: f64::from(d.caffeine_mg()),
                    servings: entry
                        .drinks
                        .iter()
                        .filter(|s| s.drink == d)
                        .map(|s| u32::from(s.servings))
                        .sum(),
                })
                .collect(),
            medications: entry
                .medications
                .iter()
                .enumerate()
                .map(|(i, m)| MedicationRow {
                    index: i as u32,
                    name: m.name.clone(),
                    class_label: medication_label(m.class).into(),
                    started_label: m.started_on.map(|d| format!("since {}", day_label(d))),
                })
                .collect(),
            medication_classes: MedicationClass::ALL
                .iter()
                .copied()
                .map(|c| ChoiceOption {
                    key: c.as_str().into(),
                    label: medication_label(c).into(),
                })
                .collect(),
            body_sites: BodySite::ALL
                .iter()
                .copied()
                .map(|b| BodySiteOption {
                    site: b,
                    label: capitalised(b.label()),
                })
                .collect(),
            symptoms: Symptom::ALL
                .iter()
                .copied()
                .map(|s| SymptomOption {
                    symptom: s,
                    label: capitalised(s.label()),
                    urgent: matches!(
                        s,
                        Symptom::DifficultySwallowing | Symptom::DifficultySpeaking
                    ),
                })
                .collect(),
            checkins: checkins
                .iter()
                .map(|c| CheckInRow {
                    id: c.at_ms,
                    time_label: clock_label(&tz, c.at_ms),
                    sites_label: if c.twitch_sites.is_empty() {
                        "No twitching noted".into()
                    } else {
                        capitalised(
                            &c.twitch_sites
                                .iter()
                                .map(|s| s.label())
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    },
                    symptoms_label: if c.symptoms.is_empty() {
                        "No other symptoms".into()
                    } else {
                        capitalised(
                            &c.symptoms
                                .iter()
                                .map(|s| s.label())
                                .collect::<Vec<_>>()
                                .join(", "),
                        )
                    },
                    has_red_flag: !c.symptoms.is_empty() || c.sites_beyond_hands().next().is_some(),
                })
                .collect(),
            caffeine_hint: entry
                .caffeine_mg
                .filter(|mg| *mg > CAFFEINE_HINT_MG)
                .map(|mg| {
                    format!("{mg:.0} mg is above 400 mg, the amount linked with more twitching.")
                }),
            urgent_note: URGENT_LINE.into(),
        })
    }

    fn edit_entry(
        &self,
        date: &str,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut JournalEntry) -> Result<(), ScreenError>,
    ) -> Result<JournalState, ScreenError> {
        let day = parse_date(Some(date), self.today_date(now_ms))?;
        // One step in the journal (read, edit, validate, write): two edits of the same day from two
        // threads both count, and a bad value leaves the stored entry as it was.
        self.store().update_journal_entry(day, now_ms, edit)?;
        self.journal(Some(date), now_ms)
    }

    /// Sets one field of a day's entry from the form (empty text clears it).
    pub fn set_journal_value(
        &self,
        date: &str,
        key: &str,
        value: &str,
        now_ms: TimestampMs,
    ) -> Result<JournalState, ScreenError> {
        self.edit_entry(date, now_ms, |e| apply_value(e, key, value))
    }

    pub fn add_medication(
        &self,
        date: &str,
        name: &str,
        class_key: &str,
        started_on: Option<&str>,
        now_ms: TimestampMs,
    ) -> Result<JournalState, ScreenError> {
        let class: MedicationClass = class_key.parse()?;
        let started_on = match started_on.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => Some(s.parse::<Date>().map_err(|e| {
                ScreenError::InvalidInput(format!(
                    "start date '{s}' is not a date like 2026-11-25: {e}"
                ))
            })?),
        };
        self.edit_entry(date, now_ms, |e| {
            e.medications.push(Medication {
                name: name.trim().to_string(),
                class,
                started_on,
            });
            Ok(())
        })
    }

    pub fn remove_medication(
        &self,
        date: &str,
        index: u32,
        now_ms: TimestampMs,
    ) -> Result<JournalState, ScreenError> {
        self.edit_entry(date, now_ms, |e| {
            let i = index as usize;
            if i >= e.medications.len() {
                return Err(ScreenError::NotFound(format!(
                    "there is no medication number {index} on this day"
                )));
            }
            e.medications.remove(i);
            Ok(())
        })
    }
}
