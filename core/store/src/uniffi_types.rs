//! How the stored types that UniFFI has no built-in for cross the FFI. Registered once here, the
//! lowest crate that has them; the crates above borrow them with `uniffi::use_remote_type!`.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::RuleParamValues;

/// A local calendar day. It crosses the FFI as ISO-8601 text (`2026-11-25`): `LocalDate.parse` in
/// Kotlin, `ISO8601DateFormatter` in Swift, `date.fromisoformat` in Python. Not called `Date` there:
/// Swift's Foundation and Java have a `Date` of their own, and the apps use both.
pub type CalendarDay = jiff::civil::Date;

/// Builds the error a malformed day from a shell becomes. UniFFI hands an argument that fails to
/// convert to the called function as its own error only when the conversion's error *is* that
/// function's error type, which lives in the FFI crate above this one; so the FFI crate registers
/// how to make it ([`set_invalid_day_error`]). Unset, the shell sees UniFFI's internal error with
/// the same sentence.
type InvalidDayError = fn(String) -> uniffi::deps::anyhow::Error;

static INVALID_DAY_ERROR: OnceLock<InvalidDayError> = OnceLock::new();

/// Registers how a malformed calendar day in an FFI argument is reported (first call wins).
pub fn set_invalid_day_error(make: InvalidDayError) {
    let _ = INVALID_DAY_ERROR.set(make);
}

fn invalid_day(text: &str) -> uniffi::deps::anyhow::Error {
    let reason = format!("'{text}' is not a calendar date; use YYYY-MM-DD, e.g. 2026-11-25");
    match INVALID_DAY_ERROR.get() {
        Some(make) => make(reason),
        None => uniffi::deps::anyhow::anyhow!(reason),
    }
}

uniffi::custom_type!(CalendarDay, String, {
    remote,
    try_lift: |text| text.trim().parse::<CalendarDay>().map_err(|_| invalid_day(&text)),
    lower: |date| date.to_string(),
});

// Rule thresholds are kept ordered in the store; the shells get a plain map.
uniffi::custom_type!(RuleParamValues, HashMap<String, f64>, {
    remote,
    try_lift: |map| Ok(map.into_iter().collect()),
    lower: |map| map.into_iter().collect(),
});
