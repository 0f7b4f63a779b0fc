//! Mirrors of the lifestyle journal and symptom check-ins (`core::journal`), with `From`/`TryFrom` impls.
//! Validation (ranges, future dates) stays in core; here only the day strings are parsed.

use std::collections::BTreeSet;

use twitchwatch_journal as core;

use crate::dates::{format_date, parse_date};
use crate::error::TwitchWatchError;
use crate::macros::mirror_enum;

mirror_enum! {
    /// Common caffeinated drinks; each has a typical caffeine amount per serving (see `drink_caffeine_mg`).
    Drink <=> core::Drink {
        /// One 30 ml shot.
        Espresso,
        /// One 240 ml cup.
        BrewedCoffee,
        /// One 240 ml cup.
        InstantCoffee,
        /// One 240 ml cup.
        BlackTea,
        /// One 240 ml cup.
        GreenTea,
        /// One 355 ml can.
        Cola,
        /// One 250 ml can.
        EnergyDrink,
        /// One 200 mg tablet.
        CaffeineTablet,
    }
}

mirror_enum! {
    /// Medication classes the medical text names as possible causes of twitching.
    MedicationClass <=> core::MedicationClass {
        Stimulant, Antidepressant, Diuretic, Corticosteroid, Other,
    }
}

mirror_enum! {
    SupplementKind <=> core::SupplementKind {
        Magnesium, Potassium, Calcium, Electrolytes, Other,
    }
}

mirror_enum! {
    /// How well hydrated the user felt.
    Hydration <=> core::Hydration { Poor, Fair, Good }
}

mirror_enum! {
    /// Where on the body a twitch was felt.
    BodySite <=> core::BodySite {
        LeftHand, RightHand, LeftForearm, RightForearm, LeftUpperArm, RightUpperArm,
        Face, Tongue, Trunk, Legs, Feet,
    }
}

mirror_enum! {
    /// Symptoms a check-in can report; some of them raise red-flag alerts at once.
    Symptom <=> core::Symptom {
        Weakness, FineMotorDifficulty, MuscleWasting, DifficultySwallowing, DifficultySpeaking,
    }
}

/// Typical caffeine of one serving of `drink`, in mg.
#[uniffi::export]
pub fn drink_caffeine_mg(drink: Drink) -> f32 {
    core::Drink::from(drink).caffeine_mg()
}

/// A person-readable label of a symptom ("difficulty swallowing").
#[uniffi::export]
pub fn symptom_label(symptom: Symptom) -> String {
    core::Symptom::from(symptom).label().to_owned()
}

