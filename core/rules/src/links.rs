//! Lifestyle links: twitch rate on days with vs without each factor the seed names, tested with a
//! one-sided Mann–Whitney U on per-day rates (Holm-corrected across factors).
//!
//! Why this test: daily twitch counts are over-dispersed (a Poisson test on pooled counts would
//! call almost any difference "significant" with thousands of twitches); the day is the unit
//! that varies, so the comparison is between days, rank-based and free of distribution shape.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::params::RuleParams;
use twitchwatch_journal::{Hydration, JournalEntry, MedicationClass};
use twitchwatch_model::names;
use twitchwatch_store::DaySummary;

/// A lifestyle or medication factor that the seed links to twitching.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Factor {
    #[strum(to_string = "caffeine")]
    HighCaffeine,
    ShortSleep,
    #[strum(to_string = "stress")]
    HighStress,
    Dehydration,
    Strain,
    Nicotine,
    StimulantStarted,
    AntidepressantStarted,
    DiureticStarted,
    CorticosteroidStarted,
}

impl Factor {
    pub const ALL: &'static [Factor] = <Self as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// "days above 400 mg caffeine" — completes "twitching is 2× more frequent on …".
    pub fn days_phrase(self, p: &RuleParams) -> String {
        match self {
            Factor::HighCaffeine => format!("days above {} mg caffeine", p.caffeine_mg),
            Factor::ShortSleep => format!(
                "days after less than {} hours or poor sleep",
                p.short_sleep_hours
            ),
            Factor::HighStress => format!("days with stress of {} or more out of 10", p.high_stress),
            Factor::Dehydration => format!(
                "days with poor hydration (under {} ml of water)",
                p.low_water_ml
            ),
            Factor::Strain => format!("days with exertion of {} or more out of 10", p.strain),
            Factor::Nicotine => "days with nicotine".to_string(),
            Factor::StimulantStarted => format!(
                "days within {} days of starting a stimulant medicine (e.g. for asthma or attention deficit)",
                p.medication_recent_days
            ),
            Factor::AntidepressantStarted => format!(
                "days within {} days of starting an antidepressant",
                p.medication_recent_days
            ),
            Factor::DiureticStarted => format!(
                "days within {} days of starting a diuretic",
                p.medication_recent_days
            ),
            Factor::CorticosteroidStarted => format!(
                "days within {} days of starting a corticosteroid",
                p.medication_recent_days
            ),
        }
    }

    /// What the user might change, in plain words.
    pub fn advice(self) -> &'static str {
        match self {
            Factor::HighCaffeine => "Keeping caffeine at or under 400 mg a day may reduce it.",
            Factor::ShortSleep => "More restorative sleep may reduce it.",
            Factor::HighStress => "Ways to lower stress (breaks, exercise, relaxation) may reduce it.",
            Factor::Dehydration => {
                "Drinking enough water and keeping electrolytes (magnesium, potassium, calcium) up may reduce it."
            }
            Factor::Strain => "Allowing muscles to recover after heavy exertion may reduce it.",
            Factor::Nicotine => "Cutting down on nicotine may reduce it.",
            Factor::StimulantStarted
            | Factor::AntidepressantStarted
            | Factor::DiureticStarted
            | Factor::CorticosteroidStarted => {
                "Mention it to the prescriber; do not stop a medicine on your own."
            }
        }
    }

    fn medication_class(self) -> Option<MedicationClass> {
        match self {
            Factor::StimulantStarted => Some(MedicationClass::Stimulant),
            Factor::AntidepressantStarted => Some(MedicationClass::Antidepressant),
            Factor::DiureticStarted => Some(MedicationClass::Diuretic),
            Factor::CorticosteroidStarted => Some(MedicationClass::Corticosteroid),
            _ => None,
        }
    }
}

impl std::str::FromStr for Factor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        names::find(s.trim()).ok_or_else(|| {
            format!(
                "unknown factor '{s}': use one of {}",
                names::choices::<Factor>()
            )
        })
    }
}

/// The first day each medication (by class and name) is known to have been taken.
pub type MedicationStarts = BTreeMap<(MedicationClass, String), Date>;

pub fn medication_starts<'a>(entries: impl Iterator<Item = &'a JournalEntry>) -> MedicationStarts {
    let mut starts = MedicationStarts::new();
    for e in entries {
        for m in &e.medications {
            let first = m.started_on.unwrap_or(e.date).min(e.date);
            starts
                .entry((m.class, m.name.trim().to_lowercase()))
                .and_modify(|d| *d = (*d).min(first))
                .or_insert(first);
        }
    }
    starts
}

