//! The lifestyle journal (one entry per local day: caffeine, sleep, stress, hydration, strain,
//! nicotine, medications, supplements) and symptom check-ins, validated and stored in sled.

use std::collections::BTreeSet;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use twitchwatch_model::{names, TimestampMs};
use twitchwatch_store::{date_key, time_key, Collection, Store, StoreError};

#[cfg(feature = "uniffi")]
uniffi::setup_scaffolding!();
#[cfg(feature = "uniffi")]
use twitchwatch_store::CalendarDay;
#[cfg(feature = "uniffi")]
uniffi::use_remote_type!(twitchwatch_store::CalendarDay);

// A check-in's sites and symptoms are sets; they cross the FFI as lists (duplicates collapse).
#[cfg(feature = "uniffi")]
type BodySites = BTreeSet<BodySite>;
#[cfg(feature = "uniffi")]
uniffi::custom_type!(BodySites, Vec<BodySite>, {
    remote,
    lower: |sites| sites.into_iter().collect(),
    try_lift: |sites| Ok(sites.into_iter().collect()),
});
#[cfg(feature = "uniffi")]
type Symptoms = BTreeSet<Symptom>;
#[cfg(feature = "uniffi")]
uniffi::custom_type!(Symptoms, Vec<Symptom>, {
    remote,
    lower: |symptoms| symptoms.into_iter().collect(),
    try_lift: |symptoms| Ok(symptoms.into_iter().collect()),
});

pub const CAFFEINE_MG_MAX: f32 = 3000.0;
pub const NICOTINE_MG_MAX: f32 = 200.0;
pub const WATER_ML_MAX: u32 = 15_000;
pub const SUPPLEMENT_MG_MAX: f32 = 10_000.0;
pub const NOTE_CHARS_MAX: usize = 2000;
pub const NAME_CHARS_MAX: usize = 100;
pub const EARLIEST_DATE: Date = jiff::civil::date(1900, 1, 1);

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{what} is dated {date}, which is in the future (today is {today}); enter it on or after the day it happened")]
    FutureDate {
        what: &'static str,
        date: String,
        today: Date,
    },
    #[error("no journal entry for {0}")]
    NoEntry(Date),
    #[error("no check-in with id {0}")]
    NoCheckIn(TimestampMs),
    #[error("unknown {what} '{given}': use one of {choices}")]
    Unknown {
        what: &'static str,
        given: String,
        choices: String,
    },
    #[error("{field}: character {position} is the control character {code} (a terminal escape, carriage return or similar); remove it. Nothing was stored")]
    ControlCharacter {
        field: &'static str,
        /// 1-based, in characters.
        position: usize,
        /// `U+001B` style.
        code: String,
    },
    #[error("the check-in is empty: give at least one place twitching is felt, a symptom or a note. Nothing was stored")]
    EmptyCheckIn,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Reads a journal choice the way people type it: any case, `-` or a space for `_`, spaces around it
/// ignored. `alias` maps everyday words ("coffee", "low") onto a variant before the names are tried;
/// an unknown word gets the journal's "use one of …" error listing every name.
fn parse_choice<T>(
    what: &'static str,
    given: &str,
    alias: impl Fn(&str) -> Option<T>,
) -> Result<T, JournalError>
where
    T: strum::VariantArray + Copy + Into<&'static str>,
{
    let norm = given.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    alias(&norm)
        .or_else(|| names::find(&norm))
        .ok_or_else(|| JournalError::Unknown {
            what,
            given: given.to_string(),
            choices: names::choices::<T>(),
        })
}

fn invalid(field: &'static str, reason: impl Into<String>) -> JournalError {
    JournalError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// Common caffeinated drinks with typical caffeine per serving (US FDA / USDA typical values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Drink {
    /// One 30 ml shot.
    Espresso,
    /// One 240 ml cup of brewed coffee.
    BrewedCoffee,
    /// One 240 ml cup of instant coffee.
    InstantCoffee,
    /// One 240 ml cup of black tea.
    BlackTea,
    /// One 240 ml cup of green tea.
    GreenTea,
    /// One 355 ml can of cola.
    Cola,
    /// One 250 ml energy drink.
    EnergyDrink,
    /// One 200 mg caffeine tablet.
    CaffeineTablet,
}

