//! Calendar days cross the FFI as ISO-8601 strings (`2026-11-25`): `LocalDate.parse` in Kotlin,
//! `ISO8601DateFormatter` in Swift. Parsing here turns a malformed day into a clear error.

use jiff::civil::Date;

use crate::error::TwitchWatchError;

pub(crate) fn parse_date(field: &str, value: &str) -> Result<Date, TwitchWatchError> {
    value.trim().parse::<Date>().map_err(|_| {
        TwitchWatchError::invalid(format!(
            "{field}: '{value}' is not a calendar date; use YYYY-MM-DD, e.g. 2026-11-25"
        ))
    })
}

pub(crate) fn format_date(date: Date) -> String {
    date.to_string()
}
