// The body of the `journal_input` fuzz target, shared with the corpus replay test in a normal
// `cargo test` (included with `include!`, so no inner attributes or doc comments here).
// Journal input must never panic: what a shell or the CLI types (the choice parsers) and what the
// store reads back (a journal entry or a check-in as JSON, possibly damaged) gets a typed error or
// a value whose validation answers.
use twitchwatch_journal::{
    BodySite, CheckIn, Drink, Hydration, JournalEntry, MedicationClass, SupplementKind, Symptom,
};

/// One input through the target's entry points; panics when an invariant breaks.
pub fn check(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = text.parse::<Drink>();
        let _ = text.parse::<MedicationClass>();
        let _ = text.parse::<SupplementKind>();
        let _ = text.parse::<Hydration>();
        let _ = text.parse::<BodySite>();
        let _ = text.parse::<Symptom>();
    }
    let today = jiff::civil::date(2026, 6, 1);
    if let Ok(entry) = serde_json::from_slice::<JournalEntry>(data) {
        let _ = entry.validate(today);
    }
    if let Ok(checkin) = serde_json::from_slice::<CheckIn>(data) {
        let _ = checkin.validate(1_780_000_000_000);
    }
}
