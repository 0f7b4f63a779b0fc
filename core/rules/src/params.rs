//! Rule thresholds: defaults, the safe bounds a user or clinician may move them within, and
//! their resolution from the stored settings. docs/rules.md lists them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::RulesError;

/// One adjustable threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ParamSpec {
    pub key: &'static str,
    /// Rule id the threshold belongs to ("lifestyle" for the links, "monitoring" for all rules).
    pub rule: &'static str,
    pub default: f64,
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
    /// Whole numbers only (days, counts).
    pub integer: bool,
    pub description: &'static str,
}

macro_rules! rule_params {
    ($( $field:ident : $key:literal, $rule:literal, $default:expr, $min:expr, $max:expr, $unit:literal, $integer:expr, $desc:literal; )*) => {
        /// Every adjustable threshold with its default and safe bounds.
        pub const PARAMETERS: &[ParamSpec] = &[ $( ParamSpec {
            key: $key, rule: $rule, default: $default, min: $min, max: $max, unit: $unit,
            integer: $integer, description: $desc,
        }, )* ];

        /// Thresholds in force for one evaluation.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        pub struct RuleParams { $( pub $field: f64, )* }

        impl Default for RuleParams {
            fn default() -> Self { RuleParams { $( $field: $default, )* } }
        }

        impl RuleParams {
            fn slot(&mut self, key: &str) -> Option<&mut f64> {
                match key { $( $key => Some(&mut self.$field), )* _ => None }
            }

            pub fn get(&self, key: &str) -> Option<f64> {
                match key { $( $key => Some(self.$field), )* _ => None }
            }
        }
    };
}