fn days_between(a: Date, b: Date) -> i64 {
    a.until(b).map(|s| s.get_days() as i64).unwrap_or(i64::MAX)
}

/// Whether `factor` applied on the day of `entry`; `None` when the journal does not say.
pub fn factor_present(
    factor: Factor,
    entry: Option<&JournalEntry>,
    p: &RuleParams,
    starts: &MedicationStarts,
) -> Option<bool> {
    let e = entry?;
    match factor {
        Factor::HighCaffeine => e.caffeine_mg.map(|mg| mg as f64 > p.caffeine_mg),
        Factor::ShortSleep => {
            let short = e.sleep_hours.map(|h| (h as f64) < p.short_sleep_hours);
            let poor = e
                .sleep_quality_1_5
                .map(|q| q as f64 <= p.poor_sleep_quality);
            match (short, poor) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
            }
        }
        Factor::HighStress => e.stress_0_10.map(|s| s as f64 >= p.high_stress),
        Factor::Dehydration => {
            let poor = e.hydration.map(|h| h == Hydration::Poor);
            let low = e.water_ml.map(|ml| (ml as f64) < p.low_water_ml);
            match (poor, low) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
            }
        }
        Factor::Strain => e.exertion_0_10.map(|s| s as f64 >= p.strain),
        Factor::Nicotine => e.nicotine_mg.map(|mg| mg as f64 > p.nicotine_mg),
        _ => {
            let class = factor.medication_class()?;
            let recent = RuleParams::days(p.medication_recent_days);
            Some(e.medications.iter().filter(|m| m.class == class).any(|m| {
                starts
                    .get(&(class, m.name.trim().to_lowercase()))
                    .is_some_and(|start| days_between(*start, e.date) < recent)
            }))
        }
    }
}

/// How one factor relates to twitching over the lookback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct LifestyleLink {
    pub factor: Factor,
    /// Monitored days with the factor present / absent (days where the journal is silent are left out).
    pub days_with: u32,
    pub days_without: u32,
    /// Mean twitches per worn hour on those days.
    pub mean_rate_with: f64,
    pub mean_rate_without: f64,
    /// `mean_rate_with / mean_rate_without`; `None` when there was no twitching without it.
    pub rate_ratio: Option<f64>,
    /// One-sided Mann–Whitney p-value (more twitching with the factor), and after Holm correction.
    pub p_value: f64,
    pub p_adjusted: f64,
    /// Enough days on both sides to test at all.
    pub enough_data: bool,
    /// Significant after correction and at least the minimum ratio: we claim a link.
    pub linked: bool,
}

impl LifestyleLink {
    /// "twitching is 2.3× more frequent on days above 400 mg caffeine"
    pub fn sentence(&self, p: &RuleParams) -> String {
        match self.rate_ratio {
            Some(r) => format!(
                "twitching is {r:.1}× more frequent on {}",
                self.factor.days_phrase(p)
            ),
            None => format!("twitching happened only on {}", self.factor.days_phrase(p)),
        }
    }
}