/// A person-readable label of a body site ("left forearm").
#[uniffi::export]
pub fn body_site_label(site: BodySite) -> String {
    core::BodySite::from(site).label().to_owned()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct DrinkServing {
    pub drink: Drink,
    pub servings: u8,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Medication {
    pub name: String,
    pub class: MedicationClass,
    /// Day the user started taking it (YYYY-MM-DD), if known.
    #[uniffi(default = None)]
    pub started_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Supplement {
    pub kind: SupplementKind,
    #[uniffi(default = None)]
    pub dose_mg: Option<f32>,
}

/// One local calendar day of the lifestyle journal. `null`/`nil` means "not recorded", never zero.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct JournalEntry {
    /// The local day, YYYY-MM-DD.
    pub date: String,
    /// Total caffeine of the day, drinks included.
    #[uniffi(default = None)]
    pub caffeine_mg: Option<f32>,
    #[uniffi(default = [])]
    pub drinks: Vec<DrinkServing>,
    #[uniffi(default = None)]
    pub sleep_hours: Option<f32>,
    /// 1 (very poor) … 5 (very good).
    #[uniffi(default = None)]
    pub sleep_quality_1_5: Option<u8>,
    #[uniffi(default = None)]
    pub stress_0_10: Option<u8>,
    #[uniffi(default = None)]
    pub hydration: Option<Hydration>,
    #[uniffi(default = None)]
    pub water_ml: Option<u32>,
    /// Physical strain, 0 (none) … 10 (exhausting).
    #[uniffi(default = None)]
    pub exertion_0_10: Option<u8>,
    #[uniffi(default = None)]
    pub nicotine_mg: Option<f32>,
    #[uniffi(default = [])]
    pub medications: Vec<Medication>,
    #[uniffi(default = [])]
    pub supplements: Vec<Supplement>,
    #[uniffi(default = "")]
    pub notes: String,
}

impl From<core::JournalEntry> for JournalEntry {
    fn from(e: core::JournalEntry) -> Self {
        Self {
            date: format_date(e.date),
            caffeine_mg: e.caffeine_mg,
            drinks: e
                .drinks
                .into_iter()
                .map(|d| DrinkServing {
                    drink: d.drink.into(),
                    servings: d.servings,
                })
                .collect(),
            sleep_hours: e.sleep_hours,
            sleep_quality_1_5: e.sleep_quality_1_5,
            stress_0_10: e.stress_0_10,
            hydration: e.hydration.map(Into::into),
            water_ml: e.water_ml,
            exertion_0_10: e.exertion_0_10,
            nicotine_mg: e.nicotine_mg,
            medications: e
                .medications
                .into_iter()
                .map(|m| Medication {
                    name: m.name,
                    class: m.class.into(),
                    started_on: m.started_on.map(format_date),
                })
                .collect(),
            supplements: e
                .supplements
                .into_iter()
                .map(|s| Supplement {
                    kind: s.kind.into(),
                    dose_mg: s.dose_mg,
                })
                .collect(),
            notes: e.notes,
        }
    }
}

impl TryFrom<JournalEntry> for core::JournalEntry {
    type Error = TwitchWatchError;

    fn try_from(e: JournalEntry) -> Result<Self, Self::Error> {
        let mut medications = Vec::with_capacity(e.medications.len());
        for m in e.medications {
            medications.push(core::Medication {
                name: m.name,
                class: m.class.into(),
                started_on: m
                    .started_on
                    .as_deref()
                    .map(|d| parse_date("medication started_on", d))
                    .transpose()?,
            });
        }
        Ok(core::JournalEntry {
            date: parse_date("journal date", &e.date)?,
            caffeine_mg: e.caffeine_mg,
            drinks: e
                .drinks
                .into_iter()
                .map(|d| core::DrinkServing {
                    drink: d.drink.into(),
                    servings: d.servings,
                })
                .collect(),
            sleep_hours: e.sleep_hours,
            sleep_quality_1_5: e.sleep_quality_1_5,
            stress_0_10: e.stress_0_10,
            hydration: e.hydration.map(Into::into),
            water_ml: e.water_ml,
            exertion_0_10: e.exertion_0_10,
            nicotine_mg: e.nicotine_mg,
            medications,
            supplements: e
                .supplements
                .into_iter()
                .map(|s| core::Supplement {
                    kind: s.kind.into(),
                    dose_mg: s.dose_mg,
                })
                .collect(),
            notes: e.notes,
        })
    }
}

/// A symptom check-in: where twitches were felt and which symptoms came with them.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct CheckIn {
    /// When it happened; also the check-in's id once stored (ms since the Unix epoch).
    pub at_ms: i64,
    #[uniffi(default = [])]
    pub twitch_sites: Vec<BodySite>,
    #[uniffi(default = [])]
    pub symptoms: Vec<Symptom>,
    #[uniffi(default = "")]
    pub note: String,
}

impl From<core::CheckIn> for CheckIn {
    fn from(c: core::CheckIn) -> Self {
        Self {
            at_ms: c.at_ms,
            twitch_sites: c.twitch_sites.into_iter().map(Into::into).collect(),
            symptoms: c.symptoms.into_iter().map(Into::into).collect(),
            note: c.note,
        }
    }
}

impl From<CheckIn> for core::CheckIn {
    fn from(c: CheckIn) -> Self {
        Self {
            at_ms: c.at_ms,
            twitch_sites: c
                .twitch_sites
                .into_iter()
                .map(Into::into)
                .collect::<BTreeSet<_>>(),
            symptoms: c
                .symptoms
                .into_iter()
                .map(Into::into)
                .collect::<BTreeSet<_>>(),
            note: c.note,
        }
    }
}