rule_params! {
    min_worn_minutes: "monitoring.min_worn_minutes", "monitoring", 60.0, 15.0, 720.0, "min", true,
        "A day counts as monitored when the sensor was worn at least this long.";
    persistence_window_days: "persistence.window_days", "persistence", 21.0, 14.0, 90.0, "days", true,
        "How many recent days persistence looks at (the seed: 'several weeks or months').";
    persistence_min_twitches: "persistence.min_twitches_per_day", "persistence", 5.0, 1.0, 200.0, "twitches", true,
        "A monitored day with at least this many twitches is a twitching day.";
    persistence_most_days: "persistence.most_days_fraction", "persistence", 0.6, 0.5, 0.9, "fraction", false,
        "Fraction of monitored days that must be unexplained twitching days.";
    persistence_min_monitored: "persistence.min_monitored_fraction", "persistence", 0.5, 0.3, 1.0, "fraction", false,
        "Fraction of the window that must be monitored before persistence is judged.";
    spread_window_days: "spread_beyond_hands.window_days", "spread_beyond_hands", 28.0, 7.0, 90.0, "days", true,
        "Check-ins from this many recent days count.";
    spread_min_regions: "spread_beyond_hands.min_regions", "spread_beyond_hands", 1.0, 1.0, 5.0, "regions", true,
        "Distinct body regions beyond the hands needed to fire.";
    symptom_window_days: "symptoms.window_days", "symptoms", 28.0, 7.0, 90.0, "days", true,
        "Check-ins from this many recent days count for coordination, weakness and wasting.";
    bulbar_window_days: "swallowing_or_speaking.window_days", "swallowing_or_speaking", 14.0, 1.0, 30.0, "days", true,
        "Check-ins from this many recent days count for swallowing or speaking difficulty.";
    weakness_twitch_days: "weakness_with_twitching.twitch_days", "weakness_with_twitching", 3.0, 1.0, 14.0, "days", true,
        "Measured twitching days in the last 14 that make weakness 'with twitching'.";
    task_spread_multiplier: "task_change.spread_multiplier", "task_change", 2.5, 2.0, 5.0, "spreads", false,
        "A task session is beyond the person's baseline when it differs from the baseline median by more than this many robust spreads.";
    task_min_relative_spread: "task_change.min_relative_spread", "task_change", 0.08, 0.03, 0.25, "fraction", false,
        "The baseline's spread is at least this share of its median (three sessions can agree by chance).";
    task_sustained_sessions: "task_change.sustained_sessions", "task_change", 3.0, 2.0, 10.0, "sessions", true,
        "Consecutive sessions beyond the baseline, the latest included, that make a sustained change.";
    task_sustained_days: "task_change.sustained_days", "task_change", 3.0, 2.0, 14.0, "days", true,
        "Those sessions must fall on at least this many different days: one bad day never fires.";
    task_recent_days: "task_change.recent_days", "task_change", 28.0, 7.0, 90.0, "days", true,
        "A sustained decline counts for coordination, weakness or tremor progression while its latest session is this recent.";
    tremor_period_days: "tremor_progression.period_days", "tremor_progression", 28.0, 14.0, 56.0, "days", true,
        "Recent period compared with the period of the same length before it.";
    tremor_min_ratio: "tremor_progression.min_growth_ratio", "tremor_progression", 1.5, 1.2, 5.0, "ratio", false,
        "Tremor time per worn hour must grow at least this much.";
    tremor_min_minutes: "tremor_progression.min_recent_minutes_per_day", "tremor_progression", 2.0, 0.5, 60.0, "min/day", false,
        "Recent tremor must average at least this many minutes a day.";
    tremor_min_days: "tremor_progression.min_days_each", "tremor_progression", 10.0, 5.0, 14.0, "days", true,
        "Monitored days needed in each period.";
    tremor_task_min_percent: "tremor_progression.task_min_percent", "tremor_progression", 15.0, 5.0, 60.0, "%", false,
        "A sustained rise in a tremor task (resting, arms out) counts only when its sessions' median time in tremor is at least this.";
    caffeine_mg: "lifestyle.caffeine_mg_above", "lifestyle", 400.0, 100.0, 1000.0, "mg", false,
        "High-caffeine day: more than this (the seed: 'more than 400 milligrams of caffeine a day').";
    short_sleep_hours: "lifestyle.short_sleep_hours_below", "lifestyle", 6.0, 4.0, 8.0, "hours", false,
        "Short sleep: fewer hours than this.";
    poor_sleep_quality: "lifestyle.poor_sleep_quality_at_most", "lifestyle", 2.0, 1.0, 3.0, "1-5", true,
        "Poor sleep: quality at most this (counts as short sleep).";
    high_stress: "lifestyle.high_stress_at_least", "lifestyle", 7.0, 4.0, 10.0, "0-10", true,
        "High-stress day: stress at least this.";
    strain: "lifestyle.strain_at_least", "lifestyle", 7.0, 4.0, 10.0, "0-10", true,
        "Strain day: exertion at least this.";
    low_water_ml: "lifestyle.low_water_ml_below", "lifestyle", 1200.0, 500.0, 3000.0, "ml", false,
        "Dehydrated day: water below this, or hydration rated poor.";
    nicotine_mg: "lifestyle.nicotine_mg_above", "lifestyle", 0.0, 0.0, 50.0, "mg", false,
        "Nicotine day: more nicotine than this.";
    medication_recent_days: "lifestyle.medication_recent_days", "lifestyle", 28.0, 7.0, 90.0, "days", true,
        "A medication class counts as 'started recently' for this many days after its start.";
    link_min_days: "lifestyle.min_days_each", "lifestyle", 6.0, 4.0, 30.0, "days", true,
        "Monitored days needed both with and without a factor before any claim.";
    link_min_ratio: "lifestyle.min_rate_ratio", "lifestyle", 1.3, 1.1, 3.0, "ratio", false,
        "Smallest twitch-rate ratio reported as a link.";
    link_alpha: "lifestyle.alpha", "lifestyle", 0.05, 0.001, 0.1, "p", false,
        "Significance level after Holm correction across factors.";
    link_lookback_days: "lifestyle.lookback_days", "lifestyle", 90.0, 28.0, 365.0, "days", true,
        "How much history the links use.";
}

/// A threshold as a settings screen shows it: its spec and the value in force.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Threshold {
    pub key: String,
    /// The rule it belongs to (a rule id, "lifestyle" or "monitoring").
    pub rule: String,
    pub value: f64,
    pub default_value: f64,
    pub min: f64,
    pub max: f64,
    pub unit: String,
    /// Only whole numbers are accepted.
    pub integer: bool,
    pub description: String,
}

