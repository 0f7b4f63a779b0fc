//! The journal's labels and amounts for the shells; the journal's records and enums derive UniFFI in
//! `twitchwatch-journal` itself.

use twitchwatch_journal::{BodySite, Drink, Symptom};

/// Typical caffeine of one serving of `drink`, in mg.
#[uniffi::export]
pub fn drink_caffeine_mg(drink: Drink) -> f32 {
    drink.caffeine_mg()
}

/// A person-readable label of a symptom ("difficulty swallowing").
#[uniffi::export]
pub fn symptom_label(symptom: Symptom) -> String {
    symptom.label().to_owned()
}

/// A person-readable label of a body site ("left forearm").
#[uniffi::export]
pub fn body_site_label(site: BodySite) -> String {
    site.label().to_owned()
}