impl Drink {
    pub const ALL: &'static [Drink] = <Self as strum::VariantArray>::VARIANTS;

    pub fn caffeine_mg(self) -> f32 {
        match self {
            Drink::Espresso => 63.0,
            Drink::BrewedCoffee => 95.0,
            Drink::InstantCoffee => 62.0,
            Drink::BlackTea => 47.0,
            Drink::GreenTea => 28.0,
            Drink::Cola => 34.0,
            Drink::EnergyDrink => 80.0,
            Drink::CaffeineTablet => 200.0,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for Drink {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice("drink", s, |norm| match norm {
            "coffee" => Some(Drink::BrewedCoffee),
            "tea" => Some(Drink::BlackTea),
            _ => None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct DrinkServing {
    pub drink: Drink,
    pub servings: u8,
}

/// Medication classes the seed names as possible causes of twitching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum MedicationClass {
    /// Includes asthma (e.g. salbutamol, theophylline) and attention-deficit medicines.
    Stimulant,
    Antidepressant,
    Diuretic,
    Corticosteroid,
    Other,
}

impl MedicationClass {
    pub const ALL: &'static [MedicationClass] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for MedicationClass {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice("medication class", s, |_| None)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Medication {
    pub name: String,
    pub class: MedicationClass,
    /// When the user started taking it; lifestyle links use "started recently".
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub started_on: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum SupplementKind {
    Magnesium,
    Potassium,
    Calcium,
    /// Mixed electrolyte drink or tablet.
    Electrolytes,
    Other,
}

impl SupplementKind {
    pub const ALL: &'static [SupplementKind] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl std::str::FromStr for SupplementKind {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice("supplement", s, |_| None)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Supplement {
    pub kind: SupplementKind,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub dose_mg: Option<f32>,
}

/// How well hydrated the user felt, for people who do not measure water.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Hydration {
    Poor,
    Fair,
    Good,
}

impl std::str::FromStr for Hydration {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice("hydration", s, |norm| match norm {
            "low" => Some(Hydration::Poor),
            "ok" => Some(Hydration::Fair),
            "high" => Some(Hydration::Good),
            _ => None,
        })
    }
}

/// One local calendar day of the lifestyle journal. A `None` field means "not recorded", which
/// lifestyle links treat as unknown (never as zero).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct JournalEntry {
    pub date: Date,
    /// Total caffeine for the day, drinks included.
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub caffeine_mg: Option<f32>,
    /// Drinks added with [`JournalEntry::add_drink`] (their caffeine is already in `caffeine_mg`).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub drinks: Vec<DrinkServing>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub sleep_hours: Option<f32>,
    /// 1 (very poor) to 5 (very good).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub sleep_quality_1_5: Option<u8>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub stress_0_10: Option<u8>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub hydration: Option<Hydration>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub water_ml: Option<u32>,
    /// Physical strain or over-exertion, 0 (none) to 10 (exhausting).
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub exertion_0_10: Option<u8>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub nicotine_mg: Option<f32>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub medications: Vec<Medication>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub supplements: Vec<Supplement>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub notes: String,
}

impl JournalEntry {
    pub fn new(date: Date) -> JournalEntry {
        JournalEntry {
            date,
            caffeine_mg: None,
            drinks: Vec::new(),
            sleep_hours: None,
            sleep_quality_1_5: None,
            stress_0_10: None,
            hydration: None,
            water_ml: None,
            exertion_0_10: None,
            nicotine_mg: None,
            medications: Vec::new(),
            supplements: Vec::new(),
            notes: String::new(),
        }
    }

    /// Adds `servings` of a drink: records it and adds its caffeine to the day's total.
    pub fn add_drink(&mut self, drink: Drink, servings: u8) -> &mut Self {
        if servings == 0 {
            return self;
        }
        match self.drinks.iter_mut().find(|d| d.drink == drink) {
            Some(d) => d.servings = d.servings.saturating_add(servings),
            None => self.drinks.push(DrinkServing { drink, servings }),
        }
        let added = drink.caffeine_mg() * servings as f32;
        self.caffeine_mg = Some(self.caffeine_mg.unwrap_or(0.0) + added);
        self
    }

    /// Checks every field; `today` is the user's local date (no entries for future days).
    pub fn validate(&self, today: Date) -> Result<(), JournalError> {
        check_date("journal entry", self.date, today)?;
        if let Some(mg) = self.caffeine_mg {
            check_range("caffeine_mg", mg, 0.0, CAFFEINE_MG_MAX, "mg")?;
        }
        if let Some(h) = self.sleep_hours {
            check_range("sleep_hours", h, 0.0, 24.0, "hours")?;
        }
        if let Some(q) = self.sleep_quality_1_5 {
            if !(1..=5).contains(&q) {
                return Err(invalid(
                    "sleep_quality_1_5",
                    format!("{q} is outside 1 (very poor) ..= 5 (very good)"),
                ));
            }
        }
        check_scale("stress_0_10", self.stress_0_10)?;
        check_scale("exertion_0_10", self.exertion_0_10)?;
        if let Some(ml) = self.water_ml {
            if ml > WATER_ML_MAX {
                return Err(invalid(
                    "water_ml",
                    format!("{ml} ml is more than {WATER_ML_MAX} ml in a day; check the unit (millilitres)"),
                ));
            }
        }
        if let Some(mg) = self.nicotine_mg {
            check_range("nicotine_mg", mg, 0.0, NICOTINE_MG_MAX, "mg")?;
        }
        for m in &self.medications {
            check_text("medications", &m.name, false)?;
            let name = m.name.trim();
            if name.is_empty() || name.chars().count() > NAME_CHARS_MAX {
                return Err(invalid(
                    "medications",
                    format!("a medication name must have 1..={NAME_CHARS_MAX} characters"),
                ));
            }
            if let Some(started) = m.started_on {
                check_date("medication start date", started, today)?;
                if started > self.date {
                    return Err(invalid(
                        "medications",
                        format!(
                            "'{name}' starts on {started}, after this entry's day {}; list it from the day it started",
                            self.date
                        ),
                    ));
                }
            }
        }
        for s in &self.supplements {
            if let Some(mg) = s.dose_mg {
                check_range("supplements", mg, 0.0, SUPPLEMENT_MG_MAX, "mg")?;
            }
        }
        if self.notes.chars().count() > NOTE_CHARS_MAX {
            return Err(invalid(
                "notes",
                format!("notes are limited to {NOTE_CHARS_MAX} characters"),
            ));
        }
        check_text("notes", &self.notes, true)?;
        Ok(())
    }
}

/// Free text comes back raw in `journal list`, check-in lists and the CSV export, so control
/// characters (ESC sequences that rewrite a terminal, BEL, CR, NUL, C1 controls) and the invisible
/// bidirectional overrides that reorder displayed text are refused at input. A note may keep line
/// breaks and tabs (`multi_line`); a name may not.
fn check_text(field: &'static str, text: &str, multi_line: bool) -> Result<(), JournalError> {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let allowed = |c: char| multi_line && (c == '\n' || c == '\t');
    match text
        .chars()
        .enumerate()
        .find(|&(_, c)| (c.is_control() && !allowed(c)) || bidi(c))
    {
        Some((i, c)) => Err(JournalError::ControlCharacter {
            field,
            position: i + 1,
            code: format!("U+{:04X}", c as u32),
        }),
        None => Ok(()),
    }
}

fn check_date(what: &'static str, date: Date, today: Date) -> Result<(), JournalError> {
    if date > today {
        return Err(JournalError::FutureDate {
            what,
            date: date.to_string(),
            today,
        });
    }
    if date < EARLIEST_DATE {
        return Err(invalid(what, format!("{date} is before {EARLIEST_DATE}")));
    }
    Ok(())
}

fn check_range(
    field: &'static str,
    value: f32,
    min: f32,
    max: f32,
    unit: &str,
) -> Result<(), JournalError> {
    if !value.is_finite() {
        return Err(invalid(field, "must be a number"));
    }
    if value < min || value > max {
        return Err(invalid(
            field,
            format!("{value} {unit} is outside {min}..={max} {unit}"),
        ));
    }
    Ok(())
}

fn check_scale(field: &'static str, value: Option<u8>) -> Result<(), JournalError> {
    match value {
        Some(v) if v > 10 => Err(invalid(field, format!("{v} is outside the 0..=10 scale"))),
        _ => Ok(()),
    }
}

/// Where twitching is felt (the check-in body map).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum BodySite {
    LeftHand,
    RightHand,
    LeftForearm,
    RightForearm,
    LeftUpperArm,
    RightUpperArm,
    Face,
    Tongue,
    Trunk,
    Legs,
    Feet,
}

impl BodySite {
    pub const ALL: &'static [BodySite] = <Self as strum::VariantArray>::VARIANTS;

    pub fn is_hand(self) -> bool {
        matches!(self, BodySite::LeftHand | BodySite::RightHand)
    }

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            BodySite::LeftHand => "left hand",
            BodySite::RightHand => "right hand",
            BodySite::LeftForearm => "left forearm",
            BodySite::RightForearm => "right forearm",
            BodySite::LeftUpperArm => "left upper arm",
            BodySite::RightUpperArm => "right upper arm",
            BodySite::Face => "face",
            BodySite::Tongue => "tongue",
            BodySite::Trunk => "trunk",
            BodySite::Legs => "legs",
            BodySite::Feet => "feet",
        }
    }
}

