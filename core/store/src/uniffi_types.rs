//! How the stored types that UniFFI has no built-in for cross the FFI. Registered once here, the
//! lowest crate that has them; the crates above borrow them with `uniffi::use_remote_type!`.

/// A local calendar day. It crosses the FFI as ISO-8601 text (`2026-11-25`): `LocalDate.parse` in
/// Kotlin, `ISO8601DateFormatter` in Swift, `date.fromisoformat` in Python.
pub type Date = jiff::civil::Date;

uniffi::custom_type!(Date, String, {
    remote,
    try_lift: |text| text.trim().parse::<Date>().map_err(|_| {
        uniffi::deps::anyhow::anyhow!("'{text}' is not a calendar date; use YYYY-MM-DD, e.g. 2026-11-25")
    }),
    lower: |date| date.to_string(),
});