/// One-sided Mann–Whitney U p-value that `with` tends to be larger than `without`
/// (normal approximation with tie and continuity correction).
pub fn mann_whitney_greater(with: &[f64], without: &[f64]) -> f64 {
    let n1 = with.len() as f64;
    let n2 = without.len() as f64;
    if with.is_empty() || without.is_empty() {
        return 1.0;
    }
    let mut all: Vec<(f64, bool)> = with
        .iter()
        .map(|&v| (v, true))
        .chain(without.iter().map(|&v| (v, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = all.len();
    let mut rank_sum_with = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i + 1;
        while j < n && all[j].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1..=j share their average.
        let avg_rank = (i + 1 + j) as f64 / 2.0;
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        rank_sum_with += all[i..j].iter().filter(|x| x.1).count() as f64 * avg_rank;
        i = j;
    }
    let u = rank_sum_with - n1 * (n1 + 1.0) / 2.0;
    let mean = n1 * n2 / 2.0;
    let total = n1 + n2;
    let var = n1 * n2 / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    if var <= 0.0 {
        return 1.0;
    }
    let z = (u - mean - 0.5) / var.sqrt();
    upper_normal_tail(z)
}

/// The standard normal's upper tail, 1 − Φ(z) = erfc(z/√2)/2 (libm's erfc; statrs computes its CDF
/// the same way but would bring nalgebra into the phone library for this one function).
fn upper_normal_tail(z: f64) -> f64 {
    (0.5 * libm::erfc(z / std::f64::consts::SQRT_2)).clamp(0.0, 1.0)
}

/// Holm step-down adjustment; returns adjusted p-values in the input order.
pub fn holm_adjust(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![1.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &idx) in order.iter().enumerate() {
        let adj = ((m - rank) as f64 * p_values[idx]).min(1.0);
        running_max = running_max.max(adj);
        adjusted[idx] = running_max;
    }
    adjusted
}

/// Computes the link of every factor over `days` (monitored days only) and `journal`.
pub fn lifestyle_links(
    days: &[DaySummary],
    journal: &BTreeMap<Date, &JournalEntry>,
    starts: &MedicationStarts,
    p: &RuleParams,
) -> Vec<LifestyleLink> {
    let min_days = RuleParams::days(p.link_min_days) as u32;
    let mut links = Vec::with_capacity(Factor::ALL.len());
    let mut with = Vec::new();
    let mut without = Vec::new();
    for &factor in Factor::ALL {
        with.clear();
        without.clear();
        for d in days {
            let Some(rate) = d.twitches_per_worn_hour(p.min_worn_minutes as f32) else {
                continue;
            };
            match factor_present(factor, journal.get(&d.date).copied(), p, starts) {
                Some(true) => with.push(rate),
                Some(false) => without.push(rate),
                None => {}
            }
        }
        let mean = |v: &[f64]| {
            if v.is_empty() {
                0.0
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        };
        let (mw, mwo) = (mean(&with), mean(&without));
        let enough = with.len() as u32 >= min_days && without.len() as u32 >= min_days;
        let p_value = if enough {
            mann_whitney_greater(&with, &without)
        } else {
            1.0
        };
        links.push(LifestyleLink {
            factor,
            days_with: with.len() as u32,
            days_without: without.len() as u32,
            mean_rate_with: mw,
            mean_rate_without: mwo,
            rate_ratio: (mwo > 0.0).then(|| mw / mwo),
            p_value,
            p_adjusted: 1.0,
            enough_data: enough,
            linked: false,
        });
    }
    let tested: Vec<usize> = (0..links.len()).filter(|&i| links[i].enough_data).collect();
    let adjusted = holm_adjust(&tested.iter().map(|&i| links[i].p_value).collect::<Vec<_>>());
    for (&i, adj) in tested.iter().zip(adjusted) {
        let link = &mut links[i];
        link.p_adjusted = adj;
        let big_enough = match link.rate_ratio {
            Some(r) => r >= p.link_min_ratio,
            None => link.mean_rate_with > 0.0,
        };
        link.linked = adj < p.link_alpha && big_enough;
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_tail_matches_the_tables() {
        for (z, tail) in [
            (0.0, 0.5),
            (1.959_964, 0.025),
            (-1.644_854, 0.95),
            (3.090_232, 0.001),
        ] {
            let got = upper_normal_tail(z);
            assert!((got - tail).abs() < 1e-6, "{z}: {got}");
        }
    }

    #[test]
    fn mann_whitney_separates_clear_groups_and_not_equal_ones() {
        let high = [10.0, 12.0, 11.0, 14.0, 13.0, 15.0, 12.5];
        let low = [1.0, 2.0, 1.5, 0.5, 2.5, 1.0, 0.0, 3.0];
        assert!(mann_whitney_greater(&high, &low) < 0.001);
        assert!(mann_whitney_greater(&low, &high) > 0.99);
        let same = [5.0; 8];
        assert_eq!(mann_whitney_greater(&same, &same), 1.0);
        // Worked by hand: U = 4.5, tie-corrected variance 22.5, z = -1.79 → p ≈ 0.963.
        let p = mann_whitney_greater(&[1.0, 2.0, 3.0, 4.0, 5.0], &[3.0, 4.0, 5.0, 6.0, 7.0]);
        assert!((p - 0.963).abs() < 0.002, "{p}");
    }

    #[test]
    fn holm_is_monotone_and_capped() {
        let adj = holm_adjust(&[0.01, 0.04, 0.03, 0.5]);
        assert!((adj[0] - 0.04).abs() < 1e-12);
        assert!((adj[2] - 0.09).abs() < 1e-12);
        assert!((adj[1] - 0.09).abs() < 1e-12);
        assert!((adj[3] - 0.5).abs() < 1e-12);
    }
}