impl std::str::FromStr for BodySite {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice("body site", s, |_| None)
    }
}

/// The symptoms the seed lists as red flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Symptom {
    /// Muscle weakness, such as trouble gripping objects.
    Weakness,
    /// Loss of coordination or difficulty with fine motor tasks.
    FineMotorDifficulty,
    /// Visible muscle wasting (atrophy).
    MuscleWasting,
    DifficultySwallowing,
    DifficultySpeaking,
}

impl Symptom {
    pub const ALL: &'static [Symptom] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        match self {
            Symptom::Weakness => "weakness or trouble gripping",
            Symptom::FineMotorDifficulty => "trouble with coordination or fine motor tasks",
            Symptom::MuscleWasting => "visible muscle wasting",
            Symptom::DifficultySwallowing => "difficulty swallowing",
            Symptom::DifficultySpeaking => "difficulty speaking",
        }
    }
}

impl std::str::FromStr for Symptom {
    type Err = JournalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_choice("symptom", s, |norm| match norm {
            "grip" | "weak_grip" => Some(Symptom::Weakness),
            "fine_motor" | "coordination" => Some(Symptom::FineMotorDifficulty),
            "wasting" | "atrophy" => Some(Symptom::MuscleWasting),
            "swallowing" => Some(Symptom::DifficultySwallowing),
            "speaking" | "speech" => Some(Symptom::DifficultySpeaking),
            _ => None,
        })
    }
}