impl RuleParams {
    /// Every threshold with the value these parameters hold for it.
    pub fn thresholds(&self) -> Vec<Threshold> {
        PARAMETERS
            .iter()
            .map(|spec| Threshold {
                key: spec.key.to_owned(),
                rule: spec.rule.to_owned(),
                value: self.get(spec.key).unwrap_or(spec.default),
                default_value: spec.default,
                min: spec.min,
                max: spec.max,
                unit: spec.unit.to_owned(),
                integer: spec.integer,
                description: spec.description.to_owned(),
            })
            .collect()
    }
}

pub fn spec(key: &str) -> Option<&'static ParamSpec> {
    PARAMETERS.iter().find(|p| p.key == key)
}

/// Checks a proposed value against the parameter's safe bounds.
pub fn check_value(key: &str, value: f64) -> Result<&'static ParamSpec, RulesError> {
    let spec = spec(key).ok_or_else(|| RulesError::UnknownParameter {
        key: key.to_string(),
    })?;
    if !value.is_finite() || value < spec.min || value > spec.max {
        return Err(RulesError::OutOfBounds {
            key: spec.key,
            value,
            min: spec.min,
            max: spec.max,
            unit: spec.unit,
        });
    }
    if spec.integer && value.fract() != 0.0 {
        return Err(RulesError::NotWhole {
            key: spec.key,
            value,
        });
    }
    Ok(spec)
}

impl RuleParams {
    /// Defaults overridden by stored values. A stored value outside today's bounds (e.g. bounds
    /// tightened by an update) is ignored with a warning, never used.
    pub fn resolve(overrides: &BTreeMap<String, f64>) -> RuleParams {
        let mut params = RuleParams::default();
        for (key, &value) in overrides {
            match check_value(key, value) {
                Ok(_) => {
                    if let Some(slot) = params.slot(key) {
                        *slot = value;
                    }
                }
                Err(e) => tracing::warn!(%key, "ignoring a stored rule threshold: {e}"),
            }
        }
        params
    }

    /// The change criterion of the active tasks' baselines, from these thresholds.
    pub fn task_change_criterion(&self) -> twitchwatch_tasks::ChangeCriterion {
        twitchwatch_tasks::ChangeCriterion {
            spread_multiplier: self.task_spread_multiplier,
            min_relative_spread: self.task_min_relative_spread,
            sustained_sessions: RuleParams::days(self.task_sustained_sessions) as u32,
            sustained_days: RuleParams::days(self.task_sustained_days) as u32,
        }
    }

    pub fn days(value: f64) -> i64 {
        value.round().max(0.0) as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_lies_within_its_bounds_and_keys_are_unique() {
        let defaults = RuleParams::default();
        let mut keys = std::collections::BTreeSet::new();
        for p in PARAMETERS {
            assert!(p.min <= p.default && p.default <= p.max, "{}", p.key);
            assert_eq!(defaults.get(p.key), Some(p.default));
            assert!(keys.insert(p.key), "duplicate {}", p.key);
            assert!(check_value(p.key, p.default).is_ok());
        }
    }

    #[test]
    fn out_of_bounds_and_unknown_values_are_refused_and_ignored() {
        assert!(matches!(
            check_value("lifestyle.caffeine_mg_above", 5000.0),
            Err(RulesError::OutOfBounds { .. })
        ));
        assert!(matches!(
            check_value("persistence.window_days", 21.5),
            Err(RulesError::NotWhole { .. })
        ));
        assert!(check_value("nope", 1.0).is_err());
        let mut stored = BTreeMap::new();
        stored.insert("persistence.window_days".to_string(), 500.0);
        stored.insert("lifestyle.caffeine_mg_above".to_string(), 300.0);
        let p = RuleParams::resolve(&stored);
        assert_eq!(p.persistence_window_days, 21.0);
        assert_eq!(p.caffeine_mg, 300.0);
    }
}