/// A symptom check-in: where twitching is felt now and which red-flag symptoms are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct CheckIn {
    /// When it was made; also its id (unique within the store).
    pub at_ms: TimestampMs,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub twitch_sites: BTreeSet<BodySite>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = []))]
    pub symptoms: BTreeSet<Symptom>,
    #[serde(default)]
    #[cfg_attr(feature = "uniffi", uniffi(default = ""))]
    pub note: String,
}

impl CheckIn {
    pub fn new(at_ms: TimestampMs) -> CheckIn {
        CheckIn {
            at_ms,
            twitch_sites: BTreeSet::new(),
            symptoms: BTreeSet::new(),
            note: String::new(),
        }
    }

    pub fn has(&self, symptom: Symptom) -> bool {
        self.symptoms.contains(&symptom)
    }

    pub fn sites_beyond_hands(&self) -> impl Iterator<Item = BodySite> + '_ {
        self.twitch_sites.iter().copied().filter(|s| !s.is_hand())
    }

    pub fn validate(&self, now_ms: TimestampMs) -> Result<(), JournalError> {
        // A minute of slack for clocks that disagree between phone and shell.
        if self.at_ms > now_ms.saturating_add(60_000) {
            return Err(JournalError::FutureDate {
                what: "check-in",
                date: jiff::Timestamp::from_millisecond(self.at_ms)
                    .map(|t| t.to_string())
                    .unwrap_or_else(|_| self.at_ms.to_string()),
                today: jiff::Timestamp::from_millisecond(now_ms)
                    .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
                    .unwrap_or(EARLIEST_DATE),
            });
        }
        let earliest = EARLIEST_DATE
            .to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(i64::MIN);
        if self.at_ms < earliest {
            return Err(invalid("check-in", "the time is before 1900"));
        }
        if self.note.chars().count() > NOTE_CHARS_MAX {
            return Err(invalid(
                "note",
                format!("notes are limited to {NOTE_CHARS_MAX} characters"),
            ));
        }
        check_text("note", &self.note, true)?;
        // Nothing to record: no rule can use it, and a list of blank check-ins hides real ones.
        if self.twitch_sites.is_empty() && self.symptoms.is_empty() && self.note.trim().is_empty() {
            return Err(JournalError::EmptyCheckIn);
        }
        Ok(())
    }
}

fn today_in(store: &Store, now_ms: TimestampMs) -> Date {
    twitchwatch_store::local_date(&store.time_zone(), now_ms)
}

/// Read-modify-write edits of journal entries run one at a time, so two taps on "add espresso"
/// from two threads both count. One store is open per process (sled locks its folder), so one lock
/// per process is enough.
static JOURNAL_EDITS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Journal and check-in persistence on the store. Health values are never logged above debug.
pub trait JournalStore {
    /// Creates or replaces the entry for `entry.date` after validating it against the user's
    /// local "today" at `now_ms`.
    fn put_journal_entry(
        &self,
        entry: &JournalEntry,
        now_ms: TimestampMs,
    ) -> Result<(), JournalError>;

    fn journal_entry(&self, date: Date) -> Result<Option<JournalEntry>, JournalError>;

    /// Changes an existing entry with `edit`; the result is validated before it is stored.
    fn edit_journal_entry(
        &self,
        date: Date,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut JournalEntry),
    ) -> Result<JournalEntry, JournalError>;

    /// Changes the day's entry with `edit`, starting from an empty one when the day has none, and
    /// stores it validated. Read, edit and write are one step: concurrent updates of the same day all
    /// count. An error from `edit` or the validation stores nothing.
    fn update_journal_entry<E: From<JournalError>>(
        &self,
        date: Date,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut JournalEntry) -> Result<(), E>,
    ) -> Result<JournalEntry, E>;

    /// Adds `servings` of `drink` to the day's entry, creating it when the day has none, and
    /// returns the entry. Concurrent additions all count.
    fn add_drink(
        &self,
        date: Date,
        drink: Drink,
        servings: u8,
        now_ms: TimestampMs,
    ) -> Result<JournalEntry, JournalError>;

    /// Removes the entry. Its old bytes stay in the store's log until the files are rewritten,
    /// which the next open of the store does (`Store::compact` does it at once on a closed store).
    fn delete_journal_entry(&self, date: Date) -> Result<bool, JournalError>;

    /// Entries for `from..=to`, in date order (days without an entry are absent).
    fn journal_entries(&self, from: Date, to: Date) -> Result<Vec<JournalEntry>, JournalError>;

    /// Stores a check-in. Two check-ins in the same millisecond get distinct ids (the later one
    /// moves forward by a millisecond). Returns the stored check-in.
    fn add_checkin(&self, checkin: &CheckIn, now_ms: TimestampMs) -> Result<CheckIn, JournalError>;

    fn checkin(&self, id: TimestampMs) -> Result<Option<CheckIn>, JournalError>;

    /// Replaces the sites, symptoms and note of check-in `id` (its time stays).
    fn edit_checkin(
        &self,
        id: TimestampMs,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut CheckIn),
    ) -> Result<CheckIn, JournalError>;

    /// Removes the check-in; the files are rewritten as for [`JournalStore::delete_journal_entry`].
    fn delete_checkin(&self, id: TimestampMs) -> Result<bool, JournalError>;

    /// Check-ins made in `[from_ms, to_ms)`, oldest first.
    fn checkins_in_range(
        &self,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<CheckIn>, JournalError>;
}

impl JournalStore for Store {
    fn put_journal_entry(
        &self,
        entry: &JournalEntry,
        now_ms: TimestampMs,
    ) -> Result<(), JournalError> {
        entry.validate(today_in(self, now_ms))?;
        self.put_json(Collection::Journal, &date_key(entry.date), entry)?;
        self.flush()?;
        tracing::debug!(date = %entry.date, "journal entry stored");
        Ok(())
    }

    fn journal_entry(&self, date: Date) -> Result<Option<JournalEntry>, JournalError> {
        Ok(self.get_json(Collection::Journal, &date_key(date))?)
    }

    fn edit_journal_entry(
        &self,
        date: Date,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut JournalEntry),
    ) -> Result<JournalEntry, JournalError> {
        let _one_edit_at_a_time = twitchwatch_store::sync::lock(&JOURNAL_EDITS);
        let mut entry = self
            .journal_entry(date)?
            .ok_or(JournalError::NoEntry(date))?;
        edit(&mut entry);
        if entry.date != date {
            return Err(invalid(
                "date",
                "an edit cannot move an entry to another day; delete it and add a new one",
            ));
        }
        self.put_journal_entry(&entry, now_ms)?;
        Ok(entry)
    }

    fn update_journal_entry<E: From<JournalError>>(
        &self,
        date: Date,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut JournalEntry) -> Result<(), E>,
    ) -> Result<JournalEntry, E> {
        let _one_edit_at_a_time = twitchwatch_store::sync::lock(&JOURNAL_EDITS);
        let mut entry = self
            .journal_entry(date)?
            .unwrap_or_else(|| JournalEntry::new(date));
        edit(&mut entry)?;
        if entry.date != date {
            return Err(invalid(
                "date",
                "an edit cannot move an entry to another day; delete it and add a new one",
            )
            .into());
        }
        self.put_journal_entry(&entry, now_ms)?;
        Ok(entry)
    }

    fn add_drink(
        &self,
        date: Date,
        drink: Drink,
        servings: u8,
        now_ms: TimestampMs,
    ) -> Result<JournalEntry, JournalError> {
        self.update_journal_entry(date, now_ms, |entry| {
            entry.add_drink(drink, servings);
            Ok::<_, JournalError>(())
        })
    }

    fn delete_journal_entry(&self, date: Date) -> Result<bool, JournalError> {
        let removed = self.remove_key(Collection::Journal, &date_key(date))?;
        self.flush()?;
        Ok(removed)
    }

    fn journal_entries(&self, from: Date, to: Date) -> Result<Vec<JournalEntry>, JournalError> {
        let end = to.tomorrow().map(date_key).ok();
        let start = date_key(from);
        let rows = self.scan_json::<JournalEntry>(
            Collection::Journal,
            Some(&start),
            end.as_ref().map(|k| &k[..]),
        )?;
        Ok(rows.into_iter().map(|(_, e)| e).collect())
    }

    fn add_checkin(&self, checkin: &CheckIn, now_ms: TimestampMs) -> Result<CheckIn, JournalError> {
        checkin.validate(now_ms)?;
        let mut stored = checkin.clone();
        while self
            .get_json::<serde_json::Value>(Collection::Checkins, &time_key(stored.at_ms))?
            .is_some()
        {
            stored.at_ms += 1;
        }
        self.put_json(Collection::Checkins, &time_key(stored.at_ms), &stored)?;
        self.flush()?;
        tracing::debug!(id = stored.at_ms, "check-in stored");
        Ok(stored)
    }

    fn checkin(&self, id: TimestampMs) -> Result<Option<CheckIn>, JournalError> {
        Ok(self.get_json(Collection::Checkins, &time_key(id))?)
    }

    fn edit_checkin(
        &self,
        id: TimestampMs,
        now_ms: TimestampMs,
        edit: impl FnOnce(&mut CheckIn),
    ) -> Result<CheckIn, JournalError> {
        let mut c = self.checkin(id)?.ok_or(JournalError::NoCheckIn(id))?;
        edit(&mut c);
        c.at_ms = id;
        c.validate(now_ms)?;
        self.put_json(Collection::Checkins, &time_key(id), &c)?;
        self.flush()?;
        Ok(c)
    }

    fn delete_checkin(&self, id: TimestampMs) -> Result<bool, JournalError> {
        let removed = self.remove_key(Collection::Checkins, &time_key(id))?;
        self.flush()?;
        Ok(removed)
    }

    fn checkins_in_range(
        &self,
        from_ms: TimestampMs,
        to_ms: TimestampMs,
    ) -> Result<Vec<CheckIn>, JournalError> {
        let rows = self.scan_json::<CheckIn>(
            Collection::Checkins,
            Some(&time_key(from_ms)),
            Some(&time_key(to_ms)),
        )?;
        Ok(rows.into_iter().map(|(_, c)| c).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse_as_people_type_them_and_unknown_words_list_every_name() {
        let err = |e: JournalError| e.to_string();
        assert_eq!(
            err("mate".parse::<Drink>().unwrap_err()),
            "unknown drink 'mate': use one of espresso, brewed_coffee, instant_coffee, black_tea, \
             green_tea, cola, energy_drink, caffeine_tablet"
        );
        assert_eq!(
            err(" Legs ".parse::<Symptom>().unwrap_err()),
            "unknown symptom ' Legs ': use one of weakness, fine_motor_difficulty, muscle_wasting, \
             difficulty_swallowing, difficulty_speaking"
        );
        assert_eq!(
            err("x".parse::<BodySite>().unwrap_err()),
            "unknown body site 'x': use one of left_hand, right_hand, left_forearm, right_forearm, \
             left_upper_arm, right_upper_arm, face, tongue, trunk, legs, feet"
        );
        assert_eq!(
            err("x".parse::<MedicationClass>().unwrap_err()),
            "unknown medication class 'x': use one of stimulant, antidepressant, diuretic, \
             corticosteroid, other"
        );
        assert_eq!(
            err("x".parse::<SupplementKind>().unwrap_err()),
            "unknown supplement 'x': use one of magnesium, potassium, calcium, electrolytes, other"
        );
        assert_eq!(
            err("x".parse::<Hydration>().unwrap_err()),
            "unknown hydration 'x': use one of poor, fair, good"
        );
        assert_eq!(
            "Left Upper-Arm".parse::<BodySite>().unwrap(),
            BodySite::LeftUpperArm
        );
        assert_eq!(
            "  speech".parse::<Symptom>().unwrap(),
            Symptom::DifficultySpeaking
        );
        assert_eq!("OK".parse::<Hydration>().unwrap(), Hydration::Fair);
        assert_eq!(
            "Diuretic".parse::<MedicationClass>().unwrap(),
            MedicationClass::Diuretic
        );
        assert_eq!("black tea".parse::<Drink>().unwrap(), Drink::BlackTea);
        assert_eq!(Drink::CaffeineTablet.as_str(), "caffeine_tablet");
    }

    #[test]
    fn drinks_add_caffeine() {
        let mut e = JournalEntry::new(jiff::civil::date(2026, 1, 5));
        e.add_drink(Drink::Espresso, 2).add_drink(Drink::Cola, 1);
        e.add_drink(Drink::Espresso, 1);
        assert_eq!(e.caffeine_mg, Some(63.0 * 3.0 + 34.0));
        assert_eq!(e.drinks.len(), 2);
        assert_eq!("coffee".parse::<Drink>().unwrap(), Drink::BrewedCoffee);
        assert!("mate".parse::<Drink>().is_err());
    }

    #[test]
    fn validation_rejects_impossible_values_with_the_field_named() {
        let today = jiff::civil::date(2026, 1, 10);
        let ok = JournalEntry::new(today);
        assert!(ok.validate(today).is_ok());
        let cases: Vec<(JournalEntry, &str)> = vec![
            (
                JournalEntry {
                    caffeine_mg: Some(-5.0),
                    ..ok.clone()
                },
                "caffeine_mg",
            ),
            (
                JournalEntry {
                    caffeine_mg: Some(f32::NAN),
                    ..ok.clone()
                },
                "caffeine_mg",
            ),
            (
                JournalEntry {
                    sleep_hours: Some(30.0),
                    ..ok.clone()
                },
                "sleep_hours",
            ),
            (
                JournalEntry {
                    stress_0_10: Some(11),
                    ..ok.clone()
                },
                "stress_0_10",
            ),
            (
                JournalEntry {
                    sleep_quality_1_5: Some(0),
                    ..ok.clone()
                },
                "sleep_quality",
            ),
            (
                JournalEntry {
                    date: jiff::civil::date(2026, 1, 11),
                    ..ok.clone()
                },
                "future",
            ),
        ];
        for (entry, needle) in cases {
            let err = entry.validate(today).unwrap_err().to_string();
            assert!(err.contains(needle), "{err} should mention {needle}");
        }
        let mut med_later = ok.clone();
        med_later.date = jiff::civil::date(2026, 1, 2);
        med_later.medications.push(Medication {
            name: "salbutamol".into(),
            class: MedicationClass::Stimulant,
            started_on: Some(jiff::civil::date(2026, 1, 5)),
        });
        assert!(med_later.validate(today).is_err());
    }
}
